import { common, peer } from '../protos';
import { computeTxId, HeaderType } from '../protoutil';
import { parseTransaction } from '../ledger/txparse';
import type { ParsedTransaction, NsRwSet } from '../ledger/types';
import type { ChannelAccess } from './access';
import { sameVersion, type StateReader } from './state';

const Code = peer.TxValidationCode;
type ValidationCode = peer.TxValidationCodeMap[keyof peer.TxValidationCodeMap];

export interface CommitterLedger extends StateReader {
  hasTxIds(txIds: readonly string[]): Promise<boolean[]>;
  commitBlock(
    block: common.Block,
    opts?: { parsed?: readonly (ParsedTransaction | undefined)[] },
  ): Promise<void>;
}

export interface CommitterOptions {
  readonly channelId: string;
  readonly ledger: CommitterLedger;
  readonly access: ChannelAccess;
  readonly isChaincodeDefined: (name: string) => boolean;
  readonly onError?: (err: Error, block: common.Block) => void;
}

/**
 * Validates each ordered block as Fabric's committer does (creator signature, txid, duplicates,
 * endorsement policy, MVCC and phantom reads, in block order), records one TxValidationCode per
 * transaction in the TRANSACTIONS_FILTER metadata, and hands the block to the ledger. Blocks are
 * processed strictly one at a time, in order.
 */
export class Committer {
  readonly #options: CommitterOptions;
  #queue: Promise<void> = Promise.resolve();
  #queued = 0;
  /** Transaction ids ordered but not yet committed: a duplicate in a later block must still be caught. */
  readonly #inFlight = new Set<string>();

  constructor(options: CommitterOptions) {
    this.#options = options;
  }

  get backlog(): number {
    return this.#queued;
  }

  isInFlight(txId: string): boolean {
    return this.#inFlight.has(txId);
  }

