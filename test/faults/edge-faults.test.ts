// Reliability of the edge under a flaky network and crashes (seed section 7). One device runs in a child
// process behind a fault-injecting TCP proxy between it and its peer. Each trial records readings while a
// seeded random schedule drops, stalls, delays, resets or refuses the link in either direction, cuts it
// after a chosen number of bytes, or SIGKILLs the device process (which then restarts from its buffer).
// After each trial the link is healed, the device drains, and the ledger must hold every acknowledged
// reading exactly once, in the device's order.
//
// FAULT_TRIALS sets the number of trials: a few in `npm test`, 100 in `npm run test:faults`.

import assert from 'node:assert/strict';
import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parseConfig, type EdgeConfig } from '../../edge/src/config';
import { mulberry32 } from '../../edge/src/sensors/prng';
import type { FaultProxy } from '../support/fault-proxy';
import {
  ledgerBlocks,
  provisionEdge,
  proxiedProfile,
  removeDir,
  startEdgeWorld,
  writtenReadings,
  type EdgeWorld,
} from '../e2e/edge-helpers';
import type { ChildMessage, ChildStart } from './edge-child';

const TRIALS = Number(process.env.FAULT_TRIALS ?? 8);
const SEED = Number(process.env.FAULT_SEED ?? 20261123);
const READINGS_PER_TRIAL = 40;
const DEVICE = 'truck-faulty';

type Fault = (proxy: FaultProxy, kill: () => void) => Promise<string>;

const t0 = Date.now();
function trace(what: string): void {
  if (process.env.FAULT_TRACE) process.stderr.write(`${Date.now() - t0} ms ${what}\n`);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The fault repertoire; each returns a label for the trial log. */
function faults(random: () => number): Fault[] {
  const dir = () => (random() < 0.5 ? 'upstream' : 'downstream');
  const span = () => 100 + Math.floor(random() * 700);
  return [
    async (p) => {
      p.reset();
      return 'reset';
    },
    async (p) => {
      const d = dir();
      const ms = span();
      p.setFault({ kind: 'stall' }, d);
      await sleep(ms);
      p.setFault({ kind: 'pass' });
      return `stall ${d} ${ms} ms`;
    },
    async (p) => {
      const d = dir();
      const ms = span();
      p.setFault({ kind: 'drop' }, d);
      await sleep(ms);
      p.setFault({ kind: 'pass' });
      p.reset(); // a black hole corrupts the HTTP/2 framing; the connection cannot be used afterwards
      return `drop ${d} ${ms} ms`;
    },
    async (p) => {
      const ms = span();
      p.setFault({ kind: 'delay', ms: 150 });
      await sleep(ms);
      p.setFault({ kind: 'pass' });
      return `delay 150 ms for ${ms} ms`;
    },
    async (p) => {
      const ms = span();
      p.refuse(true);
      p.reset();
      await sleep(ms);
      p.refuse(false);
      return `refuse ${ms} ms`;
    },
    async (p) => {
      const d = dir();
      const bytes = 200 + Math.floor(random() * 20_000);
      await Promise.race([p.cutAfter(bytes, d), sleep(1500)]);
      return `cut ${d} after ${bytes} bytes`;
    },
    async (_p, kill) => {
      kill();
      return 'SIGKILL';
    },
  ];
}

const processes = new Set<DeviceProcess>();

class DeviceProcess {
  readonly acked = new Map<number, number>();
  #child: ChildProcess | undefined;
  #waiters: ((m: ChildMessage) => boolean)[] = [];
  #exited: Promise<void> = Promise.resolve();
  #recorded: Promise<unknown> = Promise.resolve();
  #gone = false;

  start(config: EdgeConfig, from: number, to: number): Promise<void> {
    const child = fork(path.join(__dirname, 'edge-child.js'), {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.#child = child;
    processes.add(this);
    this.#exited = new Promise((resolve) =>
      child.once('exit', (code, signal) => {
        // Whatever it was still expected to say, it will not: settle the waits (and their timers).
        this.#gone = true;
        const gone: ChildMessage = { kind: 'error', message: `exited (${signal ?? code})` };
        this.#waiters = this.#waiters.filter((w) => !w(gone));
        resolve();
      }),
    );
    child.on('message', (m: ChildMessage) => {
      if (m.kind === 'acked') this.acked.set(m.sequence, m.index);
      this.#waiters = this.#waiters.filter((w) => !w(m));
    });
    const ready = this.wait('ready', 30_000);
    this.#recorded = this.wait('recorded', 120_000);
    this.#recorded.catch(() => undefined); // a killed process never records: exited() answers then
    const start: ChildStart = { kind: 'start', config, from, to, intervalMs: 5 };
    child.send(start);
    return ready.then(() => undefined);
  }

  wait(kind: ChildMessage['kind'], timeoutMs: number): Promise<ChildMessage> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`device process: no '${kind}' within ${timeoutMs} ms`)),
        timeoutMs,
      );
      this.#waiters.push((m) => {
        if (m.kind === 'error') {
          clearTimeout(timer);
          reject(new Error(`device process failed: ${m.message}`));
          return true;
        }
        if (m.kind !== kind) return false;
        clearTimeout(timer);
        resolve(m);
        return true;
      });
    });
  }

  /** Resolves when the process has exited, whether killed or not. */
  recorded(): Promise<'recorded' | 'exited'> {
    return this.#recorded.then(
      () => 'recorded' as const,
      (err: Error) => {
        if (this.#gone) return 'exited' as const;
        throw err;
      },
    );
  }

  killed = false;

  kill(): void {
    this.killed = true;
    this.#child?.kill('SIGKILL');
  }

  async drainAndClose(): Promise<void> {
    const drained = this.wait('drained', 120_000);
    this.#child?.send({ kind: 'drain' });
    await drained;
    this.#child?.send({ kind: 'close' });
    await this.#exited;
  }

  exited(): Promise<void> {
    return this.#exited;
  }
}

