// Small devices (seed section 4.6) have no Fabric identity of their own: they post readings to their
// gateway with a token, and the gateway signs. Like the API's keys, a token is shown once and only its
// SHA-256 is stored; 256 random bits leave nothing for a slow hash to protect.

import { createHash, randomBytes } from 'node:crypto';
import Database from 'better-sqlite3';

export const SMALL_DEVICE_TOKEN_PREFIX = 'sdt_';
const TOKEN_RE = /^sdt_[A-Za-z0-9_-]{43}$/;
const DEVICE_ID_RE = /^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$/;

export interface SmallDevice {
  readonly deviceId: string;
  readonly createdAt: string;
}

export class SmallDeviceError extends Error {
  constructor(
    readonly code: 'INVALID_ID' | 'ALREADY_REGISTERED' | 'NOT_FOUND',
    message: string,
  ) {
    super(message);
    this.name = 'SmallDeviceError';
  }
}

function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export class SmallDeviceRegistry {
  readonly #db: Database.Database;

  constructor(file: string) {
    this.#db = new Database(file);
    this.#db.pragma('journal_mode = WAL');
    this.#db.exec(
      'CREATE TABLE IF NOT EXISTS small_devices (device_id TEXT PRIMARY KEY, token_hash TEXT NOT NULL UNIQUE, created_at TEXT NOT NULL)',
    );
  }

  /** Registers a small device and returns its token (shown once). */
  add(deviceId: string): { deviceId: string; token: string } {
    if (!DEVICE_ID_RE.test(deviceId))
      throw new SmallDeviceError(
        'INVALID_ID',
        `invalid device id '${deviceId}': 1-128 letters, digits or ._:@-`,
      );
    const token = `${SMALL_DEVICE_TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
    const info = this.#db
      .prepare('INSERT OR IGNORE INTO small_devices (device_id, token_hash, created_at) VALUES (?, ?, ?)')
      .run(deviceId, hashToken(token), new Date().toISOString());
    if (info.changes === 0)
      throw new SmallDeviceError('ALREADY_REGISTERED', `small device '${deviceId}' is already registered`);
    return { deviceId, token };
  }

  remove(deviceId: string): void {
    if (this.#db.prepare('DELETE FROM small_devices WHERE device_id = ?').run(deviceId).changes === 0)
      throw new SmallDeviceError('NOT_FOUND', `no small device '${deviceId}'`);
  }

  list(): SmallDevice[] {
    return this.#db
      .prepare<[], { device_id: string; created_at: string }>(
        'SELECT device_id, created_at FROM small_devices ORDER BY device_id',
      )
      .all()
      .map((r) => ({ deviceId: r.device_id, createdAt: r.created_at }));
  }

  /** The device a token belongs to, or undefined (malformed or unknown tokens alike). */
  authenticate(token: string): string | undefined {
    if (!TOKEN_RE.test(token)) return undefined;
    return this.#db
      .prepare<[string], { device_id: string }>('SELECT device_id FROM small_devices WHERE token_hash = ?')
      .get(hashToken(token))?.device_id;
  }

  close(): void {
    this.#db.close();
  }
}
