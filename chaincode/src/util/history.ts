// Every committed version of one key, oldest first. Fabric's history database answers newest first
// (commit order reversed); clients read a history forwards, so the order is reversed, not re-sorted by
// timestamp (two writes in one block can share a timestamp).
import { type Context } from 'fabric-contract-api';
import { fromBytes } from './stable';
import { timestampIso } from './time';

export interface Version<T> {
  txId: string;
  timestamp: string;
  isDelete: boolean;
  value: T | null;
}

export async function historyOf<T>(ctx: Context, key: string): Promise<Version<T>[]> {
  const out: Version<T>[] = [];
  for await (const mod of ctx.stub.getHistoryForKey(key)) {
    out.push({
      txId: mod.txId,
      timestamp: timestampIso(mod.timestamp),
      isDelete: mod.isDelete,
      value: mod.isDelete || !mod.value || mod.value.length === 0 ? null : fromBytes<T>(mod.value),
    });
  }
  return out.reverse();
}
