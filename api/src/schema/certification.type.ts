// A certified manufacturing data set (seed 3.2.2): its SHA-256, machine, period and KPI summary, and
// who certified it and when.

import { Field, Float, ID, ObjectType } from 'type-graphql';
import { PayloadOf } from './common.type';

@ObjectType({ description: 'One KPI of the summary, e.g. energyKwh = 12.5' })
export class Kpi {
  @Field()
  name!: string;

  @Field(() => Float)
  value!: number;
}

@ObjectType()
export class Certification {
  @Field(() => ID)
  id!: string;

  @Field({ description: 'SHA-256 of the data set, lower-case hex' })
  sha256!: string;

  @Field()
  machine!: string;

  @Field({ description: 'ISO 8601 as submitted' })
  periodStart!: string;

  @Field({ description: 'ISO 8601 as submitted' })
  periodEnd!: string;

  /** Stored as an object {name: value}; the field resolver lists it. */
  kpis!: Record<string, number>;

  @Field({ description: 'The certifying party' })
  certifiedBy!: string;

  @Field({ description: 'Transaction time' })
  certifiedAt!: string;

  @Field(() => ID)
  txId!: string;
}

@ObjectType({ description: 'A SHA-256 compared with the certified one' })
export class HashVerification {
  @Field(() => ID, { description: 'The certification id' })
  id!: string;

  @Field()
  match!: boolean;

  @Field({ description: 'The certified SHA-256' })
  sha256!: string;

  @Field()
  certifiedBy!: string;

  @Field()
  certifiedAt!: string;
}

export const CertificationPayload = PayloadOf(Certification, 'Certification', 'certification');
