import type { common } from '../protos';
import type { ChaincodeConnection } from './chaincode-connection';
import type { StateReader } from './state';

/** What a chaincode definition says (the devnet keeps the definitions in its configuration, not _lifecycle). */
export interface ChaincodeDefinition {
  readonly name: string;
  readonly version: string;
  /** Signature policy the endorsements must satisfy; undefined means the channel's Endorsement policy. */
  readonly endorsementPolicy: common.SignaturePolicyEnvelope | undefined;
  /** The policy as written by the operator, for messages and the network profile. */
  readonly endorsementPolicyText: string;
}

/** The peer's per-channel services, shared by the peers of the devnet (they hold one copy of the ledger). */
export interface ChannelServices {
  readonly channelId: string;
  readonly state: StateReader;
  /** True when the transaction id is already in the ledger or in a block being committed. */
  hasTxId(txId: string): Promise<boolean>;
  chaincode(name: string): ChaincodeDefinition | undefined;
}

/** A peer's own connections to the chaincode servers, by chaincode name. */
export type ChaincodeConnections = ReadonlyMap<string, ChaincodeConnection>;
