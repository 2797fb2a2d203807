// The committer's validation beyond MVCC: endorsement policies (signature policies and the channel's
// MAJORITY default) and phantom reads of range queries.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { StatusCode } from '@hyperledger/fabric-gateway';
import { common, peer } from '@hyperledger/fabric-protos';
import type { Devnet } from '../../network/devnet/src/devnet';
import { connectClient, FIXTURE_PATH, removeDir, startTestDevnet, utf8, type Client } from './helpers';

/** Number of endorsements in a committed transaction, read from its envelope. */
function endorsementCount(envelopeBytes: Uint8Array): number {
  const payload = common.Payload.deserializeBinary(
    common.Envelope.deserializeBinary(envelopeBytes).getPayload_asU8(),
  );
  const tx = peer.Transaction.deserializeBinary(payload.getData_asU8());
  const action = peer.ChaincodeActionPayload.deserializeBinary(
    tx.getActionsList()[0]?.getPayload_asU8() ?? new Uint8Array(),
  );
  return action.getAction()?.getEndorsementsList().length ?? 0;
}

void describe('committer validation: endorsement policies and phantom reads', () => {
  let devnet: Devnet;
  let org1: Client;

  before(async () => {
    devnet = await startTestDevnet();
    await devnet.deploy({
      name: 'both',
      path: FIXTURE_PATH,
      endorsementPolicy: "AND('Org1MSP.peer','Org2MSP.peer')",
    });
    await devnet.deploy({ name: 'majority', path: FIXTURE_PATH });
    await devnet.deploy({
      name: 'three',
      path: FIXTURE_PATH,
      endorsementPolicy: "OutOf(3, 'Org1MSP.peer', 'Org1MSP.peer', 'Org2MSP.peer')",
    });
    await devnet.chaincodesReady();
    org1 = connectClient(devnet, { mspId: 'Org1MSP' });
  });

  after(async () => {
    org1?.close();
    if (devnet) {
      await devnet.stop();
      await removeDir(devnet.dataDir);
    }
  });

  void test('under AND(Org1, Org2) the gateway collects both organisations and the transaction commits', async () => {
    const contract = org1.network.getContract('both');
    const tx = await (await contract.newProposal('put', { arguments: ['and-k', 'v'] }).endorse()).submit();
    const status = await tx.getStatus();
    assert.equal(status.code, StatusCode.VALID);
    assert.equal(endorsementCount(await envelopeOf(org1, tx.getTransactionId())), 2);
    assert.equal(utf8(await contract.evaluateTransaction('get', 'and-k')), 'v');
  });

  void test('under AND(Org1, Org2) an endorsement forced missing gives ENDORSEMENT_POLICY_FAILURE and writes nothing', async () => {
    const contract = org1.network.getContract('both');
    const proposal = contract.newProposal('put', {
      arguments: ['and-missing', 'v'],
      endorsingOrganizations: ['Org1MSP'],
    });
    const tx = await (await proposal.endorse()).submit();
    const status = await tx.getStatus();
    assert.equal(status.code, StatusCode.ENDORSEMENT_POLICY_FAILURE);
    await assert.rejects(contract.evaluateTransaction('get', 'and-missing'), /does not exist/);
  });

  void test("with no policy of its own a chaincode needs the channel's MAJORITY Endorsement: both organisations", async () => {
    const contract = org1.network.getContract('majority');
    const committed = await contract.submitAsync('put', { arguments: ['maj-k', 'v'] });
    assert.equal((await committed.getStatus()).code, StatusCode.VALID);
    assert.equal(endorsementCount(await envelopeOf(org1, committed.getTransactionId())), 2);

    const forced = await (
      await contract
        .newProposal('put', { arguments: ['maj-missing', 'v'], endorsingOrganizations: ['Org2MSP'] })
        .endorse()
    ).submit();
    assert.equal((await forced.getStatus()).code, StatusCode.ENDORSEMENT_POLICY_FAILURE);
  });

  void test('a policy needing three endorsements is met by all three peers (two of Org1, one of Org2)', async () => {
    const contract = org1.network.getContract('three');
    const committed = await contract.submitAsync('put', { arguments: ['three-k', 'v'] });
    assert.equal((await committed.getStatus()).code, StatusCode.VALID);
    assert.equal(endorsementCount(await envelopeOf(org1, committed.getTransactionId())), 3);
    // Later transactions ask the remembered peers (both of the others at once): still all three.
    for (const key of ['three-k2', 'three-k3']) {
      const again = await contract.submitAsync('put', { arguments: [key, 'v'] });
      assert.equal((await again.getStatus()).code, StatusCode.VALID);
      assert.equal(endorsementCount(await envelopeOf(org1, again.getTransactionId())), 3);
    }
  });

  void test('a key inserted into a range after the range was read gives PHANTOM_READ_CONFLICT', async () => {
    await org1.contract.submitTransaction('putMany', 'ph-', '3', 'x');
    // The range read is endorsed (and so recorded) before a new key lands inside the range.
    const scan = await org1.contract.newProposal('rangeAll', { arguments: ['ph-', 'ph-~'] }).endorse();
    await org1.contract.submitTransaction('put', 'ph-0001a', 'inserted');
    const status = await (await scan.submit()).getStatus();
    assert.equal(status.code, StatusCode.PHANTOM_READ_CONFLICT);
  });

  void test('a range read with no concurrent change in the range commits VALID', async () => {
    await org1.contract.submitTransaction('putMany', 'quiet-', '3', 'x');
    const scan = await org1.contract.newProposal('rangeAll', { arguments: ['quiet-', 'quiet-~'] }).endorse();
    await org1.contract.submitTransaction('put', 'other-key', 'outside the range');
    assert.equal((await (await scan.submit()).getStatus()).code, StatusCode.VALID);
  });
});

/** The committed envelope of a transaction, through the Deliver service. */
async function envelopeOf(client: Client, txId: string): Promise<Uint8Array> {
  const events = await client.network.getBlockEvents({ startBlock: 0n });
  try {
    for await (const block of events) {
      for (const env of block.getData()?.getDataList_asU8() ?? []) {
        const payload = common.Payload.deserializeBinary(
          common.Envelope.deserializeBinary(env).getPayload_asU8(),
        );
        const header = common.ChannelHeader.deserializeBinary(
          payload.getHeader()?.getChannelHeader_asU8() ?? new Uint8Array(),
        );
        if (header.getTxId() === txId) return env;
      }
    }
  } finally {
    events.close();
  }
  throw new Error(`transaction ${txId} not found`);
}
