import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import http2 from 'node:http2';
import net from 'node:net';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { after, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { type FaultProxy, startFaultProxy } from './fault-proxy';

const T = { timeout: 30_000 };

/** Everything a test opened, closed in `after` so a failing test cannot keep the process alive. */
const cleanups: Array<() => Promise<void> | void> = [];
after(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

interface Target {
  port: number;
  /** Bytes received per accepted connection, in accept order. */
  received: number[];
  /** How many connections saw a clean end (FIN) from the proxy. */
  ends: number;
  sockets: Set<net.Socket>;
  close(): Promise<void>;
}

/** An echo server; `echo: false` makes it a sink that only counts. */
async function startTarget(echo = true): Promise<Target> {
  const target: Target = {
    port: 0,
    received: [],
    ends: 0,
    sockets: new Set(),
    close: () => Promise.resolve(),
  };
  const server = net.createServer({ allowHalfOpen: true }, (socket) => {
    const index = target.received.push(0) - 1;
    target.sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => target.sockets.delete(socket));
    socket.on('data', (chunk: Buffer) => {
      target.received[index] = (target.received[index] ?? 0) + chunk.length;
      if (echo) socket.write(chunk);
    });
    socket.on('end', () => {
      target.ends += 1;
      socket.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  target.port = (server.address() as net.AddressInfo).port;
  target.close = () =>
    new Promise<void>((resolve) => {
      for (const s of target.sockets) s.destroy();
      if (!server.listening) resolve();
      else server.close(() => resolve());
    });
  cleanups.push(() => target.close());
  return target;
}

async function startProxy(target: Target): Promise<FaultProxy> {
  const proxy = await startFaultProxy({ target: { host: '127.0.0.1', port: target.port } });
  cleanups.push(() => proxy.close());
  return proxy;
}

/** A client socket that records everything it receives and how it ended. */
class Client {
  readonly socket: net.Socket;
  /** When the running total of received bytes reached each value, for timing assertions. */
  readonly arrivals: Array<{ at: number; total: number }> = [];
  error: NodeJS.ErrnoException | undefined;
  closed = false;
  ended = false;
  #chunks: Buffer[] = [];
  #total = 0;
  #listeners = new Set<() => void>();

  constructor(port: number) {
    this.socket = net.connect({ host: '127.0.0.1', port });
    this.socket.on('connect', () => this.#notify());
    this.socket.on('data', (chunk: Buffer) => {
      this.#chunks.push(chunk);
      this.#total += chunk.length;
      this.arrivals.push({ at: performance.now(), total: this.#total });
      this.#notify();
    });
    this.socket.on('end', () => {
      this.ended = true;
      this.#notify();
    });
    this.socket.on('error', (err: NodeJS.ErrnoException) => {
      this.error = err;
      this.#notify();
    });
    this.socket.on('close', () => {
      this.closed = true;
      this.#notify();
    });
    cleanups.push(() => void this.socket.destroy());
  }

  get data(): Buffer {
    return Buffer.concat(this.#chunks);
  }

  connected(): Promise<void> {
    return this.#until(() => !this.socket.connecting || this.closed, 5_000, 'connect');
  }

  /** Resolves with everything received once at least `n` bytes arrived. */
  async bytes(n: number, ms = 10_000): Promise<Buffer> {
    await this.#until(() => this.#total >= n, ms, `${n} bytes (got ${this.#total})`);
    return this.data;
  }

  /** Resolves with the error code the socket closed with ('' for a clean close). */
  async closedWith(ms = 5_000): Promise<string> {
    await this.#until(() => this.closed, ms, 'close');
    return this.error?.code ?? '';
  }

  #until(done: () => boolean, ms: number, what: string): Promise<void> {
    if (done()) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const check = (): void => {
        if (!done()) return;
        clearTimeout(timer);
        this.#listeners.delete(check);
        resolve();
      };
      const timer = setTimeout(() => {
        this.#listeners.delete(check);
        reject(new Error(`timed out waiting for ${what}`));
      }, ms);
      this.#listeners.add(check);
    });
  }

  #notify(): void {
    for (const fn of [...this.#listeners]) fn();
  }
}

async function connectClient(proxy: FaultProxy): Promise<Client> {
  const client = new Client(proxy.port);
  await client.connected();
  return client;
}

/** Poll until `fn` holds, because some effects (e.g. the proxy seeing a close) are asynchronous. */
async function eventually(fn: () => boolean, what: string, ms = 5_000): Promise<void> {
  const deadline = performance.now() + ms;
  while (!fn()) {
    if (performance.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

void describe('fault proxy over TCP', () => {
  void test('pass forwards a 5 MB random payload both ways byte-identical', T, async () => {
    const target = await startTarget();
    const proxy = await startProxy(target);
    const client = await connectClient(proxy);
    const payload = randomBytes(5 * 1024 * 1024);
    client.socket.write(payload);
    const echoed = await client.bytes(payload.length, 20_000);
    assert.equal(echoed.length, payload.length);
    assert.ok(echoed.equals(payload), 'echoed bytes differ from what was sent');
    const stats = proxy.stats();
    assert.equal(stats.bytesUpstream, payload.length);
    assert.equal(stats.bytesDownstream, payload.length);
    assert.equal(stats.accepted, 1);
    assert.equal(stats.connections, 1);
    assert.equal(stats.dropped, 0);
  });

  void test(
    'pass applies back-pressure: a target that stops reading stops the proxy reading',
    T,
    async () => {
      const target = await startTarget(false);
      const proxy = await startProxy(target);
      const client = await connectClient(proxy);
      await eventually(() => target.sockets.size === 1, 'the upstream connection');
      for (const s of target.sockets) s.pause();
      const total = 48 * 1024 * 1024;
      client.socket.write(Buffer.alloc(total, 7));
      // Kernel buffers absorb a few MB; without back-pressure the proxy would queue all 48 MB in memory.
      let last = -1;
      await eventually(
        () => {
          const now = proxy.stats().bytesUpstream;
          const settled = now === last;
          last = now;
          return settled && now > 0;
        },
        'forwarding to settle',
        10_000,
      );
      await sleep(100);
      assert.ok(
        proxy.stats().bytesUpstream < total / 2,
        `proxy forwarded ${proxy.stats().bytesUpstream} bytes`,
      );
      assert.ok(client.socket.writableLength > 0, 'the client should be holding unsent bytes');
      for (const s of target.sockets) s.resume();
      await eventually(
        () => target.received[0] === total,
        'everything to arrive once the target reads',
        20_000,
      );
      assert.equal(proxy.stats().bytesUpstream, total);
    },
  );

  void test('delay holds each chunk at least the delay and a later chunk never overtakes', T, async () => {
    const target = await startTarget();
    const proxy = await startProxy(target);
    const client = await connectClient(proxy);
    proxy.setFault({ kind: 'delay', ms: 200 }, 'upstream');
    const sentAt = performance.now();
    client.socket.write('first-');
    await sleep(20);
    // A shorter delay for the next chunk must still not let it overtake the first one.
    proxy.setFault({ kind: 'delay', ms: 10 }, 'upstream');
    client.socket.write('second');
    const data = await client.bytes(12);
    assert.equal(data.toString(), 'first-second');
    const first = client.arrivals[0];
    assert.ok(first !== undefined);
    assert.ok(first.at - sentAt >= 200, `first chunk arrived after ${first.at - sentAt} ms`);
  });

  void test('stall holds every byte with the connection open, then releases them in order', T, async () => {
    const target = await startTarget();
    const proxy = await startProxy(target);
    const client = await connectClient(proxy);
    proxy.setFault({ kind: 'stall' });
    for (const part of ['one,', 'two,', 'three']) {
      client.socket.write(part);
      await sleep(20);
    }
    await sleep(200);
    assert.equal(client.data.length, 0);
    assert.equal(target.received[0] ?? 0, 0);
    assert.equal(proxy.stats().bytesUpstream, 0);
    assert.equal(client.closed, false);
    proxy.setFault({ kind: 'pass' });
    assert.equal((await client.bytes(13)).toString(), 'one,two,three');
  });

  void test('a downstream-only stall lets requests reach the target but holds the responses', T, async () => {
    const target = await startTarget();
    const proxy = await startProxy(target);
    const client = await connectClient(proxy);
    proxy.setFault({ kind: 'stall' }, 'downstream');
    client.socket.write('ping');
    await eventually(() => target.received[0] === 4, 'the target to receive the request');
    await sleep(100);
    assert.equal(client.data.length, 0);
    proxy.setFault({ kind: 'pass' }, 'downstream');
    assert.equal((await client.bytes(4)).toString(), 'ping');
  });

  void test(
    'drop discards bytes silently with the connection open, counts them, and pass resumes',
    T,
    async () => {
      const target = await startTarget();
      const proxy = await startProxy(target);
      const client = await connectClient(proxy);
      proxy.setFault({ kind: 'drop' });
      client.socket.write('lost');
      await eventually(() => proxy.stats().dropped === 4, 'the proxy to drop 4 bytes');
      await sleep(100);
      assert.equal(client.data.length, 0);
      assert.equal(target.received[0] ?? 0, 0);
      assert.equal(client.closed, false);
      proxy.setFault({ kind: 'pass' });
      client.socket.write('back');
      assert.equal((await client.bytes(4)).toString(), 'back');
      await sleep(50);
      assert.equal(client.data.toString(), 'back');
      assert.equal(proxy.stats().dropped, 4);
    },
  );

  void test('a half-close is forwarded in order behind stalled bytes', T, async () => {
    const target = await startTarget();
    const proxy = await startProxy(target);
    const client = await connectClient(proxy);
    proxy.setFault({ kind: 'stall' }, 'upstream');
    client.socket.end('bye');
    await sleep(100);
    assert.equal(target.ends, 0);
    proxy.setFault({ kind: 'pass' }, 'upstream');
    assert.equal((await client.bytes(3)).toString(), 'bye');
    assert.equal(await client.closedWith(), '');
    assert.equal(client.ended, true);
    assert.equal(target.ends, 1);
    await eventually(() => proxy.stats().connections === 0, 'the pair to be released');
  });

  void test('refuse closes new connections at once but keeps existing ones working', T, async () => {
    const target = await startTarget();
    const proxy = await startProxy(target);
    const existing = await connectClient(proxy);
    proxy.refuse(true);
    const refused = new Client(proxy.port);
    assert.equal(await refused.closedWith(), 'ECONNRESET');
    assert.equal(refused.data.length, 0);
    existing.socket.write('still here');
    assert.equal((await existing.bytes(10)).toString(), 'still here');
    proxy.refuse(false);
    const later = await connectClient(proxy);
    later.socket.write('ok');
    assert.equal((await later.bytes(2)).toString(), 'ok');
    const stats = proxy.stats();
    assert.equal(stats.refused, 1);
    assert.equal(stats.accepted, 2);
    assert.equal(target.received.length, 2);
  });

  void test('reset aborts every connection with a TCP RST: the client sees ECONNRESET', T, async () => {
    const target = await startTarget();
    const proxy = await startProxy(target);
    const client = await connectClient(proxy);
    client.socket.write('x');
    await client.bytes(1);
    proxy.reset();
    assert.equal(await client.closedWith(), 'ECONNRESET');
    await eventually(() => target.sockets.size === 0, 'the target side to be closed');
    assert.equal(proxy.stats().connections, 0);
  });

  void test(
    'cutAfter resets all connections after exactly N more bytes, counted across connections',
    T,
    async () => {
      const target = await startTarget(false);
      const proxy = await startProxy(target);
      const a = await connectClient(proxy);
      const b = await connectClient(proxy);
      a.socket.write('a'.repeat(100));
      await eventually(() => target.received[0] === 100, 'bytes sent before arming to pass');
      const cut = proxy.cutAfter(1000, 'upstream');
      a.socket.write(randomBytes(600));
      await eventually(() => target.received[0] === 700, 'the first 600 armed bytes to pass');
      b.socket.write(randomBytes(4000));
      await cut;
      assert.equal(await a.closedWith(), 'ECONNRESET');
      assert.equal(await b.closedWith(), 'ECONNRESET');
      assert.equal(proxy.stats().bytesUpstream, 1100);
      await eventually(() => target.sockets.size === 0, 'the target side to be reset');
      assert.deepEqual(target.received, [700, 400]);
      // The trigger is one-shot: new connections pass freely afterwards.
      const c = await connectClient(proxy);
      c.socket.write(randomBytes(5000));
      await eventually(() => target.received[2] === 5000, 'traffic after the cut');
      assert.equal(c.closed, false);
    },
  );

  void test('an unreachable target resets the client instead of crashing the proxy', T, async () => {
    const dead = await startTarget();
    const proxy = await startProxy(dead);
    // Close the target now, so the port is (almost certainly) refusing.
    await dead.close();
    const client = new Client(proxy.port);
    assert.match(await client.closedWith(), /^(ECONNRESET|)$/);
    await eventually(() => proxy.stats().connections === 0, 'the pair to be released');
  });

  void test('close stops listening, releases every connection and lets the process exit', T, async () => {
    const target = await startTarget();
    const proxy = await startFaultProxy({ target: { host: '127.0.0.1', port: target.port } });
    const client = await connectClient(proxy);
    proxy.setFault({ kind: 'delay', ms: 60_000 }, 'upstream');
    client.socket.write('pending');
    const pendingCut = proxy.cutAfter(1_000_000, 'downstream');
    await proxy.close();
    await assert.rejects(pendingCut, /closed/);
    assert.equal(proxy.stats().connections, 0);
    // A FIN, or a RST when the kernel still held unread bytes from the client: either way it is gone.
    assert.match(await client.closedWith(), /^(|ECONNRESET)$/);
    const late = new Client(proxy.port);
    assert.equal(await late.closedWith(), 'ECONNREFUSED');

    // The real proof that nothing (timers, sockets) is left behind: a process doing the same exits.
    const modulePath = path.join(__dirname, 'fault-proxy.js');
    const script = `
      const net = require('node:net');
      const { startFaultProxy } = require(${JSON.stringify(modulePath)});
      (async () => {
        const target = net.createServer((s) => { s.on('error', () => {}); s.pipe(s); });
        await new Promise((r) => target.listen(0, '127.0.0.1', r));
        const proxy = await startFaultProxy({ target: { host: '127.0.0.1', port: target.address().port } });
        const clients = [];
        for (const fault of [{ kind: 'delay', ms: 60000 }, { kind: 'stall' }, { kind: 'drop' }]) {
          proxy.setFault(fault);
          const c = net.connect(proxy.port, '127.0.0.1');
          c.on('error', () => {});
          await new Promise((r) => c.on('connect', r));
          c.write('x'.repeat(100000));
          clients.push(c);
        }
        void proxy.cutAfter(1e9, 'upstream');
        await new Promise((r) => setTimeout(r, 100));
        await proxy.close();
        target.close();
        for (const s of clients) s.on('close', () => {}).resume();
      })();
    `;
    const child = spawn(process.execPath, ['-e', script], { stdio: 'ignore' });
    const code = await new Promise<number | null | 'timeout'>((resolve) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        resolve('timeout');
      }, 15_000);
      child.on('exit', (c) => {
        clearTimeout(timer);
        resolve(c);
      });
    });
    assert.equal(code, 0);
  });
});

void describe('fault proxy under HTTP/2 (how gRPC clients will see it)', () => {
  void test(
    'a request works in pass mode, reset errors the session, and a new session works again',
    T,
    async () => {
      const server = http2.createServer();
      server.on('sessionError', () => undefined);
      let hanging = 0;
      server.on('stream', (stream, headers) => {
        stream.on('error', () => undefined);
        if (headers[':path'] === '/hang') hanging += 1;
        // '/hang' never answers, standing in for a Submit that is in flight when the link dies.
        if (headers[':path'] === '/hang') return;
        stream.respond({ ':status': 200 });
        stream.end('ok');
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
      const port = (server.address() as net.AddressInfo).port;
      const proxy = await startFaultProxy({ target: { host: '127.0.0.1', port } });
      cleanups.push(() => proxy.close());

      const open = (): http2.ClientHttp2Session => {
        const session = http2.connect(`http://${proxy.address}`);
        cleanups.push(() => void session.destroy());
        return session;
      };
      const get = (session: http2.ClientHttp2Session, p: string): Promise<string> =>
        new Promise((resolve, reject) => {
          const req = session.request({ ':path': p });
          let body = '';
          req.setEncoding('utf8');
          req.on('data', (c: string) => (body += c));
          req.on('end', () => resolve(body));
          req.on('error', reject);
          req.end();
        });

      const first = open();
      assert.equal(await get(first, '/'), 'ok');

      const sessionError = new Promise<NodeJS.ErrnoException>((resolve) => first.once('error', resolve));
      const inFlight = get(first, '/hang');
      await eventually(() => hanging === 1, 'the request to be in flight at the server');
      proxy.reset();
      assert.equal((await sessionError).code, 'ECONNRESET');
      await assert.rejects(inFlight);
      assert.equal(first.destroyed, true);

      const second = open();
      assert.equal(await get(second, '/'), 'ok');
      assert.equal(proxy.stats().accepted, 2);
      second.close();
    },
  );
});
