export { generateCryptoMaterial } from './generate';
export { loadCryptoMaterial } from './load';
export { CertificateAuthority } from './certs';
export type { CaOptions, LeafOptions, IssuedCert } from './certs';
export { DEFAULT_TOPOLOGY } from './topology';
export { orgByMspId, mspIdOf, peerOrgs, ordererOrgs, allPeers, userOf } from './lookup';
export { CryptoMaterialMissingError, UnknownOrgError, InvalidTopologyError } from './errors';
export * from './layout';
export type * from './types';
