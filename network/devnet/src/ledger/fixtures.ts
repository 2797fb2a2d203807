// Test-only builders for synthetic Fabric blocks and endorser transactions.
import { common, ledger, peer } from '../protos';
import { blockDataHash, blockHeaderHash } from './blockhash';

const kvrwset = ledger.rwset.kvrwset;

export interface WriteSpec {
  ns?: string;
  key: string;
  value?: string | Uint8Array;
  isDelete?: boolean;
}

export interface TxSpec {
  txId: string;
  channelId?: string;
  /** Chaincode name; also the default namespace of writes. */
  chaincode?: string;
  type?: number;
  timestampSeconds?: number;
  reads?: { ns?: string; key: string; version?: { blockNum: number; txNum: number } }[];
  rangeQueries?: { ns?: string; startKey: string; endKey: string; keys: string[] }[];
  writes?: WriteSpec[];
  metadataWrites?: { ns?: string; key: string; entries: { name: string; value: string }[] }[];
  event?: { name: string; payload: string };
}

const utf8 = (v: string | Uint8Array): Uint8Array => (typeof v === 'string' ? Buffer.from(v, 'utf8') : v);

function version(v: { blockNum: number; txNum: number }): ledger.rwset.kvrwset.Version {
  const out = new kvrwset.Version();
  out.setBlockNum(v.blockNum);
  out.setTxNum(v.txNum);
  return out;
}

function rwset(spec: TxSpec, cc: string): Uint8Array {
  const byNs = new Map<string, ledger.rwset.kvrwset.KVRWSet>();
  const setFor = (ns: string | undefined) => {
    const name = ns ?? cc;
    let set = byNs.get(name);
    if (set === undefined) {
      set = new kvrwset.KVRWSet();
      byNs.set(name, set);
    }
    return set;
  };
  for (const r of spec.reads ?? []) {
    const read = new kvrwset.KVRead();
    read.setKey(r.key);
    if (r.version) read.setVersion(version(r.version));
    setFor(r.ns).addReads(read);
  }
  for (const q of spec.rangeQueries ?? []) {
    const info = new kvrwset.RangeQueryInfo();
    info.setStartKey(q.startKey);
    info.setEndKey(q.endKey);
    info.setItrExhausted(true);
    const raw = new kvrwset.QueryReads();
    raw.setKvReadsList(
      q.keys.map((k) => {
        const read = new kvrwset.KVRead();
        read.setKey(k);
        return read;
      }),
    );
    info.setRawReads(raw);
    setFor(q.ns).addRangeQueriesInfo(info);
  }
  for (const w of spec.writes ?? []) {
    const write = new kvrwset.KVWrite();
    write.setKey(w.key);
    write.setIsDelete(w.isDelete ?? false);
    if (w.value !== undefined) write.setValue(utf8(w.value));
    setFor(w.ns).addWrites(write);
  }
  for (const m of spec.metadataWrites ?? []) {
    const mw = new kvrwset.KVMetadataWrite();
    mw.setKey(m.key);
    mw.setEntriesList(
      m.entries.map((e) => {
        const entry = new kvrwset.KVMetadataEntry();
        entry.setName(e.name);
        entry.setValue(utf8(e.value));
        return entry;
      }),
    );
    setFor(m.ns).addMetadataWrites(mw);
  }
  const tx = new ledger.rwset.TxReadWriteSet();
  tx.setDataModel(ledger.rwset.TxReadWriteSet.DataModel.KV);
  for (const [ns, set] of byNs) {
    const nsSet = new ledger.rwset.NsReadWriteSet();
    nsSet.setNamespace(ns);
    nsSet.setRwset(set.serializeBinary());
    tx.addNsRwset(nsSet);
  }
  return tx.serializeBinary();
}

// protos.ts does not expose google.protobuf.Timestamp, so append ChannelHeader field 3 by hand:
// tag 0x1a, length, then Timestamp{seconds (field 1), nanos (field 2)}.
function withTimestamp(channelHeader: Uint8Array, seconds: number): Uint8Array {
  const ts = Buffer.from([0x08, ...varint(seconds), 0x10, ...varint(5)]);
  return Buffer.concat([channelHeader, Buffer.from([0x1a, ts.length]), ts]);
}

function varint(n: number): number[] {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n % 128) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return out;
}

