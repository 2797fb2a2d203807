import { createHash, createPrivateKey } from 'node:crypto';
import { promises as fs, existsSync } from 'node:fs';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { type common, gateway, orderer as ordererProtos, peer } from './protos';
import {
  generateCryptoMaterial,
  allPeers,
  ordererOrgs,
  peerOrgs,
  DEFAULT_TOPOLOGY,
  tlsCaCertFileName,
} from './crypto';
import { CertificateAuthority } from './crypto';
import type { CryptoMaterial, NodeIdentity, OrgMaterial } from './crypto';
import { startCaServer } from './ca';
import { buildGenesisBlock, parseConfigBlock, signaturePolicyFromString } from './channel';
import { ChannelLedger } from './ledger/ledger';
import { blockHeaderHash } from './ledger/blockhash';
import { ChaincodeConnection } from './peer/chaincode-connection';
import { newGrpcServer } from './grpc-server';
import type { ChaincodeDefinition } from './peer/channel';
import { Endorser } from './peer/endorser';
import { SigningIdentity } from './peer/signer';
import { Orderer } from './orderer/orderer';
import type { BatchSize } from './orderer/blockcutter';
import { GatewayService, unary } from './gateway/gateway-service';
import { DeliverService } from './gateway/deliver-service';
import { ChannelRuntime } from './channel-runtime';
import { ChaincodeProcess } from './chaincode-process';
import { freePort } from './ports';
import {
  DEFAULT_BATCH,
  DEFAULT_BATCH_TIMEOUT_MS,
  DEFAULT_CHANNEL,
  DEFAULT_PORTS,
  type ChaincodeSpec,
  type DevnetOptions,
  type DevnetPorts,
} from './config';

const HOST = '127.0.0.1';
const MAX_MESSAGE_BYTES = 16 * 1024 * 1024;
const CHAINCODES_FILE = 'chaincodes.json';

export interface PeerInfo {
  readonly name: string;
  readonly mspId: string;
  /** host:port to dial (127.0.0.1). */
  readonly address: string;
  /** The host name in the peer's TLS certificate, for `grpc.ssl_target_name_override`. */
  readonly hostAlias: string;
  /** The organisation's TLS CA certificate, which a client trusts to reach this peer over TLS. */
  readonly tlsCaCertPem: string;
}

export interface DevnetCa {
  readonly mspId: string;
  readonly url: string;
  readonly caName: string;
  readonly bootstrapFile: string;
  readonly bootstrap: { readonly enrollmentID: string; readonly enrollmentSecret: string };
  /** The TLS CA a client trusts to reach the CA over HTTPS. */
  readonly tlsCaCertPem: string;
}

export interface Devnet {
  readonly dataDir: string;
  readonly channelId: string;
  readonly material: CryptoMaterial;
  readonly peers: readonly PeerInfo[];
  readonly ordererAddress: string;
  /** Whether the peer and orderer endpoints speak TLS, and whether they require client certificates. */
  readonly tls: { readonly enabled: boolean; readonly mutual: boolean };
  /** The organisations' Fabric CA services; the bootstrap admin's credentials are in `bootstrapFile`. */
  readonly cas: readonly DevnetCa[];
  /** Ledger height of the channel. */
  readonly height: number;
  /** Runs another fabric-contract-api package as a chaincode and records it in the data directory. */
  deploy(spec: ChaincodeSpec): Promise<void>;
  /** Kills one organisation's server of a chaincode, as a crash would; it is restarted automatically. */
  killChaincodeServer(name: string, mspId: string): void;
  /** Waits until every chaincode server is registered with every peer. */
  chaincodesReady(): Promise<void>;
  /** Deploys chaincodes recorded in the data directory since start-up (`devnet deploy` while running). */
  reloadChaincodes(): Promise<string[]>;
  stop(): Promise<void>;
}

interface RunningChaincode {
  readonly definition: ChaincodeDefinition;
  readonly processes: Map<string, ChaincodeProcess>;
  readonly connections: ChaincodeConnection[];
}

