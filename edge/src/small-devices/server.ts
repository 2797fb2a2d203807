// The gateway for small devices (seed section 4.6): `POST /v1/readings` with `Authorization: Bearer
// <token>` and one sample or an array of samples. The device id comes from the token; the edge signs the
// transaction with its own identity and the ledger records the small device as the source. The answer
// comes only after the samples are durable in the buffer, so a 202 means "will reach the ledger".

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { BufferFullError, type Acknowledgement } from '../buffer/buffer';
import type { SensorSample } from '../reading';
import { parseSampleObject } from '../sensors/sample-line';
import type { SmallDeviceRegistry } from './registry';

export const MAX_BODY_BYTES = 256 * 1024;
export const MAX_SAMPLES_PER_REQUEST = 500;

export interface SmallDeviceServerOptions {
  readonly registry: SmallDeviceRegistry;
  readonly host?: string;
  readonly port?: number;
  /** Runs the sample through the edge rule into the buffer. */
  readonly record: (sample: SensorSample) => Promise<Acknowledgement[]>;
  readonly log: Logger;
}

export interface SmallDeviceServer {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

type ErrorCode =
  | 'UNAUTHENTICATED'
  | 'BAD_READING'
  | 'TOO_LARGE'
  | 'NOT_FOUND'
  | 'METHOD_NOT_ALLOWED'
  | 'BUFFER_FULL'
  | 'INTERNAL';

function send(
  res: http.ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

function fail(
  res: http.ServerResponse,
  status: number,
  code: ErrorCode,
  message: string,
  headers?: Record<string, string>,
): void {
  send(res, status, { error: { code, message } }, headers);
}

async function readBody(req: http.IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export async function startSmallDeviceServer(options: SmallDeviceServerOptions): Promise<SmallDeviceServer> {
  const { registry, log } = options;

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://edge');
    if (url.pathname === '/healthz') return send(res, 200, { ok: true });
    if (url.pathname !== '/v1/readings') return fail(res, 404, 'NOT_FOUND', `no route ${url.pathname}`);
    if (req.method !== 'POST')
      return fail(res, 405, 'METHOD_NOT_ALLOWED', 'use POST /v1/readings', { allow: 'POST' });
    const auth = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '');
    const deviceId = auth?.[1] ? registry.authenticate(auth[1]) : undefined;
    if (!deviceId)
      return fail(
        res,
        401,
        'UNAUTHENTICATED',
        auth ? 'unknown or malformed small-device token' : 'missing bearer token',
        {
          'www-authenticate': 'Bearer',
        },
      );
    const text = await readBody(req);
    if (text === undefined) return fail(res, 413, 'TOO_LARGE', `body over ${MAX_BODY_BYTES} bytes`);
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch (err) {
      return fail(res, 400, 'BAD_READING', `body is not JSON: ${(err as Error).message}`);
    }
    const items = Array.isArray(raw) ? raw : [raw];
    if (items.length === 0) return fail(res, 400, 'BAD_READING', 'no samples');
    if (items.length > MAX_SAMPLES_PER_REQUEST)
      return fail(
        res,
        400,
        'BAD_READING',
        `at most ${MAX_SAMPLES_PER_REQUEST} samples per request, got ${items.length}`,
      );
    // Every sample is checked before any is accepted: a request is all or nothing.
    const samples: SensorSample[] = [];
    for (const [i, item] of items.entries()) {
      const parsed = parseSampleObject(item, { deviceId, now: () => new Date().toISOString() });
      if (!parsed.ok) return fail(res, 400, 'BAD_READING', `sample ${i}: ${parsed.reason}`);
      if (parsed.sample.deviceId !== deviceId)
        return fail(
          res,
          400,
          'BAD_READING',
          `sample ${i}: deviceId ${parsed.sample.deviceId} is not this token's device ${deviceId}`,
        );
      samples.push(parsed.sample);
    }
    try {
      const acks = await Promise.all(samples.map((s) => options.record(s)));
      send(res, 202, { deviceId, accepted: acks.map((a) => a.map((x) => x.sequence)) });
    } catch (err) {
      if (err instanceof BufferFullError)
        return fail(res, 503, 'BUFFER_FULL', err.message, { 'retry-after': '5' });
      throw err;
    }
  };

  const server = http.createServer((req, res) => {
    handle(req, res).catch((err: Error) => {
      log.error({ err: err.message }, 'small-device request failed');
      if (!res.headersSent) fail(res, 500, 'INTERNAL', 'the edge could not buffer the samples');
      else res.destroy();
    });
  });
  server.requestTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const { port, address } = server.address() as AddressInfo;
  log.info({ port }, 'small-device endpoint listening');
  return {
    url: `http://${address}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
