import { common, peer } from '../protos';
import type { BatchOp, LedgerDb } from './db';
import { InvalidBlockError, MalformedTransactionError, MissingTransactionsFilterError } from './errors';
import {
  SAVEPOINT_KEY,
  encodeMetadata,
  encodeTxLocation,
  encodeVersioned,
  historyKey,
  historyKeyPrefix,
  metadataKey,
  stateKey,
  txIdKey,
} from './keys';
import type { StateDB } from './statedb';
import { parseTransaction, parseTxHeader } from './txparse';
import type { BlockCommitInfo, MetadataEntry, ParsedTransaction } from './types';
import { encodeVarint } from './varint';

const VALID = peer.TxValidationCode.VALID;
const ENDORSER_TRANSACTION = common.HeaderType.ENDORSER_TRANSACTION;

/** The block's TRANSACTIONS_FILTER: one peer.TxValidationCode byte per transaction. */
export function transactionsFilter(block: common.Block): Uint8Array {
  const txCount = block.getData()?.getDataList().length ?? 0;
  const filter = block.getMetadata()?.getMetadataList_asU8()[common.BlockMetadataIndex.TRANSACTIONS_FILTER];
  if (filter === undefined || filter.length !== txCount) {
    throw new MissingTransactionsFilterError(
      `block ${block.getHeader()?.getNumber()} needs a TRANSACTIONS_FILTER of ${txCount} bytes, has ${filter?.length ?? 'none'}`,
    );
  }
  return filter;
}

export interface PreparedBlock {
  info: BlockCommitInfo;
  ops: BatchOp[];
}

export interface PrepareOptions {
  db: LedgerDb;
  state: StateDB;
  block: common.Block;
  /** Already-parsed envelopes from validation, to avoid decoding twice. Index-aligned with block data. */
  parsed?: readonly (ParsedTransaction | undefined)[];
}

// Per-key effect of one transaction, mirroring Fabric's txOps flags (validation/tx_ops.go):
// a delete wins; value+metadata replace both; value-only keeps the current metadata;
// metadata-only re-stamps the current value and is a no-op when the key does not exist.
interface KeyOp {
  ns: string;
  key: string;
  upsert?: Uint8Array;
  deleted?: boolean;
  /** null = delete metadata, array = replace metadata. */
  metadata?: MetadataEntry[] | null;
}

/**
 * Turns a block whose TRANSACTIONS_FILTER is final into the LevelDB operations that apply it:
 * state (valid endorser txs only), history, tx index (all txs, first occurrence wins) and the
 * savepoint. Reads the DB, so calls must be serialised with commits.
 */
export async function prepareBlock(opts: PrepareOptions): Promise<PreparedBlock> {
  const { db, state, block } = opts;
  const header = block.getHeader();
  if (header === undefined) throw new InvalidBlockError('block has no header');
  const blockNum = header.getNumber();
  const envelopes = block.getData()?.getDataList_asU8() ?? [];
  const filter = transactionsFilter(block);

  const transactions: (ParsedTransaction | undefined)[] = [];
  const txIds: (string | undefined)[] = [];
  for (let txNum = 0; txNum < envelopes.length; txNum++) {
    const bytes = envelopes[txNum]!;
    let tx = opts.parsed?.[txNum];
    if (tx === undefined) {
      try {
        tx = parseTransaction(bytes);
      } catch (err) {
        if (filter[txNum] === VALID) {
          throw new MalformedTransactionError(
            `block ${blockNum} tx ${txNum} is marked VALID but does not decode`,
            { cause: err },
          );
        }
      }
    }
    transactions.push(tx);
    txIds.push(tx?.txId ?? headerTxId(bytes));
  }

  const ops: BatchOp[] = [];
  await indexTxIds(db, ops, blockNum, txIds, filter);

  // Latest in-block value per state key, so later txs of this block see earlier writes
  // (null = deleted in this block).
  const pending = new Map<string, Uint8Array | null>();
  for (let txNum = 0; txNum < transactions.length; txNum++) {
    const tx = transactions[txNum];
    if (filter[txNum] !== VALID || tx === undefined || tx.type !== ENDORSER_TRANSACTION) continue;
    await applyTx(ops, state, pending, tx, blockNum, txNum);
  }

  ops.push({ type: 'put', key: SAVEPOINT_KEY, value: encodeVarint(blockNum) });
  return { ops, info: { blockNumber: blockNum, txIds, validationCodes: filter, transactions } };
}

