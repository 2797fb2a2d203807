// The devnet of one matrix world in a process of its own (matrix.bench.ts), so that its CPU time and
// peak memory are its own; its chaincode servers are its children. Driven over IPC: `start` (chaincode,
// endorsement policy, block cutting) answers `ready` with what the API needs to run against it (data
// directory, CA bootstrap credentials); `height` answers the channel's height; `stop` stops the devnet,
// removes its data directory and exits.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startDevnet, type Devnet } from '../../network/devnet/src/devnet';

export type DevnetHostCommand =
  | {
      readonly type: 'start';
      /** Folder of the chaincode package, deployed as `name`. */
      readonly chaincodePath: string;
      readonly chaincodeName: string;
      /** Fabric signature policy DSL; absent: the channel's MAJORITY Endorsement. */
      readonly endorsementPolicy?: string;
      readonly batchTimeoutMs: number;
      readonly maxMessageCount: number;
    }
  | { readonly type: 'height' }
  | { readonly type: 'stop' };

export type DevnetHostReport =
  | { readonly type: 'loaded' }
  | {
      readonly type: 'ready';
      readonly ms: number;
      readonly dataDir: string;
      readonly cas: readonly {
        readonly mspId: string;
        readonly bootstrap: { readonly enrollmentID: string; readonly enrollmentSecret: string };
      }[];
    }
  | { readonly type: 'height'; readonly height: number };

let devnet: Devnet | undefined;
let dataDir: string | undefined;

function send(report: DevnetHostReport): void {
  process.send?.(report);
}

async function stop(): Promise<void> {
  try {
    await devnet?.stop();
  } finally {
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    // A normal exit, so that --cpu-prof writes its profile.
    process.exit(0);
  }
}

process.on('message', (cmd: DevnetHostCommand) => {
  void (async () => {
    try {
      if (cmd.type === 'start') {
        const t0 = performance.now();
        dataDir = mkdtempSync(path.join(os.tmpdir(), 'devnet-matrix-'));
        devnet = await startDevnet({
          dataDir,
          ports: 'random',
          tls: true,
          batchTimeoutMs: cmd.batchTimeoutMs,
          batchSize: { maxMessageCount: cmd.maxMessageCount },
          chaincodes: [
            {
              name: cmd.chaincodeName,
              path: cmd.chaincodePath,
              ...(cmd.endorsementPolicy ? { endorsementPolicy: cmd.endorsementPolicy } : {}),
            },
          ],
        });
        await devnet.chaincodesReady();
        send({
          type: 'ready',
          ms: performance.now() - t0,
          dataDir,
          cas: devnet.cas.map((ca) => ({
            mspId: ca.mspId,
            bootstrap: {
              enrollmentID: ca.bootstrap.enrollmentID,
              enrollmentSecret: ca.bootstrap.enrollmentSecret,
            },
          })),
        });
      } else if (cmd.type === 'height') {
        send({ type: 'height', height: devnet?.height ?? 0 });
      } else {
        await stop();
      }
    } catch (err) {
      process.send?.({ error: (err as Error).stack ?? String(err) });
    }
  })();
});
process.on('disconnect', () => void stop());
send({ type: 'loaded' });
