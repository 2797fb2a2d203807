// The GraphQL API's benchmarks (issue "GraphQL API"): readings recorded through mutations, subscription
// fan-out, and the dashboard's read-model query. Processes: the devnet (peers, orderer, ledger, CAs) runs
// in this process, as in devnet.bench.ts, with its chaincode servers as its children; the API runs in its
// own process (api-server.ts); every load generator and subscriber runs in a process of its own
// (api-load-client.ts, api-subscriber.ts). The CPU of each process is read from /proc over each run.
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startDevnet } from '../../network/devnet/src/devnet';
import {
  AcceptOfferDocument,
  BindDeviceDocument,
  CreateOfferDocument,
  CreateShipmentDocument,
  CreateUserDocument,
  RecordReadingsDocument,
  RegisterDeviceDocument,
  ShipmentWithReadingsDocument,
  type UserRole,
} from '../../schema/generated/operations';
import { bodyOf, gql, keepAliveAgent, postGraphQL, reading } from './api-http';
import type { LoadJob, LoadResult } from './api-load-client';
import type { ApiServerJob, ApiServerReady } from './api-server';
import type { SubscriberCommand, SubscriberJob, SubscriberReport } from './api-subscriber';
import type { Row } from './devnet.bench';
import { REPO_ROOT } from '../support/repo-root';
import { childProcesses, cpuWindow, peakRssMiB, percentile, rssMiB } from './stats';

export interface ApiBenchSize {
  /** Readings through mutations: batch size (1 = recordReading), mutations, mutations in flight. */
  readonly loads: readonly { batchSize: number; mutations: number; concurrency: number }[];
  readonly subscribers: number;
  readonly subscriberProcesses: number;
  /** Reading batches recorded while the subscribers listen, how many readings each, and their pacing. */
  readonly fanoutBatches: number;
  readonly fanoutBatchReadings: number;
  readonly fanoutIntervalMs: number;
  readonly dashboardReadings: number;
  readonly dashboardQueries: number;
}

export interface ApiBenchOptions {
  /** Run the API process with `--cpu-prof` and write its profile here. */
  readonly cpuProfDir?: string;
  /** Extra Node options for the API process (e.g. GC settings, to try them). */
  readonly apiExecArgv?: readonly string[];
}

export function apiSteps(size: ApiBenchSize): number {
  const { fanoutOnly } = envOverrides();
  return fanoutOnly ? 1 + 2 : 1 + size.loads.length + 2 + 2;
}

/**
 * Environment overrides for trying the fan-out alone: `API_BENCH_ONLY=fanout` skips the readings and
 * dashboard experiments; `API_BENCH_SUBSCRIBERS`, `API_BENCH_SUBSCRIBER_PROCESSES` and
 * `API_BENCH_FANOUT_BATCHES` change its size; `API_BENCH_EXEC_ARGV` (space-separated) adds Node options to
 * the API process (e.g. `--max-semi-space-size=32`).
 */
