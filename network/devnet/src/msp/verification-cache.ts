import { createHash } from 'node:crypto';

/**
 * Results of signature checks by (identity, message, signature). A check is a pure function of those
 * bytes, so a transaction's signatures, checked once when it is proposed or broadcast, need not be
 * checked again at commit; P-256 verification costs ~0.2 ms here and a transaction carries several.
 */
const MAX_ENTRIES = 100_000;
const results = new Map<string, boolean>();

/**
 * Keys already computed, by the signature's bytes object: one check asks several times (the async
 * pre-check, the identity check, each policy that names the signer) with the very same message and
 * signature objects, and hashing a 2-4 KiB message each time cost ~4% of the devnet's CPU. Only the same
 * objects hit; equal bytes in other objects are hashed again, so nothing depends on contents here.
 */
const keysBySignature = new WeakMap<
  Uint8Array,
  { readonly identityId: string; readonly message: Uint8Array; readonly key: string }
>();

export function verificationKey(identityId: string, message: Uint8Array, signature: Uint8Array): string {
  const known = keysBySignature.get(signature);
  if (known && known.message === message && known.identityId === identityId) return known.key;
  const key = createHash('sha256').update(identityId).update(signature).update(message).digest('base64');
  keysBySignature.set(signature, { identityId, message, key });
  return key;
}

export function cachedVerification(key: string): boolean | undefined {
  return results.get(key);
}

export function rememberVerification(key: string, valid: boolean): void {
  if (results.size >= MAX_ENTRIES) {
    // Drop the oldest tenth: Map iterates in insertion order.
    let n = MAX_ENTRIES / 10;
    for (const k of results.keys()) {
      results.delete(k);
      if (--n === 0) break;
    }
  }
  results.set(key, valid);
}

/** `<mspid>:<hex SHA-256 of the certificate DER>`, the same id Identity carries. */
export function identityIdOf(mspId: string, certDer: Uint8Array): string {
  return `${mspId}:${createHash('sha256').update(certDer).digest('hex')}`;
}
