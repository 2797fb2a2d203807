// GraphQL over real HTTP for the benchmarks: node:http with a keep-alive agent (lighter on the client's
// CPU than fetch), a JSON body, the API key as a bearer token.
import http from 'node:http';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print } from 'graphql';

export interface GqlResult<R> {
  readonly status: number;
  readonly data?: R | null;
  readonly errors?: readonly { message: string; extensions?: Record<string, unknown> }[];
}

export function keepAliveAgent(maxSockets: number): http.Agent {
  return new http.Agent({ keepAlive: true, maxSockets });
}

/** POSTs a prepared JSON body (`{"query": ..., "variables": ...}`) and parses the answer. */
export function postGraphQL<R>(
  url: string,
  apiKey: string | undefined,
  body: string,
  agent?: http.Agent,
): Promise<GqlResult<R>> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      {
        method: 'POST',
        agent,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          try {
            const json = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Omit<GqlResult<R>, 'status'>;
            resolve({ status: res.statusCode ?? 0, ...json });
          } catch (err) {
            reject(new Error(`HTTP ${res.statusCode}: ${(err as Error).message}`));
          }
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** A typed operation's request body. */
export function bodyOf<R, V>(document: TypedDocumentNode<R, V> | string, variables?: V): string {
  return JSON.stringify({ query: typeof document === 'string' ? document : print(document), variables });
}

export async function gql<R, V>(
  url: string,
  apiKey: string | undefined,
  document: TypedDocumentNode<R, V>,
  variables?: V,
  agent?: http.Agent,
): Promise<R> {
  return dataOf(await postGraphQL<R>(url, apiKey, bodyOf(document, variables), agent));
}

export function dataOf<R>(result: GqlResult<R>): R {
  if (result.errors && result.errors.length > 0) {
    throw new Error(`GraphQL errors (HTTP ${result.status}): ${JSON.stringify(result.errors)}`);
  }
  if (!result.data) throw new Error(`no data (HTTP ${result.status})`);
  return result.data;
}

/** One reading as the device sends it; sequences are per device and unique across the whole run. */
export function reading(shipmentId: string, deviceId: string, sequence: number) {
  return {
    shipmentId,
    deviceId,
    sequence,
    timestamp: new Date(Date.UTC(2026, 10, 23, 0, 0, 0) + sequence * 1000).toISOString(),
    temperature: 4 + (sequence % 10) / 10,
    humidity: 5,
  };
}

/** The single-reading mutation (no typed operation exists for it in schema/operations). */
export const RECORD_READING = `mutation RecordReading($input: ReadingInput!, $options: MutationOptions) {
  recordReading(input: $input, options: $options) {
    transaction { transactionId state blockNumber }
    result { recorded duplicates }
  }
}`;