/** Starts the embedded network: crypto material and channel on first start, then peers, orderer, chaincodes. */
export async function startDevnet(options: DevnetOptions = {}): Promise<Devnet> {
  const cleanup: (() => Promise<void>)[] = [];
  try {
    return await start(options, cleanup);
  } catch (err) {
    // Nothing half-started may outlive a failed start: chaincode servers, listeners, the ledger.
    for (const undo of cleanup.reverse()) await undo().catch(() => undefined);
    throw err;
  }
}

async function start(options: DevnetOptions, cleanup: (() => Promise<void>)[]): Promise<Devnet> {
  const log = options.log ?? ((): void => undefined);
  const dataDir = path.resolve(options.dataDir ?? '.devnet');
  const channelId = options.channelId ?? DEFAULT_CHANNEL;
  await fs.mkdir(dataDir, { recursive: true });

  const ports = await resolvePorts(options.ports);
  // Chaincode servers take the longest to boot (loading fabric-contract-api): start them first, while the
  // crypto material, ledger and peers come up.
  const prestarted = new Map<string, ChaincodeServers>();
  const toDeploy = [...(await recordedChaincodes(dataDir))];
  for (const spec of options.chaincodes ?? [])
    if (!toDeploy.some((s) => s.name === spec.name)) toDeploy.push(spec);
  for (const spec of toDeploy) {
    if (existsSync(path.join(path.resolve(spec.path), 'package.json')))
      prestarted.set(spec.name, await startServers(spec, log));
  }
  const ordererAddress = `${HOST}:${ports.orderer}`;
  const material = await generateCryptoMaterial(dataDir);

  const ledger: ChannelLedger = await ChannelLedger.open({
    dir: path.join(dataDir, 'ledger'),
    channelId,
    sync: options.sync ?? true,
  });
  cleanup.push(() => ledger.close());
  if (ledger.height === 0) {
    const genesis = buildGenesisBlock({
      channelId,
      material,
      batchSize: { ...DEFAULT_BATCH, ...options.batchSize },
      batchTimeoutMs: options.batchTimeoutMs ?? DEFAULT_BATCH_TIMEOUT_MS,
      ordererAddress: `orderer.example.com:${ports.orderer}`,
    });
    await ledger.commitBlock(genesis);
    log('info', `created channel ${channelId} (block 0)`);
  }
  const tls = options.tls ?? true;
  // One Fabric CA per peer organisation, as in the test-network; HTTPS from the org's TLS CA when TLS is on.
  const cas = await Promise.all(
    peerOrgs(material).map(async (org) => {
      const ca = await startCaServer({
        org,
        dataDir,
        host: HOST,
        port: ports.cas?.[org.mspId] ?? 0,
        tls: tls === false ? undefined : await caTlsCertificate(org),
      });
      cleanup.push(() => ca.stop());
      return ca;
    }),
  );
  const config = parseConfigBlock(await ledger.getBlock(0));
  const fromConfig = batchFromConfig(config);
  const batchSize: BatchSize = { ...fromConfig.batchSize, ...options.batchSize };
  const batchTimeoutMs = options.batchTimeoutMs ?? fromConfig.batchTimeoutMs;

  const runtime = new ChannelRuntime({
    channelId,
    ledger,
    config,
    chaincodes: new Map(),
    // Certificates revoked at an organisation's CA are refused by every peer and the orderer at once.
    isRevoked: (serialHex, mspId) => cas.some((ca) => ca.isRevoked(serialHex, mspId)),
    onCommitError: (err) => log('error', `commit failed: ${err.message}`),
  });

  const ordererNode = ordererOrgs(material)[0]?.orderers[0];
  if (!ordererNode) throw new Error('crypto material has no orderer node');
  const ordererIdentity = identityOf(ordererNode);
  const orderer = new Orderer(ordererIdentity);
  const lastBlock = await ledger.getBlock(ledger.height - 1);
  orderer.addChannel({
    channelId,
    batchSize,
    batchTimeoutMs,
    nextBlockNumber: ledger.height,
    previousHash: blockHeaderHash(lastBlock.getHeader() as common.BlockHeader),
    lastConfigIndex: 0,
    access: runtime,
    deliver: (block) => void runtime.committer.enqueue(block),
  });

  // Each peer keeps its own connections to its organisation's chaincode servers, as in Fabric.
  const chaincodeConnections = new Map<string, Map<string, ChaincodeConnection>>();
  const peerNodes = allPeers(material).map((node) => {
    const connections = new Map<string, ChaincodeConnection>();
    chaincodeConnections.set(node.name, connections);
    const address = `${HOST}:${portOf(ports, node.name)}`;
    const endorser = new Endorser({
      address,
      identity: identityOf(node),
      channels: (id) => (id === channelId ? runtime : undefined),
      chaincodes: connections,
    });
    return { node, address, endorser };
  });
  const endorsers = peerNodes.map((p) => p.endorser);

  const servers: grpc.Server[] = [];
  for (const { endorser, node } of peerNodes) {
    const { server } = newGrpcServer({
      'grpc.max_receive_message_length': MAX_MESSAGE_BYTES,
      'grpc.max_send_message_length': MAX_MESSAGE_BYTES,
    });
    const gatewayService = new GatewayService({
      local: endorser,
      endorsers: () => endorsers,
      orderer,
      ordererAddress,
      channel: (id) => (id === channelId ? runtime : undefined),
    });
    server.addService(gateway.GatewayService, gatewayService.implementation());
    server.addService(
      peer.DeliverService,
      new DeliverService({ channel: (id) => (id === channelId ? runtime : undefined) }).implementation(),
    );
    server.addService(peer.EndorserService, {
      processProposal: unary(
        async (signed: peer.SignedProposal) => (await endorser.processProposal(signed)).response,
      ),
    });
    servers.push(server);
    cleanup.push(() => shutdown(server));
    await bind(server, endorser.address, serverCredentials(node, material, tls));
  }
  const { server: ordererServer } = newGrpcServer({ 'grpc.max_receive_message_length': MAX_MESSAGE_BYTES });
  ordererServer.addService(ordererProtos.AtomicBroadcastService, {
    broadcast: (call: grpc.ServerDuplexStream<common.Envelope, ordererProtos.BroadcastResponse>) => {
      // Answers in request order even though each check is asynchronous.
      let chain = Promise.resolve();
      call.on('data', (env: common.Envelope) => {
        const result = orderer.broadcast(env.serializeBinary());
        chain = chain.then(async () => {
          const { status, info } = await result;
          const response = new ordererProtos.BroadcastResponse();
          response.setStatus(status);
          response.setInfo(info);
          call.write(response);
        });
      });
      call.on('end', () => void chain.then(() => call.end()));
    },
    deliver: new DeliverService({
      channel: (id) => (id === channelId ? runtime : undefined),
    }).implementation().deliver as grpc.UntypedHandleCall,
  });
  servers.push(ordererServer);
  cleanup.push(() => shutdown(ordererServer));
  await bind(ordererServer, ordererAddress, serverCredentials(ordererNode, material, tls));

  const running = new Map<string, RunningChaincode>();
  const deploy = async (spec: ChaincodeSpec, persist: boolean): Promise<void> => {
    const modulePath = path.resolve(spec.path);
    if (!existsSync(path.join(modulePath, 'package.json'))) {
      throw new Error(`${modulePath} is not a chaincode package (no package.json)`);
    }
    if (running.has(spec.name)) throw new Error(`chaincode ${spec.name} is already deployed`);
    const version = spec.version ?? '1.0';
    const definition: ChaincodeDefinition = {
      name: spec.name,
      version,
      endorsementPolicy: spec.endorsementPolicy
        ? signaturePolicyFromString(spec.endorsementPolicy)
        : undefined,
      endorsementPolicyText:
        spec.endorsementPolicy ?? '/Channel/Application/Endorsement (MAJORITY Endorsement)',
    };
    const servers = prestarted.get(spec.name) ?? (await startServers(spec, log));
    prestarted.delete(spec.name);
    const entry: RunningChaincode = { definition, processes: new Map(), connections: [] };
    for (const [mspId, { proc, address }] of servers) {
      entry.processes.set(mspId, proc);
      for (const { node } of peerNodes.filter((p) => p.node.mspId === mspId)) {
        const connection = new ChaincodeConnection({
          name: spec.name,
          address,
          log: (level, msg) => log(level, `${node.name} ${msg}`),
        });
        chaincodeConnections.get(node.name)?.set(spec.name, connection);
        entry.connections.push(connection);
        cleanup.push(() => connection.close());
        void connection.start();
      }
    }
    running.set(spec.name, entry);
    runtime.defineChaincode(definition);
    if (persist) await recordChaincode(dataDir, { ...spec, path: modulePath });
    log(
      'info',
      `chaincode ${spec.name} ${version} deployed from ${modulePath} (policy ${definition.endorsementPolicyText})`,
    );
  };

  const recorded = new Set((await recordedChaincodes(dataDir)).map((s) => s.name));
  for (const spec of toDeploy) await deploy(spec, !recorded.has(spec.name));

  const peers: PeerInfo[] = peerNodes.map(({ node, address }) => ({
    name: node.name,
    mspId: node.mspId,
    address,
    hostAlias: node.name,
    tlsCaCertPem: material.orgs.find((o) => o.mspId === node.mspId)?.tlsCaCertPem ?? '',
  }));
  const profileInfo = (): ProfileInfo => ({
    channelId,
    peers,
    ordererAddress,
    material,
    chaincodes: [...running.values()].map((r) => ({
      name: r.definition.name,
      ...(r.definition.endorsementPolicy ? { endorsementPolicy: r.definition.endorsementPolicyText } : {}),
    })),
    tls: tls !== false,
    cas: Object.fromEntries(cas.map((ca) => [ca.mspId, { url: ca.url, caName: ca.caName }])),
  });
  await writeProfile(dataDir, profileInfo());
  await fs.writeFile(path.join(dataDir, 'devnet.pid'), String(process.pid));
  log(
    'info',
    `devnet up: channel ${channelId}, height ${ledger.height}, peers ${peers.map((p) => `${p.name}@${p.address}`).join(', ')}, orderer ${ordererAddress}`,
  );

  let stopped = false;
  return {
    dataDir,
    channelId,
    material,
    peers,
    ordererAddress,
    tls: { enabled: tls !== false, mutual: typeof tls === 'object' && tls.mutual },
    cas: cas.map((ca) => ({
      mspId: ca.mspId,
      url: ca.url,
      caName: ca.caName,
      bootstrapFile: ca.bootstrapFile,
      bootstrap: ca.bootstrap,
      tlsCaCertPem: material.orgs.find((o) => o.mspId === ca.mspId)?.tlsCaCertPem ?? '',
    })),
    get height() {
      return ledger.height;
    },
    deploy: async (spec) => {
      await deploy(spec, true);
      await writeProfile(dataDir, profileInfo());
    },
    reloadChaincodes: async () => {
      const added: string[] = [];
      for (const spec of await recordedChaincodes(dataDir)) {
        if (running.has(spec.name)) continue;
        await deploy(spec, false);
        added.push(spec.name);
      }
      if (added.length > 0) {
        await writeProfile(dataDir, profileInfo());
      }
      return added;
    },
    killChaincodeServer: (name, mspId) => running.get(name)?.processes.get(mspId)?.kill(),
    chaincodesReady: async () => {
      await Promise.all([...running.values()].flatMap((r) => r.connections.map((c) => c.start())));
    },
    stop: async () => {
      if (stopped) return;
      stopped = true;
      await Promise.all(servers.map(shutdown));
      orderer.flush();
      orderer.stop();
      await runtime.committer.drain();
      for (const r of running.values()) {
        await Promise.all(r.connections.map((c) => c.close()));
        await Promise.all([...r.processes.values()].map((p) => p.stop()));
      }
      runtime.close();
      await Promise.all(cas.map((ca) => ca.stop()));
      await ledger.close();
      await fs.rm(path.join(dataDir, 'devnet.pid'), { force: true });
    },
  };
}

