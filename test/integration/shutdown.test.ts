// Stopping the devnet does not wait for clients to leave: like a Fabric peer, it cuts open Deliver
// streams after a short grace period, so a long-lived event listener cannot hold a stop (or a test) forever.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { common } from '@hyperledger/fabric-protos';
import { connectClient, removeDir, startTestDevnet } from './helpers';

void test('stop() returns within the grace period while a block event stream is still open', async () => {
  const devnet = await startTestDevnet();
  const client = connectClient(devnet);
  try {
    const events = await client.network.getBlockEvents({ startBlock: 0n });
    const iterator = events[Symbol.asyncIterator]();
    const first = await iterator.next();
    const block = first.value as common.Block | undefined;
    assert.equal(block?.getHeader()?.getNumber(), 0, 'the stream is open and delivering');
    const started = Date.now();
    await devnet.stop();
    const took = Date.now() - started;
    assert.ok(took < 10_000, `stop took ${took} ms with a stream open`);
    await assert.rejects(iterator.next(), 'the client sees its stream end with an error');
    events.close();
  } finally {
    client.close();
    await devnet.stop();
    await removeDir(devnet.dataDir);
  }
});
