#!/usr/bin/env node
// The API's command line. `serve` runs against any network described by a profile (production);
// `start` is the one-command development setup behind `npm start`: it runs the devnet CLI as a child
// process (the API never imports the devnet), enrols the CA admins, creates a demo buyer and supplier,
// and prints the URL and their API keys.

import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { loadProfile } from '../../network/client/src';
import { createUser } from './auth/users';
import { startApiServer, type ApiServer, type OrgAdminBootstrap } from './server';

const SECRET_ENV = 'MANUSQUARE_WALLET_SECRET';

interface BootstrapFile {
  mspId: string;
  enrollmentID: string;
  enrollmentSecret: string;
}

function readOrgAdmin(file: string): OrgAdminBootstrap {
  const raw = JSON.parse(readFileSync(file, 'utf8')) as Partial<BootstrapFile>;
  if (!raw.mspId || !raw.enrollmentID || !raw.enrollmentSecret) {
    throw new Error(`${file} must hold {mspId, enrollmentID, enrollmentSecret}`);
  }
  return { mspId: raw.mspId, enrollmentId: raw.enrollmentID, secret: raw.enrollmentSecret };
}

function stopOnSignals(stop: () => Promise<void>): void {
  let stopping = false;
  const handler = () => {
    if (stopping) return;
    stopping = true;
    stop().then(
      () => process.exit(0),
      (err: unknown) => {
        process.stderr.write(`error while stopping: ${(err as Error).message}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
}

async function serve(argv: {
  profile: string;
  dataDir: string;
  host: string;
  port: number;
  orgAdmin: string[];
  logLevel: string;
}): Promise<void> {
  const secret = process.env[SECRET_ENV];
  if (!secret) throw new Error(`set ${SECRET_ENV} to the secret that encrypts the wallet's private keys`);
  const log = pino({ level: argv.logLevel, name: 'api' });
  const server = await startApiServer({
    profile: await loadProfile(argv.profile),
    dataDir: argv.dataDir,
    walletSecret: secret,
    host: argv.host,
    port: argv.port,
    orgAdmins: argv.orgAdmin.map(readOrgAdmin),
    log,
  });
  for (const key of server.adminKeys) process.stdout.write(`admin API key for ${key.label}: ${key.apiKey}\n`);
  stopOnSignals(() => server.close());
}

/** Starts the devnet CLI as a child and resolves when it reports ready. */
function startDevnetChild(devnetDir: string): Promise<ChildProcess> {
  const cli = path.resolve(__dirname, '../../network/devnet/src/cli.js');
  const child = spawn(process.execPath, [cli, 'up', '--data-dir', devnetDir], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    const onData = (chunk: Buffer) => {
      out += chunk.toString('utf8');
      process.stdout.write(chunk);
      if (out.includes('Press Ctrl+C to stop.')) {
        child.stdout?.off('data', onData);
        child.stdout?.pipe(process.stdout);
        resolve(child);
      }
    };
    child.stdout?.on('data', onData);
    child.once('exit', (code) =>
      reject(new Error(`the devnet exited with code ${code} before it was ready`)),
    );
  });
}

async function start(argv: {
  devnetDir: string;
  dataDir: string;
  host: string;
  port: number;
  logLevel: string;
}) {
  const log = pino({ level: argv.logLevel, name: 'api' });
  const devnet = await startDevnetChild(argv.devnetDir);
  let server: ApiServer | undefined;
  let stopping = false;
  const stopAll = async () => {
    stopping = true;
    await server?.close();
    devnet.kill('SIGTERM');
    await new Promise((resolve) => devnet.once('exit', resolve));
  };
  devnet.once('exit', (code) => {
    if (stopping) return;
    log.error({ code }, 'the devnet stopped; stopping the API');
    void server?.close().then(() => process.exit(1));
  });
  try {
    mkdirSync(argv.dataDir, { recursive: true });
    const secret = process.env[SECRET_ENV] ?? devSecret(argv.dataDir);
    const caDir = path.join(argv.devnetDir, 'ca');
    const orgAdmins = readdirSync(caDir)
      .map((d) => path.join(caDir, d, 'bootstrap.json'))
      .filter((f) => existsSync(f))
      .map(readOrgAdmin);
    server = await startApiServer({
      profile: await loadProfile(path.join(argv.devnetDir, 'network.json')),
      dataDir: argv.dataDir,
      walletSecret: secret,
      host: argv.host,
      port: argv.port,
      orgAdmins,
      log,
    });
    const keys = await demoKeys(server, argv.dataDir);
    process.stdout.write(
      [
        '',
        `GraphQL API  ${server.url}  (GraphiQL in a browser; subscriptions on ${server.wsUrl})`,
        `metrics      http://${argv.host}:${server.port}/metrics`,
        ...keys.map((k) => `${k.who.padEnd(12)} ${k.label.padEnd(22)} Authorization: Bearer ${k.apiKey}`),
        'Press Ctrl+C to stop.',
        '',
      ].join('\n'),
    );
  } catch (err) {
    await stopAll();
    throw err;
  }
  stopOnSignals(stopAll);
}

/** A development wallet secret kept beside the wallet (production passes one through the environment). */
function devSecret(dataDir: string): string {
  const file = path.join(dataDir, 'wallet.secret');
  if (!existsSync(file)) writeFileSync(file, randomBytes(32).toString('base64url'), { mode: 0o600 });
  return readFileSync(file, 'utf8').trim();
}

interface DemoKey {
  who: string;
  label: string;
  apiKey: string;
}

/** The demo buyer (Org1) and supplier (Org2), created once; their keys are kept for development only. */
async function demoKeys(server: ApiServer, dataDir: string): Promise<DemoKey[]> {
  const file = path.join(dataDir, 'demo-keys.json');
  const stored: DemoKey[] = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as DemoKey[]) : [];
  const wanted = [
    { who: 'buyer', mspId: 'Org1MSP', enrollmentId: 'buyer' },
    { who: 'supplier', mspId: 'Org2MSP', enrollmentId: 'supplier' },
  ];
  const { wallet, apiKeys, cas } = server.services;
  for (const admin of server.adminKeys) {
    if (!stored.some((k) => k.label === admin.label)) stored.push({ who: 'org admin', ...admin });
  }
  for (const w of wanted) {
    const label = `${w.mspId}:${w.enrollmentId}`;
    if (stored.some((k) => k.label === label) && wallet.has(label)) continue;
    const ca = cas.get(w.mspId);
    const admin = wallet.list({ mspId: w.mspId, role: 'admin' })[0];
    if (!ca || !admin) continue;
    const user = wallet.has(label)
      ? { label, apiKey: apiKeys.issue(label, { role: 'user', description: 'demo' }).token }
      : await createUser({
          wallet,
          apiKeys,
          ca,
          admin: admin.label,
          enrollmentId: w.enrollmentId,
          description: 'demo',
        });
    stored.push({ who: w.who, label: user.label, apiKey: user.apiKey });
  }
  writeFileSync(file, JSON.stringify(stored, null, 2), { mode: 0o600 });
  return stored;
}

void yargs(hideBin(process.argv))
  .scriptName('api')
  .version(false)
  .option('data-dir', {
    type: 'string',
    default: '.api',
    describe: "the API's own data (wallet, keys, read model)",
  })
  .option('host', { type: 'string', default: '127.0.0.1' })
  .option('port', { type: 'number', default: 4000 })
  .option('log-level', { type: 'string', default: 'info', choices: ['debug', 'info', 'warn', 'error'] })
  .command(
    'serve',
    'serve the API for the network in a profile (wallet secret from $' + SECRET_ENV + ')',
    (y) =>
      y
        .option('profile', { type: 'string', demandOption: true, describe: 'network profile (JSON)' })
        .option('org-admin', {
          type: 'string',
          array: true,
          default: [] as string[],
          describe: 'CA bootstrap admin file {mspId, enrollmentID, enrollmentSecret}; repeatable',
        }),
    (argv) => serve({ ...argv, dataDir: argv.dataDir, orgAdmin: argv.orgAdmin, logLevel: argv.logLevel }),
  )
  .command(
    'start',
    'development: start the devnet, then the API with a demo buyer and supplier',
    (y) => y.option('devnet-dir', { type: 'string', default: '.devnet' }),
    (argv) => start({ ...argv, devnetDir: argv.devnetDir, dataDir: argv.dataDir, logLevel: argv.logLevel }),
  )
  .demandCommand(1)
  .strict()
  .fail((msg, err) => {
    process.stderr.write(`api: ${err ? err.message : msg}\n`);
    process.exit(1);
  })
  .parseAsync()
  .catch((err: unknown) => {
    process.stderr.write(`api: ${(err as Error).message}\n`);
    process.exit(1);
  });
