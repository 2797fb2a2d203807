// IoT devices as the chaincode stores them (seed 4.2, 4.6), and a device's binding to a shipment.

import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import { PayloadOf, TransactionReceipt } from './common.type';

/** GraphQL names map to the stored lower-case values. */
export enum DeviceKind {
  GATEWAY = 'gateway',
  SENSOR = 'sensor',
}
registerEnumType(DeviceKind, {
  name: 'DeviceKind',
  valuesConfig: {
    GATEWAY: { description: 'Holds its own Fabric identity and may report for sensors registered behind it' },
    SENSOR: { description: 'Reports itself (with an enrollment id) or through its gateway' },
  },
});

@ObjectType()
export class Device {
  @Field(() => ID)
  id!: string;

  @Field({
    description: "The MSP of the admin that registered it; the device's certificate must belong to it",
  })
  mspId!: string;

  @Field(() => String, {
    nullable: true,
    description: "Fabric CA enrollment id of the device's own identity; null for a sensor behind a gateway",
  })
  enrollmentId?: string;

  @Field(() => DeviceKind)
  kind!: DeviceKind;

  @Field(() => ID, { nullable: true, description: 'The gateway that reports for this device' })
  gatewayId?: string;

  @Field()
  active!: boolean;

  @Field()
  registeredBy!: string;

  @Field()
  registeredAt!: string;

  @Field()
  updatedAt!: string;
}

@ObjectType({ description: 'A device allowed to report for a shipment' })
export class DeviceBinding {
  @Field(() => ID)
  shipmentId!: string;

  @Field(() => ID)
  deviceId!: string;

  @Field()
  boundBy!: string;

  @Field()
  boundAt!: string;
}

export const DevicePayload = PayloadOf(Device, 'Device', 'device');
export const DeviceBindingPayload = PayloadOf(DeviceBinding, 'DeviceBinding', 'binding');

@ObjectType({ description: 'A provisioned device: what the device needs to enrol with its own key' })
export class ProvisionedDevice {
  @Field(() => TransactionReceipt)
  transaction!: TransactionReceipt;

  @Field(() => Device, { nullable: true })
  device?: Device | null;

  @Field({ description: 'The enrollment id registered with the CA' })
  enrollmentId!: string;

  @Field({
    description:
      'The enrolment secret, a JWE (ECDH-ES, A256GCM) only the device key opens; pass it to `edge enroll`',
  })
  sealedSecret!: string;

  @Field({ description: "The organisation's MSP ID" })
  mspId!: string;
}
