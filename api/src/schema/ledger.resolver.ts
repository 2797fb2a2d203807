// The ledger in data: blocks and transactions (from the read model, fed by Deliver), an entity's history
// (from the ledger's history database, through the chaincode), heights, the generic contract-event
// stream, committed blocks live, and the fate of one transaction.

import {
  Arg,
  Args,
  Ctx,
  ID,
  Int,
  Query,
  Resolver,
  Root,
  Subscription,
  type SubscribeResolverData,
} from 'type-graphql';
import { GraphQLBigInt } from './scalars';
import type { ApiContext } from '../context.type';
import { badInput, notFound } from '../errors';
import type { LedgerEvent } from '../events/event-stream';
import { waitForApplied } from '../events/applied';
import { ReadArgs, TransactionState } from './common.type';
import {
  Block,
  BlockConnection,
  ContractEvent,
  EntityKind,
  HistoryEntry,
  LedgerTransaction,
  Meta,
  TransactionStatusEvent,
} from './ledger.type';
import { awaitReadModel, evaluateAs, requireCaller } from './resolve';
import { eventFields, subscribeLedgerEvents } from './subscribe';
import type { StoredBlock, StoredTransaction } from '../readmodel/read-model';

@Resolver()
export class LedgerResolver {
  @Query(() => Meta, { description: 'Ledger height and read-model height' })
  meta(@Ctx() ctx: ApiContext): Meta {
    requireCaller(ctx);
    const { projector, readModel, channel, chaincode } = ctx.services;
    const readModelHeight = readModel.nextBlock();
    const ledgerHeight = projector.ledgerHeight > readModelHeight ? projector.ledgerHeight : readModelHeight;
    return { ledgerHeight, readModelHeight, channel, chaincode };
  }

  @Query(() => Block, { description: 'One block with its transactions' })
  async block(
    @Arg('number', () => GraphQLBigInt) number: bigint,
    @Args() { minBlock }: ReadArgs,
    @Ctx() ctx: ApiContext,
  ): Promise<Block> {
    requireCaller(ctx);
    await awaitReadModel(ctx, minBlock);
    const block = ctx.services.readModel.block(number);
    if (!block)
      throw notFound(`block ${number} is not in the ledger (height ${ctx.services.readModel.nextBlock()})`);
    return toBlock(block);
  }

  @Query(() => BlockConnection, { description: 'The newest blocks first' })
  blocks(
    @Arg('first', () => Int, { defaultValue: 10 }) first: number,
    @Arg('before', () => GraphQLBigInt, { nullable: true, description: 'Only blocks below this number' })
    before: bigint | undefined,
    @Ctx() ctx: ApiContext,
  ): BlockConnection {
    requireCaller(ctx);
    if (!Number.isInteger(first) || first < 1 || first > 100) throw badInput('first must be from 1 to 100');
    const blocks = ctx.services.readModel.blocks({ first, ...(before !== undefined ? { before } : {}) });
    const nodes = blocks.map(toBlock);
    const last = nodes[nodes.length - 1];
    return {
      nodes,
      ...(last && last.number > 0n && nodes.length === first ? { nextBefore: last.number } : {}),
    };
  }

  @Query(() => LedgerTransaction, {
    description: 'A transaction by id: committed, or PENDING if submitted here',
  })
  async transaction(
    @Arg('id', () => ID) id: string,
    @Args() { minBlock }: ReadArgs,
    @Ctx() ctx: ApiContext,
  ): Promise<LedgerTransaction> {
    requireCaller(ctx);
    await awaitReadModel(ctx, minBlock);
    const tx = ctx.services.readModel.transaction(id);
    if (tx) return toTransaction(tx);
    if (ctx.services.transactions.isPending(id)) {
      throw notFound(`transaction ${id} is accepted by the orderer but not committed yet (state PENDING)`);
    }
    throw notFound(`transaction ${id} is not in the ledger`);
  }

  @Query(() => [HistoryEntry], {
    description: 'Every committed version of an entity, oldest first, from the ledger',
  })
  async history(
    @Arg('kind', () => EntityKind) kind: EntityKind,
    @Arg('id', () => ID) id: string,
    @Ctx() ctx: ApiContext,
  ): Promise<HistoryEntry[]> {
    const entries = await evaluateAs<
      { txId: string; timestamp: string; isDelete: boolean; value: unknown }[]
    >(ctx, 'system:getHistory', [kind, id]);
    return entries.map((e) => ({
      transactionId: e.txId,
      timestamp: e.timestamp,
      isDelete: e.isDelete,
      value: e.value,
    }));
  }

