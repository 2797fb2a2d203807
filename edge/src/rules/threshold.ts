// Records a sample only when it crosses an agreed condition, plus a periodic min/max summary per device:
// the ledger keeps what matters for the contract (when the cargo left and re-entered its limits) at a
// fraction of the transactions of recording everything (seed 4.3).
//
// Crossing: for a field that some condition constrains and the sample carries, in-bounds means within
// every condition on that field. The sample is a crossing when that state differs from the field's state
// in the device's latest earlier sample that carried the field; a field seen for the first time counts as
// a crossing when out of bounds.
//
// Baseline: the very first sample of each device is always recorded, so the ledger shows where a device's
// series starts even when it starts in bounds and never leaves them.

import {
  SENSOR_FIELDS,
  type Condition,
  type SensorField,
  type SensorSample,
  type SensorSummary,
} from '../reading';
import { type Decision, type EdgeRule } from './rule';

const WHERE = 'threshold rule';

export interface ThresholdRuleOptions {
  readonly conditions: readonly Condition[];
  /** Period of the per-device summaries. */
  readonly summaryIntervalMs: number;
}

interface Window {
  count: number;
  from: string;
  fromMs: number;
  to: string;
  toMs: number;
  readonly sensors: Partial<Record<SensorField, { min: number; max: number }>>;
}

interface DeviceState {
  /** Last known in-bounds state per constrained field. */
  readonly inBounds: Map<SensorField, boolean>;
  /** Samples since the last summary, if any. */
  window: Window | undefined;
  /**
   * Time the summary period runs from: the last summary's tick, or the first sample's timestamp when there
   * has been no summary (or the last one came from flush, which has no time).
   */
  since: number | undefined;
}

export function newThresholdRule(options: ThresholdRuleOptions): EdgeRule {
  const conditions = validateConditions(options.conditions);
  const interval = options.summaryIntervalMs;
  if (typeof interval !== 'number' || !Number.isSafeInteger(interval) || interval <= 0)
    throw new Error(`${WHERE}: summaryIntervalMs must be a positive integer`);

  const bounds = new Map<SensorField, Condition[]>();
  for (const c of conditions) bounds.set(c.field, [...(bounds.get(c.field) ?? []), c]);
  // A gateway serves several small devices: each has its own crossings and its own summaries.
  const devices = new Map<string, DeviceState>();

  function offer(sample: SensorSample): Decision[] {
    let device = devices.get(sample.deviceId);
    const baseline = device === undefined;
    if (!device) {
      device = { inBounds: new Map(), window: undefined, since: undefined };
      devices.set(sample.deviceId, device);
    }
    let crossed = false;
    for (const [field, fieldConditions] of bounds) {
      const value = sample[field];
      if (value === undefined) continue;
      const inBounds = fieldConditions.every((c) => value >= c.min && value <= c.max);
      const before = device.inBounds.get(field);
      if (before === undefined ? !inBounds : before !== inBounds) crossed = true;
      device.inBounds.set(field, inBounds);
    }
    include(device, sample);
    return baseline || crossed ? [{ kind: 'reading', sample }] : [];
  }

  function tick(nowMs: number): Decision[] {
    const out: Decision[] = [];
    for (const [deviceId, device] of devices) {
      if (!device.window) continue;
      // A device whose clock runs ahead would otherwise wait for its own future before being summarised.
      if (device.since === undefined || device.since > nowMs) device.since = nowMs;
      if (nowMs - device.since < interval) continue;
      out.push(summarise(deviceId, device.window));
      device.window = undefined;
      device.since = nowMs;
    }
    return out;
  }

  function flush(): Decision[] {
    const out: Decision[] = [];
    for (const [deviceId, device] of devices) {
      if (!device.window) continue;
      out.push(summarise(deviceId, device.window));
      device.window = undefined;
      device.since = undefined;
    }
    return out;
  }

  return { name: 'threshold', offer, tick, flush };
}

function include(device: DeviceState, sample: SensorSample): void {
  // Sources validate timestamps; an unparsable one still counts but cannot move from/to.
  const ms = Date.parse(sample.timestamp);
  let w = device.window;
  if (!w) {
    w = { count: 0, from: sample.timestamp, fromMs: ms, to: sample.timestamp, toMs: ms, sensors: {} };
    device.window = w;
    if (device.since === undefined && Number.isFinite(ms)) device.since = ms;
  }
  w.count++;
  // Earliest and latest rather than first and last to arrive: small devices may deliver out of order, and a
  // summary whose `from` is after its `to` would make no sense.
  if (ms < w.fromMs || !Number.isFinite(w.fromMs)) {
    w.from = sample.timestamp;
    w.fromMs = ms;
  }
  if (ms > w.toMs || !Number.isFinite(w.toMs)) {
    w.to = sample.timestamp;
    w.toMs = ms;
  }
  for (const field of SENSOR_FIELDS) {
    const value = sample[field];
    if (value === undefined) continue;
    const range = w.sensors[field];
    if (!range) w.sensors[field] = { min: value, max: value };
    else {
      if (value < range.min) range.min = value;
      if (value > range.max) range.max = value;
    }
  }
}

function summarise(deviceId: string, w: Window): Decision {
  const sensors: SensorSummary['sensors'] = {};
  for (const field of SENSOR_FIELDS) {
    const range = w.sensors[field];
    if (range) sensors[field] = { min: range.min, max: range.max };
  }
  return { kind: 'summary', summary: { deviceId, from: w.from, to: w.to, count: w.count, sensors } };
}

export function validateConditions(conditions: unknown): Condition[] {
  if (!Array.isArray(conditions) || conditions.length === 0)
    throw new Error(`${WHERE}: conditions must be a non-empty list of {field, min, max}`);
  return conditions.map((c: unknown, i) => {
    const where = `${WHERE}: conditions[${i}]`;
    if (c === null || typeof c !== 'object') throw new Error(`${where} must be an object {field, min, max}`);
    const { field, min, max } = c as Record<string, unknown>;
    if (typeof field !== 'string' || !(SENSOR_FIELDS as readonly string[]).includes(field))
      throw new Error(`${where}.field must be one of ${SENSOR_FIELDS.join(', ')}`);
    if (typeof min !== 'number' || !Number.isFinite(min))
      throw new Error(`${where}.min must be a finite number`);
    if (typeof max !== 'number' || !Number.isFinite(max))
      throw new Error(`${where}.max must be a finite number`);
    if (min > max) throw new Error(`${where}.min (${min}) must not exceed max (${max})`);
    return { field: field as SensorField, min, max };
  });
}
