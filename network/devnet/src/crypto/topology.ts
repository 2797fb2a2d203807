import type { Topology } from './types';

/** Mirrors the Fabric test-network crypto-config (one orderer org, two peer orgs). */
export const DEFAULT_TOPOLOGY: Topology = {
  orgs: [
    { mspId: 'OrdererMSP', domain: 'example.com', kind: 'orderer', nodes: ['orderer'], users: ['Admin'] },
    {
      mspId: 'Org1MSP',
      domain: 'org1.example.com',
      kind: 'peer',
      nodes: ['peer0', 'peer1'],
      users: ['Admin', 'User1'],
    },
    {
      mspId: 'Org2MSP',
      domain: 'org2.example.com',
      kind: 'peer',
      nodes: ['peer0'],
      users: ['Admin', 'User1'],
    },
  ],
};
