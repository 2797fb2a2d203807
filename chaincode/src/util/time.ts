import { type Context } from 'fabric-contract-api';

/** The transaction timestamp as ISO-8601 with nanoseconds: deterministic across endorsers (rule 3). */
export function txTime(ctx: Context): string {
  const ts = ctx.stub.getTxTimestamp();
  return timestampIso(ts);
}

export function timestampIso(ts: { seconds: { toString(): string } | number; nanos: number }): string {
  const seconds = Number(ts.seconds.toString());
  const base = new Date(seconds * 1000).toISOString().slice(0, 19);
  return `${base}.${String(ts.nanos).padStart(9, '0')}Z`;
}
