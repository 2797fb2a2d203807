import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  SHIPMENT_ID,
  admin2,
  alice,
  bob,
  carol,
  deviceIdentity,
  devices,
  fails,
  reading,
  readings,
  run,
  shipmentWithDevice,
  shipments,
} from './device-stub';

const pi1 = deviceIdentity('pi-1');

void test('a bound device records a reading; ReadingRecorded event; the same reading again is a no-op', async () => {
  const ledger = await shipmentWithDevice();
  const r = await run(ledger, pi1, (ctx) => readings.recordReading(ctx, JSON.stringify(reading())));
  assert.deepEqual(r.value, { recorded: 1, duplicates: 0, violations: [] });
  assert.equal(r.event?.name, 'ReadingRecorded');
  assert.equal(r.event?.payload['shipmentId'], SHIPMENT_ID);
  assert.equal(r.event?.payload['deviceId'], 'pi-1');
  assert.deepEqual(r.event?.payload['parties'], ['Org1MSP:alice', 'Org2MSP:User1@org2.example.com']);
  const keys = ledger.state.size;
  const again = await run(ledger, pi1, (ctx) => readings.recordReading(ctx, JSON.stringify(reading())));
  assert.deepEqual(again.value, { recorded: 0, duplicates: 1, violations: [] });
  assert.equal(again.event, undefined);
  assert.equal(ledger.state.size, keys);
  const page = await run<{ readings: Record<string, unknown>[] }>(ledger, alice, (ctx) =>
    readings.getReadings(ctx, SHIPMENT_ID, '', '', 10, ''),
  );
  assert.equal(page.value.readings.length, 1);
  assert.equal(page.value.readings[0]?.['submittedBy'], 'Org2MSP:pi-1');
});

void test('a different reading under the same device and sequence is an error (also inside one batch)', async () => {
  const ledger = await shipmentWithDevice();
  await run(ledger, pi1, (ctx) => readings.recordReading(ctx, JSON.stringify(reading())));
  await fails(
    ledger,
    pi1,
    (ctx) => readings.recordReading(ctx, JSON.stringify(reading({ temperature: 9 }))),
    'reading pi-1/1 already recorded with different content',
  );
  await fails(
    ledger,
    pi1,
    (ctx) =>
      readings.recordReadings(
        ctx,
        JSON.stringify([reading({ sequence: 2 }), reading({ sequence: 2, humidity: 1 })]),
      ),
    'reading pi-1/2 already recorded with different content',
  );
  const batch = await run(ledger, pi1, (ctx) =>
    readings.recordReadings(
      ctx,
      JSON.stringify([
        reading(),
        reading({ sequence: 2 }),
        reading({ sequence: 2 }),
        reading({ sequence: 3 }),
      ]),
    ),
  );
  assert.deepEqual(batch.value, { recorded: 2, duplicates: 2, violations: [] });
  assert.equal(batch.event?.name, 'ReadingsRecorded');
  assert.equal(batch.event?.payload['count'], 2);
  assert.equal(batch.event?.payload['fromSequence'], 2);
  assert.equal(batch.event?.payload['toSequence'], 3);
});

void test('seed example: humidity 12 against the condition 0-10 records a violation and emits ConditionViolated', async () => {
  const ledger = await shipmentWithDevice();
  const r = await run(ledger, pi1, (ctx) =>
    readings.recordReading(ctx, JSON.stringify(reading({ sequence: 7, humidity: 12 }))),
  );
  assert.equal(r.event?.name, 'ConditionViolated');
  const p = r.event?.payload ?? {};
  assert.equal(p['field'], 'humidity');
  assert.equal(p['value'], 12);
  assert.equal(p['min'], 0);
  assert.equal(p['max'], 10);
  assert.equal(p['shipmentId'], SHIPMENT_ID);
  assert.equal(p['deviceId'], 'pi-1');
  assert.equal(p['sequence'], 7);
  const v = await run<Record<string, unknown>[]>(ledger, alice, (ctx) =>
    readings.getViolations(ctx, SHIPMENT_ID),
  );
  assert.equal(v.value.length, 1);
  assert.deepEqual(v.value[0]?.['violations'], [{ field: 'humidity', value: 12, min: 0, max: 10 }]);
  // Boundaries are inside the condition.
  const edge = await run(ledger, pi1, (ctx) =>
    readings.recordReading(ctx, JSON.stringify(reading({ sequence: 8, humidity: 10 }))),
  );
  assert.equal(edge.event?.name, 'ReadingRecorded');
});

