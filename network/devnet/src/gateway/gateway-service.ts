import * as grpc from '@grpc/grpc-js';
import { common, gateway, orderer, peer } from '../protos';
import { assembleTransaction, unpackProposal, type UnpackedProposal } from '../protoutil';
import { ProposalRejectedError, type Endorser, type EndorsementResult } from '../peer/endorser';
import type { SignedData } from '../peer/access';
import type { Orderer } from '../orderer/orderer';
import type { ChannelView } from './channel-view';
import { rpcError, type EndpointErrorDetail } from './errors';
import { chaincodeEventsOf } from './events';

const Status = grpc.status;

export interface GatewayServiceOptions {
  /** The peer this gateway runs on: its endorser is always asked first. */
  readonly local: Endorser;
  /** Every endorsing peer of the network, the local one included. */
  readonly endorsers: () => readonly Endorser[];
  readonly orderer: Orderer;
  readonly ordererAddress: string;
  readonly channel: (channelId: string) => ChannelView | undefined;
}

/**
 * The peer's gateway.Gateway service as fabric-gateway 1.x uses it. Endorsement follows Fabric's gateway:
 * the local peer first, then further organisations' peers until the chaincode's endorsement policy is met;
 * once the peers that meet a chaincode's policy are known, they are asked together with the local peer.
 */
export class GatewayService {
  readonly #options: GatewayServiceOptions;
  /** The peers whose endorsements satisfied each chaincode's policy last time, to ask them at once. */
  readonly #layouts = new Map<string, readonly Endorser[]>();

  constructor(options: GatewayServiceOptions) {
    this.#options = options;
  }

  implementation(): grpc.UntypedServiceImplementation {
    return {
      endorse: unary((req: gateway.EndorseRequest) => this.endorse(req)),
      submit: unary((req: gateway.SubmitRequest) => this.submit(req)),
      commitStatus: unary((req: gateway.SignedCommitStatusRequest, call) => this.commitStatus(req, call)),
      evaluate: unary((req: gateway.EvaluateRequest) => this.evaluate(req)),
      chaincodeEvents: (
        call: grpc.ServerWritableStream<
          gateway.SignedChaincodeEventsRequest,
          gateway.ChaincodeEventsResponse
        >,
      ) => {
        // grpc-js sends a server stream's status only through its 'error' handler: destroy(err) would drop
        // it and leave the client waiting forever.
        this.chaincodeEvents(call).catch((err: Error) => call.emit('error', err));
      },
    };
  }

  async evaluate(request: gateway.EvaluateRequest): Promise<gateway.EvaluateResponse> {
    const signedProposal = request.getProposedTransaction();
    if (!signedProposal) throw rpcError(Status.INVALID_ARGUMENT, 'an evaluate request is required');
    let unpacked: UnpackedProposal;
    try {
      unpacked = unpackProposal(signedProposal);
    } catch (err) {
      throw rpcError(
        Status.INVALID_ARGUMENT,
        `failed to unpack transaction proposal: ${(err as Error).message}`,
      );
    }
    const targets = request.getTargetOrganizationsList();
    const candidates = this.#candidates(unpacked.chaincodeName, targets.length > 0 ? targets : undefined);
    if (candidates.length === 0) {
      throw rpcError(
        Status.FAILED_PRECONDITION,
        `no peers available to evaluate chaincode ${unpacked.chaincodeName} in channel ${unpacked.channelId}`,
      );
    }
    const details: EndpointErrorDetail[] = [];
    for (const endorser of candidates) {
      const outcome = await this.#process(endorser, signedProposal);
      if (outcome.ok) {
        const result = outcome.result.response.getResponse() ?? new peer.Response();
        const payload = resultOf(outcome.result.response);
        if (payload) result.setPayload(payload);
        const response = new gateway.EvaluateResponse();
        response.setResult(result);
        return response;
      }
      details.push(outcome.detail);
      if (!outcome.retry) {
        throw rpcError(
          outcome.code,
          `evaluate call to endorser returned error: ${outcome.detail.message}`,
          details,
        );
      }
    }
    throw rpcError(
      Status.ABORTED,
      'failed to evaluate transaction, see attached details for more info',
      details,
    );
  }