type ChaincodeServers = Map<string, { proc: ChaincodeProcess; address: string }>;

/** One chaincode server per peer organisation, with the environment a Fabric peer gives its chaincode. */
async function startServers(
  spec: ChaincodeSpec,
  log: NonNullable<DevnetOptions['log']>,
): Promise<ChaincodeServers> {
  const modulePath = path.resolve(spec.path);
  const version = spec.version ?? '1.0';
  const packageId = `${spec.name}_${version}:${createHash('sha256').update(`${spec.name}\0${version}\0${modulePath}`).digest('hex')}`;
  const servers: ChaincodeServers = new Map();
  for (const org of DEFAULT_TOPOLOGY.orgs.filter((o) => o.kind === 'peer')) {
    const address = `${HOST}:${await freePort()}`;
    const proc = new ChaincodeProcess({
      modulePath,
      chaincodeId: packageId,
      address,
      env: { CORE_PEER_LOCALMSPID: org.mspId, CORE_PEER_TLS_ENABLED: 'false' },
      log: (level, msg) => log(level, msg),
    });
    proc.start();
    servers.set(org.mspId, { proc, address });
  }
  return servers;
}

/** The CA's HTTPS certificate, issued by the organisation's TLS CA like the peers' (ca.<domain>, localhost). */
async function caTlsCertificate(org: OrgMaterial): Promise<{ certPem: string; keyPem: string }> {
  const tlsCa = await CertificateAuthority.fromPem(org.tlsCaCertPem, org.tlsCaKeyPem);
  const host = `ca.${org.domain}`;
  return tlsCa.issue({ commonName: host, tls: true, subjectAltNames: [host, 'localhost', '127.0.0.1'] });
}

