/** The committed-state view the endorser simulates against; the channel ledger implements it. */
import type { Version } from '../ledger/types';

export type { Version };

export interface VersionedValue {
  readonly value: Uint8Array;
  readonly version: Version;
  /** Key-level metadata entries (for example VALIDATION_PARAMETER), by name. */
  readonly metadata?: ReadonlyMap<string, Uint8Array>;
}

export interface KeyModification {
  readonly txId: string;
  readonly value: Uint8Array;
  readonly isDelete: boolean;
  readonly timestamp: { seconds: number; nanos: number } | undefined;
}

export interface StateReader {
  getState(namespace: string, key: string): Promise<VersionedValue | undefined>;
  /** Keys in [startKey, endKey) of one namespace, in byte order; an empty endKey means to the end. */
  getStateRange(
    namespace: string,
    startKey: string,
    endKey: string,
  ): AsyncIterable<{ key: string; value: Uint8Array; version: Version }>;
  getHistory(namespace: string, key: string): Promise<KeyModification[]>;
}

export function sameVersion(a: Version | undefined, b: Version | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return a.blockNum === b.blockNum && a.txNum === b.txNum;
}
