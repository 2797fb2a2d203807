// One subscriber's event stream: replay from the read model after the client's cursor, then live events
// as blocks are applied, exactly once and in order. The live listener is attached before the replay
// starts and every event is compared with the last cursor delivered, so the hand-over neither drops nor
// repeats. A subscriber that falls behind does not grow memory without bound: past a limit its live
// buffer is dropped and it returns to reading the read model, which holds every event.

import type { StoredEvent } from '../readmodel/read-model';
import { compareCursors, type Cursor } from './cursor';

/** An event as the read model stores it (the replay source) and publishes it (the live source). */
export type LedgerEvent = StoredEvent;

export interface EventQuery {
  /** Event names to include; all when absent. */
  readonly names?: readonly string[];
  /** Only events whose parties include this party (the SQL-side filter). */
  readonly party?: string;
}

export interface EventFeed {
  /** Committed events strictly after `after` (from the first event when undefined), in order. */
  page(after: Cursor | undefined, query: EventQuery, limit: number): readonly LedgerEvent[];
  /** Called with each applied block's events, after the read model committed them. */
  onEvents(listener: (events: readonly LedgerEvent[]) => void): () => void;
}

export interface EventStreamOptions {
  readonly feed: EventFeed;
  readonly query: EventQuery;
  /** A further test on each event (visibility, entity id); the query's filters are applied first. */
  readonly accept?: (event: LedgerEvent) => boolean;
  /** Replay from just after this cursor; live events only when undefined and `fromStart` is false. */
  readonly after?: Cursor;
  readonly fromStart?: boolean;
  readonly pageSize?: number;
  /** Live events buffered for a slow subscriber before it falls back to reading the read model. */
  readonly maxBuffered?: number;
}

export function eventStream(options: EventStreamOptions): AsyncIterableIterator<LedgerEvent> {
  return new EventStream(options);
}

class EventStream implements AsyncIterableIterator<LedgerEvent> {
  readonly #options: EventStreamOptions;
  readonly #pageSize: number;
  readonly #maxBuffered: number;
  readonly #unsubscribe: () => void;
  #last: Cursor | undefined;
  /** True while the stream reads the read model; live events are then only a wake-up signal. */
  #replaying: boolean;
  #ready: LedgerEvent[] = [];
  #live: LedgerEvent[] = [];
  #wake: (() => void) | undefined;
  #done = false;

  constructor(options: EventStreamOptions) {
    this.#options = options;
    this.#pageSize = options.pageSize ?? 500;
    this.#maxBuffered = options.maxBuffered ?? 10_000;
    this.#last = options.after;
    this.#replaying = options.after !== undefined || options.fromStart === true;
    this.#unsubscribe = options.feed.onEvents((events) => this.#onLive(events));
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<LedgerEvent> {
    return this;
  }

  async next(): Promise<IteratorResult<LedgerEvent>> {
    for (;;) {
      if (this.#done) return { done: true, value: undefined };
      const ready = this.#ready.shift();
      if (ready) return { done: false, value: ready };
      if (this.#replaying) {
        this.#replayPage();
        continue;
      }
      const live = this.#live.shift();
      if (live) {
        if (this.#last && compareCursors(live.cursor, this.#last) <= 0) continue;
        this.#last = live.cursor;
        return { done: false, value: live };
      }
      await new Promise<void>((resolve) => (this.#wake = resolve));
    }
  }

  return(): Promise<IteratorResult<LedgerEvent>> {
    this.#close();
    return Promise.resolve({ done: true, value: undefined });
  }

  throw(err: unknown): Promise<IteratorResult<LedgerEvent>> {
    this.#close();
    return Promise.reject(err instanceof Error ? err : new Error(String(err)));
  }

  #replayPage(): void {
    const { feed, query } = this.#options;
    const page = feed.page(this.#last, query, this.#pageSize);
    for (const event of page) {
      this.#last = event.cursor;
      if (this.#accepts(event)) this.#ready.push(event);
    }
    if (page.length < this.#pageSize) {
      // Caught up with what is committed; live events from here on (older ones are skipped by cursor).
      this.#replaying = false;
    }
  }

  #onLive(events: readonly LedgerEvent[]): void {
    if (this.#done) return;
    if (!this.#replaying) {
      const { names, party } = this.#options.query;
      for (const event of events) {
        if (names && !names.includes(event.name)) continue;
        if (party !== undefined && !event.parties.includes(party)) continue;
        if (this.#accepts(event)) this.#live.push(event);
      }
      if (this.#live.length > this.#maxBuffered) {
        // Too far behind: forget the buffer and read the read model from the last delivered cursor.
        this.#live = [];
        this.#replaying = true;
      }
    }
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }

  #accepts(event: LedgerEvent): boolean {
    return this.#options.accept ? this.#options.accept(event) : true;
  }

  #close(): void {
    if (this.#done) return;
    this.#done = true;
    this.#unsubscribe();
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }
}
