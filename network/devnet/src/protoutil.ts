import { createHash } from 'node:crypto';
import { Timestamp } from 'google-protobuf/google/protobuf/timestamp_pb';
import { common, peer } from './protos';

/** Fabric's HeaderType values that the devnet handles. */
export const HeaderType = {
  CONFIG: 1,
  ENDORSER_TRANSACTION: 3,
} as const;

/** A proposal decoded once and shared by the endorser, the gateway and the chaincode handler. */
export interface UnpackedProposal {
  readonly signedProposal: peer.SignedProposal;
  readonly proposal: peer.Proposal;
  readonly header: common.Header;
  readonly channelHeader: common.ChannelHeader;
  readonly signatureHeader: common.SignatureHeader;
  readonly proposalPayload: peer.ChaincodeProposalPayload;
  readonly input: peer.ChaincodeInput;
  readonly chaincodeName: string;
  readonly channelId: string;
  readonly txId: string;
  readonly creator: Uint8Array;
}

export class ProposalFormatError extends Error {
  override readonly name = 'ProposalFormatError';
}

function decode<T>(what: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw new ProposalFormatError(`failed to unmarshal ${what}: ${(err as Error).message}`);
  }
}

/**
 * Proposals already decoded, by the received message: the gateway and each endorser it asks (in this
 * process) unpack the same SignedProposal, six protobuf decodes each time.
 */
const unpackedProposals = new WeakMap<peer.SignedProposal, UnpackedProposal>();

/** Decodes a SignedProposal down to the chaincode input, with Fabric's error wording where it has one. */
export function unpackProposal(signedProposal: peer.SignedProposal): UnpackedProposal {
  const cached = unpackedProposals.get(signedProposal);
  if (cached) return cached;
  const unpacked = decodeProposal(signedProposal);
  unpackedProposals.set(signedProposal, unpacked);
  return unpacked;
}

function decodeProposal(signedProposal: peer.SignedProposal): UnpackedProposal {
  const proposalBytes = signedProposal.getProposalBytes_asU8();
  if (proposalBytes.length === 0) {
    throw new ProposalFormatError('the proposed transaction must contain a signed proposal');
  }
  const proposal = decode('proposal', () => peer.Proposal.deserializeBinary(proposalBytes));
  const header = decode('header', () => common.Header.deserializeBinary(proposal.getHeader_asU8()));
  const channelHeader = decode('channel header', () =>
    common.ChannelHeader.deserializeBinary(header.getChannelHeader_asU8()),
  );
  const signatureHeader = decode('signature header', () =>
    common.SignatureHeader.deserializeBinary(header.getSignatureHeader_asU8()),
  );
  if (channelHeader.getType() !== HeaderType.ENDORSER_TRANSACTION) {
    throw new ProposalFormatError(`invalid header type ${channelHeader.getType()}`);
  }
  const proposalPayload = decode('chaincode proposal payload', () =>
    peer.ChaincodeProposalPayload.deserializeBinary(proposal.getPayload_asU8()),
  );
  const spec = decode('chaincode invocation spec', () =>
    peer.ChaincodeInvocationSpec.deserializeBinary(proposalPayload.getInput_asU8()),
  );
  const chaincodeSpec = spec.getChaincodeSpec();
  const channelId = channelHeader.getChannelId();
  if (channelId.length === 0) throw new ProposalFormatError('no channel id provided');
  if (!chaincodeSpec)
    throw new ProposalFormatError(`no chaincode spec is provided, channel id [${channelId}]`);
  const chaincodeName = chaincodeSpec.getChaincodeId()?.getName() ?? '';
  if (chaincodeName.length === 0) {
    throw new ProposalFormatError(`no chaincode name is provided, channel id [${channelId}]`);
  }
  const input = chaincodeSpec.getInput() ?? new peer.ChaincodeInput();
  return {
    signedProposal,
    proposal,
    header,
    channelHeader,
    signatureHeader,
    proposalPayload,
    input,
    chaincodeName,
    channelId,
    txId: channelHeader.getTxId(),
    creator: signatureHeader.getCreator_asU8(),
  };
}

/** Fabric's transaction id: hex(SHA-256(nonce || creator)). */
export function computeTxId(nonce: Uint8Array, creator: Uint8Array): string {
  return createHash('sha256').update(nonce).update(creator).digest('hex');
}

/** The proposal payload as it goes into a transaction: transient data removed (it must never reach a block). */
export function proposalPayloadWithoutTransient(payload: peer.ChaincodeProposalPayload): Uint8Array {
  const stripped = new peer.ChaincodeProposalPayload();
  stripped.setInput(payload.getInput_asU8());
  return stripped.serializeBinary();
}

/**
 * Fabric's GetProposalHash1: SHA-256 over the channel header, the signature header and the proposal payload
 * without transient data, binding an endorsement to exactly one proposal.
 */
export function proposalHash(p: UnpackedProposal): Buffer {
  return createHash('sha256')
    .update(p.header.getChannelHeader_asU8())
    .update(p.header.getSignatureHeader_asU8())
    .update(proposalPayloadWithoutTransient(p.proposalPayload))
    .digest();
}

/** Builds the unsigned transaction envelope the gateway returns from Endorse (protoutil.CreateTx). */
export function assembleTransaction(
  p: UnpackedProposal,
  proposalResponsePayload: Uint8Array,
  endorsements: peer.Endorsement[],
): common.Envelope {
  const endorsedAction = new peer.ChaincodeEndorsedAction();
  endorsedAction.setProposalResponsePayload(proposalResponsePayload);
  endorsedAction.setEndorsementsList(endorsements);
  const actionPayload = new peer.ChaincodeActionPayload();
  actionPayload.setChaincodeProposalPayload(proposalPayloadWithoutTransient(p.proposalPayload));
  actionPayload.setAction(endorsedAction);
  const action = new peer.TransactionAction();
  action.setHeader(p.header.getSignatureHeader_asU8());
  action.setPayload(actionPayload.serializeBinary());
  const tx = new peer.Transaction();
  tx.setActionsList([action]);
  const payload = new common.Payload();
  payload.setHeader(p.header);
  payload.setData(tx.serializeBinary());
  const envelope = new common.Envelope();
  envelope.setPayload(payload.serializeBinary());
  return envelope;
}

export function timestampNow(): Timestamp {
  return timestampOf(Date.now());
}

export function timestampOf(ms: number): Timestamp {
  const ts = new Timestamp();
  ts.setSeconds(Math.floor(ms / 1000));
  ts.setNanos((ms % 1000) * 1_000_000);
  return ts;
}

export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}
