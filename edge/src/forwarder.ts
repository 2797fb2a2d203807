// Drives the buffer's rows through the seed's Figure 24 states: forms transactions from accepted
// records, endorses them (a few at a time), submits them strictly in row order (so the ledger sees each
// device's records in order), and resolves them from the commit listener's blocks. Network failures park
// rows in error states; recovery retries them with back-off and jitter, at once when the link returns,
// and on start-up after a crash (every row resumes at its stage, with its stored bytes).

import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import { type IntakeRecord, type StoreAndForwardBuffer, type TxRow, isVanished } from './buffer/buffer';
import { RECOVERY_TARGET, type TxState } from './buffer/states';
import type { FilteredTx } from './fabric/commits';
import { StageError, type LedgerStages, type StageMark } from './fabric/stages';
import { MAX_READINGS_PER_TRANSACTION } from './reading';
import { nextDelay, RECOVERY_POLICY, WakeableDelay, type RetryPolicy } from './retry';

export const READINGS_FN = 'reading:recordReadings';
export const SUMMARY_FN = 'reading:recordSummary';

export interface ForwarderOptions {
  readonly buffer: StoreAndForwardBuffer;
  readonly stages: LedgerStages;
  readonly log: Logger;
  /** Readings per transaction, 1 to 500 (the contract's limit). */
  readonly batchSize?: number;
  /** How long a record may wait for its batch to fill before a smaller transaction is formed. */
  readonly lingerMs?: number;
  /** Endorsements in flight at once (default 16: a policy with several endorsers takes several rounds each; the order is kept at submission). */
  readonly maxEndorsing?: number;
  /** Transactions submitted but not yet seen committed. */
  readonly maxUncommitted?: number;
  /** A submitted transaction not seen committed within this time is submitted again (same bytes). */
  readonly commitTimeoutMs?: number;
  readonly recovery?: RetryPolicy;
}

export interface ForwarderStatus {
  readonly online: boolean;
  /** Set while the network refuses the device's identity (e.g. a revoked certificate). */
  readonly refused?: string;
  readonly lastError?: string;
  readonly since: number;
}

/**
 * Instants of a transaction's life seen by the forwarder, for latency breakdowns: the stages' own marks,
 * plus `formed` (proposal signed and its row stored), `stored` (endorsed envelope stored, ready to submit)
 * and `blockSeen` (its block arrived from the commit listener, before the buffer applies it).
 */
export type ForwarderMark = StageMark | 'formed' | 'stored' | 'blockSeen';

interface Row {
  row: TxRow;
  state: TxState;
  busy: boolean;
  submittedAt?: number;
}

/**
 * Events: 'committed' (rows: TxRow[], blockNumber), 'rejected' (row, reason), 'requeued' (row, code),
 * 'status' (ForwarderStatus), and 'stage' (txId, mark: ForwarderMark, atMs from performance.now()), which
 * is timed only while someone listens to it (benchmarks) and changes nothing else.
 */
export class Forwarder extends EventEmitter {
  readonly #buffer: StoreAndForwardBuffer;
  readonly #stages: LedgerStages;
  readonly #log: Logger;
  readonly #batchSize: number;
  readonly #lingerMs: number;
  readonly #maxEndorsing: number;
  readonly #maxUncommitted: number;
  readonly #commitTimeoutMs: number;
  readonly #policy: RetryPolicy;
  readonly #rows = new Map<number, Row>();
  readonly #byTxId = new Map<string, Row>();
  #status: ForwarderStatus = { online: true, since: Date.now() };
  #pumping = false;
  #again = false;
  #submitting = false;
  #endorsing = 0;
  #flushing = false;
  #listening = false;
  #stopped = false;
  #lingerTimer: NodeJS.Timeout | undefined;
  #recovering: Promise<void> | undefined;
  readonly #recoveryDelay = new WakeableDelay();
  #timer: NodeJS.Timeout | undefined;
  #unsubscribe: (() => void) | undefined;

