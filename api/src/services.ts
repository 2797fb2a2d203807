// The process-wide services resolvers reach through the context. Built once by the server.

import type { CaClient } from '../../network/client/src';
import type { ApiKeys } from './auth/api-keys';
import type { Wallet } from './auth/wallet';
import type { EventFeed } from './events/event-stream';
import type { TransactionService } from './fabric/transactions';
import type { ApiMetrics } from './metrics';
import type { Projector } from './readmodel/projector';
import type { ReadModel } from './readmodel/read-model';

export interface Services {
  readonly channel: string;
  readonly chaincode: string;
  readonly transactions: TransactionService;
  readonly readModel: ReadModel;
  readonly projector: Projector;
  readonly feed: EventFeed;
  readonly metrics: ApiMetrics;
  readonly wallet: Wallet;
  readonly apiKeys: ApiKeys;
  /** The Fabric CA of each organisation the API serves, by MSP ID (for creating users). */
  readonly cas: ReadonlyMap<string, CaClient>;
}
