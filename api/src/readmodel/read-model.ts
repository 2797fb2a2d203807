// The read model: a SQLite projection of the channel's valid transactions (Fabric's off_chain_data
// pattern). Lists, filters, aggregates and subscription replay are served from here so they never
// range-scan the world state through chaincode. The ledger stays the source of truth: the projection
// can always be dropped and rebuilt from block 0.

import type Database from 'better-sqlite3';
import type { ParsedBlock, ParsedTransaction, ParsedWrite } from '../../../network/client/src';

/** Bumped when the tables change shape; a mismatch drops the projection and rebuilds it from block 0. */
const SCHEMA_VERSION = 2;

export const ENTITY_TYPES = ['negotiation', 'order', 'shipment', 'device', 'idea', 'certification'] as const;
export type EntityType = (typeof ENTITY_TYPES)[number];
const ENTITY_TYPE_SET: ReadonlySet<string> = new Set(ENTITY_TYPES);

export const SENSOR_FIELDS = ['temperature', 'humidity', 'pressure'] as const;
export type SensorField = (typeof SENSOR_FIELDS)[number];

export interface EventCursor {
  readonly block: bigint;
  readonly txIndex: number;
  readonly eventIndex: number;
}

/** A chaincode event of a valid transaction: what subscriptions replay and receive live (api/src/events). */
export interface StoredEvent {
  readonly cursor: EventCursor;
  readonly name: string;
  readonly chaincode: string;
  readonly transactionId: string;
  /** The transaction's timestamp (ISO 8601, nanoseconds). */
  readonly timestamp: string;
  /** The payload parsed as JSON; a non-JSON or non-object payload is wrapped as { value }. */
  readonly payload: Record<string, unknown>;
  /** Party ids named by the payload (its `parties` array and the usual party fields). */
  readonly parties: readonly string[];
  /** When the read model committed the event's block (ms since epoch). */
  readonly appliedAt: number;
}

export interface AppliedBlock {
  readonly number: bigint;
  readonly events: readonly StoredEvent[];
}

export interface Page<T> {
  readonly nodes: T[];
  /** Opaque; pass back as `after`. Absent on an empty page. */
  readonly endCursor?: string;
  readonly hasNextPage: boolean;
  readonly totalCount: number;
}

export interface ListEntitiesOptions {
  readonly party?: string;
  readonly status?: string;
  /** Inclusive bounds on the entity's createdAt (ISO 8601; any zone, normalised to UTC). */
  readonly createdFrom?: string;
  readonly createdTo?: string;
  readonly first: number;
  readonly after?: string;
}

export interface ReadingsOptions {
  readonly first: number;
  readonly after?: string;
  readonly deviceId?: string;
}

export interface FieldSummary {
  /** Readings recorded one by one that carry the field. */
  readonly count: number;
  /** Readings covered by the edge's periodic summaries that carry the field (not recorded one by one). */
  readonly summarizedReadings: number;
  readonly min: number | null;
  readonly max: number | null;
  /** Device timestamps (as sent) of the earliest and latest reading carrying the field. */
  readonly firstTimestamp: string | null;
  readonly lastTimestamp: string | null;
  /** Readings whose value for this field violated the shipment's condition. */
  readonly violations: number;
  /** Summaries whose minimum or maximum for this field violated the shipment's condition. */
  readonly summaryViolations: number;
}

export interface ShipmentSummary {
  readonly shipmentId: string;
  /** Readings recorded for the shipment. */
  readonly count: number;
  /** Readings with at least one violation. */
  readonly violations: number;
  /** Periodic summaries recorded by edge devices in threshold mode, the readings they cover, and how many violated. */
  readonly summaries: number;
  readonly summarizedReadings: number;
  readonly summaryViolations: number;
  /** min, max, first and last merge recorded readings and summaries; counts keep them apart. */
  readonly fields: Record<SensorField, FieldSummary>;
}

export interface StoredBlock {
  readonly number: bigint;
  readonly hash: string;
  readonly previousHash: string;
  readonly dataHash: string;
  readonly txCount: number;
  readonly appliedAt: number;
  readonly transactions: StoredTransaction[];
}

export interface StoredTransaction {
  readonly txId: string;
  readonly blockNumber: bigint;
  readonly txIndex: number;
  readonly type: string;
  readonly timestamp: string;
  readonly creatorMspId: string;
  readonly creatorId: string;
  readonly validationCode: string;
  readonly valid: boolean;
  readonly chaincode: string | null;
  readonly function: string | null;
}

export interface EventsAfterOptions {
  readonly names?: readonly string[];
  readonly party?: string;
  readonly chaincode?: string;
  readonly limit: number;
}

export interface ReadModelOptions {
  /** The chaincode whose writes are projected (default 'manusquare'). */
  readonly chaincode?: string;
  /** Clock for appliedAt (tests). */
  readonly now?: () => number;
}

type Row = Record<string, unknown>;
type Doc = Record<string, unknown>;

const PARTY_FIELDS = [
  'customer',
  'supplier',
  'sender',
  'receiver',
  'custodian',
  'owner',
  'certifiedBy',
  'rater',
  'ratee',
  'contributor',
] as const;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS rm_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS rm_blocks (
  number INTEGER PRIMARY KEY, hash TEXT NOT NULL, previous_hash TEXT NOT NULL, data_hash TEXT NOT NULL,
  tx_count INTEGER NOT NULL, applied_at INTEGER NOT NULL);
