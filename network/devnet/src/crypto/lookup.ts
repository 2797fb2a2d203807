import { UnknownOrgError } from './errors';
import type { CryptoMaterial, NodeIdentity, OrgMaterial } from './types';

export function orgByMspId(material: CryptoMaterial, mspId: string): OrgMaterial {
  const org = material.orgs.find((o) => o.mspId === mspId);
  if (!org) throw new UnknownOrgError(mspId);
  return org;
}

/** MSP ID owning a domain or any host/user name under it (`peer0.org1.example.com`, `User1@org1.example.com`). */
export function mspIdOf(material: CryptoMaterial, nameOrDomain: string): string {
  const domain = nameOrDomain.includes('@')
    ? nameOrDomain.slice(nameOrDomain.indexOf('@') + 1)
    : nameOrDomain;
  // Longest domain first so `org1.example.com` wins over its parent `example.com`.
  const sorted = [...material.orgs].sort((a, b) => b.domain.length - a.domain.length);
  const org = sorted.find((o) => domain === o.domain || domain.endsWith(`.${o.domain}`));
  if (!org) throw new UnknownOrgError(nameOrDomain);
  return org.mspId;
}

export function peerOrgs(material: CryptoMaterial): OrgMaterial[] {
  return material.orgs.filter((o) => o.kind === 'peer');
}

export function ordererOrgs(material: CryptoMaterial): OrgMaterial[] {
  return material.orgs.filter((o) => o.kind === 'orderer');
}

export function allPeers(material: CryptoMaterial): NodeIdentity[] {
  return peerOrgs(material).flatMap((o) => [...o.peers]);
}

export function userOf(material: CryptoMaterial, mspId: string, user: string): NodeIdentity {
  const identity = orgByMspId(material, mspId).users[user];
  if (!identity) throw new UnknownOrgError(`${user}@${mspId}`);
  return identity;
}
