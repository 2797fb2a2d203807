// Sensor summaries (ReadingContract.recordSummary): a device running a "threshold" rule records only
// crossings plus a periodic min/max per sensor. Summaries share the device's sequence space with readings.
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
} from './device-stub';

const pi1 = deviceIdentity('pi-1');
const BOB = 'Org2MSP:User1@org2.example.com';
const ALICE = 'Org1MSP:alice';

function summary(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    shipmentId: SHIPMENT_ID,
    deviceId: 'pi-1',
    sequence: 100,
    from: '2018-12-31T10:00:00Z',
    to: '2018-12-31T11:00:00Z',
    count: 60,
    sensors: { temperature: { min: 3.5, max: 6 }, humidity: { min: 2, max: 8 } },
    ...overrides,
  };
}

const keyTypes = (keys: Iterable<string>) => [...keys].map((k) => k.split('\u0000')[1]);

void test('a bound device records a summary: stored under its own key, listed by getSummaries, SummaryRecorded with payload', async () => {
  const ledger = await shipmentWithDevice();
  const before = new Set(ledger.state.keys());
  const r = await run(ledger, pi1, (ctx) => readings.recordSummary(ctx, JSON.stringify(summary())));
  assert.deepEqual(r.value, { recorded: 1, duplicates: 0, violations: [] });
  const written = [...ledger.state.keys()].filter((k) => !before.has(k));
  assert.deepEqual(keyTypes(written).sort(), ['reading~device~seq', 'summary~shipment~device~seq']);

  assert.equal(r.event?.name, 'SummaryRecorded');
  assert.deepEqual(r.event?.payload, {
    count: 1,
    duplicates: 0,
    fromSequence: 100,
    toSequence: 100,
    shipmentIds: [SHIPMENT_ID],
    deviceIds: ['pi-1'],
    submittedBy: 'Org2MSP:pi-1',
    parties: [ALICE, BOB],
    shipmentId: SHIPMENT_ID,
    deviceId: 'pi-1',
    sequence: 100,
    summary: {
      sequence: 100,
      from: '2018-12-31T10:00:00Z',
      to: '2018-12-31T11:00:00Z',
      count: 60,
      sensors: { temperature: { min: 3.5, max: 6 }, humidity: { min: 2, max: 8 } },
    },
    violations: [],
  });

  const list = await run<Record<string, unknown>[]>(ledger, alice, (ctx) =>
    readings.getSummaries(ctx, SHIPMENT_ID),
  );
  assert.deepEqual(list.value, [
    {
      ...summary(),
      docType: 'summary',
      submittedBy: 'Org2MSP:pi-1',
      txId: r.txId,
      recordedAt: list.value[0]?.['recordedAt'],
      violations: [],
    },
  ]);
  assert.match(String(list.value[0]?.['recordedAt']), /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{9}Z$/);
  // Summaries are not readings.
  const page = await run<{ readings: unknown[] }>(ledger, alice, (ctx) =>
    readings.getReadings(ctx, SHIPMENT_ID, '', '', 10, ''),
  );
  assert.equal(page.value.readings.length, 0);
});

void test('getSummaries lists in key order (device, sequence) and only to readers of the shipment', async () => {
  const ledger = await shipmentWithDevice();
  await run(ledger, admin2, (ctx) =>
    devices.registerDevice(ctx, JSON.stringify({ id: 'th-7', kind: 'sensor', gatewayId: 'pi-1' })),
  );
  for (const [deviceId, sequence] of [
    ['th-7', 3],
    ['pi-1', 20],
    ['pi-1', 3],
    ['th-7', 1],
  ] as const)
    await run(ledger, pi1, (ctx) =>
      readings.recordSummary(ctx, JSON.stringify(summary({ deviceId, sequence }))),
    );
  const list = await run<{ deviceId: string; sequence: number }[]>(ledger, bob, (ctx) =>
    readings.getSummaries(ctx, SHIPMENT_ID),
  );
  assert.deepEqual(
    list.value.map((s) => `${s.deviceId}/${s.sequence}`),
    ['pi-1/3', 'pi-1/20', 'th-7/1', 'th-7/3'],
  );
  await fails(
    ledger,
    carol,
    (ctx) => readings.getSummaries(ctx, SHIPMENT_ID),
    `Org3MSP:carol may not read shipment ${SHIPMENT_ID}`,
  );
  await fails(ledger, alice, (ctx) => readings.getSummaries(ctx, 'NOPE'), 'shipment NOPE does not exist');
});

