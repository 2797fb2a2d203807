// The parent's side of edge-runner.ts's IPC protocol, shared by the edge group and the matrix. Kept out of
// edge-runner.ts, whose top level listens for IPC as soon as it is imported.
import type { ChildProcess } from 'node:child_process';
import { forkHelper, nextMessage, stopChild } from './api.bench';
import type { EdgeRunnerCommand, EdgeRunnerReport } from './edge-runner';

export interface EdgeRunnerProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  /** Sends a command and resolves with the first report of type `reply` (rejects on an error report). */
  run<T extends EdgeRunnerReport['type']>(
    cmd: EdgeRunnerCommand,
    reply: T,
  ): Promise<Extract<EdgeRunnerReport, { type: T }>>;
  /** Asks the runner to stop; kills it after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

/** Forks edge-runner.js (with these Node options) and waits until it has loaded. */
export async function forkEdgeRunner(execArgv: readonly string[]): Promise<EdgeRunnerProcess> {
  const child = forkHelper('edge-runner.js', execArgv);
  const runner: EdgeRunnerProcess = {
    child,
    pid: child.pid ?? 0,
    run: <T extends EdgeRunnerReport['type']>(cmd: EdgeRunnerCommand, reply: T) => {
      const answer = nextMessage<EdgeRunnerReport>(child, (m) => m.type === reply);
      child.send(cmd);
      return answer as Promise<Extract<EdgeRunnerReport, { type: T }>>;
    },
    stop: (graceMs) => stopChild(child, { type: 'stop' } satisfies EdgeRunnerCommand, graceMs),
  };
  try {
    await nextMessage<EdgeRunnerReport>(child, (m) => m.type === 'loaded');
  } catch (err) {
    await runner.stop();
    throw err;
  }
  return runner;
}
