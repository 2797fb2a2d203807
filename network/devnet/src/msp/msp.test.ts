import { strict as assert } from 'node:assert';
import { createPrivateKey, createPublicKey, sign, verify } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { buildChannelConfig, signaturePolicyFromString } from '../channel';
import { CertificateAuthority, generateCryptoMaterial, orgByMspId } from '../crypto';
import type { CryptoMaterial, NodeIdentity } from '../crypto/types';
import type { common } from '../protos';
import {
  ChannelPolicies,
  MspManager,
  encodeDerSignature,
  evaluateSignaturePolicy,
  parseDerSignature,
  serializeIdentity,
  signLowS,
  verifySignature,
  type SignedData,
} from './index';

const P256_N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;

let root: string;
let material: CryptoMaterial;
let config: common.Config;

function signer(id: NodeIdentity | undefined): NodeIdentity {
  assert.ok(id);
  return id;
}
const org = (mspId: string) => orgByMspId(material, mspId);
const peer = (mspId: string, i = 0) => signer(org(mspId).peers[i]);
const user = (mspId: string, name: string) => signer(org(mspId).users[name]);

function signed(id: NodeIdentity, data = Buffer.from('payload')): SignedData {
  return { identity: serializeIdentity(id.mspId, id.certPem), data, signature: signLowS(id.keyPem, data) };
}

void before(async () => {
  root = mkdtempSync(path.join(tmpdir(), 'devnet-msp-'));
  material = await generateCryptoMaterial(root);
  config = buildChannelConfig({
    material,
    batchSize: { maxMessageCount: 10, absoluteMaxBytes: 1 << 20, preferredMaxBytes: 1 << 19 },
    batchTimeoutMs: 50,
    ordererAddress: 'localhost:7050',
  });
});
void after(() => rmSync(root, { recursive: true, force: true }));

void describe('MspManager', () => {
  void it('reads every org MSP of the Application and Orderer groups', () => {
    assert.deepEqual(new MspManager(config).mspIds.sort(), ['OrdererMSP', 'Org1MSP', 'Org2MSP']);
  });

  void it('deserializes and validates a generated user with NodeOU roles', () => {
    const msps = new MspManager(config);
    const u = user('Org1MSP', 'User1');
    const identity = msps.deserializeIdentity(serializeIdentity('Org1MSP', u.certPem));
    assert.equal(identity.mspId, 'Org1MSP');
    assert.equal(identity.certPem, u.certPem);
    assert.deepEqual([...identity.roles].sort(), ['client', 'member']);
    assert.deepEqual(
      [
        ...msps.deserializeIdentity(serializeIdentity('Org1MSP', user('Org1MSP', 'Admin').certPem)).roles,
      ].sort(),
      ['admin', 'member'],
    );
    assert.doesNotThrow(() => identity.validate());
    assert.equal(identity.publicKey, identity.publicKey);
    assert.match(identity.id, /^Org1MSP:[0-9a-f]{64}$/);
  });

  void it('rejects a cert from a foreign CA claiming an existing MSP', async () => {
    const foreignCa = await CertificateAuthority.create({
      commonName: 'ca.org1.example.com',
      organization: 'org1.example.com',
    });
    const forged = await foreignCa.issue({
      commonName: 'User1@org1.example.com',
      organizationalUnit: 'client',
      tls: false,
    });
    const msps = new MspManager(config);
    const identity = msps.deserializeIdentity(serializeIdentity('Org1MSP', forged.certPem));
    assert.throws(() => identity.validate(), { name: 'CertificateChainError' });
    // Org2's genuine cert presented as Org1 does not chain to Org1's root either.
    const crossed = msps.deserializeIdentity(serializeIdentity('Org1MSP', user('Org2MSP', 'User1').certPem));
    assert.equal(crossed.isValid(), false);
  });

  void it('throws specific errors for unknown MSPs and malformed certs', () => {
    const msps = new MspManager(config);
    assert.throws(
      () => msps.deserializeIdentity(serializeIdentity('Org9MSP', user('Org1MSP', 'User1').certPem)),
      {
        name: 'UnknownMspError',
      },
    );
    assert.throws(
      () =>
        msps.deserializeIdentity(
          serializeIdentity('Org1MSP', '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n'),
        ),
      {
        name: 'MalformedIdentityError',
      },
    );
    assert.throws(() => msps.deserializeIdentity(Uint8Array.of(0xff, 0xff, 0xff)), {
      name: 'MalformedIdentityError',
    });
  });

  void it('consults the revocation hook on every validation', () => {
    const revoked = new Set<string>();
    const msps = new MspManager(config, { isRevoked: (serial, mspId) => revoked.has(`${mspId}/${serial}`) });
    const identity = msps.deserializeIdentity(serializeIdentity('Org1MSP', user('Org1MSP', 'User1').certPem));
    identity.validate();
    revoked.add(`Org1MSP/${identity.serialHex}`);
    assert.throws(() => identity.validate(), { name: 'CertificateRevokedError' });
  });

  void it('serves cached identities in well under 50 µs', () => {
    const msps = new MspManager(config);
    const serialized = serializeIdentity('Org1MSP', user('Org1MSP', 'User1').certPem);
    const first = msps.deserializeIdentity(serialized);
    first.validate();
    const copy = Uint8Array.from(serialized);
    const rounds = 20_000;
    const started = process.hrtime.bigint();
    for (let i = 0; i < rounds; i++) {
      const id = msps.deserializeIdentity(copy);
      id.validate();
    }
    const perCallUs = Number(process.hrtime.bigint() - started) / 1000 / rounds;
    assert.equal(msps.deserializeIdentity(copy), first);
    assert.ok(perCallUs < 50, `cached lookup + validate took ${perCallUs.toFixed(2)} µs`);
  });
});

