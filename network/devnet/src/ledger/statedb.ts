import type { LedgerDb } from './db';
import {
  decodeMetadata,
  decodeVersioned,
  metadataKey,
  stateKey,
  stateKeyOffset,
  stateNamespaceEnd,
} from './keys';
import type { StateEntry, StateRangeEntry, Version } from './types';

export interface StateRangeOptions {
  /** Stop after this many entries (for paginated queries). */
  limit?: number;
}

/** Read side of the world state; writes are staged by BlockApplier into the commit batch. */
export class StateDB {
  readonly #db: LedgerDb;

  constructor(db: LedgerDb) {
    this.#db = db;
  }

  async get(ns: string, key: string): Promise<StateEntry | undefined> {
    const [raw, meta] = await this.#db.getMany([stateKey(ns, key), metadataKey(ns, key)]);
    if (raw === undefined) return undefined;
    const { version, value } = decodeVersioned(raw);
    return { value, version, metadata: meta === undefined ? [] : decodeMetadata(meta) };
  }

  /** Value and version only; skips the metadata read (what MVCC validation needs). */
  async getVersioned(ns: string, key: string): Promise<{ value: Uint8Array; version: Version } | undefined> {
    const raw = await this.#db.get(stateKey(ns, key));
    return raw === undefined ? undefined : decodeVersioned(raw);
  }

  /** Batched version lookup for validating a whole block's read sets in one round-trip. */
  async getVersions(keys: readonly { ns: string; key: string }[]): Promise<(Version | undefined)[]> {
    const raws = await this.#db.getMany(keys.map(({ ns, key }) => stateKey(ns, key)));
    return raws.map((raw) => (raw === undefined ? undefined : decodeVersioned(raw).version));
  }

  /**
   * Keys of `ns` in [startKey, endKey) in byte order; empty endKey means "to the end of the
   * namespace". Like Fabric's ledger this does no composite-key filtering: the shim substitutes
   * "\x01" for an empty start key, which is what keeps composite keys (prefix 0x00) out.
   * The iterator reads from an implicit snapshot, so concurrent commits do not tear a scan.
   */
  async *range(
    ns: string,
    startKey: string,
    endKey: string,
    opts: StateRangeOptions = {},
  ): AsyncGenerator<StateRangeEntry> {
    const offset = stateKeyOffset(ns);
    const iterator = this.#db.iterator({
      gte: stateKey(ns, startKey),
      lt: endKey === '' ? stateNamespaceEnd(ns) : stateKey(ns, endKey),
      ...(opts.limit !== undefined ? { limit: opts.limit } : {}),
    });
    try {
      for await (const [dbKey, raw] of iterator) {
        const { version, value } = decodeVersioned(raw);
        yield {
          key: Buffer.from(dbKey.buffer, dbKey.byteOffset + offset, dbKey.byteLength - offset).toString(
            'utf8',
          ),
          value,
          version,
        };
      }
    } finally {
      await iterator.close();
    }
  }
}
