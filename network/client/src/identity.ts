// Client identities from files: a cryptogen or fabric-ca-client MSP folder (signcerts/*.pem,
// keystore/priv_sk or keystore/*_sk), or an explicit certificate and key path.

import { createPrivateKey, createPublicKey, X509Certificate } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { IdentityLocation, NetworkProfile } from './profile';
import { findOrganization } from './profile';

export interface ClientIdentity {
  readonly mspId: string;
  readonly certPem: string;
  readonly keyPem: string;
}

export type IdentitySource =
  { readonly mspDir: string } | { readonly certPath: string; readonly keyPath: string };

export class IdentityError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'IdentityError';
  }
}

/** Reads an identity and checks that the key belongs to the certificate. */
export async function loadIdentity(source: IdentitySource, mspId: string): Promise<ClientIdentity> {
  if (!mspId) throw new IdentityError('an MSP ID is required to load an identity');
  let certPath: string;
  let keyPath: string;
  if ('mspDir' in source) {
    const dir = path.resolve(source.mspDir);
    certPath = await onlyFile(
      path.join(dir, 'signcerts'),
      (f) => f.endsWith('.pem'),
      'a certificate (*.pem)',
    );
    keyPath = await onlyFile(
      path.join(dir, 'keystore'),
      (f) => f === 'priv_sk' || f.endsWith('_sk'),
      'a private key (priv_sk or *_sk)',
    );
  } else {
    certPath = path.resolve(source.certPath);
    keyPath = path.resolve(source.keyPath);
  }
  const certPem = await readText(certPath, 'certificate');
  const keyPem = await readText(keyPath, 'private key');
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(certPem);
  } catch (err) {
    throw new IdentityError(`${certPath} is not a PEM X.509 certificate: ${(err as Error).message}`);
  }
  let publicFromKey: string;
  try {
    publicFromKey = createPublicKey(createPrivateKey(keyPem))
      .export({ type: 'spki', format: 'pem' })
      .toString();
  } catch (err) {
    throw new IdentityError(`${keyPath} is not a PEM private key: ${(err as Error).message}`);
  }
  if (cert.publicKey.export({ type: 'spki', format: 'pem' }).toString() !== publicFromKey) {
    throw new IdentityError(`the private key ${keyPath} does not belong to the certificate ${certPath}`);
  }
  return { mspId, certPem, keyPem };
}

/** An identity the profile lists for an organisation (the devnet lists its users); e.g. `('Org1MSP', 'User1')`. */
export async function loadProfileIdentity(
  profile: NetworkProfile,
  mspId: string,
  user: string,
): Promise<ClientIdentity> {
  const org = findOrganization(profile, mspId);
  const location: IdentityLocation | undefined = org.identities?.[user];
  if (!location) {
    const known = Object.keys(org.identities ?? {});
    throw new IdentityError(
      `network profile '${profile.name}' lists no identity '${user}' for ${mspId}` +
        (known.length > 0 ? ` (has ${known.join(', ')})` : ''),
    );
  }
  return loadIdentity(location, mspId);
}

async function onlyFile(dir: string, match: (name: string) => boolean, what: string): Promise<string> {
  let names: string[];
  try {
    names = await fs.readdir(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new IdentityError(
      `cannot read ${dir}: ${code === 'ENOENT' ? 'folder not found (is this an MSP folder?)' : (err as Error).message}`,
    );
  }
  const found = names.filter(match).sort();
  if (found.length === 0) throw new IdentityError(`${dir} holds no ${what}`);
  if (found.length > 1) {
    // cryptogen writes priv_sk; fabric-ca-client writes <ski>_sk and may leave older keys after a reenroll.
    const preferred = found.find((f) => f === 'priv_sk');
    if (preferred) return path.join(dir, preferred);
    throw new IdentityError(
      `${dir} holds several candidates for ${what} (${found.join(', ')}): give certPath and keyPath`,
    );
  }
  return path.join(dir, found[0] as string);
}

async function readText(file: string, what: string): Promise<string> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new IdentityError(
      `cannot read ${what} ${file}: ${code === 'ENOENT' ? 'file not found' : (err as Error).message}`,
    );
  }
}
