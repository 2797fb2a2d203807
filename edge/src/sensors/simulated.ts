// A simulated device: temperature, humidity and pressure that drift around a base value and now and then
// jump away (an excursion, e.g. a reefer door left open) and come back, plus a position moving along a route.
// Deterministic for a seed, so demos, tests and benchmarks can be replayed exactly.

import { randomInt } from 'node:crypto';
import { SENSOR_FIELDS, type GeoPoint, type SensorField, type SensorSample } from '../reading';
import { isoTime, sleepUntil, systemClock, virtualClock, yieldToEventLoop, type Clock } from './clock';
import { mulberry32 } from './prng';
import { type SampleSource } from './source';
import {
  isLatitude,
  isList,
  isLongitude,
  requireDeviceId,
  requireFinite,
  requireNonNegativeInteger,
  requirePositiveInteger,
  round,
} from './validate';

const WHERE = 'simulated source';

export type SimulatedField = SensorField | 'location';

export interface ExcursionOptions {
  /** Chance per sample, while no excursion is under way, that one starts (0 to 1). */
  readonly probability: number;
  /** Added to the drifting value during an excursion; negative for a drop. */
  readonly magnitude: number;
  /** How many samples an excursion lasts (at least 1). */
  readonly samples: number;
}

export interface SensorSimulation {
  readonly base: number;
  /** Largest change of the random walk from one sample to the next. */
  readonly driftStep: number;
  /** The walk stays within base ± driftBound (excursions come on top). */
  readonly driftBound: number;
  readonly excursion: ExcursionOptions;
}

export type SensorSimulationOptions = Partial<Omit<SensorSimulation, 'excursion'>> & {
  readonly excursion?: Partial<ExcursionOptions>;
};

export interface RouteOptions {
  readonly waypoints: readonly GeoPoint[];
  /** Samples spent between two consecutive waypoints; after the last one the position stays there. */
  readonly samplesPerLeg: number;
}

export interface SimulatedSourceOptions {
  readonly deviceId: string;
  /** Same seed, same samples. Default: a random seed. */
  readonly seed?: number;
  /** Time between samples; 0 produces samples as fast as the consumer pulls (benchmarks). Default 1000. */
  readonly intervalMs?: number;
  /** Stop after this many samples. Default: never stop. */
  readonly count?: number;
  /**
   * Start of simulated time: timestamps are start + i × intervalMs and the source does not wait in real
   * time. Excludes `clock`.
   */
  readonly start?: number | string | Date;
  /** Time source for timestamps and pacing. Default: the system clock. Excludes `start`. */
  readonly clock?: Clock;
  /** Which measurements to produce. Default: the three sensors, plus location when a route is given. */
  readonly fields?: readonly SimulatedField[];
  readonly temperature?: SensorSimulationOptions;
  readonly humidity?: SensorSimulationOptions;
  readonly pressure?: SensorSimulationOptions;
  readonly route?: RouteOptions;
  /** Default: `simulated:<deviceId>`. */
  readonly name?: string;
}

/** An indoor climate with rare temperature and humidity excursions, so a plain demo shows some. */
export const SIMULATION_DEFAULTS: Readonly<Record<SensorField, SensorSimulation>> = {
  temperature: {
    base: 20,
    driftStep: 0.1,
    driftBound: 2,
    excursion: { probability: 0.01, magnitude: 8, samples: 5 },
  },
  humidity: {
    base: 50,
    driftStep: 0.5,
    driftBound: 10,
    excursion: { probability: 0.01, magnitude: 20, samples: 5 },
  },
  pressure: {
    base: 1013.25,
    driftStep: 0.2,
    driftBound: 5,
    excursion: { probability: 0, magnitude: -20, samples: 5 },
  },
};

/** Physical limits a simulated value is clipped to, so an excursion never yields 120 % humidity. */
const PHYSICAL: Readonly<Record<SensorField, readonly [number, number]>> = {
  temperature: [-273.15, Number.POSITIVE_INFINITY],
  humidity: [0, 100],
  pressure: [0, Number.POSITIVE_INFINITY],
};

const SENSOR_DECIMALS = 2;
/** About 0.1 m: finer than any GPS, coarse enough to keep samples short. */
const COORDINATE_DECIMALS = 6;
const YIELD_EVERY = 1024;

