// One edge device at run time: the device's own Fabric identity and gateway connection, the buffer, the
// forwarder and the commit listener, the sensor source through the edge rule, and optionally the HTTP
// endpoint for small devices. Every record is durable in the buffer before it is acknowledged; the network
// is reached only by the forwarder and the listener.

import { connectivityState } from '@grpc/grpc-js';
import type { Logger } from 'pino';
import { connectGateway, loadProfile, newFastSigner, type GatewayConnection } from '../../network/client/src';
import {
  StoreAndForwardBuffer,
  type Acknowledgement,
  type BufferCounts,
  type CommittedEntry,
} from './buffer/buffer';
import type { EdgeConfig } from './config';
import { CommitListener } from './fabric/commits';
import { FabricStages } from './fabric/stages';
import { Forwarder, type ForwarderStatus } from './forwarder';
import { loadDeviceIdentity } from './identity';
import type { SensorSample } from './reading';
import { STREAM_POLICY } from './retry';
import { createRule, type EdgeRule, type RuleConfig } from './rules';
import { createSource, type SourceConfig, type SourceDeps } from './sensors';
import { SmallDeviceRegistry } from './small-devices/registry';
import { startSmallDeviceServer, type SmallDeviceServer } from './small-devices/server';
import path from 'node:path';

export interface EdgeStatus {
  readonly deviceId: string;
  readonly buffer: BufferCounts;
  readonly link: ForwarderStatus;
  readonly commitStream: { readonly connected: boolean; readonly lastError?: string };
  readonly lastCommit?: CommittedEntry;
}

