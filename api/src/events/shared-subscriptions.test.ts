// The shared subscription fan-out against the real schema and resolvers, with an in-memory event feed and
// fake sockets, driven as graphql-ws drives it (register, subscribe, iterate, return).

import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import {
  parse,
  subscribe as graphqlSubscribe,
  type ExecutionArgs,
  type ExecutionResult,
  type GraphQLSchema,
} from 'graphql';
import pino from 'pino';
import type { ApiContext, Caller } from '../context.type';
import type { Loaders } from '../loaders';
import { newMetrics } from '../metrics';
import { buildApiSchema } from '../schema/build';
import { SHAREABLE_SUBSCRIPTIONS, sharingScope } from '../schema/subscribe';
import type { Services } from '../services';
import { compareCursors, type Cursor } from './cursor';
import type { EventFeed, EventQuery, LedgerEvent } from './event-stream';
import { SharedSubscriptions, serializePayload, type SubscriberSocket } from './shared-subscriptions';

class MemoryFeed implements EventFeed {
  readonly events: LedgerEvent[] = [];
  readonly listeners = new Set<(events: readonly LedgerEvent[]) => void>();
  failPage: Error | undefined;
  nextBlock = 1n;

  page(after: Cursor | undefined, query: EventQuery, limit: number): readonly LedgerEvent[] {
    if (this.failPage) throw this.failPage;
    return this.events
      .filter(
        (e) =>
          (!after || compareCursors(e.cursor, after) > 0) &&
          (!query.names || query.names.includes(e.name)) &&
          (query.party === undefined || e.parties.includes(query.party)),
      )
      .slice(0, limit);
  }

  onEvents(listener: (events: readonly LedgerEvent[]) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Applies one block with these events (name, payload, parties). */
  apply(...specs: { name: string; payload: Record<string, unknown>; parties: string[] }[]): void {
    const block = this.nextBlock++;
    const events = specs.map((spec, i): LedgerEvent => ({
      cursor: { block, txIndex: 0, eventIndex: i },
      name: spec.name,
      chaincode: 'manusquare',
      transactionId: `tx${block}`.padEnd(64, '0'),
      timestamp: '2026-01-01T00:00:00.000000000Z',
      payload: spec.payload,
      parties: spec.parties,
      appliedAt: Date.now(),
    }));
    this.events.push(...events);
    for (const listener of [...this.listeners]) listener(events);
  }
}

class FakeSocket implements SubscriberSocket {
  readyState = 1;
  bufferedAmount = 0;
  readonly frames: string[] = [];
  readonly callbacks: ((err?: Error) => void)[] = [];
  /** Each write fills the buffer until drain(), as a client that stopped reading. */
  stuck = false;

  send(data: string, cb?: (err?: Error) => void): void {
    this.frames.push(data);
    if (cb) this.callbacks.push(cb);
    if (this.stuck) this.bufferedAmount = 1_000_000;
  }

  /** The payloads written for one subscription id. */
  payloads(id: string): ExecutionResult[] {
    return this.frames
      .map((f) => JSON.parse(f) as { id: string; type: string; payload: ExecutionResult })
      .filter((m) => m.id === id && m.type === 'next')
      .map((m) => m.payload);
  }

