// One error class per failure mode so callers (committer, gateway, deliver) can branch on
// `instanceof` instead of parsing messages.

export class LedgerError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A transaction envelope (or one of its nested messages) could not be decoded. */
export class MalformedTransactionError extends LedgerError {}

/** A block was offered whose number is not the current height. */
export class UnexpectedBlockNumberError extends LedgerError {
  constructor(
    readonly expected: number,
    readonly actual: number,
  ) {
    super(
      `unexpected block number ${actual}: ledger height is ${expected}, so the next block must be ${expected}`,
    );
  }
}

/** A block's previous_hash does not match the header hash of the last stored block. */
export class PreviousHashMismatchError extends LedgerError {
  constructor(
    readonly blockNumber: number,
    readonly expected: string,
    readonly actual: string,
  ) {
    super(`block ${blockNumber} has previous_hash ${actual}, expected ${expected}`);
  }
}

/** A block that cannot be appended because it is structurally incomplete (no header, no data). */
export class InvalidBlockError extends LedgerError {}

/** The committed block lacks a TRANSACTIONS_FILTER metadata entry matching its tx count. */
export class MissingTransactionsFilterError extends LedgerError {}

/** A block number at or above the current height was requested. */
export class BlockNotFoundError extends LedgerError {
  constructor(
    readonly blockNumber: number,
    readonly height: number,
  ) {
    super(`block ${blockNumber} not found: height is ${height}`);
  }
}

/** A block file is damaged somewhere other than its torn tail, so it cannot be repaired by truncation. */
export class CorruptBlockFileError extends LedgerError {}

/** The state database claims more blocks than the block files hold (e.g. block files lost with sync: false). */
export class LedgerInconsistentError extends LedgerError {}

/** An operation was attempted on (or was pending when) the ledger was closed. */
export class LedgerClosedError extends LedgerError {
  constructor(channelId: string) {
    super(`ledger for channel ${channelId} is closed`);
  }
}