  constructor(options: ForwarderOptions) {
    super();
    this.#buffer = options.buffer;
    this.#stages = options.stages;
    this.#log = options.log;
    this.#batchSize = options.batchSize ?? 100;
    if (
      !Number.isInteger(this.#batchSize) ||
      this.#batchSize < 1 ||
      this.#batchSize > MAX_READINGS_PER_TRANSACTION
    )
      throw new Error(
        `batchSize must be an integer from 1 to ${MAX_READINGS_PER_TRANSACTION}, got ${this.#batchSize}`,
      );
    this.#lingerMs = options.lingerMs ?? 50;
    this.#maxEndorsing = options.maxEndorsing ?? 16;
    this.#maxUncommitted = options.maxUncommitted ?? 64;
    this.#commitTimeoutMs = options.commitTimeoutMs ?? 30_000;
    this.#policy = options.recovery ?? RECOVERY_POLICY;
  }

  get status(): ForwarderStatus {
    return this.#status;
  }

  /** Rows not yet committed. */
  get pendingTransactions(): number {
    return this.#rows.size;
  }

  /**
   * Resumes every row left by a previous run at its stage (after a crash a row in PENDING_COMMIT may
   * never have reached the orderer, so it is submitted again with the same bytes), then starts work.
   */
  start(): void {
    for (const row of this.#buffer.transactions()) {
      const state = RECOVERY_TARGET[row.state];
      if (state !== row.state) this.#buffer.setState(row.id, state);
      this.#track({ row, state, busy: false });
    }
    if (this.#rows.size > 0)
      this.#log.info({ transactions: this.#rows.size }, 'resuming buffered transactions');
    const offRecords = this.#buffer.onRecords(() => this.kick());
    // Rows the buffer dropped (age or size limits; never sent) must not be endorsed or submitted.
    const offDropped = this.#buffer.onDroppedTransactions((ids) => ids.forEach((id) => this.#untrack(id)));
    this.#unsubscribe = () => {
      offRecords();
      offDropped();
    };
    // Commit time-outs and age limits are checked on a slow clock; the pump runs on events.
    // The age check scans the intake table, so it runs at a tenth of the age limit (at most once a
    // minute), not on every tick.
    const expiryEveryMs = Math.min(60_000, Math.max(1000, this.#buffer.limits.maxAgeMs / 10));
    let lastExpiry = Date.now();
    this.#timer = setInterval(() => {
      this.#checkCommitTimeouts();
      if (Date.now() - lastExpiry >= expiryEveryMs) {
        lastExpiry = Date.now();
        const expired = this.#buffer.expire();
        if (expired > 0) this.#log.warn({ records: expired }, 'dropped records older than the age limit');
      }
      this.kick();
    }, 1000);
    this.#timer.unref();
    this.kick();
  }

  /** Forms transactions from every waiting record without waiting for batches to fill. */
  flush(): void {
    this.#flushing = true;
    this.kick();
  }

  /** The link is back (or may be): run recovery now instead of at the end of the back-off. */
  poke(): void {
    this.#recoveryDelay.wake();
    this.kick();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#unsubscribe?.();
    clearInterval(this.#timer);
    clearTimeout(this.#lingerTimer);
    this.#recoveryDelay.wake();
    await this.#recovering;
    while (this.#pumping || this.#submitting || this.#endorsing > 0)
      await new Promise((r) => setTimeout(r, 10));
  }

  /** Outcomes of one block from the commit listener; resolves our rows and moves the checkpoint. */
  onBlock(blockNumber: number, transactions: readonly FilteredTx[]): void {
    const timed = this.listenerCount('stage') > 0;
    const seenAt = timed ? performance.now() : 0;
    const outcomes = [];
    for (const t of transactions) {
      if (!this.#byTxId.has(t.txId)) continue;
      if (timed) this.#emitStage(t.txId, 'blockSeen', seenAt);
      const code = t.validationCode;
      outcomes.push({
        txId: t.txId,
        validationCode: code,
        // DUPLICATE_TXID: an earlier copy of this very transaction committed (shared/DESIGN.md).
        delivered: code === 'VALID' || code === 'DUPLICATE_TXID',
        requeue: code === 'MVCC_READ_CONFLICT' || code === 'PHANTOM_READ_CONFLICT',
      });
    }
    const { committed, failed } = this.#buffer.applyBlock(blockNumber, outcomes);
    for (const row of committed) this.#untrack(row.id);
    for (const row of failed) {
      this.#untrack(row.id);
      const outcome = outcomes.find((o) => o.txId === row.txId);
      const code = outcome?.validationCode;
      if (outcome?.requeue) {
        // Its records are formed into a new transaction; they may now follow records submitted after them.
        this.#log.warn(
          { txId: row.txId, validationCode: code },
          'transaction invalidated by a conflict; records requeued',
        );
        this.emit('requeued', row, code);
      } else {
        this.#log.warn({ txId: row.txId, validationCode: code }, 'transaction invalid at commit');
        this.emit('rejected', row, `invalid at commit: ${code}`);
      }
    }
    if (committed.length > 0) this.emit('committed', committed, blockNumber);
    if (outcomes.length > 0 || !this.#listening) this.kick();
  }

  kick(): void {
    if (this.#stopped) return;
    if (this.#pumping) {
      this.#again = true;
      return;
    }
    this.#pumping = true;
    void this.#pump().finally(() => {
      this.#pumping = false;
      if (this.#again) {
        this.#again = false;
        this.kick();
      }
    });
  }

  async #pump(): Promise<void> {
    try {
      await this.#form();
    } catch (err) {
      this.#log.error({ err }, 'could not form a transaction');
    }
    if (!this.#status.online || this.#stopped) return;
    this.#startEndorsements();
    this.#startSubmission();
    if (this.#flushing && !this.#buffer.hasWaiting()) this.#flushing = false;
  }

  /** Binds waiting records to new signed proposals: full batches at once, a partial one after lingerMs. */
  async #form(): Promise<void> {
    const unendorsed = () => [...this.#rows.values()].filter((r) => !r.row.transaction).length;
    while (!this.#stopped && unendorsed() < this.#maxEndorsing * 2) {
      const records = this.#buffer.waiting(this.#batchSize);
      const first = records[0];
      if (!first) return;
      let batch: IntakeRecord[];
      if (first.kind === 'summary') batch = [first];
      else {
        const end = records.findIndex((r) => r.kind !== 'reading');
        batch = end < 0 ? records : records.slice(0, end);
        const full = batch.length === this.#batchSize || end >= 0;
        const age = Date.now() - first.acceptedAt;
        if (!full && !this.#flushing && age < this.#lingerMs) {
          clearTimeout(this.#lingerTimer);
          this.#lingerTimer = setTimeout(() => this.kick(), this.#lingerMs - age);
          return;
        }
      }
      const fn = first.kind === 'summary' ? SUMMARY_FN : READINGS_FN;
      const arg = JSON.stringify(first.kind === 'summary' ? first.payload : batch.map((r) => r.payload));
      const { txId, proposal } = await this.#stages.propose(fn, arg);
      let row: TxRow | undefined;
      try {
        row = this.#buffer.formTransaction(batch, txId, fn, proposal);
      } catch (err) {
        if (isVanished(err)) continue; // a record was dropped meanwhile; the proposal was never sent
        throw err;
      }
      if (row) {
        this.#track({ row, state: row.state, busy: false });
        this.#stageTimer(row.txId)?.('formed', performance.now());
      }
    }
  }

  #startEndorsements(): void {
    for (const r of this.#rows.values()) {
      if (this.#endorsing >= this.#maxEndorsing) return;
      if (r.state !== 'PENDING_ENDORSEMENT' || r.busy) continue;
      r.busy = true;
      this.#endorsing++;
      void this.#endorse(r).finally(() => {
        r.busy = false;
        this.#endorsing--;
        this.#continueSubmission();
        this.kick();
      });
    }
  }

  async #endorse(r: Row): Promise<void> {
    try {
      const timer = this.#stageTimer(r.row.txId);
      const transaction = await this.#stages.endorse(r.row.proposal, timer);
      if (!this.#rows.has(r.row.id)) return;
      this.#buffer.setState(r.row.id, 'PENDING_ORDERING', { transaction, attempt: true });
      timer?.('stored', performance.now());
      r.row = { ...r.row, transaction };
      r.state = 'PENDING_ORDERING';
      this.#online();
    } catch (err) {
      this.#failed(r, err, 'ENDORSEMENT_ERROR');
    }
  }

  /** Submits the oldest uncommitted row when every older row has been accepted by the orderer. */
  #startSubmission(): void {
    if (this.#submitting) return;
    if (!this.#listening) this.#listening = this.#buffer.commitCheckpoint() !== undefined;
    let uncommitted = 0;
    for (const r of this.#rows.values()) {
      if (r.state === 'PENDING_COMMIT') {
        uncommitted++;
        continue;
      }
      if (r.state !== 'PENDING_ORDERING' || r.busy || !r.row.transaction) return;
      if (uncommitted >= this.#maxUncommitted) return;
      // Its transaction id must be on disk before it can reach the ledger (one fsync covers every row
      // formed so far).
      this.#buffer.ensureDurable(r.row.id);
      this.#submitting = true;
      r.busy = true;
      void this.#submit(r).finally(() => {
        r.busy = false;
        this.#submitting = false;
        this.#continueSubmission();
        this.kick();
      });
      return;
    }
  }

  /**
   * Starts the next submission at once rather than after the pump has formed and endorsed more rows:
   * submissions are serial, so any gap between one answer and the next request is throughput lost.
   */
  #continueSubmission(): void {
    if (this.#status.online && !this.#stopped) this.#startSubmission();
  }

  async #submit(r: Row): Promise<void> {
    const transaction = r.row.transaction;
    if (!transaction) return;
    try {
      const awaitCommit = await this.#stages.submit(transaction, this.#stageTimer(r.row.txId));
      if (!this.#rows.has(r.row.id)) return; // its block arrived before the orderer's answer
      this.#buffer.setState(r.row.id, 'PENDING_COMMIT', { attempt: true });
      r.state = 'PENDING_COMMIT';
      r.submittedAt = Date.now();
      this.#online();
      if (!this.#listening) {
        // A new buffer has no checkpoint, and a stream opened at "the next block" could start after
        // this commit. So the first transaction is followed by CommitStatus, and its block becomes the
        // checkpoint from which the commit stream starts; later rows wait for it.
        const { blockNumber, validationCode } = await awaitCommit();
        this.onBlock(blockNumber, [{ txId: r.row.txId, validationCode }]);
        this.#listening = true;
      }
    } catch (err) {
      this.#failed(r, err, 'ORDERING_ERROR');
    }
  }

  #failed(r: Row, err: unknown, errorState: TxState): void {
    if (!this.#rows.has(r.row.id)) return;
    const e = err instanceof StageError ? err : new StageError('endorse', 'network', (err as Error).message);
    switch (e.failure) {
      case 'duplicate':
        this.#log.info({ txId: r.row.txId }, 'the network already has this transaction: delivered');
        this.#buffer.delivered(r.row.id, 'DUPLICATE_ANSWER');
        this.#untrack(r.row.id);
        this.emit('committed', [r.row], -1);
        return;
      case 'rejected':
        this.#log.warn(
          { txId: r.row.txId, reason: e.message },
          'transaction refused; its records leave the buffer',
        );
        this.#buffer.reject(r.row.id, e.message);
        this.#untrack(r.row.id);
        this.emit('rejected', r.row, e.message);
        return;
      case 'identity':
      case 'network':
        this.#buffer.setState(r.row.id, errorState, { error: e.message, attempt: true });
        r.state = errorState;
        this.#offline(e);
    }
  }

  #checkCommitTimeouts(): void {
    const now = Date.now();
    for (const r of this.#rows.values()) {
      if (
        r.state === 'PENDING_COMMIT' &&
        r.submittedAt !== undefined &&
        now - r.submittedAt > this.#commitTimeoutMs
      ) {
        this.#log.warn({ txId: r.row.txId }, 'no commit seen in time; submitting again');
        this.#buffer.setState(r.row.id, 'COMMIT_ERROR', {
          error: 'no commit event within the commit timeout',
        });
        r.state = 'COMMIT_ERROR';
        this.#offline(new StageError('submit', 'network', 'no commit event within the commit timeout'));
      }
    }
  }

