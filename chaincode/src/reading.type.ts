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
export const SUMMARY = 'summary~shipment~device~seq';

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
    r.sequence = requireSequence(obj['sequence']);
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

/** A device sequence number: readings and summaries share one sequence space per device. */
export function requireSequence(value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0)
    throw new Error('sequence must be a non-negative integer');
  if (value > MAX_SEQUENCE) throw new Error(`sequence must not exceed ${MAX_SEQUENCE}`);
  return value;
}

/** The smallest and largest value of one sensor field over a summary's period. */
@DataType()
export class SensorRange {
  @Property('min', 'number')
  public min!: number;

  @Property('max', 'number')
  public max!: number;
}

/** Per sensor field, its range over the summary's period; at least one field is present. */
@DataType()
export class SummarySensors {
  @Property('temperature', 'SensorRange')
  public temperature?: SensorRange;

  @Property('humidity', 'SensorRange')
  public humidity?: SensorRange;

  @Property('pressure', 'SensorRange')
  public pressure?: SensorRange;
}

/**
 * What a device running a "threshold" rule reports periodically: min and max per sensor since its last
 * summary. It takes one sequence number from the device's sequence space (shared with readings).
 */
@DataType()
export class SummaryInput {
  @Property('shipmentId', 'string')
  public shipmentId!: string;

  @Property('deviceId', 'string')
  public deviceId!: string;

  @Property('sequence', 'number')
  public sequence!: number;

  /** ISO-8601 start of the period, from the device's clock (as sent). */
  @Property('from', 'string')
  public from!: string;

  /** ISO-8601 end of the period, from the device's clock (as sent); not before `from`. */
  @Property('to', 'string')
  public to!: string;

  /** How many samples the device took over the period (at least one). */
  @Property('count', 'number')
  public count!: number;

  @Property('sensors', 'SummarySensors')
  public sensors!: SummarySensors;

  public static from(raw: unknown, where = 'summary'): SummaryInput {
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw))
      throw new Error(`${where} must be a JSON object`);
    const obj = raw as Record<string, unknown>;
    rejectUnknownFields(obj, ['shipmentId', 'deviceId', 'sequence', 'from', 'to', 'count', 'sensors'], where);
    const r = new SummaryInput();
    r.shipmentId = requireId(obj['shipmentId'], 'shipmentId');
    r.deviceId = requireId(obj['deviceId'], 'deviceId');
    r.sequence = requireSequence(obj['sequence']);
    r.from = requireIsoTimestamp(obj['from'], 'from');
    r.to = requireIsoTimestamp(obj['to'], 'to');
    if (epochMs(r.from) > epochMs(r.to)) throw new Error('from must not be after to');
    const count = obj['count'];
    if (typeof count !== 'number' || !Number.isSafeInteger(count) || count < 1)
      throw new Error('count must be a positive integer');
    r.count = count;
    const sensors = obj['sensors'];
    if (sensors === null || typeof sensors !== 'object' || Array.isArray(sensors))
      throw new Error(`sensors must be an object {${SENSOR_FIELDS.map((f) => `${f}?`).join(', ')}}`);
    const so = sensors as Record<string, unknown>;
    rejectUnknownFields(so, SENSOR_FIELDS, 'sensors');
    r.sensors = new SummarySensors();
    for (const field of SENSOR_FIELDS) {
      const range = so[field];
      if (range === undefined || range === null) continue;
      const name = `sensors.${field}`;
      if (typeof range !== 'object' || Array.isArray(range))
        throw new Error(`${name} must be an object {min, max}`);
      const ro = range as Record<string, unknown>;
      rejectUnknownFields(ro, ['min', 'max'], name);
      const min = ro['min'];
      const max = ro['max'];
      if (typeof min !== 'number' || !Number.isFinite(min)) throw new Error(`${name}.min must be a number`);
      if (typeof max !== 'number' || !Number.isFinite(max)) throw new Error(`${name}.max must be a number`);
      if (min > max) throw new Error(`${name}.min ${min} must not exceed max ${max}`);
      const sr = new SensorRange();
      sr.min = min;
      sr.max = max;
      r.sensors[field] = sr;
    }
    if (SENSOR_FIELDS.every((f) => r.sensors[f] === undefined))
      throw new Error(`sensors must carry at least one of ${SENSOR_FIELDS.join(', ')}`);
    return r;
  }
}

/** The stored summary: what the device sent plus who submitted it, in which transaction, and its violations. */
@DataType()
export class SensorSummaryRecord extends SummaryInput {
  @Property('docType', 'string')
  public docType!: 'summary';

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

/**
 * Canonical bytes of the device-reported summary, for the idempotency comparison. It is marked as a
 * summary, so it never equals a reading's content under the same device and sequence.
 */
export function summaryContent(s: SummaryInput): string {
  const sensors: Record<string, { min: number; max: number }> = {};
  for (const field of SENSOR_FIELDS) {
    const range = s.sensors[field];
    if (range) sensors[field] = { min: range.min, max: range.max };
  }
  return stableStringify({
    kind: 'summary',
    shipmentId: s.shipmentId,
    deviceId: s.deviceId,
    sequence: s.sequence,
    from: s.from,
    to: s.to,
    count: s.count,
    sensors,
  });
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

export function summaryKey(ctx: Context, shipmentId: string, deviceId: string, sequence: number): string {
  return ctx.stub.createCompositeKey(SUMMARY, [shipmentId, deviceId, seqKeyPart(sequence)]);
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
