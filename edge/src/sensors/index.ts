// Sources chosen by configuration: the edge's config file names a type, this builds the matching source.

import { type Readable } from 'node:stream';
import { type Clock } from './clock';
import { newCommandSource, newJsonLinesSource, type InvalidLineHandler } from './json-lines';
import { newSimulatedSource, type SimulatedSourceOptions } from './simulated';
import { type SampleSource } from './source';
import { newThermalSource, type ThermalSourceOptions } from './thermal';

export * from './clock';
export * from './json-lines';
export * from './prng';
export * from './sample-line';
export * from './simulated';
export * from './source';
export * from './thermal';
export { DEVICE_ID_PATTERN, isDeviceId, isIsoTimestamp } from './validate';

/** Options of a JSON-lines source that belong in a config file (the callback and clock are deps). */
export interface JsonLinesConfig {
  readonly deviceId: string;
  readonly maxLineBytes?: number;
  readonly name?: string;
}

export type SourceConfig =
  | ({ readonly type: 'simulated' } & Omit<SimulatedSourceOptions, 'clock'>)
  | ({ readonly type: 'thermal' } & Omit<ThermalSourceOptions, 'clock'>)
  | ({
      readonly type: 'command';
      readonly command: string;
      readonly args?: readonly string[];
      readonly cwd?: string;
    } & JsonLinesConfig)
  | ({ readonly type: 'stdin' } & JsonLinesConfig);

/** What a source needs from its surroundings rather than from its configuration. */
export interface SourceDeps {
  /** Default: the system clock. A simulated source with `start` runs on its own simulated time instead. */
  readonly clock?: Clock;
  /** Default: process.stdin. */
  readonly stdin?: Readable;
  /** Refused lines of command and stdin sources. Default: ignored. */
  readonly onInvalid?: InvalidLineHandler;
}

export function createSource(config: SourceConfig, deps: SourceDeps = {}): SampleSource {
  if (config === null || typeof config !== 'object') throw new Error('source config must be an object');
  switch (config.type) {
    case 'simulated': {
      const { type: _type, ...options } = config;
      // A start date means simulated time, which brings its own clock.
      const clock = options.start === undefined ? deps.clock : undefined;
      return newSimulatedSource({ ...options, clock });
    }
    case 'thermal': {
      const { type: _type, ...options } = config;
      return newThermalSource({ ...options, clock: deps.clock });
    }
    case 'command': {
      const { type: _type, ...options } = config;
      return newCommandSource({ ...options, clock: deps.clock, onInvalid: deps.onInvalid });
    }
    case 'stdin': {
      const { type: _type, ...options } = config;
      return newJsonLinesSource(deps.stdin ?? process.stdin, {
        ...options,
        name: options.name ?? 'stdin',
        clock: deps.clock,
        onInvalid: deps.onInvalid,
      });
    }
    default: {
      const type: unknown = (config as { type?: unknown }).type;
      throw new Error(
        `source config: type must be one of simulated, thermal, command, stdin (got ${JSON.stringify(type) ?? 'nothing'})`,
      );
    }
  }
}
