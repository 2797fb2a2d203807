// Shared set-up for the devnet integration tests: a devnet in a fresh temporary directory on random ports,
// the fixture chaincode deployed, and real @hyperledger/fabric-gateway clients connected to it.

import { createPrivateKey } from 'node:crypto';
import { mkdtempSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import {
  connect,
  hash,
  signers,
  type Contract,
  type Gateway,
  type Network,
  type Signer,
} from '@hyperledger/fabric-gateway';
import { common } from '@hyperledger/fabric-protos';
import { startDevnet, type Devnet } from '../../network/devnet/src/devnet';
import type { ChaincodeSpec, DevnetOptions } from '../../network/devnet/src/config';
import type { NodeIdentity } from '../../network/devnet/src/crypto';
import { newFastSigner } from '../../network/client/src/signer';
import { REPO_ROOT } from '../support/repo-root';

export { REPO_ROOT };
export const FIXTURE_PATH = path.join(REPO_ROOT, 'test', 'fixtures', 'chaincode');
export const FIXTURE_NAME = 'fixture';
export const FIXTURE_POLICY = "OR('Org1MSP.peer','Org2MSP.peer')";

export function fixtureSpec(name = FIXTURE_NAME): ChaincodeSpec {
  return { name, path: FIXTURE_PATH, endorsementPolicy: FIXTURE_POLICY };
}

export function devnetLog(): DevnetOptions['log'] {
  return process.env.DEVNET_TEST_LOG ? (level, msg) => console.error(`[devnet ${level}] ${msg}`) : undefined;
}

export function makeTempDir(prefix = 'devnet-it-'): string {
  return mkdtempSync(path.join(os.tmpdir(), prefix));
}

export async function removeDir(dir: string): Promise<void> {
  await fs.rm(dir, { recursive: true, force: true });
}

/** Starts a devnet on `dataDir` (a new temp dir by default) with the fixture chaincode, and waits for its servers. */
export async function startTestDevnet(options: DevnetOptions = {}): Promise<Devnet> {
  const devnet = await startDevnet({
    ports: 'random',
    chaincodes: [fixtureSpec()],
    log: devnetLog(),
    ...options,
    dataDir: options.dataDir ?? makeTempDir(),
  });
  await devnet.chaincodesReady();
  return devnet;
}

export function userOf(devnet: Devnet, mspId = 'Org1MSP', user = 'User1'): NodeIdentity {
  const identity = devnet.material.orgs.find((o) => o.mspId === mspId)?.users[user];
  if (!identity) throw new Error(`no user ${user} in ${mspId}`);
  return identity;
}

/** fabric-gateway's own signer (signs a SHA-256 digest); pair it with `hash.sha256`. */
export function signerOf(keyPem: string): Signer {
  return signers.newPrivateKeySigner(createPrivateKey(keyPem));
}

export interface Client {
  readonly grpcClient: grpc.Client;
  readonly gateway: Gateway;
  readonly network: Network;
  readonly contract: Contract;
  close(): void;
}

export interface ConnectOptions {
  readonly mspId?: string;
  readonly user?: string;
  /** Address to dial; default the first peer of the user's organisation. */
  readonly address?: string;
  readonly channelId?: string;
  readonly chaincode?: string;
  /** Override the signer (bad-signature tests); it receives a SHA-256 digest, as fabric-gateway's own signers do. */
  readonly signer?: Signer;
}

/** A fabric-gateway connection as an application makes it, to a peer of the user's organisation. */
export function connectClient(devnet: Devnet, options: ConnectOptions = {}): Client {
  const mspId = options.mspId ?? 'Org1MSP';
  const user = userOf(devnet, mspId, options.user ?? 'User1');
  const address = options.address ?? devnet.peers.find((p) => p.mspId === mspId)?.address;
  if (!address) throw new Error(`no peer for ${mspId}`);
  return connectTo(
    address,
    { mspId, certPem: user.certPem, keyPem: user.keyPem },
    { ...options, credentials: credentialsFor(devnet, address) },
  );
}

/**
 * Channel credentials for a devnet peer: TLS trusting the peer organisation's TLS CA when the devnet runs
 * TLS (its certificates name 127.0.0.1, so no host-name override is needed), plain otherwise.
 */
export function credentialsFor(devnet: Devnet, address: string): grpc.ChannelCredentials {
  if (!devnet.tls.enabled) return grpc.credentials.createInsecure();
  const peer = devnet.peers.find((p) => p.address === address);
  if (!peer) throw new Error(`${address} is not a peer of this devnet`);
  return grpc.credentials.createSsl(Buffer.from(peer.tlsCaCertPem));
}

export function connectTo(
  address: string,
  identity: { mspId: string; certPem: string; keyPem: string },
  options: Pick<ConnectOptions, 'channelId' | 'chaincode' | 'signer'> & {
    channelId?: string;
    credentials?: grpc.ChannelCredentials;
  } = {},
): Client {
  const grpcClient = new grpc.Client(address, options.credentials ?? grpc.credentials.createInsecure(), {
    'grpc.max_receive_message_length': 64 * 1024 * 1024,
  });
  // The project's node:crypto signer (hash.none: it signs the whole message, OpenSSL hashes it, low S).
  const signing = options.signer
    ? { signer: options.signer, hash: hash.sha256 }
    : newFastSigner(identity.keyPem);
  const gateway = connect({
    client: grpcClient,
    identity: { mspId: identity.mspId, credentials: Buffer.from(identity.certPem) },
    signer: signing.signer,
    hash: signing.hash,
    evaluateOptions: () => ({ deadline: Date.now() + 15_000 }),
    endorseOptions: () => ({ deadline: Date.now() + 15_000 }),
    submitOptions: () => ({ deadline: Date.now() + 15_000 }),
    commitStatusOptions: () => ({ deadline: Date.now() + 30_000 }),
  });
  const network = gateway.getNetwork(options.channelId ?? 'supplychain');
  const contract = network.getContract(options.chaincode ?? FIXTURE_NAME);
  return {
    grpcClient,
    gateway,
    network,
    contract,
    close: () => {
      gateway.close();
      grpcClient.close();
    },
  };
}

export function utf8(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('utf8');
}

/** Reads blocks [from, to] through the peer's Deliver service. */
export async function readBlocks(network: Network, from: number, to: number): Promise<common.Block[]> {
  const blocks: common.Block[] = [];
  if (to < from) return blocks;
  const events = await network.getBlockEvents({ startBlock: BigInt(from) });
  try {
    for await (const block of events) {
      blocks.push(block);
      if (blocks.length === to - from + 1) break;
    }
  } finally {
    events.close();
  }
  return blocks;
}

/** Validation code of every transaction of a block (its TRANSACTIONS_FILTER metadata). */
export function validationCodes(block: common.Block): number[] {
  const filter = block.getMetadata()?.getMetadataList_asU8()[common.BlockMetadataIndex.TRANSACTIONS_FILTER];
  return [...(filter ?? [])];
}

/** Transaction id of an endorser transaction envelope. */
export function txIdOf(envelopeBytes: Uint8Array): string {
  const payload = common.Payload.deserializeBinary(
    common.Envelope.deserializeBinary(envelopeBytes).getPayload_asU8(),
  );
  return common.ChannelHeader.deserializeBinary(
    payload.getHeader()?.getChannelHeader_asU8() ?? new Uint8Array(),
  ).getTxId();
}

/** Polls `fn` until it returns without throwing, or rethrows the last error after `timeoutMs`. */
export async function eventually<T>(fn: () => Promise<T>, timeoutMs = 10_000, intervalMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
