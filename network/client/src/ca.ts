// The one module that talks to a Fabric CA. fabric-ca-client 2.2 is deprecated upstream, so nothing else
// in the project imports it: if it has to be replaced (by a plain REST client of the Fabric CA API), only
// this file changes.
//
// Private keys are made here with node:crypto, or given by the caller, and only a PKCS#10 request built
// from them goes to the CA: fabric-ca-client's own key generation (jsrsasign, in its crypto suite) is never
// used, so the key format, curve and lifetime are ours to decide and a device can keep its key to itself.

// @peculiar/x509 resolves its ASN.1 schemas through tsyringe, which needs the Reflect metadata API.
import 'reflect-metadata';
import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  webcrypto,
  type KeyObject,
} from 'node:crypto';
import * as x509 from '@peculiar/x509';
import FabricCAServices from 'fabric-ca-client';
import { User } from 'fabric-common';
import type { ClientIdentity } from './identity';
import { readTlsCaCert, type CaProfile } from './profile';

export interface CaClientOptions {
  readonly ca: CaProfile;
  /** The MSP whose CA this is: the MSP ID of every enrolment this client returns. */
  readonly mspId: string;
}

/** An identity enrolled at a CA: its certificate and its private key (PKCS#8 PEM). */
export type Enrolment = ClientIdentity;

export interface CaInfo {
  readonly caName: string;
  /** The CA's certificate chain (root last), PEM. */
  readonly caChainPem: string;
  readonly version: string;
}

export interface AttributeRequest {
  readonly name: string;
  /** When true, the CA leaves the attribute out instead of failing if the identity does not hold it. */
  readonly optional?: boolean;
}

export interface EnrollRequest {
  readonly enrollmentId: string;
  readonly secret: string;
  /** The private key to certify (PKCS#8 or SEC1 PEM, EC P-256 or P-384); a P-256 key is generated when absent. */
  readonly keyPem?: string;
  /** Attributes to put in the certificate; absent: the CA's default (every attribute registered with `ecert`). */
  readonly attrs?: readonly AttributeRequest[];
}

export type IdentityType = 'client' | 'peer' | 'orderer' | 'admin' | 'user' | 'device';

export interface RegisteredAttribute {
  readonly name: string;
  readonly value: string;
  /** Put the attribute into enrolment certificates by default. */
  readonly ecert?: boolean;
}

export interface RegisterRequest {
  readonly enrollmentId: string;
  /** The enrolment secret to set; the CA generates one when absent. */
  readonly secret?: string;
  /** The identity type (`hf.Type`); default `client`. */
  readonly type?: IdentityType;
  /** Default: the registrar's own affiliation (Fabric CA's rule for an empty affiliation). */
  readonly affiliation?: string;
  /** How many times the secret may be used to enrol; -1 means unlimited; default: the CA's configured maximum. */
  readonly maxEnrollments?: number;
  readonly attrs?: readonly RegisteredAttribute[];
}

export interface ReenrollRequest {
  /** Keep this key instead of generating a new one (pass the current `keyPem` to keep the current key). */
  readonly keyPem?: string;
  readonly attrs?: readonly AttributeRequest[];
}

export interface RevokeRequest {
  /** Revokes every certificate of the identity, and the identity itself (it can no longer enrol). */
  readonly enrollmentId?: string;
  /** Hex serial and authority key identifier of one certificate to revoke; both or neither. */
  readonly serial?: string;
  readonly aki?: string;
  /** An RFC 5280 reason name, e.g. `keyCompromise`, `superseded`, `cessationOfOperation`. */
  readonly reason?: string;
}

export interface RevokedCertificate {
  readonly serial: string;
  readonly aki: string;
}

export interface CaClient {
  readonly mspId: string;
  readonly url: string;
  readonly caName: string;
  /** Unauthenticated, as in Fabric CA: usable to check the CA is reachable and to fetch its chain. */
  cainfo(): Promise<CaInfo>;
  /** Enrols with a CSR made from a key generated here or given by the caller: the private key never leaves the caller. */
  enroll(request: EnrollRequest): Promise<Enrolment>;
  /** Registers an identity with `registrar`'s authority; resolves to its enrolment secret. */
  register(registrar: Enrolment, request: RegisterRequest): Promise<string>;
  /**
   * A new certificate for the same identity, authenticated by its current certificate (no secret, and not
   * counted against its maximum enrolments). Renews the key by default, since re-enrolment is how Fabric
   * rotates keys; `request.keyPem` keeps a given key instead.
   */
  reenroll(current: Enrolment, request?: ReenrollRequest): Promise<Enrolment>;
  /** Resolves to the certificates the CA revoked. */
  revoke(registrar: Enrolment, request: RevokeRequest): Promise<readonly RevokedCertificate[]>;
}

