export {
  ChannelLedger,
  type BlockCommittedListener,
  type ChannelLedgerOptions,
  type CommitOptions,
} from './ledger';
export { BlockStore, blockFileName, blockStoreDir, type BlockStoreOptions } from './blockstore';
export { blockDataHash, blockHeaderBytes, blockHeaderHash } from './blockhash';
export { transactionsFilter } from './blockapply';
export { parseTransaction, parseTxHeader, type TxHeaderInfo } from './txparse';
export type { StateRangeOptions } from './statedb';
export * from './errors';
export type * from './types';
