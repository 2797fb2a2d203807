// Devices (seed 4.2, 4.6): an organisation admin registers its devices by enrollment id, binds them to
// shipments and deactivates them. Any member may read a device (the chaincode does not restrict it).

import { Arg, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import type { ApiContext } from '../context.type';
import { MutationOptions, type Payload } from './common.type';
import { DeviceInput } from './device.input';
import { Device, DeviceBinding, DeviceBindingPayload, DevicePayload } from './device.type';
import { compact, loadPublic } from './page';
import { json, requireAdmin, submitAs } from './resolve';

@Resolver(() => Device)
export class DeviceResolver {
  @Query(() => Device, { description: 'One device, from the ledger' })
  device(@Arg('id', () => ID) id: string, @Ctx() ctx: ApiContext): Promise<Device> {
    return loadPublic<Device>(ctx, 'device', id);
  }

  // The chaincode checks the admin role itself; checking first spares a doomed endorsement.
  @Mutation(() => DevicePayload, { description: 'An organisation admin registers a device of its own MSP' })
  registerDevice(
    @Arg('input', () => DeviceInput) input: DeviceInput,
    @Arg('options', () => MutationOptions, { nullable: true }) options: MutationOptions | undefined,
    @Ctx() ctx: ApiContext,
  ): Promise<Payload<Device>> {
    requireAdmin(ctx);
    return submitAs(ctx, 'device:registerDevice', [json(compact(input))], options);
  }

  @Mutation(() => DeviceBindingPayload, {
    description: "An admin of the device's organisation allows it to report for a shipment",
  })
  bindDevice(
    @Arg('deviceId', () => ID) deviceId: string,
    @Arg('shipmentId', () => ID) shipmentId: string,
    @Arg('options', () => MutationOptions, { nullable: true }) options: MutationOptions | undefined,
    @Ctx() ctx: ApiContext,
  ): Promise<Payload<DeviceBinding>> {
    requireAdmin(ctx);
    return submitAs(ctx, 'device:bindDevice', [deviceId, shipmentId], options);
  }

  @Mutation(() => DevicePayload, {
    description: "An admin of the device's organisation deactivates it (and so the sensors behind a gateway)",
  })
  deactivateDevice(
    @Arg('deviceId', () => ID) deviceId: string,
    @Arg('options', () => MutationOptions, { nullable: true }) options: MutationOptions | undefined,
    @Ctx() ctx: ApiContext,
  ): Promise<Payload<Device>> {
    requireAdmin(ctx);
    return submitAs(ctx, 'device:deactivateDevice', [deviceId], options);
  }
}
