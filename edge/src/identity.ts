// The device's own identity (seed Figure 9, with the key made on the device): `edge keygen` creates the
// key pair and prints the public key for the administrator; `edge enroll` opens the enrolment secret the
// administrator sealed for that key and enrols with a CSR from the same key. Files follow the MSP folder
// layout of fabric-ca-client (msp/keystore, msp/signcerts, msp/cacerts), so Fabric tools can read them.

import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  CaError,
  SealedSecretError,
  findOrganization,
  loadIdentity,
  newCaClient,
  openSealedSecret,
  type ClientIdentity,
  type NetworkProfile,
} from '../../network/client/src';

export class EnrolError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'EnrolError';
  }
}

export function mspPaths(dataDir: string): { key: string; cert: string; caCert: string; publicKey: string } {
  const msp = path.join(dataDir, 'msp');
  return {
    key: path.join(msp, 'keystore', 'priv_sk'),
    cert: path.join(msp, 'signcerts', 'cert.pem'),
    caCert: path.join(msp, 'cacerts', 'ca.pem'),
    publicKey: path.join(dataDir, 'device.pub.pem'),
  };
}

/** Creates the device key (once: an existing key is kept unless `force`) and returns the public key PEM. */
export function generateDeviceKey(
  dataDir: string,
  options: { force?: boolean } = {},
): { publicKeyPem: string; created: boolean } {
  const p = mspPaths(dataDir);
  if (existsSync(p.key) && !options.force) {
    const publicKeyPem = createPublicKey(readFileSync(p.key, 'utf8'))
      .export({ type: 'spki', format: 'pem' })
      .toString();
    return { publicKeyPem, created: false };
  }
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  mkdirSync(path.dirname(p.key), { recursive: true, mode: 0o700 });
  writeFileSync(p.key, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  chmodSync(p.key, 0o600);
  const publicKeyPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  writeFileSync(p.publicKey, publicKeyPem);
  return { publicKeyPem, created: true };
}

export interface EnrolOptions {
  readonly dataDir: string;
  readonly profile: NetworkProfile;
  readonly mspId: string;
  readonly enrollmentId: string;
  /** The JWE from the `provisionDevice` mutation. */
  readonly sealedSecret: string;
}

/** Opens the sealed secret and enrols the device's own key with its organisation's CA. */
export async function enrolDevice(options: EnrolOptions): Promise<ClientIdentity> {
  const p = mspPaths(options.dataDir);
  if (!existsSync(p.key))
    throw new EnrolError(`no device key in ${options.dataDir}: run 'edge keygen' first`);
  const keyPem = readFileSync(p.key, 'utf8');
  let secret: string;
  try {
    secret = await openSealedSecret(options.sealedSecret, keyPem);
  } catch (err) {
    if (err instanceof SealedSecretError) throw new EnrolError(err.message, { cause: err });
    throw err;
  }
  let org;
  try {
    org = findOrganization(options.profile, options.mspId);
  } catch (err) {
    throw new EnrolError((err as Error).message, { cause: err });
  }
  if (!org.ca) throw new EnrolError(`the network profile has no CA for ${options.mspId}`);
  const caUrl = org.ca.url;
  try {
    const ca = await newCaClient({ ca: org.ca, mspId: options.mspId });
    const enrolment = await ca.enroll({ enrollmentId: options.enrollmentId, secret, keyPem });
    const info = await ca.cainfo();
    mkdirSync(path.dirname(p.cert), { recursive: true });
    mkdirSync(path.dirname(p.caCert), { recursive: true });
    writeFileSync(p.cert, enrolment.certPem);
    writeFileSync(p.caCert, info.caChainPem);
    return enrolment;
  } catch (err) {
    if (err instanceof CaError) {
      const reason =
        err.code === 'AUTHENTICATION_FAILED'
          ? `the CA refused enrollment id '${options.enrollmentId}' with this secret (wrong id, or the secret was already used)`
          : err.code === 'CA_UNREACHABLE'
            ? `the CA at ${caUrl} is unreachable`
            : `the CA refused the enrolment: ${err.message}`;
      throw new EnrolError(reason, { cause: err });
    }
    throw err;
  }
}

/** The enrolled device identity, with a clear error when `edge enroll` has not run. */
export async function loadDeviceIdentity(dataDir: string, mspId: string): Promise<ClientIdentity> {
  const p = mspPaths(dataDir);
  if (!existsSync(p.key)) throw new EnrolError(`no device key in ${dataDir}: run 'edge keygen' first`);
  if (!existsSync(p.cert))
    throw new EnrolError(`the device in ${dataDir} is not enrolled: run 'edge enroll' first`);
  return loadIdentity({ mspDir: path.join(dataDir, 'msp') }, mspId);
}
