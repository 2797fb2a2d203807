import { createPrivateKey, sign, type KeyObject } from 'node:crypto';
import { hash, type Signer } from '@hyperledger/fabric-gateway';

const P256_N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;
const HALF_N = P256_N >> 1n;

/**
 * A signer on node:crypto (OpenSSL) instead of fabric-gateway's pure-JS P-256, about ten times faster.
 * Use it with `hash: hash.none`: the gateway then hands over the whole message and OpenSSL hashes it.
 * S is normalised to the lower half of the curve order because Fabric rejects high-S signatures.
 */
export interface FastSigning {
  readonly signer: Signer;
  readonly hash: typeof hash.none;
}

export function newFastSigner(privateKey: KeyObject | string): FastSigning {
  const key = typeof privateKey === 'string' ? createPrivateKey(privateKey) : privateKey;
  return {
    hash: hash.none,
    signer: async (message: Uint8Array) =>
      lowSDer(sign('sha256', message, { key, dsaEncoding: 'ieee-p1363' })),
  };
}

/** DER SEQUENCE{r, s} from a 64-byte r||s, with s replaced by n - s in the upper half. */
function lowSDer(p1363: Buffer): Uint8Array {
  const r = p1363.subarray(0, 32);
  let s = BigInt(`0x${p1363.subarray(32).toString('hex')}`);
  if (s > HALF_N) s = P256_N - s;
  const sBytes = Buffer.from(s.toString(16).padStart(64, '0'), 'hex');
  const ri = derInteger(r);
  const si = derInteger(sBytes);
  return Buffer.concat([Buffer.from([0x30, ri.length + si.length]), ri, si]);
}

function derInteger(bytes: Buffer): Buffer {
  let i = 0;
  while (i < bytes.length - 1 && bytes[i] === 0) i++;
  let body = bytes.subarray(i);
  if ((body[0] ?? 0) & 0x80) body = Buffer.concat([Buffer.from([0]), body]);
  return Buffer.concat([Buffer.from([0x02, body.length]), body]);
}
