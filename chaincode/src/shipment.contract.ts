// Shipments and traceability (seed 2.2.2, 2.2.3, 3.2.1): creation for an order, custody transfers by
// the current custodian, inclusion of shipments or items into a larger shipment and splitting it
// again, delivery confirmation by the receiver, and the provenance of one item from its first record.
import { Context, Contract, Info, Param, Returns, Transaction } from 'fabric-contract-api';
import { readOrder } from './order.type';
import {
  ITEM_SHIPMENT,
  SENSOR_FIELDS,
  Shipment,
  ShipmentCondition,
  ShipmentRecord,
  ShipmentSpec,
  itemKey,
  parseShipmentInput,
  readShipment,
  readerMsps,
  requireItemId,
  requireItemList,
  requireParty,
  shipmentEventPayload,
  specKey,
  writeShipment,
} from './shipment.type';
import { callerOf } from './util/identity';
import { fromBytes, stableStringify, toBytes } from './util/stable';
import { txTime } from './util/time';
import { parseIdList, parseJsonObject, rejectUnknownFields, requireId, requireText } from './util/validate';

/** Shipments loaded in one transaction: every change is made in memory and written once at the end. */
class Tx {
  private readonly loaded = new Map<string, Shipment>();
  private readonly dirty = new Set<string>();
  public readonly party: string;
  public readonly at: string;
  public readonly txId: string;

  constructor(public readonly ctx: Context) {
    this.party = callerOf(ctx).partyId;
    this.at = txTime(ctx);
    this.txId = ctx.stub.getTxID();
  }

  public async find(id: string): Promise<Shipment | undefined> {
    const cached = this.loaded.get(id);
    if (cached) return cached;
    const s = await readShipment(this.ctx, id);
    if (s) this.loaded.set(id, s);
    return s;
  }

  public async get(id: string, name = 'shipmentId'): Promise<Shipment> {
    requireId(id, name);
    const s = await this.find(id);
    if (!s) throw new Error(`shipment ${id} does not exist`);
    return s;
  }

  public add(s: Shipment): void {
    this.loaded.set(s.id, s);
    this.dirty.add(s.id);
  }

  public record(s: Shipment, entry: Omit<ShipmentRecord, 'at' | 'txId' | 'by' | 'custodian'>): void {
    const r = new ShipmentRecord();
    Object.assign(r, entry);
    r.at = this.at;
    r.txId = this.txId;
    r.by = this.party;
    r.custodian = s.custodian;
    s.records.push(r);
    s.updatedAt = this.at;
    this.dirty.add(s.id);
  }

  /** The shipment and every shipment included in it, transitively. */
  public async withDescendants(s: Shipment): Promise<Shipment[]> {
    const out: Shipment[] = [s];
    for (let i = 0; i < out.length; i++) {
      for (const childId of out[i]?.children ?? []) {
        const child = await this.find(childId);
        if (child) out.push(child);
      }
    }
    return out;
  }

  /** The undelivered shipment that currently holds the item directly, if any. */
  public async holderOf(itemId: string): Promise<Shipment | undefined> {
    for await (const kv of this.ctx.stub.getStateByPartialCompositeKey(ITEM_SHIPMENT, [itemId])) {
      const { shipmentId } = fromBytes<{ shipmentId: string }>(kv.value);
      const s = await this.find(shipmentId);
      if (s && s.status !== 'DELIVERED' && s.items.includes(itemId)) return s;
    }
    return undefined;
  }

  public async indexItems(shipmentId: string, items: string[]): Promise<void> {
    for (const itemId of items) {
      const key = itemKey(this.ctx, itemId, shipmentId);
      const existing = await this.ctx.stub.getState(key);
      if (existing && existing.length > 0) continue;
      await this.ctx.stub.putState(
        key,
        toBytes({ itemId, shipmentId, firstIncludedAt: this.at, txId: this.txId }),
      );
    }
  }

  public async flush(): Promise<void> {
    for (const id of [...this.dirty].sort()) {
      const s = this.loaded.get(id);
      if (s) await writeShipment(this.ctx, s);
    }
  }
}

