// Set-up shared by the edge's end-to-end and fault tests: a devnet with the project's chaincode, the API
// (the natural path for provisioning devices), a negotiated order and a shipment, and edge devices
// provisioned through the API's provisionDevice mutation and enrolled with their own keys.

import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseBlock, type ParsedBlock } from '../../network/client/src';
import type { Devnet } from '../../network/devnet/src/devnet';
import type { ApiServer } from '../../api/src/server';
import { parseConfig, type EdgeConfig } from '../../edge/src/config';
import { enrolDevice, generateDeviceKey } from '../../edge/src/identity';
import { loadProfile } from '../../network/client/src';
import {
  AcceptOfferDocument,
  BindDeviceDocument,
  CreateOfferDocument,
  CreateShipmentDocument,
  ProvisionDeviceDocument,
} from '../../schema/generated/operations';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy';
import { connectClient, makeTempDir, removeDir, readBlocks } from '../integration/helpers';
import {
  adminKeyOf,
  createUserKey,
  dataOf,
  gql,
  newApiDir,
  startApi,
  startDevnetForApi,
} from './api-helpers';

export interface EdgeWorld {
  readonly devnet: Devnet;
  readonly api: ApiServer;
  readonly supplierAdmin: string;
  readonly buyer: { partyId: string; apiKey: string };
  readonly supplier: { partyId: string; apiKey: string };
  readonly shipmentId: string;
  readonly profilePath: string;
  close(): Promise<void>;
}

export async function startEdgeWorld(shipmentId = 'ship-edge'): Promise<EdgeWorld> {
  const devnet = await startDevnetForApi();
  const apiDir = newApiDir();
  const api = await startApi(devnet, apiDir.dataDir, apiDir.secret);
  const { buyer, supplier, supplierAdmin } = await setUpShipment(api, shipmentId);
  return {
    devnet,
    api,
    supplierAdmin,
    buyer,
    supplier,
    shipmentId,
    profilePath: path.join(devnet.dataDir, 'network.json'),
    close: async () => {
      await api.close();
      await devnet.stop();
      await removeDir(devnet.dataDir);
      await removeDir(apiDir.dataDir);
    },
  };
}

/**
 * The parties and the shipment devices record against: a buyer (Org1), a supplier (Org2) and an Org2 admin,
 * an offer accepted into an order, and the supplier's shipment of it to the buyer.
 */
export async function setUpShipment(
  api: ApiServer,
  shipmentId: string,
): Promise<Pick<EdgeWorld, 'buyer' | 'supplier' | 'supplierAdmin'>> {
  const buyer = await createUserKey(api, adminKeyOf(api, 'Org1MSP'), 'buyer');
  const supplier = await createUserKey(api, adminKeyOf(api, 'Org2MSP'), 'supplier');
  const supplierAdmin = (await createUserKey(api, adminKeyOf(api, 'Org2MSP'), 'ops-admin', 'admin')).apiKey;
  const orderId = `order-${shipmentId}`;
  dataOf(
    await gql(api.url, buyer.apiKey, CreateOfferDocument, {
      input: {
        id: orderId,
        item: 'Cold chain transport',
        price: '100',
        quantity: 1,
        currency: 'EUR',
        conditions: [{ field: 'temperature', min: 2, max: 8 }],
        targetParty: supplier.partyId,
      },
    }),
  );
  dataOf(await gql(api.url, supplier.apiKey, AcceptOfferDocument, { negotiationId: orderId }));
  dataOf(
    await gql(api.url, supplier.apiKey, CreateShipmentDocument, {
      input: {
        id: shipmentId,
        orderId,
        items: ['pallet-1'],
        origin: 'Lugano',
        destination: 'Milano',
        receiver: buyer.partyId,
        devices: [],
      },
    }),
  );
  return { buyer, supplier, supplierAdmin };
}

/**
 * A device made the seed's way: it generates its key, the supplier's admin provisions it through the API
 * with the public key and binds it to the shipment, and the device enrols with the sealed secret.
 */
