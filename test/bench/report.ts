// The benchmark report: reads every group's JSON result in test/bench/results (<group>-<size>.json, as
// run.ts writes them) and writes REPORT.md beside them, with a Markdown table per experiment, the machine,
// the seed's published figures (D3.1 Tables 3-5) beside ours, the issues' targets with met / not met, and
// SVG charts (drawn here, no chart library): throughput against endorsers, the latency breakdown per matrix
// cell (seed Figure 19), throughput against devices. run.ts calls it after every run; on existing results:
// `node dist/test/bench/report.js [results folder]`.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../support/repo-root';
import { LATENCY_STAGES } from './stats';

type Value = string | number;
interface Row {
  readonly experiment: string;
  readonly [column: string]: Value;
}

interface Machine {
  readonly cores: number;
  readonly memoryGiB: number;
  readonly node: string;
  readonly cpu: string;
}

interface GroupResult {
  readonly group: string;
  readonly machine: Machine;
  readonly size: string;
  readonly when: string;
  readonly seconds?: number;
  readonly load?: { readonly start: readonly number[]; readonly end: readonly number[] };
  readonly rows: readonly Row[];
  readonly file: string;
}

/** The seed's published figures (D3.1 Tables 4 and 5): committed tps and latency in seconds. */
export const SEED = {
  rpi: {
    single: { 1: { tps: 11, latencyS: 2 }, 2: { tps: 7, latencyS: 2.5 }, 3: { tps: 4 } },
    multi: { 1: { processes: 3, tps: 10, latencyS: 1 }, 2: { processes: 3, tps: 6, latencyS: 2 } },
  },
  vm: {
    single: { 1: { tps: 65, latencyS: 0.5 }, 2: { tps: 45, latencyS: 0.7 } },
    multi: { 1: { processes: 3, tps: 50, latencyS: 0.4 }, 2: { processes: 3, tps: 35, latencyS: 0.5 } },
  },
} as const;

/** The seed's Table 3 findings, by matrix factor. */
const SEED_FINDINGS: Record<string, string> = {
  processes:
    'almost the single-core throughput × cores (RPi: 30 tps on 3 cores); leave a core for network interrupts',
  endorsers: 'big degradation as endorsers increase (VM −31% from 1 to 2; RPi −64% from 1 to 3)',
  devices: 'aggregate throughput of all individual devices (no interdependence)',
  BatchTimeout: 'no apparent difference',
  MaxMessageCount: 'lower latency (blocks close faster) with smaller numbers',
  'read share': '– (the seed measured writes only)',
  'readings per transaction': '– (one reading per transaction in the seed)',
  'half load': '– (latency ~0.5 s on the VM, ~2 s on the RPi, governed by block closing)',
};

/** The seed's Figure 19 stages among ours. */
const SEED_STAGES: ReadonlySet<string> = new Set([
  'endorsement',
  'endorsement processing',
  'ordering',
  'commit',
]);
const STAGE_COLOURS = ['#c7c7c7', '#1f77b4', '#ff7f0e', '#9edae5', '#2ca02c', '#d62728'];

// ---------------------------------------------------------------------------------------------------------
// Loading

export function loadResults(dir: string): GroupResult[] {
  if (!existsSync(dir)) return [];
  const out: GroupResult[] = [];
  for (const f of readdirSync(dir).sort()) {
    const name = /^([a-z0-9]+)-(smoke|full)\.json$/.exec(f);
    if (!name) continue;
    try {
      const data = JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as Partial<Omit<GroupResult, 'file'>>;
      // Older files lack some fields: the name says which group and size they are.
      if (Array.isArray(data.rows) && data.machine)
        out.push({
          ...(data as Omit<GroupResult, 'file'>),
          group: data.group ?? (name[1] as string),
          size: data.size ?? (name[2] as string),
          when: data.when ?? '',
          file: f,
        });
    } catch {
      // not a result file
    }
  }
  return out;
}

