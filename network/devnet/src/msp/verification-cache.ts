import { createHash } from 'node:crypto';

/**
 * Results of signature checks by (identity, message, signature). A check is a pure function of those
 * bytes, so a transaction's signatures, checked once when it is proposed or broadcast, need not be
 * checked again at commit; P-256 verification costs ~0.2 ms here and a transaction carries several.
 */
const MAX_ENTRIES = 100_000;
const results = new Map<string, boolean>();

export function verificationKey(identityId: string, message: Uint8Array, signature: Uint8Array): string {
  return createHash('sha256').update(identityId).update(signature).update(message).digest('base64');
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
