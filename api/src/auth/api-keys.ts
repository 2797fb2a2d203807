// API keys: bearer tokens bound to a wallet identity. A token is shown once, when issued; the database
// holds only its SHA-256, so reading the database (or a backup) yields no usable token. Tokens carry 256
// random bits, so a plain hash is enough: there is nothing for a slow password hash to protect.

import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Database } from 'better-sqlite3';
import type { IdentityRole } from './wallet';

export const TOKEN_PREFIX = 'msq_';
// 32 bytes in base64url without padding.
const TOKEN_RE = /^msq_[A-Za-z0-9_-]{43}$/;

export interface ApiKeyPrincipal {
  /** The wallet label the key signs as. */
  readonly label: string;
  readonly role: IdentityRole;
  readonly keyId: string;
}

export interface ApiKeyInfo {
  readonly keyId: string;
  readonly label: string;
  readonly role: IdentityRole;
  readonly description: string;
  readonly createdAt: string;
  readonly revokedAt?: string;
}

export interface IssuedApiKey {
  readonly keyId: string;
  /** The bearer token; not stored, so it cannot be shown again. */
  readonly token: string;
}

export interface ApiKeysOptions {
  readonly db: Database;
  /** Authenticated tokens kept in memory (default 1000). */
  readonly cacheSize?: number;
  /**
   * How long a cached token is trusted without asking the database (default 30 s). Revoking through this
   * instance takes effect at once; revoking through another process takes effect within this time.
   */
  readonly cacheTtlMs?: number;
}

export type ApiKeyErrorCode = 'MALFORMED_AUTHORIZATION' | 'INVALID_INPUT';

export class ApiKeyError extends Error {
  readonly code: ApiKeyErrorCode;

  constructor(code: ApiKeyErrorCode, message: string) {
    super(message);
    this.name = 'ApiKeyError';
    this.code = code;
  }
}

/**
 * The token of an `Authorization: Bearer <token>` header: undefined when there is no header, ApiKeyError
 * MALFORMED_AUTHORIZATION when there is one but it is not exactly one bearer token of our format (a
 * client sending something wrong learns so, instead of being treated as anonymous).
 */
export function bearerToken(authorization: string | readonly string[] | undefined): string | undefined {
  if (authorization === undefined) return undefined;
  if (typeof authorization !== 'string')
    throw new ApiKeyError('MALFORMED_AUTHORIZATION', 'send exactly one Authorization header');
  // RFC 7235: the scheme is case-insensitive; exactly one space, no other parameters.
  const m = /^Bearer ([^\s]+)$/i.exec(authorization);
  if (!m?.[1] || !TOKEN_RE.test(m[1]))
    throw new ApiKeyError(
      'MALFORMED_AUTHORIZATION',
      `the Authorization header must be 'Bearer ${TOKEN_PREFIX}<key>' with an API key`,
    );
  return m[1];
}

interface KeyRow {
  id: string;
  label: string;
  role: IdentityRole;
  description: string;
  token_hash: Buffer;
  created_at: string;
  revoked_at: string | null;
}

interface CacheEntry {
  readonly principal: ApiKeyPrincipal;
  readonly expires: number;
}

export class ApiKeys {
  readonly #db: Database;
  readonly #cacheSize: number;
  readonly #ttl: number;
  // Insertion order is recency order (a hit is re-inserted), so the first key is the least recently used.
  readonly #cache = new Map<string, CacheEntry>();

  constructor(options: ApiKeysOptions) {
    this.#db = options.db;
    this.#cacheSize = options.cacheSize ?? 1000;
    this.#ttl = options.cacheTtlMs ?? 30_000;
    this.#db.exec(`
      CREATE TABLE IF NOT EXISTS api_key (
        id          TEXT PRIMARY KEY,
        label       TEXT NOT NULL,
        role        TEXT NOT NULL CHECK (role IN ('admin', 'user')),
        description TEXT NOT NULL DEFAULT '',
        token_hash  BLOB NOT NULL UNIQUE,
        created_at  TEXT NOT NULL,
        revoked_at  TEXT
      ) STRICT;
      CREATE INDEX IF NOT EXISTS api_key_label ON api_key (label);
    `);
  }

  /** A new key for `label`; the returned token is the only copy. */
  issue(label: string, options: { role: IdentityRole; description?: string }): IssuedApiKey {
    if (!label) throw new ApiKeyError('INVALID_INPUT', 'an API key needs a wallet label');
    if (options.role !== 'admin' && options.role !== 'user')
      throw new ApiKeyError('INVALID_INPUT', `unknown role '${String(options.role)}'`);
    const token = TOKEN_PREFIX + randomBytes(32).toString('base64url');
    const keyId = 'key_' + randomBytes(9).toString('base64url');
    this.#db
      .prepare(
        `INSERT INTO api_key (id, label, role, description, token_hash, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
      )
      .run(keyId, label, options.role, options.description ?? '', sha256(token), new Date().toISOString());
    return { keyId, token };
  }

  /** The principal of a valid, unrevoked token; undefined otherwise (malformed tokens cost no SQL). */
  authenticate(token: string): ApiKeyPrincipal | undefined {
    if (!TOKEN_RE.test(token)) return undefined;
    const hash = sha256(token);
    const cacheKey = hash.toString('base64');
    const now = Date.now();
    const cached = this.#cache.get(cacheKey);
    if (cached) {
      this.#cache.delete(cacheKey);
      if (cached.expires > now) {
        this.#cache.set(cacheKey, cached);
        return cached.principal;
      }
    }
    // The lookup is by hash, so its timing says nothing about the token; the compare only guards the index.
    const row = this.#db.prepare(`SELECT * FROM api_key WHERE token_hash = ?`).get(hash) as
      KeyRow | undefined;
    if (!row || row.revoked_at !== null || !timingSafeEqual(row.token_hash, hash)) return undefined;
    const principal: ApiKeyPrincipal = { label: row.label, role: row.role, keyId: row.id };
    this.#cache.set(cacheKey, { principal, expires: now + this.#ttl });
    if (this.#cache.size > this.#cacheSize) {
      const oldest = this.#cache.keys().next().value;
      if (oldest !== undefined) this.#cache.delete(oldest);
    }
    return principal;
  }

  /** Revokes a key; true if it existed and was active. */
  revoke(keyId: string): boolean {
    const changed =
      this.#db
        .prepare(`UPDATE api_key SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL`)
        .run(new Date().toISOString(), keyId).changes > 0;
    for (const [k, entry] of this.#cache) if (entry.principal.keyId === keyId) this.#cache.delete(k);
    return changed;
  }

  /** Revokes every active key of a label (its identity was removed or revoked at the CA); returns how many. */
  revokeAll(label: string): number {
    const changes = this.#db
      .prepare(`UPDATE api_key SET revoked_at = ? WHERE label = ? AND revoked_at IS NULL`)
      .run(new Date().toISOString(), label).changes;
    for (const [k, entry] of this.#cache) if (entry.principal.label === label) this.#cache.delete(k);
    return changes;
  }

  /** The keys of a label, revoked ones included, oldest first; never the tokens. */
  list(label: string): ApiKeyInfo[] {
    const rows = this.#db
      .prepare(`SELECT * FROM api_key WHERE label = ? ORDER BY created_at, id`)
      .all(label) as KeyRow[];
    return rows.map((r) => ({
      keyId: r.id,
      label: r.label,
      role: r.role,
      description: r.description,
      createdAt: r.created_at,
      ...(r.revoked_at !== null ? { revokedAt: r.revoked_at } : {}),
    }));
  }
}

function sha256(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}
