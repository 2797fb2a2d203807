// Records every sample: for shipments whose contract asks for the full series.

import { type EdgeRule } from './rule';

export function newEveryRule(): EdgeRule {
  return {
    name: 'every',
    offer: (sample) => [{ kind: 'reading', sample }],
    tick: () => [],
    flush: () => [],
  };
}
