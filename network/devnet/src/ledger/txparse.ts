import { common, ledger, peer } from '../protos';
import { MalformedTransactionError } from './errors';
import type {
  ChaincodeEventInfo,
  CollectionHashedRwSetInfo,
  KVReadInfo,
  NsRwSet,
  ParsedTransaction,
  RangeQueryInfo,
  TransactionActionInfo,
} from './types';

const kvrwset = ledger.rwset.kvrwset;
const ENDORSER_TRANSACTION = common.HeaderType.ENDORSER_TRANSACTION;
const EMPTY = new Uint8Array(0);

// google-protobuf does not validate much and can throw arbitrary errors (or assertion failures)
// on garbage; every step is wrapped so callers see one error type naming the failed layer.
function decode<T>(what: string, txHint: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw new MalformedTransactionError(`${txHint}cannot decode ${what}: ${(err as Error).message}`, {
      cause: err,
    });
  }
}

function required<T>(value: T | undefined, what: string, txHint: string): T {
  if (value === undefined) throw new MalformedTransactionError(`${txHint}missing ${what}`);
  return value;
}

/**
 * Decodes an envelope into plain data. Non-endorser transactions (config etc.) get their headers
 * decoded and `actions: []`. Semantic checks (empty actions, signatures, txid derivation) belong
 * to validation, not here; this only fails when bytes do not decode or mandatory parts are absent.
 */
export function parseTransaction(envelopeBytes: Uint8Array): ParsedTransaction {
  if (envelopeBytes.length === 0) throw new MalformedTransactionError('empty envelope');
  const envelope = decode('Envelope', '', () => common.Envelope.deserializeBinary(envelopeBytes));
  const payloadBytes = envelope.getPayload_asU8();
  if (payloadBytes.length === 0) throw new MalformedTransactionError('envelope has no payload');
  const payload = decode('Payload', '', () => common.Payload.deserializeBinary(payloadBytes));
  const header = required(payload.getHeader(), 'payload header', '');
  const channelHeaderBytes = header.getChannelHeader_asU8();
  const signatureHeaderBytes = header.getSignatureHeader_asU8();
  const chdr = decode('ChannelHeader', '', () => common.ChannelHeader.deserializeBinary(channelHeaderBytes));
  const txId = chdr.getTxId();
  const hint = txId ? `tx ${txId}: ` : '';
  const shdr = decode('SignatureHeader', hint, () =>
    common.SignatureHeader.deserializeBinary(signatureHeaderBytes),
  );
  const ts = chdr.getTimestamp();
  const type = chdr.getType();
  const data = payload.getData_asU8();

  const parsed: ParsedTransaction = {
    txId,
    channelId: chdr.getChannelId(),
    type,
    version: chdr.getVersion(),
    epoch: chdr.getEpoch(),
    creator: shdr.getCreator_asU8(),
    nonce: shdr.getNonce_asU8(),
    signature: envelope.getSignature_asU8(),
    payloadBytes,
    channelHeaderBytes,
    signatureHeaderBytes,
    data,
    actions: [],
  };
  if (ts !== undefined) parsed.timestamp = { seconds: ts.getSeconds(), nanos: ts.getNanos() };
  if (type !== ENDORSER_TRANSACTION) return parsed;

  const extension = chdr.getExtension_asU8();
  if (extension.length > 0) {
    const ext = decode('ChaincodeHeaderExtension', hint, () =>
      peer.ChaincodeHeaderExtension.deserializeBinary(extension),
    );
    const name = ext.getChaincodeId()?.getName();
    if (name) parsed.headerChaincodeName = name;
  }
  const tx = decode('Transaction', hint, () => peer.Transaction.deserializeBinary(data));
  parsed.actions = tx.getActionsList().map((action, i) => parseAction(action, `${hint}action ${i}: `));
  return parsed;
}

function parseAction(action: peer.TransactionAction, hint: string): TransactionActionInfo {
  const capBytes = action.getPayload_asU8();
  const cap = decode('ChaincodeActionPayload', hint, () =>
    peer.ChaincodeActionPayload.deserializeBinary(capBytes),
  );
  const endorsed = required(cap.getAction(), 'ChaincodeEndorsedAction', hint);
  const prpBytes = endorsed.getProposalResponsePayload_asU8();
  const prp = decode('ProposalResponsePayload', hint, () =>
    peer.ProposalResponsePayload.deserializeBinary(prpBytes),
  );
  const ccaBytes = prp.getExtension_asU8();
  const cca = decode('ChaincodeAction', hint, () => peer.ChaincodeAction.deserializeBinary(ccaBytes));
  const response = cca.getResponse();
  const ccId = cca.getChaincodeId();
  const results = cca.getResults_asU8();
  const eventBytes = cca.getEvents_asU8();

  const info: TransactionActionInfo = {
    chaincodeName: ccId?.getName() ?? '',
    chaincodeVersion: ccId?.getVersion() ?? '',
    header: action.getHeader_asU8(),
    chaincodeProposalPayload: cap.getChaincodeProposalPayload_asU8(),
    proposalResponsePayload: prpBytes,
    proposalHash: prp.getProposalHash_asU8(),
    endorsements: endorsed.getEndorsementsList().map((e) => ({
      endorser: e.getEndorser_asU8(),
      signature: e.getSignature_asU8(),
    })),
    response: {
      status: response?.getStatus() ?? 0,
      message: response?.getMessage() ?? '',
      payload: response?.getPayload_asU8() ?? EMPTY,
    },
    results,
    nsRwSets: results.length === 0 ? [] : parseRwSet(results, hint),
  };
  if (eventBytes.length > 0) info.event = parseEvent(eventBytes, hint);
  return info;
}

