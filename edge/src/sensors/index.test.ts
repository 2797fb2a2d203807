// createSource: each configured type yields the matching source, with deps passed through.

import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { describe, test } from 'node:test';
import { createSource, virtualClock, type SourceConfig } from './index';
import { all, take } from './test-support';

void describe('createSource', () => {
  void test('simulated with a start date runs on simulated time', async () => {
    const source = createSource(
      {
        type: 'simulated',
        deviceId: 'sim-1',
        seed: 3,
        intervalMs: 1000,
        count: 2,
        start: '2024-01-01T00:00:00Z',
      },
      { clock: virtualClock(0) },
    );
    assert.equal(source.name, 'simulated:sim-1');
    assert.deepEqual(
      (await all(source)).map((s) => s.timestamp),
      ['2024-01-01T00:00:00.000Z', '2024-01-01T00:00:01.000Z'],
    );
  });

  void test('simulated without a start date uses the clock of the deps', async () => {
    const source = createSource(
      { type: 'simulated', deviceId: 'sim-1', seed: 3, intervalMs: 500, count: 2 },
      { clock: virtualClock(Date.parse('2024-01-01T00:00:00Z')) },
    );
    assert.deepEqual(
      (await all(source)).map((s) => s.timestamp),
      ['2024-01-01T00:00:00.000Z', '2024-01-01T00:00:00.500Z'],
    );
  });

  void test('thermal is the thermal source', async () => {
    const source = createSource({ type: 'thermal', deviceId: 'pi-1', zone: 4242, count: 1 });
    assert.equal(source.name, 'thermal:pi-1:zone4242');
    await assert.rejects(all(source), { message: /^thermal source: .* not found/ });
  });

  void test('command runs the command with its args', async () => {
    const source = createSource({
      type: 'command',
      command: process.execPath,
      args: ['-e', 'console.log(\'{"humidity":33}\')'],
      deviceId: 'gw-1',
    });
    assert.equal(source.name, `command:${process.execPath}`);
    const samples = await all(source);
    assert.equal(samples.length, 1);
    assert.equal(samples[0]?.deviceId, 'gw-1');
    assert.equal(samples[0]?.humidity, 33);
  });

  void test('stdin reads the stream given in the deps and reports refused lines', async () => {
    const refused: number[] = [];
    const source = createSource(
      { type: 'stdin', deviceId: 'gw-1' },
      {
        stdin: Readable.from(['{"temperature":1}\nnope\n']),
        clock: virtualClock(0),
        onInvalid: (n) => refused.push(n),
      },
    );
    assert.equal(source.name, 'stdin');
    assert.deepEqual(await take(source, 5), [
      { deviceId: 'gw-1', timestamp: '1970-01-01T00:00:00.000Z', temperature: 1 },
    ]);
    assert.deepEqual(refused, [2]);
  });

  void test('an unknown type is refused', () => {
    assert.throws(() => createSource({ type: 'bluetooth' } as unknown as SourceConfig), {
      message: 'source config: type must be one of simulated, thermal, command, stdin (got "bluetooth")',
    });
  });
});
