// TLS on the devnet's gRPC endpoints: server certificates from each organisation's TLS CA, optional mutual
// TLS with client certificates, and refusal of clients that do not trust (or are not trusted by) the peer.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import type { Devnet } from '../../network/devnet/src/devnet';
import { connectTo, removeDir, startTestDevnet, userOf, utf8 } from './helpers';

function org1Peer(devnet: Devnet): { address: string; tlsCaCertPem: string } {
  const peer = devnet.peers.find((p) => p.mspId === 'Org1MSP');
  assert.ok(peer);
  return peer;
}

function org2TlsCa(devnet: Devnet): string {
  const ca = devnet.material.orgs.find((o) => o.mspId === 'Org2MSP')?.tlsCaCertPem;
  assert.ok(ca);
  return ca;
}

/** Runs an evaluate with a short deadline; resolves with the error it failed with, if any. */
async function tryEvaluate(devnet: Devnet, credentials: grpc.ChannelCredentials): Promise<Error | undefined> {
  const user = userOf(devnet);
  const client = connectTo(
    org1Peer(devnet).address,
    { mspId: 'Org1MSP', certPem: user.certPem, keyPem: user.keyPem },
    { credentials },
  );
  try {
    await client.contract.evaluateTransaction('whoami');
    return undefined;
  } catch (err) {
    return err as Error;
  } finally {
    client.close();
  }
}

void describe('TLS on the devnet endpoints (server-side TLS, the default)', () => {
  let devnet: Devnet;

  before(async () => {
    devnet = await startTestDevnet();
  });

  after(async () => {
    if (devnet) {
      await devnet.stop();
      await removeDir(devnet.dataDir);
    }
  });

  void test('the devnet reports TLS on by default', () => {
    assert.deepEqual(devnet.tls, { enabled: true, mutual: false });
  });

  void test("a client trusting the peer organisation's TLS CA submits and evaluates", async () => {
    const user = userOf(devnet);
    const peer = org1Peer(devnet);
    const client = connectTo(
      peer.address,
      { mspId: 'Org1MSP', certPem: user.certPem, keyPem: user.keyPem },
      {
        credentials: grpc.credentials.createSsl(Buffer.from(peer.tlsCaCertPem)),
      },
    );
    try {
      await client.contract.submitTransaction('put', 'tls-k', 'over tls');
      assert.equal(utf8(await client.contract.evaluateTransaction('get', 'tls-k')), 'over tls');
    } finally {
      client.close();
    }
  });

  void test("a client trusting another organisation's TLS CA is refused at the handshake", async () => {
    const err = await tryEvaluate(devnet, grpc.credentials.createSsl(Buffer.from(org2TlsCa(devnet))));
    assert.ok(err, 'the call must fail');
    assert.match(err.message, /UNAVAILABLE|certificate|handshake|self.signed/i);
  });

  void test('a plaintext client is refused by a TLS endpoint', async () => {
    const err = await tryEvaluate(devnet, grpc.credentials.createInsecure());
    assert.ok(err, 'the call must fail');
    assert.match(err.message, /UNAVAILABLE|protocol|connection/i);
  });
});

void describe('mutual TLS on the devnet endpoints', () => {
  let devnet: Devnet;

  before(async () => {
    devnet = await startTestDevnet({ tls: { mutual: true } });
  });

  after(async () => {
    if (devnet) {
      await devnet.stop();
      await removeDir(devnet.dataDir);
    }
  });

  void test('a client presenting a certificate from its TLS CA is served', async () => {
    const user = userOf(devnet);
    const credentials = grpc.credentials.createSsl(
      Buffer.from(org1Peer(devnet).tlsCaCertPem),
      Buffer.from(user.tlsKeyPem),
      Buffer.from(user.tlsCertPem),
    );
    assert.equal(await tryEvaluate(devnet, credentials), undefined);
  });

  void test('a client without a client certificate is refused', async () => {
    const err = await tryEvaluate(
      devnet,
      grpc.credentials.createSsl(Buffer.from(org1Peer(devnet).tlsCaCertPem)),
    );
    assert.ok(err, 'the call must fail');
    assert.match(err.message, /UNAVAILABLE|certificate|handshake/i);
  });
});
