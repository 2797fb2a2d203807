// The devnet's Fabric CA service driven by the real fabric-ca-client 2.2 package (rule 1): cainfo,
// register, enroll (client-generated key and our own CSR), reenroll, revoke, gencrl, attribute
// delegation, max enrollments, bad input and persistence across a restart.
import 'reflect-metadata';
import { strict as assert } from 'node:assert';
import { createHash, generateKeyPairSync, webcrypto, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as http from 'node:http';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as x509 from '@peculiar/x509';
import FabricCAServices from 'fabric-ca-client';
import { User } from 'fabric-common';
import { ATTR_OID, startCaServer, type CaServer } from '../../network/devnet/src/ca';
import { buildChannelConfig } from '../../network/devnet/src/channel';
import { CertificateAuthority, generateCryptoMaterial, orgByMspId } from '../../network/devnet/src/crypto';
import type { CryptoMaterial, OrgMaterial } from '../../network/devnet/src/crypto/types';
import { MspManager, serializeIdentity, signLowS } from '../../network/devnet/src/msp';
import type { common } from '../../network/devnet/src/protos';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

let root: string;
let material: CryptoMaterial;
let org1: OrgMaterial;
let config: common.Config;
let server: CaServer;
let ca: FabricCAServices;
let admin: User;

interface CaFailure {
  errors?: { code: number; message: string }[];
}

function registryText(): string {
  return readFileSync(path.join(root, 'ca', org1.domain, 'registry.json'), 'utf8');
}

function attrsOf(certPem: string): Record<string, string> | undefined {
  const ext = new x509.X509Certificate(certPem).getExtension(ATTR_OID);
  if (!ext) return undefined;
  return (JSON.parse(Buffer.from(ext.value).toString('utf8')) as { attrs: Record<string, string> }).attrs;
}

function certOf(user: User): string {
  return (user.getIdentity() as unknown as { _certificate: string })._certificate;
}

function userFrom(name: string, certPem: string, keyPem: string): User {
  return User.createUser(name, '', 'Org1MSP', certPem, keyPem);
}

async function rejects(p: Promise<unknown>, code: number, message: RegExp): Promise<void> {
  await assert.rejects(p, (err: Error & CaFailure) => {
    const first = err.errors?.[0];
    assert.ok(first, `expected a CA error envelope, got ${err.message}`);
    assert.equal(first.code, code, `code ${first.code}: ${first.message}`);
    assert.match(first.message, message);
    return true;
  });
}

/** Raw POST, to send what fabric-ca-client never would. */
function post(
  pathName: string,
  body: string,
  headers: Record<string, string> = {},
): Promise<{
  status: number;
  json: { success: boolean; errors: { code: number; message: string }[]; result: unknown };
}> {
  const url = new URL(server.url);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: url.hostname,
        port: url.port,
        path: pathName,
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          try {
            resolve({
              status: res.statusCode ?? 0,
              json: JSON.parse(Buffer.concat(chunks).toString('utf8')),
            });
          } catch (err) {
            reject(err instanceof Error ? err : new Error(String(err)));
          }
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** fabric-ca's token: b64(cert).b64(sig over METHOD.b64(uri).b64(body).b64(cert)). */
function token(certPem: string, keyPem: string, method: string, uri: string, body: string): string {
  const b64Cert = Buffer.from(certPem).toString('base64');
  const msg = `${method}.${Buffer.from(uri).toString('base64')}.${Buffer.from(body).toString('base64')}.${b64Cert}`;
  return `${b64Cert}.${signLowS(keyPem, Buffer.from(msg)).toString('base64')}`;
}

async function ownCsr(cn: string): Promise<{ csr: string; keyPem: string }> {
  const keys = await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, [
    'sign',
    'verify',
  ]);
  const req = await x509.Pkcs10CertificateRequestGenerator.create({
    name: `CN=${cn}`,
    keys: keys as never,
    signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
  });
  const pkcs8 = await webcrypto.subtle.exportKey('pkcs8', keys.privateKey);
  return { csr: req.toString('pem'), keyPem: x509.PemConverter.encode(pkcs8, 'PRIVATE KEY') };
}

function validateWithMsp(
  certPem: string,
  isRevoked = (serial: string, mspId: string): boolean => server.isRevoked(serial, mspId),
): void {
  const msps = new MspManager(config, { isRevoked });
  const identity = msps.deserializeIdentity(serializeIdentity('Org1MSP', certPem));
  identity.validate();
  assert.ok(identity.roles.has('client'), `roles: ${[...identity.roles].join(',')}`);
}

void before(async () => {
  root = mkdtempSync(path.join(tmpdir(), 'devnet-ca-'));
  material = await generateCryptoMaterial(path.join(root, 'organizations'));
  org1 = orgByMspId(material, 'Org1MSP');
  config = buildChannelConfig({
    material,
    batchSize: { maxMessageCount: 10, absoluteMaxBytes: 1 << 20, preferredMaxBytes: 1 << 19 },
    batchTimeoutMs: 50,
    ordererAddress: 'localhost:7050',
  });
  server = await startCaServer({ org: org1, dataDir: root, host: '127.0.0.1', port: 0 });
  ca = new FabricCAServices(server.url, undefined, server.caName);
  const creds = JSON.parse(readFileSync(server.bootstrapFile, 'utf8')) as {
    enrollmentID: string;
    enrollmentSecret: string;
  };
  assert.equal(creds.enrollmentID, 'admin');
  const enrollment = await ca.enroll({
    enrollmentID: creds.enrollmentID,
    enrollmentSecret: creds.enrollmentSecret,
  });
  admin = userFrom('admin', enrollment.certificate, enrollment.key.toBytes());
});

void after(async () => {
  await server?.stop();
  rmSync(root, { recursive: true, force: true });
});

void describe('devnet Fabric CA with fabric-ca-client 2.2', () => {
  void it('answers cainfo with the org CA chain', async () => {
    const info = await ca.getCaInfo(admin);
    assert.equal(info.caName, 'ca-org1');
    assert.equal(
      new X509Certificate(info.caChain).fingerprint256,
      new X509Certificate(org1.caCertPem).fingerprint256,
    );
    assert.match(info.version, /^1\.5/);
  });

  void it('enrolls the bootstrap admin with a certificate the devnet MSP accepts', () => {
    validateWithMsp(certOf(admin));
  });

  void it('registers by the admin, enrolls with a client-generated key, with ecert attributes', async () => {
    const secret = await ca.register(
      {
        enrollmentID: 'device1',
        affiliation: 'org1.department1',
        role: 'client',
        attrs: [
          { name: 'device.kind', value: 'sensor', ecert: true },
          { name: 'hidden', value: 'x' },
        ],
      },
      admin,
    );
    assert.ok(secret.length >= 8);
    const e = await ca.enroll({ enrollmentID: 'device1', enrollmentSecret: secret });
    const cert = new X509Certificate(e.certificate);
    assert.match(cert.subject, /CN=device1/);
    assert.match(cert.subject, /OU=client/);
    assert.match(cert.subject, /OU=org1/);
    assert.deepEqual(attrsOf(e.certificate), {
      'device.kind': 'sensor',
      'hf.EnrollmentID': 'device1',
      'hf.Type': 'client',
      'hf.Affiliation': 'org1.department1',
    });
    validateWithMsp(e.certificate);
  });

  void it('enrolls with a CSR built from our own key, honouring attr_reqs', async () => {
    const secret = await ca.register(
      {
        enrollmentID: 'device2',
        affiliation: 'org1',
        role: 'client',
        maxEnrollments: -1,
        attrs: [{ name: 'plant', value: 'turin' }],
      },
      admin,
    );
    const { csr, keyPem } = await ownCsr('device2');
    const e = await ca.enroll({
      enrollmentID: 'device2',
      enrollmentSecret: secret,
      csr,
      attr_reqs: [
        { name: 'plant', optional: false },
        { name: 'hf.EnrollmentID', optional: false },
      ],
    });
    assert.deepEqual(attrsOf(e.certificate), { plant: 'turin', 'hf.EnrollmentID': 'device2' });
    // the certificate is for our key
    const ours = generateKeyPairSync('ec', { namedCurve: 'P-256' }); // unrelated key, to show the check is real
    const pub = new X509Certificate(e.certificate).publicKey.export({ format: 'der', type: 'spki' });
    const mine = (await import('node:crypto'))
      .createPublicKey(keyPem)
      .export({ format: 'der', type: 'spki' });
    assert.ok(Buffer.from(pub).equals(Buffer.from(mine)));
    assert.ok(!Buffer.from(pub).equals(Buffer.from(ours.publicKey.export({ format: 'der', type: 'spki' }))));
    validateWithMsp(e.certificate);
    // a required attribute the identity lacks is refused
    await rejects(
      ca.enroll({
        enrollmentID: 'device2',
        enrollmentSecret: secret,
        attr_reqs: [{ name: 'nope', optional: false }],
      }),
      0,
      /Attribute 'nope' was requested/,
    );
  });

  void it('refuses an enrolment beyond max_enrollments', async () => {
    const secret = await ca.register(
      { enrollmentID: 'once', affiliation: 'org1', role: 'client', maxEnrollments: 1 },
      admin,
    );
    await ca.enroll({ enrollmentID: 'once', enrollmentSecret: secret });
    const beforeText = registryText();
    await rejects(
      ca.enroll({ enrollmentID: 'once', enrollmentSecret: secret }),
      20,
      /The identity 'once' has reached its maximum enrollments/,
    );
    assert.equal(registryText(), beforeText);
  });

  void it('refuses a registration by a non-registrar and undelegated attributes', async () => {
    const secret = await ca.register({ enrollmentID: 'plain', affiliation: 'org1', role: 'client' }, admin);
    const e = await ca.enroll({ enrollmentID: 'plain', enrollmentSecret: secret });
    const plain = userFrom('plain', e.certificate, e.key.toBytes());
    const beforeText = registryText();
    await rejects(
      ca.register({ enrollmentID: 'x1', affiliation: 'org1', role: 'client' }, plain),
      71,
      /'plain' is not a registrar/,
    );

    // a sub-registrar may register clients with attributes under 'app.*' only
    const subSecret = await ca.register(
      {
        enrollmentID: 'sub',
        affiliation: 'org1',
        role: 'client',
        attrs: [
          { name: 'hf.Registrar.Roles', value: 'client' },
          { name: 'hf.Registrar.Attributes', value: 'app.*' },
        ],
      },
      admin,
    );
    const se = await ca.enroll({ enrollmentID: 'sub', enrollmentSecret: subSecret });
    const sub = userFrom('sub', se.certificate, se.key.toBytes());
    const mid = registryText();
    await rejects(
      ca.register({ enrollmentID: 'x2', affiliation: 'org1', role: 'peer' }, sub),
      71,
      /may not act on type 'peer'/,
    );
    await rejects(
      ca.register(
        { enrollmentID: 'x3', affiliation: 'org1', role: 'client', attrs: [{ name: 'other', value: '1' }] },
        sub,
      ),
      71,
      /not allowed to register attribute 'other'/,
    );
    await rejects(
      ca.register(
        {
          enrollmentID: 'x4',
          affiliation: 'org1',
          role: 'client',
          attrs: [{ name: 'hf.Revoker', value: 'true' }],
        },
        sub,
      ),
      71,
      /hf.Revoker/,
    );
    assert.equal(registryText(), mid);
    assert.ok(
      await ca.register(
        {
          enrollmentID: 'x5',
          affiliation: 'org1',
          role: 'client',
          attrs: [{ name: 'app.role', value: 'op', ecert: true }],
        },
        sub,
      ),
    );
    assert.notEqual(beforeText, registryText());
    await rejects(
      ca.register({ enrollmentID: 'x5', affiliation: 'org1', role: 'client' }, admin),
      0,
      /Identity 'x5' is already registered/,
    );
  });

  void it('reenrolls with a new key, then revokes; isRevoked, the MSP and gencrl see it', async () => {
    const secret = await ca.register({ enrollmentID: 'rev1', affiliation: 'org1', role: 'client' }, admin);
    const e = await ca.enroll({ enrollmentID: 'rev1', enrollmentSecret: secret });
    const user = userFrom('rev1', e.certificate, e.key.toBytes());
    const re = await ca.reenroll(user, []);
    const first = new X509Certificate(e.certificate);
    const second = new X509Certificate(re.certificate);
    assert.notEqual(first.serialNumber, second.serialNumber);
    assert.match(second.subject, /CN=rev1/);
    validateWithMsp(re.certificate);

    const aki = new x509.X509Certificate(e.certificate).getExtension(
      x509.AuthorityKeyIdentifierExtension,
    )?.keyId;
    assert.ok(aki);
    const result = (await ca.revoke(
      {
        enrollmentID: '',
        serial: first.serialNumber,
        aki,
        reason: 'keyCompromise',
        gencrl: true,
      } as Parameters<FabricCAServices['revoke']>[0],
      admin,
    )) as {
      result: { RevokedCerts: { Serial: string }[]; CRL: string };
    };
    assert.equal(result.result.RevokedCerts.length, 1);
    assert.ok(server.isRevoked(first.serialNumber));
    assert.ok(server.isRevoked(first.serialNumber, 'Org1MSP'));
    assert.ok(!server.isRevoked(first.serialNumber, 'Org2MSP'));
    assert.ok(!server.isRevoked(second.serialNumber));
    assert.ok(
      Buffer.from(result.result.CRL, 'base64').toString().includes('BEGIN X509 CRL'),
      JSON.stringify(result).slice(0, 300),
    );
    assert.throws(() => validateWithMsp(e.certificate), /has been revoked/);
    validateWithMsp(re.certificate);

    // revoke the whole identity: the reenrolled certificate goes too, and the identity can no longer authenticate
    await ca.revoke({ enrollmentID: 'rev1' }, admin);
    assert.ok(server.isRevoked(second.serialNumber));
    await rejects(ca.reenroll(userFrom('rev1', re.certificate, re.key.toBytes()), []), 20, /revoked/);
    await rejects(ca.enroll({ enrollmentID: 'rev1', enrollmentSecret: secret }), 20, /revoked/);

    const crlB64 = (await ca.generateCRL({}, admin)) as string;
    const crl = new x509.X509Crl(Buffer.from(crlB64, 'base64').toString());
    const listed = crl.entries.map((entry) => entry.serialNumber.toLowerCase().replace(/^0+/, ''));
    assert.ok(listed.includes(first.serialNumber.toLowerCase().replace(/^0+/, '')));
    assert.ok(listed.includes(second.serialNumber.toLowerCase().replace(/^0+/, '')));
    assert.ok(await crl.verify({ publicKey: new x509.X509Certificate(org1.caCertPem) }));

    // a non-revoker may not revoke
    const ps = await ca.register({ enrollmentID: 'norev', affiliation: 'org1', role: 'client' }, admin);
    const pe = await ca.enroll({ enrollmentID: 'norev', enrollmentSecret: ps });
    await rejects(
      ca.revoke({ enrollmentID: 'device1' }, userFrom('norev', pe.certificate, pe.key.toBytes())),
      71,
      /authority to revoke/,
    );
  });

  void it('answers bad input with the CA error envelope and changes nothing', async () => {
    const secret = await ca.register({ enrollmentID: 'bad1', affiliation: 'org1', role: 'client' }, admin);
    const beforeText = registryText();
    // malformed CSR
    await rejects(
      ca.enroll({
        enrollmentID: 'bad1',
        enrollmentSecret: secret,
        csr: '-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n',
      }),
      31,
      /Invalid certificate request/,
    );
    // CSR whose CN is not the enrollment ID
    const other = await ownCsr('someone-else');
    await rejects(
      ca.enroll({ enrollmentID: 'bad1', enrollmentSecret: secret, csr: other.csr }),
      71,
      /must equal the enrollment ID/,
    );
    // wrong secret, unknown identity
    await rejects(
      ca.enroll({ enrollmentID: 'bad1', enrollmentSecret: 'wrong' }),
      20,
      /Authentication failure: invalid enrollment ID or secret/,
    );
    await rejects(
      ca.enroll({ enrollmentID: 'ghost', enrollmentSecret: 'x' }),
      20,
      /Authentication failure: invalid enrollment ID or secret/,
    );
    // foreign certificate in the token (Org2's admin, correctly signed)
    const org2Admin = orgByMspId(material, 'Org2MSP').users.Admin;
    assert.ok(org2Admin);
    const body = JSON.stringify({ id: 'intruder', affiliation: 'org1', type: 'client' });
    let r = await post('/api/v1/register', body, {
      authorization: token(org2Admin.certPem, org2Admin.keyPem, 'POST', '/api/v1/register', body),
    });
    assert.equal(r.status, 401);
    assert.equal(r.json.success, false);
    assert.equal(r.json.errors[0]?.code, 20);
    assert.match(r.json.errors[0]?.message ?? '', /not issued by CA 'ca-org1'/);
    // bad token signature: admin's certificate, someone else's key
    const adminCert = certOf(admin);
    r = await post('/api/v1/register', body, {
      authorization: token(adminCert, org2Admin.keyPem, 'POST', '/api/v1/register', body),
    });
    assert.equal(r.status, 401);
    assert.match(r.json.errors[0]?.message ?? '', /signature does not verify/);
    // signature over a different body (replayed token)
    r = await post('/api/v1/register', body, {
      authorization: token(adminCert, org2Admin.keyPem, 'POST', '/api/v1/register', '{}'),
    });
    assert.equal(r.status, 401);
    // malformed token, missing token, not JSON, wrong CA name
    r = await post('/api/v1/register', body, { authorization: 'garbage' });
    assert.equal(r.json.errors[0]?.code, 20);
    r = await post('/api/v1/register', body);
    assert.equal(r.json.errors[0]?.code, 2);
    r = await post('/api/v1/enroll', '{not json', {
      authorization: `Basic ${Buffer.from(`bad1:${secret}`).toString('base64')}`,
    });
    assert.equal(r.status, 400);
    assert.equal(r.json.errors[0]?.code, 5);
    r = await post('/api/v1/cainfo', JSON.stringify({ caname: 'ca-nope' }));
    assert.equal(r.status, 404);
    assert.equal(r.json.errors[0]?.code, 19);
    r = await post('/api/v1/enroll', 'x'.repeat(200_000));
    assert.equal(r.status, 413);
    assert.equal(registryText(), beforeText);
    // and the identity still enrols normally afterwards
    await ca.enroll({ enrollmentID: 'bad1', enrollmentSecret: secret });
  });

  void it('keeps its registry across a restart', async () => {
    const secret = await ca.register(
      { enrollmentID: 'persist1', affiliation: 'org1', role: 'client', maxEnrollments: 2 },
      admin,
    );
    await ca.enroll({ enrollmentID: 'persist1', enrollmentSecret: secret });
    const revokedSerial = [
      ...(JSON.parse(registryText()).certs as { serial: string; revokedAt?: string }[]),
    ].find((c) => c.revokedAt)?.serial;
    assert.ok(revokedSerial);
    const bootstrap = readFileSync(server.bootstrapFile, 'utf8');
    await server.stop();
    server = await startCaServer({ org: org1, dataDir: root, host: '127.0.0.1', port: 0 });
    ca = new FabricCAServices(server.url, undefined, server.caName);
    assert.equal(readFileSync(server.bootstrapFile, 'utf8'), bootstrap);
    assert.ok(server.isRevoked(revokedSerial.toUpperCase()));
    // the old admin certificate still authenticates, the enrollment count survived
    await ca.enroll({ enrollmentID: 'persist1', enrollmentSecret: secret });
    await rejects(
      ca.enroll({ enrollmentID: 'persist1', enrollmentSecret: secret }),
      20,
      /maximum enrollments/,
    );
    await rejects(
      ca.register({ enrollmentID: 'persist1', affiliation: 'org1', role: 'client' }, admin),
      0,
      /already registered/,
    );
    assert.equal(createHash('sha256').update(registryText()).digest('hex').length, 64);
  });
});

void describe('devnet Fabric CA over TLS', () => {
  void it('serves fabric-ca-client over HTTPS with the org TLS CA, and is refused without it', async () => {
    const tlsCa = await CertificateAuthority.fromPem(org1.tlsCaCertPem, org1.tlsCaKeyPem);
    const tlsCert = await tlsCa.issue({
      commonName: `ca.${org1.domain}`,
      tls: true,
      subjectAltNames: [`ca.${org1.domain}`, 'localhost', '127.0.0.1'],
    });
    const dataDir = mkdtempSync(path.join(tmpdir(), 'devnet-ca-tls-'));
    const tlsServer = await startCaServer({ org: org1, dataDir, host: '127.0.0.1', port: 0, tls: tlsCert });
    try {
      assert.match(tlsServer.url, /^https:\/\/127\.0\.0\.1:\d+$/);
      const creds = tlsServer.bootstrap;
      const secure = new FabricCAServices(
        tlsServer.url,
        { trustedRoots: [org1.tlsCaCertPem], verify: true },
        tlsServer.caName,
      );
      const e = await secure.enroll({
        enrollmentID: creds.enrollmentID,
        enrollmentSecret: creds.enrollmentSecret,
      });
      validateWithMsp(e.certificate, (serial, mspId) => tlsServer.isRevoked(serial, mspId));
      const untrusted = new FabricCAServices(
        tlsServer.url,
        { trustedRoots: [], verify: true },
        tlsServer.caName,
      );
      await assert.rejects(
        untrusted.enroll({ enrollmentID: creds.enrollmentID, enrollmentSecret: creds.enrollmentSecret }),
        /certificate/i,
      );
    } finally {
      await tlsServer.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
