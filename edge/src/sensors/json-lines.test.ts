// JSON-lines sources: from a stream (stdin) and from a command, with refused lines reported by number and
// a failing command surfacing as an error.

import assert from 'node:assert/strict';
import { PassThrough, Readable } from 'node:stream';
import { describe, test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { virtualClock } from './clock';
import { newCommandSource, newJsonLinesSource } from './json-lines';
import { all } from './test-support';

const NOW = Date.parse('2024-05-01T08:00:00Z');

function collector(): { seen: Array<[number, string]>; onInvalid: (n: number, r: string) => void } {
  const seen: Array<[number, string]> = [];
  return { seen, onInvalid: (n, r) => seen.push([n, r]) };
}

/** A command that runs a Node script: the one interpreter every test machine has. */
function nodeScript(script: string) {
  return { command: process.execPath, args: ['-e', script] };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (_gone) {
    return false;
  }
}

void describe('json-lines source', () => {
  void test('valid lines become samples; invalid ones are reported by line number and skipped', async () => {
    const text = [
      '{"temperature":4.5}', // 1
      '', // 2: blank, ignored
      '{"deviceId":"tag-2","timestamp":"2024-05-01T07:59:00Z","humidity":71}', // 3
      '{"temperature":"warm"}', // 4
      'not json', // 5
      '   ', // 6: blank, ignored
      '{"temperature":5,"colour":"red"}', // 7
      '{}', // 8
      '{"location":{"lat":45,"lon":9}}', // 9
    ].join('\n');
    const { seen, onInvalid } = collector();
    const source = newJsonLinesSource(Readable.from([text]), {
      deviceId: 'gw-1',
      clock: virtualClock(NOW),
      onInvalid,
    });
    assert.deepEqual(await all(source), [
      { deviceId: 'gw-1', timestamp: '2024-05-01T08:00:00.000Z', temperature: 4.5 },
      { deviceId: 'tag-2', timestamp: '2024-05-01T07:59:00Z', humidity: 71 },
      { deviceId: 'gw-1', timestamp: '2024-05-01T08:00:00.000Z', location: { lat: 45, lon: 9 } },
    ]);
    assert.deepEqual(
      seen.map(([n]) => n),
      [4, 5, 7, 8],
    );
    assert.equal(seen[0]?.[1], 'temperature must be a finite number');
    assert.equal(seen[2]?.[1], 'unknown field "colour"');
  });

  void test('lines split across chunks and CRLF endings are read whole', async () => {
    const chunks = ['{"tempera', 'ture":1}\r\n{"temperature"', ':2}\r\n', '{"temperature":3}'];
    const samples = await all(newJsonLinesSource(Readable.from(chunks), { deviceId: 'gw-1' }));
    assert.deepEqual(
      samples.map((s) => s.temperature),
      [1, 2, 3],
    );
  });

  void test('a line over the size limit is refused with its size', async () => {
    const long = JSON.stringify({ temperature: 1, deviceId: 'x'.repeat(100) });
    const { seen, onInvalid } = collector();
    const samples = await all(
      newJsonLinesSource(Readable.from([`${long}\n{"temperature":2}\n`]), {
        deviceId: 'gw-1',
        maxLineBytes: 64,
        onInvalid,
      }),
    );
    assert.deepEqual(
      samples.map((s) => s.temperature),
      [2],
    );
    assert.deepEqual(seen, [[1, `line is ${long.length} bytes, over the limit of 64`]]);
  });

  void test('the default size limit is 64 KiB', async () => {
    const pad = ' '.repeat(64 * 1024);
    const { seen, onInvalid } = collector();
    const samples = await all(
      newJsonLinesSource(Readable.from([`{"temperature":1}${pad}\n{"temperature":2}\n`]), {
        deviceId: 'gw-1',
        onInvalid,
      }),
    );
    assert.deepEqual(
      samples.map((s) => s.temperature),
      [2],
    );
    assert.match(seen[0]?.[1] ?? '', /over the limit of 65536$/);
  });

  void test('an abort ends iteration while waiting for input, leaving the stream open', async () => {
    const input = new PassThrough();
    const controller = new AbortController();
    const source = newJsonLinesSource(input, { deviceId: 'gw-1' });
    input.write('{"temperature":1}\n');
    setTimeout(() => controller.abort(), 50);
    const samples = await all(source, controller.signal);
    assert.equal(samples.length, 1);
    assert.equal(input.destroyed, false);
  });

  void test('a command’s stdout lines become samples', async () => {
    const source = newCommandSource({
      ...nodeScript('for (let i = 0; i < 3; i++) console.log(JSON.stringify({ temperature: i }))'),
      deviceId: 'gw-1',
    });
    assert.deepEqual(
      (await all(source)).map((s) => s.temperature),
      [0, 1, 2],
    );
  });

  void test('a non-zero exit is an error carrying the exit code and stderr, after the lines it printed', async () => {
    const source = newCommandSource({
      ...nodeScript(
        'console.log(\'{"temperature":7}\'); console.error("sensor bus timeout"); process.exit(3)',
      ),
      deviceId: 'gw-1',
    });
    const got: number[] = [];
    await assert.rejects(
      async () => {
        for await (const s of source.samples()) got.push(s.temperature ?? Number.NaN);
      },
      { message: `json-lines source: command "${process.execPath}" exited with code 3: sensor bus timeout` },
    );
    assert.deepEqual(got, [7]);
  });

  void test('a command that cannot start is an error', async () => {
    const source = newCommandSource({ command: 'no-such-sensor-tool-4711', deviceId: 'gw-1' });
    await assert.rejects(all(source), {
      message:
        'json-lines source: cannot run command "no-such-sensor-tool-4711": spawn no-such-sensor-tool-4711 ENOENT',
    });
  });

  void test('an abort ends iteration and stops the command', async () => {
    // The child reports its pid as the first "temperature" so the test can check it was stopped.
    const source = newCommandSource({
      ...nodeScript(
        'console.log(JSON.stringify({ temperature: process.pid })); setInterval(() => console.log(\'{"temperature":1}\'), 20)',
      ),
      deviceId: 'gw-1',
    });
    const controller = new AbortController();
    let pid = 0;
    let n = 0;
    for await (const s of source.samples(controller.signal)) {
      if (n++ === 0) pid = s.temperature ?? 0;
      if (n === 3) controller.abort();
    }
    assert.ok(pid > 0);
    await waitFor(() => !alive(pid));
  });

  void test('breaking out of the loop stops the command', async () => {
    const source = newCommandSource({
      ...nodeScript('console.log(JSON.stringify({ temperature: process.pid })); setInterval(() => {}, 1000)'),
      deviceId: 'gw-1',
    });
    let pid = 0;
    for await (const s of source.samples()) {
      pid = s.temperature ?? 0;
      break;
    }
    assert.ok(pid > 0);
    await waitFor(() => !alive(pid));
  });

  void test('refused lines from a command are reported, not fatal', async () => {
    const { seen, onInvalid } = collector();
    const source = newCommandSource({
      ...nodeScript('console.log("garbage"); console.log(\'{"pressure":990}\')'),
      deviceId: 'gw-1',
      onInvalid,
    });
    assert.deepEqual(
      (await all(source)).map((s) => s.pressure),
      [990],
    );
    assert.equal(seen[0]?.[0], 1);
  });

  void test('invalid options are refused with the field named', () => {
    assert.throws(() => newCommandSource({ command: '', deviceId: 'gw-1' }), {
      message: 'json-lines source: command must be a non-empty string',
    });
    assert.throws(() => newJsonLinesSource(Readable.from([]), { deviceId: 'gw-1', maxLineBytes: 0 }), {
      message: 'json-lines source: maxLineBytes must be a positive integer',
    });
    assert.throws(() => newJsonLinesSource(Readable.from([]), { deviceId: 'gw 1' }), {
      message: /^json-lines source: deviceId/,
    });
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > until) assert.fail('condition not met in time');
    await delay(20);
  }
}
