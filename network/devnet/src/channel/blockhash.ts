// Fabric block hashing (protoutil/blockutils.go) in the shapes the channel code uses; the encoding itself
// lives once, in the ledger, which chains blocks with it.
import { type common } from '../protos';
import * as ledgerHash from '../ledger/blockhash';

/** ASN.1 DER of SEQUENCE{INTEGER number, OCTET STRING previous_hash, OCTET STRING data_hash}. */
export function blockHeaderBytes(header: common.BlockHeader): Buffer {
  return Buffer.from(
    ledgerHash.blockHeaderBytes(header.getNumber(), header.getPreviousHash_asU8(), header.getDataHash_asU8()),
  );
}

export function blockHeaderHash(header: common.BlockHeader): Buffer {
  return Buffer.from(ledgerHash.blockHeaderHash(header));
}

/** Fabric 2.x ComputeBlockDataHash: SHA-256 over the concatenated envelopes. */
export function computeBlockDataHash(data: common.BlockData): Buffer {
  return Buffer.from(ledgerHash.blockDataHash(data.getDataList_asU8()));
}
