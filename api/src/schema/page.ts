// Helpers the domain resolvers share beyond resolve.ts: one entity through the per-request loader with
// the NOT_FOUND / FORBIDDEN distinction, the caller's own list from the read model, and chaincode
// arguments without the nulls GraphQL hands in for omitted optional fields.

import type { ApiContext } from '../context.type';
import { forbidden, notFound } from '../errors';
import type { EntityKind } from '../loaders';
import type { Connection } from './common.type';
import type { Reputation } from './reputation.type';
import { checkFirst, requireCaller } from './resolve';

/** What ReadModel.listEntities and ReadModel.readings answer. */
export interface ReadModelPage {
  nodes: readonly unknown[];
  endCursor?: string | null;
  hasNextPage: boolean;
  totalCount: number;
}

export function toConnection<T>(page: ReadModelPage): Connection<T> {
  return {
    nodes: page.nodes as unknown as T[],
    pageInfo: { hasNextPage: page.hasNextPage, ...(page.endCursor ? { endCursor: page.endCursor } : {}) },
    totalCount: page.totalCount,
  };
}

/**
 * One entity from the ledger, read as the caller. getMany answers null both for a missing id and for one
 * the caller may not read: the read model (which holds every entity) tells which.
 */
export async function loadVisible<T>(ctx: ApiContext, kind: EntityKind, id: string): Promise<T> {
  const caller = requireCaller(ctx);
  const found = await ctx.loaders.entity<T>(kind).load(id);
  if (found) return found;
  if (ctx.services.readModel.getEntity(kind, id)) {
    throw forbidden(`${caller.partyId} may not read ${kind} ${id}`);
  }
  throw notFound(`${kind} ${id} does not exist`);
}

/** For entities every member may read (devices, ideas, certifications): null only means missing. */
export async function loadPublic<T>(ctx: ApiContext, kind: EntityKind, id: string): Promise<T> {
  requireCaller(ctx);
  const found = await ctx.loaders.entity<T>(kind).load(id);
  if (found) return found;
  throw notFound(`${kind} ${id} does not exist`);
}

export interface OwnListArgs {
  status?: string | undefined;
  createdFrom?: Date | undefined;
  createdTo?: Date | undefined;
  first: number;
  after?: string | undefined;
}

/** The caller's own entities of a kind, newest last, from the read model. */
export function listOwn<T>(ctx: ApiContext, kind: EntityKind, args: OwnListArgs): Connection<T> {
  const caller = requireCaller(ctx);
  const page: ReadModelPage = ctx.services.readModel.listEntities(kind, {
    party: caller.partyId,
    ...(args.status ? { status: args.status } : {}),
    ...(args.createdFrom ? { createdFrom: args.createdFrom.toISOString() } : {}),
    ...(args.createdTo ? { createdTo: args.createdTo.toISOString() } : {}),
    first: checkFirst(args.first),
    ...(args.after ? { after: args.after } : {}),
  });
  return toConnection<T>(page);
}

/**
 * The contracts reject unknown fields and most reject null where a field may only be absent (e.g. a
 * split's `receiver`), so optional GraphQL fields the client sent as null are dropped here.
 */
export function compact<T extends object>(value: T): Partial<T> {
  const out: Partial<T> = {};
  for (const [key, v] of Object.entries(value)) {
    if (v !== null && v !== undefined) (out as Record<string, unknown>)[key] = v;
  }
  return out;
}

/** The other party of a two-party entity (negotiation, order), from the caller's point of view. */
export function counterpartyOf(ctx: ApiContext, entity: { customer: string; supplier: string }): string {
  return requireCaller(ctx).partyId === entity.customer ? entity.supplier : entity.customer;
}

/** The counterparty's reputation through the request's batching loader (one ledger read per 100 parties). */
export async function counterpartyReputationOf(
  ctx: ApiContext,
  entity: { customer: string; supplier: string },
): Promise<Reputation> {
  return (await ctx.loaders.reputation.load(counterpartyOf(ctx, entity))) as unknown as Reputation;
}