export async function provisionEdge(
  world: EdgeWorld,
  deviceId: string,
  overrides: Partial<Record<string, unknown>> = {},
): Promise<{ config: EdgeConfig; dataDir: string; sealedSecret: string }> {
  const dataDir = makeTempDir(`edge-${deviceId}-`);
  const { publicKeyPem } = generateDeviceKey(dataDir);
  const provisioned = dataOf(
    await gql(world.api.url, world.supplierAdmin, ProvisionDeviceDocument, {
      input: { id: deviceId, kind: 'GATEWAY', publicKey: publicKeyPem },
    }),
  ).provisionDevice;
  dataOf(
    await gql(world.api.url, world.supplierAdmin, BindDeviceDocument, {
      deviceId,
      shipmentId: world.shipmentId,
    }),
  );
  const config = edgeConfig(world, deviceId, dataDir, overrides);
  await enrolDevice({
    dataDir,
    profile: await loadProfile(config.profile),
    mspId: provisioned.mspId,
    enrollmentId: provisioned.enrollmentId,
    sealedSecret: provisioned.sealedSecret,
  });
  return { config, dataDir, sealedSecret: provisioned.sealedSecret };
}

export function edgeConfig(
  world: EdgeWorld,
  deviceId: string,
  dataDir: string,
  overrides: Partial<Record<string, unknown>> = {},
): EdgeConfig {
  return parseConfig({
    profile: world.profilePath,
    mspId: 'Org2MSP',
    dataDir,
    deviceId,
    shipmentId: world.shipmentId,
    batch: { size: 50, lingerMs: 20 },
    logLevel: 'silent',
    ...overrides,
  });
}

/** Every block of the channel, parsed (read with an Org1 user over the Deliver service). */
export async function ledgerBlocks(devnet: Devnet): Promise<ParsedBlock[]> {
  const client = connectClient(devnet);
  try {
    const height = devnet.height;
    const blocks = await readBlocks(client.network, 0, height - 1);
    return blocks.map((b) => parseBlock(b));
  } finally {
    client.close();
  }
}

/**
 * Readings written by valid transactions, in ledger order: one entry per reading key written, so a
 * reading recorded twice would appear twice.
 */
export function writtenReadings(
  blocks: readonly ParsedBlock[],
): { deviceId: string; sequence: number; block: bigint }[] {
  const out: { deviceId: string; sequence: number; block: bigint }[] = [];
  for (const b of blocks)
    for (const t of b.transactions) {
      if (!t.valid) continue;
      for (const w of t.writes) {
        // reading~shipment~device~seq composite keys: \u0000type\u0000shipment\u0000device\u0000seq\u0000
        const parts = w.key.split('\u0000');
        if (parts[1] !== 'reading~shipment~device~seq' || w.isDelete) continue;
        out.push({ deviceId: parts[3] ?? '', sequence: Number(parts[4]), block: b.number });
      }
    }
  return out;
}

/**
 * A copy of the devnet's profile (beside it, so its relative certificate paths hold) whose peers of one
 * organisation are reached through fault proxies. TLS still verifies: the profile keeps each host alias.
 */
export async function proxiedProfile(
  world: EdgeWorld,
  mspId = 'Org2MSP',
): Promise<{ file: string; proxies: FaultProxy[] }> {
  const profile = JSON.parse(readFileSync(world.profilePath, 'utf8')) as {
    organizations: { mspId: string; peers: { endpoint: string }[] }[];
  };
  const proxies: FaultProxy[] = [];
  for (const peer of profile.organizations.find((o) => o.mspId === mspId)?.peers ?? []) {
    const i = peer.endpoint.lastIndexOf(':');
    const proxy = await startFaultProxy({
      target: { host: peer.endpoint.slice(0, i), port: Number(peer.endpoint.slice(i + 1)) },
    });
    proxies.push(proxy);
    peer.endpoint = proxy.address;
  }
  if (proxies.length === 0) throw new Error(`no ${mspId} peer in the devnet profile`);
  const file = path.join(path.dirname(world.profilePath), `network-via-proxy-${mspId}.json`);
  writeFileSync(file, JSON.stringify(profile, null, 2));
  return { file, proxies };
}

export { removeDir };
