// Plain, protobuf-free shapes shared by the ledger and the committer. Block and tx numbers are
// `number` everywhere (exact below 2^53); protobuf uint64 fields decode to number in google-protobuf.

/** Fabric's version.Height: the (block, tx) position that last wrote a key. */
export interface Version {
  blockNum: number;
  txNum: number;
}

/** google.protobuf.Timestamp as plain numbers. */
export interface Timestamp {
  seconds: number;
  nanos: number;
}

export interface Endorsement {
  endorser: Uint8Array;
  signature: Uint8Array;
}

export interface ChaincodeResponse {
  status: number;
  message: string;
  payload: Uint8Array;
}

export interface ChaincodeEventInfo {
  chaincodeId: string;
  txId: string;
  eventName: string;
  payload: Uint8Array;
}

export interface KVReadInfo {
  key: string;
  /** Absent when the key did not exist at simulation time. */
  version?: Version;
}

export interface RangeQueryInfo {
  startKey: string;
  endKey: string;
  itrExhausted: boolean;
  /** Present when the simulator recorded every read of the range. */
  rawReads?: KVReadInfo[];
  /** Present instead of rawReads for large ranges (Merkle summary). */
  readsMerkleHashes?: { maxDegree: number; maxLevel: number; maxLevelHashes: Uint8Array[] };
}

export interface KVWriteInfo {
  key: string;
  isDelete: boolean;
  value: Uint8Array;
}

export interface MetadataEntry {
  name: string;
  value: Uint8Array;
}

export interface MetadataWriteInfo {
  key: string;
  /** Empty means "delete all metadata of the key" (Fabric treats nil entries that way). */
  entries: MetadataEntry[];
}

export interface CollectionHashedRwSetInfo {
  collectionName: string;
  hashedRwset: Uint8Array;
  pvtRwsetHash: Uint8Array;
}

export interface NsRwSet {
  namespace: string;
  reads: KVReadInfo[];
  rangeQueries: RangeQueryInfo[];
  writes: KVWriteInfo[];
  metadataWrites: MetadataWriteInfo[];
  /** Private-data hashes are carried through undecoded; the devnet ledger does not apply them. */
  collectionHashedRwSets: CollectionHashedRwSetInfo[];
}

export interface TransactionActionInfo {
  /** From ChaincodeAction.chaincode_id (the chaincode that produced the rwset). */
  chaincodeName: string;
  chaincodeVersion: string;
  /** SignatureHeader bytes of the TransactionAction (creator of the proposal). */
  header: Uint8Array;
  /** Raw ChaincodeProposalPayload bytes (input, transient map stripped by the client). */
  chaincodeProposalPayload: Uint8Array;
  /** Raw bytes the endorsers signed (message = these bytes ++ endorser identity). */
  proposalResponsePayload: Uint8Array;
  /** ProposalResponsePayload.proposal_hash. */
  proposalHash: Uint8Array;
  endorsements: Endorsement[];
  response: ChaincodeResponse;
  event?: ChaincodeEventInfo;
  /** Raw TxReadWriteSet bytes, kept for hashing/comparison by validators. */
  results: Uint8Array;
  nsRwSets: NsRwSet[];
}

export interface ParsedTransaction {
  txId: string;
  channelId: string;
  /** common.HeaderType (3 = ENDORSER_TRANSACTION, 1 = CONFIG, ...). */
  type: number;
  /** ChannelHeader.version and epoch are rarely needed but cheap to keep. */
  version: number;
  epoch: number;
  timestamp?: Timestamp;
  /** SignatureHeader.creator: serialized msp.SerializedIdentity. */
  creator: Uint8Array;
  nonce: Uint8Array;
  /** Envelope.signature over payloadBytes. */
  signature: Uint8Array;
  payloadBytes: Uint8Array;
  channelHeaderBytes: Uint8Array;
  signatureHeaderBytes: Uint8Array;
  /** Payload.data: the Transaction for endorser txs, the ConfigEnvelope for config txs. */
  data: Uint8Array;
  /** ChaincodeHeaderExtension.chaincode_id.name from the channel header (endorser txs only). */
  headerChaincodeName?: string;
  /** Only filled for ENDORSER_TRANSACTION; empty otherwise. */
  actions: TransactionActionInfo[];
}

/** A current-state entry (Fabric's VersionedValue). */
export interface StateEntry {
  value: Uint8Array;
  version: Version;
  /** Empty when the key has no metadata (e.g. no key-level endorsement policy). */
  metadata: MetadataEntry[];
}

export interface StateRangeEntry {
  key: string;
  value: Uint8Array;
  version: Version;
}

export interface HistoryEntry {
  txId: string;
  blockNum: number;
  txNum: number;
  timestamp?: Timestamp;
  isDelete: boolean;
  value: Uint8Array;
}

export interface TxLocation {
  blockNum: number;
  txNum: number;
  /** peer.TxValidationCode from the block's TRANSACTIONS_FILTER. */
  validationCode: number;
}

export interface BlockCommitInfo {
  blockNumber: number;
  /** Per tx: its id, or undefined when the envelope's header could not be decoded. */
  txIds: (string | undefined)[];
  /** The block's TRANSACTIONS_FILTER (one peer.TxValidationCode per tx). */
  validationCodes: Uint8Array;
  /** Per tx: the parsed envelope, or undefined when it did not decode. */
  transactions: (ParsedTransaction | undefined)[];
}