function requireCustodian(tx: Tx, s: Shipment, action: string): void {
  if (s.custodian !== tx.party)
    throw new Error(
      `${tx.party} is not the custodian of shipment ${s.id} (${s.custodian} is); only the custodian can ${action}`,
    );
}

function requireOpen(s: Shipment): void {
  if (s.status === 'DELIVERED') throw new Error(`shipment ${s.id} is DELIVERED; it cannot change`);
}

function requireTopLevel(s: Shipment, action: string): void {
  if (s.parentId) throw new Error(`shipment ${s.id} is included in shipment ${s.parentId}; ${action}`);
}

@Info({
  title: 'ShipmentContract',
  description: 'Shipments, custody, inclusion and splitting, delivery, item provenance',
})
export class ShipmentContract extends Contract {
  constructor() {
    super('shipment');
  }

  /**
   * Creates a shipment for an order: {id, orderId, items, origin, destination, conditions?, sender,
   * receiver, devices?}. The caller is the sender and first custodian and must be a party to the order;
   * conditions default to the order's agreed sensor conditions.
   */
  @Transaction()
  @Param(
    'shipmentJson',
    'string',
    '{id, orderId, items, origin, destination, conditions?, sender, receiver, devices?}',
  )
  @Returns('string')
  public async createShipment(ctx: Context, shipmentJson: string): Promise<string> {
    const input = parseShipmentInput(shipmentJson);
    const tx = new Tx(ctx);
    if (input.sender !== tx.party) throw new Error(`the sender must be the caller (${tx.party})`);
    if (await tx.find(input.id)) throw new Error(`shipment ${input.id} already exists`);
    const order = await readOrder(ctx, input.orderId);
    if (!order) throw new Error(`order ${input.orderId} does not exist`);
    if (order.customer !== tx.party && order.supplier !== tx.party)
      throw new Error(`${tx.party} is not a party to order ${input.orderId}`);
    const conditions =
      input.conditions ??
      (order.terms?.conditions ?? [])
        .filter((c) => (SENSOR_FIELDS as readonly string[]).includes(c.field))
        .map((c, i) =>
          ShipmentCondition.from({ field: c.field, min: c.min, max: c.max }, `order conditions[${i}]`),
        );
    for (const itemId of input.items) {
      const holder = await tx.holderOf(itemId);
      if (holder) throw new Error(`item ${itemId} is already in shipment ${holder.id}`);
    }
    const s = new Shipment();
    Object.assign(s, {
      docType: 'shipment',
      id: input.id,
      orderId: input.orderId,
      items: input.items,
      origin: input.origin,
      destination: input.destination,
      conditions,
      sender: input.sender,
      receiver: input.receiver,
      custodian: input.sender,
      location: input.origin,
      devices: input.devices,
      status: 'CREATED',
      children: [],
      records: [],
      createdAt: tx.at,
      updatedAt: tx.at,
    });
    tx.add(s);
    tx.record(s, { type: 'Created', location: input.origin, items: [...input.items] });
    await this.writeSpec(ctx, s);
    await tx.indexItems(s.id, s.items);
    await tx.flush();
    ctx.stub.setEvent(
      'ShipmentCreated',
      toBytes(shipmentEventPayload(s, { items: s.items.length, devices: s.devices })),
    );
    return stableStringify(s);
  }

  /** The current custodian hands the shipment (and everything included in it) to another party at a location. */
  @Transaction()
  @Returns('string')
  public async transferCustody(
    ctx: Context,
    shipmentId: string,
    toParty: string,
    location: string,
  ): Promise<string> {
    const tx = new Tx(ctx);
    const s = await tx.get(shipmentId);
    requireParty(toParty, 'toParty');
    requireText(location, 'location', 200);
    requireOpen(s);
    requireTopLevel(s, 'transfer the shipment it is included in');
    requireCustodian(tx, s, 'transfer custody');
    if (toParty === s.custodian) throw new Error(`${toParty} already holds shipment ${s.id}`);
    const from = s.custodian;
    for (const x of await tx.withDescendants(s)) {
      x.custodian = toParty;
      x.location = location;
      if (x.status === 'CREATED') x.status = 'IN_TRANSIT';
      tx.record(x, { type: 'CustodyTransferred', location, via: x.id === s.id ? undefined : s.id });
    }
    await tx.flush();
    ctx.stub.setEvent(
      'CustodyTransferred',
      toBytes(
        shipmentEventPayload(s, {
          from,
          to: toParty,
          location,
          parties: [...new Set([s.sender, s.receiver, from, toParty])].sort(),
        }),
      ),
    );
    return stableStringify(s);
  }

