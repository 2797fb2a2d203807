// Helpers for the shipment, reading and device tests on the shared in-memory Ledger (./stub):
// adds the paginated partial-composite-key query (Fabric semantics: the bookmark is the first key of
// the next page, '' after the last page) and records which transaction wrote which key.
import type { Context } from 'fabric-contract-api';
import { DeviceContract } from '../../chaincode/src/device.contract';
import { ReadingContract } from '../../chaincode/src/reading.contract';
import { ShipmentContract } from '../../chaincode/src/shipment.contract';
import { ALICE, BOB, NEG_ID, acceptedOrder, alice, bob, carol } from './fixtures';
import { type Identity, type Ledger } from './stub';

export { ALICE, BOB, NEG_ID, alice, bob, carol };
export const shipments = new ShipmentContract();
export const readings = new ReadingContract();
export const devices = new DeviceContract();

const SEP = '\u0000';

/** Org2 admin (role=admin attribute). */
export const admin2: Identity = {
  mspId: 'Org2MSP',
  cn: 'admin2',
  attrs: { 'hf.EnrollmentID': 'admin2', role: 'admin' },
};
export function deviceIdentity(enrollmentId: string, mspId = 'Org2MSP'): Identity {
  return { mspId, cn: enrollmentId, attrs: { 'hf.EnrollmentID': enrollmentId, role: 'device' } };
}

function withPagination(ledger: Ledger, ctx: Context): Context {
  const stub = ctx.stub as unknown as Record<string, unknown>;
  stub['getStateByPartialCompositeKeyWithPagination'] = (
    objectType: string,
    attributes: string[],
    pageSize: number,
    bookmark?: string,
  ) => {
    const prefix = SEP + objectType + SEP + attributes.map((a) => a + SEP).join('');
    const keys = [...ledger.state.keys()].filter((k) => k.startsWith(prefix)).sort();
    const start = bookmark ? keys.findIndex((k) => k >= bookmark) : 0;
    const from = start < 0 ? keys.length : start;
    const page = keys.slice(from, from + pageSize);
    const next = keys[from + pageSize];
    let i = 0;
    const iterator = {
      next: () => {
        const key = page[i++];
        return Promise.resolve(
          key === undefined
            ? { done: true, value: undefined }
            : { done: false, value: { namespace: 'cc', key, value: ledger.state.get(key) as Uint8Array } },
        );
      },
      close: () => Promise.resolve(),
    };
    return Promise.resolve({
      iterator,
      metadata: { fetchedRecordsCount: page.length, bookmark: next ?? '' },
    });
  };
  return ctx;
}

/** Runs one transaction as `who` and parses its JSON result. */
export async function run<T = Record<string, unknown>>(
  ledger: Ledger,
  who: Identity,
  fn: (ctx: Context) => Promise<string>,
): Promise<{ value: T; txId: string; event?: { name: string; payload: Record<string, unknown> } }> {
  const r = await ledger.invoke(who, (ctx) => fn(withPagination(ledger, ctx)));
  return { value: JSON.parse(r.result) as T, txId: r.txId, event: r.event };
}

/** Expects the transaction to fail with exactly `message` and to leave the ledger unchanged. */
export async function fails(
  ledger: Ledger,
  who: Identity,
  fn: (ctx: Context) => Promise<string>,
  message: string,
) {
  const before = new Map(ledger.state);
  let error: unknown;
  try {
    await ledger.invoke(who, (ctx) => fn(withPagination(ledger, ctx)));
  } catch (e) {
    error = e;
  }
  if (!(error instanceof Error)) throw new Error(`expected failure "${message}" but it succeeded`);
  if (error.message !== message) throw new Error(`expected "${message}" but got "${error.message}"`);
  if (ledger.state.size !== before.size) throw new Error('a failed transaction changed the ledger');
}

export const SHIPMENT_ID = 'SHP-1';

export function shipmentInput(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: SHIPMENT_ID,
    orderId: NEG_ID,
    items: ['QR-0001', 'RFID-E200-0002'],
    origin: 'Lugano',
    destination: 'Milano',
    sender: BOB,
    receiver: ALICE,
    devices: ['pi-1'],
    ...overrides,
  };
}

/** Accepted order (bob supplier, alice customer, humidity 0-10), device pi-1 registered, shipment SHP-1 by bob. */
export async function shipmentWithDevice(): Promise<Ledger> {
  const ledger = await acceptedOrder();
  await run(ledger, admin2, (ctx) =>
    devices.registerDevice(ctx, JSON.stringify({ id: 'pi-1', enrollmentId: 'pi-1', kind: 'gateway' })),
  );
  await run(ledger, bob, (ctx) => shipments.createShipment(ctx, JSON.stringify(shipmentInput())));
  return ledger;
}

export function reading(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    shipmentId: SHIPMENT_ID,
    deviceId: 'pi-1',
    sequence: 1,
    timestamp: '2018-12-31T10:00:00Z',
    temperature: 4.5,
    humidity: 5,
    pressure: 1013,
    location: { lat: 46.0037, lon: 8.9511 },
    ...overrides,
  };
}