  /** Queues a block; resolves when it is committed. */
  enqueue(block: common.Block): Promise<void> {
    this.#queued++;
    const run = this.#queue.then(() => this.#commit(block));
    this.#queue = run.then(
      () => {
        this.#queued--;
      },
      (err: Error) => {
        this.#queued--;
        this.#options.onError?.(err, block);
      },
    );
    return run;
  }

  /** Resolves once every queued block is committed. */
  drain(): Promise<void> {
    return this.#queue;
  }

  async #commit(block: common.Block): Promise<void> {
    const envelopes = block.getData()?.getDataList_asU8() ?? [];
    const codes = new Uint8Array(envelopes.length);
    const parsed = envelopes.map((envelope) => {
      try {
        return parseTransaction(envelope);
      } catch {
        return undefined;
      }
    });
    // All signatures of the block at once, on the thread pool; most were already checked at broadcast.
    await this.#options.access.preverify(
      parsed.flatMap((tx) =>
        tx
          ? [
              { identity: tx.creator, data: tx.payloadBytes, signature: tx.signature },
              ...tx.actions.flatMap((a) =>
                a.endorsements.map((e) => ({
                  identity: e.endorser,
                  data: Buffer.concat([a.proposalResponsePayload, e.endorser]),
                  signature: e.signature,
                })),
              ),
            ]
          : [],
      ),
    );
    const stored = await this.#options.ledger.hasTxIds(parsed.map((tx) => tx?.txId ?? ''));
    const blockTxIds = new Set<string>();
    const updated = new Map<string, Set<string>>();
    for (let i = 0; i < envelopes.length; i++) {
      const tx = parsed[i];
      if (!tx) {
        codes[i] = Code.BAD_PAYLOAD;
        continue;
      }
      const code = await this.#validate(tx, blockTxIds, stored[i] === true, updated);
      codes[i] = code;
      if (tx.txId !== '') blockTxIds.add(tx.txId);
      if (code === Code.VALID) {
        for (const action of tx.actions) {
          for (const ns of action.nsRwSets) {
            let keys = updated.get(ns.namespace);
            if (!keys) updated.set(ns.namespace, (keys = new Set()));
            for (const w of ns.writes) keys.add(w.key);
            for (const m of ns.metadataWrites) keys.add(m.key);
          }
        }
      }
    }
    const metadata = block.getMetadata() ?? new common.BlockMetadata();
    const list = metadata.getMetadataList_asU8();
    while (list.length < 5) list.push(new Uint8Array());
    list[common.BlockMetadataIndex.TRANSACTIONS_FILTER] = codes;
    metadata.setMetadataList(list);
    block.setMetadata(metadata);
    for (const id of blockTxIds) this.#inFlight.add(id);
    try {
      await this.#options.ledger.commitBlock(block, { parsed });
    } finally {
      for (const id of blockTxIds) this.#inFlight.delete(id);
    }
  }

  async #validate(
    tx: ParsedTransaction,
    blockTxIds: ReadonlySet<string>,
    alreadyStored: boolean,
    updated: ReadonlyMap<string, ReadonlySet<string>>,
  ): Promise<ValidationCode> {
    const { access } = this.#options;
    if (tx.channelId !== this.#options.channelId) return Code.TARGET_CHAIN_NOT_FOUND;
    if (tx.type !== HeaderType.ENDORSER_TRANSACTION) return Code.UNKNOWN_TX_TYPE;
    if (await access.checkCreator({ identity: tx.creator, data: tx.payloadBytes, signature: tx.signature })) {
      return Code.BAD_CREATOR_SIGNATURE;
    }
    if (tx.txId !== computeTxId(tx.nonce, tx.creator)) return Code.BAD_PROPOSAL_TXID;
    if (blockTxIds.has(tx.txId) || alreadyStored) return Code.DUPLICATE_TXID;
    if (tx.actions.length !== 1) return Code.INVALID_ENDORSER_TRANSACTION;
    const action = tx.actions[0];
    if (!action || action.endorsements.length === 0) return Code.ENDORSEMENT_POLICY_FAILURE;
    const signed = action.endorsements.map((e) => ({
      identity: e.endorser,
      data: Buffer.concat([action.proposalResponsePayload, e.endorser]),
      signature: e.signature,
    }));
    for (const ns of action.nsRwSets) {
      const written = ns.writes.length > 0 || ns.metadataWrites.length > 0;
      if (!written && ns.namespace !== action.chaincodeName) continue;
      if (!this.#options.isChaincodeDefined(ns.namespace)) return Code.INVALID_CHAINCODE;
      if (access.checkEndorsement(ns.namespace, signed)) return Code.ENDORSEMENT_POLICY_FAILURE;
    }
    if (action.nsRwSets.length === 0 && access.checkEndorsement(action.chaincodeName, signed)) {
      return Code.ENDORSEMENT_POLICY_FAILURE;
    }
    for (const ns of action.nsRwSets) {
      const conflict = await this.#checkReads(ns, updated.get(ns.namespace));
      if (conflict !== Code.VALID) return conflict;
    }
    return Code.VALID;
  }

  async #checkReads(ns: NsRwSet, updatedInBlock: ReadonlySet<string> | undefined): Promise<ValidationCode> {
    const { ledger } = this.#options;
    for (const read of ns.reads) {
      if (updatedInBlock?.has(read.key)) return Code.MVCC_READ_CONFLICT;
      const committed = await ledger.getState(ns.namespace, read.key);
      if (!sameVersion(committed?.version, read.version)) return Code.MVCC_READ_CONFLICT;
    }
    for (const range of ns.rangeQueries) {
      if (!range.rawReads) return Code.PHANTOM_READ_CONFLICT; // Merkle summaries are not produced by the devnet.
      if (updatedInBlock) {
        for (const key of updatedInBlock) {
          if (inRange(key, range.startKey, range.endKey, range.itrExhausted, range.rawReads)) {
            return Code.PHANTOM_READ_CONFLICT;
          }
        }
      }
      let i = 0;
      const expected = range.rawReads;
      for await (const entry of ledger.getStateRange(ns.namespace, range.startKey, range.endKey)) {
        if (!range.itrExhausted && i >= expected.length) break;
        const read = expected[i++];
        if (!read || read.key !== entry.key || !sameVersion(read.version, entry.version)) {
          return Code.PHANTOM_READ_CONFLICT;
        }
      }
      if (i < expected.length) return Code.PHANTOM_READ_CONFLICT;
    }
    return Code.VALID;
  }
}

function inRange(
  key: string,
  start: string,
  end: string,
  exhausted: boolean,
  reads: readonly { key: string }[],
): boolean {
  const k = Buffer.from(key);
  if (Buffer.compare(k, Buffer.from(start)) < 0) return false;
  // A range that was not read to its end only covers keys up to the last one it returned.
  const last = reads[reads.length - 1];
  const upper = !exhausted ? (last ? last.key : start) : end;
  if (!exhausted) return Buffer.compare(k, Buffer.from(upper)) <= 0;
  return end === '' || Buffer.compare(k, Buffer.from(end)) < 0;
}
