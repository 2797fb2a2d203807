// IoT devices (seed sections 4.2 and 4.6): an organisation admin registers a device by its Fabric
// enrollment id; a gateway device may report for the small devices registered behind it.
import { Context, Object as DataType, Property } from 'fabric-contract-api';
import { fromBytes, toBytes } from './util/stable';
import { parseJsonObject, rejectUnknownFields, requireId } from './util/validate';

export const DEVICE_KINDS = ['gateway', 'sensor'] as const;
export type DeviceKind = (typeof DEVICE_KINDS)[number];

@DataType()
export class Device {
  @Property('docType', 'string')
  public docType!: 'device';

  @Property('id', 'string')
  public id!: string;

  /** The MSP of the admin that registered it; the device's certificate must belong to it. */
  @Property('mspId', 'string')
  public mspId!: string;

  /** Fabric CA enrollment id of the device's own identity; absent for a small device behind a gateway. */
  @Property('enrollmentId', 'string')
  public enrollmentId?: string;

  @Property('kind', 'string')
  public kind!: DeviceKind;

  /** The gateway device that reports for this (small) device. */
  @Property('gatewayId', 'string')
  public gatewayId?: string;

  @Property('active', 'boolean')
  public active!: boolean;

  @Property('registeredBy', 'string')
  public registeredBy!: string;

  @Property('registeredAt', 'string')
  public registeredAt!: string;

  @Property('updatedAt', 'string')
  public updatedAt!: string;

  /** Validates registerDevice's argument {id, enrollmentId?, kind, gatewayId?}. */
  public static fromInput(json: string): {
    id: string;
    enrollmentId?: string;
    kind: DeviceKind;
    gatewayId?: string;
  } {
    const obj = parseJsonObject(json, 'device');
    rejectUnknownFields(obj, ['id', 'enrollmentId', 'kind', 'gatewayId'], 'device');
    const id = requireId(obj['id'], 'device id');
    const kind = obj['kind'];
    if (typeof kind !== 'string' || !(DEVICE_KINDS as readonly string[]).includes(kind))
      throw new Error(`device kind must be one of ${DEVICE_KINDS.join(', ')}`);
    let gatewayId: string | undefined;
    if (obj['gatewayId'] !== undefined && obj['gatewayId'] !== null) {
      gatewayId = requireId(obj['gatewayId'], 'gatewayId');
      if (kind === 'gateway') throw new Error('a gateway device cannot have a gatewayId');
      if (gatewayId === id) throw new Error('a device cannot be its own gateway');
    }
    let enrollmentId: string | undefined;
    const e = obj['enrollmentId'];
    if (e !== undefined && e !== null) {
      if (
        typeof e !== 'string' ||
        e.length === 0 ||
        e.length > 256 ||
        /\s/.test(e) ||
        e.includes(String.fromCharCode(0))
      )
        throw new Error('enrollmentId must be 1-256 characters without spaces');
      enrollmentId = e;
    } else if (gatewayId === undefined) {
      throw new Error('enrollmentId is required unless the device reports through a gatewayId');
    }
    return { id, enrollmentId, kind: kind as DeviceKind, gatewayId };
  }
}

/** Who may report for which shipment: written by an admin, read (never written) on the reading path. */
@DataType()
export class DeviceBinding {
  @Property('shipmentId', 'string')
  public shipmentId!: string;

  @Property('deviceId', 'string')
  public deviceId!: string;

  @Property('boundBy', 'string')
  public boundBy!: string;

  @Property('boundAt', 'string')
  public boundAt!: string;
}

export const DEVICE = 'device';
export const DEVICE_BY_ENROLLMENT = 'device~enrollment';
export const BINDING = 'binding~shipment~device';

export function deviceKey(ctx: Context, id: string): string {
  return ctx.stub.createCompositeKey(DEVICE, [id]);
}

export function enrollmentKey(ctx: Context, mspId: string, enrollmentId: string): string {
  return ctx.stub.createCompositeKey(DEVICE_BY_ENROLLMENT, [mspId, enrollmentId]);
}

export function bindingKey(ctx: Context, shipmentId: string, deviceId: string): string {
  return ctx.stub.createCompositeKey(BINDING, [shipmentId, deviceId]);
}

export async function readDevice(ctx: Context, id: string): Promise<Device | undefined> {
  const bytes = await ctx.stub.getState(deviceKey(ctx, id));
  return bytes && bytes.length > 0 ? fromBytes<Device>(bytes) : undefined;
}

export async function writeDevice(ctx: Context, device: Device): Promise<void> {
  await ctx.stub.putState(deviceKey(ctx, device.id), toBytes(device));
}

/** The device registered under the caller's MSP and enrollment id, if any. */
export async function deviceIdByEnrollment(
  ctx: Context,
  mspId: string,
  enrollmentId: string,
): Promise<string | undefined> {
  const bytes = await ctx.stub.getState(enrollmentKey(ctx, mspId, enrollmentId));
  return bytes && bytes.length > 0 ? fromBytes<{ deviceId: string }>(bytes).deviceId : undefined;
}

export async function readBinding(
  ctx: Context,
  shipmentId: string,
  deviceId: string,
): Promise<DeviceBinding | undefined> {
  const bytes = await ctx.stub.getState(bindingKey(ctx, shipmentId, deviceId));
  return bytes && bytes.length > 0 ? fromBytes<DeviceBinding>(bytes) : undefined;
}

/** An organisation admin: certificate attribute role=admin, or a certificate subject with OU=admin. */
export function isOrgAdmin(ctx: Context): boolean {
  const identity = ctx.clientIdentity;
  if (identity.getAttributeValue('role') === 'admin') return true;
  const parts = identity.getID().split('::');
  const subject = parts.length >= 2 ? (parts[1] ?? '') : identity.getID();
  return /(?:^|\/|,\s*)OU=admin(?:$|\/|,)/i.test(subject);
}