  drain(): void {
    this.bufferedAmount = 0;
    for (const cb of this.callbacks.splice(0)) {
      cb();
      if (this.stuck) return;
    }
  }
}

const party = (mspId: string, name: string, role: Caller['role'] = 'user'): Caller => ({
  label: `${mspId}:${name}`,
  mspId,
  enrollmentId: name,
  partyId: `${mspId}:${name}`,
  role,
  keyId: `key-${name}`,
  identity: { mspId, certPem: '', keyPem: '' },
});
const buyer = party('Org1MSP', 'buyer');
const supplier = party('Org2MSP', 'supplier');
const outsider = party('Org2MSP', 'outsider');

const counterOffered = (negotiationId: string, by: Caller, round: number) => ({
  name: 'CounterOffered',
  payload: { negotiationId, status: 'COUNTERED', round, by: by.partyId },
  parties: [buyer.partyId, supplier.partyId],
});

const COUNTER_OFFERS = 'subscription { counterOffers { negotiationId round by cursor } }';
const NEGOTIATION =
  'subscription N($id: ID!, $after: String) { negotiationUpdates(negotiationId: $id, after: $after) { negotiationId round by cursor } }';

let schema: GraphQLSchema;
before(async () => {
  schema = await buildApiSchema();
});

interface World {
  readonly feed: MemoryFeed;
  readonly hub: SharedSubscriptions;
  /** graphql-js subscribe calls (executions of a subscription). */
  readonly executions: () => number;
}

function world(options: { maxQueued?: number; highWaterBytes?: number; sliceSize?: number } = {}): World {
  const feed = new MemoryFeed();
  let executions = 0;
  const hub = new SharedSubscriptions({
    shareable: SHAREABLE_SUBSCRIPTIONS,
    nextBlock: () => feed.nextBlock,
    metrics: newMetrics(),
    subscribe: (args) => {
      executions++;
      return graphqlSubscribe(args);
    },
    ...options,
  });
  return { feed, hub, executions: () => executions };
}

interface Subscriber {
  readonly id: string;
  readonly socket: FakeSocket;
  /** Set when graphql-ws would send `complete` (done) or `error` (the error). */
  readonly state: { done: boolean; error: Error | undefined; result: ExecutionResult | undefined };
  readonly iterator: AsyncGenerator<ExecutionResult> | undefined;
  results(): ExecutionResult[];
}

let nextId = 0;

/** As graphql-ws: register the context, subscribe, then iterate the result until it ends. */
function open(
  w: World,
  caller: Caller | undefined,
  query: string,
  variables?: Record<string, unknown>,
  socket = new FakeSocket(),
): Promise<Subscriber> {
  const id = `s${++nextId}`;
  const contextValue: ApiContext = {
    caller,
    services: { feed: w.feed, metrics: newMetrics() } as unknown as Services,
    loaders: {} as Loaders,
    log: pino({ level: 'silent' }),
  };
  w.hub.register(contextValue, { socket, id, query, scope: sharingScope(caller) });
  const args: ExecutionArgs = {
    schema,
    document: parse(query),
    contextValue,
    ...(variables ? { variableValues: variables } : {}),
  };
  const state: Subscriber['state'] = { done: false, error: undefined, result: undefined };
  return Promise.resolve(w.hub.subscribe(args)).then((result) => {
    const iterator = Symbol.asyncIterator in result ? result : undefined;
    if (iterator) {
      void (async () => {
        try {
          for await (const value of iterator) {
            throw new Error(`a shared subscription yielded ${JSON.stringify(value)}`);
          }
          state.done = true;
        } catch (err) {
          state.error = err as Error;
        }
      })();
    } else {
      state.result = result as ExecutionResult;
      state.done = true;
    }
    return { id, socket, state, iterator, results: () => socket.payloads(id) };
  });
}

/** Lets the sources, the slices and the iterations run (timers and immediates, on a busy machine too). */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) {
    await new Promise((resolve) => setTimeout(resolve, 5));
    for (let j = 0; j < 10; j++) await new Promise((resolve) => setImmediate(resolve));
  }
}

type NegotiationData = { negotiationId: string; round: number; by: string; cursor: string };
const field = (results: ExecutionResult[], name: string): NegotiationData[] =>
  results.map((r) => (r.data as Record<string, NegotiationData>)[name] as NegotiationData);