export function makeEnvelope(spec: TxSpec): Uint8Array {
  const cc = spec.chaincode ?? 'basic';
  const type = spec.type ?? common.HeaderType.ENDORSER_TRANSACTION;
  const chdr = new common.ChannelHeader();
  chdr.setType(type);
  chdr.setChannelId(spec.channelId ?? 'mychannel');
  chdr.setTxId(spec.txId);
  const creator = Buffer.from(`creator-of-${spec.txId}`);
  const shdr = new common.SignatureHeader();
  shdr.setCreator(creator);
  shdr.setNonce(Buffer.from('nonce'));
  const header = new common.Header();
  header.setChannelHeader(withTimestamp(chdr.serializeBinary(), spec.timestampSeconds ?? 1_700_000_000));
  header.setSignatureHeader(shdr.serializeBinary());

  const payload = new common.Payload();
  payload.setHeader(header);
  if (type === common.HeaderType.ENDORSER_TRANSACTION) {
    const ccId = new peer.ChaincodeID();
    ccId.setName(cc);
    ccId.setVersion('1.0');
    const response = new peer.Response();
    response.setStatus(200);
    response.setPayload(Buffer.from('ok'));
    const action = new peer.ChaincodeAction();
    action.setResults(rwset(spec, cc));
    action.setResponse(response);
    action.setChaincodeId(ccId);
    if (spec.event) {
      const ev = new peer.ChaincodeEvent();
      ev.setChaincodeId(cc);
      ev.setTxId(spec.txId);
      ev.setEventName(spec.event.name);
      ev.setPayload(utf8(spec.event.payload));
      action.setEvents(ev.serializeBinary());
    }
    const prp = new peer.ProposalResponsePayload();
    prp.setProposalHash(Buffer.alloc(32, 1));
    prp.setExtension$(action.serializeBinary());
    const endorsement = new peer.Endorsement();
    endorsement.setEndorser(Buffer.from('endorser'));
    endorsement.setSignature(Buffer.from('endorser-sig'));
    const endorsed = new peer.ChaincodeEndorsedAction();
    endorsed.setProposalResponsePayload(prp.serializeBinary());
    endorsed.setEndorsementsList([endorsement]);
    const cap = new peer.ChaincodeActionPayload();
    cap.setChaincodeProposalPayload(Buffer.from('proposal'));
    cap.setAction(endorsed);
    const txAction = new peer.TransactionAction();
    txAction.setHeader(shdr.serializeBinary());
    txAction.setPayload(cap.serializeBinary());
    const tx = new peer.Transaction();
    tx.addActions(txAction);
    payload.setData(tx.serializeBinary());
  } else {
    payload.setData(Buffer.from('config-envelope'));
  }
  const env = new common.Envelope();
  env.setPayload(payload.serializeBinary());
  env.setSignature(Buffer.from('client-sig'));
  return env.serializeBinary();
}

export interface BlockSpec {
  number: number;
  previousHash: Uint8Array;
  envelopes: Uint8Array[];
  /** Validation codes; defaults to all VALID. */
  codes?: number[];
}

export function makeBlock(spec: BlockSpec): common.Block {
  const header = new common.BlockHeader();
  header.setNumber(spec.number);
  header.setPreviousHash(spec.previousHash);
  header.setDataHash(blockDataHash(spec.envelopes));
  const data = new common.BlockData();
  data.setDataList(spec.envelopes);
  const metadata = new common.BlockMetadata();
  const codes = spec.codes ?? spec.envelopes.map(() => peer.TxValidationCode.VALID);
  metadata.setMetadataList([
    new Uint8Array(0),
    new Uint8Array(0),
    Uint8Array.from(codes),
    new Uint8Array(0),
    new Uint8Array(0),
  ]);
  const block = new common.Block();
  block.setHeader(header);
  block.setData(data);
  block.setMetadata(metadata);
  return block;
}

/** Builds a hash-linked chain starting at the genesis config block. */
export class ChainBuilder {
  #number = 0;
  #previousHash: Uint8Array = new Uint8Array(0);

  genesis(txId = 'genesis-tx'): common.Block {
    return this.next([makeEnvelope({ txId, type: common.HeaderType.CONFIG })]);
  }

  next(envelopes: Uint8Array[], codes?: number[]): common.Block {
    const block = makeBlock({
      number: this.#number,
      previousHash: this.#previousHash,
      envelopes,
      ...(codes ? { codes } : {}),
    });
    this.#number++;
    this.#previousHash = blockHeaderHash(block.getHeader()!);
    return block;
  }

  get nextNumber(): number {
    return this.#number;
  }
}
