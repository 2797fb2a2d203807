// The one place that opens gRPC connections to a Fabric peer's Gateway service: from a network profile
// and an identity, with TLS when the profile says so, to a peer of the identity's own organisation.

import { createHash, createPrivateKey, X509Certificate } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import {
  connect,
  hash,
  signers,
  type Gateway,
  type Hash,
  type Network,
  type Signer,
} from '@hyperledger/fabric-gateway';
import type { ClientIdentity } from './identity';
import { findOrganization, readTlsCaCert, type NetworkProfile, type PeerProfile } from './profile';
import { newFastSigner } from './signer';

export interface ConnectGatewayOptions {
  readonly profile: NetworkProfile;
  readonly identity: ClientIdentity;
  /** Organisation whose peer to use; default the identity's MSP ID. */
  readonly mspId?: string;
  /** Peer name (e.g. `peer1.org1.example.com`); default the organisation's first peer. */
  readonly peer?: string;
  /** 'fast' (node:crypto, low-S; the default) or 'default' (fabric-gateway's own pure-JS signer). */
  readonly signer?: 'fast' | 'default';
  /** Client certificate and key for mutual TLS (the TLS identity, not the MSP identity). */
  readonly tlsClient?: { readonly certPem: string; readonly keyPem: string };
  /** Per-call deadlines in milliseconds. */
  readonly timeouts?: Partial<Record<'evaluate' | 'endorse' | 'submit' | 'commitStatus', number>>;
  /** Extra gRPC channel options. */
  readonly grpcOptions?: grpc.ChannelOptions;
  /**
   * An open gRPC client to the peer, shared by several identities' gateways (one HTTP/2 connection
   * instead of one per identity); `close()` then leaves it open for its owner.
   */
  readonly client?: grpc.Client;
}

export interface GatewayConnection {
  readonly gateway: Gateway;
  readonly grpcClient: grpc.Client;
  /** The profile's channel. */
  readonly network: Network;
  /** The peer dialled. */
  readonly peer: PeerProfile;
  /** Closes the gateway and the gRPC connection. */
  close(): void;
}

const DEFAULT_TIMEOUTS = { evaluate: 15_000, endorse: 15_000, submit: 15_000, commitStatus: 60_000 };

export async function connectGateway(options: ConnectGatewayOptions): Promise<GatewayConnection> {
  const { profile, identity } = options;
  const peer = selectPeer(profile, options.mspId ?? identity.mspId, options.peer);
  const grpcClient = options.client ?? (await newPeerClient(profile, peer, options));
  const signing = signingFor(identity, options.signer ?? 'fast');
  const timeouts = { ...DEFAULT_TIMEOUTS, ...options.timeouts };
  const deadline = (ms: number) => () => ({ deadline: Date.now() + ms });
  const gateway = connect({
    client: grpcClient,
    identity: { mspId: identity.mspId, credentials: Buffer.from(identity.certPem) },
    signer: signing.signer,
    hash: signing.hash,
    ...(options.tlsClient
      ? {
          tlsClientCertificateHash: createHash('sha256')
            .update(new X509Certificate(options.tlsClient.certPem).raw)
            .digest(),
        }
      : {}),
    evaluateOptions: deadline(timeouts.evaluate),
    endorseOptions: deadline(timeouts.endorse),
    submitOptions: deadline(timeouts.submit),
    commitStatusOptions: deadline(timeouts.commitStatus),
  });
  return {
    gateway,
    grpcClient,
    network: gateway.getNetwork(profile.channel),
    peer,
    close: () => {
      gateway.close();
      if (!options.client) grpcClient.close();
    },
  };
}

/** The named peer, or the first peer of the organisation; clear errors for unknown names. */
export function selectPeer(profile: NetworkProfile, mspId: string, name?: string): PeerProfile {
  if (name !== undefined) {
    for (const org of profile.organizations) {
      const peer = org.peers.find((p) => p.name === name);
      if (peer) return peer;
    }
    const all = profile.organizations.flatMap((o) => o.peers.map((p) => p.name));
    throw new Error(
      `peer '${name}' is not in network profile '${profile.name}' (has ${all.join(', ') || 'none'})`,
    );
  }
  const org = findOrganization(profile, mspId);
  const first = org.peers[0];
  if (!first) throw new Error(`organization ${mspId} has no peers in network profile '${profile.name}'`);
  return first;
}

/**
 * HTTP/2 flow-control window of a peer connection (grpc-js's `grpc-node.flow_control_window`). With
 * HTTP/2's default 64 KiB, a client with a few hundred transactions in flight has the peer's endorse and
 * submit answers (~3 KiB each) held back until it sends window updates: in the devnet benchmark, 256 in
 * flight, the client saw Submit take ~100 ms that the peer answered in 2 ms.
 */
export const PEER_FLOW_CONTROL_WINDOW = 4 * 1024 * 1024;

/** A gRPC client for the peer, with TLS (and the client certificate for mutual TLS) when the profile says so. */
export async function newPeerClient(
  profile: NetworkProfile,
  peer: PeerProfile,
  options: Pick<ConnectGatewayOptions, 'grpcOptions' | 'tlsClient'> = {},
): Promise<grpc.Client> {
  const channelOptions: grpc.ChannelOptions = {
    'grpc.max_receive_message_length': 64 * 1024 * 1024,
    'grpc.max_send_message_length': 64 * 1024 * 1024,
    'grpc.keepalive_time_ms': 120_000,
    'grpc-node.flow_control_window': PEER_FLOW_CONTROL_WINDOW,
    ...options.grpcOptions,
  };
  if (!profile.tls) return new grpc.Client(peer.endpoint, grpc.credentials.createInsecure(), channelOptions);
  const rootCert = Buffer.from(await readTlsCaCert(peer));
  const credentials = options.tlsClient
    ? grpc.credentials.createSsl(
        rootCert,
        Buffer.from(options.tlsClient.keyPem),
        Buffer.from(options.tlsClient.certPem),
      )
    : grpc.credentials.createSsl(rootCert);
  return new grpc.Client(peer.endpoint, credentials, {
    'grpc.ssl_target_name_override': peer.hostAlias,
    ...channelOptions,
  });
}

function signingFor(identity: ClientIdentity, kind: 'fast' | 'default'): { signer: Signer; hash: Hash } {
  if (kind === 'fast') return newFastSigner(identity.keyPem);
  return { signer: signers.newPrivateKeySigner(createPrivateKey(identity.keyPem)), hash: hash.sha256 };
}
