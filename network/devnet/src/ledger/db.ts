import { ClassicLevel } from 'classic-level';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';

/** The one LevelDB per channel shared by state, history, tx index and savepoint. */
export type LedgerDb = ClassicLevel<Uint8Array, Uint8Array>;

export type BatchOp = { type: 'put'; key: Uint8Array; value: Uint8Array } | { type: 'del'; key: Uint8Array };

export function ledgerDbPath(dir: string, channelId: string): string {
  return path.join(dir, 'ledgersData', channelId);
}

export async function openLedgerDb(dir: string, channelId: string): Promise<LedgerDb> {
  const location = ledgerDbPath(dir, channelId);
  // LevelDB creates only the leaf directory.
  await fs.mkdir(path.dirname(location), { recursive: true });
  const db = new ClassicLevel<Uint8Array, Uint8Array>(location, {
    keyEncoding: 'view',
    valueEncoding: 'view',
  });
  await db.open();
  return db;
}
