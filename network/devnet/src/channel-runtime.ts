import { common, msp as mspProtos } from './protos';
import type { ChannelView, ParsedBlock } from './gateway/channel-view';
import type { ChannelAccess, SignedData } from './peer/access';
import type { ChaincodeDefinition } from './peer/channel';
import type { KeyModification, StateReader, Version, VersionedValue } from './peer/state';
import { Committer } from './peer/committer';
import type { ChannelLedger } from './ledger/ledger';
import type { TxLocation } from './ledger/types';
import { parseTransaction } from './ledger/txparse';
import { NewestBlocks } from './ledger/newest-blocks';
import {
  ChannelPolicies,
  MspManager,
  compileSignaturePolicy,
  satisfiesSignaturePolicy,
  type CompiledSignaturePolicy,
  verifySignature,
  verifySignatureAsync,
} from './msp';

export interface ChannelRuntimeOptions {
  readonly channelId: string;
  readonly ledger: ChannelLedger;
  readonly config: common.Config;
  readonly chaincodes: ReadonlyMap<string, ChaincodeDefinition>;
  readonly isRevoked?: (serialHex: string, mspId: string) => boolean;
  readonly onCommitError?: (err: Error) => void;
}

/** Blocks kept parsed for the event streams that follow the head (see NewestBlocks for why so few). */
const PARSED_BLOCKS = 16;

/**
 * One channel as the devnet's peers see it: the ledger they share, the MSPs and policies from its config
 * block, the chaincode definitions, and the committer. Implements every check the endorser, orderer,
 * gateway and deliver services ask of a channel.
 */
export class ChannelRuntime implements ChannelView, ChannelAccess {
  readonly channelId: string;
  readonly committer: Committer;
  readonly msps: MspManager;
  readonly #ledger: ChannelLedger;
  readonly #policies: ChannelPolicies;
  /** Each definition with its own endorsement policy compiled when defined (checked for every transaction). */
  readonly #chaincodes = new Map<
    string,
    { readonly definition: ChaincodeDefinition; readonly policy?: CompiledSignaturePolicy }
  >();
  readonly #txWaiters = new Map<string, ((loc: TxLocation) => void)[]>();
  readonly #parsed = new NewestBlocks<ParsedBlock>(PARSED_BLOCKS);
  readonly #unsubscribe: () => void;
  readonly state: StateReader;

