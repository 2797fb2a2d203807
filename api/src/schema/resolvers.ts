// Every domain resolver; the schema builder adds the ledger and admin resolvers.

import { CertificationResolver } from './certification.resolver';
import { DeviceResolver } from './device.resolver';
import { IdeaResolver } from './idea.resolver';
import { NegotiationResolver } from './negotiation.resolver';
import { OrderResolver } from './order.resolver';
import { ReadingResolver, ShipmentReadingsResolver } from './reading.resolver';
import { ReputationResolver } from './reputation.resolver';
import { ShipmentResolver } from './shipment.resolver';

export const resolvers = [
  NegotiationResolver,
  OrderResolver,
  ShipmentResolver,
  ShipmentReadingsResolver,
  ReadingResolver,
  DeviceResolver,
  ReputationResolver,
  IdeaResolver,
  CertificationResolver,
] as const;
