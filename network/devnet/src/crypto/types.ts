// Shapes of the devnet's cryptogen-equivalent material. Everything a caller needs is held in memory
// so the network can start without re-reading the file tree it just wrote.

export type OrgKind = 'orderer' | 'peer';
export type NodeRole = 'peer' | 'orderer' | 'admin' | 'client';

export interface OrgSpec {
  readonly mspId: string;
  readonly domain: string;
  readonly kind: OrgKind;
  /** Short host names of the org's nodes, e.g. `peer0` or `orderer`. */
  readonly nodes: readonly string[];
  /** User names, e.g. `Admin`, `User1`; `Admin` gets the admin NodeOU, every other user `client`. */
  readonly users: readonly string[];
}

export interface Topology {
  readonly orgs: readonly OrgSpec[];
}

export interface NodeIdentity {
  /** Certificate common name, e.g. `peer0.org1.example.com` or `User1@org1.example.com`. */
  readonly name: string;
  readonly mspId: string;
  readonly role: NodeRole;
  readonly certPem: string;
  readonly keyPem: string;
  readonly tlsCertPem: string;
  readonly tlsKeyPem: string;
  readonly mspDir: string;
  readonly tlsDir: string;
}

export interface OrgMaterial {
  readonly mspId: string;
  readonly domain: string;
  readonly kind: OrgKind;
  readonly orgDir: string;
  /** The org's verifying MSP folder (cacerts, tlscacerts, config.yaml). */
  readonly mspDir: string;
  readonly caCertPem: string;
  readonly caKeyPem: string;
  readonly tlsCaCertPem: string;
  readonly tlsCaKeyPem: string;
  /** Empty for orderer orgs. */
  readonly peers: readonly NodeIdentity[];
  /** Empty for peer orgs. */
  readonly orderers: readonly NodeIdentity[];
  /** Keyed by user name: `Admin`, `User1`, ... */
  readonly users: Readonly<Record<string, NodeIdentity>>;
}

export interface CryptoMaterial {
  readonly rootDir: string;
  readonly orgs: readonly OrgMaterial[];
}