  #online(): void {
    if (this.#status.online) return;
    // Rows that failed while other attempts were in flight are parked in an error state; the recovery
    // loop stops once the link is back, so they return to their stage here, or an ordering error at
    // the head of the queue would hold every later row behind it for good.
    this.#retryParked();
    this.#setStatus({ online: true, since: Date.now() });
    this.#log.info('link to the network is back');
  }

  /** Error rows back to the stage they failed in (seed Figure 24's recovery transitions). */
  #retryParked(): void {
    for (const r of this.#rows.values()) {
      if (r.state === 'ENDORSEMENT_ERROR' || r.state === 'ORDERING_ERROR' || r.state === 'COMMIT_ERROR') {
        const target = RECOVERY_TARGET[r.state];
        this.#buffer.setState(r.row.id, target);
        r.state = target;
      }
    }
  }

  #offline(err: StageError): void {
    const refused = err.failure === 'identity' ? err.message : undefined;
    if (this.#status.online || this.#status.refused !== refused) {
      this.#setStatus({
        online: false,
        lastError: err.message,
        since: Date.now(),
        ...(refused ? { refused } : {}),
      });
      if (refused)
        this.#log.error({ reason: refused }, 'the network refuses this device; records stay buffered');
      else this.#log.warn({ err: err.message }, 'link to the network lost; buffering');
    }
    if (!this.#recovering) this.#recovering = this.#recover();
  }

  /** Seed section 7.3: error rows go back to their stage, with back-off and jitter, until the link holds. */
  async #recover(): Promise<void> {
    let failures = 0;
    for (;;) {
      // Cleared in the same synchronous step as the decision to leave, so that a failure right after
      // always finds either this loop still running or no loop, and starts one.
      if (this.#stopped || this.#status.online) {
        this.#recovering = undefined;
        return;
      }
      await this.#recoveryDelay.wait(nextDelay(this.#policy, failures++));
      if (!this.#stopped) await this.#probe();
    }
  }

  /** Retries the oldest parked row alone; on success the rest follow through the normal pump. */
  async #probe(): Promise<void> {
    this.#retryParked();
    // The probe is the first row that still needs the network; rows awaiting their commit are the
    // listener's business, and claiming "online" without a real attempt would reset the back-off.
    const oldest = [...this.#rows.values()].find((r) => r.state !== 'PENDING_COMMIT');
    if (!oldest) {
      this.#online();
      this.kick();
      return;
    }
    if (oldest.busy) return; // an attempt is in flight; its outcome decides
    oldest.busy = true;
    try {
      if (oldest.state === 'PENDING_ENDORSEMENT') await this.#endorse(oldest);
      else await this.#submit(oldest);
    } finally {
      oldest.busy = false;
    }
    this.kick();
  }

  #setStatus(status: ForwarderStatus): void {
    this.#status = status;
    this.#buffer.setMeta('status', JSON.stringify(status));
    this.emit('status', status);
  }

  /** A timer that emits 'stage' events for one transaction, when anyone listens to them. */
  #stageTimer(txId: string): ((mark: ForwarderMark, atMs: number) => void) | undefined {
    if (this.listenerCount('stage') === 0) return undefined;
    return (mark, atMs) => this.#emitStage(txId, mark, atMs);
  }

  /** A failing 'stage' listener must not change what happens to the transaction. */
  #emitStage(txId: string, mark: ForwarderMark, atMs: number): void {
    try {
      this.emit('stage', txId, mark, atMs);
    } catch (err) {
      this.#log.warn({ err: (err as Error).message }, "a 'stage' listener failed");
    }
  }

  #track(r: Row): void {
    this.#rows.set(r.row.id, r);
    this.#byTxId.set(r.row.txId, r);
  }

  #untrack(id: number): void {
    const r = this.#rows.get(id);
    if (!r) return;
    this.#rows.delete(id);
    this.#byTxId.delete(r.row.txId);
  }
}
