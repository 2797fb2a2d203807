// Inputs of the order operations.

import { GraphQLDateTimeISO } from 'graphql-scalars';
import { ArgsType, Field, InputType, Int } from 'type-graphql';
import { PageArgs } from './common.type';
import { OrderStatus, ProgressStatus } from './order.type';

@InputType({ description: "The supplier's progress report" })
export class OrderProgressInput {
  @Field(() => ProgressStatus)
  status!: ProgressStatus;

  @Field(() => Int, {
    nullable: true,
    description: 'Required with IN_PRODUCTION (0-100, never decreasing); not allowed otherwise',
  })
  percentage?: number;

  @Field(() => String, { nullable: true, description: 'At most 1000 characters' })
  note?: string;
}

@ArgsType()
export class OrderListArgs extends PageArgs {
  @Field(() => OrderStatus, { nullable: true })
  status?: OrderStatus;

  @Field(() => GraphQLDateTimeISO, { nullable: true, description: 'Created at or after' })
  createdFrom?: Date;

  @Field(() => GraphQLDateTimeISO, { nullable: true, description: 'Created at or before' })
  createdTo?: Date;
}