void test('replaying the same summary is a no-op; different content under the same sequence is refused', async () => {
  const ledger = await shipmentWithDevice();
  await run(ledger, pi1, (ctx) => readings.recordSummary(ctx, JSON.stringify(summary())));
  const keys = ledger.state.size;
  // Key order and number spelling do not matter: the content is compared canonically.
  const reordered = JSON.stringify({
    sensors: { humidity: { max: 8, min: 2.0 }, temperature: { max: 6, min: 3.5 } },
    count: 60,
    to: '2018-12-31T11:00:00Z',
    from: '2018-12-31T10:00:00Z',
    sequence: 100,
    deviceId: 'pi-1',
    shipmentId: SHIPMENT_ID,
  });
  const again = await run(ledger, pi1, (ctx) => readings.recordSummary(ctx, reordered));
  assert.deepEqual(again.value, { recorded: 0, duplicates: 1, violations: [] });
  assert.equal(again.event, undefined);
  assert.equal(ledger.state.size, keys);
  for (const changed of [
    summary({ count: 61 }),
    summary({ to: '2018-12-31T11:00:01Z' }),
    summary({ sensors: { temperature: { min: 3.5, max: 6 } } }),
    summary({ sensors: { temperature: { min: 3.5, max: 6.5 }, humidity: { min: 2, max: 8 } } }),
  ])
    await fails(
      ledger,
      pi1,
      (ctx) => readings.recordSummary(ctx, JSON.stringify(changed)),
      'summary pi-1/100 already recorded with different content',
    );
  const list = await run<unknown[]>(ledger, alice, (ctx) => readings.getSummaries(ctx, SHIPMENT_ID));
  assert.equal(list.value.length, 1);
});

void test('summaries and readings share the device sequence space: a clash either way is refused', async () => {
  const ledger = await shipmentWithDevice();
  await run(ledger, pi1, (ctx) => readings.recordReading(ctx, JSON.stringify(reading({ sequence: 1 }))));
  await fails(
    ledger,
    pi1,
    (ctx) => readings.recordSummary(ctx, JSON.stringify(summary({ sequence: 1 }))),
    'summary pi-1/1 already recorded with different content',
  );
  await run(ledger, pi1, (ctx) => readings.recordSummary(ctx, JSON.stringify(summary({ sequence: 2 }))));
  await fails(
    ledger,
    pi1,
    (ctx) => readings.recordReading(ctx, JSON.stringify(reading({ sequence: 2 }))),
    'reading pi-1/2 already recorded with different content',
  );
  await fails(
    ledger,
    pi1,
    (ctx) =>
      readings.recordReadings(ctx, JSON.stringify([reading({ sequence: 3 }), reading({ sequence: 2 })])),
    'reading pi-1/2 already recorded with different content',
  );
  // The sequence space is per device, not per shipment: another device may use sequence 2.
  await run(ledger, admin2, (ctx) =>
    devices.registerDevice(ctx, JSON.stringify({ id: 'th-7', kind: 'sensor', gatewayId: 'pi-1' })),
  );
  const other = await run(ledger, pi1, (ctx) =>
    readings.recordSummary(ctx, JSON.stringify(summary({ deviceId: 'th-7', sequence: 2 }))),
  );
  assert.equal(other.value['recorded'], 1);
});

