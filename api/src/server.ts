// The API process: Apollo Server over Node's HTTP server and graphql-ws over `ws` on the same port and
// path, both executing one type-graphql schema with the same authentication, limits and services.

import { mkdirSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { ApolloServer, HeaderMap, type ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import Database from 'better-sqlite3';
import {
  GraphQLError,
  parse,
  specifiedRules,
  validate,
  type DocumentNode,
  type GraphQLSchema,
} from 'graphql';
import depthLimit from 'graphql-depth-limit';
import {
  fieldExtensionsEstimator,
  getComplexity,
  simpleEstimator,
  type ComplexityEstimator,
} from 'graphql-query-complexity';
import { useServer } from 'graphql-ws/use/ws';
import pino, { type Logger } from 'pino';
import { WebSocketServer } from 'ws';
import { newCaClient, type CaClient, type NetworkProfile } from '../../network/client/src';
import { ApiKeys, bearerToken, ApiKeyError } from './auth/api-keys';
import { bootstrapOrgAdmin } from './auth/users';
import { Wallet } from './auth/wallet';
import type { ApiContext, Caller } from './context.type';
import { ApiError, ErrorCode, unauthenticated } from './errors';
import { waitForApplied } from './events/applied';
import { SharedSubscriptions } from './events/shared-subscriptions';
import type { EventFeed } from './events/event-stream';
import { GatewayPool } from './fabric/gateway-pool';
import { TransactionService } from './fabric/transactions';
import { graphiqlAsset, graphiqlPage } from './graphiql';
import { newLoaders } from './loaders';
import { newMetrics, type ApiMetrics } from './metrics';
import { Projector } from './readmodel/projector';
import { ReadModel } from './readmodel/read-model';
import { buildApiSchema } from './schema/build';
import { SHAREABLE_SUBSCRIPTIONS, sharingScope } from './schema/subscribe';
import type { Services } from './services';
import { webHandler, type WebHandler } from './web';

export interface ApiLimits {
  /** Deepest selection set accepted. */
  readonly maxDepth: number;
  /** Highest query complexity accepted (one point per field, lists multiplied by `first`). */
  readonly maxComplexity: number;
  /** Largest HTTP request body. */
  readonly maxBodyBytes: number;
  readonly maxSubscriptionsPerSocket: number;
  /** graphql-ws ping interval. */
  readonly keepAliveMs: number;
}

export const DEFAULT_LIMITS: ApiLimits = {
  maxDepth: 8,
  maxComplexity: 5_000,
  maxBodyBytes: 1024 * 1024,
  maxSubscriptionsPerSocket: 50,
  keepAliveMs: 12_000,
};

export interface OrgAdminBootstrap {
  readonly mspId: string;
  readonly enrollmentId: string;
  readonly secret: string;
}

export interface ApiServerOptions {
  readonly profile: NetworkProfile;
  /** Where the API keeps its SQLite files (wallet, API keys, idempotency, read model). */
  readonly dataDir: string;
  /** The built dashboard served at `/` (default dist/web); false serves none, and `/` opens GraphiQL. */
  readonly webRoot?: string | false;
  /** Encrypts the wallet's private keys; from configuration, never stored. */
  readonly walletSecret: string;
  readonly host?: string;
  /** 0 picks a free port. */
  readonly port?: number;
  /** Default: the profile's first chaincode. */
  readonly chaincode?: string;
  /** CA bootstrap admins to enrol into the wallet on start (idempotent). */
  readonly orgAdmins?: readonly OrgAdminBootstrap[];
  readonly limits?: Partial<ApiLimits>;
  readonly log?: Logger;
}

export interface ApiServer {
  /** `http://host:port/graphql` */
  readonly url: string;
  /** `ws://host:port/graphql` */
  readonly wsUrl: string;
  readonly port: number;
  readonly services: Services;
  /** API keys issued to org admins during this start (first start only). */
  readonly adminKeys: readonly { label: string; apiKey: string }[];
  close(): Promise<void>;
}

export const GRAPHQL_PATH = '/graphql';

export async function startApiServer(options: ApiServerOptions): Promise<ApiServer> {
  const log = options.log ?? pino({ name: 'api' });
  const limits: ApiLimits = { ...DEFAULT_LIMITS, ...options.limits };
  const { profile } = options;
  const chaincode = options.chaincode ?? profile.chaincodes[0]?.name;
  if (!chaincode)
    throw new Error(`network profile '${profile.name}' names no chaincode and none was configured`);

  mkdirSync(options.dataDir, { recursive: true });
  const db = openDatabase(path.join(options.dataDir, 'api.sqlite'));
  // A separate file, so an operator can delete it to rebuild the projection from block 0.
  const readDb = openDatabase(path.join(options.dataDir, 'readmodel.sqlite'));
  const metrics = newMetrics();

  const wallet = await Wallet.open({ db, secret: options.walletSecret });
  const apiKeys = new ApiKeys({ db });
  const cas = new Map<string, CaClient>();
  for (const org of profile.organizations) {
    if (org.ca) cas.set(org.mspId, await newCaClient({ ca: org.ca, mspId: org.mspId }));
  }
  const adminKeys: { label: string; apiKey: string }[] = [];
  for (const admin of options.orgAdmins ?? []) {
    const ca = cas.get(admin.mspId);
    if (!ca) throw new Error(`network profile has no CA for ${admin.mspId}`);
    const result = await bootstrapOrgAdmin({ wallet, apiKeys, ca, ...admin });
    if (result.apiKey) adminKeys.push({ label: result.label, apiKey: result.apiKey });
  }

  const pool = new GatewayPool({ profile, chaincode });
  const readModel = new ReadModel(readDb, { chaincode });
  const reader = wallet.list({ role: 'admin' })[0] ?? wallet.list()[0];
  if (!reader) {
    throw new Error(
      'the wallet holds no identity to read blocks with: configure an organisation admin (orgAdmins)',
    );
  }
  const readerIdentity = wallet.get(reader.label);
  if (!readerIdentity) throw new Error(`wallet identity ${reader.label} disappeared`);
  const { network } = await pool.get(reader.label, readerIdentity);
  const projector = new Projector({
    readModel,
    network,
    log: log.child({ component: 'projector' }),
    retry: { initialMs: 200, maxMs: 10_000, factor: 2, jitter: 0.5 },
  });
  const transactions = new TransactionService({
    pool,
    db,
    metrics,
    log: log.child({ component: 'transactions' }),
    awaitCommitted: (txId, timeoutMs) => awaitCommitted(readModel, projector, txId, timeoutMs),
  });
  const feed: EventFeed = {
    page: (after, query, limit) =>
      readModel.eventsAfter(after, {
        limit,
        ...(query.names ? { names: query.names } : {}),
        ...(query.party !== undefined ? { party: query.party } : {}),
      }),
    onEvents: (listener) => projector.onApplied((applied) => listener(applied.events)),
  };
  projector.onApplied((applied) => {
    metrics.readModelHeight.set(Number(applied.number + 1n));
    metrics.ledgerHeight.set(Number(projector.ledgerHeight));
  });
  const services: Services = {
    channel: profile.channel,
    chaincode,
    transactions,
    readModel,
    projector,
    feed,
    metrics,
    wallet,
    apiKeys,
    cas,
  };
  projector.start();

  const callers = new Map<string, Caller>();
  const callerFor = (authorization: string | undefined): Caller | undefined => {
    let token: string | undefined;
    try {
      token = bearerToken(authorization);
    } catch (err) {
      throw unauthenticated(err instanceof ApiKeyError ? err.message : 'malformed Authorization header');
    }
    if (token === undefined) return undefined;
    const principal = apiKeys.authenticate(token);
    if (!principal) throw unauthenticated('the API key is not valid (unknown or revoked)');
    let caller = callers.get(principal.keyId);
    if (!caller) {
      const identity = wallet.get(principal.label);
      if (!identity)
        throw unauthenticated(`the API key's identity ${principal.label} is no longer in the wallet`);
      caller = {
        label: identity.label,
        mspId: identity.mspId,
        enrollmentId: identity.enrollmentId,
        partyId: identity.label,
        role: principal.role,
        keyId: principal.keyId,
        identity: { mspId: identity.mspId, certPem: identity.certPem, keyPem: identity.keyPem },
      };
      callers.set(principal.keyId, caller);
    }
    return caller;
  };
  const contextFor = (caller: Caller | undefined, requestLog: Logger): ApiContext => ({
    caller,
    services,
    loaders: newLoaders(caller, transactions),
    log: requestLog,
  });

  const schema = await buildApiSchema();
  const httpServer = http.createServer();
  const wsServer = new WebSocketServer({
    server: httpServer,
    path: GRAPHQL_PATH,
    maxPayload: limits.maxBodyBytes,
    // Every frame is written once per subscriber; compressing each would cost more than the bytes saved.
    perMessageDeflate: false,
  });
  const socketSubscriptions = new WeakMap<object, Set<string>>();
  // Ledger-event subscriptions are executed once per (operation, variables, caller scope) and each result
  // is serialised once for all the subscribers that share it (events/shared-subscriptions.ts).
  const shared = new SharedSubscriptions({
    shareable: SHAREABLE_SUBSCRIPTIONS,
    nextBlock: () => readModel.nextBlock(),
    metrics,
  });
  const wsCleanup = useServer<{ authorization?: unknown }, { caller?: Caller }>(
    {
      schema,
      onConnect: (ctx) => {
        const authorization = ctx.connectionParams?.authorization;
        try {
          const caller = callerFor(typeof authorization === 'string' ? authorization : undefined);
          if (caller) (ctx.extra as { caller?: Caller }).caller = caller;
          metrics.sockets.inc();
          return true;
        } catch {
          return false;
        }
      },
      onClose: (ctx) => {
        if ((ctx as { acknowledged?: boolean }).acknowledged) metrics.sockets.dec();
      },
      // Parses and validates here (graphql-ws then does neither) and returns the execution arguments, so the
      // operation's context can be tied to its socket and id for the shared fan-out.
      onSubscribe: (ctx, id, payload) => {
        let document: DocumentNode;
        try {
          document = parse(payload.query);
          // Complexity needs the operation's variables, which a validation rule does not see.
          const complexity = complexityOf(
            schema,
            document,
            payload.variables ?? {},
            payload.operationName ?? undefined,
          );
          if (complexity > limits.maxComplexity) return [tooComplex(complexity, limits)];
        } catch (err) {
          if (err instanceof GraphQLError) return [err];
          throw err;
        }
        const invalid = validate(schema, document, [...specifiedRules, depthLimit(limits.maxDepth)]);
        if (invalid.length > 0) return invalid;
        let active = socketSubscriptions.get(ctx.extra.socket);
        if (!active) socketSubscriptions.set(ctx.extra.socket, (active = new Set()));
        if (active.size >= limits.maxSubscriptionsPerSocket) {
          return [
            new GraphQLError(`at most ${limits.maxSubscriptionsPerSocket} subscriptions per connection`, {
              extensions: { code: ErrorCode.LIMIT_EXCEEDED },
            }),
          ];
        }
        active.add(id);
        // A fresh context (and loaders) per operation: never reuse a DataLoader cache across operations.
        const caller = (ctx.extra as { caller?: Caller }).caller;
        const contextValue = contextFor(caller, log);
        shared.register(contextValue, {
          socket: ctx.extra.socket,
          id,
          query: payload.query,
          scope: sharingScope(caller),
        });
        return {
          schema,
          document,
          ...(payload.operationName ? { operationName: payload.operationName } : {}),
          ...(payload.variables ? { variableValues: payload.variables } : {}),
          contextValue,
        };
      },
      subscribe: (args) => shared.subscribe(args),
      onComplete: (ctx, id) => {
        socketSubscriptions.get(ctx.extra.socket)?.delete(id);
      },
    },
    wsServer,
    limits.keepAliveMs,
  );

  const apollo = new ApolloServer<ApiContext>({
    schema,
    includeStacktraceInErrorResponses: false,
    // The process owner (cli.ts) stops the whole server on SIGINT/SIGTERM; Apollo's own handlers would
    // stop Apollo alone, race with that shutdown and leave it waiting.
    stopOnTerminationSignals: false,
    validationRules: [depthLimit(limits.maxDepth)],
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer }),
      ApolloServerPluginLandingPageDisabled(),
      complexityPlugin(schema, limits),
      metricsPlugin(metrics),
      {
        async serverWillStart() {
          return {
            async drainServer() {
              await wsCleanup.dispose();
            },
          };
        },
      },
    ],
    formatError: (formatted, error) => {
      const original = (error as GraphQLError | undefined)?.originalError;
      if (original instanceof ApiError) return { ...formatted, extensions: { ...original.extensions } };
      const code = formatted.extensions?.code;
      if (
        code === 'GRAPHQL_VALIDATION_FAILED' ||
        code === 'GRAPHQL_PARSE_FAILED' ||
        code === 'BAD_USER_INPUT'
      ) {
        return {
          ...formatted,
          extensions: { ...formatted.extensions, code: ErrorCode.BAD_USER_INPUT, reason: code },
        };
      }
      if (code === 'INTERNAL_SERVER_ERROR' || code === undefined) {
        log.error({ err: error }, 'unexpected error in a resolver');
      }
      return formatted;
    },
  });
  await apollo.start();

  const web = options.webRoot === false ? undefined : webHandler(options.webRoot);
  httpServer.on('request', (req, res) => {
    handleHttp(req, res, {
      apollo,
      limits,
      metrics,
      log,
      web,
      ready: () => projector.running,
      contextFor: (authorization) => contextFor(callerFor(authorization), log),
    }).catch((err: unknown) => {
      log.error({ err }, 'HTTP handler failed');
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end('internal error\n');
    });
  });

  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(options.port ?? 0, host, () => resolve());
  });
  const port = (httpServer.address() as AddressInfo).port;
  const url = `http://${host}:${port}${GRAPHQL_PATH}`;
  log.info({ url }, 'API listening');

  let closing: Promise<void> | undefined;
  return {
    url,
    wsUrl: url.replace(/^http/, 'ws'),
    port,
    services,
    adminKeys,
    close: () =>
      (closing ??= (async () => {
        // Stop taking work, finish what is in flight (Apollo drains HTTP and graphql-ws), then the ledger side.
        await apollo.stop();
        wsServer.close();
        await projector.stop();
        await pool.close();
        db.close();
        readDb.close();
        log.info('API stopped');
      })()),
  };
}

