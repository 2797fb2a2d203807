// The SoC temperature of a Raspberry Pi (or any Linux board) from the kernel's thermal zone: the one sensor
// every Pi has, so an edge device can report something real with no extra hardware.

import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { type SensorSample } from '../reading';
import { isoTime, sleepUntil, systemClock, type Clock } from './clock';
import { type SampleSource } from './source';
import { requireDeviceId, requireNonNegativeInteger, requirePositiveInteger } from './validate';

const WHERE = 'thermal source';

export interface ThermalSourceOptions {
  readonly deviceId: string;
  /** Default `/sys/class/thermal`; tests point it at a directory of fake files. */
  readonly baseDir?: string;
  /** Default 0, the SoC on a Pi. */
  readonly zone?: number;
  /** Default 5000: the SoC temperature changes slowly. */
  readonly intervalMs?: number;
  /** Stop after this many samples. Default: never stop. */
  readonly count?: number;
  readonly clock?: Clock;
  /** Default `thermal:<deviceId>:zone<N>`. */
  readonly name?: string;
}

export function newThermalSource(options: ThermalSourceOptions): SampleSource {
  const deviceId = requireDeviceId(options.deviceId, WHERE);
  const zone = options.zone === undefined ? 0 : requireNonNegativeInteger(options.zone, WHERE, 'zone');
  const intervalMs =
    options.intervalMs === undefined ? 5000 : requirePositiveInteger(options.intervalMs, WHERE, 'intervalMs');
  const count =
    options.count === undefined ? undefined : requireNonNegativeInteger(options.count, WHERE, 'count');
  const baseDir = options.baseDir ?? '/sys/class/thermal';
  if (typeof baseDir !== 'string' || baseDir === '')
    throw new Error(`${WHERE}: baseDir must be a non-empty path`);
  const file = path.join(baseDir, `thermal_zone${zone}`, 'temp');
  const clock = options.clock ?? systemClock;

  async function* samples(signal?: AbortSignal): AsyncGenerator<SensorSample> {
    const t0 = clock.now();
    for (let i = 0; count === undefined || i < count; i++) {
      if (signal?.aborted) return;
      if (i > 0) {
        await sleepUntil(clock, t0 + i * intervalMs, intervalMs, signal);
        if (signal?.aborted) return;
      }
      const temperature = await readCelsius(file, zone);
      yield { deviceId, timestamp: isoTime(clock.now()), temperature };
    }
  }

  return { name: options.name ?? `thermal:${deviceId}:zone${zone}`, samples };
}

/** The kernel writes millidegrees Celsius as a decimal integer; kept at that resolution. */
export async function readCelsius(file: string, zone: number): Promise<number> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT')
      throw new Error(`${WHERE}: ${file} not found; this machine exposes no thermal zone ${zone}`, {
        cause: err,
      });
    throw new Error(`${WHERE}: cannot read ${file}: ${(err as Error).message}`, { cause: err });
  }
  const trimmed = text.trim();
  if (!/^-?\d{1,9}$/.test(trimmed)) {
    const shown = trimmed.length > 40 ? `${trimmed.slice(0, 40)}...` : trimmed;
    throw new Error(`${WHERE}: ${file} holds "${shown}", not an integer of millidegrees Celsius`);
  }
  return Number(trimmed) / 1000;
}