void describe(`edge store-and-forward under faults (${TRIALS} trials, seed ${SEED})`, () => {
  let world: EdgeWorld;
  let proxy: FaultProxy;
  let config: EdgeConfig;
  let dataDir: string;

  before(async () => {
    world = await startEdgeWorld('ship-faults');
    const provisioned = await provisionEdge(world, DEVICE);
    dataDir = provisioned.dataDir;
    const proxied = await proxiedProfile(world);
    proxy = proxied.proxies[0] as FaultProxy;
    config = parseConfig({
      ...provisioned.config,
      profile: proxied.file,
      batch: { size: 10, lingerMs: 10 },
      timeouts: { endorseMs: 2000, submitMs: 2000, commitMs: 4000 },
    });
  });

  after(async () => {
    for (const p of processes) p.kill();
    trace('closing proxy');
    await proxy?.close();
    trace('closing world');
    await world?.close();
    trace('closed');
    if (dataDir) await removeDir(dataDir);
  });

  void test('every acknowledged reading is on the ledger exactly once, in order, after every trial', async () => {
    const random = mulberry32(SEED);
    const repertoire = faults(random);
    const acked = new Map<number, number>();
    let next = 0;
    const log: string[] = [];
    for (let trial = 0; trial < TRIALS; trial++) {
      const startedAt = Date.now();
      const end = next + READINGS_PER_TRIAL;
      let from = next;
      const labels: string[] = [];
      // Up to three faults per trial, and a kill restarts the device on the readings not yet recorded.
      while (from < end) {
        const device = new DeviceProcess();
        await device.start(config, from, end);
        const fault = repertoire[Math.floor(random() * repertoire.length)];
        assert.ok(fault);
        await sleep(Math.floor(random() * READINGS_PER_TRIAL * 5));
        labels.push(await fault(proxy, () => device.kill()));
        proxy.setFault({ kind: 'pass' });
        proxy.refuse(false);
        trace(`fault done: ${labels.at(-1)}`);
        // A kill may land after the last reading was recorded: the process is gone either way.
        const outcome = device.killed ? (await device.exited(), 'exited') : await device.recorded();
        trace(`recording ${outcome}`);
        for (const [seq, index] of device.acked) acked.set(seq, index);
        if (outcome === 'exited') {
          // Killed: resume after the last reading it acknowledged; unacknowledged ones are recorded again
          // under new sequence numbers (they were never promised to anyone).
          const done = [...device.acked.values()];
          from = done.length > 0 ? Math.max(...done, from - 1) + 1 : from;
          continue;
        }
        await device.drainAndClose();
        trace('drained');
        from = end;
      }
      // A device killed after its last reading still has to deliver its buffer.
      const finisher = new DeviceProcess();
      await finisher.start(config, end, end);
      assert.equal(await finisher.recorded(), 'recorded');
      await finisher.drainAndClose();
      next = end;
      log.push(`trial ${trial}: ${labels.join(', ')} (${Date.now() - startedAt} ms)`);
      if (process.env.FAULT_TRACE) process.stderr.write(`${log.at(-1)}\n`);

      const written = writtenReadings(await ledgerBlocks(world.devnet)).filter((r) => r.deviceId === DEVICE);
      const sequences = written.map((r) => r.sequence);
      assert.equal(
        new Set(sequences).size,
        sequences.length,
        `trial ${trial}: a reading was written twice (${log.join('; ')})`,
      );
      for (let i = 1; i < sequences.length; i++)
        assert.ok(
          (sequences[i] ?? 0) > (sequences[i - 1] ?? 0),
          `trial ${trial}: sequence ${sequences[i]} committed after ${sequences[i - 1]} (${log.join('; ')})`,
        );
      const onLedger = new Set(sequences);
      const missing = [...acked.keys()].filter((s) => !onLedger.has(s));
      assert.deepEqual(
        missing,
        [],
        `trial ${trial}: acknowledged readings missing from the ledger (${log.join('; ')})`,
      );
    }
    assert.ok(
      acked.size >= TRIALS * READINGS_PER_TRIAL * 0.5,
      `only ${acked.size} readings were acknowledged`,
    );
    process.stdout.write(
      `# ${acked.size} readings acknowledged over ${TRIALS} trials\n# ${log.join('\n# ')}\n`,
    );
  });
});
