// Identity administration for the API: enrolling an organisation's CA bootstrap admin into the wallet, and
// creating users (register and enrol with the organisation's CA, store in the wallet, issue an API key).
// Every identity signs its own transactions, so the chaincode sees who acted: the CA attribute `role` is
// what the chaincode reads (`admin` for organisation admin rights, e.g. registering devices).

import type { CaClient, RegisteredAttribute } from '../../../network/client/src/ca';
import type { ApiKeys } from './api-keys';
import type { IdentityRole, Wallet } from './wallet';

export interface CreateUserOptions {
  readonly wallet: Wallet;
  readonly apiKeys: ApiKeys;
  /** The CA of the admin's organisation. */
  readonly ca: CaClient;
  /** Wallet label of the organisation admin acting as CA registrar. */
  readonly admin: string;
  readonly enrollmentId: string;
  /** Default `user`. An `admin` is also made a CA registrar and revoker, so it can create users in turn. */
  readonly role?: IdentityRole;
  /** Extra attributes, put into the certificate (ecert); `role` and `hf.*` are reserved. */
  readonly attrs?: readonly { readonly name: string; readonly value: string }[];
  /** Default: the admin's own affiliation. */
  readonly affiliation?: string;
  readonly description?: string;
}

export interface CreatedUser {
  readonly label: string;
  readonly mspId: string;
  readonly enrollmentId: string;
  readonly role: IdentityRole;
  readonly keyId: string;
  /** The bearer token; shown once. */
  readonly apiKey: string;
}

export interface BootstrapOrgAdminOptions {
  readonly wallet: Wallet;
  readonly apiKeys: ApiKeys;
  readonly ca: CaClient;
  /** Checked against the CA client's MSP when given. */
  readonly mspId?: string;
  readonly enrollmentId: string;
  readonly secret: string;
}

export interface BootstrappedAdmin {
  readonly label: string;
  /** True when the admin was enrolled now (not already in the wallet). */
  readonly enrolled: boolean;
  /** Only when a key was issued now: the first start, or a wallet whose admin never had a key. */
  readonly keyId?: string;
  readonly apiKey?: string;
}

export type UserAdminErrorCode =
  'ADMIN_NOT_FOUND' | 'NOT_AN_ADMIN' | 'ALREADY_EXISTS' | 'MSP_MISMATCH' | 'INVALID_INPUT';

export class UserAdminError extends Error {
  readonly code: UserAdminErrorCode;

  constructor(code: UserAdminErrorCode, message: string) {
    super(message);
    this.name = 'UserAdminError';
    this.code = code;
  }
}

// Enrolment ids become party ids `<mspId>:<enrollmentId>` (chaincode isPartyId: no ':' or white space).
const ENROLLMENT_ID_RE = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;
const ATTR_NAME_RE = /^[A-Za-z][A-Za-z0-9._-]{0,63}$/;

export function walletLabel(mspId: string, enrollmentId: string): string {
  return `${mspId}:${enrollmentId}`;
}

/**
 * Registers `enrollmentId` with the CA using the admin's enrolment as registrar, enrols it with a key made
 * in this process, stores it in the wallet and issues its first API key. CA failures are CaErrors
 * (ALREADY_REGISTERED, NOT_AUTHORIZED, CA_UNREACHABLE, ...).
 */
