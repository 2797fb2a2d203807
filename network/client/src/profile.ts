// Network profiles: one JSON file that describes a Fabric network as a client sees it (channel, chaincodes,
// organisations with their peers and CA, orderers, TLS CA certificates). `api/` and `edge/` read only a
// profile and an identity; the devnet writes one for itself (`<dataDir>/network.json`) and
// `network/profiles/` holds one for an external Fabric 2.5 network.
//
// Hand-validated (no schema library) so every violation names its JSON path. Certificate files are not
// read at load time unless asked (`checkFiles: true`): a profile can be inspected on a machine that does
// not hold the certificates, and `readTlsCaCert` reads them when a connection is made.

import { promises as fs } from 'node:fs';
import { parse as parseJsonc, type ParseError } from 'jsonc-parser';
import path from 'node:path';

export const PROFILE_FORMAT_VERSION = 1;

/** A PEM given inline, or a path (absolute after loading: relative paths resolve against the profile's folder). */
export interface PemSource {
  readonly tlsCaCert?: string;
  readonly tlsCaCertPath?: string;
}

export interface PeerProfile extends PemSource {
  /** The peer's host name, e.g. `peer0.org1.example.com`; unique in the profile. */
  readonly name: string;
  /** `host:port` to dial, e.g. `127.0.0.1:7051` or `peer0.org1.example.com:7051`. */
  readonly endpoint: string;
  /** The host name in the peer's TLS server certificate (`grpc.ssl_target_name_override`); defaults to `name`. */
  readonly hostAlias: string;
}

export interface OrdererProfile extends PemSource {
  readonly name: string;
  readonly mspId: string;
  readonly endpoint: string;
  readonly hostAlias: string;
}

export interface CaProfile extends PemSource {
  /** `https://host:port` (or `http://` without TLS) of the Fabric CA server. */
  readonly url: string;
  /** The CA's name (`--ca.name`, e.g. `ca-org1`), sent as `caname` by fabric-ca-client. */
  readonly caName: string;
}

/** Where a local identity lives, as a development convenience (the devnet lists its users); production profiles leave it out. */
export type IdentityLocation =
  { readonly mspDir: string } | { readonly certPath: string; readonly keyPath: string };

export interface OrganizationProfile {
  readonly mspId: string;
  readonly peers: readonly PeerProfile[];
  readonly ca?: CaProfile;
  /** Keyed by user name, e.g. `User1`; paths absolute after loading. */
  readonly identities?: Readonly<Record<string, IdentityLocation>>;
}

export interface ChaincodeProfile {
  readonly name: string;
  /** The chaincode definition's endorsement policy, for information only (the peers enforce their own). */
  readonly endorsementPolicy?: string;
}

export interface NetworkProfile {
  readonly version: number;
  readonly name: string;
  readonly channel: string;
  readonly tls: boolean;
  readonly chaincodes: readonly ChaincodeProfile[];
  readonly organizations: readonly OrganizationProfile[];
  readonly orderers: readonly OrdererProfile[];
  /** Absolute path of the file it was loaded from (absent for `parseProfile` without a file). */
  readonly file?: string;
}

export interface ProfileIssue {
  /** JSON path, e.g. `$.organizations[0].peers[1].endpoint`. */
  readonly path: string;
  readonly message: string;
}

export class ProfileError extends Error {
  constructor(
    readonly file: string,
    readonly issues: readonly ProfileIssue[],
    summary?: string,
  ) {
    super(
      summary ??
        `invalid network profile ${file}: ${issues.length} problem${issues.length === 1 ? '' : 's'}\n` +
          issues.map((i) => `  ${i.path}: ${i.message}`).join('\n'),
    );
    this.name = 'ProfileError';
  }
}

export interface LoadProfileOptions {
  /** Also read every referenced TLS CA certificate file and check it is PEM (default false). */
  readonly checkFiles?: boolean;
}

