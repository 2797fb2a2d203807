// cauthdsl semantics (common/cauthdsl/cauthdsl.go): signatures are first reduced to distinct, verified
// identities; then every SignedBy leaf consumes at most one identity, and an NOutOf branch only keeps
// the identities it consumed when it is satisfied.
import { type common, msp } from '../protos';
import { MalformedPolicyError } from './errors';
import type { Identity } from './identity';
import type { MspManager } from './manager';
import { verifySignature } from './signature';
import type { MspRole, SignedData } from './types';

export type CompiledSignaturePolicy = (identities: readonly Identity[], used: boolean[]) => boolean;

const ROLE_NAMES: Record<number, MspRole> = {
  [msp.MSPRole.MSPRoleType.MEMBER]: 'member',
  [msp.MSPRole.MSPRoleType.ADMIN]: 'admin',
  [msp.MSPRole.MSPRoleType.CLIENT]: 'client',
  [msp.MSPRole.MSPRoleType.PEER]: 'peer',
  [msp.MSPRole.MSPRoleType.ORDERER]: 'orderer',
};

type PrincipalCheck = (identity: Identity) => boolean;

function principalCheck(principal: msp.MSPPrincipal, path: string): PrincipalCheck {
  const bytes = principal.getPrincipal_asU8();
  switch (principal.getPrincipalClassification()) {
    case msp.MSPPrincipal.Classification.ROLE: {
      const role = msp.MSPRole.deserializeBinary(bytes);
      const mspId = role.getMspIdentifier();
      const name = ROLE_NAMES[role.getRole()];
      if (!name) throw new MalformedPolicyError(path, `unknown MSP role ${role.getRole()}`);
      return (id) => id.mspId === mspId && id.roles.has(name) && id.isValid();
    }
    case msp.MSPPrincipal.Classification.IDENTITY: {
      const sid = msp.SerializedIdentity.deserializeBinary(bytes);
      const mspId = sid.getMspid();
      const pem = Buffer.from(sid.getIdBytes_asU8()).toString('utf8').trim();
      return (id) => id.mspId === mspId && id.certPem.trim() === pem && id.isValid();
    }
    case msp.MSPPrincipal.Classification.ORGANIZATION_UNIT: {
      const ou = msp.OrganizationUnit.deserializeBinary(bytes);
      const mspId = ou.getMspIdentifier();
      const line = `OU=${ou.getOrganizationalUnitIdentifier()}`;
      return (id) => id.mspId === mspId && id.x509.subject.split('\n').includes(line) && id.isValid();
    }
    default:
      // Anonymity and combined principals only make sense for idemix, which the devnet does not run.
      return () => false;
  }
}

export function compileSignaturePolicy(
  envelope: common.SignaturePolicyEnvelope,
  path = '<signature policy>',
): CompiledSignaturePolicy {
  const checks = envelope.getIdentitiesList().map((p) => principalCheck(p, path));
  const compile = (rule: common.SignaturePolicy | undefined): CompiledSignaturePolicy => {
    if (!rule) throw new MalformedPolicyError(path, 'empty rule');
    if (rule.hasNOutOf()) {
      const nOutOf = rule.getNOutOf() as common.SignaturePolicy.NOutOf;
      const n = nOutOf.getN();
      const rules = nOutOf.getRulesList().map(compile);
      return (identities, used) => {
        let verified = 0;
        const scratch = used.slice();
        for (const sub of rules) {
          for (let i = 0; i < used.length; i++) scratch[i] = used[i] as boolean;
          if (sub(identities, scratch)) {
            verified++;
            for (let i = 0; i < used.length; i++) used[i] = scratch[i] as boolean;
          }
        }
        return verified >= n;
      };
    }
    if (rule.hasSignedBy()) {
      const index = rule.getSignedBy();
      const check = checks[index];
      if (!check) {
        throw new MalformedPolicyError(
          path,
          `identity index out of range, requested ${index}, but identities length is ${checks.length}`,
        );
      }
      return (identities, used) => {
        for (let i = 0; i < identities.length; i++) {
          if (used[i]) continue;
          if (check(identities[i] as Identity)) {
            used[i] = true;
            return true;
          }
        }
        return false;
      };
    }
    throw new MalformedPolicyError(path, 'rule is neither SignedBy nor NOutOf');
  };
  return compile(envelope.getRule());
}

/**
 * policies.SignatureSetToValidIdentities: drop undeserializable identities, repeated identities (checked
 * before verifying so a flood of duplicates costs nothing) and bad signatures.
 */
export function validIdentities(signedData: readonly SignedData[], msps: MspManager): Identity[] {
  const seen = new Set<string>();
  const identities: Identity[] = [];
  for (const sd of signedData) {
    let identity: Identity;
    try {
      identity = msps.deserializeIdentity(sd.identity);
    } catch {
      continue;
    }
    if (seen.has(identity.id)) continue;
    if (!verifySignature(identity, sd.data, sd.signature)) continue;
    seen.add(identity.id);
    identities.push(identity);
  }
  return identities;
}

/** Whether the valid, distinct signers of `signedData` satisfy an already compiled policy. */
export function satisfiesSignaturePolicy(
  policy: CompiledSignaturePolicy,
  signedData: readonly SignedData[],
  msps: MspManager,
): boolean {
  const identities = validIdentities(signedData, msps);
  return policy(identities, new Array<boolean>(identities.length).fill(false));
}

export function evaluateSignaturePolicy(
  envelope: common.SignaturePolicyEnvelope,
  signedData: readonly SignedData[],
  msps: MspManager,
): boolean {
  return satisfiesSignaturePolicy(compileSignaturePolicy(envelope), signedData, msps);
}
