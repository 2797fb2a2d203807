// network/client's CA module against the devnet's Fabric CA over HTTPS: enrolment with a key made on this
// side (own CSR), registration with certificate attributes, re-enrolment, revocation, and the error codes
// callers branch on. Then the API's identity administration (api/src/auth) on the same CA.

import 'reflect-metadata';
import assert from 'node:assert/strict';
import { createPublicKey, generateKeyPairSync, X509Certificate } from 'node:crypto';
import * as net from 'node:net';
import { after, before, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import * as x509 from '@peculiar/x509';
import type { Devnet } from '../../network/devnet/src/devnet';
import { CaError, newCaClient, toCaError, type CaClient, type Enrolment } from '../../network/client/src';
import { ApiKeys, bootstrapOrgAdmin, createUser, UserAdminError, Wallet } from '../../api/src/auth';
import { removeDir, startTestDevnet } from './helpers';

const ATTR_OID = '1.2.3.4.5.6.7.8.1';

function attrsOf(certPem: string): Record<string, string> {
  const ext = new x509.X509Certificate(certPem).getExtension(ATTR_OID);
  if (!ext) return {};
  return (JSON.parse(Buffer.from(ext.value).toString('utf8')) as { attrs: Record<string, string> }).attrs;
}

function spkiOf(pem: string): Buffer {
  return createPublicKey(pem).export({ type: 'spki', format: 'der' });
}

async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function rejectsWith(p: Promise<unknown>, code: CaError['code'], message?: RegExp): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof CaError, `expected a CaError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    if (message) assert.match(err.message, message);
    return true;
  });
}

void describe('toCaError', () => {
  void test('reads the envelope from the message when the error object does not carry it', () => {
    const a = toCaError(
      new Error(
        `fabric-ca request register failed with errors [[{"code":74,"message":"Identity 'x' is already registered"}]]`,
      ),
      'register',
      'https://ca',
    );
    assert.equal(a.code, 'ALREADY_REGISTERED');
    assert.deepEqual(a.details, [{ code: 74, message: "Identity 'x' is already registered" }]);
    const b = toCaError(
      new Error(
        `fabric-ca request enroll failed with errors [[ { code: 20, message: 'Authentication failure' } ]]`,
      ),
      'enroll',
      'https://ca',
    );
    assert.equal(b.code, 'AUTHENTICATION_FAILED');
    const c = toCaError(
      Object.assign(new Error('fabric-ca request register failed with errors [...]'), {
        errors: [{ code: 71, message: 'Authorization failure' }],
      }),
      'register',
      'https://ca',
    );
    assert.equal(c.code, 'NOT_AUTHORIZED');
    assert.equal(toCaError('Missing required parameters', 'enroll', 'https://ca').code, 'CA_ERROR');
    assert.equal(
      toCaError(new Error('fabric-ca request enroll failed with HTTP status code 502'), 'enroll', 'x').code,
      'UNEXPECTED_RESPONSE',
    );
  });
});

void describe('CA client (network/client/src/ca.ts) against the devnet CA', () => {
  let devnet: Devnet;
  let ca: CaClient;
  let admin: Enrolment;
  let bootstrap: { enrollmentID: string; enrollmentSecret: string };

  before(async () => {
    devnet = await startTestDevnet();
    const info = devnet.cas.find((c) => c.mspId === 'Org1MSP');
    assert.ok(info);
    bootstrap = info.bootstrap;
    ca = await newCaClient({
      mspId: 'Org1MSP',
      ca: { url: info.url, caName: info.caName, tlsCaCert: info.tlsCaCertPem },
    });
  });

  after(async () => {
    if (devnet) {
      await devnet.stop();
      await removeDir(devnet.dataDir);
    }
  });

  void test('cainfo answers without credentials', async () => {
    const info = await ca.cainfo();
    assert.equal(info.caName, ca.caName);
    assert.match(info.caChainPem, /-----BEGIN CERTIFICATE-----/);
  });

  void test('the bootstrap admin enrols with a key made here (PKCS#8)', async () => {
    admin = await ca.enroll({ enrollmentId: bootstrap.enrollmentID, secret: bootstrap.enrollmentSecret });
    assert.equal(admin.mspId, 'Org1MSP');
    assert.match(admin.keyPem, /^-----BEGIN PRIVATE KEY-----/);
    assert.deepEqual(spkiOf(admin.certPem), spkiOf(admin.keyPem));
    assert.match(new X509Certificate(admin.certPem).subject, /CN=admin/);
  });

  void test('register and enrol a user with its own key: the certificate is for that key and carries the ecert attribute', async () => {
    const secret = await ca.register(admin, {
      enrollmentId: 'buyer7',
      affiliation: 'org1',
      maxEnrollments: 2,
      attrs: [
        { name: 'role', value: 'buyer', ecert: true },
        { name: 'tier', value: 'gold' },
      ],
    });
    assert.ok(secret.length > 0);
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const ownKey = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const user = await ca.enroll({ enrollmentId: 'buyer7', secret, keyPem: ownKey });
    assert.deepEqual(spkiOf(user.certPem), spkiOf(ownKey), 'certified public key is the local key');
    assert.equal(
      createPublicKey(user.keyPem).export({ format: 'jwk' }).x,
      createPublicKey(ownKey).export({ format: 'jwk' }).x,
    );
    const attrs = attrsOf(user.certPem);
    assert.equal(attrs.role, 'buyer');
    assert.equal(attrs['hf.EnrollmentID'], 'buyer7');
    assert.equal(attrs.tier, undefined, 'non-ecert attribute left out by default');

    // An explicit attribute request, and an optional one the identity does not hold.
    const second = await ca.enroll({
      enrollmentId: 'buyer7',
      secret,
      attrs: [{ name: 'tier' }, { name: 'missing', optional: true }],
    });
    assert.equal(attrsOf(second.certPem).tier, 'gold');
    assert.equal(attrsOf(second.certPem).missing, undefined);
  });

  void test('reenroll renews the key by default and keeps a given one', async () => {
    const secret = await ca.register(admin, {
      enrollmentId: 'rotator',
      affiliation: 'org1',
      maxEnrollments: 1,
    });
    const first = await ca.enroll({ enrollmentId: 'rotator', secret });
    const renewed = await ca.reenroll(first);
    assert.notDeepEqual(spkiOf(renewed.keyPem), spkiOf(first.keyPem));
    assert.deepEqual(spkiOf(renewed.certPem), spkiOf(renewed.keyPem));
    assert.match(new X509Certificate(renewed.certPem).subject, /CN=rotator/);
    const kept = await ca.reenroll(renewed, { keyPem: renewed.keyPem });
    assert.deepEqual(spkiOf(kept.certPem), spkiOf(renewed.keyPem));
    assert.notEqual(
      new X509Certificate(kept.certPem).serialNumber,
      new X509Certificate(renewed.certPem).serialNumber,
    );
    // maxEnrollments 1 is used up, so the secret no longer works: re-enrolment did not count against it.
    await rejectsWith(ca.enroll({ enrollmentId: 'rotator', secret }), 'AUTHENTICATION_FAILED');
  });

  void test('a wrong secret is AUTHENTICATION_FAILED', async () => {
    await rejectsWith(
      ca.enroll({ enrollmentId: bootstrap.enrollmentID, secret: 'not-the-secret' }),
      'AUTHENTICATION_FAILED',
    );
    await rejectsWith(ca.enroll({ enrollmentId: 'nobody-here', secret: 'x' }), 'AUTHENTICATION_FAILED');
  });

  void test('a duplicate registration is ALREADY_REGISTERED', async () => {
    await ca.register(admin, { enrollmentId: 'dup1', affiliation: 'org1' });
    await rejectsWith(
      ca.register(admin, { enrollmentId: 'dup1', affiliation: 'org1' }),
      'ALREADY_REGISTERED',
    );
  });

  void test('a non-registrar registering is NOT_AUTHORIZED', async () => {
    const secret = await ca.register(admin, { enrollmentId: 'plain1', affiliation: 'org1' });
    const plain = await ca.enroll({ enrollmentId: 'plain1', secret });
    await rejectsWith(ca.register(plain, { enrollmentId: 'by-plain' }), 'NOT_AUTHORIZED');
    await rejectsWith(ca.revoke(plain, { enrollmentId: 'dup1' }), 'NOT_AUTHORIZED');
  });

  void test('revoke: the identity can no longer enrol or re-enrol; unknown and repeated revocations are told apart', async () => {
    const secret = await ca.register(admin, {
      enrollmentId: 'leaver',
      affiliation: 'org1',
      maxEnrollments: -1,
    });
    const leaver = await ca.enroll({ enrollmentId: 'leaver', secret });
    const revoked = await ca.revoke(admin, { enrollmentId: 'leaver', reason: 'cessationOfOperation' });
    const serial = new X509Certificate(leaver.certPem).serialNumber.toLowerCase();
    assert.ok(
      revoked.some((r) => r.serial.replace(/^0+/, '').toLowerCase() === serial.replace(/^0+/, '')),
      `revoked ${JSON.stringify(revoked)} includes ${serial}`,
    );
    await rejectsWith(ca.enroll({ enrollmentId: 'leaver', secret }), 'AUTHENTICATION_FAILED');
    await rejectsWith(ca.reenroll(leaver), 'AUTHENTICATION_FAILED');
    await rejectsWith(ca.revoke(admin, { enrollmentId: 'never-registered' }), 'NOT_FOUND');
    const [first] = revoked;
    assert.ok(first);
    await rejectsWith(ca.revoke(admin, { serial: first.serial, aki: first.aki }), 'ALREADY_REVOKED');
  });

  void test('an unreachable CA is CA_UNREACHABLE, an untrusted one TLS_FAILED, a bad key BAD_REQUEST', async () => {
    const port = await closedPort();
    const down = await newCaClient({
      mspId: 'Org1MSP',
      ca: { url: `http://127.0.0.1:${port}`, caName: ca.caName },
    });
    await rejectsWith(down.enroll({ enrollmentId: 'admin', secret: 'x' }), 'CA_UNREACHABLE');
    await rejectsWith(down.cainfo(), 'CA_UNREACHABLE');

    const info = devnet.cas.find((c) => c.mspId === 'Org2MSP');
    assert.ok(info);
    const wrongTrust = await newCaClient({
      mspId: 'Org1MSP',
      ca: { url: ca.url, caName: ca.caName, tlsCaCert: info.tlsCaCertPem },
    });
    await rejectsWith(wrongTrust.cainfo(), 'TLS_FAILED');

    await rejectsWith(
      newCaClient({ mspId: 'Org1MSP', ca: { url: ca.url, caName: ca.caName } }),
      'INVALID_CONFIG',
    );
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 })
      .privateKey.export({ type: 'pkcs8', format: 'pem' })
      .toString();
    await rejectsWith(
      ca.enroll({ enrollmentId: 'admin', secret: 'x', keyPem: rsa }),
      'BAD_REQUEST',
      /EC P-256/,
    );
  });

  void describe('API identity administration (api/src/auth/users.ts)', () => {
    let db: Database.Database;
    let wallet: Wallet;
    let apiKeys: ApiKeys;

    before(async () => {
      db = new Database(':memory:');
      wallet = await Wallet.open({ db, secret: 'a configured wallet secret of enough length' });
      apiKeys = new ApiKeys({ db });
    });
    after(() => db?.close());

    void test('bootstrapOrgAdmin enrols the CA admin once and issues its key once', async () => {
      const first = await bootstrapOrgAdmin({
        wallet,
        apiKeys,
        ca,
        enrollmentId: bootstrap.enrollmentID,
        secret: bootstrap.enrollmentSecret,
      });
      assert.equal(first.label, `Org1MSP:${bootstrap.enrollmentID}`);
      assert.ok(first.apiKey);
      assert.deepEqual(apiKeys.authenticate(first.apiKey), {
        label: first.label,
        role: 'admin',
        keyId: first.keyId,
      });
      const again = await bootstrapOrgAdmin({
        wallet,
        apiKeys,
        ca,
        enrollmentId: bootstrap.enrollmentID,
        secret: 'not used when present',
      });
      assert.equal(again.label, first.label);
      assert.equal(again.apiKey, undefined);
      assert.equal(wallet.get(first.label)?.role, 'admin');
    });

    void test('createUser registers, enrols, stores and issues a key; the certificate carries role', async () => {
      const adminLabel = `Org1MSP:${bootstrap.enrollmentID}`;
      const user = await createUser({ wallet, apiKeys, ca, admin: adminLabel, enrollmentId: 'api-buyer' });
      assert.equal(user.label, 'Org1MSP:api-buyer');
      const stored = wallet.get(user.label);
      assert.ok(stored);
      assert.equal(stored.role, 'user');
      assert.equal(attrsOf(stored.certPem).role, 'user');
      assert.deepEqual(spkiOf(stored.certPem), spkiOf(stored.keyPem));
      assert.equal(apiKeys.authenticate(user.apiKey)?.label, user.label);

      // An admin created through the API is itself a registrar that can create users.
      const orgAdmin = await createUser({
        wallet,
        apiKeys,
        ca,
        admin: adminLabel,
        enrollmentId: 'api-admin',
        role: 'admin',
      });
      const adminCert = wallet.get(orgAdmin.label)?.certPem ?? '';
      assert.equal(attrsOf(adminCert).role, 'admin');
      const delegated = await createUser({
        wallet,
        apiKeys,
        ca,
        admin: orgAdmin.label,
        enrollmentId: 'api-buyer2',
        attrs: [{ name: 'company', value: 'ACME' }],
      });
      assert.equal(attrsOf(wallet.get(delegated.label)?.certPem ?? '').company, 'ACME');

      await assert.rejects(
        createUser({ wallet, apiKeys, ca, admin: user.label, enrollmentId: 'x1' }),
        (err: unknown) => err instanceof UserAdminError && err.code === 'NOT_AN_ADMIN',
      );
      await assert.rejects(
        createUser({ wallet, apiKeys, ca, admin: adminLabel, enrollmentId: 'api-buyer' }),
        (err: unknown) => err instanceof UserAdminError && err.code === 'ALREADY_EXISTS',
      );
      await assert.rejects(
        createUser({ wallet, apiKeys, ca, admin: adminLabel, enrollmentId: 'has:colon' }),
        (err: unknown) => err instanceof UserAdminError && err.code === 'INVALID_INPUT',
      );
    });
  });
});
