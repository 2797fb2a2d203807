// Retry policies written as data. The edge's loops (recovery, the commit stream) wait between attempts
// but must wake up early when the link comes back, so they take only the delay from here rather than
// handing their loop to a retry library that cannot be interrupted.

export interface RetryPolicy {
  readonly initialDelayMs: number;
  readonly multiplier: number;
  readonly maxDelayMs: number;
  /** 'full': a uniform delay in [0, d) (AWS's "full jitter"), so that devices do not retry in step. */
  readonly jitter: 'full' | 'none';
}

export const RECOVERY_POLICY: RetryPolicy = {
  initialDelayMs: 250,
  multiplier: 2,
  maxDelayMs: 30_000,
  jitter: 'full',
};

export const STREAM_POLICY: RetryPolicy = {
  initialDelayMs: 250,
  multiplier: 2,
  maxDelayMs: 10_000,
  jitter: 'full',
};

/** The delay before attempt `failures + 1`; at least 10 ms so that a loop never spins. */
export function nextDelay(policy: RetryPolicy, failures: number, random: () => number = Math.random): number {
  const ceiling = Math.min(
    policy.maxDelayMs,
    policy.initialDelayMs * policy.multiplier ** Math.min(failures, 30),
  );
  return Math.max(10, policy.jitter === 'full' ? Math.floor(random() * ceiling) : ceiling);
}

/** A delay that `wake()` ends early: a loop's back-off, cut short when the link returns or on stop. */
export class WakeableDelay {
  #wake: (() => void) | undefined;

  wait(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.#wake = () => {
        clearTimeout(timer);
        resolve();
      };
    }).finally(() => (this.#wake = undefined));
  }

  wake(): void {
    this.#wake?.();
  }
}
