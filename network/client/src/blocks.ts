// Decodes a Fabric block, as delivered by the peer's Deliver service, into plain data for read models
// and explorers. It trusts the peer: signatures are not checked here, validity comes from the block's
// TRANSACTIONS_FILTER metadata written by the committer.

import { createHash, X509Certificate } from 'node:crypto';
import { common, ledger, msp, peer } from '@hyperledger/fabric-protos';

export interface ParsedWrite {
  namespace: string;
  key: string;
  /** Absent for deletes. */
  value?: Uint8Array;
  isDelete: boolean;
}

export interface ParsedEvent {
  chaincodeId: string;
  name: string;
  payload: Uint8Array;
  /** Fabric keeps at most one chaincode event per transaction, so this is always 0 today. */
  index: number;
}

export interface ParsedTransaction {
  /** Position of the envelope in the block. */
  index: number;
  txId: string;
  /** HeaderType name, e.g. ENDORSER_TRANSACTION, CONFIG. */
  type: string;
  /** Channel header timestamp, ISO-8601 with nanoseconds (the chaincode's txTime format); '' if absent. */
  timestamp: string;
  creatorMspId: string;
  /** `<mspId>:<enrollment id>` (hf.EnrollmentID attribute, else subject CN); '' if unknown. */
  creatorId: string;
  /** TxValidationCode name from the TRANSACTIONS_FILTER metadata. */
  validationCode: string;
  valid: boolean;
  chaincode?: string;
  /** First chaincode input argument, e.g. 'negotiation:createOffer'. */
  function?: string;
  /** Writes of the endorsed read-write set, system namespaces excluded. */
  writes: ParsedWrite[];
  events: ParsedEvent[];
}

export interface ParsedBlock {
  number: bigint;
  /** Hex SHA-256 of the block header, as Fabric computes it (the next block's previousHash). */
  hash: string;
  previousHash: string;
  dataHash: string;
  transactions: ParsedTransaction[];
}

/** Namespaces Fabric itself writes; an application read model never wants them. */
const SYSTEM_NAMESPACES = new Set(['_lifecycle', 'lscc', 'cscc', 'qscc', 'escc', 'vscc']);
const ENROLLMENT_ID_OID = Buffer.from([0x06, 0x08, 0x2a, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x01]);

function reverse(map: object): Map<number, string> {
  return new Map(Object.entries(map).map(([name, code]) => [code as number, name]));
}
const HEADER_TYPES = reverse(common.HeaderType);
const VALIDATION_CODES = reverse(peer.TxValidationCode);

/** Fabric's TxValidationCode name for a numeric code (as in a block's filter or a commit status). */
export function validationCodeName(code: number): string {
  return VALIDATION_CODES.get(code) ?? `CODE_${code}`;
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

function derLength(length: number): Buffer {
  if (length < 0x80) return Buffer.from([length]);
  const bytes: number[] = [];
  for (let n = length; n > 0; n = Math.floor(n / 256)) bytes.unshift(n % 256);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

function derTlv(tag: number, content: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from([tag]), derLength(content.length), content]);
}

/**
 * Go's asn1.Marshal of struct{ Number *big.Int; PreviousHash, DataHash []byte }
 * (protoutil.BlockHeaderBytes): a big.Int is minimal two's complement, so a leading 0x00 keeps
 * numbers with the high bit set positive.
 */
export function blockHeaderBytes(number: bigint, previousHash: Uint8Array, dataHash: Uint8Array): Buffer {
  if (number < 0n) throw new RangeError(`negative block number ${number}`);
  const int: number[] = [];
  for (let n = number; n > 0n; n >>= 8n) int.unshift(Number(n & 0xffn));
  if (int.length === 0 || (int[0] ?? 0) & 0x80) int.unshift(0);
  return derTlv(
    0x30,
    Buffer.concat([derTlv(0x02, Buffer.from(int)), derTlv(0x04, previousHash), derTlv(0x04, dataHash)]),
  );
}

export function blockHash(number: bigint, previousHash: Uint8Array, dataHash: Uint8Array): string {
  return createHash('sha256')
    .update(blockHeaderBytes(number, previousHash, dataHash))
    .digest('hex');
}

