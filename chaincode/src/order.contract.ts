// Orders (seed 3.3 "start the project", "monitoring", "closure with delivery"): the supplier reports
// progress, the customer confirms delivery and closes. Orders are created by NegotiationContract.accept.
import { Context, Contract, Info, Param, Returns, Transaction } from 'fabric-contract-api';
import {
  Order,
  OrderStatus,
  PROGRESS_STATUSES,
  ProgressStatus,
  orderEventPayload,
  orderKey,
  readOrder,
  writeOrder,
} from './order.type';
import { callerOf } from './util/identity';
import { stableStringify, toBytes } from './util/stable';
import { txTime } from './util/time';
import { historyOf } from './util/history';
import { optionalText, parseIdList, parseJsonObject, rejectUnknownFields, requireId } from './util/validate';

/** The supplier's next allowed progress steps from each state. */
const NEXT_PROGRESS: Record<OrderStatus, readonly ProgressStatus[]> = {
  CREATED: ['MATERIAL_RECEIVED'],
  MATERIAL_RECEIVED: ['IN_PRODUCTION'],
  IN_PRODUCTION: ['IN_PRODUCTION', 'SHIPPED'],
  SHIPPED: [],
  DELIVERED: [],
  CLOSED: [],
};

@Info({
  title: 'OrderContract',
  description: 'Orders that follow an accepted negotiation: progress, delivery, closure',
})
export class OrderContract extends Contract {
  constructor() {
    super('order');
  }

  /**
   * The supplier reports progress: {status: MATERIAL_RECEIVED | IN_PRODUCTION | SHIPPED, percentage?, note?}.
   * IN_PRODUCTION needs a percentage 0-100 that never decreases; SHIPPED sets it to 100.
   */
  @Transaction()
  @Param('progressJson', 'string', '{status, percentage?, note?}')
  @Returns('string')
  public async reportProgress(ctx: Context, orderId: string, progressJson: string): Promise<string> {
    const order = await this.readForParty(ctx, orderId);
    const party = callerOf(ctx).partyId;
    const obj = parseJsonObject(progressJson, 'progress');
    rejectUnknownFields(obj, ['status', 'percentage', 'note'], 'progress');
    const status = obj['status'];
    if (typeof status !== 'string' || !(PROGRESS_STATUSES as readonly string[]).includes(status)) {
      throw new Error(`progress status must be one of ${PROGRESS_STATUSES.join(', ')}`);
    }
    const note = optionalText(obj['note'], 'note', 1000);
    if (party !== order.supplier)
      throw new Error(`order ${order.id} is ${order.status}; only the supplier can report progress`);
    const allowed = NEXT_PROGRESS[order.status];
    if (!allowed.includes(status as ProgressStatus)) {
      const expected =
        allowed.length > 0 ? `expected ${allowed.join(' or ')}` : 'the supplier has nothing more to report';
      throw new Error(`order ${order.id} is ${order.status}; it cannot move to ${status} (${expected})`);
    }
    let percentage = order.percentage;
    if (status === 'IN_PRODUCTION') {
      const p = obj['percentage'];
      if (typeof p !== 'number' || !Number.isInteger(p) || p < 0 || p > 100)
        throw new Error('percentage must be an integer from 0 to 100');
      if (p < order.percentage)
        throw new Error(`percentage must not decrease (order ${order.id} is at ${order.percentage})`);
      percentage = p;
    } else if (obj['percentage'] !== undefined) {
      throw new Error(`percentage is only reported with IN_PRODUCTION`);
    }
    if (status === 'SHIPPED') percentage = 100;
    order.status = status as ProgressStatus;
    order.percentage = percentage;
    order.note = note;
    return this.save(ctx, order, party, 'OrderProgressed');
  }

  /** The customer confirms that the shipped goods arrived. */
  @Transaction()
  @Returns('string')
  public async confirmDelivery(ctx: Context, orderId: string): Promise<string> {
    const order = await this.readForParty(ctx, orderId);
    const party = callerOf(ctx).partyId;
    if (party !== order.customer)
      throw new Error(`order ${order.id} is ${order.status}; only the customer can confirm delivery`);
    if (order.status !== 'SHIPPED')
      throw new Error(
        `order ${order.id} is ${order.status}; delivery can be confirmed only when it is SHIPPED`,
      );
    order.status = 'DELIVERED';
    order.note = undefined;
    return this.save(ctx, order, party, 'OrderDelivered');
  }

  /** The customer closes a delivered order; ratings open once it is closed. */
  @Transaction()
  @Returns('string')
  public async closeOrder(ctx: Context, orderId: string): Promise<string> {
    const order = await this.readForParty(ctx, orderId);
    const party = callerOf(ctx).partyId;
    if (party !== order.customer)
      throw new Error(`order ${order.id} is ${order.status}; only the customer can close it`);
    if (order.status !== 'DELIVERED')
      throw new Error(`order ${order.id} is ${order.status}; it can be closed only when it is DELIVERED`);
    order.status = 'CLOSED';
    order.note = undefined;
    return this.save(ctx, order, party, 'OrderClosed');
  }

  /** The order; parties only. */
  @Transaction(false)
  @Returns('string')
  public async getOrder(ctx: Context, orderId: string): Promise<string> {
    return stableStringify(await this.readForParty(ctx, orderId));
  }

  /** Every committed version of the order, oldest first: [{txId, timestamp, isDelete, value}]; parties only. */
  @Transaction(false)
  @Returns('string')
  public async getOrderHistory(ctx: Context, orderId: string): Promise<string> {
    await this.readForParty(ctx, orderId);
    const out = await historyOf<Order>(ctx, orderKey(ctx, orderId));
    return stableStringify(out);
  }

  /** Batch read: JSON array of up to 100 ids; same order, null for missing or not readable by the caller. */
  @Transaction(false)
  @Returns('string')
  public async getMany(ctx: Context, idsJson: string): Promise<string> {
    const ids = parseIdList(idsJson);
    const party = callerOf(ctx).partyId;
    const out: (Order | null)[] = [];
    for (const id of ids) {
      const o = await readOrder(ctx, id);
      out.push(o && (o.customer === party || o.supplier === party) ? o : null);
    }
    return stableStringify(out);
  }

  private async readForParty(ctx: Context, orderId: string): Promise<Order> {
    requireId(orderId, 'orderId');
    const party = callerOf(ctx).partyId;
    const order = await readOrder(ctx, orderId);
    if (!order) throw new Error(`order ${orderId} does not exist`);
    if (order.customer !== party && order.supplier !== party)
      throw new Error(`${party} is not a party to order ${orderId}`);
    return order;
  }

  private async save(ctx: Context, order: Order, by: string, event: string): Promise<string> {
    order.updatedAt = txTime(ctx);
    order.updatedBy = by;
    await writeOrder(ctx, order);
    ctx.stub.setEvent(event, toBytes(orderEventPayload(order, { by, note: order.note })));
    return stableStringify(order);
  }
}
