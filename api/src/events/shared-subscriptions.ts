// Subscription fan-out: a ledger-event subscription is executed once for every group of graphql-ws
// subscribers that sent the same operation (text, operation name, variables) with the same caller scope
// (everything the resolvers read from the context: schema/subscribe.ts, sharingScope), and each result is
// serialised once and written to every member's socket as the graphql-ws `next` message, byte for byte
// what graphql-ws would have written. Per event and subscriber this costs a string concatenation and one
// socket write, instead of a graphql-js execution, a result object, a JSON string and several promises.
//
// graphql-ws stays in charge of the protocol: each member is the AsyncGenerator graphql-ws iterates; it
// never yields (the group writes the frames, once graphql-ws has started iterating it and until it calls
// `return`), and it finishes when the group's source does, after the member's queued frames, so graphql-ws
// then sends `complete`, or `error` with the source's error, itself. Operations that cannot be shared go to
// graphql-js `subscribe` unchanged.
//
// Exactly once, in order, as a subscriber of its own would see:
// - a subscriber that replays (an `after` cursor) joins a group only before its first event;
// - a live subscriber joins any live group and is given only events of blocks applied after it subscribed;
// - a member whose socket does not keep up queues frames (its socket holds at most `highWaterBytes`);
//   past `maxQueued` frames it leaves the group and continues on a source of its own that replays from the
//   read model after the last event written to it, as a lone subscriber's stream does;
// - the members of a group are written to in slices, with the event loop free between slices, so HTTP
//   requests are served during a burst; the next event waits until every member has had the previous one.

import {
  getOperationAST,
  Kind,
  OperationTypeNode,
  subscribe as graphqlSubscribe,
  type ExecutionArgs,
  type ExecutionResult,
} from 'graphql';
import type { ApiContext, SharedSource } from '../context.type';
import type { ApiMetrics } from '../metrics';
import type { Cursor } from './cursor';
import type { LedgerEvent } from './event-stream';

/** What the hub needs of a WebSocket (`ws`'s WebSocket has it). */
export interface SubscriberSocket {
  readonly readyState: number;
  readonly bufferedAmount: number;
  send(data: string, cb?: (err?: Error) => void): void;
}

const OPEN = 1;
const MAX_INDEX = 2 ** 31 - 1;

export interface SubscriberInfo {
  readonly socket: SubscriberSocket;
  /** The graphql-ws subscription id. */
  readonly id: string;
  /** The operation's text as the client sent it (part of the group key). */
  readonly query: string;
  /** schema/subscribe.ts sharingScope of the caller. */
  readonly scope: string;
}

export interface SharedSubscriptionsOptions {
  /** Root subscription fields that may be shared (schema/subscribe.ts SHAREABLE_SUBSCRIPTIONS). */
  readonly shareable: ReadonlySet<string>;
  /** The read model's next block: a live member is given events of this block and later. */
  readonly nextBlock: () => bigint;
  readonly metrics: Pick<ApiMetrics, 'subscriptions' | 'eventsDelivered' | 'eventLag'>;
  /** Members written to between two turns of the event loop (default 250). */
  readonly sliceSize?: number;
  /** A member's socket buffer above which its frames wait in its queue (default 256 KiB). */
  readonly highWaterBytes?: number;
  /** Frames a member may queue before it leaves its group and replays on its own (default 10,000). */
  readonly maxQueued?: number;
  /** graphql-js `subscribe` (a test may count executions). */
  readonly subscribe?: typeof graphqlSubscribe;
}

type SourceResult = AsyncGenerator<ExecutionResult> | ExecutionResult;

export class SharedSubscriptions {
  readonly #options: SharedSubscriptionsOptions;
  readonly #subscribe: typeof graphqlSubscribe;
  readonly #info = new WeakMap<object, SubscriberInfo>();
  /** The joinable group of each key. */
  readonly #groups = new Map<string, Group>();
  readonly sliceSize: number;
  readonly highWaterBytes: number;
  readonly maxQueued: number;

  constructor(options: SharedSubscriptionsOptions) {
    this.#options = options;
    this.#subscribe = options.subscribe ?? graphqlSubscribe;
    this.sliceSize = options.sliceSize ?? 250;
    this.highWaterBytes = options.highWaterBytes ?? 256 * 1024;
    this.maxQueued = options.maxQueued ?? 10_000;
  }

  get metrics(): SharedSubscriptionsOptions['metrics'] {
    return this.#options.metrics;
  }

