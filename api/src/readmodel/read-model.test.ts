import assert from 'node:assert/strict';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import type { ParsedBlock, ParsedTransaction } from '../../../network/client/src';
import { ReadModel, ReadModelGapError } from './read-model';

const CC = 'manusquare';

function key(type: string, ...attrs: string[]): string {
  return `\u0000${[type, ...attrs].join('\u0000')}\u0000`;
}

function put(k: string, doc: unknown): ParsedTransaction['writes'][number] {
  return { namespace: CC, key: k, value: Buffer.from(JSON.stringify(doc)), isDelete: false };
}

let txCounter = 0;
function tx(
  writes: ParsedTransaction['writes'],
  options: { valid?: boolean; event?: { name: string; payload: unknown } } = {},
): Omit<ParsedTransaction, 'index'> {
  const valid = options.valid ?? true;
  txCounter++;
  return {
    txId: `tx${txCounter}`,
    type: 'ENDORSER_TRANSACTION',
    timestamp: `2026-01-01T00:00:${String(txCounter % 60).padStart(2, '0')}.000000000Z`,
    creatorMspId: 'Org1MSP',
    creatorId: 'Org1MSP:alice',
    validationCode: valid ? 'VALID' : 'MVCC_READ_CONFLICT',
    valid,
    chaincode: CC,
    function: 'x:y',
    writes,
    events: options.event
      ? [
          {
            chaincodeId: CC,
            name: options.event.name,
            payload: Buffer.from(JSON.stringify(options.event.payload)),
            index: 0,
          },
        ]
      : [],
  };
}

function block(number: number, txs: Omit<ParsedTransaction, 'index'>[]): ParsedBlock {
  return {
    number: BigInt(number),
    hash: `h${number}`,
    previousHash: `h${number - 1}`,
    dataHash: `d${number}`,
    transactions: txs.map((t, index) => ({ ...t, index })),
  };
}

function negotiation(id: string, status: string, createdAt: string, supplier = 'Org2MSP:bob'): unknown {
  return {
    docType: 'negotiation',
    id,
    customer: 'Org1MSP:alice',
    supplier,
    status,
    createdAt,
    updatedAt: createdAt,
  };
}

void test('apply projects valid writes, records invalid transactions, is idempotent and refuses gaps', () => {
  const rm = new ReadModel(new Database(':memory:'));
  assert.equal(rm.nextBlock(), 0n);
  assert.equal(rm.apply(block(0, []))?.number, 0n);
  const b1 = block(1, [
    tx([put(key('negotiation', 'n1'), negotiation('n1', 'OPEN', '2026-01-01T00:00:01.000000000Z'))], {
      event: { name: 'OfferCreated', payload: { parties: ['Org1MSP:alice', 'Org2MSP:bob'] } },
    }),
    tx([put(key('negotiation', 'n2'), negotiation('n2', 'OPEN', '2026-01-01T00:00:02.000000000Z'))], {
      valid: false,
      event: { name: 'OfferCreated', payload: {} },
    }),
    tx([put(key('negotiation~round', 'n1', '000001'), { negotiationId: 'n1', round: 1, action: 'OFFER' })]),
  ]);
  const applied = rm.apply(b1);
  assert.ok(applied);
  assert.deepEqual(
    applied.events.map((e) => [e.name, e.cursor.txIndex, e.parties]),
    [['OfferCreated', 0, ['Org1MSP:alice', 'Org2MSP:bob']]],
  );
  assert.equal(rm.getEntity<{ status: string }>('negotiation', 'n1')?.status, 'OPEN');
  assert.equal(rm.getEntity('negotiation', 'n2'), undefined);
  const invalid = b1.transactions[1];
  assert.ok(invalid);
  assert.equal(rm.transaction(invalid.txId)?.validationCode, 'MVCC_READ_CONFLICT');
  assert.equal(rm.rounds('n1').length, 1);

  assert.equal(rm.apply(b1), undefined, 're-applied block is skipped');
  assert.equal(rm.nextBlock(), 2n);
  assert.throws(() => rm.apply(block(5, [])), ReadModelGapError);
  assert.equal(rm.eventsAfter(undefined, { limit: 10 }).length, 1);

  // Delete removes rows.
  rm.apply(block(2, [tx([{ namespace: CC, key: key('negotiation', 'n1'), isDelete: true }])]));
  assert.equal(rm.getEntity('negotiation', 'n1'), undefined);
  assert.equal(rm.listEntities('negotiation', { party: 'Org1MSP:alice', first: 10 }).totalCount, 0);
});

