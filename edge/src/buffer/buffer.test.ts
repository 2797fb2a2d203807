// The store-and-forward buffer (shared/DESIGN.md "The edge buffer"): durable per-device sequences,
// acknowledgement only after the record is in the file, group commit, the full and age policies (which
// never touch a row that may have reached the orderer), atomic binding of records to a transaction,
// block outcomes applied together with the checkpoint, and stored signed bytes that survive a reopen.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import {
  type Acknowledgement,
  BufferClosedError,
  BufferFullError,
  type BufferLimits,
  type IntakeRecord,
  isVanished,
  type SignedBytes,
  StoreAndForwardBuffer,
  type TxRow,
} from './buffer';
import { type TxState } from './states';

let dir: string;
let file: string;
const open: StoreAndForwardBuffer[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'edge-buffer-'));
  file = join(dir, 'buffer.db');
});

afterEach(() => {
  for (const b of open.splice(0)) b.close();
  rmSync(dir, { recursive: true, force: true });
});

function openBuffer(limits: Partial<BufferLimits> = {}, now?: () => number): StoreAndForwardBuffer {
  const b = new StoreAndForwardBuffer({ file, limits, ...(now ? { now } : {}) });
  open.push(b);
  return b;
}

function reopen(b: StoreAndForwardBuffer, limits: Partial<BufferLimits> = {}, now?: () => number) {
  b.close();
  return openBuffer(limits, now);
}

/** A second, independent connection to the same file: what another process (or a restart) would see. */
function peek<T>(sql: string): T[] {
  const db = new Database(file, { readonly: true });
  try {
    return db.prepare(sql).all() as T[];
  } finally {
    db.close();
  }
}

function reading(deviceId: string, n: number) {
  return { deviceId, timestamp: new Date(Date.UTC(2024, 4, 1, 0, 0, n)).toISOString(), temperature: n };
}

function accept(b: StoreAndForwardBuffer, deviceId: string, n: number): Promise<Acknowledgement> {
  return b.acceptReading('ship-1', reading(deviceId, n));
}

async function acceptMany(b: StoreAndForwardBuffer, deviceId: string, count: number, from = 1) {
  return Promise.all(Array.from({ length: count }, (_, i) => accept(b, deviceId, from + i)));
}

function bytes(text: string): SignedBytes {
  return { bytes: Buffer.from(`bytes:${text}`), signature: Buffer.from(`sig:${text}`) };
}

let txCounter = 0;

/** Binds records to a new transaction and moves it to `state` (with envelope bytes past endorsement). */
function formIn(b: StoreAndForwardBuffer, records: readonly IntakeRecord[], state: TxState): TxRow {
  const txId = `tx-${++txCounter}`;
  const row = b.formTransaction(records, txId, 'reading:recordReadings', bytes(`proposal-${txId}`));
  assert.ok(row);
  if (state !== 'PENDING_ENDORSEMENT') {
    const endorsed = state !== 'ENDORSEMENT_ERROR';
    b.setState(row.id, state, endorsed ? { transaction: bytes(`tx-${txId}`) } : { error: 'offline' });
  }
  return row;
}

/** Takes the next `n` waiting records (oldest first). */
function take(b: StoreAndForwardBuffer, n: number): IntakeRecord[] {
  const records = b.waiting(n);
  assert.equal(records.length, n);
  return records;
}

function states(b: StoreAndForwardBuffer): [string, TxState][] {
  return b.transactions().map((t) => [t.txId, t.state]);
}

function sequencesOf(records: readonly IntakeRecord[]): number[] {
  return records.map((r) => r.sequence);
}

/** Counts the commits (frames with a non-zero "database size after commit") in the current WAL file. */
function walCommits(): number {
  const wal = `${file}-wal`;
  if (!existsSync(wal)) return 0;
  const data = readFileSync(wal);
  if (data.length < 32) return 0;
  const pageSize = data.readUInt32BE(8);
  const salt1 = data.readUInt32BE(16);
  const salt2 = data.readUInt32BE(20);
  let commits = 0;
  for (let off = 32; off + 24 + pageSize <= data.length; off += 24 + pageSize) {
    if (data.readUInt32BE(off + 8) !== salt1 || data.readUInt32BE(off + 12) !== salt2) break;
    if (data.readUInt32BE(off + 4) !== 0) commits++;
  }
  return commits;
}

