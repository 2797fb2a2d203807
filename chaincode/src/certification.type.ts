// Stored shape of a certified manufacturing data set (seed section 3.2.2): the SHA-256 of the data,
// the machine and period it covers, a KPI summary, and who certified it and when.
import { Context, Object as DataType, Property } from 'fabric-contract-api';
import { requireSha256 } from './util/hash';
import { fromBytes } from './util/stable';
import { parseJsonObject, rejectUnknownFields, requireId, requireText } from './util/validate';

/** KPIs that cannot be negative; any other KPI is a finite number. */
export const NON_NEGATIVE_KPIS = ['energyKwh', 'co2eKg'] as const;
export const KPI_NAME = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;
export const MAX_KPIS = 50;

@DataType()
export class Certification {
  @Property('docType', 'string')
  public docType!: 'certification';

  @Property('id', 'string')
  public id!: string;

  /** SHA-256 of the data set (lower-case hex). */
  @Property('sha256', 'string')
  public sha256!: string;

  @Property('machine', 'string')
  public machine!: string;

  /** ISO-8601 date-time with a time zone, as submitted; strictly before periodEnd. */
  @Property('periodStart', 'string')
  public periodStart!: string;

  @Property('periodEnd', 'string')
  public periodEnd!: string;

  /** KPI summary, for example {energyKwh, co2eKg}; numbers only. */
  @Property('kpis', 'string')
  public kpis!: Record<string, number>;

  /** The certifying party `<mspId>:<enrollmentId>`. */
  @Property('certifiedBy', 'string')
  public certifiedBy!: string;

  /** Transaction timestamp of the certification (rule 3). */
  @Property('certifiedAt', 'string')
  public certifiedAt!: string;

  @Property('txId', 'string')
  public txId!: string;

  /** Validates certifyData's argument {id, sha256, machine, periodStart, periodEnd, kpis}. */
  public static fromInput(json: string): {
    id: string;
    sha256: string;
    machine: string;
    periodStart: string;
    periodEnd: string;
    kpis: Record<string, number>;
  } {
    const obj = parseJsonObject(json, 'certification');
    rejectUnknownFields(
      obj,
      ['id', 'sha256', 'machine', 'periodStart', 'periodEnd', 'kpis'],
      'certification',
    );
    const id = requireId(obj['id'], 'certification id');
    const sha256 = requireSha256(obj['sha256'], 'sha256');
    const machine = requireText(obj['machine'], 'machine', 200);
    const start = requireInstant(obj['periodStart'], 'periodStart');
    const end = requireInstant(obj['periodEnd'], 'periodEnd');
    if (start.ns >= end.ns) throw new Error('periodStart must be before periodEnd');
    const kpis = requireKpis(obj['kpis']);
    return { id, sha256, machine, periodStart: start.text, periodEnd: end.text, kpis };
  }
}

const ISO_DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-](\d{2}):(\d{2}))$/;

/**
 * An ISO-8601 date-time with a time zone (`Z` or `±hh:mm`), seconds and up to nanoseconds optional.
 * Returns the text as given and the instant in nanoseconds since the epoch (for ordering).
 */
export function requireInstant(value: unknown, name: string): { text: string; ns: bigint } {
  const fail = (): never => {
    throw new Error(`${name} must be an ISO-8601 date-time with a time zone, e.g. 2024-05-01T00:00:00Z`);
  };
  if (typeof value !== 'string') return fail();
  const m = ISO_DATE_TIME.exec(value);
  if (!m) return fail();
  const [, y, mo, d, h, mi, s, frac, zone, zh, zm] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s ?? '0');
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth || hour > 23 || minute > 59 || second > 59)
    return fail();
  let offsetMinutes = 0;
  if (zone !== 'Z') {
    const oh = Number(zh);
    const om = Number(zm);
    if (oh > 23 || om > 59) return fail();
    offsetMinutes = (zone?.startsWith('-') ? -1 : 1) * (oh * 60 + om);
  }
  const ms = Date.UTC(year, month - 1, day, hour, minute, second) - offsetMinutes * 60_000;
  const ns = BigInt(ms) * 1_000_000n + BigInt((frac ?? '').padEnd(9, '0') || '0');
  return { text: value, ns };
}

/** The KPI summary: an object of at most 50 finite numbers; energyKwh and co2eKg at least 0. */
export function requireKpis(value: unknown): Record<string, number> {
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw new Error('kpis must be an object of numeric KPIs, e.g. {"energyKwh": 12.5, "co2eKg": 4.2}');
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length > MAX_KPIS)
    throw new Error(`kpis must hold at most ${MAX_KPIS} KPIs, got ${entries.length}`);
  const out: Record<string, number> = {};
  for (const [key, v] of entries) {
    if (!KPI_NAME.test(key))
      throw new Error(`kpi name '${key}' must be 1-64 letters, digits or '_', starting with a letter`);
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`kpis.${key} must be a finite number`);
    if ((NON_NEGATIVE_KPIS as readonly string[]).includes(key) && v < 0)
      throw new Error(`kpis.${key} must be a number >= 0`);
    out[key] = v;
  }
  return out;
}

export const CERTIFICATION = 'certification';

export function certificationKey(ctx: Context, id: string): string {
  return ctx.stub.createCompositeKey(CERTIFICATION, [id]);
}

export async function readCertification(ctx: Context, id: string): Promise<Certification | undefined> {
  const bytes = await ctx.stub.getState(certificationKey(ctx, id));
  return bytes && bytes.length > 0 ? fromBytes<Certification>(bytes) : undefined;
}
