import type { BatchSize } from './orderer/blockcutter';

export interface ChaincodeSpec {
  /** Chaincode name on the channel (the ledger namespace). */
  readonly name: string;
  /** Folder of a fabric-contract-api package. */
  readonly path: string;
  readonly version?: string;
  /**
   * Signature policy in Fabric's DSL, e.g. "OR('Org1MSP.peer','Org2MSP.peer')"; absent means the
   * channel's Endorsement policy (MAJORITY Endorsement).
   */
  readonly endorsementPolicy?: string;
}

export interface DevnetPorts {
  readonly orderer: number;
  /** By peer host name, e.g. `peer0.org1.example.com`. */
  readonly peers: Readonly<Record<string, number>>;
  /** Fabric CA REST services by MSP ID (test-network: ca_org1 7054, ca_org2 8054). */
  readonly cas?: Readonly<Record<string, number>>;
}

export interface DevnetOptions {
  /** Where crypto material, ledgers and the network profile live. Default `./.devnet`. */
  readonly dataDir?: string;
  /** Fixed ports, or 'random' for free ports (tests). Default: the test-network's 7050/7051/8051/9051. */
  readonly ports?: DevnetPorts | 'random';
  readonly channelId?: string;
  /** Block cutting; applied when the channel is created and as an override afterwards. */
  readonly batchSize?: Partial<BatchSize>;
  readonly batchTimeoutMs?: number;
  /** Chaincodes to run beside the ones recorded in the data directory. */
  readonly chaincodes?: readonly ChaincodeSpec[];
  /** fdatasync every block before acknowledging it (default true). */
  readonly sync?: boolean;
  /**
   * TLS on the peer and orderer endpoints, with certificates from each organisation's TLS CA (default on,
   * as on a production network). `mutual` also requires clients to present a certificate from one of
   * the organisations' TLS CAs. The CAs serve HTTPS when TLS is on.
   */
  readonly tls?: boolean | { readonly mutual: boolean };
  readonly log?: (level: 'debug' | 'info' | 'warn' | 'error', msg: string) => void;
}

export const DEFAULT_CHANNEL = 'supplychain';
export const DEFAULT_PORTS: DevnetPorts = {
  orderer: 7050,
  peers: { 'peer0.org1.example.com': 7051, 'peer1.org1.example.com': 8051, 'peer0.org2.example.com': 9051 },
  cas: { Org1MSP: 7054, Org2MSP: 8054 },
};

/**
 * Defaults for a fast development loop: a block is cut after 20 ms or 500 transactions, so a single
 * submit commits in about 20-30 ms and a busy client still gets large blocks.
 */
export const DEFAULT_BATCH: BatchSize = {
  maxMessageCount: 500,
  absoluteMaxBytes: 10 * 1024 * 1024,
  preferredMaxBytes: 2 * 1024 * 1024,
};
export const DEFAULT_BATCH_TIMEOUT_MS = 20;

/**
 * Node options for a process that hosts the devnet (`npm start`, `npm run devnet`, `npm run bench` and
 * the matrix's devnet host pass them). Every transaction allocates a few hundred protobuf, gRPC and
 * promise objects; a 64 MiB young generation (V8's default is 16) lets most die before a scavenge, which
 * took the 1-endorser benchmark from ~910 to ~950 tps on two cores, for ~110 MiB more resident memory.
 * `--single-threaded-gc` keeps V8's collector on the main thread: on two cores shared with the chaincode
 * servers and the clients, a parallel scavenge of this heap took ~15 ms of pause and ~40 ms of CPU across
 * V8's helper threads, against ~20 ms on the main thread alone (--trace-gc-nvp, at ~900 tps).
 * V8 fixes both at start-up, so they cannot be set from inside the process.
 */
export const DEVNET_NODE_OPTIONS: readonly string[] = ['--max-semi-space-size=64', '--single-threaded-gc'];

/**
 * Node options for every chaincode server the devnet starts: the single-threaded collector of
 * DEVNET_NODE_OPTIONS, for the same reason (the servers share the devnet's cores).
 */
export const CHAINCODE_NODE_OPTIONS: readonly string[] = ['--single-threaded-gc'];