interface Plan {
  readonly deviceId: string;
  readonly seed: number;
  readonly intervalMs: number;
  readonly count: number | undefined;
  readonly clock: () => Clock;
  readonly sensors: ReadonlyArray<readonly [SensorField, SensorSimulation]>;
  readonly route: RouteOptions | undefined;
}

export function newSimulatedSource(options: SimulatedSourceOptions): SampleSource {
  const plan = planOf(options);
  return {
    name: options.name ?? `simulated:${plan.deviceId}`,
    samples: (signal) => run(plan, signal),
  };
}

async function* run(plan: Plan, signal?: AbortSignal): AsyncGenerator<SensorSample> {
  // Everything is created per iteration so that iterating twice replays the same samples.
  const clock = plan.clock();
  const master = mulberry32(plan.seed);
  // One generator per sensor, seeded in a fixed order, so that choosing other fields does not change the
  // values of the ones kept.
  const seeds = new Map(SENSOR_FIELDS.map((f) => [f, Math.floor(master() * 2 ** 32)]));
  const walkers = plan.sensors.map(([field, sim]) =>
    newWalker(field, sim, mulberry32(seeds.get(field) ?? 0)),
  );
  const t0 = clock.now();
  for (let i = 0; plan.count === undefined || i < plan.count; i++) {
    if (signal?.aborted) return;
    if (i > 0) {
      if (plan.intervalMs > 0) await sleepUntil(clock, t0 + i * plan.intervalMs, plan.intervalMs, signal);
      if (i % YIELD_EVERY === 0) await yieldToEventLoop();
      if (signal?.aborted) return;
    }
    const sample: { -readonly [K in keyof SensorSample]: SensorSample[K] } = {
      deviceId: plan.deviceId,
      timestamp: isoTime(clock.now()),
    };
    for (const walker of walkers) sample[walker.field] = walker.next();
    if (plan.route) sample.location = positionAt(plan.route, i);
    yield sample;
  }
}

interface Walker {
  readonly field: SensorField;
  next(): number;
}

function newWalker(field: SensorField, sim: SensorSimulation, random: () => number): Walker {
  const [low, high] = PHYSICAL[field];
  let offset = 0;
  let excursionLeft = 0;
  return {
    field,
    next() {
      // Both draws happen on every sample so the random stream stays aligned whatever the state.
      const step = (random() * 2 - 1) * sim.driftStep;
      const start = random() < sim.excursion.probability;
      offset = Math.min(sim.driftBound, Math.max(-sim.driftBound, offset + step));
      if (excursionLeft === 0 && start) excursionLeft = sim.excursion.samples;
      let value = sim.base + offset;
      if (excursionLeft > 0) {
        value += sim.excursion.magnitude;
        excursionLeft--;
      }
      return round(Math.min(high, Math.max(low, value)), SENSOR_DECIMALS);
    },
  };
}

/** Linear interpolation between waypoints; the shorter way across the antimeridian. */
export function positionAt(route: RouteOptions, index: number): GeoPoint {
  const { waypoints, samplesPerLeg } = route;
  const leg = Math.floor(index / samplesPerLeg);
  const last = waypoints[waypoints.length - 1];
  const from = waypoints[leg];
  const to = waypoints[leg + 1];
  if (!from || !to) {
    if (!last) throw new Error(`${WHERE}: route.waypoints must not be empty`);
    return { lat: round(last.lat, COORDINATE_DECIMALS), lon: round(last.lon, COORDINATE_DECIMALS) };
  }
  const t = (index % samplesPerLeg) / samplesPerLeg;
  let dLon = to.lon - from.lon;
  if (dLon > 180) dLon -= 360;
  else if (dLon < -180) dLon += 360;
  let lon = from.lon + dLon * t;
  if (lon > 180) lon -= 360;
  else if (lon < -180) lon += 360;
  return {
    lat: round(from.lat + (to.lat - from.lat) * t, COORDINATE_DECIMALS),
    lon: round(lon, COORDINATE_DECIMALS),
  };
}

