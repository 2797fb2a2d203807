// Caller identity (DESIGN rule 7): a party is `<mspId>:<enrollment id>`; the enrollment id is the
// certificate attribute hf.EnrollmentID (added by Fabric CA) or else the subject CN of the signing
// certificate. Roles come from the certificate attribute `role` (for example admin or device).
import { type Context } from 'fabric-contract-api';

export interface Caller {
  mspId: string;
  enrollmentId: string;
  /** `<mspId>:<enrollmentId>` */
  partyId: string;
  hasRole(role: string): boolean;
}

/** Extracts the CN from a fabric-shim client id `x509::/C=US/.../CN=User1@org1.example.com::/C=US/...`. */
export function commonNameFromId(id: string): string | undefined {
  const parts = id.split('::');
  const subject = parts.length >= 2 ? (parts[1] ?? '') : id;
  // fabric-shim renders each RDN as `/<short name>=<value>` and escapes '/' in values as '\/'.
  const match = /\/CN=((?:\\\/|[^/])+)/.exec(subject) ?? /(?:^|,)\s*CN=([^,]+)/.exec(subject);
  return match?.[1]?.replace(/\\\//g, '/');
}

export function callerOf(ctx: Context): Caller {
  const identity = ctx.clientIdentity;
  const mspId = identity.getMSPID();
  const attr = identity.getAttributeValue('hf.EnrollmentID');
  const enrollmentId =
    attr !== null && attr !== undefined && attr !== '' ? attr : commonNameFromId(identity.getID());
  if (!mspId) throw new Error('caller has no MSP ID');
  if (!enrollmentId)
    throw new Error('caller certificate has neither an hf.EnrollmentID attribute nor a subject CN');
  return {
    mspId,
    enrollmentId,
    partyId: `${mspId}:${enrollmentId}`,
    hasRole: (role: string) => identity.getAttributeValue('role') === role,
  };
}

/** A party id is `<mspId>:<enrollmentId>`, both non-empty. */
export function isPartyId(value: unknown): value is string {
  return typeof value === 'string' && value.length <= 300 && /^[^:\s]+:\S+$/.test(value);
}
