import { ledger } from '../protos';
import type { StateReader, Version, VersionedValue } from './state';

const { kvrwset } = ledger.rwset;

interface RangeRecord {
  startKey: string;
  endKey: string;
  exhausted: boolean;
  reads: { key: string; version: Version }[];
}

interface NamespaceRecord {
  reads: Map<string, Version | undefined>;
  writes: Map<string, { value: Uint8Array; isDelete: boolean }>;
  metadataWrites: Map<string, Map<string, Uint8Array>>;
  ranges: RangeRecord[];
}

export class SimulationError extends Error {
  override readonly name = 'SimulationError';
}

/**
 * Records what one proposal reads and writes, as Fabric's transaction simulator does: reads carry the
 * committed version they saw, range queries keep their results for phantom-read validation, and a
 * transaction does not read its own uncommitted writes.
 */
export class TxSimulator {
  readonly #state: StateReader;
  readonly #namespaces = new Map<string, NamespaceRecord>();
  #done = false;

  constructor(state: StateReader) {
    this.#state = state;
  }

  #ns(namespace: string): NamespaceRecord {
    let ns = this.#namespaces.get(namespace);
    if (!ns) {
      ns = { reads: new Map(), writes: new Map(), metadataWrites: new Map(), ranges: [] };
      this.#namespaces.set(namespace, ns);
    }
    return ns;
  }

  #checkOpen(): void {
    if (this.#done) throw new SimulationError('transaction simulation has already completed');
  }

  async getState(namespace: string, key: string): Promise<VersionedValue | undefined> {
    this.#checkOpen();
    const value = await this.#state.getState(namespace, key);
    const ns = this.#ns(namespace);
    if (!ns.reads.has(key)) ns.reads.set(key, value?.version);
    return value;
  }

  putState(namespace: string, key: string, value: Uint8Array): void {
    this.#checkOpen();
    if (key.length === 0) throw new SimulationError('key must not be an empty string');
    this.#ns(namespace).writes.set(key, { value, isDelete: false });
  }

  deleteState(namespace: string, key: string): void {
    this.#checkOpen();
    if (key.length === 0) throw new SimulationError('key must not be an empty string');
    this.#ns(namespace).writes.set(key, { value: new Uint8Array(), isDelete: true });
  }

  setStateMetadata(namespace: string, key: string, name: string, value: Uint8Array): void {
    this.#checkOpen();
    const ns = this.#ns(namespace);
    let entries = ns.metadataWrites.get(key);
    if (!entries) {
      entries = new Map();
      ns.metadataWrites.set(key, entries);
    }
    entries.set(name, value);
  }

  /** Starts a recorded range scan; the caller pulls results and closes it. */
  openRange(namespace: string, startKey: string, endKey: string): RangeScan {
    this.#checkOpen();
    const record: RangeRecord = { startKey, endKey, exhausted: false, reads: [] };
    this.#ns(namespace).ranges.push(record);
    return new RangeScan(
      this.#state.getStateRange(namespace, startKey, endKey)[Symbol.asyncIterator](),
      record,
    );
  }

  getHistory(namespace: string, key: string): ReturnType<StateReader['getHistory']> {
    this.#checkOpen();
    return this.#state.getHistory(namespace, key);
  }

  /** The TxReadWriteSet bytes, namespaces and keys sorted as Fabric's RWSetBuilder sorts them. */
  results(): Uint8Array {
    this.#done = true;
    const txRwSet = new ledger.rwset.TxReadWriteSet();
    txRwSet.setDataModel(ledger.rwset.TxReadWriteSet.DataModel.KV);
    const names = [...this.#namespaces.keys()].sort(compareStrings);
    txRwSet.setNsRwsetList(
      names.map((name) => {
        const record = this.#namespaces.get(name) as NamespaceRecord;
        const kv = new kvrwset.KVRWSet();
        kv.setReadsList(
          [...record.reads.entries()]
            .sort(([a], [b]) => compareStrings(a, b))
            .map(([key, v]) => kvRead(key, v)),
        );
        kv.setRangeQueriesInfoList(
          record.ranges.map((r) => {
            const info = new kvrwset.RangeQueryInfo();
            info.setStartKey(r.startKey);
            info.setEndKey(r.endKey);
            info.setItrExhausted(r.exhausted);
            const raw = new kvrwset.QueryReads();
            raw.setKvReadsList(r.reads.map((read) => kvRead(read.key, read.version)));
            info.setRawReads(raw);
            return info;
          }),
        );
        kv.setWritesList(
          [...record.writes.entries()]
            .sort(([a], [b]) => compareStrings(a, b))
            .map(([key, w]) => {
              const write = new kvrwset.KVWrite();
              write.setKey(key);
              write.setIsDelete(w.isDelete);
              write.setValue(w.value);
              return write;
            }),
        );
        kv.setMetadataWritesList(
          [...record.metadataWrites.entries()]
            .sort(([a], [b]) => compareStrings(a, b))
            .map(([key, entries]) => {
              const mw = new kvrwset.KVMetadataWrite();
              mw.setKey(key);
              mw.setEntriesList(
                [...entries.entries()]
                  .sort(([a], [b]) => compareStrings(a, b))
                  .map(([n, v]) => {
                    const e = new kvrwset.KVMetadataEntry();
                    e.setName(n);
                    e.setValue(v);
                    return e;
                  }),
              );
              return mw;
            }),
        );
        const ns = new ledger.rwset.NsReadWriteSet();
        ns.setNamespace(name);
        ns.setRwset(kv.serializeBinary());
        return ns;
      }),
    );
    return txRwSet.serializeBinary();
  }
}

