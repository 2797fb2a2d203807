// A fabric-gateway client in its own process, so the load generator does not share a CPU thread with
// the network it measures. Driven over IPC by the benchmark runner.
import { createPrivateKey, randomBytes } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import { connect, hash, signers, type Network } from '@hyperledger/fabric-gateway';
import { newFastSigner, PEER_FLOW_CONTROL_WINDOW } from '../../network/client/src';

export interface ClientJob {
  readonly peerAddress: string;
  /** The peer organisation's TLS CA certificate when the network runs TLS. */
  readonly tlsCaCertPem?: string;
  readonly mspId: string;
  readonly certPem: string;
  readonly keyPem: string;
  readonly channel: string;
  readonly chaincode: string;
  /** Total transactions, and how many are in flight at once. */
  readonly count: number;
  readonly concurrency: number;
  readonly valueBytes: number;
  readonly signer: 'fast' | 'default';
  /**
   * How the client learns each commit: a CommitStatus call per transaction, or one filtered-block event
   * stream for all of them (what a busy client or the edge does: one stream instead of a call per tx).
   */
  readonly commitWatch: 'status' | 'events';
  readonly keyPrefix: string;
}

export interface ClientResult {
  readonly committed: number;
  readonly failed: number;
  readonly firstError?: string;
  readonly elapsedMs: number;
  readonly latenciesMs: number[];
  readonly peakRssMiB: number;
  /** CPU time (user + system) of this process over the measured run. */
  readonly cpuMs: number;
}

async function run(job: ClientJob): Promise<ClientResult> {
  const credentials = job.tlsCaCertPem
    ? grpc.credentials.createSsl(Buffer.from(job.tlsCaCertPem))
    : grpc.credentials.createInsecure();
  // The window network/client's connectGateway gives every peer connection.
  const client = new grpc.Client(job.peerAddress, credentials, {
    'grpc-node.flow_control_window': PEER_FLOW_CONTROL_WINDOW,
  });
  const key = createPrivateKey(job.keyPem);
  const signing =
    job.signer === 'fast'
      ? newFastSigner(key)
      : { signer: signers.newPrivateKeySigner(key), hash: hash.sha256 };
  const gw = connect({
    client,
    identity: { mspId: job.mspId, credentials: Buffer.from(job.certPem) },
    signer: signing.signer,
    hash: signing.hash,
  });
  const network = gw.getNetwork(job.channel);
  const contract = network.getContract(job.chaincode);
  const watcher = job.commitWatch === 'events' ? await watchCommits(network) : undefined;
  const value = randomBytes(job.valueBytes / 2).toString('hex');
  const latencies: number[] = [];
  let next = 0;
  let committed = 0;
  let failed = 0;
  let firstError: string | undefined;
  let peak = 0;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 200);
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  const worker = async (): Promise<void> => {
    while (next < job.count) {
      const i = next++;
      const t0 = performance.now();
      try {
        const submitted = await contract.submitAsync('put', { arguments: [`${job.keyPrefix}${i}`, value] });
        const code = watcher
          ? await watcher.codeOf(submitted.getTransactionId())
          : (await submitted.getStatus()).code;
        if (code === VALID) {
          committed++;
          latencies.push(performance.now() - t0);
        } else {
          failed++;
          firstError ??= `validation code ${code}`;
        }
      } catch (err) {
        failed++;
        firstError ??= (err as Error).message;
      }
    }
  };
  await Promise.all(Array.from({ length: job.concurrency }, () => worker()));
  const elapsedMs = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  clearInterval(sampler);
  watcher?.close();
  gw.close();
  client.close();
  return {
    committed,
    failed,
    firstError,
    elapsedMs,
    latenciesMs: latencies,
    peakRssMiB: Math.max(peak, process.memoryUsage().rss) / 2 ** 20,
    cpuMs: (cpu.user + cpu.system) / 1000,
  };
}

const VALID = 0;

/** Validation codes by transaction id, from one filtered-block stream started before the first submit. */
async function watchCommits(
  network: Network,
): Promise<{ codeOf(txId: string): Promise<number>; close(): void }> {
  const events = await network.getFilteredBlockEvents();
  const seen = new Map<string, number>();
  const waiting = new Map<string, (code: number) => void>();
  void (async () => {
    try {
      for await (const block of events) {
        for (const tx of block.getFilteredTransactionsList()) {
          const resolve = waiting.get(tx.getTxid());
          if (resolve) {
            waiting.delete(tx.getTxid());
            resolve(tx.getTxValidationCode());
          } else {
            seen.set(tx.getTxid(), tx.getTxValidationCode());
          }
        }
      }
    } catch {
      // closed
    }
  })();
  return {
    codeOf: (txId) => {
      const code = seen.get(txId);
      if (code !== undefined) {
        seen.delete(txId);
        return Promise.resolve(code);
      }
      return new Promise((resolve) => waiting.set(txId, resolve));
    },
    close: () => events.close(),
  };
}

process.on('message', (job: ClientJob) => {
  run(job).then(
    (result) => process.send?.(result, () => process.exit(0)),
    (err: Error) => {
      process.send?.({ error: err.message }, () => process.exit(1));
    },
  );
});
