// Channel config tree as configtxgen's encoder builds it for the test-network's application channel
// profile (internal/configtxgen/encoder/encoder.go): every value, policy and group is version 0 with
// mod_policy "Admins".
import { common, orderer, peer } from '../protos';
import type { CryptoMaterial, OrgMaterial } from '../crypto/types';
import { GenesisOptionsError } from './errors';
import { buildMspConfig } from './msp-config';
import { implicitMetaPolicy, signaturePolicy } from './policies';

const ADMINS = 'Admins';
const MAX_UINT32 = 4294967295;

export interface BatchSizeOptions {
  readonly maxMessageCount: number;
  readonly absoluteMaxBytes: number;
  readonly preferredMaxBytes: number;
}

export interface AnchorPeerAddress {
  readonly host: string;
  readonly port: number;
}

export interface ChannelConfigOptions {
  readonly material: CryptoMaterial;
  readonly batchSize: BatchSizeOptions;
  readonly batchTimeoutMs: number;
  /** `host:port` of the orderer, e.g. `localhost:7050`. */
  readonly ordererAddress: string;
  /** Optional anchor peers per MSP ID. */
  readonly anchorPeers?: Readonly<Record<string, readonly AnchorPeerAddress[]>>;
  /** Optional channel ACL overrides (resource → policy path), e.g. {'qscc/GetChainInfo': '/Channel/Application/Readers'}. */
  readonly acls?: Readonly<Record<string, string>>;
}

function value(message: { serializeBinary(): Uint8Array }): common.ConfigValue {
  const v = new common.ConfigValue();
  v.setVersion(0);
  v.setValue(message.serializeBinary());
  v.setModPolicy(ADMINS);
  return v;
}

function group(): common.ConfigGroup {
  const g = new common.ConfigGroup();
  g.setVersion(0);
  g.setModPolicy(ADMINS);
  return g;
}

function addPolicy(g: common.ConfigGroup, name: string, policy: common.Policy): void {
  const p = new common.ConfigPolicy();
  p.setVersion(0);
  p.setPolicy(policy);
  p.setModPolicy(ADMINS);
  g.getPoliciesMap().set(name, p);
}

function addImplicitMetaDefaults(g: common.ConfigGroup): void {
  addPolicy(g, 'Readers', implicitMetaPolicy('ANY', 'Readers'));
  addPolicy(g, 'Writers', implicitMetaPolicy('ANY', 'Writers'));
  addPolicy(g, 'Admins', implicitMetaPolicy('MAJORITY', 'Admins'));
}

function capabilities(...names: string[]): common.Capabilities {
  const caps = new common.Capabilities();
  for (const name of names) caps.getCapabilitiesMap().set(name, new common.Capability());
  return caps;
}

