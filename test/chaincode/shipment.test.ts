import assert from 'node:assert/strict';
import { test } from 'node:test';
import { acceptedOrder } from './fixtures';
import {
  ALICE,
  BOB,
  NEG_ID,
  SHIPMENT_ID,
  alice,
  bob,
  carol,
  fails,
  run,
  shipmentInput,
  shipmentWithDevice,
  shipments,
} from './device-stub';

const CAROL = 'Org3MSP:carol';
type Rec = {
  type: string;
  shipmentId: string;
  custodian: string;
  location?: string;
  relatedShipmentId?: string;
};

void test('createShipment: conditions default to the order, ShipmentCreated event, getShipment and getMany', async () => {
  const ledger = await acceptedOrder();
  const created = await run(ledger, bob, (ctx) =>
    shipments.createShipment(ctx, JSON.stringify(shipmentInput())),
  );
  assert.equal(created.value['custodian'], BOB);
  assert.equal(created.value['status'], 'CREATED');
  assert.deepEqual(created.value['conditions'], [{ field: 'humidity', min: 0, max: 10 }]);
  assert.equal(created.event?.name, 'ShipmentCreated');
  assert.equal(created.event?.payload['shipmentId'], SHIPMENT_ID);
  assert.deepEqual(created.event?.payload['parties'], [ALICE, BOB]);
  const got = await run(ledger, alice, (ctx) => shipments.getShipment(ctx, SHIPMENT_ID));
  assert.deepEqual(got.value['items'], ['QR-0001', 'RFID-E200-0002']);
  await fails(
    ledger,
    carol,
    (ctx) => shipments.getShipment(ctx, SHIPMENT_ID),
    `Org3MSP:carol may not read shipment ${SHIPMENT_ID}`,
  );
  const many = await run<unknown[]>(ledger, alice, (ctx) =>
    shipments.getMany(ctx, JSON.stringify(['x', SHIPMENT_ID])),
  );
  assert.equal(many.value[0], null);
  assert.equal((many.value[1] as Record<string, unknown>)['id'], SHIPMENT_ID);
  const hidden = await run<unknown[]>(ledger, carol, (ctx) =>
    shipments.getMany(ctx, JSON.stringify([SHIPMENT_ID])),
  );
  assert.deepEqual(hidden.value, [null]);
  const explicit = await run(ledger, bob, (ctx) =>
    shipments.createShipment(
      ctx,
      JSON.stringify(
        shipmentInput({
          id: 'SHP-2',
          items: ['QR-9'],
          conditions: [{ field: 'temperature', min: 2, max: 8 }],
        }),
      ),
    ),
  );
  assert.deepEqual(explicit.value['conditions'], [{ field: 'temperature', min: 2, max: 8 }]);
});

void test('createShipment validation and authorisation errors', async () => {
  const ledger = await acceptedOrder();
  const cases: [Record<string, unknown>, string][] = [
    [shipmentInput({ items: [] }), 'items must not be empty'],
    [shipmentInput({ items: ['QR 1'] }), 'items[0] must be 1-256 printable ASCII characters without spaces'],
    [shipmentInput({ items: ['A', 'A'] }), 'items lists item A twice'],
    [
      shipmentInput({ conditions: [{ field: 'colour', min: 0, max: 1 }] }),
      'conditions[0].field must be one of temperature, humidity, pressure',
    ],
    [
      shipmentInput({ conditions: [{ field: 'humidity', min: 'low', max: 10 }] }),
      "condition 'humidity' min must be a number",
    ],
    [
      shipmentInput({ conditions: [{ field: 'humidity', min: 11, max: 10 }] }),
      "condition 'humidity' min 11 must not exceed max 10",
    ],
    [shipmentInput({ receiver: 'alice' }), "receiver must be a party id '<mspId>:<enrollmentId>'"],
    [shipmentInput({ receiver: BOB }), 'sender and receiver must be different parties'],
    [shipmentInput({ origin: '' }), 'origin must be a non-empty string of at most 200 characters'],
    [shipmentInput({ sender: ALICE, receiver: BOB }), `the sender must be the caller (${BOB})`],
    [shipmentInput({ orderId: 'nope' }), 'order nope does not exist'],
    [shipmentInput({ weight: 3 }), "shipment has unknown field 'weight'"],
  ];
  for (const [input, message] of cases) {
    await fails(ledger, bob, (ctx) => shipments.createShipment(ctx, JSON.stringify(input)), message);
  }
  await fails(
    ledger,
    carol,
    (ctx) => shipments.createShipment(ctx, JSON.stringify(shipmentInput({ sender: CAROL }))),
    `${CAROL} is not a party to order ${NEG_ID}`,
  );
  await run(ledger, bob, (ctx) => shipments.createShipment(ctx, JSON.stringify(shipmentInput())));
  await fails(
    ledger,
    bob,
    (ctx) => shipments.createShipment(ctx, JSON.stringify(shipmentInput())),
    `shipment ${SHIPMENT_ID} already exists`,
  );
  await fails(
    ledger,
    bob,
    (ctx) =>
      shipments.createShipment(ctx, JSON.stringify(shipmentInput({ id: 'SHP-2', items: ['QR-0001'] }))),
    `item QR-0001 is already in shipment ${SHIPMENT_ID}`,
  );
});

