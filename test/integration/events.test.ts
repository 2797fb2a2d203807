import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  checkpointers,
  type ChaincodeEvent,
  type Checkpoint,
  type CloseableAsyncIterable,
  type Network,
} from '@hyperledger/fabric-gateway';
import { common, peer } from '@hyperledger/fabric-protos';
import type { Devnet } from '../../network/devnet/src/devnet';
import { blockDataHash, blockHeaderHash } from '../../network/devnet/src/ledger/blockhash';
import {
  connectClient,
  readBlocks,
  removeDir,
  startTestDevnet,
  utf8,
  validationCodes,
  txIdOf,
  type Client,
} from './helpers';

interface Seen {
  txId: string;
  name: string;
  payload: string;
  block: bigint;
}

const seen = (e: ChaincodeEvent): Seen => ({
  txId: e.transactionId,
  name: e.eventName,
  payload: utf8(e.payload),
  block: e.blockNumber,
});

/** Reads events until `count` have arrived (or fails after `timeoutMs`), then closes the stream. */
async function take(
  events: CloseableAsyncIterable<ChaincodeEvent>,
  count: number,
  onEvent?: (e: ChaincodeEvent) => Promise<void>,
  timeoutMs = 15_000,
): Promise<Seen[]> {
  const out: Seen[] = [];
  const timer = setTimeout(() => events.close(), timeoutMs);
  try {
    for await (const e of events) {
      out.push(seen(e));
      await onEvent?.(e);
      if (out.length >= count) break;
    }
  } catch (err) {
    if (out.length < count)
      throw new Error(`got ${out.length} of ${count} events: ${(err as Error).message}`, { cause: err });
  } finally {
    clearTimeout(timer);
    events.close();
  }
  assert.equal(out.length, count, `expected ${count} events`);
  return out;
}

