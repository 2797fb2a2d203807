// The dashboard's GraphQL client: queries and mutations as POST /graphql (JSON) with the typed documents
// generated from schema/operations, subscriptions over graphql-ws on the same path. Every failure becomes
// an ApiError carrying the API's own message and `extensions.code`, so pages can show both.

import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print, type GraphQLFormattedError } from 'graphql';
import { createClient, type Client } from 'graphql-ws';

export const GRAPHQL_PATH = '/graphql';

/** An error to show: the API's message and its stable code (or a local one: NETWORK_ERROR, HTTP_<n>). */
export class ApiError extends Error {
  readonly code: string;
  readonly transactionId: string | undefined;

  constructor(message: string, code: string, transactionId?: string) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
    this.transactionId = transactionId;
  }

  static from(err: unknown): ApiError {
    if (err instanceof ApiError) return err;
    if (err instanceof Error) return new ApiError(err.message, 'CLIENT_ERROR');
    return new ApiError(String(err), 'CLIENT_ERROR');
  }
}

function fromGraphQLErrors(errors: readonly GraphQLFormattedError[]): ApiError {
  const first = errors[0];
  const code = first?.extensions?.['code'];
  const tx = first?.extensions?.['transactionId'];
  const message = errors.map((e) => e.message).join('; ') || 'the API returned an error';
  return new ApiError(
    message,
    typeof code === 'string' ? code : 'GRAPHQL_ERROR',
    typeof tx === 'string' ? tx : undefined,
  );
}

export interface SubscriptionHandlers<R> {
  next(data: R): void;
  error?(err: ApiError): void;
}

export interface Api {
  /** A query or mutation; rejects with an ApiError. */
  request<R, V extends Record<string, unknown>>(document: TypedDocumentNode<R, V>, variables: V): Promise<R>;
  /** A subscription; returns its stop function. */
  subscribe<R, V extends Record<string, unknown>>(
    document: TypedDocumentNode<R, V>,
    variables: V,
    handlers: SubscriptionHandlers<R>,
  ): () => void;
  /** Whether the live connection is up (for the indicator in the header). */
  onConnectionChange(listener: (connected: boolean) => void): () => void;
  close(): void;
}

export interface ApiOptions {
  readonly apiKey: string;
  /** Default: this page's origin. */
  readonly origin?: string;
}

export function createApi({ apiKey, origin = window.location.origin }: ApiOptions): Api {
  const httpUrl = new URL(GRAPHQL_PATH, origin).toString();
  const wsUrl = httpUrl.replace(/^http/, 'ws');
  const listeners = new Set<(connected: boolean) => void>();
  const emit = (connected: boolean) => {
    for (const l of listeners) l(connected);
  };

  let ws: Client | undefined;
  const wsClient = (): Client =>
    (ws ??= createClient({
      url: wsUrl,
      connectionParams: { authorization: `Bearer ${apiKey}` },
      // One connection for the whole session, so the header's indicator means what it shows.
      lazy: false,
      keepAlive: 10_000,
      retryAttempts: Infinity,
      shouldRetry: () => true,
      retryWait: async (retries) => {
        await new Promise((r) => setTimeout(r, Math.min(10_000, 500 * 2 ** retries)));
      },
      on: {
        connected: () => emit(true),
        closed: () => emit(false),
      },
    }));

  return {
    async request(document, variables) {
      let res: Response;
      try {
        res = await fetch(httpUrl, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            accept: 'application/graphql-response+json, application/json',
            authorization: `Bearer ${apiKey}`,
          },
          body: JSON.stringify({ query: print(document), variables }),
        });
      } catch (err) {
        throw new ApiError(`the API cannot be reached: ${(err as Error).message}`, 'NETWORK_ERROR');
      }
      let body: { data?: unknown; errors?: GraphQLFormattedError[] };
      try {
        body = (await res.json()) as typeof body;
      } catch {
        throw new ApiError(`the API answered HTTP ${res.status} without JSON`, `HTTP_${res.status}`);
      }
      if (body.errors && body.errors.length > 0) throw fromGraphQLErrors(body.errors);
      if (body.data == null)
        throw new ApiError(`the API answered HTTP ${res.status} without data`, 'NO_DATA');
      return body.data as never;
    },

    subscribe(document, variables, handlers) {
      let done = false;
      const stop = wsClient().subscribe<unknown>(
        { query: print(document), variables },
        {
          next: (result) => {
            if (done) return;
            if (result.errors && result.errors.length > 0) {
              handlers.error?.(fromGraphQLErrors(result.errors));
              return;
            }
            if (result.data != null) handlers.next(result.data as never);
          },
          error: (err: unknown) => {
            if (done) return;
            if (Array.isArray(err)) handlers.error?.(fromGraphQLErrors(err as GraphQLFormattedError[]));
            else if (err instanceof CloseEvent)
              handlers.error?.(
                new ApiError(err.reason || `live connection closed (${err.code})`, `WS_${err.code}`),
              );
            else handlers.error?.(ApiError.from(err));
          },
          complete: () => undefined,
        },
      );
      return () => {
        done = true;
        stop();
      };
    },

    onConnectionChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },

    close() {
      listeners.clear();
      void ws?.dispose();
      ws = undefined;
    },
  };
}
