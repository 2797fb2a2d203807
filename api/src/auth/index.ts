export { Wallet, WalletError } from './wallet';
export type {
  IdentityRole,
  NewWalletIdentity,
  WalletEntry,
  WalletErrorCode,
  WalletIdentity,
  WalletOptions,
} from './wallet';
export { ApiKeys, ApiKeyError, bearerToken, TOKEN_PREFIX } from './api-keys';
export type { ApiKeyErrorCode, ApiKeyInfo, ApiKeyPrincipal, ApiKeysOptions, IssuedApiKey } from './api-keys';
export { bootstrapOrgAdmin, createUser, UserAdminError, walletLabel } from './users';
export type {
  BootstrapOrgAdminOptions,
  BootstrappedAdmin,
  CreateUserOptions,
  CreatedUser,
  UserAdminErrorCode,
} from './users';
