// The read model against a real devnet running the project's chaincode: the projector follows the Deliver
// service, valid transactions are projected and invalid ones only recorded, re-applying blocks is a
// no-op, a deleted database rebuilds to the same content, and the projector survives a devnet restart.

import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import pino from 'pino';
import { StatusCode, type Contract } from '@hyperledger/fabric-gateway';
import type { Devnet } from '../../network/devnet/src/devnet';
import { parseBlock } from '../../network/client/src';
import { Projector } from '../../api/src/readmodel/projector';
import { ReadModel } from '../../api/src/readmodel/read-model';
import {
  connectClient,
  makeTempDir,
  readBlocks,
  removeDir,
  REPO_ROOT,
  sleep,
  startTestDevnet,
  type Client,
} from './helpers';

const CHAINCODE = { name: 'manusquare', path: path.join(REPO_ROOT, 'chaincode') };
const BUYER = 'Org1MSP:User1@org1.example.com';
const SUPPLIER = 'Org2MSP:User1@org2.example.com';
const RETRY = { initialMs: 50, maxMs: 500, factor: 2, jitter: 0.2 };
const log = pino({ level: process.env.DEVNET_TEST_LOG ? 'debug' : 'silent' });

function offer(id: string): string {
  return JSON.stringify({
    id,
    item: 'Stainless Steel Cutting',
    price: '20',
    quantity: '200',
    currency: 'USD',
    conditions: [{ field: 'humidity', min: '0', max: '10' }],
    targetParty: SUPPLIER,
  });
}

const counter = JSON.stringify({
  changes: { fields: [{ field: 'price', newValue: '30' }], conditions: [], removedConditions: [] },
  note: 'how about this deal?',
});

/** Submits and waits for commit; returns the block number. */
async function submit(contract: Contract, fn: string, ...args: string[]): Promise<bigint> {
  const submitted = await contract.submitAsync(fn, { arguments: args });
  const status = await submitted.getStatus();
  assert.equal(status.code, StatusCode.VALID, `${fn}: ${status.code}`);
  return status.blockNumber;
}

/** Every projected row except the wall-clock applied_at columns, for content comparisons. */
function dump(db: Database.Database): Record<string, unknown[]> {
  const tables = db
    .prepare(
      "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'rm\\_%' ESCAPE '\\' ORDER BY name",
    )
    .all() as { name: string }[];
  const out: Record<string, unknown[]> = {};
  for (const { name } of tables) {
    out[name] = (db.prepare(`SELECT * FROM ${name}`).all() as Record<string, unknown>[])
      .map((row) => {
        const { applied_at: _ignored, ...rest } = row;
        return JSON.stringify(rest);
      })
      .sort();
  }
  return out;
}

function portOf(address: string): number {
  return Number(address.slice(address.lastIndexOf(':') + 1));
}

