// Stored shapes of a negotiation (RFQ) and of each of its rounds.
import { Context, Object as DataType, Property } from 'fabric-contract-api';
import { Terms } from './offer.type';
import { fromBytes } from './util/stable';

export type NegotiationStatus = 'OPEN' | 'ACCEPTED' | 'REJECTED';
export type RoundAction = 'OFFER' | 'COUNTER_OFFER' | 'ACCEPT' | 'REJECT';

@DataType()
export class Negotiation {
  @Property('docType', 'string')
  public docType!: 'negotiation';

  @Property('id', 'string')
  public id!: string;

  /** The initiator of the RFQ (seed 3.2.4: "initiated by a prospective customer"). */
  @Property('customer', 'string')
  public customer!: string;

  /** The target party, the prospective supplier. */
  @Property('supplier', 'string')
  public supplier!: string;

  @Property('status', 'string')
  public status!: NegotiationStatus;

  /** The current terms: the last offer or counter-offer; after acceptance, the agreed terms. */
  @Property('terms', 'Terms')
  public terms!: Terms;

  /** Number of rounds recorded so far (offer, counter-offers, accept/reject). */
  @Property('roundCount', 'number')
  public roundCount!: number;

  /** Party whose offer or counter-offer is on the table (it cannot answer it itself). */
  @Property('lastOfferBy', 'string')
  public lastOfferBy!: string;

  @Property('createdAt', 'string')
  public createdAt!: string;

  @Property('updatedAt', 'string')
  public updatedAt!: string;

  @Property('orderId', 'string')
  public orderId?: string;

  @Property('rejectReason', 'string')
  public rejectReason?: string;
}

@DataType()
export class NegotiationRound {
  @Property('negotiationId', 'string')
  public negotiationId!: string;

  @Property('round', 'number')
  public round!: number;

  @Property('action', 'string')
  public action!: RoundAction;

  @Property('by', 'string')
  public by!: string;

  @Property('txId', 'string')
  public txId!: string;

  @Property('timestamp', 'string')
  public timestamp!: string;

  /** The terms on the table after this round. */
  @Property('terms', 'Terms')
  public terms!: Terms;

  /** Counter-offers: the Figure 21 changes as submitted (normalised). */
  @Property('changes', 'string')
  public changes?: unknown;

  @Property('note', 'string')
  public note?: string;

  @Property('reason', 'string')
  public reason?: string;
}

export const NEGOTIATION = 'negotiation';
export const NEGOTIATION_ROUND = 'negotiation~round';

export function negotiationKey(ctx: Context, id: string): string {
  return ctx.stub.createCompositeKey(NEGOTIATION, [id]);
}

export function roundKey(ctx: Context, id: string, round: number): string {
  return ctx.stub.createCompositeKey(NEGOTIATION_ROUND, [id, String(round).padStart(6, '0')]);
}

export async function readNegotiation(ctx: Context, id: string): Promise<Negotiation | undefined> {
  const bytes = await ctx.stub.getState(negotiationKey(ctx, id));
  return bytes && bytes.length > 0 ? fromBytes<Negotiation>(bytes) : undefined;
}

/** All rounds of a negotiation in order (zero-padded round numbers sort lexically). */
export async function readRounds(ctx: Context, id: string): Promise<NegotiationRound[]> {
  const rounds: NegotiationRound[] = [];
  for await (const kv of ctx.stub.getStateByPartialCompositeKey(NEGOTIATION_ROUND, [id])) {
    rounds.push(fromBytes<NegotiationRound>(kv.value));
  }
  return rounds.sort((a, b) => a.round - b.round);
}