/** Parses every envelope; undefined where one does not decode (validation decides what that means). */
export function parseEnvelopes(envelopes: readonly Uint8Array[]): (ParsedTransaction | undefined)[] {
  return envelopes.map((bytes) => {
    try {
      return parseTransaction(bytes);
    } catch {
      return undefined;
    }
  });
}

export function headerTxId(bytes: Uint8Array): string | undefined {
  try {
    return parseTxHeader(bytes).txId;
  } catch {
    return undefined;
  }
}

async function indexTxIds(
  db: LedgerDb,
  ops: BatchOp[],
  blockNum: number,
  txIds: readonly (string | undefined)[],
  filter: Uint8Array,
): Promise<void> {
  const candidates: { txId: string; txNum: number }[] = [];
  const seen = new Set<string>();
  txIds.forEach((txId, txNum) => {
    if (txId === undefined || txId === '' || seen.has(txId)) return;
    seen.add(txId);
    candidates.push({ txId, txNum });
  });
  if (candidates.length === 0) return;
  const existing = await db.getMany(candidates.map((c) => txIdKey(c.txId)));
  candidates.forEach(({ txId, txNum }, i) => {
    // First occurrence wins: a replayed txid must not hide where the original committed. A
    // re-applied block (crash recovery) finds its own entries, which is equally fine to skip.
    if (existing[i] !== undefined) return;
    ops.push({ type: 'put', key: txIdKey(txId), value: encodeTxLocation(blockNum, txNum, filter[txNum]!) });
  });
}

async function applyTx(
  ops: BatchOp[],
  state: StateDB,
  pending: Map<string, Uint8Array | null>,
  tx: ParsedTransaction,
  blockNum: number,
  txNum: number,
): Promise<void> {
  const keyOps = new Map<string, KeyOp>();
  const opFor = (ns: string, key: string): KeyOp => {
    const id = `${ns}\0${key}`;
    let op = keyOps.get(id);
    if (op === undefined) {
      op = { ns, key };
      keyOps.set(id, op);
    }
    return op;
  };

  for (const action of tx.actions) {
    for (const set of action.nsRwSets) {
      if (set.writes.length > 0) {
        const prefix = new Map<string, Buffer>();
        for (const write of set.writes) {
          const op = opFor(set.namespace, write.key);
          if (write.isDelete) op.deleted = true;
          else op.upsert = write.value;
          // History indexes every write (including deletes) of a valid tx, as Fabric's historydb does.
          let hp = prefix.get(write.key);
          if (hp === undefined) {
            hp = historyKeyPrefix(set.namespace, write.key);
            prefix.set(write.key, hp);
            ops.push({ type: 'put', key: historyKey(hp, blockNum, txNum), value: EMPTY });
          }
        }
      }
      for (const mw of set.metadataWrites) {
        opFor(set.namespace, mw.key).metadata = mw.entries.length === 0 ? null : mw.entries;
      }
    }
  }

  const version = { blockNum, txNum };
  for (const [id, op] of keyOps) {
    const sKey = stateKey(op.ns, op.key);
    if (op.deleted) {
      ops.push({ type: 'del', key: sKey }, { type: 'del', key: metadataKey(op.ns, op.key) });
      pending.set(id, null);
      continue;
    }
    let value = op.upsert;
    if (value === undefined) {
      // Metadata-only update: needs the current value (from this block first, then the DB).
      const inBlock = pending.get(id);
      value = inBlock === null ? undefined : (inBlock ?? (await state.getVersioned(op.ns, op.key))?.value);
      if (value === undefined) continue;
    }
    ops.push({ type: 'put', key: sKey, value: encodeVersioned(version, value) });
    pending.set(id, value);
    if (op.metadata === null) ops.push({ type: 'del', key: metadataKey(op.ns, op.key) });
    else if (op.metadata !== undefined)
      ops.push({ type: 'put', key: metadataKey(op.ns, op.key), value: encodeMetadata(op.metadata) });
  }
}

const EMPTY = new Uint8Array(0);
