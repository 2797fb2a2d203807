// Submitting and evaluating chaincode transactions as the calling party: endorse, submit, wait for the
// commit status, re-run MVCC conflicts under a bounded policy, and make a retried request with the same
// idempotency key return the first result instead of creating a second transaction.

import { createHash } from 'node:crypto';
import type Database from 'better-sqlite3';
import { backOff } from 'exponential-backoff';
import type { Logger } from 'pino';
import { validationCodeName, type ClientIdentity } from '../../../network/client/src';
import { ApiError, ErrorCode, fromFabricError } from '../errors';
import type { ApiMetrics } from '../metrics';
import type { GatewayPool } from './gateway-pool';

/** Conflicts that a new transaction (new reads) can resolve; everything else is final. */
export const RETRY_POLICY = {
  /** Attempts in all, the first included. */
  attempts: 4,
  startingDelayMs: 25,
  timeMultiple: 2,
  maxDelayMs: 400,
  jitter: 'full',
  retryOn: ['MVCC_READ_CONFLICT', 'PHANTOM_READ_CONFLICT'],
} as const;

export type TransactionState = 'PENDING' | 'VALID' | 'INVALID';

export interface TransactionOutcome {
  readonly transactionId: string;
  readonly state: TransactionState;
  /** Fabric's TxValidationCode name once committed. */
  readonly validationCode?: string;
  readonly blockNumber?: bigint;
  /** The chaincode's result (JSON text) from endorsement. */
  readonly result?: string;
  /** True when the outcome is the stored answer to an earlier request with the same idempotency key. */
  readonly replayed: boolean;
}

export interface SubmitRequest {
  /** Wallet label of the signing identity. */
  readonly signer: string;
  readonly identity: ClientIdentity;
  /** `<contract>:<function>`, e.g. `negotiation:createOffer`. */
  readonly fn: string;
  readonly args: readonly string[];
  /** Wait for the commit (default) or return once the orderer accepted the transaction. */
  readonly wait: boolean;
  readonly idempotencyKey?: string;
}

interface IdempotencyRow {
  fingerprint: string;
  tx_id: string;
  state: TransactionState;
  validation_code: string | null;
  block: string | null;
  result: string | null;
}

export interface TransactionServiceOptions {
  readonly pool: GatewayPool;
  readonly db: Database.Database;
  readonly metrics: ApiMetrics;
  readonly log: Logger;
  /** Resolves with a committed transaction's block and validation code, from the read model; undefined on timeout. */
  readonly awaitCommitted: (
    transactionId: string,
    timeoutMs: number,
  ) => Promise<{ blockNumber: bigint; validationCode: string } | undefined>;
}

export class TransactionService {
  readonly #options: TransactionServiceOptions;
  /** Requests with an idempotency key still running, by signer and key, with their fingerprint. */
  readonly #inFlight = new Map<string, { print: string; work: Promise<TransactionOutcome> }>();
  /** Transactions accepted by the orderer and not yet seen committed, for the `transaction` query. */
  readonly #pending = new Map<string, { fn: string; submittedAt: number }>();
  readonly #select: Database.Statement<[string, string], IdempotencyRow>;
  readonly #upsert: Database.Statement<Record<string, unknown>>;

