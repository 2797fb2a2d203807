// The edge client's benchmarks (issue "edge client"), measured, not asserted:
// 1. durable buffer intake: StoreAndForwardBuffer.acceptReading (WAL, synchronous=FULL) on a temporary
//    file, many producers with their acknowledgements outstanding at once (group commit);
// 2. sustained committed readings/s from one edge process (edge-runner.ts, its own process) against the
//    devnet and the API of test/e2e/edge-helpers.ts (in this process), for two batch sizes;
// 3. backlog drain: the edge behind the fault proxy (test/support/fault-proxy.ts), offline while it buffers
//    a backlog, then the link comes back and the time until everything is committed is measured;
// 4. signing: fabric-gateway's default signer against newFastSigner, over the same message.
// The CPU of each process is read from /proc over each run.
import { createPrivateKey, generateKeyPairSync, randomBytes, verify } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { hash, signers } from '@hyperledger/fabric-gateway';
import { StoreAndForwardBuffer } from '../../edge/src/buffer/buffer';
import type { SensorSample } from '../../edge/src/reading';
import { newFastSigner } from '../../network/client/src';
import {
  proxiedProfile,
  provisionEdge,
  removeDir,
  startEdgeWorld,
  type EdgeWorld,
} from '../e2e/edge-helpers';
import { chaincodeServers, coresColumn, round1 } from './api.bench';
import type { Row } from './devnet.bench';
import type { CommitCounts } from './edge-runner';
import { forkEdgeRunner, type EdgeRunnerProcess } from './edge-runner-process';
import { cpuWindow, peakRssMiB, percentile } from './stats';

export interface EdgeBenchSize {
  /** Durable buffer intake: readings, and acknowledgements outstanding at once. */
  readonly intakeReadings: number;
  readonly intakeOutstanding: number;
  /** Sustained committed readings: readings per batch size, and the batch sizes. */
  readonly sustainedReadings: number;
  readonly batchSizes: readonly number[];
  /** Readings recorded while offline, then drained; the batch size used. */
  readonly backlogReadings: number;
  readonly backlogBatchSize: number;
  /** Unacknowledged records at most in the edge runner (as the edge's own source reader: 2,000). */
  readonly edgeOutstanding: number;
  /** Signing: wall time per signer. */
  readonly signMs: number;
}

export interface EdgeBenchOptions {
  /** Run the edge runner processes with `--cpu-prof` and write their profiles here. */
  readonly cpuProfDir?: string;
}

export function edgeSteps(size: EdgeBenchSize): number {
  return 3 + size.batchSizes.length + 2;
}

const INTAKE_TARGET = 5_000;
const SUSTAINED_TARGET = 1_000;
const SIGN_RATIO_TARGET = 10;
const LINGER_MS = 50;
const WARM_UP_READINGS = 500;
const BASE_MS = Date.UTC(2026, 10, 23, 8, 0, 0);

const yesNo = (met: boolean): string => (met ? 'yes' : 'no');

export async function edgeBenchmarks(
  size: EdgeBenchSize,
  tick: (label: string) => void,
  options: EdgeBenchOptions = {},
): Promise<Row[]> {
  const rows: Row[] = [];
  tick(`edge: durable buffer intake, ${size.intakeReadings} readings, ${size.intakeOutstanding} outstanding`);
  rows.push(await bufferIntake(size));
  tick(`edge: signing, ${size.signMs} ms per signer`);
  rows.push(await signing(size.signMs));

  tick('edge: starting the devnet and the API, creating a shipment');
  if (options.cpuProfDir) mkdirSync(options.cpuProfDir, { recursive: true });
  const world = await startEdgeWorld('ship-edge-bench');
  const dirs: string[] = [];
  try {
    const sustained = new Map<number, number>();
    for (const batchSize of size.batchSizes) {
      tick(`edge: sustained, ${size.sustainedReadings} readings in batches of ${batchSize}`);
      const row = await sustainedRun(world, size, batchSize, dirs, options);
      sustained.set(batchSize, row['readings/s'] as number);
      rows.push(row);
    }
    rows.push(...(await backlogDrain(world, size, sustained, dirs, tick, options)));
  } finally {
    await world.close();
    for (const d of dirs) await removeDir(d);
  }
  return rows;
}