  /** Includes a shipment into a larger one; the custodian of both does it. */
  @Transaction()
  @Returns('string')
  public async includeShipment(ctx: Context, parentId: string, childId: string): Promise<string> {
    const tx = new Tx(ctx);
    const parent = await tx.get(parentId, 'parentId');
    const child = await tx.get(childId, 'childId');
    if (parent.id === child.id) throw new Error('a shipment cannot include itself');
    requireOpen(parent);
    requireOpen(child);
    requireCustodian(tx, parent, 'include shipments into it');
    requireCustodian(tx, child, 'include it into another shipment');
    requireTopLevel(child, 'split it out first');
    for (let p: Shipment | undefined = parent; p; p = p.parentId ? await tx.find(p.parentId) : undefined) {
      if (p.id === child.id)
        throw new Error(`shipment ${child.id} contains shipment ${parent.id}; inclusion would form a cycle`);
    }
    child.parentId = parent.id;
    parent.children = [...parent.children, child.id].sort();
    tx.record(parent, { type: 'ChildIncluded', relatedShipmentId: child.id, location: parent.location });
    for (const x of await tx.withDescendants(child)) {
      x.location = parent.location;
      tx.record(x, {
        type: 'Included',
        relatedShipmentId: parent.id,
        location: parent.location,
        via: x.id === child.id ? undefined : child.id,
      });
    }
    await tx.flush();
    ctx.stub.setEvent(
      'ShipmentIncluded',
      toBytes(shipmentEventPayload(parent, { parentId: parent.id, childId: child.id })),
    );
    return stableStringify(parent);
  }

  /** Adds loose items (a JSON array of item ids) to a shipment, moving them out of their current shipment. */
  @Transaction()
  @Param('itemsJson', 'string', 'JSON array of item ids')
  @Returns('string')
  public async includeItems(ctx: Context, shipmentId: string, itemsJson: string): Promise<string> {
    const tx = new Tx(ctx);
    const s = await tx.get(shipmentId);
    const items = requireItemList(parseArray(itemsJson, 'items'), 'items', false);
    requireOpen(s);
    requireCustodian(tx, s, 'include items into it');
    const moved: Record<string, string[]> = {};
    for (const itemId of items) {
      const holder = await tx.holderOf(itemId);
      if (holder?.id === s.id) throw new Error(`item ${itemId} is already in shipment ${s.id}`);
      if (holder) {
        requireCustodian(tx, holder, `move item ${itemId} out of it`);
        holder.items = holder.items.filter((i) => i !== itemId);
        (moved[holder.id] ??= []).push(itemId);
      }
    }
    for (const [fromId, list] of Object.entries(moved)) {
      const holder = await tx.get(fromId);
      tx.record(holder, {
        type: 'ItemsRemoved',
        items: list,
        relatedShipmentId: s.id,
        location: holder.location,
      });
    }
    s.items = [...s.items, ...items];
    tx.record(s, { type: 'ItemsIncluded', items, location: s.location });
    await tx.indexItems(s.id, items);
    await tx.flush();
    ctx.stub.setEvent(
      'ShipmentIncluded',
      toBytes(shipmentEventPayload(s, { parentId: s.id, items, from: Object.keys(moved).sort() })),
    );
    return stableStringify(s);
  }