void describe('signatures', () => {
  void it('accepts low-S and rejects the equivalent high-S signature', () => {
    const msps = new MspManager(config);
    const u = user('Org1MSP', 'User1');
    const identity = msps.deserializeIdentity(serializeIdentity('Org1MSP', u.certPem));
    const message = Buffer.from('hello fabric');
    const low = signLowS(u.keyPem, message);
    const parsed = parseDerSignature(low);
    assert.ok(parsed && parsed.s <= P256_N / 2n);
    assert.equal(verifySignature(identity, message, low), true);
    const high = encodeDerSignature({ r: parsed.r, s: P256_N - parsed.s });
    // Mathematically valid (OpenSSL accepts it) yet Fabric's IsLowS rule must reject it.
    assert.equal(verify('sha256', message, createPublicKey(u.certPem), high), true);
    assert.equal(verifySignature(identity, message, high), false);
    assert.equal(verifySignature(identity, Buffer.from('tampered'), low), false);
    assert.equal(verifySignature(identity, message, Buffer.from('garbage')), false);
  });

  void it('normalises raw OpenSSL signatures to low S', () => {
    const key = createPrivateKey(user('Org2MSP', 'User1').keyPem);
    let sawHigh = false;
    for (let i = 0; i < 64; i++) {
      const message = Buffer.from(`m${i}`);
      const raw = parseDerSignature(sign('sha256', message, key));
      if (raw && raw.s > P256_N / 2n) sawHigh = true;
      const normalised = parseDerSignature(signLowS(key, message));
      assert.ok(normalised && normalised.s <= P256_N / 2n);
    }
    assert.ok(sawHigh, 'expected at least one high-S raw signature in 64 tries');
  });
});

