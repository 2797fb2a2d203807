// Input of registerDevice, shaped as the chaincode's device JSON.

import { Field, ID, InputType } from 'type-graphql';
import { DeviceKind } from './device.type';

@InputType({ description: "A device of the admin's own organisation" })
export class DeviceInput {
  @Field(() => ID)
  id!: string;

  @Field(() => String, {
    nullable: true,
    description: "The device's Fabric CA enrollment id; required unless it reports through a gateway",
  })
  enrollmentId?: string;

  @Field(() => DeviceKind)
  kind!: DeviceKind;

  @Field(() => ID, { nullable: true, description: 'A sensor only: the gateway that reports for it' })
  gatewayId?: string;
}

@InputType({
  description:
    "A device that generated its own key: the API registers it with the organisation's CA and on the ledger, and returns its enrolment secret sealed for that key",
})
export class ProvisionDeviceInput {
  @Field(() => ID)
  id!: string;

  @Field(() => DeviceKind)
  kind!: DeviceKind;

  @Field(() => String, { description: "The device's public key (PEM, EC P-256), as `edge keygen` prints it" })
  publicKey!: string;

  @Field(() => String, { nullable: true, description: 'The CA enrollment id; default the device id' })
  enrollmentId?: string;
}