void test('authorisation: unbound device, unregistered caller, foreign device, deactivated device; gateway reports for its small device', async () => {
  const ledger = await shipmentWithDevice();
  await run(ledger, admin2, (ctx) =>
    devices.registerDevice(ctx, JSON.stringify({ id: 'pi-2', enrollmentId: 'pi-2', kind: 'gateway' })),
  );
  await fails(
    ledger,
    deviceIdentity('pi-2'),
    (ctx) => readings.recordReading(ctx, JSON.stringify(reading({ deviceId: 'pi-2' }))),
    `device pi-2 is not bound to shipment ${SHIPMENT_ID}`,
  );
  await fails(
    ledger,
    bob,
    (ctx) => readings.recordReading(ctx, JSON.stringify(reading())),
    'Org2MSP:User1@org2.example.com is not a registered device',
  );
  await fails(
    ledger,
    deviceIdentity('pi-2'),
    (ctx) => readings.recordReading(ctx, JSON.stringify(reading())),
    'device pi-2 may not report for device pi-1',
  );
  // The same enrollment id in another MSP is not the device.
  await fails(
    ledger,
    deviceIdentity('pi-1', 'Org3MSP'),
    (ctx) => readings.recordReading(ctx, JSON.stringify(reading())),
    'Org3MSP:pi-1 is not a registered device',
  );
  await run(ledger, admin2, (ctx) =>
    devices.registerDevice(ctx, JSON.stringify({ id: 'th-7', kind: 'sensor', gatewayId: 'pi-1' })),
  );
  const viaGateway = await run(ledger, pi1, (ctx) =>
    readings.recordReading(ctx, JSON.stringify(reading({ deviceId: 'th-7', sequence: 1 }))),
  );
  assert.equal(viaGateway.value['recorded'], 1);
  await fails(
    ledger,
    deviceIdentity('pi-2'),
    (ctx) => readings.recordReading(ctx, JSON.stringify(reading({ deviceId: 'th-7' }))),
    'device pi-2 may not report for device th-7',
  );
  await run(ledger, admin2, (ctx) => devices.bindDevice(ctx, 'pi-2', SHIPMENT_ID));
  const boundLater = await run(ledger, deviceIdentity('pi-2'), (ctx) =>
    readings.recordReading(ctx, JSON.stringify(reading({ deviceId: 'pi-2' }))),
  );
  assert.equal(boundLater.value['recorded'], 1);
  await run(ledger, admin2, (ctx) => devices.deactivateDevice(ctx, 'pi-1'));
  await fails(
    ledger,
    pi1,
    (ctx) => readings.recordReading(ctx, JSON.stringify(reading({ sequence: 2 }))),
    'device pi-1 is deactivated',
  );
  // Reading the shipment's readings: organisations of its parties only.
  await fails(
    ledger,
    carol,
    (ctx) => readings.getReadings(ctx, SHIPMENT_ID, '', '', 10, ''),
    `Org3MSP:carol may not read shipment ${SHIPMENT_ID}`,
  );
});

