// `npm run bench [-- --smoke]`: runs the benchmarks, prints a table per experiment with the machine, and
// writes the figures as JSON under test/bench/results/.
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SingleBar, Presets } from 'cli-progress';
import { devnetBenchmarks, type BenchSize, type Row } from './devnet.bench';

const smoke = process.argv.includes('--smoke');
const size: BenchSize = smoke
  ? { coldStarts: 1, writes: 400, defaultSignerWrites: 200, concurrency: 64, twoEndorserWrites: 200 }
  : { coldStarts: 3, writes: 20_000, defaultSignerWrites: 3_000, concurrency: 256, twoEndorserWrites: 3_000 };
const steps = size.coldStarts + 7;

function table(rows: readonly Row[]): string {
  const columns = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const cell = (r: Row, c: string): string => (r[c] === undefined ? '' : String(r[c]));
  const lines = [`| ${columns.join(' | ')} |`, `| ${columns.map(() => '---').join(' | ')} |`];
  for (const r of rows) lines.push(`| ${columns.map((c) => cell(r, c)).join(' | ')} |`);
  return lines.join('\n');
}

async function main(): Promise<void> {
  const machine = {
    cores: os.cpus().length,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    cpu: os.cpus()[0]?.model ?? 'unknown',
  };
  const bar = new SingleBar(
    { format: 'bench [{bar}] {value}/{total} {step}', clearOnComplete: true, stream: process.stderr },
    Presets.shades_classic,
  );
  bar.start(steps, 0, { step: 'starting' });
  let done = 0;
  const rows = await devnetBenchmarks(size, (step) => bar.update(done++, { step }));
  bar.update(steps, { step: 'done' });
  bar.stop();
  const header = `machine: ${machine.cores} cores, ${machine.memoryGiB} GiB, Node ${machine.node}, ${machine.cpu}; size: ${smoke ? 'smoke' : 'full'}`;
  process.stdout.write(`\n${header}\n\n${table(rows)}\n`);
  const dir = path.resolve(__dirname, '../../../test/bench/results');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `devnet-${smoke ? 'smoke' : 'full'}.json`);
  writeFileSync(
    file,
    JSON.stringify(
      { machine, size: smoke ? 'smoke' : 'full', when: new Date().toISOString(), rows },
      null,
      2,
    ),
  );
  process.stdout.write(`\nwritten to ${path.relative(process.cwd(), file)}\n`);
  const missing = rows.filter((r) => Object.values(r).some((v) => typeof v === 'number' && Number.isNaN(v)));
  if (missing.length > 0 || rows.some((r) => r.committed === 0)) {
    process.stderr.write('some experiments produced no figures\n');
    process.exitCode = 1;
  }
}

main().catch((err: Error) => {
  process.stderr.write(`bench failed: ${err.stack ?? err.message}\n`);
  process.exit(1);
});
