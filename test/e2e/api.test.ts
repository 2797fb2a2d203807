// The GraphQL API end to end: a buyer and a supplier negotiate through the seed's Figures 20 and 21 over
// real HTTP while the buyer's graphql-ws subscription receives the counter-offer; a third party sees
// nothing; readings flow into a shipment subscription; a client that disconnects during 500 events
// resumes with its cursor and receives each missed event once, in order; an API restart loses no event;
// bad input gets its error code and the server keeps serving.

import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Devnet } from '../../network/devnet/src/devnet';
import type { ApiServer } from '../../api/src/server';
import {
  AcceptOfferDocument,
  BindDeviceDocument,
  BlocksDocument,
  CommittedBlocksDocument,
  ContractEventsDocument,
  CounterOfferDocument,
  CounterOffersDocument,
  CreateOfferDocument,
  CreateShipmentDocument,
  HistoryDocument,
  MeDocument,
  MetaDocument,
  NegotiationDocument,
  NegotiationsDocument,
  NegotiationUpdatesDocument,
  RecordReadingsDocument,
  RegisterDeviceDocument,
  ShipmentReadingsDocument,
  ShipmentWithReadingsDocument,
  TransactionDocument,
  TransactionStatusDocument,
} from '../../schema/generated/operations';
import { removeDir } from '../integration/helpers';
import {
  adminKeyOf,
  codeOf,
  collect,
  createUserKey,
  dataOf,
  gql,
  newApiDir,
  rawGql,
  startApi,
  startDevnetForApi,
  wsClient,
  type GraphQLResponse,
} from './api-helpers';

const figure20 = (id: string, targetParty: string) => ({
  id,
  item: 'Stainless Steel Cutting',
  price: '20',
  quantity: 200,
  currency: 'USD',
  conditions: [{ field: 'humidity', min: 0, max: 10 }],
  targetParty,
});
const figure21 = {
  fields: [{ field: 'price', newValue: '30' }],
  conditions: [],
  removedConditions: [],
  note: 'this price is low for me. how about this deal?',
};

