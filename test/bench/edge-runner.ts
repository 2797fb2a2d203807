// One edge device in its own process for the benchmarks (edge.bench.ts, matrix.bench.ts), so its CPU time
// and memory are its own and it can be profiled with `node --cpu-prof`. Driven over IPC: `start` (an edge
// configuration, as provisionEdge makes it; the edge starts with `noSource: true`), then any number of
// `record` (samples recorded as fast as the buffer accepts them, with a bounded number of unacknowledged
// records, optionally followed by waiting until the buffer is drained), `drain` and `workload` (the
// matrix's synthetic IoT workload over a measured window, with the latency breakdown of each transaction
// from the forwarder's 'stage' events) commands, then `stop`. Durations are measured here, so no clock is
// compared across processes.
import { X509Certificate } from 'node:crypto';
import path from 'node:path';
import { common, gateway, msp, peer } from '@hyperledger/fabric-protos';
import Database from 'better-sqlite3';
import pino from 'pino';
import { connectGateway, loadProfile, type GatewayConnection } from '../../network/client/src';
import { StoreAndForwardBuffer, type TxRow } from '../../edge/src/buffer/buffer';
import { parseConfig } from '../../edge/src/config';
import { startEdge, type Edge } from '../../edge/src/edge';
import type { ForwarderMark } from '../../edge/src/forwarder';
import { loadDeviceIdentity } from '../../edge/src/identity';
import type { SensorSample } from '../../edge/src/reading';
import { LATENCY_STAGES, percentile, summarise, type LatencyStage, type Summary } from './stats';

export type EdgeRunnerCommand =
  | {
      readonly type: 'start';
      readonly config: unknown;
      /**
       * First sequence number of the device in this process's buffer (several processes sharing one
       * device identity each number their readings in a range of their own).
       */
      readonly sequenceBase?: number;
    }
  | WorkloadCommand
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

/**
 * The matrix's workload: readings of this device (one key each: device + sequence) recorded for
 * `warmupMs` + `measureMs`, either as fast as the forwarder takes them (a backlog of at most `backlog`
 * held records) or offered at `ratePerSec` (open loop, each reading timed from its scheduled instant);
 * with `readRatio` of all operations being reads (an evaluation of one random reading this process
 * has committed, through the device's gateway peer). Then the buffer is drained (not measured).
 */
export interface WorkloadCommand {
  readonly type: 'workload';
  readonly warmupMs: number;
  readonly measureMs: number;
  readonly ratePerSec?: number;
  readonly backlog: number;
  readonly readRatio: number;
  readonly readConcurrency: number;
  readonly firstIndex: number;
  readonly drainTimeoutMs: number;
}

/** The marks that bound each stage. */
const STAGE_BOUNDS: readonly (readonly [LatencyStage, ForwarderMark, ForwarderMark])[] = [
  ['queued for endorsement', 'formed', 'endorseSent'],
  ['endorsement', 'endorseSent', 'endorsed'],
  ['endorsement processing', 'endorsed', 'stored'],
  ['queued for submission', 'stored', 'submitSent'],
  ['ordering', 'submitSent', 'ordered'],
  ['commit', 'ordered', 'blockSeen'],
];

export interface WorkloadResult {
  readonly windowMs: number;
  /** Commits seen in the window: transactions, their readings, distinct blocks. */
  readonly transactions: number;
  readonly readings: number;
  readonly blocks: number;
  /** Readings recorded (offered) in the window. */
  readonly offered: number;
  /** Transactions refused or invalidated during the whole run. */
  readonly rejected: number;
  readonly requeued: number;
  /** Formed → commit event seen, per transaction committed in the window. */
  readonly latency: Summary;
  /** Per stage, over the same transactions (the means add up to the total's mean). */
  readonly stages: Readonly<Record<LatencyStage, Summary>>;
  /** Record call (or scheduled instant) → commit event seen, per reading committed in the window. */
  readonly readingLatency?: Summary;
  readonly reads: { readonly done: number; readonly failed: number; readonly latency: Summary };
  readonly drainedMs: number;
  readonly held: number;
  /** Who endorsed the first transaction committed in the window (`<MSP ID>:<certificate CN>`). */
  readonly endorsers: readonly string[];
  /** Raw samples for pooling across processes: totals, and record → commit per reading (ms). */
  readonly latencySamples: readonly number[];
  readonly readingLatencySamples?: readonly number[];
  readonly readLatencySamples: readonly number[];
}