export type CaErrorCode =
  /** Connection refused, reset or timed out, or the host is unknown. */
  | 'CA_UNREACHABLE'
  /** The TLS handshake failed, typically a CA certificate the configured TLS CA does not trust. */
  | 'TLS_FAILED'
  /** Wrong enrolment ID or secret, enrolments used up, identity revoked, or a certificate the CA refuses. */
  | 'AUTHENTICATION_FAILED'
  /** The caller is authenticated but may not do this (not a registrar or revoker, attribute not delegable). */
  | 'NOT_AUTHORIZED'
  | 'ALREADY_REGISTERED'
  /** The identity or certificate to revoke is unknown. */
  | 'NOT_FOUND'
  | 'ALREADY_REVOKED'
  /** The CA refused the request's content. */
  | 'BAD_REQUEST'
  /** The client's configuration is unusable: URL, TLS CA certificate, CA name, key. */
  | 'INVALID_CONFIG'
  /** The CA answered something that is not a Fabric CA answer, or a certificate for another key. */
  | 'UNEXPECTED_RESPONSE'
  | 'CA_ERROR';

export type CaOperation = 'cainfo' | 'enroll' | 'register' | 'reenroll' | 'revoke' | 'connect';

/** One entry of Fabric CA's error envelope. */
export interface CaErrorDetail {
  readonly code: number;
  readonly message: string;
}

export class CaError extends Error {
  readonly code: CaErrorCode;
  readonly operation: CaOperation;
  /** The CA's own errors, when it answered. */
  readonly details: readonly CaErrorDetail[];

  constructor(
    message: string,
    options: {
      code: CaErrorCode;
      operation: CaOperation;
      details?: readonly CaErrorDetail[];
      cause?: unknown;
    },
  ) {
    super(message, { cause: options.cause });
    this.name = 'CaError';
    this.code = options.code;
    this.operation = options.operation;
    this.details = options.details ?? [];
  }
}

