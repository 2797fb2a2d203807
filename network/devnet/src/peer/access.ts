/** A signature over some data by a serialized identity, the unit every policy check works on. */
export interface SignedData {
  readonly identity: Uint8Array;
  readonly data: Uint8Array;
  readonly signature: Uint8Array;
}

/** Policy checks of one channel; each returns undefined when allowed, else why not. */
export interface ChannelAccess {
  checkPolicy(path: string, signed: SignedData): string | undefined;
  /** Fabric's peer/Propose ACL: the creator must satisfy /Channel/Application/Writers. */
  checkWriter(creator: Uint8Array, data: Uint8Array, signature: Uint8Array): string | undefined;
  /** Deliver and event ACLs: /Channel/Application/Readers. */
  checkReader(signed: SignedData): string | undefined;
  /** The chaincode's endorsement policy (its definition's, or the channel's Endorsement policy). */
  checkEndorsement(chaincodeName: string, endorsements: SignedData[]): string | undefined;
  /** The creator is a valid, unrevoked member and signed the data. */
  checkCreator(signed: SignedData): string | undefined;
  describeCreator(creator: Uint8Array): string;
}
