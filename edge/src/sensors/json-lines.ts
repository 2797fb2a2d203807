// Samples as JSON lines from another program: a vendor's sensor tool, a Python script reading an I2C
// sensor, or a pipe into stdin. Bad lines are reported and skipped, because one garbled line from a flaky
// sensor must not stop a shipment's monitoring; a dead program, on the other hand, is an error.

import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { type Readable } from 'node:stream';
import { type SensorSample } from '../reading';
import { isoTime, systemClock, type Clock } from './clock';
import { parseSampleLine } from './sample-line';
import { type SampleSource } from './source';
import { isList, requireDeviceId, requirePositiveInteger } from './validate';

const WHERE = 'json-lines source';

export const DEFAULT_MAX_LINE_BYTES = 64 * 1024;
/** How much of a failed command's stderr goes into the error: its last words, not a whole log. */
const STDERR_TAIL = 2048;

export type InvalidLineHandler = (lineNumber: number, reason: string) => void;

export interface JsonLinesOptions {
  /** For lines that name no device. */
  readonly deviceId: string;
  /** Gives the timestamp of lines that carry none. Default: the system clock. */
  readonly clock?: Clock;
  /** Longer lines are refused. Default 64 KiB. */
  readonly maxLineBytes?: number;
  /** Told of every refused line (1-based, blank lines counted) with the reason; the line is skipped. */
  readonly onInvalid?: InvalidLineHandler;
  readonly name?: string;
}

export interface CommandSourceOptions extends JsonLinesOptions {
  readonly command: string;
  readonly args?: readonly string[];
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
}

interface LineSettings {
  readonly deviceId: string;
  readonly clock: Clock;
  readonly maxLineBytes: number;
  readonly onInvalid: InvalidLineHandler;
}

function settingsOf(options: JsonLinesOptions): LineSettings {
  return {
    deviceId: requireDeviceId(options.deviceId, WHERE),
    clock: options.clock ?? systemClock,
    maxLineBytes:
      options.maxLineBytes === undefined
        ? DEFAULT_MAX_LINE_BYTES
        : requirePositiveInteger(options.maxLineBytes, WHERE, 'maxLineBytes'),
    onInvalid: options.onInvalid ?? (() => undefined),
  };
}

/**
 * Samples from any readable stream, such as process.stdin. A stream can be read only once, so iterate this
 * source once; an abort stops reading but leaves the stream open (it is not ours to close).
 */
export function newJsonLinesSource(input: Readable, options: JsonLinesOptions): SampleSource {
  const settings = settingsOf(options);
  return {
    name: options.name ?? 'json-lines',
    samples: (signal) => readSamples(input, settings, signal),
  };
}

/** Samples from the stdout of a command, started anew for each iteration and stopped when iteration ends. */
export function newCommandSource(options: CommandSourceOptions): SampleSource {
  const settings = settingsOf(options);
  const { command } = options;
  if (typeof command !== 'string' || command === '')
    throw new Error(`${WHERE}: command must be a non-empty string`);
  const args = options.args ?? [];
  if (!isList(args) || !args.every((a) => typeof a === 'string'))
    throw new Error(`${WHERE}: args must be a list of strings`);

  async function* samples(signal?: AbortSignal): AsyncGenerator<SensorSample> {
    if (signal?.aborted) return;
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-STDERR_TAIL);
    });
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
      child.once('error', reject);
      child.once('close', (code, sig) => resolve({ code, signal: sig }));
    });
    // Spawn failures reject before anyone awaits; this keeps them from counting as unhandled.
    exited.catch(() => undefined);
    try {
      yield* readSamples(child.stdout, settings, signal);
      if (signal?.aborted) return;
      let end: { code: number | null; signal: NodeJS.Signals | null };
      try {
        end = await exited;
      } catch (err) {
        throw new Error(`${WHERE}: cannot run command "${command}": ${(err as Error).message}`, {
          cause: err,
        });
      }
      if (end.code !== 0) {
        const how =
          end.code === null ? `was killed by ${end.signal ?? 'a signal'}` : `exited with code ${end.code}`;
        const tail = stderr.trim();
        throw new Error(`${WHERE}: command "${command}" ${how}${tail ? `: ${tail}` : ''}`);
      }
    } finally {
      // The consumer stopped early (break, abort, error): the command has nobody left to read its output.
      if (child.exitCode === null && child.signalCode === null) child.kill();
    }
  }

  return { name: options.name ?? `command:${command}`, samples };
}

async function* readSamples(
  input: Readable,
  settings: LineSettings,
  signal?: AbortSignal,
): AsyncGenerator<SensorSample> {
  if (signal?.aborted) return;
  // The abort signal closes the interface, which ends the loop below as if the input had ended.
  const lines = createInterface({ input, crlfDelay: Infinity, signal });
  const defaults = { deviceId: settings.deviceId, now: () => isoTime(settings.clock.now()) };
  let lineNumber = 0;
  try {
    for await (const line of lines) {
      lineNumber++;
      // readline has no length limit of its own, so an over-long line is refused once read; a cheap bound
      // on characters first avoids measuring bytes of every ordinary line.
      if (line.length * 3 > settings.maxLineBytes) {
        const bytes = Buffer.byteLength(line, 'utf8');
        if (bytes > settings.maxLineBytes) {
          settings.onInvalid(
            lineNumber,
            `line is ${bytes} bytes, over the limit of ${settings.maxLineBytes}`,
          );
          continue;
        }
      }
      if (line.trim() === '') continue;
      const result = parseSampleLine(line, defaults);
      if (result.ok) yield result.sample;
      else settings.onInvalid(lineNumber, result.reason);
    }
  } finally {
    lines.close();
  }
}
