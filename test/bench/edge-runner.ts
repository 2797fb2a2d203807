// One edge device in its own process for the benchmarks (edge.bench.ts), so its CPU time and memory are its
// own and it can be profiled with `node --cpu-prof`. Driven over IPC: `start` (an edge configuration, as
// provisionEdge makes it; the edge starts with `noSource: true`), then any number of `record` (samples
// recorded as fast as the buffer accepts them, with a bounded number of unacknowledged records, optionally
// followed by waiting until the buffer is drained) and `drain` commands, then `stop`. Durations are
// measured here, so no clock is compared across processes.
import pino from 'pino';
import { parseConfig } from '../../edge/src/config';
import { startEdge, type Edge } from '../../edge/src/edge';
import type { SensorSample } from '../../edge/src/reading';
import { percentile } from './stats';

export type EdgeRunnerCommand =
  | { readonly type: 'start'; readonly config: unknown }
  | {
      readonly type: 'record';
      readonly readings: number;
      /** Records not yet acknowledged (durable) at most. */
      readonly outstanding: number;
      /** Index of the first sample (timestamps follow it), so that successive runs do not repeat. */
      readonly firstIndex: number;
      /** Wait until the buffer is drained (everything committed) after the last acknowledgement. */
      readonly drain: boolean;
      readonly drainTimeoutMs: number;
    }
  | { readonly type: 'drain'; readonly timeoutMs: number }
  | { readonly type: 'stop' };

/** Commits seen since the previous report. */
export interface CommitCounts {
  readonly transactions: number;
  readonly committedReadings: number;
  readonly blocks: number;
}

export type EdgeRunnerReport =
  | { readonly type: 'loaded' }
  | { readonly type: 'started'; readonly ms: number }
  | ({
      readonly type: 'recorded';
      readonly readings: number;
      /** First record call to last acknowledgement. */
      readonly intakeMs: number;
      readonly ackP50Ms: number;
      readonly ackP99Ms: number;
      /** First record call to drained (when asked to drain). */
      readonly drainedMs?: number;
      /** Records still held by the buffer when the report was made. */
      readonly held: number;
      readonly online: boolean;
    } & CommitCounts)
  | ({
      readonly type: 'drained';
      /** Command received to drained. */
      readonly ms: number;
      /** Command received to the first commit seen after it. */
      readonly firstCommitMs?: number;
      readonly held: number;
    } & CommitCounts);

const BASE_MS = Date.UTC(2026, 10, 23, 8, 0, 0);

let edge: Edge | undefined;
let commits = { transactions: 0, readings: 0, blocks: new Set<number>() };

function send(report: EdgeRunnerReport): void {
  process.send?.(report);
}

function takeCommits(): CommitCounts {
  const out = {
    transactions: commits.transactions,
    committedReadings: commits.readings,
    blocks: commits.blocks.size,
  };
  commits = { transactions: 0, readings: 0, blocks: new Set<number>() };
  return out;
}

async function start(rawConfig: unknown): Promise<void> {
  const config = parseConfig(rawConfig);
  const log = pino({ level: process.env.EDGE_BENCH_LOG ?? 'silent' }, pino.destination(2));
  const t0 = performance.now();
  edge = await startEdge(config, { log, noSource: true });
  edge.forwarder.on('committed', (rows: readonly { records: number }[], blockNumber: number) => {
    commits.transactions += rows.length;
    for (const r of rows) commits.readings += r.records;
    if (blockNumber >= 0) commits.blocks.add(blockNumber);
  });
  send({ type: 'started', ms: performance.now() - t0 });
}

async function record(cmd: Extract<EdgeRunnerCommand, { type: 'record' }>, e: Edge): Promise<void> {
  const deviceId = e.config.deviceId;
  const latencies = new Float64Array(cmd.readings);
  let next = 0;
  // `outstanding` producers, each recording its next sample as soon as its previous one is durable: the
  // buffer sees up to `outstanding` records per turn of the event loop and commits them with one fsync.
  const producer = async (): Promise<void> => {
    while (next < cmd.readings) {
      const i = next++;
      const sample: SensorSample = {
        deviceId,
        timestamp: new Date(BASE_MS + (cmd.firstIndex + i) * 10).toISOString(),
        temperature: 4 + ((cmd.firstIndex + i) % 30) / 10,
      };
      const t = performance.now();
      await e.record(sample);
      latencies[i] = performance.now() - t;
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: Math.min(cmd.outstanding, cmd.readings) }, producer));
  const intakeMs = performance.now() - t0;
  let drainedMs: number | undefined;
  if (cmd.drain) {
    await e.drained(cmd.drainTimeoutMs);
    drainedMs = performance.now() - t0;
  }
  const sorted = Array.from(latencies);
  const status = e.status();
  send({
    type: 'recorded',
    readings: cmd.readings,
    intakeMs,
    ackP50Ms: percentile(sorted, 50),
    ackP99Ms: percentile(sorted, 99),
    ...(drainedMs !== undefined ? { drainedMs } : {}),
    held: status.buffer.records,
    online: status.link.online,
    ...takeCommits(),
  });
}

async function drain(timeoutMs: number, e: Edge): Promise<void> {
  const t0 = performance.now();
  let firstCommitMs: number | undefined;
  const onCommitted = (): void => {
    firstCommitMs ??= performance.now() - t0;
  };
  e.forwarder.on('committed', onCommitted);
  try {
    await e.drained(timeoutMs);
  } finally {
    e.forwarder.off('committed', onCommitted);
  }
  send({
    type: 'drained',
    ms: performance.now() - t0,
    ...(firstCommitMs !== undefined ? { firstCommitMs } : {}),
    held: e.status().buffer.records,
    ...takeCommits(),
  });
}

function fail(err: unknown): void {
  process.send?.({ error: (err as Error).stack ?? String(err) });
}

/** Commands run one after the other, in the order they arrive. */
let queue: Promise<void> = Promise.resolve();

process.on('message', (cmd: EdgeRunnerCommand) => {
  queue = queue.then(async () => {
    try {
      if (cmd.type === 'start') await start(cmd.config);
      else if (cmd.type === 'stop') {
        try {
          await edge?.close();
        } finally {
          // A normal exit, so that --cpu-prof writes its profile.
          process.exit(0);
        }
      } else if (!edge) throw new Error(`'${cmd.type}' before 'start'`);
      else if (cmd.type === 'record') await record(cmd, edge);
      else await drain(cmd.timeoutMs, edge);
    } catch (err) {
      fail(err);
    }
  });
});
process.on('disconnect', () => process.exit(0));
send({ type: 'loaded' });
