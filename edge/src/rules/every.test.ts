// The every rule records every sample and has nothing to add on tick or flush.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { newEveryRule } from './every';

void describe('every rule', () => {
  void test('every sample becomes a reading; tick and flush decide nothing', () => {
    const rule = newEveryRule();
    const a = { deviceId: 'd1', timestamp: '2024-05-01T00:00:00Z', temperature: 1 };
    const b = { deviceId: 'd2', timestamp: '2024-05-01T00:00:01Z', humidity: 2 };
    assert.equal(rule.name, 'every');
    assert.deepEqual(rule.offer(a), [{ kind: 'reading', sample: a }]);
    assert.deepEqual(rule.offer(b), [{ kind: 'reading', sample: b }]);
    assert.deepEqual(rule.tick(Date.now() + 1e9), []);
    assert.deepEqual(rule.flush(), []);
  });
});