void describe('GraphQL API end to end', () => {
  let devnet: Devnet;
  let api: ApiServer;
  let apiDir: { dataDir: string; secret: string };
  let buyer: { partyId: string; apiKey: string };
  let supplier: { partyId: string; apiKey: string };
  let outsider: { partyId: string; apiKey: string };
  let sensor: { partyId: string; apiKey: string };

  before(async () => {
    devnet = await startDevnetForApi();
    apiDir = newApiDir();
    api = await startApi(devnet, apiDir.dataDir, apiDir.secret);
    const org1Admin = adminKeyOf(api, 'Org1MSP');
    const org2Admin = adminKeyOf(api, 'Org2MSP');
    buyer = await createUserKey(api, org1Admin, 'buyer');
    supplier = await createUserKey(api, org2Admin, 'supplier');
    outsider = await createUserKey(api, org1Admin, 'carol');
    sensor = await createUserKey(api, org2Admin, 'sensor-1');
  });

  after(async () => {
    await api?.close();
    if (devnet) {
      await devnet.stop();
      await removeDir(devnet.dataDir);
    }
    if (apiDir) await removeDir(apiDir.dataDir);
  });

  void test('the API key decides who signs: me answers with the party id the chaincode sees', async () => {
    const me = dataOf(await gql(api.url, buyer.apiKey, MeDocument));
    assert.deepEqual(me.me, {
      partyId: 'Org1MSP:buyer',
      mspId: 'Org1MSP',
      enrollmentId: 'buyer',
      role: 'user',
    });
  });

  void test("Figures 20 and 21: the buyer's subscription receives the counter-offer; a third party sees nothing", async () => {
    const buyerWs = wsClient(api, buyer.apiKey);
    const outsiderWs = wsClient(api, outsider.apiKey);
    try {
      const counters = collect(buyerWs, CounterOffersDocument, {});
      const outsiderSees = collect(outsiderWs, NegotiationUpdatesDocument, {});
      // Let both subscriptions start before the first transaction.
      await new Promise((r) => setTimeout(r, 300));

      const offer = dataOf(
        await gql(api.url, buyer.apiKey, CreateOfferDocument, {
          input: figure20('rfq-fig20', supplier.partyId),
        }),
      );
      assert.equal(offer.createOffer.transaction.state, 'VALID');
      assert.ok(offer.createOffer.transaction.blockNumber, 'a waited mutation returns its block number');
      assert.equal(offer.createOffer.negotiation?.customer, buyer.partyId);

      const counter = dataOf(
        await gql(api.url, supplier.apiKey, CounterOfferDocument, {
          negotiationId: 'rfq-fig20',
          input: figure21,
        }),
      );
      assert.equal(counter.counterOffer.negotiation?.terms.price, '30');

      const [received] = await counters.until((items) => items.length >= 1);
      assert.equal(received?.counterOffers.negotiationId, 'rfq-fig20');
      assert.equal(received?.counterOffers.by, supplier.partyId);
      assert.match(received?.counterOffers.cursor ?? '', /^\d+:\d+:\d+$/);
      assert.equal(
        received?.counterOffers.blockNumber,
        counter.counterOffer.transaction.blockNumber,
        'an event names the block that holds it (minBlock for a read after it)',
      );

      const accepted = dataOf(
        await gql(api.url, buyer.apiKey, AcceptOfferDocument, { negotiationId: 'rfq-fig20' }),
      );
      assert.equal(accepted.acceptOffer.negotiation?.status, 'ACCEPTED');

      // The outsider's own negotiation proves its subscription is live; it must be the only thing it sees.
      await gql(api.url, outsider.apiKey, CreateOfferDocument, {
        input: figure20('rfq-outsider', supplier.partyId),
      });
      await outsiderSees.until((items) =>
        items.some((i) => i.negotiationUpdates.negotiationId === 'rfq-outsider'),
      );
      assert.deepEqual(
        outsiderSees.items.map((i) => i.negotiationUpdates.negotiationId),
        ['rfq-outsider'],
        'the third party receives none of the buyer and supplier negotiation events',
      );

      const read = await gql(api.url, outsider.apiKey, NegotiationDocument, { id: 'rfq-fig20' });
      assert.equal(codeOf(read), 'FORBIDDEN');
      const rounds = dataOf(await gql(api.url, buyer.apiKey, NegotiationDocument, { id: 'rfq-fig20' }));
      assert.deepEqual(
        rounds.negotiation.rounds.map((r) => r.action),
        ['OFFER', 'COUNTER_OFFER', 'ACCEPT'],
      );
      assert.equal(rounds.negotiation.rounds[1]?.note, figure21.note);
      counters.stop();
      outsiderSees.stop();
    } finally {
      await buyerWs.dispose();
      await outsiderWs.dispose();
    }
  });

  void test('lists come from the read model; minBlock reads your own writes; history comes from the ledger', async () => {
    const created = dataOf(
      await gql(api.url, buyer.apiKey, CreateOfferDocument, {
        input: figure20('rfq-list-1', supplier.partyId),
      }),
    );
    const list = dataOf(
      await gql(api.url, buyer.apiKey, NegotiationsDocument, {
        first: 100,
        minBlock: created.createOffer.transaction.blockNumber,
      }),
    );
    const ids = list.negotiations.nodes.map((n) => n.id);
    assert.ok(ids.includes('rfq-list-1') && ids.includes('rfq-fig20'));
    assert.ok(!ids.includes('rfq-outsider'), "another party's negotiation is not in the buyer's list");
    const history = dataOf(
      await gql(api.url, buyer.apiKey, HistoryDocument, { kind: 'negotiation', id: 'rfq-fig20' }),
    );
    assert.deepEqual(
      history.history.map((h) => (h.value as { status: string }).status),
      ['OPEN', 'OPEN', 'ACCEPTED'],
    );
    const meta = dataOf(await gql(api.url, buyer.apiKey, MetaDocument));
    assert.ok(meta.meta.readModelHeight >= Number(created.createOffer.transaction.blockNumber) + 1);
    const blocks = dataOf(await gql(api.url, buyer.apiKey, BlocksDocument, { first: 3 }));
    const newest = blocks.blocks.nodes[0];
    assert.ok(newest && newest.hash.length === 64 && newest.previousHash.length === 64);
    assert.equal(blocks.blocks.nodes[1]?.hash, newest.previousHash, 'blocks chain by hash');
  });

  void test('committedBlocks(after: n) replays from block n+1 and carries on live, in order, each block once', async () => {
    const blocks = collect(wsClient(api, buyer.apiKey), CommittedBlocksDocument, { after: 0 });
    try {
      const meta = dataOf(await gql(api.url, buyer.apiKey, MetaDocument));
      const height = Number(meta.meta.readModelHeight);
      await blocks.until((items) => items.length >= height - 1);
      await gql(api.url, buyer.apiKey, CreateOfferDocument, {
        input: figure20('rfq-blocks-live', supplier.partyId),
      });
      const items = await blocks.until((got) => got.length >= height);
      const numbers = items.map((b) => Number(b.committedBlocks.number));
      assert.deepEqual(
        numbers,
        numbers.map((_, i) => i + 1),
        'blocks 1, 2, … in order, none skipped or repeated',
      );
      assert.equal(blocks.errors.length, 0);
    } finally {
      blocks.stop();
    }
  });

  void test('idempotencyKey returns the first result; wait:false returns at once and transactionStatus reports the fate', async () => {
    const vars = {
      input: figure20('rfq-idem', supplier.partyId),
      options: { idempotencyKey: 'k-1', wait: true },
    };
    const first = dataOf(await gql(api.url, buyer.apiKey, CreateOfferDocument, vars));
    const again = dataOf(await gql(api.url, buyer.apiKey, CreateOfferDocument, vars));
    assert.equal(again.createOffer.transaction.transactionId, first.createOffer.transaction.transactionId);
    assert.equal(again.createOffer.transaction.replayed, true);
    const reused = await gql(api.url, buyer.apiKey, CreateOfferDocument, {
      input: figure20('rfq-other', supplier.partyId),
      options: { idempotencyKey: 'k-1' },
    });
    assert.equal(codeOf(reused), 'CONFLICT');

    const concurrent = {
      input: figure20('rfq-idem-2', supplier.partyId),
      options: { idempotencyKey: 'k-2' },
    };
    const [c1, c2] = await Promise.all([
      gql(api.url, buyer.apiKey, CreateOfferDocument, concurrent).then(dataOf),
      gql(api.url, buyer.apiKey, CreateOfferDocument, concurrent).then(dataOf),
    ]);
    assert.equal(
      c1.createOffer.transaction.transactionId,
      c2.createOffer.transaction.transactionId,
      'two concurrent requests with one key make one transaction',
    );
    assert.deepEqual([c1.createOffer.transaction.replayed, c2.createOffer.transaction.replayed].sort(), [
      false,
      true,
    ]);

    const ws = wsClient(api, buyer.apiKey);
    try {
      const pending = dataOf(
        await gql(api.url, buyer.apiKey, CreateOfferDocument, {
          input: figure20('rfq-nowait', supplier.partyId),
          options: { wait: false },
        }),
      );
      assert.equal(pending.createOffer.transaction.state, 'PENDING');
      assert.equal(pending.createOffer.negotiation, null);
      const txId = pending.createOffer.transaction.transactionId;
      const status = collect(ws, TransactionStatusDocument, { transactionId: txId });
      const [fate] = await status.until((items) => items.length >= 1);
      assert.equal(fate?.transactionStatus.state, 'VALID');
      const tx = dataOf(await gql(api.url, buyer.apiKey, TransactionDocument, { id: txId }));
      assert.equal(tx.transaction.function, 'negotiation:createOffer');
      assert.equal(tx.transaction.creator, buyer.partyId);
    } finally {
      await ws.dispose();
    }
  });

  void test('shipment readings flow into a subscription; the summary and first page come from the read model', async () => {
    // The CA's bootstrap admin is a registrar, not an organisation admin for the chaincode: it creates one.
    const org2Admin = (await createUserKey(api, adminKeyOf(api, 'Org2MSP'), 'ops-admin', 'admin')).apiKey;
    dataOf(
      await gql(api.url, org2Admin, RegisterDeviceDocument, {
        input: { id: 'dev-1', enrollmentId: 'sensor-1', kind: 'SENSOR' },
      }),
    );
    dataOf(
      await gql(api.url, supplier.apiKey, CreateShipmentDocument, {
        input: {
          id: 'ship-1',
          orderId: 'rfq-fig20',
          items: ['QR-0001'],
          origin: 'Lugano',
          destination: 'Milano',
          receiver: buyer.partyId,
          devices: [],
        },
      }),
    );
    dataOf(await gql(api.url, org2Admin, BindDeviceDocument, { deviceId: 'dev-1', shipmentId: 'ship-1' }));
    const ws = wsClient(api, buyer.apiKey);
    try {
      const readings = collect(ws, ShipmentReadingsDocument, { shipmentId: 'ship-1' });
      await new Promise((r) => setTimeout(r, 300));
      const batch = (from: number, humidity: number) =>
        Array.from({ length: 5 }, (_, k) => ({
          shipmentId: 'ship-1',
          deviceId: 'dev-1',
          sequence: from + k,
          timestamp: new Date(Date.UTC(2026, 10, 23, 10, 0, from + k)).toISOString(),
          temperature: 4.5,
          humidity,
        }));
      const ok = dataOf(await gql(api.url, sensor.apiKey, RecordReadingsDocument, { inputs: batch(1, 5) }));
      assert.equal(ok.recordReadings.result?.recorded, 5);
      const bad = dataOf(await gql(api.url, sensor.apiKey, RecordReadingsDocument, { inputs: batch(6, 12) }));
      const events = await readings.until((items) => items.length >= 2);
      assert.deepEqual(
        events.map((e) => e.shipmentReadings.name),
        ['ReadingsRecorded', 'ConditionViolated'],
      );
      assert.equal(events[1]?.shipmentReadings.violations[0]?.field, 'HUMIDITY');
      const shipment = dataOf(
        await gql(api.url, buyer.apiKey, ShipmentWithReadingsDocument, {
          id: 'ship-1',
          first: 4,
          minBlock: bad.recordReadings.transaction.blockNumber,
        }),
      );
      assert.equal(shipment.shipment.summary.count, 10);
      assert.equal(shipment.shipment.summary.humidity.max, 12);
      assert.equal(shipment.shipment.summary.violations, 5);
      assert.equal(shipment.shipment.readings.nodes.length, 4);
      assert.equal(shipment.shipment.readings.totalCount, 10);
      readings.stop();
    } finally {
      await ws.dispose();
    }
  });

  void test('concurrent writes to one shipment conflict (MVCC) and are retried with new transactions: none is lost', async () => {
    const retries = async () => {
      const text = await (await fetch(api.url.replace('/graphql', '/metrics'))).text();
      const line = text.split('\n').find((l) => l.startsWith('fabric_mvcc_retries_total'));
      return Number(line?.split(' ').pop() ?? 0);
    };
    const before = await retries();
    const include = (item: string) =>
      rawGql<{ includeItems: { transaction: { state: string; blockNumber: number } } }>(
        api.url,
        supplier.apiKey,
        {
          query: `mutation($id: ID!, $items: [String!]!) {
            includeItems(shipmentId: $id, items: $items) { transaction { state blockNumber } }
          }`,
          variables: { id: 'ship-1', items: [item] },
        },
      );
    const items = ['QR-mvcc-1', 'QR-mvcc-2', 'QR-mvcc-3'];
    const answers = await Promise.all(items.map(include));
    for (const answer of answers) assert.equal(dataOf(answer).includeItems.transaction.state, 'VALID');
    const minBlock = Math.max(...answers.map((a) => Number(dataOf(a).includeItems.transaction.blockNumber)));
    const shipment = dataOf(
      await rawGql<{ shipment: { items: string[] } }>(api.url, buyer.apiKey, {
        query: 'query($minBlock: BigInt) { shipment(id: "ship-1", minBlock: $minBlock) { items } }',
        variables: { minBlock },
      }),
    );
    for (const item of items) assert.ok(shipment.shipment.items.includes(item), `${item} is in the shipment`);
    assert.ok((await retries()) > before, 'at least one write conflicted and was retried');
  });

  void test('a client that disconnects during 500 events resumes with its cursor: every event once, in order', async () => {
    const names = ['OfferCreated'];
    const total = 500;
    const ws1 = wsClient(api, supplier.apiKey);
    const first = collect(ws1, ContractEventsDocument, { names });
    await new Promise((r) => setTimeout(r, 300));
    const submitting = (async () => {
      for (let i = 0; i < total; i += 25) {
        await Promise.all(
          Array.from({ length: 25 }, (_, k) =>
            gql(api.url, buyer.apiKey, CreateOfferDocument, {
              input: figure20(`rfq-burst-${String(i + k).padStart(3, '0')}`, supplier.partyId),
              options: { wait: false },
            }).then(dataOf),
          ),
        );
      }
    })();
    await first.until((items) => items.length >= 60, 60_000);
    first.stop();
    await ws1.dispose();
    const seen = first.items.map((i) => i.contractEvents);
    const cursor = seen[seen.length - 1]?.cursor;
    assert.ok(cursor);
    await submitting;

    const ws2 = wsClient(api, supplier.apiKey);
    try {
      const rest = collect(ws2, ContractEventsDocument, { names, after: cursor });
      const burstIds = (items: typeof seen) =>
        items
          .map((e) => e.payload['negotiationId'])
          .filter((id): id is string => typeof id === 'string' && id.startsWith('rfq-burst-'));
      await rest.until(
        (items) => burstIds([...seen, ...items.map((i) => i.contractEvents)]).length >= total,
        120_000,
      );
      const all = [...seen, ...rest.items.map((i) => i.contractEvents)];
      const ids = burstIds(all);
      assert.equal(ids.length, total, 'no event missed, none repeated');
      assert.equal(new Set(ids).size, total);
      const cursors = all.map((e) => e.cursor.split(':').map(Number));
      for (let i = 1; i < cursors.length; i++) {
        const [a, b] = [cursors[i - 1] ?? [], cursors[i] ?? []];
        const before = (a[0] ?? 0) - (b[0] ?? 0) || (a[1] ?? 0) - (b[1] ?? 0) || (a[2] ?? 0) - (b[2] ?? 0);
        assert.ok(before < 0, `events arrive in ledger order (${a.join(':')} then ${b.join(':')})`);
      }
      rest.stop();
    } finally {
      await ws2.dispose();
    }
  });

  void test('listing 50 negotiations with each counterparty reputation costs a constant number of ledger reads', async () => {
    const evaluations = async () => {
      const text = await (await fetch(api.url.replace('/graphql', '/metrics'))).text();
      return text
        .split('\n')
        .filter((l) => l.startsWith('fabric_evaluations_total{'))
        .reduce((sum, l) => sum + Number(l.split(' ').pop()), 0);
    };
    const cost = async (first: number) => {
      const before = await evaluations();
      const page = dataOf(await gql(api.url, buyer.apiKey, NegotiationsDocument, { first }));
      assert.equal(page.negotiations.nodes.length, first);
      assert.ok(page.negotiations.nodes.every((n) => n.counterpartyReputation.partyId === n.counterparty));
      return (await evaluations()) - before;
    };
    assert.equal(await cost(5), 1);
    assert.equal(await cost(50), 1, 'one batched getReputations call, whatever the page size');
  });

  void test('limits: query complexity, request size and subscriptions per connection are refused with LIMIT_EXCEEDED; health and readiness answer', async () => {
    const wide = Array.from(
      { length: 20 },
      (_, i) => `n${i}: negotiations(first: 100) { nodes { id status customer supplier } }`,
    ).join(' ');
    const tooComplex = await rawGql(api.url, buyer.apiKey, { query: `{ ${wide} }` });
    assert.equal(codeOf(tooComplex), 'LIMIT_EXCEEDED', JSON.stringify(tooComplex));
    assert.match(tooComplex.errors?.[0]?.message ?? '', /complexity \d+ exceeds the limit of 5000/);

    const oversized = await fetch(api.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${buyer.apiKey}` },
      body: JSON.stringify({ query: '{ me { partyId } }', variables: { pad: 'x'.repeat(1024 * 1024) } }),
    });
    assert.equal(oversized.status, 413);
    assert.equal(codeOf((await oversized.json()) as GraphQLResponse<unknown>), 'LIMIT_EXCEEDED');

    const ws = wsClient(api, buyer.apiKey);
    try {
      const subs = Array.from({ length: 50 }, (_, i) =>
        collect(ws, NegotiationUpdatesDocument, { negotiationId: `rfq-cap-${i}` }),
      );
      const over = collect(ws, NegotiationUpdatesDocument, { negotiationId: 'rfq-cap-0' });
      await assert.rejects(
        over.until(() => false, 10_000),
        /at most 50 subscriptions per connection/,
      );
      // The fifty below the cap are still live on the same connection.
      await gql(api.url, buyer.apiKey, CreateOfferDocument, {
        input: figure20('rfq-cap-7', supplier.partyId),
      });
      const [event] = await subs[7]!.until((items) => items.length >= 1);
      assert.equal(event?.negotiationUpdates.negotiationId, 'rfq-cap-7');
      for (const sub of subs) sub.stop();
    } finally {
      await ws.dispose();
    }

    const base = api.url.replace(/\/graphql$/, '');
    assert.equal((await fetch(`${base}/healthz`)).status, 200);
    const ready = await fetch(`${base}/readyz`);
    assert.equal(ready.status, 200);
    assert.equal(await ready.text(), 'ready\n');
    assert.equal(codeOf(await gql(api.url, buyer.apiKey, MeDocument)), undefined, 'the server keeps serving');
  });

  void test('bad input gets its error code and the server keeps serving', async () => {
    assert.equal(codeOf(await rawGql(api.url, buyer.apiKey, '{"query": "{ me { partyId ')), 'BAD_USER_INPUT');
    assert.equal(codeOf(await rawGql(api.url, buyer.apiKey, { query: '{ me { partyId ' })), 'BAD_USER_INPUT');
    const tooDeep =
      '{ shipment(id: "ship-1") { order { negotiation { counterpartyReputation { ratings { id } } } } } }';
    const deepAnswer = await rawGql(api.url, buyer.apiKey, { query: tooDeep });
    assert.equal(codeOf(deepAnswer), 'BAD_USER_INPUT', JSON.stringify(deepAnswer));
    assert.match(deepAnswer.errors?.[0]?.message ?? '', /exceeds maximum operation depth/);
    assert.equal(
      codeOf(
        await rawGql(api.url, buyer.apiKey, {
          query: 'query($n: Int!) { negotiations(first: $n) { totalCount } }',
          variables: { n: 'ten' },
        }),
      ),
      'BAD_USER_INPUT',
    );
    assert.equal(
      codeOf(await gql(api.url, buyer.apiKey, NegotiationDocument, { id: 'no-such-rfq' })),
      'NOT_FOUND',
    );
    assert.equal(
      codeOf(await gql(api.url, outsider.apiKey, NegotiationDocument, { id: 'rfq-fig20' })),
      'FORBIDDEN',
    );
    const missing = await gql(api.url, undefined, MeDocument);
    assert.equal(codeOf(missing), 'UNAUTHENTICATED');
    const wrong = await gql(api.url, `msq_${'A'.repeat(43)}`, MeDocument);
    assert.equal(wrong.status, 401);
    assert.equal(codeOf(wrong), 'UNAUTHENTICATED');
    const chaincodeSays = await gql(api.url, buyer.apiKey, CreateOfferDocument, {
      input: { ...figure20('rfq-bad', supplier.partyId), price: '-5' },
    });
    assert.equal(codeOf(chaincodeSays), 'CHAINCODE_ERROR');
    assert.match(chaincodeSays.errors?.[0]?.message ?? '', /price/);
    const huge = await rawGql(api.url, buyer.apiKey, {
      query: `{ me { partyId } } #${'x'.repeat(2 * 1024 * 1024)}`,
    });
    assert.equal(huge.status, 413);
    assert.equal(
      dataOf(await gql(api.url, buyer.apiKey, MeDocument)).me.partyId,
      buyer.partyId,
      'still serving',
    );
  });

  void test('a restart of the API loses no subscription event: resume with the cursor after it', async () => {
    const ws = wsClient(api, supplier.apiKey);
    const live = collect(ws, ContractEventsDocument, { names: ['OfferCreated'] });
    await new Promise((r) => setTimeout(r, 300));
    dataOf(
      await gql(api.url, buyer.apiKey, CreateOfferDocument, {
        input: figure20('rfq-before-restart', supplier.partyId),
      }),
    );
    const [seen] = await live.until((items) => items.length >= 1);
    assert.ok(seen);
    await ws.dispose();
    await api.close();
    // While the API is down, the ledger moves on (a second API process would do the same).
    api = await startApi(devnet, apiDir.dataDir, apiDir.secret);
    const stillBuyer = dataOf(await gql(api.url, buyer.apiKey, MeDocument));
    assert.equal(stillBuyer.me.partyId, buyer.partyId, 'API keys and the wallet survive the restart');
    dataOf(
      await gql(api.url, buyer.apiKey, CreateOfferDocument, {
        input: figure20('rfq-after-restart', supplier.partyId),
      }),
    );
    const ws2 = wsClient(api, supplier.apiKey);
    try {
      const resumed = collect(ws2, ContractEventsDocument, {
        names: ['OfferCreated'],
        after: seen.contractEvents.cursor,
      });
      const items = await resumed.until((i) =>
        i.some((e) => e.contractEvents.payload['negotiationId'] === 'rfq-after-restart'),
      );
      assert.deepEqual(
        items.map((e) => e.contractEvents.payload['negotiationId']),
        ['rfq-after-restart'],
        'exactly the event after the cursor',
      );
      resumed.stop();
    } finally {
      await ws2.dispose();
    }
  });
});