/** Creates a client for one CA; reads its TLS CA certificate (for an `https` URL) now, so misconfiguration fails early. */
export async function newCaClient(options: CaClientOptions): Promise<CaClient> {
  const { ca, mspId } = options;
  const invalid = (message: string, cause?: unknown): CaError =>
    new CaError(message, { code: 'INVALID_CONFIG', operation: 'connect', cause });
  if (!mspId) throw invalid('an MSP ID is required for a CA client');
  let url: URL;
  try {
    url = new URL(ca.url);
  } catch (err) {
    throw invalid(`invalid CA URL '${ca.url}'`, err);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw invalid(`invalid CA URL '${ca.url}': expected https:// or http://`);
  let tlsOptions: FabricCAServices.TLSOptions | undefined;
  if (url.protocol === 'https:') {
    try {
      tlsOptions = { trustedRoots: [await readTlsCaCert(ca)], verify: true };
    } catch (err) {
      throw invalid((err as Error).message, err);
    }
  }
  const services = new FabricCAServices(ca.url, tlsOptions, ca.caName);
  return new FabricCaClient(services, transportOf(services), ca, mspId);
}

// fabric-ca-client's public API needs a registrar for cainfo and generates its own key on reenroll; its
// REST layer (FabricCAClient) does neither, so those two calls go to it directly.
interface CaTransport {
  request(
    method: 'GET' | 'POST',
    api: string,
    signingIdentity: unknown,
    body?: Record<string, unknown>,
  ): Promise<{ result?: unknown }>;
  reenroll(
    csr: string,
    signingIdentity: unknown,
    attrReqs?: { name: string; optional: boolean }[],
  ): Promise<{ result?: unknown }>;
}

function transportOf(services: FabricCAServices): CaTransport {
  const transport = (services as unknown as { _fabricCAClient?: Partial<CaTransport> })._fabricCAClient;
  if (typeof transport?.request !== 'function' || typeof transport.reenroll !== 'function') {
    throw new CaError('this fabric-ca-client version does not have the REST layer this module uses', {
      code: 'INVALID_CONFIG',
      operation: 'connect',
    });
  }
  return transport as CaTransport;
}

class FabricCaClient implements CaClient {
  readonly #services: FabricCAServices;
  readonly #transport: CaTransport;
  readonly mspId: string;
  readonly url: string;
  readonly caName: string;

  constructor(services: FabricCAServices, transport: CaTransport, ca: CaProfile, mspId: string) {
    this.#services = services;
    this.#transport = transport;
    this.mspId = mspId;
    this.url = ca.url;
    this.caName = ca.caName;
  }

  async cainfo(): Promise<CaInfo> {
    const response = await this.#call('cainfo', () =>
      this.#transport.request('POST', 'cainfo', undefined, {}),
    );
    const result = response.result as { CAName?: unknown; CAChain?: unknown; Version?: unknown } | undefined;
    if (typeof result?.CAName !== 'string' || typeof result.CAChain !== 'string')
      throw this.#unexpected('cainfo', 'the cainfo answer has no CAName or CAChain');
    return {
      caName: result.CAName,
      caChainPem: Buffer.from(result.CAChain, 'base64').toString('utf8'),
      version: typeof result.Version === 'string' ? result.Version : '',
    };
  }

  async enroll(request: EnrollRequest): Promise<Enrolment> {
    const key = this.#keyFor('enroll', request.keyPem);
    const csr = await certificateRequest(key, request.enrollmentId);
    const response = await this.#call('enroll', () =>
      this.#services.enroll({
        enrollmentID: request.enrollmentId,
        enrollmentSecret: request.secret,
        csr,
        ...(request.attrs ? { attr_reqs: attributeRequests(request.attrs) } : {}),
      }),
    );
    return this.#enrolment('enroll', response.certificate, key);
  }

  async register(registrar: Enrolment, request: RegisterRequest): Promise<string> {
    const user = this.#userOf('register', registrar);
    return this.#call('register', () =>
      this.#services.register(
        {
          enrollmentID: request.enrollmentId,
          ...(request.secret !== undefined ? { enrollmentSecret: request.secret } : {}),
          role: request.type ?? 'client',
          affiliation: request.affiliation ?? '',
          ...(request.maxEnrollments !== undefined ? { maxEnrollments: request.maxEnrollments } : {}),
          ...(request.attrs ? { attrs: request.attrs.map((a) => ({ ...a })) } : {}),
        },
        user,
      ),
    );
  }

  async reenroll(current: Enrolment, request: ReenrollRequest = {}): Promise<Enrolment> {
    const user = this.#userOf('reenroll', current);
    const key = this.#keyFor('reenroll', request.keyPem);
    let enrollmentId: string | undefined;
    try {
      enrollmentId = new x509.X509Certificate(current.certPem).subjectName.getField('CN')[0];
    } catch (err) {
      throw new CaError(`reenroll: the current certificate cannot be read: ${(err as Error).message}`, {
        code: 'BAD_REQUEST',
        operation: 'reenroll',
        cause: err,
      });
    }
    if (!enrollmentId)
      throw new CaError('reenroll: the current certificate has no subject CN', {
        code: 'BAD_REQUEST',
        operation: 'reenroll',
      });
    const csr = await certificateRequest(key, enrollmentId);
    const response = await this.#call('reenroll', () =>
      this.#transport.reenroll(
        csr,
        user.getSigningIdentity(),
        request.attrs ? attributeRequests(request.attrs) : undefined,
      ),
    );
    const cert = (response.result as { Cert?: unknown } | undefined)?.Cert;
    if (typeof cert !== 'string') throw this.#unexpected('reenroll', 'the reenroll answer has no Cert');
    return this.#enrolment('reenroll', Buffer.from(cert, 'base64').toString('utf8'), key);
  }

  async revoke(registrar: Enrolment, request: RevokeRequest): Promise<readonly RevokedCertificate[]> {
    const user = this.#userOf('revoke', registrar);
    const result = (await this.#call('revoke', () =>
      this.#services.revoke(
        {
          enrollmentID: request.enrollmentId ?? '',
          ...(request.serial !== undefined ? { serial: request.serial } : {}),
          ...(request.aki !== undefined ? { aki: request.aki } : {}),
          ...(request.reason !== undefined ? { reason: request.reason } : {}),
        },
        user,
      ),
    )) as { result?: { RevokedCerts?: unknown } } | undefined;
    const revoked = result?.result?.RevokedCerts;
    if (!Array.isArray(revoked)) return [];
    return revoked.flatMap((r: unknown) => {
      const c = r as { Serial?: unknown; AKI?: unknown };
      return typeof c.Serial === 'string' && typeof c.AKI === 'string'
        ? [{ serial: c.Serial, aki: c.AKI }]
        : [];
    });
  }

  #keyFor(operation: CaOperation, keyPem: string | undefined): KeyObject {
    if (keyPem === undefined) return generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    let key: KeyObject;
    try {
      key = createPrivateKey(keyPem);
    } catch (err) {
      throw new CaError(`${operation}: the given private key cannot be read: ${(err as Error).message}`, {
        code: 'BAD_REQUEST',
        operation,
        cause: err,
      });
    }
    if (key.asymmetricKeyType !== 'ec' || curveOf(key) === undefined)
      throw new CaError(`${operation}: the given private key is not an EC P-256 or P-384 key`, {
        code: 'BAD_REQUEST',
        operation,
      });
    return key;
  }

  /** The CA must certify the key we sent, or the enrolment would hold a key that signs for nobody. */
  #enrolment(operation: CaOperation, certPem: string, key: KeyObject): Enrolment {
    let matches: boolean;
    try {
      matches = spki(createPublicKey(certPem)).equals(spki(createPublicKey(key)));
    } catch (err) {
      throw this.#unexpected(
        operation,
        `the certificate it returned cannot be read: ${(err as Error).message}`,
      );
    }
    if (!matches)
      throw this.#unexpected(operation, 'the certificate it returned is not for the requested key');
    return {
      mspId: this.mspId,
      certPem,
      keyPem: key.export({ type: 'pkcs8', format: 'pem' }).toString(),
    };
  }

  #userOf(operation: CaOperation, enrolment: Enrolment): User {
    try {
      return User.createUser('caller', '', enrolment.mspId, enrolment.certPem, enrolment.keyPem);
    } catch (err) {
      throw new CaError(`${operation}: the caller's certificate or key cannot be read: ${String(err)}`, {
        code: 'BAD_REQUEST',
        operation,
        cause: err,
      });
    }
  }

  #unexpected(operation: CaOperation, why: string): CaError {
    return new CaError(`${operation} at ${this.url}: unexpected answer from the CA: ${why}`, {
      code: 'UNEXPECTED_RESPONSE',
      operation,
    });
  }

  async #call<T>(operation: CaOperation, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw toCaError(err, operation, this.url);
    }
  }
}

