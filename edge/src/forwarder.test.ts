// The forwarder drives buffer rows through the Figure 24 states against a fake LedgerStages (no
// network): batching, strict submission order, what each kind of stage failure does to a row and to the
// link status, recovery with back-off (and at once on poke), resumption after a crash, the first commit
// without a checkpoint, block outcomes, and the commit timeout.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import pino from 'pino';
import { type BufferLimits, type SignedBytes, StoreAndForwardBuffer, type TxRow } from './buffer/buffer';
import { type TxState } from './buffer/states';
import {
  type AwaitCommit,
  type LedgerStages,
  type ProposedTransaction,
  StageError,
  type StageFailure,
} from './fabric/stages';
import { Forwarder, type ForwarderOptions, type ForwarderStatus, READINGS_FN, SUMMARY_FN } from './forwarder';
import { type RetryPolicy } from './retry';

// ---------------------------------------------------------------------------------------------------------
// Test helpers

interface Deferred<T> {
  readonly promise: Promise<T>;
  resolve(value: T): void;
  reject(err: unknown): void;
}

function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (err: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

async function waitFor(cond: () => boolean, what: string, timeoutMs = 3_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`);
    await sleep(1);
  }
}

type Op = 'propose' | 'endorse' | 'submit' | 'commitStatus';

interface Call {
  readonly op: Op;
  readonly txId: string;
  readonly at: number;
  readonly fn?: string;
  readonly arg?: string;
  /** The bytes sent (utf8 of the fake's own encoding). */
  readonly bytes?: string;
}

/** A hook decides how a stage answers for a txId: return to succeed, throw to fail, await to hang. */
type Hook = (txId: string, attempt: number) => Promise<void> | void;

function fail(stage: 'endorse' | 'submit', failure: StageFailure, message = `${stage} failed: ${failure}`) {
  return new StageError(stage, failure, message);
}

/** LedgerStages without a network: proposals and envelopes are readable strings that carry the txId. */
class FakeStages implements LedgerStages {
  readonly calls: Call[] = [];
  endorseHook: Hook = () => {};
  submitHook: Hook = () => {};
  commitHook: (txId: string) => Promise<{ blockNumber: number; validationCode: string }> = async () => ({
    blockNumber: this.nextBlock++,
    validationCode: 'VALID',
  });
  nextBlock = 0;
  #n = 0;
  readonly #hanging = new Set<Deferred<void>>();

  async propose(fn: string, arg: string): Promise<ProposedTransaction> {
    const txId = `tx${++this.#n}`;
    this.calls.push({ op: 'propose', txId, fn, arg, at: Date.now() });
    return { txId, proposal: signed(`proposal:${txId}`) };
  }

  async endorse(proposal: SignedBytes): Promise<SignedBytes> {
    const text = Buffer.from(proposal.bytes).toString();
    const txId = text.replace(/^proposal:/, '');
    this.calls.push({ op: 'endorse', txId, bytes: text, at: Date.now() });
    await this.endorseHook(txId, this.attempts('endorse', txId));
    return signed(`envelope:${txId}`);
  }

  async submit(transaction: SignedBytes): Promise<AwaitCommit> {
    const text = Buffer.from(transaction.bytes).toString();
    const txId = text.replace(/^envelope:/, '');
    this.calls.push({ op: 'submit', txId, bytes: text, at: Date.now() });
    await this.submitHook(txId, this.attempts('submit', txId));
    return () => {
      this.calls.push({ op: 'commitStatus', txId, at: Date.now() });
      return this.commitHook(txId);
    };
  }

  /** txIds of the calls of one kind, in call order. */
  ops(op: Op): string[] {
    return this.calls.filter((c) => c.op === op).map((c) => c.txId);
  }

  attempts(op: Op, txId: string): number {
    return this.calls.filter((c) => c.op === op && c.txId === txId).length;
  }

  /** A gate that hangs a stage until the test opens it; released (as a network error) at teardown. */
  gate(): Deferred<void> {
    const d = deferred();
    this.#hanging.add(d);
    void d.promise.then(
      () => this.#hanging.delete(d),
      () => this.#hanging.delete(d),
    );
    return d;
  }

  releaseAll(): void {
    for (const d of this.#hanging) d.reject(new StageError('endorse', 'network', 'test teardown'));
  }
}

function signed(text: string): SignedBytes {
  return { bytes: Buffer.from(text), signature: Buffer.from(`sig(${text})`) };
}

const FAST: RetryPolicy = { initialDelayMs: 10, multiplier: 2, maxDelayMs: 50, jitter: 'none' };
/** So long that only a poke (or nothing) can make recovery run within a test. */
const NEVER: RetryPolicy = { initialDelayMs: 600_000, multiplier: 2, maxDelayMs: 600_000, jitter: 'none' };

interface Harness {
  readonly buffer: StoreAndForwardBuffer;
  readonly stages: FakeStages;
  readonly fwd: Forwarder;
  readonly committed: { txIds: string[]; blockNumber: number }[];
  readonly rejected: { txId: string; reason: string }[];
  readonly statuses: ForwarderStatus[];
}

let dir: string;
let harnesses: Harness[] = [];
let buffers: StoreAndForwardBuffer[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'edge-forwarder-'));
});

