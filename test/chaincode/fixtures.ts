import type { Context } from 'fabric-contract-api';
import { NegotiationContract } from '../../chaincode/src/negotiation.contract';
import { OrderContract } from '../../chaincode/src/order.contract';
import { ReputationContract } from '../../chaincode/src/reputation.contract';
import { type Identity, Ledger } from './stub';

/** The customer: enrollment id from the hf.EnrollmentID attribute. */
export const alice: Identity = { mspId: 'Org1MSP', cn: 'alice-cn', attrs: { 'hf.EnrollmentID': 'alice' } };
export const ALICE = 'Org1MSP:alice';
/** The supplier: no attribute, enrollment id from the subject CN. */
export const bob: Identity = { mspId: 'Org2MSP', cn: 'User1@org2.example.com' };
export const BOB = 'Org2MSP:User1@org2.example.com';
/** A third party. */
export const carol: Identity = { mspId: 'Org3MSP', cn: 'carol', attrs: { 'hf.EnrollmentID': 'carol' } };
export const CAROL = 'Org3MSP:carol';

export const NEG_ID = '875a22a4-fe1f-425b-af80-3b481225e9bc';

/** Seed Figure 20 (with our id and the target as a party id). */
export const figure20 = {
  id: NEG_ID,
  item: 'Stainless Steel Cutting',
  price: '20',
  quantity: '200',
  currency: 'USD',
  conditions: [{ field: 'humidity', min: '0', max: '10' }],
  targetParty: BOB,
};

/** Seed Figure 21, verbatim. */
export const figure21 = {
  id: NEG_ID,
  changes: { fields: [{ field: 'price', newValue: '30' }], conditions: [], removedConditions: [] },
  note: 'this price is low for me. how about this deal?',
};

export const negotiation = new NegotiationContract();
export const orders = new OrderContract();
export const reputation = new ReputationContract();

export function json<T = Record<string, unknown>>(s: string): T {
  return JSON.parse(s) as T;
}

/** Invokes and parses the JSON result. */
export async function call<T = Record<string, unknown>>(
  ledger: Ledger,
  who: Identity,
  fn: (ctx: Context) => Promise<string>,
) {
  const r = await ledger.invoke(who, fn);
  return { ...r, value: json<T>(r.result) };
}

/** A ledger with Figure 20 offered by alice to bob, countered with Figure 21 by bob, accepted by alice. */
export async function acceptedOrder(): Promise<Ledger> {
  const ledger = new Ledger();
  await ledger.invoke(alice, (ctx) => negotiation.createOffer(ctx, JSON.stringify(figure20)));
  await ledger.invoke(bob, (ctx) => negotiation.counterOffer(ctx, NEG_ID, JSON.stringify(figure21)));
  await ledger.invoke(alice, (ctx) => negotiation.accept(ctx, NEG_ID));
  return ledger;
}

/** acceptedOrder, then progressed by bob, delivered and closed by alice. */
export async function closedOrder(): Promise<Ledger> {
  const ledger = await acceptedOrder();
  for (const p of [
    { status: 'MATERIAL_RECEIVED' },
    { status: 'IN_PRODUCTION', percentage: 50 },
    { status: 'SHIPPED' },
  ]) {
    await ledger.invoke(bob, (ctx) => orders.reportProgress(ctx, NEG_ID, JSON.stringify(p)));
  }
  await ledger.invoke(alice, (ctx) => orders.confirmDelivery(ctx, NEG_ID));
  await ledger.invoke(alice, (ctx) => orders.closeOrder(ctx, NEG_ID));
  return ledger;
}
