// Sensor readings as the chaincode stores them (seed 4.1, 4.3), what a recordReading(s) transaction
// answers, and the read model's per-field summary of a shipment's readings.

import { GraphQLJSONObject, GraphQLSafeInt } from 'graphql-scalars';
import { Field, Float, ID, Int, ObjectType } from 'type-graphql';
import { ConnectionOf, PayloadOf } from './common.type';
import { GraphQLBigInt } from './scalars';
import { SensorField } from './shipment.type';

@ObjectType()
export class GeoLocation {
  @Field(() => Float)
  lat!: number;

  @Field(() => Float)
  lon!: number;
}

@ObjectType({ description: 'A value outside its condition' })
export class ConditionViolation {
  @Field(() => SensorField)
  field!: SensorField;

  @Field(() => Float)
  value!: number;

  @Field(() => Float)
  min!: number;

  @Field(() => Float)
  max!: number;
}

@ObjectType()
export class Reading {
  @Field(() => ID)
  shipmentId!: string;

  @Field(() => ID)
  deviceId!: string;

  // Sequences go up to 999999999999, beyond GraphQL's 32-bit Int.
  @Field(() => GraphQLSafeInt, { description: "Per device; with deviceId, the reading's identity" })
  sequence!: number;

  @Field({ description: "From the device's clock, as sent (ISO 8601)" })
  timestamp!: string;

  @Field(() => Float, { nullable: true })
  temperature?: number;

  @Field(() => Float, { nullable: true })
  humidity?: number;

  @Field(() => Float, { nullable: true })
  pressure?: number;

  @Field(() => GeoLocation, { nullable: true })
  location?: GeoLocation;

  @Field({ description: 'The identity that submitted it: the device itself or its gateway' })
  submittedBy!: string;

  @Field(() => ID)
  txId!: string;

  @Field({ description: 'Transaction time' })
  recordedAt!: string;

  @Field(() => [ConditionViolation])
  violations!: ConditionViolation[];
}

@ObjectType({ description: 'One violated condition of one reading' })
export class ViolatedReading extends ConditionViolation {
  @Field(() => ID)
  shipmentId!: string;

  @Field(() => ID)
  deviceId!: string;

  @Field(() => GraphQLSafeInt)
  sequence!: number;

  @Field()
  timestamp!: string;
}

@ObjectType({ description: 'What a recordReading(s) transaction did' })
export class ReadingBatchResult {
  @Field(() => Int, { description: 'Readings newly recorded' })
  recorded!: number;

  @Field(() => Int, { description: 'Readings already on the ledger with the same content (replays)' })
  duplicates!: number;

  @Field(() => [ViolatedReading])
  violations!: ViolatedReading[];
}

@ObjectType({ description: "Aggregates of one sensor field over a shipment's readings" })
export class FieldSummary {
  @Field(() => Int, { description: 'Readings recorded one by one that carry the field' })
  count!: number;

  @Field(() => Int, {
    description: "Readings covered by edge devices' periodic summaries that carry the field (threshold mode)",
  })
  summarizedReadings!: number;

  @Field(() => Float, { nullable: true, description: 'Lowest value over readings and summaries' })
  min!: number | null;

  @Field(() => Float, { nullable: true, description: 'Highest value over readings and summaries' })
  max!: number | null;

  @Field(() => String, {
    nullable: true,
    description: 'Device time of the earliest reading (or summary start) with the field',
  })
  firstTimestamp!: string | null;

  @Field(() => String, {
    nullable: true,
    description: 'Device time of the latest reading (or summary end) with the field',
  })
  lastTimestamp!: string | null;

  @Field(() => Int, { description: "Readings whose value violated the shipment's condition" })
  violations!: number;

  @Field(() => Int, { description: "Summaries whose range for the field violated the shipment's condition" })
  summaryViolations!: number;
}

@ObjectType({ description: "A shipment's readings in figures, from the read model" })
export class ShipmentSummary {
  @Field(() => ID)
  shipmentId!: string;

  @Field(() => Int, { description: 'Readings recorded' })
  count!: number;

  @Field(() => Int, { description: 'Readings with at least one violation' })
  violations!: number;

  @Field(() => Int, { description: 'Periodic summaries recorded by edge devices in threshold mode' })
  summaries!: number;

  @Field(() => Int, { description: 'Readings those summaries cover' })
  summarizedReadings!: number;

  @Field(() => Int, { description: 'Summaries with at least one violation' })
  summaryViolations!: number;

  @Field(() => FieldSummary)
  temperature!: FieldSummary;

  @Field(() => FieldSummary)
  humidity!: FieldSummary;

  @Field(() => FieldSummary)
  pressure!: FieldSummary;
}

@ObjectType({
  description: "Readings recorded for a shipment, delivered to the shipment's sender and receiver",
})
export class ReadingEvent {
  @Field({ description: 'Resume after this event with `after: cursor`' })
  cursor!: string;

  @Field(() => GraphQLBigInt, { description: 'The block that holds it: pass as `minBlock` to read after it' })
  blockNumber!: bigint;

  @Field({ description: 'ReadingRecorded, ReadingsRecorded or ConditionViolated (which takes their place)' })
  name!: string;

  @Field(() => ID)
  transactionId!: string;

  @Field()
  timestamp!: string;

  @Field(() => [ID], { description: 'A batch may span shipments' })
  shipmentIds!: string[];

  @Field(() => [ID])
  deviceIds!: string[];

  @Field(() => Int)
  count!: number;

  @Field(() => Int)
  duplicates!: number;

  @Field(() => GraphQLSafeInt)
  fromSequence!: number;

  @Field(() => GraphQLSafeInt)
  toSequence!: number;

  @Field()
  submittedBy!: string;

  @Field(() => [ViolatedReading], { description: 'Empty unless ConditionViolated' })
  violations!: ViolatedReading[];

  @Field(() => GraphQLJSONObject, { description: 'The chaincode event payload' })
  payload!: Record<string, unknown>;
}

export const ReadingConnection = ConnectionOf(Reading, 'Reading');
export const ReadingBatchPayload = PayloadOf(ReadingBatchResult, 'ReadingBatch', 'result');
