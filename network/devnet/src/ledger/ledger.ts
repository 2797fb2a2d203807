import { common } from '../protos';
import { headerTxId, parseEnvelopes, prepareBlock } from './blockapply';
import { BlockStore } from './blockstore';
import { openLedgerDb, type LedgerDb } from './db';
import {
  BlockNotFoundError,
  InvalidBlockError,
  LedgerClosedError,
  LedgerInconsistentError,
  UnexpectedBlockNumberError,
} from './errors';
import { HistoryDB } from './historydb';
import { SAVEPOINT_KEY } from './keys';
import { StateDB, type StateRangeOptions } from './statedb';
import { parseTransaction } from './txparse';
import { TxIndex } from './txindex';
import type {
  BlockCommitInfo,
  HistoryEntry,
  ParsedTransaction,
  StateEntry,
  StateRangeEntry,
  TxLocation,
  Version,
} from './types';
import { readVarint } from './varint';

export interface ChannelLedgerOptions {
  /** Peer ledger root: blocks go to `<dir>/chains/<channel>/`, LevelDB to `<dir>/ledgersData/<channel>`. */
  dir: string;
  channelId: string;
  /** fdatasync block files on every commit (default true). Required for crash recovery guarantees. */
  sync?: boolean;
  /** Block file roll-over size (default 64 MiB). */
  maxBlockFileSize?: number;
  /** Recent-block byte cache budget (default 32 MiB). */
  blockCacheBytes?: number;
  /** Receives errors thrown by onBlockCommitted listeners (default: process warning). */
  onListenerError?: (err: unknown) => void;
}

export interface CommitOptions {
  /** Envelopes already parsed during validation (index-aligned with block data); skips re-decoding. */
  parsed?: readonly (ParsedTransaction | undefined)[];
}

export type BlockCommittedListener = (block: common.Block, info: BlockCommitInfo) => void;

interface Waiter {
  blockNum: number;
  resolve: () => void;
  reject: (err: Error) => void;
}

/**
 * The peer ledger of one channel: block files are the source of truth, and one LevelDB holds the
 * derived state, history and tx index. A commit makes the block durable first and then applies
 * it in a single LevelDB batch carrying the savepoint; a crash between the two is repaired on open
 * by re-applying blocks past the savepoint. That is why the LevelDB batch itself need not fsync.
 */
export class ChannelLedger {
  readonly channelId: string;
  readonly #store: BlockStore;
  readonly #db: LedgerDb;
  readonly #state: StateDB;
  readonly #history: HistoryDB;
  readonly #txIndex: TxIndex;
  readonly #onListenerError: (err: unknown) => void;

  #height = 0;
  #commitChain: Promise<unknown> = Promise.resolve();
  /** txIds of blocks accepted by commitBlock but not yet applied; counts for hasTxId. */
  readonly #pendingTxIds = new Map<string, number>();
  readonly #listeners = new Set<BlockCommittedListener>();
  #waiters: Waiter[] = [];
  #failure: Error | undefined;
  #closed = false;

  private constructor(opts: ChannelLedgerOptions, store: BlockStore, db: LedgerDb) {
    this.channelId = opts.channelId;
    this.#store = store;
    this.#db = db;
    this.#state = new StateDB(db);
    this.#txIndex = new TxIndex(db);
    this.#history = new HistoryDB(db, (b, t) => this.#loadTx(b, t));
    this.#onListenerError =
      opts.onListenerError ??
      ((err) => process.emitWarning(`ledger ${opts.channelId}: block listener failed: ${String(err)}`));
  }

  static async open(opts: ChannelLedgerOptions): Promise<ChannelLedger> {
    const store = await BlockStore.open({
      dir: opts.dir,
      channelId: opts.channelId,
      ...(opts.sync !== undefined ? { sync: opts.sync } : {}),
      ...(opts.maxBlockFileSize !== undefined ? { maxFileSize: opts.maxBlockFileSize } : {}),
      ...(opts.blockCacheBytes !== undefined ? { cacheBytes: opts.blockCacheBytes } : {}),
    });
    let db: LedgerDb | undefined;
    try {
      db = await openLedgerDb(opts.dir, opts.channelId);
      const ledger = new ChannelLedger(opts, store, db);
      await ledger.#recover();
      return ledger;
    } catch (err) {
      await db?.close().catch(() => undefined);
      await store.close().catch(() => undefined);
      throw err;
    }
  }

