// Waiting for the read model's next block: the wake-up signal of the streams that read the read model
// directly (committed blocks, one transaction's status).

export interface AppliedSource {
  onApplied(listener: () => void): () => void;
}

export function waitForApplied(source: AppliedSource): Promise<void> {
  return new Promise((resolve) => {
    const off = source.onApplied(() => {
      off();
      resolve();
    });
  });
}
