import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { CryptoMaterialMissingError } from './errors';
import { tlsFilePrefix } from './generate';
import {
  KEY_FILE,
  caCertFileName,
  nodeDir,
  nodeHost,
  orgDir,
  signCertFileName,
  tlsCaCertFileName,
  userDir,
  userName,
} from './layout';
import type { CryptoMaterial, NodeIdentity, NodeRole, OrgMaterial, OrgSpec, Topology } from './types';
import { DEFAULT_TOPOLOGY } from './topology';

/** Reads material previously written by generateCryptoMaterial; the topology says what to expect. */
export async function loadCryptoMaterial(
  rootDir: string,
  topology: Topology = DEFAULT_TOPOLOGY,
): Promise<CryptoMaterial> {
  const root = path.resolve(rootDir);
  const orgs = await Promise.all(topology.orgs.map((spec) => loadOrg(root, spec)));
  return { rootDir: root, orgs };
}

async function read(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new CryptoMaterialMissingError(file);
    throw err;
  }
}

async function loadOrg(root: string, spec: OrgSpec): Promise<OrgMaterial> {
  const base = orgDir(root, spec);
  const [caCertPem, caKeyPem, tlsCaCertPem, tlsCaKeyPem] = await Promise.all([
    read(path.join(base, 'ca', caCertFileName(spec.domain))),
    read(path.join(base, 'ca', KEY_FILE)),
    read(path.join(base, 'tlsca', tlsCaCertFileName(spec.domain))),
    read(path.join(base, 'tlsca', KEY_FILE)),
  ]);
  const nodeRole: NodeRole = spec.kind === 'peer' ? 'peer' : 'orderer';
  const nodes = await Promise.all(
    spec.nodes.map((short) =>
      loadIdentity(spec, nodeHost(spec, short), nodeDir(root, spec, short), nodeRole),
    ),
  );
  const users = await Promise.all(
    spec.users.map(async (user) => {
      const role: NodeRole = user === 'Admin' ? 'admin' : 'client';
      return [user, await loadIdentity(spec, userName(spec, user), userDir(root, spec, user), role)] as const;
    }),
  );
  return {
    mspId: spec.mspId,
    domain: spec.domain,
    kind: spec.kind,
    orgDir: base,
    mspDir: path.join(base, 'msp'),
    caCertPem,
    caKeyPem,
    tlsCaCertPem,
    tlsCaKeyPem,
    peers: spec.kind === 'peer' ? nodes : [],
    orderers: spec.kind === 'orderer' ? nodes : [],
    users: Object.fromEntries(users),
  };
}

async function loadIdentity(spec: OrgSpec, name: string, dir: string, role: NodeRole): Promise<NodeIdentity> {
  const mspDir = path.join(dir, 'msp');
  const tlsDir = path.join(dir, 'tls');
  const prefix = tlsFilePrefix(role);
  const [certPem, keyPem, tlsCertPem, tlsKeyPem] = await Promise.all([
    read(path.join(mspDir, 'signcerts', signCertFileName(name))),
    read(path.join(mspDir, 'keystore', KEY_FILE)),
    read(path.join(tlsDir, `${prefix}.crt`)),
    read(path.join(tlsDir, `${prefix}.key`)),
  ]);
  return { name, mspId: spec.mspId, role, certPem, keyPem, tlsCertPem, tlsKeyPem, mspDir, tlsDir };
}
