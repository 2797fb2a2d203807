// The edge client against the devnet, end to end: enrolment with the device's own key through the API's
// provisionDevice mutation and a sealed secret; readings buffered durably and committed exactly once in
// order; a small device posting through the edge's gateway; bad input refused; a revoked device refused
// with its buffer saying why.

import assert from 'node:assert/strict';
import { X509Certificate, createPublicKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import pino from 'pino';
import { newCaClient, sealSecret } from '../../network/client/src';
import { startEdge, type Edge } from '../../edge/src/edge';
import { EnrolError, enrolDevice, generateDeviceKey, mspPaths } from '../../edge/src/identity';
import { SmallDeviceRegistry } from '../../edge/src/small-devices/registry';
import { loadProfile } from '../../network/client/src';
import { RegisterDeviceDocument } from '../../schema/generated/operations';
import { makeTempDir } from '../integration/helpers';
import { dataOf, gql } from './api-helpers';
import {
  edgeConfig,
  ledgerBlocks,
  provisionEdge,
  removeDir,
  startEdgeWorld,
  writtenReadings,
  type EdgeWorld,
} from './edge-helpers';

const log = pino({ level: process.env.EDGE_TEST_LOG ?? 'silent' });

function sample(
  deviceId: string,
  i: number,
  temperature = 5,
): { deviceId: string; timestamp: string; temperature: number } {
  return { deviceId, timestamp: new Date(Date.UTC(2026, 10, 23, 8, 0, 0, i)).toISOString(), temperature };
}

void describe('edge client end to end', () => {
  let world: EdgeWorld;
  const dirs: string[] = [];

  before(async () => {
    world = await startEdgeWorld();
  });

  after(async () => {
    await world?.close();
    for (const d of dirs) await removeDir(d);
  });

  void test('enrolment: the device key never leaves the device; the sealed secret opens only with it, once', async () => {
    const { config, dataDir, sealedSecret } = await provisionEdge(world, 'truck-enrol');
    dirs.push(dataDir);
    const p = mspPaths(dataDir);
    const cert = new X509Certificate(readFileSync(p.cert, 'utf8'));
    const own = createPublicKey(readFileSync(p.key, 'utf8')).export({ type: 'spki', format: 'der' });
    assert.deepEqual(
      cert.publicKey.export({ type: 'spki', format: 'der' }),
      own,
      'the certificate certifies the device key',
    );
    assert.match(cert.subject, /CN=truck-enrol/);

    // Another device's key cannot open the secret.
    const other = makeTempDir('edge-other-');
    dirs.push(other);
    generateDeviceKey(other);
    const profile = await loadProfile(config.profile);
    await assert.rejects(
      enrolDevice({ dataDir: other, profile, mspId: 'Org2MSP', enrollmentId: 'truck-enrol', sealedSecret }),
      (err: Error) => err instanceof EnrolError && /not sealed for this device key/.test(err.message),
    );
    // The secret enrols once: a replay of it is refused by the CA with a clear reason.
    await assert.rejects(
      enrolDevice({ dataDir, profile, mspId: 'Org2MSP', enrollmentId: 'truck-enrol', sealedSecret }),
      (err: Error) =>
        err instanceof EnrolError && /wrong id, or the secret was already used/.test(err.message),
    );
    // A wrong secret sealed for the right key: refused by the CA.
    const wrong = await sealSecret('not-the-secret', readFileSync(p.publicKey, 'utf8'));
    await assert.rejects(
      enrolDevice({ dataDir, profile, mspId: 'Org2MSP', enrollmentId: 'truck-enrol', sealedSecret: wrong }),
      (err: Error) => err instanceof EnrolError && /refused enrollment id 'truck-enrol'/.test(err.message),
    );
    // An unreachable CA is named as such.
    const unreachable = {
      ...profile,
      organizations: profile.organizations.map((o) =>
        o.ca ? { ...o, ca: { ...o.ca, url: o.ca.url.replace(/:\d+$/, ':1') } } : o,
      ),
    };
    await assert.rejects(
      enrolDevice({
        dataDir,
        profile: unreachable,
        mspId: 'Org2MSP',
        enrollmentId: 'truck-enrol',
        sealedSecret: wrong,
      }),
      (err: Error) => err instanceof EnrolError && /unreachable/.test(err.message),
    );
  });

  void test('every acknowledged reading is committed exactly once, in the device order', async () => {
    const { config, dataDir } = await provisionEdge(world, 'truck-1');
    dirs.push(dataDir);
    const edge = await startEdge(config, { log, noSource: true });
    try {
      const acks = await Promise.all(
        Array.from({ length: 240 }, (_, i) => edge.record(sample('truck-1', i))),
      );
      assert.deepEqual(
        acks.map((a) => a[0]?.sequence),
        Array.from({ length: 240 }, (_, i) => i + 1),
        'sequences are assigned in intake order',
      );
      await edge.drained(60_000);
      const status = edge.status();
      assert.equal(status.buffer.records, 0);
      assert.equal(status.buffer.committedRecords, 240);
      assert.ok(status.lastCommit && status.lastCommit.blockNumber > 0);
      assert.equal(status.link.online, true);
    } finally {
      await edge.close();
    }
    const written = writtenReadings(await ledgerBlocks(world.devnet)).filter((r) => r.deviceId === 'truck-1');
    assert.deepEqual(
      written.map((r) => r.sequence),
      Array.from({ length: 240 }, (_, i) => i + 1),
      'each reading written once, in sequence order',
    );
  });

  void test('a small device posts through the edge; the ledger records it as the source; bad input is refused', async () => {
    const { config, dataDir } = await provisionEdge(world, 'truck-2', { smallDevices: { port: 0 } });
    dirs.push(dataDir);
    dataOf(
      await gql(world.api.url, world.supplierAdmin, RegisterDeviceDocument, {
        input: { id: 'tag-7', kind: 'SENSOR', gatewayId: 'truck-2' },
      }),
    );
    const registry = new SmallDeviceRegistry(path.join(dataDir, 'small-devices.sqlite'));
    const { token } = registry.add('tag-7');
    registry.close();
    const edge = await startEdge(config, { log, noSource: true });
    try {
      const url = `${edge.smallDevices?.url}/v1/readings`;
      const post = (body: unknown, auth: string) =>
        fetch(url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            ...(auth !== '' ? { authorization: `Bearer ${auth}` } : {}),
          },
          body: typeof body === 'string' ? body : JSON.stringify(body),
        });
      const ok = await post(
        [
          { timestamp: '2026-11-23T09:00:00.000Z', temperature: 4.2, humidity: 40 },
          { timestamp: '2026-11-23T09:00:01.000Z', temperature: 4.3 },
        ],
        token,
      );
      assert.equal(ok.status, 202);
      assert.deepEqual(await ok.json(), { deviceId: 'tag-7', accepted: [[1], [2]] });

      const cases: [unknown, string, number, string, RegExp][] = [
        [{ temperature: 1 }, '', 401, 'UNAUTHENTICATED', /missing bearer token/],
        [{ temperature: 1 }, 'sdt_not-a-token', 401, 'UNAUTHENTICATED', /unknown or malformed/],
        ['{"temperature":', token, 400, 'BAD_READING', /not JSON/],
        [{ temprature: 1 }, token, 400, 'BAD_READING', /unknown field "temprature"/],
        [{ temperature: 'hot' }, token, 400, 'BAD_READING', /temperature must be a finite number/],
        [{ deviceId: 'tag-8', temperature: 1 }, token, 400, 'BAD_READING', /is not this token's device/],
        [[], token, 400, 'BAD_READING', /no samples/],
      ];
      for (const [body, auth, statusCode, code, message] of cases) {
        const res = await post(body, auth);
        const json = (await res.json()) as { error: { code: string; message: string } };
        assert.equal(res.status, statusCode, `${JSON.stringify(body)}: ${JSON.stringify(json)}`);
        assert.equal(json.error.code, code);
        assert.match(json.error.message, message);
      }
      await edge.drained(30_000);
      assert.equal(edge.status().buffer.committedRecords, 2, 'refused requests buffered nothing');
    } finally {
      await edge.close();
    }
    const blocks = await ledgerBlocks(world.devnet);
    assert.deepEqual(
      writtenReadings(blocks)
        .filter((r) => r.deviceId === 'tag-7')
        .map((r) => r.sequence),
      [1, 2],
    );
    const tx = blocks
      .flatMap((b) => b.transactions)
      .find(
        (t) =>
          t.valid && t.function === 'reading:recordReadings' && t.writes.some((w) => w.key.includes('tag-7')),
      );
    assert.equal(
      tx?.creatorId,
      'Org2MSP:truck-2',
      'signed by the edge, the small device recorded as the source',
    );
  });

  void test('a revoked device is refused; its readings stay buffered and the buffer says why', async () => {
    const { config, dataDir } = await provisionEdge(world, 'truck-revoked');
    dirs.push(dataDir);
    const caInfo = world.devnet.cas.find((c) => c.mspId === 'Org2MSP');
    assert.ok(caInfo);
    const profile = await loadProfile(config.profile);
    const org = profile.organizations.find((o) => o.mspId === 'Org2MSP');
    assert.ok(org?.ca);
    const ca = await newCaClient({ ca: org.ca, mspId: 'Org2MSP' });
    const registrar = await ca.enroll({
      enrollmentId: caInfo.bootstrap.enrollmentID,
      secret: caInfo.bootstrap.enrollmentSecret,
    });
    await ca.revoke(registrar, { enrollmentId: 'truck-revoked', reason: 'keyCompromise' });

    const edge: Edge = await startEdge(config, { log, noSource: true });
    try {
      await edge.record(sample('truck-revoked', 1));
      edge.forwarder.flush();
      const deadline = Date.now() + 20_000;
      while (!edge.status().link.refused && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 50));
      const status = edge.status();
      assert.match(status.link.refused ?? '', /revoked/);
      assert.equal(status.buffer.records, 1, 'the reading is kept');
      assert.equal(status.buffer.states.ENDORSEMENT_ERROR, 1);
    } finally {
      await edge.close();
    }
    assert.deepEqual(
      writtenReadings(await ledgerBlocks(world.devnet)).filter((r) => r.deviceId === 'truck-revoked'),
      [],
    );
  });

  void test('configuration errors are precise', () => {
    assert.throws(
      () => edgeConfig(world, 'x y', '/tmp/none', { batch: { size: 501 } }),
      /deviceId: must be 1-128 letters.*batch\.size: Number must be less than or equal to 500/,
    );
  });
});
