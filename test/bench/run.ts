// `npm run bench [-- --smoke] [-- --only devnet|api|edge|matrix] [-- --cpu-prof]`: runs the benchmark groups
// in turn, prints a Markdown table per group headed by the machine, writes each group's figures as JSON to
// test/bench/results/<group>-<size>.json, and then the report (report.ts: REPORT.md and SVG charts) from
// every result file there.
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { SingleBar, Presets } from 'cli-progress';
import { apiBenchmarks, apiSteps, type ApiBenchSize } from './api.bench';
import { devnetBenchmarks, type BenchSize, type Row } from './devnet.bench';
import { edgeBenchmarks, edgeSteps, type EdgeBenchSize } from './edge.bench';
import { matrixBenchmarks, matrixSteps, type MatrixSize } from './matrix.bench';
import { writeReport } from './report';
import { REPO_ROOT } from '../support/repo-root';

const GROUPS = ['devnet', 'api', 'edge', 'matrix'] as const;
type Group = (typeof GROUPS)[number];

const { values: args } = parseArgs({
  options: {
    smoke: { type: 'boolean', default: false },
    only: { type: 'string', multiple: true },
    'cpu-prof': { type: 'boolean', default: false },
  },
  strict: true,
});
const smoke = args.smoke ?? false;
const sizeName = smoke ? 'smoke' : 'full';
const only = args.only ?? [...GROUPS];
for (const g of only) {
  if (!(GROUPS as readonly string[]).includes(g)) {
    process.stderr.write(`--only: unknown group '${g}' (groups: ${GROUPS.join(', ')})\n`);
    process.exit(2);
  }
}

const devnetSize: BenchSize = smoke
  ? {
      coldStarts: 1,
      writes: 200,
      writeRuns: 2,
      defaultSignerWrites: 200,
      concurrency: 64,
      twoEndorserWrites: 200,
    }
  : {
      coldStarts: 3,
      writes: 8_000,
      writeRuns: 3,
      defaultSignerWrites: 3_000,
      concurrency: 256,
      twoEndorserWrites: 8_000,
    };

const apiSize: ApiBenchSize = smoke
  ? {
      loads: [
        { batchSize: 1, mutations: 150, concurrency: 32 },
        { batchSize: 50, mutations: 40, concurrency: 8 },
        { batchSize: 200, mutations: 15, concurrency: 4 },
      ],
      subscribers: 200,
      subscriberProcesses: 2,
      fanoutBatches: 10,
      fanoutBatchReadings: 10,
      fanoutIntervalMs: 250,
      dashboardReadings: 2_000,
      dashboardQueries: 20,
    }
  : {
      loads: [
        { batchSize: 1, mutations: 3_000, concurrency: 64 },
        { batchSize: 50, mutations: 600, concurrency: 16 },
        { batchSize: 200, mutations: 200, concurrency: 8 },
      ],
      subscribers: 5_000,
      subscriberProcesses: 4,
      fanoutBatches: 20,
      fanoutBatchReadings: 10,
      fanoutIntervalMs: 250,
      dashboardReadings: 10_000,
      dashboardQueries: 200,
    };

const edgeSize: EdgeBenchSize = smoke
  ? {
      intakeReadings: 20_000,
      intakeOutstanding: 2_000,
      sustainedReadings: 3_000,
      batchSizes: [100, 500],
      backlogReadings: 5_000,
      backlogBatchSize: 500,
      edgeOutstanding: 2_000,
      signMs: 500,
    }
  : {
      intakeReadings: 200_000,
      intakeOutstanding: 2_000,
      sustainedReadings: 60_000,
      batchSizes: [100, 500],
      backlogReadings: 100_000,
      backlogBatchSize: 500,
      edgeOutstanding: 2_000,
      signMs: 3_000,
    };

// One edge process, then one per core; the matrix's other factors around its baseline (matrix.bench.ts).
const perCore = Math.max(2, os.availableParallelism());
const matrixSize: MatrixSize = smoke
  ? {
      warmupMs: 1_000,
      measureMs: 3_000,
      processes: [1, perCore],
      endorsers: [1, 2, 3],
      devices: [1, 2],
      batchTimeoutsMs: [20, 200],
      maxMessageCounts: [500, 10],
      readRatios: [0, 0.5],
      readingsPerTx: [1],
      halfLoad: true,
    }
  : {
      warmupMs: 3_000,
      measureMs: 20_000,
      processes: [1, perCore],
      endorsers: [1, 2, 3],
      devices: [1, 2, 3, 4],
      batchTimeoutsMs: [10, 20, 50, 200],
      maxMessageCounts: [10, 100, 500],
      readRatios: [0, 0.2, 0.5],
      readingsPerTx: [1, 50],
      halfLoad: true,
    };

const cpuProfDir = args['cpu-prof'] ? path.join(REPO_ROOT, 'test/bench/results/profiles') : undefined;

interface GroupRun {
  readonly steps: number;
  run(tick: (label: string) => void): Promise<Row[]>;
}

