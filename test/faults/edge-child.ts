// The edge device process of the fault trials: started by edge-faults.test.ts with IPC, it records
// readings from index `from` to `to`, reports every acknowledgement as it happens (an acknowledged reading
// is one the ledger must end up holding), drains when asked, and may be SIGKILLed at any moment.

import pino from 'pino';
import type { EdgeConfig } from '../../edge/src/config';
import { startEdge, type Edge } from '../../edge/src/edge';

export interface ChildStart {
  readonly kind: 'start';
  readonly config: EdgeConfig;
  readonly from: number;
  readonly to: number;
  readonly intervalMs: number;
}

export type ChildMessage =
  | { readonly kind: 'ready' }
  | { readonly kind: 'acked'; readonly index: number; readonly sequence: number }
  | { readonly kind: 'recorded' }
  | { readonly kind: 'drained'; readonly committed: number }
  | { readonly kind: 'error'; readonly message: string };

function send(msg: ChildMessage): void {
  process.send?.(msg);
}

export function sampleOf(
  deviceId: string,
  index: number,
): { deviceId: string; timestamp: string; temperature: number } {
  return {
    deviceId,
    timestamp: new Date(Date.UTC(2026, 10, 23, 0, 0, 0) + index * 1000).toISOString(),
    temperature: 4 + (index % 7) / 10,
  };
}

let edge: Edge | undefined;

async function record(start: ChildStart): Promise<void> {
  const e = edge;
  if (!e) return;
  const pending: Promise<void>[] = [];
  for (let i = start.from; i < start.to; i++) {
    pending.push(
      e.record(sampleOf(start.config.deviceId, i)).then((acks) => {
        for (const a of acks) send({ kind: 'acked', index: i, sequence: a.sequence });
      }),
    );
    if (start.intervalMs > 0) await new Promise((r) => setTimeout(r, start.intervalMs));
  }
  await Promise.all(pending);
  send({ kind: 'recorded' });
}

process.on('message', (msg: ChildStart | { kind: 'drain' } | { kind: 'close' }) => {
  void (async () => {
    try {
      if (msg.kind === 'start') {
        edge = await startEdge(msg.config, {
          log: pino({ level: process.env.EDGE_TEST_LOG ?? 'silent' }),
          noSource: true,
        });
        send({ kind: 'ready' });
        await record(msg);
      } else if (msg.kind === 'drain') {
        await edge?.drained(90_000);
        send({ kind: 'drained', committed: edge?.status().buffer.committedRecords ?? 0 });
      } else {
        await edge?.close();
        process.exit(0);
      }
    } catch (err) {
      send({ kind: 'error', message: (err as Error).stack ?? String(err) });
    }
  })();
});
