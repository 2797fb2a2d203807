// A Fabric CA REST service for one organisation (fabric-ca 1.5 lib/server*.go as fabric-ca-client 2.2
// calls it): cainfo, register, enroll, reenroll, revoke, gencrl. Node's http/https, strict JSON bodies
// with a size limit, one mutation at a time, the registry persisted under <dataDir>/ca/<org domain>/.
import { createHash, randomBytes, verify as verifySig, X509Certificate } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import type { OrgMaterial } from '../crypto/types';
import { isLowS, parseDerSignature } from '../msp/signature';
import {
  attributeOf,
  attributesForCert,
  checkCanActOnType,
  checkCanRegisterAttributes,
  HF,
  isTrue,
  type AttributeRequest,
} from './attributes';
import { authenticationError, authorizationError, badRequest, CaError, CaErrorCode } from './errors';
import { Issuer, parseCsr } from './issuer';
import {
  checkSecret,
  hashSecret,
  normaliseHex,
  normaliseSerial,
  Registry,
  writeAtomically,
  type IdentityRecord,
  type RegisteredAttribute,
} from './registry';

export const CA_VERSION = '1.5.15';
const MAX_BODY_BYTES = 64 * 1024;
const API_PREFIX = '/api/v1/';

export interface CaServerOptions {
  readonly org: OrgMaterial;
  /** The devnet data directory; the CA keeps its files in `<dataDir>/ca/<org domain>/`. */
  readonly dataDir: string;
  readonly host?: string;
  /** 0 picks a free port. */
  readonly port?: number;
  /** Serve HTTPS with this server certificate and key (PEM). */
  readonly tls?: { readonly certPem: string; readonly keyPem: string };
  /** Defaults to `ca-<first label of the org domain>` (test-network: `ca-org1`). */
  readonly caName?: string;
  /** The CA's registry.max_enrollments: -1 unlimited (fabric-ca's default). */
  readonly maxEnrollments?: number;
  /** Affiliations known to the CA; default `<org>`, `<org>.department1`, `<org>.department2`. */
  readonly affiliations?: readonly string[];
}

export interface BootstrapCredentials {
  readonly caName: string;
  readonly mspId: string;
  readonly enrollmentID: string;
  readonly enrollmentSecret: string;
}

export interface CaServer {
  readonly url: string;
  readonly caName: string;
  readonly port: number;
  readonly mspId: string;
  /** `<dataDir>/ca/<org domain>/bootstrap.json`. */
  readonly bootstrapFile: string;
  readonly bootstrap: BootstrapCredentials;
  /** True when this CA revoked the certificate; the MspManager hook (serial in any hex case, mspId optional). */
  isRevoked(serialHex: string, mspId?: string): boolean;
  stop(): Promise<void>;
}

interface Envelope {
  success: boolean;
  result: unknown;
  errors: { code: number; message: string }[];
  messages: { code: number; message: string }[];
}

interface Ctx {
  readonly req: http.IncomingMessage;
  readonly body: Buffer;
  readonly json: Record<string, unknown>;
}

type Handler = (ctx: Ctx) => Promise<{ status: number; result: unknown }>;

export function caDirOf(dataDir: string, org: OrgMaterial): string {
  return path.join(dataDir, 'ca', org.domain);
}

