// Network profiles and identities (network/client): loading and validation, MSP folders, and a
// fabric-gateway connection to a devnet made from a profile alone.

import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  connectGateway,
  loadIdentity,
  loadProfile,
  loadProfileIdentity,
  ProfileError,
  readTlsCaCert,
  selectPeer,
  type NetworkProfile,
} from '../../network/client/src';
import { generateCryptoMaterial } from '../../network/devnet/src/crypto';
import { startDevnet, type Devnet } from '../../network/devnet/src/devnet';
import { devnetLog, FIXTURE_PATH, FIXTURE_POLICY, makeTempDir, removeDir, REPO_ROOT, utf8 } from './helpers';

const EXAMPLE = path.join(REPO_ROOT, 'network', 'profiles', 'external-fabric.example.json');

async function writeJson(dir: string, name: string, value: unknown): Promise<string> {
  const file = path.join(dir, name);
  await fs.writeFile(file, typeof value === 'string' ? value : JSON.stringify(value, null, 2));
  return file;
}

function minimal(): Record<string, unknown> {
  return {
    name: 'mini',
    channel: 'supplychain',
    tls: false,
    chaincodes: ['fixture'],
    organizations: [
      { mspId: 'Org1MSP', peers: [{ name: 'peer0.org1.example.com', endpoint: '127.0.0.1:7051' }] },
    ],
  };
}

