// RFQ negotiation (seed section 6): offer, counter-offer, accept or reject. Every round is kept
// under `negotiation~round` keys; only the two parties may act on or read a negotiation.
import { Context, Contract, Info, Param, Returns, Transaction } from 'fabric-contract-api';
import {
  Negotiation,
  NegotiationRound,
  negotiationKey,
  readNegotiation,
  readRounds,
  roundKey,
} from './negotiation.type';
import { CounterOfferInput, OfferInput, Terms } from './offer.type';
import { Order, orderEventPayload, readOrder, writeOrder } from './order.type';
import { callerOf } from './util/identity';
import { stableStringify, toBytes } from './util/stable';
import { txTime } from './util/time';
import { parseIdList, requireId, requireText } from './util/validate';

export type NegotiationView = Negotiation & { rounds: NegotiationRound[] };

function eventPayload(n: Negotiation, extra: Record<string, unknown>): Record<string, unknown> {
  return {
    negotiationId: n.id,
    customer: n.customer,
    supplier: n.supplier,
    parties: [n.customer, n.supplier],
    status: n.status,
    round: n.roundCount,
    ...extra,
  };
}

@Info({
  title: 'NegotiationContract',
  description: 'RFQ negotiation between a customer and a supplier (offer, counter-offer, accept, reject)',
})
export class NegotiationContract extends Contract {
  constructor() {
    super('negotiation');
  }

  /**
   * Opens a negotiation: the caller (the customer) offers terms to `targetParty` (the supplier).
   * Repeating the same offer under the same id is a no-op that returns the existing negotiation.
   */
  @Transaction()
  @Param(
    'offerJson',
    'string',
    'Figure 20 offer plus id: {id, item, price, quantity, currency, conditions:[{field,min,max}], targetParty}',
  )
  @Returns('string')
  public async createOffer(ctx: Context, offerJson: string): Promise<string> {
    const caller = callerOf(ctx);
    if (caller.hasRole('device')) throw new Error('devices cannot take part in negotiations');
    const input = OfferInput.fromJson(offerJson);
    if (input.targetParty === caller.partyId)
      throw new Error('targetParty must be another party than the caller');

    const existing = await readNegotiation(ctx, input.id);
    if (existing) {
      const first = (await readRounds(ctx, input.id))[0];
      const same =
        existing.customer === caller.partyId &&
        existing.supplier === input.targetParty &&
        first !== undefined &&
        stableStringify(first.terms) === stableStringify(input.terms);
      if (!same) throw new Error(`negotiation ${input.id} already exists with different content`);
      return stableStringify(await this.view(ctx, existing));
    }

    const now = txTime(ctx);
    const n = new Negotiation();
    Object.assign(n, {
      docType: 'negotiation',
      id: input.id,
      customer: caller.partyId,
      supplier: input.targetParty,
      status: 'OPEN',
      terms: input.terms,
      roundCount: 1,
      lastOfferBy: caller.partyId,
      createdAt: now,
      updatedAt: now,
    });
    const round = this.round(ctx, n, 'OFFER', caller.partyId, now);
    await ctx.stub.putState(negotiationKey(ctx, n.id), toBytes(n));
    await ctx.stub.putState(roundKey(ctx, n.id, 1), toBytes(round));
    ctx.stub.setEvent('OfferCreated', toBytes(eventPayload(n, { by: caller.partyId, terms: n.terms })));
    return stableStringify({ ...n, rounds: [round] });
  }

  /** The other party answers the offer on the table with changes (seed Figure 21). */
  @Transaction()
  @Param(
    'counterJson',
    'string',
    'Figure 21: {id?, changes:{fields:[{field,newValue}], conditions:[{field,min,max}], removedConditions:[field]}, note}',
  )
  @Returns('string')
  public async counterOffer(ctx: Context, negotiationId: string, counterJson: string): Promise<string> {
    const { n, by } = await this.openForAnswer(ctx, negotiationId);
    const counter = CounterOfferInput.fromJson(counterJson, negotiationId);
    const terms: Terms = counter.applyTo(n.terms);
    const now = txTime(ctx);
    n.terms = terms;
    n.roundCount += 1;
    n.lastOfferBy = by;
    n.updatedAt = now;
    const changes = {
      fields: counter.fields,
      conditions: counter.conditions,
      removedConditions: counter.removedConditions,
    };
    const round = this.round(ctx, n, 'COUNTER_OFFER', by, now, { changes, note: counter.note });
    await ctx.stub.putState(negotiationKey(ctx, n.id), toBytes(n));
    await ctx.stub.putState(roundKey(ctx, n.id, n.roundCount), toBytes(round));
    ctx.stub.setEvent('CounterOffered', toBytes(eventPayload(n, { by, changes, note: counter.note, terms })));
    return stableStringify(await this.viewWith(ctx, n, round));
  }

