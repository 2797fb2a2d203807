import { readVarint, varintSize, writeVarint } from './varint';
import type { MetadataEntry, Version } from './types';

// Layout of the single LevelDB behind a channel ledger. One-byte prefixes keep the families
// apart; within a family, keys are raw UTF-8 so LevelDB's byte order equals Fabric's (Go string
// comparison) order for range queries.
//
//   's' ns 0x00 key                                 -> varint blockNum, varint txNum, value
//   'm' ns 0x00 key                                 -> metadata entries (kept apart so plain value
//                                                      writes need not read-modify-write them)
//   'h' ns 0x00 varint(len key) key u64be(block) u64be(tx) -> empty (values are read from blocks)
//   't' txId                                        -> varint blockNum, varint txNum, code byte
//   'p'                                             -> varint last applied block number

export type DbKey = Buffer;

const STATE = 0x73;
const METADATA = 0x6d;
const HISTORY = 0x68;
const TXID = 0x74;
export const SAVEPOINT_KEY: DbKey = Buffer.from([0x70]);

function nsPrefix(family: number, ns: string, extra: number): { buf: Buffer; offset: number } {
  const nsLen = Buffer.byteLength(ns);
  const buf = Buffer.allocUnsafe(1 + nsLen + 1 + extra);
  buf[0] = family;
  buf.write(ns, 1, 'utf8');
  buf[1 + nsLen] = 0;
  return { buf, offset: 2 + nsLen };
}

function familyKey(family: number, ns: string, key: string): DbKey {
  const { buf, offset } = nsPrefix(family, ns, Buffer.byteLength(key));
  buf.write(key, offset, 'utf8');
  return buf;
}

export const stateKey = (ns: string, key: string): DbKey => familyKey(STATE, ns, key);
export const metadataKey = (ns: string, key: string): DbKey => familyKey(METADATA, ns, key);

/** Exclusive upper bound of every state key of `ns` (0x00 separator + 1). */
export function stateNamespaceEnd(ns: string): DbKey {
  const { buf } = nsPrefix(STATE, ns, 0);
  buf[buf.length - 1] = 0x01;
  return buf;
}

/** Offset where the user key starts inside a state key of `ns`. */
export const stateKeyOffset = (ns: string): number => 2 + Buffer.byteLength(ns);

export function historyKeyPrefix(ns: string, key: string): DbKey {
  const keyLen = Buffer.byteLength(key);
  const { buf, offset } = nsPrefix(HISTORY, ns, varintSize(keyLen) + keyLen);
  buf.write(key, writeVarint(buf, offset, keyLen), 'utf8');
  return buf;
}

export function historyKey(prefix: DbKey, blockNum: number, txNum: number): DbKey {
  const buf = Buffer.allocUnsafe(prefix.length + 16);
  prefix.copy(buf, 0);
  buf.writeBigUInt64BE(BigInt(blockNum), prefix.length);
  buf.writeBigUInt64BE(BigInt(txNum), prefix.length + 8);
  return buf;
}

/** Exclusive upper bound for a history prefix: every suffix is exactly 16 bytes, so 0xff.. covers them. */
export function historyPrefixEnd(prefix: DbKey): DbKey {
  return Buffer.concat([prefix, Buffer.alloc(17, 0xff)]);
}

export function decodeHistorySuffix(dbKey: Uint8Array): Version {
  const buf = Buffer.from(dbKey.buffer, dbKey.byteOffset, dbKey.byteLength);
  const at = buf.length - 16;
  return { blockNum: Number(buf.readBigUInt64BE(at)), txNum: Number(buf.readBigUInt64BE(at + 8)) };
}

export const txIdKey = (txId: string): DbKey =>
  Buffer.concat([Buffer.from([TXID]), Buffer.from(txId, 'utf8')]);

export function encodeVersioned(version: Version, value: Uint8Array): Buffer {
  const head = varintSize(version.blockNum) + varintSize(version.txNum);
  const buf = Buffer.allocUnsafe(head + value.length);
  writeVarint(buf, writeVarint(buf, 0, version.blockNum), version.txNum);
  buf.set(value, head);
  return buf;
}

export function decodeVersioned(raw: Uint8Array): { version: Version; value: Uint8Array } {
  const block = readVarint(raw, 0);
  const tx = block && readVarint(raw, block.next);
  if (block === undefined || tx === undefined) throw new Error('corrupt state value');
  return { version: { blockNum: block.value, txNum: tx.value }, value: raw.subarray(tx.next) };
}

export function encodeMetadata(entries: readonly MetadataEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const { name, value } of entries) {
    const nameBytes = Buffer.from(name, 'utf8');
    const head = Buffer.allocUnsafe(
      varintSize(nameBytes.length) + nameBytes.length + varintSize(value.length),
    );
    const nameAt = writeVarint(head, 0, nameBytes.length);
    nameBytes.copy(head, nameAt);
    writeVarint(head, nameAt + nameBytes.length, value.length);
    parts.push(head, Buffer.from(value.buffer, value.byteOffset, value.byteLength));
  }
  return Buffer.concat(parts);
}

export function decodeMetadata(raw: Uint8Array): MetadataEntry[] {
  const entries: MetadataEntry[] = [];
  let offset = 0;
  while (offset < raw.length) {
    const nameLen = readVarint(raw, offset);
    if (nameLen === undefined) throw new Error('corrupt metadata');
    const name = Buffer.from(raw.buffer, raw.byteOffset + nameLen.next, nameLen.value).toString('utf8');
    const valueLen = readVarint(raw, nameLen.next + nameLen.value);
    if (valueLen === undefined) throw new Error('corrupt metadata');
    entries.push({ name, value: raw.slice(valueLen.next, valueLen.next + valueLen.value) });
    offset = valueLen.next + valueLen.value;
  }
  return entries;
}

export function encodeTxLocation(blockNum: number, txNum: number, code: number): Buffer {
  const buf = Buffer.allocUnsafe(varintSize(blockNum) + varintSize(txNum) + 1);
  buf[writeVarint(buf, writeVarint(buf, 0, blockNum), txNum)] = code;
  return buf;
}

export function decodeTxLocation(raw: Uint8Array): {
  blockNum: number;
  txNum: number;
  validationCode: number;
} {
  const block = readVarint(raw, 0);
  const tx = block && readVarint(raw, block.next);
  if (block === undefined || tx === undefined || tx.next >= raw.length)
    throw new Error('corrupt tx index entry');
  return { blockNum: block.value, txNum: tx.value, validationCode: raw[tx.next]! };
}