/** ISO-8601 with nanoseconds, the format chaincode/src/util/time.ts gives transaction times. */
function timestampIso(ts: { getSeconds(): number; getNanos(): number } | undefined): string {
  if (!ts) return '';
  const base = new Date(ts.getSeconds() * 1000).toISOString().slice(0, 19);
  return `${base}.${String(ts.getNanos()).padStart(9, '0')}Z`;
}

/** Reads one DER length at `pos`; returns [length, position of the content]. */
function readLength(der: Buffer, pos: number): [number, number] {
  const first = der[pos];
  if (first === undefined) throw new Error('truncated DER');
  if (first < 0x80) return [first, pos + 1];
  const count = first & 0x7f;
  let length = 0;
  for (let i = 1; i <= count; i++) length = length * 256 + (der[pos + i] ?? 0);
  return [length, pos + 1 + count];
}

/**
 * The hf.EnrollmentID attribute Fabric CA embeds as extension 1.2.3.4.5.6.7.8.1 ({"attrs":{...}}).
 * node:crypto does not expose unknown extensions, so the extension is found by its OID bytes; the
 * OID cannot occur by accident inside the certificate's other fields in a way that also parses.
 */
function enrollmentAttribute(der: Buffer): string | undefined {
  const at = der.indexOf(ENROLLMENT_ID_OID);
  if (at < 0) return undefined;
  let pos = at + ENROLLMENT_ID_OID.length;
  if (der[pos] === 0x01) pos += 2 + (der[pos + 1] ?? 0); // optional "critical" BOOLEAN
  if (der[pos] !== 0x04) return undefined;
  const [length, start] = readLength(der, pos + 1);
  try {
    const parsed = JSON.parse(der.subarray(start, start + length).toString('utf8')) as {
      attrs?: Record<string, unknown>;
    };
    const id = parsed.attrs?.['hf.EnrollmentID'];
    return typeof id === 'string' && id !== '' ? id : undefined;
  } catch {
    return undefined;
  }
}

function commonName(cert: X509Certificate): string | undefined {
  for (const line of cert.subject.split('\n')) if (line.startsWith('CN=')) return line.slice(3);
  return undefined;
}

// A block's transactions mostly come from a handful of identities; parsing each certificate once
// keeps block parsing cheap. Bounded so a long-running projector cannot grow it without limit.
const creatorCache = new Map<string, { mspId: string; creatorId: string }>();
const CREATOR_CACHE_LIMIT = 1000;

function creatorOf(bytes: Uint8Array): { mspId: string; creatorId: string } {
  if (bytes.length === 0) return { mspId: '', creatorId: '' };
  const cacheKey = createHash('sha256').update(bytes).digest('hex');
  const cached = creatorCache.get(cacheKey);
  if (cached) return cached;
  const identity = msp.SerializedIdentity.deserializeBinary(bytes);
  const mspId = identity.getMspid();
  let enrollmentId: string | undefined;
  try {
    const cert = new X509Certificate(Buffer.from(identity.getIdBytes_asU8()));
    enrollmentId = enrollmentAttribute(cert.raw) ?? commonName(cert);
  } catch {
    enrollmentId = undefined; // not an X.509 identity (e.g. idemix): the MSP is still known
  }
  const result = { mspId, creatorId: enrollmentId ? `${mspId}:${enrollmentId}` : '' };
  if (creatorCache.size >= CREATOR_CACHE_LIMIT) creatorCache.clear();
  creatorCache.set(cacheKey, result);
  return result;
}

function functionName(chaincodeProposalPayload: Uint8Array): string | undefined {
  if (chaincodeProposalPayload.length === 0) return undefined;
  const ccpp = peer.ChaincodeProposalPayload.deserializeBinary(chaincodeProposalPayload);
  const spec = peer.ChaincodeInvocationSpec.deserializeBinary(ccpp.getInput_asU8()).getChaincodeSpec();
  const first = spec?.getInput()?.getArgsList_asU8()[0];
  return first === undefined ? undefined : Buffer.from(first).toString('utf8');
}

