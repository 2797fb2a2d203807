// The seed's benchmark matrix (D3.1 section 5.1, Table 3; issue "benchmark suite"), for the edge client
// against the devnet: a synthetic IoT workload (readings of each device under keys of their own, device +
// sequence; a configurable share of reads of random committed readings), varied one factor at a time
// around a baseline: edge processes (1, then one per core, sharing one device identity), endorsers (1, 2,
// 3), concurrent devices (1-4, each its own identity and edge process), BatchTimeout, MaxMessageCount, the
// read share; plus the commit latency at half the baseline's peak load.
//
// Processes: the devnet of each world (a devnet configuration) runs in a process of its own
// (devnet-host.ts) with its two chaincode servers as its children; the API runs in this process only to
// set the world up (an accepted order, a shipment, devices provisioned and enrolled the seed's way) and is
// closed before anything is measured; each edge process is an edge-runner.ts. Per cell: committed
// transactions and readings per second over a measured window, transaction latency (proposal formed →
// commit event seen) with its breakdown into stages (seed Figure 19) from the forwarder's 'stage' events,
// CPU (cores busy, from /proc/<pid>/stat over the window) and peak memory (VmHWM, reset at the start of
// the cell) of every process.
import type { ChildProcess } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ApiServer } from '../../api/src/server';
import { DEVNET_NODE_OPTIONS } from '../../network/devnet/src/config';
import type { Devnet } from '../../network/devnet/src/devnet';
import { CHAINCODE, newApiDir, startApi } from '../e2e/api-helpers';
import { provisionEdge, removeDir, setUpShipment, type EdgeWorld } from '../e2e/edge-helpers';
import type { Row } from './devnet.bench';
import type { DevnetHostCommand, DevnetHostReport } from './devnet-host';
import { forkHelper, nextMessage, stopChild } from './api.bench';
import type { EdgeRunnerReport, WorkloadResult } from './edge-runner';
import { forkEdgeRunner, type EdgeRunnerProcess } from './edge-runner-process';
import { LATENCY_STAGES, childProcesses, cpuWindow, peakRssMiB, summarise } from './stats';
import { REPO_ROOT } from '../support/repo-root';

/** The project's chaincode package (its dist/ built by `tsc -p chaincode/tsconfig.json`), found from here. */
const CHAINCODE_PATH = path.join(REPO_ROOT, 'chaincode');

export interface MatrixSize {
  /** Per cell: recording before the measured window, and the window. */
  readonly warmupMs: number;
  readonly measureMs: number;
  /** Edge processes of one device (the baseline is the first). */
  readonly processes: readonly number[];
  readonly endorsers: readonly (1 | 2 | 3)[];
  readonly devices: readonly number[];
  readonly batchTimeoutsMs: readonly number[];
  readonly maxMessageCounts: readonly number[];
  /** Share of operations that are reads (0 = writes only). */
  readonly readRatios: readonly number[];
  /** Readings per transaction. */
  readonly readingsPerTx: readonly number[];
  /** A cell offered half the baseline's committed rate, open loop. */
  readonly halfLoad: boolean;
}

export interface MatrixOptions {
  /** Run the devnet and the edge processes with `--cpu-prof` and write their profiles here. */
  readonly cpuProfDir?: string;
}

/** The baseline; every other cell changes exactly one of these. */
export const BASELINE = {
  processes: 1,
  endorsers: 1 as 1 | 2 | 3,
  devices: 1,
  batchTimeoutMs: 20,
  maxMessageCount: 500,
  readRatio: 0,
  readingsPerTx: 1,
};
type Settings = typeof BASELINE;

/** Endorsement policies giving 1, 2 and 3 endorsements (the device is Org2's; its gateway is Org2 peer0). */
export const POLICIES: Record<1 | 2 | 3, string> = {
  1: "OR('Org1MSP.peer','Org2MSP.peer')",
  2: "AND('Org1MSP.peer','Org2MSP.peer')",
  // Two distinct Org1 peers (Fabric counts each signer once) and Org2's.
  3: "AND('Org1MSP.peer','Org1MSP.peer','Org2MSP.peer')",
};