-- Keyed by position, not tx_id: Fabric commits a duplicate tx id as an invalid DUPLICATE_TXID row.
CREATE TABLE IF NOT EXISTS rm_transactions (
  block INTEGER NOT NULL, tx_index INTEGER NOT NULL, tx_id TEXT NOT NULL, type TEXT NOT NULL,
  timestamp TEXT NOT NULL, creator_msp TEXT NOT NULL, creator_id TEXT NOT NULL,
  validation_code TEXT NOT NULL, valid INTEGER NOT NULL, chaincode TEXT, function TEXT,
  PRIMARY KEY (block, tx_index)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS rm_transactions_tx_id ON rm_transactions (tx_id);
CREATE TABLE IF NOT EXISTS rm_entities (
  type TEXT NOT NULL, id TEXT NOT NULL, json TEXT NOT NULL, status TEXT, parties_json TEXT NOT NULL,
  created_at TEXT NOT NULL, updated_at TEXT NOT NULL, block INTEGER NOT NULL, tx_index INTEGER NOT NULL,
  PRIMARY KEY (type, id)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS rm_entities_created ON rm_entities (type, created_at, id);
CREATE INDEX IF NOT EXISTS rm_entities_status ON rm_entities (type, status, created_at, id);
-- created_at is copied here so "my negotiations" pages walk one index in keyset order.
CREATE TABLE IF NOT EXISTS rm_entity_parties (
  type TEXT NOT NULL, id TEXT NOT NULL, party TEXT NOT NULL, created_at TEXT NOT NULL,
  PRIMARY KEY (type, id, party)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS rm_entity_parties_party ON rm_entity_parties (type, party, created_at, id);
CREATE TABLE IF NOT EXISTS rm_rounds (
  negotiation_id TEXT NOT NULL, round INTEGER NOT NULL, json TEXT NOT NULL, action TEXT,
  by_party TEXT, timestamp TEXT, block INTEGER NOT NULL, tx_index INTEGER NOT NULL,
  PRIMARY KEY (negotiation_id, round)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS rm_readings (
  shipment_id TEXT NOT NULL, device_id TEXT NOT NULL, sequence INTEGER NOT NULL, timestamp TEXT NOT NULL,
  ts_ms INTEGER NOT NULL, json TEXT NOT NULL, temperature REAL, humidity REAL, pressure REAL, lat REAL,
  lon REAL, violation INTEGER NOT NULL, block INTEGER NOT NULL, tx_index INTEGER NOT NULL,
  PRIMARY KEY (shipment_id, device_id, sequence)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS rm_readings_time ON rm_readings (shipment_id, ts_ms, device_id, sequence);
CREATE INDEX IF NOT EXISTS rm_readings_device_time ON rm_readings (shipment_id, device_id, ts_ms, sequence);
-- Per-shipment, per-field aggregates maintained by apply, so a summary is a handful of row reads
-- whatever the number of readings.
CREATE TABLE IF NOT EXISTS rm_reading_stats (
  shipment_id TEXT NOT NULL, field TEXT NOT NULL, count INTEGER NOT NULL, min REAL, max REAL,
  first_ms INTEGER, first_ts TEXT, last_ms INTEGER, last_ts TEXT, violations INTEGER NOT NULL,
  PRIMARY KEY (shipment_id, field)) WITHOUT ROWID;
-- The edge's periodic summaries (threshold mode): one row each, the ranges as columns, so a shipment's
-- summary aggregates them with one indexed range scan.
CREATE TABLE IF NOT EXISTS rm_summaries (
  shipment_id TEXT NOT NULL, device_id TEXT NOT NULL, sequence INTEGER NOT NULL, from_ms INTEGER NOT NULL,
  to_ms INTEGER NOT NULL, count INTEGER NOT NULL, json TEXT NOT NULL,
  temperature_min REAL, temperature_max REAL, temperature_violated INTEGER NOT NULL,
  humidity_min REAL, humidity_max REAL, humidity_violated INTEGER NOT NULL,
  pressure_min REAL, pressure_max REAL, pressure_violated INTEGER NOT NULL,
  violation INTEGER NOT NULL, block INTEGER NOT NULL, tx_index INTEGER NOT NULL,
  PRIMARY KEY (shipment_id, device_id, sequence)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS rm_ratings (
  ratee TEXT NOT NULL, order_id TEXT NOT NULL, rater TEXT NOT NULL, score REAL, timestamp TEXT,
  json TEXT NOT NULL, block INTEGER NOT NULL, tx_index INTEGER NOT NULL,
  PRIMARY KEY (ratee, order_id, rater)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS rm_contributions (
  idea_id TEXT NOT NULL, contribution_id TEXT NOT NULL, contributor TEXT, timestamp TEXT,
  json TEXT NOT NULL, block INTEGER NOT NULL, tx_index INTEGER NOT NULL,
  PRIMARY KEY (idea_id, contribution_id)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS rm_shipment_items (
  item_id TEXT NOT NULL, shipment_id TEXT NOT NULL, PRIMARY KEY (item_id, shipment_id)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS rm_bindings (
  shipment_id TEXT NOT NULL, device_id TEXT NOT NULL, json TEXT NOT NULL,
  PRIMARY KEY (shipment_id, device_id)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS rm_events (
  block INTEGER NOT NULL, tx_index INTEGER NOT NULL, event_index INTEGER NOT NULL, tx_id TEXT NOT NULL,
  chaincode TEXT NOT NULL, name TEXT NOT NULL, payload_json TEXT NOT NULL, parties_json TEXT NOT NULL,
  timestamp TEXT NOT NULL, applied_at INTEGER NOT NULL,
  PRIMARY KEY (block, tx_index, event_index)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS rm_events_name ON rm_events (name, block, tx_index, event_index);
CREATE TABLE IF NOT EXISTS rm_event_parties (
  party TEXT NOT NULL, block INTEGER NOT NULL, tx_index INTEGER NOT NULL, event_index INTEGER NOT NULL,
  PRIMARY KEY (party, block, tx_index, event_index)) WITHOUT ROWID;
`;

const TABLES = [
  'rm_meta',
  'rm_blocks',
  'rm_transactions',
  'rm_entities',
  'rm_entity_parties',
  'rm_rounds',
  'rm_readings',
  'rm_reading_stats',
  'rm_summaries',
  'rm_ratings',
  'rm_contributions',
  'rm_shipment_items',
  'rm_bindings',
  'rm_events',
  'rm_event_parties',
];

export class ReadModelGapError extends Error {
  constructor(
    readonly expected: bigint,
    readonly received: bigint,
  ) {
    super(`read model expects block ${expected}, received block ${received}`);
    this.name = 'ReadModelGapError';
  }
}

/** Opaque keyset cursors: base64url of a JSON array of the sort key. */
function encodeKey(values: readonly unknown[]): string {
  return Buffer.from(JSON.stringify(values), 'utf8').toString('base64url');
}

function decodeKey(cursor: string, arity: number, what: string): unknown[] {
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(parsed) && parsed.length === arity) return parsed;
  } catch {
    // fall through to the error below
  }
  throw new RangeError(`invalid ${what} cursor`);
}

/**
 * The UTC form the chaincode writes times in (`YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ`), so bounds compare
 * lexically with stored createdAt values.
 */
export function normaliseInstant(value: string): string {
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{9}Z$/.test(value)) return value;
  const frac = /\.(\d+)/.exec(value)?.[1] ?? '';
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new RangeError(`not an ISO 8601 instant: ${value}`);
  // Date keeps milliseconds only; the sub-millisecond digits are kept from the text.
  const nanosBeyondMs = frac.length > 3 ? frac.slice(3, 9).padEnd(6, '0') : '000000';
  return `${new Date(ms).toISOString().slice(0, 23)}${nanosBeyondMs}Z`;
}

function parseJson(bytes: Uint8Array | undefined): Doc | undefined {
  if (!bytes || bytes.length === 0) return undefined;
  try {
    const v = JSON.parse(Buffer.from(bytes).toString('utf8')) as unknown;
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Doc) : undefined;
  } catch {
    return undefined;
  }
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

function num(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

/** `\u0000type\u0000a1\u0000a2\u0000` → [type, a1, a2]; undefined for a simple key. */
export function splitCompositeKey(key: string): [string, ...string[]] | undefined {
  if (!key.startsWith('\u0000') || !key.endsWith('\u0000') || key.length < 2) return undefined;
  const parts = key.slice(1, -1).split('\u0000');
  const [type, ...attrs] = parts;
  return type === undefined || type === '' ? undefined : [type, ...attrs];
}

function eventParties(payload: Doc): string[] {
  const parties = new Set<string>();
  const list = payload['parties'];
  if (Array.isArray(list)) for (const p of list) if (typeof p === 'string' && p !== '') parties.add(p);
  for (const f of PARTY_FIELDS) {
    const p = str(payload[f]);
    if (p) parties.add(p);
  }
  return [...parties].sort();
}

function entityParties(type: EntityType, doc: Doc): string[] {
  const parties = new Set<string>();
  const add = (v: unknown): void => {
    const s = str(v);
    if (s) parties.add(s);
  };
  switch (type) {
    case 'negotiation':
    case 'order':
      add(doc['customer']);
      add(doc['supplier']);
      break;
    case 'shipment':
      add(doc['sender']);
      add(doc['receiver']);
      add(doc['custodian']);
      break;
    case 'device': {
      const msp = str(doc['mspId']);
      const enrollment = str(doc['enrollmentId']);
      if (msp && enrollment) parties.add(`${msp}:${enrollment}`);
      add(doc['registeredBy']);
      break;
    }
    case 'idea':
      add(doc['owner']);
      break;
    case 'certification':
      add(doc['certifiedBy']);
      break;
  }
  return [...parties].sort();
}

function entityStatus(type: EntityType, doc: Doc): string | null {
  if (type === 'device' && typeof doc['active'] === 'boolean') return doc['active'] ? 'ACTIVE' : 'INACTIVE';
  return str(doc['status']) ?? null;
}

function entityCreatedAt(doc: Doc): string | undefined {
  return str(doc['createdAt']) ?? str(doc['registeredAt']) ?? str(doc['certifiedAt']);
}

function emptyField(): FieldSummary {
  return {
    count: 0,
    summarizedReadings: 0,
    min: null,
    max: null,
    firstTimestamp: null,
    lastTimestamp: null,
    violations: 0,
    summaryViolations: 0,
  };
}

function minOf(a: number | null, b: number | null): number | null {
  return a === null ? b : b === null ? a : Math.min(a, b);
}

function maxOf(a: number | null, b: number | null): number | null {
  return a === null ? b : b === null ? a : Math.max(a, b);
}

/** The earlier of two timestamps; a reading's is kept as the device sent it, so compare instants. */
function earliest(a: string | null, b: string | null): string | null {
  if (a === null || b === null) return a ?? b;
  return Date.parse(b) < Date.parse(a) ? b : a;
}

function latest(a: string | null, b: string | null): string | null {
  if (a === null || b === null) return a ?? b;
  return Date.parse(b) > Date.parse(a) ? b : a;
}

export class ReadModel {
  readonly #db: Database.Database;
  readonly #chaincode: string;
  readonly #now: () => number;
  readonly #statements = new Map<string, Database.Statement>();
  #nextBlock: bigint;
  readonly #applyTx: (block: ParsedBlock) => AppliedBlock | undefined;

  constructor(db: Database.Database, options: ReadModelOptions = {}) {
    this.#db = db;
    this.#chaincode = options.chaincode ?? 'manusquare';
    this.#now = options.now ?? Date.now;
    // WAL lets GraphQL reads run while the projector writes. synchronous=NORMAL in WAL mode survives
    // process crashes; a power loss may drop the last few commits, but the checkpoint lives in the
    // same transaction as the rows, so the projection simply re-applies those blocks from the ledger.
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = OFF');
    this.#migrate();
    this.#nextBlock = this.#loadCheckpoint();
    this.#applyTx = db.transaction((block: ParsedBlock) => this.#applyInTransaction(block));
  }

  #migrate(): void {
    const hasMeta = this.#db
      .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'rm_meta'")
      .get();
    if (hasMeta) {
      const row = this.#db.prepare("SELECT value FROM rm_meta WHERE key = 'schema_version'").get() as
        { value: string } | undefined;
      if (row?.value === String(SCHEMA_VERSION)) return;
      // An older projection is cheaper to rebuild from the ledger than to migrate.
      this.#db.transaction(() => {
        for (const t of TABLES) this.#db.exec(`DROP TABLE IF EXISTS ${t}`);
      })();
    }
    this.#db.transaction(() => {
      this.#db.exec(SCHEMA);
      this.#db
        .prepare("INSERT OR REPLACE INTO rm_meta (key, value) VALUES ('schema_version', ?)")
        .run(String(SCHEMA_VERSION));
      this.#db.prepare("INSERT OR IGNORE INTO rm_meta (key, value) VALUES ('next_block', '0')").run();
    })();
  }

  #loadCheckpoint(): bigint {
    const row = this.#stmt("SELECT value FROM rm_meta WHERE key = 'next_block'").get() as
      { value: string } | undefined;
    return BigInt(row?.value ?? '0');
  }

  #stmt(sql: string): Database.Statement {
    let s = this.#statements.get(sql);
    if (!s) {
      s = this.#db.prepare(sql);
      this.#statements.set(sql, s);
    }
    return s;
  }

  /** The chaincode whose writes are projected. */
  get chaincode(): string {
    return this.#chaincode;
  }

  /** The next block the read model expects: its height. */
  nextBlock(): bigint {
    return this.#nextBlock;
  }

  /**
   * Applies one block atomically. Blocks below the checkpoint are skipped (undefined); a block above
   * it throws ReadModelGapError. Publish the returned events only after this returns (committed).
   */
  apply(block: ParsedBlock): AppliedBlock | undefined {
    return this.#applyTx(block);
  }

  #applyInTransaction(block: ParsedBlock): AppliedBlock | undefined {
    // Re-read inside the transaction: another ReadModel on the same file may have advanced it.
    const next = this.#loadCheckpoint();
    this.#nextBlock = next;
    if (block.number < next) return undefined;
    if (block.number > next) throw new ReadModelGapError(next, block.number);
    const appliedAt = this.#now();
    this.#stmt(
      `INSERT INTO rm_blocks (number, hash, previous_hash, data_hash, tx_count, applied_at)
       VALUES (?, ?, ?, ?, ?, ?)`,
    ).run(block.number, block.hash, block.previousHash, block.dataHash, block.transactions.length, appliedAt);

    const events: StoredEvent[] = [];
    const dirtyShipments = new Set<string>();
    for (const tx of block.transactions) {
      this.#stmt(
        `INSERT INTO rm_transactions (block, tx_index, tx_id, type, timestamp, creator_msp, creator_id,
           validation_code, valid, chaincode, function) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(
        block.number,
        tx.index,
        tx.txId,
        tx.type,
        tx.timestamp,
        tx.creatorMspId,
        tx.creatorId,
        tx.validationCode,
        tx.valid ? 1 : 0,
        tx.chaincode ?? null,
        tx.function ?? null,
      );
      if (!tx.valid) continue;
      for (const w of tx.writes) {
        if (w.namespace === this.#chaincode) this.#project(block.number, tx, w, dirtyShipments);
      }
      for (const ev of tx.events) {
        const payload = parseJson(ev.payload) ?? {
          value: Buffer.from(ev.payload).toString('utf8'),
        };
        const parties = eventParties(payload);
        const payloadJson = JSON.stringify(payload);
        this.#stmt(
          `INSERT INTO rm_events (block, tx_index, event_index, tx_id, chaincode, name, payload_json,
             parties_json, timestamp, applied_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        ).run(
          block.number,
          tx.index,
          ev.index,
          tx.txId,
          ev.chaincodeId,
          ev.name,
          payloadJson,
          JSON.stringify(parties),
          tx.timestamp,
          appliedAt,
        );
        for (const p of parties) {
          this.#stmt(
            'INSERT OR IGNORE INTO rm_event_parties (party, block, tx_index, event_index) VALUES (?, ?, ?, ?)',
          ).run(p, block.number, tx.index, ev.index);
        }
        events.push({
          cursor: { block: block.number, txIndex: tx.index, eventIndex: ev.index },
          name: ev.name,
          chaincode: ev.chaincodeId,
          transactionId: tx.txId,
          timestamp: tx.timestamp,
          payload,
          parties,
          appliedAt,
        });
      }
    }
    for (const shipmentId of dirtyShipments) this.#recomputeStats(shipmentId);

    const after = block.number + 1n;
    this.#stmt("UPDATE rm_meta SET value = ? WHERE key = 'next_block'").run(String(after));
    this.#nextBlock = after;
    return { number: block.number, events };
  }

  #project(blockNumber: bigint, tx: ParsedTransaction, w: ParsedWrite, dirty: Set<string>): void {
    const parts = splitCompositeKey(w.key);
    if (!parts) return;
    const [type, a1, a2, a3] = parts;
    const doc = w.isDelete ? undefined : parseJson(w.value);
    if (!w.isDelete && !doc) return; // not a JSON document: nothing to project
    if (ENTITY_TYPE_SET.has(type) && a1 !== undefined) {
      this.#projectEntity(type as EntityType, a1, doc, blockNumber, tx);
      return;
    }
    switch (type) {
      case 'negotiation~round':
        if (a1 === undefined || a2 === undefined) return;
        if (!doc) {
          this.#stmt('DELETE FROM rm_rounds WHERE negotiation_id = ? AND round = ?').run(a1, Number(a2));
          return;
        }
        this.#stmt(
          `INSERT OR REPLACE INTO rm_rounds (negotiation_id, round, json, action, by_party, timestamp, block,
             tx_index) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
        ).run(
          a1,
          Number(a2),
          JSON.stringify(doc),
          str(doc['action']) ?? null,
          str(doc['by']) ?? null,
          str(doc['timestamp']) ?? null,
          blockNumber,
          tx.index,
        );
        return;
      case 'reading~shipment~device~seq':
        if (a1 === undefined || a2 === undefined || a3 === undefined) return;
        this.#projectReading(a1, a2, Number(a3), doc, blockNumber, tx, dirty);
        return;
      case 'summary~shipment~device~seq':
        if (a1 === undefined || a2 === undefined || a3 === undefined) return;
        this.#projectSummary(a1, a2, Number(a3), doc, blockNumber, tx);
        return;
      case 'rating~ratee~order~rater':
        if (a1 === undefined || a2 === undefined || a3 === undefined) return;
        if (!doc) {
          this.#stmt('DELETE FROM rm_ratings WHERE ratee = ? AND order_id = ? AND rater = ?').run(a1, a2, a3);
          return;
        }
        this.#stmt(
          `INSERT OR REPLACE INTO rm_ratings (ratee, order_id, rater, score, timestamp, json, block, tx_index)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
        ).run(
          a1,
          a2,
          a3,
          num(doc['score']),
          str(doc['timestamp']) ?? tx.timestamp,
          JSON.stringify(doc),
          blockNumber,
          tx.index,
        );
        return;
      case 'idea~contribution':
        if (a1 === undefined || a2 === undefined) return;
        this.#projectContribution(a1, a2, doc, blockNumber, tx);
        return;
      case 'item~shipment':
        if (a1 === undefined || a2 === undefined) return;
        this.#stmt(
          doc
            ? 'INSERT OR IGNORE INTO rm_shipment_items (item_id, shipment_id) VALUES (?, ?)'
            : 'DELETE FROM rm_shipment_items WHERE item_id = ? AND shipment_id = ?',
        ).run(a1, a2);
        return;
      case 'binding~shipment~device':
        if (a1 === undefined || a2 === undefined) return;
        if (doc)
          this.#stmt(
            'INSERT OR REPLACE INTO rm_bindings (shipment_id, device_id, json) VALUES (?, ?, ?)',
          ).run(a1, a2, JSON.stringify(doc));
        else this.#stmt('DELETE FROM rm_bindings WHERE shipment_id = ? AND device_id = ?').run(a1, a2);
        return;
      default:
        // shipment~spec, reading~device~seq, violation~…, device~enrollment: chaincode-internal indexes
        // whose content the tables above already hold.
        return;
    }
  }

  #projectEntity(
    type: EntityType,
    id: string,
    doc: Doc | undefined,
    blockNumber: bigint,
    tx: ParsedTransaction,
  ): void {
    if (!doc) {
      this.#stmt('DELETE FROM rm_entities WHERE type = ? AND id = ?').run(type, id);
      this.#stmt('DELETE FROM rm_entity_parties WHERE type = ? AND id = ?').run(type, id);
      return;
    }
    const existing = this.#stmt('SELECT created_at FROM rm_entities WHERE type = ? AND id = ?').get(
      type,
      id,
    ) as { created_at: string } | undefined;
    const createdAt = entityCreatedAt(doc) ?? existing?.created_at ?? tx.timestamp;
    const updatedAt = str(doc['updatedAt']) ?? tx.timestamp;
    const parties = new Set(entityParties(type, doc));
    if (type === 'idea') {
      const rows = this.#stmt(
        'SELECT DISTINCT contributor FROM rm_contributions WHERE idea_id = ? AND contributor IS NOT NULL',
      ).all(id) as { contributor: string }[];
      for (const r of rows) parties.add(r.contributor);
    }
    const partyList = [...parties].sort();
    this.#stmt(
      `INSERT OR REPLACE INTO rm_entities (type, id, json, status, parties_json, created_at, updated_at, block,
         tx_index) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      type,
      id,
      JSON.stringify(doc),
      entityStatus(type, doc),
      JSON.stringify(partyList),
      createdAt,
      updatedAt,
      blockNumber,
      tx.index,
    );
    this.#stmt('DELETE FROM rm_entity_parties WHERE type = ? AND id = ?').run(type, id);
    for (const p of partyList) {
      this.#stmt('INSERT INTO rm_entity_parties (type, id, party, created_at) VALUES (?, ?, ?, ?)').run(
        type,
        id,
        p,
        createdAt,
      );
    }
  }

  #projectContribution(
    ideaId: string,
    contributionId: string,
    doc: Doc | undefined,
    blockNumber: bigint,
    tx: ParsedTransaction,
  ): void {
    if (!doc) {
      this.#stmt('DELETE FROM rm_contributions WHERE idea_id = ? AND contribution_id = ?').run(
        ideaId,
        contributionId,
      );
      return;
    }
    const contributor = str(doc['contributor']) ?? null;
    this.#stmt(
      `INSERT OR REPLACE INTO rm_contributions (idea_id, contribution_id, contributor, timestamp, json, block,
         tx_index) VALUES (?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      ideaId,
      contributionId,
      contributor,
      str(doc['timestamp']) ?? tx.timestamp,
      JSON.stringify(doc),
      blockNumber,
      tx.index,
    );
    // Contributors count as parties of the idea, so "my ideas" includes ideas the caller contributed to.
    const idea = this.#stmt(
      "SELECT created_at, parties_json FROM rm_entities WHERE type = 'idea' AND id = ?",
    ).get(ideaId) as { created_at: string; parties_json: string } | undefined;
    if (!idea || !contributor) return;
    const parties = new Set(JSON.parse(idea.parties_json) as string[]);
    if (parties.has(contributor)) return;
    parties.add(contributor);
    this.#stmt("UPDATE rm_entities SET parties_json = ? WHERE type = 'idea' AND id = ?").run(
      JSON.stringify([...parties].sort()),
      ideaId,
    );
    this.#stmt(
      'INSERT OR IGNORE INTO rm_entity_parties (type, id, party, created_at) VALUES (?, ?, ?, ?)',
    ).run('idea', ideaId, contributor, idea.created_at);
  }

  #projectReading(
    shipmentId: string,
    deviceId: string,
    sequence: number,
    doc: Doc | undefined,
    blockNumber: bigint,
    tx: ParsedTransaction,
    dirty: Set<string>,
  ): void {
    const existed =
      this.#stmt('SELECT 1 FROM rm_readings WHERE shipment_id = ? AND device_id = ? AND sequence = ?').get(
        shipmentId,
        deviceId,
        sequence,
      ) !== undefined;
    if (!doc) {
      this.#stmt('DELETE FROM rm_readings WHERE shipment_id = ? AND device_id = ? AND sequence = ?').run(
        shipmentId,
        deviceId,
        sequence,
      );
      if (existed) dirty.add(shipmentId);
      return;
    }
    const timestamp = str(doc['timestamp']) ?? tx.timestamp;
    const parsedMs = Date.parse(timestamp);
    const tsMs = Number.isNaN(parsedMs) ? 0 : parsedMs;
    const location = doc['location'] as { lat?: unknown; lon?: unknown } | undefined;
    const violations = Array.isArray(doc['violations']) ? (doc['violations'] as { field?: unknown }[]) : [];
    const values: Record<SensorField, number | null> = {
      temperature: num(doc['temperature']),
      humidity: num(doc['humidity']),
      pressure: num(doc['pressure']),
    };
    this.#stmt(
      `INSERT OR REPLACE INTO rm_readings (shipment_id, device_id, sequence, timestamp, ts_ms, json,
         temperature, humidity, pressure, lat, lon, violation, block, tx_index)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      shipmentId,
      deviceId,
      sequence,
      timestamp,
      tsMs,
      JSON.stringify(doc),
      values.temperature,
      values.humidity,
      values.pressure,
      num(location?.lat),
      num(location?.lon),
      violations.length > 0 ? 1 : 0,
      blockNumber,
      tx.index,
    );
    // An overwrite could shrink a min or max, which an incremental update cannot express.
    if (existed) {
      dirty.add(shipmentId);
      return;
    }
    if (dirty.has(shipmentId)) return;
    const violated = new Set(violations.map((v) => v.field));
    this.#bumpStats(shipmentId, '*', null, tsMs, timestamp, violations.length > 0);
    for (const field of SENSOR_FIELDS) {
      const value = values[field];
      if (value !== null) this.#bumpStats(shipmentId, field, value, tsMs, timestamp, violated.has(field));
    }
  }

  #projectSummary(
    shipmentId: string,
    deviceId: string,
    sequence: number,
    doc: Doc | undefined,
    blockNumber: bigint,
    tx: ParsedTransaction,
  ): void {
    if (!doc) {
      this.#stmt('DELETE FROM rm_summaries WHERE shipment_id = ? AND device_id = ? AND sequence = ?').run(
        shipmentId,
        deviceId,
        sequence,
      );
      return;
    }
    const ms = (value: unknown): number => {
      const parsed = Date.parse(str(value) ?? '');
      return Number.isNaN(parsed) ? Date.parse(tx.timestamp) || 0 : parsed;
    };
    const sensors = (doc['sensors'] ?? {}) as Record<string, { min?: unknown; max?: unknown } | undefined>;
    const violations = Array.isArray(doc['violations']) ? (doc['violations'] as { field?: unknown }[]) : [];
    const violated = new Set(violations.map((v) => v.field));
    const range: Record<string, number | null> = {};
    for (const field of SENSOR_FIELDS) {
      range[`${field}_min`] = num(sensors[field]?.min);
      range[`${field}_max`] = num(sensors[field]?.max);
      range[`${field}_violated`] = violated.has(field) ? 1 : 0;
    }
    this.#stmt(
      `INSERT OR REPLACE INTO rm_summaries (shipment_id, device_id, sequence, from_ms, to_ms, count, json,
         temperature_min, temperature_max, temperature_violated, humidity_min, humidity_max, humidity_violated,
         pressure_min, pressure_max, pressure_violated, violation, block, tx_index)
       VALUES (@shipment, @device, @sequence, @from, @to, @count, @json, @temperature_min, @temperature_max,
         @temperature_violated, @humidity_min, @humidity_max, @humidity_violated, @pressure_min, @pressure_max,
         @pressure_violated, @violation, @block, @tx)`,
    ).run({
      shipment: shipmentId,
      device: deviceId,
      sequence,
      from: ms(doc['from']),
      to: ms(doc['to']),
      count: num(doc['count']) ?? 0,
      json: JSON.stringify(doc),
      ...range,
      violation: violations.length > 0 ? 1 : 0,
      block: blockNumber,
      tx: tx.index,
    });
  }

  #bumpStats(
    shipmentId: string,
    field: string,
    value: number | null,
    tsMs: number,
    timestamp: string,
    violated: boolean,
  ): void {
    this.#stmt(
      `INSERT INTO rm_reading_stats (shipment_id, field, count, min, max, first_ms, first_ts, last_ms, last_ts,
         violations) VALUES (@shipment, @field, 1, @value, @value, @ms, @ts, @ms, @ts, @violated)
       ON CONFLICT (shipment_id, field) DO UPDATE SET
         count = count + 1,
         min = CASE WHEN @value IS NULL THEN min WHEN min IS NULL OR @value < min THEN @value ELSE min END,
         max = CASE WHEN @value IS NULL THEN max WHEN max IS NULL OR @value > max THEN @value ELSE max END,
         first_ts = CASE WHEN @ms < first_ms THEN @ts ELSE first_ts END,
         first_ms = MIN(first_ms, @ms),
         last_ts = CASE WHEN @ms >= last_ms THEN @ts ELSE last_ts END,
         last_ms = MAX(last_ms, @ms),
         violations = violations + @violated`,
    ).run({ shipment: shipmentId, field, value, ms: tsMs, ts: timestamp, violated: violated ? 1 : 0 });
  }

  #recomputeStats(shipmentId: string): void {
    this.#stmt('DELETE FROM rm_reading_stats WHERE shipment_id = ?').run(shipmentId);
    const rows = this.#stmt(
      'SELECT ts_ms, timestamp, temperature, humidity, pressure, json FROM rm_readings WHERE shipment_id = ?',
    ).iterate(shipmentId) as IterableIterator<Row>;
    for (const r of rows) {
      const doc = JSON.parse(r['json'] as string) as Doc;
      const violations = Array.isArray(doc['violations']) ? (doc['violations'] as { field?: unknown }[]) : [];
      const violated = new Set(violations.map((v) => v.field));
      const tsMs = r['ts_ms'] as number;
      const ts = r['timestamp'] as string;
      this.#bumpStats(shipmentId, '*', null, tsMs, ts, violations.length > 0);
      for (const field of SENSOR_FIELDS) {
        const value = num(r[field]);
        if (value !== null) this.#bumpStats(shipmentId, field, value, tsMs, ts, violated.has(field));
      }
    }
  }

  // ---- queries ----

  /** The stored document (the chaincode's JSON) of one entity. */
  getEntity<T = Doc>(type: EntityType, id: string): T | undefined {
    const row = this.#stmt('SELECT json FROM rm_entities WHERE type = ? AND id = ?').get(type, id) as
      { json: string } | undefined;
    return row ? (JSON.parse(row.json) as T) : undefined;
  }

  /** Entity documents ordered by createdAt, then id; keyset pagination with an opaque cursor. */
  listEntities<T = Doc>(type: EntityType, options: ListEntitiesOptions): Page<T> {
    const first = Math.max(0, Math.floor(options.first));
    const where: string[] = [];
    const params: unknown[] = [type];
    let from: string;
    let prefix: string;
    if (options.party !== undefined) {
      from = 'rm_entity_parties p JOIN rm_entities e ON e.type = p.type AND e.id = p.id';
      prefix = 'p';
      where.push('p.type = ?', 'p.party = ?');
      params.push(options.party);
    } else {
      from = 'rm_entities e';
      prefix = 'e';
      where.push('e.type = ?');
    }
    if (options.status !== undefined) {
      where.push('e.status = ?');
      params.push(options.status);
    }
    if (options.createdFrom !== undefined) {
      where.push(`${prefix}.created_at >= ?`);
      params.push(normaliseInstant(options.createdFrom));
    }
    if (options.createdTo !== undefined) {
      where.push(`${prefix}.created_at <= ?`);
      params.push(normaliseInstant(options.createdTo));
    }
    const filterSql = where.join(' AND ');
    const total = this.#stmt(`SELECT COUNT(*) AS n FROM ${from} WHERE ${filterSql}`).get(...params) as {
      n: number;
    };
    const pageWhere = [...where];
    const pageParams = [...params];
    if (options.after !== undefined) {
      const [createdAt, id] = decodeKey(options.after, 2, 'entity');
      pageWhere.push(`(${prefix}.created_at, ${prefix}.id) > (?, ?)`);
      pageParams.push(createdAt, id);
    }
    const rows = this.#stmt(
      `SELECT e.json, e.created_at, e.id FROM ${from} WHERE ${pageWhere.join(' AND ')}
       ORDER BY ${prefix}.created_at, ${prefix}.id LIMIT ?`,
    ).all(...pageParams, first + 1) as { json: string; created_at: string; id: string }[];
    const hasNextPage = rows.length > first;
    const pageRows = rows.slice(0, first);
    const last = pageRows[pageRows.length - 1];
    return {
      nodes: pageRows.map((r) => JSON.parse(r.json) as T),
      ...(last ? { endCursor: encodeKey([last.created_at, last.id]) } : {}),
      hasNextPage,
      totalCount: total.n,
    };
  }

  /** A negotiation's rounds in order. */
  rounds<T = Doc>(negotiationId: string): T[] {
    const rows = this.#stmt('SELECT json FROM rm_rounds WHERE negotiation_id = ? ORDER BY round').all(
      negotiationId,
    ) as { json: string }[];
    return rows.map((r) => JSON.parse(r.json) as T);
  }

  /**
   * A shipment's readings in device-time order: keyset on (device timestamp in ms, device id,
   * sequence), the order a chart wants; ties on time are broken deterministically.
   */
  readings<T = Doc>(shipmentId: string, options: ReadingsOptions): Page<T> {
    const first = Math.max(0, Math.floor(options.first));
    const where = ['shipment_id = ?'];
    const params: unknown[] = [shipmentId];
    if (options.deviceId !== undefined) {
      where.push('device_id = ?');
      params.push(options.deviceId);
    }
    const total = this.#stmt(`SELECT COUNT(*) AS n FROM rm_readings WHERE ${where.join(' AND ')}`).get(
      ...params,
    ) as { n: number };
    if (options.after !== undefined) {
      const [tsMs, deviceId, sequence] = decodeKey(options.after, 3, 'reading');
      where.push('(ts_ms, device_id, sequence) > (?, ?, ?)');
      params.push(tsMs, deviceId, sequence);
    }
    const rows = this.#stmt(
      `SELECT json, ts_ms, device_id, sequence FROM rm_readings WHERE ${where.join(' AND ')}
       ORDER BY ts_ms, device_id, sequence LIMIT ?`,
    ).all(...params, first + 1) as { json: string; ts_ms: number; device_id: string; sequence: number }[];
    const hasNextPage = rows.length > first;
    const pageRows = rows.slice(0, first);
    const last = pageRows[pageRows.length - 1];
    return {
      nodes: pageRows.map((r) => JSON.parse(r.json) as T),
      ...(last ? { endCursor: encodeKey([last.ts_ms, last.device_id, last.sequence]) } : {}),
      hasNextPage,
      totalCount: total.n,
    };
  }

  /** Per-field aggregates of a shipment's readings, from the maintained aggregate table. */
  shipmentSummary(shipmentId: string): ShipmentSummary {
    const rows = this.#stmt('SELECT * FROM rm_reading_stats WHERE shipment_id = ?').all(shipmentId) as Row[];
    const fields = { temperature: emptyField(), humidity: emptyField(), pressure: emptyField() };
    let count = 0;
    let violations = 0;
    for (const r of rows) {
      const field = r['field'] as string;
      if (field === '*') {
        count = r['count'] as number;
        violations = r['violations'] as number;
      } else if ((SENSOR_FIELDS as readonly string[]).includes(field)) {
        fields[field as SensorField] = {
          ...emptyField(),
          count: r['count'] as number,
          min: num(r['min']),
          max: num(r['max']),
          firstTimestamp: (r['first_ts'] as string | null) ?? null,
          lastTimestamp: (r['last_ts'] as string | null) ?? null,
          violations: r['violations'] as number,
        };
      }
    }
    const agg = this.#stmt(
      `SELECT COUNT(*) AS summaries, TOTAL(count) AS readings, TOTAL(violation) AS violations,
         ${SENSOR_FIELDS.map(
           (f) => `MIN(${f}_min) AS ${f}_min, MAX(${f}_max) AS ${f}_max,
           TOTAL(CASE WHEN ${f}_min IS NOT NULL THEN count END) AS ${f}_readings,
           TOTAL(${f}_violated) AS ${f}_violations,
           MIN(CASE WHEN ${f}_min IS NOT NULL THEN from_ms END) AS ${f}_from,
           MAX(CASE WHEN ${f}_min IS NOT NULL THEN to_ms END) AS ${f}_to`,
         ).join(',\n')}
       FROM rm_summaries WHERE shipment_id = ?`,
    ).get(shipmentId) as Row;
    for (const field of SENSOR_FIELDS) {
      const f = fields[field];
      const from = num(agg[`${field}_from`]);
      const to = num(agg[`${field}_to`]);
      fields[field] = {
        ...f,
        summarizedReadings: agg[`${field}_readings`] as number,
        summaryViolations: agg[`${field}_violations`] as number,
        min: minOf(f.min, num(agg[`${field}_min`])),
        max: maxOf(f.max, num(agg[`${field}_max`])),
        firstTimestamp: earliest(f.firstTimestamp, from === null ? null : new Date(from).toISOString()),
        lastTimestamp: latest(f.lastTimestamp, to === null ? null : new Date(to).toISOString()),
      };
    }
    return {
      shipmentId,
      count,
      violations,
      summaries: agg['summaries'] as number,
      summarizedReadings: agg['readings'] as number,
      summaryViolations: agg['violations'] as number,
      fields,
    };
  }

  /** Ratings received by a party, oldest first. */
  ratings<T = Doc>(ratee: string): T[] {
    const rows = this.#stmt(
      'SELECT json FROM rm_ratings WHERE ratee = ? ORDER BY timestamp, order_id, rater',
    ).all(ratee) as { json: string }[];
    return rows.map((r) => JSON.parse(r.json) as T);
  }

  /** Contributions to an idea, ordered by time then id (the chaincode's order). */
  contributions<T = Doc>(ideaId: string): T[] {
    const rows = this.#stmt(
      'SELECT json FROM rm_contributions WHERE idea_id = ? ORDER BY timestamp, contribution_id',
    ).all(ideaId) as { json: string }[];
    return rows.map((r) => JSON.parse(r.json) as T);
  }

  /** Shipments an item (QR/RFID code) is currently directly in. */
  shipmentsOfItem(itemId: string): string[] {
    return (
      this.#stmt('SELECT shipment_id FROM rm_shipment_items WHERE item_id = ? ORDER BY shipment_id').all(
        itemId,
      ) as {
        shipment_id: string;
      }[]
    ).map((r) => r.shipment_id);
  }

  block(number: bigint): StoredBlock | undefined {
    const row = this.#stmt('SELECT * FROM rm_blocks WHERE number = ?').get(number) as Row | undefined;
    return row ? this.#blockInfo(row) : undefined;
  }

  /** Blocks newest first, each with its transactions; `before` is an exclusive block number. */
  blocks(options: { first: number; before?: bigint }): StoredBlock[] {
    const first = Math.max(0, Math.floor(options.first));
    const rows = (
      options.before === undefined
        ? this.#stmt('SELECT * FROM rm_blocks ORDER BY number DESC LIMIT ?').all(first)
        : this.#stmt('SELECT * FROM rm_blocks WHERE number < ? ORDER BY number DESC LIMIT ?').all(
            options.before,
            first,
          )
    ) as Row[];
    return rows.map((r) => this.#blockInfo(r));
  }

  /** A transaction by id; when a duplicate id was committed invalid, the valid one wins. */
  transaction(txId: string): StoredTransaction | undefined {
    const row = this.#stmt(
      'SELECT * FROM rm_transactions WHERE tx_id = ? ORDER BY valid DESC, block, tx_index LIMIT 1',
    ).get(txId) as Row | undefined;
    return row ? toTransaction(row) : undefined;
  }

  /** Committed events strictly after `cursor` (from the first when undefined), in cursor order. */
  eventsAfter(cursor: EventCursor | undefined, options: EventsAfterOptions): StoredEvent[] {
    const where: string[] = [];
    const params: unknown[] = [];
    let from = 'rm_events e';
    let order = 'e.block, e.tx_index, e.event_index';
    if (options.party !== undefined) {
      // Walk the party index in cursor order and join the events: selective for one party.
      from =
        'rm_event_parties p JOIN rm_events e ON e.block = p.block AND e.tx_index = p.tx_index AND e.event_index = p.event_index';
      where.push('p.party = ?');
      params.push(options.party);
      order = 'p.block, p.tx_index, p.event_index';
    }
    const k = options.party !== undefined ? 'p' : 'e';
    if (cursor) {
      where.push(`(${k}.block, ${k}.tx_index, ${k}.event_index) > (?, ?, ?)`);
      params.push(cursor.block, cursor.txIndex, cursor.eventIndex);
    }
    if (options.names !== undefined) {
      if (options.names.length === 0) return [];
      where.push(`e.name IN (${options.names.map(() => '?').join(', ')})`);
      params.push(...options.names);
    }
    if (options.chaincode !== undefined) {
      where.push('e.chaincode = ?');
      params.push(options.chaincode);
    }
    const sql = `SELECT e.* FROM ${from} ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY ${order} LIMIT ?`;
    const rows = this.#stmt(sql).all(...params, Math.max(0, Math.floor(options.limit))) as Row[];
    return rows.map((r) => ({
      cursor: {
        block: BigInt(r['block'] as number),
        txIndex: r['tx_index'] as number,
        eventIndex: r['event_index'] as number,
      },
      name: r['name'] as string,
      chaincode: r['chaincode'] as string,
      transactionId: r['tx_id'] as string,
      timestamp: r['timestamp'] as string,
      payload: JSON.parse(r['payload_json'] as string) as Record<string, unknown>,
      parties: JSON.parse(r['parties_json'] as string) as string[],
      appliedAt: r['applied_at'] as number,
    }));
  }

  #blockInfo(row: Row): StoredBlock {
    const number = BigInt(row['number'] as number);
    const txs = this.#stmt('SELECT * FROM rm_transactions WHERE block = ? ORDER BY tx_index').all(
      number,
    ) as Row[];
    return {
      number,
      hash: row['hash'] as string,
      previousHash: row['previous_hash'] as string,
      dataHash: row['data_hash'] as string,
      txCount: row['tx_count'] as number,
      appliedAt: row['applied_at'] as number,
      transactions: txs.map(toTransaction),
    };
  }
}

function toTransaction(row: Row): StoredTransaction {
  return {
    txId: row['tx_id'] as string,
    blockNumber: BigInt(row['block'] as number),
    txIndex: row['tx_index'] as number,
    type: row['type'] as string,
    timestamp: row['timestamp'] as string,
    creatorMspId: row['creator_msp'] as string,
    creatorId: row['creator_id'] as string,
    validationCode: row['validation_code'] as string,
    valid: row['valid'] === 1,
    chaincode: (row['chaincode'] as string | null) ?? null,
    function: (row['function'] as string | null) ?? null,
  };
}
