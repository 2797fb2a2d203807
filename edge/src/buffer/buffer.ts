// The persistent store-and-forward buffer (shared/DESIGN.md "The edge buffer"; seed section 7).
//
// Two tables carry the work. `intake` holds every accepted record (a reading or a periodic summary)
// with its per-device sequence number; a record is acknowledged only after the SQLite transaction
// that inserted it is on disk (WAL, synchronous=FULL). `txs` holds one row per requested Fabric
// transaction with its Figure 24 state and the signed bytes of each stage, so that a replay sends
// the very same proposal or envelope and keeps the transaction id. Intake rows point at the
// transaction that carries them; both go on commit, leaving a line in the bounded `committed` log.
//
// Intake uses group commit: records arriving in the same turn of the event loop share one fsync,
// which is what makes thousands of durable acknowledgements per second possible on an SD card.
// Transaction rows are written without waiting for the disk (synchronous=NORMAL: they survive a process
// crash at once, a power cut once the next fsync lands, as WAL frames are synced in order). What must
// not be lost is a transaction id that reached the orderer, so `ensureDurable` syncs before a row's first
// submission: one fsync for every row formed so far, on the one-at-a-time submission path, instead of
// two per transaction. A power cut before that loses only bindings whose transaction never left the
// edge: their records are formed again under a new id.

import Database from 'better-sqlite3';
import type { LedgerReading, SensorSummary } from '../reading';
import { FULL_POLICIES, TX_STATES, type DropReason, type FullPolicy, type TxState } from './states';

export interface BufferLimits {
  /** Records (readings and summaries) held at most, in any state. */
  readonly maxRecords: number;
  /** Records not yet sent to the orderer are dropped (counted as `expired`) after this age. */
  readonly maxAgeMs: number;
  /** When full: refuse the new record, or drop the oldest record not yet sent to the orderer. */
  readonly whenFull: FullPolicy;
  /** Committed transactions remembered for `edge status`. */
  readonly committedLog: number;
}

export const DEFAULT_LIMITS: BufferLimits = {
  maxRecords: 1_000_000,
  maxAgeMs: 7 * 24 * 3600 * 1000,
  whenFull: 'refuse',
  committedLog: 1000,
};

export type RecordKind = 'reading' | 'summary';

/** The chaincode argument of a summary: the edge rule's summary bound to a shipment and numbered. */
export interface LedgerSummary extends SensorSummary {
  readonly shipmentId: string;
  readonly sequence: number;
}

export interface IntakeRecord {
  readonly id: number;
  readonly kind: RecordKind;
  readonly deviceId: string;
  readonly sequence: number;
  /** The chaincode argument: a LedgerReading or a LedgerSummary. */
  readonly payload: LedgerReading | LedgerSummary;
  readonly acceptedAt: number;
}

export interface Acknowledgement {
  readonly deviceId: string;
  readonly sequence: number;
}

export interface SignedBytes {
  readonly bytes: Uint8Array;
  readonly signature: Uint8Array;
}

export interface TxRow {
  readonly id: number;
  readonly txId: string;
  readonly fn: string;
  readonly state: TxState;
  readonly records: number;
  readonly proposal: SignedBytes;
  readonly transaction?: SignedBytes;
  readonly attempts: number;
  readonly lastError?: string;
  readonly createdAt: number;
}

export interface CommittedEntry {
  readonly txId: string;
  readonly blockNumber: number;
  readonly records: number;
  readonly validationCode: string;
  readonly committedAt: number;
}

export interface BufferCounts {
  /** Accepted records not yet in a transaction. */
  readonly waiting: number;
  /** Transactions per state. */
  readonly states: Readonly<Record<TxState, number>>;
  /** Records held in any state. */
  readonly records: number;
  readonly dropped: Readonly<Record<DropReason, number>>;
  readonly refused: number;
  readonly rejected: number;
  readonly committedRecords: number;
}

export class BufferFullError extends Error {
  readonly code = 'BUFFER_FULL';
  constructor(readonly maxRecords: number) {
    super(`buffer full: ${maxRecords} records held and the policy is to refuse new ones`);
    this.name = 'BufferFullError';
  }
}

