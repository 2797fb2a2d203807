// Shipments and traceability (seed 2.2.2, 2.2.3, 3.2.1): creation for an order, custody transfers,
// inclusion and splitting, delivery, and an item's provenance. Lists come from the read model (the
// caller's own shipments); one shipment and a provenance come from the ledger, read as the caller, so
// the chaincode's rule applies (the organisations of the sender, the receiver and every custodian).

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
import { ApiError, ErrorCode, forbidden, notFound } from '../errors';
import type { LedgerEvent } from '../events/event-stream';
import { MutationOptions, ReadArgs, type Connection, type Payload } from './common.type';
import { Order } from './order.type';
import { compact, listOwn, loadVisible } from './page';
import { awaitReadModel, evaluateAs, json, requireCaller, submitAs } from './resolve';
import { ShipmentInput, ShipmentListArgs, SplitShipmentInput } from './shipment.input';
import {
  Provenance,
  Shipment,
  ShipmentConnection,
  ShipmentEvent,
  ShipmentPayload,
  ShipmentSplit,
  ShipmentSplitPayload,
  ShipmentStatus,
} from './shipment.type';
import { eventFields, str, subscribeLedgerEvents } from './subscribe';

/** DeviceBound is a device event, but it changes who may report for the shipment. */
export const SHIPMENT_EVENTS = [
  'ShipmentCreated',
  'CustodyTransferred',
  'ShipmentIncluded',
  'ShipmentSplit',
  'ShipmentDelivered',
  'DeviceBound',
] as const;

@Resolver(() => Shipment)
export class ShipmentResolver {
  @Query(() => Shipment, { description: 'One shipment, from the ledger; its parties and custodians only' })
  async shipment(
    @Arg('id', () => ID) id: string,
    @Args() { minBlock }: ReadArgs,
    @Ctx() ctx: ApiContext,
  ): Promise<Shipment> {
    requireCaller(ctx);
    await awaitReadModel(ctx, minBlock);
    return loadVisible<Shipment>(ctx, 'shipment', id);
  }

  @Query(() => ShipmentConnection, {
    description: "The caller's shipments, newest last, from the read model",
  })
  async shipments(@Args() args: ShipmentListArgs, @Ctx() ctx: ApiContext): Promise<Connection<Shipment>> {
    requireCaller(ctx);
    await awaitReadModel(ctx, args.minBlock);
    return listOwn<Shipment>(ctx, 'shipment', args);
  }

  @Query(() => Provenance, {
    description: "An item's chain of custody from its first record, from the ledger",
  })
  async provenance(@Arg('itemId') itemId: string, @Ctx() ctx: ApiContext): Promise<Provenance> {
    try {
      return await evaluateAs<Provenance>(ctx, 'shipment:getProvenance', [itemId]);
    } catch (err) {
      // The contract's wording for these two cases is not among errors.ts's patterns.
      if (err instanceof ApiError && err.code === ErrorCode.CHAINCODE_ERROR) {
        if (/\bhas no record\b/.test(err.message)) throw notFound(err.message);
        if (/\bmay not read\b/.test(err.message)) throw forbidden(err.message);
      }
      throw err;
    }
  }

  @FieldResolver(() => Order, {
    nullable: true,
    description: 'The order; null unless the caller is a party to it',
  })
  async order(@Root() s: Shipment, @Ctx() ctx: ApiContext): Promise<Order | null> {
    return ctx.loaders.entity<Order>('order').load(s.orderId);
  }

  @Mutation(() => ShipmentPayload, {
    description: 'Creates a shipment for an order; the caller is the sender',
  })
  createShipment(
    @Arg('input', () => ShipmentInput) input: ShipmentInput,
    @Arg('options', () => MutationOptions, { nullable: true }) options: MutationOptions | undefined,
    @Ctx() ctx: ApiContext,
  ): Promise<Payload<Shipment>> {
    const sender = requireCaller(ctx).partyId;
    return submitAs(ctx, 'shipment:createShipment', [json({ ...compact(input), sender })], options);
  }

  @Mutation(() => ShipmentPayload, {
    description: 'The custodian hands the shipment, and everything included in it, to another party',
  })
  transferCustody(
    @Arg('shipmentId', () => ID) shipmentId: string,
    @Arg('toParty', { description: 'Party id `<mspId>:<enrollmentId>`' }) toParty: string,
    @Arg('location') location: string,
    @Arg('options', () => MutationOptions, { nullable: true }) options: MutationOptions | undefined,
    @Ctx() ctx: ApiContext,
  ): Promise<Payload<Shipment>> {
    return submitAs(ctx, 'shipment:transferCustody', [shipmentId, toParty, location], options);
  }