  @Subscription(() => ContractEvent, {
    description: 'Every chaincode event visible to the caller, optionally only some names',
    subscribe: ({ args, context }: SubscribeResolverData<unknown, ContractEventArgs, ApiContext>) =>
      subscribeLedgerEvents(context, {
        topic: 'contractEvents',
        ...(args.names && args.names.length > 0 ? { names: args.names } : {}),
        after: args.after,
      }),
  })
  contractEvents(
    @Root() event: LedgerEvent,
    @Arg('names', () => [String], { nullable: true }) _names: string[] | undefined,
    @Arg('after', () => String, { nullable: true }) _after: string | undefined,
  ): ContractEvent {
    return { ...eventFields(event), parties: [...event.parties] };
  }

  @Subscription(() => Block, {
    description: 'Committed blocks as the read model applies them; `after` replays from that block number',
    subscribe: ({ args, context }: SubscribeResolverData<unknown, { after?: bigint }, ApiContext>) =>
      blockStream(context, args.after),
  })
  committedBlocks(
    @Root() block: StoredBlock,
    @Arg('after', () => GraphQLBigInt, { nullable: true }) _after: bigint | undefined,
  ): Block {
    return toBlock(block);
  }

  @Subscription(() => TransactionStatusEvent, {
    description: "One transaction's fate: emits once it is committed (valid or not), then completes",
    subscribe: ({ args, context }: SubscribeResolverData<unknown, { transactionId: string }, ApiContext>) =>
      transactionStatusStream(context, args.transactionId),
  })
  transactionStatus(
    @Root() tx: StoredTransaction,
    @Arg('transactionId', () => ID) _transactionId: string,
  ): TransactionStatusEvent {
    const t = toTransaction(tx);
    return {
      transactionId: t.transactionId,
      state: t.state,
      validationCode: t.validationCode,
      blockNumber: t.blockNumber,
    };
  }
}

interface ContractEventArgs {
  names?: string[];
  after?: string;
}

async function* blockStream(ctx: ApiContext, after: bigint | undefined): AsyncGenerator<StoredBlock> {
  requireCaller(ctx);
  const { readModel } = ctx.services;
  let next = after !== undefined ? after + 1n : readModel.nextBlock();
  const gauge = ctx.services.metrics.subscriptions.labels('committedBlocks');
  gauge.inc();
  try {
    for (;;) {
      const block = readModel.block(next);
      if (block) {
        next++;
        yield block;
        continue;
      }
      await waitForApplied(ctx.services.projector);
    }
  } finally {
    gauge.dec();
  }
}

async function* transactionStatusStream(
  ctx: ApiContext,
  transactionId: string,
): AsyncGenerator<StoredTransaction> {
  requireCaller(ctx);
  if (!/^[0-9a-f]{64}$/.test(transactionId))
    throw badInput('transactionId must be 64 hexadecimal characters');
  const { readModel } = ctx.services;
  for (;;) {
    const tx = readModel.transaction(transactionId);
    if (tx) {
      // Validation codes are in every block, which any channel member may read: no party check here.
      yield tx;
      return;
    }
    await waitForApplied(ctx.services.projector);
  }
}

function toTransaction(tx: StoredTransaction): LedgerTransaction {
  return {
    transactionId: tx.txId,
    blockNumber: tx.blockNumber,
    index: tx.txIndex,
    type: tx.type,
    timestamp: tx.timestamp,
    creatorMspId: tx.creatorMspId,
    creator: tx.creatorId,
    validationCode: tx.validationCode,
    state: tx.validationCode === 'VALID' ? TransactionState.VALID : TransactionState.INVALID,
    ...(tx.chaincode ? { chaincode: tx.chaincode } : {}),
    ...(tx.function ? { function: tx.function } : {}),
  };
}

function toBlock(block: StoredBlock): Block {
  return {
    number: block.number,
    hash: block.hash,
    previousHash: block.previousHash,
    dataHash: block.dataHash,
    transactionCount: block.transactions.length,
    transactions: block.transactions.map(toTransaction),
  };
}
