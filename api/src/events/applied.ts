// Waiting for the read model's next block: the wake-up signal of the streams and waits that read the
// read model directly (committed blocks, one transaction's status, a mutation's commit).

export interface AppliedSource {
  onApplied(listener: () => void): () => void;
}

/** Resolves true when the next block is applied, or false after `timeoutMs` (no timeout when absent). */
export function waitForApplied(source: AppliedSource, timeoutMs?: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer =
      timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            off();
            resolve(false);
          }, timeoutMs);
    const off = source.onApplied(() => {
      off();
      if (timer) clearTimeout(timer);
      resolve(true);
    });
  });
}
