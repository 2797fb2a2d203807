import assert from 'node:assert/strict';
import { test } from 'node:test';
import { common } from '../protos';
import { blockHeaderBytes } from './blockhash';
import { MalformedTransactionError } from './errors';
import { makeEnvelope } from './fixtures';
import { parseTransaction, parseTxHeader } from './txparse';

const text = (b: Uint8Array | undefined): string => Buffer.from(b ?? []).toString('utf8');

void test('parses an endorser transaction down to the kv rwset', () => {
  const env = makeEnvelope({
    txId: 'tx1',
    chaincode: 'asset',
    timestampSeconds: 1234,
    reads: [{ key: 'r1', version: { blockNum: 7, txNum: 3 } }, { key: 'r2' }],
    rangeQueries: [{ startKey: 'a', endKey: 'c', keys: ['a1', 'b1'] }],
    writes: [
      { key: 'k1', value: 'v1' },
      { key: 'k2', isDelete: true },
      { ns: 'other', key: 'x', value: 'y' },
    ],
    metadataWrites: [{ key: 'k1', entries: [{ name: 'VALIDATION_PARAMETER', value: 'policy' }] }],
    event: { name: 'Created', payload: 'evt' },
  });
  const tx = parseTransaction(env);
  assert.equal(tx.txId, 'tx1');
  assert.equal(tx.channelId, 'mychannel');
  assert.equal(tx.type, common.HeaderType.ENDORSER_TRANSACTION);
  assert.deepEqual(tx.timestamp, { seconds: 1234, nanos: 5 });
  assert.equal(text(tx.creator), 'creator-of-tx1');
  assert.equal(text(tx.nonce), 'nonce');
  assert.equal(text(tx.signature), 'client-sig');
  assert.equal(tx.actions.length, 1);
  const action = tx.actions[0]!;
  assert.equal(action.chaincodeName, 'asset');
  assert.equal(action.response.status, 200);
  assert.equal(text(action.response.payload), 'ok');
  assert.deepEqual(
    action.endorsements.map((e) => text(e.endorser)),
    ['endorser'],
  );
  assert.deepEqual(action.event && { ...action.event, payload: text(action.event.payload) }, {
    chaincodeId: 'asset',
    txId: 'tx1',
    eventName: 'Created',
    payload: 'evt',
  });
  assert.deepEqual(
    action.nsRwSets.map((s) => s.namespace),
    ['asset', 'other'],
  );
  const ns = action.nsRwSets[0]!;
  assert.deepEqual(ns.reads, [{ key: 'r1', version: { blockNum: 7, txNum: 3 } }, { key: 'r2' }]);
  assert.equal(ns.rangeQueries[0]?.startKey, 'a');
  assert.equal(ns.rangeQueries[0]?.itrExhausted, true);
  assert.deepEqual(
    ns.rangeQueries[0]?.rawReads?.map((r) => r.key),
    ['a1', 'b1'],
  );
  assert.deepEqual(
    ns.writes.map((w) => [w.key, w.isDelete, text(w.value)]),
    [
      ['k1', false, 'v1'],
      ['k2', true, ''],
    ],
  );
  assert.equal(ns.metadataWrites[0]?.entries[0]?.name, 'VALIDATION_PARAMETER');
  assert.equal(text(ns.metadataWrites[0]?.entries[0]?.value), 'policy');
  // The payload bytes are exactly what the envelope signature covers.
  assert.deepEqual(
    Buffer.from(tx.payloadBytes),
    Buffer.from(common.Envelope.deserializeBinary(env).getPayload_asU8()),
  );
});

void test('config transactions decode headers only', () => {
  const tx = parseTransaction(makeEnvelope({ txId: 'cfg', type: common.HeaderType.CONFIG }));
  assert.equal(tx.type, common.HeaderType.CONFIG);
  assert.equal(tx.txId, 'cfg');
  assert.deepEqual(tx.actions, []);
  assert.equal(text(tx.data), 'config-envelope');
});

void test('garbage and truncated envelopes raise MalformedTransactionError', () => {
  assert.throws(() => parseTransaction(new Uint8Array(0)), MalformedTransactionError);
  assert.throws(() => parseTransaction(Buffer.from([0xff, 0xff, 0xff])), MalformedTransactionError);
  const env = makeEnvelope({ txId: 'tx', writes: [{ key: 'k', value: 'v' }] });
  assert.throws(() => parseTransaction(env.subarray(0, env.length - 20)), MalformedTransactionError);
  const noPayload = new common.Envelope();
  noPayload.setSignature(Buffer.from('sig'));
  assert.throws(() => parseTransaction(noPayload.serializeBinary()), /envelope has no payload/);
  const headerless = new common.Payload();
  headerless.setData(Buffer.from('data'));
  noPayload.setPayload(headerless.serializeBinary());
  assert.throws(() => parseTransaction(noPayload.serializeBinary()), /missing payload header/);
  // The header-only decoder still recovers the txid of a tx whose body is damaged.
  const payload = common.Payload.deserializeBinary(common.Envelope.deserializeBinary(env).getPayload_asU8());
  payload.setData(Buffer.from([0x0a, 0xff]));
  const damaged = new common.Envelope();
  damaged.setPayload(payload.serializeBinary());
  assert.throws(() => parseTransaction(damaged.serializeBinary()), MalformedTransactionError);
  assert.equal(parseTxHeader(damaged.serializeBinary()).txId, 'tx');
});

void test('block header bytes match Go asn1.Marshal of the header struct', () => {
  const data = Buffer.alloc(32, 0xab);
  const zero = Buffer.from(blockHeaderBytes(0, new Uint8Array(0), data));
  assert.equal(zero.subarray(0, 9).toString('hex'), '302702010004000420');
  assert.equal(zero.length, 2 + 0x27);
  assert.equal(
    Buffer.from(blockHeaderBytes(128, data, data))
      .subarray(0, 8)
      .toString('hex'),
    '3048020200800420',
  );
  assert.equal(
    Buffer.from(blockHeaderBytes(256, data, data))
      .subarray(2, 6)
      .toString('hex'),
    '02020100',
  );
  // Long-form length once the body exceeds 127 bytes.
  const big = Buffer.from(blockHeaderBytes(1, Buffer.alloc(100), Buffer.alloc(100)));
  assert.equal(big.subarray(0, 3).toString('hex'), '3081cf');
});
