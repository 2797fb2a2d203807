// Input of certifyData, shaped as the chaincode's certification JSON (KPIs as a list, sent as an object).

import { Field, Float, ID, InputType } from 'type-graphql';

@InputType()
export class KpiInput {
  @Field({ description: "1-64 letters, digits or '_', starting with a letter" })
  name!: string;

  @Field(() => Float, { description: 'energyKwh and co2eKg must not be negative' })
  value!: number;
}

@InputType()
export class CertificationInput {
  @Field(() => ID, {
    description: 'Certifying the same data again is a no-op; other content under the id is refused',
  })
  id!: string;

  @Field({ description: 'SHA-256 of the data set (64 hex)' })
  sha256!: string;

  @Field({ description: 'At most 200 characters' })
  machine!: string;

  // Strings, not DateTime scalars: the chaincode keeps the period as given (up to nanoseconds).
  @Field({ description: 'ISO-8601 date-time with a zone; before periodEnd' })
  periodStart!: string;

  @Field({ description: 'ISO-8601 date-time with a zone' })
  periodEnd!: string;

  @Field(() => [KpiInput], { defaultValue: [], description: 'At most 50, e.g. energyKwh, co2eKg' })
  kpis!: KpiInput[];
}