export async function createUser(options: CreateUserOptions): Promise<CreatedUser> {
  const { wallet, apiKeys, ca, enrollmentId } = options;
  const role = options.role ?? 'user';
  if (!ENROLLMENT_ID_RE.test(enrollmentId))
    throw new UserAdminError(
      'INVALID_INPUT',
      `invalid enrollment id '${enrollmentId}': 1 to 64 letters, digits, '.', '_', '@' or '-', starting with a letter or digit`,
    );
  if (role !== 'admin' && role !== 'user')
    throw new UserAdminError('INVALID_INPUT', `unknown role '${String(role)}'`);
  const extra = options.attrs ?? [];
  for (const a of extra) {
    if (!ATTR_NAME_RE.test(a.name) || a.name === 'role' || a.name.startsWith('hf.'))
      throw new UserAdminError(
        'INVALID_INPUT',
        `attribute name '${a.name}' is reserved or invalid ('role' and 'hf.*' are set by the API)`,
      );
  }
  const admin = wallet.get(options.admin);
  if (!admin) throw new UserAdminError('ADMIN_NOT_FOUND', `no identity '${options.admin}' in the wallet`);
  if (admin.role !== 'admin')
    throw new UserAdminError('NOT_AN_ADMIN', `'${options.admin}' is not an organisation admin`);
  if (admin.mspId !== ca.mspId)
    throw new UserAdminError(
      'MSP_MISMATCH',
      `admin '${options.admin}' belongs to ${admin.mspId}, but the CA client is for ${ca.mspId}`,
    );
  const label = walletLabel(admin.mspId, enrollmentId);
  if (wallet.has(label)) throw new UserAdminError('ALREADY_EXISTS', `'${label}' is already in the wallet`);

  const attrs: RegisteredAttribute[] = [
    { name: 'role', value: role, ecert: true },
    ...extra.map((a) => ({ name: a.name, value: a.value, ecert: true })),
    ...(role === 'admin'
      ? [
          { name: 'hf.Registrar.Roles', value: 'client' },
          { name: 'hf.Registrar.Attributes', value: '*' },
          { name: 'hf.Revoker', value: 'true' },
        ]
      : []),
  ];
  const secret = await ca.register(admin, {
    enrollmentId,
    type: 'client',
    ...(options.affiliation !== undefined ? { affiliation: options.affiliation } : {}),
    // The secret is used once, here, and never shown: a copy of it (a log, a proxy) can enrol nothing.
    maxEnrollments: 1,
    attrs,
  });
  const enrolment = await ca.enroll({ enrollmentId, secret });
  wallet.put({
    label,
    mspId: admin.mspId,
    enrollmentId,
    certPem: enrolment.certPem,
    keyPem: enrolment.keyPem,
    role,
  });
  const issued = apiKeys.issue(label, {
    role,
    description: options.description ?? `created by ${options.admin}`,
  });
  return { label, mspId: admin.mspId, enrollmentId, role, keyId: issued.keyId, apiKey: issued.token };
}

/**
 * Enrols the CA's bootstrap admin into the wallet if it is not there yet, and issues it an API key if it
 * never had one. Idempotent across restarts: once stored, the secret is not used again (the bootstrap
 * secret may well have been rotated since).
 */
export async function bootstrapOrgAdmin(options: BootstrapOrgAdminOptions): Promise<BootstrappedAdmin> {
  const { wallet, apiKeys, ca, enrollmentId } = options;
  if (options.mspId !== undefined && options.mspId !== ca.mspId)
    throw new UserAdminError(
      'MSP_MISMATCH',
      `bootstrap admin of ${options.mspId} cannot be enrolled at the CA of ${ca.mspId}`,
    );
  const label = walletLabel(ca.mspId, enrollmentId);
  let enrolled = false;
  const existing = wallet.entry(label);
  if (existing) {
    if (existing.role !== 'admin')
      throw new UserAdminError('NOT_AN_ADMIN', `'${label}' is in the wallet but not as an admin`);
  } else {
    const enrolment = await ca.enroll({ enrollmentId, secret: options.secret });
    wallet.put({
      label,
      mspId: ca.mspId,
      enrollmentId,
      certPem: enrolment.certPem,
      keyPem: enrolment.keyPem,
      role: 'admin',
    });
    enrolled = true;
  }
  // Revoked keys still count: an operator who revoked the admin's key does not get a new one on restart.
  if (apiKeys.list(label).length > 0) return { label, enrolled };
  const issued = apiKeys.issue(label, { role: 'admin', description: 'organisation bootstrap admin' });
  return { label, enrolled, keyId: issued.keyId, apiKey: issued.token };
}