  /**
   * Splits a shipment: {shipments?: [included shipment ids to take out], items?: [item ids],
   * id? (new shipment for the items), destination?, receiver?}. Taken-out shipments become top level;
   * items go into the new shipment, held by the caller, with the same order, conditions and devices.
   */
  @Transaction()
  @Param('splitJson', 'string', '{shipments?, items?, id?, destination?, receiver?}')
  @Returns('string')
  public async splitShipment(ctx: Context, shipmentId: string, splitJson: string): Promise<string> {
    const tx = new Tx(ctx);
    const s = await tx.get(shipmentId);
    const obj = parseJsonObject(splitJson, 'split');
    rejectUnknownFields(obj, ['shipments', 'items', 'id', 'destination', 'receiver'], 'split');
    const childIds = obj['shipments'] === undefined ? [] : parseIdArray(obj['shipments'], 'shipments');
    const items = obj['items'] === undefined ? [] : requireItemList(obj['items'], 'items', true);
    if (childIds.length === 0 && items.length === 0)
      throw new Error('split must name at least one included shipment or item');
    requireOpen(s);
    requireTopLevel(s, 'split the shipment it is included in first');
    requireCustodian(tx, s, 'split it');
    for (const childId of childIds) {
      if (!s.children.includes(childId))
        throw new Error(`shipment ${childId} is not included in shipment ${s.id}`);
    }
    for (const itemId of items) {
      if (!s.items.includes(itemId)) throw new Error(`item ${itemId} is not in shipment ${s.id}`);
    }
    let created: Shipment | undefined;
    if (items.length > 0) {
      const newId = requireId(obj['id'], 'split id');
      if (await tx.find(newId)) throw new Error(`shipment ${newId} already exists`);
      const receiver = obj['receiver'] === undefined ? s.receiver : requireParty(obj['receiver'], 'receiver');
      const destination =
        obj['destination'] === undefined
          ? s.destination
          : requireText(obj['destination'], 'destination', 200);
      created = new Shipment();
      Object.assign(created, {
        docType: 'shipment',
        id: newId,
        orderId: s.orderId,
        items,
        origin: s.location,
        destination,
        conditions: s.conditions,
        sender: tx.party,
        receiver,
        custodian: tx.party,
        location: s.location,
        devices: s.devices,
        status: 'IN_TRANSIT',
        children: [],
        records: [],
        createdAt: tx.at,
        updatedAt: tx.at,
      });
      tx.add(created);
      tx.record(created, { type: 'SplitFrom', relatedShipmentId: s.id, items, location: s.location });
      await this.writeSpec(ctx, created);
      await tx.indexItems(created.id, items);
      s.items = s.items.filter((i) => !items.includes(i));
      tx.record(s, { type: 'Split', relatedShipmentId: created.id, items, location: s.location });
    } else if (obj['id'] !== undefined || obj['receiver'] !== undefined || obj['destination'] !== undefined) {
      throw new Error('id, receiver and destination apply only when items are split into a new shipment');
    }
    for (const childId of childIds) {
      const child = await tx.get(childId);
      child.parentId = undefined;
      s.children = s.children.filter((c) => c !== childId);
      tx.record(s, { type: 'Split', relatedShipmentId: childId, location: s.location });
      for (const x of await tx.withDescendants(child)) {
        tx.record(x, {
          type: 'SplitFrom',
          relatedShipmentId: s.id,
          location: s.location,
          via: x.id === child.id ? undefined : child.id,
        });
      }
    }
    await tx.flush();
    ctx.stub.setEvent(
      'ShipmentSplit',
      toBytes(shipmentEventPayload(s, { shipments: childIds, items, newShipmentId: created?.id })),
    );
    return stableStringify({ shipment: s, created: created ?? null });
  }

  /** The receiver confirms delivery; shipments included in it are delivered with it. */
  @Transaction()
  @Returns('string')
  public async confirmDelivery(ctx: Context, shipmentId: string): Promise<string> {
    const tx = new Tx(ctx);
    const s = await tx.get(shipmentId);
    if (s.receiver !== tx.party)
      throw new Error(
        `${tx.party} is not the receiver of shipment ${s.id}; only the receiver can confirm delivery`,
      );
    requireOpen(s);
    requireTopLevel(s, 'split it out first');
    for (const x of await tx.withDescendants(s)) {
      x.status = 'DELIVERED';
      x.custodian = tx.party;
      tx.record(x, { type: 'Delivered', location: s.destination, via: x.id === s.id ? undefined : s.id });
    }
    s.location = s.destination;
    await tx.flush();
    ctx.stub.setEvent('ShipmentDelivered', toBytes(shipmentEventPayload(s)));
    return stableStringify(s);
  }

