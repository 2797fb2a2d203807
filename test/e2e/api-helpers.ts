// End-to-end set-up: a devnet with the project's chaincode, the API server on port 0 configured only from
// the devnet's network profile and CA bootstrap credentials, and GraphQL clients over real HTTP (fetch)
// and WebSocket (graphql-ws) connections using the typed operations generated from codegen.yml.

import { randomBytes } from 'node:crypto';
import path from 'node:path';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print, type ExecutionResult } from 'graphql';
import { createClient, type Client as WsClient } from 'graphql-ws';
import pino from 'pino';
import WebSocket from 'ws';
import { loadProfile } from '../../network/client/src';
import type { Devnet } from '../../network/devnet/src/devnet';
import { startApiServer, type ApiServer } from '../../api/src/server';
import { CreateUserDocument } from '../../schema/generated/operations';
import { REPO_ROOT, makeTempDir, startTestDevnet } from '../integration/helpers';

export const CHAINCODE = { name: 'manusquare', path: path.join(REPO_ROOT, 'chaincode') };

export interface GraphQLResponse<T> {
  readonly status: number;
  readonly data?: T | null;
  readonly errors?: readonly { message: string; extensions?: Record<string, unknown> }[];
}

export async function startDevnetForApi(): Promise<Devnet> {
  return startTestDevnet({ chaincodes: [CHAINCODE] });
}

export async function startApi(devnet: Devnet, dataDir: string, walletSecret: string): Promise<ApiServer> {
  return startApiServer({
    profile: await loadProfile(path.join(devnet.dataDir, 'network.json')),
    dataDir,
    walletSecret,
    port: 0,
    orgAdmins: devnet.cas.map((ca) => ({
      mspId: ca.mspId,
      enrollmentId: ca.bootstrap.enrollmentID,
      secret: ca.bootstrap.enrollmentSecret,
    })),
    // A low depth limit, so that a test can exceed it without introspection (which the limit ignores).
    limits: { maxDepth: 4 },
    log: pino({ level: process.env.API_TEST_LOG ?? 'silent' }),
  });
}

export function newApiDir(): { dataDir: string; secret: string } {
  return { dataDir: makeTempDir('api-e2e-'), secret: randomBytes(24).toString('base64url') };
}

/** POSTs a typed operation to the API. */
export async function gql<R, V>(
  url: string,
  apiKey: string | undefined,
  document: TypedDocumentNode<R, V>,
  variables?: V,
): Promise<GraphQLResponse<R>> {
  return rawGql<R>(url, apiKey, { query: print(document), variables });
}

export async function rawGql<R>(
  url: string,
  apiKey: string | undefined,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<GraphQLResponse<R>> {
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}),
      ...headers,
    },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const json = (await res.json()) as Omit<GraphQLResponse<R>, 'status'>;
  return { status: res.status, ...json };
}

/** The data of a successful response; throws with the errors otherwise. */
export function dataOf<R>(response: GraphQLResponse<R>): R {
  if (response.errors && response.errors.length > 0) {
    throw new Error(`GraphQL errors: ${JSON.stringify(response.errors)}`);
  }
  if (!response.data) throw new Error(`no data (HTTP ${response.status})`);
  return response.data;
}

export function codeOf(response: GraphQLResponse<unknown>): unknown {
  return response.errors?.[0]?.extensions?.['code'];
}

export function wsClient(server: ApiServer, apiKey: string | undefined): WsClient {
  return createClient({
    url: server.wsUrl,
    webSocketImpl: WebSocket,
    connectionParams: apiKey ? { authorization: `Bearer ${apiKey}` } : {},
    retryAttempts: 0,
    lazy: true,
  });
}

/** A running subscription that collects what it receives. */
export interface Collector<R> {
  readonly items: R[];
  readonly errors: unknown[];
  /** Resolves when `predicate` holds for the items, or rejects after `timeoutMs`. */
  until(predicate: (items: R[]) => boolean, timeoutMs?: number): Promise<R[]>;
  stop(): void;
}

export function collect<R, V extends Record<string, unknown>>(
  client: WsClient,
  document: TypedDocumentNode<R, V>,
  variables: V,
): Collector<R> {
  const items: R[] = [];
  const errors: unknown[] = [];
  const waiters = new Set<() => void>();
  const notify = () => {
    for (const w of waiters) w();
  };
  const stop = client.subscribe<R>(
    { query: print(document), variables },
    {
      next: (result: ExecutionResult<R>) => {
        if (result.errors) errors.push(...result.errors);
        if (result.data) items.push(result.data);
        notify();
      },
      error: (err) => {
        errors.push(err);
        notify();
      },
      complete: notify,
    },
  );
  return {
    items,
    errors,
    stop,
    until: (predicate, timeoutMs = 20_000) =>
      new Promise((resolve, reject) => {
        const check = () => {
          if (predicate(items)) {
            waiters.delete(check);
            clearTimeout(timer);
            resolve(items);
          } else if (errors.length > 0) {
            waiters.delete(check);
            clearTimeout(timer);
            reject(new Error(`subscription error: ${JSON.stringify(errors)}`));
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`timed out after ${timeoutMs} ms with ${items.length} items`));
        }, timeoutMs);
        waiters.add(check);
        check();
      }),
  };
}

export async function createUserKey(
  server: ApiServer,
  adminKey: string,
  enrollmentId: string,
  role: 'user' | 'admin' = 'user',
): Promise<{ partyId: string; apiKey: string }> {
  const created = dataOf(
    await gql(server.url, adminKey, CreateUserDocument, { input: { enrollmentId, role } }),
  );
  return { partyId: created.createUser.partyId, apiKey: created.createUser.apiKey };
}

export function adminKeyOf(server: ApiServer, mspId: string): string {
  const key = server.adminKeys.find((k) => k.label.startsWith(`${mspId}:`));
  if (!key) throw new Error(`no admin key for ${mspId}`);
  return key.apiKey;
}
