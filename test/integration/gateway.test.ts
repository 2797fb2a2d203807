import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { CommitError, EndorseError, GatewayError, StatusCode } from '@hyperledger/fabric-gateway';
import { common, gateway as gatewayProtos, peer } from '@hyperledger/fabric-protos';
import type { Devnet } from '../../network/devnet/src/devnet';
import {
  connectClient,
  fixtureSpec,
  readBlocks,
  removeDir,
  startTestDevnet,
  utf8,
  validationCodes,
  txIdOf,
  type Client,
} from './helpers';

void describe('peer Gateway service with the fabric-gateway client', () => {
  let devnet: Devnet;
  let org1: Client;
  let org2: Client;

  before(async () => {
    devnet = await startTestDevnet();
    org1 = connectClient(devnet, { mspId: 'Org1MSP' });
    org2 = connectClient(devnet, { mspId: 'Org2MSP' });
  });

  after(async () => {
    org1?.close();
    org2?.close();
    if (devnet) {
      await devnet.stop();
      await removeDir(devnet.dataDir);
    }
  });

  void test('a submitted put is returned by a later evaluate, from either organisation', async () => {
    await org1.contract.submitTransaction('put', 'gw-k1', 'hello');
    assert.equal(utf8(await org1.contract.evaluateTransaction('get', 'gw-k1')), 'hello');
    assert.equal(utf8(await org2.contract.evaluateTransaction('get', 'gw-k1')), 'hello');
  });

  void test('submitAsync returns the result at once and getStatus reports VALID with the block number', async () => {
    const heightBefore = devnet.height;
    const submitted = await org1.contract.submitAsync('incr', { arguments: ['gw-async'] });
    assert.equal(utf8(submitted.getResult()), '1');
    const status = await submitted.getStatus();
    assert.equal(status.code, StatusCode.VALID);
    assert.equal(status.successful, true);
    assert.equal(status.transactionId, submitted.getTransactionId());
    assert.ok(
      status.blockNumber >= BigInt(heightBefore),
      `block ${status.blockNumber} should be at or after height ${heightBefore}`,
    );
    const [block] = await readBlocks(org1.network, Number(status.blockNumber), Number(status.blockNumber));
    const ids = (block?.getData()?.getDataList_asU8() ?? []).map(txIdOf);
    assert.ok(ids.includes(submitted.getTransactionId()), 'the reported block contains the transaction');
  });

  void test("an EndorseError carries the chaincode's own error text in its details", async () => {
    await assert.rejects(org1.contract.submitTransaction('fail', 'boom from the fixture'), (err: unknown) => {
      assert.ok(err instanceof EndorseError, `expected EndorseError, got ${String(err)}`);
      assert.ok(err.details.length > 0, 'at least one endorser detail');
      for (const d of err.details) {
        assert.match(d.message, /boom from the fixture/);
        assert.ok(d.address.length > 0);
        assert.ok(['Org1MSP', 'Org2MSP'].includes(d.mspId));
      }
      return true;
    });
  });

  void test("an evaluate error carries the chaincode's message", async () => {
    await assert.rejects(org1.contract.evaluateTransaction('get', 'gw-missing'), (err: unknown) => {
      assert.ok(err instanceof GatewayError);
      const text = [err.message, ...err.details.map((d) => d.message)].join('\n');
      assert.match(text, /key gw-missing does not exist/);
      return true;
    });
  });

  void test('two incr proposals endorsed on the same version: one commits VALID, the other MVCC_READ_CONFLICT', async () => {
    await org1.contract.submitTransaction('put', 'gw-mvcc', '10');
    const txA = await org1.contract.newProposal('incr', { arguments: ['gw-mvcc'] }).endorse();
    const txB = await org1.contract.newProposal('incr', { arguments: ['gw-mvcc'] }).endorse();
    assert.equal(utf8(txA.getResult()), '11');
    assert.equal(utf8(txB.getResult()), '11');
    const statusA = await (await txA.submit()).getStatus();
    const statusB = await (await txB.submit()).getStatus();
    assert.equal(statusA.code, StatusCode.VALID);
    assert.equal(statusB.code, StatusCode.MVCC_READ_CONFLICT);
    assert.equal(statusB.code, 11);
    assert.equal(statusB.successful, false);
    assert.equal(
      utf8(await org1.contract.evaluateTransaction('get', 'gw-mvcc')),
      '11',
      'only the valid increment was applied',
    );
  });

  void test('concurrent submits that conflict throw CommitError with MVCC_READ_CONFLICT and are not applied', async () => {
    const results = await Promise.allSettled(
      Array.from({ length: 6 }, () => org1.contract.submitTransaction('incr', 'gw-mvcc-concurrent')),
    );
    const ok = results.filter((r) => r.status === 'fulfilled');
    const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    assert.ok(failed.length > 0, 'six concurrent read-modify-writes of one key must conflict');
    for (const f of failed) {
      assert.ok(f.reason instanceof CommitError, `expected CommitError, got ${String(f.reason)}`);
      assert.equal(f.reason.code, StatusCode.MVCC_READ_CONFLICT);
      assert.match(f.reason.message, /MVCC_READ_CONFLICT/);
    }
    assert.equal(
      utf8(await org1.contract.evaluateTransaction('get', 'gw-mvcc-concurrent')),
      String(ok.length),
    );
  });

  void test('the same signed transaction submitted twice is DUPLICATE_TXID the second time and applied once', async () => {
    await org1.contract.submitTransaction('put', 'gw-dup', '0');
    const tx = await org1.contract.newProposal('incr', { arguments: ['gw-dup'] }).endorse();
    const first = await (await tx.submit()).getStatus();
    assert.equal(first.code, StatusCode.VALID);

    // Re-send the very same signed bytes, as a retry after a lost response would.
    const again = org1.gateway.newTransaction(tx.getBytes());
    assert.equal(again.getTransactionId(), tx.getTransactionId());
    const heightBefore = devnet.height;
    const resubmitted = await again.submit();
    // The committed status of this txid stays the first, valid commit (as Fabric's ledger index keeps it) ...
    const status = await resubmitted.getStatus();
    assert.equal(status.blockNumber, first.blockNumber);
    // ... and the second copy lands in a later block flagged DUPLICATE_TXID.
    const filtered = await org1.network.getFilteredBlockEvents({ startBlock: BigInt(heightBefore) });
    let code: number | undefined;
    try {
      for await (const fb of filtered) {
        const ft = fb.getFilteredTransactionsList().find((t) => t.getTxid() === tx.getTransactionId());
        if (ft) {
          code = ft.getTxValidationCode();
          assert.ok(fb.getNumber() > Number(first.blockNumber));
          break;
        }
      }
    } finally {
      filtered.close();
    }
    assert.equal(code, StatusCode.DUPLICATE_TXID);
    assert.equal(code, 9);
    assert.equal(
      utf8(await org1.contract.evaluateTransaction('get', 'gw-dup')),
      '1',
      'the duplicate was not applied',
    );
  });

  void test('a proposal reusing a committed transaction id is refused at endorsement', async () => {
    const proposal = org1.contract.newProposal('put', { arguments: ['gw-dup-prop', 'x'] });
    await (await (await proposal.endorse()).submit()).getStatus();
    const replay = org1.gateway.newProposal(proposal.getBytes());
    await assert.rejects(replay.endorse(), (err: unknown) => {
      assert.ok(err instanceof EndorseError);
      assert.match(
        [err.message, ...err.details.map((d) => d.message)].join('\n'),
        /duplicate transaction found/,
      );
      return true;
    });
  });

  void test('an unknown chaincode is an error for evaluate and submit', async () => {
    const unknown = org1.network.getContract('no-such-chaincode');
    await assert.rejects(unknown.evaluateTransaction('get', 'k'), (err: unknown) => {
      assert.ok(err instanceof GatewayError);
      assert.match([err.message, ...err.details.map((d) => d.message)].join('\n'), /no-such-chaincode/);
      return true;
    });
    await assert.rejects(unknown.submitTransaction('put', 'k', 'v'), GatewayError);
  });

  void test('an unknown channel is an error for evaluate and submit', async () => {
    const unknown = org1.gateway.getNetwork('no-such-channel').getContract('fixture');
    await assert.rejects(unknown.evaluateTransaction('get', 'k'), (err: unknown) => {
      assert.ok(err instanceof GatewayError);
      assert.match([err.message, ...err.details.map((d) => d.message)].join('\n'), /no-such-channel/);
      return true;
    });
    await assert.rejects(unknown.submitTransaction('put', 'k', 'v'), (err: unknown) => {
      assert.ok(err instanceof GatewayError);
      assert.match(err.message, /no-such-channel/);
      return true;
    });
  });

  void test("whoami sees the caller's MSP ID and certificate subject", async () => {
    const me1 = JSON.parse(utf8(await org1.contract.evaluateTransaction('whoami'))) as {
      mspId: string;
      id: string;
    };
    assert.equal(me1.mspId, 'Org1MSP');
    assert.match(me1.id, /CN=User1@org1\.example\.com/);
    const me2 = JSON.parse(utf8(await org2.contract.evaluateTransaction('whoami'))) as {
      mspId: string;
      id: string;
    };
    assert.equal(me2.mspId, 'Org2MSP');
    assert.match(me2.id, /CN=User1@org2\.example\.com/);
  });

  void test('chaincode-to-chaincode invoke writes to and reads from the callee chaincode', async () => {
    await devnet.deploy(fixtureSpec('fixture2'));
    await devnet.chaincodesReady();
    await org1.contract.submitTransaction('invoke', 'fixture2', 'put', 'gw-cc2cc', 'via-invoke');
    const callee = org1.network.getContract('fixture2');
    assert.equal(utf8(await callee.evaluateTransaction('get', 'gw-cc2cc')), 'via-invoke');
    assert.equal(
      utf8(await org1.contract.evaluateTransaction('invoke', 'fixture2', 'get', 'gw-cc2cc')),
      'via-invoke',
    );
    // Written in the callee's namespace, not the caller's.
    await assert.rejects(org1.contract.evaluateTransaction('get', 'gw-cc2cc'), /does not exist/);
  });

  void test('a rich query fails with the LevelDB "not supported" error', async () => {
    await assert.rejects(
      org1.contract.evaluateTransaction('richQuery', '{"selector":{}}'),
      (err: unknown) => {
        assert.ok(err instanceof GatewayError);
        assert.match(
          [err.message, ...err.details.map((d) => d.message)].join('\n'),
          /ExecuteQuery not supported for leveldb/,
        );
        return true;
      },
    );
  });

  void test("txinfo sees the proposal's transaction id, channel and timestamp", async () => {
    const proposal = org1.contract.newProposal('txinfo');
    const proposed = gatewayProtos.ProposedTransaction.deserializeBinary(proposal.getBytes());
    const signedProposal = proposed.getProposal() as peer.SignedProposal;
    const header = common.Header.deserializeBinary(
      peer.Proposal.deserializeBinary(signedProposal.getProposalBytes_asU8()).getHeader_asU8(),
    );
    const channelHeader = common.ChannelHeader.deserializeBinary(header.getChannelHeader_asU8());
    const ts = channelHeader.getTimestamp();
    assert.ok(ts);
    const info = JSON.parse(utf8(await proposal.evaluate())) as {
      txId: string;
      channelId: string;
      timestamp: { seconds: number; nanos: number };
    };
    assert.equal(info.txId, proposal.getTransactionId());
    assert.equal(info.channelId, 'supplychain');
    assert.deepEqual(info.timestamp, { seconds: ts.getSeconds(), nanos: ts.getNanos() });
  });

  void test('every committed block carries a transactions filter with one code per transaction', async () => {
    const blocks = await readBlocks(org1.network, 1, devnet.height - 1);
    for (const b of blocks) {
      assert.equal(validationCodes(b).length, b.getData()?.getDataList().length);
    }
  });
});
