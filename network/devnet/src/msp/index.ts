export { MspManager, serializeIdentity } from './manager';
export type { MspManagerOptions } from './manager';
export { OrgMsp } from './org-msp';
export { Identity } from './identity';
export { ChannelPolicies } from './channel-policies';
export {
  evaluateSignaturePolicy,
  compileSignaturePolicy,
  satisfiesSignaturePolicy,
  validIdentities,
} from './signature-policy';
export type { CompiledSignaturePolicy } from './signature-policy';
export {
  verifySignature,
  verifySignatureAsync,
  signLowS,
  toLowS,
  isLowS,
  parseDerSignature,
  encodeDerSignature,
} from './signature';
export type { EcdsaSignature } from './signature';
export type { SignedData, MspRole, RevocationCheck } from './types';
export {
  UnknownMspError,
  MalformedIdentityError,
  UnsupportedMspError,
  CertificateChainError,
  CertificateExpiredError,
  CertificateRevokedError,
  NodeOuError,
  UnknownPolicyError,
  MalformedPolicyError,
} from './errors';
export { rememberVerification, verificationKey, identityIdOf } from './verification-cache';
