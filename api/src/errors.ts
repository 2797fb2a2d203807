// The API's error vocabulary: every error a client sees carries one of these stable `extensions.code`
// values. Failures from Fabric are converted here, once, so resolvers never inspect gRPC details.

import { GraphQLError } from 'graphql';
import { status as GrpcStatus } from '@grpc/grpc-js';
import {
  CommitError,
  CommitStatusError,
  EndorseError,
  GatewayError,
  type ErrorDetail,
} from '@hyperledger/fabric-gateway';
import type { CaError } from '../../network/client/src';

export const ErrorCode = {
  BAD_USER_INPUT: 'BAD_USER_INPUT',
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  FORBIDDEN: 'FORBIDDEN',
  NOT_FOUND: 'NOT_FOUND',
  CONFLICT: 'CONFLICT',
  CHAINCODE_ERROR: 'CHAINCODE_ERROR',
  LEDGER_UNAVAILABLE: 'LEDGER_UNAVAILABLE',
  TRANSACTION_INVALID: 'TRANSACTION_INVALID',
  LIMIT_EXCEEDED: 'LIMIT_EXCEEDED',
  INTERNAL_SERVER_ERROR: 'INTERNAL_SERVER_ERROR',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export interface ApiErrorOptions {
  readonly transactionId?: string;
  readonly details?: Record<string, unknown>;
  readonly cause?: unknown;
}

/** An error meant for the client: its message is safe to show and its code is part of the API contract. */
export class ApiError extends GraphQLError {
  readonly code: ErrorCode;
  readonly transactionId?: string;

  constructor(code: ErrorCode, message: string, options: ApiErrorOptions = {}) {
    super(message, {
      extensions: {
        code,
        ...(options.transactionId ? { transactionId: options.transactionId } : {}),
        ...options.details,
      },
      originalError: options.cause instanceof Error ? options.cause : undefined,
    });
    this.name = 'ApiError';
    this.code = code;
    if (options.transactionId) this.transactionId = options.transactionId;
  }
}

export const unauthenticated = (message = 'an API key is required: send Authorization: Bearer <key>') =>
  new ApiError(ErrorCode.UNAUTHENTICATED, message);
export const forbidden = (message: string) => new ApiError(ErrorCode.FORBIDDEN, message);
export const notFound = (message: string) => new ApiError(ErrorCode.NOT_FOUND, message);
export const badInput = (message: string, details?: Record<string, unknown>) =>
  new ApiError(ErrorCode.BAD_USER_INPUT, message, details ? { details } : {});

/**
 * The chaincode's messages are free text (fabric-contract-api keeps only the message); these patterns are
 * the contracts' own wording for the cases a client handles differently from a plain rejection.
 */
const CHAINCODE_MESSAGE_CODES: readonly (readonly [RegExp, ErrorCode])[] = [
  [/\bdoes not exist\b|\bnot found\b|\bhas no record\b/i, ErrorCode.NOT_FOUND],
  [
    /\bis not a party\b|\bmay not read\b|\bonly the\b|\bnot allowed\b|\bnot authori[sz]ed\b|\bcannot\b.*\bown\b/i,
    ErrorCode.FORBIDDEN,
  ],
  [/\balready exists\b|\balready (accepted|rejected|closed|delivered)\b/i, ErrorCode.CONFLICT],
];

export function codeForChaincodeMessage(message: string): ErrorCode {
  for (const [pattern, code] of CHAINCODE_MESSAGE_CODES) if (pattern.test(message)) return code;
  return ErrorCode.CHAINCODE_ERROR;
}

/** gRPC statuses that mean the ledger could not be reached or did not answer in time. */
const UNAVAILABLE: ReadonlySet<number> = new Set<number>([
  GrpcStatus.UNAVAILABLE,
  GrpcStatus.DEADLINE_EXCEEDED,
  GrpcStatus.CANCELLED,
  GrpcStatus.RESOURCE_EXHAUSTED,
]);

/** The chaincode's own message from the endorsers' error details (the gateway wraps it). */
export function chaincodeMessage(details: readonly ErrorDetail[], fallback: string): string {
  for (const detail of details) {
    const match = /chaincode response \d+, (.*)$/s.exec(detail.message);
    if (match?.[1]) return match[1];
  }
  const first = details[0]?.message;
  return first ?? fallback;
}

/** Converts anything thrown by the Fabric layer into an ApiError (the single conversion boundary). */
export function fromFabricError(err: unknown, transactionId?: string): ApiError {
  if (err instanceof ApiError) return err;
  const txOptions = transactionId ? { transactionId } : {};
  if (err instanceof CommitError) {
    return new ApiError(
      ErrorCode.TRANSACTION_INVALID,
      `transaction ${err.transactionId} was not committed: ${err.code}`,
      { transactionId: err.transactionId, details: { validationCode: err.code }, cause: err },
    );
  }
  if (err instanceof EndorseError || err instanceof CommitStatusError) {
    return fromGatewayError(err, err.transactionId);
  }
  // SubmitError is exported as a type only; it is a GatewayError carrying the transaction id.
  if (err instanceof GatewayError) return fromGatewayError(err, transactionIdOf(err) ?? transactionId);
  const message = err instanceof Error ? err.message : String(err);
  return new ApiError(ErrorCode.INTERNAL_SERVER_ERROR, message, { ...txOptions, cause: err });
}

function fromGatewayError(err: GatewayError, transactionId: string | undefined): ApiError {
  const code: number = err.code;
  const options = { ...(transactionId ? { transactionId } : {}), cause: err };
  if (UNAVAILABLE.has(code)) {
    return new ApiError(
      ErrorCode.LEDGER_UNAVAILABLE,
      `the ledger is unavailable: ${err.details[0]?.message ?? err.message}`,
      options,
    );
  }
  if (code === (GrpcStatus.PERMISSION_DENIED as number) || code === (GrpcStatus.UNAUTHENTICATED as number)) {
    return new ApiError(ErrorCode.FORBIDDEN, `the network refused the identity: ${err.message}`, options);
  }
  if ([GrpcStatus.ABORTED, GrpcStatus.UNKNOWN, GrpcStatus.FAILED_PRECONDITION].map(Number).includes(code)) {
    const message = chaincodeMessage(err.details, err.message);
    return new ApiError(codeForChaincodeMessage(message), message, {
      ...options,
      details: { endorsers: err.details.map((d) => ({ address: d.address, mspId: d.mspId })) },
    });
  }
  return new ApiError(ErrorCode.LEDGER_UNAVAILABLE, err.message, options);
}

function transactionIdOf(err: GatewayError): string | undefined {
  const id = (err as GatewayError & { transactionId?: unknown }).transactionId;
  return typeof id === 'string' ? id : undefined;
}

/** A Fabric CA refusal (register, enrol) as the client should see it. */
export function fromCaError(err: CaError): ApiError {
  const code =
    err.code === 'ALREADY_REGISTERED'
      ? ErrorCode.CONFLICT
      : err.code === 'CA_UNREACHABLE'
        ? ErrorCode.LEDGER_UNAVAILABLE
        : err.code === 'NOT_AUTHORIZED' || err.code === 'AUTHENTICATION_FAILED'
          ? ErrorCode.FORBIDDEN
          : ErrorCode.BAD_USER_INPUT;
  return new ApiError(code, `the CA refused: ${err.message}`, { cause: err });
}
