import 'reflect-metadata';
import assert from 'node:assert/strict';
import { createHash, webcrypto } from 'node:crypto';
import { test } from 'node:test';
import * as x509 from '@peculiar/x509';
import { Timestamp } from 'google-protobuf/google/protobuf/timestamp_pb';
import { common, ledger, msp, peer } from '@hyperledger/fabric-protos';
import { blockHeaderBytes, parseBlock } from './blocks';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

async function certificate(cn: string, attrs?: Record<string, string>): Promise<Uint8Array> {
  const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const keys = await webcrypto.subtle.generateKey(alg, false, ['sign', 'verify']);
  const extensions = attrs
    ? [new x509.Extension('1.2.3.4.5.6.7.8.1', false, Buffer.from(JSON.stringify({ attrs })))]
    : [];
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01',
    name: `CN=${cn}, O=Org1`,
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + 3_600_000),
    keys: keys,
    signingAlgorithm: alg,
    extensions,
  });
  return new Uint8Array(cert.rawData);
}

interface TxSpec {
  txId: string;
  cert: Uint8Array;
  args: string[];
  writes: { ns: string; key: string; value?: string }[];
  event?: { name: string; payload: string };
  type?: number;
}

function envelope(spec: TxSpec): Uint8Array {
  const chdr = new common.ChannelHeader();
  chdr.setType(spec.type ?? common.HeaderType.ENDORSER_TRANSACTION);
  chdr.setTxId(spec.txId);
  chdr.setChannelId('ch');
  const ts = new Timestamp();
  ts.setSeconds(1_700_000_000);
  ts.setNanos(5);
  chdr.setTimestamp(ts);
  const creator = new msp.SerializedIdentity();
  creator.setMspid('Org1MSP');
  creator.setIdBytes(spec.cert);
  const shdr = new common.SignatureHeader();
  shdr.setCreator(creator.serializeBinary());
  const header = new common.Header();
  header.setChannelHeader(chdr.serializeBinary());
  header.setSignatureHeader(shdr.serializeBinary());

  const byNs = new Map<string, ledger.rwset.kvrwset.KVWrite[]>();
  for (const w of spec.writes) {
    const kvw = new ledger.rwset.kvrwset.KVWrite();
    kvw.setKey(w.key);
    if (w.value === undefined) kvw.setIsDelete(true);
    else kvw.setValue(Buffer.from(w.value));
    byNs.set(w.ns, [...(byNs.get(w.ns) ?? []), kvw]);
  }
  const rwset = new ledger.rwset.TxReadWriteSet();
  for (const [ns, writes] of byNs) {
    const kv = new ledger.rwset.kvrwset.KVRWSet();
    kv.setWritesList(writes);
    const nsrw = new ledger.rwset.NsReadWriteSet();
    nsrw.setNamespace(ns);
    nsrw.setRwset(kv.serializeBinary());
    rwset.addNsRwset(nsrw);
  }
  const cca = new peer.ChaincodeAction();
  const ccid = new peer.ChaincodeID();
  ccid.setName('manusquare');
  cca.setChaincodeId(ccid);
  cca.setResults(rwset.serializeBinary());
  if (spec.event) {
    const ev = new peer.ChaincodeEvent();
    ev.setChaincodeId('manusquare');
    ev.setTxId(spec.txId);
    ev.setEventName(spec.event.name);
    ev.setPayload(Buffer.from(spec.event.payload));
    cca.setEvents(ev.serializeBinary());
  }
  const prp = new peer.ProposalResponsePayload();
  prp.setExtension$(cca.serializeBinary());
  const endorsed = new peer.ChaincodeEndorsedAction();
  endorsed.setProposalResponsePayload(prp.serializeBinary());

  const input = new peer.ChaincodeInput();
  input.setArgsList(spec.args.map((a) => Buffer.from(a)));
  const ccSpec = new peer.ChaincodeSpec();
  ccSpec.setChaincodeId(ccid);
  ccSpec.setInput(input);
  const cis = new peer.ChaincodeInvocationSpec();
  cis.setChaincodeSpec(ccSpec);
  const ccpp = new peer.ChaincodeProposalPayload();
  ccpp.setInput(cis.serializeBinary());

  const cap = new peer.ChaincodeActionPayload();
  cap.setChaincodeProposalPayload(ccpp.serializeBinary());
  cap.setAction(endorsed);
  const action = new peer.TransactionAction();
  action.setPayload(cap.serializeBinary());
  const tx = new peer.Transaction();
  tx.addActions(action);

  const payload = new common.Payload();
  payload.setHeader(header);
  payload.setData(tx.serializeBinary());
  const env = new common.Envelope();
  env.setPayload(payload.serializeBinary());
  return env.serializeBinary();
}

