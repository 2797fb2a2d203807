// Input of the rate mutation, shaped as the chaincode's rating JSON.

import { Field, ID, InputType, Int } from 'type-graphql';

@InputType({ description: 'The caller rates the other party of a CLOSED order, once' })
export class RatingInput {
  @Field(() => ID)
  orderId!: string;

  @Field(() => Int, { description: '1 to 5' })
  score!: number;

  @Field(() => String, { nullable: true, description: 'At most 1000 characters' })
  comment?: string;
}
