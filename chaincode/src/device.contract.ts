// Devices (seed 4.2, 4.6): an organisation admin registers a device by its enrollment id within the
// admin's own MSP, binds it to shipments and deactivates it. A gateway reports for the small devices
// registered behind it.
import { Context, Contract, Info, Param, Returns, Transaction } from 'fabric-contract-api';
import {
  Device,
  DeviceBinding,
  bindingKey,
  deviceIdByEnrollment,
  enrollmentKey,
  isOrgAdmin,
  readBinding,
  readDevice,
  writeDevice,
} from './device.type';
import { readShipment } from './shipment.type';
import { callerOf } from './util/identity';
import { stableStringify, toBytes } from './util/stable';
import { txTime } from './util/time';
import { parseIdList, requireId } from './util/validate';

function requireAdmin(ctx: Context, action: string): string {
  const caller = callerOf(ctx);
  if (!isOrgAdmin(ctx))
    throw new Error(
      `${caller.partyId} is not an organisation admin (role=admin); only an admin can ${action}`,
    );
  return caller.partyId;
}

async function deviceOfOwnMsp(ctx: Context, deviceId: string, action: string): Promise<Device> {
  requireId(deviceId, 'deviceId');
  const device = await readDevice(ctx, deviceId);
  if (!device) throw new Error(`device ${deviceId} does not exist`);
  const mspId = callerOf(ctx).mspId;
  if (device.mspId !== mspId)
    throw new Error(
      `device ${deviceId} belongs to ${device.mspId}; an admin of ${mspId} cannot ${action} it`,
    );
  return device;
}

function devicePayload(d: Device, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    deviceId: d.id,
    mspId: d.mspId,
    enrollmentId: d.enrollmentId,
    kind: d.kind,
    gatewayId: d.gatewayId,
    active: d.active,
    ...extra,
  };
}

@Info({
  title: 'DeviceContract',
  description: 'IoT devices: registration by an org admin, binding to shipments, deactivation',
})
export class DeviceContract extends Contract {
  constructor() {
    super('device');
  }

  /** An org admin registers a device of its own MSP: {id, enrollmentId?, kind: gateway|sensor, gatewayId?}. */
  @Transaction()
  @Param('deviceJson', 'string', '{id, enrollmentId?, kind, gatewayId?}')
  @Returns('string')
  public async registerDevice(ctx: Context, deviceJson: string): Promise<string> {
    const input = Device.fromInput(deviceJson);
    const by = requireAdmin(ctx, 'register a device');
    const mspId = callerOf(ctx).mspId;
    if (await readDevice(ctx, input.id)) throw new Error(`device ${input.id} already exists`);
    if (input.enrollmentId !== undefined) {
      const taken = await deviceIdByEnrollment(ctx, mspId, input.enrollmentId);
      if (taken)
        throw new Error(
          `enrollment id ${input.enrollmentId} of ${mspId} is already registered as device ${taken}`,
        );
    }
    if (input.gatewayId !== undefined) {
      const gateway = await readDevice(ctx, input.gatewayId);
      if (!gateway) throw new Error(`gateway ${input.gatewayId} does not exist`);
      if (gateway.kind !== 'gateway') throw new Error(`device ${input.gatewayId} is not a gateway`);
      if (gateway.mspId !== mspId)
        throw new Error(`gateway ${input.gatewayId} belongs to ${gateway.mspId}, not ${mspId}`);
      if (!gateway.active) throw new Error(`gateway ${input.gatewayId} is deactivated`);
    }
    const at = txTime(ctx);
    const device = new Device();
    Object.assign(device, {
      docType: 'device',
      id: input.id,
      mspId,
      enrollmentId: input.enrollmentId,
      kind: input.kind,
      gatewayId: input.gatewayId,
      active: true,
      registeredBy: by,
      registeredAt: at,
      updatedAt: at,
    });
    await writeDevice(ctx, device);
    if (input.enrollmentId !== undefined)
      await ctx.stub.putState(
        enrollmentKey(ctx, mspId, input.enrollmentId),
        toBytes({ deviceId: device.id }),
      );
    ctx.stub.setEvent('DeviceRegistered', toBytes(devicePayload(device, { by, parties: [by] })));
    return stableStringify(device);
  }

  /** An admin of the device's MSP allows the device to report for a shipment. */
  @Transaction()
  @Returns('string')
  public async bindDevice(ctx: Context, deviceId: string, shipmentId: string): Promise<string> {
    const by = requireAdmin(ctx, 'bind a device');
    const device = await deviceOfOwnMsp(ctx, deviceId, 'bind');
    requireId(shipmentId, 'shipmentId');
    if (!device.active) throw new Error(`device ${deviceId} is deactivated`);
    const shipment = await readShipment(ctx, shipmentId);
    if (!shipment) throw new Error(`shipment ${shipmentId} does not exist`);
    if (shipment.status === 'DELIVERED')
      throw new Error(`shipment ${shipmentId} is DELIVERED; it cannot change`);
    if (await readBinding(ctx, shipmentId, deviceId))
      throw new Error(`device ${deviceId} is already bound to shipment ${shipmentId}`);
    const binding = new DeviceBinding();
    Object.assign(binding, { shipmentId, deviceId, boundBy: by, boundAt: txTime(ctx) });
    await ctx.stub.putState(bindingKey(ctx, shipmentId, deviceId), toBytes(binding));
    ctx.stub.setEvent(
      'DeviceBound',
      toBytes(
        devicePayload(device, {
          shipmentId,
          by,
          parties: [...new Set([by, shipment.sender, shipment.receiver])].sort(),
        }),
      ),
    );
    return stableStringify(binding);
  }

  /** An admin of the device's MSP deactivates it: it can no longer report (nor can devices behind a gateway). */
  @Transaction()
  @Returns('string')
  public async deactivateDevice(ctx: Context, deviceId: string): Promise<string> {
    const by = requireAdmin(ctx, 'deactivate a device');
    const device = await deviceOfOwnMsp(ctx, deviceId, 'deactivate');
    if (!device.active) throw new Error(`device ${deviceId} is already deactivated`);
    device.active = false;
    device.updatedAt = txTime(ctx);
    await writeDevice(ctx, device);
    ctx.stub.setEvent('DeviceDeactivated', toBytes(devicePayload(device, { by, parties: [by] })));
    return stableStringify(device);
  }

  @Transaction(false)
  @Returns('string')
  public async getDevice(ctx: Context, deviceId: string): Promise<string> {
    requireId(deviceId, 'deviceId');
    const device = await readDevice(ctx, deviceId);
    if (!device) throw new Error(`device ${deviceId} does not exist`);
    return stableStringify(device);
  }

  /** Batch read: JSON array of up to 100 ids; same order, null for missing. */
  @Transaction(false)
  @Returns('string')
  public async getMany(ctx: Context, idsJson: string): Promise<string> {
    const ids = parseIdList(idsJson);
    const out: (Device | null)[] = [];
    for (const id of ids) out.push((await readDevice(ctx, id)) ?? null);
    return stableStringify(out);
  }
}
