#!/usr/bin/env node
// The device's command line (package bin `edge`): keygen, enroll, run, status, and the registry of small
// devices behind this gateway. Errors end with a non-zero exit and one readable line (rule 8).

import { readFileSync } from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { loadProfile } from '../../network/client/src';
import { StoreAndForwardBuffer } from './buffer/buffer';
import { loadConfig, type EdgeConfig } from './config';
import { startEdge } from './edge';
import { enrolDevice, generateDeviceKey } from './identity';
import { SmallDeviceRegistry } from './small-devices/registry';

function out(line: string): void {
  process.stdout.write(`${line}\n`);
}

/** `@file` reads the value from a file (a JWE is long for a command line). */
function valueOrFile(v: string): string {
  return v.startsWith('@') ? readFileSync(v.slice(1), 'utf8').trim() : v;
}

async function run(config: EdgeConfig): Promise<void> {
  const log = pino({ level: config.logLevel, name: 'edge', base: { deviceId: config.deviceId } });
  const edge = await startEdge(config, { log });
  log.info(
    { shipmentId: config.shipmentId, smallDevices: edge.smallDevices?.url },
    'edge running; Ctrl+C to stop',
  );
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    log.info('stopping: buffered records stay on disk and are sent at the next start');
    edge.close().then(
      () => process.exit(0),
      (err: Error) => {
        process.stderr.write(`error while stopping: ${err.message}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

function status(config: EdgeConfig, json: boolean): void {
  const buffer = new StoreAndForwardBuffer({ file: path.join(config.dataDir, 'buffer.sqlite') });
  try {
    const counts = buffer.counts();
    const link = buffer.getMeta('status');
    const last = buffer.lastCommitted(1)[0];
    const rejections = buffer.rejections(5);
    const report = {
      deviceId: config.deviceId,
      buffer: counts,
      link: link ? (JSON.parse(link) as unknown) : { online: 'unknown (never ran)' },
      lastCommit: last ?? null,
      recentRejections: rejections.map((r) => ({
        txId: r.txId,
        reason: r.reason,
        records: r.records.length,
      })),
    };
    if (json) return out(JSON.stringify(report, null, 2));
    out(`device      ${config.deviceId}`);
    out(
      `records     ${counts.records} held, ${counts.waiting} waiting for a transaction, ${counts.committedRecords} committed so far`,
    );
    out(
      `states      ${Object.entries(counts.states)
        .map(([s, n]) => `${s}=${n}`)
        .join(' ')}`,
    );
    out(
      `dropped     full=${counts.dropped.full} expired=${counts.dropped.expired}; refused=${counts.refused}; rejected=${counts.rejected}`,
    );
    const l = report.link as { online?: unknown; refused?: string; lastError?: string; since?: number };
    out(
      `link        ${l.refused ? `REFUSED: ${l.refused}` : l.online === true ? 'online' : l.online === false ? `offline (${l.lastError ?? ''})` : String(l.online)}${l.since ? ` since ${new Date(l.since).toISOString()}` : ''}`,
    );
    out(
      last
        ? `last commit ${last.txId} in block ${last.blockNumber} at ${new Date(last.committedAt).toISOString()} (${last.records} records)`
        : 'last commit none',
    );
    for (const r of report.recentRejections) out(`rejected    ${r.txId}: ${r.reason} (${r.records} records)`);
  } finally {
    buffer.close();
  }
}

void yargs(hideBin(process.argv))
  .scriptName('edge')
  .strict()
  .demandCommand(1)
  .command(
    'keygen',
    "create the device's key pair (once) and print its public key for the administrator",
    (y) =>
      y
        .option('data-dir', { type: 'string', demandOption: true, describe: 'the device data folder' })
        .option('force', { type: 'boolean', default: false, describe: 'replace an existing key' }),
    (argv) => {
      const { publicKeyPem, created } = generateDeviceKey(argv.dataDir, { force: argv.force });
      process.stderr.write(created ? 'new device key created\n' : 'the device key exists; its public key:\n');
      process.stdout.write(publicKeyPem);
    },
  )
  .command(
    'enroll',
    'open the sealed enrolment secret and enrol the device key with its CA',
    (y) =>
      y
        .option('config', { type: 'string', demandOption: true, describe: 'edge configuration (JSON)' })
        .option('enrollment-id', { type: 'string', describe: 'default: the configured deviceId' })
        .option('sealed-secret', {
          type: 'string',
          demandOption: true,
          describe: 'the sealedSecret from provisionDevice, or @file',
        }),
    async (argv) => {
      const config = loadConfig(argv.config);
      const identity = await enrolDevice({
        dataDir: config.dataDir,
        profile: await loadProfile(config.profile),
        mspId: config.mspId,
        enrollmentId: argv.enrollmentId ?? config.deviceId,
        sealedSecret: valueOrFile(argv.sealedSecret),
      });
      out(
        `enrolled ${argv.enrollmentId ?? config.deviceId} of ${identity.mspId}; certificate in ${config.dataDir}/msp/signcerts`,
      );
    },
  )
  .command(
    'run',
    'read the sensors, buffer every record durably and forward it to Fabric',
    (y) => y.option('config', { type: 'string', demandOption: true }),
    (argv) => run(loadConfig(argv.config)),
  )
  .command(
    'status',
    'buffer counts per state, last commit, link state (works while `edge run` is running)',
    (y) =>
      y
        .option('config', { type: 'string', demandOption: true })
        .option('json', { type: 'boolean', default: false }),
    (argv) => status(loadConfig(argv.config), argv.json),
  )
  .command('devices', 'small devices that post readings through this edge', (y) =>
    y
      .option('config', { type: 'string', demandOption: true })
      .command(
        'add <id>',
        'register a small device and print its token (shown once)',
        (z) => z.positional('id', { type: 'string', demandOption: true }),
        (argv) => withRegistry(argv.config, (r) => out(r.add(argv.id).token)),
      )
      .command(
        'remove <id>',
        'remove a small device (its token stops working)',
        (z) => z.positional('id', { type: 'string', demandOption: true }),
        (argv) => withRegistry(argv.config, (r) => r.remove(argv.id)),
      )
      .command('list', 'list small devices', {}, (argv) =>
        withRegistry(String(argv.config), (r) =>
          r.list().forEach((d) => out(`${d.deviceId}\t${d.createdAt}`)),
        ),
      )
      .demandCommand(1),
  )
  .fail((msg, err) => {
    process.stderr.write(`edge: ${err?.message ?? msg}\n`);
    process.exit(1);
  })
  .parseAsync()
  .catch((err: Error) => {
    process.stderr.write(`edge: ${err.message}\n`);
    process.exit(1);
  });

function withRegistry(configFile: string, fn: (r: SmallDeviceRegistry) => void): void {
  const config = loadConfig(configFile);
  const registry = new SmallDeviceRegistry(path.join(config.dataDir, 'small-devices.sqlite'));
  try {
    fn(registry);
  } finally {
    registry.close();
  }
}
