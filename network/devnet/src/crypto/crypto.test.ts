import { strict as assert } from 'node:assert';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CertificateAuthority, generateCryptoMaterial, mspIdOf, orgByMspId, userOf } from './index';
import type { CryptoMaterial } from './types';

void describe('generateCryptoMaterial', () => {
  let root: string;
  let material: CryptoMaterial;
  let generationMs: number;

  void before(async () => {
    root = mkdtempSync(path.join(tmpdir(), 'devnet-crypto-'));
    const started = performance.now();
    material = await generateCryptoMaterial(root);
    generationMs = performance.now() - started;
  });
  void after(() => rmSync(root, { recursive: true, force: true }));

  void it('generates the test-network orgs in well under a second', () => {
    assert.deepEqual(
      material.orgs.map((o) => [o.mspId, o.domain, o.kind]),
      [
        ['OrdererMSP', 'example.com', 'orderer'],
        ['Org1MSP', 'org1.example.com', 'peer'],
        ['Org2MSP', 'org2.example.com', 'peer'],
      ],
    );
    assert.deepEqual(
      orgByMspId(material, 'Org1MSP').peers.map((p) => p.name),
      ['peer0.org1.example.com', 'peer1.org1.example.com'],
    );
    assert.deepEqual(
      orgByMspId(material, 'OrdererMSP').orderers.map((p) => p.name),
      ['orderer.example.com'],
    );
    assert.deepEqual(Object.keys(orgByMspId(material, 'Org2MSP').users).sort(), ['Admin', 'User1']);
    assert.ok(generationMs < 1000, `generation took ${generationMs.toFixed(0)} ms`);
  });

  void it('writes the cryptogen folder layout', () => {
    const org1 = path.join(root, 'organizations/peerOrganizations/org1.example.com');
    const ord = path.join(root, 'organizations/ordererOrganizations/example.com');
    const expected = [
      `${org1}/ca/ca.org1.example.com-cert.pem`,
      `${org1}/ca/priv_sk`,
      `${org1}/tlsca/tlsca.org1.example.com-cert.pem`,
      `${org1}/tlsca/priv_sk`,
      `${org1}/msp/cacerts/ca.org1.example.com-cert.pem`,
      `${org1}/msp/tlscacerts/tlsca.org1.example.com-cert.pem`,
      `${org1}/msp/config.yaml`,
      `${org1}/peers/peer0.org1.example.com/msp/cacerts/ca.org1.example.com-cert.pem`,
      `${org1}/peers/peer0.org1.example.com/msp/keystore/priv_sk`,
      `${org1}/peers/peer0.org1.example.com/msp/signcerts/peer0.org1.example.com-cert.pem`,
      `${org1}/peers/peer0.org1.example.com/msp/tlscacerts/tlsca.org1.example.com-cert.pem`,
      `${org1}/peers/peer0.org1.example.com/msp/config.yaml`,
      `${org1}/peers/peer0.org1.example.com/tls/ca.crt`,
      `${org1}/peers/peer0.org1.example.com/tls/server.crt`,
      `${org1}/peers/peer0.org1.example.com/tls/server.key`,
      `${org1}/peers/peer1.org1.example.com/tls/server.crt`,
      `${org1}/users/User1@org1.example.com/msp/keystore/priv_sk`,
      `${org1}/users/User1@org1.example.com/msp/signcerts/User1@org1.example.com-cert.pem`,
      `${org1}/users/User1@org1.example.com/msp/config.yaml`,
      `${org1}/users/User1@org1.example.com/tls/ca.crt`,
      `${org1}/users/User1@org1.example.com/tls/client.crt`,
      `${org1}/users/User1@org1.example.com/tls/client.key`,
      `${org1}/users/Admin@org1.example.com/msp/signcerts/Admin@org1.example.com-cert.pem`,
      `${ord}/orderers/orderer.example.com/msp/signcerts/orderer.example.com-cert.pem`,
      `${ord}/orderers/orderer.example.com/tls/server.crt`,
      `${ord}/users/Admin@example.com/tls/client.key`,
      `${root}/organizations/peerOrganizations/org2.example.com/peers/peer0.org2.example.com/tls/server.key`,
    ];
    for (const file of expected) assert.ok(existsSync(file), `missing ${file}`);
    assert.equal(
      readFileSync(`${org1}/users/User1@org1.example.com/msp/config.yaml`, 'utf8'),
      [
        'NodeOUs:',
        '  Enable: true',
        '  ClientOUIdentifier:',
        '    Certificate: cacerts/ca.org1.example.com-cert.pem',
        '    OrganizationalUnitIdentifier: client',
        '  PeerOUIdentifier:',
        '    Certificate: cacerts/ca.org1.example.com-cert.pem',
        '    OrganizationalUnitIdentifier: peer',
        '  AdminOUIdentifier:',
        '    Certificate: cacerts/ca.org1.example.com-cert.pem',
        '    OrganizationalUnitIdentifier: admin',
        '  OrdererOUIdentifier:',
        '    Certificate: cacerts/ca.org1.example.com-cert.pem',
        '    OrganizationalUnitIdentifier: orderer',
        '',
      ].join('\n'),
    );
    const keyPem = readFileSync(`${org1}/users/User1@org1.example.com/msp/keystore/priv_sk`, 'utf8');
    assert.match(keyPem, /^-----BEGIN PRIVATE KEY-----/);
    assert.equal(keyPem, userOf(material, 'Org1MSP', 'User1').keyPem);
  });

  void it('issues signing certs with NodeOUs, chained to the org CA, matching their keys', () => {
    const org1 = orgByMspId(material, 'Org1MSP');
    const ca = new X509Certificate(org1.caCertPem);
    assert.ok(ca.ca);
    assert.match(ca.subject, /O=org1\.example\.com/);
    assert.match(ca.subject, /CN=ca\.org1\.example\.com/);
    const cases: Array<[string, string, string]> = [
      [org1.users.User1?.certPem ?? '', 'client', 'User1@org1.example.com'],
      [org1.users.Admin?.certPem ?? '', 'admin', 'Admin@org1.example.com'],
      [org1.peers[0]?.certPem ?? '', 'peer', 'peer0.org1.example.com'],
      [orgByMspId(material, 'OrdererMSP').orderers[0]?.certPem ?? '', 'orderer', 'orderer.example.com'],
    ];
    for (const [pem, ou, cn] of cases) {
      const cert = new X509Certificate(pem);
      assert.equal(cert.subject, `C=US\nST=California\nL=San Francisco\nOU=${ou}\nCN=${cn}`);
      assert.equal(cert.ca, false);
      if (ou !== 'orderer') {
        assert.ok(cert.checkIssued(ca) && cert.verify(ca.publicKey), `${cn} not issued by org1 CA`);
      }
    }
    const user = org1.users.User1;
    assert.ok(user);
    assert.ok(new X509Certificate(user.certPem).checkPrivateKey(createPrivateKey(user.keyPem)));
    const years = (Date.parse(new X509Certificate(user.certPem).validTo) - Date.now()) / (365.25 * 86400_000);
    assert.ok(years > 9.9 && years < 10.1, `validity ${years} years`);
  });

  void it('issues TLS server certs with host, short name, localhost and 127.0.0.1 SANs', () => {
    const org1 = orgByMspId(material, 'Org1MSP');
    const peer0 = org1.peers[0];
    assert.ok(peer0);
    const tls = new X509Certificate(peer0.tlsCertPem);
    assert.equal(
      tls.subjectAltName,
      'DNS:peer0.org1.example.com, DNS:peer0, DNS:localhost, IP Address:127.0.0.1',
    );
    assert.deepEqual([...(tls.keyUsage ?? [])].sort(), ['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2']);
    const tlsCa = new X509Certificate(org1.tlsCaCertPem);
    assert.ok(tls.checkIssued(tlsCa) && tls.verify(tlsCa.publicKey));
    assert.ok(tls.checkPrivateKey(createPrivateKey(peer0.tlsKeyPem)));
  });

  void it('reloads existing material instead of regenerating', async () => {
    const started = performance.now();
    const again = await generateCryptoMaterial(root);
    const elapsed = performance.now() - started;
    assert.deepEqual(again, material);
    assert.ok(elapsed < 200, `reload took ${elapsed} ms`);
  });

  void it('maps names to MSP IDs', () => {
    assert.equal(mspIdOf(material, 'peer0.org2.example.com'), 'Org2MSP');
    assert.equal(mspIdOf(material, 'User1@org1.example.com'), 'Org1MSP');
    assert.equal(mspIdOf(material, 'orderer.example.com'), 'OrdererMSP');
    assert.throws(() => mspIdOf(material, 'peer0.org9.other.net'), { name: 'UnknownOrgError' });
  });

  void it('lets a rehydrated CA keep issuing certs under the same root', async () => {
    const org2 = orgByMspId(material, 'Org2MSP');
    const ca = await CertificateAuthority.fromPem(org2.caCertPem, org2.caKeyPem);
    const issued = await ca.issue({
      commonName: 'User9@org2.example.com',
      organizationalUnit: 'client',
      tls: false,
    });
    const cert = new X509Certificate(issued.certPem);
    assert.ok(cert.verify(new X509Certificate(org2.caCertPem).publicKey));
    assert.ok(cert.checkPrivateKey(createPrivateKey(issued.keyPem)));
  });
});