  /** Number of committed (durable and applied) blocks; the next block to commit has this number. */
  get height(): number {
    return this.#height;
  }

  /** Header hash of the last committed block (the next block's previous_hash). */
  get lastBlockHash(): Uint8Array | undefined {
    return this.#store.lastBlockHash;
  }

  /** Exact stored bytes; may be shared with the block cache, so treat as read-only. */
  async getBlockBytes(n: number): Promise<Uint8Array> {
    this.#assertOpen();
    // Bound by the committed height, not the store's: a block is not visible until applied.
    if (!Number.isSafeInteger(n) || n < 0 || n >= this.#height) throw new BlockNotFoundError(n, this.#height);
    return this.#store.getBlockBytes(n);
  }

  async getBlock(n: number): Promise<common.Block> {
    return common.Block.deserializeBinary(await this.getBlockBytes(n));
  }

  /** Resolves once block `n` is committed; rejects on abort or close. */
  waitForBlock(n: number, signal?: AbortSignal): Promise<void> {
    if (n < this.#height) return Promise.resolve();
    if (this.#closed) return Promise.reject(new LedgerClosedError(this.channelId));
    if (signal?.aborted) return Promise.reject(abortError(signal));
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        blockNum: n,
        resolve: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
        reject: (err) => {
          signal?.removeEventListener('abort', onAbort);
          reject(err);
        },
      };
      const onAbort = (): void => {
        this.#waiters = this.#waiters.filter((w) => w !== waiter);
        reject(abortError(signal!));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#waiters.push(waiter);
    });
  }

  /** Called synchronously after each commit, in commit order. Returns an unsubscribe function. */
  onBlockCommitted(listener: BlockCommittedListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  async getState(ns: string, key: string): Promise<StateEntry | undefined> {
    this.#assertOpen();
    return this.#state.get(ns, key);
  }

  /** Versions of many keys at once (MVCC validation); undefined where the key does not exist. */
  async getStateVersions(keys: readonly { ns: string; key: string }[]): Promise<(Version | undefined)[]> {
    this.#assertOpen();
    return this.#state.getVersions(keys);
  }

  /** [startKey, endKey) in byte order within `ns`; empty endKey = to the end of the namespace. */
  getStateRange(
    ns: string,
    startKey: string,
    endKey: string,
    opts?: StateRangeOptions,
  ): AsyncGenerator<StateRangeEntry> {
    this.#assertOpen();
    return this.#state.range(ns, startKey, endKey, opts);
  }

  /** All modifications of a key, newest first; values and timestamps are read from the blocks. */
  async getHistory(ns: string, key: string): Promise<HistoryEntry[]> {
    this.#assertOpen();
    return this.#history.get(ns, key);
  }

  /** Streaming form of getHistory for keys with long histories. */
  iterateHistory(ns: string, key: string): AsyncGenerator<HistoryEntry> {
    this.#assertOpen();
    return this.#history.iterate(ns, key);
  }

  async getTxLocation(txId: string): Promise<TxLocation | undefined> {
    this.#assertOpen();
    return this.#txIndex.get(txId);
  }

  /** True if the txid is committed or in a block currently being committed (DUPLICATE_TXID check). */
  async hasTxId(txId: string): Promise<boolean> {
    this.#assertOpen();
    return this.#pendingTxIds.has(txId) || this.#txIndex.has(txId);
  }

  async hasTxIds(txIds: readonly string[]): Promise<boolean[]> {
    this.#assertOpen();
    const stored = await this.#txIndex.hasMany(txIds);
    return stored.map((has, i) => has || this.#pendingTxIds.has(txIds[i]!));
  }

  /** The envelope bytes of a committed transaction plus where and how it was committed. */
  async getTransactionByTxId(
    txId: string,
  ): Promise<{ envelope: Uint8Array; location: TxLocation } | undefined> {
    const location = await this.getTxLocation(txId);
    if (location === undefined) return undefined;
    const block = await this.getBlock(location.blockNum);
    const envelope = block.getData()?.getDataList_asU8()[location.txNum];
    return envelope === undefined ? undefined : { envelope, location };
  }

  /**
   * Commits a block whose TRANSACTIONS_FILTER is final. Commits are serialised; the block must be
   * the next one after every block already passed to commitBlock.
   */
  commitBlock(block: common.Block, opts: CommitOptions = {}): Promise<void> {
    if (this.#closed) return Promise.reject(new LedgerClosedError(this.channelId));
    const envelopes = block.getData()?.getDataList_asU8() ?? [];
    // Parse once up front: the txids must be visible to hasTxId before the commit is queued.
    const parsed = opts.parsed ?? parseEnvelopes(envelopes);
    const txIds: string[] = [];
    envelopes.forEach((env, i) => {
      const id = parsed[i]?.txId ?? headerTxId(env);
      if (id !== undefined && id !== '') txIds.push(id);
    });
    for (const id of txIds) this.#pendingTxIds.set(id, (this.#pendingTxIds.get(id) ?? 0) + 1);
    const run = this.#commitChain.then(() => this.#commit(block, { parsed }));
    const settled = run.finally(() => {
      for (const id of txIds) {
        const count = (this.#pendingTxIds.get(id) ?? 1) - 1;
        if (count === 0) this.#pendingTxIds.delete(id);
        else this.#pendingTxIds.set(id, count);
      }
    });
    this.#commitChain = settled.catch(() => undefined);
    return settled;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#commitChain;
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w.reject(new LedgerClosedError(this.channelId));
    this.#listeners.clear();
    await this.#store.close();
    await this.#db.close();
  }

  async #commit(block: common.Block, opts: CommitOptions): Promise<void> {
    if (this.#failure !== undefined) throw this.#failure;
    if (this.#closed) throw new LedgerClosedError(this.channelId);
    const number = block.getHeader()?.getNumber();
    if (number === undefined) throw new InvalidBlockError('block has no header');
    if (number !== this.#height) throw new UnexpectedBlockNumberError(this.#height, number);

    // Everything that can reject the block happens before it becomes durable.
    const prepared = await prepareBlock({
      db: this.#db,
      state: this.#state,
      block,
      ...(opts.parsed ? { parsed: opts.parsed } : {}),
    });
    await this.#store.append(block);
    try {
      await this.#db.batch(prepared.ops);
    } catch (err) {
      // The block is durable but unapplied; reopening re-applies it. Refuse further commits until then.
      this.#failure = new LedgerInconsistentError(
        `block ${number} stored but not applied; reopen the ledger to recover`,
        { cause: err },
      );
      throw this.#failure;
    }
    this.#height = number + 1;
    this.#notify(block, prepared.info);
  }

  #notify(block: common.Block, info: BlockCommitInfo): void {
    const ready = this.#waiters.filter((w) => w.blockNum < this.#height);
    if (ready.length > 0) {
      this.#waiters = this.#waiters.filter((w) => w.blockNum >= this.#height);
      for (const w of ready) w.resolve();
    }
    for (const listener of this.#listeners) {
      try {
        listener(block, info);
      } catch (err) {
        this.#onListenerError(err);
      }
    }
  }

  /** Re-applies blocks that are durable in the block files but missing from LevelDB (crash recovery). */
  async #recover(): Promise<void> {
    const raw = await this.#db.get(SAVEPOINT_KEY);
    const saved = raw === undefined ? -1 : readVarint(raw, 0)?.value;
    if (saved === undefined) throw new LedgerInconsistentError('corrupt savepoint');
    const stored = this.#store.height;
    if (saved >= stored) {
      throw new LedgerInconsistentError(
        `state db has applied block ${saved} but block files hold only ${stored} blocks (blocks lost without sync?)`,
      );
    }
    for (let n = saved + 1; n < stored; n++) {
      const block = await this.#store.getBlock(n);
      const prepared = await prepareBlock({ db: this.#db, state: this.#state, block });
      await this.#db.batch(prepared.ops);
    }
    this.#height = stored;
  }

  async #loadTx(blockNum: number, txNum: number): Promise<ParsedTransaction | undefined> {
    const block = await this.#store.getBlock(blockNum);
    const envelope = block.getData()?.getDataList_asU8()[txNum];
    if (envelope === undefined) return undefined;
    try {
      return parseTransaction(envelope);
    } catch {
      return undefined;
    }
  }

  #assertOpen(): void {
    if (this.#closed) throw new LedgerClosedError(this.channelId);
  }
}

// Deliver streams abort with arbitrary reasons; callers always get an Error.
function abortError(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  return reason instanceof Error
    ? reason
    : new DOMException(typeof reason === 'string' ? reason : 'aborted', 'AbortError');
}
