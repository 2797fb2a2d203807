// The API's wallet: the organisation identities it signs with (org admins that are CA registrars, and
// users created through the API), in the API's SQLite database. Private keys are sealed with AES-256-GCM
// under a data key derived from the configured secret, so a copy of the database file (a backup, a
// stolen disk) does not hold usable keys without the configuration.

import {
  createHmac,
  createCipheriv,
  createDecipheriv,
  createPrivateKey,
  createPublicKey,
  randomBytes,
  scrypt,
  timingSafeEqual,
  X509Certificate,
  type ScryptOptions,
} from 'node:crypto';
import type { Database } from 'better-sqlite3';

export type IdentityRole = 'admin' | 'user';

export interface WalletIdentity {
  /** Unique, `<mspId>:<enrollmentId>` by convention (the party id the chaincode sees). */
  readonly label: string;
  readonly mspId: string;
  readonly enrollmentId: string;
  readonly certPem: string;
  /** PKCS#8 PEM. */
  readonly keyPem: string;
  readonly role: IdentityRole;
  /** ISO 8601; set when the label is first stored and kept on replacement. */
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** What `list()` gives: everything but the private key, which is only unsealed for the identity used. */
export type WalletEntry = Omit<WalletIdentity, 'keyPem'>;

export type NewWalletIdentity = Omit<WalletIdentity, 'createdAt' | 'updatedAt'>;

export interface WalletOptions {
  readonly db: Database;
  /** From configuration; at least 16 characters (or bytes). */
  readonly secret: string | Uint8Array;
}

export type WalletErrorCode =
  /** The configured secret is not the one the wallet was created with. */
  | 'WRONG_KEY'
  | 'WEAK_SECRET'
  /** A sealed key does not authenticate: the row was altered or moved to another label. */
  | 'CORRUPT'
  /** The certificate and key do not belong together, or a field is invalid. */
  | 'INVALID_IDENTITY';

export class WalletError extends Error {
  readonly code: WalletErrorCode;
  readonly label?: string;

  constructor(code: WalletErrorCode, message: string, options: { label?: string; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = 'WalletError';
    this.code = code;
    if (options.label !== undefined) this.label = options.label;
  }
}

interface KdfParams {
  readonly alg: 'scrypt';
  readonly salt: string;
  readonly N: number;
  readonly r: number;
  readonly p: number;
}

// N=2^15, r=8: 32 MiB and ~0.1 s, paid once per process start, not per request.
const DEFAULT_KDF = { N: 1 << 15, r: 8, p: 1 } as const;
const SEAL_VERSION = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const CHECK_INPUT = 'manusquare-wallet key check v1';

interface IdentityRow {
  label: string;
  msp_id: string;
  enrollment_id: string;
  cert_pem: string;
  sealed_key: Buffer;
  role: IdentityRole;
  created_at: string;
  updated_at: string;
}

export class Wallet {
  readonly #db: Database;
  readonly #key: Buffer;

  private constructor(db: Database, key: Buffer) {
    this.#db = db;
    this.#key = key;
  }