function block(number: number, envelopes: Uint8Array[], codes: number[]): common.Block {
  const header = new common.BlockHeader();
  header.setNumber(number);
  header.setPreviousHash(Buffer.alloc(32, 1));
  header.setDataHash(Buffer.alloc(32, 2));
  const data = new common.BlockData();
  data.setDataList(envelopes);
  const metadata = new common.BlockMetadata();
  const list: Uint8Array[] = [
    new Uint8Array(0),
    new Uint8Array(0),
    Uint8Array.from(codes),
    new Uint8Array(0),
  ];
  metadata.setMetadataList(list);
  const b = new common.Block();
  b.setHeader(header);
  b.setData(data);
  b.setMetadata(metadata);
  return b;
}

void test('block header bytes are Go asn1.Marshal of {Number, PreviousHash, DataHash}', () => {
  const data = Buffer.alloc(32, 0xab);
  assert.equal(
    blockHeaderBytes(0n, new Uint8Array(0), data).subarray(0, 9).toString('hex'),
    '302702010004000420',
  );
  assert.equal(blockHeaderBytes(128n, data, data).subarray(0, 8).toString('hex'), '3048020200800420');
  assert.equal(blockHeaderBytes(256n, data, data).subarray(2, 6).toString('hex'), '02020100');
  assert.equal(
    blockHeaderBytes(1n, Buffer.alloc(100), Buffer.alloc(100)).subarray(0, 3).toString('hex'),
    '3081cf',
  );
});

void test('parseBlock decodes headers, creators, function, writes, events and validation codes', async () => {
  const caCert = await certificate('ignored-cn', { 'hf.EnrollmentID': 'dev-7', role: 'device' });
  const cnCert = await certificate('User1@org1.example.com');
  const b = block(
    3,
    [
      envelope({
        txId: 'tx-a',
        cert: caCert,
        args: ['negotiation:createOffer', '{}'],
        writes: [
          { ns: 'manusquare', key: '\u0000negotiation\u0000n1\u0000', value: '{"id":"n1"}' },
          { ns: 'manusquare', key: 'gone' },
          { ns: '_lifecycle', key: 'x', value: 'y' },
        ],
        event: { name: 'OfferCreated', payload: '{"parties":[]}' },
      }),
      envelope({ txId: 'tx-b', cert: cnCert, args: ['order:closeOrder', 'o1'], writes: [] }),
      Buffer.from([0xff, 0x01, 0x02]),
    ],
    [
      peer.TxValidationCode.VALID,
      peer.TxValidationCode.MVCC_READ_CONFLICT,
      peer.TxValidationCode.BAD_PAYLOAD,
    ],
  );
  const parsed = parseBlock(b);
  assert.equal(parsed.number, 3n);
  const expectedHash = createHash('sha256')
    .update(blockHeaderBytes(3n, Buffer.alloc(32, 1), Buffer.alloc(32, 2)))
    .digest('hex');
  assert.equal(parsed.hash, expectedHash);
  assert.equal(parsed.previousHash, '01'.repeat(32));
  assert.equal(parsed.transactions.length, 3);

  const [a, bTx, bad] = parsed.transactions;
  assert.ok(a && bTx && bad);
  assert.equal(a.txId, 'tx-a');
  assert.equal(a.type, 'ENDORSER_TRANSACTION');
  assert.equal(a.timestamp, '2023-11-14T22:13:20.000000005Z');
  assert.equal(a.creatorMspId, 'Org1MSP');
  assert.equal(a.creatorId, 'Org1MSP:dev-7');
  assert.equal(a.validationCode, 'VALID');
  assert.equal(a.valid, true);
  assert.equal(a.chaincode, 'manusquare');
  assert.equal(a.function, 'negotiation:createOffer');
  assert.deepEqual(
    a.writes.map((w) => [w.namespace, w.key, w.isDelete, w.value && Buffer.from(w.value).toString()]),
    [
      ['manusquare', '\u0000negotiation\u0000n1\u0000', false, '{"id":"n1"}'],
      ['manusquare', 'gone', true, undefined],
    ],
  );
  assert.deepEqual(
    a.events.map((e) => [e.chaincodeId, e.name, Buffer.from(e.payload).toString(), e.index]),
    [['manusquare', 'OfferCreated', '{"parties":[]}', 0]],
  );

  assert.equal(bTx.creatorId, 'Org1MSP:User1@org1.example.com');
  assert.equal(bTx.validationCode, 'MVCC_READ_CONFLICT');
  assert.equal(bTx.valid, false);
  assert.equal(bTx.function, 'order:closeOrder');

  assert.equal(bad.validationCode, 'BAD_PAYLOAD');
  assert.equal(bad.valid, false);
  assert.deepEqual(bad.writes, []);
});