  /**
   * The other party accepts the terms on the table. In the same transaction an order with id equal to
   * the negotiation id is created, holding the agreed terms and conditions. Fabric keeps one chaincode
   * event per transaction, so the single `OfferAccepted` event carries the new order too.
   */
  @Transaction()
  @Returns('string')
  public async accept(ctx: Context, negotiationId: string): Promise<string> {
    const { n, by } = await this.openForAnswer(ctx, negotiationId);
    if (await readOrder(ctx, n.id)) throw new Error(`order ${n.id} already exists`);
    const now = txTime(ctx);
    n.status = 'ACCEPTED';
    n.roundCount += 1;
    n.updatedAt = now;
    n.orderId = n.id;
    const round = this.round(ctx, n, 'ACCEPT', by, now);
    const order = new Order();
    Object.assign(order, {
      docType: 'order',
      id: n.id,
      negotiationId: n.id,
      customer: n.customer,
      supplier: n.supplier,
      terms: n.terms,
      status: 'CREATED',
      percentage: 0,
      createdAt: now,
      updatedAt: now,
      updatedBy: by,
    });
    await ctx.stub.putState(negotiationKey(ctx, n.id), toBytes(n));
    await ctx.stub.putState(roundKey(ctx, n.id, n.roundCount), toBytes(round));
    await writeOrder(ctx, order);
    ctx.stub.setEvent(
      'OfferAccepted',
      toBytes(eventPayload(n, { by, orderId: order.id, terms: n.terms, order: orderEventPayload(order) })),
    );
    return stableStringify(await this.viewWith(ctx, n, round));
  }

  /** The other party rejects the terms on the table, with a reason; the negotiation ends. */
  @Transaction()
  @Returns('string')
  public async reject(ctx: Context, negotiationId: string, reason: string): Promise<string> {
    const { n, by } = await this.openForAnswer(ctx, negotiationId);
    const why = requireText(reason, 'reason', 1000);
    const now = txTime(ctx);
    n.status = 'REJECTED';
    n.roundCount += 1;
    n.updatedAt = now;
    n.rejectReason = why;
    const round = this.round(ctx, n, 'REJECT', by, now, { reason: why });
    await ctx.stub.putState(negotiationKey(ctx, n.id), toBytes(n));
    await ctx.stub.putState(roundKey(ctx, n.id, n.roundCount), toBytes(round));
    ctx.stub.setEvent('OfferRejected', toBytes(eventPayload(n, { by, reason: why })));
    return stableStringify(await this.viewWith(ctx, n, round));
  }

  /** The negotiation with its current terms and all rounds in order; parties only. */
  @Transaction(false)
  @Returns('string')
  public async getNegotiation(ctx: Context, negotiationId: string): Promise<string> {
    const n = await this.readForParty(ctx, negotiationId);
    return stableStringify(await this.view(ctx, n));
  }

  /** Batch read: JSON array of up to 100 ids; same order, null for missing or not readable by the caller. */
  @Transaction(false)
  @Returns('string')
  public async getMany(ctx: Context, idsJson: string): Promise<string> {
    const ids = parseIdList(idsJson);
    const party = callerOf(ctx).partyId;
    const out: (NegotiationView | null)[] = [];
    for (const id of ids) {
      const n = await readNegotiation(ctx, id);
      out.push(n && (n.customer === party || n.supplier === party) ? await this.view(ctx, n) : null);
    }
    return stableStringify(out);
  }

  // ---- helpers --------------------------------------------------------------------------------

  private async readForParty(ctx: Context, negotiationId: string): Promise<Negotiation> {
    requireId(negotiationId, 'negotiationId');
    const party = callerOf(ctx).partyId;
    const n = await readNegotiation(ctx, negotiationId);
    if (!n) throw new Error(`negotiation ${negotiationId} does not exist`);
    if (n.customer !== party && n.supplier !== party)
      throw new Error(`${party} is not a party to negotiation ${negotiationId}`);
    return n;
  }

  /** The negotiation, checked open and answerable by the caller (a party that did not make the last offer). */
  private async openForAnswer(ctx: Context, negotiationId: string): Promise<{ n: Negotiation; by: string }> {
    const n = await this.readForParty(ctx, negotiationId);
    const by = callerOf(ctx).partyId;
    if (n.status !== 'OPEN') throw new Error(`negotiation ${n.id} is ${n.status}; it cannot change`);
    if (n.lastOfferBy === by)
      throw new Error(`${by} cannot answer its own last offer in negotiation ${n.id}`);
    return { n, by };
  }

  private round(
    ctx: Context,
    n: Negotiation,
    action: NegotiationRound['action'],
    by: string,
    now: string,
    extra: Partial<NegotiationRound> = {},
  ): NegotiationRound {
    const r = new NegotiationRound();
    Object.assign(r, {
      negotiationId: n.id,
      round: n.roundCount,
      action,
      by,
      txId: ctx.stub.getTxID(),
      timestamp: now,
      terms: n.terms,
      ...extra,
    });
    return r;
  }

  private async view(ctx: Context, n: Negotiation): Promise<NegotiationView> {
    return { ...n, rounds: await readRounds(ctx, n.id) };
  }

  /** Fabric does not let a transaction read its own writes: add the round just written by hand. */
  private async viewWith(ctx: Context, n: Negotiation, written: NegotiationRound): Promise<NegotiationView> {
    const rounds = (await readRounds(ctx, n.id)).filter((r) => r.round !== written.round);
    return { ...n, rounds: [...rounds, written] };
  }
}
