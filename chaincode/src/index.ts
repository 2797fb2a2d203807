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
