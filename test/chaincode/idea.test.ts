import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { IdeaContract } from '../../chaincode/src/idea.contract';
import { ALICE, BOB, CAROL, alice, bob, call, carol, json } from './fixtures';
import { Ledger } from './stub';

const ideas = new IdeaContract();
const H1 = 'a'.repeat(64);
const H2 = 'B'.repeat(64);
const H3 = '0123456789abcdef'.repeat(4);
const idea = (over: Record<string, unknown> = {}) =>
  JSON.stringify({ id: 'idea-1', title: 'Laser-cut cooling fins', contentHash: H1, ...over });
const contribution = (id: string, over: Record<string, unknown> = {}) =>
  JSON.stringify({ id, contentHash: H3, description: `contribution ${id}`, ...over });
const device = { mspId: 'Org1MSP', cn: 'dev1', attrs: { 'hf.EnrollmentID': 'dev1', role: 'device' } };

type Contrib = Record<string, unknown>;

async function registered(): Promise<Ledger> {
  const ledger = new Ledger();
  await ledger.invoke(alice, (ctx) => ideas.registerIdea(ctx, idea()));
  return ledger;
}

void describe('idea: main flow (seed 3.2.3)', () => {
  void test('registerIdea records the caller as owner at the tx time and emits IdeaRegistered', async () => {
    const ledger = new Ledger();
    const r = await call(ledger, alice, (ctx) => ideas.registerIdea(ctx, idea()));
    assert.equal(r.value['id'], 'idea-1');
    assert.equal(r.value['owner'], ALICE);
    assert.equal(r.value['contentHash'], H1);
    assert.equal(r.value['registeredAt'], '2023-11-14T22:13:20.000000000Z');
    assert.equal(r.value['txId'], r.txId);
    assert.deepEqual(r.value['shares'], [{ party: ALICE, count: 1, share: 1 }]);
    assert.equal(r.event?.name, 'IdeaRegistered');
    assert.equal(r.event?.payload['ideaId'], 'idea-1');
    assert.equal(r.event?.payload['owner'], ALICE);
    assert.deepEqual(r.event?.payload['parties'], [ALICE]);
  });

  void test('contribute records contributor, hash, description and tx time, and emits ContributionAdded with both parties', async () => {
    const ledger = await registered();
    const r = await call(ledger, bob, (ctx) => ideas.contribute(ctx, 'idea-1', contribution('c1')));
    assert.equal(r.value['contributor'], BOB);
    assert.equal(r.value['ideaId'], 'idea-1');
    assert.equal(r.value['contentHash'], H3);
    assert.equal(r.value['description'], 'contribution c1');
    assert.equal(r.value['timestamp'], '2023-11-14T22:13:21.000000000Z');
    assert.equal(r.event?.name, 'ContributionAdded');
    assert.equal(r.event?.payload['ideaId'], 'idea-1');
    assert.equal(r.event?.payload['contributionId'], 'c1');
    assert.equal(r.event?.payload['contributor'], BOB);
    assert.equal(r.event?.payload['owner'], ALICE);
    assert.deepEqual(r.event?.payload['parties'], [ALICE, BOB]);
  });

  void test('getIdea lists contributions in time order (then id) and each contributor share', async () => {
    const ledger = await registered();
    // 'z9' is written first, so time order differs from id order.
    await ledger.invoke(bob, (ctx) => ideas.contribute(ctx, 'idea-1', contribution('z9')));
    await ledger.invoke(carol, (ctx) => ideas.contribute(ctx, 'idea-1', contribution('a1')));
    await ledger.invoke(bob, (ctx) => ideas.contribute(ctx, 'idea-1', contribution('m5')));
    const r = await call(ledger, carol, (ctx) => ideas.getIdea(ctx, 'idea-1'));
    const list = r.value['contributions'] as Contrib[];
    assert.deepEqual(
      list.map((c) => [c['id'], c['contributor']]),
      [
        ['z9', BOB],
        ['a1', CAROL],
        ['m5', BOB],
      ],
    );
    assert.equal(r.value['totalContributions'], 4);
    assert.deepEqual(r.value['shares'], [
      { party: BOB, count: 2, share: 0.5 },
      { party: ALICE, count: 1, share: 0.25 },
      { party: CAROL, count: 1, share: 0.25 },
    ]);
  });

  void test("the owner's own contributions add to its registration count", async () => {
    const ledger = await registered();
    await ledger.invoke(alice, (ctx) => ideas.contribute(ctx, 'idea-1', contribution('c1')));
    const r = await call(ledger, alice, (ctx) => ideas.getIdea(ctx, 'idea-1'));
    assert.deepEqual(r.value['shares'], [{ party: ALICE, count: 2, share: 1 }]);
  });

  void test('contributions in the same transaction time are ordered by id', async () => {
    const ledger = await registered();
    ledger.clock = 1_800_000_000;
    await ledger.invoke(bob, (ctx) => ideas.contribute(ctx, 'idea-1', contribution('b')));
    ledger.clock = 1_800_000_000;
    await ledger.invoke(carol, (ctx) => ideas.contribute(ctx, 'idea-1', contribution('a')));
    const r = await call(ledger, alice, (ctx) => ideas.getIdea(ctx, 'idea-1'));
    assert.deepEqual(
      (r.value['contributions'] as Contrib[]).map((c) => c['id']),
      ['a', 'b'],
    );
  });

  void test('contribute never writes the idea key (no hot key) and writes one key per contribution', async () => {
    const ledger = await registered();
    const ideaKeys = () => [...ledger.history.entries()].filter(([k]) => k.startsWith('\u0000idea\u0000'));
    await ledger.invoke(bob, (ctx) => ideas.contribute(ctx, 'idea-1', contribution('c1')));
    await ledger.invoke(carol, (ctx) => ideas.contribute(ctx, 'idea-1', contribution('c2')));
    const idea1 = ideaKeys();
    assert.equal(idea1.length, 1);
    assert.equal(idea1[0]?.[1].length, 1, 'the idea key is written once, at registration');
    const contribKeys = [...ledger.state.keys()].filter((k) => k.startsWith('\u0000idea~contribution\u0000'));
    assert.equal(contribKeys.length, 2);
  });

  void test('getMany returns ideas in the given order with null for missing', async () => {
    const ledger = await registered();
    await ledger.invoke(bob, (ctx) => ideas.registerIdea(ctx, idea({ id: 'idea-2', contentHash: H2 })));
    const r = await call<(Record<string, unknown> | null)[]>(ledger, carol, (ctx) =>
      ideas.getMany(ctx, JSON.stringify(['idea-2', 'nope', 'idea-1'])),
    );
    assert.deepEqual(
      r.value.map((x) => x && [x['id'], x['owner'], x['contentHash']]),
      [['idea-2', BOB, H2.toLowerCase()], null, ['idea-1', ALICE, H1]],
    );
    await assert.rejects(
      ledger.invoke(carol, (ctx) =>
        ideas.getMany(ctx, JSON.stringify(Array.from({ length: 101 }, (_, i) => `i${i}`))),
      ),
      { message: 'ids must hold at most 100 ids, got 101' },
    );
  });
});

