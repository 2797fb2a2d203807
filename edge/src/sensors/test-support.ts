// Helpers shared by the sensor tests.

import { type SensorSample } from '../reading';
import { type SampleSource } from './source';

export async function take(source: SampleSource, n: number, signal?: AbortSignal): Promise<SensorSample[]> {
  const out: SensorSample[] = [];
  if (n <= 0) return out;
  for await (const s of source.samples(signal)) {
    out.push(s);
    if (out.length >= n) break;
  }
  return out;
}

export async function all(source: SampleSource, signal?: AbortSignal): Promise<SensorSample[]> {
  const out: SensorSample[] = [];
  for await (const s of source.samples(signal)) out.push(s);
  return out;
}
