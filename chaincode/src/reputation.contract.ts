// Reputation (seed 3.2.5, 3.3 step 6): once an order is CLOSED each party rates the other once.
// Ratings live under `rating~ratee~order~rater`, one key per (order, rater): no shared hot key; a
// party's aggregate is derived at read time by a partial composite-key range read.
import {
  Context,
  Contract,
  Info,
  Object as DataType,
  Param,
  Property,
  Returns,
  Transaction,
} from 'fabric-contract-api';
import { readOrder } from './order.type';
import { callerOf, isPartyId } from './util/identity';
import { fromBytes, stableStringify, toBytes } from './util/stable';
import { txTime } from './util/time';
import { optionalText, parseIdList, parseJsonObject, rejectUnknownFields, requireId } from './util/validate';

export const RATING = 'rating~ratee~order~rater';

@DataType()
export class Rating {
  @Property('docType', 'string')
  public docType!: 'rating';

  /** `<orderId>:<rater party id>` */
  @Property('id', 'string')
  public id!: string;

  @Property('orderId', 'string')
  public orderId!: string;

  @Property('rater', 'string')
  public rater!: string;

  @Property('ratee', 'string')
  public ratee!: string;

  @Property('score', 'number')
  public score!: number;

  @Property('comment', 'string')
  public comment!: string;

  @Property('txId', 'string')
  public txId!: string;

  @Property('timestamp', 'string')
  public timestamp!: string;
}

@DataType()
export class Reputation {
  @Property('partyId', 'string')
  public partyId!: string;

  @Property('count', 'number')
  public count!: number;

  /** Mean score rounded to 2 decimals; null when there are no ratings. */
  @Property('average', 'number')
  public average!: number | null;

  @Property('ratings', 'Rating[]')
  public ratings!: Rating[];
}

export function ratingId(orderId: string, rater: string): string {
  return `${orderId}:${rater}`;
}

@Info({
  title: 'ReputationContract',
  description: 'Ratings between the parties of closed orders, and reputation aggregates',
})
export class ReputationContract extends Contract {
  constructor() {
    super('reputation');
  }

  /**
   * The caller rates the other party of a CLOSED order: {orderId, score 1-5, comment?}. Once per party
   * and order; the identical rating again is a no-op returning the stored one.
   */
  @Transaction()
  @Param('ratingJson', 'string', '{orderId, score, comment?}')
  @Returns('string')
  public async rate(ctx: Context, ratingJson: string): Promise<string> {
    const caller = callerOf(ctx);
    const obj = parseJsonObject(ratingJson, 'rating');
    rejectUnknownFields(obj, ['orderId', 'score', 'comment'], 'rating');
    const orderId = requireId(obj['orderId'], 'orderId');
    const score = obj['score'];
    if (typeof score !== 'number' || !Number.isInteger(score) || score < 1 || score > 5)
      throw new Error('score must be an integer from 1 to 5');
    const comment = optionalText(obj['comment'], 'comment', 1000) ?? '';

    const order = await readOrder(ctx, orderId);
    if (!order) throw new Error(`order ${orderId} does not exist`);
    const rater = caller.partyId;
    if (rater !== order.customer && rater !== order.supplier)
      throw new Error(`${rater} is not a party to order ${orderId}`);
    if (order.status !== 'CLOSED')
      throw new Error(`order ${orderId} is ${order.status}; ratings open once it is CLOSED`);
    const ratee = rater === order.customer ? order.supplier : order.customer;

    const key = ctx.stub.createCompositeKey(RATING, [ratee, orderId, rater]);
    const existing = await ctx.stub.getState(key);
    if (existing && existing.length > 0) {
      const prior = fromBytes<Rating>(existing);
      if (prior.score === score && prior.comment === comment) return stableStringify(prior);
      throw new Error(`${rater} has already rated order ${orderId}`);
    }
    const rating = new Rating();
    Object.assign(rating, {
      docType: 'rating',
      id: ratingId(orderId, rater),
      orderId,
      rater,
      ratee,
      score,
      comment,
      txId: ctx.stub.getTxID(),
      timestamp: txTime(ctx),
    });
    await ctx.stub.putState(key, toBytes(rating));
    ctx.stub.setEvent(
      'RatingGiven',
      toBytes({
        ratingId: rating.id,
        orderId,
        rater,
        ratee,
        score,
        customer: order.customer,
        supplier: order.supplier,
        parties: [order.customer, order.supplier],
      }),
    );
    return stableStringify(rating);
  }

  /** A party's reputation: {partyId, count, average, ratings (oldest first)}. Readable by any member. */
  @Transaction(false)
  @Returns('string')
  public async getReputation(ctx: Context, partyId: string): Promise<string> {
    return stableStringify(await this.reputationOf(ctx, partyId));
  }

  /** Batch read of reputations: JSON array of up to 100 party ids; the same order, one reputation each. */
  @Transaction(false)
  @Returns('string')
  public async getReputations(ctx: Context, partyIdsJson: string): Promise<string> {
    const out: Reputation[] = [];
    for (const partyId of parseIdList(partyIdsJson)) out.push(await this.reputationOf(ctx, partyId));
    return stableStringify(out);
  }

  private async reputationOf(ctx: Context, partyId: string): Promise<Reputation> {
    if (!isPartyId(partyId)) throw new Error('partyId must be a party id of the form <mspId>:<enrollmentId>');
    const ratings: Rating[] = [];
    for await (const kv of ctx.stub.getStateByPartialCompositeKey(RATING, [partyId])) {
      ratings.push(fromBytes<Rating>(kv.value));
    }
    ratings.sort((a, b) =>
      a.timestamp < b.timestamp ? -1 : a.timestamp > b.timestamp ? 1 : a.id < b.id ? -1 : 1,
    );
    const sum = ratings.reduce((s, r) => s + r.score, 0);
    const rep = new Reputation();
    Object.assign(rep, {
      partyId,
      count: ratings.length,
      average: ratings.length === 0 ? null : Math.round((sum / ratings.length) * 100) / 100,
      ratings,
    });
    return rep;
  }

  /**
   * Batch read of ratings by id `<orderId>:<rater party id>` (JSON array, at most 100); same order,
   * null for missing ones. Ratings are public like reputations.
   */
  @Transaction(false)
  @Returns('string')
  public async getMany(ctx: Context, idsJson: string): Promise<string> {
    const ids = parseIdList(idsJson);
    const out: (Rating | null)[] = [];
    for (const id of ids) {
      const sep = id.indexOf(':');
      const orderId = sep > 0 ? id.slice(0, sep) : '';
      const rater = id.slice(sep + 1);
      let rating: Rating | null = null;
      if (sep > 0 && isPartyId(rater)) {
        try {
          requireId(orderId, 'orderId');
          const order = await readOrder(ctx, orderId);
          if (order && (rater === order.customer || rater === order.supplier)) {
            const ratee = rater === order.customer ? order.supplier : order.customer;
            const bytes = await ctx.stub.getState(
              ctx.stub.createCompositeKey(RATING, [ratee, orderId, rater]),
            );
            if (bytes && bytes.length > 0) rating = fromBytes<Rating>(bytes);
          }
        } catch {
          rating = null;
        }
      }
      out.push(rating);
    }
    return stableStringify(out);
  }
}