export async function startCaServer(options: CaServerOptions): Promise<CaServer> {
  const { org } = options;
  const caName = options.caName ?? `ca-${org.domain.split('.')[0] ?? org.domain}`;
  const dir = caDirOf(options.dataDir, org);
  const registry = Registry.open(path.join(dir, 'registry.json'));
  const issuer = await Issuer.create(org.caCertPem, org.caKeyPem);
  const caChainB64 = Buffer.from(issuer.caCertPem).toString('base64');
  const defaultMax = options.maxEnrollments ?? -1;
  const orgLabel = org.domain.split('.')[0] ?? org.domain;
  const affiliations = new Set(
    options.affiliations ?? [orgLabel, `${orgLabel}.department1`, `${orgLabel}.department2`],
  );
  const caX509 = new X509Certificate(org.caCertPem);

  // Bootstrap admin: created once with a generated secret written next to the registry.
  const bootstrapFile = path.join(dir, 'bootstrap.json');
  let bootstrap: BootstrapCredentials;
  if (existsSync(bootstrapFile) && registry.identity('admin')) {
    bootstrap = JSON.parse(readFileSync(bootstrapFile, 'utf8')) as BootstrapCredentials;
  } else {
    const secret = randomBytes(18).toString('base64url');
    const secretHash = await hashSecret(secret);
    registry.update((d) => {
      d.identities.admin = {
        name: 'admin',
        secretHash,
        type: 'client',
        affiliation: '',
        attrs: [
          { name: HF.Roles, value: '*', ecert: false },
          { name: HF.DelegateRoles, value: '*', ecert: false },
          { name: HF.Attributes, value: '*', ecert: false },
          { name: HF.Revoker, value: 'true', ecert: false },
          { name: HF.GenCRL, value: 'true', ecert: false },
          { name: HF.IntermediateCA, value: 'true', ecert: false },
          { name: HF.AffiliationMgr, value: 'true', ecert: false },
          { name: HF.EnrollmentID, value: 'admin', ecert: true },
          { name: HF.Type, value: 'client', ecert: true },
          { name: HF.Affiliation, value: '', ecert: true },
        ],
        maxEnrollments: -1,
        enrollments: 0,
        revoked: false,
      };
    });
    bootstrap = { caName, mspId: org.mspId, enrollmentID: 'admin', enrollmentSecret: secret };
    writeAtomically(bootstrapFile, JSON.stringify(bootstrap, null, 2) + '\n');
  }

  const serverInfo = () => ({
    CAName: caName,
    CAChain: caChainB64,
    IssuerPublicKey: '',
    IssuerRevocationPublicKey: '',
    Version: CA_VERSION,
  });

  function checkCaName(json: Record<string, unknown>): void {
    const requested = json.caname;
    if (requested === undefined || requested === null || requested === '') return;
    if (requested !== caName)
      throw new CaError(404, CaErrorCode.CANotFound, `CA '${JSON.stringify(requested)}' does not exist`);
  }

  /** util.VerifyToken + ca.VerifyCertificate + the caller lookup of serverrequestcontext.TokenAuthentication. */
  function tokenAuth(ctx: Ctx): IdentityRecord {
    const header = ctx.req.headers.authorization;
    if (!header) throw new CaError(401, CaErrorCode.NoAuthHdr, 'No authorization header');
    const parts = header.split('.');
    if (parts.length !== 2 || !parts[0] || !parts[1]) {
      throw authenticationError("invalid token format; expecting '<base64 certificate>.<base64 signature>'");
    }
    const [b64Cert, b64Sig] = parts as [string, string];
    let cert: X509Certificate;
    try {
      const pem = Buffer.from(b64Cert, 'base64').toString('utf8');
      if (!pem.includes('-----BEGIN CERTIFICATE-----')) throw new Error('not PEM');
      cert = new X509Certificate(pem);
    } catch {
      throw authenticationError('the token does not carry a PEM X.509 certificate');
    }
    const signString = `${ctx.req.method ?? ''}.${Buffer.from(ctx.req.url ?? '').toString('base64')}.${ctx.body.toString('base64')}.${b64Cert}`;
    const sig = Buffer.from(b64Sig, 'base64');
    const parsed = parseDerSignature(sig);
    if (!parsed) throw authenticationError('the token signature is not a DER ECDSA signature');
    // bccsp/sw verifyECDSA refuses high-S signatures; so does fabric-ca.
    if (!isLowS(parsed)) throw authenticationError('the token signature has a high S value (must be low-S)');
    let ok: boolean;
    try {
      ok = verifySig('sha256', Buffer.from(signString), cert.publicKey, sig);
    } catch {
      ok = false;
    }
    if (!ok) throw authenticationError('the token signature does not verify with the token certificate');
    if (!cert.checkIssued(caX509) || !cert.verify(caX509.publicKey)) {
      throw authenticationError(`the token certificate was not issued by CA '${caName}'`);
    }
    const now = Date.now();
    if (now < Date.parse(cert.validFrom) || now > Date.parse(cert.validTo)) {
      throw authenticationError(
        `the token certificate is outside its validity period (${cert.validFrom} - ${cert.validTo})`,
      );
    }
    if (registry.isRevoked(cert.serialNumber)) {
      throw authenticationError(
        `the token certificate ${normaliseSerial(cert.serialNumber)} has been revoked`,
      );
    }
    const cn = /(?:^|\n)CN=([^\n]*)/.exec(cert.subject)?.[1];
    const caller = cn === undefined ? undefined : registry.identity(cn);
    if (!caller)
      throw authenticationError(`the token certificate's identity '${cn ?? ''}' is not registered`);
    if (caller.revoked) throw authenticationError(`identity '${caller.name}' has been revoked`);
    return caller;
  }

  function parseAttrReqs(value: unknown): AttributeRequest[] | undefined {
    if (value === undefined || value === null) return undefined;
    if (!Array.isArray(value))
      throw badRequest(CaErrorCode.BadReqBody, "'attr_reqs' must be an array of {name, optional}");
    return value.map((r: unknown) => {
      const o = r as Record<string, unknown>;
      if (typeof o !== 'object' || o === null || typeof o.name !== 'string' || o.name === '') {
        throw badRequest(CaErrorCode.BadReqBody, "every entry of 'attr_reqs' needs a non-empty 'name'");
      }
      if (o.optional !== undefined && typeof o.optional !== 'boolean') {
        throw badRequest(CaErrorCode.BadReqBody, "'attr_reqs[].optional' must be a boolean");
      }
      return { name: o.name, optional: o.optional === true };
    });
  }

  async function issueFor(identity: IdentityRecord, ctx: Ctx) {
    if (ctx.json.profile !== undefined && ctx.json.profile !== '' && ctx.json.profile !== 'tls') {
      throw badRequest(
        CaErrorCode.BadReqBody,
        `unknown signing profile '${JSON.stringify(ctx.json.profile)}'`,
      );
    }
    const attrReqs = parseAttrReqs(ctx.json.attr_reqs);
    const csr = await parseCsr(ctx.json.certificate_request);
    if (csr.commonName !== identity.name) {
      throw authorizationError(
        `the CSR subject common name '${csr.commonName ?? ''}' must equal the enrollment ID '${identity.name}'`,
      );
    }
    const attrs = attributesForCert(identity, attrReqs);
    return issuer.issue(csr, {
      enrollmentId: identity.name,
      type: identity.type,
      affiliation: identity.affiliation,
      attrs,
    });
  }

  const handlers: Record<string, { methods: string[]; handle: Handler }> = {
    cainfo: {
      methods: ['GET', 'POST'],
      handle: async (ctx) => {
        checkCaName(ctx.json);
        return { status: 200, result: serverInfo() };
      },
    },
    register: {
      methods: ['POST'],
      handle: async (ctx) => {
        checkCaName(ctx.json);
        const registrar = tokenAuth(ctx);
        const j = ctx.json;
        if (typeof j.id !== 'string' || j.id.trim() === '')
          throw badRequest(CaErrorCode.BadReqBody, "Registration request needs a non-empty 'id'");
        const id = j.id;
        if (id.length > 256 || [...id].some((ch) => ch.charCodeAt(0) < 0x20))
          throw badRequest(CaErrorCode.BadReqBody, `invalid enrollment ID '${id}'`);
        for (const k of ['type', 'affiliation', 'secret'] as const) {
          if (j[k] !== undefined && typeof j[k] !== 'string')
            throw badRequest(CaErrorCode.BadReqBody, `'${k}' must be a string`);
        }
        if (
          j.max_enrollments !== undefined &&
          (typeof j.max_enrollments !== 'number' || !Number.isInteger(j.max_enrollments))
        ) {
          throw badRequest(CaErrorCode.BadReqBody, "'max_enrollments' must be an integer");
        }
        let affiliation = (j.affiliation as string | undefined) ?? '';
        if (affiliation === '') affiliation = registrar.affiliation;
        else if (affiliation === '.') affiliation = '';
        const type = ((j.type as string | undefined) ?? '') || registrar.type;
        const attrsIn = j.attrs ?? [];
        if (!Array.isArray(attrsIn))
          throw badRequest(CaErrorCode.BadReqBody, "'attrs' must be an array of {name, value, ecert}");
        const attrs: RegisteredAttribute[] = attrsIn.map((a: unknown) => {
          const o = a as Record<string, unknown>;
          if (
            typeof o !== 'object' ||
            o === null ||
            typeof o.name !== 'string' ||
            o.name === '' ||
            typeof o.value !== 'string'
          ) {
            throw badRequest(
              CaErrorCode.BadReqBody,
              "every entry of 'attrs' needs a string 'name' and 'value'",
            );
          }
          if (o.ecert !== undefined && typeof o.ecert !== 'boolean')
            throw badRequest(CaErrorCode.BadReqBody, "'attrs[].ecert' must be a boolean");
          return { name: o.name, value: o.value, ecert: o.ecert === true };
        });
        // canRegister: type, affiliation, attributes.
        checkCanActOnType(registrar, type);
        if (
          registrar.affiliation !== '' &&
          affiliation !== registrar.affiliation &&
          !affiliation.startsWith(`${registrar.affiliation}.`)
        ) {
          throw authorizationError(
            `registrar '${registrar.name}' (affiliation '${registrar.affiliation}') may not act on affiliation '${affiliation}'`,
          );
        }
        if (affiliation !== '' && !affiliations.has(affiliation)) {
          throw new CaError(
            400,
            CaErrorCode.Unknown,
            `Registration of '${id}' failed in affiliation validation: affiliation '${affiliation}' does not exist (known: ${[...affiliations].join(', ')})`,
          );
        }
        checkCanRegisterAttributes(registrar, attrs);
        // getMaxEnrollments
        let max = j.max_enrollments ?? 0;
        if (max < -1)
          throw badRequest(
            CaErrorCode.BadReqBody,
            `max_enrollments ${max} is invalid; use -1 (unlimited), 0 (CA default) or a positive number`,
          );
        if (max === 0) max = defaultMax;
        else if (defaultMax > 0 && (max === -1 || max > defaultMax)) {
          throw badRequest(
            CaErrorCode.BadReqBody,
            `max_enrollments ${max} exceeds the CA's maximum of ${defaultMax}`,
          );
        }
        if (registry.identity(id)) {
          throw new CaError(
            409,
            CaErrorCode.Unknown,
            `Registration of '${id}' failed: Identity '${id}' is already registered`,
          );
        }
        const secret = (j.secret as string | undefined) || randomBytes(9).toString('base64url');
        const secretHash = await hashSecret(secret);
        const all = attrs.filter(
          (a) => a.name !== HF.EnrollmentID && a.name !== HF.Type && a.name !== HF.Affiliation,
        );
        all.push(
          { name: HF.EnrollmentID, value: id, ecert: true },
          { name: HF.Type, value: type, ecert: true },
          { name: HF.Affiliation, value: affiliation, ecert: true },
        );
        if (registry.identity(id))
          throw new CaError(
            409,
            CaErrorCode.Unknown,
            `Registration of '${id}' failed: Identity '${id}' is already registered`,
          );
        registry.update((d) => {
          d.identities[id] = {
            name: id,
            secretHash,
            type,
            affiliation,
            attrs: all,
            maxEnrollments: max,
            enrollments: 0,
            revoked: false,
          };
        });
        return { status: 201, result: { secret } };
      },
    },
    enroll: {
      methods: ['POST'],
      handle: async (ctx) => {
        checkCaName(ctx.json);
        const header = ctx.req.headers.authorization ?? '';
        const m = /^Basic ([A-Za-z0-9+/=]+)$/.exec(header);
        if (!m?.[1])
          throw authenticationError(
            'enroll needs HTTP basic authentication with the enrollment ID and secret',
          );
        const decoded = Buffer.from(m[1], 'base64').toString('utf8');
        const colon = decoded.indexOf(':');
        if (colon <= 0) throw authenticationError('the basic authentication header carries no enrollment ID');
        const name = decoded.slice(0, colon);
        const secret = decoded.slice(colon + 1);
        const identity = registry.identity(name);
        // Same answer for an unknown ID and a wrong secret: the CA does not reveal which IDs exist.
        if (!identity || !(await checkSecret(secret, identity.secretHash))) {
          throw authenticationError('invalid enrollment ID or secret');
        }
        if (identity.revoked) throw authenticationError(`identity '${name}' has been revoked`);
        if (identity.maxEnrollments > 0 && identity.enrollments >= identity.maxEnrollments) {
          throw authenticationError(
            `The identity '${name}' has reached its maximum enrollments (${identity.maxEnrollments})`,
          );
        }
        const issued = await issueFor(identity, ctx);
        const current = registry.identity(name);
        if (!current || (current.maxEnrollments > 0 && current.enrollments >= current.maxEnrollments)) {
          throw authenticationError(
            `The identity '${name}' has reached its maximum enrollments (${identity.maxEnrollments})`,
          );
        }
        registry.update((d) => {
          const rec = d.identities[name];
          if (rec) d.identities[name] = { ...rec, enrollments: rec.enrollments + 1 };
          d.certs.push({
            serial: normaliseSerial(issued.serial),
            aki: issuer.aki,
            id: name,
            pem: issued.pem,
            notAfter: issued.notAfter.toISOString(),
          });
        });
        return {
          status: 201,
          result: { Cert: Buffer.from(issued.pem).toString('base64'), ServerInfo: serverInfo() },
        };
      },
    },
    reenroll: {
      methods: ['POST'],
      handle: async (ctx) => {
        checkCaName(ctx.json);
        const caller = tokenAuth(ctx);
        const issued = await issueFor(caller, ctx);
        registry.update((d) => {
          d.certs.push({
            serial: normaliseSerial(issued.serial),
            aki: issuer.aki,
            id: caller.name,
            pem: issued.pem,
            notAfter: issued.notAfter.toISOString(),
          });
        });
        return {
          status: 201,
          result: { Cert: Buffer.from(issued.pem).toString('base64'), ServerInfo: serverInfo() },
        };
      },
    },
    revoke: {
      methods: ['POST'],
      handle: async (ctx) => {
        checkCaName(ctx.json);
        const caller = tokenAuth(ctx);
        if (!isTrue(attributeOf(caller, HF.Revoker)))
          throw authorizationError(`'${caller.name}' does not have authority to revoke (hf.Revoker)`);
        const j = ctx.json;
        for (const k of ['id', 'aki', 'serial', 'reason'] as const) {
          if (j[k] !== undefined && j[k] !== null && typeof j[k] !== 'string')
            throw badRequest(CaErrorCode.BadReqBody, `'${k}' must be a string`);
        }
        const id = (j.id as string | undefined) ?? '';
        const serial = (j.serial as string | undefined) ?? '';
        const aki = (j.aki as string | undefined) ?? '';
        const reason = reasonCode((j.reason as string | undefined) ?? '');
        const affiliated = (target: IdentityRecord) =>
          caller.affiliation === '' ||
          target.affiliation === caller.affiliation ||
          target.affiliation.startsWith(`${caller.affiliation}.`);
        let serials: string[];
        let revokeIdentity: string | undefined;
        if (serial !== '' || aki !== '') {
          if (serial === '' || aki === '')
            throw badRequest(
              CaErrorCode.MissingRevokeArgs,
              'Revoking a certificate needs both its serial and its AKI',
            );
          const cert = registry.cert(serial, aki);
          if (!cert)
            throw new CaError(
              404,
              CaErrorCode.RevCertNotFound,
              `Certificate with serial ${normaliseSerial(serial)} and AKI ${normaliseHex(aki)} was not found`,
            );
          if (id !== '' && cert.id !== id)
            throw badRequest(
              CaErrorCode.CertWrongOwner,
              `Certificate with serial ${cert.serial} is not owned by '${id}'`,
            );
          if (cert.revokedAt !== undefined)
            throw badRequest(
              CaErrorCode.CertAlreadyRevoked,
              `Certificate with serial ${cert.serial} and AKI ${cert.aki} was already revoked`,
            );
          const owner = registry.identity(cert.id);
          if (owner && !affiliated(owner))
            throw authorizationError(
              `'${caller.name}' may not revoke certificates of affiliation '${owner.affiliation}'`,
            );
          serials = [cert.serial];
        } else if (id !== '') {
          const target = registry.identity(id);
          if (!target) throw new CaError(404, CaErrorCode.RevokeIDNotFound, `Identity '${id}' was not found`);
          if (!affiliated(target))
            throw authorizationError(
              `'${caller.name}' may not revoke identities of affiliation '${target.affiliation}'`,
            );
          if (target.revoked)
            throw badRequest(CaErrorCode.CertAlreadyRevoked, `Identity '${id}' was already revoked`);
          serials = registry.data.certs
            .filter((c) => c.id === id && c.revokedAt === undefined)
            .map((c) => c.serial);
          revokeIdentity = id;
        } else {
          throw badRequest(
            CaErrorCode.MissingRevokeArgs,
            'Either an enrollment ID or a serial and AKI are required to revoke',
          );
        }
        const revokedAt = new Date().toISOString();
        const set = new Set(serials);
        registry.update((d) => {
          for (let i = 0; i < d.certs.length; i++) {
            const c = d.certs[i];
            if (c && set.has(c.serial) && c.aki === issuer.aki) d.certs[i] = { ...c, revokedAt, reason };
          }
          if (revokeIdentity) {
            const rec = d.identities[revokeIdentity];
            if (rec) d.identities[revokeIdentity] = { ...rec, revoked: true, enrollments: -1 };
          }
        });
        const result: { RevokedCerts: { Serial: string; AKI: string }[]; CRL: string } = {
          RevokedCerts: serials.map((s) => ({ Serial: s, AKI: issuer.aki })),
          CRL: '',
        };
        if (j.gencrl === true) result.CRL = Buffer.from(await crl()).toString('base64');
        return { status: 200, result };
      },
    },
    gencrl: {
      methods: ['POST'],
      handle: async (ctx) => {
        checkCaName(ctx.json);
        const caller = tokenAuth(ctx);
        if (!isTrue(attributeOf(caller, HF.GenCRL)))
          throw authorizationError(`'${caller.name}' does not have authority to generate a CRL (hf.GenCRL)`);
        const after = optionalDate(ctx.json.revokedAfter, 'revokedAfter');
        const before = optionalDate(ctx.json.revokedBefore, 'revokedBefore');
        return { status: 200, result: { CRL: Buffer.from(await crl(after, before)).toString('base64') } };
      },
    },
  };

  function crl(after?: Date, before?: Date): Promise<string> {
    const entries = registry.data.certs
      .filter((c) => c.revokedAt !== undefined)
      .map((c) => ({ serial: c.serial, revokedAt: new Date(c.revokedAt ?? 0), reason: c.reason }))
      .filter((e) => (!after || e.revokedAt >= after) && (!before || e.revokedAt <= before));
    return issuer.crl(entries);
  }

  // One request at a time mutates the registry (fabric-ca relies on its database for this).
  let queue: Promise<unknown> = Promise.resolve();
  const serialise = <T>(fn: () => Promise<T>): Promise<T> => {
    const run = queue.then(fn, fn);
    queue = run.catch(() => undefined);
    return run;
  };

  const listener = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    void handleRequest(req, res);
  };

  async function handleRequest(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    let status: number;
    let envelope: Envelope;
    try {
      const url = req.url ?? '';
      const pathname = url.split('?')[0] ?? '';
      const name = pathname.startsWith(API_PREFIX) ? pathname.slice(API_PREFIX.length) : undefined;
      const endpoint =
        name !== undefined && Object.prototype.hasOwnProperty.call(handlers, name)
          ? handlers[name]
          : undefined;
      if (!endpoint)
        throw new CaError(404, CaErrorCode.Unknown, `Not found: ${pathname} is not a Fabric CA endpoint`);
      if (!endpoint.methods.includes(req.method ?? '')) {
        throw new CaError(
          405,
          CaErrorCode.MethodNotAllowed,
          `Method ${req.method ?? ''} is not allowed on ${pathname}`,
        );
      }
      const body = await readBody(req);
      let json: Record<string, unknown> = {};
      if (body.length > 0) {
        let parsed: unknown;
        try {
          parsed = JSON.parse(body.toString('utf8'));
        } catch (err) {
          throw badRequest(
            CaErrorCode.BadReqBody,
            `Invalid request body: not JSON (${(err as Error).message})`,
          );
        }
        if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
          throw badRequest(CaErrorCode.BadReqBody, 'Invalid request body: expected a JSON object');
        }
        json = parsed as Record<string, unknown>;
      } else if (name !== 'cainfo') {
        throw badRequest(CaErrorCode.EmptyReqBody, 'Empty request body');
      }
      const out = await serialise(() => endpoint.handle({ req, body, json }));
      status = out.status;
      envelope = { success: true, result: out.result, errors: [], messages: [] };
    } catch (err) {
      const e =
        err instanceof CaError
          ? err
          : new CaError(500, CaErrorCode.Unknown, `Internal CA error: ${(err as Error).message}`);
      status = e.status;
      envelope = {
        success: false,
        result: null,
        errors: [{ code: e.code, message: e.message }],
        messages: [],
      };
    }
    const payload = JSON.stringify(envelope);
    // Connection: close because fabric-ca-client adds a 'timeout' listener to the socket on every request,
    // which leaks listeners (MaxListenersExceededWarning) on Node 20's keep-alive global agent.
    res.writeHead(status, {
      'Content-Type': 'application/json',
      'Content-Length': Buffer.byteLength(payload),
      Connection: 'close',
    });
    res.end(payload);
  }

  const serverOptions: http.ServerOptions = {
    requestTimeout: 30_000,
    headersTimeout: 10_000,
    maxHeaderSize: 16 * 1024,
  };
  const server = options.tls
    ? https.createServer({ ...serverOptions, cert: options.tls.certPem, key: options.tls.keyPem }, listener)
    : http.createServer(serverOptions, listener);
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `${options.tls ? 'https' : 'http'}://${urlHost}:${port}`,
    caName,
    port,
    mspId: org.mspId,
    bootstrapFile,
    bootstrap,
    isRevoked: (serialHex: string, mspId?: string) =>
      (mspId === undefined || mspId === org.mspId) && registry.isRevoked(serialHex),
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function readBody(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? '0');
    if (declared > MAX_BODY_BYTES) {
      reject(
        new CaError(413, CaErrorCode.ReadingReqBody, `Request body larger than ${MAX_BODY_BYTES} bytes`),
      );
      req.resume();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(
          new CaError(413, CaErrorCode.ReadingReqBody, `Request body larger than ${MAX_BODY_BYTES} bytes`),
        );
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', (err) =>
      reject(new CaError(400, CaErrorCode.ReadingReqBody, `Failed reading the request body: ${err.message}`)),
    );
  });
}

