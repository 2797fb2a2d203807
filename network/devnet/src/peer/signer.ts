import { X509Certificate, type KeyObject } from 'node:crypto';
import { msp } from '../protos';
import { identityIdOf, rememberVerification, signLowS, verificationKey } from '../msp';

/** A node's signing identity: its MSP, certificate and private key. */
export class SigningIdentity {
  readonly mspId: string;
  readonly certPem: string;
  readonly serialized: Uint8Array;
  readonly #key: KeyObject;
  readonly #identityId: string;

  constructor(mspId: string, certPem: string, privateKey: KeyObject) {
    this.mspId = mspId;
    this.certPem = certPem;
    this.#key = privateKey;
    const id = new msp.SerializedIdentity();
    id.setMspid(mspId);
    id.setIdBytes(Buffer.from(certPem));
    this.serialized = id.serializeBinary();
    this.#identityId = identityIdOf(mspId, new X509Certificate(certPem).raw);
  }

  sign(message: Uint8Array): Buffer {
    const signature = signLowS(this.#key, message);
    // A node's own fresh signature is known good: later checks of it (policy, commit) need not redo it.
    rememberVerification(verificationKey(this.#identityId, message, signature), true);
    return signature;
  }
}