async function resolvePorts(ports: DevnetOptions['ports']): Promise<DevnetPorts> {
  if (ports === 'random') {
    const peers: Record<string, number> = {};
    for (const name of Object.keys(DEFAULT_PORTS.peers)) peers[name] = await freePort();
    const cas: Record<string, number> = {};
    for (const mspId of Object.keys(DEFAULT_PORTS.cas ?? {})) cas[mspId] = await freePort();
    return { orderer: await freePort(), peers, cas };
  }
  return ports ?? DEFAULT_PORTS;
}

function portOf(ports: DevnetPorts, name: string): number {
  const port = ports.peers[name];
  if (port === undefined) throw new Error(`no port configured for ${name}`);
  return port;
}

function identityOf(node: NodeIdentity | undefined): SigningIdentity {
  if (!node) throw new Error('crypto material is missing a node identity');
  return new SigningIdentity(node.mspId, node.certPem, createPrivateKey(node.keyPem));
}

function bind(server: grpc.Server, address: string, credentials: grpc.ServerCredentials): Promise<void> {
  return new Promise((resolve, reject) => {
    server.bindAsync(address, credentials, (err) =>
      err ? reject(new Error(`cannot listen on ${address}: ${err.message}`)) : resolve(),
    );
  });
}

/** Server credentials for a node: its TLS key pair, and for mutual TLS every organisation's TLS CA. */
function serverCredentials(
  node: NodeIdentity,
  material: CryptoMaterial,
  tls: DevnetOptions['tls'],
): grpc.ServerCredentials {
  if (tls === false) return grpc.ServerCredentials.createInsecure();
  const mutual = typeof tls === 'object' && tls.mutual;
  const clientCas = mutual ? Buffer.from(material.orgs.map((o) => o.tlsCaCertPem.trim()).join('\n')) : null;
  return grpc.ServerCredentials.createSsl(
    clientCas,
    [{ private_key: Buffer.from(node.tlsKeyPem), cert_chain: Buffer.from(node.tlsCertPem) }],
    mutual,
  );
}

