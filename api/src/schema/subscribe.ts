// The one way resolvers open an event subscription: visibility (a party sees the events it is a party
// to; an organisation admin sees those of its organisation's parties), the `after` cursor, metrics.

import type { ApiContext, Caller } from '../context.type';
import { decodeCursor, encodeCursor } from '../events/cursor';
import { eventStream, type LedgerEvent } from '../events/event-stream';
import { requireCaller } from './resolve';

export interface SubscribeOptions {
  /** Metric label. */
  readonly topic: string;
  readonly names?: readonly string[];
  /** The client's `after` cursor: replay what followed it, then go live. */
  readonly after?: string | null;
  /** Entity filter on the payload, e.g. one negotiation id. */
  readonly accept?: (event: LedgerEvent) => boolean;
}

export function visibleTo(caller: Caller): (event: LedgerEvent) => boolean {
  if (caller.role !== 'admin') return (event) => event.parties.includes(caller.partyId);
  const prefix = `${caller.mspId}:`;
  return (event) => event.parties.some((p) => p.startsWith(prefix));
}

export function subscribeLedgerEvents(
  ctx: ApiContext,
  options: SubscribeOptions,
): AsyncIterable<LedgerEvent> {
  const caller = requireCaller(ctx);
  const shared = ctx.shared;
  const after = shared?.resumeAfter ?? (options.after ? decodeCursor(options.after) : undefined);
  const visible = visibleTo(caller);
  const accept = options.accept;
  const { metrics, feed } = ctx.services;
  const stream = eventStream({
    feed,
    query: {
      ...(options.names ? { names: options.names } : {}),
      ...(caller.role === 'admin' ? {} : { party: caller.partyId }),
    },
    accept: accept ? (e) => visible(e) && accept(e) : visible,
    ...(after ? { after } : {}),
  });
  if (shared) {
    // One stream for a group of subscribers: the group keeps the metrics, per member.
    shared.opened(after);
    return {
      [Symbol.asyncIterator]: () => ({
        next: () =>
          stream.next().then((result) => {
            if (!result.done) shared.event(result.value);
            return result;
          }),
        return: () => stream.return?.() ?? Promise.resolve({ done: true, value: undefined }),
      }),
    };
  }
  const gauge = metrics.subscriptions.labels(options.topic);
  gauge.inc();
  let closed = false;
  const close = () => {
    if (!closed) gauge.dec();
    closed = true;
  };
  return {
    [Symbol.asyncIterator]: () => ({
      next: async () => {
        const result = await stream.next();
        if (result.done) {
          close();
          return result;
        }
        metrics.eventsDelivered.inc({ topic: options.topic });
        metrics.eventLag.observe(Math.max(0, Date.now() - result.value.appliedAt) / 1000);
        return result;
      },
      return: async () => {
        close();
        return stream.return ? stream.return() : { done: true, value: undefined };
      },
    }),
  };
}

/**
 * The subscriptions whose resolvers open their stream with subscribeLedgerEvents and read nothing from the
 * context but the caller (see sharingScope): the ones that may be executed once for a group of subscribers.
 * The topic label is the field name.
 */
export const SHAREABLE_SUBSCRIPTIONS: ReadonlySet<string> = new Set([
  'contractEvents',
  'negotiationUpdates',
  'counterOffers',
  'orderStatus',
  'shipmentUpdates',
  'shipmentReadings',
  'conditionViolations',
]);

/**
 * Everything of the caller that the shareable subscriptions' resolvers read (visibleTo, the party filter,
 * counterOffers' "not by me"; entity reads as the caller's wallet identity, which the label names).
 * Subscribers share an execution only when this is equal; the API key id is left out (no resolver reads it).
 */
export function sharingScope(caller: Caller | undefined): string {
  return caller ? JSON.stringify([caller.role, caller.label, caller.mspId, caller.partyId]) : '';
}

/** The common fields of every event type in the schema. */
export function eventFields(event: LedgerEvent) {
  return {
    cursor: encodeCursor(event.cursor),
    blockNumber: event.cursor.block,
    name: event.name,
    transactionId: event.transactionId,
    timestamp: event.timestamp,
    payload: event.payload,
  };
}

export function str(payload: Record<string, unknown>, key: string): string {
  const value = payload[key];
  return typeof value === 'string' ? value : '';
}

export function num(payload: Record<string, unknown>, key: string): number {
  const value = payload[key];
  return typeof value === 'number' ? value : 0;
}