/** Per group, the full result when there is one, else the smoke one. */
function latestPerGroup(results: readonly GroupResult[]): GroupResult[] {
  const by = new Map<string, GroupResult>();
  for (const r of results) {
    const prev = by.get(r.group);
    if (!prev || (prev.size !== 'full' && r.size === 'full') || (prev.size === r.size && r.when > prev.when))
      by.set(r.group, r);
  }
  const order = ['devnet', 'api', 'edge', 'matrix'];
  return [...by.values()].sort(
    (a, b) =>
      ((order.indexOf(a.group) + 99) % 99) - ((order.indexOf(b.group) + 99) % 99) ||
      (a.group < b.group ? -1 : 1),
  );
}

// ---------------------------------------------------------------------------------------------------------
// Markdown helpers

const fmt = (v: Value | undefined): string =>
  v === undefined
    ? '–'
    : typeof v === 'number'
      ? Number.isFinite(v)
        ? v.toLocaleString('en-US')
        : 'n/a'
      : v;
const cell = (v: Value | undefined) => fmt(v).replace(/\|/g, '\\|');

function mdTable(header: readonly string[], rows: readonly (readonly (Value | undefined)[])[]): string {
  return [
    `| ${header.join(' | ')} |`,
    `| ${header.map(() => '---').join(' | ')} |`,
    ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`),
  ].join('\n');
}

const num = (row: Row | undefined, key: string): number | undefined =>
  row && typeof row[key] === 'number' ? row[key] : undefined;

/** A target of a row, with our figure and met / not met. */
interface TargetLine {
  readonly group: string;
  readonly experiment: string;
  readonly target: string;
  readonly ours: string;
  readonly met: string;
}

function targetsOf(group: string, row: Row): TargetLine[] {
  const out: TargetLine[] = [];
  const explicit = typeof row['target met'] === 'string' ? row['target met'] : undefined;
  for (const [key, value] of Object.entries(row)) {
    if (!key.startsWith('target') || key === 'target met' || value === '-' || value === '–') continue;
    const figureKey = key.replace(/^target ?/, '').replace(/ \(.*\)$/, '');
    const lowerIsBetter = /\bms\b/.test(figureKey);
    const candidates = [
      figureKey,
      ...(figureKey === 'ms' ? ['median ms', 'p50 ms'] : []),
      ...(figureKey === 'median ms' ? ['median ms', 'p50 ms'] : []),
    ];
    // The figure of the same name, else the first whose name ends like it (e.g. 'drain readings/s').
    const ours =
      candidates.map((k) => num(row, k)).find((v) => v !== undefined) ??
      Object.keys(row)
        .filter((k) => !k.startsWith('target') && k.endsWith(` ${figureKey}`))
        .map((k) => num(row, k))
        .find((v) => v !== undefined);
    const computed =
      ours !== undefined && typeof value === 'number'
        ? lowerIsBetter
          ? ours <= value
          : ours >= value
        : undefined;
    const met = explicit ?? (computed === undefined ? '?' : computed ? 'yes' : 'no');
    out.push({
      group,
      experiment: row.experiment,
      target: `${key.replace(/^target ?/, '') || 'value'} ${lowerIsBetter ? '≤' : '≥'} ${fmt(value)}`,
      ours: ours !== undefined ? fmt(ours) : '(see row)',
      met: met === 'yes' ? '**met**' : met === 'no' ? '**not met**' : met,
    });
  }
  return out;
}

/** A group's rows as a generic table: experiment, figures, target, met. */
function genericTable(rows: readonly Row[]): string {
  return mdTable(
    ['experiment', 'figures', 'target', 'met'],
    rows.map((r) => {
      const entries = Object.entries(r).filter(([k]) => k !== 'experiment');
      const figures = entries
        .filter(([k]) => !k.startsWith('target'))
        .map(([k, v]) => `${k} ${fmt(v)}`)
        .join('; ');
      const target = entries
        .filter(([k]) => k.startsWith('target') && k !== 'target met')
        .map(([k, v]) => `${k.replace(/^target ?/, '') || 'target'}: ${fmt(v)}`)
        .join('; ');
      const met = targetsOf('', r)
        .map((t) => t.met)
        .join(', ');
      return [r.experiment, figures, target || '–', met || '–'];
    }),
  );
}

// ---------------------------------------------------------------------------------------------------------
// SVG charts (hand-drawn)

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Round tick step: 1, 2 or 5 × 10^n, about `count` ticks up to `max`. */
function ticks(max: number, count = 5): number[] {
  if (!(max > 0)) return [0, 1];
  const raw = max / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const out: number[] = [];
  for (let v = 0; v <= max + step * 0.999; v += step) out.push(Math.round(v * 1e6) / 1e6);
  return out;
}

function svgDoc(width: number, height: number, body: string[]): string {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif" font-size="13">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    ...body,
    '</svg>',
    '',
  ].join('\n');
}

interface Series {
  readonly name: string;
  readonly colour: string;
}

/** Grouped vertical bars: one group per x category, one bar per series (missing values are skipped). */
export function groupedBarChart(options: {
  title: string;
  xLabel: string;
  yLabel: string;
  categories: readonly string[];
  series: readonly Series[];
  values: readonly (readonly (number | undefined)[])[];
  note?: string;
}): string {
  const { categories, series, values } = options;
  const width = 760;
  const height = 440;
  const m = { left: 78, right: 20, top: 64, bottom: 78 };
  const plotW = width - m.left - m.right;
  const plotH = height - m.top - m.bottom;
  const max = Math.max(1, ...values.flat().filter((v): v is number => v !== undefined && Number.isFinite(v)));
  const ys = ticks(max);
  const top = ys[ys.length - 1] ?? max;
  const y = (v: number) => m.top + plotH - (v / top) * plotH;
  const body: string[] = [
    `<text x="${width / 2}" y="24" text-anchor="middle" font-size="16" font-weight="bold">${esc(options.title)}</text>`,
  ];
  // Legend
  let lx = m.left;
  for (const s of series) {
    body.push(`<rect x="${lx}" y="36" width="12" height="12" fill="${s.colour}"/>`);
    body.push(`<text x="${lx + 17}" y="46">${esc(s.name)}</text>`);
    lx += 24 + s.name.length * 7.2;
  }
  // Axes and grid
  for (const t of ys) {
    body.push(
      `<line x1="${m.left}" x2="${m.left + plotW}" y1="${y(t)}" y2="${y(t)}" stroke="#e0e0e0"/>`,
      `<text x="${m.left - 8}" y="${y(t) + 4}" text-anchor="end">${t.toLocaleString('en-US')}</text>`,
    );
  }
  body.push(
    `<line x1="${m.left}" x2="${m.left}" y1="${m.top}" y2="${m.top + plotH}" stroke="#333"/>`,
    `<line x1="${m.left}" x2="${m.left + plotW}" y1="${m.top + plotH}" y2="${m.top + plotH}" stroke="#333"/>`,
    `<text transform="translate(20 ${m.top + plotH / 2}) rotate(-90)" text-anchor="middle">${esc(options.yLabel)}</text>`,
    `<text x="${m.left + plotW / 2}" y="${height - 34}" text-anchor="middle">${esc(options.xLabel)}</text>`,
  );
  if (options.note)
    body.push(
      `<text x="${m.left + plotW / 2}" y="${height - 12}" text-anchor="middle" font-size="11" fill="#555">${esc(options.note)}</text>`,
    );
  const groupW = plotW / Math.max(1, categories.length);
  const barW = Math.min(56, (groupW * 0.8) / Math.max(1, series.length));
  categories.forEach((c, i) => {
    const gx = m.left + i * groupW + (groupW - barW * series.length) / 2;
    series.forEach((s, j) => {
      const v = values[i]?.[j];
      if (v === undefined || !Number.isFinite(v)) return;
      const x = gx + j * barW;
      body.push(
        `<rect x="${x + 2}" y="${y(v)}" width="${barW - 4}" height="${m.top + plotH - y(v)}" fill="${s.colour}"><title>${esc(`${c}, ${s.name}: ${v}`)}</title></rect>`,
        `<text x="${x + barW / 2}" y="${y(v) - 4}" text-anchor="middle" font-size="11">${esc(
          v >= 100 ? Math.round(v).toLocaleString('en-US') : String(Math.round(v * 10) / 10),
        )}</text>`,
      );
    });
    body.push(
      `<text x="${m.left + i * groupW + groupW / 2}" y="${m.top + plotH + 20}" text-anchor="middle">${esc(c)}</text>`,
    );
  });
  return svgDoc(width, height, body);
}

/** Horizontal stacked bars: one bar per row, one segment per stage (the mean of each), in ms. */
export function stackedLatencyChart(options: {
  title: string;
  rows: readonly { label: string; segments: readonly number[]; p50?: number }[];
  stages: readonly string[];
  colours: readonly string[];
  highlighted: ReadonlySet<string>;
}): string {
  const { rows, stages, colours } = options;
  const width = 900;
  const rowH = 26;
  const m = { left: 280, right: 70, top: 104, bottom: 56 };
  const plotW = width - m.left - m.right;
  const height = m.top + rows.length * rowH + m.bottom;
  const totals = rows.map((r) => r.segments.reduce((a, b) => a + (Number.isFinite(b) ? b : 0), 0));
  const xs = ticks(Math.max(1, ...totals));
  const right = xs[xs.length - 1] ?? 1;
  const x = (v: number) => m.left + (v / right) * plotW;
  const body: string[] = [
    `<text x="${width / 2}" y="24" text-anchor="middle" font-size="16" font-weight="bold">${esc(options.title)}</text>`,
  ];
  // Legend, two lines
  stages.forEach((s, i) => {
    const lx = 20 + (i % 3) * 290;
    const ly = 40 + Math.floor(i / 3) * 20;
    const name = `${s}${options.highlighted.has(s) ? ' *' : ''}`;
    body.push(
      `<rect x="${lx}" y="${ly}" width="12" height="12" fill="${colours[i] ?? '#888'}"/>`,
      `<text x="${lx + 17}" y="${ly + 10}">${esc(name)}</text>`,
    );
  });
  body.push(
    `<text x="20" y="92" font-size="11" fill="#555">* a stage of the seed's Figure 19; bars are mean ms per stage (they add up to the mean latency, formed → commit event); the number is the p50</text>`,
  );
  for (const t of xs) {
    body.push(
      `<line x1="${x(t)}" x2="${x(t)}" y1="${m.top - 4}" y2="${m.top + rows.length * rowH}" stroke="#e6e6e6"/>`,
      `<text x="${x(t)}" y="${m.top + rows.length * rowH + 18}" text-anchor="middle">${t.toLocaleString('en-US')}</text>`,
    );
  }
  body.push(
    `<text x="${m.left + plotW / 2}" y="${height - 12}" text-anchor="middle">transaction latency (ms)</text>`,
  );
  rows.forEach((r, i) => {
    const yy = m.top + i * rowH;
    body.push(`<text x="${m.left - 8}" y="${yy + rowH / 2 + 4}" text-anchor="end">${esc(r.label)}</text>`);
    let acc = 0;
    r.segments.forEach((v, j) => {
      if (!Number.isFinite(v) || v <= 0) return;
      body.push(
        `<rect x="${x(acc)}" y="${yy + 4}" width="${Math.max(0.5, x(acc + v) - x(acc))}" height="${rowH - 8}" fill="${colours[j] ?? '#888'}"><title>${esc(`${r.label}: ${stages[j]} ${v.toFixed(1)} ms`)}</title></rect>`,
      );
      acc += v;
    });
    if (r.p50 !== undefined && Number.isFinite(r.p50))
      body.push(
        `<text x="${x(acc) + 6}" y="${yy + rowH / 2 + 4}" font-size="11" fill="#333">p50 ${Math.round(r.p50)}</text>`,
      );
  });
  body.push(
    `<line x1="${m.left}" x2="${m.left}" y1="${m.top - 4}" y2="${m.top + rows.length * rowH}" stroke="#333"/>`,
  );
  return svgDoc(width, height, body);
}

