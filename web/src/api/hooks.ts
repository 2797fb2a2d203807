// React glue for the client: the signed-in session's Api in a context, a query hook with reload, and a
// subscription hook that restarts when its variables change.

import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { createContext, useCallback, useContext, useEffect, useRef, useState } from 'react';
import type { MeQuery } from '../../../schema/generated/operations';
import { ApiError, type Api } from './client';

export type Me = MeQuery['me'];

export interface Session {
  readonly api: Api;
  readonly me: Me;
  readonly signOut: () => void;
}

export const SessionContext = createContext<Session | undefined>(undefined);

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside a signed-in session');
  return session;
}

export interface QueryState<R> {
  readonly data: R | undefined;
  readonly error: ApiError | undefined;
  readonly loading: boolean;
  /** Fetches again; `minBlock` waits for the read model to reach that block first (where supported). */
  readonly reload: (extra?: Record<string, unknown>) => Promise<void>;
}

/** Runs a query when `key` changes (use JSON of the variables); keeps the last data while reloading. */
export function useQuery<R, V extends Record<string, unknown>>(
  document: TypedDocumentNode<R, V>,
  variables: V,
  options: { skip?: boolean } = {},
): QueryState<R> {
  const { api } = useSession();
  const [data, setData] = useState<R>();
  const [error, setError] = useState<ApiError>();
  const [loading, setLoading] = useState(!options.skip);
  const key = JSON.stringify(variables);
  const vars = useRef(variables);
  vars.current = variables;
  const generation = useRef(0);

  const run = useCallback(
    async (extra?: Record<string, unknown>) => {
      const mine = ++generation.current;
      setLoading(true);
      try {
        const result = await api.request(document, { ...vars.current, ...extra });
        if (mine !== generation.current) return;
        setData(result);
        setError(undefined);
      } catch (err) {
        if (mine !== generation.current) return;
        setError(ApiError.from(err));
      } finally {
        if (mine === generation.current) setLoading(false);
      }
    },
    [api, document],
  );

  useEffect(() => {
    if (options.skip) return;
    setData(undefined);
    void run();
    return () => {
      generation.current++;
    };
    // `key` stands for the variables.
  }, [run, key, options.skip]);

  return { data, error, loading, reload: run };
}

/** A live subscription for as long as the component shows; `onData` may change freely. */
export function useSubscription<R, V extends Record<string, unknown>>(
  document: TypedDocumentNode<R, V>,
  variables: V,
  onData: (data: R) => void,
  options: { skip?: boolean } = {},
): ApiError | undefined {
  const { api } = useSession();
  const [error, setError] = useState<ApiError>();
  const handler = useRef(onData);
  handler.current = onData;
  const key = JSON.stringify(variables);
  const vars = useRef(variables);
  vars.current = variables;

  useEffect(() => {
    if (options.skip) return;
    setError(undefined);
    return api.subscribe(document, vars.current, {
      next: (d) => {
        setError(undefined);
        handler.current(d);
      },
      error: setError,
    });
  }, [api, document, key, options.skip]);

  return error;
}