function resetWal(): void {
  const db = new Database(file);
  try {
    db.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    db.close();
  }
}

void describe('StoreAndForwardBuffer', () => {
  void describe('intake', () => {
    void test('per-device sequences start at 1 and continue after a reopen of the file', async () => {
      let b = openBuffer();
      const first = await Promise.all([
        accept(b, 'd1', 1),
        accept(b, 'd2', 1),
        accept(b, 'd1', 2),
        b.acceptSummary('ship-1', {
          deviceId: 'd1',
          from: '2024-05-01T00:00:00Z',
          to: '2024-05-01T00:10:00Z',
          count: 2,
          sensors: { temperature: { min: 1, max: 2 } },
        }),
      ]);
      assert.deepEqual(first, [
        { deviceId: 'd1', sequence: 1 },
        { deviceId: 'd2', sequence: 1 },
        { deviceId: 'd1', sequence: 2 },
        { deviceId: 'd1', sequence: 3 },
      ]);
      assert.deepEqual(await accept(b, 'd2', 2), { deviceId: 'd2', sequence: 2 });

      // Records leaving the buffer (delivered) must not reset the numbering either.
      const row = formIn(b, b.waiting(10), 'PENDING_COMMIT');
      b.delivered(row.id, 'VALID', 3);
      assert.equal(b.counts().records, 0);

      b = reopen(b);
      assert.deepEqual(await accept(b, 'd1', 4), { deviceId: 'd1', sequence: 4 });
      assert.deepEqual(await accept(b, 'd2', 3), { deviceId: 'd2', sequence: 3 });
      assert.deepEqual(await accept(b, 'd3', 1), { deviceId: 'd3', sequence: 1 });
      const payloads = b.waiting(10).map((r) => r.payload);
      assert.deepEqual(
        payloads.map((p) => [p.deviceId, p.sequence, p.shipmentId]),
        [
          ['d1', 4, 'ship-1'],
          ['d2', 3, 'ship-1'],
          ['d3', 1, 'ship-1'],
        ],
      );
    });

    void test('a record is acknowledged only after it is in the file (seen by a second connection)', async () => {
      const b = openBuffer();
      const ack = accept(b, 'd1', 1);
      // Not yet written: the acknowledgement is still pending.
      assert.equal(peek<{ n: number }>('SELECT COUNT(*) AS n FROM intake')[0]?.n, 0);
      let seenAtAck: unknown[] = [];
      const done = ack.then(() => {
        seenAtAck = peek<{ device_id: string; sequence: number; payload: string }>(
          'SELECT device_id, sequence, payload FROM intake',
        ).map((r) => [
          r.device_id,
          r.sequence,
          (JSON.parse(r.payload) as { temperature: number }).temperature,
        ]);
      });
      await done;
      assert.deepEqual(seenAtAck, [['d1', 1, 1]]);
    });

    void test('group commit: accepts made in one tick share one SQLite transaction and resolve together', async () => {
      const b = openBuffer();
      resetWal();
      assert.equal(walCommits(), 0);

      const order: number[] = [];
      let visibleAtFirstAck = -1;
      const acks = Array.from({ length: 50 }, (_, i) =>
        accept(b, `d${i % 3}`, i).then((a) => {
          if (order.length === 0)
            visibleAtFirstAck = peek<{ n: number }>('SELECT COUNT(*) AS n FROM intake')[0]?.n ?? -1;
          order.push(i);
          return a;
        }),
      );
      // A macrotask queued after the flush: every acknowledgement has resolved before it runs.
      let settledBeforeNextTurn = false;
      await new Promise<void>((resolve) =>
        setImmediate(() => setImmediate(() => ((settledBeforeNextTurn = order.length === 50), resolve()))),
      );
      await Promise.all(acks);
      assert.equal(settledBeforeNextTurn, true);
      assert.equal(visibleAtFirstAck, 50, 'all 50 records were durable when the first was acknowledged');
      assert.equal(walCommits(), 1, 'one commit (one fsync) for the whole tick');

      // Contrast: accepts awaited one by one each take their own transaction.
      resetWal();
      for (let i = 0; i < 5; i++) await accept(b, 'd9', i);
      assert.equal(walCommits(), 5);
    });

    void test('close() writes pending records before closing; later accepts reject with BufferClosedError', async () => {
      let b = openBuffer();
      const ack = accept(b, 'd1', 1);
      b.close();
      assert.deepEqual(await ack, { deviceId: 'd1', sequence: 1 });
      await assert.rejects(accept(b, 'd1', 2), BufferClosedError);
      b = openBuffer();
      assert.deepEqual(sequencesOf(b.waiting(10)), [1]);
    });
  });

  void describe('when full', () => {
    void test("'refuse' rejects with BufferFullError, counts `refused` and changes nothing", async () => {
      let b = openBuffer({ maxRecords: 3, whenFull: 'refuse' });
      await acceptMany(b, 'd1', 2);
      // Three in one tick: the first fits, the other two are refused.
      const results = await Promise.allSettled([accept(b, 'd1', 3), accept(b, 'd1', 4), accept(b, 'd2', 1)]);
      assert.equal(results[0]?.status, 'fulfilled');
      for (const r of results.slice(1)) {
        assert.equal(r.status, 'rejected');
        assert.ok(r.reason instanceof BufferFullError);
        assert.equal(r.reason.code, 'BUFFER_FULL');
        assert.equal(r.reason.maxRecords, 3);
      }
      const before = b.waiting(10);
      await assert.rejects(accept(b, 'd1', 5), BufferFullError);
      assert.deepEqual(b.waiting(10), before);
      const counts = b.counts();
      assert.equal(counts.refused, 3);
      assert.equal(counts.records, 3);
      assert.deepEqual(counts.dropped, { full: 0, expired: 0 });

      // A refused record took no sequence number: once there is room, numbering continues at 4.
      const row = formIn(b, take(b, 3), 'PENDING_COMMIT');
      b.delivered(row.id, 'VALID', 1);
      assert.deepEqual(await accept(b, 'd1', 6), { deviceId: 'd1', sequence: 4 });
      assert.deepEqual(await accept(b, 'd2', 2), { deviceId: 'd2', sequence: 1 });
      b = reopen(b, { maxRecords: 3 });
      assert.equal(b.counts().refused, 3);
    });

    void test("'drop-oldest' drops the oldest record not yet in a transaction first and counts dropped.full", async () => {
      let b = openBuffer();
      await acceptMany(b, 'd1', 6);
      const sent = formIn(b, take(b, 2), 'PENDING_COMMIT');
      const unsent = formIn(b, take(b, 1), 'PENDING_ENDORSEMENT');
      // Waiting: sequences 4, 5, 6.
      b = reopen(b, { maxRecords: 6, whenFull: 'drop-oldest' });
      const acks = await Promise.all([accept(b, 'd1', 7), accept(b, 'd1', 8)]);
      assert.deepEqual(
        acks.map((a) => a.sequence),
        [7, 8],
      );
      assert.deepEqual(sequencesOf(b.waiting(10)), [6, 7, 8]);
      assert.deepEqual(states(b), [
        [sent.txId, 'PENDING_COMMIT'],
        [unsent.txId, 'PENDING_ENDORSEMENT'],
      ]);
      const counts = b.counts();
      assert.deepEqual(counts.dropped, { full: 2, expired: 0 });
      assert.equal(counts.records, 6);
      assert.equal(counts.refused, 0);
    });

    void test("'drop-oldest' then drops whole never-endorsed transactions, never rows that may have reached the orderer", async () => {
      let b = openBuffer();
      await acceptMany(b, 'd1', 8);
      const kept = [
        formIn(b, take(b, 1), 'PENDING_ORDERING'),
        formIn(b, take(b, 1), 'PENDING_COMMIT'),
        formIn(b, take(b, 1), 'ORDERING_ERROR'),
        formIn(b, take(b, 1), 'COMMIT_ERROR'),
      ];
      const unendorsed = formIn(b, take(b, 2), 'PENDING_ENDORSEMENT');
      const failedEndorsement = formIn(b, take(b, 2), 'ENDORSEMENT_ERROR');
      const keptStates = kept.map((t): [string, TxState] => [
        t.txId,
        b.transactions().find((x) => x.id === t.id)!.state,
      ]);
      assert.equal(b.waitingCount(), 0);

      b = reopen(b, { maxRecords: 8, whenFull: 'drop-oldest' });
      // No loose record: the oldest never-endorsed transaction goes whole (2 records) for one new record.
      assert.equal((await accept(b, 'd1', 9)).sequence, 9);
      assert.deepEqual(states(b), [...keptStates, [failedEndorsement.txId, 'ENDORSEMENT_ERROR']]);
      assert.equal(b.counts().records, 7);
      assert.deepEqual(b.counts().dropped, { full: 2, expired: 0 });
      assert.ok(!b.transactions().some((t) => t.txId === unendorsed.txId));

      // Fill again, bind the loose records so that only transactions remain, and go on.
      assert.equal((await accept(b, 'd1', 10)).sequence, 10);
      formIn(b, take(b, 2), 'PENDING_COMMIT');
      assert.equal((await accept(b, 'd1', 11)).sequence, 11);
      assert.ok(!b.transactions().some((t) => t.txId === failedEndorsement.txId));
      assert.deepEqual(b.counts().dropped, { full: 4, expired: 0 });
      formIn(b, take(b, 1), 'PENDING_ORDERING');

      // Now every row may have been sent: nothing can be dropped, so the record is refused.
      assert.equal(b.counts().records, 7);
      await acceptMany(b, 'd1', 1, 12);
      formIn(b, take(b, 1), 'ORDERING_ERROR');
      assert.equal(b.counts().records, 8);
      await assert.rejects(accept(b, 'd1', 13), BufferFullError);
      assert.equal(b.counts().refused, 1);
      assert.deepEqual(b.counts().dropped, { full: 4, expired: 0 });
      for (const [txId, state] of keptStates)
        assert.equal(b.transactions().find((t) => t.txId === txId)?.state, state);
      assert.deepEqual(
        b.transactions().map((t) => t.state),
        [
          'PENDING_ORDERING',
          'PENDING_COMMIT',
          'ORDERING_ERROR',
          'COMMIT_ERROR',
          'PENDING_COMMIT',
          'PENDING_ORDERING',
          'ORDERING_ERROR',
        ],
      );
    });
  });

  void describe('expire()', () => {
    void test('drops records older than maxAgeMs that were never sent, keeps the rest, counts dropped.expired', async () => {
      let clock = 1_000;
      const b = openBuffer({ maxAgeMs: 3_000 }, () => clock);
      await acceptMany(b, 'd1', 8); // accepted at t=1000
      const sent = [
        formIn(b, take(b, 1), 'PENDING_ORDERING'),
        formIn(b, take(b, 1), 'PENDING_COMMIT'),
        formIn(b, take(b, 1), 'ORDERING_ERROR'),
        formIn(b, take(b, 1), 'COMMIT_ERROR'),
      ];
      formIn(b, take(b, 1), 'PENDING_ENDORSEMENT');
      formIn(b, take(b, 1), 'ENDORSEMENT_ERROR');
      const [oldInMixed] = take(b, 1); // sequence 7, old; sequence 8 stays loose and old
      clock = 5_000;
      await acceptMany(b, 'd1', 3, 9); // sequences 9, 10, 11 at t=5000
      const fresh = b.waiting(10).filter((r) => r.sequence >= 9);
      // A transaction is as old as its oldest record.
      const mixed = formIn(b, [oldInMixed!, fresh[0]!], 'PENDING_ENDORSEMENT');
      const young = formIn(b, [fresh[1]!], 'PENDING_ENDORSEMENT');

      clock = 4_000; // exactly maxAgeMs old is not older than maxAgeMs
      assert.equal(b.expire(), 0);
      clock = 6_000;
      assert.equal(b.expire(), 5); // loose seq 8, the two never-sent rows, the mixed row (2 records)
      assert.deepEqual(
        b.transactions().map((t) => t.txId),
        [...sent.map((t) => t.txId), young.txId],
      );
      assert.ok(!b.transactions().some((t) => t.txId === mixed.txId));
      assert.deepEqual(sequencesOf(b.waiting(10)), [11]);
      const counts = b.counts();
      assert.deepEqual(counts.dropped, { full: 0, expired: 5 });
      assert.equal(counts.records, 6);
      assert.equal(peek<{ n: number }>('SELECT COUNT(*) AS n FROM intake')[0]?.n, 6);

      // Much later, sent rows still stay; only the young never-sent row and the loose record go.
      clock = 1_000_000;
      assert.equal(b.expire(), 2);
      assert.deepEqual(
        b.transactions().map((t) => t.txId),
        sent.map((t) => t.txId),
      );
      assert.deepEqual(b.counts().dropped, { full: 0, expired: 7 });
    });
  });

  void describe('transactions', () => {
    void test('ensureDurable syncs once for every row formed so far, and again only for rows formed after', async () => {
      const b = openBuffer();
      await acceptMany(b, 'dev-1', 4);
      const durableTx = () =>
        peek<{ value: string }>("SELECT value FROM meta WHERE key = 'durable_tx'")[0]?.value;
      const [r1, r2, r3] = [1, 2, 3].map(() => formIn(b, take(b, 1), 'PENDING_ORDERING'));
      assert.ok(r1 && r2 && r3);
      assert.equal(durableTx(), undefined, 'forming and storing envelopes does not sync by itself');
      b.ensureDurable(r1.id);
      assert.equal(durableTx(), String(r3.id), 'one sync covers every row formed before it');
      const r4 = formIn(b, take(b, 1), 'PENDING_ORDERING');
      b.ensureDurable(r2.id);
      assert.equal(durableTx(), String(r3.id), 'a row already covered needs no new sync');
      b.ensureDurable(r4.id);
      assert.equal(durableTx(), String(r4.id));
      // A reopened buffer trusts nothing it did not sync itself.
      const again = reopen(b);
      again.ensureDurable(r1.id);
      assert.equal(durableTx(), String(r1.id));
    });

    void test('formTransaction binds records atomically: a record dropped meanwhile throws a vanished error and binds nothing', async () => {
      let clock = 10_000;
      const b = openBuffer({ maxAgeMs: 5_000 }, () => clock);
      await acceptMany(b, 'd1', 2);
      clock = 0;
      await accept(b, 'd1', 3); // old by the clock: expire() will drop it
      clock = 10_000;
      const records = take(b, 3);
      assert.equal(b.expire(), 1);

      let thrown: unknown;
      try {
        b.formTransaction(records, 'tx-vanished', 'reading:recordReadings', bytes('p'));
      } catch (err) {
        thrown = err;
      }
      assert.ok(thrown !== undefined, 'formTransaction must not succeed with a vanished record');
      assert.equal(isVanished(thrown), true);
      assert.deepEqual(b.transactions(), []);
      assert.deepEqual(sequencesOf(b.waiting(10)), [1, 2]);
      assert.deepEqual(peek<{ tx: number | null }>('SELECT tx FROM intake'), [{ tx: null }, { tx: null }]);

      // The rolled-back row left no trace: the same id can be formed from the records that remain.
      const row = b.formTransaction(records.slice(0, 2), 'tx-vanished', 'reading:recordReadings', bytes('p'));
      assert.equal(row?.state, 'PENDING_ENDORSEMENT');
      assert.equal(row?.records, 2);
      assert.equal(b.waitingCount(), 0);

      // A record already bound elsewhere counts as vanished too.
      assert.throws(
        () => b.formTransaction(records.slice(0, 1), 'tx-other', 'reading:recordReadings', bytes('q')),
        isVanished,
      );
      assert.equal(isVanished(new Error('x')), false);
      assert.throws(
        () => b.formTransaction([], 'tx-vanished', 'reading:recordReadings', bytes('r')),
        (err) => !isVanished(err),
      );
    });

    void test('applyBlock removes delivered rows and their records, requeues on `requeue`, rejects the rest, and moves the checkpoint', async () => {
      const b = openBuffer();
      await acceptMany(b, 'd1', 7);
      const valid = formIn(b, take(b, 2), 'PENDING_COMMIT');
      const dup = formIn(b, take(b, 1), 'PENDING_COMMIT');
      const conflict = formIn(b, take(b, 2), 'PENDING_COMMIT');
      const invalid = formIn(b, take(b, 1), 'PENDING_COMMIT');
      const untouched = formIn(b, take(b, 1), 'PENDING_COMMIT');
      assert.equal(b.commitCheckpoint(), undefined);

      const out = b.applyBlock(41, [
        { txId: valid.txId, validationCode: 'VALID', delivered: true, requeue: false },
        { txId: dup.txId, validationCode: 'DUPLICATE_TXID', delivered: true, requeue: false },
        { txId: conflict.txId, validationCode: 'MVCC_READ_CONFLICT', delivered: false, requeue: true },
        {
          txId: invalid.txId,
          validationCode: 'ENDORSEMENT_POLICY_FAILURE',
          delivered: false,
          requeue: false,
        },
        { txId: 'not-ours', validationCode: 'VALID', delivered: true, requeue: false },
      ]);
      assert.deepEqual(
        out.committed.map((t) => t.txId),
        [valid.txId, dup.txId],
      );
      assert.deepEqual(
        out.failed.map((t) => t.txId),
        [conflict.txId, invalid.txId],
      );
      assert.deepEqual(
        b.transactions().map((t) => t.txId),
        [untouched.txId],
      );
      // The conflicting row's records are free again, for a new transaction.
      assert.deepEqual(sequencesOf(b.waiting(10)), [4, 5]);
      const rejected = b.rejections();
      assert.equal(rejected.length, 1);
      assert.equal(rejected[0]?.txId, invalid.txId);
      assert.equal(rejected[0]?.reason, 'invalid at commit: ENDORSEMENT_POLICY_FAILURE');
      assert.deepEqual(
        rejected[0]?.records.map((r) => (r as { sequence: number }).sequence),
        [6],
      );
      assert.deepEqual(
        b.lastCommitted(5).map((c) => [c.txId, c.blockNumber, c.records, c.validationCode]),
        [
          [dup.txId, 41, 1, 'DUPLICATE_TXID'],
          [valid.txId, 41, 2, 'VALID'],
        ],
      );
      assert.equal(b.commitCheckpoint(), 42);
      const counts = b.counts();
      assert.equal(counts.committedRecords, 3);
      assert.equal(counts.rejected, 1);
      assert.equal(counts.records, 3); // 2 requeued + 1 untouched
      assert.equal(peek<{ n: number }>('SELECT COUNT(*) AS n FROM intake')[0]?.n, 3);

      // A block with none of our transactions still moves the checkpoint.
      b.applyBlock(42, []);
      assert.equal(b.commitCheckpoint(), 43);
    });

    void test('applyBlock is one SQLite transaction: when it fails, neither the rows nor the checkpoint move', async () => {
      const b = openBuffer();
      await acceptMany(b, 'd1', 2);
      const first = formIn(b, take(b, 1), 'PENDING_COMMIT');
      const second = formIn(b, take(b, 1), 'PENDING_COMMIT');
      b.setCommitCheckpoint(10);
      // Test-only sabotage: writing the committed log fails, after the first row was already deleted.
      const db = new Database(file);
      db.exec(`CREATE TRIGGER sabotage BEFORE INSERT ON committed WHEN NEW.tx_id = '${second.txId}'
               BEGIN SELECT RAISE(ABORT, 'disk says no'); END`);
      db.close();
      assert.throws(
        () =>
          b.applyBlock(10, [
            { txId: first.txId, validationCode: 'VALID', delivered: true, requeue: false },
            { txId: second.txId, validationCode: 'VALID', delivered: true, requeue: false },
          ]),
        /disk says no/,
      );
      assert.equal(b.commitCheckpoint(), 10);
      assert.deepEqual(
        b.transactions().map((t) => t.txId),
        [first.txId, second.txId],
      );
      assert.equal(peek<{ n: number }>('SELECT COUNT(*) AS n FROM intake')[0]?.n, 2);
      assert.deepEqual(b.lastCommitted(5), []);
    });

    void test('the committed log is trimmed to `committedLog` entries, newest kept', async () => {
      let b = openBuffer({ committedLog: 3 });
      await acceptMany(b, 'd1', 5);
      const rows = [0, 1, 2, 3, 4].map(() => formIn(b, take(b, 1), 'PENDING_COMMIT'));
      rows.forEach((r, i) =>
        b.applyBlock(i, [{ txId: r.txId, validationCode: 'VALID', delivered: true, requeue: false }]),
      );
      assert.deepEqual(
        b.lastCommitted(10).map((c) => c.txId),
        rows
          .slice(2)
          .reverse()
          .map((r) => r.txId),
      );
      assert.equal(b.counts().committedRecords, 5);

      b = reopen(b, { committedLog: 0 });
      await acceptMany(b, 'd1', 1);
      const row = formIn(b, take(b, 1), 'PENDING_COMMIT');
      b.delivered(row.id, 'VALID', 9);
      assert.deepEqual(b.lastCommitted(10), []);
    });

    void test('delivered() removes a row and its records like a commit, into the committed log', async () => {
      const b = openBuffer();
      await acceptMany(b, 'd1', 3);
      const row = formIn(b, take(b, 2), 'PENDING_ORDERING');
      b.delivered(row.id, 'DUPLICATE_ANSWER');
      assert.deepEqual(b.transactions(), []);
      assert.deepEqual(sequencesOf(b.waiting(10)), [3]);
      assert.deepEqual(
        b.lastCommitted(1).map((c) => [c.txId, c.blockNumber, c.records, c.validationCode]),
        [[row.txId, -1, 2, 'DUPLICATE_ANSWER']],
      );
      const counts = b.counts();
      assert.equal(counts.committedRecords, 2);
      assert.equal(counts.records, 1);
      // A row that is already gone changes nothing.
      b.delivered(row.id, 'DUPLICATE_ANSWER');
      assert.equal(b.counts().committedRecords, 2);
      assert.equal(b.lastCommitted(10).length, 1);
    });

    void test('reject() moves a row and its records to the rejected log', async () => {
      const b = openBuffer();
      await acceptMany(b, 'd1', 2);
      const row = formIn(b, take(b, 2), 'PENDING_ENDORSEMENT');
      b.reject(row.id, 'chaincode: sequence out of order');
      assert.deepEqual(b.transactions(), []);
      const [r] = b.rejections();
      assert.equal(r?.txId, row.txId);
      assert.equal(r?.fn, 'reading:recordReadings');
      assert.equal(r?.reason, 'chaincode: sequence out of order');
      assert.deepEqual(
        r?.records.map((x) => (x as { sequence: number }).sequence),
        [1, 2],
      );
      assert.equal(b.counts().rejected, 2);
      assert.equal(b.counts().records, 0);
    });

    void test('stored proposal and transaction bytes survive a reopen byte-identical', async () => {
      let b = openBuffer();
      await acceptMany(b, 'd1', 1);
      const proposal = { bytes: randomBytes(4096), signature: randomBytes(72) };
      proposal.bytes[0] = 0;
      proposal.bytes[1] = 0xff;
      const envelope = { bytes: randomBytes(8192), signature: randomBytes(71) };
      const row = b.formTransaction(take(b, 1), 'tx-bytes', 'reading:recordReadings', proposal);
      assert.ok(row);
      b.setState(row.id, 'PENDING_ORDERING', { transaction: envelope, attempt: true });
      // A later state change without bytes keeps the stored ones.
      b.setState(row.id, 'PENDING_COMMIT', { attempt: true });

      b = reopen(b);
      const [stored] = b.transactions();
      assert.ok(stored);
      assert.equal(stored.txId, 'tx-bytes');
      assert.equal(stored.state, 'PENDING_COMMIT');
      assert.equal(stored.attempts, 2);
      assert.ok(Buffer.from(stored.proposal.bytes).equals(proposal.bytes));
      assert.ok(Buffer.from(stored.proposal.signature).equals(proposal.signature));
      assert.ok(stored.transaction);
      assert.ok(Buffer.from(stored.transaction.bytes).equals(envelope.bytes));
      assert.ok(Buffer.from(stored.transaction.signature).equals(envelope.signature));
    });
  });

  void describe('limits', () => {
    const cases: [string, Partial<BufferLimits>, RegExp][] = [
      ['maxRecords 0', { maxRecords: 0 }, /maxRecords must be a positive integer, got 0/],
      ['maxRecords 1.5', { maxRecords: 1.5 }, /maxRecords must be a positive integer, got 1.5/],
      ['maxAgeMs 0', { maxAgeMs: 0 }, /maxAgeMs must be positive, got 0/],
      ['maxAgeMs NaN', { maxAgeMs: NaN }, /maxAgeMs must be positive, got NaN/],
      [
        'whenFull unknown',
        { whenFull: 'drop-newest' as BufferLimits['whenFull'] },
        /whenFull must be one of refuse, drop-oldest, got drop-newest/,
      ],
      ['committedLog -1', { committedLog: -1 }, /committedLog must be a non-negative integer, got -1/],
    ];
    for (const [name, limits, message] of cases) {
      void test(`an invalid limit (${name}) is refused with a clear error before the file is created`, () => {
        assert.throws(() => openBuffer(limits), message);
        assert.equal(existsSync(file), false);
      });
    }

    void test('limits given are merged over the defaults', () => {
      const b = openBuffer({ maxRecords: 5 });
      assert.deepEqual(b.limits, {
        maxRecords: 5,
        maxAgeMs: 7 * 24 * 3600 * 1000,
        whenFull: 'refuse',
        committedLog: 1000,
      });
    });
  });
});
