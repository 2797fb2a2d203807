// One organization's verifying MSP, built from the FabricMSPConfig in channel config (msp/mspimpl.go
// semantics, X.509 only).
import { X509Certificate } from 'node:crypto';
import { msp } from '../protos';
import {
  CertificateChainError,
  CertificateExpiredError,
  CertificateRevokedError,
  NodeOuError,
  UnsupportedMspError,
} from './errors';
import { Identity, type IdentityValidator } from './identity';
import type { MspRole, RevocationCheck } from './types';

const MAX_CHAIN_DEPTH = 8;
const NODE_ROLES = ['client', 'peer', 'admin', 'orderer'] as const;
type NodeRole = (typeof NODE_ROLES)[number];

interface OuRule {
  readonly ou: string;
  /** Fingerprint of the certificate the OU must be certified by, when the config names one. */
  readonly certifier: string | undefined;
}

interface ChainState {
  readonly chain: readonly X509Certificate[] | undefined;
  readonly error: Error | undefined;
  readonly validFrom: number;
  readonly validTo: number;
}

function parsePemList(mspId: string, list: readonly Uint8Array[], what: string): X509Certificate[] {
  return list.map((bytes) => {
    try {
      return new X509Certificate(Buffer.from(bytes));
    } catch (err) {
      throw new UnsupportedMspError(mspId, `${what} certificate is malformed: ${(err as Error).message}`);
    }
  });
}

function organizationalUnits(cert: X509Certificate): string[] {
  const ous: string[] = [];
  for (const line of cert.subject.split('\n')) {
    if (line.startsWith('OU=')) ous.push(line.slice(3));
  }
  return ous;
}

export class OrgMsp implements IdentityValidator {
  readonly mspId: string;
  readonly rootCerts: readonly X509Certificate[];
  readonly intermediateCerts: readonly X509Certificate[];
  readonly tlsRootCerts: readonly X509Certificate[];
  readonly nodeOusEnabled: boolean;
  readonly #nodeOus: ReadonlyMap<NodeRole, OuRule>;
  readonly #adminFingerprints: ReadonlySet<string>;
  readonly #isRevoked: RevocationCheck | undefined;
  readonly #chains = new WeakMap<Identity, ChainState>();

  constructor(config: msp.MSPConfig, isRevoked?: RevocationCheck) {
    if (config.getType() !== 0)
      throw new UnsupportedMspError('?', `MSP type ${config.getType()} (only X.509 FABRIC MSPs)`);
    const fabric = msp.FabricMSPConfig.deserializeBinary(config.getConfig_asU8());
    this.mspId = fabric.getName();
    this.rootCerts = parsePemList(this.mspId, fabric.getRootCertsList_asU8(), 'root');
    if (this.rootCerts.length === 0) throw new UnsupportedMspError(this.mspId, 'no root certificates');
    this.intermediateCerts = parsePemList(this.mspId, fabric.getIntermediateCertsList_asU8(), 'intermediate');
    this.tlsRootCerts = parsePemList(this.mspId, fabric.getTlsRootCertsList_asU8(), 'TLS root');
    this.#adminFingerprints = new Set(
      parsePemList(this.mspId, fabric.getAdminsList_asU8(), 'admin').map((c) => c.fingerprint256),
    );
    this.#isRevoked = isRevoked;

