// cryptogen equivalent: generate once, then reload from disk on every later start so restarts keep
// the same identities (ledger data and client wallets reference them).
import { existsSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { CertificateAuthority } from './certs';
import { InvalidTopologyError } from './errors';
import {
  KEY_FILE,
  ORGANIZATIONS_DIR,
  caCertFileName,
  nodeDir,
  nodeHost,
  nodeOuConfigYaml,
  orgDir,
  signCertFileName,
  tlsCaCertFileName,
  userDir,
  userName,
} from './layout';
import { loadCryptoMaterial } from './load';
import { DEFAULT_TOPOLOGY } from './topology';
import type { CryptoMaterial, NodeIdentity, NodeRole, OrgMaterial, OrgSpec, Topology } from './types';

interface PendingFile {
  readonly relPath: string;
  readonly content: string;
  readonly secret: boolean;
}

export async function generateCryptoMaterial(
  rootDir: string,
  topology: Topology = DEFAULT_TOPOLOGY,
): Promise<CryptoMaterial> {
  const root = path.resolve(rootDir);
  if (existsSync(path.join(root, ORGANIZATIONS_DIR))) return loadCryptoMaterial(root, topology);
  validateTopology(topology);

  const files: PendingFile[] = [];
  const orgs = await Promise.all(topology.orgs.map((spec) => generateOrg(root, spec, files)));

  // Write into a scratch folder and rename it into place, so a crash mid-write never leaves a
  // half-populated organizations/ that the next start would mistake for complete material.
  await mkdir(root, { recursive: true });
  const scratch = path.join(root, `.organizations-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    await Promise.all(
      files.map(async (file) => {
        const target = path.join(scratch, file.relPath);
        await mkdir(path.dirname(target), { recursive: true });
        await writeFile(target, file.content, { mode: file.secret ? 0o600 : 0o644 });
      }),
    );
    try {
      await rename(path.join(scratch, ORGANIZATIONS_DIR), path.join(root, ORGANIZATIONS_DIR));
    } catch (err) {
      // A concurrent generator won the race; its material is as good as ours.
      if (existsSync(path.join(root, ORGANIZATIONS_DIR))) return loadCryptoMaterial(root, topology);
      throw err;
    }
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
  return { rootDir: root, orgs };
}

function validateTopology(topology: Topology): void {
  const seen = new Set<string>();
  for (const org of topology.orgs) {
    if (seen.has(org.mspId)) throw new InvalidTopologyError(`duplicate MSP ID ${org.mspId}`);
    seen.add(org.mspId);
    if (!/^[A-Za-z0-9.-]+$/.test(org.mspId))
      throw new InvalidTopologyError(`MSP ID ${org.mspId} is not usable in policies`);
    if (org.nodes.length === 0) throw new InvalidTopologyError(`${org.mspId} has no nodes`);
  }
}

async function generateOrg(root: string, spec: OrgSpec, files: PendingFile[]): Promise<OrgMaterial> {
  const [ca, tlsCa] = await Promise.all([
    CertificateAuthority.create({ commonName: `ca.${spec.domain}`, organization: spec.domain }),
    CertificateAuthority.create({ commonName: `tlsca.${spec.domain}`, organization: spec.domain }),
  ]);
  const base = orgDir(root, spec);
  const add = (absPath: string, content: string, secret = false): void => {
    files.push({ relPath: path.relative(root, absPath), content, secret });
  };
  add(path.join(base, 'ca', caCertFileName(spec.domain)), ca.certPem);
  add(path.join(base, 'ca', KEY_FILE), ca.keyPem, true);
  add(path.join(base, 'tlsca', tlsCaCertFileName(spec.domain)), tlsCa.certPem);
  add(path.join(base, 'tlsca', KEY_FILE), tlsCa.keyPem, true);
  writeVerifyingMsp(path.join(base, 'msp'), spec.domain, ca.certPem, tlsCa.certPem, add);

  const nodeRole: NodeRole = spec.kind === 'peer' ? 'peer' : 'orderer';
  const localMsp = (name: string, dir: string, role: NodeRole, sans: readonly string[] | undefined) =>
    generateLocalMsp({ spec, name, dir, role, sans, ca, tlsCa, add });

  const nodes = await Promise.all(
    spec.nodes.map((short) => {
      const host = nodeHost(spec, short);
      return localMsp(host, nodeDir(root, spec, short), nodeRole, [host, short, 'localhost', '127.0.0.1']);
    }),
  );
  const userEntries = await Promise.all(
    spec.users.map(async (user) => {
      const role: NodeRole = user === 'Admin' ? 'admin' : 'client';
      const identity = await localMsp(userName(spec, user), userDir(root, spec, user), role, undefined);
      return [user, identity] as const;
    }),
  );
  return {
    mspId: spec.mspId,
    domain: spec.domain,
    kind: spec.kind,
    orgDir: base,
    mspDir: path.join(base, 'msp'),
    caCertPem: ca.certPem,
    caKeyPem: ca.keyPem,
    tlsCaCertPem: tlsCa.certPem,
    tlsCaKeyPem: tlsCa.keyPem,
    peers: spec.kind === 'peer' ? nodes : [],
    orderers: spec.kind === 'orderer' ? nodes : [],
    users: Object.fromEntries(userEntries),
  };
}

type AddFile = (absPath: string, content: string, secret?: boolean) => void;

function writeVerifyingMsp(
  mspDir: string,
  domain: string,
  caCertPem: string,
  tlsCaCertPem: string,
  add: AddFile,
): void {
  add(path.join(mspDir, 'cacerts', caCertFileName(domain)), caCertPem);
  add(path.join(mspDir, 'tlscacerts', tlsCaCertFileName(domain)), tlsCaCertPem);
  add(path.join(mspDir, 'config.yaml'), nodeOuConfigYaml(domain));
}

interface LocalMspOptions {
  readonly spec: OrgSpec;
  readonly name: string;
  readonly dir: string;
  readonly role: NodeRole;
  readonly sans: readonly string[] | undefined;
  readonly ca: CertificateAuthority;
  readonly tlsCa: CertificateAuthority;
  readonly add: AddFile;
}

/** Same artefacts as cryptogen's msp.GenerateLocalMSP with NodeOUs enabled. */
async function generateLocalMsp(options: LocalMspOptions): Promise<NodeIdentity> {
  const { spec, name, dir, role, sans, ca, tlsCa, add } = options;
  const [signing, tls] = await Promise.all([
    ca.issue({ commonName: name, organizationalUnit: role, tls: false }),
    tlsCa.issue({ commonName: name, tls: true, ...(sans ? { subjectAltNames: sans } : {}) }),
  ]);
  const mspDir = path.join(dir, 'msp');
  const tlsDir = path.join(dir, 'tls');
  writeVerifyingMsp(mspDir, spec.domain, ca.certPem, tlsCa.certPem, add);
  add(path.join(mspDir, 'keystore', KEY_FILE), signing.keyPem, true);
  add(path.join(mspDir, 'signcerts', signCertFileName(name)), signing.certPem);
  const prefix = tlsFilePrefix(role);
  add(path.join(tlsDir, 'ca.crt'), tlsCa.certPem);
  add(path.join(tlsDir, `${prefix}.crt`), tls.certPem);
  add(path.join(tlsDir, `${prefix}.key`), tls.keyPem, true);
  return {
    name,
    mspId: spec.mspId,
    role,
    certPem: signing.certPem,
    keyPem: signing.keyPem,
    tlsCertPem: tls.certPem,
    tlsKeyPem: tls.keyPem,
    mspDir,
    tlsDir,
  };
}

export function tlsFilePrefix(role: NodeRole): 'client' | 'server' {
  return role === 'client' || role === 'admin' ? 'client' : 'server';
}
