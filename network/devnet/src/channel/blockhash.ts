// Fabric block hashing (protoutil/blockutils.go). Header hashes chain the ledger, so these must be
// bit-exact with Fabric or blocks fetched by real clients would fail verification.
import { createHash } from 'node:crypto';
import { type common } from '../protos';

function derLength(length: number): Buffer {
  if (length < 0x80) return Buffer.from([length]);
  const bytes: number[] = [];
  for (let n = length; n > 0; n = Math.floor(n / 256)) bytes.unshift(n & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

function derTlv(tag: number, value: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from([tag]), derLength(value.length), value]);
}

/** Minimal two's-complement big-endian encoding, as Go's asn1 marshals a non-negative *big.Int. */
function derIntegerBytes(value: bigint): Buffer {
  if (value < 0n) throw new RangeError('block number must be non-negative');
  let hex = value.toString(16);
  if (hex.length % 2 === 1) hex = `0${hex}`;
  const bytes = Buffer.from(hex, 'hex');
  return (bytes[0] ?? 0) & 0x80 ? Buffer.concat([Buffer.from([0]), bytes]) : bytes;
}

/** ASN.1 DER of SEQUENCE{INTEGER number, OCTET STRING previous_hash, OCTET STRING data_hash}. */
export function blockHeaderBytes(header: common.BlockHeader): Buffer {
  const body = Buffer.concat([
    derTlv(0x02, derIntegerBytes(BigInt(header.getNumber()))),
    derTlv(0x04, header.getPreviousHash_asU8()),
    derTlv(0x04, header.getDataHash_asU8()),
  ]);
  return derTlv(0x30, body);
}

export function blockHeaderHash(header: common.BlockHeader): Buffer {
  return createHash('sha256').update(blockHeaderBytes(header)).digest();
}

/** Fabric 2.x ComputeBlockDataHash: SHA-256 over the concatenated envelopes. */
export function computeBlockDataHash(data: common.BlockData): Buffer {
  const hash = createHash('sha256');
  for (const entry of data.getDataList_asU8()) hash.update(entry);
  return hash.digest();
}
