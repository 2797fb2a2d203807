import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { peer } from '../protos';
import { parseEnvelopes } from './blockapply';
import { BlockStore } from './blockstore';
import {
  BlockNotFoundError,
  LedgerClosedError,
  MissingTransactionsFilterError,
  UnexpectedBlockNumberError,
} from './errors';
import { ChainBuilder, makeBlock, makeEnvelope, type TxSpec } from './fixtures';
import { ChannelLedger } from './ledger';
import type { BlockCommitInfo } from './types';

const VALID = peer.TxValidationCode.VALID;
const MVCC = peer.TxValidationCode.MVCC_READ_CONFLICT;
const DUP = peer.TxValidationCode.DUPLICATE_TXID;
const text = (b: Uint8Array | undefined): string | undefined =>
  b === undefined ? undefined : Buffer.from(b).toString('utf8');

async function setup(): Promise<{ dir: string; ledger: ChannelLedger; chain: ChainBuilder }> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'devnet-ledger-'));
  const ledger = await ChannelLedger.open({ dir, channelId: 'mychannel' });
  const chain = new ChainBuilder();
  await ledger.commitBlock(chain.genesis());
  return { dir, ledger, chain };
}

const block = (chain: ChainBuilder, specs: TxSpec[], codes?: number[]) =>
  chain.next(specs.map(makeEnvelope), codes);

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

void test('commits state with versions, range scans and the tx index', async () => {
  const { dir, ledger, chain } = await setup();
  assert.equal(ledger.height, 1);
  assert.deepEqual(await ledger.getTxLocation('genesis-tx'), {
    blockNum: 0,
    txNum: 0,
    validationCode: VALID,
  });

  await ledger.commitBlock(
    block(chain, [
      {
        txId: 't1',
        writes: [
          { key: 'a', value: '1' },
          { key: 'b', value: '2' },
          { key: '\u0000idx\u0000x\u0000', value: 'c' },
        ],
      },
      {
        txId: 't2',
        writes: [
          { key: 'c', value: '3' },
          { key: 'a', value: '1b' },
          { ns: 'other', key: 'b', value: 'o' },
        ],
      },
    ]),
  );
  const a = await ledger.getState('basic', 'a');
  assert.equal(text(a?.value), '1b');
  assert.deepEqual(a?.version, { blockNum: 1, txNum: 1 });
  assert.deepEqual((await ledger.getState('basic', 'b'))?.version, { blockNum: 1, txNum: 0 });
  assert.equal(await ledger.getState('basic', 'zz'), undefined);
  assert.equal(text((await ledger.getState('other', 'b'))?.value), 'o');

  const range = await collect(ledger.getStateRange('basic', 'a', 'c'));
  assert.deepEqual(
    range.map((e) => [e.key, text(e.value)]),
    [
      ['a', '1b'],
      ['b', '2'],
    ],
  );
  const toEnd = await collect(ledger.getStateRange('basic', '\u0001', ''));
  assert.deepEqual(
    toEnd.map((e) => e.key),
    ['a', 'b', 'c'],
    'empty end key runs to the end of the namespace only',
  );
  const composite = await collect(ledger.getStateRange('basic', '\u0000idx\u0000', '\u0000idx\u0001'));
  assert.deepEqual(
    composite.map((e) => e.key),
    ['\u0000idx\u0000x\u0000'],
  );
  assert.deepEqual((await collect(ledger.getStateRange('basic', '', '', { limit: 2 }))).length, 2);
  assert.deepEqual(
    await ledger.getStateVersions([
      { ns: 'basic', key: 'c' },
      { ns: 'basic', key: 'nope' },
    ]),
    [{ blockNum: 1, txNum: 1 }, undefined],
  );

  assert.deepEqual(await ledger.getTxLocation('t2'), { blockNum: 1, txNum: 1, validationCode: VALID });
  assert.equal(await ledger.hasTxId('t1'), true);
  assert.equal(await ledger.hasTxId('nope'), false);
  assert.deepEqual(await ledger.hasTxIds(['t1', 'x', 't2']), [true, false, true]);
  const found = await ledger.getTransactionByTxId('t2');
  assert.equal(found?.location.txNum, 1);
  assert.ok(found && found.envelope.length > 0);
  await ledger.close();
  await fs.rm(dir, { recursive: true });
});

