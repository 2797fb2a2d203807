// What every resolver receives: the authenticated caller (if any), the process-wide services, and
// loaders scoped to this request or subscription operation.

import type { Logger } from 'pino';
import type { ClientIdentity } from '../../network/client/src';
import type { Cursor } from './events/cursor';
import type { LedgerEvent } from './events/event-stream';
import type { Loaders } from './loaders';
import type { Services } from './services';

export type CallerRole = 'admin' | 'user';

export interface Caller {
  /** Wallet label, `<mspId>:<enrollmentId>`. */
  readonly label: string;
  readonly mspId: string;
  readonly enrollmentId: string;
  /** The party id the chaincode sees for this identity (same as the label). */
  readonly partyId: string;
  readonly role: CallerRole;
  readonly keyId: string;
  readonly identity: ClientIdentity;
}

export interface ApiContext {
  readonly caller: Caller | undefined;
  readonly services: Services;
  readonly loaders: Loaders;
  readonly log: Logger;
  /**
   * Set when a ledger-event subscription is executed once for a group of graphql-ws subscribers
   * (events/shared-subscriptions.ts): the group counts its members in the metrics and learns each event's
   * cursor through these hooks.
   */
  readonly shared?: SharedSource;
}

export interface SharedSource {
  /** Replay after this cursor instead of the operation's `after` (a subscriber moved off a group). */
  readonly resumeAfter?: Cursor;
  /** The stream is open: it replays after `after`, or is live only when undefined. */
  opened(after: Cursor | undefined): void;
  /** The event about to be executed (called before graphql-js maps it to a result). */
  event(event: LedgerEvent): void;
}
