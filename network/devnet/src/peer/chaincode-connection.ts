import { randomUUID } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import { Timestamp } from 'google-protobuf/google/protobuf/timestamp_pb';
import { ledger, peer } from '../protos';
import type { RangeScan, TxSimulator } from './simulator';

const MsgType = peer.ChaincodeMessage.Type;
/** Results per QueryResponse, Fabric's `maxResultLimit`. */
const QUERY_BATCH = 100;

/** Fabric's suffix for a chaincode stream that died mid-transaction; the gateway retries on it. */
export const ERROR_STREAM_TERMINATED = 'chaincode stream terminated';

export interface ChaincodeInvocation {
  readonly txId: string;
  readonly channelId: string;
  readonly signedProposal: peer.SignedProposal;
  readonly input: peer.ChaincodeInput;
  readonly simulator: TxSimulator;
  /** Runs another chaincode on the same channel and transaction (INVOKE_CHAINCODE). */
  readonly invokeChaincode: (name: string, input: peer.ChaincodeInput) => Promise<peer.ChaincodeMessage>;
}

export interface ChaincodeConnectionOptions {
  /** Chaincode name, the ledger namespace it writes. */
  readonly name: string;
  /** host:port of the chaincode server (fabric-chaincode-node server --chaincode-address). */
  readonly address: string;
  readonly credentials?: grpc.ChannelCredentials;
  readonly executeTimeoutMs?: number;
  /**
   * Shim streams opened to the server (default 4), transactions spread over them. grpc-js hands a stream's
   * next message to HTTP/2 only once the previous write has completed, one per event-loop turn, so a single
   * stream caps a busy peer at a few hundred transactions a second; the server treats each stream as it
   * would another peer's.
   */
  readonly streams?: number;
  readonly log?: (level: 'info' | 'warn' | 'error', msg: string) => void;
}

/** One shim stream to the chaincode server, with its own registration and re-dial back-off. */
interface Lane {
  readonly index: number;
  stream: grpc.ClientDuplexStream<peer.ChaincodeMessage, peer.ChaincodeMessage> | undefined;
  ready: boolean;
  attempt: number;
  retryTimer: NodeJS.Timeout | undefined;
}

interface Pending {
  readonly invocation: ChaincodeInvocation;
  readonly lane: Lane;
  readonly resolve: (msg: peer.ChaincodeMessage) => void;
  readonly reject: (err: Error) => void;
  readonly iterators: Map<string, Iterator>;
  readonly timer: NodeJS.Timeout;
}

type Iterator =
  | { kind: 'range'; scan: RangeScan; pageSize: number | undefined; returned: number }
  | {
      kind: 'history';
      items: peer.ChaincodeMessage[] | ledger.queryresult.KeyModification[];
      offset: number;
    };

export class ChaincodeUnavailableError extends Error {
  override readonly name = 'ChaincodeUnavailableError';
}

const DEFAULT_STREAMS = 4;

/**
 * The peer's side of the chaincode shim protocol for chaincode-as-a-service: the peer dials the chaincode
 * server, the chaincode registers, and transactions are multiplexed over the streams by channel and txid
 * (every message of one transaction on the stream it started on). Each stream re-dials with back-off when
 * the chaincode server goes away.
 */
export class ChaincodeConnection {
  readonly name: string;
  readonly #options: ChaincodeConnectionOptions;
  readonly #pending = new Map<string, Pending>();
  readonly #lanes: Lane[];
  #client: peer.ChaincodeClient | undefined;
  #ready: Promise<void> | undefined;
  #readyResolve: (() => void) | undefined;
  #closed = false;
  #nextLane = 0;

