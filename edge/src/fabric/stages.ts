// The three network stages of a transaction (seed Figure 23), each taking and returning signed bytes so
// that the buffer can store them and a replay re-sends the same proposal or envelope (same transaction
// id). This is the only file of the edge that talks to the Gateway service.

import { status as GrpcStatus } from '@grpc/grpc-js';
import { GatewayError, type Contract, type Gateway } from '@hyperledger/fabric-gateway';
import { validationCodeName } from '../../../network/client/src';
import type { SignedBytes } from '../buffer/buffer';

/** Why a stage failed, which decides what the buffer does with the row. */
export type StageFailure =
  /** No answer or a transport error: keep the row in the stage's error state and retry later. */
  | 'network'
  /** The chaincode or the orderer refused this transaction for its content: it will never pass. */
  | 'rejected'
  /** The peer has already committed this transaction id: it was delivered before. */
  | 'duplicate'
  /** The network refuses the device's identity (revoked, expired, unknown): keep the row, report why. */
  | 'identity';

export class StageError extends Error {
  constructor(
    readonly stage: 'endorse' | 'submit',
    readonly failure: StageFailure,
    message: string,
    readonly code?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'StageError';
  }
}

export interface ProposedTransaction {
  readonly txId: string;
  readonly proposal: SignedBytes;
}

/**
 * Instants inside the network stages, for latency breakdowns (seed Figure 19): `endorseSent` before the
 * proposal goes to the gateway, `endorsed` when the endorsed transaction is back, `envelopeSigned` when the
 * client has signed it; `submitSent` before the envelope goes to the orderer, `ordered` on its acceptance.
 */
export type StageMark = 'endorseSent' | 'endorsed' | 'envelopeSigned' | 'submitSent' | 'ordered';

/** Called at each mark with `performance.now()`; optional, and changes nothing the stage does. */
export type StageTimer = (mark: StageMark, atMs: number) => void;

export interface LedgerStages {
  /** Builds and signs a proposal locally: works offline. */
  propose(fn: string, arg: string): Promise<ProposedTransaction>;
  /** Sends a signed proposal for endorsement; returns the signed transaction envelope. */
  endorse(proposal: SignedBytes, timer?: StageTimer): Promise<SignedBytes>;
  /**
   * Sends a signed envelope to the orderer through the gateway; resolves when the orderer accepted it,
   * with a function that asks the peer for the commit (CommitStatus), used before the commit stream
   * has a checkpoint.
   */
  submit(transaction: SignedBytes, timer?: StageTimer): Promise<AwaitCommit>;
}

export type AwaitCommit = () => Promise<{ readonly blockNumber: number; readonly validationCode: string }>;

export type Sign = (message: Uint8Array) => Promise<Uint8Array>;

export interface FabricStagesOptions {
  readonly gateway: Gateway;
  readonly contract: Contract;
  /** The device's own signer over the gateway's digest (with hash.none the digest is the message). */
  readonly sign: Sign;
}

const NETWORK_CODES: ReadonlySet<number> = new Set([
  GrpcStatus.UNAVAILABLE,
  GrpcStatus.DEADLINE_EXCEEDED,
  GrpcStatus.CANCELLED,
  GrpcStatus.INTERNAL,
  GrpcStatus.RESOURCE_EXHAUSTED,
]);

const DUPLICATE_RE = /duplicate transaction found/i;
const IDENTITY_RE =
  /has been revoked|certificate (has )?expired|expired certificate|access denied|not a member|unknown (msp|identity)|creator (certificate|identity) .*(invalid|not valid)/i;

export class FabricStages implements LedgerStages {
  readonly #gateway: Gateway;
  readonly #contract: Contract;
  readonly #sign: Sign;

  constructor(options: FabricStagesOptions) {
    this.#gateway = options.gateway;
    this.#contract = options.contract;
    this.#sign = options.sign;
  }

  async propose(fn: string, arg: string): Promise<ProposedTransaction> {
    const unsigned = this.#contract.newProposal(fn, { arguments: [arg] });
    const bytes = unsigned.getBytes();
    const signature = await this.#sign(unsigned.getDigest());
    return { txId: unsigned.getTransactionId(), proposal: { bytes, signature } };
  }

  async endorse(proposal: SignedBytes, timer?: StageTimer): Promise<SignedBytes> {
    try {
      const signed = this.#gateway.newSignedProposal(proposal.bytes, proposal.signature);
      timer?.('endorseSent', performance.now());
      const tx = await signed.endorse();
      timer?.('endorsed', performance.now());
      const envelope = { bytes: tx.getBytes(), signature: await this.#sign(tx.getDigest()) };
      timer?.('envelopeSigned', performance.now());
      return envelope;
    } catch (err) {
      throw classify('endorse', err);
    }
  }

  async submit(transaction: SignedBytes, timer?: StageTimer): Promise<AwaitCommit> {
    try {
      const signed = this.#gateway.newSignedTransaction(transaction.bytes, transaction.signature);
      timer?.('submitSent', performance.now());
      const commit = await signed.submit();
      timer?.('ordered', performance.now());
      return async () => {
        try {
          const status = await commit.getStatus();
          return { blockNumber: Number(status.blockNumber), validationCode: validationCodeName(status.code) };
        } catch (err) {
          throw classify('submit', err);
        }
      };
    } catch (err) {
      throw classify('submit', err);
    }
  }
}

/** Maps a Gateway error to what the buffer must do; one place, so every path agrees. */
export function classify(stage: 'endorse' | 'submit', err: unknown): StageError {
  if (err instanceof StageError) return err;
  const code = err instanceof GatewayError ? err.code : (err as { code?: unknown }).code;
  const details = err instanceof GatewayError ? err.details.map((d) => d.message) : [];
  const message = [(err as Error).message, ...details].join('; ');
  const numeric = typeof code === 'number' ? code : undefined;
  const failure: StageFailure = DUPLICATE_RE.test(message)
    ? 'duplicate'
    : IDENTITY_RE.test(message)
      ? 'identity'
      : numeric === undefined ||
          NETWORK_CODES.has(numeric) ||
          (numeric === (GrpcStatus.UNKNOWN as number) && details.length === 0)
        ? 'network'
        : 'rejected';
  return new StageError(stage, failure, `${stage}: ${message}`, numeric, { cause: err });
}