void test('custody transfer by the custodian only; delivery by the receiver only', async () => {
  const ledger = await shipmentWithDevice();
  await fails(
    ledger,
    alice,
    (ctx) => shipments.transferCustody(ctx, SHIPMENT_ID, CAROL, 'Chiasso'),
    `${ALICE} is not the custodian of shipment ${SHIPMENT_ID} (${BOB} is); only the custodian can transfer custody`,
  );
  await fails(
    ledger,
    bob,
    (ctx) => shipments.transferCustody(ctx, SHIPMENT_ID, 'carol', 'Chiasso'),
    "toParty must be a party id '<mspId>:<enrollmentId>'",
  );
  const t = await run(ledger, bob, (ctx) => shipments.transferCustody(ctx, SHIPMENT_ID, CAROL, 'Chiasso'));
  assert.equal(t.value['custodian'], CAROL);
  assert.equal(t.value['status'], 'IN_TRANSIT');
  assert.equal(t.event?.name, 'CustodyTransferred');
  assert.equal(t.event?.payload['from'], BOB);
  assert.equal(t.event?.payload['to'], CAROL);
  assert.equal(t.event?.payload['location'], 'Chiasso');
  assert.deepEqual(t.event?.payload['parties'], [ALICE, BOB, CAROL]);
  await fails(
    ledger,
    bob,
    (ctx) => shipments.transferCustody(ctx, SHIPMENT_ID, ALICE, 'Como'),
    `${BOB} is not the custodian of shipment ${SHIPMENT_ID} (${CAROL} is); only the custodian can transfer custody`,
  );
  // The carrier's organisation may now read the shipment.
  await run(ledger, carol, (ctx) => shipments.getShipment(ctx, SHIPMENT_ID));
  await fails(
    ledger,
    bob,
    (ctx) => shipments.confirmDelivery(ctx, SHIPMENT_ID),
    `${BOB} is not the receiver of shipment ${SHIPMENT_ID}; only the receiver can confirm delivery`,
  );
  const d = await run(ledger, alice, (ctx) => shipments.confirmDelivery(ctx, SHIPMENT_ID));
  assert.equal(d.value['status'], 'DELIVERED');
  assert.equal(d.value['custodian'], ALICE);
  assert.equal(d.event?.name, 'ShipmentDelivered');
  await fails(
    ledger,
    alice,
    (ctx) => shipments.confirmDelivery(ctx, SHIPMENT_ID),
    `shipment ${SHIPMENT_ID} is DELIVERED; it cannot change`,
  );
});