function envOverrides(): {
  fanoutOnly: boolean;
  size: Partial<ApiBenchSize>;
  apiExecArgv: string[];
} {
  const only = process.env.API_BENCH_ONLY;
  if (only !== undefined && only !== '' && only !== 'fanout') {
    throw new Error(`API_BENCH_ONLY: only 'fanout' is known, got '${only}'`);
  }
  const int = (name: string): number | undefined => {
    const text = process.env[name];
    if (text === undefined || text === '') return undefined;
    const n = Number(text);
    if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive integer, got '${text}'`);
    return n;
  };
  const subscribers = int('API_BENCH_SUBSCRIBERS');
  const subscriberProcesses = int('API_BENCH_SUBSCRIBER_PROCESSES');
  const fanoutBatches = int('API_BENCH_FANOUT_BATCHES');
  return {
    fanoutOnly: only === 'fanout',
    size: {
      ...(subscribers ? { subscribers } : {}),
      ...(subscriberProcesses ? { subscriberProcesses } : {}),
      ...(fanoutBatches ? { fanoutBatches } : {}),
    },
    apiExecArgv: (process.env.API_BENCH_EXEC_ARGV ?? '').split(' ').filter((a) => a !== ''),
  };
}

const CHAINCODE = 'manusquare';
const DEVICE = 'dev-1';
const SHIPMENTS = { load: 'ship-load', fanout: 'ship-fanout', dashboard: 'ship-dashboard' } as const;
const now = (): number => performance.timeOrigin + performance.now();

interface ApiProcess extends ApiServerReady {
  readonly pid: number;
  stop(): Promise<void>;
}

/** Forks a benchmark helper and waits for its first message (it is loaded and listening for jobs). */
export function forkHelper(file: string, execArgv: readonly string[] = []): ChildProcess {
  return fork(path.join(__dirname, file), [], { stdio: 'inherit', execArgv: [...execArgv] });
}

/** The next message of a child that satisfies `accept`; rejects on an `error` message or an exit. */
export function nextMessage<T>(child: ChildProcess, accept: (msg: T) => boolean): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (msg: T | { error: string; type?: string }) => {
      if (msg && typeof msg === 'object' && 'error' in msg && typeof msg.error === 'string') {
        cleanup();
        reject(new Error(msg.error));
      } else if (accept(msg as T)) {
        cleanup();
        resolve(msg as T);
      }
    };
    const onExit = (code: number | null) => {
      cleanup();
      reject(new Error(`${child.spawnargs.join(' ')} exited with ${code}`));
    };
    const cleanup = () => {
      child.off('message', onMessage);
      child.off('exit', onExit);
    };
    child.on('message', onMessage);
    child.on('exit', onExit);
  });
}

/** Asks a helper to stop (or sends SIGTERM when its channel is gone); SIGKILL after `graceMs`. */
export function stopChild(child: ChildProcess, message: unknown, graceMs = 15_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    if (child.connected) child.send(message as never);
    else child.kill('SIGTERM');
  });
}

async function startApiProcess(job: ApiServerJob, options: ApiBenchOptions): Promise<ApiProcess> {
  const child = forkHelper('api-server.js', [
    ...(options.apiExecArgv ?? []),
    ...(options.cpuProfDir ? ['--cpu-prof', '--cpu-prof-dir', options.cpuProfDir] : []),
  ]);
  const ready = nextMessage<ApiServerReady>(child, (m) => typeof m === 'object' && 'url' in m);
  child.send(job);
  const info = await ready;
  return { ...info, pid: child.pid ?? 0, stop: () => stopChild(child, 'stop') };
}

async function runLoad(job: LoadJob): Promise<{ result: LoadResult; child: ChildProcess }> {
  const child = forkHelper('api-load-client.js');
  const done = nextMessage<LoadResult>(child, (m) => typeof m === 'object' && 'mutationsOk' in m);
  child.send(job);
  return { result: await done, child };
}

export function round1(n: number): number {
  return Math.round(n * 10) / 10;
}

function latencyColumns(samples: readonly number[]): Record<string, number> {
  return {
    'p50 ms': round1(percentile(samples, 50)),
    'p95 ms': round1(percentile(samples, 95)),
    'p99 ms': round1(percentile(samples, 99)),
  };
}

/** "devnet 0.95, chaincode 0.31, API 0.52, client 0.08": average cores busy per process group. */
export function coresColumn(cpu: Record<string, { cores: number }>): string {
  return Object.entries(cpu)
    .map(([label, { cores }]) => `${label} ${Number.isFinite(cores) ? cores.toFixed(2) : '?'}`)
    .join(', ');
}

export function chaincodeServers(exclude: readonly number[]): { label: string; pid: number }[] {
  return childProcesses(process.pid)
    .filter((p) => !exclude.includes(p.pid))
    .map((p) => ({ label: 'chaincode', pid: p.pid }));
}

interface Parties {
  readonly buyerKey: string;
  readonly sensorKey: string;
}

async function setUp(api: ApiProcess): Promise<Parties> {
  const adminOf = (mspId: string) => {
    const key = api.adminKeys.find((k) => k.label.startsWith(`${mspId}:`));
    if (!key) throw new Error(`no admin key for ${mspId}`);
    return key.apiKey;
  };
  const user = async (admin: string, enrollmentId: string, role: UserRole = 'user') =>
    (await gql(api.url, admin, CreateUserDocument, { input: { enrollmentId, role } })).createUser;
  const org1 = adminOf('Org1MSP');
  const org2 = adminOf('Org2MSP');
  const buyer = await user(org1, 'buyer');
  const supplier = await user(org2, 'supplier');
  const sensor = await user(org2, 'sensor-1');
  const ops = await user(org2, 'ops-admin', 'admin');
  await gql(api.url, buyer.apiKey, CreateOfferDocument, {
    input: {
      id: 'rfq-bench',
      item: 'Stainless Steel Cutting',
      price: '20',
      quantity: 200,
      currency: 'USD',
      conditions: [{ field: 'humidity', min: 0, max: 10 }],
      targetParty: supplier.partyId,
    },
  });
  await gql(api.url, supplier.apiKey, AcceptOfferDocument, { negotiationId: 'rfq-bench' });
  await gql(api.url, ops.apiKey, RegisterDeviceDocument, {
    input: { id: DEVICE, enrollmentId: 'sensor-1', kind: 'SENSOR' },
  });
  for (const id of Object.values(SHIPMENTS)) {
    await gql(api.url, supplier.apiKey, CreateShipmentDocument, {
      input: {
        id,
        orderId: 'rfq-bench',
        items: [`item-${id}`],
        origin: 'Lugano',
        destination: 'Milano',
        receiver: buyer.partyId,
        devices: [],
      },
    });
    await gql(api.url, ops.apiKey, BindDeviceDocument, { deviceId: DEVICE, shipmentId: id });
  }
  return { buyerKey: buyer.apiKey, sensorKey: sensor.apiKey };
}

export async function apiBenchmarks(
  baseSize: ApiBenchSize,
  tick: (label: string) => void,
  baseOptions: ApiBenchOptions = {},
): Promise<Row[]> {
  const overrides = envOverrides();
  const size: ApiBenchSize = { ...baseSize, ...overrides.size };
  const options: ApiBenchOptions = {
    ...baseOptions,
    apiExecArgv: [...(baseOptions.apiExecArgv ?? []), ...overrides.apiExecArgv],
  };
  const root = REPO_ROOT;
  const rows: Row[] = [];
  const devnetDir = mkdtempSync(path.join(os.tmpdir(), 'api-bench-devnet-'));
  const apiDir = mkdtempSync(path.join(os.tmpdir(), 'api-bench-api-'));
  tick('api: starting the devnet and the API, creating parties and shipments');
  // As test/e2e/api-helpers.ts: the project's chaincode under the channel's default policy (MAJORITY of
  // Org1 and Org2: both peers endorse), TLS on, the devnet's default block cutting (20 ms / 500 tx).
  const devnet = await startDevnet({
    dataDir: devnetDir,
    ports: 'random',
    chaincodes: [{ name: CHAINCODE, path: path.join(root, 'chaincode') }],
  });
  let api: ApiProcess | undefined;
  let sequence = 1;
  const take = (n: number) => {
    const first = sequence;
    sequence += n;
    return first;
  };
  try {
    await devnet.chaincodesReady();
    if (options.cpuProfDir) mkdirSync(options.cpuProfDir, { recursive: true });
    api = await startApiProcess(
      {
        profilePath: path.join(devnet.dataDir, 'network.json'),
        dataDir: apiDir,
        walletSecret: randomBytes(24).toString('base64url'),
        orgAdmins: devnet.cas.map((ca) => ({
          mspId: ca.mspId,
          enrollmentId: ca.bootstrap.enrollmentID,
          secret: ca.bootstrap.enrollmentSecret,
        })),
      },
      options,
    );
    const parties = await setUp(api);
    // Warm-up (not reported): the API's, the chaincode servers' and the devnet's JIT.
    await runLoad({
      url: api.url,
      apiKey: parties.sensorKey,
      shipmentId: SHIPMENTS.load,
      deviceId: DEVICE,
      batchSize: 50,
      mutations: 20,
      concurrency: 4,
      firstSequence: take(1000),
    });

    // 1. Readings through GraphQL mutations.
    for (const load of overrides.fanoutOnly ? [] : size.loads) {
      tick(
        `api: ${load.mutations} x ${load.batchSize === 1 ? 'recordReading' : `recordReadings(${load.batchSize})`}, ${load.concurrency} in flight`,
      );
      rows.push(await readingsThroughput(api, parties, load, take(load.batchSize * load.mutations)));
    }

    // 2. Subscription fan-out.
    rows.push(...(await fanOut(api, parties, size, devnet.dataDir, devnetUser(devnet), take, tick)));

    // 3. The dashboard's query over a shipment with many readings.
    if (!overrides.fanoutOnly) rows.push(await dashboard(api, parties, size, take, tick));
    const apiPeak = peakRssMiB(api.pid);
    rows.push({
      experiment: 'peak memory (VmHWM) over the api group',
      'devnet MiB': Math.round(peakRssMiB(process.pid) ?? Number.NaN),
      'API MiB': Math.round(apiPeak ?? Number.NaN),
    });
  } finally {
    await api?.stop();
    await devnet.stop();
    rmSync(devnetDir, { recursive: true, force: true });
    rmSync(apiDir, { recursive: true, force: true });
  }
  return rows;
}

function devnetUser(devnet: Awaited<ReturnType<typeof startDevnet>>): SubscriberJob['identity'] {
  const user = devnet.material.orgs.find((o) => o.mspId === 'Org1MSP')?.users.User1;
  if (!user) throw new Error('Org1 User1 missing from the crypto material');
  return { mspId: 'Org1MSP', certPem: user.certPem, keyPem: user.keyPem };
}

async function readingsThroughput(
  api: ApiProcess,
  parties: Parties,
  load: ApiBenchSize['loads'][number],
  firstSequence: number,
): Promise<Row> {
  const child = forkHelper('api-load-client.js');
  await nextMessage<{ ready?: boolean }>(child, (m) => m.ready === true);
  const processes = [
    { label: 'devnet', pid: process.pid },
    ...chaincodeServers([child.pid ?? 0, api.pid]),
    { label: 'API', pid: api.pid },
    { label: 'client', pid: child.pid ?? 0 },
  ];
  const cpu = cpuWindow(processes);
  const done = nextMessage<LoadResult>(child, (m) => typeof m === 'object' && 'mutationsOk' in m);
  const job: LoadJob = {
    url: api.url,
    apiKey: parties.sensorKey,
    shipmentId: SHIPMENTS.load,
    deviceId: DEVICE,
    batchSize: load.batchSize,
    mutations: load.mutations,
    concurrency: load.concurrency,
    firstSequence,
  };
  child.send(job);
  const result = await done;
  const used = cpu.stop();
  if (result.failed > 0)
    process.stderr.write(`  ${result.failed} mutations failed; first: ${result.firstError}\n`);
  const seconds = result.elapsedMs / 1000;
  return {
    experiment: `readings via ${load.batchSize === 1 ? 'recordReading (1 reading)' : `recordReadings (${load.batchSize} readings)`}, wait: true, over HTTP`,
    mutations: result.mutationsOk,
    failed: result.failed,
    'in flight': load.concurrency,
    'readings/s': Math.round(result.readingsCommitted / seconds),
    'mutations/s': round1(result.mutationsOk / seconds),
    ...latencyColumns(result.latenciesMs),
    'cores busy': coresColumn(used),
    'target readings/s': 800,
    'target met': result.readingsCommitted / seconds >= 800 ? 'yes' : 'no',
  };
}

async function fanOut(
  api: ApiProcess,
  parties: Parties,
  size: ApiBenchSize,
  devnetDir: string,
  identity: SubscriberJob['identity'],
  take: (n: number) => number,
  tick: (label: string) => void,
): Promise<Row[]> {
  tick(`api: fan-out: ${size.subscribers} graphql-ws subscribers in ${size.subscriberProcesses} processes`);
  const procs = Array.from({ length: size.subscriberProcesses }, () => forkHelper('api-subscriber.js'));
  const share = (i: number) =>
    Math.floor(size.subscribers / procs.length) + (i < size.subscribers % procs.length ? 1 : 0);
  const agent = keepAliveAgent(size.fanoutBatches);
  try {
    const connected = await Promise.all(
      procs.map((child, i) => {
        const msg = nextMessage<SubscriberReport>(child, (m) => m.type === 'connected');
        const cmd: SubscriberCommand = {
          type: 'start',
          job: {
            wsUrl: api.wsUrl,
            apiKey: parties.buyerKey,
            shipmentId: SHIPMENTS.fanout,
            subscribers: share(i),
            profilePath: path.join(devnetDir, 'network.json'),
            identity,
            chaincode: CHAINCODE,
          },
        };
        child.send(cmd);
        return msg as Promise<Extract<SubscriberReport, { type: 'connected' }>>;
      }),
    );
    const failedToConnect = connected.reduce((s, c) => s + c.failed, 0);
    const connectMs = Math.max(...connected.map((c) => c.ms));
    const record = async (key: number): Promise<void> => {
      const inputs = Array.from({ length: size.fanoutBatchReadings }, (_, k) =>
        reading(SHIPMENTS.fanout, DEVICE, key + k),
      );
      const answer = await postGraphQL<{ recordReadings: { transaction: { state: string } } }>(
        api.url,
        parties.sensorKey,
        bodyOf(RecordReadingsDocument, { inputs, options: { wait: true } }),
        agent,
      );
      if (answer.data?.recordReadings.transaction.state !== 'VALID') {
        throw new Error(`fan-out batch ${key}: ${JSON.stringify(answer.errors ?? answer.data)}`);
      }
    };
    const collect = (keys: number[], timeoutMs: number) =>
      Promise.all(
        procs.map((child) => {
          const msg = nextMessage<SubscriberReport>(child, (m) => m.type === 'received');
          child.send({ type: 'await', keys, timeoutMs } satisfies SubscriberCommand);
          return msg as Promise<Extract<SubscriberReport, { type: 'received' }>>;
        }),
      );
    // A priming event proves every subscription is live before the measured ones (not reported).
    const prime = take(size.fanoutBatchReadings);
    await record(prime);
    const primed = await collect([prime], 60_000);
    const primedCount = primed.reduce((s, r) => s + (r.events[0]?.receivedAt.length ?? 0), 0);

    tick(
      `api: fan-out: ${size.fanoutBatches} batches ${size.fanoutIntervalMs} ms apart to ${size.subscribers} subscribers`,
    );
    const processes = [
      { label: 'devnet', pid: process.pid },
      ...chaincodeServers([api.pid, ...procs.map((p) => p.pid ?? 0)]),
      { label: 'API', pid: api.pid },
      ...procs.map((p, i) => ({ label: `subscribers ${i + 1}`, pid: p.pid ?? 0 })),
    ];
    const cpu = cpuWindow(processes);
    const sentAt = new Map<number, number>();
    const keys: number[] = [];
    const sends: Promise<void>[] = [];
    const t0 = performance.now();
    for (let k = 0; k < size.fanoutBatches; k++) {
      const wait = t0 + k * size.fanoutIntervalMs - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const key = take(size.fanoutBatchReadings);
      keys.push(key);
      sentAt.set(key, now());
      sends.push(record(key));
    }
    await Promise.all(sends);
    const reports = await collect(keys, 60_000);
    const used = cpu.stop();
    const apiRss = rssMiB(api.pid);

    const commitToClient: number[] = [];
    const sentToClient: number[] = [];
    const sentToCommit: number[] = [];
    let delivered = 0;
    let commitsNotSeen = 0;
    for (const report of reports) {
      for (const event of report.events) {
        delivered += event.receivedAt.length;
        const sent = sentAt.get(event.key) ?? Number.NaN;
        if (event.fabricSeenAt === null) commitsNotSeen++;
        else sentToCommit.push(event.fabricSeenAt - sent);
        for (const t of event.receivedAt) {
          if (event.fabricSeenAt !== null) commitToClient.push(t - event.fabricSeenAt);
          sentToClient.push(t - sent);
        }
      }
    }
    const expected = size.subscribers * size.fanoutBatches;
    const duplicates = reports.reduce((s, r) => s + r.duplicates, 0);
    const errors = reports.reduce((s, r) => s + r.errors + r.closedEarly, 0);
    const firstError = reports.find((r) => r.firstError)?.firstError;
    if (firstError) process.stderr.write(`  subscriber error: ${firstError}\n`);
    const complete = delivered === expected && duplicates === 0 && errors === 0 && failedToConnect === 0;
    return [
      {
        experiment: `subscription fan-out: ${size.subscribers} graphql-ws subscribers (${size.subscriberProcesses} processes), ${size.fanoutBatches} batches of ${size.fanoutBatchReadings} readings ${size.fanoutIntervalMs} ms apart; commit seen by a Fabric listener → subscriber`,
        status: complete ? 'complete' : 'FAILED: events missing or repeated',
        delivered,
        expected,
        duplicates,
        errors,
        ...latencyColumns(commitToClient),
        'max ms': round1(Math.max(...commitToClient)),
        'API RSS MiB': Math.round(apiRss ?? Number.NaN),
        // Everything the API did in the window (the mutations too, a small part) over the deliveries.
        'API CPU µs/delivery': round1(((used['API']?.cpuS ?? Number.NaN) * 1e6) / delivered),
        'load average (1 min) at the end': round1(os.loadavg()[0] ?? Number.NaN),
        'cores busy': coresColumn(used),
        'target p99 ms': 250,
        'target met': complete && percentile(commitToClient, 99) <= 250 ? 'yes' : 'no',
      },
      {
        experiment: '  same events: mutation sent → subscriber (context)',
        ...latencyColumns(sentToClient),
        'max ms': round1(Math.max(...sentToClient)),
        'sent → Fabric listener p50 ms': round1(percentile(sentToCommit, 50)),
        'commits not seen by the listener': commitsNotSeen,
        'connect ms': Math.round(connectMs),
        'failed to connect': failedToConnect,
        'primed (subscriptions live before measuring)': `${primedCount}/${size.subscribers}`,
        'subscriber RSS MiB (max of processes)': Math.round(Math.max(...reports.map((r) => r.rssMiB))),
      },
    ];
  } finally {
    agent.destroy();
    await Promise.all(procs.map((p) => stopChild(p, { type: 'stop' } satisfies SubscriberCommand)));
  }
}

async function dashboard(
  api: ApiProcess,
  parties: Parties,
  size: ApiBenchSize,
  take: (n: number) => number,
  tick: (label: string) => void,
): Promise<Row> {
  tick(`api: dashboard: recording ${size.dashboardReadings} readings in batches of 500`);
  const batches = Math.ceil(size.dashboardReadings / 500);
  const { result: setupLoad } = await runLoad({
    url: api.url,
    apiKey: parties.sensorKey,
    shipmentId: SHIPMENTS.dashboard,
    deviceId: DEVICE,
    batchSize: 500,
    mutations: batches,
    concurrency: 4,
    firstSequence: take(500 * batches),
  });
  if (setupLoad.failed > 0) throw new Error(`recording the dashboard's readings: ${setupLoad.firstError}`);
  const total = setupLoad.readingsCommitted;

  tick(`api: dashboard: ${size.dashboardQueries} queries, one at a time`);
  const agent = keepAliveAgent(1);
  const variables = { id: SHIPMENTS.dashboard, first: 50 };
  const query = () => gql(api.url, parties.buyerKey, ShipmentWithReadingsDocument, variables, agent);
  // The mutations waited for the peer's commit status; the read model may apply the last block a moment later.
  const deadline = Date.now() + 30_000;
  for (;;) {
    const answer = await query();
    if (answer.shipment.summary.count === total) {
      if (answer.shipment.readings.nodes.length !== 50 || answer.shipment.readings.totalCount !== total)
        throw new Error(`unexpected first page: ${JSON.stringify(answer.shipment.readings).slice(0, 300)}`);
      break;
    }
    if (Date.now() > deadline)
      throw new Error(`the read model holds ${answer.shipment.summary.count} of ${total}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  for (let i = 0; i < 10; i++) await query(); // warm-up
  const cpu = cpuWindow([{ label: 'API', pid: api.pid }]);
  const latencies: number[] = [];
  for (let i = 0; i < size.dashboardQueries; i++) {
    const t0 = performance.now();
    await query();
    latencies.push(performance.now() - t0);
  }
  const used = cpu.stop();
  agent.destroy();
  return {
    experiment: `dashboard query ShipmentWithReadings (shipment from the ledger, summary + first 50 of ${total} readings from the read model), sequential over HTTP`,
    queries: latencies.length,
    'median ms': round1(percentile(latencies, 50)),
    'p95 ms': round1(percentile(latencies, 95)),
    'max ms': round1(Math.max(...latencies)),
    'API CPU ms/query': round1(((used['API']?.cpuS ?? Number.NaN) * 1000) / latencies.length),
    'setup readings/s (batches of 500, 4 in flight)': Math.round(
      setupLoad.readingsCommitted / (setupLoad.elapsedMs / 1000),
    ),
    'target median ms': 20,
    'target met': percentile(latencies, 50) <= 20 ? 'yes' : 'no',
  };
}