/** BatchSize and BatchTimeout from the Orderer group of a channel config. */
function batchFromConfig(config: common.Config): { batchSize: BatchSize; batchTimeoutMs: number } {
  const values = config.getChannelGroup()?.getGroupsMap().get('Orderer')?.getValuesMap();
  const sizeBytes = values?.get('BatchSize')?.getValue_asU8();
  const timeoutBytes = values?.get('BatchTimeout')?.getValue_asU8();
  const batchSize = sizeBytes
    ? (() => {
        const b = ordererProtos.BatchSize.deserializeBinary(sizeBytes);
        return {
          maxMessageCount: b.getMaxMessageCount(),
          absoluteMaxBytes: b.getAbsoluteMaxBytes(),
          preferredMaxBytes: b.getPreferredMaxBytes(),
        };
      })()
    : DEFAULT_BATCH;
  const timeout = timeoutBytes ? ordererProtos.BatchTimeout.deserializeBinary(timeoutBytes).getTimeout() : '';
  return { batchSize, batchTimeoutMs: parseDuration(timeout) ?? DEFAULT_BATCH_TIMEOUT_MS };
}

function parseDuration(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)$/.exec(text);
  if (!m) return undefined;
  const n = Number(m[1]);
  return m[2] === 'ms' ? n : m[2] === 's' ? n * 1000 : n * 60_000;
}

