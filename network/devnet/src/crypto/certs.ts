// X.509 issuance matching cryptogen's templates (internal/cryptogen/ca/ca.go). Keys come from node's
// webcrypto so generation stays native-speed; @peculiar/x509 only assembles and signs the DER.
// @peculiar/x509 resolves its DI container through tsyringe, which needs the Reflect metadata API.
import 'reflect-metadata';
import { createHash, randomBytes, webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

type WebCrypto = typeof webcrypto;
type CryptoKeyPair = webcrypto.CryptoKeyPair;
type CryptoKey = webcrypto.CryptoKey;

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

const subtle: WebCrypto['subtle'] = webcrypto.subtle;
const EC_KEY = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const SIGNING_ALGORITHM = { name: 'ECDSA', hash: 'SHA-256' } as const;
const VALIDITY_YEARS = 10;
// cryptogen backdates by five minutes so freshly issued certs survive small clock skews.
const BACKDATE_MS = 5 * 60 * 1000;

/** cryptogen's fixed subject attributes. */
const COUNTRY = 'US';
const PROVINCE = 'California';
const LOCALITY = 'San Francisco';

export interface KeyPair {
  readonly keys: CryptoKeyPair;
  readonly keyPem: string;
  /** SHA-256 of the uncompressed EC point, Fabric's SKI (bccsp/sw ecdsaPublicKey.SKI). */
  readonly ski: Buffer;
}

export async function generateKeyPair(): Promise<KeyPair> {
  const keys = await subtle.generateKey(EC_KEY, true, ['sign', 'verify']);
  return fromCryptoKeys(keys);
}

export async function importKeyPair(keyPem: string, certPem: string): Promise<KeyPair> {
  const der = x509.PemConverter.decodeFirst(keyPem);
  const privateKey = await subtle.importKey('pkcs8', der, EC_KEY, true, ['sign']);
  const cert = new x509.X509Certificate(certPem);
  const publicKey = (await cert.publicKey.export(
    EC_KEY,
    ['verify'],
    webcrypto as never,
  )) as unknown as CryptoKey;
  return fromCryptoKeys({ privateKey, publicKey });
}

async function fromCryptoKeys(keys: CryptoKeyPair): Promise<KeyPair> {
  const [pkcs8, raw] = await Promise.all([
    subtle.exportKey('pkcs8', keys.privateKey),
    subtle.exportKey('raw', keys.publicKey),
  ]);
  return {
    keys,
    keyPem: x509.PemConverter.encode(pkcs8, 'PRIVATE KEY'),
    ski: createHash('sha256').update(Buffer.from(raw)).digest(),
  };
}

function serialNumber(): string {
  // 128 random bits like cryptogen; the top bit is cleared so the DER INTEGER stays positive.
  const bytes = randomBytes(16);
  bytes[0] = ((bytes[0] ?? 0) & 0x7f) | 0x40;
  return bytes.toString('hex');
}

function validity(): { notBefore: Date; notAfter: Date } {
  const notBefore = new Date(Date.now() - BACKDATE_MS);
  const notAfter = new Date(notBefore);
  notAfter.setUTCFullYear(notAfter.getUTCFullYear() + VALIDITY_YEARS);
  return { notBefore, notAfter };
}

export interface CaOptions {
  /** e.g. `ca.org1.example.com` or `tlsca.org1.example.com`. */
  readonly commonName: string;
  /** The org domain; cryptogen puts it in O= of the CA subject. */
  readonly organization: string;
}

export interface LeafOptions {
  readonly commonName: string;
  /** NodeOU (client/peer/admin/orderer) or none for TLS certs. */
  readonly organizationalUnit?: string;
  readonly tls: boolean;
  /** DNS names and IP literals; IPs are detected like Go's net.ParseIP. */
  readonly subjectAltNames?: readonly string[];
}

export interface IssuedCert {
  readonly certPem: string;
  readonly keyPem: string;
}

/** A signing CA (either the org's identity CA or its TLS CA). */
export class CertificateAuthority {
  readonly certPem: string;
  readonly keyPem: string;
  readonly #cert: x509.X509Certificate;
  readonly #key: KeyPair;

  private constructor(cert: x509.X509Certificate, key: KeyPair) {
    this.#cert = cert;
    this.#key = key;
    this.certPem = cert.toString('pem');
    this.keyPem = key.keyPem;
  }

  static async create(options: CaOptions): Promise<CertificateAuthority> {
    const key = await generateKeyPair();
    const name: x509.JsonName = [
      { C: [COUNTRY] },
      { ST: [PROVINCE] },
      { L: [LOCALITY] },
      { O: [options.organization] },
      { CN: [options.commonName] },
    ];
    const cert = await x509.X509CertificateGenerator.create({
      serialNumber: serialNumber(),
      subject: name,
      issuer: name,
      ...validity(),
      signingAlgorithm: SIGNING_ALGORITHM,
      publicKey: key.keys.publicKey,
      signingKey: key.keys.privateKey,
      extensions: [
        new x509.KeyUsagesExtension(
          x509.KeyUsageFlags.digitalSignature |
            x509.KeyUsageFlags.keyEncipherment |
            x509.KeyUsageFlags.keyCertSign |
            x509.KeyUsageFlags.cRLSign,
          true,
        ),
        new x509.ExtendedKeyUsageExtension([
          x509.ExtendedKeyUsage.clientAuth,
          x509.ExtendedKeyUsage.serverAuth,
        ]),
        new x509.BasicConstraintsExtension(true, undefined, true),
        new x509.SubjectKeyIdentifierExtension(key.ski.toString('hex')),
      ],
    });
    return new CertificateAuthority(cert, key);
  }

  /** Rehydrates a CA from its PEM files so it can keep issuing (the devnet CA service uses this). */
  static async fromPem(certPem: string, keyPem: string): Promise<CertificateAuthority> {
    return new CertificateAuthority(new x509.X509Certificate(certPem), await importKeyPair(keyPem, certPem));
  }

  async issue(options: LeafOptions): Promise<IssuedCert> {
    const key = await generateKeyPair();
    const certPem = await this.sign(key.keys.publicKey, key.ski, options);
    return { certPem, keyPem: key.keyPem };
  }

  async sign(publicKey: CryptoKey, ski: Buffer, options: LeafOptions): Promise<string> {
    const subject: x509.JsonName = [{ C: [COUNTRY] }, { ST: [PROVINCE] }, { L: [LOCALITY] }];
    if (options.organizationalUnit !== undefined) subject.push({ OU: [options.organizationalUnit] });
    subject.push({ CN: [options.commonName] });

    const extensions: x509.Extension[] = [
      new x509.KeyUsagesExtension(
        options.tls
          ? x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment
          : x509.KeyUsageFlags.digitalSignature,
        true,
      ),
    ];
    if (options.tls) {
      extensions.push(
        new x509.ExtendedKeyUsageExtension([
          x509.ExtendedKeyUsage.serverAuth,
          x509.ExtendedKeyUsage.clientAuth,
        ]),
      );
    }
    extensions.push(
      new x509.BasicConstraintsExtension(false, undefined, true),
      // cryptogen leaves carry only AKI; the SKI is added too so SDK key stores can find keys by SKI.
      new x509.SubjectKeyIdentifierExtension(ski.toString('hex')),
      new x509.AuthorityKeyIdentifierExtension(this.#key.ski.toString('hex')),
    );
    const sans = options.subjectAltNames ?? [];
    if (sans.length > 0) {
      extensions.push(
        new x509.SubjectAlternativeNameExtension(
          sans.map((value) => (isIpLiteral(value) ? { type: 'ip', value } : { type: 'dns', value })),
        ),
      );
    }
    const cert = await x509.X509CertificateGenerator.create({
      serialNumber: serialNumber(),
      subject,
      issuer: this.#cert.subject,
      ...validity(),
      signingAlgorithm: SIGNING_ALGORITHM,
      publicKey,
      signingKey: this.#key.keys.privateKey,
      extensions,
    });
    return cert.toString('pem');
  }
}

function isIpLiteral(value: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(value) || (value.includes(':') && /^[0-9a-fA-F:.]+$/.test(value));
}
