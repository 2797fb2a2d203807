// What every resolver receives: the authenticated caller (if any), the process-wide services, and
// loaders scoped to this request or subscription operation.

import type { Logger } from 'pino';
import type { ClientIdentity } from '../../network/client/src';
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
}