export async function recordedChaincodes(dataDir: string): Promise<ChaincodeSpec[]> {
  try {
    return JSON.parse(await fs.readFile(path.join(dataDir, CHAINCODES_FILE), 'utf8')) as ChaincodeSpec[];
  } catch {
    return [];
  }
}

export async function recordChaincode(dataDir: string, spec: ChaincodeSpec): Promise<void> {
  const specs = (await recordedChaincodes(dataDir)).filter((s) => s.name !== spec.name);
  specs.push(spec);
  const file = path.join(dataDir, CHAINCODES_FILE);
  await fs.writeFile(`${file}.tmp`, JSON.stringify(specs, null, 2));
  await fs.rename(`${file}.tmp`, file);
}

interface ProfileInfo {
  channelId: string;
  peers: readonly PeerInfo[];
  ordererAddress: string;
  material: CryptoMaterial;
  chaincodes: readonly { readonly name: string; readonly endorsementPolicy?: string }[];
  tls: boolean;
  /** The organisations' CA services by MSP ID, when they run. */
  cas?: Readonly<Record<string, { readonly url: string; readonly caName: string }>>;
}

/**
 * `<dataDir>/network.json` in the client profile format (network/client/src/profile.ts, documented in
 * network/profiles/README.md). Paths are relative to dataDir, so the folder can be moved or mounted.
 */
async function writeProfile(dataDir: string, info: ProfileInfo): Promise<void> {
  const rel = (p: string): string => path.relative(dataDir, p).split(path.sep).join('/');
  const tlsCaCertPath = (org: OrgMaterial): string =>
    rel(path.join(org.orgDir, 'tlsca', tlsCaCertFileName(org.domain)));
  const profile = {
    version: 1,
    name: 'devnet',
    channel: info.channelId,
    tls: info.tls,
    chaincodes: info.chaincodes.map((c) => ({
      name: c.name,
      ...(c.endorsementPolicy ? { endorsementPolicy: c.endorsementPolicy } : {}),
    })),
    organizations: peerOrgs(info.material).map((org) => {
      const ca = info.cas?.[org.mspId];
      return {
        mspId: org.mspId,
        peers: info.peers
          .filter((p) => p.mspId === org.mspId)
          .map((p) => ({
            name: p.name,
            endpoint: p.address,
            hostAlias: p.hostAlias,
            ...(info.tls ? { tlsCaCertPath: tlsCaCertPath(org) } : {}),
          })),
        ...(ca
          ? {
              ca: {
                url: ca.url,
                caName: ca.caName,
                ...(ca.url.startsWith('https:') ? { tlsCaCertPath: tlsCaCertPath(org) } : {}),
              },
            }
          : {}),
        identities: Object.fromEntries(
          Object.entries(org.users).map(([name, u]) => [name, { mspDir: rel(u.mspDir) }]),
        ),
      };
    }),
    orderers: ordererOrgs(info.material).flatMap((org) =>
      org.orderers.map((node) => ({
        name: node.name,
        mspId: org.mspId,
        endpoint: info.ordererAddress,
        hostAlias: node.name,
        ...(info.tls ? { tlsCaCertPath: tlsCaCertPath(org) } : {}),
      })),
    ),
  };
  const file = path.join(dataDir, 'network.json');
  await fs.writeFile(`${file}.tmp`, JSON.stringify(profile, null, 2));
  await fs.rename(`${file}.tmp`, file);
}

/** How long in-flight calls get to finish when the devnet stops. */
const SHUTDOWN_GRACE_MS = 2_000;

/**
 * Stops a gRPC server as a Fabric peer does: unary calls in flight may finish, but open streams (Deliver,
 * ChaincodeEvents) are cut after a grace period instead of holding the stop until every client leaves.
 */
function shutdown(server: grpc.Server): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = setTimeout(() => {
      server.forceShutdown();
      resolve();
    }, SHUTDOWN_GRACE_MS);
    server.tryShutdown(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}