export async function loadProfile(file: string, options: LoadProfileOptions = {}): Promise<NetworkProfile> {
  const absolute = path.resolve(file);
  let text: string;
  try {
    text = await fs.readFile(absolute, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT' ? 'file not found' : code === 'EISDIR' ? 'is a directory' : (err as Error).message;
    throw new ProfileError(absolute, [], `cannot read network profile ${absolute}: ${why}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ProfileError(
      absolute,
      [],
      `network profile ${absolute} is not valid JSON: ${jsonErrorWhere(text, err)}`,
    );
  }
  const profile = parseProfile(json, { file: absolute });
  if (options.checkFiles) await checkCertificateFiles(profile);
  return profile;
}

/** Validates a parsed profile; relative paths resolve against `baseDir` (default: the folder of `file`, else cwd). */
export function parseProfile(json: unknown, where: { file?: string; baseDir?: string } = {}): NetworkProfile {
  const label = where.file ?? '<profile>';
  const v = new Validator(path.resolve(where.baseDir ?? (where.file ? path.dirname(where.file) : '.')));
  const profile = v.profile(json);
  if (v.issues.length > 0 || !profile) throw new ProfileError(label, v.issues);
  return where.file ? { ...profile, file: where.file } : profile;
}

/** The TLS CA certificate of a peer, orderer or CA: inline PEM, or read from its path. */
export async function readTlsCaCert(source: PemSource & { name?: string; url?: string }): Promise<string> {
  if (source.tlsCaCert !== undefined) return source.tlsCaCert;
  const what = source.name ?? source.url ?? 'endpoint';
  if (source.tlsCaCertPath === undefined) throw new Error(`no TLS CA certificate configured for ${what}`);
  let pem: string;
  try {
    pem = await fs.readFile(source.tlsCaCertPath, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new Error(
      `cannot read the TLS CA certificate of ${what} at ${source.tlsCaCertPath}: ${code === 'ENOENT' ? 'file not found' : (err as Error).message}`,
      { cause: err },
    );
  }
  if (!isPem(pem))
    throw new Error(`the TLS CA certificate of ${what} at ${source.tlsCaCertPath} is not a PEM certificate`);
  return pem;
}

export function findOrganization(profile: NetworkProfile, mspId: string): OrganizationProfile {
  const org = profile.organizations.find((o) => o.mspId === mspId);
  if (!org) {
    throw new Error(
      `organization ${mspId} is not in network profile '${profile.name}' (has ${profile.organizations.map((o) => o.mspId).join(', ')})`,
    );
  }
  return org;
}

async function checkCertificateFiles(profile: NetworkProfile): Promise<void> {
  const issues: ProfileIssue[] = [];
  const check = async (p: string, source: PemSource): Promise<void> => {
    if (source.tlsCaCertPath === undefined) return;
    try {
      await readTlsCaCert(source);
    } catch (err) {
      issues.push({ path: `${p}.tlsCaCertPath`, message: (err as Error).message });
    }
  };
  const jobs: Promise<void>[] = [];
  profile.organizations.forEach((org, i) => {
    org.peers.forEach((peer, j) => jobs.push(check(`$.organizations[${i}].peers[${j}]`, peer)));
    if (org.ca) jobs.push(check(`$.organizations[${i}].ca`, org.ca));
  });
  profile.orderers.forEach((o, i) => jobs.push(check(`$.orderers[${i}]`, o)));
  await Promise.all(jobs);
  if (issues.length > 0) throw new ProfileError(profile.file ?? '<profile>', issues);
}

function isPem(text: string): boolean {
  return /-----BEGIN CERTIFICATE-----[\s\S]+-----END CERTIFICATE-----/.test(text);
}

/** "line 3, column 14 (position 40): Unexpected token ..." from a JSON.parse error. */
function jsonErrorWhere(text: string, err: unknown): string {
  const message = (err as Error).message.replace(/\s*\(line \d+ column \d+\)/, '');
  const m = /position (\d+)/.exec(message);
  const pos = m ? Number(m[1]) : syntaxErrorOffset(text);
  const before = text.slice(0, pos);
  const line = before.split('\n').length;
  const column = pos - before.lastIndexOf('\n');
  const short = message.includes(' is not valid JSON') ? message.replace(/,\s*".*$/s, '') : message;
  return `line ${line}, column ${column} (position ${pos}): ${short}`;
}

/** Offset of the first JSON syntax error, from a real parser (V8's message does not always say). */
function syntaxErrorOffset(text: string): number {
  const errors: ParseError[] = [];
  parseJsonc(text, errors, { disallowComments: true, allowTrailingComma: false });
  return errors[0]?.offset ?? 0;
}

// --- validation -------------------------------------------------------------------------------------------

type Obj = Record<string, unknown>;

const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
// Fabric channel names: lower case, start with a letter, [a-z0-9.-], under 250 characters.
const CHANNEL_RE = /^[a-z][a-z0-9.-]{0,248}$/;

class Validator {
  readonly issues: ProfileIssue[] = [];
  constructor(private readonly baseDir: string) {}

  private fail(p: string, message: string): undefined {
    this.issues.push({ path: p, message });
    return undefined;
  }

  private object(value: unknown, p: string, known: readonly string[]): Obj | undefined {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      return this.fail(p, `expected an object, got ${describe(value)}`);
    }
    const obj = value as Obj;
    for (const key of Object.keys(obj)) {
      if (key.startsWith('$') || key === 'description') continue; // $schema, $comment, description: ignored
      if (!known.includes(key)) this.fail(`${p}.${key}`, `unknown field (known: ${known.join(', ')})`);
    }
    return obj;
  }

  private string(
    obj: Obj,
    key: string,
    p: string,
    required: true,
    pattern?: RegExp,
    hint?: string,
  ): string | undefined;
  private string(
    obj: Obj,
    key: string,
    p: string,
    required: false,
    pattern?: RegExp,
    hint?: string,
  ): string | undefined;
  private string(
    obj: Obj,
    key: string,
    p: string,
    required: boolean,
    pattern?: RegExp,
    hint?: string,
  ): string | undefined {
    const value = obj[key];
    if (value === undefined)
      return required ? this.fail(`${p}.${key}`, 'required field is missing') : undefined;
    if (typeof value !== 'string')
      return this.fail(`${p}.${key}`, `expected a string, got ${describe(value)}`);
    if (value.trim() === '') return this.fail(`${p}.${key}`, 'must not be empty');
    if (pattern && !pattern.test(value))
      return this.fail(`${p}.${key}`, `'${value}' ${hint ?? `does not match ${pattern}`}`);
    return value;
  }

  private array(obj: Obj, key: string, p: string, required: boolean): unknown[] | undefined {
    const value = obj[key];
    if (value === undefined)
      return required ? this.fail(`${p}.${key}`, 'required field is missing') : undefined;
    if (!Array.isArray(value)) return this.fail(`${p}.${key}`, `expected an array, got ${describe(value)}`);
    return value as unknown[];
  }

  private endpoint(obj: Obj, p: string): string | undefined {
    const value = this.string(obj, 'endpoint', p, true);
    if (value === undefined) return undefined;
    const problem = endpointProblem(value);
    return problem ? this.fail(`${p}.endpoint`, `'${value}' ${problem}`) : value;
  }

  private resolvePath(value: string | undefined): string | undefined {
    return value === undefined ? undefined : path.resolve(this.baseDir, value);
  }

  private pem(obj: Obj, p: string, tls: boolean, what: string): PemSource | undefined {
    const inline = this.string(obj, 'tlsCaCert', p, false);
    const file = this.string(obj, 'tlsCaCertPath', p, false);
    if (inline !== undefined && file !== undefined) {
      this.fail(p, `give either tlsCaCert or tlsCaCertPath, not both`);
      return undefined;
    }
    if (inline !== undefined && !isPem(inline))
      this.fail(`${p}.tlsCaCert`, 'is not a PEM certificate (-----BEGIN CERTIFICATE-----)');
    if (
      tls &&
      inline === undefined &&
      file === undefined &&
      !this.issues.some((i) => i.path.startsWith(`${p}.tlsCaCert`))
    ) {
      this.fail(p, `${what} needs tlsCaCert or tlsCaCertPath because tls is true`);
    }
    return {
      ...(inline !== undefined ? { tlsCaCert: inline } : {}),
      ...(file !== undefined ? { tlsCaCertPath: this.resolvePath(file) } : {}),
    };
  }

  profile(value: unknown): NetworkProfile | undefined {
    const p = '$';
    const obj = this.object(value, p, [
      'version',
      'name',
      'channel',
      'tls',
      'chaincodes',
      'organizations',
      'orderers',
    ]);
    if (!obj) return undefined;
    let version = PROFILE_FORMAT_VERSION;
    if (obj.version !== undefined) {
      if (obj.version !== PROFILE_FORMAT_VERSION) {
        this.fail(
          `${p}.version`,
          `unsupported profile version ${JSON.stringify(obj.version)} (this client reads version ${PROFILE_FORMAT_VERSION})`,
        );
      } else version = obj.version;
    }
    const name = this.string(obj, 'name', p, true);
    const channel = this.string(
      obj,
      'channel',
      p,
      true,
      CHANNEL_RE,
      'is not a valid Fabric channel name (lower case letters, digits, . and -, starting with a letter)',
    );
    let tls = false;
    if (obj.tls === undefined) this.fail(`${p}.tls`, 'required field is missing (true or false)');
    else if (typeof obj.tls !== 'boolean')
      this.fail(`${p}.tls`, `expected true or false, got ${describe(obj.tls)}`);
    else tls = obj.tls;

    const chaincodes = (this.array(obj, 'chaincodes', p, true) ?? []).flatMap((c, i) => {
      const cp = `${p}.chaincodes[${i}]`;
      if (typeof c === 'string') {
        if (NAME_RE.test(c)) return [{ name: c }];
        this.fail(cp, `'${c}' is not a valid chaincode name`);
        return [];
      }
      const co = this.object(c, cp, ['name', 'endorsementPolicy']);
      if (!co) return [];
      const ccName = this.string(co, 'name', cp, true, NAME_RE, 'is not a valid chaincode name');
      const policy = this.string(co, 'endorsementPolicy', cp, false);
      return ccName === undefined
        ? []
        : [{ name: ccName, ...(policy !== undefined ? { endorsementPolicy: policy } : {}) }];
    });
    duplicates(
      chaincodes.map((c) => c.name),
      (n) => this.fail(`${p}.chaincodes`, `chaincode '${n}' is listed twice`),
    );

    const orgsRaw = this.array(obj, 'organizations', p, true);
    if (orgsRaw && orgsRaw.length === 0)
      this.fail(`${p}.organizations`, 'must list at least one organization');
    const organizations = (orgsRaw ?? []).flatMap((o, i) => {
      const org = this.organization(o, `${p}.organizations[${i}]`, tls);
      return org ? [org] : [];
    });
    duplicates(
      organizations.map((o) => o.mspId),
      (m) => this.fail(`${p}.organizations`, `mspId '${m}' is listed twice`),
    );

    const orderers = (this.array(obj, 'orderers', p, false) ?? []).flatMap((o, i) => {
      const op = `${p}.orderers[${i}]`;
      const oo = this.object(o, op, ['name', 'mspId', 'endpoint', 'hostAlias', 'tlsCaCert', 'tlsCaCertPath']);
      if (!oo) return [];
      const oName = this.string(oo, 'name', op, true);
      const mspId = this.string(oo, 'mspId', op, true);
      const endpoint = this.endpoint(oo, op);
      const hostAlias = this.string(oo, 'hostAlias', op, false);
      const pem = this.pem(oo, op, tls, `orderer ${oName ?? i}`);
      if (oName === undefined || mspId === undefined || endpoint === undefined || !pem) return [];
      return [{ name: oName, mspId, endpoint, hostAlias: hostAlias ?? oName, ...pem }];
    });
    duplicates(
      [...organizations.flatMap((o) => o.peers.map((pp) => pp.name)), ...orderers.map((o) => o.name)],
      (n) => this.fail(p, `node name '${n}' is used twice`),
    );

    if (name === undefined || channel === undefined) return undefined;
    return { version, name, channel, tls, chaincodes, organizations, orderers };
  }

  private organization(value: unknown, p: string, tls: boolean): OrganizationProfile | undefined {
    const obj = this.object(value, p, ['mspId', 'peers', 'ca', 'identities']);
    if (!obj) return undefined;
    const mspId = this.string(obj, 'mspId', p, true, NAME_RE, 'is not a valid MSP ID');
    const peers = (this.array(obj, 'peers', p, true) ?? []).flatMap((pv, j) => {
      const pp = `${p}.peers[${j}]`;
      const po = this.object(pv, pp, ['name', 'endpoint', 'hostAlias', 'tlsCaCert', 'tlsCaCertPath']);
      if (!po) return [];
      const name = this.string(po, 'name', pp, true);
      const endpoint = this.endpoint(po, pp);
      const hostAlias = this.string(po, 'hostAlias', pp, false);
      const pem = this.pem(po, pp, tls, `peer ${name ?? j}`);
      if (name === undefined || endpoint === undefined || !pem) return [];
      return [{ name, endpoint, hostAlias: hostAlias ?? name, ...pem }];
    });
    let ca: CaProfile | undefined;
    if (obj.ca !== undefined) {
      const cp = `${p}.ca`;
      const co = this.object(obj.ca, cp, ['url', 'caName', 'tlsCaCert', 'tlsCaCertPath']);
      if (co) {
        const url = this.string(co, 'url', cp, true);
        const caName = this.string(co, 'caName', cp, true);
        let scheme: string | undefined;
        if (url !== undefined) {
          try {
            const u = new URL(url);
            scheme = u.protocol;
            if (scheme !== 'https:' && scheme !== 'http:')
              this.fail(`${cp}.url`, `'${url}' must be an http:// or https:// URL`);
            else if (!u.port && !u.hostname) this.fail(`${cp}.url`, `'${url}' has no host`);
          } catch {
            this.fail(`${cp}.url`, `'${url}' is not a URL (expected e.g. https://localhost:7054)`);
          }
        }
        const pem = this.pem(co, cp, scheme === 'https:', `CA ${caName ?? ''}`.trim());
        if (url !== undefined && caName !== undefined && pem) ca = { url, caName, ...pem };
      }
    }
    let identities: Record<string, IdentityLocation> | undefined;
    if (obj.identities !== undefined) {
      const ip = `${p}.identities`;
      const io = this.object(obj.identities, ip, Object.keys((obj.identities as Obj | null) ?? {}));
      if (io) {
        identities = {};
        for (const [user, loc] of Object.entries(io)) {
          const up = `${ip}.${user}`;
          const lo = this.object(loc, up, ['mspDir', 'certPath', 'keyPath']);
          if (!lo) continue;
          const mspDir = this.string(lo, 'mspDir', up, false);
          const certPath = this.string(lo, 'certPath', up, false);
          const keyPath = this.string(lo, 'keyPath', up, false);
          if (mspDir !== undefined) identities[user] = { mspDir: this.resolvePath(mspDir) ?? mspDir };
          else if (certPath !== undefined && keyPath !== undefined) {
            identities[user] = {
              certPath: this.resolvePath(certPath) ?? certPath,
              keyPath: this.resolvePath(keyPath) ?? keyPath,
            };
          } else this.fail(up, 'needs mspDir, or certPath and keyPath');
        }
      }
    }
    if (mspId === undefined) return undefined;
    return { mspId, peers, ...(ca ? { ca } : {}), ...(identities ? { identities } : {}) };
  }
}

/** Why `host:port` is not a dialable endpoint, or undefined if it is. */
export function endpointProblem(value: string): string | undefined {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value))
    return 'must be host:port without a scheme (e.g. peer0.org1.example.com:7051)';
  const m = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+):(\d{1,5})$/.exec(value);
  if (!m) return 'must be host:port (e.g. peer0.org1.example.com:7051)';
  const port = Number(m[2]);
  if (port < 1 || port > 65535) return `has port ${port} outside 1-65535`;
  return undefined;
}

function duplicates(values: readonly string[], report: (v: string) => void): void {
  const seen = new Set<string>();
  for (const v of values) {
    if (seen.has(v)) report(v);
    seen.add(v);
  }
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string')
    return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value)}`;
  return `${typeof value} ${JSON.stringify(value)}`;
}