  @Mutation(() => ShipmentPayload, {
    description: 'Includes a shipment into a larger one (custodian of both); returns the parent',
  })
  includeShipment(
    @Arg('parentId', () => ID) parentId: string,
    @Arg('childId', () => ID) childId: string,
    @Arg('options', () => MutationOptions, { nullable: true }) options: MutationOptions | undefined,
    @Ctx() ctx: ApiContext,
  ): Promise<Payload<Shipment>> {
    return submitAs(ctx, 'shipment:includeShipment', [parentId, childId], options);
  }

  @Mutation(() => ShipmentPayload, {
    description: 'Adds loose items, moving them out of their current shipment',
  })
  includeItems(
    @Arg('shipmentId', () => ID) shipmentId: string,
    @Arg('items', () => [String]) items: string[],
    @Arg('options', () => MutationOptions, { nullable: true }) options: MutationOptions | undefined,
    @Ctx() ctx: ApiContext,
  ): Promise<Payload<Shipment>> {
    return submitAs(ctx, 'shipment:includeItems', [shipmentId, json(items)], options);
  }

  @Mutation(() => ShipmentSplitPayload, {
    description: 'Takes included shipments out, and/or moves items into a new shipment held by the caller',
  })
  splitShipment(
    @Arg('shipmentId', () => ID) shipmentId: string,
    @Arg('input', () => SplitShipmentInput) input: SplitShipmentInput,
    @Arg('options', () => MutationOptions, { nullable: true }) options: MutationOptions | undefined,
    @Ctx() ctx: ApiContext,
  ): Promise<Payload<ShipmentSplit>> {
    const { newShipmentId, ...rest } = compact(input);
    const split = { ...rest, ...(newShipmentId !== undefined ? { id: newShipmentId } : {}) };
    return submitAs(ctx, 'shipment:splitShipment', [shipmentId, json(split)], options);
  }

  @Mutation(() => ShipmentPayload, {
    description: 'The receiver confirms delivery; shipments included in it are delivered with it',
  })
  confirmShipmentDelivery(
    @Arg('shipmentId', () => ID) shipmentId: string,
    @Arg('options', () => MutationOptions, { nullable: true }) options: MutationOptions | undefined,
    @Ctx() ctx: ApiContext,
  ): Promise<Payload<Shipment>> {
    return submitAs(ctx, 'shipment:confirmDelivery', [shipmentId], options);
  }

  @Subscription(() => ShipmentEvent, {
    description:
      'Creation, custody, inclusion, splits, delivery and device bindings of shipments the caller is party to',
    subscribe: ({ args, context }: SubscribeResolverData<unknown, ShipmentSubscriptionArgs, ApiContext>) =>
      subscribeLedgerEvents(context, {
        topic: 'shipmentUpdates',
        names: SHIPMENT_EVENTS,
        after: args.after,
        ...(args.shipmentId ? { accept: concerns(args.shipmentId) } : {}),
      }),
  })
  shipmentUpdates(
    @Root() event: LedgerEvent,
    @Arg('shipmentId', () => ID, { nullable: true }) _shipmentId: string | undefined,
    @Arg('after', () => String, { nullable: true, description: 'Resume after this cursor' })
    _after: string | undefined,
  ): ShipmentEvent {
    return shipmentEvent(event);
  }
}

interface ShipmentSubscriptionArgs {
  shipmentId?: string;
  after?: string;
}

/**
 * An event names the top-level shipment it was made on; a shipment included or split out of it is named
 * only as childId, newShipmentId or in `shipments`.
 */
function concerns(shipmentId: string): (event: LedgerEvent) => boolean {
  return ({ payload: p }) =>
    p['shipmentId'] === shipmentId ||
    p['childId'] === shipmentId ||
    p['newShipmentId'] === shipmentId ||
    (Array.isArray(p['shipments']) && p['shipments'].includes(shipmentId));
}

function shipmentEvent(event: LedgerEvent): ShipmentEvent {
  const p = event.payload;
  const status = str(p, 'status');
  const custodian = str(p, 'custodian');
  const location = str(p, 'location');
  return {
    ...eventFields(event),
    shipmentId: str(p, 'shipmentId'),
    ...(status ? { status: status as ShipmentStatus } : {}),
    ...(custodian ? { custodian } : {}),
    ...(location ? { location } : {}),
  };
}
