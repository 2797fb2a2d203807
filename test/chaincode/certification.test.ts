import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CertificationContract } from '../../chaincode/src/certification.contract';
import { ALICE, BOB, alice, bob, call } from './fixtures';
import { Ledger } from './stub';

const certs = new CertificationContract();
const SHA = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
const OTHER = 'f'.repeat(64);
const data = (over: Record<string, unknown> = {}) =>
  JSON.stringify({
    id: 'ds-2024-05-cnc7',
    sha256: SHA,
    machine: 'CNC-7',
    periodStart: '2024-05-01T00:00:00Z',
    periodEnd: '2024-05-31T23:59:59.999999999Z',
    kpis: { energyKwh: 1234.5, co2eKg: 456.7, partsProduced: 980 },
    ...over,
  });

async function certified(): Promise<Ledger> {
  const ledger = new Ledger();
  await ledger.invoke(alice, (ctx) => certs.certifyData(ctx, data()));
  return ledger;
}

void describe('certification: main flow (seed 3.2.2)', () => {
  void test('certifyData records the data set, who certified it and when, and emits DataCertified', async () => {
    const ledger = new Ledger();
    const r = await call(ledger, alice, (ctx) => certs.certifyData(ctx, data()));
    assert.equal(r.value['id'], 'ds-2024-05-cnc7');
    assert.equal(r.value['sha256'], SHA);
    assert.equal(r.value['machine'], 'CNC-7');
    assert.equal(r.value['periodStart'], '2024-05-01T00:00:00Z');
    assert.equal(r.value['periodEnd'], '2024-05-31T23:59:59.999999999Z');
    assert.deepEqual(r.value['kpis'], { co2eKg: 456.7, energyKwh: 1234.5, partsProduced: 980 });
    assert.equal(r.value['certifiedBy'], ALICE);
    assert.equal(r.value['certifiedAt'], '2023-11-14T22:13:20.000000000Z');
    assert.equal(r.value['txId'], r.txId);
    assert.equal(r.event?.name, 'DataCertified');
    assert.equal(r.event?.payload['certificationId'], 'ds-2024-05-cnc7');
    assert.equal(r.event?.payload['certifiedBy'], ALICE);
    assert.deepEqual(r.event?.payload['parties'], [ALICE]);
    assert.equal(r.event?.payload['sha256'], SHA);
  });

  void test('verifyHash: match for the certified hash (any case), mismatch otherwise, with certifier and time', async () => {
    const ledger = await certified();
    const ok = await call(ledger, bob, (ctx) => certs.verifyHash(ctx, 'ds-2024-05-cnc7', SHA.toUpperCase()));
    assert.equal(ok.value['match'], true);
    assert.equal(ok.value['certifiedBy'], ALICE);
    assert.equal(ok.value['certifiedAt'], '2023-11-14T22:13:20.000000000Z');
    const bad = await call(ledger, bob, (ctx) => certs.verifyHash(ctx, 'ds-2024-05-cnc7', OTHER));
    assert.equal(bad.value['match'], false);
    assert.equal(bad.value['certifiedBy'], ALICE);
    await assert.rejects(
      ledger.invoke(bob, (ctx) => certs.verifyHash(ctx, 'ds-2024-05-cnc7', 'xyz')),
      {
        message: 'sha256 must be 64 hexadecimal characters',
      },
    );
    await assert.rejects(
      ledger.invoke(bob, (ctx) => certs.verifyHash(ctx, 'nope', SHA)),
      {
        message: 'certification nope does not exist',
      },
    );
  });

  void test('getCertification and getMany (same order, null for missing)', async () => {
    const ledger = await certified();
    await ledger.invoke(bob, (ctx) => certs.certifyData(ctx, data({ id: 'ds-2', sha256: OTHER, kpis: {} })));
    const one = await call(ledger, bob, (ctx) => certs.getCertification(ctx, 'ds-2'));
    assert.equal(one.value['certifiedBy'], BOB);
    assert.deepEqual(one.value['kpis'], {});
    const many = await call<(Record<string, unknown> | null)[]>(ledger, bob, (ctx) =>
      certs.getMany(ctx, JSON.stringify(['ds-2', 'missing', 'ds-2024-05-cnc7'])),
    );
    assert.deepEqual(
      many.value.map((x) => x && [x['id'], x['certifiedBy']]),
      [['ds-2', BOB], null, ['ds-2024-05-cnc7', ALICE]],
    );
  });

  void test('periods with offsets are compared as instants', async () => {
    const ledger = new Ledger();
    // 10:00+02:00 is 08:00Z: before the 09:00Z start, although its local time is later.
    await assert.rejects(
      ledger.invoke(alice, (ctx) =>
        certs.certifyData(
          ctx,
          data({ periodStart: '2024-05-01T09:00:00Z', periodEnd: '2024-05-01T10:00:00+02:00' }),
        ),
      ),
      { message: 'periodStart must be before periodEnd' },
    );
    const r = await call(ledger, alice, (ctx) =>
      certs.certifyData(
        ctx,
        data({ periodStart: '2024-05-01T09:00:00Z', periodEnd: '2024-05-01T09:00:00.000000001Z' }),
      ),
    );
    assert.equal(r.value['periodEnd'], '2024-05-01T09:00:00.000000001Z');
  });
});