  /** Groups that new subscribers may join (for tests and diagnostics). */
  get groupCount(): number {
    return this.#groups.size;
  }

  /** Names the socket and subscription an operation's context belongs to; call before `subscribe`. */
  register(contextValue: ApiContext, info: SubscriberInfo): void {
    this.#info.set(contextValue, info);
  }

  /** graphql-ws's `subscribe` option: graphql-js `subscribe`, shared where the operation allows it. */
  subscribe(args: ExecutionArgs): Promise<SourceResult> | SourceResult {
    const info = this.#info.get(args.contextValue as object);
    const topic = info ? this.#shareableField(args) : undefined;
    if (!info || topic === undefined) return this.#subscribe(args);
    const key = JSON.stringify([
      info.scope,
      args.operationName ?? null,
      args.variableValues ?? null,
      info.query,
    ]);
    let group = this.#groups.get(key);
    if (!group?.joinable) {
      group = new Group(this, key, topic, args, undefined);
      this.#groups.set(key, group);
    }
    const member = new Member(this, info, this.#options.nextBlock());
    group.add(member);
    return group.ready.then(
      (result) => {
        if (result !== undefined) {
          // The operation failed before it had a stream (e.g. unauthenticated, a malformed cursor): every
          // member gets the same answer from graphql-ws, as each would have alone.
          group.remove(member);
          return result;
        }
        return member;
      },
      (err: unknown) => {
        group.remove(member);
        throw err;
      },
    );
  }

  /** Starts a source of its own for a member that fell behind, replaying after `resumeAfter`. */
  resume(member: Member, from: Group, resumeAfter: Cursor): void {
    const group = new Group(this, undefined, from.topic, from.args, resumeAfter);
    group.add(member);
    void group.ready.then((result) => {
      if (result === undefined) return;
      // Not expected (the operation ran before); end the member with the operation's error.
      const message = result.errors?.[0]?.message ?? 'the subscription could not be resumed';
      group.remove(member);
      member.end(new Error(message));
    });
  }

  /** Called by a group that may no longer be joined. */
  forget(group: Group): void {
    if (group.key !== undefined && this.#groups.get(group.key) === group) this.#groups.delete(group.key);
  }

  subscribeSource(args: ExecutionArgs): Promise<SourceResult> | SourceResult {
    return this.#subscribe(args);
  }

  #shareableField(args: ExecutionArgs): string | undefined {
    const operation = getOperationAST(args.document, args.operationName);
    if (!operation || operation.operation !== OperationTypeNode.SUBSCRIPTION) return undefined;
    const [first, ...rest] = operation.selectionSet.selections;
    if (!first || rest.length > 0 || first.kind !== Kind.FIELD) return undefined;
    const name = first.name.value;
    return this.#options.shareable.has(name) ? name : undefined;
  }
}

/** One execution of an operation and the subscribers it is written to. */
class Group {
  readonly #hub: SharedSubscriptions;
  readonly key: string | undefined;
  readonly topic: string;
  readonly args: ExecutionArgs;
  /** Resolves undefined once the source is open, or with the operation's result if it has no stream. */
  readonly ready: Promise<ExecutionResult | undefined>;
  readonly #members = new Set<Member>();
  #source: AsyncGenerator<ExecutionResult> | undefined;
  /** The source replays after a cursor (the `after` argument or a resume): join only before any event. */
  #replays = false;
  #after: Cursor | undefined;
  #emitted = 0;
  #event: LedgerEvent | undefined;
  #closed = false;

  constructor(
    hub: SharedSubscriptions,
    key: string | undefined,
    topic: string,
    args: ExecutionArgs,
    resumeAfter: Cursor | undefined,
  ) {
    this.#hub = hub;
    this.key = key;
    this.topic = topic;
    this.args = args;
    const shared: SharedSource = {
      ...(resumeAfter ? { resumeAfter } : {}),
      opened: (after) => {
        this.#replays = after !== undefined;
        this.#after = after;
      },
      event: (event) => {
        this.#event = event;
      },
    };
    const contextValue: ApiContext = { ...(args.contextValue as ApiContext), shared };
    this.ready = Promise.resolve(hub.subscribeSource({ ...args, contextValue })).then(
      (result) => {
        if (!isAsyncGenerator(result)) {
          this.#close();
          return result;
        }
        this.#source = result;
        if (this.#members.size === 0) {
          this.#close();
          return undefined;
        }
        void this.#pump(result);
        return undefined;
      },
      (err: unknown) => {
        this.#close();
        throw err;
      },
    );
  }