/** golang.org/x/crypto/ocsp reason names, as fabric-ca accepts them. */
const REASONS: Record<string, number> = {
  unspecified: 0,
  keycompromise: 1,
  cacompromise: 2,
  affiliationchanged: 3,
  superseded: 4,
  cessationofoperation: 5,
  certificatehold: 6,
  removefromcrl: 8,
  privilegewithdrawn: 9,
  aacompromise: 10,
};

function reasonCode(reason: string): number {
  if (reason === '') return 0;
  const code = REASONS[reason.toLowerCase()];
  if (code === undefined)
    throw badRequest(
      CaErrorCode.BadReqBody,
      `Invalid revocation reason '${reason}'; use one of ${Object.keys(REASONS).join(', ')}`,
    );
  return code;
}

function optionalDate(value: unknown, field: string): Date | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const d = typeof value === 'string' ? new Date(value) : undefined;
  if (!d || Number.isNaN(d.getTime()))
    throw badRequest(CaErrorCode.BadReqBody, `'${field}' must be an RFC 3339 time`);
  return d;
}

/** For tests and tooling: SHA-256 fingerprint of a PEM certificate, lowercase hex. */
export function certFingerprint(pem: string): string {
  return createHash('sha256').update(new X509Certificate(pem).raw).digest('hex');
}
