// Inputs of the shipment operations; the chaincode rejects unknown fields, so these mirror its JSON.

import { GraphQLDateTimeISO } from 'graphql-scalars';
import { ArgsType, Field, Float, ID, InputType } from 'type-graphql';
import { PageArgs } from './common.type';
import { SensorField, ShipmentStatus } from './shipment.type';

@InputType()
export class ShipmentConditionInput {
  @Field(() => SensorField)
  field!: SensorField;

  @Field(() => Float)
  min!: number;

  @Field(() => Float)
  max!: number;
}

@InputType({ description: 'A new shipment for an order; the caller is its sender and first custodian' })
export class ShipmentInput {
  @Field(() => ID, {
    description: 'Chosen by the caller: a retry with the same id cannot create a second shipment',
  })
  id!: string;

  @Field(() => ID)
  orderId!: string;

  @Field(() => [String], { description: 'QR/RFID codes, 1-1000, none already in an undelivered shipment' })
  items!: string[];

  @Field()
  origin!: string;

  @Field()
  destination!: string;

  @Field(() => [ShipmentConditionInput], {
    nullable: true,
    description: "Absent: the order's agreed conditions on temperature, humidity and pressure",
  })
  conditions?: ShipmentConditionInput[];

  @Field({ description: 'Party id `<mspId>:<enrollmentId>`' })
  receiver!: string;

  @Field(() => [ID], { defaultValue: [], description: 'Devices allowed to report (at most 100)' })
  devices!: string[];
}

@InputType({ description: 'What to take out of a shipment: included shipments, loose items, or both' })
export class SplitShipmentInput {
  @Field(() => [ID], { nullable: true, description: 'Included shipments to take out; they become top level' })
  shipments?: string[];

  @Field(() => [String], {
    nullable: true,
    description: 'Items to move into a new shipment held by the caller',
  })
  items?: string[];

  @Field(() => ID, { nullable: true, description: 'Id of the new shipment; required with items' })
  newShipmentId?: string;

  @Field(() => String, {
    nullable: true,
    description: 'Of the new shipment; default the original destination',
  })
  destination?: string;

  @Field(() => String, { nullable: true, description: 'Of the new shipment; default the original receiver' })
  receiver?: string;
}

@ArgsType()
export class ShipmentListArgs extends PageArgs {
  @Field(() => ShipmentStatus, { nullable: true })
  status?: ShipmentStatus;

  @Field(() => GraphQLDateTimeISO, { nullable: true, description: 'Created at or after' })
  createdFrom?: Date;

  @Field(() => GraphQLDateTimeISO, { nullable: true, description: 'Created at or before' })
  createdTo?: Date;
}
