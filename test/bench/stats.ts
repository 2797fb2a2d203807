import { readdirSync, readFileSync } from 'node:fs';

/** Percentile by nearest rank over a copy of the samples (milliseconds in, milliseconds out). */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] as number;
}

/** Peak resident memory (VmHWM) of a process in MiB, from /proc; undefined where /proc is absent. */
export function peakRssMiB(pid: number): number | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const m = /VmHWM:\s+(\d+) kB/.exec(status);
    return m ? Number(m[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** Current resident memory (VmRSS) of a process in MiB; undefined where /proc is absent. */
export function rssMiB(pid: number): number | undefined {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** CPU seconds (user + system) a process has used so far, from /proc/<pid>/stat; undefined elsewhere. */
export function cpuSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start at field 3; utime and stime are 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return undefined;
  }
}

/** USER_HZ on Linux (sysconf(_SC_CLK_TCK)); 100 on every mainstream kernel configuration. */
const CLOCK_TICKS = 100;

/** Child processes of `ppid` with their command lines (Linux /proc); empty elsewhere. */
export function childProcesses(ppid: number): { pid: number; command: string }[] {
  let entries: string[];
  try {
    entries = readdirSync('/proc').filter((e) => /^\d+$/.test(e));
  } catch {
    return [];
  }
  const out: { pid: number; command: string }[] = [];
  for (const e of entries) {
    try {
      const stat = readFileSync(`/proc/${e}/stat`, 'utf8');
      const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (parent !== ppid) continue;
      const command = readFileSync(`/proc/${e}/cmdline`, 'utf8').split('\0').join(' ').trim();
      out.push({ pid: Number(e), command });
    } catch {
      // exited meanwhile
    }
  }
  return out;
}

/**
 * CPU used by a set of processes over a window: `start()` takes a snapshot, `stop()` returns, per label,
 * the CPU seconds used and the average number of cores busy (CPU seconds / wall seconds).
 */
export function cpuWindow(processes: readonly { label: string; pid: number }[]): {
  stop(): Record<string, { cpuS: number; cores: number }>;
} {
  const t0 = performance.now();
  const before = processes.map((p) => cpuSeconds(p.pid) ?? Number.NaN);
  return {
    stop: () => {
      const wallS = (performance.now() - t0) / 1000;
      const out: Record<string, { cpuS: number; cores: number }> = {};
      processes.forEach((p, i) => {
        const used = (cpuSeconds(p.pid) ?? Number.NaN) - (before[i] ?? Number.NaN);
        const prev = out[p.label] ?? { cpuS: 0, cores: 0 };
        out[p.label] = { cpuS: prev.cpuS + used, cores: (prev.cpuS + used) / wallS };
      });
      return out;
    },
  };
}

/** The stages of a transaction's latency in the edge, formed → commit event seen; they add up to the total. */
export const LATENCY_STAGES = [
  'queued for endorsement',
  'endorsement',
  'endorsement processing',
  'queued for submission',
  'ordering',
  'commit',
] as const;
export type LatencyStage = (typeof LATENCY_STAGES)[number];

export interface Summary {
  readonly n: number;
  readonly mean: number;
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
}

export function summarise(samples: readonly number[]): Summary {
  const n = samples.length;
  return {
    n,
    mean: n === 0 ? Number.NaN : samples.reduce((a, b) => a + b, 0) / n,
    p50: percentile(samples, 50),
    p95: percentile(samples, 95),
    p99: percentile(samples, 99),
  };
}
