import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Devnet } from '../../network/devnet/src/devnet';
import { connectClient, removeDir, startTestDevnet, utf8, type Client } from './helpers';

interface Page {
  results: { key: string; value: string }[];
  bookmark: string;
  fetchedRecordsCount: number;
}
interface HistoryEntry {
  txId: string;
  isDelete: boolean;
  value: string;
  timestamp: { seconds: number; nanos: number };
}

const key = (prefix: string, i: number): string => `${prefix}${String(i).padStart(6, '0')}`;

void describe('state queries: range with pagination, history, metadata', () => {
  let devnet: Devnet;
  let org1: Client;

  before(async () => {
    devnet = await startTestDevnet();
    org1 = connectClient(devnet);
    // Keys on both sides of the range, to prove its bounds.
    await org1.contract.submitTransaction('put', 'pa', 'before');
    await org1.contract.submitTransaction('putMany', 'pg', '25', 'v');
    await org1.contract.submitTransaction('put', 'ph', 'after');
  });

  after(async () => {
    org1?.close();
    if (devnet) {
      await devnet.stop();
      await removeDir(devnet.dataDir);
    }
  });

  const range = async (start: string, end: string, pageSize: number, bookmark: string): Promise<Page> =>
    JSON.parse(
      utf8(await org1.contract.evaluateTransaction('range', start, end, String(pageSize), bookmark)),
    ) as Page;

  void test('paginated range pages of 7 walk all 25 keys in order, with the next key as bookmark and "" at the end', async () => {
    const pages: Page[] = [];
    let bookmark = '';
    do {
      const page = await range('pg', 'ph', 7, bookmark);
      pages.push(page);
      bookmark = page.bookmark;
      assert.ok(pages.length <= 10, 'pagination terminates');
    } while (bookmark !== '');
    assert.deepEqual(
      pages.map((p) => p.results.length),
      [7, 7, 7, 4],
    );
    assert.deepEqual(
      pages.map((p) => p.fetchedRecordsCount),
      [7, 7, 7, 4],
    );
    // Fabric's LevelDB bookmark is the key the next page starts with.
    assert.deepEqual(
      pages.map((p) => p.bookmark),
      [key('pg', 7), key('pg', 14), key('pg', 21), ''],
    );
    const keys = pages.flatMap((p) => p.results.map((r) => r.key));
    assert.deepEqual(
      keys,
      Array.from({ length: 25 }, (_, i) => key('pg', i)),
    );
    assert.equal(new Set(keys).size, keys.length, 'no duplicates');
    assert.ok(pages.every((p) => p.results.every((r) => r.value === 'v')));
  });

  void test('a page size equal to the remaining keys ends with an empty bookmark', async () => {
    const page = await range(key('pg', 20), 'ph', 5, '');
    assert.deepEqual(
      page.results.map((r) => r.key),
      [20, 21, 22, 23, 24].map((i) => key('pg', i)),
    );
    assert.equal(page.bookmark, '');
  });

  void test('the range end key is exclusive and the start key inclusive', async () => {
    const page = await range(key('pg', 3), key('pg', 6), 100, '');
    assert.deepEqual(
      page.results.map((r) => r.key),
      [3, 4, 5].map((i) => key('pg', i)),
    );
  });

  void test('rangeAll returns every key of the range in order, and an open range covers the namespace', async () => {
    const all = JSON.parse(utf8(await org1.contract.evaluateTransaction('rangeAll', 'pg', 'ph'))) as {
      key: string;
    }[];
    assert.deepEqual(
      all.map((r) => r.key),
      Array.from({ length: 25 }, (_, i) => key('pg', i)),
    );
    const everything = JSON.parse(utf8(await org1.contract.evaluateTransaction('rangeAll', '', ''))) as {
      key: string;
      value: string;
    }[];
    const keys = everything.map((r) => r.key);
    assert.equal(keys[0], 'pa');
    assert.equal(keys.at(-1), 'ph');
    assert.equal(keys.length, 27);
  });

  void test('history returns every write and the delete, newest first, with their transaction ids', async () => {
    const txIds: string[] = [];
    const run = async (fn: string, ...args: string[]): Promise<void> => {
      const submitted = await org1.contract.submitAsync(fn, { arguments: args });
      const status = await submitted.getStatus();
      assert.equal(status.successful, true);
      txIds.push(submitted.getTransactionId());
    };
    await run('put', 'hist', 'v1');
    await run('put', 'hist', 'v2');
    await run('del', 'hist');
    await run('put', 'hist', 'v3');
    const history = JSON.parse(
      utf8(await org1.contract.evaluateTransaction('history', 'hist')),
    ) as HistoryEntry[];
    assert.deepEqual(
      history.map((h) => ({ txId: h.txId, isDelete: h.isDelete, value: h.value })),
      [
        { txId: txIds[3], isDelete: false, value: 'v3' },
        { txId: txIds[2], isDelete: true, value: '' },
        { txId: txIds[1], isDelete: false, value: 'v2' },
        { txId: txIds[0], isDelete: false, value: 'v1' },
      ],
    );
    const times = history.map((h) => h.timestamp.seconds * 1e9 + h.timestamp.nanos);
    assert.ok(
      times.every((t) => t > 0),
      'every entry has its transaction timestamp',
    );
    assert.ok(
      times.every((t, i) => i === 0 || t <= (times[i - 1] as number)),
      'newest first',
    );
    assert.equal(utf8(await org1.contract.evaluateTransaction('get', 'hist')), 'v3');
  });

  void test('a deleted key is gone from get and from range results', async () => {
    await org1.contract.submitTransaction('del', key('pg', 10));
    await assert.rejects(org1.contract.evaluateTransaction('get', key('pg', 10)), /does not exist/);
    const all = JSON.parse(utf8(await org1.contract.evaluateTransaction('rangeAll', 'pg', 'ph'))) as {
      key: string;
    }[];
    assert.equal(all.length, 24);
    assert.ok(!all.some((r) => r.key === key('pg', 10)));
  });

  void test('history of a key never written is empty', async () => {
    assert.deepEqual(
      JSON.parse(utf8(await org1.contract.evaluateTransaction('history', 'never-written'))),
      [],
    );
  });

  void test('setMeta then getMeta round-trips the key-level validation parameter', async () => {
    await org1.contract.submitTransaction('put', 'meta-k', 'x');
    assert.equal(utf8(await org1.contract.evaluateTransaction('getMeta', 'meta-k')), '');
    const result = JSON.parse(
      utf8(await org1.contract.submitTransaction('setMeta', 'meta-k', 'VALIDATION_PARAMETER', 'param-bytes')),
    ) as { key: string };
    assert.equal(result.key, 'meta-k');
    assert.equal(utf8(await org1.contract.evaluateTransaction('getMeta', 'meta-k')), 'param-bytes');
    assert.equal(
      utf8(await org1.contract.evaluateTransaction('get', 'meta-k')),
      'x',
      'the value is untouched by a metadata write',
    );
  });
});
