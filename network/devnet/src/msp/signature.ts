// ECDSA P-256 signatures in Fabric's form: DER-encoded and low-S. Fabric's bccsp rejects high-S
// signatures to rule out malleability (a second valid signature -> a second tx id), so we must too.
import { createPrivateKey, sign, verify, type KeyObject } from 'node:crypto';
import { cachedVerification, rememberVerification, verificationKey } from './verification-cache';
import type { Identity } from './identity';

const P256_N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;
const P256_HALF_N = P256_N >> 1n;

export interface EcdsaSignature {
  readonly r: bigint;
  readonly s: bigint;
}

function readLength(der: Uint8Array, offset: number): [length: number, next: number] | undefined {
  const first = der[offset];
  if (first === undefined) return undefined;
  if (first < 0x80) return [first, offset + 1];
  const count = first & 0x7f;
  if (count === 0 || count > 2) return undefined;
  let length = 0;
  for (let i = 1; i <= count; i++) {
    const b = der[offset + i];
    if (b === undefined) return undefined;
    length = length * 256 + b;
  }
  return [length, offset + 1 + count];
}

function readInteger(der: Uint8Array, offset: number): [value: bigint, next: number] | undefined {
  if (der[offset] !== 0x02) return undefined;
  const len = readLength(der, offset + 1);
  if (!len || len[0] === 0 || len[1] + len[0] > der.length) return undefined;
  const bytes = der.subarray(len[1], len[1] + len[0]);
  if ((bytes[0] ?? 0) & 0x80) return undefined; // negative
  return [BigInt(`0x${Buffer.from(bytes).toString('hex')}`), len[1] + len[0]];
}

/** Parses SEQUENCE{INTEGER r, INTEGER s}; undefined when the encoding is not exactly that. */
export function parseDerSignature(der: Uint8Array): EcdsaSignature | undefined {
  if (der[0] !== 0x30) return undefined;
  const seq = readLength(der, 1);
  if (!seq || seq[1] + seq[0] !== der.length) return undefined;
  const r = readInteger(der, seq[1]);
  if (!r) return undefined;
  const s = readInteger(der, r[1]);
  if (!s || s[1] !== der.length) return undefined;
  return { r: r[0], s: s[0] };
}

function integerBytes(value: bigint): Buffer {
  let hex = value.toString(16);
  if (hex.length % 2 === 1) hex = `0${hex}`;
  const bytes = Buffer.from(hex, 'hex');
  return (bytes[0] ?? 0) & 0x80 ? Buffer.concat([Buffer.from([0]), bytes]) : bytes;
}

export function encodeDerSignature(signature: EcdsaSignature): Buffer {
  const r = integerBytes(signature.r);
  const s = integerBytes(signature.s);
  // r and s are at most 33 bytes each, so every length fits the short form.
  return Buffer.concat([
    Buffer.from([0x30, r.length + s.length + 4, 0x02, r.length]),
    r,
    Buffer.from([0x02, s.length]),
    s,
  ]);
}

export function isLowS(signature: EcdsaSignature): boolean {
  return signature.s <= P256_HALF_N;
}

/** Re-encodes with s replaced by n - s when s is in the upper half, as bccsp's signECDSA does. */
export function toLowS(der: Uint8Array): Buffer {
  const parsed = parseDerSignature(der);
  if (!parsed) throw new TypeError('not a DER ECDSA signature');
  return isLowS(parsed) ? Buffer.from(der) : encodeDerSignature({ r: parsed.r, s: P256_N - parsed.s });
}

/** DER ECDSA-SHA256 signature with low S. Accepts a KeyObject or a PKCS#8 PEM. */
export function signLowS(privateKey: KeyObject | string, message: Uint8Array): Buffer {
  const key = typeof privateKey === 'string' ? createPrivateKey(privateKey) : privateKey;
  return toLowS(sign('sha256', message, { key, dsaEncoding: 'der' }));
}

/** Never throws: malformed, high-S or wrong signatures are simply invalid. Results are cached. */
export function verifySignature(identity: Identity, message: Uint8Array, derSignature: Uint8Array): boolean {
  const key = verificationKey(identity.id, message, derSignature);
  const cached = cachedVerification(key);
  if (cached !== undefined) return cached;
  const valid = wellFormed(derSignature) && verifyNow(identity, message, derSignature);
  rememberVerification(key, valid);
  return valid;
}

/**
 * The same check on libuv's thread pool, so signature checks of concurrent requests run beside the event
 * loop (on a 2-core machine, the other core). Later synchronous checks of the same bytes hit the cache.
 */
export function verifySignatureAsync(
  identity: Identity,
  message: Uint8Array,
  derSignature: Uint8Array,
): Promise<boolean> {
  const key = verificationKey(identity.id, message, derSignature);
  const cached = cachedVerification(key);
  if (cached !== undefined) return Promise.resolve(cached);
  if (!wellFormed(derSignature)) {
    rememberVerification(key, false);
    return Promise.resolve(false);
  }
  return new Promise((resolve) => {
    try {
      verify(
        'sha256',
        message,
        { key: identity.publicKey, dsaEncoding: 'der' },
        derSignature,
        (err, valid) => {
          const result = !err && valid;
          rememberVerification(key, result);
          resolve(result);
        },
      );
    } catch {
      rememberVerification(key, false);
      resolve(false);
    }
  });
}

function wellFormed(derSignature: Uint8Array): boolean {
  const parsed = parseDerSignature(derSignature);
  return parsed !== undefined && parsed.r > 0n && parsed.s > 0n && isLowS(parsed);
}

function verifyNow(identity: Identity, message: Uint8Array, derSignature: Uint8Array): boolean {
  try {
    return verify('sha256', message, { key: identity.publicKey, dsaEncoding: 'der' }, derSignature);
  } catch {
    return false;
  }
}
