import assert from 'node:assert/strict';
import * as http2 from 'node:http2';
import { describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { newGrpcServer, SERVER_FLOW_CONTROL_WINDOW } from './grpc-server';

async function bind(server: grpc.Server): Promise<number> {
  return new Promise((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, port) =>
      err ? reject(err) : resolve(port),
    ),
  );
}

/** What a plain HTTP/2 client learns from the server's SETTINGS and first WINDOW_UPDATE. */
async function windowsSeenBy(port: number): Promise<{ stream: number; connection: number }> {
  const client = http2.connect(`http://127.0.0.1:${port}`);
  try {
    await new Promise<void>((resolve, reject) => {
      client.once('remoteSettings', () => resolve());
      client.once('error', reject);
    });
    // The connection-level update follows the SETTINGS frame; give it a moment to arrive.
    await new Promise((r) => setTimeout(r, 50));
    return {
      stream: client.remoteSettings.initialWindowSize ?? 0,
      connection: client.state.remoteWindowSize ?? 0,
    };
  } finally {
    client.close();
  }
}

void describe('devnet gRPC servers', () => {
  void it('announce the larger HTTP/2 window per stream and per connection', async () => {
    const { server, windowApplied } = newGrpcServer({});
    assert.equal(windowApplied, true, 'the grpc-js internals this relies on have moved');
    const port = await bind(server);
    try {
      const seen = await windowsSeenBy(port);
      assert.equal(seen.stream, SERVER_FLOW_CONTROL_WINDOW);
      assert.equal(seen.connection, 2 * SERVER_FLOW_CONTROL_WINDOW);
    } finally {
      server.forceShutdown();
    }
  });

  void it('a plain grpc-js server keeps HTTP/2 defaults (what the helper changes)', async () => {
    const server = new grpc.Server();
    const port = await bind(server);
    try {
      const seen = await windowsSeenBy(port);
      assert.equal(seen.stream, 65_535);
      assert.equal(seen.connection, 65_535);
    } finally {
      server.forceShutdown();
    }
  });
});
