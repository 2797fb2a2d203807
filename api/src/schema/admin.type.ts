// Who the caller is, and the users an organisation admin creates.

import { Field, InputType, ObjectType, registerEnumType } from 'type-graphql';

export enum UserRole {
  user = 'user',
  admin = 'admin',
}
registerEnumType(UserRole, { name: 'UserRole' });

@ObjectType({ description: 'The identity the API key signs as' })
export class Me {
  @Field({ description: 'Party id, `<mspId>:<enrollmentId>`, as the chaincode sees it' })
  partyId!: string;

  @Field()
  mspId!: string;

  @Field()
  enrollmentId!: string;

  @Field(() => UserRole)
  role!: UserRole;
}

@InputType()
export class AttributeInput {
  @Field()
  name!: string;

  @Field()
  value!: string;
}

@InputType()
export class CreateUserInput {
  @Field({ description: 'Letters, digits and . _ @ -; becomes the party id `<mspId>:<enrollmentId>`' })
  enrollmentId!: string;

  @Field(() => UserRole, { defaultValue: UserRole.user })
  role!: UserRole;

  @Field(() => [AttributeInput], { defaultValue: [], description: 'Extra certificate attributes' })
  attrs!: AttributeInput[];

  @Field(() => String, { nullable: true })
  description?: string;
}

@ObjectType()
export class CreatedUser {
  @Field()
  partyId!: string;

  @Field()
  mspId!: string;

  @Field()
  enrollmentId!: string;

  @Field(() => UserRole)
  role!: UserRole;

  @Field({ description: 'The new API key (bearer token); shown only now' })
  apiKey!: string;
}