function sample(deviceId: string, i: number): SensorSample {
  return {
    deviceId,
    timestamp: new Date(BASE_MS + i * 10).toISOString(),
    temperature: 4 + (i % 30) / 10,
  };
}

/** 1. acceptReading with `intakeOutstanding` producers, each recording its next reading when its last is durable. */
async function bufferIntake(size: EdgeBenchSize): Promise<Row> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'edge-bench-buffer-'));
  const buffer = new StoreAndForwardBuffer({ file: path.join(dir, 'buffer.sqlite') });
  let flushes = 0;
  buffer.onRecords(() => flushes++);
  try {
    const total = size.intakeReadings;
    const latencies = new Float64Array(total);
    let next = 0;
    const producer = async (): Promise<void> => {
      while (next < total) {
        const i = next++;
        const t = performance.now();
        await buffer.acceptReading('ship-bench', sample('bench-device', i));
        latencies[i] = performance.now() - t;
      }
    };
    const cpu = cpuWindow([{ label: 'bench', pid: process.pid }]);
    const t0 = performance.now();
    await Promise.all(Array.from({ length: Math.min(size.intakeOutstanding, total) }, producer));
    const seconds = (performance.now() - t0) / 1000;
    const used = cpu.stop();
    const counts = buffer.counts();
    if (counts.records !== total) throw new Error(`buffer holds ${counts.records} of ${total} readings`);
    const lat = Array.from(latencies);
    const rate = total / seconds;
    return {
      experiment: `durable buffer intake: StoreAndForwardBuffer.acceptReading (WAL, synchronous=FULL, file in ${os.tmpdir()}), ${size.intakeOutstanding} acknowledgements outstanding`,
      readings: total,
      'readings/s': Math.round(rate),
      'ack p50 ms': round1(percentile(lat, 50)),
      'ack p99 ms': round1(percentile(lat, 99)),
      'readings per fsync': Math.round(total / Math.max(1, flushes)),
      'cores busy': coresColumn(used),
      'target readings/s': INTAKE_TARGET,
      'target met': yesNo(rate >= INTAKE_TARGET),
    };
  } finally {
    buffer.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** 4. Signatures per second of one signer, one after the other, for `ms`. */
async function signaturesPerSecond(
  sign: (m: Uint8Array) => Promise<Uint8Array>,
  message: Uint8Array,
  ms: number,
) {
  for (let i = 0; i < 20; i++) await sign(message); // warm-up
  let n = 0;
  const t0 = performance.now();
  let elapsed = 0;
  while (elapsed < ms) {
    for (let k = 0; k < 10; k++) await sign(message);
    n += 10;
    elapsed = performance.now() - t0;
  }
  return n / (elapsed / 1000);
}

async function signing(ms: number): Promise<Row> {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  // About the size of a proposal carrying a batch of readings' worth of header, creator certificate and args.
  const message = new Uint8Array(randomBytes(3 * 1024));
  const defaultSigner = signers.newPrivateKeySigner(createPrivateKey(pem));
  const fast = newFastSigner(pem);
  const signDefault = (m: Uint8Array) => defaultSigner(hash.sha256(m));
  const signFast = (m: Uint8Array) => fast.signer(fast.hash(m));
  // Both must produce signatures that verify over the same message (DER, SHA-256).
  for (const [name, sign] of [
    ['default', signDefault],
    ['fast', signFast],
  ] as const) {
    const signature = await sign(message);
    if (!verify('sha256', message, publicKey, signature))
      throw new Error(`the ${name} signer's signature does not verify`);
  }
  const defaultRate = await signaturesPerSecond(signDefault, message, ms);
  const fastRate = await signaturesPerSecond(signFast, message, ms);
  const ratio = fastRate / defaultRate;
  return {
    experiment: `signing a ${message.length}-byte message, one signature at a time, ${ms} ms each: fabric-gateway newPrivateKeySigner + hash.sha256 vs newFastSigner (node:crypto) + hash.none`,
    'default signatures/s': Math.round(defaultRate),
    'fast signatures/s': Math.round(fastRate),
    'fast / default': round1(ratio),
    'target fast / default': SIGN_RATIO_TARGET,
    'target met': yesNo(ratio >= SIGN_RATIO_TARGET),
  };
}

type Runner = EdgeRunnerProcess;

async function startRunner(config: unknown, options: EdgeBenchOptions): Promise<Runner> {
  const runner = await forkEdgeRunner(
    options.cpuProfDir ? ['--cpu-prof', '--cpu-prof-dir', options.cpuProfDir] : [],
  );
  try {
    await runner.run({ type: 'start', config }, 'started');
  } catch (err) {
    await runner.stop();
    throw err;
  }
  return runner;
}

function drainTimeout(readings: number): number {
  return Math.max(120_000, readings * 20);
}

/** Warm-up (not reported): the first transaction waits for CommitStatus and sets the commit checkpoint. */
async function warmUp(runner: Runner, firstIndex: number): Promise<void> {
  await runner.run(
    {
      type: 'record',
      readings: WARM_UP_READINGS,
      outstanding: WARM_UP_READINGS,
      firstIndex,
      drain: true,
      drainTimeoutMs: 120_000,
    },
    'recorded',
  );
}

function processesOf(runner: Runner): { label: string; pid: number }[] {
  return [
    { label: 'devnet+API', pid: process.pid },
    ...chaincodeServers([runner.pid]),
    { label: 'edge', pid: runner.pid },
  ];
}

function commitColumns(c: CommitCounts, seconds: number): Record<string, number> {
  return {
    transactions: c.transactions,
    'tx/s': round1(c.transactions / seconds),
    'readings/tx': round1(c.committedReadings / Math.max(1, c.transactions)),
    'tx/block': round1(c.transactions / Math.max(1, c.blocks)),
  };
}

/** 2. One edge process recording as fast as its buffer accepts, until everything is committed. */
async function sustainedRun(
  world: EdgeWorld,
  size: EdgeBenchSize,
  batchSize: number,
  dirs: string[],
  options: EdgeBenchOptions,
): Promise<Row> {
  const { config, dataDir } = await provisionEdge(world, `bench-edge-b${batchSize}`, {
    batch: { size: batchSize, lingerMs: LINGER_MS },
  });
  dirs.push(dataDir);
  const runner = await startRunner(config, options);
  try {
    await warmUp(runner, 0);
    const cpu = cpuWindow(processesOf(runner));
    const r = await runner.run(
      {
        type: 'record',
        readings: size.sustainedReadings,
        outstanding: size.edgeOutstanding,
        firstIndex: WARM_UP_READINGS,
        drain: true,
        drainTimeoutMs: drainTimeout(size.sustainedReadings),
      },
      'recorded',
    );
    const used = cpu.stop();
    const seconds = (r.drainedMs ?? Number.NaN) / 1000;
    const rate = r.readings / seconds;
    return {
      experiment: `sustained: one edge process (own process, noSource, ${size.edgeOutstanding} acks outstanding) + devnet + API, batch ${batchSize} (linger ${LINGER_MS} ms), first record → drained`,
      readings: r.readings,
      committed: r.readings - r.held,
      'readings/s': Math.round(rate),
      ...commitColumns(r, seconds),
      seconds: round1(seconds),
      'intake readings/s': Math.round(r.readings / (r.intakeMs / 1000)),
      'ack p99 ms': round1(r.ackP99Ms),
      'edge peak RSS MiB': Math.round(peakRssMiB(runner.pid) ?? Number.NaN),
      'cores busy': coresColumn(used),
      'target readings/s': SUSTAINED_TARGET,
      'target met': yesNo(r.held === 0 && rate >= SUSTAINED_TARGET),
    };
  } finally {
    await runner.stop();
  }
}

/** 3. A backlog recorded while offline, then drained when the link comes back. */
async function backlogDrain(
  world: EdgeWorld,
  size: EdgeBenchSize,
  sustained: ReadonlyMap<number, number>,
  dirs: string[],
  tick: (label: string) => void,
  options: EdgeBenchOptions,
): Promise<Row[]> {
  tick(`edge: backlog, ${size.backlogReadings} readings recorded while offline`);
  const { file, proxies } = await proxiedProfile(world);
  let runner: Runner | undefined;
  try {
    const { config, dataDir } = await provisionEdge(world, 'bench-edge-backlog', {
      profile: file,
      batch: { size: size.backlogBatchSize, lingerMs: LINGER_MS },
    });
    dirs.push(dataDir);
    runner = await startRunner(config, options);
    // Online through the proxy first: the device works, has its commit checkpoint, then loses the link.
    await warmUp(runner, 0);
    for (const p of proxies) {
      p.refuse(true);
      p.reset();
    }
    const offline = await runner.run(
      {
        type: 'record',
        readings: size.backlogReadings,
        outstanding: size.edgeOutstanding,
        firstIndex: WARM_UP_READINGS,
        drain: false,
        drainTimeoutMs: 0,
      },
      'recorded',
    );
    const offlineRate = offline.readings / (offline.intakeMs / 1000);

    tick(`edge: backlog, link back, draining ${offline.held} records`);
    const cpu = cpuWindow(processesOf(runner));
    const t0 = performance.now();
    for (const p of proxies) p.refuse(false);
    const drained = await runner.run(
      { type: 'drain', timeoutMs: drainTimeout(size.backlogReadings) },
      'drained',
    );
    const seconds = (performance.now() - t0) / 1000;
    const used = cpu.stop();
    const rate = offline.held / seconds;
    const afterFirst =
      drained.firstCommitMs !== undefined
        ? offline.held / ((drained.ms - drained.firstCommitMs) / 1000)
        : Number.NaN;
    const sustainedRate = sustained.get(size.backlogBatchSize);
    return [
      {
        experiment: `backlog: intake while offline (Org2 peer behind the fault proxy, refusing), batch ${size.backlogBatchSize}`,
        readings: offline.readings,
        'held (buffered)': offline.held,
        'committed while offline': offline.readings - offline.held,
        'offline intake readings/s': Math.round(offlineRate),
        'ack p50 ms': round1(offline.ackP50Ms),
        'ack p99 ms': round1(offline.ackP99Ms),
        'forwarder online': offline.online ? 'yes' : 'no',
        'target readings/s': INTAKE_TARGET,
        'target met': yesNo(offlineRate >= INTAKE_TARGET),
      },
      {
        experiment: `backlog drain: link back (proxy accepting) → buffer drained, ${offline.held} records, batch ${size.backlogBatchSize}`,
        committed: drained.committedReadings,
        seconds: round1(seconds),
        'drain readings/s': Math.round(rate),
        'link back → first commit ms': Math.round(drained.firstCommitMs ?? Number.NaN),
        'readings/s after first commit': Math.round(afterFirst),
        [`sustained readings/s (batch ${size.backlogBatchSize})`]: sustainedRate ?? '–',
        ...commitColumns(drained, seconds),
        'edge peak RSS MiB': Math.round(peakRssMiB(runner.pid) ?? Number.NaN),
        'cores busy': coresColumn(used),
        'target readings/s (the sustained target)': SUSTAINED_TARGET,
        'target met': yesNo(drained.held === 0 && rate >= SUSTAINED_TARGET),
      },
    ];
  } finally {
    await runner?.stop();
    await Promise.all(proxies.map((p) => p.close()));
    rmSync(file, { force: true });
  }
}