/** The targets, in committed transactions per second from one edge process. */
export const TARGET_TPS: Record<1 | 2 | 3, number> = { 1: 1000, 2: 750, 3: 600 };

/** Held records at most in the closed-loop cells: enough to keep the forwarder's 8 + 64 transactions busy. */
const backlogFor = (readingsPerTx: number) => Math.max(200, readingsPerTx * 80);
const READ_CONCURRENCY = 4;
const LINGER_MS = 20;
const CHECKPOINT_READINGS = 10;

interface Cell {
  readonly factor: string;
  readonly settings: Settings;
  /** The setting this cell changes from the baseline (none for the baseline and half load). */
  readonly varied?: keyof Settings;
  /** Offered readings/s (open loop), as a share of the baseline's committed readings/s. */
  readonly loadShare?: number;
}

interface WorldSpec {
  readonly endorsers: 1 | 2 | 3;
  readonly batchTimeoutMs: number;
  readonly maxMessageCount: number;
}

const worldKey = (s: WorldSpec) => `${s.endorsers}/${s.batchTimeoutMs}/${s.maxMessageCount}`;

/** The cells, grouped by the devnet configuration they need, baseline first. */
export function matrixPlan(size: MatrixSize): { world: WorldSpec; cells: Cell[] }[] {
  const cells: Cell[] = [{ factor: 'baseline', settings: BASELINE }];
  if (size.halfLoad) cells.push({ factor: 'half load', settings: BASELINE, loadShare: 0.5 });
  const vary = <K extends keyof Settings>(factor: string, key: K, values: readonly Settings[K][]) => {
    for (const v of values)
      if (v !== BASELINE[key]) cells.push({ factor, settings: { ...BASELINE, [key]: v }, varied: key });
  };
  vary('processes', 'processes', size.processes);
  vary('devices', 'devices', size.devices);
  vary('read share', 'readRatio', size.readRatios);
  vary('readings per transaction', 'readingsPerTx', size.readingsPerTx);
  vary('endorsers', 'endorsers', size.endorsers);
  vary('BatchTimeout', 'batchTimeoutMs', size.batchTimeoutsMs);
  vary('MaxMessageCount', 'maxMessageCount', size.maxMessageCounts);
  const worlds = new Map<string, { world: WorldSpec; cells: Cell[] }>();
  for (const c of cells) {
    const world = {
      endorsers: c.settings.endorsers,
      batchTimeoutMs: c.settings.batchTimeoutMs,
      maxMessageCount: c.settings.maxMessageCount,
    };
    const key = worldKey(world);
    const entry = worlds.get(key) ?? { world, cells: [] };
    entry.cells.push(c);
    worlds.set(key, entry);
  }
  return [...worlds.values()];
}

export function matrixSteps(size: MatrixSize): number {
  const plan = matrixPlan(size);
  return plan.length + plan.reduce((n, w) => n + w.cells.length, 0);
}

// ---------------------------------------------------------------------------------------------------------
// Child processes

/** Resets a process's peak resident memory (VmHWM) to its current size (Linux ≥ 4.0; ignored elsewhere). */
function resetPeak(pid: number): void {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
  } catch {
    // not Linux, or not allowed: the peak then covers the process's whole life
  }
}

const profArgs = (dir: string | undefined, name: string): string[] =>
  dir ? ['--cpu-prof', '--cpu-prof-dir', dir, '--cpu-prof-name', `${name}-${Date.now()}.cpuprofile`] : [];

// ---------------------------------------------------------------------------------------------------------
// Worlds: a devnet process, and devices provisioned through a short-lived API

interface Device {
  readonly config: Record<string, unknown> & { dataDir: string };
  readonly dataDir: string;
}

interface World {
  readonly spec: WorldSpec;
  readonly host: ChildProcess;
  readonly hostPid: number;
  readonly devices: readonly Device[];
  readonly startMs: number;
  height(): Promise<number>;
  close(): Promise<void>;
}