const groups: Record<Group, GroupRun> = {
  devnet: {
    steps: devnetSize.coldStarts + devnetSize.writeRuns + 6,
    run: (tick) => devnetBenchmarks(devnetSize, tick),
  },
  api: {
    steps: apiSteps(apiSize),
    run: (tick) => apiBenchmarks(apiSize, tick, cpuProfDir ? { cpuProfDir } : {}),
  },
  edge: {
    steps: edgeSteps(edgeSize),
    run: (tick) => edgeBenchmarks(edgeSize, tick, cpuProfDir ? { cpuProfDir } : {}),
  },
  matrix: {
    steps: matrixSteps(matrixSize),
    run: (tick) => matrixBenchmarks(matrixSize, tick, cpuProfDir ? { cpuProfDir } : {}),
  },
};

/**
 * A group's Markdown table: experiment, its figures (every other column, `name value`), and its target.
 * The JSON keeps each figure as its own field.
 */
function table(rows: readonly Row[]): string {
  const lines = ['| experiment | figures | target |', '| --- | --- | --- |'];
  for (const r of rows) {
    const entries = Object.entries(r).filter(([k]) => k !== 'experiment');
    const figures = entries
      .filter(([k]) => !k.startsWith('target'))
      .map(([k, v]) => `${k} ${typeof v === 'number' ? v.toLocaleString('en-US') : v}`)
      .join('; ');
    const target = entries
      .filter(([k]) => k.startsWith('target'))
      .map(
        ([k, v]) =>
          `${k.replace(/^target ?/, '') || 'target'}: ${typeof v === 'number' ? v.toLocaleString('en-US') : v}`,
      )
      .join('; ');
    lines.push(`| ${r.experiment} | ${figures} | ${target} |`);
  }
  return lines.join('\n');
}

/** An experiment without figures: a NaN, nothing committed, or a failed status. */
function withoutFigures(rows: readonly Row[]): Row[] {
  return rows.filter(
    (r) =>
      Object.values(r).some((v) => typeof v === 'number' && Number.isNaN(v)) ||
      r['committed'] === 0 ||
      r['mutations'] === 0 ||
      (typeof r['status'] === 'string' && r['status'].startsWith('FAILED')),
  );
}

async function main(): Promise<void> {
  const machine = {
    cores: os.cpus().length,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    cpu: os.cpus()[0]?.model ?? 'unknown',
  };
  const selected = GROUPS.filter((g) => only.includes(g));
  const total = selected.reduce((s, g) => s + groups[g].steps, 0);
  const bar = new SingleBar(
    { format: 'bench [{bar}] {value}/{total} {step}', clearOnComplete: true, stream: process.stderr },
    Presets.shades_classic,
  );
  bar.start(total, 0, { step: 'starting' });
  let done = 0;
  const dir = path.join(REPO_ROOT, 'test/bench/results');
  mkdirSync(dir, { recursive: true });
  const outputs: string[] = [];
  let failed = false;
  for (const group of selected) {
    let rows: Row[];
    const started = new Date();
    const loadStart = os.loadavg().map((l) => Math.round(l * 100) / 100);
    try {
      rows = await groups[group].run((step) => bar.update(done++, { step }));
    } catch (err) {
      bar.stop();
      process.stderr.write(`bench group ${group} failed: ${(err as Error).stack ?? String(err)}\n`);
      failed = true;
      bar.start(total, done, { step: 'next group' });
      continue;
    }
    const header = `${group}: ${machine.cores} cores, ${machine.memoryGiB} GiB, Node ${machine.node}, ${machine.cpu}; size: ${sizeName}; ${Math.round((Date.now() - started.getTime()) / 1000)} s`;
    const file = path.join(dir, `${group}-${sizeName}.json`);
    writeFileSync(
      file,
      JSON.stringify(
        {
          group,
          machine,
          size: sizeName,
          when: started.toISOString(),
          seconds: Math.round((Date.now() - started.getTime()) / 1000),
          // 1, 5 and 15 minute load averages at the start and the end of the group (a shared machine).
          load: { start: loadStart, end: os.loadavg().map((l) => Math.round(l * 100) / 100) },
          rows,
        },
        null,
        2,
      ),
    );
    outputs.push(`\n${header}\n\n${table(rows)}\n\nwritten to ${path.relative(process.cwd(), file)}\n`);
    const empty = withoutFigures(rows);
    if (empty.length > 0) {
      failed = true;
      outputs.push(`experiments without figures: ${empty.map((r) => r.experiment).join('; ')}\n`);
    }
  }
  bar.update(total, { step: 'done' });
  bar.stop();
  process.stdout.write(outputs.join(''));
  try {
    const report = writeReport(dir);
    process.stdout.write(
      `\nreport: ${path.relative(process.cwd(), report.file)} (${report.charts.length} charts)\n`,
    );
  } catch (err) {
    process.stderr.write(`report failed: ${(err as Error).stack ?? String(err)}\n`);
    failed = true;
  }
  if (failed) {
    process.stderr.write('some experiments produced no figures\n');
    process.exitCode = 1;
  }
}

main().catch((err: Error) => {
  process.stderr.write(`bench failed: ${err.stack ?? err.message}\n`);
  process.exit(1);
});