export interface Edge {
  readonly config: EdgeConfig;
  readonly buffer: StoreAndForwardBuffer;
  readonly forwarder: Forwarder;
  /** The small-device endpoint, when configured. */
  readonly smallDevices?: SmallDeviceServer;
  /** Runs a sample through the edge rule; resolves when what the rule kept is durable. */
  record(sample: SensorSample): Promise<Acknowledgement[]>;
  /** Emits the rule's summaries that are due. */
  tick(nowMs?: number): Promise<Acknowledgement[]>;
  status(): EdgeStatus;
  /** Resolves when nothing is waiting or in flight (or rejects after `timeoutMs`). */
  drained(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export interface StartEdgeOptions {
  readonly log: Logger;
  /** Replaces the configured source's surroundings (tests). */
  readonly sourceDeps?: SourceDeps;
  /** Do not read the configured source (the caller feeds `record`). */
  readonly noSource?: boolean;
}

const MAX_UNACKNOWLEDGED = 2000;

export async function startEdge(config: EdgeConfig, options: StartEdgeOptions): Promise<Edge> {
  const { log } = options;
  const profile = await loadProfile(config.profile);
  const identity = await loadDeviceIdentity(config.dataDir, config.mspId);
  const signing = newFastSigner(identity.keyPem);
  const rule: EdgeRule = createRule(config.rule as RuleConfig);
  const buffer = new StoreAndForwardBuffer({
    file: path.join(config.dataDir, 'buffer.sqlite'),
    limits: config.buffer,
  });
  let connection: GatewayConnection;
  try {
    // No network traffic happens here: grpc-js connects lazily, so an edge starts offline too.
    connection = await connectGateway({
      profile,
      identity,
      ...(config.peer ? { peer: config.peer } : {}),
      // grpc-js backs off reconnects up to 120 s by default; after an outage a device should notice the
      // link within seconds, since its backlog waits on it.
      grpcOptions: { 'grpc.initial_reconnect_backoff_ms': 250, 'grpc.max_reconnect_backoff_ms': 5000 },
      timeouts: {
        endorse: config.timeouts.endorseMs,
        submit: config.timeouts.submitMs,
        commitStatus: config.timeouts.commitMs,
      },
    });
  } catch (err) {
    buffer.close();
    throw err;
  }
  const contract = connection.network.getContract(config.chaincode);
  const forwarder = new Forwarder({
    buffer,
    stages: new FabricStages({ gateway: connection.gateway, contract, sign: signing.signer }),
    log: log.child({ component: 'forwarder' }),
    batchSize: config.batch.size,
    lingerMs: config.batch.lingerMs,
    commitTimeoutMs: config.timeouts.commitMs,
  });
  let stream: EdgeStatus['commitStream'] = { connected: false };
  const listener = new CommitListener({
    network: connection.network,
    startBlock: () => buffer.commitCheckpoint(),
    onBlock: (n, txs) => forwarder.onBlock(n, txs),
    onState: (connected, error) => {
      stream = { connected, ...(error ? { lastError: error.message } : {}) };
      if (connected) {
        log.info('commit stream open');
        forwarder.poke();
      } else log.warn({ err: error?.message }, 'commit stream lost; re-opening with back-off');
    },
    policy: STREAM_POLICY,
  });

  // Recovery on reconnect (seed 7.3): wake the forwarder and the listener when the channel is READY again.
  const channel = connection.grpcClient.getChannel();
  let watching = true;
  const watch = (state: connectivityState): void => {
    if (!watching) return;
    channel.watchConnectivityState(state, Infinity, () => {
      const next = channel.getConnectivityState(false);
      if (next === connectivityState.READY && state !== connectivityState.READY) {
        forwarder.poke();
        listener.poke();
      }
      watch(next);
    });
  };
  watch(channel.getConnectivityState(true));

  forwarder.start();
  listener.start();
  const progress = drainProgress(buffer, forwarder, log);

  const shipmentId = config.shipmentId;
  const accept = (decisions: ReturnType<EdgeRule['offer']>): Promise<Acknowledgement[]> =>
    Promise.all(
      decisions.map((d) =>
        d.kind === 'reading'
          ? buffer.acceptReading(shipmentId, d.sample)
          : buffer.acceptSummary(shipmentId, d.summary),
      ),
    );

  const summaryTimer = setInterval(
    () =>
      void accept(rule.tick(Date.now())).catch((err: Error) => log.error({ err }, 'summary not buffered')),
    1000,
  );
  summaryTimer.unref();

  const registry = config.smallDevices
    ? new SmallDeviceRegistry(path.join(config.dataDir, 'small-devices.sqlite'))
    : undefined;
  const edge: Edge = {
    config,
    buffer,
    forwarder,
    record: (sample) => accept(rule.offer(sample)),
    tick: (nowMs = Date.now()) => accept(rule.tick(nowMs)),
    status: () => {
      const [lastCommit] = buffer.lastCommitted(1);
      return {
        deviceId: config.deviceId,
        buffer: buffer.counts(),
        link: forwarder.status,
        commitStream: stream,
        ...(lastCommit ? { lastCommit } : {}),
      };
    },
    drained: (timeoutMs = 60_000) => waitDrained(buffer, forwarder, timeoutMs),
    close: async () => {
      abort.abort();
      clearInterval(summaryTimer);
      clearInterval(progress);
      await smallDevices?.close();
      registry?.close();
      await sourceDone;
      await accept(rule.flush()).catch(() => undefined);
      watching = false;
      await forwarder.stop();
      await listener.stop();
      connection.close();
      buffer.close();
    },
  };

  const smallDevices =
    registry && config.smallDevices
      ? await startSmallDeviceServer({
          registry,
          host: config.smallDevices.host,
          port: config.smallDevices.port,
          record: (sample) => edge.record(sample),
          log: log.child({ component: 'small-devices' }),
        })
      : undefined;
  if (smallDevices) Object.assign(edge, { smallDevices });

  const abort = new AbortController();
  const sourceDone =
    config.source && !options.noSource
      ? readSource(
          createSource(config.source as unknown as SourceConfig, options.sourceDeps),
          edge,
          abort.signal,
          log,
        )
      : Promise.resolve();
  return edge;
}

/** Reads the source with a bounded number of unacknowledged records, so intake batches its fsyncs. */
async function readSource(
  source: ReturnType<typeof createSource>,
  edge: Edge,
  signal: AbortSignal,
  log: Logger,
): Promise<void> {
  const inFlight = new Set<Promise<unknown>>();
  try {
    for await (const sample of source.samples(signal)) {
      const p = edge
        .record(sample)
        .catch((err: Error) => log.error({ err: err.message }, 'reading not buffered'));
      inFlight.add(p);
      void p.finally(() => inFlight.delete(p));
      if (inFlight.size >= MAX_UNACKNOWLEDGED) await Promise.race(inFlight);
    }
  } catch (err) {
    if (!signal.aborted)
      log.error({ err: (err as Error).message, source: source.name }, 'sensor source failed');
  }
  await Promise.all(inFlight);
}

/** A progress line while a backlog drains: records left, rate, and the time it will take. */
function drainProgress(buffer: StoreAndForwardBuffer, forwarder: Forwarder, log: Logger): NodeJS.Timeout {
  let last = buffer.counts();
  let lastAt = Date.now();
  const timer = setInterval(() => {
    const now = buffer.counts();
    const rate = ((now.committedRecords - last.committedRecords) * 1000) / Math.max(1, Date.now() - lastAt);
    if (now.records > 1000 && forwarder.status.online && rate > 0)
      log.info(
        { left: now.records, perSecond: Math.round(rate), etaSeconds: Math.round(now.records / rate) },
        `draining backlog: ${now.records} records left at ${Math.round(rate)}/s`,
      );
    last = now;
    lastAt = Date.now();
  }, 2000);
  timer.unref();
  return timer;
}

async function waitDrained(
  buffer: StoreAndForwardBuffer,
  forwarder: Forwarder,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  forwarder.flush();
  while (buffer.heldRecords > 0) {
    if (Date.now() > deadline) {
      const c = buffer.counts();
      throw new Error(
        `buffer not drained after ${timeoutMs} ms: ${c.records} records held (${JSON.stringify(c.states)})`,
      );
    }
    forwarder.flush();
    await new Promise((r) => setTimeout(r, 50));
  }
}