  constructor(options: ChaincodeConnectionOptions) {
    this.name = options.name;
    this.#options = options;
    const streams = Math.max(1, Math.floor(options.streams ?? DEFAULT_STREAMS));
    this.#lanes = Array.from({ length: streams }, (_, index) => ({
      index,
      stream: undefined,
      ready: false,
      attempt: 0,
      retryTimer: undefined,
    }));
  }

  get ready(): boolean {
    return this.#lanes.some((lane) => lane.ready);
  }

  /** Streams on which the chaincode has registered. */
  get readyStreams(): number {
    return this.#lanes.filter((lane) => lane.ready).length;
  }

  /** Resolves once the chaincode has registered on a stream; keeps trying in the background until then. */
  start(): Promise<void> {
    if (!this.#ready) {
      this.#ready = new Promise((resolve) => (this.#readyResolve = resolve));
      for (const lane of this.#lanes) this.#dial(lane);
    }
    return this.#ready;
  }

  #log(level: 'info' | 'warn' | 'error', msg: string): void {
    this.#options.log?.(level, `[chaincode ${this.name}] ${msg}`);
  }

  #dial(lane: Lane): void {
    if (this.#closed) return;
    this.#client ??= new peer.ChaincodeClient(
      this.#options.address,
      this.#options.credentials ?? grpc.credentials.createInsecure(),
      {
        'grpc.max_receive_message_length': 100 * 1024 * 1024,
        'grpc.max_send_message_length': 100 * 1024 * 1024,
      },
    );
    const stream = this.#client.connect();
    lane.stream = stream;
    let registered = false;
    stream.on('data', (msg: peer.ChaincodeMessage) => {
      if (!registered) {
        if (msg.getType() !== MsgType.REGISTER) {
          this.#log('warn', `expected REGISTER, got message type ${msg.getType()}`);
          stream.cancel();
          return;
        }
        registered = true;
        lane.attempt = 0;
        stream.write(message(MsgType.REGISTERED));
        stream.write(message(MsgType.READY));
        const first = !this.ready;
        lane.ready = true;
        if (first) this.#log('info', `registered from ${this.#options.address}`);
        this.#readyResolve?.();
        return;
      }
      this.#onMessage(lane, msg);
    });
    const onGone = (err?: Error): void => {
      if (lane.stream !== stream) return;
      lane.stream = undefined;
      const wasReady = lane.ready;
      lane.ready = false;
      if (wasReady && !this.#closed) {
        // One warning when the chaincode becomes unreachable, not one per stream.
        const message = `stream closed${err ? `: ${err.message}` : ''}`;
        if (!this.ready) this.#log('warn', `${message} (no stream left)`);
        else this.#log('info', `${message} (stream ${lane.index}; ${this.readyStreams} left)`);
      }
      for (const [key, p] of this.#pending) {
        if (p.lane !== lane) continue;
        this.#pending.delete(key);
        clearTimeout(p.timer);
        p.reject(new ChaincodeUnavailableError(`${this.name}: ${ERROR_STREAM_TERMINATED}`));
      }
      if (!this.#closed) {
        // Exponential back-off capped at 2 s: a restarted chaincode server is picked up quickly.
        const delay = Math.min(2000, 50 * 2 ** Math.min(lane.attempt++, 6));
        lane.retryTimer = setTimeout(() => this.#dial(lane), delay);
      }
    };
    stream.on('error', (err: Error) => onGone(err));
    stream.on('end', () => onGone());
  }

  /** The next registered stream, round robin. */
  #pickLane(): Lane | undefined {
    for (let i = 0; i < this.#lanes.length; i++) {
      const lane = this.#lanes[(this.#nextLane + i) % this.#lanes.length];
      if (lane?.ready && lane.stream) {
        this.#nextLane = (lane.index + 1) % this.#lanes.length;
        return lane;
      }
    }
    return undefined;
  }

  /** Runs one transaction of this chaincode; resolves with the COMPLETED message (or rejects). */
  execute(invocation: ChaincodeInvocation): Promise<peer.ChaincodeMessage> {
    const lane = this.#pickLane();
    const stream = lane?.stream;
    if (!lane || !stream) {
      return Promise.reject(new ChaincodeUnavailableError(`chaincode ${this.name} is not connected`));
    }
    const key = `${invocation.channelId}:${invocation.txId}`;
    if (this.#pending.has(key)) {
      return Promise.reject(new Error(`txid: ${invocation.txId}(${invocation.channelId}) exists`));
    }
    return new Promise((resolve, reject) => {
      const timeoutMs = this.#options.executeTimeoutMs ?? 30_000;
      const timer = setTimeout(() => {
        this.#pending.delete(key);
        reject(new Error(`timeout expired while executing transaction`));
      }, timeoutMs);
      this.#pending.set(key, { invocation, lane, resolve, reject, iterators: new Map(), timer });
      const msg = message(MsgType.TRANSACTION, invocation.input.serializeBinary(), invocation);
      msg.setProposal(invocation.signedProposal);
      stream.write(msg);
    });
  }

  #onMessage(lane: Lane, msg: peer.ChaincodeMessage): void {
    const key = `${msg.getChannelId()}:${msg.getTxid()}`;
    const pending = this.#pending.get(key);
    if (!pending || pending.lane !== lane) {
      this.#log('warn', `message type ${msg.getType()} for unknown transaction ${msg.getTxid()}`);
      return;
    }
    const type = msg.getType();
    if (type === MsgType.COMPLETED || type === MsgType.ERROR) {
      this.#pending.delete(key);
      clearTimeout(pending.timer);
      for (const it of pending.iterators.values()) if (it.kind === 'range') void it.scan.close();
      pending.resolve(msg);
      return;
    }
    this.#handleRequest(msg, pending).then(
      (payload) => this.#reply(lane, msg, MsgType.RESPONSE, payload),
      (err: Error) => {
        const text = `${typeName(type)} failed: transaction ID: ${msg.getTxid()}: ${err.message}`;
        this.#reply(lane, msg, MsgType.ERROR, Buffer.from(text));
      },
    );
  }

  #reply(lane: Lane, request: peer.ChaincodeMessage, type: number, payload: Uint8Array): void {
    const reply = new peer.ChaincodeMessage();
    reply.setType(type as peer.ChaincodeMessage.TypeMap[keyof peer.ChaincodeMessage.TypeMap]);
    reply.setPayload(payload);
    reply.setTxid(request.getTxid());
    reply.setChannelId(request.getChannelId());
    lane.stream?.write(reply);
  }

  async #handleRequest(msg: peer.ChaincodeMessage, pending: Pending): Promise<Uint8Array> {
    const sim = pending.invocation.simulator;
    const ns = this.name;
    const payload = msg.getPayload_asU8();
    switch (msg.getType()) {
      case MsgType.GET_STATE: {
        const req = peer.GetState.deserializeBinary(payload);
        rejectCollection(req.getCollection());
        const value = await sim.getState(ns, req.getKey());
        return value?.value ?? new Uint8Array();
      }
      case MsgType.PUT_STATE: {
        const req = peer.PutState.deserializeBinary(payload);
        rejectCollection(req.getCollection());
        sim.putState(ns, req.getKey(), req.getValue_asU8());
        return new Uint8Array();
      }
      case MsgType.DEL_STATE: {
        const req = peer.DelState.deserializeBinary(payload);
        rejectCollection(req.getCollection());
        sim.deleteState(ns, req.getKey());
        return new Uint8Array();
      }
      case MsgType.GET_STATE_METADATA: {
        const req = peer.GetStateMetadata.deserializeBinary(payload);
        rejectCollection(req.getCollection());
        const value = await sim.getState(ns, req.getKey());
        const result = new peer.StateMetadataResult();
        result.setEntriesList(
          [...(value?.metadata ?? new Map<string, Uint8Array>()).entries()].map(([name, v]) => {
            const entry = new peer.StateMetadata();
            entry.setMetakey(name);
            entry.setValue(v);
            return entry;
          }),
        );
        return result.serializeBinary();
      }
      case MsgType.PUT_STATE_METADATA: {
        const req = peer.PutStateMetadata.deserializeBinary(payload);
        rejectCollection(req.getCollection());
        const md = req.getMetadata();
        if (!md) throw new Error('metadata is required');
        sim.setStateMetadata(ns, req.getKey(), md.getMetakey(), md.getValue_asU8());
        return new Uint8Array();
      }
      case MsgType.GET_STATE_BY_RANGE: {
        const req = peer.GetStateByRange.deserializeBinary(payload);
        rejectCollection(req.getCollection());
        let startKey = req.getStartkey();
        let pageSize: number | undefined;
        const metaBytes = req.getMetadata_asU8();
        if (metaBytes.length > 0) {
          const meta = peer.QueryMetadata.deserializeBinary(metaBytes);
          pageSize = meta.getPagesize();
          if (meta.getBookmark() !== '') startKey = meta.getBookmark();
          if (pageSize <= 0) throw new Error('pageSize must be greater than zero');
        }
        const scan = sim.openRange(ns, startKey, req.getEndkey());
        const id = randomUUID();
        const it: Iterator = { kind: 'range', scan, pageSize, returned: 0 };
        pending.iterators.set(id, it);
        return this.#nextBatch(id, it, pending);
      }
      case MsgType.GET_HISTORY_FOR_KEY: {
        const req = peer.GetHistoryForKey.deserializeBinary(payload);
        const history = await sim.getHistory(ns, req.getKey());
        const items = history.map((h) => {
          const km = new ledger.queryresult.KeyModification();
          km.setTxId(h.txId);
          km.setValue(h.value);
          km.setIsDelete(h.isDelete);
          if (h.timestamp) {
            const ts = new Timestamp();
            ts.setSeconds(h.timestamp.seconds);
            ts.setNanos(h.timestamp.nanos);
            km.setTimestamp(ts);
          }
          return km;
        });
        const id = randomUUID();
        const it: Iterator = { kind: 'history', items, offset: 0 };
        pending.iterators.set(id, it);
        return this.#nextBatch(id, it, pending);
      }
      case MsgType.QUERY_STATE_NEXT: {
        const req = peer.QueryStateNext.deserializeBinary(payload);
        const it = pending.iterators.get(req.getId());
        if (!it) throw new Error('query iterator not found');
        return this.#nextBatch(req.getId(), it, pending);
      }
      case MsgType.QUERY_STATE_CLOSE: {
        const req = peer.QueryStateClose.deserializeBinary(payload);
        const it = pending.iterators.get(req.getId());
        if (it?.kind === 'range') await it.scan.close();
        pending.iterators.delete(req.getId());
        const resp = new peer.QueryResponse();
        resp.setId(req.getId());
        resp.setHasMore(false);
        return resp.serializeBinary();
      }
      case MsgType.GET_QUERY_RESULT:
        // The devnet's state database is LevelDB, which has no rich queries; a LevelDB peer says exactly this.
        throw new Error('ExecuteQuery not supported for leveldb');
      case MsgType.INVOKE_CHAINCODE: {
        const spec = peer.ChaincodeSpec.deserializeBinary(payload);
        const target = spec.getChaincodeId()?.getName() ?? '';
        const [name, channel] = target.split('/');
        if (channel !== undefined && channel !== '' && channel !== pending.invocation.channelId) {
          throw new Error(
            `invoking chaincode on another channel (${channel}) is not supported by the devnet`,
          );
        }
        const ccName = (name ?? '').split(':')[0] ?? '';
        const completed = await pending.invocation.invokeChaincode(
          ccName,
          spec.getInput() ?? new peer.ChaincodeInput(),
        );
        return completed.serializeBinary();
      }
      default:
        throw new Error(
          `message type ${typeName(msg.getType())} is not supported by the devnet (private data is not)`,
        );
    }
  }

  async #nextBatch(id: string, it: Iterator, pending: Pending): Promise<Uint8Array> {
    const resp = new peer.QueryResponse();
    resp.setId(id);
    if (it.kind === 'history') {
      const slice = it.items.slice(it.offset, it.offset + QUERY_BATCH);
      it.offset += slice.length;
      resp.setResultsList(slice.map((km) => resultBytes(km.serializeBinary())));
      resp.setHasMore(it.offset < it.items.length);
      if (!resp.getHasMore()) pending.iterators.delete(id);
      return resp.serializeBinary();
    }
    // A paginated query answers with its whole page at once: fabric-shim reads the page's metadata (the
    // bookmark) from the first response only.
    const limit = it.pageSize !== undefined ? it.pageSize - it.returned : QUERY_BATCH;
    const { results, more } = limit > 0 ? await it.scan.next(limit) : { results: [], more: true };
    it.returned += results.length;
    resp.setResultsList(
      results.map((r) => {
        const kv = new ledger.queryresult.KV();
        kv.setNamespace(this.name);
        kv.setKey(r.key);
        kv.setValue(r.value);
        return resultBytes(kv.serializeBinary());
      }),
    );
    const pageFull = it.pageSize !== undefined && it.returned >= it.pageSize;
    resp.setHasMore(more && !pageFull);
    if (it.pageSize !== undefined && !resp.getHasMore()) {
      const meta = new peer.QueryResponseMetadata();
      meta.setFetchedRecordsCount(it.returned);
      meta.setBookmark(more ? ((await it.scan.peekKey()) ?? '') : '');
      resp.setMetadata(meta.serializeBinary());
    }
    if (!resp.getHasMore()) {
      await it.scan.close();
      pending.iterators.delete(id);
    }
    return resp.serializeBinary();
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const lane of this.#lanes) {
      clearTimeout(lane.retryTimer);
      lane.stream?.cancel();
    }
    this.#client?.close();
  }
}

function resultBytes(bytes: Uint8Array): peer.QueryResultBytes {
  const r = new peer.QueryResultBytes();
  r.setResultbytes(bytes);
  return r;
}

function rejectCollection(collection: string): void {
  if (collection !== '') throw new Error('private data collections are not supported by the devnet');
}

function message(
  type: number,
  payload?: Uint8Array,
  tx?: { txId: string; channelId: string },
): peer.ChaincodeMessage {
  const msg = new peer.ChaincodeMessage();
  msg.setType(type as peer.ChaincodeMessage.TypeMap[keyof peer.ChaincodeMessage.TypeMap]);
  if (payload) msg.setPayload(payload);
  if (tx) {
    msg.setTxid(tx.txId);
    msg.setChannelId(tx.channelId);
  }
  return msg;
}

function typeName(type: number): string {
  for (const [name, value] of Object.entries(MsgType)) if (value === type) return name;
  return String(type);
}
