import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { after, describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { connect, hash } from '@hyperledger/fabric-gateway';
import { gateway, peer } from '../protos';
import { newFastSigner } from '../../../client/src';
import type { Endorser, EndorsementResult } from '../peer/endorser';
import { unpackProposal } from '../protoutil';
import type { Orderer } from '../orderer/orderer';
import type { ChannelView } from './channel-view';
import { GatewayService } from './gateway-service';

// The gateway's planning with stand-in endorsers and channel: a proposal made by the real fabric-gateway
// client (offline: nothing is dialled until a call is made), endorsers that record when they are asked and
// answer on the next turn of the event loop, and a policy that wants both organisations.

const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const client = new grpc.Client('127.0.0.1:1', grpc.credentials.createInsecure());
const fabric = connect({
  client,
  identity: { mspId: 'Org1MSP', credentials: Buffer.from('client certificate') },
  ...newFastSigner(privateKey),
  hash: hash.none,
});
const contract = fabric.getNetwork('supplychain').getContract('both');

function endorseRequest(key: string): gateway.EndorseRequest {
  const proposed = gateway.ProposedTransaction.deserializeBinary(
    contract.newProposal('put', { arguments: [key, 'v'] }).getBytes(),
  );
  const request = new gateway.EndorseRequest();
  request.setTransactionId(proposed.getTransactionId());
  request.setChannelId('supplychain');
  request.setProposedTransaction(proposed.getProposal());
  return request;
}

interface Call {
  readonly mspId: string;
  readonly started: number;
  finished?: number;
}

function fakeEndorser(mspId: string, calls: Call[], tick: () => number): Endorser {
  return {
    address: `peer0.${mspId}:7051`,
    mspId,
    hasChaincode: () => true,
    processProposal: async (signedProposal: peer.SignedProposal): Promise<EndorsementResult> => {
      const call: Call = { mspId, started: tick() };
      calls.push(call);
      await new Promise((resolve) => setImmediate(resolve));
      call.finished = tick();
      const endorsement = new peer.Endorsement();
      endorsement.setEndorser(Buffer.from(mspId));
      endorsement.setSignature(Buffer.from('signature'));
      const response = new peer.ProposalResponse();
      const status = new peer.Response();
      status.setStatus(200);
      response.setResponse(status);
      response.setPayload(Buffer.from('the same result everywhere'));
      response.setEndorsement(endorsement);
      return { unpacked: unpackProposal(signedProposal), response };
    },
  } as unknown as Endorser;
}

/** AND(Org1, Org2): satisfied when both organisations endorsed. */
const channel = {
  checkEndorsement: (_cc: string, signed: readonly { identity: Uint8Array }[]) => {
    const orgs = new Set(signed.map((s) => Buffer.from(s.identity).toString()));
    return orgs.has('Org1MSP') && orgs.has('Org2MSP') ? undefined : 'AND(Org1, Org2) is not satisfied';
  },
} as unknown as ChannelView;

void describe('gateway endorsement planning', () => {
  after(() => {
    fabric.close();
    client.close();
  });

  void it('asks the local peer first, then, once the layout is known, all of its peers in one round', async () => {
    let clock = 0;
    const tick = () => ++clock;
    const calls: Call[] = [];
    const org1 = fakeEndorser('Org1MSP', calls, tick);
    const org2 = fakeEndorser('Org2MSP', calls, tick);
    const service = new GatewayService({
      local: org1,
      endorsers: () => [org1, org2],
      orderer: {} as Orderer,
      ordererAddress: 'orderer:7050',
      channel: () => channel,
    });

    const first = await service.endorse(endorseRequest('k1'));
    assert.ok(first.getPreparedTransaction(), 'the first transaction is endorsed');
    const [local, remote] = calls;
    assert.deepEqual(
      calls.map((c) => c.mspId),
      ['Org1MSP', 'Org2MSP'],
    );
    assert.ok(
      remote && local?.finished !== undefined && remote.started > local.finished,
      'with no layout known yet, Org2 is asked after the local peer answered',
    );

    calls.length = 0;
    const second = await service.endorse(endorseRequest('k2'));
    assert.ok(second.getPreparedTransaction(), 'the second transaction is endorsed');
    const [local2, remote2] = calls;
    assert.deepEqual(
      calls.map((c) => c.mspId),
      ['Org1MSP', 'Org2MSP'],
      'still exactly one endorsement per organisation',
    );
    assert.ok(
      remote2 && local2?.finished !== undefined && remote2.started < local2.finished,
      'with the layout known, Org2 is asked while the local peer is still endorsing',
    );
  });
});
