/** A signature over some data by a serialized identity, the unit every policy check works on. */
export interface SignedData {
  readonly identity: Uint8Array;
  readonly data: Uint8Array;
  readonly signature: Uint8Array;
}

/** Policy checks of one channel; each returns undefined when allowed, else why not. */
export interface ChannelAccess {
  checkPolicy(path: string, signed: SignedData): Promise<string | undefined>;
  /** Fabric's peer/Propose ACL: the creator must satisfy /Channel/Application/Writers. */
  checkWriter(creator: Uint8Array, data: Uint8Array, signature: Uint8Array): Promise<string | undefined>;
  /** Deliver and event ACLs: /Channel/Application/Readers. */
  checkReader(signed: SignedData): Promise<string | undefined>;
  /** The chaincode's endorsement policy (its definition's, or the channel's Endorsement policy). */
  checkEndorsement(chaincodeName: string, endorsements: SignedData[]): string | undefined;
  /** The creator is a valid, unrevoked member and signed the data. */
  checkCreator(signed: SignedData): Promise<string | undefined>;
  /** Checks signatures on the thread pool ahead of the synchronous policy evaluations that need them. */
  preverify(signed: readonly SignedData[]): Promise<void>;
  describeCreator(creator: Uint8Array): string;
}
