export { newFastSigner } from './signer';
export type { FastSigning } from './signer';
export {
  loadProfile,
  parseProfile,
  readTlsCaCert,
  findOrganization,
  endpointProblem,
  ProfileError,
  PROFILE_FORMAT_VERSION,
} from './profile';
export type {
  NetworkProfile,
  OrganizationProfile,
  PeerProfile,
  OrdererProfile,
  CaProfile,
  ChaincodeProfile,
  PemSource,
  IdentityLocation,
  ProfileIssue,
  LoadProfileOptions,
} from './profile';
export { loadIdentity, loadProfileIdentity, IdentityError } from './identity';
export type { ClientIdentity, IdentitySource } from './identity';
export { connectGateway, newPeerClient, selectPeer, PEER_FLOW_CONTROL_WINDOW } from './connect';
export type { ConnectGatewayOptions, GatewayConnection } from './connect';
export { parseBlock, validationCodeName, blockHash, blockHeaderBytes } from './blocks';
export type { ParsedBlock, ParsedTransaction, ParsedWrite, ParsedEvent } from './blocks';
export { newCaClient, toCaError, CaError } from './ca';
export type {
  CaClient,
  CaClientOptions,
  CaInfo,
  CaErrorCode,
  CaErrorDetail,
  CaOperation,
  Enrolment,
  EnrollRequest,
  RegisterRequest,
  RegisteredAttribute,
  ReenrollRequest,
  RevokeRequest,
  RevokedCertificate,
  AttributeRequest,
  IdentityType,
} from './ca';
export { sealSecret, openSealedSecret, SealedSecretError } from './sealed';
