// `edge run --config <file>`: one JSON file describes a device. The source and rule sections are checked
// by their own factories (createSource, createRule), which give the precise messages.

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { FULL_POLICIES } from './buffer/states';
import { MAX_READINGS_PER_TRANSACTION } from './reading';

const id = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$/, 'must be 1-128 letters, digits or ._:@-');

export const EdgeConfigSchema = z
  .object({
    /** Network profile (the devnet writes one as <data-dir>/network.json). */
    profile: z.string().min(1),
    mspId: z.string().min(1),
    /** Device key, certificate, buffer and small-device registry. */
    dataDir: z.string().min(1),
    deviceId: id,
    shipmentId: id,
    chaincode: z.string().min(1).default('manusquare'),
    /** Peer to use (name in the profile); default the organisation's first peer. */
    peer: z.string().optional(),
    source: z.object({ type: z.string() }).passthrough().optional(),
    rule: z.object({ rule: z.string() }).passthrough().default({ rule: 'every' }),
    batch: z
      .object({
        size: z.number().int().min(1).max(MAX_READINGS_PER_TRANSACTION).default(100),
        lingerMs: z.number().int().min(0).default(50),
      })
      .strict()
      .default({}),
    buffer: z
      .object({
        maxRecords: z.number().int().positive().optional(),
        maxAgeMs: z.number().int().positive().optional(),
        whenFull: z.enum(FULL_POLICIES).optional(),
      })
      .strict()
      .default({}),
    /** How long each network stage may take before the row is parked and retried. */
    timeouts: z
      .object({
        endorseMs: z.number().int().positive().default(10_000),
        submitMs: z.number().int().positive().default(10_000),
        /** A submitted transaction not seen committed in this time is submitted again (same bytes). */
        commitMs: z.number().int().positive().default(30_000),
      })
      .strict()
      .default({}),
    /** The HTTP endpoint where registered small devices post readings (section 4.6). */
    smallDevices: z
      .object({ host: z.string().default('127.0.0.1'), port: z.number().int().min(0).max(65535) })
      .strict()
      .optional(),
    logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  })
  .strict();

export type EdgeConfig = z.infer<typeof EdgeConfigSchema>;

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** Parses and checks a configuration; relative paths are taken from the file's folder. */
export function parseConfig(raw: unknown, baseDir = process.cwd()): EdgeConfig {
  const result = EdgeConfigSchema.safeParse(raw);
  if (!result.success) {
    const issues = result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new ConfigError(`invalid edge configuration: ${issues.join('; ')}`);
  }
  const c = result.data;
  return { ...c, profile: path.resolve(baseDir, c.profile), dataDir: path.resolve(baseDir, c.dataDir) };
}

export function loadConfig(file: string): EdgeConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read ${file}: ${(err as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`${file} is not JSON: ${(err as Error).message}`);
  }
  return parseConfig(raw, path.dirname(path.resolve(file)));
}
