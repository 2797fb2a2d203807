import { createHash, randomBytes } from 'node:crypto';
import { common } from '../protos';
import { HeaderType } from '../protoutil';
import { blockDataHash, blockHeaderBytes } from '../ledger/blockhash';
import type { SigningIdentity } from '../peer/signer';
import type { ChannelAccess } from '../peer/access';
import { BlockCutter, type BatchSize } from './blockcutter';

const Status = common.Status;
type StatusCode = common.StatusMap[keyof common.StatusMap];

export interface BroadcastResult {
  readonly status: StatusCode;
  readonly info: string;
}

export interface OrdererChannelOptions {
  readonly channelId: string;
  readonly batchSize: BatchSize;
  readonly batchTimeoutMs: number;
  /** Number of the next block and hash of the last one, from the ledger at start-up. */
  readonly nextBlockNumber: number;
  readonly previousHash: Uint8Array;
  readonly lastConfigIndex: number;
  readonly access: ChannelAccess;
  /** Receives every block in order; the committer validates and stores it. */
  readonly deliver: (block: common.Block) => void;
}

interface OrdererChannel {
  readonly options: OrdererChannelOptions;
  readonly cutter: BlockCutter;
  nextNumber: number;
  previousHash: Uint8Array;
}

/**
 * A single ordering node: checks each broadcast envelope against the channel's Writers policy and size
 * limits, batches with Fabric's block cutter, and produces signed, hash-chained blocks.
 */
export class Orderer {
  readonly #identity: SigningIdentity;
  readonly #channels = new Map<string, OrdererChannel>();

  constructor(identity: SigningIdentity) {
    this.#identity = identity;
  }

  addChannel(options: OrdererChannelOptions): void {
    const channel: OrdererChannel = {
      options,
      nextNumber: options.nextBlockNumber,
      previousHash: options.previousHash,
      cutter: new BlockCutter({
        batchSize: options.batchSize,
        batchTimeoutMs: options.batchTimeoutMs,
        onBatch: (batch) => this.#createBlock(channel, batch),
      }),
    };
    this.#channels.set(options.channelId, channel);
  }

  /** Fabric's Broadcast for one envelope: SUCCESS once it is queued for a block. */
  async broadcast(envelopeBytes: Uint8Array): Promise<BroadcastResult> {
    let envelope: common.Envelope;
    let channelHeader: common.ChannelHeader;
    let signatureHeader: common.SignatureHeader;
    try {
      envelope = common.Envelope.deserializeBinary(envelopeBytes);
      const payload = common.Payload.deserializeBinary(envelope.getPayload_asU8());
      const header = payload.getHeader();
      if (!header) return bad('bad payload: missing header');
      channelHeader = common.ChannelHeader.deserializeBinary(header.getChannelHeader_asU8());
      signatureHeader = common.SignatureHeader.deserializeBinary(header.getSignatureHeader_asU8());
    } catch (err) {
      return bad(`bad envelope: ${(err as Error).message}`);
    }
    const channel = this.#channels.get(channelHeader.getChannelId());
    if (!channel) {
      return { status: Status.NOT_FOUND, info: `channel ${channelHeader.getChannelId()} does not exist` };
    }
    const { absoluteMaxBytes } = channel.options.batchSize;
    if (envelopeBytes.length > absoluteMaxBytes) {
      return {
        status: Status.REQUEST_ENTITY_TOO_LARGE,
        info: `message payload is ${envelopeBytes.length} bytes and exceeds maximum allowed ${absoluteMaxBytes} bytes`,
      };
    }
    if (channelHeader.getType() !== HeaderType.ENDORSER_TRANSACTION) {
      return bad(
        `message of type ${channelHeader.getType()} is not supported by the devnet orderer (no config updates)`,
      );
    }
    if (envelope.getSignature_asU8().length === 0) return bad('envelope must be signed');
    const denied = await channel.options.access.checkPolicy('/Channel/Writers', {
      identity: signatureHeader.getCreator_asU8(),
      data: envelope.getPayload_asU8(),
      signature: envelope.getSignature_asU8(),
    });
    if (denied) return { status: Status.FORBIDDEN, info: denied };
    channel.cutter.ordered(envelopeBytes);
    return { status: Status.SUCCESS, info: '' };
  }

  #createBlock(channel: OrdererChannel, batch: Uint8Array[]): void {
    const number = channel.nextNumber++;
    const header = new common.BlockHeader();
    header.setNumber(number);
    header.setPreviousHash(channel.previousHash);
    header.setDataHash(blockDataHash(batch));
    const data = new common.BlockData();
    data.setDataList(batch);
    const block = new common.Block();
    block.setHeader(header);
    block.setData(data);
    block.setMetadata(this.#metadata(header, channel.options.lastConfigIndex));
    const headerBytes = blockHeaderBytes(number, header.getPreviousHash_asU8(), header.getDataHash_asU8());
    channel.previousHash = sha256(headerBytes);
    channel.options.deliver(block);
  }

  /** Fabric 2.x block metadata: orderer signature over (OrdererBlockMetadata, signature header, header). */
  #metadata(header: common.BlockHeader, lastConfigIndex: number): common.BlockMetadata {
    const lastConfig = new common.LastConfig();
    lastConfig.setIndex(lastConfigIndex);
    const ordererMetadata = new common.OrdererBlockMetadata();
    ordererMetadata.setLastConfig(lastConfig);
    const value = ordererMetadata.serializeBinary();
    const sigHeader = new common.SignatureHeader();
    sigHeader.setCreator(this.#identity.serialized);
    sigHeader.setNonce(randomBytes(24));
    const sigHeaderBytes = sigHeader.serializeBinary();
    const headerBytes = blockHeaderBytes(
      header.getNumber(),
      header.getPreviousHash_asU8(),
      header.getDataHash_asU8(),
    );
    const signature = new common.MetadataSignature();
    signature.setSignatureHeader(sigHeaderBytes);
    signature.setSignature(this.#identity.sign(Buffer.concat([value, sigHeaderBytes, headerBytes])));
    const signatures = new common.Metadata();
    signatures.setValue(value);
    signatures.setSignaturesList([signature]);
    const lastConfigMeta = new common.Metadata();
    lastConfigMeta.setValue(lastConfig.serializeBinary());
    const metadata = new common.BlockMetadata();
    // SIGNATURES, LAST_CONFIG, TRANSACTIONS_FILTER (set by the committer), ORDERER, COMMIT_HASH.
    metadata.setMetadataList([
      signatures.serializeBinary(),
      lastConfigMeta.serializeBinary(),
      new Uint8Array(),
      new Uint8Array(),
      new Uint8Array(),
    ]);
    return metadata;
  }

  /** Cuts pending batches now (used at shutdown so queued transactions are not dropped). */
  flush(): void {
    for (const channel of this.#channels.values()) channel.cutter.cut();
  }

  stop(): void {
    for (const channel of this.#channels.values()) channel.cutter.stop();
  }
}

function bad(info: string): BroadcastResult {
  return { status: Status.BAD_REQUEST, info };
}

function sha256(bytes: Uint8Array): Buffer {
  return createHash('sha256').update(bytes).digest();
}