void test('validation errors have precise messages', async () => {
  const ledger = await shipmentWithDevice();
  const cases: [Record<string, unknown>, string][] = [
    [reading({ humidity: 'wet' }), 'humidity must be a number'],
    [
      reading({ temperature: null, humidity: undefined, pressure: undefined, location: undefined }),
      'reading must carry at least one of temperature, humidity, pressure, location',
    ],
    [reading({ sequence: -1 }), 'sequence must be a non-negative integer'],
    [reading({ sequence: 1.5 }), 'sequence must be a non-negative integer'],
    [reading({ sequence: 1e13 }), 'sequence must not exceed 999999999999'],
    [
      reading({ timestamp: '2018-02-30T10:00:00Z' }),
      'timestamp must be an ISO-8601 date-time with a time zone, such as 2018-12-31T10:00:00Z',
    ],
    [
      reading({ timestamp: '2018-12-31 10:00' }),
      'timestamp must be an ISO-8601 date-time with a time zone, such as 2018-12-31T10:00:00Z',
    ],
    [reading({ location: { lat: 91, lon: 0 } }), 'location.lat must be a number from -90 to 90'],
    [reading({ location: { lat: 0, lon: 'x' } }), 'location.lon must be a number from -180 to 180'],
    [reading({ colour: 'red' }), "reading has unknown field 'colour'"],
    [reading({ shipmentId: 'NOPE' }), 'shipment NOPE does not exist'],
    [reading({ deviceId: 'ghost' }), 'device ghost does not exist'],
  ];
  for (const [input, message] of cases) {
    await fails(ledger, pi1, (ctx) => readings.recordReading(ctx, JSON.stringify(input)), message);
  }
  await fails(ledger, pi1, (ctx) => readings.recordReading(ctx, '{'), 'reading must be a JSON object');
  await fails(ledger, pi1, (ctx) => readings.recordReadings(ctx, '{}'), 'readings must be a JSON array');
  await fails(ledger, pi1, (ctx) => readings.recordReadings(ctx, '[]'), 'readings must not be empty');
  await fails(
    ledger,
    pi1,
    (ctx) =>
      readings.recordReadings(
        ctx,
        JSON.stringify(Array.from({ length: 501 }, (_, i) => reading({ sequence: i }))),
      ),
    'readings must hold at most 500 readings, got 501',
  );
  await fails(
    ledger,
    pi1,
    (ctx) =>
      readings.recordReadings(ctx, JSON.stringify([reading(), reading({ sequence: 2, pressure: 'high' })])),
    'pressure must be a number',
  );
  await fails(
    ledger,
    alice,
    (ctx) => readings.getReadings(ctx, SHIPMENT_ID, 'yesterday', '', 10, ''),
    'fromTs must be an ISO-8601 date-time with a time zone, such as 2018-12-31T10:00:00Z',
  );
  await fails(
    ledger,
    alice,
    (ctx) => readings.getReadings(ctx, SHIPMENT_ID, '', '', 0, ''),
    'pageSize must be an integer from 1 to 1000',
  );
});