afterEach(async () => {
  for (const h of harnesses) {
    h.stages.releaseAll();
    await h.fwd.stop();
  }
  for (const b of buffers) b.close();
  harnesses = [];
  buffers = [];
  rmSync(dir, { recursive: true, force: true });
});

function openBuffer(limits: Partial<BufferLimits> = {}, now?: () => number): StoreAndForwardBuffer {
  const b = new StoreAndForwardBuffer({ file: join(dir, 'buffer.db'), limits, ...(now ? { now } : {}) });
  buffers.push(b);
  return b;
}

function harness(
  options: Partial<Omit<ForwarderOptions, 'buffer' | 'stages' | 'log'>> & {
    buffer?: StoreAndForwardBuffer;
    /** Give the buffer a commit checkpoint (as if the commit stream were running). Default true. */
    checkpoint?: boolean;
  } = {},
): Harness {
  const { buffer: given, checkpoint = true, ...rest } = options;
  const buffer = given ?? openBuffer();
  if (checkpoint && buffer.commitCheckpoint() === undefined) buffer.setCommitCheckpoint(0);
  const stages = new FakeStages();
  const fwd = new Forwarder({
    buffer,
    stages,
    log: pino({ level: 'silent' }),
    lingerMs: 5,
    recovery: FAST,
    ...rest,
  });
  const h: Harness = { buffer, stages, fwd, committed: [], rejected: [], statuses: [] };
  fwd.on('committed', (rows: TxRow[], blockNumber: number) =>
    h.committed.push({ txIds: rows.map((r) => r.txId), blockNumber }),
  );
  fwd.on('rejected', (row: TxRow, reason: string) => h.rejected.push({ txId: row.txId, reason }));
  fwd.on('status', (s: ForwarderStatus) => h.statuses.push(s));
  harnesses.push(h);
  return h;
}

function accept(buffer: StoreAndForwardBuffer, n: number, deviceId = 'd1') {
  return buffer.acceptReading('ship-1', {
    deviceId,
    timestamp: new Date(Date.UTC(2024, 4, 1, 0, 0, n)).toISOString(),
    temperature: n,
  });
}

async function acceptMany(buffer: StoreAndForwardBuffer, count: number, from = 1, deviceId = 'd1') {
  return Promise.all(Array.from({ length: count }, (_, i) => accept(buffer, from + i, deviceId)));
}

function stateOf(buffer: StoreAndForwardBuffer, txId: string): TxState | undefined {
  return buffer.transactions().find((t) => t.txId === txId)?.state;
}

/** Sequences carried by a proposed transaction's argument. */
function sequencesIn(call: Call | undefined): number[] {
  assert.ok(call?.arg !== undefined);
  const arg = JSON.parse(call.arg) as { sequence: number } | { sequence: number }[];
  return Array.isArray(arg) ? arg.map((r) => r.sequence) : [arg.sequence];
}

function proposals(h: Harness): Call[] {
  return h.stages.calls.filter((c) => c.op === 'propose');
}

// ---------------------------------------------------------------------------------------------------------

