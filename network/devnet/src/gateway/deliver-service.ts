import type * as grpc from '@grpc/grpc-js';
import { common, orderer, peer } from '../protos';
import type { ChannelView, ParsedBlock } from './channel-view';
import { chaincodeEventsOf } from './events';

const Status = common.Status;
type StatusCode = common.StatusMap[keyof common.StatusMap];
const DELIVER_SEEK_INFO = 5;
/** uint64 max arrives as a double; anything past 2^53 means "no end". */
const UNBOUNDED = Number.MAX_SAFE_INTEGER;

type Kind = 'block' | 'filtered' | 'private';

export interface DeliverServiceOptions {
  readonly channel: (channelId: string) => ChannelView | undefined;
}

/** Fabric's peer Deliver service: blocks, filtered blocks and blocks with (empty) private data. */
export class DeliverService {
  readonly #options: DeliverServiceOptions;

  constructor(options: DeliverServiceOptions) {
    this.#options = options;
  }

  implementation(): grpc.UntypedServiceImplementation {
    return {
      deliver: (call: grpc.ServerDuplexStream<common.Envelope, peer.DeliverResponse>) =>
        this.#serve(call, 'block'),
      deliverFiltered: (call: grpc.ServerDuplexStream<common.Envelope, peer.DeliverResponse>) =>
        this.#serve(call, 'filtered'),
      deliverWithPrivateData: (call: grpc.ServerDuplexStream<common.Envelope, peer.DeliverResponse>) =>
        this.#serve(call, 'private'),
    };
  }

  #serve(call: grpc.ServerDuplexStream<common.Envelope, peer.DeliverResponse>, kind: Kind): void {
    const abort = new AbortController();
    let chain = Promise.resolve();
    call.on('data', (envelope: common.Envelope) => {
      // Requests on one stream are answered one after another, as Fabric's deliver handler does.
      chain = chain.then(() => this.#handle(call, envelope, kind, abort.signal)).catch(() => undefined);
    });
    call.on('end', () => {
      void chain.then(() => call.end());
    });
    call.on('cancelled', () => abort.abort());
    call.on('error', () => abort.abort());
  }

  async #handle(
    call: grpc.ServerDuplexStream<common.Envelope, peer.DeliverResponse>,
    envelope: common.Envelope,
    kind: Kind,
    signal: AbortSignal,
  ): Promise<void> {
    const sendStatus = (status: StatusCode): void => {
      const response = new peer.DeliverResponse();
      response.setStatus(status);
      call.write(response);
    };
    let channelHeader: common.ChannelHeader;
    let signatureHeader: common.SignatureHeader;
    let seekInfo: orderer.SeekInfo;
    try {
      const payload = common.Payload.deserializeBinary(envelope.getPayload_asU8());
      const header = payload.getHeader();
      if (!header) return sendStatus(Status.BAD_REQUEST);
      channelHeader = common.ChannelHeader.deserializeBinary(header.getChannelHeader_asU8());
      signatureHeader = common.SignatureHeader.deserializeBinary(header.getSignatureHeader_asU8());
      if (channelHeader.getType() !== DELIVER_SEEK_INFO) return sendStatus(Status.BAD_REQUEST);
      seekInfo = orderer.SeekInfo.deserializeBinary(payload.getData_asU8());
    } catch {
      return sendStatus(Status.BAD_REQUEST);
    }
    const channel = this.#options.channel(channelHeader.getChannelId());
    if (!channel) return sendStatus(Status.NOT_FOUND);
    const denied = await channel.checkReader({
      identity: signatureHeader.getCreator_asU8(),
      data: envelope.getPayload_asU8(),
      signature: envelope.getSignature_asU8(),
    });
    if (denied) return sendStatus(Status.FORBIDDEN);

    const height = channel.height;
    const start = position(seekInfo.getStart(), height, 0);
    const stop = start === undefined ? undefined : position(seekInfo.getStop(), height, start);
    if (start === undefined || stop === undefined || stop < start) return sendStatus(Status.BAD_REQUEST);
    const failIfNotReady = seekInfo.getBehavior() === orderer.SeekInfo.SeekBehavior.FAIL_IF_NOT_READY;
    for (let n = start; n <= stop; n++) {
      if (signal.aborted) return;
      if (n >= channel.height) {
        if (failIfNotReady) return sendStatus(Status.NOT_FOUND);
        try {
          await channel.waitForBlock(n, signal);
        } catch {
          return;
        }
      }
      const response = new peer.DeliverResponse();
      if (kind === 'block') {
        response.setBlock(await channel.getBlock(n));
      } else if (kind === 'private') {
        const bpd = new peer.BlockAndPrivateData();
        bpd.setBlock(await channel.getBlock(n));
        response.setBlockAndPrivateData(bpd);
      } else {
        response.setFilteredBlock(filteredBlock(channel.channelId, await channel.parsedBlock(n)));
      }
      if (!call.write(response)) await new Promise((resolve) => call.once('drain', resolve));
    }
    sendStatus(Status.SUCCESS);
  }
}

function position(
  pos: orderer.SeekPosition | undefined,
  height: number,
  fallback: number,
): number | undefined {
  switch (pos?.getTypeCase()) {
    case orderer.SeekPosition.TypeCase.OLDEST:
      return 0;
    case orderer.SeekPosition.TypeCase.NEWEST:
      return Math.max(0, height - 1);
    case orderer.SeekPosition.TypeCase.NEXT_COMMIT:
      return height;
    case orderer.SeekPosition.TypeCase.SPECIFIED: {
      const n = pos.getSpecified()?.getNumber() ?? 0;
      return n > UNBOUNDED ? UNBOUNDED : n;
    }
    default:
      return pos === undefined ? fallback : undefined;
  }
}

/** Fabric's FilteredBlock: per transaction its id, type, validation code and event names (no payloads). */
function filteredBlock(channelId: string, parsed: ParsedBlock): peer.FilteredBlock {
  const fb = new peer.FilteredBlock();
  fb.setChannelId(channelId);
  fb.setNumber(parsed.block.getHeader()?.getNumber() ?? 0);
  const events = [...chaincodeEventsOf(parsed)];
  fb.setFilteredTransactionsList(
    parsed.transactions.map((tx, i) => {
      const ft = new peer.FilteredTransaction();
      ft.setTxid(tx?.txId ?? '');
      ft.setType((tx?.type ?? 0) as common.HeaderTypeMap[keyof common.HeaderTypeMap]);
      ft.setTxValidationCode(
        (parsed.validationCodes[i] ?? 255) as peer.TxValidationCodeMap[keyof peer.TxValidationCodeMap],
      );
      if (tx && tx.type === 3) {
        const actions = new peer.FilteredTransactionActions();
        actions.setChaincodeActionsList(
          events
            .filter((e) => e.getTxId() === tx.txId)
            .map((e) => {
              const stripped = new peer.ChaincodeEvent();
              stripped.setChaincodeId(e.getChaincodeId());
              stripped.setTxId(e.getTxId());
              stripped.setEventName(e.getEventName());
              const action = new peer.FilteredChaincodeAction();
              action.setChaincodeEvent(stripped);
              return action;
            }),
        );
        ft.setTransactionActions(actions);
      }
      return ft;
    }),
  );
  return fb;
}
