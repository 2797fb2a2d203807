export type MspRole = 'member' | 'admin' | 'client' | 'peer' | 'orderer';

/** One signature over `data` by the serialized identity (msp.SerializedIdentity bytes). */
export interface SignedData {
  readonly identity: Uint8Array;
  readonly data: Uint8Array;
  readonly signature: Uint8Array;
}

/** Hook for the devnet CA's revocation list; called on every validation so revocations apply at once. */
export type RevocationCheck = (serialHex: string, mspId: string) => boolean;
