// Inputs of the reading operations, shaped as the chaincode's reading JSON.

import { GraphQLSafeInt } from 'graphql-scalars';
import { ArgsType, Field, Float, ID, InputType } from 'type-graphql';
import { PageArgs } from './common.type';

@InputType()
export class GeoLocationInput {
  @Field(() => Float, { description: '-90 to 90' })
  lat!: number;

  @Field(() => Float, { description: '-180 to 180' })
  lon!: number;
}

@InputType({ description: 'One reading; at least one of temperature, humidity, pressure, location' })
export class ReadingInput {
  @Field(() => ID)
  shipmentId!: string;

  @Field(() => ID)
  deviceId!: string;

  @Field(() => GraphQLSafeInt, {
    description: 'Per device, 0 to 999999999999: a replay with the same content is not counted twice',
  })
  sequence!: number;

  // A string, not a DateTime scalar: a replay must carry byte-identical content, and re-serialising
  // a parsed date would change it.
  @Field({ description: "ISO-8601 date-time with seconds and a zone, from the device's clock" })
  timestamp!: string;

  @Field(() => Float, { nullable: true })
  temperature?: number;

  @Field(() => Float, { nullable: true })
  humidity?: number;

  @Field(() => Float, { nullable: true })
  pressure?: number;

  @Field(() => GeoLocationInput, { nullable: true })
  location?: GeoLocationInput;
}

@ArgsType()
export class ReadingsArgs extends PageArgs {
  @Field(() => ID, { nullable: true, description: "Only this device's readings" })
  deviceId?: string;
}
