// Wallet unit tests on a temporary SQLite file: keys are sealed at rest, the secret is checked, rows cannot
// be swapped between labels.

import assert from 'node:assert/strict';
import { createPrivateKey, generateKeyPairSync, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { Wallet, WalletError } from './wallet';
import { selfSigned } from './test-support';

const SECRET = 'correct horse battery staple';

void describe('Wallet', () => {
  let dir: string;
  let file: string;
  let id1: { certPem: string; keyPem: string };
  let id2: { certPem: string; keyPem: string };

  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'wallet-test-'));
    file = path.join(dir, 'api.sqlite');
    id1 = await selfSigned('alice');
    id2 = await selfSigned('bob');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const openDb = (): Database.Database => {
    const db = new Database(file);
    db.pragma('journal_mode = WAL');
    return db;
  };

  void test('stores, lists and returns identities with their keys', async () => {
    const db = openDb();
    try {
      const wallet = await Wallet.open({ db, secret: SECRET });
      const entry = wallet.put({
        label: 'Org1MSP:alice',
        mspId: 'Org1MSP',
        enrollmentId: 'alice',
        role: 'admin',
        ...id1,
      });
      assert.equal(entry.label, 'Org1MSP:alice');
      assert.ok(!('keyPem' in entry));
      wallet.put({ label: 'Org1MSP:bob', mspId: 'Org1MSP', enrollmentId: 'bob', role: 'user', ...id2 });
      assert.equal(wallet.has('Org1MSP:alice'), true);
      assert.equal(wallet.has('Org1MSP:nobody'), false);
      assert.equal(wallet.get('Org1MSP:nobody'), undefined);
      const alice = wallet.get('Org1MSP:alice');
      assert.ok(alice);
      assert.equal(alice.keyPem, id1.keyPem);
      assert.equal(alice.certPem, id1.certPem);
      assert.equal(alice.role, 'admin');
      assert.deepEqual(
        wallet.list().map((e) => e.label),
        ['Org1MSP:alice', 'Org1MSP:bob'],
      );
      assert.deepEqual(
        wallet.list({ role: 'user' }).map((e) => e.label),
        ['Org1MSP:bob'],
      );
      assert.ok(wallet.list().every((e) => !('keyPem' in e)));
    } finally {
      db.close();
    }
  });

  void test('put replaces and keeps createdAt; a key that does not match its certificate is refused', async () => {
    const db = openDb();
    try {
      const wallet = await Wallet.open({ db, secret: SECRET });
      const before = wallet.entry('Org1MSP:alice');
      assert.ok(before);
      await new Promise((r) => setTimeout(r, 5));
      wallet.put({ label: 'Org1MSP:alice', mspId: 'Org1MSP', enrollmentId: 'alice', role: 'admin', ...id2 });
      const after = wallet.get('Org1MSP:alice');
      assert.equal(after?.createdAt, before.createdAt);
      assert.notEqual(after?.updatedAt, before.updatedAt);
      assert.equal(after?.keyPem, id2.keyPem);
      wallet.put({ label: 'Org1MSP:alice', mspId: 'Org1MSP', enrollmentId: 'alice', role: 'admin', ...id1 });
      assert.throws(
        () =>
          wallet.put({
            label: 'Org1MSP:mixed',
            mspId: 'Org1MSP',
            enrollmentId: 'mixed',
            role: 'user',
            certPem: id1.certPem,
            keyPem: id2.keyPem,
          }),
        (err: unknown) => err instanceof WalletError && err.code === 'INVALID_IDENTITY',
      );
      assert.equal(wallet.has('Org1MSP:mixed'), false);
    } finally {
      db.close();
    }
  });

  void test('a wrong secret is refused with WRONG_KEY, a short one with WEAK_SECRET', async () => {
    const db = openDb();
    try {
      await assert.rejects(
        Wallet.open({ db, secret: 'another secret of some length' }),
        (err: unknown) => err instanceof WalletError && err.code === 'WRONG_KEY',
      );
      await assert.rejects(
        Wallet.open({ db, secret: 'short' }),
        (err: unknown) => err instanceof WalletError && err.code === 'WEAK_SECRET',
      );
      const reopened = await Wallet.open({ db, secret: SECRET });
      assert.equal(reopened.get('Org1MSP:bob')?.keyPem, id2.keyPem);
    } finally {
      db.close();
    }
  });

  void test('no private key material is in the database file in plaintext', () => {
    const db = openDb();
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.close();
    const bytes = Buffer.concat(
      ['', '-wal', '-shm'].flatMap((suffix) => {
        try {
          return [readFileSync(file + suffix)];
        } catch {
          return [];
        }
      }),
    );
    assert.ok(
      bytes.includes(Buffer.from(id1.certPem.split('\n')[1] ?? 'x')),
      'certificates are stored in clear',
    );
    for (const { keyPem } of [id1, id2]) {
      const der = Buffer.from(keyPem.replace(/-----[^-]+-----|\s/g, ''), 'base64');
      const body = keyPem.split('\n')[1] ?? '';
      assert.ok(body.length > 20);
      assert.equal(bytes.includes(Buffer.from(body)), false, 'PEM body of a private key found in the file');
      assert.equal(bytes.includes(der), false, 'DER of a private key found in the file');
      // The private scalar itself, whatever encoding might have wrapped it.
      const d = createPrivateKey(keyPem).export({ format: 'jwk' }).d ?? '';
      assert.equal(bytes.includes(Buffer.from(d, 'base64url')), false, 'private scalar found in the file');
    }
    assert.equal(bytes.includes(Buffer.from('PRIVATE KEY')), false);
  });

  void test('a sealed key moved to another label does not unseal (CORRUPT)', async () => {
    const db = openDb();
    try {
      const wallet = await Wallet.open({ db, secret: SECRET });
      db.prepare(
        `UPDATE wallet_identity SET sealed_key = (SELECT sealed_key FROM wallet_identity WHERE label = 'Org1MSP:alice'),
         cert_pem = (SELECT cert_pem FROM wallet_identity WHERE label = 'Org1MSP:alice') WHERE label = 'Org1MSP:bob'`,
      ).run();
      assert.throws(
        () => wallet.get('Org1MSP:bob'),
        (err: unknown) => err instanceof WalletError && err.code === 'CORRUPT',
      );
      assert.equal(wallet.remove('Org1MSP:bob'), true);
      assert.equal(wallet.remove('Org1MSP:bob'), false);
      assert.ok(new X509Certificate(wallet.get('Org1MSP:alice')?.certPem ?? '').subject.includes('alice'));
    } finally {
      db.close();
    }
  });

  void test('works on an in-memory database too, and keys from other generators are normalised to PKCS#8', async () => {
    const db = new Database(':memory:');
    try {
      const wallet = await Wallet.open({ db, secret: Buffer.alloc(32, 7) });
      const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      const sec1 = privateKey.export({ type: 'sec1', format: 'pem' }).toString();
      const id = await selfSigned('carol', privateKey);
      wallet.put({
        label: 'x:carol',
        mspId: 'x',
        enrollmentId: 'carol',
        role: 'user',
        certPem: id.certPem,
        keyPem: sec1,
      });
      assert.match(wallet.get('x:carol')?.keyPem ?? '', /^-----BEGIN PRIVATE KEY-----/);
    } finally {
      db.close();
    }
  });
});