async function startWorld(spec: WorldSpec, deviceCount: number, options: MatrixOptions): Promise<World> {
  const t0 = performance.now();
  const host = forkHelper('devnet-host.js', [
    ...DEVNET_NODE_OPTIONS,
    ...profArgs(options.cpuProfDir, 'devnet'),
  ]);
  const cleanups: (() => Promise<void>)[] = [
    () => stopChild(host, { type: 'stop' } satisfies DevnetHostCommand, 20_000),
  ];
  const cleanup = async () => {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
  };
  try {
    await nextMessage<DevnetHostReport>(host, (m) => m.type === 'loaded');
    const readyMsg = nextMessage<DevnetHostReport>(host, (m) => m.type === 'ready');
    host.send({
      type: 'start',
      chaincodePath: CHAINCODE_PATH,
      chaincodeName: CHAINCODE.name,
      endorsementPolicy: POLICIES[spec.endorsers],
      batchTimeoutMs: spec.batchTimeoutMs,
      maxMessageCount: spec.maxMessageCount,
    } satisfies DevnetHostCommand);
    const ready = (await readyMsg) as Extract<DevnetHostReport, { type: 'ready' }>;
    // startApi reads the profile from the data directory and the CA bootstrap admins: all it needs.
    const devnetView = { dataDir: ready.dataDir, cas: ready.cas } as unknown as Devnet;
    const apiDir = newApiDir();
    const api: ApiServer = await startApi(devnetView, apiDir.dataDir, apiDir.secret);
    let apiOpen = true;
    cleanups.push(async () => {
      if (apiOpen) await api.close();
      await removeDir(apiDir.dataDir);
    });
    const shipmentId = 'ship-matrix';
    const { buyer, supplier, supplierAdmin } = await setUpShipment(api, shipmentId);
    const world = {
      devnet: devnetView,
      api,
      supplierAdmin,
      buyer,
      supplier,
      shipmentId,
      profilePath: path.join(ready.dataDir, 'network.json'),
      close: () => Promise.resolve(),
    } satisfies EdgeWorld;
    const devices: Device[] = [];
    for (let i = 0; i < deviceCount; i++) {
      const { config, dataDir } = await provisionEdge(world, `matrix-dev-${i + 1}`, { logLevel: 'silent' });
      cleanups.push(() => removeDir(dataDir));
      devices.push({ config: config, dataDir });
    }
    // Nothing of the API runs while cells are measured.
    await api.close();
    apiOpen = false;
    return {
      spec,
      host,
      hostPid: host.pid ?? 0,
      devices,
      startMs: performance.now() - t0,
      height: async () => {
        const answer = nextMessage<DevnetHostReport>(host, (m) => m.type === 'height');
        host.send({ type: 'height' } satisfies DevnetHostCommand);
        return ((await answer) as Extract<DevnetHostReport, { type: 'height' }>).height;
      },
      close: cleanup,
    };
  } catch (err) {
    await cleanup();
    throw err;
  }
}

// ---------------------------------------------------------------------------------------------------------
// Edge processes

const debug = (msg: string): void => {
  if (process.env.MATRIX_DEBUG) process.stderr.write(`[matrix ${new Date().toISOString()}] ${msg}\n`);
};

/** Edge processes running now, so that a stalled cell can be ended. */
const live = new Set<ChildProcess>();

interface Runner extends EdgeRunnerProcess {
  readonly label: string;
  readonly dataDir: string;
}

