import { createHash, type KeyObject, type X509Certificate } from 'node:crypto';
import type { MspRole } from './types';

/** What an Identity needs from its MSP; kept narrow so identity.ts and org-msp.ts do not import each other. */
export interface IdentityValidator {
  validate(identity: Identity): void;
  rolesOf(identity: Identity): ReadonlySet<MspRole>;
}

export class Identity {
  readonly mspId: string;
  readonly certPem: string;
  readonly x509: X509Certificate;
  /** Fabric's IdentityIdentifier: `<mspid>:<hex SHA-256 of the certificate DER>`. */
  readonly id: string;
  /** Uppercase hex, as node prints X509Certificate.serialNumber. */
  readonly serialHex: string;
  readonly #msp: IdentityValidator;
  #publicKey: KeyObject | undefined;
  #roles: ReadonlySet<MspRole> | undefined;

  constructor(mspId: string, certPem: string, x509: X509Certificate, msp: IdentityValidator) {
    this.mspId = mspId;
    this.certPem = certPem;
    this.x509 = x509;
    this.#msp = msp;
    this.id = `${mspId}:${createHash('sha256').update(x509.raw).digest('hex')}`;
    this.serialHex = x509.serialNumber;
  }

  /** Subject DN on one line (`C=US, ST=California, ..., CN=User1@org1.example.com`), for messages. */
  get subject(): string {
    return this.x509.subject.split('\n').join(', ');
  }

  get publicKey(): KeyObject {
    this.#publicKey ??= this.x509.publicKey;
    return this.#publicKey;
  }

  /** 'member' plus the NodeOU role (and 'admin' for listed admin certs); validity is not implied. */
  get roles(): ReadonlySet<MspRole> {
    this.#roles ??= this.#msp.rolesOf(this);
    return this.#roles;
  }

  /** Throws CertificateChainError / CertificateExpiredError / CertificateRevokedError / NodeOuError. */
  validate(): void {
    this.#msp.validate(this);
  }

  isValid(): boolean {
    try {
      this.#msp.validate(this);
      return true;
    } catch {
      return false;
    }
  }
}
