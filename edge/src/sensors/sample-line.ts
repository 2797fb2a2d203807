// Parsing of one JSON line from an external program into a SensorSample. Strict, because a lenient parser
// would let a typo ("temprature") silently drop a measurement that a shipment's conditions depend on.

import { SENSOR_FIELDS, type SensorSample } from '../reading';
import {
  DEVICE_ID_RULE,
  TIMESTAMP_RULE,
  isDeviceId,
  isIsoTimestamp,
  isLatitude,
  isLongitude,
} from './validate';

const ALLOWED = new Set<string>(['deviceId', 'timestamp', ...SENSOR_FIELDS, 'location']);

export interface LineDefaults {
  /** For lines without a deviceId. */
  readonly deviceId: string;
  /** ISO-8601 time for lines without a timestamp; called only for those. */
  readonly now: () => string;
}

export type LineResult =
  { readonly ok: true; readonly sample: SensorSample } | { readonly ok: false; readonly reason: string };

/**
 * `null` counts as absent (as in the chaincode), because tools commonly print null for a sensor that gave no
 * value; every other wrong type is refused.
 */
export function parseSampleLine(line: string, defaults: LineDefaults): LineResult {
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch (err) {
    return fail(`not valid JSON (${(err as Error).message})`);
  }
  return parseSampleObject(raw, defaults);
}

/** The same checks on an already parsed value (the small-device endpoint receives JSON bodies). */
export function parseSampleObject(raw: unknown, defaults: LineDefaults): LineResult {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return fail('not a JSON object');
  const obj = raw as Record<string, unknown>;
  for (const key of Object.keys(obj)) {
    if (!ALLOWED.has(key)) return fail(`unknown field "${key}"`);
  }

  const sample: { -readonly [K in keyof SensorSample]: SensorSample[K] } = { deviceId: '', timestamp: '' };
  const deviceId = obj['deviceId'] ?? defaults.deviceId;
  if (!isDeviceId(deviceId)) return fail(`deviceId ${DEVICE_ID_RULE}`);
  sample.deviceId = deviceId;

  let measured = false;
  for (const field of SENSOR_FIELDS) {
    const v = obj[field];
    if (v === undefined || v === null) continue;
    if (typeof v !== 'number' || !Number.isFinite(v)) return fail(`${field} must be a finite number`);
    sample[field] = v;
    measured = true;
  }

  const loc = obj['location'];
  if (loc !== undefined && loc !== null) {
    if (typeof loc !== 'object' || Array.isArray(loc)) return fail('location must be an object {lat, lon}');
    const l = loc as Record<string, unknown>;
    for (const key of Object.keys(l)) {
      if (key !== 'lat' && key !== 'lon') return fail(`location has unknown field "${key}"`);
    }
    if (!isLatitude(l['lat'])) return fail('location.lat must be a number from -90 to 90');
    if (!isLongitude(l['lon'])) return fail('location.lon must be a number from -180 to 180');
    sample.location = { lat: l['lat'], lon: l['lon'] };
    measured = true;
  }
  if (!measured)
    return fail(`a sample must carry at least one of ${[...SENSOR_FIELDS, 'location'].join(', ')}`);

  const ts = obj['timestamp'];
  if (ts === undefined || ts === null) sample.timestamp = defaults.now();
  else if (isIsoTimestamp(ts)) sample.timestamp = ts;
  else return fail(`timestamp ${TIMESTAMP_RULE}`);

  return { ok: true, sample };
}

function fail(reason: string): LineResult {
  return { ok: false, reason };
}
