// Attribute rules of fabric-ca (lib/attr/attribute.go, lib/attrmgr): what a registrar may delegate, and
// which attributes go into an enrollment certificate's extension 1.2.3.4.5.6.7.8.1 as
// `{"attrs":{"name":"value"}}`, the JSON that fabric-contract-api's ClientIdentity reads.
import { authorizationError, CaError, CaErrorCode } from './errors';
import type { IdentityRecord, RegisteredAttribute } from './registry';

export const ATTR_OID = '1.2.3.4.5.6.7.8.1';

export const HF = {
  EnrollmentID: 'hf.EnrollmentID',
  Type: 'hf.Type',
  Affiliation: 'hf.Affiliation',
  Roles: 'hf.Registrar.Roles',
  DelegateRoles: 'hf.Registrar.DelegateRoles',
  Attributes: 'hf.Registrar.Attributes',
  Revoker: 'hf.Revoker',
  GenCRL: 'hf.GenCRL',
  IntermediateCA: 'hf.IntermediateCA',
  AffiliationMgr: 'hf.AffiliationMgr',
} as const;

const FIXED = new Set<string>([HF.EnrollmentID, HF.Type, HF.Affiliation]);
const BOOLEAN = new Set<string>([HF.Revoker, HF.GenCRL, HF.IntermediateCA, HF.AffiliationMgr]);
const LIST = new Set<string>([HF.Roles, HF.DelegateRoles, HF.Attributes]);

export interface AttributeRequest {
  readonly name: string;
  readonly optional?: boolean;
}

export function attributeOf(identity: IdentityRecord, name: string): string | undefined {
  return identity.attrs.find((a) => a.name === name)?.value;
}

function list(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((v) => v.trim())
    .filter((v) => v !== '');
}

/** fabric-ca's pattern match for hf.Registrar.Attributes: `*` or `prefix*` wildcards, else exact. */
function allowedBy(patterns: readonly string[], name: string): boolean {
  return patterns.some(
    (p) => p === '*' || p === name || (p.endsWith('*') && name.startsWith(p.slice(0, -1))),
  );
}

export function isTrue(value: string | undefined): boolean {
  return value !== undefined && value.toLowerCase() === 'true';
}

/** ctx.CanActOnType: the registrar's hf.Registrar.Roles must list the type (or `*`). */
export function checkCanActOnType(registrar: IdentityRecord, type: string): void {
  const roles = attributeOf(registrar, HF.Roles);
  if (roles === undefined || list(roles).length === 0) {
    throw authorizationError(`'${registrar.name}' is not a registrar`);
  }
  const allowed = list(roles);
  if (!allowed.includes('*') && !allowed.includes(type)) {
    throw authorizationError(
      `registrar '${registrar.name}' may not act on type '${type}' (hf.Registrar.Roles: ${roles})`,
    );
  }
}

/** attr.CanRegisterRequestedAttributes: delegation never exceeds what the registrar holds. */
export function checkCanRegisterAttributes(
  registrar: IdentityRecord,
  attrs: readonly RegisteredAttribute[],
): void {
  if (attrs.length === 0) return;
  const fail = (msg: string): CaError =>
    new CaError(
      403,
      CaErrorCode.AuthorizationFailure,
      `Authorization failure: Failed to register attribute: ${msg}`,
    );
  const regAttrs = attributeOf(registrar, HF.Attributes);
  if (regAttrs === undefined || list(regAttrs).length === 0) {
    throw fail(
      `registrar '${registrar.name}' has no value for '${HF.Attributes}' and so cannot register any attribute`,
    );
  }
  const patterns = list(regAttrs);
  const registrarRoles = list(attributeOf(registrar, HF.Roles));
  for (const a of attrs) {
    if (FIXED.has(a.name)) throw fail(`'${a.name}' is a fixed value attribute and cannot be registered`);
    if (!allowedBy(patterns, a.name)) {
      throw fail(
        `registrar '${registrar.name}' is not allowed to register attribute '${a.name}' (hf.Registrar.Attributes: ${regAttrs})`,
      );
    }
    if (BOOLEAN.has(a.name)) {
      if (a.value.toLowerCase() !== 'true' && a.value.toLowerCase() !== 'false') {
        throw fail(`'${a.name}' must be 'true' or 'false', not '${a.value}'`);
      }
      if (isTrue(a.value) && !isTrue(attributeOf(registrar, a.name))) {
        throw fail(`registrar '${registrar.name}' cannot grant '${a.name}' because it does not hold it`);
      }
    } else if (a.name === HF.Roles || a.name === HF.DelegateRoles) {
      for (const role of list(a.value)) {
        if (!registrarRoles.includes('*') && !registrarRoles.includes(role)) {
          throw fail(`registrar '${registrar.name}' cannot delegate role '${role}' in '${a.name}'`);
        }
      }
    } else if (a.name === HF.Attributes) {
      for (const pattern of list(a.value)) {
        if (
          !allowedBy(patterns, pattern.endsWith('*') ? pattern.slice(0, -1) : pattern) &&
          !patterns.includes('*')
        ) {
          throw fail(`registrar '${registrar.name}' cannot delegate attribute pattern '${pattern}'`);
        }
      }
    } else if (LIST.has(a.name)) {
      // handled above
    }
  }
}

/**
 * attrmgr.ProcessAttributeRequestsForCert: without requests, every attribute registered with ecert=true
 * (hf.EnrollmentID, hf.Type and hf.Affiliation always are); with requests, exactly those requested, a
 * missing non-optional one being an error.
 */
export function attributesForCert(
  identity: IdentityRecord,
  requests: readonly AttributeRequest[] | undefined,
): Record<string, string> | undefined {
  const out: Record<string, string> = {};
  if (requests === undefined) {
    for (const a of identity.attrs) if (a.ecert) out[a.name] = a.value;
  } else {
    for (const r of requests) {
      const value = attributeOf(identity, r.name);
      if (value === undefined) {
        if (r.optional === true) continue;
        throw new CaError(
          400,
          CaErrorCode.Unknown,
          `Attribute '${r.name}' was requested but identity '${identity.name}' does not have it`,
        );
      }
      out[r.name] = value;
    }
  }
  return Object.keys(out).length > 0 ? out : undefined;
}