export class BufferClosedError extends Error {
  readonly code = 'BUFFER_CLOSED';
  constructor() {
    super('buffer is closed');
    this.name = 'BufferClosedError';
  }
}

interface PendingIntake {
  readonly kind: RecordKind;
  readonly shipmentId: string;
  readonly body: Record<string, unknown> & { deviceId: string };
  readonly resolve: (ack: Acknowledgement) => void;
  readonly reject: (err: Error) => void;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sequences (device_id TEXT PRIMARY KEY, next INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS txs (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  tx_id TEXT NOT NULL UNIQUE,
  fn TEXT NOT NULL,
  state TEXT NOT NULL,
  records INTEGER NOT NULL,
  proposal BLOB NOT NULL,
  proposal_sig BLOB NOT NULL,
  txn BLOB,
  txn_sig BLOB,
  attempts INTEGER NOT NULL DEFAULT 0,
  last_error TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS intake (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  kind TEXT NOT NULL,
  device_id TEXT NOT NULL,
  sequence INTEGER NOT NULL,
  payload TEXT NOT NULL,
  accepted_at INTEGER NOT NULL,
  tx INTEGER REFERENCES txs(id),
  UNIQUE (device_id, sequence)
);
CREATE INDEX IF NOT EXISTS intake_tx ON intake (tx);
CREATE TABLE IF NOT EXISTS committed (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  tx_id TEXT NOT NULL,
  block_number INTEGER NOT NULL,
  records INTEGER NOT NULL,
  validation_code TEXT NOT NULL,
  committed_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS rejected (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  tx_id TEXT NOT NULL,
  fn TEXT NOT NULL,
  reason TEXT NOT NULL,
  records TEXT NOT NULL,
  rejected_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
`;

interface TxDbRow {
  id: number;
  tx_id: string;
  fn: string;
  state: TxState;
  records: number;
  proposal: Buffer;
  proposal_sig: Buffer;
  txn: Buffer | null;
  txn_sig: Buffer | null;
  attempts: number;
  last_error: string | null;
  created_at: number;
}

interface IntakeDbRow {
  id: number;
  kind: RecordKind;
  device_id: string;
  sequence: number;
  payload: string;
  accepted_at: number;
}

export interface BufferOptions {
  /** SQLite file; created with its tables when absent. */
  readonly file: string;
  readonly limits?: Partial<BufferLimits>;
  /** Wall clock, replaceable in tests. */
  readonly now?: () => number;
}

/** The buffer's SQLite store. Synchronous underneath (better-sqlite3); only intake is batched. */
export class StoreAndForwardBuffer {
  readonly limits: BufferLimits;
  readonly file: string;
  #db: Database.Database;
  #now: () => number;
  #pending: PendingIntake[] = [];
  #flushScheduled = false;
  #closed = false;
  #records: number;
  #listeners = new Set<() => void>();
  #dropListeners = new Set<(txRowIds: number[]) => void>();
  readonly #statements = new Map<string, Database.Statement>();
  /** Highest transaction row id written without an fsync, and the highest known to be on disk. */
  #lastRelaxedTx = 0;
  #durableTx = 0;

  constructor(options: BufferOptions) {
    this.file = options.file;
    this.limits = validateLimits({ ...DEFAULT_LIMITS, ...options.limits });
    this.#now = options.now ?? Date.now;
    this.#db = new Database(options.file);
    this.#db.pragma('journal_mode = WAL');
    // FULL: a record acknowledged to a sensor survives a power cut, not only a process crash.
    this.#db.pragma('synchronous = FULL');
    this.#db.pragma('foreign_keys = ON');
    this.#db.exec(SCHEMA);
    this.#records = this.#count('SELECT COUNT(*) AS n FROM intake');
  }

  /** Called after new records are durable, so that the forwarder can form transactions. */
  onRecords(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Called with the ids of transaction rows dropped by the size or age limits (never sent). */
  onDroppedTransactions(listener: (txRowIds: number[]) => void): () => void {
    this.#dropListeners.add(listener);
    return () => this.#dropListeners.delete(listener);
  }

  #notifyDropped(ids: number[]): void {
    if (ids.length > 0) for (const l of this.#dropListeners) l(ids);
  }

  /** Accepts a reading; resolves with its sequence number once it is on disk. */
  acceptReading(
    shipmentId: string,
    reading: Omit<LedgerReading, 'sequence' | 'shipmentId'>,
  ): Promise<Acknowledgement> {
    return this.#enqueue('reading', shipmentId, { ...reading });
  }

  /** Accepts a periodic summary; it takes a sequence number of the same device like a reading. */
  acceptSummary(shipmentId: string, summary: SensorSummary): Promise<Acknowledgement> {
    return this.#enqueue('summary', shipmentId, { ...summary, sensors: { ...summary.sensors } });
  }

  #enqueue(
    kind: RecordKind,
    shipmentId: string,
    body: Record<string, unknown> & { deviceId: string },
  ): Promise<Acknowledgement> {
    if (this.#closed) return Promise.reject(new BufferClosedError());
    return new Promise((resolve, reject) => {
      this.#pending.push({ kind, shipmentId, body, resolve, reject });
      if (!this.#flushScheduled) {
        this.#flushScheduled = true;
        setImmediate(() => this.#flushIntake());
      }
    });
  }

  /** Writes every pending record in one SQLite transaction (one fsync), then acknowledges them. */
  #flushIntake(): void {
    this.#flushScheduled = false;
    const batch = this.#pending;
    this.#pending = [];
    if (batch.length === 0) return;
    const now = this.#now();
    const accepted: { item: PendingIntake; ack: Acknowledgement }[] = [];
    const refused: PendingIntake[] = [];
    const nextSeq = this.#prepare<[string], { next: number }>(
      'SELECT next FROM sequences WHERE device_id = ?',
    );
    const setSeq = this.#prepare(
      'INSERT INTO sequences (device_id, next) VALUES (?, ?) ON CONFLICT(device_id) DO UPDATE SET next = excluded.next',
    );
    const insert = this.#prepare(
      'INSERT INTO intake (kind, device_id, sequence, payload, accepted_at) VALUES (?, ?, ?, ?, ?)',
    );
    try {
      this.#db.transaction(() => {
        const seqs = new Map<string, number>();
        for (const item of batch) {
          if (this.#records >= this.limits.maxRecords) {
            if (this.limits.whenFull === 'refuse' || this.#dropOldest(1) === 0) {
              refused.push(item);
              continue;
            }
          }
          const deviceId = item.body.deviceId;
          const sequence = seqs.get(deviceId) ?? nextSeq.get(deviceId)?.next ?? 1;
          seqs.set(deviceId, sequence + 1);
          const payload = { ...item.body, shipmentId: item.shipmentId, sequence };
          insert.run(item.kind, deviceId, sequence, JSON.stringify(payload), now);
          this.#records++;
          accepted.push({ item, ack: { deviceId, sequence } });
        }
        for (const [deviceId, next] of seqs) setSeq.run(deviceId, next);
        if (refused.length > 0) this.#bump('refused', refused.length);
      })();
    } catch (err) {
      this.#records = this.#count('SELECT COUNT(*) AS n FROM intake');
      for (const item of batch) item.reject(err as Error);
      return;
    }
    for (const { item, ack } of accepted) item.resolve(ack);
    for (const item of refused) item.reject(new BufferFullError(this.limits.maxRecords));
    if (accepted.length > 0) for (const l of this.#listeners) l();
  }

  /**
   * Drops up to `n` of the oldest records that cannot have reached the orderer: first records not yet
   * in a transaction, then whole transactions never endorsed. Returns how many records went.
   */
  #dropOldest(n: number, reason: DropReason = 'full'): number {
    let dropped = 0;
    const droppedTxs: number[] = [];
    const loose = this.#prepare<[number], { id: number }>(
      'SELECT id FROM intake WHERE tx IS NULL ORDER BY id LIMIT ?',
    ).all(n);
    for (const { id } of loose) {
      this.#prepare('DELETE FROM intake WHERE id = ?').run(id);
      dropped++;
    }
    while (dropped < n) {
      const tx = this.#prepare<[], { id: number; records: number }>(
        `SELECT id, records FROM txs WHERE state IN ('PENDING_ENDORSEMENT', 'ENDORSEMENT_ERROR') ORDER BY id LIMIT 1`,
      ).get();
      if (!tx) break;
      this.#prepare('DELETE FROM intake WHERE tx = ?').run(tx.id);
      this.#prepare('DELETE FROM txs WHERE id = ?').run(tx.id);
      dropped += tx.records;
      droppedTxs.push(tx.id);
    }
    this.#records -= dropped;
    if (dropped > 0) this.#bump(`dropped:${reason}`, dropped);
    // The forwarder only stops tracking these rows, which is right whether or not the caller's SQLite
    // transaction commits (a rolled-back drop leaves rows the forwarder reloads at its next start).
    this.#notifyDropped(droppedTxs);
    return dropped;
  }

  /** Drops records older than `maxAgeMs` that were never sent to the orderer; returns how many. */
  expire(): number {
    const cutoff = this.#now() - this.limits.maxAgeMs;
    const result = this.#db.transaction(() => {
      let dropped = 0;
      const loose = this.#prepare('DELETE FROM intake WHERE tx IS NULL AND accepted_at < ?').run(cutoff);
      dropped += loose.changes;
      const stale = this.#prepare<[number], { id: number; records: number }>(
        `SELECT t.id, t.records FROM txs t WHERE t.state IN ('PENDING_ENDORSEMENT', 'ENDORSEMENT_ERROR')
             AND (SELECT MIN(accepted_at) FROM intake WHERE tx = t.id) < ?`,
      ).all(cutoff);
      for (const t of stale) {
        this.#prepare('DELETE FROM intake WHERE tx = ?').run(t.id);
        this.#prepare('DELETE FROM txs WHERE id = ?').run(t.id);
        dropped += t.records;
      }
      this.#records -= dropped;
      if (dropped > 0) this.#bump('dropped:expired', dropped);
      return { dropped, txs: stale.map((t) => t.id) };
    })();
    this.#notifyDropped(result.txs);
    return result.dropped;
  }

  /** Records not yet in a transaction, oldest first. */
  waiting(limit: number): IntakeRecord[] {
    return this.#prepare<[number], IntakeDbRow>(
      'SELECT id, kind, device_id, sequence, payload, accepted_at FROM intake WHERE tx IS NULL ORDER BY id LIMIT ?',
    )
      .all(limit)
      .map((r) => ({
        id: r.id,
        kind: r.kind,
        deviceId: r.device_id,
        sequence: r.sequence,
        payload: JSON.parse(r.payload) as LedgerReading | LedgerSummary,
        acceptedAt: r.accepted_at,
      }));
  }

  /** Whether any record waits for a transaction (cheap: the pump asks often). */
  hasWaiting(): boolean {
    return this.#prepare('SELECT 1 FROM intake WHERE tx IS NULL LIMIT 1').get() !== undefined;
  }

  /** Records held in any state, kept in memory (no query). */
  get heldRecords(): number {
    return this.#records;
  }

  waitingCount(): number {
    return this.#count('SELECT COUNT(*) AS n FROM intake WHERE tx IS NULL');
  }

  /**
   * Binds records to a new transaction in PENDING_ENDORSEMENT with its signed proposal, atomically:
   * after a crash the records are either free (the transaction never reached the orderer: see
   * `ensureDurable`) or bound to stored bytes. Throws an error that `isVanished` recognises when a
   * record was dropped meanwhile; nothing is bound.
   */
  formTransaction(
    records: readonly IntakeRecord[],
    txId: string,
    fn: string,
    proposal: SignedBytes,
  ): TxRow | undefined {
    const now = this.#now();
    const row = this.#relaxed(() => this.#bind(records, txId, fn, proposal, now));
    if (row) this.#lastRelaxedTx = Math.max(this.#lastRelaxedTx, row.id);
    return row;
  }

  /**
   * Makes sure transaction row `id` (and every row written before it) is on disk; called before a row
   * is first sent to the orderer, so that a transaction id on the ledger is never forgotten by the
   * buffer. A no-op when an earlier call already covered it.
   */
  ensureDurable(id: number): void {
    if (id <= this.#durableTx) return;
    const covered = Math.max(this.#lastRelaxedTx, id);
    // Any write under synchronous=FULL syncs the WAL up to and including itself.
    this.#prepare(
      "INSERT INTO meta (key, value) VALUES ('durable_tx', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    ).run(String(covered));
    this.#durableTx = covered;
  }

  /** Statements are compiled once per connection: compiling costs more than most of them take to run. */
  #prepare<P extends unknown[] = unknown[], R = unknown>(sql: string): Database.Statement<P, R> {
    let statement = this.#statements.get(sql);
    if (!statement) {
      statement = this.#db.prepare(sql);
      this.#statements.set(sql, statement);
    }
    return statement as Database.Statement<P, R>;
  }

  /** Runs one write with synchronous=NORMAL (see the header). */
  #relaxed<T>(write: () => T): T {
    this.#db.pragma('synchronous = NORMAL');
    try {
      return write();
    } finally {
      this.#db.pragma('synchronous = FULL');
    }
  }

  #bind(
    records: readonly IntakeRecord[],
    txId: string,
    fn: string,
    proposal: SignedBytes,
    now: number,
  ): TxRow | undefined {
    return this.#db.transaction(() => {
      const info = this.#prepare(
        `INSERT INTO txs (tx_id, fn, state, records, proposal, proposal_sig, created_at, updated_at)
           VALUES (?, ?, 'PENDING_ENDORSEMENT', ?, ?, ?, ?, ?)`,
      ).run(txId, fn, records.length, Buffer.from(proposal.bytes), Buffer.from(proposal.signature), now, now);
      const id = Number(info.lastInsertRowid);
      const bind = this.#prepare('UPDATE intake SET tx = ? WHERE id = ? AND tx IS NULL');
      for (const r of records) {
        if (bind.run(id, r.id).changes !== 1) throw new VanishedRecord();
      }
      return this.#tx(id);
    })();
  }

  /** Non-final transactions in id order (the order in which they must reach the orderer). */
  transactions(): TxRow[] {
    return this.#prepare<[], TxDbRow>('SELECT * FROM txs ORDER BY id').all().map(toTxRow);
  }

  #tx(id: number): TxRow {
    const row = this.#prepare<[number], TxDbRow>('SELECT * FROM txs WHERE id = ?').get(id);
    if (!row) throw new Error(`transaction row ${id} does not exist`);
    return toTxRow(row);
  }

  /**
   * Moves a row to a state; `transaction` stores the endorsed envelope's signed bytes. Two transitions
   * are written without waiting for the disk. PENDING_COMMIT (the orderer accepted the envelope): a
   * recovery sends it back to PENDING_ORDERING, the state it comes from, so losing the write to a power
   * cut changes nothing; it takes an fsync off the one-at-a-time submission path. PENDING_ORDERING with
   * the endorsed envelope: if it is lost, the row endorses its stored proposal again, same transaction
   * id, and `ensureDurable` has synced it before it is submitted.
   */
  setState(
    id: number,
    state: TxState,
    extra: { error?: string; transaction?: SignedBytes; attempt?: boolean } = {},
  ): void {
    const relaxed =
      (state === 'PENDING_COMMIT' && extra.transaction === undefined) ||
      (state === 'PENDING_ORDERING' && extra.transaction !== undefined);
    if (relaxed) {
      this.#relaxed(() => this.#update(id, state, extra));
      this.#lastRelaxedTx = Math.max(this.#lastRelaxedTx, id);
    } else {
      this.#update(id, state, extra);
    }
  }

  #update(
    id: number,
    state: TxState,
    extra: { error?: string; transaction?: SignedBytes; attempt?: boolean },
  ): void {
    this.#prepare(
      `UPDATE txs SET state = ?, updated_at = ?, last_error = COALESCE(?, last_error),
           attempts = attempts + ?, txn = COALESCE(?, txn), txn_sig = COALESCE(?, txn_sig) WHERE id = ?`,
    ).run(
      state,
      this.#now(),
      extra.error ?? null,
      extra.attempt ? 1 : 0,
      extra.transaction ? Buffer.from(extra.transaction.bytes) : null,
      extra.transaction ? Buffer.from(extra.transaction.signature) : null,
      id,
    );
  }

  /**
   * Applies a block's outcome for our transactions and moves the commit checkpoint, in one SQLite
   * transaction: a crash never records a commit without its checkpoint or the reverse.
   */
  applyBlock(
    blockNumber: number,
    outcomes: readonly { txId: string; validationCode: string; delivered: boolean; requeue: boolean }[],
  ): { committed: TxRow[]; failed: TxRow[] } {
    return this.#db.transaction(() => {
      const committed: TxRow[] = [];
      const failed: TxRow[] = [];
      for (const o of outcomes) {
        const row = this.#prepare<[string], TxDbRow>('SELECT * FROM txs WHERE tx_id = ?').get(o.txId);
        if (!row) continue;
        const tx = toTxRow(row);
        if (o.delivered) {
          this.#remove(tx, blockNumber, o.validationCode);
          committed.push(tx);
        } else if (o.requeue) {
          // A conflict invalidated the transaction, not its content: its records go back to the queue
          // for a new transaction (the old id is spent on the ledger).
          this.#prepare('UPDATE intake SET tx = NULL WHERE tx = ?').run(tx.id);
          this.#prepare('DELETE FROM txs WHERE id = ?').run(tx.id);
          failed.push(tx);
        } else {
          this.#reject(tx, `invalid at commit: ${o.validationCode}`);
          failed.push(tx);
        }
      }
      this.#setMeta('commitCheckpoint', String(blockNumber + 1));
      return { committed, failed };
    })();
  }

  /**
   * A row the network reports as already delivered (a duplicate-txid answer to a replay): it leaves
   * the buffer like a commit. `blockNumber` is -1 when only the answer, not the block, is known.
   */
  delivered(id: number, validationCode: string, blockNumber = -1): void {
    this.#db.transaction(() => {
      const row = this.#prepare<[number], TxDbRow>('SELECT * FROM txs WHERE id = ?').get(id);
      if (row) this.#remove(toTxRow(row), blockNumber, validationCode);
    })();
  }

  #remove(tx: TxRow, blockNumber: number, validationCode: string): void {
    this.#prepare('DELETE FROM intake WHERE tx = ?').run(tx.id);
    this.#prepare('DELETE FROM txs WHERE id = ?').run(tx.id);
    this.#prepare(
      'INSERT INTO committed (tx_id, block_number, records, validation_code, committed_at) VALUES (?, ?, ?, ?, ?)',
    ).run(tx.txId, blockNumber, tx.records, validationCode, this.#now());
    this.#records -= tx.records;
    this.#bump('committed', tx.records);
    this.#trimCommitted();
  }

  /** A negative endorsement or a final refusal: the row leaves the buffer and is kept in the rejected log. */
  reject(id: number, reason: string): void {
    this.#db.transaction(() => this.#reject(this.#tx(id), reason))();
  }

  #reject(tx: TxRow, reason: string): void {
    const records = this.#prepare<[number], { payload: string }>(
      'SELECT payload FROM intake WHERE tx = ? ORDER BY id',
    )
      .all(tx.id)
      .map((r) => JSON.parse(r.payload) as unknown);
    this.#prepare(
      'INSERT INTO rejected (tx_id, fn, reason, records, rejected_at) VALUES (?, ?, ?, ?, ?)',
    ).run(tx.txId, tx.fn, reason, JSON.stringify(records), this.#now());
    this.#prepare('DELETE FROM intake WHERE tx = ?').run(tx.id);
    this.#prepare('DELETE FROM txs WHERE id = ?').run(tx.id);
    this.#records -= tx.records;
    this.#bump('rejected', tx.records);
  }

  rejections(
    limit = 20,
  ): { txId: string; fn: string; reason: string; records: unknown[]; rejectedAt: number }[] {
    return this.#prepare<
      [number],
      { tx_id: string; fn: string; reason: string; records: string; rejected_at: number }
    >('SELECT tx_id, fn, reason, records, rejected_at FROM rejected ORDER BY id DESC LIMIT ?')
      .all(limit)
      .map((r) => ({
        txId: r.tx_id,
        fn: r.fn,
        reason: r.reason,
        records: JSON.parse(r.records) as unknown[],
        rejectedAt: r.rejected_at,
      }));
  }

  /** The block the commit listener must start from; undefined before the first start. */
  commitCheckpoint(): number | undefined {
    const v = this.getMeta('commitCheckpoint');
    return v === undefined ? undefined : Number(v);
  }

  setCommitCheckpoint(block: number): void {
    this.#setMeta('commitCheckpoint', String(block));
  }

  getMeta(key: string): string | undefined {
    return this.#prepare<[string], { value: string }>('SELECT value FROM meta WHERE key = ?').get(key)?.value;
  }

  setMeta(key: string, value: string): void {
    this.#setMeta(key, value);
  }

  #setMeta(key: string, value: string): void {
    this.#prepare(
      'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value',
    ).run(key, value);
  }

  lastCommitted(limit = 1): CommittedEntry[] {
    return this.#prepare<
      [number],
      {
        tx_id: string;
        block_number: number;
        records: number;
        validation_code: string;
        committed_at: number;
      }
    >(
      'SELECT tx_id, block_number, records, validation_code, committed_at FROM committed ORDER BY id DESC LIMIT ?',
    )
      .all(limit)
      .map((r) => ({
        txId: r.tx_id,
        blockNumber: r.block_number,
        records: r.records,
        validationCode: r.validation_code,
        committedAt: r.committed_at,
      }));
  }

  counts(): BufferCounts {
    const states = Object.fromEntries(TX_STATES.map((s) => [s, 0])) as Record<TxState, number>;
    for (const r of this.#prepare<[], { state: TxState; n: number }>(
      'SELECT state, COUNT(*) AS n FROM txs GROUP BY state',
    ).all())
      states[r.state] = r.n;
    return {
      waiting: this.waitingCount(),
      states,
      records: this.#records,
      dropped: { full: this.#counter('dropped:full'), expired: this.#counter('dropped:expired') },
      refused: this.#counter('refused'),
      rejected: this.#counter('rejected'),
      committedRecords: this.#counter('committed'),
    };
  }

  /** Flushes pending intake, then closes the database. */
  close(): void {
    if (this.#closed) return;
    this.#flushIntake();
    this.#closed = true;
    this.#db.close();
  }

  #trimCommitted(): void {
    this.#prepare('DELETE FROM committed WHERE id <= (SELECT MAX(id) FROM committed) - ?').run(
      this.limits.committedLog,
    );
  }

  #bump(name: string, by: number): void {
    this.#prepare(
      'INSERT INTO counters (name, value) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET value = value + excluded.value',
    ).run(name, by);
  }

  #counter(name: string): number {
    return (
      this.#prepare<[string], { value: number }>('SELECT value FROM counters WHERE name = ?').get(name)
        ?.value ?? 0
    );
  }

  #count(sql: string): number {
    return this.#prepare<[], { n: number }>(sql).get()?.n ?? 0;
  }
}

/** Thrown inside formTransaction's SQLite transaction to roll it back. */
class VanishedRecord extends Error {}

export function isVanished(err: unknown): boolean {
  return err instanceof VanishedRecord;
}

function toTxRow(r: TxDbRow): TxRow {
  return {
    id: r.id,
    txId: r.tx_id,
    fn: r.fn,
    state: r.state,
    records: r.records,
    proposal: { bytes: r.proposal, signature: r.proposal_sig },
    ...(r.txn && r.txn_sig ? { transaction: { bytes: r.txn, signature: r.txn_sig } } : {}),
    attempts: r.attempts,
    ...(r.last_error !== null ? { lastError: r.last_error } : {}),
    createdAt: r.created_at,
  };
}

function validateLimits(l: BufferLimits): BufferLimits {
  if (!Number.isInteger(l.maxRecords) || l.maxRecords < 1)
    throw new Error(`buffer: maxRecords must be a positive integer, got ${l.maxRecords}`);
  if (!Number.isFinite(l.maxAgeMs) || l.maxAgeMs <= 0)
    throw new Error(`buffer: maxAgeMs must be positive, got ${l.maxAgeMs}`);
  if (!(FULL_POLICIES as readonly string[]).includes(l.whenFull))
    throw new Error(`buffer: whenFull must be one of ${FULL_POLICIES.join(', ')}, got ${String(l.whenFull)}`);
  if (!Number.isInteger(l.committedLog) || l.committedLog < 0)
    throw new Error(`buffer: committedLog must be a non-negative integer, got ${l.committedLog}`);
  return l;
}