export class RangeScan {
  readonly #iterator: AsyncIterator<{ key: string; value: Uint8Array; version: Version }>;
  readonly #record: RangeRecord;
  #lookahead: { key: string; value: Uint8Array; version: Version } | undefined;
  #closed = false;

  constructor(
    iterator: AsyncIterator<{ key: string; value: Uint8Array; version: Version }>,
    record: RangeRecord,
  ) {
    this.#iterator = iterator;
    this.#record = record;
  }

  async #pull(): Promise<{ key: string; value: Uint8Array; version: Version } | undefined> {
    if (this.#lookahead) {
      const item = this.#lookahead;
      this.#lookahead = undefined;
      return item;
    }
    if (this.#closed) return undefined;
    const item = await this.#iterator.next();
    return item.done ? undefined : item.value;
  }

  /** Up to `limit` further results; `more` is false once the range is exhausted. */
  async next(limit: number): Promise<{ results: { key: string; value: Uint8Array }[]; more: boolean }> {
    const results: { key: string; value: Uint8Array }[] = [];
    while (results.length < limit) {
      const item = await this.#pull();
      if (!item) {
        this.#record.exhausted = true;
        await this.close();
        return { results, more: false };
      }
      this.#record.reads.push({ key: item.key, version: item.version });
      results.push({ key: item.key, value: item.value });
    }
    // "More" must mean at least one more result: the shim asks for the next batch and reads its first entry.
    if ((await this.peekKey()) === undefined) {
      this.#record.exhausted = true;
      await this.close();
      return { results, more: false };
    }
    return { results, more: true };
  }

  /**
   * The next key without consuming it (a pagination bookmark). It is not recorded as read: the page's
   * phantom check covers only what the chaincode was given.
   */
  async peekKey(): Promise<string | undefined> {
    this.#lookahead ??= await this.#pull();
    return this.#lookahead?.key;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#iterator.return?.();
  }
}

function kvRead(key: string, version: Version | undefined): InstanceType<typeof kvrwset.KVRead> {
  const read = new kvrwset.KVRead();
  read.setKey(key);
  if (version) {
    const v = new kvrwset.Version();
    v.setBlockNum(version.blockNum);
    v.setTxNum(version.txNum);
    read.setVersion(v);
  }
  return read;
}

/** Byte-order comparison of UTF-8 strings, the order LevelDB and Fabric use. */
export function compareStrings(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}