// ---------------------------------------------------------------------------------------------------------
// The matrix section

function matrixSection(result: GroupResult, dir: string, charts: string[]): string[] {
  const rows = result.rows;
  const ok = rows.filter((r) => typeof r['committed tps'] === 'number');
  const byFactor = (f: string) => ok.filter((r) => r['factor'] === f);
  const baseline = byFactor('baseline')[0];
  const out: string[] = [];
  out.push(
    "## The seed's matrix: the edge client against the devnet",
    '',
    `From \`${result.file}\` (${result.size}, ${result.when}${result.seconds ? `, ${result.seconds} s` : ''}${
      result.load
        ? `; load average ${result.load.start.join('/')} at the start, ${result.load.end.join('/')} at the end`
        : ''
    }). Each cell changes one factor of the baseline (1 edge process, 1 device, 1 endorser, BatchTimeout 20 ms, MaxMessageCount 500, writes only, 1 reading per transaction). Throughput is committed transactions per second over the measured window; latency is per transaction, proposal formed → commit event seen by the edge; cores are CPU seconds / wall seconds over the window, per process; peak memory is VmHWM, reset at the start of the cell.`,
    '',
  );
  const failed = rows.filter((r) => typeof r['status'] === 'string');
  if (failed.length > 0)
    out.push(
      `Cells without figures: ${failed.map((r) => `${r.experiment} (${String(r['status'])})`).join('; ')}.`,
      '',
    );

  // Seed Tables 4 and 5 beside ours
  const endorsersCell = (n: number) =>
    n === 1 ? baseline : byFactor('endorsers').find((r) => r['endorsers'] === n);
  const multi = byFactor('processes').sort((a, b) => (num(b, 'level') ?? 0) - (num(a, 'level') ?? 0))[0];
  const lat = (r: Row | undefined) => (r ? `${fmt(num(r, 'p50 ms'))} ms (p50)` : '–');
  const tpsOf = (r: Row | undefined) => (r ? fmt(num(r, 'committed tps')) : 'not run');
  const seedRows: (Value | undefined)[][] = [1, 2, 3].map((n) => {
    const r = endorsersCell(n);
    const rpi = SEED.rpi.single[n as 1 | 2 | 3] as { tps: number; latencyS?: number };
    const vm = (SEED.vm.single as Record<number, { tps: number; latencyS: number } | undefined>)[n];
    return [
      `single process, ${n} endorser${n > 1 ? 's' : ''}`,
      tpsOf(r),
      lat(r),
      `${rpi.tps} tps${rpi.latencyS ? `, ~${rpi.latencyS} s` : ''}`,
      vm ? `${vm.tps} tps, ~${vm.latencyS} s` : '–',
    ];
  });
  seedRows.push([
    `multi-process (${multi ? `${fmt(num(multi, 'edge processes'))} processes here` : 'not run'}), 1 endorser`,
    multi
      ? `${fmt(num(multi, 'committed tps'))} (${fmt(
          Math.round(((num(multi, 'committed tps') ?? 0) / (num(multi, 'edge processes') ?? 1)) * 10) / 10,
        )} per process)`
      : 'not run',
    lat(multi),
    '3 × 10 tps, ~1 s',
    '3 × 50 tps, ~0.4 s',
  ]);
  seedRows.push([
    'multi-process, 2 endorsers',
    'not in the matrix',
    '–',
    '3 × 6 tps, ~2 s',
    '3 × 35 tps, ~0.5 s',
  ]);
  out.push(
    "### The seed's Tables 4 and 5 beside ours",
    '',
    mdTable(
      ['configuration', 'ours: committed tps', 'ours: latency', 'seed RPi 3 (Table 4)', 'seed VM (Table 5)'],
      seedRows,
    ),
    '',
    'The seed ran Fabric 1.1 with the network on four cloud VMs and the client on its own Raspberry Pi or VM; here the devnet, its chaincode servers and every edge process share this one machine, so every client-side gain competes with the network for the same cores.',
    '',
  );

  // Charts
  const endorserChart = groupedBarChart({
    title: 'Committed throughput against endorsers (one edge process)',
    xLabel: 'endorsements per transaction (endorsement policy)',
    yLabel: 'committed transactions per second',
    categories: ['1 endorser', '2 endorsers', '3 endorsers'],
    series: [
      { name: 'ours (devnet, this machine)', colour: '#1f77b4' },
      { name: 'seed VM (Table 5)', colour: '#ff7f0e' },
      { name: 'seed RPi 3 (Table 4)', colour: '#2ca02c' },
    ],
    values: [1, 2, 3].map((n) => [
      num(endorsersCell(n), 'committed tps'),
      (SEED.vm.single as Record<number, { tps: number } | undefined>)[n]?.tps,
      (SEED.rpi.single as Record<number, { tps: number } | undefined>)[n]?.tps,
    ]),
    note: `${result.machine.cores} cores, ${result.machine.cpu}; ${result.size} run of ${result.when.slice(0, 10)}; the seed's VM has no 3-endorser figure`,
  });
  writeFileSync(path.join(dir, 'matrix-throughput-endorsers.svg'), endorserChart);
  charts.push('matrix-throughput-endorsers.svg');

  const stackRows = ok.map((r) => ({
    label: r.experiment.replace(/^matrix: /, ''),
    segments: LATENCY_STAGES.map((s) => num(r, `stage ${s} ms`) ?? Number.NaN),
    ...(num(r, 'p50 ms') !== undefined ? { p50: num(r, 'p50 ms') } : {}),
  }));
  writeFileSync(
    path.join(dir, 'matrix-latency-breakdown.svg'),
    stackedLatencyChart({
      title: 'Latency breakdown per matrix cell (mean ms per stage)',
      rows: stackRows,
      stages: LATENCY_STAGES,
      colours: STAGE_COLOURS,
      highlighted: SEED_STAGES,
    }),
  );
  charts.push('matrix-latency-breakdown.svg');

  const deviceCells = [baseline, ...byFactor('devices')]
    .filter((r): r is Row => r !== undefined)
    .sort((a, b) => (num(a, 'devices') ?? 0) - (num(b, 'devices') ?? 0));
  const single = num(baseline, 'committed tps');
  writeFileSync(
    path.join(dir, 'matrix-throughput-devices.svg'),
    groupedBarChart({
      title: 'Committed throughput against concurrent devices',
      xLabel: 'concurrent devices (each its own identity and edge process)',
      yLabel: 'committed transactions per second',
      categories: deviceCells.map(
        (r) => `${fmt(num(r, 'devices'))} device${num(r, 'devices') === 1 ? '' : 's'}`,
      ),
      series: [
        { name: 'all devices together', colour: '#1f77b4' },
        { name: 'per device', colour: '#9edae5' },
        { name: "n × one device (the seed's finding)", colour: '#c7c7c7' },
      ],
      values: deviceCells.map((r) => {
        const n = num(r, 'devices') ?? 1;
        const t = num(r, 'committed tps');
        return [t, t !== undefined ? t / n : undefined, single !== undefined ? single * n : undefined];
      }),
      note: 'devnet, chaincode servers and all edge processes share the same cores',
    }),
  );
  charts.push('matrix-throughput-devices.svg');
  out.push(
    '![Committed throughput against endorsers](matrix-throughput-endorsers.svg)',
    '',
    '![Latency breakdown per cell](matrix-latency-breakdown.svg)',
    '',
    '![Committed throughput against devices](matrix-throughput-devices.svg)',
    '',
  );

  // One table per experiment (factor)
  const factors = [...new Set(ok.map((r) => String(r['factor'])))].filter((f) => f !== 'baseline');
  const figureColumns = [
    'committed tps',
    'readings/s',
    'p50 ms',
    'p95 ms',
    'p99 ms',
    'tx/block',
    'cores devnet',
    'cores chaincode',
    'cores edge',
    'peak MiB devnet',
    'peak MiB chaincode',
    'peak MiB edge',
  ];
  const stageHeader = LATENCY_STAGES.map((s) => `${s} ms`);
  for (const f of ['baseline', ...factors]) {
    const cells =
      f === 'baseline'
        ? baseline
          ? [baseline]
          : []
        : [baseline, ...byFactor(f)].filter((r): r is Row => !!r);
    if (f === 'half load') cells.splice(0, cells.length, ...byFactor(f));
    const extra =
      f === 'read share'
        ? ['reads/s', 'read p50 ms', 'read p99 ms', 'reads failed']
        : f === 'half load'
          ? ['offered readings/s', 'reading p50 ms', 'reading p99 ms', 'target p50 ms', 'target met']
          : f === 'endorsers'
            ? ['endorsed by', 'vs 1 endorser', 'target committed tps', 'target met']
            : [];
    out.push(
      `### ${f === 'baseline' ? 'Baseline' : `Varying: ${f}`}`,
      '',
      ...(SEED_FINDINGS[f] ? [`Seed (Table 3): ${SEED_FINDINGS[f]}.`, ''] : []),
      mdTable(
        ['cell', ...figureColumns, ...extra],
        cells.map((r) => [
          r.experiment.replace(/^matrix: /, ''),
          ...figureColumns.map((c) => r[c]),
          ...extra.map((c) => r[c]),
        ]),
      ),
      '',
    );
  }
  out.push(
    '### Latency breakdown (mean ms per stage; seed Figure 19 stages marked *)',
    '',
    mdTable(
      [
        'cell',
        ...stageHeader.map((h, i) => (SEED_STAGES.has(LATENCY_STAGES[i] as string) ? `${h} *` : h)),
        'mean ms',
        'p50 ms',
      ],
      ok.map((r) => [
        r.experiment.replace(/^matrix: /, ''),
        ...LATENCY_STAGES.map((s) => r[`stage ${s} ms`]),
        r['mean ms'],
        r['p50 ms'],
      ]),
    ),
    '',
    "Stages, from the forwarder's and the stages' timing marks in the edge process: queued for endorsement (proposal signed and stored → sent; at most 4 endorsements in flight), endorsement (sent → endorsed transaction back from the gateway, which collects the endorsements), endorsement processing (→ envelope signed and stored durably), queued for submission (→ sent to the orderer: one submission at a time, in row order), ordering (→ orderer's acceptance), commit (→ block with the transaction seen on the commit stream).",
    '',
    '### CPU and memory per process',
    '',
    mdTable(
      ['cell', 'per process (cores busy over the window, peak RSS)'],
      ok.map((r) => [r.experiment.replace(/^matrix: /, ''), r['per process']]),
    ),
    '',
  );
  return out;
}

