// Shipments (seed sections 2.2.2, 2.2.3, 3.2.1): items identified by QR/RFID codes, custody changes
// with location, inclusion into larger shipments and splitting, delivery confirmation.
import { Context, Object as DataType, Property } from 'fabric-contract-api';
import { isPartyId } from './util/identity';
import { fromBytes, toBytes } from './util/stable';
import { parseJsonObject, rejectUnknownFields, requireId, requireText } from './util/validate';

export const SENSOR_FIELDS = ['temperature', 'humidity', 'pressure'] as const;
export type SensorField = (typeof SENSOR_FIELDS)[number];
export type ShipmentStatus = 'CREATED' | 'IN_TRANSIT' | 'DELIVERED';

export const MAX_ITEMS = 1000;
export const MAX_DEVICES = 100;

@DataType()
export class ShipmentCondition {
  @Property('field', 'string')
  public field!: SensorField;

  @Property('min', 'number')
  public min!: number;

  @Property('max', 'number')
  public max!: number;

  public static from(raw: unknown, where: string): ShipmentCondition {
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw))
      throw new Error(`${where} must be an object {field, min, max}`);
    const obj = raw as Record<string, unknown>;
    rejectUnknownFields(obj, ['field', 'min', 'max'], where);
    const field = obj['field'];
    if (typeof field !== 'string' || !(SENSOR_FIELDS as readonly string[]).includes(field))
      throw new Error(`${where}.field must be one of ${SENSOR_FIELDS.join(', ')}`);
    const min = numberLike(obj['min'], `condition '${field}' min must be a number`);
    const max = numberLike(obj['max'], `condition '${field}' max must be a number`);
    if (min > max) throw new Error(`condition '${field}' min ${min} must not exceed max ${max}`);
    const c = new ShipmentCondition();
    c.field = field as SensorField;
    c.min = min;
    c.max = max;
    return c;
  }
}

/** A finite number, or a decimal string (offers carry conditions as strings, as in seed Figure 20). */
export function numberLike(value: unknown, message: string): number {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value.trim())) return Number(value.trim());
  throw new Error(message);
}

/** One entry of a shipment's own record: creation, custody change, inclusion, split, delivery. */
@DataType()
export class ShipmentRecord {
  /** Created | CustodyTransferred | Included | ChildIncluded | ItemsIncluded | ItemsRemoved | Split | SplitFrom | Delivered */
  @Property('type', 'string')
  public type!: string;

  @Property('at', 'string')
  public at!: string;

  @Property('txId', 'string')
  public txId!: string;

  /** The party that made the change. */
  @Property('by', 'string')
  public by!: string;

  /** The custodian after the change. */
  @Property('custodian', 'string')
  public custodian!: string;

  @Property('location', 'string')
  public location?: string;

  /** Parent shipment (Included, SplitFrom) or child shipment (ChildIncluded, Split). */
  @Property('relatedShipmentId', 'string')
  public relatedShipmentId?: string;

  /** Items concerned (ItemsIncluded, ItemsRemoved, Split). */
  @Property('items', 'string[]')
  public items?: string[];

  /** The shipment whose change this is, when it cascaded from a parent. */
  @Property('via', 'string')
  public via?: string;
}

@DataType()
export class Shipment {
  @Property('docType', 'string')
  public docType!: 'shipment';

  @Property('id', 'string')
  public id!: string;

  @Property('orderId', 'string')
  public orderId!: string;

  /** Items directly in this shipment (QR/RFID codes); items of included shipments stay with them. */
  @Property('items', 'string[]')
  public items!: string[];

  @Property('origin', 'string')
  public origin!: string;

  @Property('destination', 'string')
  public destination!: string;

  @Property('conditions', 'ShipmentCondition[]')
  public conditions!: ShipmentCondition[];

  @Property('sender', 'string')
  public sender!: string;

  @Property('receiver', 'string')
  public receiver!: string;

  @Property('custodian', 'string')
  public custodian!: string;

  /** Where the last custody change happened. */
  @Property('location', 'string')
  public location!: string;

  /** Devices allowed to report from creation (more may be bound by an admin later). */
  @Property('devices', 'string[]')
  public devices!: string[];

  @Property('status', 'string')
  public status!: ShipmentStatus;

  /** The shipment this one is currently included in. */
  @Property('parentId', 'string')
  public parentId?: string;

  /** Shipments currently included in this one. */
  @Property('children', 'string[]')
  public children!: string[];

  @Property('records', 'ShipmentRecord[]')
  public records!: ShipmentRecord[];

  @Property('createdAt', 'string')
  public createdAt!: string;

  @Property('updatedAt', 'string')
  public updatedAt!: string;
}

/**
 * The immutable part of a shipment that the reading path needs (conditions, allowed devices):
 * written once at creation, so custody changes never invalidate concurrent readings (rule 5).
 */
export interface ShipmentSpec {
  id: string;
  orderId: string;
  conditions: ShipmentCondition[];
  devices: string[];
  sender: string;
  receiver: string;
}

export interface ShipmentInput {
  id: string;
  orderId: string;
  items: string[];
  origin: string;
  destination: string;
  conditions?: ShipmentCondition[];
  sender: string;
  receiver: string;
  devices: string[];
}

