// Rules chosen by configuration: the shipment's monitoring mode names a rule, this builds it.

import { type Condition } from '../reading';
import { newEveryRule } from './every';
import { type EdgeRule } from './rule';
import { newThresholdRule } from './threshold';

export * from './every';
export * from './rule';
export * from './threshold';

export type RuleConfig =
  | { readonly rule: 'every' }
  | {
      readonly rule: 'threshold';
      readonly conditions: readonly Condition[];
      readonly summaryIntervalMs: number;
    };

export function createRule(config: RuleConfig): EdgeRule {
  if (config === null || typeof config !== 'object') throw new Error('rule config must be an object');
  switch (config.rule) {
    case 'every':
      return newEveryRule();
    case 'threshold':
      return newThresholdRule({ conditions: config.conditions, summaryIntervalMs: config.summaryIntervalMs });
    default: {
      const rule: unknown = (config as { rule?: unknown }).rule;
      throw new Error(
        `rule config: rule must be every or threshold (got ${JSON.stringify(rule) ?? 'nothing'})`,
      );
    }
  }
}
