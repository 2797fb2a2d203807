// Readings on the devnet: 20 devices, each a Fabric identity enrolled at its organisation's CA, record
// readings for one shipment at the same time with no MVCC conflict (no hot keys), replays count once, and a
// humidity reading outside the agreed 0-10 emits ConditionViolated.

import 'reflect-metadata';
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import FabricCAServices from 'fabric-ca-client';
import { User } from 'fabric-common';
import { StatusCode } from '@hyperledger/fabric-gateway';
import type { Devnet } from '../../network/devnet/src/devnet';
import {
  connectClient,
  connectTo,
  removeDir,
  REPO_ROOT,
  startTestDevnet,
  utf8,
  type Client,
} from './helpers';

const CHAINCODE = { name: 'manusquare', path: path.join(REPO_ROOT, 'chaincode') };
const DEVICES = 20;
const ORDER = 'rfq-readings';
const SHIPMENT = 'shp-readings';

void describe('readings from many devices on the devnet', () => {
  let devnet: Devnet;
  let buyer: Client;
  let supplier: Client;
  const devices: Client[] = [];
  let unbound: Client;

  before(async () => {
    devnet = await startTestDevnet({ chaincodes: [CHAINCODE] });
    buyer = connectClient(devnet, { mspId: 'Org1MSP', chaincode: CHAINCODE.name });
    supplier = connectClient(devnet, { mspId: 'Org2MSP', chaincode: CHAINCODE.name });

    // Org2's CA: an admin with role=admin, and one identity per device with role=device.
    const info = devnet.cas.find((c) => c.mspId === 'Org2MSP');
    const peer = devnet.peers.find((p) => p.mspId === 'Org2MSP');
    assert.ok(info && peer);
    const ca = new FabricCAServices(
      info.url,
      { trustedRoots: [info.tlsCaCertPem], verify: true },
      info.caName,
    );
    const boot = await ca.enroll({
      enrollmentID: info.bootstrap.enrollmentID,
      enrollmentSecret: info.bootstrap.enrollmentSecret,
    });
    const registrar = User.createUser('admin', '', 'Org2MSP', boot.certificate, boot.key.toBytes());
    const enrolled = async (id: string, role: string): Promise<Client> => {
      const secret = await ca.register(
        {
          enrollmentID: id,
          affiliation: 'org2',
          role: 'client',
          maxEnrollments: -1,
          attrs: [{ name: 'role', value: role, ecert: true }],
        },
        registrar,
      );
      const e = await ca.enroll({ enrollmentID: id, enrollmentSecret: secret });
      return connectTo(
        peer.address,
        { mspId: 'Org2MSP', certPem: e.certificate, keyPem: e.key.toBytes() },
        {
          chaincode: CHAINCODE.name,
          credentials: grpc.credentials.createSsl(Buffer.from(peer.tlsCaCertPem)),
        },
      );
    };
    const orgAdmin = await enrolled('logistics-admin', 'admin');
    for (let i = 0; i < DEVICES; i++) devices.push(await enrolled(`dev-${i}`, 'device'));
    unbound = await enrolled('dev-unbound', 'device');

    // A negotiated order with the seed's humidity condition, and a shipment the 20 devices report for.
    const supplierParty = 'Org2MSP:User1@org2.example.com';
    await buyer.contract.submitTransaction(
      'negotiation:createOffer',
      JSON.stringify({
        id: ORDER,
        item: 'Stainless Steel Cutting',
        price: '20',
        quantity: '200',
        currency: 'USD',
        conditions: [{ field: 'humidity', min: '0', max: '10' }],
        targetParty: supplierParty,
      }),
    );
    await supplier.contract.submitTransaction('negotiation:accept', ORDER);
    for (let i = 0; i < DEVICES; i++) {
      await orgAdmin.contract.submitTransaction(
        'device:registerDevice',
        JSON.stringify({ id: `dev-${i}`, enrollmentId: `dev-${i}`, kind: 'sensor' }),
      );
    }
    // A registered device that the shipment does not list.
    await orgAdmin.contract.submitTransaction(
      'device:registerDevice',
      JSON.stringify({ id: 'dev-unbound', enrollmentId: 'dev-unbound', kind: 'sensor' }),
    );
    orgAdmin.close();
    await supplier.contract.submitTransaction(
      'shipment:createShipment',
      JSON.stringify({
        id: SHIPMENT,
        orderId: ORDER,
        items: ['QR-0001'],
        origin: 'Lugano',
        destination: 'Milano',
        sender: supplierParty,
        receiver: 'Org1MSP:User1@org1.example.com',
        devices: Array.from({ length: DEVICES }, (_, i) => `dev-${i}`),
      }),
    );
  });

  after(async () => {
    for (const c of [buyer, supplier, unbound, ...devices]) c?.close();
    if (devnet) {
      await devnet.stop();
      await removeDir(devnet.dataDir);
    }
  });

  const readingOf = (device: number, sequence: number, humidity = 5): Record<string, unknown> => ({
    shipmentId: SHIPMENT,
    deviceId: `dev-${device}`,
    sequence,
    timestamp: new Date(Date.UTC(2026, 10, 23, 10, 0, sequence)).toISOString(),
    temperature: 4.5,
    humidity,
    pressure: 1013,
    location: { lat: 46.0037, lon: 8.9511 },
  });

  void test('20 devices recording readings at the same time commit with zero MVCC conflicts', async () => {
    const rounds = 3;
    const statuses = await Promise.all(
      devices.flatMap((client, d) =>
        Array.from({ length: rounds }, async (_, r) => {
          const batch = Array.from({ length: 5 }, (_, k) => readingOf(d, r * 5 + k + 1));
          const submitted = await client.contract.submitAsync('reading:recordReadings', {
            arguments: [JSON.stringify(batch)],
          });
          return (await submitted.getStatus()).code;
        }),
      ),
    );
    const conflicts = statuses.filter(
      (c) => c === StatusCode.MVCC_READ_CONFLICT || c === StatusCode.PHANTOM_READ_CONFLICT,
    );
    assert.equal(conflicts.length, 0, `conflicts: ${conflicts.length}`);
    assert.ok(
      statuses.every((c) => c === StatusCode.VALID),
      `codes: ${[...new Set(statuses)].join(',')}`,
    );
    const summary = JSON.parse(
      utf8(await supplier.contract.evaluateTransaction('reading:getShipmentSummary', SHIPMENT)),
    ) as { count: number };
    assert.equal(summary.count, DEVICES * rounds * 5);
  });

  void test('a replayed reading counts once', async () => {
    const before = JSON.parse(
      utf8(await supplier.contract.evaluateTransaction('reading:getShipmentSummary', SHIPMENT)),
    ) as { count: number };
    await devices[0]?.contract.submitTransaction('reading:recordReading', JSON.stringify(readingOf(0, 1)));
    const afterReplay = JSON.parse(
      utf8(await supplier.contract.evaluateTransaction('reading:getShipmentSummary', SHIPMENT)),
    ) as { count: number };
    assert.equal(afterReplay.count, before.count);
  });

  void test('humidity 12 against the agreed 0-10 emits ConditionViolated', async () => {
    const events = await supplier.network.getChaincodeEvents(CHAINCODE.name);
    try {
      const submitted = await devices[1]?.contract.submitAsync('reading:recordReading', {
        arguments: [JSON.stringify(readingOf(1, 1000, 12))],
      });
      assert.ok(submitted);
      assert.equal((await submitted.getStatus()).code, StatusCode.VALID);
      for await (const event of events) {
        if (event.transactionId !== submitted.getTransactionId()) continue;
        assert.equal(event.eventName, 'ConditionViolated');
        const payload = JSON.parse(utf8(event.payload)) as Record<string, unknown>;
        assert.equal(payload.field, 'humidity');
        assert.equal(payload.value, 12);
        break;
      }
    } finally {
      events.close();
    }
  });
  void test('a registered device not bound to the shipment is refused and nothing is recorded', async () => {
    const before = JSON.parse(
      utf8(await supplier.contract.evaluateTransaction('reading:getShipmentSummary', SHIPMENT)),
    ) as { count: number };
    await assert.rejects(
      unbound.contract.submitTransaction(
        'reading:recordReading',
        JSON.stringify({ ...readingOf(0, 7000), deviceId: 'dev-unbound' }),
      ),
      (err: Error & { details?: { message: string }[] }) => {
        assert.match(
          [err.message, ...(err.details ?? []).map((d) => d.message)].join(' | '),
          /not bound|not allowed|not listed|may not report/i,
        );
        return true;
      },
    );
    const afterRefusal = JSON.parse(
      utf8(await supplier.contract.evaluateTransaction('reading:getShipmentSummary', SHIPMENT)),
    ) as { count: number };
    assert.equal(afterRefusal.count, before.count);
  });

  void test('custody passes from sender to receiver, who confirms delivery; provenance shows the whole chain', async () => {
    await supplier.contract.submitTransaction(
      'shipment:transferCustody',
      SHIPMENT,
      'Org1MSP:User1@org1.example.com',
      'Chiasso border',
    );
    await assert.rejects(supplier.contract.submitTransaction('shipment:confirmDelivery', SHIPMENT));
    await buyer.contract.submitTransaction('shipment:confirmDelivery', SHIPMENT);
    const provenance = JSON.parse(
      utf8(await buyer.contract.evaluateTransaction('shipment:getProvenance', 'QR-0001')),
    ) as {
      records: { type: string }[];
    };
    const types = provenance.records.map((r) => r.type);
    assert.ok(types.length >= 3, `provenance records: ${types.join(', ')}`);
    assert.equal(types[0], 'Created');
  });
  void test("invalid readings get the chaincode's precise message through the gateway and record nothing", async () => {
    const device = devices[2];
    assert.ok(device);
    const before = JSON.parse(
      utf8(await supplier.contract.evaluateTransaction('reading:getShipmentSummary', SHIPMENT)),
    ) as { count: number };
    const cases: [Record<string, unknown>, string][] = [
      [{ ...readingOf(2, 9001), humidity: 'wet' }, 'humidity must be a number'],
      [{ ...readingOf(2, 9002), sequence: -1 }, 'sequence must be a non-negative integer'],
      [
        { ...readingOf(2, 9003), location: { lat: 91, lon: 0 } },
        'location.lat must be a number from -90 to 90',
      ],
    ];
    for (const [input, message] of cases) {
      await assert.rejects(
        device.contract.submitTransaction('reading:recordReading', JSON.stringify(input)),
        (err: Error & { details?: { message: string }[] }) => {
          const text = [err.message, ...(err.details ?? []).map((d) => d.message)].join(' | ');
          assert.ok(text.includes(message), text);
          return true;
        },
      );
    }
    const afterRefusals = JSON.parse(
      utf8(await supplier.contract.evaluateTransaction('reading:getShipmentSummary', SHIPMENT)),
    ) as { count: number };
    assert.equal(afterRefusals.count, before.count);
  });
});
