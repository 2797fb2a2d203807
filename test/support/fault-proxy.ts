// A fault-injecting TCP proxy for reliability tests: it sits between a client (e.g. the edge's gRPC
// client) and a server (e.g. the Fabric peer) and lets a test delay, stall, black-hole, refuse or
// reset the link at a chosen moment, using real sockets so the client sees real network failures.
import net from 'node:net';
import { performance } from 'node:perf_hooks';

/** What happens to bytes travelling in one direction. */
export type Fault =
  /** Forward bytes as they arrive (with back-pressure). */
  | { kind: 'pass' }
  /** Forward each chunk `ms` after it arrived; order is kept, so a later chunk never overtakes. */
  | { kind: 'delay'; ms: number }
  /** Forward nothing and hold every byte (connections stay open) until the fault changes. */
  | { kind: 'stall' }
  /** Discard bytes silently while active, like a black hole; connections stay open. */
  | { kind: 'drop' };

/** client→target is 'upstream', target→client is 'downstream'. */
export type Direction = 'upstream' | 'downstream';

export interface FaultProxyOptions {
  /** Where every accepted connection is forwarded to (one upstream connection per client connection). */
  target: { host: string; port: number };
  /** Interface to listen on; loopback by default so tests never expose a port. */
  host?: string;
  /** Port to listen on; 0 (default) lets the OS pick a free one, see `FaultProxy.port`. */
  port?: number;
}

export interface FaultProxyStats {
  /** Connection pairs currently open. */
  connections: number;
  /** Client connections accepted and forwarded since start (refused ones are not counted). */
  accepted: number;
  /** Client connections closed at once because `refuse(true)` was on. */
  refused: number;
  /** Bytes delivered to the target (client→target). */
  bytesUpstream: number;
  /** Bytes delivered to the client (target→client). */
  bytesDownstream: number;
  /** Bytes discarded by the 'drop' fault, both directions. */
  dropped: number;
}

export interface FaultProxy {
  /** The port actually listened on, so a test can bind to port 0 and point the client here. */
  readonly port: number;
  /** 'host:port' to hand to a client (e.g. a gRPC target) instead of the real server's address. */
  readonly address: string;
  /**
   * Change what happens to bytes from now on (default direction: both). Bytes already held by a
   * stall are released in order as soon as the fault is no longer 'stall'; bytes already waiting
   * for a delay keep their schedule; while 'drop' is active, everything pending is discarded too
   * (except a FIN, which is held until the drop ends so a pair can still close cleanly later).
   */
  setFault(fault: Fault, direction?: 'both' | Direction): void;
  /** While on, new client connections are accepted and reset at once (the client sees the connect fail); existing ones are unaffected. */
  refuse(on: boolean): void;
  /** Abort every open connection with a TCP RST on both sides, like a crashed middlebox or peer. */
  reset(): void;
  /**
   * Arm a one-shot trigger that resets every connection (RST) once exactly `bytes` more bytes have
   * been delivered in `direction`, counted across all connections from now, so a test can cut the
   * link in the middle of a request. Resolves when it fired; rejects if the proxy closes first.
   */
  cutAfter(bytes: number, direction: Direction): Promise<void>;
  /** Counters, so a test can assert what the link did. */
  stats(): FaultProxyStats;
  /** Stop listening and destroy every connection, so nothing keeps the test process alive. */
  close(): Promise<void>;
}

// Above this many queued bytes per lane (delay/stall) the source is paused, so a stalled link
// behaves like a full TCP window instead of buffering without bound in the proxy.
const HIGH_WATER = 1024 * 1024;

type Entry = { data: Buffer; at: number } | { end: true; at: number };

interface Trigger {
  remaining: number;
  resolve: () => void;
  reject: (err: Error) => void;
}

/** The proxy state lanes and pairs need, without exposing it to tests. */
interface Core {
  fault(direction: Direction): Fault;
  /** Deliver bytes (honouring cut triggers); returns false when the caller must stop and wait. */
  deliver(lane: Lane, data: Buffer): boolean;
  isCutting(): boolean;
  countDropped(bytes: number): void;
}

/** One direction of one connection pair: a FIFO from `src` to `dst` that applies the current fault. */
class Lane {
  #queue: Entry[] = [];
  #queuedBytes = 0;
  #timer: NodeJS.Timeout | undefined;
  #waitingDrain = false;
  #closed = false;

  constructor(
    readonly direction: Direction,
    readonly src: net.Socket,
    readonly dst: net.Socket,
    readonly core: Core,
  ) {}

