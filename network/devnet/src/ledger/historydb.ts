import type { LedgerDb } from './db';
import { decodeHistorySuffix, historyKeyPrefix, historyPrefixEnd } from './keys';
import type { HistoryEntry, ParsedTransaction } from './types';

/** Loads the transaction at a block position; supplied by the ledger (reads the block store). */
export type TxLoader = (blockNum: number, txNum: number) => Promise<ParsedTransaction | undefined>;

/**
 * Key history as Fabric keeps it: the index only records (block, tx) positions of writes, and the
 * values come from the stored blocks, so history costs no value duplication.
 */
export class HistoryDB {
  readonly #db: LedgerDb;
  readonly #loadTx: TxLoader;

  constructor(db: LedgerDb, loadTx: TxLoader) {
    this.#db = db;
    this.#loadTx = loadTx;
  }

  /** Modifications of `key`, newest first (Fabric 2.x order). */
  async *iterate(ns: string, key: string): AsyncGenerator<HistoryEntry> {
    const prefix = historyKeyPrefix(ns, key);
    const iterator = this.#db.keys({ gt: prefix, lt: historyPrefixEnd(prefix), reverse: true });
    try {
      for await (const dbKey of iterator) {
        const { blockNum, txNum } = decodeHistorySuffix(dbKey);
        const tx = await this.#loadTx(blockNum, txNum);
        // Index entries are written only for decodable valid txs, so a miss means the block
        // store and index disagree; skip rather than fail the whole query.
        if (tx === undefined) continue;
        const write = findWrite(tx, ns, key);
        if (write === undefined) continue;
        const entry: HistoryEntry = {
          txId: tx.txId,
          blockNum,
          txNum,
          isDelete: write.isDelete,
          value: write.value,
        };
        if (tx.timestamp !== undefined) entry.timestamp = tx.timestamp;
        yield entry;
      }
    } finally {
      await iterator.close();
    }
  }

  async get(ns: string, key: string): Promise<HistoryEntry[]> {
    const entries: HistoryEntry[] = [];
    for await (const entry of this.iterate(ns, key)) entries.push(entry);
    return entries;
  }
}

// Fabric takes the first matching write of the namespace; a tx writes a key at most once.
function findWrite(tx: ParsedTransaction, ns: string, key: string) {
  for (const action of tx.actions) {
    for (const set of action.nsRwSets) {
      if (set.namespace !== ns) continue;
      const write = set.writes.find((w) => w.key === key);
      if (write !== undefined) return write;
    }
  }
  return undefined;
}
