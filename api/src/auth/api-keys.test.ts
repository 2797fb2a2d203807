// API keys: issue, authenticate (cached), revoke, and strict parsing of the Authorization header.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { ApiKeyError, ApiKeys, bearerToken } from './api-keys';

function keys(options: { cacheTtlMs?: number; cacheSize?: number } = {}): {
  db: Database.Database;
  apiKeys: ApiKeys;
} {
  const db = new Database(':memory:');
  return { db, apiKeys: new ApiKeys({ db, ...options }) };
}

void describe('ApiKeys', () => {
  void test('an issued token authenticates as its label and role; only its SHA-256 is stored', () => {
    const { db, apiKeys } = keys();
    const { token, keyId } = apiKeys.issue('Org1MSP:buyer', { role: 'user', description: 'ci' });
    assert.match(token, /^msq_[A-Za-z0-9_-]{43}$/);
    assert.deepEqual(apiKeys.authenticate(token), { label: 'Org1MSP:buyer', role: 'user', keyId });
    const rows = db.prepare('SELECT * FROM api_key').all() as Record<string, unknown>[];
    assert.equal(rows.length, 1);
    const text = JSON.stringify(rows, (_k, v: unknown) =>
      Buffer.isBuffer(v) ? v.toString('latin1') : (v as object),
    );
    assert.equal(text.includes(token), false);
    assert.equal(text.includes(token.slice(4)), false);
    assert.deepEqual(rows[0]?.token_hash, createHash('sha256').update(token).digest());
    assert.deepEqual(
      apiKeys.list('Org1MSP:buyer').map((k) => [k.keyId, k.role, k.description, k.revokedAt]),
      [[keyId, 'user', 'ci', undefined]],
    );
    assert.deepEqual(apiKeys.list('Org1MSP:other'), []);
    db.close();
  });

  void test('unknown, altered and malformed tokens do not authenticate', () => {
    const { db, apiKeys } = keys();
    const { token } = apiKeys.issue('Org1MSP:buyer', { role: 'user' });
    const last = token.at(-1) === 'A' ? 'B' : 'A';
    assert.equal(apiKeys.authenticate(token.slice(0, -1) + last), undefined);
    assert.equal(apiKeys.authenticate(token + 'A'), undefined);
    assert.equal(apiKeys.authenticate(token.slice(4)), undefined);
    assert.equal(apiKeys.authenticate(''), undefined);
    assert.equal(apiKeys.authenticate(`msq_${'x'.repeat(43)}`), undefined);
    db.close();
  });

  void test('a revoked token no longer authenticates, even after it was cached', () => {
    const { db, apiKeys } = keys();
    const a = apiKeys.issue('Org1MSP:buyer', { role: 'user' });
    const b = apiKeys.issue('Org1MSP:buyer', { role: 'user' });
    assert.ok(apiKeys.authenticate(a.token));
    assert.equal(apiKeys.revoke(a.keyId), true);
    assert.equal(apiKeys.revoke(a.keyId), false);
    assert.equal(apiKeys.authenticate(a.token), undefined);
    assert.ok(apiKeys.authenticate(b.token), 'other keys of the label are unaffected');
    assert.ok(apiKeys.list('Org1MSP:buyer').find((k) => k.keyId === a.keyId)?.revokedAt);
    assert.equal(apiKeys.revokeAll('Org1MSP:buyer'), 1);
    assert.equal(apiKeys.authenticate(b.token), undefined);
    db.close();
  });

  void test('cached tokens need no SQL; a revocation by another instance applies once the cache entry expires', async () => {
    const { db, apiKeys } = keys({ cacheTtlMs: 50 });
    const { token, keyId } = apiKeys.issue('Org1MSP:admin', { role: 'admin' });
    assert.equal(apiKeys.authenticate(token)?.role, 'admin');
    const other = new ApiKeys({ db });
    other.revoke(keyId);
    // Prove the hot path does not touch the database: with the table gone, a cached token still resolves.
    db.exec('ALTER TABLE api_key RENAME TO api_key_moved');
    assert.equal(apiKeys.authenticate(token)?.keyId, keyId);
    db.exec('ALTER TABLE api_key_moved RENAME TO api_key');
    await new Promise((r) => setTimeout(r, 80));
    assert.equal(apiKeys.authenticate(token), undefined);
    db.close();
  });

  void test('the cache is bounded', () => {
    const { db, apiKeys } = keys({ cacheSize: 2 });
    const issued = [1, 2, 3].map((i) => apiKeys.issue(`Org1MSP:u${i}`, { role: 'user' }));
    for (const k of issued) assert.ok(apiKeys.authenticate(k.token));
    db.exec('ALTER TABLE api_key RENAME TO api_key_moved');
    // The least recently used (u1) was evicted and now needs the (missing) table.
    assert.throws(() => apiKeys.authenticate(issued[0]?.token ?? ''));
    assert.ok(apiKeys.authenticate(issued[2]?.token ?? ''));
    db.exec('ALTER TABLE api_key_moved RENAME TO api_key');
    db.close();
  });

  void test('issue refuses an empty label or an unknown role', () => {
    const { db, apiKeys } = keys();
    assert.throws(() => apiKeys.issue('', { role: 'user' }), ApiKeyError);
    assert.throws(() => apiKeys.issue('x:y', { role: 'root' as 'user' }), ApiKeyError);
    db.close();
  });
});

void describe('bearerToken', () => {
  const token = `msq_${'a'.repeat(43)}`;
  const malformed = (header: string | string[]): void => {
    assert.throws(
      () => bearerToken(header),
      (err: unknown) => err instanceof ApiKeyError && err.code === 'MALFORMED_AUTHORIZATION',
      header.toString(),
    );
  };

  void test('reads exactly one bearer token', () => {
    assert.equal(bearerToken(undefined), undefined);
    assert.equal(bearerToken(`Bearer ${token}`), token);
    assert.equal(bearerToken(`bearer ${token}`), token);
  });

  void test('rejects anything else', () => {
    malformed('');
    malformed('Bearer');
    malformed('Bearer ');
    malformed(token);
    malformed(`Basic ${token}`);
    malformed(`Bearer  ${token}`);
    malformed(`Bearer ${token} `);
    malformed(` Bearer ${token}`);
    malformed(`Bearer ${token} extra`);
    malformed(`Bearer ${token}\n`);
    malformed(`Bearer ${token.slice(0, -1)}`);
    malformed(`Bearer ${token}a`);
    malformed(`Bearer abc${token.slice(3)}`);
    malformed([`Bearer ${token}`, `Bearer ${token}`]);
  });
});
