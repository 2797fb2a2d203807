import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { after, describe, test } from 'node:test';
import { StatusCode } from '@hyperledger/fabric-gateway';
import type { common } from '@hyperledger/fabric-protos';
import type { Devnet, PeerInfo } from '../../network/devnet/src/devnet';
import { DEFAULT_PORTS } from '../../network/devnet/src/config';
import { freePort } from '../../network/devnet/src/ports';
import { blockDataHash, blockHeaderHash } from '../../network/devnet/src/ledger/blockhash';
import {
  connectClient,
  connectTo,
  eventually,
  makeTempDir,
  readBlocks,
  removeDir,
  sleep,
  startTestDevnet,
  utf8,
  validationCodes,
  txIdOf,
  type Client,
} from './helpers';

function verifyChain(blocks: readonly common.Block[]): void {
  for (const [i, block] of blocks.entries()) {
    const header = block.getHeader() as common.BlockHeader;
    assert.equal(header.getNumber(), i, `block ${i} number`);
    assert.deepEqual(
      Buffer.from(header.getDataHash_asU8()),
      Buffer.from(blockDataHash(block.getData()?.getDataList_asU8() ?? [])),
      `data hash of block ${i}`,
    );
    if (i > 0) {
      const prev = (blocks[i - 1] as common.Block).getHeader() as common.BlockHeader;
      assert.deepEqual(
        Buffer.from(header.getPreviousHash_asU8()),
        Buffer.from(blockHeaderHash(prev)),
        `previous hash of block ${i}`,
      );
    }
  }
}

