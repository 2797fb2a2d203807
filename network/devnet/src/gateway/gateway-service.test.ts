import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { after, describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { connect, hash } from '@hyperledger/fabric-gateway';
import { gateway, google, peer } from '../protos';
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
  /** `<peer>.<mspId>` */
  readonly peer: string;
  readonly started: number;
  finished?: number;
}

interface FakeOptions {
  readonly name?: string;
  /** While true, the chaincode answers 500 with an empty payload, as a failed invocation does. */
  failing?: boolean;
}

function fakeEndorser(mspId: string, calls: Call[], tick: () => number, options: FakeOptions = {}): Endorser {
  const name = options.name ?? 'peer0';
  return {
    address: `${name}.${mspId}:7051`,
    mspId,
    hasChaincode: () => true,
    processProposal: async (signedProposal: peer.SignedProposal): Promise<EndorsementResult> => {
      const call: Call = { peer: `${name}.${mspId}`, started: tick() };
      calls.push(call);
      await new Promise((resolve) => setImmediate(resolve));
      call.finished = tick();
      const endorsement = new peer.Endorsement();
      endorsement.setEndorser(Buffer.from(mspId));
      endorsement.setSignature(Buffer.from('signature'));
      const response = new peer.ProposalResponse();
      const status = new peer.Response();
      status.setStatus(options.failing ? 500 : 200);
      status.setMessage(options.failing ? `chaincode failed on ${name}.${mspId}` : '');
      response.setResponse(status);
      if (!options.failing) response.setPayload(Buffer.from('the same result everywhere'));
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

function gatewayOn(local: Endorser, endorsers: readonly Endorser[]): GatewayService {
  return new GatewayService({
    local,
    endorsers: () => endorsers,
    orderer: {} as Orderer,
    ordererAddress: 'orderer:7050',
    channel: () => channel,
  });
}

/** Endorses `key`, checks it took exactly one endorsement per organisation, returns the two calls in order. */
async function endorseOncePerOrg(
  service: GatewayService,
  calls: Call[],
  key: string,
): Promise<[Call | undefined, Call | undefined]> {
  calls.length = 0;
  const response = await service.endorse(endorseRequest(key));
  assert.ok(response.getPreparedTransaction(), `the transaction writing ${key} is endorsed`);
  assert.deepEqual(
    calls.map((c) => c.peer),
    ['peer0.Org1MSP', 'peer0.Org2MSP'],
    'exactly one endorsement per organisation',
  );
  return [calls[0], calls[1]];
}

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
    const service = gatewayOn(org1, [org1, org2]);

    const [local, remote] = await endorseOncePerOrg(service, calls, 'k1');
    assert.ok(
      remote && local?.finished !== undefined && remote.started > local.finished,
      'with no layout known yet, Org2 is asked after the local peer answered',
    );

    const [local2, remote2] = await endorseOncePerOrg(service, calls, 'k2');
    assert.ok(
      remote2 && local2?.finished !== undefined && remote2.started < local2.finished,
      'with the layout known, Org2 is asked while the local peer is still endorsing',
    );
  });

  void it('when the local peer fails in the joint round, asks another peer of its organisation, as before', async () => {
    let clock = 0;
    const tick = () => ++clock;
    const calls: Call[] = [];
    const localOptions: FakeOptions = {};
    const org1a = fakeEndorser('Org1MSP', calls, tick, localOptions);
    const org1b = fakeEndorser('Org1MSP', calls, tick, { name: 'peer1' });
    const org2 = fakeEndorser('Org2MSP', calls, tick);
    const service = gatewayOn(org1a, [org1a, org1b, org2]);
    await service.endorse(endorseRequest('k1'));

    localOptions.failing = true;
    calls.length = 0;
    const endorsed = await service.endorse(endorseRequest('k2'));
    assert.ok(endorsed.getPreparedTransaction(), 'endorsed by the other Org1 peer and by Org2');
    assert.deepEqual(
      calls.map((c) => c.peer),
      ['peer0.Org1MSP', 'peer0.Org2MSP', 'peer1.Org1MSP'],
    );

    const stillFailing = fakeEndorser('Org1MSP', calls, tick, { name: 'peer1', failing: true });
    const alone = gatewayOn(org1a, [org1a, stillFailing, org2]);
    localOptions.failing = false;
    await alone.endorse(endorseRequest('k3'));
    localOptions.failing = true;
    await assert.rejects(alone.endorse(endorseRequest('k4')), (err: Error & { metadata?: grpc.Metadata }) => {
      assert.match(err.message, /failed to endorse transaction/);
      const [bin] = err.metadata?.get('grpc-status-details-bin') ?? [];
      assert.ok(bin instanceof Buffer, 'error details are attached');
      const details = google.rpc.Status.deserializeBinary(bin)
        .getDetailsList()
        .map((any) => gateway.ErrorDetail.deserializeBinary(any.getValue_asU8()).getMessage());
      assert.deepEqual(
        details.filter((m) => m.includes('Org1MSP')),
        ['chaincode failed on peer0.Org1MSP', 'chaincode failed on peer1.Org1MSP'],
        'one detail per failed peer of the organisation, with the chaincode message',
      );
      return true;
    });
  });
});