void describe('read model on the devnet', () => {
  let devnet: Devnet;
  let buyer: Client;
  let supplier: Client;
  let follower: Client;
  const dir = makeTempDir('readmodel-it-');
  const dbFile = path.join(dir, 'readmodel.sqlite');
  let db: Database.Database;
  let readModel: ReadModel;
  let projector: Projector;

  const open = (): void => {
    db = new Database(dbFile);
    readModel = new ReadModel(db);
    projector = new Projector({ readModel, network: follower.network, log, retry: RETRY });
    projector.start();
  };

  before(async () => {
    devnet = await startTestDevnet({ chaincodes: [CHAINCODE] });
    buyer = connectClient(devnet, { mspId: 'Org1MSP', chaincode: CHAINCODE.name });
    supplier = connectClient(devnet, { mspId: 'Org2MSP', chaincode: CHAINCODE.name });
    follower = connectClient(devnet, { mspId: 'Org1MSP', chaincode: CHAINCODE.name });
    open();
  });

  after(async () => {
    await projector?.stop();
    db?.close();
    for (const c of [buyer, supplier, follower]) c?.close();
    if (devnet) {
      await devnet.stop();
      await removeDir(devnet.dataDir);
    }
    await removeDir(dir);
  });

  void test('a negotiation offer, counter-offer and accept appear as entities, rounds and events', async () => {
    await submit(buyer.contract, 'negotiation:createOffer', offer('rm-n1'));
    await submit(supplier.contract, 'negotiation:counterOffer', 'rm-n1', counter);
    const last = await submit(buyer.contract, 'negotiation:accept', 'rm-n1');
    assert.equal(await projector.waitFor(last, 10_000), true);

    const n = readModel.getEntity<{ status: string; customer: string; orderId?: string }>(
      'negotiation',
      'rm-n1',
    );
    assert.equal(n?.status, 'ACCEPTED');
    assert.equal(n?.customer, BUYER);
    assert.deepEqual(
      readModel.rounds<{ action: string }>('rm-n1').map((r) => r.action),
      ['OFFER', 'COUNTER_OFFER', 'ACCEPT'],
    );
    const mine = readModel.listEntities<{ id: string }>('negotiation', { party: SUPPLIER, first: 10 });
    assert.deepEqual(
      mine.nodes.map((x) => x.id),
      ['rm-n1'],
    );
    assert.equal(readModel.listEntities('order', { party: BUYER, first: 10 }).totalCount, 1);
    const names = readModel.eventsAfter(undefined, { limit: 100 }).map((e) => e.name);
    assert.deepEqual(names.slice(0, 2), ['OfferCreated', 'CounterOffered']);
    assert.equal(names.length, 3);

    const tx = readModel.block(last)?.transactions.find((t) => t.function === 'negotiation:accept');
    assert.ok(tx);
    assert.equal(tx.creatorId, BUYER);
    assert.equal(tx.valid, true);
    assert.equal(readModel.transaction(tx.txId)?.blockNumber, last);
  });

  void test('an MVCC-conflicting transaction is recorded with its code but not projected', async () => {
    await submit(buyer.contract, 'negotiation:createOffer', offer('rm-n2'));
    // Both endorsed against the same version of rm-n2; whichever commits second conflicts.
    const a = supplier.contract.newProposal('negotiation:counterOffer', { arguments: ['rm-n2', counter] });
    const b = supplier.contract.newProposal('negotiation:reject', { arguments: ['rm-n2', 'too cheap'] });
    const [ea, eb] = await Promise.all([a.endorse(), b.endorse()]);
    const sa = await ea.submit();
    const sb = await eb.submit();
    const [ra, rb] = [await sa.getStatus(), await sb.getStatus()];
    const statuses = [ra, rb];
    const failed = statuses.find((s) => s.code !== StatusCode.VALID);
    const won = statuses.find((s) => s.code === StatusCode.VALID);
    assert.ok(failed && won, `codes ${ra.code}, ${rb.code}`);
    assert.equal(failed.code, StatusCode.MVCC_READ_CONFLICT);
    const height = ra.blockNumber > rb.blockNumber ? ra.blockNumber : rb.blockNumber;
    assert.equal(await projector.waitFor(height, 10_000), true);

    const row = readModel.transaction(failed.transactionId);
    assert.equal(row?.validationCode, 'MVCC_READ_CONFLICT');
    assert.equal(row?.valid, false);
    const expected = won === ra ? 'OPEN' : 'REJECTED';
    assert.equal(readModel.getEntity<{ status: string }>('negotiation', 'rm-n2')?.status, expected);
    assert.equal(readModel.rounds('rm-n2').length, 2);
    const events = readModel.eventsAfter(undefined, { limit: 1000 });
    assert.equal(events.filter((e) => e.transactionId === failed.transactionId).length, 0);
    assert.equal(events.filter((e) => e.transactionId === won.transactionId).length, 1);
  });

  void test('re-applying every block is a no-op', async () => {
    const before = dump(db);
    const height = readModel.nextBlock();
    const blocks = await readBlocks(follower.network, 0, Number(height) - 1);
    for (const b of blocks) assert.equal(readModel.apply(parseBlock(b)), undefined);
    assert.deepEqual(dump(db), before);
  });

  void test('eventsAfter replays in cursor order from a cursor', () => {
    const all = readModel.eventsAfter(undefined, { limit: 1000 });
    assert.ok(all.length >= 5);
    for (let i = 1; i < all.length; i++) {
      const [p, c] = [all[i - 1]?.cursor, all[i]?.cursor];
      assert.ok(p && c);
      assert.ok(p.block < c.block || (p.block === c.block && p.txIndex < c.txIndex), 'strictly increasing');
    }
    const from = all[1];
    assert.ok(from);
    assert.deepEqual(
      readModel.eventsAfter(from.cursor, { limit: 1000 }).map((e) => e.transactionId),
      all.slice(2).map((e) => e.transactionId),
    );
    assert.ok(readModel.eventsAfter(undefined, { limit: 1000, party: SUPPLIER }).length >= 4);
    assert.deepEqual(
      readModel
        .eventsAfter(undefined, { limit: 1000, names: ['OfferRejected'] })
        .every((e) => e.name === 'OfferRejected'),
      true,
    );
  });

  void test('a deleted database rebuilds the same content from block 0', async () => {
    const before = dump(db);
    const height = readModel.nextBlock();
    await projector.stop();
    db.close();
    for (const suffix of ['', '-wal', '-shm']) rmSync(dbFile + suffix, { force: true });
    open();
    assert.equal(readModel.nextBlock(), 0n);
    assert.equal(await projector.waitFor(height - 1n, 15_000), true);
    assert.deepEqual(dump(db), before);
  });

  void test('the projector resumes after the devnet stops and restarts on the same ports', async () => {
    const ports = {
      orderer: portOf(devnet.ordererAddress),
      peers: Object.fromEntries(devnet.peers.map((p) => [p.name, portOf(p.address)])),
      cas: Object.fromEntries(devnet.cas.map((c) => [c.mspId, Number(new URL(c.url).port)])),
    };
    const dataDir = devnet.dataDir;
    // The devnet's graceful shutdown waits for open Deliver streams, so the projector is stopped first;
    // restarted while the network is down, it must fail, back off and retry until the network is back.
    await projector.stop();
    await devnet.stop();
    const errorsBefore = projector.counters().errors;
    projector.start();
    const deadline = Date.now() + 10_000;
    while (projector.counters().errors < errorsBefore + 2 && Date.now() < deadline) await sleep(50);
    assert.ok(
      projector.counters().errors >= errorsBefore + 2,
      'the projector retried while the devnet was down',
    );
    devnet = await startTestDevnet({ chaincodes: [CHAINCODE], dataDir, ports });
    const next = await submit(buyer.contract, 'negotiation:createOffer', offer('rm-n3'));
    assert.equal(await projector.waitFor(next, 20_000), true);
    assert.equal(readModel.getEntity<{ status: string }>('negotiation', 'rm-n3')?.status, 'OPEN');
    const counters = projector.counters();
    assert.ok(counters.errors > errorsBefore, `errors ${counters.errors}`);
    assert.ok(counters.reconnects > 0);
    assert.equal(counters.ledgerHeight, readModel.nextBlock());
  });
});
