// A shipment as the chaincode stores it (seed 2.2.2, 2.2.3, 3.2.1): items by QR/RFID code, custody,
// inclusion into larger shipments and splitting, and its own record of every change.

import { GraphQLJSONObject } from 'graphql-scalars';
import { Field, Float, ID, ObjectType, registerEnumType } from 'type-graphql';
import { ConnectionOf, PayloadOf } from './common.type';
import { GraphQLBigInt } from './scalars';

export enum ShipmentStatus {
  CREATED = 'CREATED',
  IN_TRANSIT = 'IN_TRANSIT',
  DELIVERED = 'DELIVERED',
}
registerEnumType(ShipmentStatus, { name: 'ShipmentStatus' });

/** The sensor fields the chaincode checks conditions on; GraphQL names map to the stored lower-case values. */
export enum SensorField {
  TEMPERATURE = 'temperature',
  HUMIDITY = 'humidity',
  PRESSURE = 'pressure',
}
registerEnumType(SensorField, { name: 'SensorField' });

export enum ShipmentRecordType {
  CREATED = 'Created',
  CUSTODY_TRANSFERRED = 'CustodyTransferred',
  INCLUDED = 'Included',
  CHILD_INCLUDED = 'ChildIncluded',
  ITEMS_INCLUDED = 'ItemsIncluded',
  ITEMS_REMOVED = 'ItemsRemoved',
  SPLIT = 'Split',
  SPLIT_FROM = 'SplitFrom',
  DELIVERED = 'Delivered',
}
registerEnumType(ShipmentRecordType, { name: 'ShipmentRecordType' });

@ObjectType({ description: 'A condition the readings must meet, e.g. temperature between 2 and 8' })
export class ShipmentCondition {
  @Field(() => SensorField)
  field!: SensorField;

  @Field(() => Float)
  min!: number;

  @Field(() => Float)
  max!: number;
}

@ObjectType({ description: "One entry of a shipment's own record" })
export class ShipmentRecord {
  @Field(() => ShipmentRecordType)
  type!: ShipmentRecordType;

  @Field()
  at!: string;

  @Field(() => ID)
  txId!: string;

  @Field({ description: 'The party that made the change' })
  by!: string;

  @Field({ description: 'The custodian after the change' })
  custodian!: string;

  @Field(() => String, { nullable: true })
  location?: string;

  @Field(() => String, {
    nullable: true,
    description: 'Parent shipment (Included, SplitFrom) or child shipment (ChildIncluded, Split)',
  })
  relatedShipmentId?: string;

  @Field(() => [String], {
    nullable: true,
    description: 'Items concerned (ItemsIncluded, ItemsRemoved, Split)',
  })
  items?: string[];

  @Field(() => String, {
    nullable: true,
    description: 'The shipment whose change this is, when it cascaded from a parent',
  })
  via?: string;
}

@ObjectType()
export class Shipment {
  @Field(() => ID)
  id!: string;

  @Field(() => ID)
  orderId!: string;

  @Field(() => [String], {
    description: "Items directly in this shipment; included shipments' items stay with them",
  })
  items!: string[];

  @Field()
  origin!: string;

  @Field()
  destination!: string;

  @Field(() => [ShipmentCondition])
  conditions!: ShipmentCondition[];

  @Field()
  sender!: string;

  @Field()
  receiver!: string;

  @Field()
  custodian!: string;

  @Field({ description: 'Where the last custody change happened' })
  location!: string;

  @Field(() => [ID], { description: 'Devices allowed to report from creation (admins may bind more)' })
  devices!: string[];

  @Field(() => ShipmentStatus)
  status!: ShipmentStatus;

  @Field(() => ID, { nullable: true, description: 'The shipment this one is currently included in' })
  parentId?: string;

  @Field(() => [ID], { description: 'Shipments currently included in this one' })
  children!: string[];

  @Field(() => [ShipmentRecord])
  records!: ShipmentRecord[];

  @Field()
  createdAt!: string;

  @Field()
  updatedAt!: string;
}

@ObjectType({ description: 'A split: the shipment split, and the new shipment holding the split-off items' })
export class ShipmentSplit {
  @Field(() => Shipment)
  shipment!: Shipment;

  @Field(() => Shipment, { nullable: true, description: 'Null when only included shipments were taken out' })
  created!: Shipment | null;
}

@ObjectType()
export class ProvenanceRecord extends ShipmentRecord {
  @Field(() => ID)
  shipmentId!: string;
}

@ObjectType({
  description: "An item's chain of custody and inclusion, limited to the shipments the caller may read",
})
export class Provenance {
  @Field()
  itemId!: string;

  @Field(() => [ID], { description: 'Shipments that held the item, in order of their first record' })
  shipments!: string[];

  @Field(() => [ProvenanceRecord], { description: 'In time order' })
  records!: ProvenanceRecord[];
}

@ObjectType({ description: 'A change of a shipment, delivered to its sender, receiver and custodians' })
export class ShipmentEvent {
  @Field({ description: 'Resume after this event with `after: cursor`' })
  cursor!: string;

  @Field(() => GraphQLBigInt, { description: 'The block that holds it: pass as `minBlock` to read after it' })
  blockNumber!: bigint;

  @Field({
    description:
      'ShipmentCreated, CustodyTransferred, ShipmentIncluded, ShipmentSplit, ShipmentDelivered or DeviceBound',
  })
  name!: string;

  @Field(() => ID)
  transactionId!: string;

  @Field()
  timestamp!: string;

  @Field(() => ID)
  shipmentId!: string;

  @Field(() => ShipmentStatus, { nullable: true, description: 'Null for DeviceBound' })
  status?: ShipmentStatus;

  @Field(() => String, { nullable: true })
  custodian?: string;

  @Field(() => String, { nullable: true, description: 'CustodyTransferred: where it happened' })
  location?: string;

  @Field(() => GraphQLJSONObject, { description: 'The chaincode event payload' })
  payload!: Record<string, unknown>;
}

export const ShipmentConnection = ConnectionOf(Shipment, 'Shipment');
export const ShipmentPayload = PayloadOf(Shipment, 'Shipment', 'shipment');
export const ShipmentSplitPayload = PayloadOf(ShipmentSplit, 'ShipmentSplit', 'split');