void describe('restarts and crashes', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  after(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  void test('state and height survive a stop and start on the same data directory; a killed chaincode server comes back', async () => {
    let devnet: Devnet = await startTestDevnet();
    const dataDir = devnet.dataDir;
    cleanups.push(() => removeDir(dataDir));
    cleanups.push(() => devnet.stop());
    let client: Client = connectClient(devnet);
    cleanups.push(() => client.close());

    await client.contract.submitTransaction('putMany', 'rs', '20', 'persisted');
    await client.contract.submitTransaction('put', 'rs-single', 'one');
    await client.contract.submitTransaction('incr', 'rs-counter');
    await client.contract.submitTransaction('incr', 'rs-counter');
    const height = devnet.height;
    const blocksBefore = await readBlocks(client.network, 0, height - 1);

    client.close();
    await devnet.stop();
    devnet = await startTestDevnet({ dataDir });
    client = connectClient(devnet);

    assert.equal(devnet.height, height);
    assert.equal(utf8(await client.contract.evaluateTransaction('get', 'rs-single')), 'one');
    assert.equal(utf8(await client.contract.evaluateTransaction('get', 'rs-counter')), '2');
    const all = JSON.parse(utf8(await client.contract.evaluateTransaction('rangeAll', 'rs', 'rs~'))) as {
      key: string;
      value: string;
    }[];
    assert.equal(all.filter((r) => r.value === 'persisted').length, 20);
    const blocksAfter = await readBlocks(client.network, 0, height - 1);
    assert.deepEqual(
      blocksAfter.map((b) => Buffer.from(b.serializeBinary()).toString('hex')),
      blocksBefore.map((b) => Buffer.from(b.serializeBinary()).toString('hex')),
      'the same blocks, byte for byte',
    );
    // New work continues the chain and the counter's version.
    assert.equal(utf8(await client.contract.submitTransaction('incr', 'rs-counter')), '3');
    verifyChain(await readBlocks(client.network, 0, devnet.height - 1));

    // A chaincode server crash: Org1's server is restarted and Org1-endorsed transactions work again.
    const killedAt = Date.now();
    devnet.killChaincodeServer('fixture', 'Org1MSP');
    await eventually(
      async () => {
        const result = await client.contract.submit('incr', {
          arguments: ['rs-counter'],
          endorsingOrganizations: ['Org1MSP'],
        });
        assert.ok(Number(utf8(result)) >= 4);
      },
      15_000,
      200,
    );
    const recovery = Date.now() - killedAt;
    assert.ok(recovery < 10_000, `recovered in ${recovery} ms`);
    assert.equal(
      utf8(await client.contract.evaluate('whoami', { endorsingOrganizations: ['Org1MSP'] })).includes(
        'Org1MSP',
      ),
      true,
    );
  });

  void test('kill -9 under load loses no acknowledged transaction and the hash chain verifies afterwards', async (t) => {
    const dataDir = makeTempDir('devnet-kill-');
    cleanups.push(() => removeDir(dataDir));
    const peers: Record<string, number> = {};
    for (const name of Object.keys(DEFAULT_PORTS.peers)) peers[name] = await freePort();
    const ports = { orderer: await freePort(), peers };

    const script = path.join(__dirname, 'fixtures', 'devnet-child.js');
    const child: ChildProcess = spawn(process.execPath, [script], {
      env: { ...process.env, DEVNET_CHILD_DIR: dataDir, DEVNET_CHILD_PORTS: JSON.stringify(ports) },
      stdio: ['ignore', 'pipe', 'inherit'],
      detached: true, // its own process group, so its chaincode servers can be killed with it
    });
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const killGroup = (): void => {
      try {
        if (child.pid) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    };
    cleanups.push(killGroup);

    const ready = await new Promise<{
      peers: PeerInfo[];
      user: { mspId: string; certPem: string; keyPem: string };
    }>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('devnet child did not get ready in 30 s')), 30_000);
      child.once('exit', (code) => reject(new Error(`devnet child exited early (${code})`)));
      createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
        if (line.startsWith('READY ')) {
          clearTimeout(timer);
          resolve(
            JSON.parse(line.slice('READY '.length)) as {
              peers: PeerInfo[];
              user: { mspId: string; certPem: string; keyPem: string };
            },
          );
        }
      });
    });
    const peer0 = ready.peers.find((p) => p.mspId === 'Org1MSP');
    assert.ok(peer0);
    // The child devnet runs TLS (the default): trust its Org1 TLS CA.
    const client = connectTo(peer0.address, ready.user, {
      credentials: grpc.credentials.createSsl(Buffer.from(peer0.tlsCaCertPem)),
    });

    const acked: { key: string; value: string; txId: string }[] = [];
    let next = 0;
    let killed = false;
    const worker = async (w: number): Promise<void> => {
      while (!killed) {
        const i = next++;
        const key = `load-${String(i).padStart(6, '0')}`;
        const value = `w${w}-i${i}`;
        try {
          const submitted = await client.contract.submitAsync('put', { arguments: [key, value] });
          const status = await submitted.getStatus();
          if (status.code === StatusCode.VALID)
            acked.push({ key, value, txId: submitted.getTransactionId() });
        } catch {
          // the devnet died under us: anything not acknowledged may be lost
        }
      }
    };
    const workers = Array.from({ length: 12 }, (_, w) => worker(w));
    const loadStart = Date.now();
    while (acked.length < 150 && Date.now() - loadStart < 8_000) await sleep(20);
    // Kill mid-load: transactions are being endorsed, ordered and committed right now.
    const ackedAtKill = acked.length;
    child.kill('SIGKILL');
    killed = true;
    killGroup();
    await exited;
    await Promise.all(workers);
    client.close();
    assert.ok(ackedAtKill >= 20, `load got going (${ackedAtKill} commits acknowledged before the kill)`);

    const devnet = await startTestDevnet({ dataDir });
    cleanups.push(() => devnet.stop());
    t.diagnostic(
      `acknowledged: ${ackedAtKill} at the kill, ${acked.length} in all; recovered height ${devnet.height}, attempted ${next}`,
    );
    const after = connectClient(devnet);
    cleanups.push(() => after.close());

    // Every acknowledged write is there, with the value written, by the transaction that wrote it.
    const missing: string[] = [];
    for (let i = 0; i < acked.length; i += 20) {
      await Promise.all(
        acked.slice(i, i + 20).map(async (a) => {
          const history = JSON.parse(utf8(await after.contract.evaluateTransaction('history', a.key))) as {
            txId: string;
            value: string;
          }[];
          const latest = history[0];
          if (!latest || latest.txId !== a.txId || latest.value !== a.value) missing.push(a.key);
        }),
      );
    }
    assert.deepEqual(missing, [], `all ${acked.length} acknowledged transactions survived`);
    if (acked.length > 0) {
      const last = acked[acked.length - 1] as (typeof acked)[number];
      assert.equal(utf8(await after.contract.evaluateTransaction('get', last.key)), last.value);
    }

    // The chain verifies from block 0 to height - 1 and contains each acknowledged txid as VALID.
    const blocks = await readBlocks(after.network, 0, devnet.height - 1);
    assert.equal(blocks.length, devnet.height);
    verifyChain(blocks);
    const codes = new Map<string, number>();
    for (const block of blocks) {
      const list = validationCodes(block);
      (block.getData()?.getDataList_asU8() ?? []).forEach((env, i) => {
        if (block.getHeader()?.getNumber() !== 0) codes.set(txIdOf(env), list[i] ?? -1);
      });
    }
    for (const a of acked)
      assert.equal(codes.get(a.txId), StatusCode.VALID, `tx ${a.txId} is in the chain as VALID`);

    // And the recovered devnet keeps working.
    await after.contract.submitTransaction('put', 'after-crash', 'ok');
    assert.equal(utf8(await after.contract.evaluateTransaction('get', 'after-crash')), 'ok');
    verifyChain(await readBlocks(after.network, 0, devnet.height - 1));
  });
});
