// Helpers every resolver uses: who is calling, submit or evaluate as that caller, read-your-writes.

import type { ApiContext, Caller } from '../context.type';
import { ApiError, ErrorCode, badInput, forbidden, unauthenticated } from '../errors';
import type { TransactionOutcome } from '../fabric/transactions';
import { TransactionState, type MutationOptions, type Payload, type TransactionReceipt } from './common.type';

export function requireCaller(ctx: ApiContext): Caller {
  if (!ctx.caller) throw unauthenticated();
  return ctx.caller;
}

export function requireAdmin(ctx: ApiContext): Caller {
  const caller = requireCaller(ctx);
  if (caller.role !== 'admin') throw forbidden(`${caller.label} is not an organisation admin`);
  return caller;
}

export function receiptOf(outcome: TransactionOutcome): TransactionReceipt {
  return {
    transactionId: outcome.transactionId,
    state: TransactionState[outcome.state],
    ...(outcome.validationCode ? { validationCode: outcome.validationCode } : {}),
    ...(outcome.blockNumber !== undefined ? { blockNumber: outcome.blockNumber } : {}),
    replayed: outcome.replayed,
  };
}

/**
 * Submits `fn(args)` signed by the caller; returns the receipt and the chaincode's result mapped by `map`
 * (only once committed: with `wait: false` the entity is null).
 */
export async function submitAs<T>(
  ctx: ApiContext,
  fn: string,
  args: readonly string[],
  options: MutationOptions | undefined,
  map: (result: unknown) => T = (r) => r as T,
): Promise<Payload<T>> {
  const caller = requireCaller(ctx);
  const outcome = await ctx.services.transactions.submit({
    signer: caller.label,
    identity: caller.identity,
    fn,
    args,
    wait: options?.wait ?? true,
    ...(options?.idempotencyKey !== undefined ? { idempotencyKey: options.idempotencyKey } : {}),
  });
  const transaction = receiptOf(outcome);
  if (outcome.state !== 'VALID' || outcome.result === undefined || outcome.result === '') {
    return { transaction, entity: null };
  }
  return { transaction, entity: map(JSON.parse(outcome.result)) };
}

/** Evaluates a query function as the caller and parses its JSON answer. */
export async function evaluateAs<T>(ctx: ApiContext, fn: string, args: readonly string[]): Promise<T> {
  const caller = requireCaller(ctx);
  const text = await ctx.services.transactions.evaluate(caller.label, caller.identity, fn, args);
  return JSON.parse(text) as T;
}

/** Like evaluateAs, but a NOT_FOUND answer becomes null. */
export async function evaluateOrNull<T>(
  ctx: ApiContext,
  fn: string,
  args: readonly string[],
): Promise<T | null> {
  try {
    return await evaluateAs<T>(ctx, fn, args);
  } catch (err) {
    if (err instanceof ApiError && err.code === ErrorCode.NOT_FOUND) return null;
    throw err;
  }
}

const MIN_BLOCK_WAIT_MS = 5_000;

/** Waits until the read model applied `minBlock` (read your own writes); LEDGER_UNAVAILABLE on timeout. */
export async function awaitReadModel(ctx: ApiContext, minBlock: bigint | undefined): Promise<void> {
  if (minBlock === undefined) return;
  if (minBlock < 0n) throw badInput('minBlock must not be negative');
  const reached = await ctx.services.projector.waitFor(minBlock, MIN_BLOCK_WAIT_MS);
  if (!reached) {
    throw new ApiError(
      ErrorCode.LEDGER_UNAVAILABLE,
      `the read model has not reached block ${minBlock} within ${MIN_BLOCK_WAIT_MS} ms`,
    );
  }
}

export function checkFirst(first: number): number {
  if (!Number.isInteger(first) || first < 1 || first > 100) throw badInput('first must be from 1 to 100');
  return first;
}

/** A plain JSON object for a chaincode argument; undefined fields are dropped by JSON.stringify. */
export function json(value: unknown): string {
  return JSON.stringify(value);
}