function openDatabase(file: string): Database.Database {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  // FULL: an acknowledged idempotency record or issued key survives a power cut, not just a crash.
  db.pragma('synchronous = FULL');
  db.pragma('busy_timeout = 5000');
  return db;
}

async function awaitCommitted(
  readModel: ReadModel,
  projector: Projector,
  txId: string,
  timeoutMs: number,
): Promise<{ blockNumber: bigint; validationCode: string } | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const tx = readModel.transaction(txId);
    if (tx) return { blockNumber: tx.blockNumber, validationCode: tx.validationCode };
    const left = deadline - Date.now();
    if (left <= 0) return undefined;
    await waitForApplied(projector, left);
  }
}

function complexityOf(
  schema: GraphQLSchema,
  document: DocumentNode,
  variables: Record<string, unknown>,
  operationName?: string,
): number {
  return getComplexity({
    schema,
    query: document,
    ...(operationName ? { operationName } : {}),
    variables,
    estimators: [fieldExtensionsEstimator(), pageEstimator, simpleEstimator({ defaultComplexity: 1 })],
  });
}

/** A paged list (a `first` argument) costs its selection once per item it may return. */
const pageEstimator: ComplexityEstimator = ({ args, childComplexity }) => {
  const first: unknown = args['first'];
  return typeof first === 'number' && first > 0 ? 1 + childComplexity * first : undefined;
};

