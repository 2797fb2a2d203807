// Inputs of the negotiation mutations, shaped as the seed's Figures 20 (offer) and 21 (counter-offer).

import { ArgsType, Field, ID, InputType } from 'type-graphql';
import { GraphQLDateTimeISO } from 'graphql-scalars';
import { PageArgs } from './common.type';
import { NegotiationStatus } from './negotiation.type';

@InputType()
export class ConditionInput {
  @Field()
  field!: string;

  @Field()
  min!: number;

  @Field()
  max!: number;
}

@InputType({ description: 'A new RFQ, seed Figure 20' })
export class OfferInput {
  @Field(() => ID, { description: 'Chosen by the caller: a retry with the same id cannot open a second RFQ' })
  id!: string;

  @Field({ description: 'Party id `<mspId>:<enrollmentId>` of the prospective supplier' })
  targetParty!: string;

  @Field()
  item!: string;

  @Field({ description: 'Decimal string, e.g. "12.50"' })
  price!: string;

  @Field()
  quantity!: number;

  @Field()
  currency!: string;

  @Field(() => [ConditionInput], { defaultValue: [] })
  conditions!: ConditionInput[];
}

@InputType()
export class FieldChangeInput {
  @Field({ description: 'item, price, quantity or currency' })
  field!: string;

  @Field()
  newValue!: string;
}

@InputType({ description: 'A counter-offer, seed Figure 21' })
export class CounterOfferInput {
  @Field(() => [FieldChangeInput], { defaultValue: [] })
  fields!: FieldChangeInput[];

  @Field(() => [ConditionInput], { defaultValue: [], description: 'Conditions added or replaced' })
  conditions!: ConditionInput[];

  @Field(() => [String], { defaultValue: [], description: 'Fields whose condition is dropped' })
  removedConditions!: string[];

  @Field(() => String, { nullable: true })
  note?: string;
}

@ArgsType()
export class NegotiationListArgs extends PageArgs {
  @Field(() => NegotiationStatus, { nullable: true })
  status?: NegotiationStatus;

  @Field(() => GraphQLDateTimeISO, { nullable: true, description: 'Created at or after' })
  createdFrom?: Date;

  @Field(() => GraphQLDateTimeISO, { nullable: true, description: 'Created at or before' })
  createdTo?: Date;
}