void describe('chaincode, block, filtered block and private data events', () => {
  let devnet: Devnet;
  let org1: Client;
  const dataDirs = new Set<string>();
  /** Every event this file emitted, in commit order. */
  const emitted: { txId: string; name: string; payload: string }[] = [];

  const emit = async (name: string, payload: string): Promise<string> => {
    const submitted = await org1.contract.submitAsync('emit', { arguments: [name, payload] });
    const status = await submitted.getStatus();
    assert.equal(status.successful, true);
    emitted.push({ txId: submitted.getTransactionId(), name, payload });
    return submitted.getTransactionId();
  };

  /** Several emits in flight together, so they share blocks; returned in block order. */
  const emitConcurrently = async (names: string[]): Promise<void> => {
    const results = await Promise.all(
      names.map(async (name) => {
        const submitted = await org1.contract.submitAsync('emit', { arguments: [name, `{"n":"${name}"}`] });
        const status = await submitted.getStatus();
        assert.equal(status.successful, true);
        return {
          txId: submitted.getTransactionId(),
          name,
          payload: `{"n":"${name}"}`,
          block: status.blockNumber,
        };
      }),
    );
    // Within a block, order by the block's own transaction order.
    const blocks = new Map<bigint, string[]>();
    for (const b of new Set(results.map((r) => r.block))) {
      const [block] = await readBlocks(org1.network, Number(b), Number(b));
      blocks.set(b, (block?.getData()?.getDataList_asU8() ?? []).map(txIdOf));
    }
    results.sort((a, b) =>
      a.block === b.block
        ? (blocks.get(a.block) ?? []).indexOf(a.txId) - (blocks.get(b.block) ?? []).indexOf(b.txId)
        : Number(a.block - b.block),
    );
    for (const r of results) emitted.push({ txId: r.txId, name: r.name, payload: r.payload });
  };

  before(async () => {
    devnet = await startTestDevnet();
    dataDirs.add(devnet.dataDir);
    org1 = connectClient(devnet);
    await emit('first', '{"n":1}');
    await emit('second', '{"n":2}');
    const put = await org1.contract.submitAsync('put', { arguments: ['ev-k', 'v'] }); // emits 'Put'
    assert.equal((await put.getStatus()).successful, true);
    emitted.push({ txId: put.getTransactionId(), name: 'Put', payload: '{"key":"ev-k"}' });
    await emitConcurrently(['c1', 'c2', 'c3', 'c4']);
  });

  after(async () => {
    org1?.close();
    await devnet?.stop();
    for (const dir of dataDirs) await removeDir(dir);
  });

  void test('chaincode events from block 0 replay every emitted event in commit order', async () => {
    const events = await take(
      await org1.network.getChaincodeEvents('fixture', { startBlock: 0n }),
      emitted.length,
    );
    assert.deepEqual(
      events.map((e) => ({ name: e.name, payload: e.payload })),
      emitted.map((e) => ({ name: e.name, payload: e.payload })),
    );
    for (const [i, e] of emitted.entries()) assert.equal(events[i]?.txId, e.txId);
    const blocks = events.map((e) => e.block);
    assert.ok(
      blocks.every((b, i) => i === 0 || b >= (blocks[i - 1] as bigint)),
      'block numbers never go backwards',
    );
  });

  void test('chaincode events of another chaincode name are not delivered', async () => {
    // Replaying from block 0 with a short deadline: the blocks hold only 'fixture' events.
    const live = await org1.network.getChaincodeEvents('not-fixture', { startBlock: 0n });
    const timer = setTimeout(() => live.close(), 500);
    const received: ChaincodeEvent[] = [];
    try {
      for await (const e of live) received.push(e);
    } catch {
      // closed
    } finally {
      clearTimeout(timer);
    }
    assert.equal(received.length, 0);
  });

  void test('a checkpoint with a transaction id resumes right after that transaction, even inside a block', async () => {
    const all = await take(
      await org1.network.getChaincodeEvents('fixture', { startBlock: 0n }),
      emitted.length,
    );
    for (let i = 0; i < all.length - 1; i++) {
      const at = all[i] as Seen;
      const checkpoint: Checkpoint = { getBlockNumber: () => at.block, getTransactionId: () => at.txId };
      const rest = await take(
        await org1.network.getChaincodeEvents('fixture', { checkpoint }),
        all.length - i - 1,
      );
      assert.deepEqual(rest, all.slice(i + 1), `resuming after event ${i}`);
    }
  });

  void test('checkpointed chaincode events resume after a devnet restart with no loss and no duplicate', async () => {
    const checkpointer = checkpointers.inMemory();
    const before = await take(
      await org1.network.getChaincodeEvents('fixture', { checkpoint: checkpointer, startBlock: 0n }),
      5,
      (e) => checkpointer.checkpointChaincodeEvent(e),
    );
    assert.deepEqual(
      before.map((e) => e.name),
      emitted.slice(0, 5).map((e) => e.name),
    );

    // Stop and start again on the same data directory (new random ports), then reconnect.
    const dataDir = devnet.dataDir;
    const heightBefore = devnet.height;
    org1.close();
    await devnet.stop();
    devnet = await startTestDevnet({ dataDir });
    assert.equal(devnet.height, heightBefore, 'the ledger resumed from disk');
    org1 = connectClient(devnet);

    await emit('after-restart-1', '{"n":"r1"}');
    await emitConcurrently(['r2', 'r3', 'r4']);
    await emit('sentinel', '{"n":"end"}');

    const resumed = await take(
      await org1.network.getChaincodeEvents('fixture', { checkpoint: checkpointer, startBlock: 0n }),
      emitted.length - 5,
      (e) => checkpointer.checkpointChaincodeEvent(e),
    );
    assert.deepEqual(
      resumed.map((e) => ({ name: e.name, payload: e.payload })),
      emitted.slice(5).map((e) => ({ name: e.name, payload: e.payload })),
    );
    assert.equal(resumed.at(-1)?.name, 'sentinel');
    const ids = [...before, ...resumed].map((e) => e.txId);
    assert.equal(new Set(ids).size, ids.length, 'no event delivered twice');
  });

  void test('block events from block 0: block 0 is a config block with both organisations', async () => {
    const [block0] = await readBlocks(org1.network, 0, 0);
    assert.ok(block0);
    assert.equal(block0.getHeader()?.getNumber(), 0);
    const envelopes = block0.getData()?.getDataList_asU8() ?? [];
    assert.equal(envelopes.length, 1);
    const payload = common.Payload.deserializeBinary(
      common.Envelope.deserializeBinary(envelopes[0] as Uint8Array).getPayload_asU8(),
    );
    const channelHeader = common.ChannelHeader.deserializeBinary(
      payload.getHeader()?.getChannelHeader_asU8() ?? new Uint8Array(),
    );
    assert.equal(channelHeader.getType(), common.HeaderType.CONFIG);
    assert.equal(channelHeader.getType(), 1);
    assert.equal(channelHeader.getChannelId(), 'supplychain');
    const configEnvelope = common.ConfigEnvelope.deserializeBinary(payload.getData_asU8());
    const channelGroup = configEnvelope.getConfig()?.getChannelGroup();
    const application = channelGroup?.getGroupsMap().get('Application');
    assert.ok(application, 'an Application group');
    const orgs = [...application.getGroupsMap().keys()].sort();
    assert.ok(orgs.includes('Org1MSP') && orgs.includes('Org2MSP'), `application orgs ${orgs.join(',')}`);
    for (const p of ['Readers', 'Writers', 'Admins', 'Endorsement'])
      assert.ok(application.getPoliciesMap().get(p), `Application policy ${p}`);
    assert.ok(channelGroup?.getGroupsMap().get('Orderer'), 'an Orderer group');
  });

  void test('the hash chain verifies: previous_hash is the SHA-256 of the previous header, data_hash of the data', async () => {
    const height = devnet.height;
    const blocks = await readBlocks(org1.network, 0, height - 1);
    assert.equal(blocks.length, height);
    for (const [i, block] of blocks.entries()) {
      const header = block.getHeader() as common.BlockHeader;
      assert.equal(header.getNumber(), i);
      assert.deepEqual(
        Buffer.from(header.getDataHash_asU8()),
        Buffer.from(blockDataHash(block.getData()?.getDataList_asU8() ?? [])),
        `data hash of block ${i}`,
      );
      if (i > 0) {
        const prev = (blocks[i - 1] as common.Block).getHeader() as common.BlockHeader;
        assert.deepEqual(
          Buffer.from(header.getPreviousHash_asU8()),
          Buffer.from(blockHeaderHash(prev)),
          `previous hash of block ${i}`,
        );
      }
      assert.equal(validationCodes(block).length, block.getData()?.getDataList().length);
    }
  });

  void test('filtered block events carry each transaction id, type and validation code', async () => {
    const height = devnet.height;
    const filtered = await org1.network.getFilteredBlockEvents({ startBlock: 0n });
    const txs = new Map<string, peer.FilteredTransaction>();
    let count = 0;
    try {
      for await (const fb of filtered) {
        assert.equal(fb.getNumber(), count);
        assert.equal(fb.getChannelId(), 'supplychain');
        for (const t of fb.getFilteredTransactionsList()) txs.set(t.getTxid(), t);
        if (++count === height) break;
      }
    } finally {
      filtered.close();
    }
    for (const e of emitted) {
      const t = txs.get(e.txId);
      assert.ok(t, `filtered transaction ${e.txId}`);
      assert.equal(t.getTxValidationCode(), peer.TxValidationCode.VALID);
      assert.equal(t.getType(), common.HeaderType.ENDORSER_TRANSACTION);
      const names = t
        .getTransactionActions()
        ?.getChaincodeActionsList()
        .map((a) => a.getChaincodeEvent()?.getEventName());
      assert.deepEqual(names, [e.name]);
      assert.equal(
        t.getTransactionActions()?.getChaincodeActionsList()[0]?.getChaincodeEvent()?.getPayload_asU8()
          .length,
        0,
        'no payload in filtered events',
      );
    }
  });

  void test('an invalid transaction shows its code in filtered block events', async () => {
    await org1.contract.submitTransaction('put', 'ev-conflict', '0');
    const a = await org1.contract.newProposal('incr', { arguments: ['ev-conflict'] }).endorse();
    const b = await org1.contract.newProposal('incr', { arguments: ['ev-conflict'] }).endorse();
    await (await a.submit()).getStatus();
    const statusB = await (await b.submit()).getStatus();
    const filtered = await org1.network.getFilteredBlockEvents({ startBlock: statusB.blockNumber });
    try {
      for await (const fb of filtered) {
        const t = fb.getFilteredTransactionsList().find((x) => x.getTxid() === b.getTransactionId());
        assert.equal(t?.getTxValidationCode(), peer.TxValidationCode.MVCC_READ_CONFLICT);
        break;
      }
    } finally {
      filtered.close();
    }
  });

  void test('block and private data events deliver full blocks with empty private data', async () => {
    const height = devnet.height;
    const events = await org1.network.getBlockAndPrivateDataEvents({ startBlock: 0n });
    const numbers: number[] = [];
    try {
      for await (const bpd of events) {
        const block = bpd.getBlock();
        assert.ok(block);
        numbers.push(block.getHeader()?.getNumber() ?? -1);
        assert.equal(bpd.getPrivateDataMapMap().getLength(), 0);
        if (numbers.length === height) break;
      }
    } finally {
      events.close();
    }
    assert.deepEqual(
      numbers,
      Array.from({ length: height }, (_, i) => i),
    );
  });

  void test('block events wait for blocks not yet cut', async () => {
    const height = devnet.height;
    const events = await org1.network.getBlockEvents({ startBlock: BigInt(height) });
    const next = (async (): Promise<common.Block | undefined> => {
      try {
        for await (const block of events) return block;
      } finally {
        events.close();
      }
      return undefined;
    })();
    const txId = await emit('live', '{}');
    const block = await next;
    assert.equal(block?.getHeader()?.getNumber(), height);
    assert.ok((block?.getData()?.getDataList_asU8() ?? []).map(txIdOf).includes(txId));
  });

  void test('getChaincodeEvents without a start position delivers only new events', async () => {
    const network: Network = org1.network;
    const events = await network.getChaincodeEvents('fixture');
    const got = take(events, 1);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const txId = await emit('only-new', '{}');
    const [e] = await got;
    assert.equal(e?.txId, txId);
    assert.equal(e?.name, 'only-new');
  });
});
