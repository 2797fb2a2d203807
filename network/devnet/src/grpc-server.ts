import type * as http2 from 'node:http2';
import * as grpc from '@grpc/grpc-js';

/**
 * HTTP/2 flow-control window the devnet's gRPC servers give each stream, and twice this to each connection.
 * HTTP/2 starts both at 64 KiB; Go's gRPC, which real peers run, grows them with the bandwidth-delay product,
 * but grpc-js servers have no option for it. A client with a few hundred proposals (~3 KiB each) in flight
 * then waits for window updates before the peer even reads its requests.
 */
export const SERVER_FLOW_CONTROL_WINDOW = 4 * 1024 * 1024;

/** The grpc-js internals this relies on (@grpc/grpc-js 1.14, pinned); checked at run time. */
interface ServerInternals {
  commonServerOptions?: http2.ServerOptions;
  createHttp2Server?: (this: unknown, credentials: unknown) => http2.Http2Server | http2.Http2SecureServer;
}

/**
 * A grpc-js server with a larger HTTP/2 window. If a grpc-js upgrade moves the internals, the server still
 * works with HTTP/2's defaults and `windowApplied` says so (a unit test watches it).
 */
export function newGrpcServer(
  options: grpc.ServerOptions,
  windowBytes = SERVER_FLOW_CONTROL_WINDOW,
): { server: grpc.Server; windowApplied: boolean } {
  // Channelz stays on although the devnet exposes no channelz service: grpc-js 1.14 tracks the sessions
  // forceShutdown() destroys only in channelz mode, so without it stop() hung on an open Deliver stream.
  const server = new grpc.Server(options);
  const internals = server as unknown as ServerInternals;
  const create = internals.createHttp2Server;
  const common = internals.commonServerOptions;
  if (typeof create !== 'function' || typeof common !== 'object') return { server, windowApplied: false };
  common.settings = { ...common.settings, initialWindowSize: windowBytes };
  internals.createHttp2Server = function (this: unknown, credentials: unknown) {
    const http2Server = create.call(this, credentials);
    http2Server.on('session', (session: http2.ServerHttp2Session) => {
      session.setLocalWindowSize(2 * windowBytes);
    });
    return http2Server;
  };
  return { server, windowApplied: true };
}