/** The endorsers of a prepared transaction (fabric-gateway's `Transaction.getBytes()`), as `<MSP ID>:<CN>`. */
export function endorsersOf(preparedBytes: Uint8Array): string[] {
  const envelope = gateway.PreparedTransaction.deserializeBinary(preparedBytes).getEnvelope();
  if (!envelope) return [];
  const payload = common.Payload.deserializeBinary(envelope.getPayload_asU8());
  const tx = peer.Transaction.deserializeBinary(payload.getData_asU8());
  const out: string[] = [];
  for (const action of tx.getActionsList()) {
    const cap = peer.ChaincodeActionPayload.deserializeBinary(action.getPayload_asU8());
    for (const e of cap.getAction()?.getEndorsementsList() ?? []) {
      const id = msp.SerializedIdentity.deserializeBinary(e.getEndorser_asU8());
      const subject = new X509Certificate(Buffer.from(id.getIdBytes_asU8())).subject;
      const cn = /CN=([^\n,]+)/.exec(subject)?.[1] ?? '?';
      out.push(`${id.getMspid()}:${cn}`);
    }
  }
  return out;
}

export type EdgeRunnerReport =
  | { readonly type: 'loaded' }
  | { readonly type: 'window'; readonly phase: 'start' | 'end' }
  | ({ readonly type: 'workload' } & WorkloadResult)
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