  /** The shipment; readable by the organisations of its sender, receiver and custodians. */
  @Transaction(false)
  @Returns('string')
  public async getShipment(ctx: Context, shipmentId: string): Promise<string> {
    const tx = new Tx(ctx);
    const s = await tx.get(shipmentId);
    if (!readerMsps(s).has(callerOf(ctx).mspId)) throw new Error(`${tx.party} may not read shipment ${s.id}`);
    return stableStringify(s);
  }

  /** Batch read: JSON array of up to 100 ids; same order, null for missing or not readable by the caller. */
  @Transaction(false)
  @Returns('string')
  public async getMany(ctx: Context, idsJson: string): Promise<string> {
    const ids = parseIdList(idsJson);
    const msp = callerOf(ctx).mspId;
    const out: (Shipment | null)[] = [];
    for (const id of ids) {
      const s = await readShipment(ctx, id);
      out.push(s && readerMsps(s).has(msp) ? s : null);
    }
    return stableStringify(out);
  }

  /**
   * The chain of custody and inclusion of one item from its first record: every record of every
   * shipment that held it, in time order, limited to shipments the caller may read.
   * Returns {itemId, shipments: [ids in order of first record], records: [{shipmentId, ...record}]}.
   */
  @Transaction(false)
  @Returns('string')
  public async getProvenance(ctx: Context, itemId: string): Promise<string> {
    requireItemId(itemId, 'itemId');
    const msp = callerOf(ctx).mspId;
    const entries: { firstIncludedAt: string; txId: string; shipmentId: string }[] = [];
    for await (const kv of ctx.stub.getStateByPartialCompositeKey(ITEM_SHIPMENT, [itemId])) {
      entries.push(fromBytes(kv.value));
    }
    if (entries.length === 0) throw new Error(`item ${itemId} has no record`);
    entries.sort((a, b) => cmp(a.firstIncludedAt, b.firstIncludedAt) || cmp(a.shipmentId, b.shipmentId));
    const shipments: string[] = [];
    const records: (ShipmentRecord & { shipmentId: string })[] = [];
    for (const e of entries) {
      const s = await readShipment(ctx, e.shipmentId);
      if (!s || !readerMsps(s).has(msp)) continue;
      shipments.push(s.id);
      // From the record that brought the item in; ItemsRemoved/Split entries about other items are left out.
      // The item is in the shipment from that record until a record takes it out (and again if re-included).
      const start = Math.max(
        0,
        s.records.findIndex((r) => r.txId === e.txId),
      );
      let inside = true;
      for (const r of s.records.slice(start)) {
        const aboutItem = r.items?.includes(itemId) ?? false;
        if (!inside) {
          if (r.type === 'ItemsIncluded' && aboutItem) inside = true;
          else continue;
        }
        if (r.items && !aboutItem && r.type !== 'Created' && r.type !== 'SplitFrom') continue;
        records.push({ ...r, shipmentId: s.id });
        if ((r.type === 'ItemsRemoved' || r.type === 'Split') && aboutItem) inside = false;
      }
    }
    if (shipments.length === 0)
      throw new Error(`${callerOf(ctx).partyId} may not read the provenance of item ${itemId}`);
    // Stable sort by time keeps each shipment's own order.
    records.sort((a, b) => cmp(a.at, b.at));
    return stableStringify({ itemId, shipments, records });
  }

  private async writeSpec(ctx: Context, s: Shipment): Promise<void> {
    const spec: ShipmentSpec = {
      id: s.id,
      orderId: s.orderId,
      conditions: s.conditions,
      devices: s.devices,
      sender: s.sender,
      receiver: s.receiver,
    };
    await ctx.stub.putState(specKey(ctx, s.id), toBytes(spec));
  }
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function parseArray(json: string, name: string): unknown[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    throw new Error(`${name} must be a JSON array`);
  }
  if (!Array.isArray(parsed)) throw new Error(`${name} must be a JSON array`);
  return parsed;
}

function parseIdArray(value: unknown, name: string): string[] {
  if (!Array.isArray(value)) throw new Error(`${name} must be an array of shipment ids`);
  const ids = value.map((v, i) => requireId(v, `${name}[${i}]`));
  if (new Set(ids).size !== ids.length) throw new Error(`${name} must not list a shipment twice`);
  return ids;
}