void test('listEntities pages by createdAt then id with party, status and time filters', () => {
  const rm = new ReadModel(new Database(':memory:'));
  const txs = Array.from({ length: 25 }, (_, i) =>
    tx([
      put(
        key('negotiation', `n${String(i).padStart(2, '0')}`),
        negotiation(
          `n${String(i).padStart(2, '0')}`,
          i % 2 ? 'OPEN' : 'ACCEPTED',
          `2026-01-01T00:00:${String(i).padStart(2, '0')}.000000000Z`,
          i % 3 ? 'Org2MSP:bob' : 'Org2MSP:carol',
        ),
      ),
    ]),
  );
  rm.apply(block(0, txs));
  const seen: string[] = [];
  let after: string | undefined;
  for (;;) {
    const page = rm.listEntities<{ id: string }>('negotiation', {
      party: 'Org2MSP:bob',
      first: 4,
      ...(after ? { after } : {}),
    });
    assert.equal(page.totalCount, 16);
    seen.push(...page.nodes.map((n) => n.id));
    if (!page.hasNextPage) break;
    after = page.endCursor;
  }
  assert.equal(seen.length, 16);
  assert.deepEqual(seen, [...seen].sort());
  const open = rm.listEntities('negotiation', {
    status: 'OPEN',
    createdFrom: '2026-01-01T00:00:10Z',
    createdTo: '2026-01-01T00:00:20.000Z',
    first: 100,
  });
  assert.equal(open.totalCount, 5); // 11, 13, 15, 17, 19
});

void test('shipmentSummary over 10,000 readings matches a brute-force computation', () => {
  const rm = new ReadModel(new Database(':memory:'));
  const readings: Record<string, unknown>[] = [];
  let seed = 42;
  const rand = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  let blockNo = 0;
  for (let b = 0; b < 20; b++) {
    const txs = [];
    for (let t = 0; t < 5; t++) {
      const writes = [];
      for (let r = 0; r < 100; r++) {
        const i = readings.length;
        const humidity = Math.round(rand() * 140) / 10;
        const reading: Record<string, unknown> = {
          shipmentId: 's1',
          deviceId: `d${i % 7}`,
          sequence: i,
          timestamp: new Date(Date.UTC(2026, 0, 1) + Math.floor(rand() * 1e9)).toISOString(),
          temperature: Math.round(rand() * 100) / 10,
          humidity,
          violations: humidity > 10 ? [{ field: 'humidity', value: humidity, min: 0, max: 10 }] : [],
        };
        if (i % 3 !== 0) reading['pressure'] = 1000 + Math.round(rand() * 30);
        readings.push(reading);
        writes.push(
          put(key('reading~shipment~device~seq', 's1', `d${i % 7}`, String(i).padStart(12, '0')), reading),
        );
      }
      txs.push(tx(writes));
    }
    rm.apply(block(blockNo++, txs));
  }
  assert.equal(readings.length, 10_000);
  const started = process.hrtime.bigint();
  const summary = rm.shipmentSummary('s1');
  const elapsedMs = Number(process.hrtime.bigint() - started) / 1e6;
  assert.equal(summary.count, 10_000);
  assert.equal(summary.violations, readings.filter((r) => (r['violations'] as unknown[]).length > 0).length);
  for (const field of ['temperature', 'humidity', 'pressure'] as const) {
    const having = readings.filter((r) => typeof r[field] === 'number');
    const values = having.map((r) => r[field] as number);
    const byTime = [...having].sort(
      (a, b) => Date.parse(a['timestamp'] as string) - Date.parse(b['timestamp'] as string),
    );
    const s = summary.fields[field];
    assert.equal(s.count, having.length, field);
    assert.equal(s.min, Math.min(...values), field);
    assert.equal(s.max, Math.max(...values), field);
    assert.equal(s.firstTimestamp, byTime[0]?.['timestamp'], field);
    assert.equal(
      Date.parse(s.lastTimestamp ?? ''),
      Date.parse(byTime[byTime.length - 1]?.['timestamp'] as string),
    );
    assert.equal(
      s.violations,
      field === 'humidity' ? readings.filter((r) => (r['humidity'] as number) > 10).length : 0,
      field,
    );
  }
  // Informational only: timing is not asserted in unit tests.
  console.log(`shipmentSummary over 10,000 readings: ${elapsedMs.toFixed(2)} ms`);

  // Readings page through in device-time order without gaps or repeats.
  let after: string | undefined;
  let total = 0;
  let lastTs = -Infinity;
  for (;;) {
    const page = rm.readings<{ timestamp: string }>('s1', { first: 1000, ...(after ? { after } : {}) });
    for (const n of page.nodes) {
      const ts = Date.parse(n.timestamp);
      assert.ok(ts >= lastTs);
      lastTs = ts;
    }
    total += page.nodes.length;
    if (!page.hasNextPage) break;
    after = page.endCursor;
  }
  assert.equal(total, 10_000);
  assert.equal(
    rm.readings('s1', { first: 1, deviceId: 'd3' }).totalCount,
    readings.filter((r) => r['deviceId'] === 'd3').length,
  );
});