// ---------------------------------------------------------------------------------------------------------

export function renderReport(
  results: readonly GroupResult[],
  dir: string,
): { markdown: string; charts: string[] } {
  const groups = latestPerGroup(results);
  const charts: string[] = [];
  const out: string[] = [
    '# Benchmark report',
    '',
    `Written ${new Date().toISOString()} by \`test/bench/report.ts\` from ${
      groups.length > 0 ? groups.map((g) => `\`${g.file}\``).join(', ') : 'no result files'
    } in \`test/bench/results/\`. Timings are measurements, never assertions; every process of a run shares the machine below.`,
    '',
    '## Machine',
    '',
  ];
  const machines = new Map<string, { m: Machine; groups: string[] }>();
  for (const g of groups) {
    const key = JSON.stringify(g.machine);
    const e = machines.get(key) ?? { m: g.machine, groups: [] };
    e.groups.push(g.group);
    machines.set(key, e);
  }
  out.push(
    mdTable(
      ['groups', 'cores', 'memory', 'Node', 'CPU'],
      [...machines.values()].map(({ m, groups: gs }) => [
        gs.join(', '),
        m.cores,
        `${m.memoryGiB} GiB`,
        m.node,
        m.cpu,
      ]),
    ),
    '',
    mdTable(
      ['group', 'size', 'when', 'duration', 'load average at start (1/5/15 min)', 'at end'],
      groups.map((g) => [
        g.group,
        g.size,
        g.when,
        g.seconds !== undefined ? `${g.seconds} s` : '–',
        g.load ? g.load.start.join(' / ') : 'not recorded',
        g.load ? g.load.end.join(' / ') : '–',
      ]),
    ),
    '',
  );
  const targets = groups.flatMap((g) => g.rows.flatMap((r) => targetsOf(g.group, r)));
  out.push(
    "## The issues' targets",
    '',
    targets.length > 0
      ? mdTable(
          ['group', 'experiment', 'target', 'ours', 'met'],
          targets.map((t) => [t.group, t.experiment, t.target, t.ours, t.met]),
        )
      : 'No result has a target.',
    '',
  );
  const matrix = groups.find((g) => g.group === 'matrix');
  if (matrix) out.push(...matrixSection(matrix, dir, charts));
  for (const g of groups) {
    if (g.group === 'matrix') continue;
    out.push(
      `## Group \`${g.group}\``,
      '',
      `From \`${g.file}\` (${g.size}, ${g.when}${g.seconds ? `, ${g.seconds} s` : ''}). One row per experiment; the figures are the JSON's fields.`,
      '',
      genericTable(g.rows),
      '',
    );
    if (g.group === 'devnet') {
      const oneEndorser = g.rows.find((r) =>
        /1 endorser, fast signer, commit from block events/.test(r.experiment),
      );
      if (oneEndorser)
        out.push(
          `Beside the seed: blind writes from one fabric-gateway client with one endorser, **${fmt(num(oneEndorser, 'tps'))} tps**${typeof oneEndorser['tps of each run'] === 'string' ? ` (median of runs at ${oneEndorser['tps of each run']} tps)` : ''} (p50 ${fmt(num(oneEndorser, 'p50 ms'))} ms), against the seed's 65 tps (~0.5 s) on a VM and 11 tps (~2 s) on a Raspberry Pi 3 (Tables 4 and 5).`,
          '',
        );
    }
  }
  return { markdown: out.join('\n'), charts };
}

/** Reads the results in `dir` and writes REPORT.md and the charts there. */
export function writeReport(dir = path.join(REPO_ROOT, 'test/bench/results')): {
  file: string;
  charts: string[];
} {
  const { markdown, charts } = renderReport(loadResults(dir), dir);
  const file = path.join(dir, 'REPORT.md');
  writeFileSync(file, markdown);
  return { file, charts: charts.map((c) => path.join(dir, c)) };
}

if (require.main === module) {
  const dir = process.argv[2] ? path.resolve(process.argv[2]) : path.join(REPO_ROOT, 'test/bench/results');
  const { file, charts } = writeReport(dir);
  process.stdout.write(`${file}\n${charts.map((c) => `${c}\n`).join('')}`);
}