/** Item ids are QR/RFID payloads: 1-256 printable ASCII characters without spaces. */
export function requireItemId(value: unknown, name: string): string {
  if (typeof value !== 'string' || !/^[\x21-\x7E]{1,256}$/.test(value))
    throw new Error(`${name} must be 1-256 printable ASCII characters without spaces`);
  return value;
}

export function requireItemList(value: unknown, name: string, allowEmpty: boolean): string[] {
  if (!Array.isArray(value)) throw new Error(`${name} must be an array of item ids`);
  if (!allowEmpty && value.length === 0) throw new Error(`${name} must not be empty`);
  if (value.length > MAX_ITEMS) throw new Error(`${name} must hold at most ${MAX_ITEMS} item ids`);
  const seen = new Set<string>();
  return value.map((v, i) => {
    const id = requireItemId(v, `${name}[${i}]`);
    if (seen.has(id)) throw new Error(`${name} lists item ${id} twice`);
    seen.add(id);
    return id;
  });
}

export function requireParty(value: unknown, name: string): string {
  if (!isPartyId(value)) throw new Error(`${name} must be a party id '<mspId>:<enrollmentId>'`);
  return value;
}

export function parseShipmentInput(json: string): ShipmentInput {
  const obj = parseJsonObject(json, 'shipment');
  rejectUnknownFields(
    obj,
    ['id', 'orderId', 'items', 'origin', 'destination', 'conditions', 'sender', 'receiver', 'devices'],
    'shipment',
  );
  const id = requireId(obj['id'], 'shipment id');
  const orderId = requireId(obj['orderId'], 'orderId');
  const items = requireItemList(obj['items'], 'items', false);
  const origin = requireText(obj['origin'], 'origin', 200);
  const destination = requireText(obj['destination'], 'destination', 200);
  let conditions: ShipmentCondition[] | undefined;
  if (obj['conditions'] !== undefined) {
    if (!Array.isArray(obj['conditions']))
      throw new Error('conditions must be an array of {field, min, max}');
    conditions = obj['conditions'].map((c, i) => ShipmentCondition.from(c, `conditions[${i}]`));
    const fields = new Set<string>();
    for (const c of conditions) {
      if (fields.has(c.field)) throw new Error(`conditions list field '${c.field}' twice`);
      fields.add(c.field);
    }
  }
  const sender = requireParty(obj['sender'], 'sender');
  const receiver = requireParty(obj['receiver'], 'receiver');
  if (sender === receiver) throw new Error('sender and receiver must be different parties');
  const rawDevices = obj['devices'] ?? [];
  if (!Array.isArray(rawDevices)) throw new Error('devices must be an array of device ids');
  if (rawDevices.length > MAX_DEVICES) throw new Error(`devices must hold at most ${MAX_DEVICES} device ids`);
  const devices = rawDevices.map((d, i) => requireId(d, `devices[${i}]`));
  if (new Set(devices).size !== devices.length) throw new Error('devices must not list a device twice');
  return { id, orderId, items, origin, destination, conditions, sender, receiver, devices };
}

export const SHIPMENT = 'shipment';
export const SHIPMENT_SPEC = 'shipment~spec';
export const ITEM_SHIPMENT = 'item~shipment';

export function shipmentKey(ctx: Context, id: string): string {
  return ctx.stub.createCompositeKey(SHIPMENT, [id]);
}

export function specKey(ctx: Context, id: string): string {
  return ctx.stub.createCompositeKey(SHIPMENT_SPEC, [id]);
}

export function itemKey(ctx: Context, itemId: string, shipmentId: string): string {
  return ctx.stub.createCompositeKey(ITEM_SHIPMENT, [itemId, shipmentId]);
}

export async function readShipment(ctx: Context, id: string): Promise<Shipment | undefined> {
  const bytes = await ctx.stub.getState(shipmentKey(ctx, id));
  return bytes && bytes.length > 0 ? fromBytes<Shipment>(bytes) : undefined;
}

export async function readSpec(ctx: Context, id: string): Promise<ShipmentSpec | undefined> {
  const bytes = await ctx.stub.getState(specKey(ctx, id));
  return bytes && bytes.length > 0 ? fromBytes<ShipmentSpec>(bytes) : undefined;
}

export async function writeShipment(ctx: Context, s: Shipment): Promise<void> {
  await ctx.stub.putState(shipmentKey(ctx, s.id), toBytes(s));
}

/** MSPs allowed to read a shipment's record and readings: those of its sender, receiver and every custodian. */
export function readerMsps(s: Shipment): Set<string> {
  const msps = new Set<string>();
  for (const p of [s.sender, s.receiver, s.custodian, ...s.records.map((r) => r.custodian)]) {
    msps.add(p.slice(0, p.indexOf(':')));
  }
  return msps;
}

/** Event payload: the shipment id and the parties involved, so subscribers can filter. */
export function shipmentEventPayload(
  s: Shipment,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    shipmentId: s.id,
    orderId: s.orderId,
    sender: s.sender,
    receiver: s.receiver,
    custodian: s.custodian,
    parties: [...new Set([s.sender, s.receiver, s.custodian])].sort(),
    status: s.status,
    ...extra,
  };
}
