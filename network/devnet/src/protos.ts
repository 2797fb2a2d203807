// The one place the devnet imports Fabric's protobuf classes from, so every module uses the same
// google-protobuf runtime instance (mixing copies breaks Any packing and instanceof checks).
export { common, gateway, ledger, msp, orderer, peer, google } from '@hyperledger/fabric-protos';
