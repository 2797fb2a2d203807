import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { CHAINCODE_NODE_OPTIONS } from './config';

export interface ChaincodeProcessOptions {
  /** Chaincode package folder (its package.json `main` is what fabric-contract-api loads). */
  readonly modulePath: string;
  /** Package id, `<label>:<hash>` as Fabric names it. */
  readonly chaincodeId: string;
  /** host:port the chaincode server listens on; the peers dial it. */
  readonly address: string;
  /** What a Fabric peer puts in its chaincode's environment (CORE_PEER_LOCALMSPID, ...). */
  readonly env: Readonly<Record<string, string>>;
  readonly log: (level: 'info' | 'warn' | 'error', msg: string) => void;
}

const shimCli = (): string => path.join(path.dirname(require.resolve('fabric-shim/package.json')), 'cli.js');

/**
 * A `fabric-chaincode-node server` child process, restarted with back-off whenever it exits unexpectedly
 * (chaincode-as-a-service: the chaincode owns its lifecycle, the peer only dials it).
 */
export class ChaincodeProcess {
  readonly #options: ChaincodeProcessOptions;
  #child: ChildProcess | undefined;
  #stopping = false;
  #restarts = 0;
  #timer: NodeJS.Timeout | undefined;

  constructor(options: ChaincodeProcessOptions) {
    this.#options = options;
  }

  get pid(): number | undefined {
    return this.#child?.pid;
  }

  get restarts(): number {
    return this.#restarts;
  }

  start(): void {
    const { modulePath, chaincodeId, address, env, log } = this.#options;
    const child = spawn(
      process.execPath,
      [
        '--no-deprecation',
        ...CHAINCODE_NODE_OPTIONS,
        '--require',
        path.join(__dirname, 'chaincode-watchdog.js'),
        '--require',
        path.join(__dirname, 'chaincode-logging.js'),
        '--require',
        path.join(__dirname, 'chaincode-parse-caches.js'),
        shimCli(),
        'server',
        '--chaincode-address',
        address,
        '--chaincode-id',
        chaincodeId,
        '--module-path',
        modulePath,
      ],
      {
        env: {
          ...process.env,
          ...env,
          CORE_CHAINCODE_ID_NAME: chaincodeId,
          CORE_CHAINCODE_LOGGING_LEVEL: process.env.CORE_CHAINCODE_LOGGING_LEVEL ?? 'warning',
        },
        stdio: ['pipe', 'pipe', 'pipe'],
        // Its own process group: a terminal's Ctrl+C reaches the devnet, which stops its chaincode servers
        // itself, instead of killing them first and having them restarted during the shutdown. If the
        // devnet dies, the watchdog (stdin) still ends them.
        detached: true,
      },
    );
    this.#child = child;
    const forward = (level: 'info' | 'warn') => (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n'))
        if (line.trim() !== '') log(level, `[${chaincodeId}@${address}] ${line}`);
    };
    child.stdout?.on('data', forward('info'));
    child.stderr?.on('data', forward('warn'));
    child.on('exit', (code, signal) => {
      if (this.#child !== child) return;
      this.#child = undefined;
      if (this.#stopping) return;
      const delay = Math.min(5000, 200 * 2 ** Math.min(this.#restarts, 5));
      this.#restarts++;
      log('warn', `chaincode server ${chaincodeId} exited (${signal ?? code}); restarting in ${delay} ms`);
      this.#timer = setTimeout(() => this.start(), delay);
    });
  }

  /** Kills the server as a crash would (tests use it to prove the restart). */
  kill(signal: NodeJS.Signals = 'SIGKILL'): void {
    this.#child?.kill(signal);
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    clearTimeout(this.#timer);
    const child = this.#child;
    if (!child || child.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => child.kill('SIGKILL'), 2000);
      child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      child.kill('SIGTERM');
    });
  }
}
