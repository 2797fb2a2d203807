// The one shape every sensor source has, so the edge loop can run a simulator, a Pi's thermal zone or an
// external program's output without knowing which.

import { type SensorSample } from '../reading';

export interface SampleSource {
  readonly name: string;
  /**
   * Samples in the order measured. Iteration ends when the source ends or `signal` aborts; an abort is a
   * normal end, not an error. Failures of the source itself (missing file, command exit) are thrown.
   */
  samples(signal?: AbortSignal): AsyncIterable<SensorSample>;
}
