// An enrolment secret travels to a device encrypted for the device's own public key (seed Figure 9, with
// the device's key generated on the device): a JWE in compact form, ECDH-ES key agreement on P-256 with
// A256GCM content encryption. Only the device can open it; anyone may carry it.

import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { CompactEncrypt, compactDecrypt } from 'jose';

const ALG = 'ECDH-ES';
const ENC = 'A256GCM';
/** Marks what the JWE carries, so that a sealed secret is not mistaken for another JWE. */
const TYPE = 'manusquare-enrolment-secret';

export class SealedSecretError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SealedSecretError';
  }
}

function p256Public(publicKeyPem: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPublicKey(publicKeyPem);
  } catch (err) {
    throw new SealedSecretError('the device public key is not a PEM public key', { cause: err });
  }
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1')
    throw new SealedSecretError('the device public key must be an EC P-256 key');
  return key;
}

/** Encrypts `secret` so that only the holder of the private key of `publicKeyPem` can read it. */
export async function sealSecret(secret: string, publicKeyPem: string): Promise<string> {
  const key = p256Public(publicKeyPem);
  return new CompactEncrypt(new TextEncoder().encode(secret))
    .setProtectedHeader({ alg: ALG, enc: ENC, cty: TYPE })
    .encrypt(key);
}

/** Opens a sealed secret with the device's private key; a clear error when it was sealed for another key. */
export async function openSealedSecret(sealed: string, privateKeyPem: string): Promise<string> {
  let key: KeyObject;
  try {
    key = createPrivateKey(privateKeyPem);
  } catch (err) {
    throw new SealedSecretError('the device private key is not a PEM private key', { cause: err });
  }
  try {
    const { plaintext, protectedHeader } = await compactDecrypt(sealed.trim(), key, {
      keyManagementAlgorithms: [ALG],
      contentEncryptionAlgorithms: [ENC],
    });
    if (protectedHeader.cty !== TYPE)
      throw new SealedSecretError(`not a sealed enrolment secret (cty ${String(protectedHeader.cty)})`);
    return new TextDecoder().decode(plaintext);
  } catch (err) {
    if (err instanceof SealedSecretError) throw err;
    const code = (err as { code?: string }).code;
    if (code === 'ERR_JWE_DECRYPTION_FAILED')
      throw new SealedSecretError('the sealed secret was not sealed for this device key', { cause: err });
    throw new SealedSecretError(`the sealed secret is malformed: ${(err as Error).message}`, { cause: err });
  }
}