function tooComplex(complexity: number, limits: ApiLimits): GraphQLError {
  return new GraphQLError(`query complexity ${complexity} exceeds the limit of ${limits.maxComplexity}`, {
    extensions: { code: ErrorCode.LIMIT_EXCEEDED, http: { status: 400 } },
  });
}

function complexityPlugin(schema: GraphQLSchema, limits: ApiLimits): ApolloServerPlugin<ApiContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ request, document }) {
          let complexity: number;
          try {
            complexity = complexityOf(schema, document, request.variables ?? {}, request.operationName);
          } catch {
            // Variables that do not coerce: execution reports them as BAD_USER_INPUT with the details.
            return;
          }
          if (complexity > limits.maxComplexity) throw tooComplex(complexity, limits);
        },
      };
    },
  };
}

function metricsPlugin(metrics: ApiMetrics): ApolloServerPlugin<ApiContext> {
  return {
    async requestDidStart() {
      const end = metrics.requestDuration.startTimer();
      let operation = 'unknown';
      let type = 'unknown';
      return {
        async didResolveOperation({ operationName, operation: op }) {
          operation = operationName ?? 'anonymous';
          type = op?.operation ?? 'unknown';
        },
        async willSendResponse({ errors }) {
          end({ operation, type, outcome: errors && errors.length > 0 ? 'error' : 'ok' });
        },
      };
    },
  };
}

