// Thermal source on a fake /sys/class/thermal in a temporary directory.

import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { virtualClock } from './clock';
import { newThermalSource } from './thermal';
import { all } from './test-support';

const START = Date.parse('2024-05-01T12:00:00Z');

void describe('thermal source', () => {
  let dir: string;
  const zoneFile = (zone: number): string => path.join(dir, `thermal_zone${zone}`, 'temp');
  const writeZone = (zone: number, text: string): void => {
    mkdirSync(path.dirname(zoneFile(zone)), { recursive: true });
    writeFileSync(zoneFile(zone), text);
  };

  before(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'thermal-test-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  void test('reads millidegrees as degrees Celsius, stamped by the clock every intervalMs', async () => {
    writeZone(0, '48312\n');
    const source = newThermalSource({
      deviceId: 'pi-7',
      baseDir: dir,
      intervalMs: 5000,
      count: 2,
      clock: virtualClock(START),
    });
    assert.equal(source.name, 'thermal:pi-7:zone0');
    assert.deepEqual(await all(source), [
      { deviceId: 'pi-7', timestamp: '2024-05-01T12:00:00.000Z', temperature: 48.312 },
      { deviceId: 'pi-7', timestamp: '2024-05-01T12:00:05.000Z', temperature: 48.312 },
    ]);
  });

  void test('each sample is a fresh read: a changed value shows in the next sample', async () => {
    writeZone(1, '40000');
    const source = newThermalSource({ deviceId: 'pi-7', baseDir: dir, zone: 1, clock: virtualClock(START) });
    const it = source.samples()[Symbol.asyncIterator]();
    assert.equal((await it.next()).value?.temperature, 40);
    writeZone(1, '52750\n');
    assert.equal((await it.next()).value?.temperature, 52.75);
    writeZone(1, '-2500');
    assert.equal((await it.next()).value?.temperature, -2.5);
    await it.return?.();
  });

  void test('a missing zone file is an error naming the file and the zone', async () => {
    const source = newThermalSource({ deviceId: 'pi-7', baseDir: dir, zone: 3, count: 1 });
    await assert.rejects(all(source), {
      message: `thermal source: ${zoneFile(3)} not found; this machine exposes no thermal zone 3`,
    });
  });

  void test('the default location is /sys/class/thermal', async () => {
    const source = newThermalSource({ deviceId: 'pi-7', zone: 987, count: 1 });
    await assert.rejects(all(source), {
      message:
        'thermal source: /sys/class/thermal/thermal_zone987/temp not found; this machine exposes no thermal zone 987',
    });
  });

  void test('content that is not an integer is an error showing the content', async () => {
    for (const text of ['abc', '48.3', '', '12 34']) {
      writeZone(2, text);
      const source = newThermalSource({ deviceId: 'pi-7', baseDir: dir, zone: 2, count: 1 });
      await assert.rejects(all(source), {
        message: `thermal source: ${zoneFile(2)} holds "${text}", not an integer of millidegrees Celsius`,
      });
    }
  });

  void test('an abort ends iteration during the wait between reads', async () => {
    writeZone(0, '45000');
    const controller = new AbortController();
    const begun = Date.now();
    setTimeout(() => controller.abort(), 100);
    const samples = await all(
      newThermalSource({ deviceId: 'pi-7', baseDir: dir, intervalMs: 60_000 }),
      controller.signal,
    );
    assert.equal(samples.length, 1);
    assert.ok(Date.now() - begun < 5000);
  });

  void test('invalid options are refused with the field named', () => {
    assert.throws(() => newThermalSource({ deviceId: 'pi-7', zone: -1 }), {
      message: 'thermal source: zone must be a non-negative integer',
    });
    assert.throws(() => newThermalSource({ deviceId: 'pi-7', intervalMs: 0 }), {
      message: 'thermal source: intervalMs must be a positive integer',
    });
    assert.throws(() => newThermalSource({ deviceId: '' }), { message: /^thermal source: deviceId must be/ });
  });
});
