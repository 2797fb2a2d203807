export interface BatchSize {
  /** Cut a block once it holds this many transactions. */
  readonly maxMessageCount: number;
  /** Refuse any single transaction larger than this. */
  readonly absoluteMaxBytes: number;
  /** Cut before a block would grow past this; a larger transaction gets a block of its own. */
  readonly preferredMaxBytes: number;
}

export interface BlockCutterOptions {
  readonly batchSize: BatchSize;
  /** Cut a non-empty batch this long after its first transaction arrived. */
  readonly batchTimeoutMs: number;
  /** Receives each cut batch, in order. */
  readonly onBatch: (batch: Uint8Array[]) => void;
}

/**
 * Fabric's block cutter (orderer/common/blockcutter) plus the batch timer its consenter runs: batches by
 * MaxMessageCount and PreferredMaxBytes, and by BatchTimeout measured from the first pending message.
 */
export class BlockCutter {
  readonly #options: BlockCutterOptions;
  #pending: Uint8Array[] = [];
  #pendingBytes = 0;
  #timer: NodeJS.Timeout | undefined;

  constructor(options: BlockCutterOptions) {
    this.#options = options;
  }

  get pendingCount(): number {
    return this.#pending.length;
  }

  ordered(message: Uint8Array): void {
    const { maxMessageCount, preferredMaxBytes } = this.#options.batchSize;
    const size = message.length;
    if (size > preferredMaxBytes) {
      this.cut();
      this.#emit([message]);
      return;
    }
    if (this.#pendingBytes + size > preferredMaxBytes) this.cut();
    this.#pending.push(message);
    this.#pendingBytes += size;
    if (this.#pending.length >= maxMessageCount) {
      this.cut();
    } else if (this.#pending.length === 1) {
      this.#timer = setTimeout(() => this.cut(), this.#options.batchTimeoutMs);
    }
  }

  /** Cuts whatever is pending (no-op when empty). */
  cut(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#pending.length === 0) return;
    const batch = this.#pending;
    this.#pending = [];
    this.#pendingBytes = 0;
    this.#emit(batch);
  }

  #emit(batch: Uint8Array[]): void {
    this.#options.onBatch(batch);
  }

  stop(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
