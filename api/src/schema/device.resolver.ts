// Devices (seed 4.2, 4.6): an organisation admin registers its devices by enrollment id, binds them to
// shipments and deactivates them. Any member may read a device (the chaincode does not restrict it).

import { randomBytes } from 'node:crypto';
import { Arg, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import { CaError, SealedSecretError, sealSecret } from '../../../network/client/src';
import type { ApiContext } from '../context.type';
import { ApiError, ErrorCode, fromCaError } from '../errors';
import { MutationOptions, type Payload } from './common.type';
import { DeviceInput, ProvisionDeviceInput } from './device.input';
import { Device, DeviceBinding, DeviceBindingPayload, DevicePayload, ProvisionedDevice } from './device.type';
import { compact, loadPublic } from './page';
import { evaluateOrNull, json, requireAdmin, submitAs } from './resolve';

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

  /**
   * Seed Figure 9 with the device's own key: the admin registers the device's identity with the CA (the
   * secret is generated here, usable once, and leaves only sealed for the device's public key), then
   * records the device on the ledger signed by the admin. The ledger is checked first so that a taken
   * id costs no CA registration.
   */
  @Mutation(() => ProvisionedDevice, {
    description:
      "An organisation admin provisions a device that made its own key: CA registration, ledger registration, and the enrolment secret sealed for the device's key",
  })
  async provisionDevice(
    @Arg('input', () => ProvisionDeviceInput) input: ProvisionDeviceInput,
    @Arg('options', () => MutationOptions, { nullable: true }) options: MutationOptions | undefined,
    @Ctx() ctx: ApiContext,
  ): Promise<ProvisionedDevice> {
    const admin = requireAdmin(ctx);
    const ca = ctx.services.cas.get(admin.mspId);
    if (!ca) throw new ApiError(ErrorCode.LEDGER_UNAVAILABLE, `no CA is configured for ${admin.mspId}`);
    const enrollmentId = input.enrollmentId ?? input.id;
    const secret = randomBytes(18).toString('base64url');
    let sealedSecret: string;
    try {
      sealedSecret = await sealSecret(secret, input.publicKey);
    } catch (err) {
      if (err instanceof SealedSecretError)
        throw new ApiError(ErrorCode.BAD_USER_INPUT, `publicKey: ${err.message}`);
      throw err;
    }
    if (await evaluateOrNull(ctx, 'device:getDevice', [input.id]))
      throw new ApiError(ErrorCode.CONFLICT, `device ${input.id} already exists`);
    const registrar = ctx.services.wallet.get(admin.label);
    if (!registrar) throw new ApiError(ErrorCode.FORBIDDEN, `no identity '${admin.label}' in the wallet`);
    try {
      await ca.register(registrar, {
        enrollmentId,
        secret,
        type: 'client',
        maxEnrollments: 1,
        attrs: [{ name: 'role', value: 'device', ecert: true }],
      });
    } catch (err) {
      if (err instanceof CaError) throw fromCaError(err);
      throw err;
    }
    const payload = await submitAs<Device>(
      ctx,
      'device:registerDevice',
      [json({ id: input.id, enrollmentId, kind: input.kind })],
      options,
    );
    return {
      transaction: payload.transaction,
      device: payload.entity ?? null,
      enrollmentId,
      sealedSecret,
      mspId: admin.mspId,
    };
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
