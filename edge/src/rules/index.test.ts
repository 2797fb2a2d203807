// createRule: builds the configured rule and refuses configurations that would misjudge samples.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createRule, type RuleConfig } from './index';

const threshold = (conditions: unknown, summaryIntervalMs: unknown): RuleConfig =>
  ({ rule: 'threshold', conditions, summaryIntervalMs }) as RuleConfig;

void describe('createRule', () => {
  void test('builds the every and threshold rules', () => {
    assert.equal(createRule({ rule: 'every' }).name, 'every');
    const r = createRule({
      rule: 'threshold',
      conditions: [{ field: 'humidity', min: 10, max: 60 }],
      summaryIntervalMs: 1000,
    });
    assert.equal(r.name, 'threshold');
    assert.equal(r.offer({ deviceId: 'd', timestamp: '2024-05-01T00:00:00Z', humidity: 80 }).length, 1);
  });

  void test('refuses invalid threshold configurations with the condition and field named', () => {
    const cases: Array<[RuleConfig, string]> = [
      [threshold([], 60_000), 'threshold rule: conditions must be a non-empty list of {field, min, max}'],
      [
        threshold(undefined, 60_000),
        'threshold rule: conditions must be a non-empty list of {field, min, max}',
      ],
      [
        threshold(
          [
            { field: 'temperature', min: 2, max: 8 },
            { field: 'temperature', min: 9, max: 3 },
          ],
          60_000,
        ),
        'threshold rule: conditions[1].min (9) must not exceed max (3)',
      ],
      [
        threshold([{ field: 'vibration', min: 0, max: 1 }], 60_000),
        'threshold rule: conditions[0].field must be one of temperature, humidity, pressure',
      ],
      [
        threshold([{ field: 'temperature', min: '2', max: 8 }], 60_000),
        'threshold rule: conditions[0].min must be a finite number',
      ],
      [
        threshold([{ field: 'temperature', min: 2, max: Number.NaN }], 60_000),
        'threshold rule: conditions[0].max must be a finite number',
      ],
      [threshold([null], 60_000), 'threshold rule: conditions[0] must be an object {field, min, max}'],
      [
        threshold([{ field: 'temperature', min: 2, max: 8 }], 0),
        'threshold rule: summaryIntervalMs must be a positive integer',
      ],
      [
        threshold([{ field: 'temperature', min: 2, max: 8 }], 1.5),
        'threshold rule: summaryIntervalMs must be a positive integer',
      ],
      [
        threshold([{ field: 'temperature', min: 2, max: 8 }], undefined),
        'threshold rule: summaryIntervalMs must be a positive integer',
      ],
    ];
    for (const [config, message] of cases) assert.throws(() => createRule(config), { message }, message);
  });

  void test('accepts min equal to max', () => {
    assert.doesNotThrow(() => createRule(threshold([{ field: 'pressure', min: 1000, max: 1000 }], 60_000)));
  });

  void test('refuses an unknown rule', () => {
    assert.throws(() => createRule({ rule: 'sometimes' } as unknown as RuleConfig), {
      message: 'rule config: rule must be every or threshold (got "sometimes")',
    });
  });
});
