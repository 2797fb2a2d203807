// A negotiation (RFQ) as the chaincode stores it: the terms on the table and every round.

import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { GraphQLJSONObject } from 'graphql-scalars';
import { ConnectionOf, PayloadOf } from './common.type';
import { GraphQLBigInt } from './scalars';
import { Reputation } from './reputation.type';

export enum NegotiationStatus {
  OPEN = 'OPEN',
  ACCEPTED = 'ACCEPTED',
  REJECTED = 'REJECTED',
}
registerEnumType(NegotiationStatus, { name: 'NegotiationStatus' });

export enum RoundAction {
  OFFER = 'OFFER',
  COUNTER_OFFER = 'COUNTER_OFFER',
  ACCEPT = 'ACCEPT',
  REJECT = 'REJECT',
}
registerEnumType(RoundAction, { name: 'RoundAction' });

@ObjectType({ description: 'A condition on the goods, e.g. humidity between 0 and 10' })
export class Condition {
  @Field()
  field!: string;

  @Field()
  min!: number;

  @Field()
  max!: number;
}

@ObjectType({
  description: 'The terms under negotiation (seed Figure 20); after acceptance, the agreed terms',
})
export class Terms {
  @Field()
  item!: string;

  @Field({ description: 'Canonical decimal string' })
  price!: string;

  @Field(() => Int)
  quantity!: number;

  @Field()
  currency!: string;

  @Field(() => [Condition])
  conditions!: Condition[];
}

@ObjectType()
export class NegotiationRound {
  @Field(() => Int)
  round!: number;

  @Field(() => RoundAction)
  action!: RoundAction;

  @Field({ description: 'Party id of the round author' })
  by!: string;

  @Field(() => ID)
  txId!: string;

  @Field()
  timestamp!: string;

  @Field(() => Terms, { description: 'The terms on the table after this round' })
  terms!: Terms;

  @Field(() => GraphQLJSONObject, {
    nullable: true,
    description: 'Counter-offers: the seed Figure 21 changes {fields, conditions, removedConditions}',
  })
  changes?: Record<string, unknown>;

  @Field(() => String, { nullable: true })
  note?: string;

  @Field(() => String, { nullable: true })
  reason?: string;
}

@ObjectType()
export class Negotiation {
  @Field(() => ID)
  id!: string;

  @Field({ description: 'The party that opened the RFQ' })
  customer!: string;

  @Field({ description: 'The prospective supplier' })
  supplier!: string;

  @Field(() => NegotiationStatus)
  status!: NegotiationStatus;

  @Field(() => Terms)
  terms!: Terms;

  @Field(() => Int)
  roundCount!: number;

  @Field({ description: 'The party whose offer is on the table (the other one answers it)' })
  lastOfferBy!: string;

  @Field()
  createdAt!: string;

  @Field()
  updatedAt!: string;

  @Field(() => String, { nullable: true })
  orderId?: string;

  @Field(() => String, { nullable: true })
  rejectReason?: string;

  /** Present when read from the ledger; resolved from the read model otherwise. */
  rounds?: NegotiationRound[];

  /** Filled by the resolver: the other party from the caller's point of view. */
  counterparty?: string;

  /** Resolved by the field resolver. */
  counterpartyReputation?: Reputation;
}

@ObjectType({ description: 'An event in a negotiation, delivered to its two parties' })
export class NegotiationEvent {
  @Field({ description: 'Resume after this event with `after: cursor`' })
  cursor!: string;

  @Field(() => GraphQLBigInt, { description: 'The block that holds it: pass as `minBlock` to read after it' })
  blockNumber!: bigint;

  @Field({ description: 'OfferCreated, CounterOffered, OfferAccepted or OfferRejected' })
  name!: string;

  @Field(() => ID)
  transactionId!: string;

  @Field()
  timestamp!: string;

  @Field(() => ID)
  negotiationId!: string;

  @Field(() => NegotiationStatus)
  status!: NegotiationStatus;

  @Field(() => Int)
  round!: number;

  @Field()
  by!: string;

  @Field(() => GraphQLJSONObject, { description: 'The chaincode event payload' })
  payload!: Record<string, unknown>;
}

export const NegotiationConnection = ConnectionOf(Negotiation, 'Negotiation');
export const NegotiationPayload = PayloadOf(Negotiation, 'Negotiation', 'negotiation');