/** "50ms", "2s": Go time.Duration syntax, which the orderer parses. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms <= 0)
    throw new GenesisOptionsError(`batch timeout must be positive, got ${ms}`);
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

function parseAddress(address: string): { host: string; port: number } {
  const idx = address.lastIndexOf(':');
  const port = Number(address.slice(idx + 1));
  if (idx <= 0 || !Number.isInteger(port) || port <= 0 || port > 65535) {
    throw new GenesisOptionsError(`orderer address must be host:port, got '${address}'`);
  }
  return { host: address.slice(0, idx), port };
}

function ordererAddresses(address: string): common.OrdererAddresses {
  const addresses = new common.OrdererAddresses();
  addresses.setAddressesList([address]);
  return addresses;
}

function orgGroup(org: OrgMaterial): common.ConfigGroup {
  const g = group();
  g.getValuesMap().set('MSP', value(buildMspConfig(org)));
  return g;
}

function ordererGroup(opts: ChannelConfigOptions, orgs: readonly OrgMaterial[]): common.ConfigGroup {
  const { host, port } = parseAddress(opts.ordererAddress);
  const consenters = orgs.flatMap((org) =>
    org.orderers.map((node) => {
      const consenter = new orderer.etcdraft.Consenter();
      consenter.setHost(host);
      consenter.setPort(port);
      consenter.setClientTlsCert(Buffer.from(node.tlsCertPem, 'utf8'));
      consenter.setServerTlsCert(Buffer.from(node.tlsCertPem, 'utf8'));
      return consenter;
    }),
  );
  const raftOptions = new orderer.etcdraft.Options();
  raftOptions.setTickInterval('500ms');
  raftOptions.setElectionTick(10);
  raftOptions.setHeartbeatTick(1);
  raftOptions.setMaxInflightBlocks(5);
  raftOptions.setSnapshotIntervalSize(16 * 1024 * 1024);
  const raftMetadata = new orderer.etcdraft.ConfigMetadata();
  raftMetadata.setConsentersList(consenters);
  raftMetadata.setOptions(raftOptions);

  // "etcdraft" with a well-formed consenter set: every Fabric parser and SDK knows it, whereas "solo"
  // is rejected by 2.5 orderers and "BFT" needs a Orderers value plus SmartBFT options.
  const consensus = new orderer.ConsensusType();
  consensus.setType('etcdraft');
  consensus.setMetadata(raftMetadata.serializeBinary());
  consensus.setState(orderer.ConsensusType.State.STATE_NORMAL);

  const batchSize = new orderer.BatchSize();
  batchSize.setMaxMessageCount(opts.batchSize.maxMessageCount);
  batchSize.setAbsoluteMaxBytes(opts.batchSize.absoluteMaxBytes);
  batchSize.setPreferredMaxBytes(opts.batchSize.preferredMaxBytes);
  const batchTimeout = new orderer.BatchTimeout();
  batchTimeout.setTimeout(formatDuration(opts.batchTimeoutMs));
  const restrictions = new orderer.ChannelRestrictions();
  restrictions.setMaxCount(0);

  const g = group();
  const values = g.getValuesMap();
  values.set('ConsensusType', value(consensus));
  values.set('BatchSize', value(batchSize));
  values.set('BatchTimeout', value(batchTimeout));
  values.set('ChannelRestrictions', value(restrictions));
  values.set('Capabilities', value(capabilities('V2_0')));
  addImplicitMetaDefaults(g);
  addPolicy(g, 'BlockValidation', implicitMetaPolicy('ANY', 'Writers'));
  for (const org of orgs) {
    const og = orgGroup(org);
    og.getValuesMap().set('Endpoints', value(ordererAddresses(opts.ordererAddress)));
    addPolicy(og, 'Readers', signaturePolicy(`OR('${org.mspId}.member')`));
    addPolicy(og, 'Writers', signaturePolicy(`OR('${org.mspId}.member')`));
    addPolicy(og, 'Admins', signaturePolicy(`OR('${org.mspId}.admin')`));
    g.getGroupsMap().set(org.mspId, og);
  }
  return g;
}

function applicationGroup(opts: ChannelConfigOptions, orgs: readonly OrgMaterial[]): common.ConfigGroup {
  const g = group();
  g.getValuesMap().set('Capabilities', value(capabilities('V2_0', 'V2_5')));
  if (opts.acls && Object.keys(opts.acls).length > 0) {
    const acls = new peer.ACLs();
    for (const [resource, policyRef] of Object.entries(opts.acls)) {
      const api = new peer.APIResource();
      api.setPolicyRef(policyRef);
      acls.getAclsMap().set(resource, api);
    }
    g.getValuesMap().set('ACLs', value(acls));
  }
  addImplicitMetaDefaults(g);
  addPolicy(g, 'LifecycleEndorsement', implicitMetaPolicy('MAJORITY', 'Endorsement'));
  addPolicy(g, 'Endorsement', implicitMetaPolicy('MAJORITY', 'Endorsement'));
  for (const org of orgs) {
    const og = orgGroup(org);
    const anchors = opts.anchorPeers?.[org.mspId];
    if (anchors && anchors.length > 0) {
      const list = new peer.AnchorPeers();
      list.setAnchorPeersList(
        anchors.map((a) => {
          const anchor = new peer.AnchorPeer();
          anchor.setHost(a.host);
          anchor.setPort(a.port);
          return anchor;
        }),
      );
      og.getValuesMap().set('AnchorPeers', value(list));
    }
    const id = org.mspId;
    addPolicy(og, 'Readers', signaturePolicy(`OR('${id}.admin', '${id}.peer', '${id}.client')`));
    addPolicy(og, 'Writers', signaturePolicy(`OR('${id}.admin', '${id}.client')`));
    addPolicy(og, 'Admins', signaturePolicy(`OR('${id}.admin')`));
    addPolicy(og, 'Endorsement', signaturePolicy(`OR('${id}.peer')`));
    g.getGroupsMap().set(id, og);
  }
  return g;
}

export function buildChannelConfig(opts: ChannelConfigOptions): common.Config {
  const ordererOrgs = opts.material.orgs.filter((o) => o.kind === 'orderer');
  const peerOrgs = opts.material.orgs.filter((o) => o.kind === 'peer');
  if (ordererOrgs.length === 0) throw new GenesisOptionsError('the material has no orderer organization');
  if (peerOrgs.length === 0) throw new GenesisOptionsError('the material has no peer organization');

  const hashing = new common.HashingAlgorithm();
  hashing.setName('SHA256');
  const dataHashing = new common.BlockDataHashingStructure();
  dataHashing.setWidth(MAX_UINT32);

  const channel = group();
  const values = channel.getValuesMap();
  values.set('HashingAlgorithm', value(hashing));
  values.set('BlockDataHashingStructure', value(dataHashing));
  values.set('OrdererAddresses', value(ordererAddresses(opts.ordererAddress)));
  values.set('Capabilities', value(capabilities('V2_0')));
  addImplicitMetaDefaults(channel);
  channel.getGroupsMap().set('Orderer', ordererGroup(opts, ordererOrgs));
  channel.getGroupsMap().set('Application', applicationGroup(opts, peerOrgs));

  const config = new common.Config();
  config.setSequence(0);
  config.setChannelGroup(channel);
  return config;
}