void describe('Forwarder', () => {
  void describe('forming transactions', () => {
    void test('full batches of batchSize form at once; the remainder waits for lingerMs or flush()', async () => {
      const h = harness({ batchSize: 3, lingerMs: 60_000 });
      await acceptMany(h.buffer, 7);
      h.fwd.start();
      await waitFor(() => h.stages.ops('submit').length === 2, 'two full batches submitted');
      const formed = proposals(h);
      assert.equal(formed.length, 2);
      assert.deepEqual(
        formed.map((c) => c.fn),
        [READINGS_FN, READINGS_FN],
      );
      assert.deepEqual(formed.map(sequencesIn), [
        [1, 2, 3],
        [4, 5, 6],
      ]);
      await sleep(20);
      assert.equal(proposals(h).length, 2, 'a partial batch waits for its linger time');
      assert.equal(h.buffer.waitingCount(), 1);

      h.fwd.flush();
      await waitFor(() => proposals(h).length === 3, 'flush forms the partial batch');
      assert.deepEqual(sequencesIn(proposals(h)[2]), [7]);
    });

    void test('a partial batch is formed once its oldest record has waited lingerMs, not before', async () => {
      const h = harness({ batchSize: 100, lingerMs: 40 });
      h.fwd.start();
      const before = Date.now();
      await acceptMany(h.buffer, 2);
      await sleep(10);
      assert.equal(proposals(h).length, 0);
      await waitFor(() => proposals(h).length === 1, 'the lingering batch is formed');
      assert.ok(proposals(h)[0]!.at - before >= 40, `formed after ${proposals(h)[0]!.at - before} ms`);
      assert.deepEqual(sequencesIn(proposals(h)[0]), [1, 2]);
    });

    void test('a summary forms its own transaction with fn reading:recordSummary', async () => {
      const h = harness({ batchSize: 10 });
      await acceptMany(h.buffer, 2);
      await h.buffer.acceptSummary('ship-1', {
        deviceId: 'd1',
        from: '2024-05-01T00:00:00Z',
        to: '2024-05-01T00:10:00Z',
        count: 2,
        sensors: { temperature: { min: 1, max: 2 } },
      });
      await acceptMany(h.buffer, 1, 3);
      h.fwd.start();
      h.fwd.flush();
      await waitFor(() => proposals(h).length === 3, 'three transactions');
      const formed = proposals(h);
      assert.deepEqual(
        formed.map((c) => c.fn),
        [READINGS_FN, SUMMARY_FN, READINGS_FN],
      );
      assert.deepEqual(formed.map(sequencesIn), [[1, 2], [3], [4]]);
      // The summary's argument is the summary itself, not an array.
      const summary = JSON.parse(formed[1]!.arg!) as Record<string, unknown>;
      assert.equal(Array.isArray(summary), false);
      assert.equal(summary.shipmentId, 'ship-1');
      assert.equal(summary.count, 2);
    });
  });

  void describe('ordering', () => {
    void test('a transaction id is synced to disk before its first submission, one sync for many rows', async () => {
      const h = harness({ batchSize: 1 });
      const file = join(dir, 'buffer.db');
      const covered: { txId: string; rowId: number; durableTx: number }[] = [];
      h.stages.submitHook = (txId) => {
        // What a restart after a power cut would be guaranteed to find: read through another connection.
        const db = new Database(file, { readonly: true });
        try {
          const row = db.prepare('SELECT id FROM txs WHERE tx_id = ?').get(txId) as { id: number };
          const meta = db.prepare("SELECT value FROM meta WHERE key = 'durable_tx'").get() as
            { value: string } | undefined;
          covered.push({ txId, rowId: row.id, durableTx: Number(meta?.value ?? -1) });
        } finally {
          db.close();
        }
      };
      await acceptMany(h.buffer, 12);
      h.fwd.start();
      await waitFor(() => h.stages.ops('submit').length === 12, 'all twelve submitted');
      assert.equal(covered.length, 12);
      for (const c of covered) assert.ok(c.durableTx >= c.rowId, JSON.stringify(c));
      const syncs = new Set(covered.map((c) => c.durableTx)).size;
      assert.ok(syncs < 12, `expected fewer syncs than transactions, got ${syncs}`);
    });

    void test('submissions happen strictly in row order even when endorsements complete out of order', async () => {
      const h = harness({ batchSize: 1, maxEndorsing: 4 });
      const gates = new Map<string, ReturnType<FakeStages['gate']>>();
      h.stages.endorseHook = (txId) => {
        const g = h.stages.gate();
        gates.set(txId, g);
        return g.promise;
      };
      await acceptMany(h.buffer, 3);
      h.fwd.start();
      await waitFor(() => gates.size === 3, 'three endorsements in flight at once');
      gates.get('tx3')!.resolve();
      await waitFor(() => stateOf(h.buffer, 'tx3') === 'PENDING_ORDERING', 'tx3 endorsed');
      gates.get('tx2')!.resolve();
      await waitFor(() => stateOf(h.buffer, 'tx2') === 'PENDING_ORDERING', 'tx2 endorsed');
      await sleep(10);
      assert.deepEqual(h.stages.ops('submit'), [], 'nothing submitted before the oldest row is endorsed');
      gates.get('tx1')!.resolve();
      await waitFor(() => h.stages.ops('submit').length === 3, 'all submitted');
      assert.deepEqual(h.stages.ops('submit'), ['tx1', 'tx2', 'tx3']);
      assert.deepEqual(
        h.buffer.transactions().map((t) => t.state),
        ['PENDING_COMMIT', 'PENDING_COMMIT', 'PENDING_COMMIT'],
      );
    });

    void test('an ORDERING_ERROR row blocks later rows from being submitted until it recovers', async () => {
      const h = harness({ batchSize: 1, recovery: NEVER });
      const first = h.stages.gate();
      h.stages.submitHook = (txId, attempt) => (txId === 'tx1' && attempt === 1 ? first.promise : undefined);
      await acceptMany(h.buffer, 3);
      h.fwd.start();
      await waitFor(
        () =>
          stateOf(h.buffer, 'tx2') === 'PENDING_ORDERING' && stateOf(h.buffer, 'tx3') === 'PENDING_ORDERING',
        'later rows endorsed',
      );
      assert.deepEqual(h.stages.ops('submit'), ['tx1']);
      first.reject(fail('submit', 'network', 'submit: 14 UNAVAILABLE: orderer unreachable'));
      await waitFor(() => stateOf(h.buffer, 'tx1') === 'ORDERING_ERROR', 'tx1 parked');
      assert.equal(h.fwd.status.online, false);
      h.fwd.kick();
      await sleep(20);
      assert.deepEqual(h.stages.ops('submit'), ['tx1'], 'tx2 and tx3 wait behind tx1');
      assert.equal(stateOf(h.buffer, 'tx2'), 'PENDING_ORDERING');

      h.fwd.poke();
      await waitFor(() => h.stages.ops('submit').length === 4, 'all submitted after recovery');
      assert.deepEqual(h.stages.ops('submit'), ['tx1', 'tx1', 'tx2', 'tx3']);
      const resent = h.stages.calls.filter((c) => c.op === 'submit' && c.txId === 'tx1');
      assert.equal(resent[1]?.bytes, resent[0]?.bytes, 'the same signed envelope is sent again');
      assert.equal(h.fwd.status.online, true);
    });
  });

  void describe('stage failures', () => {
    void test('a row that fails while another attempt is in flight is retried when that attempt brings the link back', async () => {
      // Found by the 100-trial fault run: tx1's submission failed (ORDERING_ERROR, offline), then tx3's
      // endorsement, already in flight, succeeded and set the link online, which ended the recovery loop
      // with tx1 still parked at the head of the queue: tx2 and tx3 waited behind it for good.
      const h = harness({ batchSize: 1, recovery: NEVER });
      const tx1Submit = h.stages.gate();
      const tx3Endorse = h.stages.gate();
      h.stages.submitHook = (txId, attempt) =>
        txId === 'tx1' && attempt === 1 ? tx1Submit.promise : undefined;
      h.stages.endorseHook = (txId, attempt) =>
        txId === 'tx3' && attempt === 1 ? tx3Endorse.promise : undefined;
      await acceptMany(h.buffer, 3);
      h.fwd.start();
      await waitFor(() => stateOf(h.buffer, 'tx2') === 'PENDING_ORDERING', 'tx2 endorsed');
      tx1Submit.reject(fail('submit', 'network', 'submit: 14 UNAVAILABLE: orderer unreachable'));
      await waitFor(() => stateOf(h.buffer, 'tx1') === 'ORDERING_ERROR', 'tx1 parked');
      assert.equal(h.fwd.status.online, false);

      tx3Endorse.resolve();
      await waitFor(() => h.stages.ops('submit').length === 4, 'every row submitted, without a poke');
      assert.deepEqual(h.stages.ops('submit'), ['tx1', 'tx1', 'tx2', 'tx3'], 'in row order');
      assert.equal(h.fwd.status.online, true);
    });

    void test('a network error on endorse parks the row in ENDORSEMENT_ERROR, goes offline, retries with back-off and completes', async () => {
      const policy: RetryPolicy = { initialDelayMs: 10, multiplier: 3, maxDelayMs: 1_000, jitter: 'none' };
      const h = harness({ recovery: policy });
      // The link returns after the fourth attempt has failed.
      h.stages.endorseHook = (_txId, attempt) => {
        if (attempt <= 4) throw fail('endorse', 'network', 'endorse: 14 UNAVAILABLE: peer unreachable');
      };
      await acceptMany(h.buffer, 2);
      h.fwd.start();
      h.fwd.flush();
      await waitFor(() => h.statuses.length > 0, 'status changed');
      assert.equal(h.fwd.status.online, false);
      assert.equal(h.fwd.status.lastError, 'endorse: 14 UNAVAILABLE: peer unreachable');
      assert.equal(h.fwd.status.refused, undefined);
      const parked = h.buffer.transactions()[0];
      assert.equal(parked?.state, 'ENDORSEMENT_ERROR');
      assert.equal(parked?.lastError, 'endorse: 14 UNAVAILABLE: peer unreachable');

      await waitFor(() => stateOf(h.buffer, 'tx1') === 'PENDING_COMMIT', 'row submitted after recovery');
      assert.deepEqual(h.stages.ops('submit'), ['tx1']);
      const times = h.stages.calls.filter((c) => c.op === 'endorse').map((c) => c.at);
      assert.equal(times.length, 5);
      const gaps = times.slice(1).map((t, i) => t - times[i]!);
      // Back-off without jitter: 10, 30, 90, 270 ms between attempts (a timer may fire 1 ms early).
      [10, 30, 90, 270].forEach((d, i) => assert.ok(gaps[i]! >= d - 1, `gap ${i} = ${gaps[i]} < ${d}`));
      assert.deepEqual(
        h.statuses.map((s) => s.online),
        [false, true],
      );
      // The link is back: it completes with the commit.
      h.fwd.onBlock(3, [{ txId: 'tx1', validationCode: 'VALID' }]);
      assert.deepEqual(h.committed, [{ txIds: ['tx1'], blockNumber: 3 }]);
      assert.equal(h.buffer.counts().committedRecords, 2);
      assert.equal(h.buffer.transactions().length, 0);
    });

    void test('poke() runs recovery at once instead of at the end of the back-off', async () => {
      const h = harness({ recovery: NEVER });
      let down = true;
      h.stages.endorseHook = () => {
        if (down) throw fail('endorse', 'network');
      };
      await acceptMany(h.buffer, 1);
      h.fwd.start();
      h.fwd.flush();
      await waitFor(() => stateOf(h.buffer, 'tx1') === 'ENDORSEMENT_ERROR', 'row parked');
      down = false;
      await sleep(30);
      assert.equal(h.stages.attempts('endorse', 'tx1'), 1, 'no retry before the (10 min) back-off');
      assert.equal(h.fwd.status.online, false);
      const poked = Date.now();
      h.fwd.poke();
      await waitFor(() => stateOf(h.buffer, 'tx1') === 'PENDING_COMMIT', 'row submitted after the poke');
      assert.ok(Date.now() - poked < 1_000);
      assert.equal(h.stages.attempts('endorse', 'tx1'), 2);
      assert.equal(h.fwd.status.online, true);
    });

    void test("a 'rejected' endorsement removes the row to the rejected log and emits 'rejected'", async () => {
      const h = harness();
      const reason = 'endorse: chaincode response 500, reading out of sequence';
      h.stages.endorseHook = () => {
        throw fail('endorse', 'rejected', reason);
      };
      await acceptMany(h.buffer, 2);
      h.fwd.start();
      h.fwd.flush();
      await waitFor(() => h.rejected.length === 1, "'rejected' emitted");
      assert.deepEqual(h.rejected, [{ txId: 'tx1', reason }]);
      assert.deepEqual(h.buffer.transactions(), []);
      assert.equal(h.fwd.pendingTransactions, 0);
      const [logged] = h.buffer.rejections();
      assert.equal(logged?.txId, 'tx1');
      assert.equal(logged?.reason, reason);
      assert.deepEqual(
        logged?.records.map((r) => (r as { sequence: number }).sequence),
        [1, 2],
      );
      assert.equal(h.buffer.counts().rejected, 2);
      assert.equal(h.buffer.counts().records, 0);
      assert.deepEqual(h.stages.ops('submit'), []);
      assert.equal(h.fwd.status.online, true, 'a refusal of content says nothing about the link');
    });

    void test("a 'duplicate' answer (on endorse or on submit) counts as delivered", async () => {
      const h = harness({ batchSize: 1 });
      h.stages.endorseHook = (txId) => {
        if (txId === 'tx1') throw fail('endorse', 'duplicate', 'endorse: duplicate transaction found');
      };
      h.stages.submitHook = (txId) => {
        if (txId === 'tx2') throw fail('submit', 'duplicate', 'submit: duplicate transaction found');
      };
      await acceptMany(h.buffer, 2);
      h.fwd.start();
      await waitFor(() => h.committed.length === 2, 'both delivered');
      assert.deepEqual(h.committed, [
        { txIds: ['tx1'], blockNumber: -1 },
        { txIds: ['tx2'], blockNumber: -1 },
      ]);
      assert.deepEqual(h.buffer.transactions(), []);
      assert.equal(h.fwd.pendingTransactions, 0);
      assert.deepEqual(
        h.buffer.lastCommitted(5).map((c) => [c.txId, c.blockNumber, c.validationCode]),
        [
          ['tx2', -1, 'DUPLICATE_ANSWER'],
          ['tx1', -1, 'DUPLICATE_ANSWER'],
        ],
      );
      assert.equal(h.buffer.counts().committedRecords, 2);
      assert.deepEqual(h.rejected, []);
      assert.equal(h.fwd.status.online, true);
    });

    void test("an 'identity' failure keeps the row and sets status.refused until the network accepts the device", async () => {
      const h = harness({ recovery: NEVER });
      const reason = 'endorse: access denied: the certificate has been revoked';
      let revoked = true;
      h.stages.endorseHook = () => {
        if (revoked) throw fail('endorse', 'identity', reason);
      };
      await acceptMany(h.buffer, 1);
      h.fwd.start();
      h.fwd.flush();
      await waitFor(() => h.fwd.status.refused !== undefined, 'status.refused set');
      assert.equal(h.fwd.status.refused, reason);
      assert.equal(h.fwd.status.online, false);
      assert.equal(stateOf(h.buffer, 'tx1'), 'ENDORSEMENT_ERROR');
      assert.equal(h.buffer.counts().records, 1);
      assert.deepEqual(h.buffer.rejections(), []);
      assert.deepEqual(h.rejected, []);
      assert.equal(h.statuses.at(-1)?.refused, reason);

      revoked = false; // e.g. a renewed certificate
      h.fwd.poke();
      await waitFor(() => stateOf(h.buffer, 'tx1') === 'PENDING_COMMIT', 'submitted once accepted');
      assert.equal(h.fwd.status.online, true);
      assert.equal(h.fwd.status.refused, undefined);
    });
  });

  void describe('recovery and commits', () => {
    void test('on start-up rows left in any state resume at their RECOVERY_TARGET with their stored bytes', async () => {
      const buffer = openBuffer();
      buffer.setCommitCheckpoint(10);
      await acceptMany(buffer, 6);
      const left: [string, TxState][] = [
        ['r1', 'PENDING_COMMIT'],
        ['r2', 'COMMIT_ERROR'],
        ['r3', 'ORDERING_ERROR'],
        ['r4', 'PENDING_ORDERING'],
        ['r5', 'ENDORSEMENT_ERROR'],
        ['r6', 'PENDING_ENDORSEMENT'],
      ];
      for (const [txId, state] of left) {
        const row = buffer.formTransaction(buffer.waiting(1), txId, READINGS_FN, signed(`proposal:${txId}`));
        assert.ok(row);
        const endorsed = state !== 'PENDING_ENDORSEMENT' && state !== 'ENDORSEMENT_ERROR';
        buffer.setState(row.id, state, endorsed ? { transaction: signed(`envelope:${txId}`) } : {});
      }
      const h = harness({ buffer, batchSize: 1 });
      // Held so that the resumed states can be read before anything moves on.
      const hold = h.stages.gate();
      h.stages.endorseHook = () => hold.promise;
      h.stages.submitHook = () => hold.promise;
      h.fwd.start();
      assert.deepEqual(
        buffer.transactions().map((t) => [t.txId, t.state]),
        [
          ['r1', 'PENDING_ORDERING'],
          ['r2', 'PENDING_ORDERING'],
          ['r3', 'PENDING_ORDERING'],
          ['r4', 'PENDING_ORDERING'],
          ['r5', 'PENDING_ENDORSEMENT'],
          ['r6', 'PENDING_ENDORSEMENT'],
        ],
      );
      assert.equal(h.fwd.pendingTransactions, 6);
      hold.resolve();
      await waitFor(() => h.stages.ops('submit').length === 6, 'every row submitted');
      assert.deepEqual(h.stages.ops('submit'), ['r1', 'r2', 'r3', 'r4', 'r5', 'r6']);
      // The very same bytes (so the same transaction id) as stored before the crash.
      for (const c of h.stages.calls.filter((x) => x.op === 'submit'))
        assert.equal(c.bytes, `envelope:${c.txId}`);
      assert.deepEqual(
        h.stages.calls.filter((c) => c.op === 'endorse').map((c) => c.bytes),
        ['proposal:r5', 'proposal:r6'],
      );
      assert.deepEqual(proposals(h), [], 'no new transaction was formed for resumed records');
      assert.deepEqual(
        h.stages.ops('commitStatus'),
        [],
        'with a checkpoint the commit stream reports commits',
      );
    });

    void test('the first submission without a checkpoint waits for its commit status, which sets the checkpoint', async () => {
      const h = harness({ batchSize: 1, checkpoint: false });
      const status = deferred<{ blockNumber: number; validationCode: string }>();
      h.stages.commitHook = () => status.promise;
      await acceptMany(h.buffer, 2);
      h.fwd.start();
      await waitFor(() => h.stages.ops('commitStatus').length === 1, 'commit status asked');
      await waitFor(() => stateOf(h.buffer, 'tx2') === 'PENDING_ORDERING', 'tx2 endorsed');
      await sleep(10);
      assert.deepEqual(h.stages.ops('submit'), ['tx1'], 'later rows wait for the first commit');
      assert.equal(h.buffer.commitCheckpoint(), undefined);

      status.resolve({ blockNumber: 7, validationCode: 'VALID' });
      await waitFor(() => h.stages.ops('submit').length === 2, 'tx2 submitted');
      assert.deepEqual(h.committed, [{ txIds: ['tx1'], blockNumber: 7 }]);
      assert.equal(h.buffer.commitCheckpoint(), 8);
      await waitFor(() => stateOf(h.buffer, 'tx2') === 'PENDING_COMMIT', 'tx2 awaits its block');
      assert.deepEqual(h.stages.ops('commitStatus'), ['tx1'], 'once listening, commits come from blocks');
      h.fwd.onBlock(8, [{ txId: 'tx2', validationCode: 'VALID' }]);
      assert.deepEqual(h.committed[1], { txIds: ['tx2'], blockNumber: 8 });
      assert.equal(h.buffer.commitCheckpoint(), 9);
    });

    void test('onBlock: VALID and DUPLICATE_TXID commit, MVCC_READ_CONFLICT requeues the records, other codes reject', async () => {
      const h = harness({ batchSize: 1 });
      await acceptMany(h.buffer, 5);
      h.fwd.start();
      await waitFor(() => h.stages.ops('submit').length === 5, 'all submitted');
      await waitFor(() => h.buffer.transactions().every((t) => t.state === 'PENDING_COMMIT'), 'all pending');

      h.fwd.onBlock(5, [
        { txId: 'someone-else', validationCode: 'VALID' },
        { txId: 'tx1', validationCode: 'VALID' },
        { txId: 'tx2', validationCode: 'DUPLICATE_TXID' },
        { txId: 'tx3', validationCode: 'MVCC_READ_CONFLICT' },
        { txId: 'tx4', validationCode: 'ENDORSEMENT_POLICY_FAILURE' },
      ]);
      assert.deepEqual(h.committed, [{ txIds: ['tx1', 'tx2'], blockNumber: 5 }]);
      assert.equal(h.buffer.commitCheckpoint(), 6);
      assert.deepEqual(
        h.buffer.rejections().map((r) => [r.txId, r.reason]),
        [['tx4', 'invalid at commit: ENDORSEMENT_POLICY_FAILURE']],
      );
      assert.ok(
        h.rejected.some(
          (r) => r.txId === 'tx4' && r.reason === 'invalid at commit: ENDORSEMENT_POLICY_FAILURE',
        ),
      );
      assert.equal(stateOf(h.buffer, 'tx5'), 'PENDING_COMMIT');
      // The conflicting transaction's record goes into a new transaction (a new id).
      await waitFor(() => proposals(h).length === 6, 'requeued record formed again');
      assert.deepEqual(sequencesIn(proposals(h)[5]), [3]);
      await waitFor(() => stateOf(h.buffer, 'tx6') === 'PENDING_COMMIT', 'new transaction submitted');
      assert.deepEqual(
        h.buffer.transactions().map((t) => t.txId),
        ['tx5', 'tx6'],
      );
      assert.equal(h.fwd.pendingTransactions, 2);
      const counts = h.buffer.counts();
      assert.equal(counts.committedRecords, 2);
      assert.equal(counts.rejected, 1);
      assert.equal(counts.records, 2);
      // A block without our transactions still moves the checkpoint.
      h.fwd.onBlock(6, []);
      assert.equal(h.buffer.commitCheckpoint(), 7);
    });

    void test('a commit not seen within commitTimeoutMs moves the row to COMMIT_ERROR and it is resubmitted', async (t) => {
      t.mock.timers.enable({ apis: ['setInterval'] }); // the forwarder checks time-outs on a 1 s interval
      const h = harness({ commitTimeoutMs: 100 });
      await acceptMany(h.buffer, 1);
      h.fwd.start();
      h.fwd.flush();
      await waitFor(() => stateOf(h.buffer, 'tx1') === 'PENDING_COMMIT', 'submitted');
      t.mock.timers.tick(1_000);
      assert.equal(stateOf(h.buffer, 'tx1'), 'PENDING_COMMIT', 'not yet timed out');
      await sleep(110);
      t.mock.timers.tick(1_000);
      assert.equal(stateOf(h.buffer, 'tx1'), 'COMMIT_ERROR');
      assert.equal(h.buffer.transactions()[0]?.lastError, 'no commit event within the commit timeout');
      assert.equal(h.fwd.status.online, false);
      await waitFor(() => h.stages.ops('submit').length === 2, 'resubmitted');
      const sent = h.stages.calls.filter((c) => c.op === 'submit');
      assert.equal(sent[1]?.bytes, sent[0]?.bytes, 'same envelope, same transaction id');
      await waitFor(() => stateOf(h.buffer, 'tx1') === 'PENDING_COMMIT', 'pending commit again');
      assert.equal(h.fwd.status.online, true);
      h.fwd.onBlock(1, [{ txId: 'tx1', validationCode: 'VALID' }]);
      assert.deepEqual(h.committed, [{ txIds: ['tx1'], blockNumber: 1 }]);
    });

    /** tx1 submitted and awaiting its block; then the link drops and tx2 cannot be endorsed. */
    async function parkedBehindUncommitted(policy: RetryPolicy, isDown: () => boolean): Promise<Harness> {
      const h = harness({ batchSize: 1, recovery: policy });
      await acceptMany(h.buffer, 1);
      h.fwd.start();
      h.fwd.flush();
      await waitFor(() => stateOf(h.buffer, 'tx1') === 'PENDING_COMMIT', 'tx1 awaits its block');
      h.stages.endorseHook = () => {
        if (isDown()) throw fail('endorse', 'network', 'endorse: 14 UNAVAILABLE');
      };
      await acceptMany(h.buffer, 1, 2);
      h.fwd.flush();
      await waitFor(() => stateOf(h.buffer, 'tx2') === 'ENDORSEMENT_ERROR', 'tx2 parked');
      return h;
    }

    void test('a row parked behind a row awaiting its commit is retried until the link returns, without a poke', async () => {
      let down = true;
      const h = await parkedBehindUncommitted(FAST, () => down);
      await sleep(60);
      down = false;
      await waitFor(
        () => stateOf(h.buffer, 'tx2') === 'PENDING_COMMIT',
        `tx2 sent once the link is back (endorse attempts: ${h.stages.attempts('endorse', 'tx2')})`,
        2_000,
      );
      assert.equal(h.fwd.status.online, true);
    });

    void test('while the link is down, recovery backs off and the status stays offline, even when the oldest row awaits its commit', async () => {
      const policy: RetryPolicy = { initialDelayMs: 20, multiplier: 4, maxDelayMs: 10_000, jitter: 'none' };
      const h = await parkedBehindUncommitted(policy, () => true);
      await sleep(300);
      // Back-off 20, 80, 320 ms: at most 3 attempts in the first 300 ms (one more allowed for slow timers).
      const attempts = h.stages.attempts('endorse', 'tx2');
      assert.ok(attempts <= 4, `tx2 endorsed ${attempts} times in 300 ms: recovery does not back off`);
      assert.ok(attempts >= 2, `tx2 endorsed only ${attempts} time(s) in 300 ms: recovery stopped`);
      assert.deepEqual(
        h.statuses.map((s) => s.online),
        [false],
        'the status must not flap online/offline while the link is down',
      );
    });

    void test('a row dropped from the buffer (expired) while parked is not sent on recovery', async () => {
      let clock = Date.now();
      const buffer = openBuffer({ maxAgeMs: 60_000 }, () => clock);
      const h = harness({ buffer, recovery: NEVER });
      let down = true;
      h.stages.endorseHook = () => {
        if (down) throw fail('endorse', 'network');
      };
      await acceptMany(buffer, 1);
      h.fwd.start();
      h.fwd.flush();
      await waitFor(() => stateOf(buffer, 'tx1') === 'ENDORSEMENT_ERROR', 'parked');
      // The age limit passes during the outage (the forwarder's own timer calls expire()).
      clock += 120_000;
      assert.equal(buffer.expire(), 1);
      assert.deepEqual(buffer.transactions(), []);

      down = false;
      h.fwd.poke();
      await waitFor(() => h.fwd.status.online, 'back online');
      await sleep(20);
      assert.equal(h.stages.attempts('endorse', 'tx1'), 1, 'the dropped row must not be endorsed again');
      assert.deepEqual(h.stages.ops('submit'), [], 'records counted as expired must not reach the ledger');
      assert.equal(h.fwd.pendingTransactions, 0);
    });
  });

  void test('an invalid batchSize is refused with a clear error', () => {
    const buffer = openBuffer();
    for (const batchSize of [0, 501, 1.5])
      assert.throws(
        () => new Forwarder({ buffer, stages: new FakeStages(), log: pino({ level: 'silent' }), batchSize }),
        /batchSize must be an integer from 1 to 500/,
      );
  });
});
