// A party's reputation: ratings given after closed orders.

import { Field, Float, ID, Int, ObjectType } from 'type-graphql';
import { PayloadOf } from './common.type';

@ObjectType()
export class Rating {
  @Field(() => ID, { description: '`<orderId>:<rater party id>`' })
  id!: string;

  @Field()
  orderId!: string;

  @Field()
  rater!: string;

  @Field()
  ratee!: string;

  @Field(() => Int)
  score!: number;

  @Field()
  comment!: string;

  @Field(() => ID)
  txId!: string;

  @Field()
  timestamp!: string;
}

@ObjectType()
export class Reputation {
  @Field()
  partyId!: string;

  @Field(() => Int)
  count!: number;

  @Field(() => Float, { nullable: true, description: 'Mean score, 2 decimals; null without ratings' })
  average!: number | null;

  @Field(() => [Rating])
  ratings!: Rating[];
}

export const RatingPayload = PayloadOf(Rating, 'Rating', 'rating');
