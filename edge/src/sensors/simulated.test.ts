// Simulated source: determinism, drift bounds, excursion rate and shape, route interpolation, pacing, abort
// and option checks.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { virtualClock } from './clock';
import { newSimulatedSource, positionAt, type SimulatedSourceOptions } from './simulated';
import { all, take } from './test-support';

const START = '2024-05-01T00:00:00.000Z';
const quiet = { driftStep: 0, excursion: { probability: 0 } };

function source(extra: Partial<SimulatedSourceOptions> = {}) {
  return newSimulatedSource({ deviceId: 'sim-1', seed: 42, intervalMs: 1000, start: START, ...extra });
}

void describe('simulated source', () => {
  void test('the same seed gives the same samples, another seed other samples', async () => {
    const a = await take(source({ count: 300 }), 300);
    const b = await take(source({ count: 300 }), 300);
    const c = await take(source({ count: 300, seed: 43 }), 300);
    assert.equal(a.length, 300);
    assert.deepEqual(a, b);
    assert.notDeepEqual(
      a.map((s) => s.temperature),
      c.map((s) => s.temperature),
    );
  });

  void test('iterating the same source twice replays it', async () => {
    const s = source({ count: 50 });
    assert.deepEqual(await all(s), await all(s));
  });

  void test('choosing fewer fields leaves the values of the kept fields unchanged', async () => {
    const full = await all(source({ count: 100 }));
    const only = await all(source({ count: 100, fields: ['temperature'] }));
    assert.deepEqual(
      only.map((s) => s.temperature),
      full.map((s) => s.temperature),
    );
    assert.deepEqual(Object.keys(only[0] ?? {}).sort(), ['deviceId', 'temperature', 'timestamp']);
    assert.deepEqual(Object.keys(full[0] ?? {}).sort(), [
      'deviceId',
      'humidity',
      'pressure',
      'temperature',
      'timestamp',
    ]);
  });

  void test('with a start date, timestamps are start + i * intervalMs', async () => {
    const samples = await all(source({ count: 4, intervalMs: 250 }));
    assert.deepEqual(
      samples.map((s) => s.timestamp),
      [
        '2024-05-01T00:00:00.000Z',
        '2024-05-01T00:00:00.250Z',
        '2024-05-01T00:00:00.500Z',
        '2024-05-01T00:00:00.750Z',
      ],
    );
    assert.ok(samples.every((s) => s.deviceId === 'sim-1'));
  });

  void test('with a virtual clock, timestamps follow the clock', async () => {
    const clock = virtualClock(Date.parse(START));
    const samples = await all(
      newSimulatedSource({ deviceId: 'sim-1', seed: 1, intervalMs: 60_000, count: 3, clock }),
    );
    assert.deepEqual(
      samples.map((s) => s.timestamp),
      ['2024-05-01T00:00:00.000Z', '2024-05-01T00:01:00.000Z', '2024-05-01T00:02:00.000Z'],
    );
  });

  void test('drift is a random walk that stays within base ± driftBound', async () => {
    const samples = await all(
      source({
        count: 5000,
        fields: ['temperature'],
        temperature: { base: 4, driftStep: 0.5, driftBound: 1.5, excursion: { probability: 0 } },
      }),
    );
    const values = samples.map((s) => s.temperature ?? Number.NaN);
    assert.ok(
      values.every((v) => v >= 2.5 && v <= 5.5),
      `out of bounds: ${Math.min(...values)}..${Math.max(...values)}`,
    );
    // A walk that never moved would pass the bound check; it must also reach near both edges.
    assert.ok(Math.min(...values) < 3 && Math.max(...values) > 5, 'the walk does not explore its range');
  });

  void test('excursions start at the configured probability per sample', async () => {
    const n = 10_000;
    const p = 0.1;
    const samples = await all(
      source({
        count: n,
        intervalMs: 0,
        fields: ['temperature'],
        temperature: { base: 20, ...quiet, excursion: { probability: p, magnitude: 10, samples: 1 } },
      }),
    );
    const high = samples.filter((s) => s.temperature === 30).length;
    assert.equal(samples.filter((s) => s.temperature !== 20 && s.temperature !== 30).length, 0);
    // Expected 1000 with a standard deviation of 30: ±150 fails for a wrong rate, almost never by chance.
    assert.ok(Math.abs(high - n * p) < 150, `${high} excursion samples out of ${n}`);
  });

  void test('an excursion lasts the configured number of samples, then the value returns', async () => {
    const samples = await all(
      source({
        count: 5000,
        fields: ['pressure'],
        pressure: { base: 1000, ...quiet, excursion: { probability: 0.02, magnitude: -50, samples: 4 } },
      }),
    );
    const runs: number[] = [];
    let run = 0;
    for (const s of samples) {
      assert.ok(s.pressure === 1000 || s.pressure === 950, `unexpected ${s.pressure}`);
      if (s.pressure === 950) run++;
      else if (run > 0) {
        runs.push(run);
        run = 0;
      }
    }
    assert.ok(runs.length > 20, `only ${runs.length} excursions`);
    // Back-to-back excursions merge into one run, so runs are whole multiples of the duration.
    assert.ok(
      runs.every((r) => r % 4 === 0),
      `run lengths ${runs.join(',')}`,
    );
  });

  void test('humidity stays within 0..100 % even during an excursion', async () => {
    const samples = await all(
      source({
        count: 200,
        fields: ['humidity'],
        humidity: { base: 95, driftStep: 0, excursion: { probability: 0.5, magnitude: 20, samples: 2 } },
      }),
    );
    assert.ok(samples.some((s) => s.humidity === 100));
    assert.ok(samples.every((s) => (s.humidity ?? -1) >= 0 && (s.humidity ?? 101) <= 100));
  });

  void test('values are rounded to 2 decimals, coordinates to 6', async () => {
    const samples = await all(
      source({
        count: 200,
        route: {
          waypoints: [
            { lat: 45.0, lon: 9.0 },
            { lat: 45.3333333, lon: 9.7777777 },
          ],
          samplesPerLeg: 7,
        },
      }),
    );
    for (const s of samples) {
      for (const v of [s.temperature, s.humidity, s.pressure])
        assert.equal(v, Math.round((v ?? 0) * 100) / 100);
      assert.equal(s.location?.lat, Math.round((s.location?.lat ?? 0) * 1e6) / 1e6);
    }
  });

  void test('the route starts at the first waypoint, passes each one and stays at the last', async () => {
    const waypoints = [
      { lat: 45.0, lon: 9.0 },
      { lat: 46.0, lon: 11.0 },
      { lat: 44.0, lon: 12.0 },
    ];
    const samples = await all(source({ count: 30, route: { waypoints, samplesPerLeg: 10 } }));
    assert.deepEqual(samples[0]?.location, waypoints[0]);
    assert.deepEqual(samples[5]?.location, { lat: 45.5, lon: 10.0 });
    assert.deepEqual(samples[10]?.location, waypoints[1]);
    assert.deepEqual(samples[15]?.location, { lat: 45.0, lon: 11.5 });
    assert.deepEqual(samples[20]?.location, waypoints[2]);
    assert.deepEqual(samples[29]?.location, waypoints[2]);
  });

  void test('a single waypoint is a fixed position', () => {
    const route = { waypoints: [{ lat: -33.9, lon: 18.4 }], samplesPerLeg: 5 };
    assert.deepEqual(positionAt(route, 0), { lat: -33.9, lon: 18.4 });
    assert.deepEqual(positionAt(route, 99), { lat: -33.9, lon: 18.4 });
  });

  void test('a leg across the antimeridian goes the short way', () => {
    const route = {
      waypoints: [
        { lat: 0, lon: 179 },
        { lat: 0, lon: -179 },
      ],
      samplesPerLeg: 4,
    };
    assert.deepEqual(positionAt(route, 1), { lat: 0, lon: 179.5 });
    assert.equal(Math.abs(positionAt(route, 2).lon), 180);
    assert.deepEqual(positionAt(route, 3), { lat: 0, lon: -179.5 });
  });

  void test('count 0 produces nothing and intervalMs 0 does not wait', async () => {
    assert.deepEqual(await all(source({ count: 0 })), []);
    const begun = Date.now();
    const fast = await all(newSimulatedSource({ deviceId: 'bench', seed: 7, intervalMs: 0, count: 20_000 }));
    assert.equal(fast.length, 20_000);
    assert.ok(Date.now() - begun < 5000);
  });

  void test('on the system clock, samples are paced by intervalMs', async () => {
    const begun = Date.now();
    const samples = await all(newSimulatedSource({ deviceId: 'sim-1', seed: 1, intervalMs: 40, count: 4 }));
    const elapsed = Date.now() - begun;
    assert.equal(samples.length, 4);
    assert.ok(elapsed >= 110, `took ${elapsed} ms for 3 intervals of 40 ms`);
  });

  void test('an abort ends iteration while it waits for the next sample', async () => {
    const controller = new AbortController();
    const begun = Date.now();
    setTimeout(() => controller.abort(), 100);
    const samples = await all(
      newSimulatedSource({ deviceId: 'sim-1', seed: 1, intervalMs: 60_000 }),
      controller.signal,
    );
    assert.equal(samples.length, 1);
    assert.ok(Date.now() - begun < 5000);
  });

  void test('an abort ends an endless source that never waits', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    let n = 0;
    for await (const _ of newSimulatedSource({ deviceId: 'bench', seed: 1, intervalMs: 0 }).samples(
      controller.signal,
    ))
      n++;
    assert.ok(n > 0);
  });

  void test('an already aborted signal yields nothing', async () => {
    assert.deepEqual(await all(source(), AbortSignal.abort()), []);
  });

  void test('invalid options are refused with the field named', () => {
    const cases: Array<[Partial<SimulatedSourceOptions>, string | RegExp]> = [
      [{ intervalMs: -1 }, 'simulated source: intervalMs must be a non-negative integer'],
      [{ intervalMs: 1.5 }, 'simulated source: intervalMs must be a non-negative integer'],
      [{ count: -3 }, 'simulated source: count must be a non-negative integer'],
      [{ seed: Number.NaN }, 'simulated source: seed must be a non-negative integer'],
      [{ deviceId: 'bad id' }, /^simulated source: deviceId must be 1-128 characters/],
      [{ start: 'yesterday' }, 'simulated source: start must be a valid date or epoch milliseconds'],
      [{ clock: virtualClock(0) }, 'simulated source: give either start (simulated time) or clock, not both'],
      [{ fields: [] }, /^simulated source: fields must be a non-empty list/],
      [
        { fields: ['temperature', 'smell' as 'humidity'] },
        'simulated source: fields has unknown field "smell"',
      ],
      [{ fields: ['location'] }, 'simulated source: fields includes location but no route is given'],
      [{ temperature: { driftStep: -1 } }, 'simulated source: temperature.driftStep must not be negative'],
      [
        { humidity: { base: Number.POSITIVE_INFINITY } },
        'simulated source: humidity.base must be a finite number',
      ],
      [
        { pressure: { excursion: { probability: 1.5 } } },
        'simulated source: pressure.excursion.probability must be a number from 0 to 1',
      ],
      [
        { temperature: { excursion: { samples: 0 } } },
        'simulated source: temperature.excursion.samples must be a positive integer',
      ],
      [
        { route: { waypoints: [], samplesPerLeg: 1 } },
        'simulated source: route.waypoints must be a non-empty list of {lat, lon}',
      ],
      [
        {
          route: {
            waypoints: [
              { lat: 0, lon: 0 },
              { lat: 91, lon: 0 },
            ],
            samplesPerLeg: 1,
          },
        },
        'simulated source: route.waypoints[1].lat must be a number from -90 to 90',
      ],
      [
        { route: { waypoints: [null as unknown as { lat: number; lon: number }], samplesPerLeg: 1 } },
        'simulated source: route.waypoints[0] must be an object {lat, lon}',
      ],
      [
        { route: { waypoints: [{ lat: 0, lon: 0 }], samplesPerLeg: 0 } },
        'simulated source: route.samplesPerLeg must be a positive integer',
      ],
    ];
    for (const [extra, message] of cases) {
      assert.throws(() => source(extra), { message }, JSON.stringify(extra));
    }
  });
});
