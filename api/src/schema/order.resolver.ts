// Orders: the supplier reports progress, the customer confirms delivery and closes (seed 3.3). An order
// is created by acceptNegotiation, so there is no create mutation here. Lists come from the read model
// (only the caller's own orders); one order and its history come from the ledger, read as the caller.

import {
  Arg,
  Args,
  Ctx,
  FieldResolver,
  ID,
  Mutation,
  Query,
  Resolver,
  Root,
  Subscription,
  type SubscribeResolverData,
} from 'type-graphql';
import type { ApiContext } from '../context.type';
import type { LedgerEvent } from '../events/event-stream';
import { MutationOptions, ReadArgs, type Connection, type Payload } from './common.type';
import { Negotiation } from './negotiation.type';
import { OrderListArgs, OrderProgressInput } from './order.input';
import { Order, OrderConnection, OrderEvent, OrderPayload, OrderStatus, OrderVersion } from './order.type';
import { compact, counterpartyOf, counterpartyReputationOf, listOwn, loadVisible } from './page';
import { Reputation } from './reputation.type';
import { awaitReadModel, evaluateAs, json, requireCaller, submitAs } from './resolve';
import { eventFields, num, str, subscribeLedgerEvents } from './subscribe';

/** OfferAccepted is the order's creation: Fabric keeps one event per transaction, the negotiation's. */
export const ORDER_EVENTS = ['OfferAccepted', 'OrderProgressed', 'OrderDelivered', 'OrderClosed'] as const;

@Resolver(() => Order)
export class OrderResolver {
  @Query(() => Order, { description: 'One order, from the ledger; parties only' })
  async order(
    @Arg('id', () => ID) id: string,
    @Args() { minBlock }: ReadArgs,
    @Ctx() ctx: ApiContext,
  ): Promise<Order> {
    requireCaller(ctx);
    await awaitReadModel(ctx, minBlock);
    return loadVisible<Order>(ctx, 'order', id);
  }

  @Query(() => OrderConnection, { description: "The caller's orders, newest last, from the read model" })
  async orders(@Args() args: OrderListArgs, @Ctx() ctx: ApiContext): Promise<Connection<Order>> {
    requireCaller(ctx);
    await awaitReadModel(ctx, args.minBlock);
    return listOwn<Order>(ctx, 'order', args);
  }

  @FieldResolver(() => String, { description: "The other party, from the caller's point of view" })
  counterparty(@Root() o: Order, @Ctx() ctx: ApiContext): string {
    return counterpartyOf(ctx, o);
  }

  @FieldResolver(() => Reputation, { description: "The counterparty's reputation (batched ledger read)" })
  counterpartyReputation(@Root() o: Order, @Ctx() ctx: ApiContext): Promise<Reputation> {
    return counterpartyReputationOf(ctx, o);
  }

  @FieldResolver(() => Negotiation, { nullable: true, description: 'The negotiation that led to the order' })
  async negotiation(@Root() o: Order, @Ctx() ctx: ApiContext): Promise<Negotiation | null> {
    return ctx.loaders.entity<Negotiation>('negotiation').load(o.negotiationId);
  }

  @FieldResolver(() => [OrderVersion], {
    description: 'Every committed version, oldest first (ledger history)',
  })
  async history(@Root() o: Order, @Ctx() ctx: ApiContext): Promise<OrderVersion[]> {
    const versions = await evaluateAs<
      { txId: string; timestamp: string; isDelete: boolean; value: Order | null }[]
    >(ctx, 'order:getOrderHistory', [o.id]);
    return versions.map(({ value, ...v }) => ({ ...v, order: value }));
  }

  @Mutation(() => OrderPayload, { description: 'The supplier reports production progress' })
  reportOrderProgress(
    @Arg('orderId', () => ID) orderId: string,
    @Arg('input', () => OrderProgressInput) input: OrderProgressInput,
    @Arg('options', () => MutationOptions, { nullable: true }) options: MutationOptions | undefined,
    @Ctx() ctx: ApiContext,
  ): Promise<Payload<Order>> {
    return submitAs(ctx, 'order:reportProgress', [orderId, json(compact(input))], options);
  }

  @Mutation(() => OrderPayload, { description: 'The customer confirms that the shipped goods arrived' })
  confirmOrderDelivery(
    @Arg('orderId', () => ID) orderId: string,
    @Arg('options', () => MutationOptions, { nullable: true }) options: MutationOptions | undefined,
    @Ctx() ctx: ApiContext,
  ): Promise<Payload<Order>> {
    return submitAs(ctx, 'order:confirmDelivery', [orderId], options);
  }

  @Mutation(() => OrderPayload, { description: 'The customer closes a delivered order; ratings open then' })
  closeOrder(
    @Arg('orderId', () => ID) orderId: string,
    @Arg('options', () => MutationOptions, { nullable: true }) options: MutationOptions | undefined,
    @Ctx() ctx: ApiContext,
  ): Promise<Payload<Order>> {
    return submitAs(ctx, 'order:closeOrder', [orderId], options);
  }

  @Subscription(() => OrderEvent, {
    description: "Creation, progress, delivery and closure of the caller's orders",
    subscribe: ({ args, context }: SubscribeResolverData<unknown, OrderSubscriptionArgs, ApiContext>) =>
      subscribeLedgerEvents(context, {
        topic: 'orderStatus',
        names: ORDER_EVENTS,
        after: args.after,
        ...(args.orderId ? { accept: (e) => e.payload['orderId'] === args.orderId } : {}),
      }),
  })
  orderStatus(
    @Root() event: LedgerEvent,
    @Arg('orderId', () => ID, { nullable: true }) _orderId: string | undefined,
    @Arg('after', () => String, { nullable: true, description: 'Resume after this cursor' })
    _after: string | undefined,
  ): OrderEvent {
    return orderEvent(event);
  }
}

interface OrderSubscriptionArgs {
  orderId?: string;
  after?: string;
}

function orderEvent(event: LedgerEvent): OrderEvent {
  const p = event.payload;
  // OfferAccepted's own status is the negotiation's (ACCEPTED); the new order's state is nested.
  const order = event.name === 'OfferAccepted' && isObject(p['order']) ? p['order'] : p;
  const note = str(p, 'note');
  return {
    ...eventFields(event),
    orderId: str(p, 'orderId'),
    negotiationId: str(p, 'negotiationId'),
    status: (str(order, 'status') || OrderStatus.CREATED) as OrderStatus,
    percentage: num(order, 'percentage'),
    by: str(p, 'by'),
    ...(note ? { note } : {}),
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