void describe('certification: idempotency', () => {
  void test('the same certification again is a no-op (no write, no event)', async () => {
    const ledger = await certified();
    const keys = ledger.history.size;
    const r = await call(ledger, alice, (ctx) => certs.certifyData(ctx, data()));
    assert.equal(r.value['certifiedAt'], '2023-11-14T22:13:20.000000000Z');
    assert.equal(r.event, undefined);
    assert.equal(ledger.history.size, keys);
    assert.equal([...ledger.history.values()][0]?.length, 1);
  });

  void test('different content or certifier under the same id is a precise error', async () => {
    const ledger = await certified();
    await assert.rejects(
      ledger.invoke(alice, (ctx) => certs.certifyData(ctx, data({ sha256: OTHER }))),
      {
        message: 'certification ds-2024-05-cnc7 already exists with a different sha256',
      },
    );
    await assert.rejects(
      ledger.invoke(alice, (ctx) => certs.certifyData(ctx, data({ kpis: { energyKwh: 1 } }))),
      { message: 'certification ds-2024-05-cnc7 already exists with a different kpis' },
    );
    await assert.rejects(
      ledger.invoke(bob, (ctx) => certs.certifyData(ctx, data())),
      {
        message: 'certification ds-2024-05-cnc7 already exists with a different certifier',
      },
    );
  });
});

void describe('certification: validation', () => {
  void test('precise validation messages', async () => {
    const ledger = new Ledger();
    const iso = 'must be an ISO-8601 date-time with a time zone, e.g. 2024-05-01T00:00:00Z';
    const cases: [Record<string, unknown>, string][] = [
      [{ sha256: SHA.slice(1) }, 'sha256 must be 64 hexadecimal characters'],
      [{ sha256: undefined }, 'sha256 must be 64 hexadecimal characters'],
      [{ machine: '' }, 'machine must be a non-empty string of at most 200 characters'],
      [{ periodStart: '2024-05-01' }, `periodStart ${iso}`],
      [{ periodStart: '2024-02-30T00:00:00Z' }, `periodStart ${iso}`],
      [{ periodEnd: '2024-05-01T24:00:00Z' }, `periodEnd ${iso}`],
      [{ periodEnd: '2024-05-01T10:00:00' }, `periodEnd ${iso}`],
      [{ periodStart: '2024-06-01T00:00:00Z' }, 'periodStart must be before periodEnd'],
      [{ periodEnd: '2024-05-01T00:00:00Z' }, 'periodStart must be before periodEnd'],
      [{ kpis: [] }, 'kpis must be an object of numeric KPIs, e.g. {"energyKwh": 12.5, "co2eKg": 4.2}'],
      [{ kpis: { energyKwh: -1 } }, 'kpis.energyKwh must be a number >= 0'],
      [{ kpis: { co2eKg: -0.1 } }, 'kpis.co2eKg must be a number >= 0'],
      [{ kpis: { energyKwh: '12' } }, 'kpis.energyKwh must be a finite number'],
      [
        { kpis: { 'bad name': 1 } },
        "kpi name 'bad name' must be 1-64 letters, digits or '_', starting with a letter",
      ],
      [{ certifiedBy: BOB }, "certification has unknown field 'certifiedBy'"],
      [
        { id: '' },
        "certification id must be 1-128 characters of letters, digits, '.', '_' or '-', starting with a letter or digit",
      ],
    ];
    for (const [over, message] of cases) {
      await assert.rejects(
        ledger.invoke(alice, (ctx) => certs.certifyData(ctx, data(over))),
        { message },
      );
    }
    // negative values are allowed for KPIs other than energy and CO2e (e.g. a temperature delta)
    const r = await call(ledger, alice, (ctx) => certs.certifyData(ctx, data({ kpis: { deltaC: -3 } })));
    assert.deepEqual(r.value['kpis'], { deltaC: -3 });
    assert.equal(ledger.history.size, 1);
  });
});
