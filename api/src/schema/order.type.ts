// An order as the chaincode stores it: the project that follows an accepted negotiation (seed 3.3).

import { GraphQLJSONObject } from 'graphql-scalars';
import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { ConnectionOf, PayloadOf } from './common.type';
import { GraphQLBigInt } from './scalars';
import { Negotiation, Terms } from './negotiation.type';
import { Reputation } from './reputation.type';

export enum OrderStatus {
  CREATED = 'CREATED',
  MATERIAL_RECEIVED = 'MATERIAL_RECEIVED',
  IN_PRODUCTION = 'IN_PRODUCTION',
  SHIPPED = 'SHIPPED',
  DELIVERED = 'DELIVERED',
  CLOSED = 'CLOSED',
}
registerEnumType(OrderStatus, { name: 'OrderStatus' });

/** The steps the supplier reports; DELIVERED and CLOSED are the customer's. */
export enum ProgressStatus {
  MATERIAL_RECEIVED = 'MATERIAL_RECEIVED',
  IN_PRODUCTION = 'IN_PRODUCTION',
  SHIPPED = 'SHIPPED',
}
registerEnumType(ProgressStatus, { name: 'ProgressStatus', description: 'Progress the supplier can report' });

@ObjectType()
export class Order {
  @Field(() => ID)
  id!: string;

  @Field(() => ID)
  negotiationId!: string;

  @Field()
  customer!: string;

  @Field()
  supplier!: string;

  @Field(() => Terms, { description: 'The agreed terms and conditions' })
  terms!: Terms;

  @Field(() => OrderStatus)
  status!: OrderStatus;

  @Field(() => Int, { description: 'Production progress 0-100, never decreasing; 100 once shipped' })
  percentage!: number;

  @Field(() => String, { nullable: true, description: "The supplier's note with the last progress report" })
  note?: string;

  @Field()
  createdAt!: string;

  @Field()
  updatedAt!: string;

  @Field({ description: 'The party that made the last change' })
  updatedBy!: string;

  /** Resolved by field resolvers. */
  counterparty?: string;
  counterpartyReputation?: Reputation;
  negotiation?: Negotiation | null;
  history?: OrderVersion[];
}

@ObjectType({ description: 'One committed version of an order' })
export class OrderVersion {
  @Field(() => ID)
  txId!: string;

  @Field()
  timestamp!: string;

  @Field()
  isDelete!: boolean;

  @Field(() => Order, { nullable: true, description: 'The order as that transaction left it' })
  order!: Order | null;
}

@ObjectType({ description: 'A change of an order, delivered to its two parties' })
export class OrderEvent {
  @Field({ description: 'Resume after this event with `after: cursor`' })
  cursor!: string;

  @Field(() => GraphQLBigInt, { description: 'The block that holds it: pass as `minBlock` to read after it' })
  blockNumber!: bigint;

  @Field({
    description: 'OfferAccepted (the order is created), OrderProgressed, OrderDelivered or OrderClosed',
  })
  name!: string;

  @Field(() => ID)
  transactionId!: string;

  @Field()
  timestamp!: string;

  @Field(() => ID)
  orderId!: string;

  @Field(() => ID)
  negotiationId!: string;

  @Field(() => OrderStatus)
  status!: OrderStatus;

  @Field(() => Int)
  percentage!: number;

  @Field()
  by!: string;

  @Field(() => String, { nullable: true })
  note?: string;

  @Field(() => GraphQLJSONObject, { description: 'The chaincode event payload' })
  payload!: Record<string, unknown>;
}

export const OrderConnection = ConnectionOf(Order, 'Order');
export const OrderPayload = PayloadOf(Order, 'Order', 'order');
