// The device side of the readings benchmark in its own process: recordReadings (or recordReading for a
// batch of 1) mutations over real HTTP with `wait: true`, a bounded number in flight, each answer checked
// (VALID and every reading recorded). Driven over IPC by api.bench.ts.
import { RecordReadingsDocument } from '../../schema/generated/operations';
import { RECORD_READING, bodyOf, keepAliveAgent, postGraphQL, reading } from './api-http';

export interface LoadJob {
  readonly url: string;
  readonly apiKey: string;
  readonly shipmentId: string;
  readonly deviceId: string;
  /** Readings per mutation; 1 uses the single recordReading mutation. */
  readonly batchSize: number;
  readonly mutations: number;
  readonly concurrency: number;
  /** First sequence number; the job uses batchSize × mutations consecutive ones. */
  readonly firstSequence: number;
}

export interface LoadResult {
  readonly mutationsOk: number;
  readonly readingsCommitted: number;
  readonly failed: number;
  readonly firstError?: string;
  readonly elapsedMs: number;
  readonly latenciesMs: number[];
}

interface Answer {
  recordReading?: Payload;
  recordReadings?: Payload;
}
interface Payload {
  transaction: { state: string };
  result: { recorded: number; duplicates: number } | null;
}

async function run(job: LoadJob): Promise<LoadResult> {
  const agent = keepAliveAgent(job.concurrency);
  const options = { wait: true };
  const bodyFor = (i: number): string => {
    const from = job.firstSequence + i * job.batchSize;
    if (job.batchSize === 1) {
      return bodyOf(RECORD_READING, { input: reading(job.shipmentId, job.deviceId, from), options });
    }
    const inputs = Array.from({ length: job.batchSize }, (_, k) =>
      reading(job.shipmentId, job.deviceId, from + k),
    );
    return bodyOf(RecordReadingsDocument, { inputs, options });
  };
  const latencies: number[] = [];
  let next = 0;
  let ok = 0;
  let readings = 0;
  let failed = 0;
  let firstError: string | undefined;
  const started = performance.now();
  const worker = async (): Promise<void> => {
    while (next < job.mutations) {
      const body = bodyFor(next++);
      const t0 = performance.now();
      try {
        const answer = await postGraphQL<Answer>(job.url, job.apiKey, body, agent);
        const payload = answer.data?.recordReadings ?? answer.data?.recordReading;
        if (answer.errors?.length || !payload) {
          throw new Error(JSON.stringify(answer.errors ?? `HTTP ${answer.status}, no data`));
        }
        if (payload.transaction.state !== 'VALID' || payload.result?.recorded !== job.batchSize) {
          throw new Error(`unexpected answer ${JSON.stringify(payload)}`);
        }
        latencies.push(performance.now() - t0);
        ok++;
        readings += payload.result.recorded;
      } catch (err) {
        failed++;
        firstError ??= (err as Error).message;
      }
    }
  };
  await Promise.all(Array.from({ length: job.concurrency }, () => worker()));
  const elapsedMs = performance.now() - started;
  agent.destroy();
  return {
    mutationsOk: ok,
    readingsCommitted: readings,
    failed,
    firstError,
    elapsedMs,
    latenciesMs: latencies,
  };
}

process.on('message', (job: LoadJob) => {
  run(job).then(
    (result) => process.send?.(result, () => process.exit(0)),
    (err: Error) => process.send?.({ error: err.message }, () => process.exit(1)),
  );
});
// Loaded: the runner starts its CPU window from here, so module loading is not measured.
process.send?.({ ready: true });
