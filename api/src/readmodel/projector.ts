// Feeds the read model from the peer's Deliver service. The checkpoint in SQLite is the only resume
// position: after any stream failure the stream is reopened at readModel.nextBlock(), so blocks are
// neither lost nor applied twice (apply also skips anything below the checkpoint).

import type { Network } from '@hyperledger/fabric-gateway';
import type { Logger } from 'pino';
import { parseBlock } from '../../../network/client/src';
import type { AppliedBlock, ReadModel } from './read-model';

export interface RetryPolicy {
  readonly initialMs: number;
  readonly maxMs: number;
  readonly factor: number;
  /** Fraction (0-1) of each delay that is randomised away, so many API instances do not reconnect in step. */
  readonly jitter: number;
}

export interface ProjectorOptions {
  readonly readModel: ReadModel;
  readonly network: Network;
  readonly log: Logger;
  readonly retry: RetryPolicy;
}

export interface ProjectorCounters {
  readonly blocksApplied: number;
  /** ms since epoch of the last applied block; undefined before the first. */
  readonly lastAppliedAt: number | undefined;
  readonly errors: number;
  readonly reconnects: number;
  readonly ledgerHeight: bigint;
  readonly readModelHeight: bigint;
}

type Closeable = { close(): void };

export function backoffDelay(
  retry: RetryPolicy,
  attempt: number,
  random: () => number = Math.random,
): number {
  const base = Math.min(retry.maxMs, retry.initialMs * Math.pow(retry.factor, attempt));
  const jitter = Math.min(1, Math.max(0, retry.jitter));
  return Math.round(base * (1 - jitter * random()));
}

export class Projector {
  readonly #readModel: ReadModel;
  readonly #network: Network;
  readonly #log: Logger;
  readonly #retry: RetryPolicy;
  readonly #listeners = new Set<(applied: AppliedBlock) => void>();
  readonly #waiters = new Set<{
    block: bigint;
    resolve: (reached: boolean) => void;
    timer: NodeJS.Timeout;
  }>();
  #stream: Closeable | undefined;
  #loop: Promise<void> | undefined;
  #stopped = true;
  #wakeSleep: (() => void) | undefined;
  #ledgerHeight: bigint;
  #blocksApplied = 0;
  #lastAppliedAt: number | undefined;
  #errors = 0;
  #reconnects = 0;

  constructor(options: ProjectorOptions) {
    this.#readModel = options.readModel;
    this.#network = options.network;
    this.#log = options.log;
    this.#retry = options.retry;
    this.#ledgerHeight = options.readModel.nextBlock();
  }

  /** Height of the ledger as far as this projector has seen (last delivered block + 1). */
  get ledgerHeight(): bigint {
    return this.#ledgerHeight;
  }

  get running(): boolean {
    return !this.#stopped;
  }

  counters(): ProjectorCounters {
    return {
      blocksApplied: this.#blocksApplied,
      lastAppliedAt: this.#lastAppliedAt,
      errors: this.#errors,
      reconnects: this.#reconnects,
      ledgerHeight: this.#ledgerHeight,
      readModelHeight: this.#readModel.nextBlock(),
    };
  }

  /** Called after each block is committed to the read model; returns an unsubscribe function. */
  onApplied(listener: (applied: AppliedBlock) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  start(): void {
    if (this.#loop) return;
    this.#stopped = false;
    this.#loop = this.#run().finally(() => {
      this.#loop = undefined;
    });
  }

  /** Closes the stream and resolves once the loop has ended; pending waitFor calls answer false. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#stream?.close();
    this.#wakeSleep?.();
    await this.#loop;
    for (const w of this.#waiters) {
      clearTimeout(w.timer);
      w.resolve(this.#readModel.nextBlock() > w.block);
    }
    this.#waiters.clear();
  }

  /** Resolves true once block `blockNumber` is applied (read your own writes), false on timeout. */
  waitFor(blockNumber: bigint, timeoutMs: number): Promise<boolean> {
    if (this.#readModel.nextBlock() > blockNumber) return Promise.resolve(true);
    return new Promise((resolve) => {
      const waiter = {
        block: blockNumber,
        resolve,
        timer: setTimeout(() => {
          this.#waiters.delete(waiter);
          resolve(this.#readModel.nextBlock() > blockNumber);
        }, timeoutMs),
      };
      this.#waiters.add(waiter);
    });
  }

  async #run(): Promise<void> {
    let attempt = 0;
    while (!this.#stopped) {
      try {
        const startBlock = this.#readModel.nextBlock();
        const stream = await this.#network.getBlockEvents({ startBlock });
        this.#stream = stream;
        if (this.#stopped) break;
        this.#log.info({ startBlock: startBlock.toString() }, 'read model: block stream open');
        for await (const block of stream) {
          const parsed = parseBlock(block);
          if (parsed.number + 1n > this.#ledgerHeight) this.#ledgerHeight = parsed.number + 1n;
          const applied = this.#readModel.apply(parsed);
          attempt = 0;
          if (applied) this.#published(applied);
        }
        if (!this.#stopped) throw new Error('block event stream ended');
      } catch (err) {
        if (this.#stopped) break;
        this.#errors++;
        const delay = backoffDelay(this.#retry, attempt++);
        this.#log.warn(
          { err, nextBlock: this.#readModel.nextBlock().toString(), retryInMs: delay },
          'read model: block stream failed; reopening from the checkpoint',
        );
        this.#stream?.close();
        this.#stream = undefined;
        await this.#sleep(delay);
        if (!this.#stopped) this.#reconnects++;
      } finally {
        this.#stream?.close();
        this.#stream = undefined;
      }
    }
  }

  #published(applied: AppliedBlock): void {
    this.#blocksApplied++;
    this.#lastAppliedAt = Date.now();
    const height = this.#readModel.nextBlock();
    for (const w of this.#waiters) {
      if (height > w.block) {
        clearTimeout(w.timer);
        this.#waiters.delete(w);
        w.resolve(true);
      }
    }
    for (const listener of this.#listeners) {
      try {
        listener(applied);
      } catch (err) {
        // A subscriber's bug must not stop the projection for everyone.
        this.#log.error({ err, block: applied.number.toString() }, 'read model: onApplied listener threw');
      }
    }
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.#wakeSleep = () => {
        this.#wakeSleep = undefined;
        done();
      };
    });
  }
}
