// Option and input checks shared by the sources. Device ids and timestamps follow the chaincode's rules
// (chaincode/src/util/validate.ts, chaincode/src/reading.type.ts) so that the edge never produces a sample
// the contract would refuse; they are copied because the chaincode is built as a separate project.

/** Same as the chaincode's ID_PATTERN. */
export const DEVICE_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export const DEVICE_ID_RULE =
  "must be 1-128 characters of letters, digits, '.', '_' or '-', starting with a letter or digit";

export const TIMESTAMP_RULE = 'must be an ISO-8601 date-time with a time zone, such as 2018-12-31T10:00:00Z';

const ISO = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

export function isDeviceId(value: unknown): value is string {
  return typeof value === 'string' && DEVICE_ID_PATTERN.test(value);
}

/** ISO-8601 date-time with seconds and a zone; the calendar date must exist (as the chaincode checks). */
export function isIsoTimestamp(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  const m = ISO.exec(value);
  if (!m) return false;
  const [y, mo, d, h, mi, s] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const probe = new Date(Date.UTC(y, mo - 1, d));
  return (
    probe.getUTCFullYear() === y &&
    probe.getUTCMonth() === mo - 1 &&
    probe.getUTCDate() === d &&
    h <= 23 &&
    mi <= 59 &&
    s <= 59 &&
    !Number.isNaN(Date.parse(value))
  );
}

export function requireDeviceId(value: unknown, where: string): string {
  if (!isDeviceId(value)) throw new Error(`${where}: deviceId ${DEVICE_ID_RULE}`);
  return value;
}

export function requireNonNegativeInteger(value: unknown, where: string, name: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0)
    throw new Error(`${where}: ${name} must be a non-negative integer`);
  return value;
}

export function requirePositiveInteger(value: unknown, where: string, name: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0)
    throw new Error(`${where}: ${name} must be a positive integer`);
  return value;
}

export function requireFinite(value: unknown, where: string, name: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value))
    throw new Error(`${where}: ${name} must be a finite number`);
  return value;
}

export function isLatitude(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= -90 && value <= 90;
}

export function isLongitude(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= -180 && value <= 180;
}

export function round(value: number, decimals: number): number {
  const f = 10 ** decimals;
  // Adding 0 turns -0 into 0, which would otherwise print as "-0" in some tools.
  return Math.round(value * f) / f + 0;
}

/** Array.isArray without widening a typed (possibly readonly) list to any[]. */
export function isList(value: unknown): value is readonly unknown[] {
  return Array.isArray(value);
}
