// The states of the seed's Figure 24 (section 7.2). A row leaves the buffer on commit; the recovery
// pass (section 7.3) moves each error state back to the stage it must repeat.

export const TX_STATES = [
  'PENDING_ENDORSEMENT',
  'ENDORSEMENT_ERROR',
  'PENDING_ORDERING',
  'ORDERING_ERROR',
  'PENDING_COMMIT',
  'COMMIT_ERROR',
] as const;
export type TxState = (typeof TX_STATES)[number];

/** Where a recovery pass sends each state: errors back to their stage; ordering and commit errors resubmit. */
export const RECOVERY_TARGET: Readonly<Record<TxState, TxState>> = {
  PENDING_ENDORSEMENT: 'PENDING_ENDORSEMENT',
  ENDORSEMENT_ERROR: 'PENDING_ENDORSEMENT',
  PENDING_ORDERING: 'PENDING_ORDERING',
  ORDERING_ERROR: 'PENDING_ORDERING',
  // After a crash a row may have been submitted or not: re-sending the same signed envelope is safe
  // (a second copy is marked DUPLICATE_TXID by the committer), so both resume at ordering.
  PENDING_COMMIT: 'PENDING_ORDERING',
  COMMIT_ERROR: 'PENDING_ORDERING',
};

/** States whose transaction may already have reached the orderer: never dropped to make room. */
export const MAYBE_SENT: ReadonlySet<TxState> = new Set([
  'PENDING_ORDERING',
  'ORDERING_ERROR',
  'PENDING_COMMIT',
  'COMMIT_ERROR',
]);

export const FULL_POLICIES = ['refuse', 'drop-oldest'] as const;
export type FullPolicy = (typeof FULL_POLICIES)[number];

export const DROP_REASONS = ['full', 'expired'] as const;
export type DropReason = (typeof DROP_REASONS)[number];
