// An in-memory stand-in for the Fabric chaincode stub and client identity, faithful where the
// contracts depend on it: composite keys use Fabric's \u0000 encoding, reads see committed state only
// (a transaction never reads its own writes), writes commit only if the transaction succeeds, history
// is kept per key, and only the last setEvent of a transaction survives (as in Fabric).
import type { Context } from 'fabric-contract-api';

const SEP = '\u0000';

export interface Identity {
  mspId: string;
  /** Subject CN, rendered into a fabric-shim style id `x509::/.../CN=<cn>::/.../CN=ca...`. */
  cn: string;
  attrs?: Record<string, string>;
}

export interface Committed {
  txId: string;
  event?: { name: string; payload: Record<string, unknown> };
}

interface Mod {
  txId: string;
  seconds: number;
  nanos: number;
  isDelete: boolean;
  value: Uint8Array;
}

function iter<T>(
  items: T[],
): Promise<{ next(): Promise<{ value: T; done: boolean }>; close(): Promise<void> }> & AsyncIterable<T> {
  const p = Promise.resolve({
    i: 0,
    next() {
      const v = items[this.i++];
      return Promise.resolve(
        v === undefined ? { value: undefined as unknown as T, done: true } : { value: v, done: false },
      );
    },
    close: () => Promise.resolve(),
  });
  return Object.assign(p, {
    async *[Symbol.asyncIterator]() {
      for (const item of items) yield item;
    },
  });
}

export class Ledger {
  public readonly state = new Map<string, Uint8Array>();
  public readonly history = new Map<string, Mod[]>();
  private txCount = 0;
  /** Seconds of the next transaction's timestamp; each transaction advances it by one. */
  public clock = 1_700_000_000;

  /** Runs `fn` as one transaction signed by `who`; commits its writes only if it succeeds. */
  public async invoke<T>(
    who: Identity,
    fn: (ctx: Context) => Promise<T>,
  ): Promise<{ result: T } & Committed> {
    this.txCount += 1;
    const txId = `tx${String(this.txCount).padStart(4, '0')}`;
    const seconds = this.clock++;
    const writes = new Map<string, Uint8Array | null>();
    let event: { name: string; payload: Uint8Array } | undefined;
    const stub = {
      getTxID: () => txId,
      getTxTimestamp: () => ({
        seconds: { low: seconds, high: 0, toString: () => String(seconds) },
        nanos: 0,
      }),
      getState: (key: string) => Promise.resolve(this.state.get(key) ?? new Uint8Array(0)),
      putState: (key: string, value: Uint8Array) => {
        if (typeof key !== 'string' || key.length === 0)
          return Promise.reject(new Error('key must not be empty'));
        writes.set(key, Buffer.from(value));
        return Promise.resolve();
      },
      deleteState: (key: string) => {
        writes.set(key, null);
        return Promise.resolve();
      },
      createCompositeKey: (objectType: string, attributes: string[]) => {
        for (const a of [objectType, ...attributes])
          if (a.includes(SEP)) throw new Error('composite key part contains U+0000');
        return SEP + objectType + SEP + attributes.map((a) => a + SEP).join('');
      },
      splitCompositeKey: (key: string) => {
        const parts = key.split(SEP).slice(1, -1);
        return { objectType: parts[0] ?? '', attributes: parts.slice(1) };
      },
      getStateByPartialCompositeKey: (objectType: string, attributes: string[]) => {
        const prefix = SEP + objectType + SEP + attributes.map((a) => a + SEP).join('');
        const rows = [...this.state.entries()]
          .filter(([k]) => k.startsWith(prefix))
          .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
          .map(([key, value]) => ({ namespace: 'cc', key, value }));
        return iter(rows);
      },
      getHistoryForKey: (key: string) => {
        // Fabric returns history newest first.
        const mods = [...(this.history.get(key) ?? [])].reverse().map((m) => ({
          txId: m.txId,
          isDelete: m.isDelete,
          value: m.value,
          timestamp: {
            seconds: { low: m.seconds, high: 0, toString: () => String(m.seconds) },
            nanos: m.nanos,
          },
        }));
        return iter(mods);
      },
      setEvent: (name: string, payload: Uint8Array) => {
        if (!name) throw new Error('event name must not be empty');
        event = { name, payload: Buffer.from(payload) };
      },
    };
    const attrs = who.attrs ?? {};
    const clientIdentity = {
      getMSPID: () => who.mspId,
      getID: () =>
        `x509::/C=US/ST=North Carolina/O=Hyperledger/OU=client/CN=${who.cn}::/C=US/ST=North Carolina/L=Durham/O=org.example.com/CN=ca.org.example.com`,
      getAttributeValue: (name: string) => (name in attrs ? (attrs[name] ?? null) : null),
      assertAttributeValue: (name: string, value: string) => attrs[name] === value,
    };
    const ctx = { stub, clientIdentity } as unknown as Context;
    const result = await fn(ctx);
    for (const [key, value] of writes) {
      if (value === null) this.state.delete(key);
      else this.state.set(key, value);
      const list = this.history.get(key) ?? [];
      list.push({ txId, seconds, nanos: 0, isDelete: value === null, value: value ?? new Uint8Array(0) });
      this.history.set(key, list);
    }
    return {
      result,
      txId,
      event: event && {
        name: event.name,
        payload: JSON.parse(Buffer.from(event.payload).toString('utf8')) as Record<string, unknown>,
      },
    };
  }
}
