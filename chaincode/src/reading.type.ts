// Sensor readings (seed 4.1, 4.3): one key per reading, deterministic from device + sequence
// (rule 4), never a key shared by concurrent devices (rule 5).
import { Context, Object as DataType, Property } from 'fabric-contract-api';
import { SENSOR_FIELDS, type SensorField } from './shipment.type';
import { stableStringify } from './util/stable';
import { rejectUnknownFields, requireId } from './util/validate';

export const MAX_READINGS_PER_BATCH = 500;
/** Sequences are zero-padded to 12 digits in keys so that key order is sequence order. */
export const MAX_SEQUENCE = 999_999_999_999;

export const READING = 'reading~shipment~device~seq';
export const READING_BY_DEVICE = 'reading~device~seq';
export const VIOLATION = 'violation~shipment~device~seq';

@DataType()
export class GeoLocation {
  @Property('lat', 'number')
  public lat!: number;

  @Property('lon', 'number')
  public lon!: number;
}

@DataType()
export class ConditionViolation {
  @Property('field', 'string')
  public field!: SensorField;

  @Property('value', 'number')
  public value!: number;

  @Property('min', 'number')
  public min!: number;

  @Property('max', 'number')
  public max!: number;
}

/** What the device reports; idempotency compares exactly these fields. */
@DataType()
export class ReadingInput {
  @Property('shipmentId', 'string')
  public shipmentId!: string;

  @Property('deviceId', 'string')
  public deviceId!: string;

  @Property('sequence', 'number')
  public sequence!: number;

  /** ISO-8601 time from the device's clock (as sent). */
  @Property('timestamp', 'string')
  public timestamp!: string;

  @Property('temperature', 'number')
  public temperature?: number;

  @Property('humidity', 'number')
  public humidity?: number;

  @Property('pressure', 'number')
  public pressure?: number;

  @Property('location', 'GeoLocation')
  public location?: GeoLocation;

  public static from(raw: unknown, where = 'reading'): ReadingInput {
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw))
      throw new Error(`${where} must be a JSON object`);
    const obj = raw as Record<string, unknown>;
    rejectUnknownFields(
      obj,
      ['shipmentId', 'deviceId', 'sequence', 'timestamp', 'temperature', 'humidity', 'pressure', 'location'],
      where,
    );
    const r = new ReadingInput();
    r.shipmentId = requireId(obj['shipmentId'], 'shipmentId');
    r.deviceId = requireId(obj['deviceId'], 'deviceId');
    const seq = obj['sequence'];
    if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 0)
      throw new Error('sequence must be a non-negative integer');
    if (seq > MAX_SEQUENCE) throw new Error(`sequence must not exceed ${MAX_SEQUENCE}`);
    r.sequence = seq;
    r.timestamp = requireIsoTimestamp(obj['timestamp'], 'timestamp');
    for (const field of SENSOR_FIELDS) {
      const v = obj[field];
      if (v === undefined || v === null) continue;
      if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`${field} must be a number`);
      r[field] = v;
    }
    const loc = obj['location'];
    if (loc !== undefined && loc !== null) {
      if (typeof loc !== 'object' || Array.isArray(loc))
        throw new Error('location must be an object {lat, lon}');
      const l = loc as Record<string, unknown>;
      rejectUnknownFields(l, ['lat', 'lon'], 'location');
      const lat = l['lat'];
      const lon = l['lon'];
      if (typeof lat !== 'number' || !Number.isFinite(lat) || lat < -90 || lat > 90)
        throw new Error('location.lat must be a number from -90 to 90');
      if (typeof lon !== 'number' || !Number.isFinite(lon) || lon < -180 || lon > 180)
        throw new Error('location.lon must be a number from -180 to 180');
      const g = new GeoLocation();
      g.lat = lat;
      g.lon = lon;
      r.location = g;
    }
    if (r.temperature === undefined && r.humidity === undefined && r.pressure === undefined && !r.location)
      throw new Error('reading must carry at least one of temperature, humidity, pressure, location');
    return r;
  }
}

/** The stored reading: what the device sent plus who submitted it, in which transaction, and its violations. */
@DataType()
export class Reading extends ReadingInput {
  @Property('docType', 'string')
  public docType!: 'reading';

  /** The party (device identity) that submitted it: the device itself or its gateway. */
  @Property('submittedBy', 'string')
  public submittedBy!: string;

  @Property('txId', 'string')
  public txId!: string;

  @Property('recordedAt', 'string')
  public recordedAt!: string;

  @Property('violations', 'ConditionViolation[]')
  public violations!: ConditionViolation[];
}

/** Canonical bytes of the device-reported content, for the idempotency comparison. */
export function readingContent(r: ReadingInput): string {
  return stableStringify({
    shipmentId: r.shipmentId,
    deviceId: r.deviceId,
    sequence: r.sequence,
    timestamp: r.timestamp,
    temperature: r.temperature,
    humidity: r.humidity,
    pressure: r.pressure,
    location: r.location ? { lat: r.location.lat, lon: r.location.lon } : undefined,
  });
}

export function seqKeyPart(sequence: number): string {
  return String(sequence).padStart(12, '0');
}

export function readingKey(ctx: Context, shipmentId: string, deviceId: string, sequence: number): string {
  return ctx.stub.createCompositeKey(READING, [shipmentId, deviceId, seqKeyPart(sequence)]);
}

export function readingByDeviceKey(ctx: Context, deviceId: string, sequence: number): string {
  return ctx.stub.createCompositeKey(READING_BY_DEVICE, [deviceId, seqKeyPart(sequence)]);
}

export function violationKey(ctx: Context, shipmentId: string, deviceId: string, sequence: number): string {
  return ctx.stub.createCompositeKey(VIOLATION, [shipmentId, deviceId, seqKeyPart(sequence)]);
}

const ISO = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

/** ISO-8601 date-time with seconds and a zone (Z or ±hh:mm); the calendar date must exist. */
export function requireIsoTimestamp(value: unknown, name: string): string {
  const message = `${name} must be an ISO-8601 date-time with a time zone, such as 2018-12-31T10:00:00Z`;
  if (typeof value !== 'string') throw new Error(message);
  const m = ISO.exec(value);
  if (!m) throw new Error(message);
  const [y, mo, d, h, mi, s] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const probe = new Date(Date.UTC(y, mo - 1, d));
  if (
    probe.getUTCFullYear() !== y ||
    probe.getUTCMonth() !== mo - 1 ||
    probe.getUTCDate() !== d ||
    h > 23 ||
    mi > 59 ||
    s > 59
  )
    throw new Error(message);
  if (Number.isNaN(Date.parse(value))) throw new Error(message);
  return value;
}

/** Milliseconds since the epoch of a validated timestamp (deterministic: no clock involved). */
export function epochMs(iso: string): number {
  return Date.parse(iso);
}