  /**
   * Opens the wallet in `db`, creating its tables and salt on first use. Fails with WRONG_KEY when the
   * database was set up with another secret.
   */
  static async open(options: WalletOptions): Promise<Wallet> {
    const secret =
      typeof options.secret === 'string' ? Buffer.from(options.secret, 'utf8') : Buffer.from(options.secret);
    if (secret.length < 16)
      throw new WalletError('WEAK_SECRET', 'the wallet secret must be at least 16 characters long');
    const db = options.db;
    db.exec(`
      CREATE TABLE IF NOT EXISTS wallet_meta (
        name  TEXT PRIMARY KEY,
        value TEXT NOT NULL
      ) STRICT;
      CREATE TABLE IF NOT EXISTS wallet_identity (
        label         TEXT PRIMARY KEY,
        msp_id        TEXT NOT NULL,
        enrollment_id TEXT NOT NULL,
        cert_pem      TEXT NOT NULL,
        sealed_key    BLOB NOT NULL,
        role          TEXT NOT NULL CHECK (role IN ('admin', 'user')),
        created_at    TEXT NOT NULL,
        updated_at    TEXT NOT NULL
      ) STRICT;
    `);
    // INSERT OR IGNORE then read back: two processes opening a new database agree on one salt.
    const fresh: KdfParams = { alg: 'scrypt', salt: randomBytes(16).toString('base64'), ...DEFAULT_KDF };
    db.prepare(`INSERT OR IGNORE INTO wallet_meta (name, value) VALUES ('kdf', ?)`).run(
      JSON.stringify(fresh),
    );
    const kdf = JSON.parse(
      (db.prepare(`SELECT value FROM wallet_meta WHERE name = 'kdf'`).get() as { value: string }).value,
    ) as KdfParams;
    const key = await deriveKey(secret, kdf);
    const check = checkValue(key);
    db.prepare(`INSERT OR IGNORE INTO wallet_meta (name, value) VALUES ('check', ?)`).run(check);
    const stored = Buffer.from(
      (db.prepare(`SELECT value FROM wallet_meta WHERE name = 'check'`).get() as { value: string }).value,
      'base64',
    );
    const expected = Buffer.from(check, 'base64');
    if (stored.length !== expected.length || !timingSafeEqual(stored, expected))
      throw new WalletError(
        'WRONG_KEY',
        'the configured wallet secret does not open this wallet (it was created with another secret)',
      );
    return new Wallet(db, key);
  }

