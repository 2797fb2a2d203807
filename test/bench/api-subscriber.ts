// The subscribers of the fan-out benchmark in their own process: N graphql-ws connections, each with one
// `shipmentReadings` subscription to the same shipment, plus a direct Fabric listener (fabric-gateway
// chaincode events, as an application would follow the ledger) that stamps when this process sees each
// commit. For every event and subscriber the receipt time is recorded; the runner computes the latencies.
// Driven over IPC by api.bench.ts; times are epoch milliseconds with sub-millisecond precision
// (performance.timeOrigin + performance.now()) so they compare across the processes of one machine.
import { createClient, type Client } from 'graphql-ws';
import { print } from 'graphql';
import WebSocket from 'ws';
import { connectGateway, loadProfile, type ClientIdentity } from '../../network/client/src';
import {
  ShipmentReadingsDocument,
  type ShipmentReadingsSubscription,
} from '../../schema/generated/operations';

export interface SubscriberJob {
  readonly wsUrl: string;
  readonly apiKey: string;
  readonly shipmentId: string;
  readonly subscribers: number;
  readonly profilePath: string;
  readonly identity: ClientIdentity;
  readonly chaincode: string;
}

export type SubscriberCommand =
  | { readonly type: 'start'; readonly job: SubscriberJob }
  /** Resolve once every subscriber has received the events keyed by these first sequences, or on timeout. */
  | { readonly type: 'await'; readonly keys: readonly number[]; readonly timeoutMs: number }
  | { readonly type: 'stop' };

export type SubscriberReport =
  | { readonly type: 'connected'; readonly connected: number; readonly failed: number; readonly ms: number }
  | {
      readonly type: 'received';
      /** Per awaited key: when the Fabric listener saw the commit, and each subscriber's receipt time. */
      readonly events: { key: number; fabricSeenAt: number | null; receivedAt: number[] }[];
      readonly duplicates: number;
      readonly errors: number;
      readonly firstError?: string;
      readonly closedEarly: number;
      readonly rssMiB: number;
    }
  | { readonly type: 'error'; readonly error: string };

const now = (): number => performance.timeOrigin + performance.now();

const fabricSeen = new Map<number, number>();
const receipts = new Map<number, number[]>();
const clients: Client[] = [];
let duplicates = 0;
let errors = 0;
let firstError: string | undefined;
let closedEarly = 0;
let stopping = false;
let onReceipt: (() => void) | undefined;
let closeFabric: (() => void) | undefined;

function send(report: SubscriberReport): void {
  process.send?.(report);
}

async function start(job: SubscriberJob): Promise<void> {
  const profile = await loadProfile(job.profilePath);
  const connection = await connectGateway({ profile, identity: job.identity });
  const events = await connection.network.getChaincodeEvents(job.chaincode);
  closeFabric = () => {
    events.close();
    connection.close();
  };
  void (async () => {
    try {
      for await (const event of events) {
        const t = now();
        const payload = JSON.parse(Buffer.from(event.payload).toString('utf8')) as {
          shipmentIds?: string[];
          fromSequence?: number;
        };
        if (payload.shipmentIds?.includes(job.shipmentId) && typeof payload.fromSequence === 'number') {
          if (!fabricSeen.has(payload.fromSequence)) fabricSeen.set(payload.fromSequence, t);
        }
      }
    } catch (err) {
      if (!stopping) {
        errors++;
        firstError ??= `fabric listener: ${(err as Error).message}`;
      }
    }
  })();

  const query = print(ShipmentReadingsDocument);
  const t0 = performance.now();
  let connected = 0;
  let failed = 0;
  const CHUNK = 100;
  for (let base = 0; base < job.subscribers; base += CHUNK) {
    const n = Math.min(CHUNK, job.subscribers - base);
    await Promise.all(
      Array.from(
        { length: n },
        () =>
          new Promise<void>((resolve) => {
            const seen = new Set<number>();
            let up = false;
            const client = createClient({
              url: job.wsUrl,
              webSocketImpl: WebSocket,
              connectionParams: { authorization: `Bearer ${job.apiKey}` },
              retryAttempts: 0,
              lazy: true,
              on: {
                connected: () => {
                  up = true;
                  connected++;
                  resolve();
                },
                closed: () => {
                  if (!up) {
                    failed++;
                    resolve();
                  } else if (!stopping) closedEarly++;
                },
              },
            });
            clients.push(client);
            client.subscribe<ShipmentReadingsSubscription>(
              { query, variables: { shipmentId: job.shipmentId } },
              {
                next: (result) => {
                  const t = now();
                  const key = result.data?.shipmentReadings.fromSequence;
                  if (result.errors || key === undefined) {
                    errors++;
                    firstError ??= JSON.stringify(result.errors);
                    return;
                  }
                  if (seen.has(key)) {
                    duplicates++;
                    return;
                  }
                  seen.add(key);
                  let list = receipts.get(key);
                  if (!list) receipts.set(key, (list = []));
                  list.push(t);
                  onReceipt?.();
                },
                error: (err) => {
                  if (stopping) return;
                  errors++;
                  firstError ??= err instanceof Error ? err.message : JSON.stringify(err);
                },
                complete: () => undefined,
              },
            );
          }),
      ),
    );
  }
  send({ type: 'connected', connected, failed, ms: performance.now() - t0 });
}

function awaitKeys(keys: readonly number[], timeoutMs: number, expected: number): void {
  const complete = () => keys.every((k) => (receipts.get(k)?.length ?? 0) >= expected && fabricSeen.has(k));
  let done = false;
  const finish = () => {
    if (done) return;
    done = true;
    onReceipt = undefined;
    clearTimeout(timer);
    clearInterval(poll);
    send({
      type: 'received',
      events: keys.map((key) => ({
        key,
        fabricSeenAt: fabricSeen.get(key) ?? null,
        receivedAt: receipts.get(key) ?? [],
      })),
      duplicates,
      errors,
      ...(firstError ? { firstError } : {}),
      closedEarly,
      rssMiB: process.memoryUsage().rss / 2 ** 20,
    });
  };
  const timer = setTimeout(finish, timeoutMs);
  // The Fabric listener may see a commit after the subscribers: check on receipts and now and then.
  const poll = setInterval(() => {
    if (complete()) finish();
  }, 50);
  onReceipt = () => {
    if (complete()) finish();
  };
  if (complete()) finish();
}

let subscribers = 0;
process.on('message', (cmd: SubscriberCommand) => {
  if (cmd.type === 'start') {
    subscribers = cmd.job.subscribers;
    start(cmd.job).catch((err: Error) => send({ type: 'error', error: err.stack ?? err.message }));
  } else if (cmd.type === 'await') {
    awaitKeys(cmd.keys, cmd.timeoutMs, subscribers);
  } else {
    stopping = true;
    void Promise.allSettled(clients.map((c) => Promise.resolve(c.dispose()))).then(() => {
      closeFabric?.();
      process.exit(0);
    });
  }
});
process.on('disconnect', () => process.exit(0));
