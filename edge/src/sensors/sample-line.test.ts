// Parsing of one JSON line: what is accepted, what is refused and why.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseSampleLine } from './sample-line';

const defaults = { deviceId: 'gw-1', now: () => '2024-05-01T00:00:00.000Z' };
const reasonOf = (line: string): string => {
  const r = parseSampleLine(line, defaults);
  assert.equal(r.ok, false, line);
  return r.ok ? '' : r.reason;
};

void describe('parseSampleLine', () => {
  void test('a full line is taken as sent', () => {
    const line =
      '{"deviceId":"tag-9","timestamp":"2024-05-01T10:00:00+02:00","temperature":4.5,"humidity":80,"pressure":1001.2,"location":{"lat":45.1,"lon":-9.2}}';
    assert.deepEqual(parseSampleLine(line, defaults), {
      ok: true,
      sample: {
        deviceId: 'tag-9',
        timestamp: '2024-05-01T10:00:00+02:00',
        temperature: 4.5,
        humidity: 80,
        pressure: 1001.2,
        location: { lat: 45.1, lon: -9.2 },
      },
    });
  });

  void test('deviceId and timestamp default; null counts as absent', () => {
    assert.deepEqual(parseSampleLine('{"temperature":-3,"humidity":null,"timestamp":null}', defaults), {
      ok: true,
      sample: { deviceId: 'gw-1', timestamp: '2024-05-01T00:00:00.000Z', temperature: -3 },
    });
  });

  void test('bad lines are refused with a reason naming the field', () => {
    assert.match(reasonOf('{"temperature":'), /^not valid JSON/);
    assert.equal(reasonOf('[1,2]'), 'not a JSON object');
    assert.equal(reasonOf('42'), 'not a JSON object');
    assert.equal(reasonOf('{"temprature":4}'), 'unknown field "temprature"');
    assert.equal(reasonOf('{"temperature":"4"}'), 'temperature must be a finite number');
    assert.equal(reasonOf('{"pressure":1e999}'), 'pressure must be a finite number');
    assert.equal(reasonOf('{"humidity":true}'), 'humidity must be a finite number');
    assert.equal(reasonOf('{"location":[1,2]}'), 'location must be an object {lat, lon}');
    assert.equal(reasonOf('{"location":{"lat":91,"lon":0}}'), 'location.lat must be a number from -90 to 90');
    assert.equal(
      reasonOf('{"location":{"lat":0,"lon":-180.5}}'),
      'location.lon must be a number from -180 to 180',
    );
    assert.equal(reasonOf('{"location":{"lat":0}}'), 'location.lon must be a number from -180 to 180');
    assert.equal(reasonOf('{"location":{"lat":0,"lon":0,"alt":3}}'), 'location has unknown field "alt"');
    assert.match(
      reasonOf('{"temperature":1,"timestamp":"2024-02-30T00:00:00Z"}'),
      /^timestamp must be an ISO-8601/,
    );
    assert.match(
      reasonOf('{"temperature":1,"timestamp":"2024-05-01 10:00"}'),
      /^timestamp must be an ISO-8601/,
    );
    assert.match(reasonOf('{"temperature":1,"timestamp":1714557600000}'), /^timestamp must be an ISO-8601/);
    assert.match(reasonOf('{"temperature":1,"deviceId":"a b"}'), /^deviceId must be 1-128 characters/);
    assert.equal(
      reasonOf('{}'),
      'a sample must carry at least one of temperature, humidity, pressure, location',
    );
    assert.equal(
      reasonOf('{"deviceId":"x","timestamp":"2024-05-01T00:00:00Z"}'),
      'a sample must carry at least one of temperature, humidity, pressure, location',
    );
  });

  void test('the clock is asked only for lines without a timestamp', () => {
    let calls = 0;
    const counting = { deviceId: 'gw-1', now: () => (calls++, '2024-05-01T00:00:00.000Z') };
    parseSampleLine('{"temperature":1,"timestamp":"2024-05-01T00:00:00Z"}', counting);
    assert.equal(calls, 0);
    parseSampleLine('{"temperature":1}', counting);
    assert.equal(calls, 1);
  });
});
