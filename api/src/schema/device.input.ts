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
