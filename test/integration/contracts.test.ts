// The project's contracts (chaincode/) deployed on the devnet under the channel's MAJORITY endorsement
// policy and driven through @hyperledger/fabric-gateway by a buyer in Org1 and a supplier in Org2: the
// seed's Figure 20 offer and Figure 21 counter-offer, acceptance creating the order, its progress to
// closure, ratings, and the denials a third party meets.

import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { EndorseError, GatewayError } from '@hyperledger/fabric-gateway';
import type { Devnet } from '../../network/devnet/src/devnet';
import { connectClient, removeDir, REPO_ROOT, startTestDevnet, utf8, type Client } from './helpers';

const CHAINCODE = { name: 'manusquare', path: path.join(REPO_ROOT, 'chaincode') };
const NEG_ID = 'rfq-figure-20';

function json<T>(bytes: Uint8Array): T {
  return JSON.parse(utf8(bytes)) as T;
}

/** The chaincode's own message, as the gateway reports it for an endorsement or evaluation failure. */
function chaincodeMessage(err: unknown): string {
  if (err instanceof GatewayError || err instanceof EndorseError) {
    return [err.message, ...err.details.map((d) => d.message)].join(' | ');
  }
  return String(err);
}

void describe('marketplace contracts on the devnet', () => {
  let devnet: Devnet;
  let buyer: Client;
  let supplier: Client;
  let outsider: Client;

  before(async () => {
    devnet = await startTestDevnet({ chaincodes: [CHAINCODE] });
    buyer = connectClient(devnet, { mspId: 'Org1MSP', chaincode: CHAINCODE.name });
    supplier = connectClient(devnet, { mspId: 'Org2MSP', chaincode: CHAINCODE.name });
    outsider = connectClient(devnet, { mspId: 'Org1MSP', user: 'Admin', chaincode: CHAINCODE.name });
  });

  after(async () => {
    for (const c of [buyer, supplier, outsider]) c?.close();
    if (devnet) {
      await devnet.stop();
      await removeDir(devnet.dataDir);
    }
  });

  const supplierParty = 'Org2MSP:User1@org2.example.com';

  void test('the buyer sends the Figure 20 offer and the supplier sees it; a third party cannot read it', async () => {
    const offer = {
      id: NEG_ID,
      item: 'Stainless Steel Cutting',
      price: '20',
      quantity: '200',
      currency: 'USD',
      conditions: [{ field: 'humidity', min: '0', max: '10' }],
      targetParty: supplierParty,
    };
    await buyer.contract.submitTransaction('negotiation:createOffer', JSON.stringify(offer));
    const seen = json<{ status: string; rounds: unknown[] }>(
      await supplier.contract.evaluateTransaction('negotiation:getNegotiation', NEG_ID),
    );
    assert.equal(seen.rounds.length, 1);
    await assert.rejects(
      outsider.contract.evaluateTransaction('negotiation:getNegotiation', NEG_ID),
      (err) => {
        assert.match(
          chaincodeMessage(err),
          /not a party|not one of the parties|may not|only the two parties/i,
        );
        return true;
      },
    );
  });

  void test('the buyer cannot answer its own offer; the supplier counters with Figure 21', async () => {
    const counter = {
      id: NEG_ID,
      changes: { fields: [{ field: 'price', newValue: '30' }], conditions: [], removedConditions: [] },
      note: 'this price is low for me. how about this deal?',
    };
    await assert.rejects(
      buyer.contract.submitTransaction('negotiation:counterOffer', NEG_ID, JSON.stringify(counter)),
      (err) => {
        assert.match(chaincodeMessage(err), /own/i);
        return true;
      },
    );
    await supplier.contract.submitTransaction('negotiation:counterOffer', NEG_ID, JSON.stringify(counter));
    const after2 = json<{ rounds: unknown[]; terms?: { price: string } }>(
      await buyer.contract.evaluateTransaction('negotiation:getNegotiation', NEG_ID),
    );
    assert.equal(after2.rounds.length, 2);
  });

  void test('the buyer accepts, the order follows the agreed terms to closure, and both parties rate', async () => {
    await buyer.contract.submitTransaction('negotiation:accept', NEG_ID);
    const order = json<{ status: string; price?: string; terms?: { price: string } }>(
      await supplier.contract.evaluateTransaction('order:getOrder', NEG_ID),
    );
    assert.equal(order.status, 'CREATED');
    assert.match(JSON.stringify(order), /"30"/, 'the order holds the counter-offered price');
    await supplier.contract.submitTransaction(
      'order:reportProgress',
      NEG_ID,
      JSON.stringify({ status: 'MATERIAL_RECEIVED' }),
    );
    await supplier.contract.submitTransaction(
      'order:reportProgress',
      NEG_ID,
      JSON.stringify({ status: 'IN_PRODUCTION', percentage: 50 }),
    );
    await supplier.contract.submitTransaction(
      'order:reportProgress',
      NEG_ID,
      JSON.stringify({ status: 'SHIPPED' }),
    );
    await assert.rejects(supplier.contract.submitTransaction('order:closeOrder', NEG_ID), (err) => {
      assert.match(chaincodeMessage(err), /customer/i);
      return true;
    });
    await buyer.contract.submitTransaction('order:confirmDelivery', NEG_ID);
    await buyer.contract.submitTransaction('order:closeOrder', NEG_ID);
    await buyer.contract.submitTransaction(
      'reputation:rate',
      JSON.stringify({ orderId: NEG_ID, score: 5, comment: 'on time' }),
    );
    await supplier.contract.submitTransaction(
      'reputation:rate',
      JSON.stringify({ orderId: NEG_ID, score: 4 }),
    );
    const reputation = json<{ count: number; average: number }>(
      await outsider.contract.evaluateTransaction('reputation:getReputation', supplierParty),
    );
    assert.equal(reputation.count, 1);
    assert.equal(reputation.average, 5);
    const history = json<unknown[]>(
      await buyer.contract.evaluateTransaction('order:getOrderHistory', NEG_ID),
    );
    assert.ok(history.length >= 6, `the order's history has every step (${history.length})`);
  });
  void test('an idea records who contributed what and when; shares follow the contributions', async () => {
    const hash = (c: string): string => c.repeat(64);
    await buyer.contract.submitTransaction(
      'idea:registerIdea',
      JSON.stringify({ id: 'idea-1', title: 'Laser-cut brackets', contentHash: hash('a') }),
    );
    await supplier.contract.submitTransaction(
      'idea:contribute',
      'idea-1',
      JSON.stringify({ id: 'c-1', contentHash: hash('b'), description: 'thinner sheet' }),
    );
    const idea = json<{
      shares: { party: string; share: number }[];
      contributions: { contributor: string }[];
    }>(await outsider.contract.evaluateTransaction('idea:getIdea', 'idea-1'));
    assert.equal(idea.contributions.length, 1);
    assert.equal(idea.contributions[0]?.contributor, supplierParty);
    assert.deepEqual(
      idea.shares.map((s) => s.share),
      [0.5, 0.5],
    );
  });

  void test('certified manufacturing data verifies its hash and names who certified it', async () => {
    const sha = 'c'.repeat(64);
    await supplier.contract.submitTransaction(
      'certification:certifyData',
      JSON.stringify({
        id: 'run-7',
        sha256: sha,
        machine: 'laser-3',
        periodStart: '2026-11-01T00:00:00Z',
        periodEnd: '2026-11-02T00:00:00Z',
        kpis: { energyKwh: 120.5, co2eKg: 31 },
      }),
    );
    const ok = json<{ match: boolean; certifiedBy: string }>(
      await buyer.contract.evaluateTransaction('certification:verifyHash', 'run-7', sha),
    );
    assert.equal(ok.match, true);
    assert.equal(ok.certifiedBy, supplierParty);
    const bad = json<{ match: boolean }>(
      await buyer.contract.evaluateTransaction('certification:verifyHash', 'run-7', 'd'.repeat(64)),
    );
    assert.equal(bad.match, false);
  });
  void test("invalid input gets the chaincode's precise message through the gateway and writes nothing", async () => {
    const offer = (overrides: Record<string, unknown>): string =>
      JSON.stringify({
        id: 'bad-offer',
        item: 'Bolts',
        price: '2',
        quantity: '10',
        currency: 'EUR',
        conditions: [],
        targetParty: supplierParty,
        ...overrides,
      });
    const cases: [string, () => Promise<Uint8Array>, string][] = [
      [
        'zero price',
        () => buyer.contract.submitTransaction('negotiation:createOffer', offer({ price: '0' })),
        'price must be a positive decimal',
      ],
      [
        'fractional quantity',
        () => buyer.contract.submitTransaction('negotiation:createOffer', offer({ quantity: 1.5 })),
        'quantity must be a positive integer',
      ],
      [
        'unknown field',
        () => buyer.contract.submitTransaction('negotiation:createOffer', offer({ colour: 'red' })),
        "offer has unknown field 'colour'",
      ],
      [
        'malformed JSON',
        () => buyer.contract.submitTransaction('negotiation:createOffer', '{'),
        'offer must be a JSON object',
      ],
      [
        'bad content hash',
        () =>
          buyer.contract.submitTransaction(
            'idea:registerIdea',
            JSON.stringify({ id: 'idea-bad', title: 'x', contentHash: 'abc' }),
          ),
        'contentHash must be 64 hexadecimal characters',
      ],
      [
        'bad sha256',
        () =>
          supplier.contract.submitTransaction(
            'certification:certifyData',
            JSON.stringify({
              id: 'run-bad',
              sha256: 'zz',
              machine: 'm',
              periodStart: '2026-11-01T00:00:00Z',
              periodEnd: '2026-11-02T00:00:00Z',
              kpis: {},
            }),
          ),
        'sha256 must be 64 hexadecimal characters',
      ],
    ];
    const heightBefore = devnet.height;
    for (const [name, call, message] of cases) {
      await assert.rejects(call(), (err) => {
        assert.ok(chaincodeMessage(err).includes(message), `${name}: ${chaincodeMessage(err)}`);
        return true;
      });
    }
    assert.equal(devnet.height, heightBefore, 'no transaction was ordered');
    await assert.rejects(buyer.contract.evaluateTransaction('negotiation:getNegotiation', 'bad-offer'));
  });
});