  async endorse(request: gateway.EndorseRequest): Promise<gateway.EndorseResponse> {
    const signedProposal = request.getProposedTransaction();
    if (!signedProposal || signedProposal.getProposalBytes_asU8().length === 0) {
      throw rpcError(Status.INVALID_ARGUMENT, 'the proposed transaction must contain a signed proposal');
    }
    let unpacked: UnpackedProposal;
    try {
      unpacked = unpackProposal(signedProposal);
    } catch (err) {
      throw rpcError(Status.INVALID_ARGUMENT, (err as Error).message);
    }
    const channel = this.#options.channel(unpacked.channelId);
    if (!channel) throw rpcError(Status.FAILED_PRECONDITION, `channel '${unpacked.channelId}' not found`);
    const cc = unpacked.chaincodeName;
    const requested = request.getEndorsingOrganizationsList();
    const details: EndpointErrorDetail[] = [];
    const collected: EndorsementResult[] = [];
    const usedOrgs = new Set<string>();
    const usedPeers = new Set<Endorser>();
    const endorsedBy: Endorser[] = [];

    const tryEndorsers = async (group: readonly Endorser[]): Promise<void> => {
      const outcomes = await Promise.all(
        group.map(async (e) => ({ e, outcome: await this.#process(e, signedProposal) })),
      );
      for (const { e, outcome } of outcomes) {
        usedPeers.add(e);
        if (outcome.ok) {
          collected.push(outcome.result);
          endorsedBy.push(e);
          usedOrgs.add(e.mspId);
        } else {
          details.push(outcome.detail);
        }
      }
    };

    if (requested.length > 0) {
      // The client chose the organisations and takes responsibility for the policy (Fabric's planForOrgs).
      for (const org of requested) {
        const peers = this.#candidates(cc, [org]);
        if (peers.length === 0)
          throw rpcError(
            Status.UNAVAILABLE,
            `no endorsing peers found for organization ${org} and chaincode ${cc}`,
          );
        for (const p of peers) {
          await tryEndorsers([p]);
          if (usedOrgs.has(org)) break;
        }
      }
      if (collected.length < requested.length) {
        throw rpcError(
          Status.ABORTED,
          'failed to collect enough transaction endorsements, see attached details for more info',
          details,
        );
      }
    } else {
      const first = this.#candidates(cc, [this.#options.local.mspId]);
      const firstGroup = first.length > 0 ? first : this.#candidates(cc);
      // Fabric's gateway waits for the first endorsement before asking the others, because the chaincode's
      // interest (the chaincodes and collections it touched) shapes its plan. Here the plan is the chaincode's
      // policy alone, so once the peers that completed it are known, they are asked together with the first
      // peer: one round of endorsement instead of two (a second organisation no longer doubles the latency).
      const available = new Set(this.#candidates(cc));
      const companions = (this.#layouts.get(cc) ?? []).filter(
        (e) => available.has(e) && !firstGroup.includes(e),
      );
      const firstEndorsed = (): boolean => firstGroup.some((e) => endorsedBy.includes(e));
      for (const e of firstGroup) {
        await tryEndorsers(usedPeers.size === 0 ? [e, ...companions] : [e]);
        if (firstEndorsed()) break;
      }
      if (!firstEndorsed()) {
        throw rpcError(
          Status.ABORTED,
          'failed to endorse transaction, see attached details for more info',
          details,
        );
      }
      const signed = (): SignedData[] => collected.map(signedDataOf);
      if (channel.checkEndorsement(cc, signed())) {
        // Ask the peers that completed the policy last time, all at once (a policy may need two peers of one
        // organisation); then widen one peer at a time.
        const quick = (this.#layouts.get(cc) ?? []).filter((e) => available.has(e) && !usedPeers.has(e));
        if (quick.length > 0) await tryEndorsers(quick);
        while (channel.checkEndorsement(cc, signed())) {
          const next =
            this.#candidates(cc).find((e) => !usedPeers.has(e) && !usedOrgs.has(e.mspId)) ??
            this.#candidates(cc).find((e) => !usedPeers.has(e));
          if (!next) {
            throw rpcError(
              Status.ABORTED,
              'failed to collect enough transaction endorsements, see attached details for more info',
              details.length > 0
                ? details
                : [
                    {
                      address: this.#options.local.address,
                      mspId: this.#options.local.mspId,
                      message: `no combination of available peers satisfies the endorsement policy of chaincode ${cc}`,
                    },
                  ],
            );
          }
          await tryEndorsers([next]);
        }
        this.#layouts.set(cc, endorsedBy);
      }
    }

    const payloads = collected.map((r) => r.response.getPayload_asU8());
    const reference = payloads[0] as Uint8Array;
    if (payloads.some((p) => Buffer.compare(Buffer.from(p), Buffer.from(reference)) !== 0)) {
      throw rpcError(
        Status.ABORTED,
        'failed to collect enough transaction endorsements, see attached details for more info',
        [
          {
            address: this.#options.local.address,
            mspId: this.#options.local.mspId,
            message:
              'ProposalResponsePayloads do not match: the chaincode is not deterministic or the state changed between endorsements',
          },
        ],
      );
    }
    const endorsements = uniqueEndorsements(
      collected.map((r) => r.response.getEndorsement()).filter((e): e is peer.Endorsement => e !== undefined),
    );
    const envelope = assembleTransaction(unpacked, reference, endorsements);
    const response = new gateway.EndorseResponse();
    response.setPreparedTransaction(envelope);
    return response;
  }

  async submit(request: gateway.SubmitRequest): Promise<gateway.SubmitResponse> {
    const txn = request.getPreparedTransaction();
    if (!txn) throw rpcError(Status.INVALID_ARGUMENT, 'a prepared transaction is required');
    if (txn.getSignature_asU8().length === 0)
      throw rpcError(Status.INVALID_ARGUMENT, 'prepared transaction must be signed');
    const result = await this.#options.orderer.broadcast(txn.serializeBinary());
    if (result.status === common.Status.SUCCESS) return new gateway.SubmitResponse();
    const statusName =
      Object.entries(common.Status).find(([, v]) => v === result.status)?.[0] ?? String(result.status);
    const message = `received unsuccessful response from orderer: status=${statusName}, info=${result.info}`;
    if (result.status >= 400 && result.status < 500) throw rpcError(Status.ABORTED, message);
    throw rpcError(Status.UNAVAILABLE, 'no orderers could successfully process transaction', [
      { address: this.#options.ordererAddress, mspId: 'OrdererMSP', message },
    ]);
  }

  async commitStatus(
    signed: gateway.SignedCommitStatusRequest,
    call: grpc.ServerUnaryCall<unknown, unknown>,
  ): Promise<gateway.CommitStatusResponse> {
    if (signed.getRequest_asU8().length === 0)
      throw rpcError(Status.INVALID_ARGUMENT, 'a commit status request is required');
    let request: gateway.CommitStatusRequest;
    try {
      request = gateway.CommitStatusRequest.deserializeBinary(signed.getRequest_asU8());
    } catch (err) {
      throw rpcError(Status.INVALID_ARGUMENT, `invalid status request: ${(err as Error).message}`);
    }
    const channel = this.#requireChannel(request.getChannelId(), Status.FAILED_PRECONDITION);
    const denied = await channel.checkReader({
      identity: request.getIdentity_asU8(),
      data: signed.getRequest_asU8(),
      signature: signed.getSignature_asU8(),
    });
    if (denied) throw rpcError(Status.PERMISSION_DENIED, denied);
    const abort = new AbortController();
    call.on('cancelled', () => abort.abort());
    const location = await channel.waitForTransaction(request.getTransactionId(), abort.signal);
    const response = new gateway.CommitStatusResponse();
    response.setResult(location.validationCode as peer.TxValidationCodeMap[keyof peer.TxValidationCodeMap]);
    response.setBlockNumber(location.blockNum);
    return response;
  }

  async chaincodeEvents(
    call: grpc.ServerWritableStream<gateway.SignedChaincodeEventsRequest, gateway.ChaincodeEventsResponse>,
  ): Promise<void> {
    const signed = call.request;
    if (signed.getRequest_asU8().length === 0)
      throw rpcError(Status.INVALID_ARGUMENT, 'a chaincode events request is required');
    let request: gateway.ChaincodeEventsRequest;
    try {
      request = gateway.ChaincodeEventsRequest.deserializeBinary(signed.getRequest_asU8());
    } catch (err) {
      throw rpcError(Status.INVALID_ARGUMENT, `invalid chaincode events request: ${(err as Error).message}`);
    }
    const channel = this.#requireChannel(request.getChannelId(), Status.NOT_FOUND);
    const denied = await channel.checkReader({
      identity: request.getIdentity_asU8(),
      data: signed.getRequest_asU8(),
      signature: signed.getSignature_asU8(),
    });
    if (denied) throw rpcError(Status.PERMISSION_DENIED, denied);

    const chaincodeId = request.getChaincodeId();
    const afterTxId = request.getAfterTransactionId();
    let start: number | undefined;
    if (afterTxId !== '') start = (await channel.getTxLocation(afterTxId))?.blockNum;
    if (start === undefined) {
      const position = request.getStartPosition();
      switch (position?.getTypeCase() ?? orderer.SeekPosition.TypeCase.TYPE_NOT_SET) {
        case orderer.SeekPosition.TypeCase.SPECIFIED:
          start = position?.getSpecified()?.getNumber() ?? 0;
          break;
        case orderer.SeekPosition.TypeCase.TYPE_NOT_SET:
        case orderer.SeekPosition.TypeCase.NEXT_COMMIT:
          start = channel.height;
          break;
        default:
          throw rpcError(Status.INVALID_ARGUMENT, `invalid start position type: ${position?.getTypeCase()}`);
      }
    }
    const abort = new AbortController();
    call.on('cancelled', () => abort.abort());
    call.on('close', () => abort.abort());
    let passedAfter = afterTxId === '';
    for (let n = start; !abort.signal.aborted; n++) {
      if (n >= channel.height) {
        try {
          await channel.waitForBlock(n, abort.signal);
        } catch {
          return;
        }
      }
      const parsed = await channel.parsedBlock(n);
      const events: peer.ChaincodeEvent[] = [];
      for (const event of chaincodeEventsOf(parsed)) {
        if (!passedAfter) {
          if (event.getTxId() === afterTxId) passedAfter = true;
          continue;
        }
        if (event.getChaincodeId() === chaincodeId) events.push(event);
      }
      if (events.length === 0) continue;
      const response = new gateway.ChaincodeEventsResponse();
      response.setBlockNumber(n);
      response.setEventsList(events);
      if (!call.write(response)) await new Promise((resolve) => call.once('drain', resolve));
    }
  }

  #requireChannel(channelId: string, code: grpc.status): ChannelView {
    const channel = this.#options.channel(channelId);
    if (!channel) throw rpcError(code, `channel '${channelId}' not found`);
    return channel;
  }

  /** Connected peers that can run the chaincode, local peer first, optionally limited to some organisations. */
  #candidates(chaincode: string, orgs?: readonly string[]): Endorser[] {
    const local = this.#options.local;
    return this.#options
      .endorsers()
      .filter((e) => e.hasChaincode(chaincode) && (!orgs || orgs.includes(e.mspId)))
      .sort((a, b) => Number(b === local) - Number(a === local));
  }

  async #process(
    endorser: Endorser,
    signedProposal: peer.SignedProposal,
  ): Promise<
    | { ok: true; result: EndorsementResult }
    | { ok: false; code: grpc.status; retry: boolean; detail: EndpointErrorDetail }
  > {
    const detail = (message: string): EndpointErrorDetail => ({
      address: endorser.address,
      mspId: endorser.mspId,
      message,
    });
    try {
      const result = await endorser.processProposal(signedProposal);
      const response = result.response.getResponse();
      const status = response?.getStatus() ?? 500;
      if (status >= 200 && status < 400) return { ok: true, result };
      const message = response?.getMessage() ?? '';
      if (result.response.getPayload_asU8().length === 0 && status === 500) {
        return { ok: false, code: Status.ABORTED, retry: true, detail: detail(message) };
      }
      return {
        ok: false,
        code: Status.UNKNOWN,
        retry: false,
        detail: detail(`chaincode response ${status}, ${message}`),
      };
    } catch (err) {
      if (err instanceof ProposalRejectedError) {
        return { ok: false, code: Status.FAILED_PRECONDITION, retry: false, detail: detail(err.message) };
      }
      return { ok: false, code: Status.UNAVAILABLE, retry: true, detail: detail((err as Error).message) };
    }
  }
}

function signedDataOf(result: EndorsementResult): SignedData {
  const e = result.response.getEndorsement() as peer.Endorsement;
  return {
    identity: e.getEndorser_asU8(),
    data: Buffer.concat([result.response.getPayload_asU8(), e.getEndorser_asU8()]),
    signature: e.getSignature_asU8(),
  };
}

function uniqueEndorsements(endorsements: peer.Endorsement[]): peer.Endorsement[] {
  const seen = new Set<string>();
  return endorsements.filter((e) => {
    const key = Buffer.from(e.getEndorser_asU8()).toString('base64');
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** The transaction result is the chaincode action's response payload, not ProposalResponse.response's. */
function resultOf(response: peer.ProposalResponse): Uint8Array | undefined {
  try {
    const prp = peer.ProposalResponsePayload.deserializeBinary(response.getPayload_asU8());
    const action = peer.ChaincodeAction.deserializeBinary(prp.getExtension_asU8());
    return action.getResponse()?.getPayload_asU8();
  } catch {
    return undefined;
  }
}

type UnaryHandler<Req, Res> = (request: Req, call: grpc.ServerUnaryCall<Req, Res>) => Promise<Res>;

/** Adapts a promise-returning handler to grpc-js, turning thrown errors into gRPC statuses. */
function unary<Req, Res>(handler: UnaryHandler<Req, Res>): grpc.handleUnaryCall<Req, Res> {
  return (call, callback) => {
    handler(call.request, call).then(
      (res) => callback(null, res),
      (err: Partial<grpc.StatusObject> & Error) => {
        if (typeof err.code === 'number') callback(err);
        else callback({ code: Status.INTERNAL, details: err.message });
      },
    );
  };
}
export { unary };