void test('getReadings by time range with pagination; summary derived at read time', async () => {
  const ledger = await shipmentWithDevice();
  const batch = Array.from({ length: 25 }, (_, i) =>
    reading({
      sequence: i,
      timestamp: `2018-12-31T10:${String(i).padStart(2, '0')}:00Z`,
      temperature: 2 + i * 0.5,
      humidity: i === 20 ? 12 : 5,
      location: { lat: 46 + i / 100, lon: 9 },
    }),
  );
  await run(ledger, pi1, (ctx) => readings.recordReadings(ctx, JSON.stringify(batch.slice(0, 13))));
  const second = await run(ledger, pi1, (ctx) =>
    readings.recordReadings(ctx, JSON.stringify(batch.slice(13))),
  );
  assert.equal(second.event?.name, 'ConditionViolated');
  const seen: number[] = [];
  let bookmark = '';
  let pages = 0;
  do {
    const page = await run<{ readings: { sequence: number }[]; bookmark: string }>(ledger, alice, (ctx) =>
      readings.getReadings(ctx, SHIPMENT_ID, '2018-12-31T10:05:00Z', '2018-12-31T10:19:00Z', 4, bookmark),
    );
    seen.push(...page.value.readings.map((r) => r.sequence));
    bookmark = page.value.bookmark;
    pages++;
    assert.ok(page.value.readings.length <= 4);
  } while (bookmark !== '' && pages < 20);
  assert.deepEqual(
    seen,
    Array.from({ length: 15 }, (_, i) => i + 5),
  );
  const summary = await run<Record<string, unknown>>(ledger, bob, (ctx) =>
    readings.getShipmentSummary(ctx, SHIPMENT_ID),
  );
  assert.equal(summary.value['count'], 25);
  assert.deepEqual(summary.value['sensors'], {
    temperature: { min: 2, max: 14, count: 25 },
    humidity: { min: 5, max: 12, count: 25 },
    pressure: { min: 1013, max: 1013, count: 25 },
  });
  const route = summary.value['route'] as { sequence: number; lat: number }[];
  assert.deepEqual(
    route.map((p) => p.sequence),
    Array.from({ length: 25 }, (_, i) => i),
  );
  assert.equal(summary.value['violationCount'], 1);
  assert.deepEqual(summary.value['devices'], { 'pi-1': { count: 25, firstSequence: 0, lastSequence: 24 } });
  // No per-shipment aggregate key exists: only reading, device-sequence and violation keys were written by readings.
  const objectTypes = new Set([...ledger.state.keys()].map((k) => k.split('\u0000')[1]));
  assert.ok(!objectTypes.has('summary'));
});

void test('20 devices recording readings touch disjoint keys (no key written by two devices)', async () => {
  const ledger = await shipmentWithDevice();
  const ids = Array.from({ length: 20 }, (_, i) => `dev-${String(i).padStart(2, '0')}`);
  for (const id of ids) {
    await run(ledger, admin2, (ctx) =>
      devices.registerDevice(ctx, JSON.stringify({ id, enrollmentId: id, kind: 'sensor' })),
    );
    await run(ledger, admin2, (ctx) => devices.bindDevice(ctx, id, SHIPMENT_ID));
  }
  const txByDevice = new Map<string, string>();
  for (let round = 0; round < 3; round++) {
    for (const id of ids) {
      const r = await run(ledger, deviceIdentity(id), (ctx) =>
        readings.recordReadings(
          ctx,
          JSON.stringify(
            [0, 1].map((k) =>
              reading({ deviceId: id, sequence: round * 2 + k, humidity: round === 2 ? 11 : 5 }),
            ),
          ),
        ),
      );
      txByDevice.set(r.txId, id);
    }
  }
  const writers = new Map<string, Set<string>>();
  for (const [key, mods] of ledger.history) {
    for (const m of mods) {
      const dev = txByDevice.get(m.txId);
      if (dev === undefined) continue;
      const set = writers.get(key) ?? new Set<string>();
      set.add(dev);
      writers.set(key, set);
    }
  }
  assert.equal(writers.size, 20 * 6 * 2 + 20 * 2); // reading + device-sequence keys, plus violation keys of round 3
  for (const [key, set] of writers)
    assert.equal(set.size, 1, `key ${JSON.stringify(key)} written by ${[...set].join(', ')}`);
  // And no reading transaction wrote the shipment, its spec or any device/binding key.
  const touched = [...writers.keys()].map((k) => k.split('\u0000')[1]);
  assert.deepEqual([...new Set(touched)].sort(), [
    'reading~device~seq',
    'reading~shipment~device~seq',
    'violation~shipment~device~seq',
  ]);
  const summary = await run<Record<string, unknown>>(ledger, alice, (ctx) =>
    readings.getShipmentSummary(ctx, SHIPMENT_ID),
  );
  assert.equal(summary.value['count'], 120);
  assert.equal(summary.value['violationCount'], 40);
  // Custody changes do not touch anything the reading path writes.
  await run(ledger, bob, (ctx) => shipments.transferCustody(ctx, SHIPMENT_ID, 'Org3MSP:carol', 'Chiasso'));
});
