import { peer } from '../protos';
import { computeTxId, proposalHash, timestampNow, unpackProposal, type UnpackedProposal } from '../protoutil';
import { ChaincodeUnavailableError, type ChaincodeInvocation } from './chaincode-connection';
import type { ChaincodeConnections, ChannelServices } from './channel';
import type { SigningIdentity } from './signer';
import { TxSimulator } from './simulator';
import type { ChannelAccess } from './access';

/** Chaincode responses at or above this status are errors (shim.ERRORTHRESHOLD). */
const ERROR_THRESHOLD = 400;

/** A proposal refused before execution (bad signature, access denied, duplicate txid, unknown chaincode). */
export class ProposalRejectedError extends Error {
  override readonly name = 'ProposalRejectedError';
}

export interface EndorserOptions {
  readonly address: string;
  readonly identity: SigningIdentity;
  readonly channels: (channelId: string) => (ChannelServices & ChannelAccess) | undefined;
  readonly chaincodes: ChaincodeConnections;
}

export interface EndorsementResult {
  readonly unpacked: UnpackedProposal;
  readonly response: peer.ProposalResponse;
}

/** One peer's endorser: checks a proposal, runs the chaincode against committed state, signs the result. */
export class Endorser {
  readonly address: string;
  readonly identity: SigningIdentity;
  readonly #options: EndorserOptions;

  constructor(options: EndorserOptions) {
    this.address = options.address;
    this.identity = options.identity;
    this.#options = options;
  }

  get mspId(): string {
    return this.identity.mspId;
  }

  hasChaincode(name: string): boolean {
    return this.#options.chaincodes.get(name)?.ready ?? false;
  }

  /** Validates the proposal the way Fabric's endorser preprocess does; throws ProposalRejectedError. */
  async check(
    signedProposal: peer.SignedProposal,
  ): Promise<{ unpacked: UnpackedProposal; channel: ChannelServices }> {
    let unpacked: UnpackedProposal;
    try {
      unpacked = unpackProposal(signedProposal);
    } catch (err) {
      throw new ProposalRejectedError((err as Error).message);
    }
    const channel = this.#options.channels(unpacked.channelId);
    if (!channel) throw new ProposalRejectedError(`channel '${unpacked.channelId}' not found`);
    const expected = computeTxId(unpacked.signatureHeader.getNonce_asU8(), unpacked.creator);
    if (unpacked.txId !== expected) {
      throw new ProposalRejectedError(
        `incorrectly computed txid '${unpacked.txId}' -- expected '${expected}'`,
      );
    }
    const denied = await channel.checkWriter(
      unpacked.creator,
      signedProposal.getProposalBytes_asU8(),
      signedProposal.getSignature_asU8(),
    );
    if (denied) throw new ProposalRejectedError(`access denied: channel [${unpacked.channelId}] ${denied}`);
    if (await channel.hasTxId(unpacked.txId)) {
      throw new ProposalRejectedError(
        `duplicate transaction found [${unpacked.txId}]. Creator [${channel.describeCreator(unpacked.creator)}]`,
      );
    }
    if (!channel.chaincode(unpacked.chaincodeName)) {
      throw new ProposalRejectedError(
        `make sure the chaincode ${unpacked.chaincodeName} has been successfully defined on channel ${unpacked.channelId} and try again: chaincode ${unpacked.chaincodeName} not found`,
      );
    }
    return { unpacked, channel };
  }

  /**
   * Fabric's ProcessProposal. Resolves with a ProposalResponse: endorsed (status < 400), or the chaincode's
   * or peer's error response without a payload. Rejects only for proposals refused before execution.
   */
  async processProposal(signedProposal: peer.SignedProposal): Promise<EndorsementResult> {
    const { unpacked, channel } = await this.check(signedProposal);
    const simulator = new TxSimulator(channel.state);
    let completed: peer.ChaincodeMessage;
    try {
      completed = await this.#execute(unpacked.chaincodeName, unpacked, unpacked.input, simulator, 0);
    } catch (err) {
      const message =
        err instanceof ChaincodeUnavailableError
          ? err.message
          : `error in simulation: ${(err as Error).message}`;
      return { unpacked, response: errorResponse(500, message) };
    }
    if (completed.getType() === peer.ChaincodeMessage.Type.ERROR) {
      const text = Buffer.from(completed.getPayload_asU8()).toString();
      return {
        unpacked,
        response: errorResponse(500, `error in simulation: transaction returned with failure: ${text}`),
      };
    }
    const ccResponse = peer.Response.deserializeBinary(completed.getPayload_asU8());
    const action = new peer.ChaincodeAction();
    action.setResults(simulator.results());
    const event = completed.getChaincodeEvent();
    if (event) {
      // The shim sends only name and payload; the peer stamps the chaincode and transaction.
      event.setChaincodeId(unpacked.chaincodeName);
      event.setTxId(unpacked.txId);
      action.setEvents(event.serializeBinary());
    }
    action.setResponse(ccResponse);
    const ccId = new peer.ChaincodeID();
    ccId.setName(unpacked.chaincodeName);
    ccId.setVersion(channel.chaincode(unpacked.chaincodeName)?.version ?? '');
    action.setChaincodeId(ccId);

    const prp = new peer.ProposalResponsePayload();
    prp.setProposalHash(proposalHash(unpacked));
    prp.setExtension$(action.serializeBinary());
    const prpBytes = prp.serializeBinary();

    const response = new peer.ProposalResponse();
    response.setVersion(1);
    response.setTimestamp(timestampNow());
    response.setResponse(ccResponse);
    response.setPayload(prpBytes);
    const interest = new peer.ChaincodeInterest();
    const call = new peer.ChaincodeCall();
    call.setName(unpacked.chaincodeName);
    interest.setChaincodesList([call]);
    response.setInterest(interest);
    if (ccResponse.getStatus() >= ERROR_THRESHOLD) {
      // As Fabric: a chaincode error carries the (unendorsed) payload, which tells the gateway the error
      // came from the chaincode rather than the peer.
      return { unpacked, response };
    }

    const endorsement = new peer.Endorsement();
    endorsement.setEndorser(this.identity.serialized);
    endorsement.setSignature(this.identity.sign(Buffer.concat([prpBytes, this.identity.serialized])));
    response.setEndorsement(endorsement);
    return { unpacked, response };
  }

  async #execute(
    name: string,
    unpacked: UnpackedProposal,
    input: peer.ChaincodeInput,
    simulator: TxSimulator,
    depth: number,
  ): Promise<peer.ChaincodeMessage> {
    const connection = this.#options.chaincodes.get(name);
    if (!connection) throw new Error(`chaincode ${name} not found`);
    if (depth > 8) throw new Error('chaincode-to-chaincode invocation is nested too deeply');
    const invocation: ChaincodeInvocation = {
      txId: unpacked.txId,
      channelId: unpacked.channelId,
      signedProposal: unpacked.signedProposal,
      input,
      simulator,
      invokeChaincode: (callee, calleeInput) =>
        this.#execute(callee, unpacked, calleeInput, simulator, depth + 1),
    };
    return connection.execute(invocation);
  }
}

function errorResponse(status: number, message: string): peer.ProposalResponse {
  const r = new peer.Response();
  r.setStatus(status);
  r.setMessage(message);
  const response = new peer.ProposalResponse();
  response.setResponse(r);
  return response;
}