void test('inclusion, splitting and the provenance of one item from its first record', async () => {
  const ledger = await acceptedOrder();
  await run(ledger, bob, (ctx) =>
    shipments.createShipment(
      ctx,
      JSON.stringify(shipmentInput({ id: 'BOX-1', items: ['QR-A', 'QR-B'], devices: [] })),
    ),
  );
  await run(ledger, bob, (ctx) =>
    shipments.createShipment(
      ctx,
      JSON.stringify(shipmentInput({ id: 'PALLET-1', items: ['QR-P'], devices: [] })),
    ),
  );
  await fails(
    ledger,
    bob,
    (ctx) => shipments.includeShipment(ctx, 'BOX-1', 'BOX-1'),
    'a shipment cannot include itself',
  );
  const inc = await run(ledger, bob, (ctx) => shipments.includeShipment(ctx, 'PALLET-1', 'BOX-1'));
  assert.deepEqual(inc.value['children'], ['BOX-1']);
  assert.equal(inc.event?.name, 'ShipmentIncluded');
  assert.equal(inc.event?.payload['childId'], 'BOX-1');
  await fails(
    ledger,
    bob,
    (ctx) => shipments.includeShipment(ctx, 'BOX-1', 'PALLET-1'),
    'shipment PALLET-1 contains shipment BOX-1; inclusion would form a cycle',
  );
  await fails(
    ledger,
    bob,
    (ctx) => shipments.transferCustody(ctx, 'BOX-1', CAROL, 'Chiasso'),
    'shipment BOX-1 is included in shipment PALLET-1; transfer the shipment it is included in',
  );
  // Custody of the pallet carries the box with it.
  await run(ledger, bob, (ctx) => shipments.transferCustody(ctx, 'PALLET-1', CAROL, 'Chiasso'));
  const box = await run(ledger, carol, (ctx) => shipments.getShipment(ctx, 'BOX-1'));
  assert.equal(box.value['custodian'], CAROL);
  // Split the box out again, and split item QR-B into a new shipment.
  await fails(
    ledger,
    carol,
    (ctx) => shipments.splitShipment(ctx, 'PALLET-1', '{}'),
    'split must name at least one included shipment or item',
  );
  const split = await run<{ shipment: Record<string, unknown>; created: null }>(ledger, carol, (ctx) =>
    shipments.splitShipment(ctx, 'PALLET-1', JSON.stringify({ shipments: ['BOX-1'] })),
  );
  assert.deepEqual(split.value.shipment['children'], []);
  assert.equal(split.event?.name, 'ShipmentSplit');
  await fails(
    ledger,
    carol,
    (ctx) => shipments.splitShipment(ctx, 'BOX-1', JSON.stringify({ items: ['QR-B'] })),
    "split id must be 1-128 characters of letters, digits, '.', '_' or '-', starting with a letter or digit",
  );
  const split2 = await run<{ created: Record<string, unknown> }>(ledger, carol, (ctx) =>
    shipments.splitShipment(
      ctx,
      'BOX-1',
      JSON.stringify({ items: ['QR-B'], id: 'BOX-2', destination: 'Torino' }),
    ),
  );
  assert.deepEqual(split2.value.created['items'], ['QR-B']);
  assert.equal(split2.value.created['custodian'], CAROL);
  assert.deepEqual(split2.value.created['conditions'], [{ field: 'humidity', min: 0, max: 10 }]);
  // Loose items move from one shipment to another by their custodian.
  await run(ledger, carol, (ctx) => shipments.includeItems(ctx, 'PALLET-1', JSON.stringify(['QR-A'])));
  await fails(
    ledger,
    carol,
    (ctx) => shipments.includeItems(ctx, 'PALLET-1', JSON.stringify(['QR-A'])),
    'item QR-A is already in shipment PALLET-1',
  );
  await run(ledger, carol, (ctx) => shipments.transferCustody(ctx, 'BOX-2', ALICE, 'Torino'));
  await run(ledger, alice, (ctx) => shipments.confirmDelivery(ctx, 'BOX-2'));

  const prov = await run<{ shipments: string[]; records: Rec[] }>(ledger, alice, (ctx) =>
    shipments.getProvenance(ctx, 'QR-B'),
  );
  assert.deepEqual(prov.value.shipments, ['BOX-1', 'BOX-2']);
  assert.deepEqual(
    prov.value.records.map((r) => `${r.shipmentId}:${r.type}:${r.custodian}`),
    [
      `BOX-1:Created:${BOB}`,
      `BOX-1:Included:${BOB}`,
      `BOX-1:CustodyTransferred:${CAROL}`,
      `BOX-1:SplitFrom:${CAROL}`,
      `BOX-1:Split:${CAROL}`,
      `BOX-2:SplitFrom:${CAROL}`,
      `BOX-2:CustodyTransferred:${ALICE}`,
      `BOX-2:Delivered:${ALICE}`,
    ],
  );
  // QR-A: in BOX-1 until it moved to PALLET-1 (later BOX-1 records about other items are left out).
  const provA = await run<{ shipments: string[]; records: Rec[] }>(ledger, bob, (ctx) =>
    shipments.getProvenance(ctx, 'QR-A'),
  );
  assert.deepEqual(provA.value.shipments, ['BOX-1', 'PALLET-1']);
  assert.deepEqual(
    provA.value.records.map((r) => `${r.shipmentId}:${r.type}`),
    [
      'BOX-1:Created',
      'BOX-1:Included',
      'BOX-1:CustodyTransferred',
      'BOX-1:SplitFrom',
      'BOX-1:ItemsRemoved',
      'PALLET-1:ItemsIncluded',
    ],
  );
  await fails(ledger, alice, (ctx) => shipments.getProvenance(ctx, 'QR-NONE'), 'item QR-NONE has no record');
  await fails(
    ledger,
    { mspId: 'Org9MSP', cn: 'eve' },
    (ctx) => shipments.getProvenance(ctx, 'QR-B'),
    'Org9MSP:eve may not read the provenance of item QR-B',
  );
});