void test('invalid transactions write nothing but are indexed; duplicate txids keep the first entry', async () => {
  const { dir, ledger, chain } = await setup();
  await ledger.commitBlock(
    block(
      chain,
      [
        { txId: 'good', writes: [{ key: 'k', value: 'v1' }] },
        {
          txId: 'bad',
          writes: [
            { key: 'k', value: 'evil' },
            { key: 'j', value: 'x' },
          ],
        },
      ],
      [VALID, MVCC],
    ),
  );
  assert.equal(text((await ledger.getState('basic', 'k'))?.value), 'v1');
  assert.equal(await ledger.getState('basic', 'j'), undefined);
  assert.deepEqual(await ledger.getTxLocation('bad'), { blockNum: 1, txNum: 1, validationCode: MVCC });
  assert.deepEqual(await ledger.getHistory('basic', 'j'), [], 'invalid tx leaves no history');

  // Replay of 'good' in a later block (marked DUPLICATE_TXID) and twice within one block.
  await ledger.commitBlock(
    block(
      chain,
      [
        { txId: 'good', writes: [{ key: 'k', value: 'replay' }] },
        { txId: 'new', writes: [] },
        { txId: 'new', writes: [] },
      ],
      [DUP, VALID, DUP],
    ),
  );
  assert.deepEqual(await ledger.getTxLocation('good'), { blockNum: 1, txNum: 0, validationCode: VALID });
  assert.deepEqual(await ledger.getTxLocation('new'), { blockNum: 2, txNum: 1, validationCode: VALID });
  assert.equal(text((await ledger.getState('basic', 'k'))?.value), 'v1');
  await ledger.close();
  await fs.rm(dir, { recursive: true });
});

void test('deletes, metadata writes and history follow Fabric semantics', async () => {
  const { dir, ledger, chain } = await setup();
  await ledger.commitBlock(
    block(chain, [{ txId: 'h1', timestampSeconds: 100, writes: [{ key: 'k', value: 'v1' }] }]),
  );
  await ledger.commitBlock(
    block(chain, [
      {
        txId: 'h2',
        timestampSeconds: 200,
        writes: [{ key: 'k', value: 'v2' }],
        metadataWrites: [{ key: 'k', entries: [{ name: 'VALIDATION_PARAMETER', value: 'p1' }] }],
      },
      // Value-only write keeps the metadata set by the previous tx in the same block.
      { txId: 'h3', timestampSeconds: 300, writes: [{ key: 'k', value: 'v3' }] },
      // Metadata on a missing key is a no-op.
      { txId: 'h4', metadataWrites: [{ key: 'ghost', entries: [{ name: 'X', value: 'y' }] }] },
    ]),
  );
  let k = await ledger.getState('basic', 'k');
  assert.equal(text(k?.value), 'v3');
  assert.deepEqual(k?.version, { blockNum: 2, txNum: 1 });
  assert.deepEqual(
    k?.metadata.map((m) => [m.name, text(m.value)]),
    [['VALIDATION_PARAMETER', 'p1']],
  );
  assert.equal(await ledger.getState('basic', 'ghost'), undefined);

  // Metadata-only update re-stamps the version and keeps the value; empty entries delete metadata.
  await ledger.commitBlock(
    block(chain, [{ txId: 'h5', metadataWrites: [{ key: 'k', entries: [{ name: 'A', value: 'b' }] }] }]),
  );
  k = await ledger.getState('basic', 'k');
  assert.deepEqual(
    [text(k?.value), k?.version, k?.metadata.map((m) => m.name)],
    ['v3', { blockNum: 3, txNum: 0 }, ['A']],
  );
  await ledger.commitBlock(block(chain, [{ txId: 'h6', metadataWrites: [{ key: 'k', entries: [] }] }]));
  assert.deepEqual((await ledger.getState('basic', 'k'))?.metadata, []);

  await ledger.commitBlock(
    block(chain, [{ txId: 'h7', timestampSeconds: 700, writes: [{ key: 'k', isDelete: true }] }]),
  );
  assert.equal(await ledger.getState('basic', 'k'), undefined);
  await ledger.commitBlock(block(chain, [{ txId: 'h8', writes: [{ key: 'k', value: 'reborn' }] }]));
  assert.deepEqual((await ledger.getState('basic', 'k'))?.metadata, [], 'a delete also drops metadata');

  const history = await ledger.getHistory('basic', 'k');
  assert.deepEqual(
    history.map((h) => [h.txId, h.blockNum, h.txNum, h.isDelete, text(h.value)]),
    [
      ['h8', 6, 0, false, 'reborn'],
      ['h7', 5, 0, true, ''],
      ['h3', 2, 1, false, 'v3'],
      ['h2', 2, 0, false, 'v2'],
      ['h1', 1, 0, false, 'v1'],
    ],
  );
  assert.deepEqual(history[4]?.timestamp, { seconds: 100, nanos: 5 });
  // Metadata-only txs are not history entries, and keys sharing a prefix do not bleed into each other.
  await ledger.commitBlock(
    block(chain, [
      {
        txId: 'h9',
        writes: [
          { key: 'kk', value: 'x' },
          { key: 'k\u0000', value: 'y' },
        ],
      },
    ]),
  );
  assert.equal((await ledger.getHistory('basic', 'k')).length, 5);
  assert.equal((await ledger.getHistory('basic', 'kk')).length, 1);
  await ledger.close();
  await fs.rm(dir, { recursive: true });
});

