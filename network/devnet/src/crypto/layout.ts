// Path conventions of Fabric's cryptogen, so tools and docs written for the test-network apply as-is.
import * as path from 'node:path';
import type { OrgSpec } from './types';

export const ORGANIZATIONS_DIR = 'organizations';

export function orgDir(rootDir: string, org: Pick<OrgSpec, 'kind' | 'domain'>): string {
  const family = org.kind === 'peer' ? 'peerOrganizations' : 'ordererOrganizations';
  return path.join(rootDir, ORGANIZATIONS_DIR, family, org.domain);
}

export function nodeHost(org: Pick<OrgSpec, 'domain'>, shortName: string): string {
  return `${shortName}.${org.domain}`;
}

export function nodeDir(rootDir: string, org: Pick<OrgSpec, 'kind' | 'domain'>, shortName: string): string {
  const family = org.kind === 'peer' ? 'peers' : 'orderers';
  return path.join(orgDir(rootDir, org), family, nodeHost(org, shortName));
}

export function userName(org: Pick<OrgSpec, 'domain'>, user: string): string {
  return `${user}@${org.domain}`;
}

export function userDir(rootDir: string, org: Pick<OrgSpec, 'kind' | 'domain'>, user: string): string {
  return path.join(orgDir(rootDir, org), 'users', userName(org, user));
}

export function caCertFileName(domain: string): string {
  return `ca.${domain}-cert.pem`;
}

export function tlsCaCertFileName(domain: string): string {
  return `tlsca.${domain}-cert.pem`;
}

export function signCertFileName(name: string): string {
  return `${name}-cert.pem`;
}

/** cryptogen names every generated key file `priv_sk` (Fabric >= 2.0). */
export const KEY_FILE = 'priv_sk';

/** Byte-for-byte the config.yaml cryptogen writes when EnableNodeOUs is true. */
export function nodeOuConfigYaml(domain: string): string {
  const cert = `cacerts/${caCertFileName(domain)}`;
  const ou = (key: string, id: string): string =>
    `  ${key}:\n    Certificate: ${cert}\n    OrganizationalUnitIdentifier: ${id}\n`;
  return (
    'NodeOUs:\n  Enable: true\n' +
    ou('ClientOUIdentifier', 'client') +
    ou('PeerOUIdentifier', 'peer') +
    ou('AdminOUIdentifier', 'admin') +
    ou('OrdererOUIdentifier', 'orderer')
  );
}
