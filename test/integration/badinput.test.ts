import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { connect, GatewayError, hash, StatusCode } from '@hyperledger/fabric-gateway';
import { common, gateway as gw, msp, orderer, peer } from '@hyperledger/fabric-protos';
import { Timestamp } from 'google-protobuf/google/protobuf/timestamp_pb';
import type { Devnet } from '../../network/devnet/src/devnet';
import { signLowS } from '../../network/devnet/src/msp/signature';
import {
  connectClient,
  credentialsFor,
  readBlocks,
  removeDir,
  signerOf,
  startTestDevnet,
  userOf,
  utf8,
  validationCodes,
  txIdOf,
  type Client,
} from './helpers';

const identityBytes = (mspId: string, certPem: string): Uint8Array => {
  const id = new msp.SerializedIdentity();
  id.setMspid(mspId);
  id.setIdBytes(Buffer.from(certPem));
  return id.serializeBinary();
};

/** A raw client for one method that sends and receives bytes as they are, to send what no stub would. */
const RawClient = grpc.makeGenericClientConstructor(
  {
    evaluate: {
      path: '/gateway.Gateway/Evaluate',
      requestStream: false,
      responseStream: false,
      requestSerialize: (b: Buffer) => b,
      requestDeserialize: (b: Buffer) => b,
      responseSerialize: (b: Buffer) => b,
      responseDeserialize: (b: Buffer) => b,
    },
    endorse: {
      path: '/gateway.Gateway/Endorse',
      requestStream: false,
      responseStream: false,
      requestSerialize: (b: Buffer) => b,
      requestDeserialize: (b: Buffer) => b,
      responseSerialize: (b: Buffer) => b,
      responseDeserialize: (b: Buffer) => b,
    },
  },
  'RawGateway',
);

function callRaw(client: grpc.Client, method: 'evaluate' | 'endorse', bytes: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    (
      client as unknown as Record<
        string,
        (b: Buffer, o: grpc.CallOptions, cb: (e: grpc.ServiceError | null, r: Buffer) => void) => void
      >
    )[method]!(bytes, { deadline: Date.now() + 15_000 }, (err, res) => (err ? reject(err) : resolve(res)));
  });
}

function grpcCode(err: unknown): number | undefined {
  return (err as { code?: number }).code;
}