  push(data: Buffer): void {
    if (this.#closed) return;
    const fault = this.core.fault(this.direction);
    // A black hole swallows bytes on arrival; there is no point queueing them.
    if (fault.kind === 'drop') {
      this.core.countDropped(data.length);
      return;
    }
    const delay = fault.kind === 'delay' ? fault.ms : 0;
    this.#queue.push({ data, at: performance.now() + delay });
    this.#queuedBytes += data.length;
    this.pump();
  }

  pushEnd(): void {
    if (this.#closed) return;
    // The FIN is queued behind the data so it cannot overtake bytes still delayed or stalled.
    this.#queue.push({ end: true, at: performance.now() });
    this.pump();
  }

  /** Forward whatever the current fault allows, then wait for a timer, a drain or a fault change. */
  pump(): void {
    if (this.#closed || this.#waitingDrain) return;
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    const fault = this.core.fault(this.direction);
    while (!this.#closed && !this.core.isCutting()) {
      const head = this.#queue[0];
      if (head === undefined || fault.kind === 'stall') break;
      if (fault.kind === 'drop') {
        // The FIN is held rather than dropped: losing it would leave the pair open forever.
        if ('end' in head) break;
        this.#shift();
        this.core.countDropped(head.data.length);
        continue;
      }
      const wait = head.at - performance.now();
      if (wait > 0) {
        // setTimeout may fire slightly early; pump() re-checks and re-arms, so the delay is a floor.
        this.#timer = setTimeout(() => this.pump(), Math.max(1, Math.ceil(wait)));
        break;
      }
      this.#shift();
      if ('end' in head) {
        this.dst.end();
        break;
      }
      if (!this.core.deliver(this, head.data)) break;
    }
    this.#updateFlow();
  }

  /** Called by the core after a write returned false: resume only once the destination drained. */
  awaitDrain(): void {
    this.#waitingDrain = true;
    this.dst.once('drain', () => {
      this.#waitingDrain = false;
      this.pump();
    });
  }

  close(): void {
    this.#closed = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#queue = [];
    this.#queuedBytes = 0;
  }

  #shift(): void {
    const head = this.#queue.shift();
    if (head !== undefined && 'data' in head) this.#queuedBytes -= head.data.length;
  }

  #updateFlow(): void {
    if (this.#closed || this.src.destroyed) return;
    if (this.#waitingDrain || this.#queuedBytes >= HIGH_WATER) this.src.pause();
    else if (this.src.isPaused()) this.src.resume();
  }
}

/** A client connection and its upstream connection to the target. */
class Pair {
  readonly up: Lane;
  readonly down: Lane;
  #closed = false;

  constructor(
    readonly client: net.Socket,
    readonly upstream: net.Socket,
    core: Core,
    readonly onClosed: (pair: Pair) => void,
  ) {
    this.up = new Lane('upstream', client, upstream, core);
    this.down = new Lane('downstream', upstream, client, core);
    this.#wire(client, this.up, upstream);
    this.#wire(upstream, this.down, client);
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Tear both sides down; `rst` sends a TCP RST instead of a FIN. */
  destroy(rst: boolean): void {
    if (this.#closed) return;
    this.#markClosed();
    for (const socket of [this.client, this.upstream]) abort(socket, rst);
  }

  #wire(socket: net.Socket, lane: Lane, other: net.Socket): void {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => lane.push(chunk));
    socket.on('end', () => lane.pushEnd());
    // Resets and broken pipes are a normal part of this proxy's life; mirror them on the other side.
    socket.on('error', () => {
      if (this.#closed) return;
      this.#markClosed();
      abort(other, true);
      socket.destroy();
    });
    socket.on('close', () => {
      if (this.client.destroyed && this.upstream.destroyed) this.#markClosed();
    });
  }

  #markClosed(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.up.close();
    this.down.close();
    this.onClosed(this);
  }
}

function abort(socket: net.Socket, rst: boolean): void {
  // resetAndDestroy() on a socket still connecting would wait for the connect; just cancel it.
  if (rst && !socket.destroyed && !socket.connecting) socket.resetAndDestroy();
  else socket.destroy();
}

class FaultProxyImpl implements FaultProxy, Core {
  readonly port: number;
  readonly address: string;
  #server: net.Server;
  #target: { host: string; port: number };
  #faults: Record<Direction, Fault> = { upstream: { kind: 'pass' }, downstream: { kind: 'pass' } };
  #pairs = new Set<Pair>();
  #refusing = false;
  #refusedSockets = new Set<net.Socket>();
  #triggers: Record<Direction, Trigger[]> = { upstream: [], downstream: [] };
  #cutting = false;
  #closing = false;
  #stats = { accepted: 0, refused: 0, bytesUpstream: 0, bytesDownstream: 0, dropped: 0 };

  constructor(server: net.Server, target: { host: string; port: number }, host: string, port: number) {
    this.#server = server;
    this.#target = target;
    this.port = port;
    this.address = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
    server.on('connection', (socket) => this.#accept(socket));
  }

  setFault(fault: Fault, direction: 'both' | Direction = 'both'): void {
    if (fault.kind === 'delay' && !(Number.isFinite(fault.ms) && fault.ms >= 0)) {
      throw new RangeError(`delay must be a finite, non-negative number of ms, got ${fault.ms}`);
    }
    const directions: Direction[] = direction === 'both' ? ['upstream', 'downstream'] : [direction];
    for (const d of directions) this.#faults[d] = { ...fault };
    // Held bytes may now be releasable (or droppable) without waiting for new traffic.
    for (const pair of [...this.#pairs]) {
      for (const d of directions) (d === 'upstream' ? pair.up : pair.down).pump();
    }
  }

  refuse(on: boolean): void {
    this.#refusing = on;
  }

  reset(): void {
    for (const pair of [...this.#pairs]) pair.destroy(true);
  }

  cutAfter(bytes: number, direction: Direction): Promise<void> {
    if (!Number.isSafeInteger(bytes) || bytes < 0) {
      return Promise.reject(new RangeError(`bytes must be a non-negative integer, got ${bytes}`));
    }
    if (this.#closing) return Promise.reject(new Error('fault proxy is closed'));
    if (bytes === 0) {
      this.reset();
      return Promise.resolve();
    }
    const promise = new Promise<void>((resolve, reject) => {
      this.#triggers[direction].push({ remaining: bytes, resolve, reject });
    });
    // A test that arms a cut and never awaits it must not crash on an unhandled rejection at close().
    promise.catch(() => undefined);
    return promise;
  }

  stats(): FaultProxyStats {
    return { connections: this.#pairs.size, ...this.#stats };
  }

  close(): Promise<void> {
    this.#closing = true;
    const closed = new Promise<void>((resolve) => {
      if (!this.#server.listening) resolve();
      else this.#server.close(() => resolve());
    });
    for (const pair of [...this.#pairs]) pair.destroy(false);
    for (const socket of this.#refusedSockets) socket.destroy();
    for (const d of ['upstream', 'downstream'] as const) {
      for (const t of this.#triggers[d].splice(0))
        t.reject(new Error('fault proxy closed before cutAfter fired'));
    }
    return closed;
  }

  fault(direction: Direction): Fault {
    return this.#faults[direction];
  }

  isCutting(): boolean {
    return this.#cutting;
  }

  countDropped(bytes: number): void {
    this.#stats.dropped += bytes;
  }

  deliver(lane: Lane, data: Buffer): boolean {
    const triggers = this.#triggers[lane.direction];
    const limit = triggers.reduce((min, t) => Math.min(min, t.remaining), Infinity);
    const cut = data.length >= limit;
    const part = cut ? data.subarray(0, limit) : data;
    this.#count(lane.direction, part.length);
    for (const t of triggers) t.remaining -= part.length;
    if (!cut) {
      if (lane.dst.write(part)) return true;
      lane.awaitDrain();
      return false;
    }
    // Hold every lane until the RST so no byte beyond the limit slips through on another
    // connection; reset only once the last permitted bytes were handed to the kernel.
    this.#cutting = true;
    const fired = triggers.filter((t) => t.remaining <= 0);
    this.#triggers[lane.direction] = triggers.filter((t) => t.remaining > 0);
    lane.dst.write(part, () => {
      this.#cutting = false;
      this.reset();
      for (const t of fired) t.resolve();
    });
    return false;
  }

  #count(direction: Direction, bytes: number): void {
    if (direction === 'upstream') this.#stats.bytesUpstream += bytes;
    else this.#stats.bytesDownstream += bytes;
  }

  #accept(client: net.Socket): void {
    client.on('error', () => undefined);
    if (this.#refusing || this.#closing) {
      this.#stats.refused += 1;
      // Tracked until closed so close() can still release a socket whose RST is in flight.
      this.#refusedSockets.add(client);
      client.on('close', () => this.#refusedSockets.delete(client));
      client.resetAndDestroy();
      return;
    }
    this.#stats.accepted += 1;
    const upstream = net.connect({ host: this.#target.host, port: this.#target.port, allowHalfOpen: true });
    upstream.on('error', () => undefined);
    const pair = new Pair(client, upstream, this, (p) => this.#pairs.delete(p));
    this.#pairs.add(pair);
  }
}

/** Start a proxy listening on `host:port` (default 127.0.0.1:0) that forwards to `target` in 'pass' mode. */
export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const host = options.host ?? '127.0.0.1';
  // allowHalfOpen lets the proxy forward a FIN in order, behind bytes still delayed or stalled.
  const server = net.createServer({ allowHalfOpen: true });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  // Accept errors (e.g. EMFILE) must not crash the test process; the affected client just fails.
  server.on('error', () => undefined);
  const bound = server.address();
  if (bound === null || typeof bound === 'string') throw new Error('fault proxy: unexpected listen address');
  return new FaultProxyImpl(server, options.target, host, bound.port);
}
