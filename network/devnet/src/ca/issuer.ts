// Signs enrollment certificates and CRLs with the organisation's CA key, shaped like fabric-ca's:
// subject CN = enrollment ID, OU = type then each affiliation component (so the NodeOU client/peer/
// admin/orderer of the MSP's config.yaml is satisfied), C/ST/L/O kept from the CSR; key usage
// digitalSignature, CA:false, SKI/AKI, SANs from the CSR, and the Fabric attribute extension.
import 'reflect-metadata';
import {
  createHash,
  createPublicKey,
  randomBytes,
  webcrypto,
  X509Certificate as NodeX509,
} from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { ATTR_OID } from './attributes';
import { badRequest, CaErrorCode } from './errors';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

const SIGNING_ALGORITHM = { name: 'ECDSA', hash: 'SHA-256' } as const;
const BACKDATE_MS = 5 * 60 * 1000;
/** fabric-ca's default signing profile expiry: 8760h. */
const ECERT_VALIDITY_MS = 8760 * 3600 * 1000;
/** fabric-ca's default crl.expiry: 24h. */
const CRL_VALIDITY_MS = 24 * 3600 * 1000;
const MAX_CSR_BYTES = 16 * 1024;
const KEPT_SUBJECT_TYPES = new Set(['C', 'ST', 'L', 'O']);

export interface ParsedCsr {
  readonly csr: x509.Pkcs10CertificateRequest;
  readonly commonName: string | undefined;
  readonly ski: Buffer;
}

/** Parses and verifies a PEM PKCS#10 CSR; every defect is a 400 with code 31 (ErrBadCSR). */
export async function parseCsr(pem: unknown): Promise<ParsedCsr> {
  if (typeof pem !== 'string' || pem.trim() === '') {
    throw badRequest(
      CaErrorCode.BadCSR,
      'Invalid certificate request: certificate_request is missing or not a string',
    );
  }
  if (pem.length > MAX_CSR_BYTES)
    throw badRequest(CaErrorCode.BadCSR, 'Invalid certificate request: too large');
  if (!/-----BEGIN (NEW )?CERTIFICATE REQUEST-----/.test(pem)) {
    throw badRequest(CaErrorCode.BadCSR, 'Invalid certificate request: not a PEM "CERTIFICATE REQUEST"');
  }
  let csr: x509.Pkcs10CertificateRequest;
  try {
    csr = new x509.Pkcs10CertificateRequest(pem);
  } catch (err) {
    throw badRequest(
      CaErrorCode.BadCSR,
      `Invalid certificate request: cannot be parsed (${(err as Error).message})`,
    );
  }
  let key;
  try {
    key = createPublicKey({ key: Buffer.from(csr.publicKey.rawData), format: 'der', type: 'spki' });
  } catch (err) {
    throw badRequest(
      CaErrorCode.BadCSR,
      `Invalid certificate request: bad public key (${(err as Error).message})`,
    );
  }
  const curve = key.asymmetricKeyDetails?.namedCurve;
  if (key.asymmetricKeyType !== 'ec' || (curve !== 'prime256v1' && curve !== 'secp384r1')) {
    throw badRequest(CaErrorCode.BadCSR, 'Invalid certificate request: the key must be ECDSA P-256 or P-384');
  }
  const valid = await csr.verify().catch(() => false);
  if (!valid)
    throw badRequest(CaErrorCode.BadCSR, 'Invalid certificate request: its signature does not verify');
  const jwk = key.export({ format: 'jwk' });
  const point = Buffer.concat([
    Buffer.from([4]),
    Buffer.from(jwk.x ?? '', 'base64url'),
    Buffer.from(jwk.y ?? '', 'base64url'),
  ]);
  const cn = csr.subjectName.getField('CN')[0];
  return { csr, commonName: cn, ski: createHash('sha256').update(point).digest() };
}

export interface EcertOptions {
  readonly enrollmentId: string;
  readonly type: string;
  readonly affiliation: string;
  readonly attrs: Record<string, string> | undefined;
}

export class Issuer {
  readonly caCertPem: string;
  /** Lowercase hex SKI of the CA certificate (the AKI of everything it issues). */
  readonly aki: string;
  readonly #cert: x509.X509Certificate;
  readonly #key: webcrypto.CryptoKey;

