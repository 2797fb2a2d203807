import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { peer } from '../protos';
import { ChaincodeConnection, ERROR_STREAM_TERMINATED } from './chaincode-connection';
import { TxSimulator } from './simulator';
import type { StateReader } from './state';

const Type = peer.ChaincodeMessage.Type;
type ShimStream = grpc.ServerDuplexStream<peer.ChaincodeMessage, peer.ChaincodeMessage>;

const emptyState: StateReader = {
  getState: () => Promise.resolve(undefined),
  getStateRange: async function* () {
    // no keys
  },
  getHistory: () => Promise.resolve([]),
};

function msg(type: number, txId = '', payload?: Uint8Array): peer.ChaincodeMessage {
  const m = new peer.ChaincodeMessage();
  m.setType(type as peer.ChaincodeMessage.TypeMap[keyof peer.ChaincodeMessage.TypeMap]);
  m.setTxid(txId);
  m.setChannelId(txId === '' ? '' : 'ch');
  if (payload) m.setPayload(payload);
  return m;
}

/**
 * The chaincode side of the shim protocol, scripted: each stream registers, and each TRANSACTION does one
 * PUT_STATE and completes with the stream's number as its payload, so a test sees which stream ran it.
 * TRANSACTIONs whose txid starts with `hold` are left unanswered.
 */
class ScriptedChaincode {
  readonly server = new grpc.Server();
  readonly streams: ShimStream[] = [];
  address = '';

  async start(): Promise<void> {
    this.server.addService(peer.ChaincodeService, {
      connect: (call: ShimStream) => {
        const index = this.streams.push(call) - 1;
        call.write(msg(Type.REGISTER));
        call.on('data', (m: peer.ChaincodeMessage) => {
          if (m.getType() === Type.TRANSACTION && !m.getTxid().startsWith('hold')) {
            const put = new peer.PutState();
            put.setKey(m.getTxid());
            put.setValue(Buffer.from('v'));
            const request = msg(Type.PUT_STATE, m.getTxid(), put.serializeBinary());
            call.write(request);
          } else if (m.getType() === Type.RESPONSE) {
            call.write(msg(Type.COMPLETED, m.getTxid(), Buffer.from(String(index))));
          }
        });
        call.on('error', () => undefined);
      },
    });
    const port = await new Promise<number>((resolve, reject) =>
      this.server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) =>
        err ? reject(err) : resolve(p),
      ),
    );
    this.address = `127.0.0.1:${port}`;
  }
}

function invocation(txId: string): Parameters<ChaincodeConnection['execute']>[0] {
  return {
    txId,
    channelId: 'ch',
    signedProposal: new peer.SignedProposal(),
    input: new peer.ChaincodeInput(),
    simulator: new TxSimulator(emptyState),
    invokeChaincode: () => Promise.reject(new Error('not used')),
  };
}

async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

void describe('chaincode connection stream pool', () => {
  const chaincode = new ScriptedChaincode();
  let connection: ChaincodeConnection;

  before(async () => {
    await chaincode.start();
    connection = new ChaincodeConnection({ name: 'cc', address: chaincode.address, streams: 3 });
    await connection.start();
    await until(() => connection.readyStreams === 3, 'three registered streams');
  });

  after(async () => {
    await connection.close();
    chaincode.server.forceShutdown();
  });

  void it('opens the configured number of shim streams and spreads transactions over all of them', async () => {
    const completed = await Promise.all(
      Array.from({ length: 30 }, (_, i) => connection.execute(invocation(`tx${i}`))),
    );
    const perStream = new Map<string, number>();
    for (const c of completed) {
      assert.equal(c.getType(), Type.COMPLETED);
      const stream = Buffer.from(c.getPayload_asU8()).toString();
      perStream.set(stream, (perStream.get(stream) ?? 0) + 1);
    }
    assert.deepEqual([...perStream.keys()].sort(), ['0', '1', '2']);
    assert.ok(
      [...perStream.values()].every((n) => n === 10),
      JSON.stringify([...perStream]),
    );
  });

  void it('answers each shim request on the stream its transaction runs on', async () => {
    // Every PUT_STATE above was answered on its own stream, or that stream's transaction would never have
    // completed; a RESPONSE on a wrong stream would have been ignored by the scripted side.
    const sim = new TxSimulator(emptyState);
    const completed = await connection.execute({ ...invocation('tx-one'), simulator: sim });
    assert.equal(completed.getType(), Type.COMPLETED);
    const writes = sim.results();
    assert.ok(writes.length > 0, 'the PUT_STATE reached the simulator');
  });

  void it('a stream that dies fails only its own transactions, and is dialled again', async () => {
    const outcomes: (string | undefined)[] = [undefined, undefined, undefined];
    // Round robin puts one held transaction on each stream.
    [0, 1, 2].forEach((i) => {
      connection.execute(invocation(`hold${i}`)).then(
        () => (outcomes[i] = 'completed'),
        (err: Error) => (outcomes[i] = err.message),
      );
    });
    await new Promise((r) => setTimeout(r, 100));
    const registered = chaincode.streams.length;
    chaincode.streams[registered - 1]?.end(); // the chaincode side closes one stream
    await until(() => outcomes.some((o) => o !== undefined), 'the dead stream to fail its transaction');
    await new Promise((r) => setTimeout(r, 200));
    const failed = outcomes.filter((o) => o !== undefined);
    assert.deepEqual(failed, [`cc: ${ERROR_STREAM_TERMINATED}`], JSON.stringify(outcomes));
    await until(
      () => chaincode.streams.length === registered + 1 && connection.readyStreams === 3,
      'the dead stream to be dialled again',
    );
    const again = await Promise.all(
      Array.from({ length: 6 }, (_, i) => connection.execute(invocation(`again${i}`))),
    );
    assert.ok(again.every((c) => c.getType() === Type.COMPLETED));
  });
});