interface HttpDeps {
  readonly apollo: ApolloServer<ApiContext>;
  readonly limits: ApiLimits;
  readonly metrics: ApiMetrics;
  readonly log: Logger;
  readonly web: WebHandler | undefined;
  readonly ready: () => boolean;
  readonly contextFor: (authorization: string | undefined) => ApiContext;
}

async function handleHttp(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  deps: HttpDeps,
): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  if (url.pathname === '/healthz') return send(res, 200, 'text/plain', 'ok\n');
  if (url.pathname === '/readyz') {
    return deps.ready()
      ? send(res, 200, 'text/plain', 'ready\n')
      : send(res, 503, 'text/plain', 'not ready\n');
  }
  if (url.pathname === '/metrics') {
    const registry = deps.metrics.registry;
    return send(res, 200, registry.contentType, await registry.metrics());
  }
  if (url.pathname.startsWith('/graphiql/')) {
    const asset = graphiqlAsset(url.pathname.slice('/graphiql/'.length));
    return asset
      ? send(res, 200, asset.type, asset.body, 'public, max-age=86400')
      : send(res, 404, 'text/plain', 'not found\n');
  }
  if (url.pathname !== GRAPHQL_PATH) {
    if (deps.web && (req.method === 'GET' || req.method === 'HEAD')) {
      const web = deps.web;
      return web(req, res, () => send(res, 404, 'text/plain', 'not found\n'));
    }
    if (url.pathname === '/') {
      res.writeHead(302, { location: GRAPHQL_PATH });
      res.end();
      return;
    }
    return send(res, 404, 'text/plain', 'not found\n');
  }
  if (req.method === 'GET' && (req.headers.accept ?? '').includes('text/html')) {
    return send(res, 200, 'text/html; charset=utf-8', graphiqlPage(GRAPHQL_PATH));
  }

  const body = await readBody(req, deps.limits.maxBodyBytes);
  if (body === undefined) {
    return sendJson(res, 413, {
      errors: [
        {
          message: `request body exceeds ${deps.limits.maxBodyBytes} bytes`,
          extensions: { code: ErrorCode.LIMIT_EXCEEDED },
        },
      ],
    });
  }
  const headers = new HeaderMap();
  for (const [key, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
  }
  let parsedBody: unknown;
  if (body.length > 0 && (req.headers['content-type'] ?? '').includes('application/json')) {
    try {
      parsedBody = JSON.parse(body.toString('utf8'));
    } catch (err) {
      return sendJson(res, 400, {
        errors: [
          {
            message: `request body is not JSON: ${(err as Error).message}`,
            extensions: { code: ErrorCode.BAD_USER_INPUT },
          },
        ],
      });
    }
  }
  let context: ApiContext;
  try {
    context = deps.contextFor(req.headers.authorization);
  } catch (err) {
    if (err instanceof ApiError) {
      return sendJson(res, 401, { errors: [{ message: err.message, extensions: { code: err.code } }] });
    }
    throw err;
  }
  const response = await deps.apollo.executeHTTPGraphQLRequest({
    httpGraphQLRequest: { method: req.method ?? 'GET', headers, search: url.search, body: parsedBody },
    context: () => Promise.resolve(context),
  });
  for (const [key, value] of response.headers) res.setHeader(key, value);
  res.statusCode = response.status ?? 200;
  if (response.body.kind === 'complete') {
    res.end(response.body.string);
    return;
  }
  for await (const chunk of response.body.asyncIterator) res.write(chunk);
  res.end();
}

function readBody(req: http.IncomingMessage, max: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? '0');
    if (declared > max) {
      req.resume();
      resolve(undefined);
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > max) {
        req.removeAllListeners('data');
        req.resume();
        resolve(undefined);
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function send(
  res: http.ServerResponse,
  status: number,
  type: string,
  body: string | Buffer,
  cache = 'no-store',
): void {
  res.writeHead(status, { 'content-type': type, 'cache-control': cache });
  res.end(body);
}

function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  send(res, status, 'application/json', JSON.stringify(body));
}