  private constructor(cert: x509.X509Certificate, key: webcrypto.CryptoKey, aki: string) {
    this.#cert = cert;
    this.#key = key;
    this.caCertPem = cert.toString('pem');
    this.aki = aki;
  }

  static async create(caCertPem: string, caKeyPem: string): Promise<Issuer> {
    const cert = new x509.X509Certificate(caCertPem);
    const key = await webcrypto.subtle.importKey(
      'pkcs8',
      x509.PemConverter.decodeFirst(caKeyPem),
      { name: 'ECDSA', namedCurve: 'P-256' },
      false,
      ['sign'],
    );
    const skiExt = cert.getExtension(x509.SubjectKeyIdentifierExtension);
    let aki: string;
    if (skiExt) aki = skiExt.keyId.toLowerCase();
    else {
      const spki = new NodeX509(caCertPem).publicKey.export({ format: 'jwk' });
      aki = createHash('sha256')
        .update(
          Buffer.concat([
            Buffer.from([4]),
            Buffer.from(spki.x ?? '', 'base64url'),
            Buffer.from(spki.y ?? '', 'base64url'),
          ]),
        )
        .digest('hex');
    }
    return new Issuer(cert, key, aki);
  }

  async issue(
    parsed: ParsedCsr,
    options: EcertOptions,
  ): Promise<{ pem: string; serial: string; notAfter: Date }> {
    const subject: x509.JsonName = [];
    for (const rdn of parsed.csr.subjectName.toJSON()) {
      for (const [type, values] of Object.entries(rdn)) {
        if (KEPT_SUBJECT_TYPES.has(type)) subject.push({ [type]: values });
      }
    }
    subject.push({ OU: [options.type] });
    for (const part of options.affiliation.split('.').filter((p) => p !== '')) subject.push({ OU: [part] });
    subject.push({ CN: [options.enrollmentId] });

    const extensions: x509.Extension[] = [
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.SubjectKeyIdentifierExtension(parsed.ski.toString('hex')),
      new x509.AuthorityKeyIdentifierExtension(this.aki),
    ];
    const requestedSan = parsed.csr.extensions.find((e) => e.type === '2.5.29.17');
    if (requestedSan) extensions.push(new x509.Extension(requestedSan.type, false, requestedSan.value));
    if (options.attrs) {
      extensions.push(
        new x509.Extension(ATTR_OID, false, Buffer.from(JSON.stringify({ attrs: options.attrs }))),
      );
    }
    const serialBytes = randomBytes(20);
    serialBytes[0] = ((serialBytes[0] ?? 0) & 0x7f) | 0x01;
    const serial = serialBytes.toString('hex');
    const notBefore = new Date(Date.now() - BACKDATE_MS);
    const caNotAfter = this.#cert.notAfter;
    let notAfter = new Date(notBefore.getTime() + ECERT_VALIDITY_MS);
    // Like fabric-ca: a certificate never outlives its issuer.
    if (notAfter > caNotAfter) notAfter = caNotAfter;
    const cert = await x509.X509CertificateGenerator.create({
      serialNumber: serial,
      subject,
      issuer: this.#cert.subject,
      notBefore,
      notAfter,
      signingAlgorithm: SIGNING_ALGORITHM,
      publicKey: parsed.csr.publicKey,
      signingKey: this.#key,
      extensions,
    });
    return { pem: cert.toString('pem'), serial, notAfter };
  }

  /** A PEM `X509 CRL` listing the given revocations (fabric-ca's gencrl output). */
  async crl(entries: readonly { serial: string; revokedAt: Date; reason?: number }[]): Promise<string> {
    const now = new Date();
    const crl = await x509.X509CrlGenerator.create({
      issuer: this.#cert.subject,
      thisUpdate: now,
      nextUpdate: new Date(now.getTime() + CRL_VALIDITY_MS),
      signingAlgorithm: SIGNING_ALGORITHM,
      signingKey: this.#key,
      extensions: [new x509.AuthorityKeyIdentifierExtension(this.aki)],
      entries: entries.map((e) => ({
        serialNumber: e.serial.length % 2 === 0 ? e.serial : `0${e.serial}`,
        revocationDate: e.revokedAt,
        ...(e.reason !== undefined && e.reason > 0 ? { reason: e.reason } : {}),
      })),
    });
    // Go's pem block type for CRLs, as fabric-ca writes them.
    return x509.PemConverter.encode(crl.rawData, 'X509 CRL');
  }
}
