// Certified manufacturing data (seed 3.2.2): a party certifies a data set by its SHA-256; anyone can
// later verify a hash against the record. Certifications are readable by every member.

import { Arg, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { ApiContext } from '../context.type';
import { badInput } from '../errors';
import { CertificationInput } from './certification.input';
import { Certification, CertificationPayload, HashVerification, Kpi } from './certification.type';
import { MutationOptions, type Payload } from './common.type';
import { loadPublic } from './page';
import { evaluateAs, json, submitAs } from './resolve';

@Resolver(() => Certification)
export class CertificationResolver {
  @Query(() => Certification, { description: 'One certification, from the ledger' })
  certification(@Arg('id', () => ID) id: string, @Ctx() ctx: ApiContext): Promise<Certification> {
    return loadPublic<Certification>(ctx, 'certification', id);
  }

  @Query(() => HashVerification, { description: 'Compares a SHA-256 with the certified one, on the ledger' })
  verifyHash(
    @Arg('certificationId', () => ID) certificationId: string,
    @Arg('sha256') sha256: string,
    @Ctx() ctx: ApiContext,
  ): Promise<HashVerification> {
    return evaluateAs<HashVerification>(ctx, 'certification:verifyHash', [certificationId, sha256]);
  }

  @FieldResolver(() => [Kpi], { description: 'The KPI summary, by name' })
  kpis(@Root() c: Certification): Kpi[] {
    return Object.entries(c.kpis ?? {})
      .map(([name, value]) => ({ name, value }))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  @Mutation(() => CertificationPayload, { description: 'Certifies a data set; the caller is the certifier' })
  certifyData(
    @Arg('input', () => CertificationInput) input: CertificationInput,
    @Arg('options', () => MutationOptions, { nullable: true }) options: MutationOptions | undefined,
    @Ctx() ctx: ApiContext,
  ): Promise<Payload<Certification>> {
    const kpis: Record<string, number> = {};
    for (const { name, value } of input.kpis) {
      // As an object a repeated name would silently keep the last value.
      if (Object.hasOwn(kpis, name)) throw badInput(`kpis list '${name}' twice`);
      kpis[name] = value;
    }
    return submitAs(ctx, 'certification:certifyData', [json({ ...input, kpis })], options);
  }
}
