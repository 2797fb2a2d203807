#!/usr/bin/env node
import { existsSync, promises as fs, readFileSync } from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { startDevnet, recordChaincode } from './devnet';
import { DEFAULT_CHANNEL } from './config';

const DEFAULT_DATA_DIR = '.devnet';
/** The project's own contracts, deployed by `up` when built. */
const PROJECT_CHAINCODE = { name: 'manusquare', path: path.resolve(__dirname, '../../../../chaincode') };

function runningPid(dataDir: string): number | undefined {
  const file = path.join(dataDir, 'devnet.pid');
  if (!existsSync(file)) return undefined;
  const pid = Number.parseInt(readFileSync(file, 'utf8'), 10);
  try {
    process.kill(pid, 0);
    return pid;
  } catch {
    return undefined;
  }
}

async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      process.kill(pid, 0);
    } catch {
      return true;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

async function up(
  dataDir: string,
  channelId: string,
  logLevel: string,
  tls: 'off' | 'on' | 'mutual',
): Promise<void> {
  const logger = pino({ level: logLevel, base: { component: 'devnet' } });
  const existing = runningPid(dataDir);
  if (existing)
    throw new Error(
      `a devnet is already running on ${dataDir} (pid ${existing}); run 'npm run devnet -- down' first`,
    );
  const started = Date.now();
  const chaincodes = existsSync(path.join(PROJECT_CHAINCODE.path, 'dist', 'index.js'))
    ? [PROJECT_CHAINCODE]
    : [];
  const devnet = await startDevnet({
    dataDir,
    channelId,
    chaincodes,
    tls: tls === 'off' ? false : { mutual: tls === 'mutual' },
    log: (level, msg) => logger[level](msg),
  });
  await devnet.chaincodesReady();
  const lines = [
    `devnet ready in ${Date.now() - started} ms (data in ${devnet.dataDir})`,
    `  channel    ${devnet.channelId} (height ${devnet.height})`,
    `  tls        ${devnet.tls.enabled ? (devnet.tls.mutual ? 'mutual' : 'on') : 'off'}`,
    ...devnet.peers.map((p) => `  peer       ${p.name.padEnd(24)} ${p.address}  (${p.mspId})`),
    `  orderer    ${'orderer.example.com'.padEnd(24)} ${devnet.ordererAddress}`,
    ...devnet.cas.map(
      (ca) => `  ca         ${ca.caName.padEnd(24)} ${ca.url}  (${ca.mspId}; admin in ${ca.bootstrapFile})`,
    ),
    `  profile    ${path.join(devnet.dataDir, 'network.json')}`,
    `  identities ${path.join(devnet.dataDir, 'organizations')}`,
    'Press Ctrl+C to stop.',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  let stopping = false;
  const stop = async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    logger.info('stopping');
    await devnet.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
  // `devnet deploy` records a chaincode and sends SIGHUP; the running network picks it up.
  process.on('SIGHUP', () => {
    devnet.reloadChaincodes().then(
      (added) => logger.info({ added }, 'chaincodes reloaded'),
      (err: Error) => logger.error({ err: err.message }, 'chaincode reload failed'),
    );
  });
}

async function down(dataDir: string): Promise<void> {
  const pid = runningPid(dataDir);
  if (!pid) {
    process.stdout.write(`no devnet running on ${dataDir}\n`);
    return;
  }
  process.kill(pid, 'SIGTERM');
  if (!(await waitForExit(pid, 15_000))) throw new Error(`devnet (pid ${pid}) did not stop within 15 s`);
  process.stdout.write(`devnet (pid ${pid}) stopped\n`);
}

async function status(dataDir: string): Promise<void> {
  const pid = runningPid(dataDir);
  const profileFile = path.join(dataDir, 'network.json');
  if (!existsSync(profileFile)) {
    process.stdout.write(`no devnet in ${dataDir} (run 'npm run devnet -- up')\n`);
    process.exitCode = 1;
    return;
  }
  const profile = JSON.parse(await fs.readFile(profileFile, 'utf8')) as {
    channel: string;
    chaincodes: { name: string }[];
    tls: boolean;
    orderers: { endpoint: string }[];
    organizations: { mspId: string; peers: { name: string; endpoint: string }[] }[];
  };
  const lines = [
    `devnet in ${path.resolve(dataDir)}: ${pid ? `running (pid ${pid})` : 'stopped'}`,
    `  channel    ${profile.channel}`,
    `  chaincodes ${profile.chaincodes.map((c) => c.name).join(', ') || '(none)'}`,
    `  tls        ${profile.tls ? 'on' : 'off'}`,
    ...profile.organizations.flatMap((o) =>
      o.peers.map((p) => `  peer       ${p.name.padEnd(24)} ${p.endpoint}  (${o.mspId})`),
    ),
    ...profile.orderers.map((o) => `  orderer    ${o.endpoint}`),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

async function main(): Promise<void> {
  await yargs(hideBin(process.argv))
    .scriptName('devnet')
    // The chaincode's --version below is ours; yargs' own --version would swallow it.
    .version(false)
    .usage('$0 <command> [options]')
    .option('data-dir', { type: 'string', default: DEFAULT_DATA_DIR, describe: 'data directory' })
    .command(
      'up',
      'start the network in the foreground (creates it on first start)',
      (y) =>
        y
          .option('channel', { type: 'string', default: DEFAULT_CHANNEL })
          .option('log-level', {
            type: 'string',
            default: 'info',
            choices: ['debug', 'info', 'warn', 'error'],
          })
          .option('tls', {
            type: 'string',
            default: 'on',
            choices: ['on', 'off', 'mutual'],
            describe: 'TLS on the peer and orderer endpoints (on by default, as on a production network)',
          }),
      (argv) => up(argv['data-dir'], argv.channel, argv['log-level'], argv.tls as 'off' | 'on' | 'mutual'),
    )
    .command('down', 'stop a running network', {}, (argv) => down(argv['data-dir'] as string))
    .command('reset', 'stop the network and delete its data directory', {}, async (argv) => {
      const dataDir = argv['data-dir'] as string;
      await down(dataDir);
      await fs.rm(dataDir, { recursive: true, force: true });
      process.stdout.write(`removed ${path.resolve(dataDir)}\n`);
    })
    .command('status', 'show whether the network runs, and its endpoints', {}, (argv) =>
      status(argv['data-dir'] as string),
    )
    .command(
      'deploy <folder>',
      'run a fabric-contract-api package as a chaincode beside the others',
      (y) =>
        y
          .positional('folder', { type: 'string', demandOption: true, describe: 'chaincode package folder' })
          .option('name', { type: 'string', demandOption: true, describe: 'chaincode name on the channel' })
          .option('version', { type: 'string', default: '1.0' })
          .option('policy', {
            type: 'string',
            describe: "endorsement policy, e.g. \"OR('Org1MSP.peer','Org2MSP.peer')\"",
          }),
      async (argv) => {
        const folder = path.resolve(argv.folder);
        if (!existsSync(path.join(folder, 'package.json')))
          throw new Error(`${folder} has no package.json: not a chaincode package`);
        await fs.mkdir(argv['data-dir'], { recursive: true });
        await recordChaincode(path.resolve(argv['data-dir']), {
          name: argv.name,
          path: folder,
          version: argv.version,
          endorsementPolicy: argv.policy,
        });
        const pid = runningPid(argv['data-dir']);
        if (pid) process.kill(pid, 'SIGHUP');
        process.stdout.write(
          `chaincode ${argv.name} recorded${pid ? ' and deployed to the running devnet' : '; it starts with the next `devnet up`'}\n`,
        );
      },
    )
    .demandCommand(1, 'name a command: up, down, reset, status or deploy')
    .strict()
    .fail((msg, err) => {
      process.stderr.write(`devnet: ${err?.message ?? msg}\n`);
      process.exit(1);
    })
    .parseAsync();
}

void main();
