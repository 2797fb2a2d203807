import type { LedgerDb } from './db';
import { decodeTxLocation, txIdKey } from './keys';
import type { TxLocation } from './types';

interface Lookup {
  readonly key: Uint8Array;
  readonly resolve: (raw: Uint8Array | undefined) => void;
  readonly reject: (err: unknown) => void;
}

/**
 * txId -> where the transaction first appeared and how it was validated.
 *
 * Single lookups made in the same turn of the event loop (every endorsement checks its txid, every
 * CommitStatus looks one up) reach LevelDB as one getMany: classic-level takes LevelDB's lock on the event
 * loop thread to open an implicit snapshot for each read, and while blocks were being written that cost
 * ~150 µs per endorsement in the devnet's profile.
 */
export class TxIndex {
  readonly #db: LedgerDb;
  #queued: Lookup[] = [];

  constructor(db: LedgerDb) {
    this.#db = db;
  }

  async get(txId: string): Promise<TxLocation | undefined> {
    const raw = await this.#lookup(txIdKey(txId));
    return raw === undefined ? undefined : decodeTxLocation(raw);
  }

  async has(txId: string): Promise<boolean> {
    return (await this.#lookup(txIdKey(txId))) !== undefined;
  }

  async hasMany(txIds: readonly string[]): Promise<boolean[]> {
    return txIds.length === 0 ? [] : this.#db.hasMany(txIds.map(txIdKey));
  }

  #lookup(key: Uint8Array): Promise<Uint8Array | undefined> {
    return new Promise((resolve, reject) => {
      if (this.#queued.push({ key, resolve, reject }) === 1) setImmediate(() => this.#flush());
    });
  }

  #flush(): void {
    const batch = this.#queued;
    this.#queued = [];
    this.#db.getMany(batch.map((l) => l.key)).then(
      (values) => batch.forEach((l, i) => l.resolve(values[i])),
      (err: unknown) => batch.forEach((l) => l.reject(err)),
    );
  }
}
