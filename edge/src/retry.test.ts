// nextDelay(): exponential back-off, capped, with full jitter, and never a spinning loop.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { nextDelay, RECOVERY_POLICY, type RetryPolicy, STREAM_POLICY } from './retry';

const POLICY: RetryPolicy = { initialDelayMs: 100, multiplier: 2, maxDelayMs: 5_000, jitter: 'full' };
const NO_JITTER: RetryPolicy = { ...POLICY, jitter: 'none' };

/** A deterministic uniform source in [0, 1). */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

void describe('nextDelay', () => {
  void test('without jitter the delay grows by the multiplier from the initial delay', () => {
    assert.deepEqual(
      [0, 1, 2, 3, 4, 5].map((f) => nextDelay(NO_JITTER, f)),
      [100, 200, 400, 800, 1600, 3200],
    );
  });

  void test('the delay is bounded by maxDelayMs, however many failures (no overflow)', () => {
    for (const f of [6, 7, 30, 31, 1_000, 1e9, Number.MAX_SAFE_INTEGER])
      assert.equal(nextDelay(NO_JITTER, f), 5_000, `failures=${f}`);
    const huge: RetryPolicy = { initialDelayMs: 1e300, multiplier: 1e10, maxDelayMs: 60_000, jitter: 'none' };
    assert.equal(nextDelay(huge, 1_000), 60_000);
    for (const f of [0, 5, 10, 100, 1_000]) assert.ok(nextDelay(POLICY, f, () => 0.999_999_9) < 5_000);
  });

  void test('full jitter draws uniformly within [0, ceiling) of the current step', () => {
    assert.equal(
      nextDelay(POLICY, 3, () => 0.5),
      400,
    ); // ceiling 800
    assert.equal(
      nextDelay(POLICY, 3, () => 0.999_999),
      799,
    );
    assert.equal(
      nextDelay(POLICY, 10, () => 0.5),
      2_500,
    ); // ceiling capped at 5000
    const random = lcg(42);
    for (let f = 0; f < 12; f++) {
      const ceiling = Math.min(5_000, 100 * 2 ** f);
      const draws = Array.from({ length: 200 }, () => nextDelay(POLICY, f, random));
      for (const d of draws) {
        assert.ok(Number.isInteger(d), `integer delay, got ${d}`);
        assert.ok(d >= 10 && d < ceiling, `failures=${f}: ${d} not in [10, ${ceiling})`);
      }
      // Spread over the range, not clustered at the ceiling (devices do not retry in step).
      assert.ok(Math.min(...draws) < ceiling / 4 && Math.max(...draws) > (ceiling * 3) / 4, `failures=${f}`);
    }
  });

  void test('with jitter the mean delay still grows with the number of failures until the cap', () => {
    const mean = (f: number) => {
      const random = lcg(7);
      let sum = 0;
      for (let i = 0; i < 500; i++) sum += nextDelay(POLICY, f, random);
      return sum / 500;
    };
    const means = [0, 1, 2, 3, 4, 5, 6].map(mean);
    for (let i = 1; i < means.length; i++) assert.ok(means[i]! > means[i - 1]!, `mean[${i}]=${means[i]}`);
  });

  void test('the delay is never below 10 ms, so that a retry loop never spins', () => {
    assert.equal(
      nextDelay(POLICY, 0, () => 0),
      10,
    );
    assert.equal(
      nextDelay(POLICY, 5, () => 0),
      10,
    );
    const tiny: RetryPolicy = { initialDelayMs: 1, multiplier: 1, maxDelayMs: 1, jitter: 'none' };
    assert.equal(nextDelay(tiny, 0), 10);
    const zero: RetryPolicy = { initialDelayMs: 0, multiplier: 2, maxDelayMs: 1_000, jitter: 'full' };
    assert.equal(
      nextDelay(zero, 3, () => 0.7),
      10,
    );
  });

  void test('the shipped policies back off from 250 ms with jitter and cap at 30 s and 10 s', () => {
    assert.equal(nextDelay({ ...RECOVERY_POLICY, jitter: 'none' }, 0), 250);
    assert.equal(nextDelay({ ...RECOVERY_POLICY, jitter: 'none' }, 100), 30_000);
    assert.equal(nextDelay({ ...STREAM_POLICY, jitter: 'none' }, 100), 10_000);
    assert.equal(RECOVERY_POLICY.jitter, 'full');
    assert.equal(STREAM_POLICY.jitter, 'full');
  });
});