void test('a summary whose min or max leaves a condition records violations (at its `to`) and emits ConditionViolated', async () => {
  const ledger = await shipmentWithDevice(); // condition: humidity 0-10
  const r = await run(ledger, pi1, (ctx) =>
    readings.recordSummary(
      ctx,
      JSON.stringify(
        summary({
          sequence: 7,
          sensors: { temperature: { min: -40, max: 80 }, humidity: { min: -1, max: 12 } },
        }),
      ),
    ),
  );
  const violated = [
    {
      shipmentId: SHIPMENT_ID,
      deviceId: 'pi-1',
      sequence: 7,
      timestamp: '2018-12-31T11:00:00Z',
      field: 'humidity',
      value: -1,
      min: 0,
      max: 10,
    },
    {
      shipmentId: SHIPMENT_ID,
      deviceId: 'pi-1',
      sequence: 7,
      timestamp: '2018-12-31T11:00:00Z',
      field: 'humidity',
      value: 12,
      min: 0,
      max: 10,
    },
  ];
  assert.deepEqual(r.value, { recorded: 1, duplicates: 0, violations: violated });
  assert.equal(r.event?.name, 'ConditionViolated');
  const p = r.event?.payload ?? {};
  // As for readings: the first violation at the top level, all of them in `violations`, plus the batch fields.
  assert.equal(p['shipmentId'], SHIPMENT_ID);
  assert.equal(p['deviceId'], 'pi-1');
  assert.equal(p['sequence'], 7);
  assert.equal(p['timestamp'], '2018-12-31T11:00:00Z');
  assert.equal(p['field'], 'humidity');
  assert.equal(p['value'], -1);
  assert.equal(p['count'], 1);
  assert.deepEqual(p['shipmentIds'], [SHIPMENT_ID]);
  assert.deepEqual(p['parties'], [ALICE, BOB]);
  assert.deepEqual(p['violations'], violated);
  assert.deepEqual((p['summary'] as Record<string, unknown>)['sensors'], {
    temperature: { min: -40, max: 80 },
    humidity: { min: -1, max: 12 },
  });

  // Listed by getViolations exactly like a reading's violations.
  await run(ledger, pi1, (ctx) =>
    readings.recordReading(ctx, JSON.stringify(reading({ sequence: 8, humidity: 11 }))),
  );
  const v = await run<Record<string, unknown>[]>(ledger, alice, (ctx) =>
    readings.getViolations(ctx, SHIPMENT_ID),
  );
  assert.equal(v.value.length, 2);
  assert.deepEqual(Object.keys(v.value[0] ?? {}), Object.keys(v.value[1] ?? {}));
  assert.deepEqual(v.value[0], {
    shipmentId: SHIPMENT_ID,
    deviceId: 'pi-1',
    sequence: 7,
    timestamp: '2018-12-31T11:00:00Z',
    violations: [
      { field: 'humidity', value: -1, min: 0, max: 10 },
      { field: 'humidity', value: 12, min: 0, max: 10 },
    ],
    txId: r.txId,
    recordedAt: v.value[0]?.['recordedAt'],
  });
  const stored = await run<{ violations: unknown[] }[]>(ledger, alice, (ctx) =>
    readings.getSummaries(ctx, SHIPMENT_ID),
  );
  assert.equal(stored.value[0]?.violations.length, 2);

  // Only the side that leaves the range; boundaries are inside; a field without a condition never violates.
  const above = await run(ledger, pi1, (ctx) =>
    readings.recordSummary(
      ctx,
      JSON.stringify(summary({ sequence: 9, sensors: { humidity: { min: 11, max: 15 } } })),
    ),
  );
  assert.deepEqual(
    (above.value['violations'] as { value: number }[]).map((x) => x.value),
    [15],
  );
  const edge = await run(ledger, pi1, (ctx) =>
    readings.recordSummary(
      ctx,
      JSON.stringify(
        summary({ sequence: 10, sensors: { humidity: { min: 0, max: 10 }, pressure: { min: 0, max: 9e9 } } }),
      ),
    ),
  );
  assert.deepEqual(edge.value['violations'], []);
  assert.equal(edge.event?.name, 'SummaryRecorded');
  // A replay of a violating summary writes nothing and emits nothing.
  const keys = ledger.state.size;
  const replay = await run(ledger, pi1, (ctx) =>
    readings.recordSummary(
      ctx,
      JSON.stringify(summary({ sequence: 9, sensors: { humidity: { min: 11, max: 15 } } })),
    ),
  );
  assert.deepEqual(replay.value, { recorded: 0, duplicates: 1, violations: [] });
  assert.equal(replay.event, undefined);
  assert.equal(ledger.state.size, keys);
});