function planOf(options: SimulatedSourceOptions): Plan {
  const deviceId = requireDeviceId(options.deviceId, WHERE);
  const seed =
    options.seed === undefined
      ? randomInt(2 ** 32 - 1)
      : requireNonNegativeInteger(options.seed, WHERE, 'seed');
  const intervalMs =
    options.intervalMs === undefined
      ? 1000
      : requireNonNegativeInteger(options.intervalMs, WHERE, 'intervalMs');
  const count =
    options.count === undefined ? undefined : requireNonNegativeInteger(options.count, WHERE, 'count');
  if (options.start !== undefined && options.clock !== undefined)
    throw new Error(`${WHERE}: give either start (simulated time) or clock, not both`);
  let clock: () => Clock;
  const start = options.start;
  if (start !== undefined) {
    virtualClock(start, WHERE); // validates start now rather than at the first sample
    clock = () => virtualClock(start, WHERE);
  } else {
    const fixed = options.clock ?? systemClock;
    clock = () => fixed;
  }

  const route = options.route === undefined ? undefined : routeOf(options.route);
  const fields = options.fields ?? [...SENSOR_FIELDS, ...(route ? (['location'] as const) : [])];
  if (!isList(fields) || fields.length === 0)
    throw new Error(
      `${WHERE}: fields must be a non-empty list of ${[...SENSOR_FIELDS, 'location'].join(', ')}`,
    );
  for (const f of fields) {
    if (f !== 'location' && !(SENSOR_FIELDS as readonly string[]).includes(f))
      throw new Error(`${WHERE}: fields has unknown field "${String(f)}"`);
  }
  if (fields.includes('location') && !route)
    throw new Error(`${WHERE}: fields includes location but no route is given`);
  if (!fields.includes('location') && route)
    throw new Error(`${WHERE}: a route is given but fields excludes location`);

  const sensors = SENSOR_FIELDS.filter((f) => fields.includes(f)).map(
    (f) => [f, simulationOf(f, options[f])] as const,
  );
  return { deviceId, seed, intervalMs, count, clock, sensors, route };
}

function simulationOf(field: SensorField, given: SensorSimulationOptions | undefined): SensorSimulation {
  const d = SIMULATION_DEFAULTS[field];
  const sim: SensorSimulation = {
    base: given?.base ?? d.base,
    driftStep: given?.driftStep ?? d.driftStep,
    driftBound: given?.driftBound ?? d.driftBound,
    excursion: { ...d.excursion, ...given?.excursion },
  };
  requireFinite(sim.base, WHERE, `${field}.base`);
  if (requireFinite(sim.driftStep, WHERE, `${field}.driftStep`) < 0)
    throw new Error(`${WHERE}: ${field}.driftStep must not be negative`);
  if (requireFinite(sim.driftBound, WHERE, `${field}.driftBound`) < 0)
    throw new Error(`${WHERE}: ${field}.driftBound must not be negative`);
  const p = sim.excursion.probability;
  if (typeof p !== 'number' || !(p >= 0 && p <= 1))
    throw new Error(`${WHERE}: ${field}.excursion.probability must be a number from 0 to 1`);
  requireFinite(sim.excursion.magnitude, WHERE, `${field}.excursion.magnitude`);
  requirePositiveInteger(sim.excursion.samples, WHERE, `${field}.excursion.samples`);
  return sim;
}

function routeOf(route: RouteOptions): RouteOptions {
  if (!isList(route.waypoints) || route.waypoints.length === 0)
    throw new Error(`${WHERE}: route.waypoints must be a non-empty list of {lat, lon}`);
  route.waypoints.forEach((p: GeoPoint | null, i) => {
    if (p === null || typeof p !== 'object')
      throw new Error(`${WHERE}: route.waypoints[${i}] must be an object {lat, lon}`);
    if (!isLatitude(p.lat))
      throw new Error(`${WHERE}: route.waypoints[${i}].lat must be a number from -90 to 90`);
    if (!isLongitude(p.lon))
      throw new Error(`${WHERE}: route.waypoints[${i}].lon must be a number from -180 to 180`);
  });
  requirePositiveInteger(route.samplesPerLeg, WHERE, 'route.samplesPerLeg');
  return {
    waypoints: route.waypoints.map((p) => ({ lat: p.lat, lon: p.lon })),
    samplesPerLeg: route.samplesPerLeg,
  };
}
