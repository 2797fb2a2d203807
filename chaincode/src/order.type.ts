// Orders: the project that follows an accepted negotiation (seed section 3.3).
import { Context, Object as DataType, Property } from 'fabric-contract-api';
import { Terms } from './offer.type';
import { fromBytes, toBytes } from './util/stable';

export type OrderStatus =
  'CREATED' | 'MATERIAL_RECEIVED' | 'IN_PRODUCTION' | 'SHIPPED' | 'DELIVERED' | 'CLOSED';
export const PROGRESS_STATUSES = ['MATERIAL_RECEIVED', 'IN_PRODUCTION', 'SHIPPED'] as const;
export type ProgressStatus = (typeof PROGRESS_STATUSES)[number];

@DataType()
export class Order {
  @Property('docType', 'string')
  public docType!: 'order';

  @Property('id', 'string')
  public id!: string;

  @Property('negotiationId', 'string')
  public negotiationId!: string;

  @Property('customer', 'string')
  public customer!: string;

  @Property('supplier', 'string')
  public supplier!: string;

  /** The agreed terms and conditions. */
  @Property('terms', 'Terms')
  public terms!: Terms;

  @Property('status', 'string')
  public status!: OrderStatus;

  /** Production progress, 0-100, never decreasing; 100 once shipped. */
  @Property('percentage', 'number')
  public percentage!: number;

  @Property('note', 'string')
  public note?: string;

  @Property('createdAt', 'string')
  public createdAt!: string;

  @Property('updatedAt', 'string')
  public updatedAt!: string;

  @Property('updatedBy', 'string')
  public updatedBy!: string;
}

export const ORDER = 'order';

export function orderKey(ctx: Context, id: string): string {
  return ctx.stub.createCompositeKey(ORDER, [id]);
}

/** Reads an order without any authorisation check (for use inside contracts, e.g. shipments). */
export async function readOrder(ctx: Context, id: string): Promise<Order | undefined> {
  const bytes = await ctx.stub.getState(orderKey(ctx, id));
  return bytes && bytes.length > 0 ? fromBytes<Order>(bytes) : undefined;
}

export async function writeOrder(ctx: Context, order: Order): Promise<void> {
  await ctx.stub.putState(orderKey(ctx, order.id), toBytes(order));
}

/** Payload of every order event: the order id and both parties' ids, so subscribers can filter. */
export function orderEventPayload(
  order: Order,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    orderId: order.id,
    negotiationId: order.negotiationId,
    customer: order.customer,
    supplier: order.supplier,
    parties: [order.customer, order.supplier],
    status: order.status,
    percentage: order.percentage,
    ...extra,
  };
}