async function rejects(file: string, expected: { path: string; message: RegExp }[]): Promise<ProfileError> {
  const err = await loadProfile(file).then(
    () => assert.fail('the profile loaded'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof ProfileError, String(err));
  for (const want of expected) {
    const hit = err.issues.find((i) => i.path === want.path && want.message.test(i.message));
    assert.ok(hit, `no issue ${want.path} ~ ${want.message}; got:\n${err.message}`);
    assert.ok(err.message.includes(want.path), err.message);
  }
  return err;
}

void describe('network profiles', () => {
  let tmp: string;
  before(() => {
    tmp = makeTempDir('profile-');
  });
  after(async () => {
    await removeDir(tmp);
  });

  void it('loads the external Fabric example without reading its certificate files', async () => {
    const profile = await loadProfile(EXAMPLE);
    assert.equal(profile.channel, 'supplychain');
    assert.equal(profile.tls, true);
    assert.deepEqual(
      profile.organizations.map((o) => o.mspId),
      ['Org1MSP', 'Org2MSP'],
    );
    const peer = selectPeer(profile, 'Org2MSP');
    assert.equal(peer.endpoint, 'peer0.org2.example.com:9051');
    assert.equal(peer.hostAlias, 'peer0.org2.example.com');
    // Relative paths resolve against the profile's folder.
    assert.ok(path.isAbsolute(peer.tlsCaCertPath ?? ''));
    assert.ok(peer.tlsCaCertPath?.startsWith(path.dirname(EXAMPLE)));
    assert.equal(profile.orderers[0]?.endpoint, 'orderer.example.com:7050');
    assert.equal(profile.organizations[0]?.ca?.url, 'https://localhost:7054');
    assert.deepEqual(profile.chaincodes[0], {
      name: 'manusquare',
      endorsementPolicy: "AND('Org1MSP.peer','Org2MSP.peer')",
    });
    // The certificates are only read on demand (or with checkFiles), and then a missing one is named.
    await assert.rejects(
      readTlsCaCert(peer),
      /TLS CA certificate of peer0\.org2\.example\.com at .*file not found/,
    );
    const err = await loadProfile(EXAMPLE, { checkFiles: true }).catch((e: unknown) => e);
    assert.ok(err instanceof ProfileError);
    assert.ok(
      err.issues.some((i) => i.path === '$.organizations[1].peers[0].tlsCaCertPath'),
      err.message,
    );
  });

  void it('checkFiles reads certificate files that exist, relative to the profile', async () => {
    const dir = path.join(tmp, 'with-certs');
    const material = await generateCryptoMaterial(path.join(dir, 'net'));
    const org1 = material.orgs.find((o) => o.mspId === 'Org1MSP');
    assert.ok(org1);
    const tlsca = path.relative(dir, path.join(org1.orgDir, 'tlsca', `tlsca.${org1.domain}-cert.pem`));
    const json = minimal();
    json.tls = true;
    json.organizations = [
      {
        mspId: 'Org1MSP',
        peers: [{ name: 'peer0.org1.example.com', endpoint: 'localhost:7051', tlsCaCertPath: tlsca }],
      },
    ];
    const profile = await loadProfile(await writeJson(dir, 'p.json', json), { checkFiles: true });
    const peer = profile.organizations[0]?.peers[0];
    assert.ok(peer);
    assert.equal(await readTlsCaCert(peer), org1.tlsCaCertPem);
  });

  void it('names a missing file and the position of a JSON syntax error', async () => {
    await assert.rejects(
      loadProfile(path.join(tmp, 'nope.json')),
      /cannot read network profile .*nope\.json: file not found/,
    );
    const bad = await writeJson(tmp, 'bad.json', '{\n  "name": "x",\n  "channel": }\n');
    await assert.rejects(loadProfile(bad), /not valid JSON: line 3, column 14/);
  });

  void it('reports each schema violation with its JSON path', async () => {
    const json = minimal();
    delete json.channel;
    json.tls = 'yes';
    json.chaincodes = ['ok', 42];
    json.organizations = [
      {
        mspId: 'Org1MSP',
        peers: [
          { name: 'peer0.org1.example.com', endpoint: 'grpcs://peer0.org1.example.com:7051' },
          { name: 'peer1.org1.example.com', endpoint: 'peer1.org1.example.com' },
          { name: 'peer2.org1.example.com', endpoint: 'localhost:70510', port: 1 },
        ],
        ca: { url: 'localhost:7054', caName: 7 },
      },
    ];
    const err = await rejects(await writeJson(tmp, 'invalid.json', json), [
      { path: '$.channel', message: /required field is missing/ },
      { path: '$.tls', message: /expected true or false, got the string "yes"/ },
      { path: '$.chaincodes[1]', message: /expected an object, got number 42/ },
      { path: '$.organizations[0].peers[0].endpoint', message: /without a scheme/ },
      { path: '$.organizations[0].peers[1].endpoint', message: /must be host:port/ },
      { path: '$.organizations[0].peers[2].endpoint', message: /port 70510 outside/ },
      { path: '$.organizations[0].peers[2].port', message: /unknown field/ },
      { path: '$.organizations[0].ca.url', message: /must be an http:\/\/ or https:\/\/ URL|is not a URL/ },
      { path: '$.organizations[0].ca.caName', message: /expected a string, got number 7/ },
    ]);
    assert.equal(err.issues.length, 9, err.message);
  });

  void it('requires TLS CA certificates when tls is true, and a channel name Fabric accepts', async () => {
    const json = minimal();
    json.tls = true;
    json.channel = 'Supply_Chain';
    json.orderers = [
      {
        name: 'orderer.example.com',
        mspId: 'OrdererMSP',
        endpoint: 'localhost:7050',
        tlsCaCert: 'not a pem',
      },
    ];
    await rejects(await writeJson(tmp, 'tls.json', json), [
      { path: '$.channel', message: /not a valid Fabric channel name/ },
      {
        path: '$.organizations[0].peers[0]',
        message: /needs tlsCaCert or tlsCaCertPath because tls is true/,
      },
      { path: '$.orderers[0].tlsCaCert', message: /not a PEM certificate/ },
    ]);
  });

  void it('loadIdentity reads cryptogen MSP folders and explicit paths, and refuses a foreign key', async () => {
    const material = await generateCryptoMaterial(path.join(tmp, 'crypto'));
    const org2 = material.orgs.find((o) => o.mspId === 'Org2MSP');
    const user = org2?.users.User1;
    assert.ok(user);
    const fromMsp = await loadIdentity({ mspDir: user.mspDir }, 'Org2MSP');
    assert.deepEqual(fromMsp, { mspId: 'Org2MSP', certPem: user.certPem, keyPem: user.keyPem });
    const certPath = path.join(user.mspDir, 'signcerts', `${user.name}-cert.pem`);
    const fromPaths = await loadIdentity(
      { certPath, keyPath: path.join(user.mspDir, 'keystore', 'priv_sk') },
      'Org2MSP',
    );
    assert.equal(fromPaths.keyPem, user.keyPem);
    const admin = org2?.users.Admin;
    assert.ok(admin);
    await assert.rejects(
      loadIdentity({ certPath, keyPath: path.join(admin.mspDir, 'keystore', 'priv_sk') }, 'Org2MSP'),
      /does not belong to the certificate/,
    );
    await assert.rejects(
      loadIdentity({ mspDir: path.join(tmp, 'missing-msp') }, 'Org2MSP'),
      /signcerts: folder not found/,
    );
  });

  /** A profile for a devnet written by hand from what `startDevnet` returns, as a test or a tool would. */
  function profileFor(devnet: Devnet, dataDir: string): Record<string, unknown> {
    const tls = devnet.tls.enabled;
    return {
      name: 'devnet-test',
      channel: devnet.channelId,
      tls,
      chaincodes: [{ name: 'fixture', endorsementPolicy: FIXTURE_POLICY }],
      organizations: ['Org1MSP', 'Org2MSP'].map((mspId) => ({
        mspId,
        peers: devnet.peers
          .filter((p) => p.mspId === mspId)
          .map((p) => ({
            name: p.name,
            endpoint: p.address,
            hostAlias: p.hostAlias,
            ...(tls ? { tlsCaCert: p.tlsCaCertPem } : {}),
          })),
        identities: Object.fromEntries(
          Object.entries(devnet.material.orgs.find((o) => o.mspId === mspId)?.users ?? {}).map(([n, u]) => [
            n,
            { mspDir: path.relative(dataDir, u.mspDir) },
          ]),
        ),
      })),
      orderers: [
        {
          name: 'orderer.example.com',
          mspId: 'OrdererMSP',
          endpoint: devnet.ordererAddress,
          ...(tls
            ? {
                tlsCaCertPath: path.relative(
                  dataDir,
                  path.join(ordererOrg(devnet).orgDir, 'tlsca', 'tlsca.example.com-cert.pem'),
                ),
              }
            : {}),
        },
      ],
    };
  }

  function ordererOrg(devnet: Devnet): { orgDir: string } {
    const org = devnet.material.orgs.find((o) => o.kind === 'orderer');
    assert.ok(org);
    return org;
  }

  async function withDevnet(
    tls: boolean,
    body: (devnet: Devnet, dataDir: string) => Promise<void>,
  ): Promise<void> {
    const dataDir = makeTempDir('profile-devnet-');
    let devnet: Devnet | undefined;
    try {
      devnet = await startDevnet({
        dataDir,
        ports: 'random',
        tls,
        chaincodes: [{ name: 'fixture', path: FIXTURE_PATH, endorsementPolicy: FIXTURE_POLICY }],
        log: devnetLog(),
      });
      await devnet.chaincodesReady();
      await body(devnet, dataDir);
    } finally {
      await devnet?.stop();
      await removeDir(dataDir);
    }
  }

  void it('connects to a TLS devnet through a profile written from its peers: submit and evaluate', async () => {
    await withDevnet(true, async (devnet, dataDir) => {
      const file = await writeJson(dataDir, 'client-profile.json', profileFor(devnet, dataDir));
      const profile: NetworkProfile = await loadProfile(file, { checkFiles: true });
      assert.equal(profile.tls, true);
      const identity = await loadProfileIdentity(profile, 'Org2MSP', 'User1');
      const conn = await connectGateway({ profile, identity });
      try {
        assert.equal(conn.peer.name, 'peer0.org2.example.com');
        const contract = conn.network.getContract('fixture');
        await contract.submitTransaction('put', 'profile-key', 'via profile');
        assert.equal(utf8(await contract.evaluateTransaction('get', 'profile-key')), 'via profile');
      } finally {
        conn.close();
      }
      // The default signer and an explicit peer work too.
      const org1 = await loadProfileIdentity(profile, 'Org1MSP', 'User1');
      const conn2 = await connectGateway({
        profile,
        identity: org1,
        peer: 'peer1.org1.example.com',
        signer: 'default',
      });
      try {
        const contract = conn2.network.getContract('fixture');
        await contract.submitTransaction('put', 'profile-key-2', 'default signer');
        assert.equal(utf8(await contract.evaluateTransaction('get', 'profile-key-2')), 'default signer');
      } finally {
        conn2.close();
      }
      await assert.rejects(
        connectGateway({ profile, identity, peer: 'peer9.org1.example.com' }),
        /peer 'peer9\.org1\.example\.com' is not in/,
      );
      // Trusting the wrong TLS CA (Org1's for an Org2 peer) is refused by the TLS handshake.
      const wrong = JSON.parse(await fs.readFile(file, 'utf8')) as {
        organizations: { peers: { tlsCaCert: string }[] }[];
      };
      const org1Ca = wrong.organizations[0]?.peers[0]?.tlsCaCert;
      const org2Peer = wrong.organizations[1]?.peers[0];
      assert.ok(org1Ca && org2Peer);
      org2Peer.tlsCaCert = org1Ca;
      const wrongProfile = await loadProfile(await writeJson(dataDir, 'wrong-ca.json', wrong));
      const bad = await connectGateway({ profile: wrongProfile, identity, timeouts: { evaluate: 3000 } });
      try {
        await assert.rejects(
          bad.network.getContract('fixture').evaluateTransaction('get', 'profile-key'),
          /UNAVAILABLE/,
        );
      } finally {
        bad.close();
      }
    });
  });

  void it("the devnet's own network.json loads as a profile, with its users, and a client reaches the network through it", async () => {
    await withDevnet(true, async (devnet, dataDir) => {
      const profile = await loadProfile(path.join(dataDir, 'network.json'), { checkFiles: true });
      assert.equal(profile.channel, devnet.channelId);
      assert.equal(profile.tls, true);
      assert.deepEqual(
        profile.organizations.map((o) => o.mspId),
        ['Org1MSP', 'Org2MSP'],
      );
      const identity = await loadProfileIdentity(profile, 'Org1MSP', 'User1');
      const conn = await connectGateway({ profile, identity });
      try {
        const contract = conn.network.getContract('fixture');
        await contract.submitTransaction('put', 'own-profile', 'from network.json');
        assert.equal(utf8(await contract.evaluateTransaction('get', 'own-profile')), 'from network.json');
      } finally {
        conn.close();
      }
    });
  });

  void it('connects to a devnet without TLS (tls: false, insecure gRPC)', async () => {
    await withDevnet(false, async (devnet, dataDir) => {
      const profile = await loadProfile(await writeJson(dataDir, 'plain.json', profileFor(devnet, dataDir)));
      assert.equal(profile.tls, false);
      const identity = await loadProfileIdentity(profile, 'Org1MSP', 'User1');
      const conn = await connectGateway({ profile, identity });
      try {
        const contract = conn.network.getContract('fixture');
        await contract.submitTransaction('put', 'plain-key', 'insecure');
        assert.equal(utf8(await contract.evaluateTransaction('get', 'plain-key')), 'insecure');
      } finally {
        conn.close();
      }
    });
  });
});
