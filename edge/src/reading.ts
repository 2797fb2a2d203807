// What a sensor produces and what the edge records on the ledger. The field names and limits are the
// chaincode's (`chaincode/src/reading.type.ts`): the edge never invents a shape the contract would refuse.

export const SENSOR_FIELDS = ['temperature', 'humidity', 'pressure'] as const;
export type SensorField = (typeof SENSOR_FIELDS)[number];

export interface GeoPoint {
  readonly lat: number;
  readonly lon: number;
}

/** One measurement from a source, before the buffer gives it a sequence number. */
export interface SensorSample {
  /** The device that measured it: the edge itself, or a small device behind it. */
  readonly deviceId: string;
  /** ISO-8601 time from the device's clock. */
  readonly timestamp: string;
  readonly temperature?: number;
  readonly humidity?: number;
  readonly pressure?: number;
  readonly location?: GeoPoint;
}

/** A sample bound to a shipment and numbered: exactly the chaincode's `ReadingInput`. */
export interface LedgerReading extends SensorSample {
  readonly shipmentId: string;
  /** Per device, strictly increasing, assigned durably by the buffer. */
  readonly sequence: number;
}

/** An agreed condition of the shipment: the value of `field` must stay within [min, max]. */
export interface Condition {
  readonly field: SensorField;
  readonly min: number;
  readonly max: number;
}

/** Minimum and maximum per sensor over a period (the periodic summary of the threshold rule). */
export interface SensorSummary {
  readonly deviceId: string;
  /** ISO-8601 times of the first and last sample the summary covers. */
  readonly from: string;
  readonly to: string;
  readonly count: number;
  readonly sensors: Partial<Record<SensorField, { readonly min: number; readonly max: number }>>;
}

export const MAX_READINGS_PER_TRANSACTION = 500;
