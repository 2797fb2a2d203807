// The ledger itself, in data (the seed's Figure 15): blocks, transactions, histories, events, heights.

import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { GraphQLJSON, GraphQLJSONObject } from 'graphql-scalars';
import { GraphQLBigInt } from './scalars';
import { TransactionState } from './common.type';

@ObjectType()
export class LedgerTransaction {
  @Field(() => ID)
  transactionId!: string;

  @Field(() => GraphQLBigInt)
  blockNumber!: bigint;

  @Field(() => Int, { description: 'Position in the block' })
  index!: number;

  @Field({ description: 'ENDORSER_TRANSACTION or CONFIG' })
  type!: string;

  @Field()
  timestamp!: string;

  @Field({ description: 'MSP ID of the creator (the signing organisation)' })
  creatorMspId!: string;

  @Field({ description: 'Party id of the creator, `<mspId>:<enrollmentId>`' })
  creator!: string;

  @Field({ description: "Fabric's TxValidationCode, e.g. VALID or MVCC_READ_CONFLICT" })
  validationCode!: string;

  @Field(() => TransactionState)
  state!: TransactionState;

  @Field(() => String, { nullable: true })
  chaincode?: string;

  @Field(() => String, { nullable: true, description: 'The contract function, e.g. negotiation:createOffer' })
  function?: string;
}

@ObjectType()
export class Block {
  @Field(() => GraphQLBigInt)
  number!: bigint;

  @Field({ description: "Hex SHA-256 of the block header (Fabric's block hash)" })
  hash!: string;

  @Field()
  previousHash!: string;

  @Field()
  dataHash!: string;

  @Field(() => Int)
  transactionCount!: number;

  @Field(() => [LedgerTransaction])
  transactions!: LedgerTransaction[];
}

@ObjectType()
export class BlockConnection {
  @Field(() => [Block])
  nodes!: Block[];

  @Field(() => GraphQLBigInt, { nullable: true, description: 'Pass as `before` for the next (older) page' })
  nextBefore?: bigint;
}

@ObjectType({ description: 'One committed version of an entity' })
export class HistoryEntry {
  @Field(() => ID)
  transactionId!: string;

  @Field()
  timestamp!: string;

  @Field()
  isDelete!: boolean;

  @Field(() => GraphQLJSON, { nullable: true, description: 'The value written (null for a delete)' })
  value?: unknown;
}

export enum EntityKind {
  negotiation = 'negotiation',
  order = 'order',
  shipment = 'shipment',
  device = 'device',
  idea = 'idea',
  certification = 'certification',
}
registerEnumType(EntityKind, { name: 'EntityKind' });

@ObjectType()
export class Meta {
  @Field(() => GraphQLBigInt, { description: 'Blocks in the ledger, as last seen by the API' })
  ledgerHeight!: bigint;

  @Field(() => GraphQLBigInt, { description: 'Blocks applied by the read model' })
  readModelHeight!: bigint;

  @Field()
  channel!: string;

  @Field()
  chaincode!: string;
}

@ObjectType({ description: 'A chaincode event, as committed' })
export class ContractEvent {
  @Field({ description: 'Resume after this event with `after: cursor`' })
  cursor!: string;

  @Field()
  name!: string;

  @Field(() => ID)
  transactionId!: string;

  @Field()
  timestamp!: string;

  @Field(() => GraphQLBigInt)
  blockNumber!: bigint;

  @Field(() => [String])
  parties!: string[];

  @Field(() => GraphQLJSONObject)
  payload!: Record<string, unknown>;
}

@ObjectType()
export class TransactionStatusEvent {
  @Field(() => ID)
  transactionId!: string;

  @Field(() => TransactionState)
  state!: TransactionState;

  @Field(() => String, { nullable: true })
  validationCode?: string;

  @Field(() => GraphQLBigInt, { nullable: true })
  blockNumber?: bigint;
}