void describe('shared subscriptions', () => {
  void test('two parties on the same operation and variables each get only what they may see', async () => {
    const w = world();
    const [b, s, o] = await Promise.all([
      open(w, buyer, COUNTER_OFFERS),
      open(w, supplier, COUNTER_OFFERS),
      open(w, outsider, COUNTER_OFFERS),
    ]);
    assert.equal(w.hub.groupCount, 3, 'one group per caller scope');
    w.feed.apply(counterOffered('n1', buyer, 1));
    w.feed.apply(counterOffered('n1', supplier, 2));
    w.feed.apply({
      name: 'CounterOffered',
      payload: { negotiationId: 'n2', round: 1, by: outsider.partyId },
      parties: [outsider.partyId, party('Org1MSP', 'other').partyId],
    });
    await settle();
    // counterOffers: counter-offers made to the caller, in its own negotiations.
    assert.deepEqual(
      field(b.results(), 'counterOffers').map((e) => [e.negotiationId, e.by]),
      [['n1', supplier.partyId]],
    );
    assert.deepEqual(
      field(s.results(), 'counterOffers').map((e) => [e.negotiationId, e.by]),
      [['n1', buyer.partyId]],
    );
    assert.deepEqual(o.results(), []);
    assert.equal(w.executions(), 3);
  });

  void test('an organisation admin and a user of the same organisation are not grouped', async () => {
    const w = world();
    const admin = party('Org1MSP', 'buyer', 'admin'); // same label, another role
    const [u, a] = await Promise.all([open(w, buyer, COUNTER_OFFERS), open(w, admin, COUNTER_OFFERS)]);
    assert.equal(w.hub.groupCount, 2);
    w.feed.apply({
      name: 'CounterOffered',
      payload: { negotiationId: 'n3', round: 1, by: party('Org2MSP', 'x').partyId },
      parties: [party('Org1MSP', 'colleague').partyId, party('Org2MSP', 'x').partyId],
    });
    await settle();
    assert.equal(u.results().length, 0, 'a user sees only its own negotiations');
    assert.equal(a.results().length, 1, "an admin sees its organisation's");
  });

  void test('subscribers with the same scope share one execution; frames are graphql-ws messages', async () => {
    const w = world({ sliceSize: 2 });
    const subs = await Promise.all(
      Array.from({ length: 5 }, () => open(w, buyer, NEGOTIATION, { id: 'n1' })),
    );
    assert.equal(w.executions(), 1);
    assert.equal(w.hub.groupCount, 1);
    w.feed.apply(counterOffered('n1', supplier, 1));
    w.feed.apply(counterOffered('n2', supplier, 1));
    w.feed.apply(counterOffered('n1', buyer, 2));
    await settle();
    const expected = field(subs[0]?.results() ?? [], 'negotiationUpdates');
    assert.deepEqual(
      expected.map((e) => [e.negotiationId, e.round, e.cursor]),
      [
        ['n1', 1, '1:0:0'],
        ['n1', 2, '3:0:0'],
      ],
    );
    for (const sub of subs) {
      assert.deepEqual(field(sub.results(), 'negotiationUpdates'), expected);
      for (const frame of sub.socket.frames) {
        const message = JSON.parse(frame) as { payload: ExecutionResult };
        // Byte for byte what graphql-ws writes: JSON.stringify({ id, type, payload }).
        assert.equal(frame, JSON.stringify({ id: sub.id, type: 'next', payload: message.payload }));
      }
    }
  });

  void test('one subscriber completing does not end the others; the last one closes the source', async () => {
    const w = world();
    const [a, b, c] = await Promise.all([
      open(w, buyer, COUNTER_OFFERS),
      open(w, buyer, COUNTER_OFFERS),
      open(w, buyer, COUNTER_OFFERS),
    ]);
    w.feed.apply(counterOffered('n1', supplier, 1));
    await settle();
    await a.iterator?.return(undefined); // the client's `complete`
    w.feed.apply(counterOffered('n1', supplier, 2));
    await settle();
    assert.equal(a.results().length, 1);
    assert.equal(b.results().length, 2);
    assert.equal(c.results().length, 2);
    assert.equal(a.state.done, true);
    assert.equal(b.state.done, false);
    assert.equal(w.feed.listeners.size, 1);
    await b.iterator?.return(undefined);
    await c.iterator?.return(undefined);
    await settle();
    assert.equal(w.feed.listeners.size, 0, 'no subscriber left: the stream is closed');
    assert.equal(w.hub.groupCount, 0);
  });

  void test('an error in the shared source reaches every subscriber', async () => {
    const w = world();
    w.feed.apply(counterOffered('n1', supplier, 1));
    w.feed.failPage = new Error('read model unavailable');
    const subs = await Promise.all([
      open(w, buyer, NEGOTIATION, { id: 'n1', after: '0:0:0' }),
      open(w, buyer, NEGOTIATION, { id: 'n1', after: '0:0:0' }),
    ]);
    assert.equal(w.executions(), 1);
    await settle();
    for (const sub of subs) assert.equal(sub.state.error?.message, 'read model unavailable');
  });

  void test('an operation that fails before it has a stream answers every member the same', async () => {
    const w = world();
    const subs = await Promise.all([
      open(w, buyer, NEGOTIATION, { id: 'n1', after: 'nonsense' }),
      open(w, buyer, NEGOTIATION, { id: 'n1', after: 'nonsense' }),
      open(w, undefined, NEGOTIATION, { id: 'n1' }),
    ]);
    assert.match(subs[0]?.state.result?.errors?.[0]?.message ?? '', /after must be a cursor/);
    assert.equal(subs[1]?.state.result, subs[0]?.state.result);
    assert.equal(subs[2]?.state.result?.errors?.[0]?.extensions['code'], 'UNAUTHENTICATED');
    assert.equal(w.hub.groupCount, 0);
  });

  void test('replay: `after` subscribers share only before the first event; each gets all, once', async () => {
    const w = world();
    w.feed.apply(counterOffered('n1', supplier, 1));
    w.feed.apply(counterOffered('n1', supplier, 2));
    const first = await open(w, buyer, NEGOTIATION, { id: 'n1', after: '0:0:0' });
    await settle();
    const late = await open(w, buyer, NEGOTIATION, { id: 'n1', after: '0:0:0' });
    assert.equal(w.executions(), 2, 'the first group had emitted: the late one replays on its own');
    w.feed.apply(counterOffered('n1', supplier, 3));
    await settle();
    for (const sub of [first, late]) {
      assert.deepEqual(
        field(sub.results(), 'negotiationUpdates').map((e) => e.round),
        [1, 2, 3],
      );
    }
  });

  void test('a live subscriber joining a running group gets nothing applied before it subscribed', async () => {
    const w = world();
    const early = await open(w, buyer, COUNTER_OFFERS);
    w.feed.apply(counterOffered('n1', supplier, 1));
    // Joins while block 1 is still on its way through the group's source.
    const late = await open(w, buyer, COUNTER_OFFERS);
    w.feed.apply(counterOffered('n1', supplier, 2));
    await settle();
    assert.equal(w.executions(), 1);
    assert.deepEqual(
      field(early.results(), 'counterOffers').map((e) => e.round),
      [1, 2],
    );
    assert.deepEqual(
      field(late.results(), 'counterOffers').map((e) => e.round),
      [2],
    );
  });

  void test('a subscriber that falls behind continues on its own from the read model: none lost or repeated', async () => {
    const w = world({ maxQueued: 2, highWaterBytes: 64 });
    const slowSocket = new FakeSocket();
    const [fast, slow] = await Promise.all([
      open(w, buyer, COUNTER_OFFERS),
      open(w, buyer, COUNTER_OFFERS, undefined, slowSocket),
    ]);
    w.feed.apply(counterOffered('n1', supplier, 1));
    await settle();
    assert.equal(slow.results().length, 1);
    slowSocket.bufferedAmount = 1_000_000; // stuck: the frame's callback has not come
    for (let round = 2; round <= 8; round++) w.feed.apply(counterOffered('n1', supplier, round));
    await settle();
    assert.equal(fast.results().length, 8, 'the others are not held up');
    assert.equal(slow.results().length, 1);
    assert.equal(w.executions(), 2, 'moved to a source of its own');
    slowSocket.drain();
    await settle();
    for (let i = 0; i < 5 && slow.results().length < 8; i++) {
      slowSocket.drain();
      await settle();
    }
    w.feed.apply(counterOffered('n1', supplier, 9));
    await settle();
    slowSocket.drain();
    await settle();
    const rounds = (sub: Subscriber) => field(sub.results(), 'counterOffers').map((e) => e.round);
    assert.deepEqual(rounds(slow), [1, 2, 3, 4, 5, 6, 7, 8, 9]);
    assert.deepEqual(rounds(fast), [1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  void test("the source's end and error reach a member after its queued frames", async () => {
    for (const failure of [undefined, new Error('boom')]) {
      let release: () => void = () => undefined;
      const released = new Promise<void>((resolve) => (release = resolve));
      const hub = new SharedSubscriptions({
        shareable: SHAREABLE_SUBSCRIPTIONS,
        nextBlock: () => 0n,
        metrics: newMetrics(),
        highWaterBytes: 64,
        subscribe: () =>
          Promise.resolve(
            (async function* () {
              yield { data: { counterOffers: { round: 1 } } };
              yield { data: { counterOffers: { round: 2 } } };
              await released;
              if (failure) throw failure;
            })(),
          ),
      });
      const w: World = { feed: new MemoryFeed(), hub, executions: () => 0 };
      const socket = new FakeSocket();
      socket.stuck = true;
      const sub = await open(w, buyer, 'subscription { counterOffers { round } }', undefined, socket);
      await settle();
      release();
      await settle();
      assert.equal(sub.results().length, 1);
      assert.deepEqual([sub.state.done, sub.state.error], [false, undefined], 'not before the frames');
      socket.drain();
      await settle();
      assert.equal(sub.results().length, 2);
      if (failure) assert.equal(sub.state.error, failure);
      else assert.equal(sub.state.done, true);
    }
  });

  void test('serializePayload matches graphql-ws (errors last, as toJSON)', async () => {
    const result = await graphqlSubscribe({ schema, document: parse(COUNTER_OFFERS), contextValue: {} });
    assert.ok(!(Symbol.asyncIterator in result));
    const { errors, ...rest } = result;
    assert.equal(
      serializePayload(result),
      JSON.stringify({ ...rest, ...(errors ? { errors: errors.map((e) => e.toJSON()) } : {}) }),
    );
  });

  void test('every shareable subscription is a Subscription field', () => {
    const fields = schema.getSubscriptionType()?.getFields() ?? {};
    for (const name of SHAREABLE_SUBSCRIPTIONS) assert.ok(name in fields, name);
    // The two whose streams are not ledger events run per subscriber.
    assert.equal(SHAREABLE_SUBSCRIPTIONS.has('committedBlocks'), false);
    assert.equal(SHAREABLE_SUBSCRIPTIONS.has('transactionStatus'), false);
  });
});
