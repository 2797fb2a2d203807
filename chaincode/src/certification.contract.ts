// Certified manufacturing data (seed section 3.2.2): a party certifies a data set by its SHA-256,
// the machine and period it covers and a KPI summary (energy, CO2e, ...); anyone can later verify
// a hash against the record and see who certified it and when. A certification is written once.
import { Context, Contract, Info, Param, Returns, Transaction } from 'fabric-contract-api';
import { Certification, certificationKey, readCertification } from './certification.type';
import { callerOf } from './util/identity';
import { requireSha256 } from './util/hash';
import { stableStringify, toBytes } from './util/stable';
import { txTime } from './util/time';
import { parseIdList, requireId } from './util/validate';

@Info({
  title: 'CertificationContract',
  description: 'Certification of manufacturing data sets by SHA-256, with machine, period and KPIs',
})
export class CertificationContract extends Contract {
  constructor() {
    super('certification');
  }

  /**
   * Certifies a data set; the caller is recorded as the certifier and the transaction time as the
   * certification time. The same certification again (same certifier and content) is a no-op that
   * returns the existing record; different content under the same id is an error naming the fields.
   */
  @Transaction()
  @Param(
    'certificationJson',
    'string',
    '{id, sha256 (64 hex), machine, periodStart, periodEnd (ISO-8601), kpis:{energyKwh?, co2eKg?, ...}}',
  )
  @Returns('string')
  public async certifyData(ctx: Context, certificationJson: string): Promise<string> {
    const caller = callerOf(ctx);
    const input = Certification.fromInput(certificationJson);

    const existing = await readCertification(ctx, input.id);
    if (existing) {
      const differs = [
        existing.certifiedBy !== caller.partyId ? 'certifier' : undefined,
        existing.sha256 !== input.sha256 ? 'sha256' : undefined,
        existing.machine !== input.machine ? 'machine' : undefined,
        existing.periodStart !== input.periodStart ? 'periodStart' : undefined,
        existing.periodEnd !== input.periodEnd ? 'periodEnd' : undefined,
        stableStringify(existing.kpis) !== stableStringify(input.kpis) ? 'kpis' : undefined,
      ].filter((f): f is string => f !== undefined);
      if (differs.length > 0)
        throw new Error(`certification ${input.id} already exists with a different ${differs.join(', ')}`);
      return stableStringify(existing);
    }

    const c = new Certification();
    Object.assign(c, {
      docType: 'certification',
      ...input,
      certifiedBy: caller.partyId,
      certifiedAt: txTime(ctx),
      txId: ctx.stub.getTxID(),
    });
    await ctx.stub.putState(certificationKey(ctx, c.id), toBytes(c));
    ctx.stub.setEvent(
      'DataCertified',
      toBytes({
        certificationId: c.id,
        sha256: c.sha256,
        machine: c.machine,
        certifiedBy: c.certifiedBy,
        parties: [c.certifiedBy],
        certifiedAt: c.certifiedAt,
      }),
    );
    return stableStringify(c);
  }

  /** Compares a SHA-256 with the certified one: {id, match, sha256, certifiedBy, certifiedAt}. */
  @Transaction(false)
  @Returns('string')
  public async verifyHash(ctx: Context, certificationId: string, sha256: string): Promise<string> {
    const c = await this.read(ctx, certificationId);
    const given = requireSha256(sha256, 'sha256');
    return stableStringify({
      id: c.id,
      match: given === c.sha256,
      sha256: c.sha256,
      certifiedBy: c.certifiedBy,
      certifiedAt: c.certifiedAt,
    });
  }

  @Transaction(false)
  @Returns('string')
  public async getCertification(ctx: Context, certificationId: string): Promise<string> {
    return stableStringify(await this.read(ctx, certificationId));
  }

  /** Batch read: JSON array of up to 100 ids; same order, null for missing. */
  @Transaction(false)
  @Returns('string')
  public async getMany(ctx: Context, idsJson: string): Promise<string> {
    const ids = parseIdList(idsJson);
    const out: (Certification | null)[] = [];
    for (const id of ids) out.push((await readCertification(ctx, id)) ?? null);
    return stableStringify(out);
  }

  private async read(ctx: Context, certificationId: string): Promise<Certification> {
    requireId(certificationId, 'certificationId');
    const c = await readCertification(ctx, certificationId);
    if (!c) throw new Error(`certification ${certificationId} does not exist`);
    return c;
  }
}