const NETWORK_ERRORS = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'ECONNABORTED',
]);

// Fabric CA's numeric codes (lib/caerrors/servererror.go) that say what went wrong without parsing text.
const CODE_BY_CA_ERROR: ReadonlyMap<number, CaErrorCode> = new Map<number, CaErrorCode>([
  [2, 'AUTHENTICATION_FAILED'], // no authorization header
  [6, 'AUTHENTICATION_FAILED'], // bad token
  [20, 'AUTHENTICATION_FAILED'],
  [7, 'NOT_AUTHORIZED'], // not a revoker
  [35, 'NOT_AUTHORIZED'], // no gencrl authority
  [42, 'NOT_AUTHORIZED'], // may not register the attribute
  [71, 'NOT_AUTHORIZED'],
  [8, 'NOT_FOUND'], // certificate to revoke not found
  [10, 'NOT_FOUND'], // identity to revoke not found
  [66, 'ALREADY_REVOKED'],
  [19, 'INVALID_CONFIG'], // CA name not found
  [3, 'BAD_REQUEST'],
  [4, 'BAD_REQUEST'],
  [5, 'BAD_REQUEST'],
  [15, 'BAD_REQUEST'],
  [31, 'BAD_REQUEST'],
]);

/** Converts whatever fabric-ca-client threw (an Error with Fabric CA's envelope, a socket error, a string). */
export function toCaError(err: unknown, operation: CaOperation, url: string): CaError {
  if (err instanceof CaError) return err;
  const e = (typeof err === 'object' && err !== null ? err : {}) as {
    message?: unknown;
    code?: unknown;
    errors?: unknown;
  };
  const text = typeof e.message === 'string' ? e.message : String(err);
  const where = `${operation} at ${url}`;
  const sysCode = typeof e.code === 'string' ? e.code : undefined;
  if ((sysCode && NETWORK_ERRORS.has(sysCode)) || /CONNECTION Timeout|READ Timeout|socket hang up/.test(text))
    return new CaError(`${where}: the CA is unreachable (${sysCode ?? text})`, {
      code: 'CA_UNREACHABLE',
      operation,
      cause: err,
    });
  if (
    sysCode !== undefined &&
    (/^(ERR_TLS|ERR_SSL|UNABLE_TO|CERT_|DEPTH_ZERO|SELF_SIGNED)/.test(sysCode) ||
      /certificate|SSL routines/i.test(text))
  )
    return new CaError(`${where}: TLS handshake failed (${sysCode}): ${text}`, {
      code: 'TLS_FAILED',
      operation,
      cause: err,
    });
  const details = caErrorDetails(e.errors) ?? caErrorDetailsFromMessage(text);
  if (details && details.length > 0) {
    const summary = details.map((d) => d.message).join('; ');
    return new CaError(`${where} failed: ${summary}`, {
      code: classify(details),
      operation,
      details,
      cause: err,
    });
  }
  if (/failed with HTTP status code|Could not parse/.test(text))
    return new CaError(`${where}: ${text}`, { code: 'UNEXPECTED_RESPONSE', operation, cause: err });
  return new CaError(`${where} failed: ${text}`, { code: 'CA_ERROR', operation, cause: err });
}