void test('waitForBlock, listeners, pending txids and block-number checks', async () => {
  const { dir, ledger, chain } = await setup();
  const seen: BlockCommitInfo[] = [];
  const off = ledger.onBlockCommitted((_b, info) => seen.push(info));
  const waited = ledger.waitForBlock(2);
  const abort = new AbortController();
  const aborted = ledger.waitForBlock(50, abort.signal);
  abort.abort(new Error('client went away'));
  await assert.rejects(aborted, /client went away/);

  const c1 = ledger.commitBlock(block(chain, [{ txId: 'p1', event: { name: 'E', payload: 'x' } }]));
  const c2 = ledger.commitBlock(block(chain, [{ txId: 'p2' }]));
  // Known before the commits finish, so concurrent validation flags replays as duplicates.
  assert.equal(await ledger.hasTxId('p2'), true);
  await Promise.all([c1, c2, waited]);
  assert.equal(ledger.height, 3);
  assert.deepEqual(
    seen.map((i) => [i.blockNumber, i.txIds]),
    [
      [1, ['p1']],
      [2, ['p2']],
    ],
  );
  assert.equal(seen[0]?.transactions[0]?.actions[0]?.event?.eventName, 'E');
  off();
  await ledger.commitBlock(block(chain, [{ txId: 'p3' }]));
  assert.equal(seen.length, 2, 'unsubscribed listener is not called');
  await ledger.waitForBlock(0);

  await assert.rejects(
    ledger.commitBlock(makeBlock({ number: 9, previousHash: new Uint8Array(0), envelopes: [] })),
    UnexpectedBlockNumberError,
  );
  const bad = chain.next([makeEnvelope({ txId: 'nf' })]);
  bad.getMetadata()!.setMetadataList([]);
  await assert.rejects(ledger.commitBlock(bad), MissingTransactionsFilterError);
  assert.equal(ledger.height, 4, 'rejected block left no trace');
  assert.equal(await ledger.hasTxId('nf'), false);
  await assert.rejects(ledger.getBlock(4), BlockNotFoundError);

  const pending = assert.rejects(ledger.waitForBlock(100), LedgerClosedError);
  await ledger.close();
  await pending;
  await assert.rejects(ledger.commitBlock(chain.next([])), LedgerClosedError);
  await fs.rm(dir, { recursive: true });
});

