// Negotiations: RFQ offers, counter-offers, acceptance and rejection (seed 3.2.4, Figures 20 and 21).
// Lists come from the read model (only the caller's own negotiations); one negotiation and its rounds
// come from the ledger, read as the caller so the chaincode's party check applies.

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
import { CounterOfferInput, NegotiationListArgs, OfferInput } from './negotiation.input';
import {
  Negotiation,
  NegotiationConnection,
  NegotiationEvent,
  NegotiationPayload,
  NegotiationRound,
} from './negotiation.type';
import { Reputation } from './reputation.type';
import { counterpartyOf, counterpartyReputationOf, listOwn, loadVisible } from './page';
import { awaitReadModel, json, requireCaller, submitAs } from './resolve';
import { eventFields, num, str, subscribeLedgerEvents } from './subscribe';

export const NEGOTIATION_EVENTS = [
  'OfferCreated',
  'CounterOffered',
  'OfferAccepted',
  'OfferRejected',
] as const;

@Resolver(() => Negotiation)
export class NegotiationResolver {
  @Query(() => Negotiation, { description: 'One negotiation with its rounds, from the ledger; parties only' })
  async negotiation(
    @Arg('id', () => ID) id: string,
    @Args() { minBlock }: ReadArgs,
    @Ctx() ctx: ApiContext,
  ): Promise<Negotiation> {
    requireCaller(ctx);
    await awaitReadModel(ctx, minBlock);
    return loadVisible<Negotiation>(ctx, 'negotiation', id);
  }

  @Query(() => NegotiationConnection, {
    description: "The caller's negotiations, newest last, from the read model",
  })
  async negotiations(
    @Args() args: NegotiationListArgs,
    @Ctx() ctx: ApiContext,
  ): Promise<Connection<Negotiation>> {
    requireCaller(ctx);
    await awaitReadModel(ctx, args.minBlock);
    return listOwn<Negotiation>(ctx, 'negotiation', args);
  }

  @FieldResolver(() => [NegotiationRound])
  rounds(@Root() n: Negotiation, @Ctx() ctx: ApiContext): NegotiationRound[] {
    return n.rounds ?? (ctx.services.readModel.rounds(n.id) as unknown as NegotiationRound[]);
  }

  @FieldResolver(() => String, { description: "The other party, from the caller's point of view" })
  counterparty(@Root() n: Negotiation, @Ctx() ctx: ApiContext): string {
    return counterpartyOf(ctx, n);
  }

  @FieldResolver(() => Reputation, { description: "The counterparty's reputation (batched ledger read)" })
  counterpartyReputation(@Root() n: Negotiation, @Ctx() ctx: ApiContext): Promise<Reputation> {
    return counterpartyReputationOf(ctx, n);
  }

  @Mutation(() => NegotiationPayload, { description: 'Opens an RFQ: the caller is the customer' })
  createOffer(
    @Arg('input', () => OfferInput) input: OfferInput,
    @Arg('options', () => MutationOptions, { nullable: true }) options: MutationOptions | undefined,
    @Ctx() ctx: ApiContext,
  ): Promise<Payload<Negotiation>> {
    return submitAs(ctx, 'negotiation:createOffer', [json(input)], options);
  }

  @Mutation(() => NegotiationPayload, { description: 'Answers the offer on the table with changed terms' })
  counterOffer(
    @Arg('negotiationId', () => ID) negotiationId: string,
    @Arg('input', () => CounterOfferInput) input: CounterOfferInput,
    @Arg('options', () => MutationOptions, { nullable: true }) options: MutationOptions | undefined,
    @Ctx() ctx: ApiContext,
  ): Promise<Payload<Negotiation>> {
    const counter = {
      changes: {
        fields: input.fields,
        conditions: input.conditions,
        removedConditions: input.removedConditions,
      },
      ...(input.note !== undefined && input.note !== null ? { note: input.note } : {}),
    };
    return submitAs(ctx, 'negotiation:counterOffer', [negotiationId, json(counter)], options);
  }

  @Mutation(() => NegotiationPayload, { description: 'Accepts the offer on the table; opens the order' })
  acceptOffer(
    @Arg('negotiationId', () => ID) negotiationId: string,
    @Arg('options', () => MutationOptions, { nullable: true }) options: MutationOptions | undefined,
    @Ctx() ctx: ApiContext,
  ): Promise<Payload<Negotiation>> {
    return submitAs(ctx, 'negotiation:accept', [negotiationId], options);
  }

  @Mutation(() => NegotiationPayload, {
    description: 'Rejects the offer on the table and ends the negotiation',
  })
  rejectOffer(
    @Arg('negotiationId', () => ID) negotiationId: string,
    @Arg('reason', () => String, { defaultValue: '' }) reason: string,
    @Arg('options', () => MutationOptions, { nullable: true }) options: MutationOptions | undefined,
    @Ctx() ctx: ApiContext,
  ): Promise<Payload<Negotiation>> {
    return submitAs(ctx, 'negotiation:reject', [negotiationId, reason], options);
  }

  @Subscription(() => NegotiationEvent, {
    description: "Offers, counter-offers, acceptance and rejection in the caller's negotiations",
    subscribe: ({ args, context }: SubscribeResolverData<unknown, NegotiationSubscriptionArgs, ApiContext>) =>
      subscribeLedgerEvents(context, {
        topic: 'negotiationUpdates',
        names: NEGOTIATION_EVENTS,
        after: args.after,
        ...(args.negotiationId ? { accept: (e) => e.payload['negotiationId'] === args.negotiationId } : {}),
      }),
  })
  negotiationUpdates(
    @Root() event: LedgerEvent,
    @Arg('negotiationId', () => ID, { nullable: true }) _negotiationId: string | undefined,
    @Arg('after', () => String, { nullable: true, description: 'Resume after this cursor' })
    _after: string | undefined,
  ): NegotiationEvent {
    return negotiationEvent(event);
  }

  @Subscription(() => NegotiationEvent, {
    description: 'Counter-offers made to the caller',
    subscribe: ({ args, context }: SubscribeResolverData<unknown, { after?: string }, ApiContext>) =>
      subscribeLedgerEvents(context, {
        topic: 'counterOffers',
        names: ['CounterOffered'],
        after: args.after,
        accept: (e) => e.payload['by'] !== context.caller?.partyId,
      }),
  })
  counterOffers(
    @Root() event: LedgerEvent,
    @Arg('after', () => String, { nullable: true }) _after: string | undefined,
  ): NegotiationEvent {
    return negotiationEvent(event);
  }
}

interface NegotiationSubscriptionArgs {
  negotiationId?: string;
  after?: string;
}

function negotiationEvent(event: LedgerEvent): NegotiationEvent {
  const p = event.payload;
  return {
    ...eventFields(event),
    negotiationId: str(p, 'negotiationId'),
    status: str(p, 'status') as NegotiationEvent['status'],
    round: num(p, 'round'),
    by: str(p, 'by'),
  };
}
