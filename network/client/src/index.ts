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
export { connectGateway, selectPeer } from './connect';
export type { ConnectGatewayOptions, GatewayConnection } from './connect';