async function startRunner(
  device: Device,
  label: string,
  settings: Settings,
  sequenceBase: number,
  options: MatrixOptions,
): Promise<Runner> {
  // A buffer of its own, with the device's key and certificate.
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'edge-matrix-'));
  cpSync(path.join(device.dataDir, 'msp'), path.join(dataDir, 'msp'), { recursive: true });
  const config = {
    ...device.config,
    dataDir,
    batch: { size: settings.readingsPerTx, lingerMs: LINGER_MS },
  };
  const edge = await forkEdgeRunner(profArgs(options.cpuProfDir, `edge-${label.replace(/\W+/g, '')}`));
  live.add(edge.child);
  edge.child.once('exit', () => live.delete(edge.child));
  const runner: Runner = {
    ...edge,
    label,
    dataDir,
    stop: async () => {
      await edge.stop(20_000);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  try {
    await runner.run({ type: 'start', config, sequenceBase }, 'started');
    // The first transaction waits for CommitStatus and sets the commit checkpoint; not measured.
    await runner.run(
      {
        type: 'record',
        readings: CHECKPOINT_READINGS,
        outstanding: CHECKPOINT_READINGS,
        firstIndex: 0,
        drain: true,
        drainTimeoutMs: 60_000,
      },
      'recorded',
    );
  } catch (err) {
    await runner.stop();
    throw err;
  }
  return runner;
}

// ---------------------------------------------------------------------------------------------------------
// Cells

interface ProcessFigures {
  readonly label: string;
  readonly cores: number;
  readonly peakMiB: number;
}

let cellCounter = 0;

async function runCell(
  world: World,
  cell: Cell,
  size: MatrixSize,
  baseline: Row | undefined,
  options: MatrixOptions,
): Promise<Row> {
  const s = cell.settings;
  const cellNo = ++cellCounter;
  const runners: Runner[] = [];
  if (cell.loadShare !== undefined && !baseline) throw new Error('no baseline figure to take a share of');
  const ratePerSec =
    cell.loadShare !== undefined && baseline
      ? Math.max(1, (baseline['readings/s'] as number) * cell.loadShare)
      : undefined;
  try {
    const starts: Promise<Runner>[] = [];
    for (let d = 0; d < s.devices; d++)
      for (let p = 0; p < s.processes; p++) {
        const device = world.devices[d];
        if (!device) throw new Error(`world has ${world.devices.length} devices, cell needs ${s.devices}`);
        const n = d * s.processes + p;
        // Sequence ranges of their own per cell and process: readings never collide on a key.
        const base = cellNo * 100_000_000 + n * 10_000_000 + 1;
        const label = s.devices > 1 ? `edge d${d + 1}` : s.processes > 1 ? `edge p${p + 1}` : 'edge';
        starts.push(startRunner(device, label, s, base, options));
      }
    const settled = await Promise.allSettled(starts);
    debug('runners started');
    for (const r of settled) if (r.status === 'fulfilled') runners.push(r.value);
    const failedStart = settled.find((r) => r.status === 'rejected');
    if (failedStart) throw failedStart.reason;

    const chaincodes = childProcesses(world.hostPid).map((c, i) => ({
      label: `chaincode ${i + 1}`,
      pid: c.pid,
    }));
    const processes = [
      { label: 'devnet', pid: world.hostPid },
      ...chaincodes,
      ...runners.map((r) => ({ label: r.label, pid: r.pid })),
    ];
    for (const p of processes) resetPeak(p.pid);

    const [first] = runners;
    if (!first) throw new Error('no edge process');
    const windowStart = nextMessage<EdgeRunnerReport>(
      first.child,
      (m) => m.type === 'window' && m.phase === 'start',
    );
    const windowEnd = nextMessage<EdgeRunnerReport>(
      first.child,
      (m) => m.type === 'window' && m.phase === 'end',
    );
    const results = Promise.all(
      runners.map((r) =>
        r.run(
          {
            type: 'workload',
            warmupMs: size.warmupMs,
            measureMs: size.measureMs,
            ...(ratePerSec !== undefined ? { ratePerSec: ratePerSec / runners.length } : {}),
            backlog: backlogFor(s.readingsPerTx),
            readRatio: s.readRatio,
            readConcurrency: READ_CONCURRENCY,
            firstIndex: 1_000,
            drainTimeoutMs: 180_000,
          },
          'workload',
        ),
      ),
    );
    results.catch(() => undefined);
    await windowStart;
    debug('window started');
    const h0 = await world.height();
    debug('h0');
    const cpu = cpuWindow(processes);
    await windowEnd;
    debug('window ended');
    const used = cpu.stop();
    const h1 = await world.height();
    debug('h1');
    const figures: ProcessFigures[] = processes.map((p) => ({
      label: p.label,
      cores: used[p.label]?.cores ?? Number.NaN,
      peakMiB: peakRssMiB(p.pid) ?? Number.NaN,
    }));
    const out = await results;
    debug('results');
    return cellRow(cell, world, out, figures, h1 - h0, size, baseline, ratePerSec);
  } finally {
    await Promise.all(runners.map((r) => r.stop()));
    debug('runners stopped');
  }
}

const r1 = (n: number) => Math.round(n * 10) / 10;
const r2 = (n: number) => Math.round(n * 100) / 100;
const yesNo = (met: boolean) => (met ? 'yes' : 'no');

function cellName(cell: Cell, ratePerSec: number | undefined): string {
  const s = cell.settings;
  switch (cell.factor) {
    case 'baseline':
      return 'baseline';
    case 'half load':
      return `half load (${Math.round(ratePerSec ?? 0)} readings/s offered)`;
    case 'processes':
      return `${s.processes} edge processes, one device`;
    case 'devices':
      return `${s.devices} devices`;
    case 'read share':
      return `${Math.round(s.readRatio * 100)}% reads`;
    case 'readings per transaction':
      return `${s.readingsPerTx} readings per transaction`;
    case 'endorsers':
      return `${s.endorsers} endorsers`;
    case 'BatchTimeout':
      return `BatchTimeout ${s.batchTimeoutMs} ms`;
    default:
      return `MaxMessageCount ${s.maxMessageCount}`;
  }
}

function cellRow(
  cell: Cell,
  world: World,
  results: readonly WorkloadResult[],
  processes: readonly ProcessFigures[],
  blocks: number,
  size: MatrixSize,
  baseline: Row | undefined,
  ratePerSec: number | undefined,
): Row {
  const s = cell.settings;
  const seconds = size.measureMs / 1000;
  const sum = (f: (r: WorkloadResult) => number) => results.reduce((a, r) => a + f(r), 0);
  const transactions = sum((r) => r.transactions);
  const readings = sum((r) => r.readings);
  const latency = summarise(results.flatMap((r) => r.latencySamples));
  const readingSamples = results.every((r) => r.readingLatencySamples)
    ? results.flatMap((r) => r.readingLatencySamples ?? [])
    : undefined;
  const readingLatency = readingSamples ? summarise(readingSamples) : undefined;
  const reads = summarise(results.flatMap((r) => r.readLatencySamples));
  const readsFailed = sum((r) => r.reads.failed);
  // Stage means pooled over processes (weighted by their transactions), so they add up to the mean.
  const stageMean = (stage: (typeof LATENCY_STAGES)[number]) => {
    const n = sum((r) => r.stages[stage].n);
    return n === 0 ? Number.NaN : sum((r) => r.stages[stage].mean * r.stages[stage].n) / n;
  };
  const tps = transactions / seconds;
  const group = (prefix: string) => processes.filter((p) => p.label.startsWith(prefix));
  const cores = (prefix: string) => group(prefix).reduce((a, p) => a + p.cores, 0);
  const peak = (prefix: string) => Math.max(...group(prefix).map((p) => p.peakMiB));
  const endorsers = [...new Set(results.flatMap((r) => r.endorsers))];
  const row: Record<string, string | number> = {
    experiment: `matrix: ${cellName(cell, ratePerSec)}`,
    factor: cell.factor,
    level: cell.varied ? cell.settings[cell.varied] : 0,
    'edge processes': s.processes * s.devices,
    devices: s.devices,
    endorsers: s.endorsers,
    'BatchTimeout ms': s.batchTimeoutMs,
    MaxMessageCount: s.maxMessageCount,
    'read %': Math.round(s.readRatio * 100),
    'readings/tx': s.readingsPerTx,
    committed: transactions,
    'committed tps': r1(tps),
    'readings/s': r1(readings / seconds),
    'tx/block': r1(transactions / Math.max(1, blocks)),
    'p50 ms': r1(latency.p50),
    'p95 ms': r1(latency.p95),
    'p99 ms': r1(latency.p99),
    'mean ms': r1(latency.mean),
  };
  for (const stage of LATENCY_STAGES) row[`stage ${stage} ms`] = r2(stageMean(stage));
  // Record → commit is only meaningful offered below saturation (otherwise it is the backlog's queue).
  if (readingLatency && ratePerSec !== undefined) {
    row['reading p50 ms'] = r1(readingLatency.p50);
    row['reading p99 ms'] = r1(readingLatency.p99);
  }
  if (s.readRatio > 0) {
    row['reads/s'] = r1(reads.n / seconds);
    row['read p50 ms'] = r1(reads.p50);
    row['read p99 ms'] = r1(reads.p99);
    row['reads failed'] = readsFailed;
  }
  if (ratePerSec !== undefined) row['offered readings/s'] = r1(ratePerSec);
  row['endorsed by'] = endorsers.join(' + ') || '?';
  row['endorsements/tx'] = results[0]?.endorsers.length ?? 0;
  row['cores devnet'] = r2(cores('devnet'));
  row['cores chaincode'] = r2(cores('chaincode'));
  row['cores edge'] = r2(cores('edge'));
  row['cores total'] = r2(processes.reduce((a, p) => a + p.cores, 0));
  row['peak MiB devnet'] = Math.round(peak('devnet'));
  row['peak MiB chaincode'] = Math.round(peak('chaincode'));
  row['peak MiB edge'] = Math.round(peak('edge'));
  row['per process'] = processes
    .map((p) => `${p.label} ${p.cores.toFixed(2)} cores ${Math.round(p.peakMiB)} MiB`)
    .join('; ');
  row['rejected'] = sum((r) => r.rejected);
  row['world start s'] = r1(world.startMs / 1000);
  // Targets: committed tps from one edge process per endorser count, and the half-load latency.
  if (s.processes === 1 && s.devices === 1 && s.readRatio === 0 && s.readingsPerTx === 1 && !cell.loadShare) {
    const base =
      s.batchTimeoutMs === BASELINE.batchTimeoutMs && s.maxMessageCount === BASELINE.maxMessageCount;
    if (base) {
      const target = TARGET_TPS[s.endorsers];
      row['target committed tps'] = target;
      if (s.endorsers > 1 && baseline) {
        row['vs 1 endorser'] = `${Math.round((tps / (baseline['committed tps'] as number)) * 100)}%`;
      }
      row['target met'] = yesNo(tps >= target);
    }
  }
  if (cell.loadShare !== undefined) {
    const target = 2 * s.batchTimeoutMs + 20;
    row['target p50 ms'] = target;
    row['target met'] = yesNo(latency.p50 <= target);
  }
  return row as Row;
}

/** A cell that takes longer than its window plus this has stalled: its row says so, and the matrix goes on. */
const CELL_DEADLINE_MS = 240_000;

async function withDeadline<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      // The cell's own processes (by their ids): its awaits then fail and it cleans up.
      for (const child of live) child.kill('SIGKILL');
      reject(new Error(`${what} did not finish within ${Math.round(ms / 1000)} s`));
    }, ms);
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