  constructor(options: TransactionServiceOptions) {
    this.#options = options;
    options.db.exec(`CREATE TABLE IF NOT EXISTS api_idempotency (
      signer TEXT NOT NULL, key TEXT NOT NULL, fingerprint TEXT NOT NULL, tx_id TEXT NOT NULL,
      state TEXT NOT NULL, validation_code TEXT, block TEXT, result TEXT, created_at TEXT NOT NULL,
      PRIMARY KEY (signer, key))`);
    this.#select = options.db.prepare(
      'SELECT fingerprint, tx_id, state, validation_code, block, result FROM api_idempotency WHERE signer = ? AND key = ?',
    );
    this.#upsert = options.db.prepare(`INSERT INTO api_idempotency
      (signer, key, fingerprint, tx_id, state, validation_code, block, result, created_at)
      VALUES (@signer, @key, @fingerprint, @txId, @state, @validationCode, @block, @result, @createdAt)
      ON CONFLICT (signer, key) DO UPDATE SET tx_id = excluded.tx_id, state = excluded.state,
        validation_code = excluded.validation_code, block = excluded.block, result = excluded.result`);
  }

  isPending(transactionId: string): boolean {
    return this.#pending.has(transactionId);
  }

  /** Evaluates a query function as the identity (no ledger write, no ordering). */
  async evaluate(
    signer: string,
    identity: ClientIdentity,
    fn: string,
    args: readonly string[],
  ): Promise<string> {
    const { contract } = await this.#gateway(signer, identity);
    this.#options.metrics.evaluations.inc({ function: fn });
    try {
      return Buffer.from(await contract.evaluateTransaction(fn, ...args)).toString('utf8');
    } catch (err) {
      throw fromFabricError(err);
    }
  }

  async submit(request: SubmitRequest): Promise<TransactionOutcome> {
    const key = request.idempotencyKey;
    if (key === undefined) return this.#submitWithRetry(request);
    if (key.length === 0 || key.length > 128) {
      throw new ApiError(ErrorCode.BAD_USER_INPUT, 'idempotencyKey must be 1 to 128 characters');
    }
    const slot = `${request.signer}\u0000${key}`;
    const print = fingerprint(request);
    const running = this.#inFlight.get(slot);
    if (running) {
      // A concurrent retry: the same request waits for the first; another request may not reuse the key.
      if (running.print !== print) throw reusedKey();
      return { ...(await running.work), replayed: true };
    }
    const work = this.#submitIdempotent(request, key, print);
    this.#inFlight.set(slot, { print, work });
    try {
      return await work;
    } finally {
      this.#inFlight.delete(slot);
    }
  }

  async #submitIdempotent(request: SubmitRequest, key: string, print: string): Promise<TransactionOutcome> {
    const stored = this.#select.get(request.signer, key);
    if (stored) {
      if (stored.fingerprint !== print) throw reusedKey();
      const outcome = rowOutcome(stored);
      if (outcome.state !== 'PENDING' || !request.wait) return outcome;
      // An earlier process accepted it and stopped before the commit: wait for it rather than submit again.
      const committed = await this.#options.awaitCommitted(outcome.transactionId, 60_000);
      if (!committed) return outcome;
      const final = { ...outcome, ...committed, state: stateOf(committed.validationCode) };
      this.#store(request.signer, key, print, final);
      return final;
    }
    const outcome = await this.#submitWithRetry(request, (accepted) =>
      this.#store(request.signer, key, print, accepted),
    );
    this.#store(request.signer, key, print, outcome);
    return outcome;
  }

  #store(signer: string, key: string, print: string, outcome: TransactionOutcome): void {
    this.#upsert.run({
      signer,
      key,
      fingerprint: print,
      txId: outcome.transactionId,
      state: outcome.state,
      validationCode: outcome.validationCode ?? null,
      block: outcome.blockNumber?.toString() ?? null,
      result: outcome.result ?? null,
      createdAt: new Date().toISOString(),
    });
  }

  async #submitWithRetry(
    request: SubmitRequest,
    onAccepted?: (outcome: TransactionOutcome) => void,
  ): Promise<TransactionOutcome> {
    let attempt = 0;
    const retryOn: readonly string[] = RETRY_POLICY.retryOn;
    return backOff(
      async () => {
        if (attempt++ > 0) this.#options.metrics.mvccRetries.inc();
        const outcome = await this.#submitOnce(request, onAccepted);
        if (request.wait && outcome.state === 'INVALID') {
          throw new ApiError(
            ErrorCode.TRANSACTION_INVALID,
            `transaction ${outcome.transactionId} was not committed: ${outcome.validationCode ?? 'INVALID'}`,
            { transactionId: outcome.transactionId, details: { validationCode: outcome.validationCode } },
          );
        }
        return outcome;
      },
      {
        numOfAttempts: RETRY_POLICY.attempts,
        startingDelay: RETRY_POLICY.startingDelayMs,
        timeMultiple: RETRY_POLICY.timeMultiple,
        maxDelay: RETRY_POLICY.maxDelayMs,
        jitter: RETRY_POLICY.jitter,
        retry: (err: unknown) => {
          const code = err instanceof ApiError ? err.extensions.validationCode : undefined;
          return typeof code === 'string' && retryOn.includes(code);
        },
      },
    );
  }

  async #submitOnce(
    request: SubmitRequest,
    onAccepted?: (outcome: TransactionOutcome) => void,
  ): Promise<TransactionOutcome> {
    const { metrics, log } = this.#options;
    const { contract } = await this.#gateway(request.signer, request.identity);
    const proposal = contract.newProposal(request.fn, { arguments: [...request.args] });
    const transactionId = proposal.getTransactionId();
    const fn = request.fn;
    let stage = 'endorse';
    try {
      const endorseTimer = metrics.transactionStage.startTimer({ stage: 'endorse' });
      const transaction = await proposal.endorse();
      endorseTimer();
      const result = Buffer.from(transaction.getResult()).toString('utf8');
      stage = 'submit';
      const submitTimer = metrics.transactionStage.startTimer({ stage: 'submit' });
      const commit = await transaction.submit();
      submitTimer();
      this.#pending.set(transactionId, { fn, submittedAt: Date.now() });
      const accepted: TransactionOutcome = { transactionId, state: 'PENDING', result, replayed: false };
      onAccepted?.(accepted);
      const finish = async (): Promise<TransactionOutcome> => {
        stage = 'commit';
        const commitTimer = metrics.transactionStage.startTimer({ stage: 'commit' });
        try {
          const status = await commit.getStatus();
          commitTimer();
          const validationCode = validationCodeName(status.code);
          metrics.transactions.inc({ function: fn, outcome: validationCode });
          return {
            transactionId,
            state: status.successful ? 'VALID' : 'INVALID',
            validationCode,
            blockNumber: status.blockNumber,
            result,
            replayed: false,
          };
        } finally {
          this.#pending.delete(transactionId);
        }
      };
      if (request.wait) return await finish();
      finish().catch((err: unknown) =>
        log.warn({ err, transactionId }, 'commit status of an unwaited transaction'),
      );
      return accepted;
    } catch (err) {
      const apiError = fromFabricError(err, transactionId);
      metrics.transactions.inc({ function: fn, outcome: apiError.code });
      log.debug({ transactionId, fn, stage, code: apiError.code }, 'transaction failed');
      throw apiError;
    }
  }

  async #gateway(signer: string, identity: ClientIdentity) {
    try {
      return await this.#options.pool.get(signer, identity);
    } catch (err) {
      throw new ApiError(
        ErrorCode.LEDGER_UNAVAILABLE,
        `cannot connect to the peer: ${(err as Error).message}`,
        {
          cause: err,
        },
      );
    }
  }
}

function stateOf(validationCode: string): TransactionState {
  return validationCode === 'VALID' ? 'VALID' : 'INVALID';
}

function fingerprint(request: SubmitRequest): string {
  return createHash('sha256')
    .update(JSON.stringify([request.fn, request.args]))
    .digest('hex');
}

function reusedKey(): ApiError {
  return new ApiError(
    ErrorCode.CONFLICT,
    'idempotencyKey was already used for a different request; use a new key for a new request',
  );
}

function rowOutcome(row: IdempotencyRow): TransactionOutcome {
  return {
    transactionId: row.tx_id,
    state: row.state,
    ...(row.validation_code ? { validationCode: row.validation_code } : {}),
    ...(row.block ? { blockNumber: BigInt(row.block) } : {}),
    ...(row.result !== null ? { result: row.result } : {}),
    replayed: true,
  };
}