void test('summary authorisation is that of readings: unbound, unregistered, foreign and deactivated devices are refused', async () => {
  const ledger = await shipmentWithDevice();
  await run(ledger, admin2, (ctx) =>
    devices.registerDevice(ctx, JSON.stringify({ id: 'pi-2', enrollmentId: 'pi-2', kind: 'gateway' })),
  );
  const pi2 = deviceIdentity('pi-2');
  await fails(
    ledger,
    pi2,
    (ctx) => readings.recordSummary(ctx, JSON.stringify(summary({ deviceId: 'pi-2' }))),
    `device pi-2 is not bound to shipment ${SHIPMENT_ID}`,
  );
  await fails(
    ledger,
    pi2,
    (ctx) => readings.recordSummary(ctx, JSON.stringify(summary())),
    'device pi-2 may not report for device pi-1',
  );
  await fails(
    ledger,
    bob,
    (ctx) => readings.recordSummary(ctx, JSON.stringify(summary())),
    'Org2MSP:User1@org2.example.com is not a registered device',
  );
  await fails(
    ledger,
    deviceIdentity('pi-1', 'Org3MSP'),
    (ctx) => readings.recordSummary(ctx, JSON.stringify(summary())),
    'Org3MSP:pi-1 is not a registered device',
  );
  // A gateway reports for a small device registered behind it; another gateway may not.
  await run(ledger, admin2, (ctx) =>
    devices.registerDevice(ctx, JSON.stringify({ id: 'th-7', kind: 'sensor', gatewayId: 'pi-1' })),
  );
  const viaGateway = await run(ledger, pi1, (ctx) =>
    readings.recordSummary(ctx, JSON.stringify(summary({ deviceId: 'th-7' }))),
  );
  assert.equal(viaGateway.value['recorded'], 1);
  assert.equal(viaGateway.event?.payload['submittedBy'], 'Org2MSP:pi-1');
  assert.equal(viaGateway.event?.payload['deviceId'], 'th-7');
  await fails(
    ledger,
    pi2,
    (ctx) => readings.recordSummary(ctx, JSON.stringify(summary({ deviceId: 'th-7', sequence: 101 }))),
    'device pi-2 may not report for device th-7',
  );
  await run(ledger, admin2, (ctx) => devices.bindDevice(ctx, 'pi-2', SHIPMENT_ID));
  const boundLater = await run(ledger, pi2, (ctx) =>
    readings.recordSummary(ctx, JSON.stringify(summary({ deviceId: 'pi-2' }))),
  );
  assert.equal(boundLater.value['recorded'], 1);
  await run(ledger, admin2, (ctx) => devices.deactivateDevice(ctx, 'th-7'));
  await fails(
    ledger,
    pi1,
    (ctx) => readings.recordSummary(ctx, JSON.stringify(summary({ deviceId: 'th-7', sequence: 102 }))),
    'device th-7 is deactivated',
  );
  await run(ledger, admin2, (ctx) => devices.deactivateDevice(ctx, 'pi-1'));
  await fails(
    ledger,
    pi1,
    (ctx) => readings.recordSummary(ctx, JSON.stringify(summary({ sequence: 103 }))),
    'device pi-1 is deactivated',
  );
});

void test('summary validation errors have precise messages', async () => {
  const ledger = await shipmentWithDevice();
  const iso = 'must be an ISO-8601 date-time with a time zone, such as 2018-12-31T10:00:00Z';
  const cases: [unknown, string][] = [
    [[summary()], 'summary must be a JSON object'],
    [null, 'summary must be a JSON object'],
    [summary({ colour: 'red' }), "summary has unknown field 'colour'"],
    [summary({ timestamp: '2018-12-31T10:00:00Z' }), "summary has unknown field 'timestamp'"],
    [
      summary({ shipmentId: '' }),
      "shipmentId must be 1-128 characters of letters, digits, '.', '_' or '-', starting with a letter or digit",
    ],
    [
      summary({ deviceId: 7 }),
      "deviceId must be 1-128 characters of letters, digits, '.', '_' or '-', starting with a letter or digit",
    ],
    [summary({ sequence: -1 }), 'sequence must be a non-negative integer'],
    [summary({ sequence: 1.5 }), 'sequence must be a non-negative integer'],
    [summary({ sequence: '5' }), 'sequence must be a non-negative integer'],
    [summary({ sequence: 1e13 }), 'sequence must not exceed 999999999999'],
    [summary({ from: undefined }), `from ${iso}`],
    [summary({ from: '2018-02-30T10:00:00Z' }), `from ${iso}`],
    [summary({ to: '2018-12-31 11:00' }), `to ${iso}`],
    [summary({ from: '2018-12-31T11:00:01Z' }), 'from must not be after to'],
    // Compared as instants: 12:30+01:00 is 11:30Z, after `to` (11:00Z).
    [summary({ from: '2018-12-31T12:30:00+01:00' }), 'from must not be after to'],
    [summary({ count: 0 }), 'count must be a positive integer'],
    [summary({ count: 2.5 }), 'count must be a positive integer'],
    [summary({ count: '60' }), 'count must be a positive integer'],
    [summary({ count: undefined }), 'count must be a positive integer'],
    [summary({ sensors: undefined }), 'sensors must be an object {temperature?, humidity?, pressure?}'],
    [summary({ sensors: [] }), 'sensors must be an object {temperature?, humidity?, pressure?}'],
    [summary({ sensors: {} }), 'sensors must carry at least one of temperature, humidity, pressure'],
    [
      summary({ sensors: { humidity: null } }),
      'sensors must carry at least one of temperature, humidity, pressure',
    ],
    [summary({ sensors: { light: { min: 0, max: 1 } } }), "sensors has unknown field 'light'"],
    [summary({ sensors: { humidity: 5 } }), 'sensors.humidity must be an object {min, max}'],
    [
      summary({ sensors: { humidity: { min: 1, max: 2, avg: 1.5 } } }),
      "sensors.humidity has unknown field 'avg'",
    ],
    [summary({ sensors: { humidity: { max: 2 } } }), 'sensors.humidity.min must be a number'],
    [summary({ sensors: { pressure: { min: 1, max: 'high' } } }), 'sensors.pressure.max must be a number'],
    [
      summary({ sensors: { temperature: { min: 3, max: 2 } } }),
      'sensors.temperature.min 3 must not exceed max 2',
    ],
    [summary({ shipmentId: 'NOPE' }), 'shipment NOPE does not exist'],
    [summary({ deviceId: 'ghost' }), 'device ghost does not exist'],
  ];
  for (const [input, message] of cases)
    await fails(ledger, pi1, (ctx) => readings.recordSummary(ctx, JSON.stringify(input)), message);
  await fails(ledger, pi1, (ctx) => readings.recordSummary(ctx, '{'), 'summary must be a JSON object');
  // Non-finite numbers cannot be written in JSON: a bare NaN is not JSON at all.
  await fails(
    ledger,
    pi1,
    (ctx) => readings.recordSummary(ctx, '{"sensors":{"humidity":{"min":NaN,"max":1}}}'),
    'summary must be a JSON object',
  );
  await fails(
    ledger,
    pi1,
    (ctx) => readings.recordSummary(ctx, JSON.stringify(summary()).replace('"max":8', '"max":1e999')),
    'sensors.humidity.max must be a number',
  );
  // from = to is a valid (instantaneous) period.
  const same = await run(ledger, pi1, (ctx) =>
    readings.recordSummary(ctx, JSON.stringify(summary({ to: '2018-12-31T10:00:00Z', count: 1 }))),
  );
  assert.equal(same.value['recorded'], 1);
});

