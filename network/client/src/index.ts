export { newFastSigner } from './signer';
export type { FastSigning } from './signer';
