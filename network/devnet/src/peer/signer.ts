import type { KeyObject } from 'node:crypto';
import { msp } from '../protos';
import { signLowS } from '../msp';

/** A node's signing identity: its MSP, certificate and private key. */
export class SigningIdentity {
  readonly mspId: string;
  readonly certPem: string;
  readonly serialized: Uint8Array;
  readonly #key: KeyObject;

  constructor(mspId: string, certPem: string, privateKey: KeyObject) {
    this.mspId = mspId;
    this.certPem = certPem;
    this.#key = privateKey;
    const id = new msp.SerializedIdentity();
    id.setMspid(mspId);
    id.setIdBytes(Buffer.from(certPem));
    this.serialized = id.serializeBinary();
  }

  sign(message: Uint8Array): Buffer {
    return signLowS(this.#key, message);
  }
}
