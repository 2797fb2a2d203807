import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Ledger } from './stub';
import { admin2, bob, devices, fails, run, shipmentWithDevice, SHIPMENT_ID } from './device-stub';

const org1admin = { mspId: 'Org1MSP', cn: 'admin1', attrs: { 'hf.EnrollmentID': 'admin1', role: 'admin' } };

void test('an org admin registers a gateway and a small device behind it; DeviceRegistered event', async () => {
  const ledger = new Ledger();
  const gw = await run(ledger, admin2, (ctx) =>
    devices.registerDevice(ctx, JSON.stringify({ id: 'pi-1', enrollmentId: 'pi-1', kind: 'gateway' })),
  );
  assert.equal(gw.value['mspId'], 'Org2MSP');
  assert.equal(gw.value['active'], true);
  assert.equal(gw.value['registeredBy'], 'Org2MSP:admin2');
  assert.deepEqual(gw.event, {
    name: 'DeviceRegistered',
    payload: {
      deviceId: 'pi-1',
      mspId: 'Org2MSP',
      enrollmentId: 'pi-1',
      kind: 'gateway',
      active: true,
      by: 'Org2MSP:admin2',
      parties: ['Org2MSP:admin2'],
    },
  });
  const small = await run(ledger, admin2, (ctx) =>
    devices.registerDevice(ctx, JSON.stringify({ id: 'th-7', kind: 'sensor', gatewayId: 'pi-1' })),
  );
  assert.equal(small.value['gatewayId'], 'pi-1');
  assert.equal(small.value['enrollmentId'], undefined);
});

void test('registration denials and validation errors', async () => {
  const ledger = new Ledger();
  await fails(
    ledger,
    bob,
    (ctx) => devices.registerDevice(ctx, JSON.stringify({ id: 'x', enrollmentId: 'x', kind: 'sensor' })),
    'Org2MSP:User1@org2.example.com is not an organisation admin (role=admin); only an admin can register a device',
  );
  const cases: [unknown, string][] = [
    [
      { id: 'a b', enrollmentId: 'x', kind: 'sensor' },
      "device id must be 1-128 characters of letters, digits, '.', '_' or '-', starting with a letter or digit",
    ],
    [{ id: 'd1', enrollmentId: 'x', kind: 'camera' }, 'device kind must be one of gateway, sensor'],
    [{ id: 'd1', kind: 'sensor' }, 'enrollmentId is required unless the device reports through a gatewayId'],
    [
      { id: 'd1', enrollmentId: 'x', kind: 'gateway', gatewayId: 'g' },
      'a gateway device cannot have a gatewayId',
    ],
    [{ id: 'd1', enrollmentId: 'x', kind: 'sensor', colour: 'red' }, "device has unknown field 'colour'"],
    [{ id: 'd1', kind: 'sensor', gatewayId: 'nope' }, 'gateway nope does not exist'],
  ];
  for (const [input, message] of cases) {
    await fails(ledger, admin2, (ctx) => devices.registerDevice(ctx, JSON.stringify(input)), message);
  }
  await fails(ledger, admin2, (ctx) => devices.registerDevice(ctx, 'nope'), 'device must be a JSON object');
  await run(ledger, admin2, (ctx) =>
    devices.registerDevice(ctx, JSON.stringify({ id: 'd1', enrollmentId: 'e1', kind: 'sensor' })),
  );
  await fails(
    ledger,
    admin2,
    (ctx) => devices.registerDevice(ctx, JSON.stringify({ id: 'd1', enrollmentId: 'e2', kind: 'sensor' })),
    'device d1 already exists',
  );
  await fails(
    ledger,
    admin2,
    (ctx) => devices.registerDevice(ctx, JSON.stringify({ id: 'd2', enrollmentId: 'e1', kind: 'sensor' })),
    'enrollment id e1 of Org2MSP is already registered as device d1',
  );
  await fails(
    ledger,
    admin2,
    (ctx) => devices.registerDevice(ctx, JSON.stringify({ id: 'd3', kind: 'sensor', gatewayId: 'd1' })),
    'device d1 is not a gateway',
  );
  // The same enrollment id in another MSP is another identity.
  await run(ledger, org1admin, (ctx) =>
    devices.registerDevice(ctx, JSON.stringify({ id: 'd9', enrollmentId: 'e1', kind: 'sensor' })),
  );
});

void test('bind and deactivate: only an admin of the device MSP; DeviceBound and DeviceDeactivated events', async () => {
  const ledger = await shipmentWithDevice();
  await run(ledger, admin2, (ctx) =>
    devices.registerDevice(ctx, JSON.stringify({ id: 'pi-2', enrollmentId: 'pi-2', kind: 'sensor' })),
  );
  await fails(
    ledger,
    bob,
    (ctx) => devices.bindDevice(ctx, 'pi-2', SHIPMENT_ID),
    'Org2MSP:User1@org2.example.com is not an organisation admin (role=admin); only an admin can bind a device',
  );
  await fails(
    ledger,
    org1admin,
    (ctx) => devices.bindDevice(ctx, 'pi-2', SHIPMENT_ID),
    'device pi-2 belongs to Org2MSP; an admin of Org1MSP cannot bind it',
  );
  await fails(
    ledger,
    admin2,
    (ctx) => devices.bindDevice(ctx, 'pi-2', 'NOPE'),
    'shipment NOPE does not exist',
  );
  const bound = await run(ledger, admin2, (ctx) => devices.bindDevice(ctx, 'pi-2', SHIPMENT_ID));
  assert.equal(bound.event?.name, 'DeviceBound');
  assert.equal(bound.event?.payload['shipmentId'], SHIPMENT_ID);
  assert.deepEqual(bound.event?.payload['parties'], [
    'Org1MSP:alice',
    'Org2MSP:User1@org2.example.com',
    'Org2MSP:admin2',
  ]);
  await fails(
    ledger,
    admin2,
    (ctx) => devices.bindDevice(ctx, 'pi-2', SHIPMENT_ID),
    `device pi-2 is already bound to shipment ${SHIPMENT_ID}`,
  );
  await fails(
    ledger,
    org1admin,
    (ctx) => devices.deactivateDevice(ctx, 'pi-2'),
    'device pi-2 belongs to Org2MSP; an admin of Org1MSP cannot deactivate it',
  );
  const off = await run(ledger, admin2, (ctx) => devices.deactivateDevice(ctx, 'pi-2'));
  assert.equal(off.value['active'], false);
  assert.equal(off.event?.name, 'DeviceDeactivated');
  assert.equal(off.event?.payload['deviceId'], 'pi-2');
  await fails(
    ledger,
    admin2,
    (ctx) => devices.deactivateDevice(ctx, 'pi-2'),
    'device pi-2 is already deactivated',
  );
});

void test('getMany for devices: same order, null for missing, at most 100 ids', async () => {
  const ledger = await shipmentWithDevice();
  const many = await run<unknown[]>(ledger, bob, (ctx) =>
    devices.getMany(ctx, JSON.stringify(['nope', 'pi-1', 'nope'])),
  );
  assert.equal(many.value.length, 3);
  assert.equal(many.value[0], null);
  assert.equal((many.value[1] as Record<string, unknown>)['id'], 'pi-1');
  assert.equal(many.value[2], null);
  await fails(
    ledger,
    bob,
    (ctx) => devices.getMany(ctx, JSON.stringify(Array.from({ length: 101 }, (_, i) => `d${i}`))),
    'ids must hold at most 100 ids, got 101',
  );
});