async function start(rawConfig: unknown, sequenceBase?: number): Promise<void> {
  const config = parseConfig(rawConfig);
  if (sequenceBase !== undefined) {
    // The buffer makes its tables, then the device's next sequence number is set where it keeps it.
    const file = path.join(config.dataDir, 'buffer.sqlite');
    new StoreAndForwardBuffer({ file }).close();
    const db = new Database(file);
    try {
      db.prepare(
        'INSERT INTO sequences (device_id, next) VALUES (?, ?) ON CONFLICT(device_id) DO UPDATE SET next = excluded.next',
      ).run(config.deviceId, sequenceBase);
    } finally {
      db.close();
    }
  }
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

const round2 = (n: number) => Math.round(n * 100) / 100;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** The chaincode's composite key of a reading (reading.type.ts: readingKey), a pagination bookmark. */
function readingKeyOf(shipmentId: string, deviceId: string, sequence: number): string {
  const z = '\u0000';
  return `${z}reading~shipment~device~seq${z}${shipmentId}${z}${deviceId}${z}${String(sequence).padStart(12, '0')}${z}`;
}

async function workload(cmd: WorkloadCommand, e: Edge): Promise<void> {
  const deviceId = e.config.deviceId;
  const shipmentId = e.config.shipmentId;
  const marks = new Map<string, Partial<Record<ForwarderMark, number>>>();
  let endorsers: string[] | undefined;
  const onStage = (txId: string, mark: ForwarderMark, at: number): void => {
    let m = marks.get(txId);
    if (!m) marks.set(txId, (m = {}));
    m[mark] = at;
    if (mark === 'stored' && !endorsers && inWindow(at)) {
      // Who endorsed it: from the envelope the buffer has just stored (once per run).
      const bytes = e.buffer.transactions().find((r) => r.txId === txId)?.transaction?.bytes;
      try {
        if (bytes) endorsers = endorsersOf(bytes);
      } catch (err) {
        endorsers = [`unknown (${(err as Error).message})`];
      }
    }
  };
  let windowStart = Number.POSITIVE_INFINITY;
  let windowEnd = Number.POSITIVE_INFINITY;
  const inWindow = (t: number) => t >= windowStart && t < windowEnd;
  const totals: number[] = [];
  const stageSamples = Object.fromEntries(LATENCY_STAGES.map((s) => [s, [] as number[]])) as Record<
    LatencyStage,
    number[]
  >;
  // Readings commit in the order they were recorded (one device per process, in-order submission), so
  // the instants at which they were recorded are matched to commits first in, first out.
  const recordedAt: number[] = [];
  const sequences: number[] = [];
  let head = 0;
  let fifoValid = true;
  const readingLatencies: number[] = [];
  let transactions = 0;
  let readings = 0;
  let rejected = 0;
  let requeued = 0;
  const blocks = new Set<number>();
  let committedTotal = 0;
  let wake: (() => void) | undefined;
  const committedSignal = () => new Promise<void>((r) => (wake = r));
  const onCommitted = (rows: readonly TxRow[], blockNumber: number): void => {
    const now = performance.now();
    for (const row of rows) {
      const m = marks.get(row.txId);
      marks.delete(row.txId);
      const seen = m?.blockSeen ?? now;
      const counted = inWindow(seen);
      for (let k = 0; k < row.records; k++) {
        const t = recordedAt[head++];
        if (counted && fifoValid && t !== undefined) readingLatencies.push(seen - t);
      }
      committedTotal += row.records;
      if (!counted) continue;
      transactions++;
      readings += row.records;
      if (blockNumber >= 0) blocks.add(blockNumber);
      const formed = m?.formed;
      if (
        m &&
        formed !== undefined &&
        STAGE_BOUNDS.every(([, a, b]) => m[a] !== undefined && m[b] !== undefined)
      ) {
        totals.push(seen - formed);
        for (const [stage, a, b] of STAGE_BOUNDS)
          stageSamples[stage].push((m[b] as number) - (m[a] as number));
      }
    }
    const w = wake;
    wake = undefined;
    w?.();
  };
  const onRejected = (row: TxRow): void => {
    rejected++;
    head += row.records;
  };
  const onRequeued = (): void => {
    requeued++;
    fifoValid = false;
  };
  e.forwarder.on('stage', onStage);
  e.forwarder.on('committed', onCommitted);
  e.forwarder.on('rejected', onRejected);
  e.forwarder.on('requeued', onRequeued);

  let reader: GatewayConnection | undefined;
  if (cmd.readRatio > 0) {
    const profile = await loadProfile(e.config.profile);
    const identity = await loadDeviceIdentity(e.config.dataDir, e.config.mspId);
    reader = await connectGateway({ profile, identity, ...(e.config.peer ? { peer: e.config.peer } : {}) });
  }
  let running = true;
  let offered = 0;
  let index = cmd.firstIndex;
  const sampleAt = (): SensorSample => {
    const i = index++;
    return {
      deviceId,
      timestamp: new Date(BASE_MS + i * 10).toISOString(),
      temperature: 4 + (i % 30) / 10,
    };
  };
  const errors: unknown[] = [];
  const recordOne = (at: number): Promise<unknown> => {
    recordedAt.push(at);
    if (inWindow(at)) offered++;
    return e.record(sampleAt()).then(
      (acks) => acks.forEach((a) => sequences.push(a.sequence)),
      (err: unknown) => errors.push(err),
    );
  };

  const t0 = performance.now();
  let phase = 'producing';
  const debug = process.env.MATRIX_DEBUG
    ? setInterval(() => {
        const c = e.buffer.counts();
        process.stderr.write(
          `[runner ${process.pid}] ${Math.round(performance.now() - t0)} ms ${phase}: held ${e.buffer.heldRecords}, waiting ${c.waiting}, states ${JSON.stringify(c.states)}, pending tx ${e.forwarder.pendingTransactions}, committed ${committedTotal}, link ${JSON.stringify(e.forwarder.status)}\n`,
        );
      }, 2000)
    : undefined;
  windowStart = t0 + cmd.warmupMs;
  windowEnd = windowStart + cmd.measureMs;
  // Each phase is announced once: by its timer, or after the producer stops, whichever comes first.
  const announced = new Set<'start' | 'end'>();
  const announce = (phase: 'start' | 'end'): void => {
    if (announced.has(phase)) return;
    announced.add(phase);
    send({ type: 'window', phase });
  };
  const windowTimers = [
    setTimeout(() => announce('start'), cmd.warmupMs),
    setTimeout(() => announce('end'), cmd.warmupMs + cmd.measureMs),
  ];
  const produce = async (): Promise<void> => {
    if (cmd.ratePerSec !== undefined) {
      const interval = 1000 / cmd.ratePerSec;
      let issued = 0;
      while (performance.now() < windowEnd) {
        const due = Math.floor((performance.now() - t0) / interval);
        while (issued < due) void recordOne(t0 + issued++ * interval);
        await sleep(Math.max(1, Math.min(10, interval)));
      }
    } else {
      while (performance.now() < windowEnd) {
        const room = cmd.backlog - e.buffer.heldRecords;
        if (room > 0) {
          const now = performance.now();
          await Promise.all(Array.from({ length: room }, () => recordOne(now)));
        } else await Promise.race([committedSignal(), sleep(20)]);
      }
    }
    running = false;
  };
  const readLatencies: number[] = [];
  let readsIssued = 0;
  let readsFailed = 0;
  const readWorker = async (contract: ReturnType<GatewayConnection['network']['getContract']>) => {
    while (running) {
      // Reads follow committed writes, so that they make up `readRatio` of all operations.
      const wanted = (committedTotal * cmd.readRatio) / (1 - cmd.readRatio);
      const known = Math.min(committedTotal, sequences.length);
      if (known === 0 || readsIssued >= wanted) {
        await Promise.race([committedSignal(), sleep(20)]);
        continue;
      }
      readsIssued++;
      const sequence = sequences[Math.floor(Math.random() * known)] as number;
      const t = performance.now();
      try {
        const bytes = await contract.evaluateTransaction(
          'reading:getReadings',
          shipmentId,
          '',
          '',
          '1',
          readingKeyOf(shipmentId, deviceId, sequence),
        );
        const page = JSON.parse(Buffer.from(bytes).toString()) as { readings: { sequence: number }[] };
        if (page.readings[0]?.sequence !== sequence) throw new Error(`reading ${sequence} not found`);
        if (inWindow(t)) readLatencies.push(performance.now() - t);
      } catch (err) {
        readsFailed++;
        if (readsFailed === 1) errors.push(err);
      }
    }
  };
  const readers = reader
    ? Array.from({ length: cmd.readConcurrency }, () =>
        readWorker(reader.network.getContract(e.config.chaincode)),
      )
    : [];
  try {
    await produce();
    await Promise.all(readers);
  } finally {
    running = false;
    windowTimers.forEach(clearTimeout);
    announce('start');
    announce('end');
    reader?.close();
  }
  const d0 = performance.now();
  phase = 'draining';
  try {
    await e.drained(cmd.drainTimeoutMs);
  } finally {
    clearInterval(debug);
  }
  const drainedMs = performance.now() - d0;
  e.forwarder.off('stage', onStage);
  e.forwarder.off('committed', onCommitted);
  e.forwarder.off('rejected', onRejected);
  e.forwarder.off('requeued', onRequeued);
  if (errors.length > 0) throw errors[0] instanceof Error ? errors[0] : new Error(String(errors[0]));
  send({
    type: 'workload',
    windowMs: cmd.measureMs,
    transactions,
    readings,
    blocks: blocks.size,
    offered,
    rejected,
    requeued,
    latency: summarise(totals),
    stages: Object.fromEntries(LATENCY_STAGES.map((s) => [s, summarise(stageSamples[s])])) as Record<
      LatencyStage,
      Summary
    >,
    ...(fifoValid ? { readingLatency: summarise(readingLatencies) } : {}),
    reads: { done: readLatencies.length, failed: readsFailed, latency: summarise(readLatencies) },
    drainedMs,
    held: e.status().buffer.records,
    endorsers: endorsers ?? [],
    latencySamples: totals.map(round2),
    ...(fifoValid ? { readingLatencySamples: readingLatencies.map(round2) } : {}),
    readLatencySamples: readLatencies.map(round2),
  });
  takeCommits();
}

function fail(err: unknown): void {
  process.send?.({ error: (err as Error).stack ?? String(err) });
}

/** Commands run one after the other, in the order they arrive. */
let queue: Promise<void> = Promise.resolve();

process.on('message', (cmd: EdgeRunnerCommand) => {
  queue = queue.then(async () => {
    try {
      if (cmd.type === 'start') await start(cmd.config, cmd.sequenceBase);
      else if (cmd.type === 'stop') {
        try {
          await edge?.close();
        } finally {
          // A normal exit, so that --cpu-prof writes its profile.
          process.exit(0);
        }
      } else if (!edge) throw new Error(`'${cmd.type}' before 'start'`);
      else if (cmd.type === 'record') await record(cmd, edge);
      else if (cmd.type === 'workload') await workload(cmd, edge);
      else await drain(cmd.timeoutMs, edge);
    } catch (err) {
      fail(err);
    }
  });
});
process.on('disconnect', () => process.exit(0));
send({ type: 'loaded' });
