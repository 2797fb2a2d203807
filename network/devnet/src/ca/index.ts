export { startCaServer, caDirOf, CA_VERSION } from './server';
export type { CaServer, CaServerOptions, BootstrapCredentials } from './server';
export { CaError, CaErrorCode } from './errors';
export { ATTR_OID, HF } from './attributes';
export { Registry, normaliseSerial } from './registry';