void describe('idea: idempotency', () => {
  void test('registering the same idea again is a no-op (no write, no event)', async () => {
    const ledger = await registered();
    const before = ledger.history.size;
    const r = await call(ledger, alice, (ctx) =>
      ideas.registerIdea(ctx, idea({ contentHash: H1.toUpperCase() })),
    );
    assert.equal(r.value['registeredAt'], '2023-11-14T22:13:20.000000000Z');
    assert.equal(r.event, undefined);
    assert.equal(ledger.history.size, before);
  });

  void test('different content or owner under the same id is a precise error', async () => {
    const ledger = await registered();
    await assert.rejects(
      ledger.invoke(alice, (ctx) => ideas.registerIdea(ctx, idea({ contentHash: H2 }))),
      { message: 'idea idea-1 already exists with a different contentHash' },
    );
    await assert.rejects(
      ledger.invoke(bob, (ctx) => ideas.registerIdea(ctx, idea({ title: 'other' }))),
      { message: 'idea idea-1 already exists with a different owner, title' },
    );
  });

  void test('the same contribution again is a no-op; different content under its id is an error', async () => {
    const ledger = await registered();
    const first = await call(ledger, bob, (ctx) => ideas.contribute(ctx, 'idea-1', contribution('c1')));
    const again = await call(ledger, bob, (ctx) => ideas.contribute(ctx, 'idea-1', contribution('c1')));
    assert.deepEqual(again.value, first.value);
    assert.equal(again.event, undefined);
    await assert.rejects(
      ledger.invoke(bob, (ctx) =>
        ideas.contribute(ctx, 'idea-1', contribution('c1', { description: 'changed' })),
      ),
      { message: 'contribution c1 to idea idea-1 already exists with a different description' },
    );
    await assert.rejects(
      ledger.invoke(carol, (ctx) => ideas.contribute(ctx, 'idea-1', contribution('c1'))),
      { message: 'contribution c1 to idea idea-1 already exists with a different contributor' },
    );
    const view = json((await ledger.invoke(alice, (ctx) => ideas.getIdea(ctx, 'idea-1'))).result);
    assert.equal((view['contributions'] as unknown[]).length, 1);
  });
});