    const nodeOus = fabric.getFabricNodeOus();
    this.nodeOusEnabled = nodeOus?.getEnable() ?? false;
    const rules = new Map<NodeRole, OuRule>();
    if (nodeOus && this.nodeOusEnabled) {
      const identifiers: Record<NodeRole, msp.FabricOUIdentifier | undefined> = {
        client: nodeOus.getClientOuIdentifier(),
        peer: nodeOus.getPeerOuIdentifier(),
        admin: nodeOus.getAdminOuIdentifier(),
        orderer: nodeOus.getOrdererOuIdentifier(),
      };
      for (const role of NODE_ROLES) {
        const id = identifiers[role];
        if (!id || id.getOrganizationalUnitIdentifier() === '') continue;
        const certBytes = id.getCertificate_asU8();
        const certifier =
          certBytes.length > 0
            ? parsePemList(this.mspId, [certBytes], `${role} OU`)[0]?.fingerprint256
            : undefined;
        rules.set(role, { ou: id.getOrganizationalUnitIdentifier(), certifier });
      }
    }
    this.#nodeOus = rules;
  }

  newIdentity(certPem: string, x509: X509Certificate): Identity {
    return new Identity(this.mspId, certPem, x509, this);
  }

  rolesOf(identity: Identity): ReadonlySet<MspRole> {
    const roles = new Set<MspRole>(['member']);
    for (const role of this.#nodeRolesOf(identity)) roles.add(role);
    if (this.#adminFingerprints.has(identity.x509.fingerprint256)) roles.add('admin');
    return roles;
  }

  validate(identity: Identity): void {
    const state = this.#chainState(identity);
    if (state.error) throw state.error;
    const now = Date.now();
    if (now < state.validFrom || now > state.validTo) {
      throw new CertificateExpiredError(this.mspId, new Date(state.validFrom), new Date(state.validTo));
    }
    if (this.#isRevoked?.(identity.serialHex, this.mspId)) {
      throw new CertificateRevokedError(this.mspId, identity.serialHex);
    }
  }

  #nodeRolesOf(identity: Identity): NodeRole[] {
    if (!this.nodeOusEnabled) return [];
    const ous = organizationalUnits(identity.x509);
    const chain = this.#chainState(identity).chain ?? [];
    const result: NodeRole[] = [];
    for (const [role, rule] of this.#nodeOus) {
      if (!ous.includes(rule.ou)) continue;
      if (rule.certifier !== undefined && !chain.some((c) => c.fingerprint256 === rule.certifier)) continue;
      result.push(role);
    }
    return result;
  }

  /** Chain building is the expensive part (one ECDSA verify per link), so it runs once per identity. */
  #chainState(identity: Identity): ChainState {
    const cached = this.#chains.get(identity);
    if (cached) return cached;
    const cert = identity.x509;
    const validFrom = Date.parse(cert.validFrom);
    const validTo = Date.parse(cert.validTo);
    let chain: X509Certificate[] | undefined;
    let error: Error | undefined;
    try {
      chain = this.#buildChain(cert);
      if (this.nodeOusEnabled) this.#checkNodeOus(identity, chain);
    } catch (err) {
      error = err as Error;
    }
    const state: ChainState = { chain, error, validFrom, validTo };
    this.#chains.set(identity, state);
    return state;
  }

  #buildChain(cert: X509Certificate): X509Certificate[] {
    if (cert.ca)
      throw new CertificateChainError(this.mspId, 'a CA certificate cannot be used as an identity');
    const chain: X509Certificate[] = [];
    let current = cert;
    for (let depth = 0; depth < MAX_CHAIN_DEPTH; depth++) {
      const root = this.rootCerts.find((ca) => current.checkIssued(ca) && current.verify(ca.publicKey));
      if (root) {
        chain.push(root);
        return chain;
      }
      const intermediate = this.intermediateCerts.find(
        (ca) => !chain.includes(ca) && current.checkIssued(ca) && current.verify(ca.publicKey),
      );
      if (!intermediate) break;
      chain.push(intermediate);
      current = intermediate;
    }
    throw new CertificateChainError(
      this.mspId,
      'certificate does not chain to a root certificate of the MSP',
    );
  }

  #checkNodeOus(identity: Identity, chain: readonly X509Certificate[]): void {
    const ous = organizationalUnits(identity.x509);
    const matched = [...this.#nodeOus].filter(
      ([, rule]) =>
        ous.includes(rule.ou) &&
        (rule.certifier === undefined || chain.some((c) => c.fingerprint256 === rule.certifier)),
    );
    // Fabric >= 1.4.3: exactly one of client/peer/admin/orderer.
    if (matched.length === 0)
      throw new NodeOuError(this.mspId, `none of its OUs [${ous.join(', ')}] is a node OU`);
    if (matched.length > 1)
      throw new NodeOuError(this.mspId, `it carries several node OUs [${ous.join(', ')}]`);
  }
}
