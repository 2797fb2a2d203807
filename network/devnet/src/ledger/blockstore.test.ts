import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { blockHeaderHash } from './blockhash';
import { BlockStore, blockFileName, blockStoreDir } from './blockstore';
import { BlockNotFoundError, PreviousHashMismatchError, UnexpectedBlockNumberError } from './errors';
import { ChainBuilder, makeBlock, makeEnvelope } from './fixtures';
import { encodeVarint } from './varint';

async function tmpDir(): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), 'devnet-blockstore-'));
}

function chain(count: number, txsPerBlock = 2) {
  const builder = new ChainBuilder();
  const blocks = [builder.genesis()];
  for (let n = 1; n < count; n++) {
    blocks.push(
      builder.next(
        Array.from({ length: txsPerBlock }, (_, i) =>
          makeEnvelope({ txId: `b${n}-t${i}`, writes: [{ key: `k${i}`, value: `v${n}` }] }),
        ),
      ),
    );
  }
  return blocks;
}

void test('appends, reads back exact bytes and tracks the header hash', async () => {
  const dir = await tmpDir();
  const store = await BlockStore.open({ dir, channelId: 'ch' });
  const blocks = chain(5);
  for (const b of blocks) await store.append(b);
  assert.equal(store.height, 5);
  for (const [n, b] of blocks.entries()) {
    assert.deepEqual(Buffer.from(await store.getBlockBytes(n)), Buffer.from(b.serializeBinary()));
  }
  assert.deepEqual(Buffer.from(store.lastBlockHash!), Buffer.from(blockHeaderHash(blocks[4]!.getHeader()!)));
  assert.equal((await store.getBlock(3)).getHeader()?.getNumber(), 3);
  await assert.rejects(store.getBlockBytes(5), BlockNotFoundError);
  await store.close();
  await fs.rm(dir, { recursive: true });
});

void test('rejects out-of-order blocks and broken hash links', async () => {
  const dir = await tmpDir();
  const store = await BlockStore.open({ dir, channelId: 'ch' });
  const blocks = chain(3);
  await assert.rejects(store.append(blocks[1]!), UnexpectedBlockNumberError);
  await store.append(blocks[0]!);
  await assert.rejects(store.append(blocks[0]!.serializeBinary()), UnexpectedBlockNumberError);
  const forged = makeBlock({
    number: 1,
    previousHash: Buffer.alloc(32, 9),
    envelopes: [makeEnvelope({ txId: 'x' })],
  });
  await assert.rejects(store.append(forged), PreviousHashMismatchError);
  await store.append(blocks[1]!.serializeBinary());
  assert.equal(store.height, 2);
  await store.close();
  await fs.rm(dir, { recursive: true });
});

void test('rolls files past maxFileSize and rebuilds the index on reopen', async () => {
  const dir = await tmpDir();
  const blocks = chain(30, 5);
  let store = await BlockStore.open({ dir, channelId: 'ch', maxFileSize: 8 * 1024 });
  for (const b of blocks) await store.append(b);
  await store.close();
  const files = (await fs.readdir(blockStoreDir(dir, 'ch'))).sort();
  assert.ok(files.length > 2, `expected several block files, got ${files.join(',')}`);
  assert.equal(files[0], blockFileName(0));
  for (const f of files) assert.ok((await fs.stat(path.join(blockStoreDir(dir, 'ch'), f))).size <= 8 * 1024);

  store = await BlockStore.open({ dir, channelId: 'ch', maxFileSize: 8 * 1024 });
  assert.equal(store.height, 30);
  assert.deepEqual(Buffer.from(store.lastBlockHash!), Buffer.from(blockHeaderHash(blocks[29]!.getHeader()!)));
  for (const n of [0, 7, 15, 29]) {
    assert.deepEqual(Buffer.from(await store.getBlockBytes(n)), Buffer.from(blocks[n]!.serializeBinary()));
  }
  // Still appendable after reopen.
  await assert.rejects(store.append(blocks[29]!), UnexpectedBlockNumberError);
  await store.close();
  await fs.rm(dir, { recursive: true });
});

void test('truncates a torn final record (partial bytes, partial length, zero fill) and stays appendable', async () => {
  const blocks = chain(4);
  for (const tear of ['partial-bytes', 'partial-length', 'zero-fill'] as const) {
    const dir = await tmpDir();
    let store = await BlockStore.open({ dir, channelId: 'ch' });
    for (const b of blocks.slice(0, 3)) await store.append(b);
    await store.close();
    const file = path.join(blockStoreDir(dir, 'ch'), blockFileName(0));
    const goodSize = (await fs.stat(file)).size;
    const record = Buffer.from(blocks[3]!.serializeBinary());
    const torn =
      tear === 'partial-bytes'
        ? Buffer.concat([encodeVarint(record.length), record.subarray(0, 10)])
        : tear === 'partial-length'
          ? Buffer.from([0x80 | 5])
          : Buffer.alloc(64);
    await fs.appendFile(file, torn);

    store = await BlockStore.open({ dir, channelId: 'ch' });
    assert.equal(store.height, 3, tear);
    assert.equal((await fs.stat(file)).size, goodSize, `${tear}: torn tail removed`);
    await store.append(blocks[3]!);
    assert.deepEqual(Buffer.from(await store.getBlockBytes(3)), record);
    await store.close();
    store = await BlockStore.open({ dir, channelId: 'ch' });
    assert.equal(store.height, 4);
    await store.close();
    await fs.rm(dir, { recursive: true });
  }
});

void test('reads of committed blocks run concurrently with appends', async () => {
  const dir = await tmpDir();
  const store = await BlockStore.open({ dir, channelId: 'ch', cacheBytes: 0 });
  const blocks = chain(40);
  await store.append(blocks[0]!);
  const appends = (async () => {
    for (const b of blocks.slice(1)) await store.append(b);
  })();
  let reads = 0;
  while (store.height < 40) {
    const n = store.height - 1;
    const got = await store.getBlock(n);
    assert.equal(got.getHeader()?.getNumber(), n);
    reads++;
  }
  await appends;
  assert.ok(reads > 0);
  await store.close();
  await fs.rm(dir, { recursive: true });
});