void describe('bad input gets Fabric gRPC errors, commits nothing, and the devnet keeps serving', () => {
  let devnet: Devnet;
  let org1: Client;
  let raw: grpc.Client;
  let gatewayClient: gw.GatewayClient;
  let deliverClient: peer.DeliverClient;
  let heightAtStart = 0;
  const validTxIds: string[] = [];

  before(async () => {
    devnet = await startTestDevnet();
    org1 = connectClient(devnet);
    const address = devnet.peers[0]?.address as string;
    raw = new RawClient(address, credentialsFor(devnet, address));
    gatewayClient = new gw.GatewayClient(address, credentialsFor(devnet, address));
    deliverClient = new peer.DeliverClient(address, credentialsFor(devnet, address));
    await org1.contract.submitTransaction('put', 'bad-base', 'v0');
    heightAtStart = devnet.height;
  });

  after(async () => {
    raw?.close();
    gatewayClient?.close();
    deliverClient?.close();
    org1?.close();
    if (devnet) {
      await devnet.stop();
      await removeDir(devnet.dataDir);
    }
  });

  void test('bytes that are not a protobuf message are refused with a gRPC error', async (t) => {
    // A length-delimited field claiming far more bytes than follow.
    const garbage = Buffer.from([0x0a, 0xff, 0xff, 0xff, 0x0f, 0x01, 0x02]);
    for (const method of ['evaluate', 'endorse'] as const) {
      await assert.rejects(callRaw(raw, method, garbage), (err: unknown) => {
        const code = grpcCode(err);
        // Fabric (grpc-go) answers an unparseable request with INTERNAL; INVALID_ARGUMENT is also clear.
        assert.ok(
          code === grpc.status.INTERNAL || code === grpc.status.INVALID_ARGUMENT,
          `code ${code}: ${(err as Error).message}`,
        );
        t.diagnostic(`${method}: ${(err as Error).message}`);
        assert.match((err as Error).message, /deserializ|unmarshal|parse|invalid/i);
        return true;
      });
    }
  });

  void test('a signed proposal whose proposal bytes are garbage is INVALID_ARGUMENT for evaluate and endorse', async () => {
    const signed = new peer.SignedProposal();
    signed.setProposalBytes(Buffer.from([0x0a, 0xff, 0xff, 0xff, 0x0f, 0x01]));
    signed.setSignature(randomBytes(70));
    const evaluate = new gw.EvaluateRequest();
    evaluate.setTransactionId('bogus');
    evaluate.setChannelId('supplychain');
    evaluate.setProposedTransaction(signed);
    await assert.rejects(
      callRaw(raw, 'evaluate', Buffer.from(evaluate.serializeBinary())),
      (err: unknown) => {
        assert.equal(grpcCode(err), grpc.status.INVALID_ARGUMENT, (err as Error).message);
        assert.match((err as Error).message, /proposal/i);
        return true;
      },
    );
    const endorse = new gw.EndorseRequest();
    endorse.setTransactionId('bogus');
    endorse.setChannelId('supplychain');
    endorse.setProposedTransaction(signed);
    await assert.rejects(callRaw(raw, 'endorse', Buffer.from(endorse.serializeBinary())), (err: unknown) => {
      assert.equal(grpcCode(err), grpc.status.INVALID_ARGUMENT, (err as Error).message);
      return true;
    });
    const empty = new gw.EndorseRequest();
    await assert.rejects(callRaw(raw, 'endorse', Buffer.from(empty.serializeBinary())), (err: unknown) => {
      assert.equal(grpcCode(err), grpc.status.INVALID_ARGUMENT, (err as Error).message);
      return true;
    });
  });

  void test('a proposal signed with a key that does not match the certificate is refused and nothing is written', async () => {
    const org2Key = userOf(devnet, 'Org2MSP').keyPem;
    const forger = connectClient(devnet, { signer: signerOf(org2Key) });
    try {
      await assert.rejects(forger.contract.submitTransaction('put', 'bad-forged', 'x'), (err: unknown) => {
        assert.ok(err instanceof GatewayError);
        const text = [err.message, ...err.details.map((d) => d.message)].join('\n');
        assert.match(text, /signature|access denied/i);
        return true;
      });
      await assert.rejects(forger.contract.evaluateTransaction('get', 'bad-base'), GatewayError);
      // The chaincode events stream checks the request signature against the channel's Readers policy.
      await assert.rejects(
        (async () => {
          const events = await forger.network.getChaincodeEvents('fixture', { startBlock: 0n });
          try {
            for await (const _ of events) throw new Error('no event expected');
          } finally {
            events.close();
          }
        })(),
        (err: unknown) => {
          assert.equal(grpcCode(err), grpc.status.PERMISSION_DENIED, String(err));
          return true;
        },
      );
    } finally {
      forger.close();
    }
    await assert.rejects(org1.contract.evaluateTransaction('get', 'bad-forged'), /does not exist/);
  });

  void test('an endorsed transaction whose envelope signature is wrong is not committed', async (t) => {
    // Offline signing: the proposal is signed correctly, the final envelope with another key.
    const user = userOf(devnet);
    const good = signerOf(user.keyPem);
    const bad = signerOf(userOf(devnet, 'Org2MSP').keyPem);
    const address = devnet.peers[0]?.address as string;
    const client = new grpc.Client(address, credentialsFor(devnet, address));
    const offline = connect({
      client,
      identity: { mspId: 'Org1MSP', credentials: Buffer.from(user.certPem) },
      hash: hash.sha256,
    });
    try {
      const contract = offline.getNetwork('supplychain').getContract('fixture');
      const unsigned = contract.newProposal('put', { arguments: ['bad-envelope', 'x'] });
      const proposal = offline.newSignedProposal(unsigned.getBytes(), await good(unsigned.getDigest()));
      const tx = await proposal.endorse();
      const forged = offline.newSignedTransaction(tx.getBytes(), await bad(tx.getDigest()));
      try {
        const submitted = await forged.submit();
        const commit = offline.newSignedCommit(submitted.getBytes(), await good(submitted.getDigest()));
        const status = await commit.getStatus();
        assert.notEqual(status.code, StatusCode.VALID);
        assert.equal(status.code, StatusCode.BAD_CREATOR_SIGNATURE);
        t.diagnostic('accepted by the orderer, committed as BAD_CREATOR_SIGNATURE');
      } catch (err) {
        // Fabric's orderer refuses it at broadcast (FORBIDDEN): also fine.
        assert.ok(err instanceof GatewayError, String(err));
        assert.match(
          err.message + err.details.map((d) => d.message).join(' '),
          /FORBIDDEN|signature|denied/i,
        );
        t.diagnostic(`refused at submit: ${err.message}`);
      }
    } finally {
      offline.close();
      client.close();
    }
    await assert.rejects(org1.contract.evaluateTransaction('get', 'bad-envelope'), /does not exist/);
  });

  void test('a submit with an unsigned envelope is INVALID_ARGUMENT', async () => {
    const tx = await org1.contract.newProposal('put', { arguments: ['bad-unsigned', 'x'] }).endorse();
    const prepared = gw.PreparedTransaction.deserializeBinary(tx.getBytes());
    const envelope = prepared.getEnvelope() as common.Envelope;
    envelope.setSignature(new Uint8Array());
    const request = new gw.SubmitRequest();
    request.setTransactionId(prepared.getTransactionId());
    request.setChannelId('supplychain');
    request.setPreparedTransaction(envelope);
    await assert.rejects(
      new Promise((resolve, reject) =>
        gatewayClient.submit(request, (err, res) => (err ? reject(err) : resolve(res))),
      ),
      (err: unknown) => {
        assert.equal(grpcCode(err), grpc.status.INVALID_ARGUMENT, (err as Error).message);
        assert.match((err as Error).message, /sign/i);
        return true;
      },
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    await assert.rejects(org1.contract.evaluateTransaction('get', 'bad-unsigned'), /does not exist/);
  });

  /** One Deliver request on a raw stream; resolves with the first response. */
  function deliverOnce(
    channelId: string,
    sign: (payload: Uint8Array) => Uint8Array,
  ): Promise<peer.DeliverResponse> {
    const user = userOf(devnet);
    const channelHeader = new common.ChannelHeader();
    channelHeader.setType(common.HeaderType.DELIVER_SEEK_INFO);
    channelHeader.setChannelId(channelId);
    const ts = new Timestamp();
    ts.fromDate(new Date());
    channelHeader.setTimestamp(ts);
    const signatureHeader = new common.SignatureHeader();
    signatureHeader.setCreator(identityBytes('Org1MSP', user.certPem));
    signatureHeader.setNonce(randomBytes(24));
    const header = new common.Header();
    header.setChannelHeader(channelHeader.serializeBinary());
    header.setSignatureHeader(signatureHeader.serializeBinary());
    const position = new orderer.SeekPosition();
    const specified = new orderer.SeekSpecified();
    specified.setNumber(0);
    position.setSpecified(specified);
    const seek = new orderer.SeekInfo();
    seek.setStart(position);
    seek.setStop(position);
    seek.setBehavior(orderer.SeekInfo.SeekBehavior.BLOCK_UNTIL_READY);
    const payload = new common.Payload();
    payload.setHeader(header);
    payload.setData(seek.serializeBinary());
    const envelope = new common.Envelope();
    envelope.setPayload(payload.serializeBinary());
    envelope.setSignature(sign(payload.serializeBinary()));
    return new Promise((resolve, reject) => {
      const call = deliverClient.deliver();
      call.on('data', (response: peer.DeliverResponse) => {
        resolve(response);
        call.cancel();
      });
      call.on('error', (err: grpc.ServiceError) => {
        if (err.code !== grpc.status.CANCELLED) reject(err);
      });
      call.write(envelope);
    });
  }

  void test('Deliver for an unknown channel answers with a NOT_FOUND status', async () => {
    const key = userOf(devnet).keyPem;
    const response = await deliverOnce('no-such-channel', (p) => signLowS(key, p));
    assert.equal(response.getTypeCase(), peer.DeliverResponse.TypeCase.STATUS);
    assert.equal(response.getStatus(), common.Status.NOT_FOUND);
    // The same request on the real channel gets block 0, so the request itself was well formed.
    const ok = await deliverOnce('supplychain', (p) => signLowS(key, p));
    assert.equal(ok.getTypeCase(), peer.DeliverResponse.TypeCase.BLOCK);
    assert.equal(ok.getBlock()?.getHeader()?.getNumber(), 0);
  });

  void test('Deliver with a bad signature answers FORBIDDEN', async () => {
    const otherKey = userOf(devnet, 'Org2MSP').keyPem;
    const response = await deliverOnce('supplychain', (p) => signLowS(otherKey, p));
    assert.equal(response.getStatus(), common.Status.FORBIDDEN);
  });

  void test('an unknown channel through the gateway client is an error for block and chaincode events', async () => {
    const network = org1.gateway.getNetwork('no-such-channel');
    const attempt = async (
      open: () => Promise<AsyncIterable<unknown> & { close(): void }>,
    ): Promise<void> => {
      const events = await open();
      try {
        for await (const _ of events) throw new Error('no event expected');
      } finally {
        events.close();
      }
    };
    await assert.rejects(
      attempt(() => network.getChaincodeEvents('fixture', { startBlock: 0n })),
      (err: unknown) => {
        assert.match(String(err), /no-such-channel|NOT_FOUND|not found/i);
        return true;
      },
    );
    await assert.rejects(
      attempt(() => network.getBlockEvents({ startBlock: 0n })),
      (err: unknown) => {
        assert.match(String(err), /NOT_FOUND|not found|404/i);
        return true;
      },
    );
  });

  void test('a message over 16 MiB is RESOURCE_EXHAUSTED', async () => {
    const huge = Buffer.alloc(17 * 1024 * 1024, 0x61);
    await assert.rejects(callRaw(raw, 'evaluate', huge), (err: unknown) => {
      assert.equal(grpcCode(err), grpc.status.RESOURCE_EXHAUSTED, (err as Error).message);
      return true;
    });
    // Through the real client too: a 17 MiB argument.
    await assert.rejects(
      org1.contract.submitTransaction('put', 'bad-huge', huge.toString()),
      (err: unknown) => {
        assert.ok(err instanceof GatewayError, String(err));
        assert.equal(err.code, grpc.status.RESOURCE_EXHAUSTED);
        return true;
      },
    );
  });

  void test('after all the bad input the devnet still serves, and the ledger grew only by valid transactions', async () => {
    const submitted = await org1.contract.submitAsync('put', { arguments: ['bad-after', 'still-ok'] });
    assert.equal((await submitted.getStatus()).code, StatusCode.VALID);
    validTxIds.push(submitted.getTransactionId());
    assert.equal(utf8(await org1.contract.evaluateTransaction('get', 'bad-after')), 'still-ok');
    assert.equal(utf8(await org1.contract.evaluateTransaction('get', 'bad-base')), 'v0');

    const blocks = await readBlocks(org1.network, heightAtStart, devnet.height - 1);
    const txs = blocks.flatMap((b) => {
      const codes = validationCodes(b);
      return (b.getData()?.getDataList_asU8() ?? []).map((env, i) => ({ txId: txIdOf(env), code: codes[i] }));
    });
    // Only an invalid-signature envelope may have reached a block (as BAD_CREATOR_SIGNATURE); every other
    // transaction since the start of this file is the one valid submit.
    const valid = txs.filter((t) => t.code === StatusCode.VALID).map((t) => t.txId);
    assert.deepEqual(valid, validTxIds);
    for (const t of txs.filter((x) => x.code !== StatusCode.VALID))
      assert.equal(t.code, StatusCode.BAD_CREATOR_SIGNATURE);
  });
});
