// Time is injected so that tests and simulations get exact timestamps without waiting in real time.

import { setImmediate as nextMacrotask, setTimeout as wait } from 'node:timers/promises';

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Resolves after `ms`, or early (never rejecting) when `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: async (ms, signal) => {
    if (signal?.aborted) return;
    try {
      await wait(ms, undefined, { signal });
    } catch (_aborted) {
      // An abort is how callers stop waiting; they check the signal themselves.
    }
  },
};

/** A clock whose time moves only when something sleeps on it: sleeping is instant and exact. */
export function virtualClock(start: number | string | Date, where = 'virtual clock'): Clock {
  let now = typeof start === 'number' ? start : new Date(start).getTime();
  if (!Number.isFinite(now)) throw new Error(`${where}: start must be a valid date or epoch milliseconds`);
  return {
    now: () => now,
    sleep: async (ms) => {
      now += Math.max(0, ms);
    },
  };
}

export function isoTime(ms: number): string {
  return new Date(ms).toISOString();
}

/**
 * Waits until `target` on `clock`, but never longer than `maxMs`: a wall clock set back by an hour must
 * not stall a source for an hour.
 */
export async function sleepUntil(
  clock: Clock,
  target: number,
  maxMs: number,
  signal?: AbortSignal,
): Promise<void> {
  const ms = Math.min(maxMs, target - clock.now());
  if (ms > 0) await clock.sleep(ms, signal);
}

/**
 * Lets timers and I/O run. Sources that never really wait (interval 0, virtual clock) call it now and then,
 * because a consumer pulling in a tight loop would otherwise starve the event loop, abort timers included.
 */
export async function yieldToEventLoop(): Promise<void> {
  await nextMacrotask();
}