function parseEvent(bytes: Uint8Array, hint: string): ChaincodeEventInfo {
  const ev = decode('ChaincodeEvent', hint, () => peer.ChaincodeEvent.deserializeBinary(bytes));
  return {
    chaincodeId: ev.getChaincodeId(),
    txId: ev.getTxId(),
    eventName: ev.getEventName(),
    payload: ev.getPayload_asU8(),
  };
}

function parseRwSet(bytes: Uint8Array, hint: string): NsRwSet[] {
  const txRwSet = decode('TxReadWriteSet', hint, () => ledger.rwset.TxReadWriteSet.deserializeBinary(bytes));
  return txRwSet.getNsRwsetList().map((ns) => {
    const namespace = ns.getNamespace();
    const kv = decode(`KVRWSet of namespace ${namespace}`, hint, () =>
      kvrwset.KVRWSet.deserializeBinary(ns.getRwset_asU8()),
    );
    const collections: CollectionHashedRwSetInfo[] = ns.getCollectionHashedRwsetList().map((c) => ({
      collectionName: c.getCollectionName(),
      hashedRwset: c.getHashedRwset_asU8(),
      pvtRwsetHash: c.getPvtRwsetHash_asU8(),
    }));
    return {
      namespace,
      reads: kv.getReadsList().map(toRead),
      rangeQueries: kv.getRangeQueriesInfoList().map(toRangeQuery),
      writes: kv
        .getWritesList()
        .map((w) => ({ key: w.getKey(), isDelete: w.getIsDelete(), value: w.getValue_asU8() })),
      metadataWrites: kv.getMetadataWritesList().map((m) => ({
        key: m.getKey(),
        entries: m.getEntriesList().map((e) => ({ name: e.getName(), value: e.getValue_asU8() })),
      })),
      collectionHashedRwSets: collections,
    };
  });
}

function toRead(read: ledger.rwset.kvrwset.KVRead): KVReadInfo {
  const v = read.getVersion();
  // Fabric encodes "key did not exist" as a nil version; keep that distinction.
  return v === undefined
    ? { key: read.getKey() }
    : { key: read.getKey(), version: { blockNum: v.getBlockNum(), txNum: v.getTxNum() } };
}

function toRangeQuery(rq: ledger.rwset.kvrwset.RangeQueryInfo): RangeQueryInfo {
  const info: RangeQueryInfo = {
    startKey: rq.getStartKey(),
    endKey: rq.getEndKey(),
    itrExhausted: rq.getItrExhausted(),
  };
  const raw = rq.getRawReads();
  if (raw !== undefined) info.rawReads = raw.getKvReadsList().map(toRead);
  const merkle = rq.getReadsMerkleHashes();
  if (merkle !== undefined) {
    info.readsMerkleHashes = {
      maxDegree: merkle.getMaxDegree(),
      maxLevel: merkle.getMaxLevel(),
      maxLevelHashes: merkle.getMaxLevelHashesList_asU8(),
    };
  }
  return info;
}

export interface TxHeaderInfo {
  txId: string;
  channelId: string;
  type: number;
}

/**
 * Decodes only envelope -> payload -> channel header. Used to index the txid of transactions
 * whose body is malformed (Fabric still records those in the tx index).
 */
export function parseTxHeader(envelopeBytes: Uint8Array): TxHeaderInfo {
  const envelope = decode('Envelope', '', () => common.Envelope.deserializeBinary(envelopeBytes));
  const payload = decode('Payload', '', () => common.Payload.deserializeBinary(envelope.getPayload_asU8()));
  const header = required(payload.getHeader(), 'payload header', '');
  const chdr = decode('ChannelHeader', '', () =>
    common.ChannelHeader.deserializeBinary(header.getChannelHeader_asU8()),
  );
  return { txId: chdr.getTxId(), channelId: chdr.getChannelId(), type: chdr.getType() };
}
