import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BlockCutter } from './blockcutter';

function cutter(options: { maxMessageCount?: number; preferredMaxBytes?: number; batchTimeoutMs?: number }): {
  cutter: BlockCutter;
  batches: number[][];
} {
  const batches: number[][] = [];
  const c = new BlockCutter({
    batchSize: {
      maxMessageCount: options.maxMessageCount ?? 10,
      absoluteMaxBytes: 1 << 20,
      preferredMaxBytes: options.preferredMaxBytes ?? 1 << 20,
    },
    batchTimeoutMs: options.batchTimeoutMs ?? 10_000,
    onBatch: (batch) => batches.push(batch.map((m) => m.length)),
  });
  return { cutter: c, batches };
}

void describe('block cutter', () => {
  void it('cuts a block as soon as MaxMessageCount messages are pending', () => {
    const { cutter: c, batches } = cutter({ maxMessageCount: 3 });
    for (let i = 0; i < 7; i++) c.ordered(new Uint8Array(1));
    assert.deepEqual(batches, [
      [1, 1, 1],
      [1, 1, 1],
    ]);
    assert.equal(c.pendingCount, 1);
    c.stop();
  });

  void it('cuts before a message would push the block past PreferredMaxBytes', () => {
    const { cutter: c, batches } = cutter({ preferredMaxBytes: 100 });
    c.ordered(new Uint8Array(60));
    c.ordered(new Uint8Array(50));
    assert.deepEqual(batches, [[60]]);
    c.stop();
  });

  void it('gives a message larger than PreferredMaxBytes a block of its own, after the pending ones', () => {
    const { cutter: c, batches } = cutter({ preferredMaxBytes: 100 });
    c.ordered(new Uint8Array(10));
    c.ordered(new Uint8Array(500));
    assert.deepEqual(batches, [[10], [500]]);
    assert.equal(c.pendingCount, 0);
    c.stop();
  });

  void it('cuts a partial block when BatchTimeout expires after its first message', async () => {
    const { cutter: c, batches } = cutter({ batchTimeoutMs: 30 });
    c.ordered(new Uint8Array(1));
    c.ordered(new Uint8Array(2));
    assert.deepEqual(batches, []);
    await new Promise((r) => setTimeout(r, 80));
    assert.deepEqual(batches, [[1, 2]]);
    c.stop();
  });
});