void test('getShipmentSummary: summaries widen min/max, sensor counts stay reading counts, summaryCount', async () => {
  const ledger = await shipmentWithDevice();
  await run(ledger, pi1, (ctx) =>
    readings.recordReadings(
      ctx,
      JSON.stringify([
        reading({ sequence: 1, temperature: 4, humidity: 5, pressure: undefined }),
        reading({ sequence: 2, temperature: 6, humidity: 6, pressure: undefined }),
      ]),
    ),
  );
  const before = await run<Record<string, unknown>>(ledger, alice, (ctx) =>
    readings.getShipmentSummary(ctx, SHIPMENT_ID),
  );
  assert.equal(before.value['summaryCount'], 0);
  assert.deepEqual(before.value['sensors'], {
    temperature: { min: 4, max: 6, count: 2 },
    humidity: { min: 5, max: 6, count: 2 },
  });
  await run(ledger, pi1, (ctx) =>
    readings.recordSummary(
      ctx,
      JSON.stringify(
        summary({
          sequence: 3,
          sensors: {
            temperature: { min: -2, max: 5 },
            humidity: { min: 5.5, max: 5.5 },
            pressure: { min: 990, max: 1020 },
          },
        }),
      ),
    ),
  );
  await run(ledger, pi1, (ctx) =>
    readings.recordSummary(
      ctx,
      JSON.stringify(
        summary({
          sequence: 4,
          sensors: { temperature: { min: 0, max: 9 }, pressure: { min: 980, max: 1000 } },
        }),
      ),
    ),
  );
  const after = await run<Record<string, unknown>>(ledger, alice, (ctx) =>
    readings.getShipmentSummary(ctx, SHIPMENT_ID),
  );
  assert.equal(after.value['summaryCount'], 2);
  assert.deepEqual(after.value['sensors'], {
    temperature: { min: -2, max: 9, count: 2 },
    humidity: { min: 5, max: 6, count: 2 },
    pressure: { min: 980, max: 1020, count: 0 },
  });
  // count, devices and route stay about readings.
  assert.equal(after.value['count'], 2);
  assert.deepEqual(after.value['devices'], { 'pi-1': { count: 2, firstSequence: 1, lastSequence: 2 } });
  assert.equal((after.value['route'] as unknown[]).length, 2);
  assert.equal(after.value['violationCount'], 0);
});