void describe('idea: authorisation and validation', () => {
  void test('a device cannot contribute or register', async () => {
    const ledger = await registered();
    await assert.rejects(
      ledger.invoke(device, (ctx) => ideas.contribute(ctx, 'idea-1', contribution('c1'))),
      { message: 'devices cannot contribute to ideas' },
    );
    await assert.rejects(
      ledger.invoke(device, (ctx) => ideas.registerIdea(ctx, idea({ id: 'idea-9' }))),
      { message: 'devices cannot register ideas' },
    );
  });

  void test('precise validation messages', async () => {
    const ledger = await registered();
    const cases: [string, string][] = [
      [idea({ contentHash: 'abc' }), 'contentHash must be 64 hexadecimal characters'],
      [idea({ contentHash: 'g'.repeat(64) }), 'contentHash must be 64 hexadecimal characters'],
      [idea({ title: '  ' }), 'title must be a non-empty string of at most 200 characters'],
      [
        idea({ id: 'a:b' }),
        "idea id must be 1-128 characters of letters, digits, '.', '_' or '-', starting with a letter or digit",
      ],
      [idea({ owner: BOB }), "idea has unknown field 'owner'"],
      ['[1]', 'idea must be a JSON object'],
    ];
    for (const [input, message] of cases) {
      await assert.rejects(
        ledger.invoke(bob, (ctx) => ideas.registerIdea(ctx, input)),
        { message },
      );
    }
    await assert.rejects(
      ledger.invoke(bob, (ctx) => ideas.contribute(ctx, 'idea-1', contribution('c1', { contentHash: '12' }))),
      { message: 'contentHash must be 64 hexadecimal characters' },
    );
    await assert.rejects(
      ledger.invoke(bob, (ctx) => ideas.contribute(ctx, 'idea-1', contribution('c1', { description: '' }))),
      { message: 'description must be a non-empty string of at most 2000 characters' },
    );
    await assert.rejects(
      ledger.invoke(bob, (ctx) => ideas.contribute(ctx, 'missing', contribution('c1'))),
      { message: 'idea missing does not exist' },
    );
    await assert.rejects(
      ledger.invoke(bob, (ctx) => ideas.getIdea(ctx, 'missing')),
      {
        message: 'idea missing does not exist',
      },
    );
  });
});
