// A position in the ledger's event order: block number, transaction index in the block, event index in
// the transaction. Clients hold it as an opaque string and hand it back as `after` to resume.

import { badInput } from '../errors';
import type { EventCursor } from '../readmodel/read-model';

export type Cursor = EventCursor;

export function encodeCursor(cursor: Cursor): string {
  return `${cursor.block}:${cursor.txIndex}:${cursor.eventIndex}`;
}

export function decodeCursor(text: string): Cursor {
  const match = /^(\d{1,19}):(\d{1,9}):(\d{1,9})$/.exec(text);
  if (!match)
    throw badInput(`after must be a cursor '<block>:<transaction index>:<event index>', got '${text}'`);
  return { block: BigInt(match[1] ?? '0'), txIndex: Number(match[2]), eventIndex: Number(match[3]) };
}

/** Negative, zero or positive as a is before, at or after b. */
export function compareCursors(a: Cursor, b: Cursor): number {
  if (a.block !== b.block) return a.block < b.block ? -1 : 1;
  if (a.txIndex !== b.txIndex) return a.txIndex - b.txIndex;
  return a.eventIndex - b.eventIndex;
}
