/**
 * Values derived from the newest committed blocks (their parsed forms), kept for the readers that follow the
 * chain's head: every live event stream reads each block right after its commit, so one parse serves them all.
 *
 * Only the newest `limit` blocks below the current height are kept, and a value for an older block (a reader
 * catching up from far behind) is never stored, so catching up cannot push out the head. The limit stays small
 * on purpose: whatever is kept here outlives V8's young generation, and holding 256 parsed blocks
 * (~13,000 transactions under load) cost the devnet ~7 % more CPU per transaction, in garbage collection,
 * and ~230 MiB of memory.
 */
export class NewestBlocks<T> {
  readonly #limit: number;
  readonly #values = new Map<number, T>();

  constructor(limit: number) {
    if (!Number.isInteger(limit) || limit < 1)
      throw new RangeError(`limit must be a positive integer: ${limit}`);
    this.#limit = limit;
  }

  get size(): number {
    return this.#values.size;
  }

  get(blockNumber: number): T | undefined {
    return this.#values.get(blockNumber);
  }

  /** Keeps `value` if `blockNumber` is among the newest blocks below `height`; drops those no longer so. */
  offer(blockNumber: number, value: T, height: number): void {
    const oldest = height - this.#limit;
    if (blockNumber < oldest || blockNumber >= height) return;
    this.#values.set(blockNumber, value);
    for (const n of this.#values.keys()) if (n < oldest) this.#values.delete(n);
  }
}