  /** Stores an identity, replacing one with the same label (a re-enrolment keeps its createdAt). */
  put(identity: NewWalletIdentity): WalletEntry {
    validate(identity);
    const now = new Date().toISOString();
    const keyPem = createPrivateKey(identity.keyPem).export({ type: 'pkcs8', format: 'pem' }).toString();
    this.#db
      .prepare(
        `INSERT INTO wallet_identity (label, msp_id, enrollment_id, cert_pem, sealed_key, role, created_at, updated_at)
         VALUES (@label, @mspId, @enrollmentId, @certPem, @sealed, @role, @now, @now)
         ON CONFLICT (label) DO UPDATE SET msp_id = excluded.msp_id, enrollment_id = excluded.enrollment_id,
           cert_pem = excluded.cert_pem, sealed_key = excluded.sealed_key, role = excluded.role,
           updated_at = excluded.updated_at`,
      )
      .run({
        label: identity.label,
        mspId: identity.mspId,
        enrollmentId: identity.enrollmentId,
        certPem: identity.certPem,
        sealed: seal(this.#key, identity.label, keyPem),
        role: identity.role,
        now,
      });
    const entry = this.entry(identity.label);
    if (!entry) throw new Error(`wallet: ${identity.label} was not stored`);
    return entry;
  }

  /** The identity with its private key unsealed, or undefined. */
  get(label: string): WalletIdentity | undefined {
    const row = this.#db.prepare(`SELECT * FROM wallet_identity WHERE label = ?`).get(label) as
      IdentityRow | undefined;
    if (!row) return undefined;
    return { ...entryOf(row), keyPem: unseal(this.#key, row.label, row.sealed_key) };
  }

  /** The identity without its private key, or undefined. */
  entry(label: string): WalletEntry | undefined {
    const row = this.#db
      .prepare(
        `SELECT label, msp_id, enrollment_id, cert_pem, role, created_at, updated_at FROM wallet_identity WHERE label = ?`,
      )
      .get(label) as IdentityRow | undefined;
    return row ? entryOf(row) : undefined;
  }

  has(label: string): boolean {
    return this.#db.prepare(`SELECT 1 FROM wallet_identity WHERE label = ?`).get(label) !== undefined;
  }

  list(filter: { mspId?: string; role?: IdentityRole } = {}): WalletEntry[] {
    const rows = this.#db
      .prepare(
        `SELECT label, msp_id, enrollment_id, cert_pem, role, created_at, updated_at FROM wallet_identity
         WHERE (@mspId IS NULL OR msp_id = @mspId) AND (@role IS NULL OR role = @role) ORDER BY label`,
      )
      .all({ mspId: filter.mspId ?? null, role: filter.role ?? null }) as IdentityRow[];
    return rows.map(entryOf);
  }

  /** Removes an identity; true if it existed. */
  remove(label: string): boolean {
    return this.#db.prepare(`DELETE FROM wallet_identity WHERE label = ?`).run(label).changes > 0;
  }
}

function entryOf(row: IdentityRow): WalletEntry {
  return {
    label: row.label,
    mspId: row.msp_id,
    enrollmentId: row.enrollment_id,
    certPem: row.cert_pem,
    role: row.role,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function validate(identity: NewWalletIdentity): void {
  const invalid = (message: string, cause?: unknown): WalletError =>
    new WalletError('INVALID_IDENTITY', `${identity.label || '<no label>'}: ${message}`, {
      label: identity.label,
      cause,
    });
  if (!identity.label || identity.label.length > 300) throw invalid('the label must be 1 to 300 characters');
  if (!identity.mspId || !identity.enrollmentId) throw invalid('mspId and enrollmentId are required');
  if (identity.role !== 'admin' && identity.role !== 'user')
    throw invalid(`unknown role '${String(identity.role)}'`);
  let matches: boolean;
  try {
    const certKey = new X509Certificate(identity.certPem).publicKey.export({ type: 'spki', format: 'der' });
    const ownKey = createPublicKey(createPrivateKey(identity.keyPem)).export({ type: 'spki', format: 'der' });
    matches = certKey.equals(ownKey);
  } catch (err) {
    throw invalid(`unreadable certificate or key: ${(err as Error).message}`, err);
  }
  if (!matches) throw invalid('the private key does not belong to the certificate');
}

function deriveKey(secret: Buffer, kdf: KdfParams): Promise<Buffer> {
  if (kdf.alg !== 'scrypt')
    throw new WalletError('CORRUPT', `unknown wallet key derivation '${String(kdf.alg)}'`);
  const options: ScryptOptions = { N: kdf.N, r: kdf.r, p: kdf.p, maxmem: 256 * kdf.N * kdf.r };
  return new Promise((resolve, reject) =>
    scrypt(secret, Buffer.from(kdf.salt, 'base64'), 32, options, (err, key) =>
      err ? reject(err) : resolve(key),
    ),
  );
}

/** An HMAC of a constant: tells a wrong secret apart from a corrupt row without storing anything decryptable. */
function checkValue(key: Buffer): string {
  return createHmac('sha256', key).update(CHECK_INPUT).digest('base64');
}

// The label is the additional authenticated data: a sealed key copied onto another row (an admin's key
// under a user's label) fails to unseal instead of signing as someone else.
function seal(key: Buffer, label: string, keyPem: string): Buffer {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(label, 'utf8'));
  const ciphertext = Buffer.concat([cipher.update(keyPem, 'utf8'), cipher.final()]);
  return Buffer.concat([Buffer.from([SEAL_VERSION]), iv, cipher.getAuthTag(), ciphertext]);
}

function unseal(key: Buffer, label: string, sealed: Buffer): string {
  if (sealed.length < 1 + IV_BYTES + TAG_BYTES || sealed[0] !== SEAL_VERSION)
    throw new WalletError('CORRUPT', `the sealed key of ${label} has an unknown format`, { label });
  const iv = sealed.subarray(1, 1 + IV_BYTES);
  const tag = sealed.subarray(1 + IV_BYTES, 1 + IV_BYTES + TAG_BYTES);
  const decipher = createDecipheriv('aes-256-gcm', key, iv);
  decipher.setAAD(Buffer.from(label, 'utf8'));
  decipher.setAuthTag(tag);
  try {
    return Buffer.concat([
      decipher.update(sealed.subarray(1 + IV_BYTES + TAG_BYTES)),
      decipher.final(),
    ]).toString('utf8');
  } catch (err) {
    throw new WalletError('CORRUPT', `the sealed key of ${label} does not authenticate`, {
      label,
      cause: err,
    });
  }
}
