import { X509Certificate } from 'node:crypto';
import { type common, msp } from '../protos';
import { MalformedIdentityError, UnknownMspError } from './errors';
import type { Identity } from './identity';
import { OrgMsp } from './org-msp';
import { verifySignature } from './signature';
import type { RevocationCheck } from './types';

export interface MspManagerOptions {
  readonly isRevoked?: RevocationCheck;
  /** Upper bound of the deserialized-identity cache; oldest entries are evicted first. */
  readonly cacheSize?: number;
}

const DEFAULT_CACHE_SIZE = 10_000;
const MEMBER_GROUPS = ['Application', 'Orderer'] as const;

/** The channel's MSPs, read from every org group under /Channel/Application and /Channel/Orderer. */
export class MspManager {
  readonly #msps = new Map<string, OrgMsp>();
  readonly #cache = new Map<string, Identity>();
  /** The same bytes object is deserialized at every check of one request: skip even the string key. */
  readonly #byObject = new WeakMap<Uint8Array, Identity>();
  readonly #cacheSize: number;

  constructor(config: common.Config, options: MspManagerOptions = {}) {
    this.#cacheSize = options.cacheSize ?? DEFAULT_CACHE_SIZE;
    const channel = config.getChannelGroup();
    for (const name of MEMBER_GROUPS) {
      const group = channel?.getGroupsMap().get(name);
      if (!group) continue;
      for (const [, orgGroup] of group.getGroupsMap().entries()) {
        const value = orgGroup.getValuesMap().get('MSP');
        if (!value) continue;
        const orgMsp = new OrgMsp(msp.MSPConfig.deserializeBinary(value.getValue_asU8()), options.isRevoked);
        // An org present in both groups carries the same MSP definition; the first one wins.
        if (!this.#msps.has(orgMsp.mspId)) this.#msps.set(orgMsp.mspId, orgMsp);
      }
    }
  }

  get mspIds(): string[] {
    return [...this.#msps.keys()];
  }

  has(mspId: string): boolean {
    return this.#msps.has(mspId);
  }

  get(mspId: string): OrgMsp {
    const found = this.#msps.get(mspId);
    if (!found) throw new UnknownMspError(mspId);
    return found;
  }

  /** Convenience for callers holding the manager: low-S DER ECDSA-SHA256 check, never throws. */
  verifySignature(identity: Identity, message: Uint8Array, derSignature: Uint8Array): boolean {
    return verifySignature(identity, message, derSignature);
  }

  /** Parses msp.SerializedIdentity bytes; does not validate (call identity.validate()). */
  deserializeIdentity(serialized: Uint8Array): Identity {
    const seen = this.#byObject.get(serialized);
    if (seen) return seen;
    const identity = this.#deserialize(serialized);
    this.#byObject.set(serialized, identity);
    return identity;
  }

  #deserialize(serialized: Uint8Array): Identity {
    // latin1 maps bytes 1:1 to chars: the cheapest exact string key for a Map lookup.
    const key = Buffer.from(serialized.buffer, serialized.byteOffset, serialized.byteLength).toString(
      'latin1',
    );
    const cached = this.#cache.get(key);
    if (cached) return cached;

    let mspId: string;
    let idBytes: Uint8Array;
    try {
      const sid = msp.SerializedIdentity.deserializeBinary(serialized);
      mspId = sid.getMspid();
      idBytes = sid.getIdBytes_asU8();
    } catch (err) {
      throw new MalformedIdentityError(`not a SerializedIdentity: ${(err as Error).message}`);
    }
    const orgMsp = this.#msps.get(mspId);
    if (!orgMsp) throw new UnknownMspError(mspId);
    const certPem = Buffer.from(idBytes).toString('utf8');
    // Fabric only accepts PEM here (pem.Decode); node would also take DER, so insist on the armour.
    if (!certPem.includes('-----BEGIN CERTIFICATE-----')) {
      throw new MalformedIdentityError(`identity of ${mspId} is not a PEM certificate`);
    }
    let x509: X509Certificate;
    try {
      x509 = new X509Certificate(certPem);
    } catch (err) {
      throw new MalformedIdentityError(`certificate of ${mspId} cannot be parsed: ${(err as Error).message}`);
    }
    const identity = orgMsp.newIdentity(certPem, x509);
    if (this.#cache.size >= this.#cacheSize) {
      const oldest = this.#cache.keys().next();
      if (!oldest.done) this.#cache.delete(oldest.value);
    }
    this.#cache.set(key, identity);
    return identity;
  }
}

/** msp.SerializedIdentity bytes for an MSP ID and PEM certificate (what clients put in creator fields). */
export function serializeIdentity(mspId: string, certPem: string): Uint8Array {
  const sid = new msp.SerializedIdentity();
  sid.setMspid(mspId);
  sid.setIdBytes(Buffer.from(certPem, 'utf8'));
  return sid.serializeBinary();
}