void test('reopen keeps data; savepoint lag and torn block files are repaired on open', async () => {
  const { dir, ledger, chain } = await setup();
  await ledger.commitBlock(block(chain, [{ txId: 'r1', writes: [{ key: 'k', value: 'v1' }] }]));
  await ledger.close();

  let reopened = await ChannelLedger.open({ dir, channelId: 'mychannel' });
  assert.equal(reopened.height, 2);
  assert.equal(text((await reopened.getState('basic', 'k'))?.value), 'v1');
  await reopened.close();

  // Simulate kill -9 after the block became durable but before the LevelDB batch: append
  // two blocks to the block files only.
  const store = await BlockStore.open({ dir, channelId: 'mychannel' });
  await store.append(block(chain, [{ txId: 'r2', writes: [{ key: 'k', value: 'v2' }] }], [VALID]));
  await store.append(
    block(
      chain,
      [
        { txId: 'r3', writes: [{ key: 'k', value: 'v3' }] },
        { txId: 'r4', writes: [{ key: 'z', value: 'no' }] },
      ],
      [VALID, MVCC],
    ),
  );
  await store.close();
  // And a torn half-written block after them.
  const file = path.join(dir, 'chains', 'mychannel', 'blockfile_000000');
  await fs.appendFile(file, Buffer.from([0xe8, 0x07, 1, 2, 3]));

  reopened = await ChannelLedger.open({ dir, channelId: 'mychannel' });
  assert.equal(reopened.height, 4);
  const k = await reopened.getState('basic', 'k');
  assert.deepEqual([text(k?.value), k?.version], ['v3', { blockNum: 3, txNum: 0 }]);
  assert.equal(await reopened.getState('basic', 'z'), undefined);
  assert.deepEqual(await reopened.getTxLocation('r4'), { blockNum: 3, txNum: 1, validationCode: MVCC });
  assert.deepEqual(
    (await reopened.getHistory('basic', 'k')).map((h) => h.txId),
    ['r3', 'r2', 'r1'],
  );
  await reopened.commitBlock(block(chain, [{ txId: 'r5', writes: [{ key: 'k', value: 'v5' }] }]));
  assert.equal(text((await reopened.getState('basic', 'k'))?.value), 'v5');
  await reopened.close();
  await fs.rm(dir, { recursive: true });
});

void test('1,000 blocks of 100 small transactions', async () => {
  const { dir, ledger, chain } = await setup();
  const blocks = [];
  for (let b = 1; b <= 1000; b++) {
    blocks.push(
      block(
        chain,
        Array.from({ length: 100 }, (_, t) => ({
          txId: `perf-${b}-${t}`,
          reads: [{ key: `key-${t}`, version: { blockNum: b - 1, txNum: t } }],
          writes: [
            { key: `key-${t}`, value: `value-${b}-${t}` },
            { key: `asset-${b}-${t}`, value: 'x'.repeat(64) },
          ],
        })),
      ),
    );
  }
  // Validation parses every envelope before commit and hands the result over; time both parts.
  let started = process.hrtime.bigint();
  const parsed = blocks.map((b) => parseEnvelopes(b.getData()!.getDataList_asU8()));
  const parseSeconds = Number(process.hrtime.bigint() - started) / 1e9;
  started = process.hrtime.bigint();
  for (const [i, b] of blocks.entries()) await ledger.commitBlock(b, { parsed: parsed[i]! });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  console.log(
    `# 1000 blocks x 100 txs: parse ${parseSeconds.toFixed(2)}s (${(100_000 / parseSeconds).toFixed(0)} tx/s); ` +
      `commit ${seconds.toFixed(2)}s = ${(1000 / seconds).toFixed(0)} blocks/s, ${(100_000 / seconds).toFixed(0)} tx/s (sync: true)`,
  );
  assert.ok(parsed.every((txs) => txs.every((tx) => tx !== undefined)));
  assert.equal(ledger.height, 1001);
  const last = await ledger.getState('basic', 'key-99');
  assert.deepEqual([text(last?.value), last?.version], ['value-1000-99', { blockNum: 1000, txNum: 99 }]);
  assert.equal((await ledger.getHistory('basic', 'key-7')).length, 1000);
  assert.deepEqual(await ledger.getTxLocation('perf-500-50'), {
    blockNum: 500,
    txNum: 50,
    validationCode: VALID,
  });
  await ledger.close();
  await fs.rm(dir, { recursive: true });
});