void describe('evaluateSignaturePolicy', () => {
  void it('evaluates AND, OR and OutOf over role principals', () => {
    const msps = new MspManager(config);
    const and = signaturePolicyFromString("AND('Org1MSP.peer','Org2MSP.peer')");
    assert.equal(
      evaluateSignaturePolicy(and, [signed(peer('Org1MSP')), signed(peer('Org2MSP'))], msps),
      true,
    );
    assert.equal(evaluateSignaturePolicy(and, [signed(peer('Org1MSP'))], msps), false);
    // A client is not a peer.
    assert.equal(
      evaluateSignaturePolicy(and, [signed(peer('Org1MSP')), signed(user('Org2MSP', 'User1'))], msps),
      false,
    );

    const or = signaturePolicyFromString("OR('Org1MSP.admin','Org2MSP.admin')");
    assert.equal(evaluateSignaturePolicy(or, [signed(user('Org2MSP', 'Admin'))], msps), true);
    assert.equal(evaluateSignaturePolicy(or, [signed(user('Org2MSP', 'User1'))], msps), false);

    const outOf = signaturePolicyFromString(
      "OutOf(2, 'Org1MSP.member', 'Org2MSP.member', 'OrdererMSP.orderer')",
    );
    const orderer = signer(org('OrdererMSP').orderers[0]);
    assert.equal(
      evaluateSignaturePolicy(outOf, [signed(user('Org2MSP', 'User1')), signed(orderer)], msps),
      true,
    );
    assert.equal(evaluateSignaturePolicy(outOf, [signed(orderer)], msps), false);
  });

  void it('lets one identity satisfy one principal only, however often it signs', () => {
    const msps = new MspManager(config);
    const twice = signaturePolicyFromString("AND('Org1MSP.member','Org1MSP.member')");
    const p0 = peer('Org1MSP', 0);
    assert.equal(evaluateSignaturePolicy(twice, [signed(p0), signed(p0, Buffer.from('other'))], msps), false);
    assert.equal(evaluateSignaturePolicy(twice, [signed(p0), signed(peer('Org1MSP', 1))], msps), true);
  });

  void it('ignores bad signatures and undeserializable identities instead of throwing', () => {
    const msps = new MspManager(config);
    const policy = signaturePolicyFromString("OR('Org1MSP.peer')");
    const good = signed(peer('Org1MSP'));
    const badSig = { ...good, signature: signLowS(peer('Org2MSP').keyPem, good.data) };
    const unknown = { ...good, identity: serializeIdentity('Nope', peer('Org1MSP').certPem) };
    const junk = { identity: Uint8Array.of(1, 2, 3), data: good.data, signature: good.signature };
    assert.equal(evaluateSignaturePolicy(policy, [badSig, unknown, junk], msps), false);
    // A failed signature does not blacklist the identity: a later good signature still counts.
    assert.equal(evaluateSignaturePolicy(policy, [badSig, good], msps), true);
  });
});

void describe('ChannelPolicies', () => {
  void it('resolves ImplicitMeta MAJORITY over two orgs as requiring both', () => {
    const msps = new MspManager(config);
    const policies = new ChannelPolicies(config, msps);
    const both = [signed(peer('Org1MSP')), signed(peer('Org2MSP'))];
    assert.equal(policies.evaluate('/Channel/Application/Endorsement', both), true);
    assert.equal(policies.evaluate('/Channel/Application/Endorsement', [signed(peer('Org1MSP'))]), false);
    assert.equal(policies.evaluate('/Channel/Application/LifecycleEndorsement', both), true);
    assert.equal(policies.evaluate('/Channel/Application/Admins', [signed(user('Org1MSP', 'Admin'))]), false);
    assert.equal(
      policies.evaluate('/Channel/Application/Admins', [
        signed(user('Org1MSP', 'Admin')),
        signed(user('Org2MSP', 'Admin')),
      ]),
      true,
    );
  });

  void it('resolves ANY and nested paths', () => {
    const policies = new ChannelPolicies(config, new MspManager(config));
    assert.equal(policies.evaluate('/Channel/Application/Writers', [signed(user('Org2MSP', 'User1'))]), true);
    // Org Writers is admin|client: a peer alone cannot write.
    assert.equal(policies.evaluate('/Channel/Application/Writers', [signed(peer('Org2MSP'))]), false);
    assert.equal(policies.evaluate('/Channel/Application/Readers', [signed(peer('Org2MSP'))]), true);
    assert.equal(
      policies.evaluate('/Channel/Orderer/Writers', [signed(signer(org('OrdererMSP').orderers[0]))]),
      true,
    );
    assert.equal(policies.evaluate('/Channel/Orderer/Writers', [signed(peer('Org1MSP'))]), false);
    assert.equal(policies.evaluate('/Channel/Readers', [signed(user('Org1MSP', 'User1'))]), true);
    assert.equal(policies.evaluate('Application/Org1MSP/Endorsement', [signed(peer('Org1MSP', 1))]), true);
  });

  void it('throws UnknownPolicyError for unknown paths', () => {
    const policies = new ChannelPolicies(config, new MspManager(config));
    assert.throws(() => policies.evaluate('/Channel/Application/Nope', []), { name: 'UnknownPolicyError' });
    assert.throws(() => policies.evaluate('/Channel/Application/Org3MSP/Readers', []), {
      name: 'UnknownPolicyError',
    });
  });
});