  get joinable(): boolean {
    return !this.#closed && this.key !== undefined && !(this.#replays && this.#emitted > 0);
  }

  /** Where a member resumes when it fell behind before anything was written to it. */
  startOf(member: Member): Cursor {
    if (this.#replays && this.#after) return this.#after;
    // Live: everything of the blocks applied after it subscribed.
    return { block: member.firstBlock - 1n, txIndex: MAX_INDEX, eventIndex: MAX_INDEX };
  }

  add(member: Member): void {
    this.#members.add(member);
    member.group = this;
    if (this.key === undefined) member.paced = true;
    this.#hub.metrics.subscriptions.labels(this.topic).inc();
  }

  remove(member: Member): void {
    if (!this.#members.delete(member)) return;
    this.#hub.metrics.subscriptions.labels(this.topic).dec();
    if (this.#members.size === 0) this.#close();
  }

  #close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#hub.forget(this);
    void this.#source?.return(undefined).catch(() => undefined);
  }

  async #pump(source: AsyncGenerator<ExecutionResult>): Promise<void> {
    for (;;) {
      let step: IteratorResult<ExecutionResult>;
      try {
        step = await source.next();
      } catch (err) {
        this.#finish(err instanceof Error ? err : new Error(String(err)));
        return;
      }
      if (step.done) {
        this.#finish(undefined);
        return;
      }
      if (this.#closed && this.#members.size === 0) return;
      this.#emitted++;
      const event = this.#event;
      this.#event = undefined;
      await this.#deliver(serializePayload(step.value), event);
    }
  }

  async #deliver(payload: string, event: LedgerEvent | undefined): Promise<void> {
    const members = [...this.#members];
    const slice = this.#hub.sliceSize;
    const live = !this.#replays;
    let delivered = 0;
    for (let i = 0; i < members.length; i++) {
      if (i > 0 && i % slice === 0) await new Promise((resolve) => setImmediate(resolve));
      const member = members[i] as Member;
      if (member.group !== this) continue;
      if (live && event && event.cursor.block < member.firstBlock) continue;
      member.push(payload, event?.cursor);
      delivered++;
    }
    const { eventsDelivered, eventLag } = this.#hub.metrics;
    if (delivered > 0) eventsDelivered.inc({ topic: this.topic }, delivered);
    // Observed once per event and group, when the last member was written to.
    if (event) eventLag.observe(Math.max(0, Date.now() - event.appliedAt) / 1000);
    if (this.key === undefined) {
      // A member's own source (it fell behind): read no further than its socket takes, as a lone
      // subscriber's stream does, so a stuck socket neither grows memory nor re-reads in a loop.
      for (const member of members) await member.drained();
    }
  }

  #finish(error: Error | undefined): void {
    const members = [...this.#members];
    for (const member of members) this.remove(member);
    this.#close();
    for (const member of members) member.end(error);
  }
}

interface Queued {
  readonly payload: string;
  readonly cursor: Cursor | undefined;
}

/** One graphql-ws subscription in a group: the AsyncGenerator graphql-ws iterates. */
class Member implements AsyncGenerator<ExecutionResult, undefined> {
  readonly #hub: SharedSubscriptions;
  readonly #socket: SubscriberSocket;
  readonly #idJson: string;
  /** The read model's next block when it subscribed: a live member gets events from this block on. */
  readonly firstBlock: bigint;
  group: Group | undefined;
  /** On a source of its own that waits for it: it never falls behind. */
  paced = false;
  /** graphql-ws iterates it: frames may be written. */
  #iterating = false;
  #done = false;
  #queue: Queued[] = [];
  #head = 0;
  #last: Cursor | undefined;
  #end: { error: Error | undefined } | undefined;
  #drained: (() => void) | undefined;
  #parked:
    | { resolve: (r: IteratorResult<ExecutionResult, undefined>) => void; reject: (e: Error) => void }
    | undefined;

  constructor(hub: SharedSubscriptions, info: SubscriberInfo, firstBlock: bigint) {
    this.#hub = hub;
    this.#socket = info.socket;
    this.#idJson = JSON.stringify(info.id);
    this.firstBlock = firstBlock;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<ExecutionResult, undefined>> {
    if (this.#done) return Promise.resolve({ done: true, value: undefined });
    this.#iterating = true;
    return new Promise((resolve, reject) => {
      this.#parked = { resolve, reject };
      this.#flush();
    });
  }

  return(): Promise<IteratorResult<ExecutionResult, undefined>> {
    this.#stop();
    this.#parked?.resolve({ done: true, value: undefined });
    this.#parked = undefined;
    return Promise.resolve({ done: true, value: undefined });
  }

  throw(err: unknown): Promise<IteratorResult<ExecutionResult, undefined>> {
    this.#stop();
    return Promise.reject(err instanceof Error ? err : new Error(String(err)));
  }

  /** A result for this member, in order. */
  push(payload: string, cursor: Cursor | undefined): void {
    if (this.#done) return;
    if (this.#iterating && this.#head === this.#queue.length && this.#writable()) {
      this.#write(payload, cursor);
      return;
    }
    this.#queue.push({ payload, cursor });
    if (!this.paced && this.#queue.length - this.#head > this.#hub.maxQueued) {
      this.#fallBehind();
      return;
    }
    if (this.#iterating) this.#flush();
  }

  /** Undefined when every frame was handed to the socket, else a promise of that. */
  drained(): Promise<void> | undefined {
    if (this.#done || this.#head === this.#queue.length) return undefined;
    return new Promise((resolve) => (this.#drained = resolve));
  }

  /** The group's source ended (with its error): finish after the queued frames. */
  end(error: Error | undefined): void {
    if (this.#done) return;
    this.#end = { error };
    this.group = undefined;
    this.#flush();
  }

  #writable(): boolean {
    return this.#socket.bufferedAmount < this.#hub.highWaterBytes;
  }

  #write(payload: string, cursor: Cursor | undefined): void {
    if (cursor) this.#last = cursor;
    const socket = this.#socket;
    // As graphql-ws/use/ws: nothing is written to a socket that is closing (graphql-ws returns us then).
    if (socket.readyState !== OPEN) return;
    const frame = '{"id":' + this.#idJson + ',"type":"next","payload":' + payload + '}';
    // A write that may bring the buffer near the high-water mark gets a callback, so a queue is always
    // drained by a pending callback (at most 3 bytes per UTF-16 unit).
    if (socket.bufferedAmount + 3 * frame.length >= this.#hub.highWaterBytes / 2) {
      socket.send(frame, this.#written);
    } else {
      socket.send(frame);
    }
  }

  readonly #written = (err?: Error): void => {
    if (!err) this.#flush();
  };

  #flush(): void {
    if (!this.#iterating || this.#done) return;
    const queue = this.#queue;
    while (this.#head < queue.length && this.#writable()) {
      const next = queue[this.#head] as Queued;
      this.#head++;
      this.#write(next.payload, next.cursor);
    }
    if (this.#head === queue.length) {
      if (this.#head > 0) {
        this.#queue = [];
        this.#head = 0;
      }
      this.#wakeDrained();
    } else if (this.#head > 1024 && this.#head * 2 > queue.length) {
      this.#queue = queue.slice(this.#head);
      this.#head = 0;
    }
    if (this.#end && this.#head === this.#queue.length) {
      const { error } = this.#end;
      const parked = this.#parked;
      if (!parked) return;
      this.#done = true;
      this.#parked = undefined;
      if (error) parked.reject(error);
      else parked.resolve({ done: true, value: undefined });
    }
  }

  #fallBehind(): void {
    const from = this.group;
    if (!from) return;
    const resumeAfter = this.#last ?? from.startOf(this);
    this.#queue = [];
    this.#head = 0;
    from.remove(this);
    this.#hub.resume(this, from, resumeAfter);
  }

  #wakeDrained(): void {
    const drained = this.#drained;
    this.#drained = undefined;
    drained?.();
  }

  #stop(): void {
    if (this.#done) return;
    this.#done = true;
    this.#queue = [];
    this.#head = 0;
    this.#wakeDrained();
    const group = this.group;
    this.group = undefined;
    group?.remove(this);
  }
}

/** The `payload` of graphql-ws's `next` message for a result, as graphql-ws builds it. */
export function serializePayload(result: ExecutionResult): string {
  const { errors, ...rest } = result;
  return JSON.stringify(errors ? { ...rest, errors: errors.map((e) => e.toJSON()) } : rest);
}

function isAsyncGenerator(value: unknown): value is AsyncGenerator<ExecutionResult> {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { [Symbol.asyncIterator]?: unknown })[Symbol.asyncIterator] === 'function' &&
    typeof (value as { return?: unknown }).return === 'function'
  );
}
