// Building blocks shared by every part of the schema: the transaction receipt of a mutation, mutation
// options (wait, idempotency key), read options (minBlock), connections for cursor pagination.

import { GraphQLJSONObject } from 'graphql-scalars';
import { GraphQLBigInt } from './scalars';
import {
  ArgsType,
  Field,
  ID,
  InputType,
  Int,
  ObjectType,
  registerEnumType,
  type ClassType,
} from 'type-graphql';

export { GraphQLBigInt as BigIntScalar, GraphQLJSONObject as JSONObjectScalar };

export enum TransactionState {
  /** Accepted by the orderer, not yet committed (only with `wait: false`). */
  PENDING = 'PENDING',
  VALID = 'VALID',
  /** Committed in a block but marked invalid (see validationCode). */
  INVALID = 'INVALID',
}
registerEnumType(TransactionState, {
  name: 'TransactionState',
  description: 'Where a submitted transaction stands',
});

@ObjectType({ description: 'What happened to a submitted transaction' })
export class TransactionReceipt {
  @Field(() => ID)
  transactionId!: string;

  @Field(() => TransactionState)
  state!: TransactionState;

  @Field(() => String, { nullable: true, description: "Fabric's TxValidationCode once committed" })
  validationCode?: string;

  @Field(() => GraphQLBigInt, { nullable: true, description: 'The block that holds it, once committed' })
  blockNumber?: bigint;

  @Field({
    description: 'True when this is the stored answer to an earlier request with the same idempotencyKey',
  })
  replayed!: boolean;
}

@InputType({ description: 'How a mutation is submitted' })
export class MutationOptions {
  @Field({
    defaultValue: true,
    description: 'Return after the commit (default) or as soon as the orderer accepted the transaction',
  })
  wait!: boolean;

  @Field(() => String, {
    nullable: true,
    description: 'A retried mutation with the same key returns the first result instead of a new transaction',
  })
  idempotencyKey?: string;
}

@ArgsType()
export class ReadArgs {
  @Field(() => GraphQLBigInt, {
    nullable: true,
    description:
      'Wait (up to a few seconds) until the read model has applied this block: read your own writes',
  })
  minBlock?: bigint;
}

@ObjectType()
export class PageInfo {
  @Field(() => String, { nullable: true })
  endCursor?: string;

  @Field()
  hasNextPage!: boolean;
}

@ArgsType()
export class PageArgs extends ReadArgs {
  @Field(() => Int, { defaultValue: 20, description: 'At most 100' })
  first!: number;

  @Field(() => String, { nullable: true, description: 'The endCursor of the previous page' })
  after?: string;
}

export interface Connection<T> {
  nodes: T[];
  pageInfo: PageInfo;
  totalCount: number;
}

/** A `<Name>Connection` type: the page's nodes, where to continue, and how many match in all. */
export function ConnectionOf<T extends object>(node: ClassType<T>, name: string): ClassType<Connection<T>> {
  @ObjectType(`${name}Connection`)
  class ConnectionType implements Connection<T> {
    @Field(() => [node])
    nodes!: T[];

    @Field(() => PageInfo)
    pageInfo!: PageInfo;

    @Field(() => Int)
    totalCount!: number;
  }
  return ConnectionType;
}

export interface Payload<T> {
  transaction: TransactionReceipt;
  entity?: T | null;
}

/**
 * A `<Name>Payload` type: the transaction receipt and the entity as the chaincode returned it (null
 * with `wait: false`, when nothing is committed yet), under the field name `field`.
 */
export function PayloadOf<T extends object>(
  entity: ClassType<T>,
  name: string,
  field: string,
): ClassType<Payload<T>> {
  @ObjectType(`${name}Payload`)
  class PayloadType implements Payload<T> {
    @Field(() => TransactionReceipt)
    transaction!: TransactionReceipt;

    entity?: T | null;
  }
  Field(() => entity, { name: field, nullable: true })(PayloadType.prototype, 'entity');
  return PayloadType;
}

export const JSONObject = GraphQLJSONObject;