function parseEndorserActions(data: Uint8Array, tx: ParsedTransaction): void {
  const transaction = peer.Transaction.deserializeBinary(data);
  for (const action of transaction.getActionsList()) {
    const cap = peer.ChaincodeActionPayload.deserializeBinary(action.getPayload_asU8());
    tx.function ??= functionName(cap.getChaincodeProposalPayload_asU8());
    const prpBytes = cap.getAction()?.getProposalResponsePayload_asU8();
    if (!prpBytes) continue;
    const prp = peer.ProposalResponsePayload.deserializeBinary(prpBytes);
    const cca = peer.ChaincodeAction.deserializeBinary(prp.getExtension_asU8());
    tx.chaincode ??= cca.getChaincodeId()?.getName() || undefined;

    const results = cca.getResults_asU8();
    if (results.length > 0) {
      for (const ns of ledger.rwset.TxReadWriteSet.deserializeBinary(results).getNsRwsetList()) {
        const namespace = ns.getNamespace();
        if (SYSTEM_NAMESPACES.has(namespace)) continue;
        const kv = ledger.rwset.kvrwset.KVRWSet.deserializeBinary(ns.getRwset_asU8());
        for (const w of kv.getWritesList()) {
          const isDelete = w.getIsDelete();
          tx.writes.push(
            isDelete
              ? { namespace, key: w.getKey(), isDelete }
              : { namespace, key: w.getKey(), value: w.getValue_asU8(), isDelete },
          );
        }
      }
    }
    const eventBytes = cca.getEvents_asU8();
    if (eventBytes.length > 0) {
      const ev = peer.ChaincodeEvent.deserializeBinary(eventBytes);
      if (ev.getEventName()) {
        tx.events.push({
          chaincodeId: ev.getChaincodeId(),
          name: ev.getEventName(),
          payload: ev.getPayload_asU8(),
          index: tx.events.length,
        });
      }
    }
  }
}

function parseEnvelope(
  envelopeBytes: Uint8Array,
  index: number,
  filterCode: number | undefined,
): ParsedTransaction {
  // A block without a filter entry for this transaction has not been validated; report it as such.
  const code = filterCode ?? peer.TxValidationCode.NOT_VALIDATED;
  const tx: ParsedTransaction = {
    index,
    txId: '',
    type: 'UNKNOWN',
    timestamp: '',
    creatorMspId: '',
    creatorId: '',
    validationCode: validationCodeName(code),
    valid: code === peer.TxValidationCode.VALID,
    writes: [],
    events: [],
  };
  try {
    const envelope = common.Envelope.deserializeBinary(envelopeBytes);
    const payload = common.Payload.deserializeBinary(envelope.getPayload_asU8());
    const header = payload.getHeader();
    if (!header) return tx;
    const chdr = common.ChannelHeader.deserializeBinary(header.getChannelHeader_asU8());
    tx.txId = chdr.getTxId();
    tx.type = HEADER_TYPES.get(chdr.getType()) ?? `TYPE_${chdr.getType()}`;
    tx.timestamp = timestampIso(chdr.getTimestamp());
    const shdr = common.SignatureHeader.deserializeBinary(header.getSignatureHeader_asU8());
    const creator = creatorOf(shdr.getCreator_asU8());
    tx.creatorMspId = creator.mspId;
    tx.creatorId = creator.creatorId;
    if (chdr.getType() === common.HeaderType.ENDORSER_TRANSACTION) {
      parseEndorserActions(payload.getData_asU8(), tx);
    }
  } catch {
    // The committer marks undecodable envelopes invalid (BAD_PAYLOAD etc.); what decoded is kept,
    // and nothing of a half-decoded transaction may be projected.
    tx.valid = false;
    tx.writes = [];
    tx.events = [];
  }
  return tx;
}

export function parseBlock(block: common.Block): ParsedBlock {
  const header = block.getHeader();
  if (!header) throw new Error('block has no header');
  const number = BigInt(header.getNumber());
  const previousHash = header.getPreviousHash_asU8();
  const dataHash = header.getDataHash_asU8();
  const filter =
    block.getMetadata()?.getMetadataList_asU8()[common.BlockMetadataIndex.TRANSACTIONS_FILTER] ??
    new Uint8Array(0);
  const envelopes = block.getData()?.getDataList_asU8() ?? [];
  return {
    number,
    hash: blockHash(number, previousHash, dataHash),
    previousHash: hex(previousHash),
    dataHash: hex(dataHash),
    transactions: envelopes.map((env, i) => parseEnvelope(env, i, filter[i])),
  };
}