function classify(details: readonly CaErrorDetail[]): CaErrorCode {
  const messages = details.map((d) => d.message).join('\n');
  // fabric-ca reports a duplicate registration with a database error code (74 or 0), so the text decides.
  if (/already registered/i.test(messages)) return 'ALREADY_REGISTERED';
  for (const d of details) {
    const code = CODE_BY_CA_ERROR.get(d.code);
    if (code) return code;
  }
  if (/^Authentication failure/im.test(messages)) return 'AUTHENTICATION_FAILED';
  if (/^Authorization failure/im.test(messages)) return 'NOT_AUTHORIZED';
  return 'CA_ERROR';
}

function caErrorDetails(errors: unknown): CaErrorDetail[] | undefined {
  if (!Array.isArray(errors)) return undefined;
  return errors.flatMap((x: unknown) => {
    const d = x as { code?: unknown; message?: unknown };
    return typeof d.message === 'string'
      ? [{ code: typeof d.code === 'number' ? d.code : 0, message: d.message }]
      : [];
  });
}

/** fabric-ca-client renders the envelope with util.inspect: `[ { code: 20, message: 'Authentication failure' } ]`. */
function caErrorDetailsFromMessage(text: string): CaErrorDetail[] | undefined {
  const details: CaErrorDetail[] = [];
  const re = /code"?:\s*(\d+),\s*"?message"?:\s*(?:'((?:\\'|[^'])*)'|"((?:\\"|[^"])*)")/g;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    details.push({ code: Number(m[1]), message: m[2] ?? m[3] ?? '' });
  }
  return details.length > 0 ? details : undefined;
}

function attributeRequests(attrs: readonly AttributeRequest[]): { name: string; optional: boolean }[] {
  return attrs.map((a) => ({ name: a.name, optional: a.optional ?? false }));
}

function spki(key: KeyObject): Buffer {
  return key.export({ type: 'spki', format: 'der' });
}

function curveOf(key: KeyObject): { namedCurve: 'P-256' | 'P-384'; hash: 'SHA-256' | 'SHA-384' } | undefined {
  const curve = key.asymmetricKeyDetails?.namedCurve;
  if (curve === 'prime256v1' || curve === 'P-256') return { namedCurve: 'P-256', hash: 'SHA-256' };
  if (curve === 'secp384r1' || curve === 'P-384') return { namedCurve: 'P-384', hash: 'SHA-384' };
  return undefined;
}

const subtle = webcrypto.subtle;

/** A PKCS#10 request for `CN=<enrollmentId>` signed with `key` (the CA proves possession from it). */
async function certificateRequest(key: KeyObject, enrollmentId: string): Promise<string> {
  const curve = curveOf(key);
  if (!curve) throw new Error('unsupported key curve'); // #keyFor admits only the curves above
  const algorithm = { name: 'ECDSA', namedCurve: curve.namedCurve };
  const privateKey = await subtle.importKey(
    'pkcs8',
    key.export({ type: 'pkcs8', format: 'der' }),
    algorithm,
    false,
    ['sign'],
  );
  const publicKey = await subtle.importKey('spki', spki(createPublicKey(key)), algorithm, true, ['verify']);
  const request = await x509.Pkcs10CertificateRequestGenerator.create(
    {
      // The JSON form of the name needs no DN escaping, whatever characters the enrolment ID holds.
      name: [{ CN: [enrollmentId] }],
      keys: { privateKey, publicKey },
      signingAlgorithm: { name: 'ECDSA', hash: curve.hash },
    },
    webcrypto,
  );
  return request.toString('pem');
}