void test('eventsAfter filters by name and party in cursor order', () => {
  const rm = new ReadModel(new Database(':memory:'));
  rm.apply(
    block(0, [
      tx([], { event: { name: 'A', payload: { parties: ['p1'] } } }),
      tx([], { event: { name: 'B', payload: { customer: 'p2' } } }),
      tx([], { event: { name: 'A', payload: { parties: ['p2'] } } }),
    ]),
  );
  rm.apply(block(1, [tx([], { event: { name: 'A', payload: { parties: ['p1', 'p2'] } } })]));
  const all = rm.eventsAfter(undefined, { limit: 100 });
  assert.deepEqual(
    all.map((e) => `${e.cursor.block}:${e.cursor.txIndex}:${e.name}`),
    ['0:0:A', '0:1:B', '0:2:A', '1:0:A'],
  );
  const first = all[0];
  assert.ok(first);
  assert.deepEqual(
    rm
      .eventsAfter(first.cursor, { limit: 100, party: 'p2', names: ['A'] })
      .map((e) => `${e.cursor.block}:${e.cursor.txIndex}`),
    ['0:2', '1:0'],
  );
  assert.deepEqual(rm.eventsAfter(undefined, { limit: 100, party: 'p2' }).length, 3);
  assert.equal(rm.eventsAfter(undefined, { limit: 2 }).length, 2);
});

void test('edge summaries widen min/max and the time span of a shipment summary and are counted apart from readings', () => {
  const rm = new ReadModel(new Database(':memory:'));
  const reading = (seq: number, temperature: number, timestamp: string): unknown => ({
    shipmentId: 's9',
    deviceId: 'd1',
    sequence: seq,
    timestamp,
    temperature,
    violations: [],
  });
  const summary = (
    seq: number,
    from: string,
    to: string,
    count: number,
    sensors: Record<string, { min: number; max: number }>,
    violations: { field: string }[] = [],
  ): unknown => ({
    docType: 'summary',
    shipmentId: 's9',
    deviceId: 'd1',
    sequence: seq,
    from,
    to,
    count,
    sensors,
    violations,
  });
  const readingKey = (seq: number): string =>
    key('reading~shipment~device~seq', 's9', 'd1', String(seq).padStart(12, '0'));
  const summaryKey = (seq: number): string =>
    key('summary~shipment~device~seq', 's9', 'd1', String(seq).padStart(12, '0'));
  rm.apply(
    block(0, [
      tx([put(readingKey(1), reading(1, 5, '2026-01-01T10:00:00.000Z'))]),
      tx([
        put(
          summaryKey(2),
          summary(2, '2026-01-01T09:00:00.000Z', '2026-01-01T09:59:00.000Z', 60, {
            temperature: { min: 2, max: 7 },
            humidity: { min: 40, max: 55 },
          }),
        ),
      ]),
    ]),
  );
  rm.apply(
    block(1, [
      tx([
        put(
          summaryKey(3),
          summary(
            3,
            '2026-01-01T10:01:00.000Z',
            '2026-01-01T11:00:00.000Z',
            59,
            { temperature: { min: 4, max: 12 } },
            [{ field: 'temperature' }],
          ),
        ),
      ]),
    ]),
  );
  const s = rm.shipmentSummary('s9');
  assert.equal(s.count, 1, 'readings recorded one by one');
  assert.equal(s.summaries, 2);
  assert.equal(s.summarizedReadings, 119);
  assert.equal(s.summaryViolations, 1);
  assert.deepEqual(
    { ...s.fields.temperature },
    {
      count: 1,
      summarizedReadings: 119,
      min: 2,
      max: 12,
      firstTimestamp: '2026-01-01T09:00:00.000Z',
      lastTimestamp: '2026-01-01T11:00:00.000Z',
      violations: 0,
      summaryViolations: 1,
    },
  );
  assert.equal(s.fields.humidity.count, 0);
  assert.equal(s.fields.humidity.summarizedReadings, 60);
  assert.equal(s.fields.humidity.min, 40);
  assert.equal(s.fields.humidity.max, 55);
  assert.equal(s.fields.pressure.min, null);
  assert.equal(s.fields.pressure.summarizedReadings, 0);
  // A shipment with neither readings nor summaries.
  assert.deepEqual(rm.shipmentSummary('none').summaries, 0);
});
