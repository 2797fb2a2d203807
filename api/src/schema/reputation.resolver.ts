// Reputation (seed 3.2.5, 3.3 step 6): each party of a closed order rates the other once; a party's
// reputation is public to every member and read from the ledger through the batching loader.

import { Arg, Ctx, Mutation, Query, Resolver } from 'type-graphql';
import type { ApiContext } from '../context.type';
import { badInput } from '../errors';
import { MutationOptions, type Payload } from './common.type';
import { RatingInput } from './reputation.input';
import { Rating, RatingPayload, Reputation } from './reputation.type';
import { compact } from './page';
import { json, requireCaller, submitAs } from './resolve';

/** The chaincode's party id rule (chaincode/src/util/identity.ts isPartyId). */
const PARTY_ID = /^[^:\s]+:\S+$/;

@Resolver(() => Reputation)
export class ReputationResolver {
  @Query(() => Reputation, { description: "A party's ratings and their mean, from the ledger" })
  async reputation(@Arg('partyId') partyId: string, @Ctx() ctx: ApiContext): Promise<Reputation> {
    requireCaller(ctx);
    // One malformed id makes getReputations refuse the whole batch, failing other loads in the request.
    if (partyId.length > 300 || !PARTY_ID.test(partyId)) {
      throw badInput('partyId must be a party id of the form <mspId>:<enrollmentId>');
    }
    return (await ctx.loaders.reputation.load(partyId)) as unknown as Reputation;
  }

  @Mutation(() => RatingPayload, { description: 'Rates the other party of a closed order; once per order' })
  rate(
    @Arg('input', () => RatingInput) input: RatingInput,
    @Arg('options', () => MutationOptions, { nullable: true }) options: MutationOptions | undefined,
    @Ctx() ctx: ApiContext,
  ): Promise<Payload<Rating>> {
    return submitAs(ctx, 'reputation:rate', [json(compact(input))], options);
  }
}
