// Inputs of the idea mutations, shaped as the chaincode's JSON.

import { Field, ID, InputType } from 'type-graphql';

@InputType()
export class IdeaInput {
  @Field(() => ID, {
    description: 'Registering the same idea again is a no-op; other content under the id is refused',
  })
  id!: string;

  @Field({ description: 'At most 200 characters' })
  title!: string;

  @Field({ description: 'SHA-256 of the content (64 hex); the content itself stays off-chain' })
  contentHash!: string;
}

@InputType()
export class ContributionInput {
  @Field(() => ID, { description: 'Unique within the idea; the same contribution again is a no-op' })
  id!: string;

  @Field({ description: 'SHA-256 of the contribution (64 hex)' })
  contentHash!: string;

  @Field({ description: 'At most 2000 characters' })
  description!: string;
}
