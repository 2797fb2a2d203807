// The CA's registry (identities, enrollment counts, issued certificates, revocations), persisted as one
// JSON file. Every change is applied to a copy, written to a temporary file, fsync'ed, renamed over the
// old file and the directory fsync'ed; only then does the in-memory state change. A request that fails
// validation therefore changes nothing, on disk or in memory.
import { randomBytes, scrypt as scryptCb, timingSafeEqual } from 'node:crypto';
import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  writeSync,
} from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';

const scrypt = promisify(scryptCb) as (password: string, salt: Buffer, keylen: number) => Promise<Buffer>;

export interface RegisteredAttribute {
  readonly name: string;
  readonly value: string;
  readonly ecert: boolean;
}

export interface IdentityRecord {
  readonly name: string;
  /** `scrypt$<salt hex>$<hash hex>`; secrets are never stored in clear. */
  readonly secretHash: string;
  readonly type: string;
  readonly affiliation: string;
  readonly attrs: readonly RegisteredAttribute[];
  /** -1 unlimited, N > 0 at most N enrollments (fabric-ca never stores 0: it means "the CA default"). */
  readonly maxEnrollments: number;
  /** fabric-ca's `state`: how many times the identity enrolled with its secret; -1 once revoked. */
  readonly enrollments: number;
  readonly revoked: boolean;
}

export interface CertRecord {
  /** Lowercase hex without leading zeros, as fabric-ca stores it. */
  readonly serial: string;
  /** Lowercase hex of the issuer's key identifier. */
  readonly aki: string;
  readonly id: string;
  readonly pem: string;
  readonly notAfter: string;
  readonly revokedAt?: string;
  /** RFC 5280 reason code. */
  readonly reason?: number;
}

export interface RegistryData {
  readonly version: 1;
  readonly identities: Record<string, IdentityRecord>;
  readonly certs: CertRecord[];
}

export function normaliseSerial(hex: string): string {
  return hex.toLowerCase().replace(/^0+/, '') || '0';
}

export function normaliseHex(hex: string): string {
  return hex.toLowerCase().replace(/[^0-9a-f]/g, '');
}

export async function hashSecret(secret: string): Promise<string> {
  const salt = randomBytes(16);
  const hash = await scrypt(secret, salt, 32);
  return `scrypt$${salt.toString('hex')}$${hash.toString('hex')}`;
}

export async function checkSecret(secret: string, stored: string): Promise<boolean> {
  const [scheme, saltHex, hashHex] = stored.split('$');
  if (scheme !== 'scrypt' || !saltHex || !hashHex) return false;
  const expected = Buffer.from(hashHex, 'hex');
  const actual = await scrypt(secret, Buffer.from(saltHex, 'hex'), expected.length);
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

export class Registry {
  readonly file: string;
  #data: RegistryData;
  #revoked = new Set<string>();

  private constructor(file: string, data: RegistryData) {
    this.file = file;
    this.#data = data;
    this.#index();
  }

  /** Opens (or creates, empty) the registry file. */
  static open(file: string): Registry {
    mkdirSync(path.dirname(file), { recursive: true });
    if (!existsSync(file)) return new Registry(file, { version: 1, identities: {}, certs: [] });
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as RegistryData;
    if (parsed.version !== 1 || typeof parsed.identities !== 'object' || !Array.isArray(parsed.certs)) {
      throw new Error(`CA registry ${file} has an unknown format`);
    }
    return new Registry(file, parsed);
  }

  get data(): RegistryData {
    return this.#data;
  }

  identity(name: string): IdentityRecord | undefined {
    return Object.prototype.hasOwnProperty.call(this.#data.identities, name)
      ? this.#data.identities[name]
      : undefined;
  }

  cert(serial: string, aki: string): CertRecord | undefined {
    const s = normaliseSerial(serial);
    const a = normaliseHex(aki);
    return this.#data.certs.find((c) => c.serial === s && c.aki === a);
  }

  certBySerial(serial: string): CertRecord | undefined {
    const s = normaliseSerial(serial);
    return this.#data.certs.find((c) => c.serial === s);
  }

  isRevoked(serialHex: string): boolean {
    return this.#revoked.has(normaliseSerial(serialHex));
  }

  /** Applies `change` to a deep copy, persists it durably, then makes it current. */
  update(change: (draft: { identities: Record<string, IdentityRecord>; certs: CertRecord[] }) => void): void {
    const draft = structuredClone(this.#data) as {
      version: 1;
      identities: Record<string, IdentityRecord>;
      certs: CertRecord[];
    };
    change(draft);
    writeAtomically(this.file, JSON.stringify(draft, null, 1));
    this.#data = draft;
    this.#index();
  }

  #index(): void {
    this.#revoked = new Set(this.#data.certs.filter((c) => c.revokedAt !== undefined).map((c) => c.serial));
  }
}

export function writeAtomically(file: string, contents: string, mode = 0o600): void {
  const tmp = `${file}.${process.pid}.tmp`;
  const fd = openSync(tmp, 'w', mode);
  try {
    writeSync(fd, contents);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
  const dir = openSync(path.dirname(file), 'r');
  try {
    fsyncSync(dir);
  } finally {
    closeSync(dir);
  }
}
