import type { common } from '../protos';
import type { ChannelAccess } from '../peer/access';
import type { ChannelServices } from '../peer/channel';
import type { ParsedTransaction, TxLocation } from '../ledger/types';

/** What the Gateway and Deliver services need of a channel on their peer. */
export interface ChannelView extends ChannelServices, ChannelAccess {
  readonly height: number;
  getBlock(number: number): Promise<common.Block>;
  /** Resolves when block `number` is committed; rejects when the signal aborts. */
  waitForBlock(number: number, signal: AbortSignal): Promise<void>;
  getTxLocation(txId: string): Promise<TxLocation | undefined>;
  /** Resolves with the transaction's validation code and block once it is committed. */
  waitForTransaction(txId: string, signal: AbortSignal): Promise<TxLocation>;
  /** Parsed transactions of a committed block, with their validation codes (cached for event streams). */
  parsedBlock(number: number): Promise<ParsedBlock>;
}

export interface ParsedBlock {
  readonly block: common.Block;
  readonly transactions: readonly (ParsedTransaction | undefined)[];
  readonly validationCodes: Uint8Array;
}
