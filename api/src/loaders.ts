// DataLoaders over the contracts' batch reads (`getMany`, `getReputations`): all the ledger reads one
// request makes of one kind become one evaluate call per 100 ids. A loader is made per HTTP request and
// per subscription event (graphql-ws builds the context once per operation, so a cache kept across
// events would serve stale state).

import DataLoader from 'dataloader';
import type { Caller } from './context.type';
import type { TransactionService } from './fabric/transactions';

/** The chaincode's batch limit (chaincode/src/util/validate.ts MAX_BATCH). */
const MAX_BATCH = 100;

export type EntityKind = 'negotiation' | 'order' | 'shipment' | 'device' | 'idea' | 'certification';

export interface Loaders {
  entity<T = Record<string, unknown>>(kind: EntityKind): DataLoader<string, T | null>;
  readonly reputation: DataLoader<string, Record<string, unknown>>;
  /** Evaluate calls made through these loaders (for tests and logs). */
  readonly ledgerCalls: () => number;
}

export function newLoaders(caller: Caller | undefined, transactions: TransactionService): Loaders {
  let calls = 0;
  const evaluate = async (fn: string, ids: readonly string[]): Promise<unknown[]> => {
    if (!caller) throw new Error('ledger reads need an authenticated caller');
    calls++;
    const text = await transactions.evaluate(caller.label, caller.identity, fn, [JSON.stringify(ids)]);
    const parsed = JSON.parse(text) as unknown;
    if (!Array.isArray(parsed) || parsed.length !== ids.length) {
      throw new Error(
        `${fn} answered ${Array.isArray(parsed) ? parsed.length : 'no'} items for ${ids.length} ids`,
      );
    }
    return parsed as unknown[];
  };
  const byKind = new Map<EntityKind, DataLoader<string, unknown>>();
  return {
    entity<T>(kind: EntityKind): DataLoader<string, T | null> {
      let loader = byKind.get(kind);
      if (!loader) {
        loader = new DataLoader<string, unknown>((ids) => evaluate(`${kind}:getMany`, ids), {
          maxBatchSize: MAX_BATCH,
        });
        byKind.set(kind, loader);
      }
      return loader as DataLoader<string, T | null>;
    },
    reputation: new DataLoader(
      async (ids: readonly string[]) =>
        (await evaluate('reputation:getReputations', ids)) as Record<string, unknown>[],
      { maxBatchSize: MAX_BATCH },
    ),
    ledgerCalls: () => calls,
  };
}
