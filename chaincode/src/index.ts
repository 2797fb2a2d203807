// Deployable chaincode package: Fabric's node chaincode launcher loads `main` (dist/index.js) and
// starts every contract listed in `contracts`. Contracts are deterministic: time comes from the
// transaction timestamp, identity from the signed proposal, never from the clock or randomness.
import { Context, Contract, Info, Returns, Transaction } from 'fabric-contract-api';
import { NegotiationContract } from './negotiation.contract';
import { OrderContract } from './order.contract';
import { ReputationContract } from './reputation.contract';
import { ShipmentContract } from './shipment.contract';
import { ReadingContract } from './reading.contract';
import { DeviceContract } from './device.contract';
import { IdeaContract } from './idea.contract';
import { CertificationContract } from './certification.contract';
import { txTime } from './util/time';
import { historyOf } from './util/history';
import { stableStringify } from './util/stable';
import { requireId } from './util/validate';

/** Entities with a history, by kind: their composite-key object type and the contract whose getMany decides who may read them. */
const HISTORY_KINDS: Record<
  string,
  { objectType: string; reader: () => { getMany(ctx: Context, ids: string): Promise<string> } }
> = {
  negotiation: { objectType: 'negotiation', reader: () => new NegotiationContract() },
  order: { objectType: 'order', reader: () => new OrderContract() },
  shipment: { objectType: 'shipment', reader: () => new ShipmentContract() },
  device: { objectType: 'device', reader: () => new DeviceContract() },
  idea: { objectType: 'idea', reader: () => new IdeaContract() },
  certification: { objectType: 'certification', reader: () => new CertificationContract() },
};

@Info({ title: 'SystemContract', description: 'Liveness and identity check for the deployed chaincode' })
export class SystemContract extends Contract {
  constructor() {
    super('system');
  }

  /** Returns {mspId, txId, timestamp} of the calling transaction: proof that the chaincode is reachable. */
  @Transaction(false)
  @Returns('string')
  public ping(ctx: Context): Promise<string> {
    return Promise.resolve(
      JSON.stringify({
        mspId: ctx.clientIdentity.getMSPID(),
        txId: ctx.stub.getTxID(),
        timestamp: txTime(ctx),
      }),
    );
  }

  /**
   * Every committed version of an entity, oldest first: {txId, timestamp, isDelete, value}. Readable by
   * whoever may read the entity itself (the owning contract's getMany decides).
   */
  @Transaction(false)
  @Returns('string')
  public async getHistory(ctx: Context, kind: string, id: string): Promise<string> {
    const spec = Object.prototype.hasOwnProperty.call(HISTORY_KINDS, kind) ? HISTORY_KINDS[kind] : undefined;
    if (!spec) throw new Error(`kind must be one of ${Object.keys(HISTORY_KINDS).join(', ')}`);
    requireId(id, 'id');
    const [current] = JSON.parse(await spec.reader().getMany(ctx, JSON.stringify([id]))) as unknown[];
    if (current === null || current === undefined)
      throw new Error(`${kind} ${id} does not exist or is not readable by the caller`);
    const out = await historyOf<unknown>(ctx, ctx.stub.createCompositeKey(spec.objectType, [id]));
    return stableStringify(out);
  }
}

export const contracts: (typeof Contract)[] = [
  SystemContract,
  NegotiationContract,
  OrderContract,
  ReputationContract,
  ShipmentContract,
  ReadingContract,
  DeviceContract,
  IdeaContract,
  CertificationContract,
];
