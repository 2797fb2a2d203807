// An idea as the chaincode returns it (seed 3.2.3): the registration by content hash, every
// contribution in order, and each contributor's share derived from them.

import { Field, Float, ID, Int, ObjectType } from 'type-graphql';
import { PayloadOf } from './common.type';

@ObjectType({ description: 'A contribution to an idea, recorded at the transaction time' })
export class Contribution {
  @Field(() => ID)
  ideaId!: string;

  @Field(() => ID, { description: 'Chosen by the contributor; unique within the idea' })
  id!: string;

  @Field({ description: 'SHA-256 of the contribution, lower-case hex; the content stays off-chain' })
  contentHash!: string;

  @Field()
  description!: string;

  @Field()
  contributor!: string;

  @Field({ description: 'Transaction time' })
  timestamp!: string;

  @Field(() => ID)
  txId!: string;
}

@ObjectType({ description: "A party's share of an idea: the registration and each contribution count one" })
export class ContributorShare {
  @Field()
  party!: string;

  @Field(() => Int)
  count!: number;

  @Field(() => Float, { description: 'count / totalContributions, in (0, 1]; shares sum to 1' })
  share!: number;
}

@ObjectType()
export class Idea {
  @Field(() => ID)
  id!: string;

  @Field()
  title!: string;

  @Field({
    description: 'SHA-256 of the content, lower-case hex; the record proves it existed at registeredAt',
  })
  contentHash!: string;

  @Field({ description: 'The registering party' })
  owner!: string;

  @Field()
  registeredAt!: string;

  @Field(() => ID)
  txId!: string;

  @Field(() => [Contribution], { description: 'In order of transaction time, then id' })
  contributions!: Contribution[];

  @Field(() => Int, { description: '1 (the registration) + the number of contributions' })
  totalContributions!: number;

  @Field(() => [ContributorShare], { description: 'By descending count, then party id' })
  shares!: ContributorShare[];
}

export const IdeaPayload = PayloadOf(Idea, 'Idea', 'idea');
export const ContributionPayload = PayloadOf(Contribution, 'Contribution', 'contribution');
