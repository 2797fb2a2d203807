// Threshold rule: baseline, crossings out of and back into bounds per device, and the periodic per-device
// min/max summaries with their timing and flush.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type Condition, type SensorSample } from '../reading';
import { type Decision } from './rule';
import { newThresholdRule } from './threshold';

const T0 = Date.parse('2024-05-01T00:00:00Z');
const MINUTE = 60_000;
const COLD_CHAIN: Condition[] = [{ field: 'temperature', min: 2, max: 8 }];

function at(seconds: number): string {
  return new Date(T0 + seconds * 1000).toISOString();
}

function sample(
  deviceId: string,
  seconds: number,
  values: Omit<SensorSample, 'deviceId' | 'timestamp'>,
): SensorSample {
  return { deviceId, timestamp: at(seconds), ...values };
}

function recorded(decisions: Decision[]): boolean {
  assert.ok(decisions.length <= 1);
  return decisions.some((d) => d.kind === 'reading');
}

function rule(conditions: Condition[] = COLD_CHAIN, summaryIntervalMs = 10 * MINUTE) {
  return newThresholdRule({ conditions, summaryIntervalMs });
}

void describe('threshold rule', () => {
  void test('the first sample of a device is recorded as a baseline even in bounds', () => {
    const r = rule();
    const first = sample('d1', 0, { temperature: 5 });
    assert.deepEqual(r.offer(first), [{ kind: 'reading', sample: first }]);
    assert.equal(recorded(r.offer(sample('d1', 1, { temperature: 6 }))), false);
  });

  void test('crossing out of bounds and back in is recorded; staying on one side is not', () => {
    const r = rule();
    const temps = [5, 6, 9, 10, 12, 7.5, 3, 1.9, 2, 8, 8.01];
    const got = temps.map((t, i) => recorded(r.offer(sample('d1', i, { temperature: t }))));
    assert.deepEqual(got, [true, false, true, false, false, true, false, true, true, false, true]);
  });

  void test('the bounds are inclusive', () => {
    const r = rule();
    assert.equal(recorded(r.offer(sample('d1', 0, { temperature: 2 }))), true);
    assert.equal(recorded(r.offer(sample('d1', 1, { temperature: 8 }))), false);
  });

  void test('a first sample out of bounds is recorded, and so is the return into bounds', () => {
    const r = rule();
    assert.equal(recorded(r.offer(sample('d1', 0, { temperature: 15 }))), true);
    assert.equal(recorded(r.offer(sample('d1', 1, { temperature: 14 }))), false);
    assert.equal(recorded(r.offer(sample('d1', 2, { temperature: 4 }))), true);
  });

  void test('a field seen for the first time after the baseline counts as a crossing only when out of bounds', () => {
    const r = rule([
      { field: 'temperature', min: 2, max: 8 },
      { field: 'humidity', min: 0, max: 60 },
    ]);
    assert.equal(recorded(r.offer(sample('d1', 0, { temperature: 4 }))), true); // baseline
    assert.equal(recorded(r.offer(sample('d1', 1, { temperature: 4, humidity: 50 }))), false);
    const r2 = rule([
      { field: 'temperature', min: 2, max: 8 },
      { field: 'humidity', min: 0, max: 60 },
    ]);
    r2.offer(sample('d1', 0, { temperature: 4 }));
    assert.equal(recorded(r2.offer(sample('d1', 1, { temperature: 4, humidity: 75 }))), true);
  });

  void test('a sample without the field keeps the field’s last state', () => {
    const r = rule();
    r.offer(sample('d1', 0, { temperature: 20 }));
    assert.equal(recorded(r.offer(sample('d1', 1, { humidity: 40 }))), false);
    assert.equal(recorded(r.offer(sample('d1', 2, { temperature: 21 }))), false);
    assert.equal(recorded(r.offer(sample('d1', 3, { temperature: 5 }))), true);
  });

  void test('fields without a condition never cause a crossing', () => {
    const r = rule();
    r.offer(sample('d1', 0, { temperature: 5, pressure: 1000 }));
    assert.equal(recorded(r.offer(sample('d1', 1, { temperature: 5, pressure: 10 }))), false);
  });

  void test('several conditions on one field must all hold', () => {
    const r = rule([
      { field: 'temperature', min: 0, max: 10 },
      { field: 'temperature', min: 5, max: 20 },
    ]);
    r.offer(sample('d1', 0, { temperature: 7 }));
    assert.equal(recorded(r.offer(sample('d1', 1, { temperature: 3 }))), true);
    assert.equal(recorded(r.offer(sample('d1', 2, { temperature: 12 }))), false);
    assert.equal(recorded(r.offer(sample('d1', 3, { temperature: 9 }))), true);
  });

  void test('each device has its own baseline and crossing state', () => {
    const r = rule();
    assert.equal(recorded(r.offer(sample('d1', 0, { temperature: 12 }))), true);
    assert.equal(recorded(r.offer(sample('d2', 0, { temperature: 5 }))), true); // d2's baseline
    assert.equal(recorded(r.offer(sample('d2', 1, { temperature: 5 }))), false);
    assert.equal(recorded(r.offer(sample('d1', 1, { temperature: 13 }))), false); // d1 still out
    assert.equal(recorded(r.offer(sample('d2', 2, { temperature: 13 }))), true); // d2 crosses out
    assert.equal(recorded(r.offer(sample('d1', 2, { temperature: 5 }))), true); // d1 crosses in
  });

  void test('a summary per device carries count, from/to and min/max of every sensor, recorded or not', () => {
    const r = rule();
    r.offer(sample('d1', 0, { temperature: 5, humidity: 40 }));
    r.offer(sample('d1', 10, { temperature: 9.5, humidity: 35, pressure: 1002 }));
    r.offer(sample('d2', 20, { temperature: 4 }));
    r.offer(sample('d1', 30, { temperature: 3 }));
    r.offer(sample('d1', 40, { location: { lat: 1, lon: 2 } }));
    assert.deepEqual(r.tick(T0 + 10 * MINUTE), [
      {
        kind: 'summary',
        summary: {
          deviceId: 'd1',
          from: at(0),
          to: at(40),
          count: 4,
          sensors: {
            temperature: { min: 3, max: 9.5 },
            humidity: { min: 35, max: 40 },
            pressure: { min: 1002, max: 1002 },
          },
        },
      },
    ]);
    // d2 started 20 s later, so its period ends 20 s later.
    assert.deepEqual(r.tick(T0 + 10 * MINUTE + 19_999), []);
    assert.deepEqual(r.tick(T0 + 10 * MINUTE + 20_000), [
      {
        kind: 'summary',
        summary: {
          deviceId: 'd2',
          from: at(20),
          to: at(20),
          count: 1,
          sensors: { temperature: { min: 4, max: 4 } },
        },
      },
    ]);
  });

  void test('a summary is due summaryIntervalMs after the first sample, then after each summary', () => {
    const r = rule(COLD_CHAIN, MINUTE);
    r.offer(sample('d1', 0, { temperature: 5 }));
    assert.deepEqual(r.tick(T0 + MINUTE - 1), []);
    const first = r.tick(T0 + MINUTE);
    assert.equal(first.length, 1);
    // Reset: the next summary covers only what came after.
    r.offer(sample('d1', 70, { temperature: 6 }));
    r.offer(sample('d1', 80, { temperature: 7 }));
    assert.deepEqual(r.tick(T0 + 2 * MINUTE - 1), []);
    const second = r.tick(T0 + 2 * MINUTE);
    assert.deepEqual(second, [
      {
        kind: 'summary',
        summary: {
          deviceId: 'd1',
          from: at(70),
          to: at(80),
          count: 2,
          sensors: { temperature: { min: 6, max: 7 } },
        },
      },
    ]);
  });

  void test('no summary for a device without samples since its last one', () => {
    const r = rule(COLD_CHAIN, MINUTE);
    r.offer(sample('d1', 0, { temperature: 5 }));
    assert.equal(r.tick(T0 + MINUTE).length, 1);
    assert.deepEqual(r.tick(T0 + 5 * MINUTE), []);
    // A sample after a quiet spell: its period began at the last summary, long past.
    r.offer(sample('d1', 400, { temperature: 5 }));
    assert.equal(r.tick(T0 + 400_000).length, 1);
  });

  void test('from and to are the earliest and latest timestamps, whatever the arrival order', () => {
    const r = rule();
    r.offer(sample('d1', 30, { temperature: 5 }));
    r.offer(sample('d1', 10, { temperature: 5 }));
    r.offer(sample('d1', 50, { temperature: 5 }));
    r.offer(sample('d1', 20, { temperature: 5 }));
    const [d] = r.flush();
    assert.ok(d?.kind === 'summary');
    assert.equal(d.summary.from, at(10));
    assert.equal(d.summary.to, at(50));
    assert.equal(d.summary.count, 4);
  });

  void test('a device clock running ahead does not hold back its summaries', () => {
    const r = rule(COLD_CHAIN, MINUTE);
    r.offer(sample('d1', 86_400, { temperature: 5 })); // a day ahead of the gateway
    assert.deepEqual(r.tick(T0), []);
    assert.equal(r.tick(T0 + MINUTE).length, 1);
  });

  void test('flush emits every pending summary at once and resets', () => {
    const r = rule();
    r.offer(sample('d1', 0, { temperature: 5 }));
    r.offer(sample('d2', 1, { humidity: 50 }));
    const flushed = r.flush();
    assert.deepEqual(
      flushed.map((d) => (d.kind === 'summary' ? [d.summary.deviceId, d.summary.count] : d.kind)),
      [
        ['d1', 1],
        ['d2', 1],
      ],
    );
    assert.deepEqual(r.flush(), []);
    assert.deepEqual(r.tick(T0 + 100 * MINUTE), []);
    // Flushing does not forget crossing state: the device is not re-baselined.
    assert.equal(recorded(r.offer(sample('d1', 2, { temperature: 5 }))), false);
  });
});
