// Long-lived Fabric Gateway connections, one per identity, over one shared gRPC connection to the
// organisation's peer: a request signs as its caller without paying for a TLS handshake.

import type * as grpc from '@grpc/grpc-js';
import type { Contract, Network } from '@hyperledger/fabric-gateway';
import {
  connectGateway,
  newPeerClient,
  selectPeer,
  type ClientIdentity,
  type GatewayConnection,
  type NetworkProfile,
} from '../../../network/client/src';

export interface GatewayPoolOptions {
  readonly profile: NetworkProfile;
  readonly chaincode: string;
  /** Per-call deadlines (ms); defaults in network/client. */
  readonly timeouts?: Partial<Record<'evaluate' | 'endorse' | 'submit' | 'commitStatus', number>>;
}

export interface PooledGateway {
  readonly network: Network;
  readonly contract: Contract;
}

export class GatewayPool {
  readonly #options: GatewayPoolOptions;
  readonly #clients = new Map<string, Promise<grpc.Client>>();
  readonly #gateways = new Map<string, Promise<GatewayConnection>>();

  constructor(options: GatewayPoolOptions) {
    this.#options = options;
  }

  /** The gateway for an identity, opened on first use; `key` names the identity (its wallet label). */
  async get(key: string, identity: ClientIdentity): Promise<PooledGateway> {
    let connection = this.#gateways.get(key);
    if (!connection) {
      connection = this.#open(identity);
      this.#gateways.set(key, connection);
      connection.catch(() => this.#gateways.delete(key));
    }
    const { network } = await connection;
    return { network, contract: network.getContract(this.#options.chaincode) };
  }

  /** Forgets an identity's gateway (after its certificate changed or was revoked). */
  async evict(key: string): Promise<void> {
    const connection = this.#gateways.get(key);
    this.#gateways.delete(key);
    if (connection) (await connection.catch(() => undefined))?.close();
  }

  async close(): Promise<void> {
    const all = [...this.#gateways.values()];
    this.#gateways.clear();
    for (const c of await Promise.allSettled(all)) if (c.status === 'fulfilled') c.value.close();
    const clients = [...this.#clients.values()];
    this.#clients.clear();
    for (const c of await Promise.allSettled(clients)) if (c.status === 'fulfilled') c.value.close();
  }

  async #open(identity: ClientIdentity): Promise<GatewayConnection> {
    const { profile } = this.#options;
    const peer = selectPeer(profile, identity.mspId);
    let client = this.#clients.get(peer.name);
    if (!client) {
      client = newPeerClient(profile, peer);
      this.#clients.set(peer.name, client);
      client.catch(() => this.#clients.delete(peer.name));
    }
    return connectGateway({
      profile,
      identity,
      client: await client,
      signer: 'fast',
      ...(this.#options.timeouts ? { timeouts: this.#options.timeouts } : {}),
    });
  }
}
