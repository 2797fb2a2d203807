// The device listens for its own commits (seed section 4.2) on one filtered-block stream, started from
// the buffer's checkpoint. Fabric's Gateway does not re-open event streams, so this loop does, with
// back-off; the checkpoint moves in the same SQLite transaction as the rows it resolves.

import type { Network } from '@hyperledger/fabric-gateway';
import type { peer } from '@hyperledger/fabric-protos';
import { validationCodeName } from '../../../network/client/src';
import { nextDelay, WakeableDelay, type RetryPolicy } from '../retry';

export interface FilteredTx {
  readonly txId: string;
  readonly validationCode: string;
}

export interface CommitListenerOptions {
  readonly network: Network;
  /** The block to start from; undefined until the forwarder has a first commit (a new buffer). */
  readonly startBlock: () => number | undefined;
  /** Handles one block; must persist the checkpoint (block + 1) before returning. */
  readonly onBlock: (blockNumber: number, transactions: readonly FilteredTx[]) => void;
  readonly onState: (connected: boolean, error?: Error) => void;
  readonly policy: RetryPolicy;
}

export class CommitListener {
  readonly #options: CommitListenerOptions;
  #stream: { close(): void } | undefined;
  #stopped = false;
  #loop: Promise<void> | undefined;
  readonly #delay = new WakeableDelay();

  constructor(options: CommitListenerOptions) {
    this.#options = options;
  }

  /** Starts the supervised loop. */
  start(): void {
    this.#loop ??= this.#run();
  }

  /** Re-opens the stream at once instead of waiting out the back-off (the link came back). */
  poke(): void {
    this.#delay.wake();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#stream?.close();
    this.#delay.wake();
    await this.#loop;
  }

  async #run(): Promise<void> {
    let failures = 0;
    while (!this.#stopped) {
      try {
        const start = this.#options.startBlock();
        if (start === undefined) {
          // No checkpoint yet: the forwarder sets one from its first commit (see Forwarder#submit).
          await this.#delay.wait(200);
          continue;
        }
        const stream = await this.#options.network.getFilteredBlockEvents({ startBlock: BigInt(start) });
        this.#stream = stream;
        let announced = false;
        for await (const block of stream as AsyncIterable<peer.FilteredBlock>) {
          if (!announced) {
            announced = true;
            failures = 0;
            this.#options.onState(true);
          }
          const number = block.getNumber();
          this.#options.onBlock(
            number,
            block.getFilteredTransactionsList().map((t) => ({
              txId: t.getTxid(),
              validationCode: validationCodeName(t.getTxValidationCode()),
            })),
          );
        }
        if (this.#stopped) break;
        throw new Error('the peer ended the block stream');
      } catch (err) {
        if (this.#stopped) break;
        this.#options.onState(false, err as Error);
        await this.#delay.wait(nextDelay(this.#options.policy, failures++));
      } finally {
        this.#stream?.close();
        this.#stream = undefined;
      }
    }
  }
}