export async function matrixBenchmarks(
  size: MatrixSize,
  tick: (label: string) => void,
  options: MatrixOptions = {},
): Promise<Row[]> {
  if (options.cpuProfDir) mkdirSync(options.cpuProfDir, { recursive: true });
  const rows: Row[] = [];
  let baseline: Row | undefined;
  for (const { world: spec, cells } of matrixPlan(size)) {
    const deviceCount = Math.max(...cells.map((c) => c.settings.devices));
    tick(
      `matrix: devnet with ${spec.endorsers} endorser(s), BatchTimeout ${spec.batchTimeoutMs} ms, MaxMessageCount ${spec.maxMessageCount}; ${deviceCount} device(s)`,
    );
    const world = await startWorld(spec, deviceCount, options);
    try {
      for (const cell of cells) {
        tick(`matrix: ${cellName(cell, undefined)}`);
        try {
          const row = await withDeadline(
            runCell(world, cell, size, baseline, options),
            CELL_DEADLINE_MS + size.warmupMs + size.measureMs,
            `cell '${cellName(cell, undefined)}'`,
          );
          if (cell.factor === 'baseline') baseline = row;
          rows.push(row);
        } catch (err) {
          process.stderr.write(`matrix cell ${cell.factor} failed: ${(err as Error).stack ?? String(err)}\n`);
          rows.push({
            experiment: `matrix: ${cellName(cell, undefined)}`,
            factor: cell.factor,
            status: `FAILED: ${(err as Error).message.split('\n')[0] ?? ''}`,
          });
        }
      }
    } finally {
      await world.close();
    }
  }
  return rows;
}
