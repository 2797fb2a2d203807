import { createHash, randomBytes } from 'node:crypto';
import { Timestamp } from 'google-protobuf/google/protobuf/timestamp_pb';
import { common } from '../protos';
import { computeBlockDataHash } from './blockhash';
import { buildChannelConfig, type ChannelConfigOptions } from './config';
import { GenesisOptionsError, NotAConfigBlockError } from './errors';

const HEADER_TYPE_CONFIG = 1;
// Fabric's BlockMetadataIndex has five slots; NewBlock allocates all of them.
const METADATA_SLOTS = 5;
const METADATA_SIGNATURES = 0;
const METADATA_LAST_CONFIG = 1;
const METADATA_TRANSACTIONS_FILTER = 2;

export interface GenesisBlockOptions extends Omit<ChannelConfigOptions, 'material'> {
  readonly channelId: string;
  readonly material: ChannelConfigOptions['material'];
}

/** Same as configtxgen's genesis.Factory.Block for an application channel. */
export function buildGenesisBlock(opts: GenesisBlockOptions): common.Block {
  // Fabric's channel-name rule (common/configtx/validator.go).
  if (!/^[a-z][a-z0-9.-]{0,248}$/.test(opts.channelId)) {
    throw new GenesisOptionsError(`invalid channel id '${opts.channelId}'`);
  }
  const config = buildChannelConfig(opts);
  const configEnvelope = new common.ConfigEnvelope();
  configEnvelope.setConfig(config);

  const nonce = randomBytes(24);
  const creator = new Uint8Array(0);
  const timestamp = new Timestamp();
  timestamp.setSeconds(Math.floor(Date.now() / 1000));
  timestamp.setNanos(0);

  const channelHeader = new common.ChannelHeader();
  channelHeader.setType(HEADER_TYPE_CONFIG);
  channelHeader.setVersion(1);
  channelHeader.setTimestamp(timestamp);
  channelHeader.setChannelId(opts.channelId);
  channelHeader.setEpoch(0);
  // protoutil.ComputeTxID: hex(SHA-256(nonce || creator)).
  channelHeader.setTxId(createHash('sha256').update(nonce).update(creator).digest('hex'));

  const signatureHeader = new common.SignatureHeader();
  signatureHeader.setCreator(creator);
  signatureHeader.setNonce(nonce);

  const header = new common.Header();
  header.setChannelHeader(channelHeader.serializeBinary());
  header.setSignatureHeader(signatureHeader.serializeBinary());
  const payload = new common.Payload();
  payload.setHeader(header);
  payload.setData(configEnvelope.serializeBinary());
  const envelope = new common.Envelope();
  envelope.setPayload(payload.serializeBinary());

  const data = new common.BlockData();
  data.setDataList([envelope.serializeBinary()]);
  const blockHeader = new common.BlockHeader();
  blockHeader.setNumber(0);
  blockHeader.setPreviousHash(new Uint8Array(0));
  blockHeader.setDataHash(computeBlockDataHash(data));

  const lastConfig = new common.LastConfig();
  lastConfig.setIndex(0);
  const lastConfigMetadata = new common.Metadata();
  lastConfigMetadata.setValue(lastConfig.serializeBinary());
  const ordererMetadata = new common.OrdererBlockMetadata();
  ordererMetadata.setLastConfig(lastConfig);
  const signaturesMetadata = new common.Metadata();
  signaturesMetadata.setValue(ordererMetadata.serializeBinary());

  const slots: Uint8Array[] = Array.from({ length: METADATA_SLOTS }, () => new Uint8Array(0));
  slots[METADATA_SIGNATURES] = signaturesMetadata.serializeBinary();
  slots[METADATA_LAST_CONFIG] = lastConfigMetadata.serializeBinary();
  // The committer marks the config tx VALID (0) when it commits block 0; pre-filled for consumers.
  slots[METADATA_TRANSACTIONS_FILTER] = Uint8Array.of(0);
  const metadata = new common.BlockMetadata();
  metadata.setMetadataList(slots);

  const block = new common.Block();
  block.setHeader(blockHeader);
  block.setData(data);
  block.setMetadata(metadata);
  return block;
}

/** Extracts the channel Config from a config block (genesis or reconfiguration). */
export function parseConfigBlock(block: common.Block): common.Config {
  const entries = block.getData()?.getDataList_asU8() ?? [];
  if (entries.length !== 1)
    throw new NotAConfigBlockError(`expected exactly one envelope, found ${entries.length}`);
  try {
    const envelope = common.Envelope.deserializeBinary(entries[0] as Uint8Array);
    const payload = common.Payload.deserializeBinary(envelope.getPayload_asU8());
    const headerBytes = payload.getHeader()?.getChannelHeader_asU8();
    if (!headerBytes) throw new NotAConfigBlockError('payload has no channel header');
    const channelHeader = common.ChannelHeader.deserializeBinary(headerBytes);
    if (channelHeader.getType() !== HEADER_TYPE_CONFIG) {
      throw new NotAConfigBlockError(`header type is ${channelHeader.getType()}, not CONFIG`);
    }
    const config = common.ConfigEnvelope.deserializeBinary(payload.getData_asU8()).getConfig();
    if (!config?.getChannelGroup()) throw new NotAConfigBlockError('config envelope has no channel group');
    return config;
  } catch (err) {
    if (err instanceof NotAConfigBlockError) throw err;
    throw new NotAConfigBlockError(`malformed protobuf: ${(err as Error).message}`);
  }
}
