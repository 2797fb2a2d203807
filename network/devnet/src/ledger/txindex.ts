import type { LedgerDb } from './db';
import { decodeTxLocation, txIdKey } from './keys';
import type { TxLocation } from './types';

/** txId -> where the transaction first appeared and how it was validated. */
export class TxIndex {
  readonly #db: LedgerDb;

  constructor(db: LedgerDb) {
    this.#db = db;
  }

  async get(txId: string): Promise<TxLocation | undefined> {
    const raw = await this.#db.get(txIdKey(txId));
    return raw === undefined ? undefined : decodeTxLocation(raw);
  }

  async has(txId: string): Promise<boolean> {
    return this.#db.has(txIdKey(txId));
  }

  async hasMany(txIds: readonly string[]): Promise<boolean[]> {
    return txIds.length === 0 ? [] : this.#db.hasMany(txIds.map(txIdKey));
  }
}