  constructor(options: ChannelRuntimeOptions) {
    this.channelId = options.channelId;
    this.#ledger = options.ledger;
    for (const definition of options.chaincodes.values()) this.defineChaincode(definition);
    this.msps = new MspManager(options.config, { isRevoked: options.isRevoked });
    this.#policies = new ChannelPolicies(options.config, this.msps);
    this.committer = new Committer({
      channelId: options.channelId,
      ledger: {
        getState: (ns, key) => this.state.getState(ns, key),
        getStateRange: (ns, s, e) => this.state.getStateRange(ns, s, e),
        getHistory: (ns, key) => this.state.getHistory(ns, key),
        hasTxIds: (txIds) => this.#ledger.hasTxIds(txIds),
        commitBlock: (block, opts) => this.#ledger.commitBlock(block, opts),
      },
      access: this,
      isChaincodeDefined: (name) => this.#chaincodes.has(name),
      onError: (err) => options.onCommitError?.(err),
    });
    const ledger = this.#ledger;
    this.state = {
      async getState(ns: string, key: string): Promise<VersionedValue | undefined> {
        const entry = await ledger.getState(ns, key);
        if (!entry) return undefined;
        return {
          value: entry.value,
          version: entry.version,
          metadata: new Map(entry.metadata.map((m) => [m.name, m.value])),
        };
      },
      getStateRange(
        ns: string,
        start: string,
        end: string,
      ): AsyncIterable<{ key: string; value: Uint8Array; version: Version }> {
        return ledger.getStateRange(ns, start, end);
      },
      async getHistory(ns: string, key: string): Promise<KeyModification[]> {
        const history = await ledger.getHistory(ns, key);
        return history.map((h) => ({
          txId: h.txId,
          value: h.value,
          isDelete: h.isDelete,
          timestamp: h.timestamp,
        }));
      },
    };
    this.#unsubscribe = ledger.onBlockCommitted((block, info) => {
      // Event streams read the newest blocks: keep them parsed.
      this.#parsed.offer(
        info.blockNumber,
        {
          block,
          transactions: info.transactions,
          validationCodes: info.validationCodes,
        },
        ledger.height,
      );
      this.#onCommitted(block, info.txIds, info.validationCodes);
    });
  }

  get height(): number {
    return this.#ledger.height;
  }

  chaincode(name: string): ChaincodeDefinition | undefined {
    return this.#chaincodes.get(name)?.definition;
  }

  defineChaincode(definition: ChaincodeDefinition): void {
    const { name, endorsementPolicy } = definition;
    this.#chaincodes.set(name, {
      definition,
      ...(endorsementPolicy
        ? { policy: compileSignaturePolicy(endorsementPolicy, `chaincode ${name} endorsement policy`) }
        : {}),
    });
  }

  async hasTxId(txId: string): Promise<boolean> {
    return this.committer.isInFlight(txId) || (await this.#ledger.hasTxId(txId));
  }

  getBlock(number: number): Promise<common.Block> {
    return this.#ledger.getBlock(number);
  }

  waitForBlock(number: number, signal: AbortSignal): Promise<void> {
    return this.#ledger.waitForBlock(number, signal);
  }

  getTxLocation(txId: string): Promise<TxLocation | undefined> {
    return this.#ledger.getTxLocation(txId);
  }

  async waitForTransaction(txId: string, signal: AbortSignal): Promise<TxLocation> {
    return new Promise<TxLocation>((resolve, reject) => {
      const waiters = this.#txWaiters.get(txId) ?? [];
      const done = (loc: TxLocation): void => {
        signal.removeEventListener('abort', onAbort);
        resolve(loc);
      };
      const onAbort = (): void => {
        const list = this.#txWaiters.get(txId);
        if (list) {
          const i = list.indexOf(done);
          if (i >= 0) list.splice(i, 1);
          if (list.length === 0) this.#txWaiters.delete(txId);
        }
        reject(new Error('cancelled'));
      };
      waiters.push(done);
      this.#txWaiters.set(txId, waiters);
      signal.addEventListener('abort', onAbort, { once: true });
      // Registered first, then checked: a commit between the two cannot be missed.
      this.#ledger.getTxLocation(txId).then((loc) => {
        if (loc) this.#resolveTx(txId, loc);
      }, reject);
    });
  }

  #resolveTx(txId: string, loc: TxLocation): void {
    const waiters = this.#txWaiters.get(txId);
    if (!waiters) return;
    this.#txWaiters.delete(txId);
    for (const w of waiters) w(loc);
  }

  #onCommitted(block: common.Block, txIds: readonly (string | undefined)[], codes: Uint8Array): void {
    const blockNum = block.getHeader()?.getNumber() ?? 0;
    if (this.#txWaiters.size > 0) {
      txIds.forEach((txId, txNum) => {
        if (txId !== undefined && this.#txWaiters.has(txId)) {
          void this.#ledger
            .getTxLocation(txId)
            .then((loc) =>
              this.#resolveTx(txId, loc ?? { blockNum, txNum, validationCode: codes[txNum] ?? 255 }),
            );
        }
      });
    }
  }

  async parsedBlock(number: number): Promise<ParsedBlock> {
    const cached = this.#parsed.get(number);
    if (cached) return cached;
    const block = await this.#ledger.getBlock(number);
    const envelopes = block.getData()?.getDataList_asU8() ?? [];
    const codes =
      block.getMetadata()?.getMetadataList_asU8()[common.BlockMetadataIndex.TRANSACTIONS_FILTER] ??
      new Uint8Array();
    const parsed: ParsedBlock = {
      block,
      validationCodes: codes,
      transactions: envelopes.map((env) => {
        try {
          return parseTransaction(env);
        } catch {
          return undefined;
        }
      }),
    };
    this.#parsed.offer(number, parsed, this.#ledger.height);
    return parsed;
  }

  // ---- ChannelAccess ----

  #identityProblem(signed: SignedData): string | undefined {
    try {
      const identity = this.msps.deserializeIdentity(signed.identity);
      identity.validate();
      if (!verifySignature(identity, signed.data, signed.signature)) {
        return `the signature of ${identity.mspId} identity ${identity.x509.subject.replace(/\n/g, ',')} is invalid`;
      }
      return undefined;
    } catch (err) {
      return (err as Error).message;
    }
  }

  async preverify(signed: readonly SignedData[]): Promise<void> {
    await Promise.all(
      signed.map((sd) => {
        try {
          return verifySignatureAsync(this.msps.deserializeIdentity(sd.identity), sd.data, sd.signature);
        } catch {
          return Promise.resolve(false); // an undeserializable identity fails later with its own message
        }
      }),
    );
  }

  async checkPolicy(path: string, signed: SignedData): Promise<string | undefined> {
    await this.preverify([signed]);
    const problem = this.#identityProblem(signed);
    if (problem) return problem;
    if (!this.#policies.evaluate(path, [signed])) {
      return `the creator ${this.describeCreator(signed.identity)} does not satisfy policy ${path}`;
    }
    return undefined;
  }

  checkWriter(creator: Uint8Array, data: Uint8Array, signature: Uint8Array): Promise<string | undefined> {
    return this.checkPolicy('/Channel/Application/Writers', { identity: creator, data, signature });
  }

  checkReader(signed: SignedData): Promise<string | undefined> {
    return this.checkPolicy('/Channel/Application/Readers', signed);
  }

  async checkCreator(signed: SignedData): Promise<string | undefined> {
    await this.preverify([signed]);
    return this.#identityProblem(signed);
  }

  checkEndorsement(chaincodeName: string, endorsements: SignedData[]): string | undefined {
    const defined = this.#chaincodes.get(chaincodeName);
    if (!defined) return `chaincode ${chaincodeName} is not defined on channel ${this.channelId}`;
    const { definition, policy } = defined;
    const satisfied = policy
      ? satisfiesSignaturePolicy(policy, endorsements, this.msps)
      : this.#policies.evaluate('/Channel/Application/Endorsement', endorsements);
    return satisfied
      ? undefined
      : `endorsement policy ${definition.endorsementPolicyText} of chaincode ${chaincodeName} is not satisfied`;
  }

  describeCreator(creator: Uint8Array): string {
    try {
      const id = mspProtos.SerializedIdentity.deserializeBinary(creator);
      const identity = this.msps.deserializeIdentity(creator);
      return `${id.getMspid()}:${identity.x509.subject.replace(/\n/g, ',')}`;
    } catch {
      return 'unknown creator';
    }
  }

  close(): void {
    this.#unsubscribe();
  }
}
