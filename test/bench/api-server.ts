// The API in its own process for the benchmarks, so its CPU time and memory are its own (and so it can be
// profiled with `node --cpu-prof`). Configured over IPC exactly as the e2e helpers configure it in-process:
// the devnet's network profile and CA bootstrap admins, port 0 on 127.0.0.1, the default limits.
import 'reflect-metadata';
import pino from 'pino';
import { loadProfile } from '../../network/client/src';
import { startApiServer, type ApiServer } from '../../api/src/server';

export interface ApiServerJob {
  readonly profilePath: string;
  readonly dataDir: string;
  readonly walletSecret: string;
  readonly orgAdmins: readonly { mspId: string; enrollmentId: string; secret: string }[];
}

export interface ApiServerReady {
  readonly url: string;
  readonly wsUrl: string;
  readonly adminKeys: readonly { label: string; apiKey: string }[];
}

let server: ApiServer | undefined;

process.on('message', (msg: ApiServerJob | 'stop') => {
  if (msg === 'stop') {
    void (async () => {
      try {
        await server?.close();
      } finally {
        // A normal exit, so that --cpu-prof writes its profile.
        process.exit(0);
      }
    })();
    return;
  }
  void (async () => {
    try {
      server = await startApiServer({
        profile: await loadProfile(msg.profilePath),
        dataDir: msg.dataDir,
        walletSecret: msg.walletSecret,
        host: '127.0.0.1',
        port: 0,
        orgAdmins: msg.orgAdmins,
        log: pino({ level: process.env.API_BENCH_LOG ?? 'warn' }, pino.destination(2)),
      });
      const ready: ApiServerReady = { url: server.url, wsUrl: server.wsUrl, adminKeys: server.adminKeys };
      process.send?.(ready);
    } catch (err) {
      process.send?.({ error: (err as Error).stack ?? String(err) }, () => process.exit(1));
    }
  })();
});
process.on('disconnect', () => process.exit(0));
