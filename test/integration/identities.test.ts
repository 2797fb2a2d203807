// Identities from the devnet's Fabric CA used end to end: registered and enrolled with the real
// fabric-ca-client over HTTPS, their certificate attributes read by chaincode, and revocation enforced by
// the peers and the orderer.

import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import FabricCAServices from 'fabric-ca-client';
import { User } from 'fabric-common';
import { EndorseError } from '@hyperledger/fabric-gateway';
import type { Devnet } from '../../network/devnet/src/devnet';
import { connectTo, removeDir, startTestDevnet, utf8, type Client } from './helpers';

interface Enrolled {
  readonly certPem: string;
  readonly keyPem: string;
}

void describe('identities from the devnet CA', () => {
  let devnet: Devnet;
  let ca: FabricCAServices;
  let admin: User;
  let buyer: Enrolled;
  let client: Client;

  const connectAs = (identity: Enrolled): Client => {
    const peer = devnet.peers.find((p) => p.mspId === 'Org1MSP');
    assert.ok(peer);
    return connectTo(
      peer.address,
      { mspId: 'Org1MSP', ...identity },
      {
        credentials: grpc.credentials.createSsl(Buffer.from(peer.tlsCaCertPem)),
      },
    );
  };

  const enroll = async (id: string, secret: string): Promise<Enrolled> => {
    const enrollment = await ca.enroll({ enrollmentID: id, enrollmentSecret: secret });
    return { certPem: enrollment.certificate, keyPem: enrollment.key.toBytes() };
  };

  before(async () => {
    devnet = await startTestDevnet();
    const info = devnet.cas.find((c) => c.mspId === 'Org1MSP');
    assert.ok(info);
    assert.match(info.url, /^https:/, 'with TLS on, the CA serves HTTPS');
    ca = new FabricCAServices(info.url, { trustedRoots: [info.tlsCaCertPem], verify: true }, info.caName);
    const bootstrap = await enroll(info.bootstrap.enrollmentID, info.bootstrap.enrollmentSecret);
    admin = User.createUser('admin', '', 'Org1MSP', bootstrap.certPem, bootstrap.keyPem);
    const secret = await ca.register(
      {
        enrollmentID: 'buyer1',
        affiliation: 'org1',
        role: 'client',
        maxEnrollments: -1,
        attrs: [{ name: 'role', value: 'buyer', ecert: true }],
      },
      admin,
    );
    buyer = await enroll('buyer1', secret);
    client = connectAs(buyer);
  });

  after(async () => {
    client?.close();
    if (devnet) {
      await devnet.stop();
      await removeDir(devnet.dataDir);
    }
  });

  void test('an identity enrolled at the CA with its own key submits, and chaincode reads its registered attributes', async () => {
    await client.contract.submitTransaction('put', 'ca-k', 'by buyer1');
    assert.equal(utf8(await client.contract.evaluateTransaction('get', 'ca-k')), 'by buyer1');
    const role = JSON.parse(utf8(await client.contract.evaluateTransaction('attr', 'role'))) as {
      value: string | null;
    };
    assert.equal(role.value, 'buyer');
    const enrollmentId = JSON.parse(
      utf8(await client.contract.evaluateTransaction('attr', 'hf.EnrollmentID')),
    ) as { value: string | null };
    assert.equal(enrollmentId.value, 'buyer1');
  });

  void test('a transaction endorsed before its creator was revoked is refused by the orderer', async () => {
    const info = devnet.cas.find((c) => c.mspId === 'Org1MSP');
    assert.ok(info);
    const secret = await ca.register(
      { enrollmentID: 'seller9', affiliation: 'org1', role: 'client', maxEnrollments: -1 },
      admin,
    );
    const seller = connectAs(await enroll('seller9', secret));
    try {
      const endorsed = await seller.contract.newProposal('put', { arguments: ['ca-late', 'v'] }).endorse();
      await ca.revoke({ enrollmentID: 'seller9', reason: 'keyCompromise' }, admin);
      await assert.rejects(endorsed.submit(), (err: Error) => {
        assert.match(err.message, /FORBIDDEN|revoked/i);
        return true;
      });
    } finally {
      seller.close();
    }
  });

  void test('after revocation at the CA the identity is refused with a clear error and nothing is written', async () => {
    const heightBefore = devnet.height;
    await ca.revoke({ enrollmentID: 'buyer1', reason: 'keyCompromise' }, admin);
    await assert.rejects(
      client.contract.submitTransaction('put', 'ca-revoked', 'must not land'),
      (err: unknown) => {
        assert.ok(err instanceof EndorseError, `expected an EndorseError, got ${String(err)}`);
        const messages = err.details.map((d) => d.message).join(' | ');
        assert.match(messages, /revoked/i);
        return true;
      },
    );
    // Another identity sees that nothing was written by the revoked one.
    const other = await enroll(
      devnet.cas[0]?.bootstrap.enrollmentID ?? 'admin',
      devnet.cas[0]?.bootstrap.enrollmentSecret ?? '',
    );
    const reader = connectAs(other);
    try {
      await assert.rejects(reader.contract.evaluateTransaction('get', 'ca-revoked'), /does not exist/);
    } finally {
      reader.close();
    }
    assert.equal(devnet.height, heightBefore, 'no block was cut for the refused transaction');
  });
});
