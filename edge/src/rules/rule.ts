// What an edge rule decides about samples (seed 4.3): which become ledger readings and which periodic
// summaries are recorded instead. Batching decisions into transactions happens elsewhere.

import { type SensorSample, type SensorSummary } from '../reading';

export type Decision =
  | { readonly kind: 'reading'; readonly sample: SensorSample }
  | { readonly kind: 'summary'; readonly summary: SensorSummary };

export interface EdgeRule {
  readonly name: string;
  /** Decisions caused by one new sample. */
  offer(sample: SensorSample): Decision[];
  /** Decisions due at `nowMs` (epoch milliseconds), e.g. periodic summaries. Call it regularly. */
  tick(nowMs: number): Decision[];
  /** Everything still pending, at shutdown. */
  flush(): Decision[];
}
