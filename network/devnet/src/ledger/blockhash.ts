import { createHash } from 'node:crypto';
import type { common } from '../protos';

// Fabric hashes a block header as SHA-256 over Go's asn1.Marshal of
// struct{ Number *big.Int; PreviousHash, DataHash []byte } (protoutil.BlockHeaderBytes).
// Kept local to the ledger so it does not depend on the channel/ module being written in parallel.

function derLength(length: number): number[] {
  if (length < 0x80) return [length];
  const bytes: number[] = [];
  for (let n = length; n > 0; n = Math.floor(n / 256)) bytes.unshift(n % 256);
  return [0x80 | bytes.length, ...bytes];
}

/** Minimal two's-complement big-endian encoding of a non-negative integer, as big.Int marshals. */
function derIntegerContent(value: number): number[] {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`block number out of range: ${value}`);
  const bytes: number[] = [];
  for (let n = value; n > 0; n = Math.floor(n / 256)) bytes.unshift(n % 256);
  if (bytes.length === 0) bytes.push(0);
  if (bytes[0]! & 0x80) bytes.unshift(0);
  return bytes;
}

export function blockHeaderBytes(number: number, previousHash: Uint8Array, dataHash: Uint8Array): Uint8Array {
  const int = derIntegerContent(number);
  const body = Buffer.concat([
    Buffer.from([0x02, ...derLength(int.length), ...int]),
    Buffer.from([0x04, ...derLength(previousHash.length)]),
    previousHash,
    Buffer.from([0x04, ...derLength(dataHash.length)]),
    dataHash,
  ]);
  return Buffer.concat([Buffer.from([0x30, ...derLength(body.length)]), body]);
}

export function blockHeaderHash(header: common.BlockHeader): Uint8Array {
  const bytes = blockHeaderBytes(
    header.getNumber(),
    header.getPreviousHash_asU8(),
    header.getDataHash_asU8(),
  );
  return createHash('sha256').update(bytes).digest();
}

/** Fabric 2.x BlockData hash: SHA-256 over the concatenation of all envelopes. */
export function blockDataHash(data: readonly Uint8Array[]): Uint8Array {
  const hash = createHash('sha256');
  for (const d of data) hash.update(d);
  return hash.digest();
}
