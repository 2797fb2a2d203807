import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  ALICE,
  BOB,
  CAROL,
  NEG_ID,
  alice,
  bob,
  call,
  carol,
  figure20,
  figure21,
  json,
  negotiation,
  orders,
} from './fixtures';
import { Ledger } from './stub';

const offer = (over: Record<string, unknown> = {}) => JSON.stringify({ ...figure20, ...over });

void describe('negotiation: main flow (seed Figures 20 and 21)', () => {
  void test('createOffer stores the Figure 20 offer as round 1 and emits OfferCreated with both parties', async () => {
    const ledger = new Ledger();
    const r = await call(ledger, alice, (ctx) => negotiation.createOffer(ctx, offer()));
    assert.equal(r.value['customer'], ALICE);
    assert.equal(r.value['supplier'], BOB);
    assert.equal(r.value['status'], 'OPEN');
    assert.deepEqual(r.value['terms'], {
      item: 'Stainless Steel Cutting',
      price: '20',
      quantity: 200,
      currency: 'USD',
      conditions: [{ field: 'humidity', min: 0, max: 10 }],
    });
    assert.equal((r.value['rounds'] as unknown[]).length, 1);
    assert.equal(r.event?.name, 'OfferCreated');
    assert.equal(r.event?.payload['negotiationId'], NEG_ID);
    assert.equal(r.event?.payload['customer'], ALICE);
    assert.equal(r.event?.payload['supplier'], BOB);
    assert.deepEqual(r.event?.payload['parties'], [ALICE, BOB]);
    assert.equal(r.value['createdAt'], '2023-11-14T22:13:20.000000000Z');
  });

  void test('the seed key `target` is accepted for targetParty', async () => {
    const ledger = new Ledger();
    const { targetParty: _t, ...rest } = figure20;
    const r = await call(ledger, alice, (ctx) =>
      negotiation.createOffer(ctx, JSON.stringify({ ...rest, target: BOB })),
    );
    assert.equal(r.value['supplier'], BOB);
  });

  void test('the Figure 21 counter-offer changes the price, keeps the conditions, and is round 2', async () => {
    const ledger = new Ledger();
    await ledger.invoke(alice, (ctx) => negotiation.createOffer(ctx, offer()));
    const r = await call(ledger, bob, (ctx) =>
      negotiation.counterOffer(ctx, NEG_ID, JSON.stringify(figure21)),
    );
    const terms = r.value['terms'] as Record<string, unknown>;
    assert.equal(terms['price'], '30');
    assert.deepEqual(terms['conditions'], [{ field: 'humidity', min: 0, max: 10 }]);
    assert.equal(r.value['lastOfferBy'], BOB);
    const rounds = r.value['rounds'] as Record<string, unknown>[];
    assert.deepEqual(
      rounds.map((x) => [x['round'], x['action'], x['by']]),
      [
        [1, 'OFFER', ALICE],
        [2, 'COUNTER_OFFER', BOB],
      ],
    );
    assert.equal(rounds[1]?.['note'], figure21.note);
    assert.equal(r.event?.name, 'CounterOffered');
    assert.deepEqual(r.event?.payload['parties'], [ALICE, BOB]);
    assert.equal(r.event?.payload['by'], BOB);
  });

  void test('counter-offers add, change and remove conditions', async () => {
    const ledger = new Ledger();
    await ledger.invoke(alice, (ctx) => negotiation.createOffer(ctx, offer()));
    const counter = {
      changes: {
        fields: [{ field: 'quantity', newValue: 150 }],
        conditions: [{ field: 'temperature', min: -5, max: 25 }],
        removedConditions: ['humidity'],
      },
    };
    await ledger.invoke(bob, (ctx) => negotiation.counterOffer(ctx, NEG_ID, JSON.stringify(counter)));
    const again = { changes: { conditions: [{ field: 'temperature', min: 0, max: 20 }] }, note: 'tighter' };
    const r = await call(ledger, alice, (ctx) =>
      negotiation.counterOffer(ctx, NEG_ID, JSON.stringify(again)),
    );
    const terms = r.value['terms'] as Record<string, unknown>;
    assert.equal(terms['quantity'], 150);
    assert.deepEqual(terms['conditions'], [{ field: 'temperature', min: 0, max: 20 }]);
    assert.equal((r.value['rounds'] as unknown[]).length, 3);
  });

  void test('accept creates the order with the agreed terms in the same transaction; getNegotiation lists every round in order', async () => {
    const ledger = new Ledger();
    await ledger.invoke(alice, (ctx) => negotiation.createOffer(ctx, offer()));
    await ledger.invoke(bob, (ctx) => negotiation.counterOffer(ctx, NEG_ID, JSON.stringify(figure21)));
    const r = await call(ledger, alice, (ctx) => negotiation.accept(ctx, NEG_ID));
    assert.equal(r.value['status'], 'ACCEPTED');
    assert.equal(r.value['orderId'], NEG_ID);
    assert.equal(r.event?.name, 'OfferAccepted');
    assert.equal(r.event?.payload['orderId'], NEG_ID);
    assert.deepEqual(r.event?.payload['parties'], [ALICE, BOB]);

    const order = (await call(ledger, bob, (ctx) => orders.getOrder(ctx, NEG_ID))).value;
    assert.equal(order['status'], 'CREATED');
    assert.equal(order['customer'], ALICE);
    assert.equal(order['supplier'], BOB);
    assert.deepEqual(order['terms'], {
      item: 'Stainless Steel Cutting',
      price: '30',
      quantity: 200,
      currency: 'USD',
      conditions: [{ field: 'humidity', min: 0, max: 10 }],
    });

    const full = (await call(ledger, bob, (ctx) => negotiation.getNegotiation(ctx, NEG_ID))).value;
    const rounds = full['rounds'] as Record<string, unknown>[];
    assert.deepEqual(
      rounds.map((x) => x['action']),
      ['OFFER', 'COUNTER_OFFER', 'ACCEPT'],
    );
    assert.deepEqual(
      rounds.map((x) => (x['terms'] as Record<string, unknown>)['price']),
      ['20', '30', '30'],
    );
  });

  void test('reject ends the negotiation with the reason and emits OfferRejected', async () => {
    const ledger = new Ledger();
    await ledger.invoke(alice, (ctx) => negotiation.createOffer(ctx, offer()));
    const r = await call(ledger, bob, (ctx) => negotiation.reject(ctx, NEG_ID, 'no capacity in May'));
    assert.equal(r.value['status'], 'REJECTED');
    assert.equal(r.value['rejectReason'], 'no capacity in May');
    assert.equal(r.event?.name, 'OfferRejected');
    assert.equal(r.event?.payload['reason'], 'no capacity in May');
    assert.deepEqual(r.event?.payload['parties'], [ALICE, BOB]);
    await assert.rejects(
      ledger.invoke(alice, (ctx) => orders.getOrder(ctx, NEG_ID)),
      { message: `order ${NEG_ID} does not exist` },
    );
  });
});

void describe('negotiation: idempotency (rule 4)', () => {
  void test('the same createOffer again is a no-op returning the existing negotiation, even after a counter-offer', async () => {
    const ledger = new Ledger();
    const first = await call(ledger, alice, (ctx) => negotiation.createOffer(ctx, offer()));
    await ledger.invoke(bob, (ctx) => negotiation.counterOffer(ctx, NEG_ID, JSON.stringify(figure21)));
    const writesBefore = [...ledger.history.values()].reduce((n, l) => n + l.length, 0);
    // Numbers instead of strings and a different key order mean the same offer.
    const replay = await call(ledger, alice, (ctx) =>
      negotiation.createOffer(
        ctx,
        JSON.stringify({
          targetParty: BOB,
          quantity: 200,
          price: 20.0,
          currency: 'USD',
          item: 'Stainless Steel Cutting',
          id: NEG_ID,
          conditions: [{ field: 'humidity', min: 0, max: 10 }],
        }),
      ),
    );
    const writesAfter = [...ledger.history.values()].reduce((n, l) => n + l.length, 0);
    assert.equal(writesAfter, writesBefore);
    assert.equal(replay.event, undefined);
    assert.equal(replay.value['createdAt'], first.value['createdAt']);
    assert.equal((replay.value['rounds'] as unknown[]).length, 2);
  });

  void test('different content under the same id is an error', async () => {
    const ledger = new Ledger();
    await ledger.invoke(alice, (ctx) => negotiation.createOffer(ctx, offer()));
    await assert.rejects(
      ledger.invoke(alice, (ctx) => negotiation.createOffer(ctx, offer({ price: '21' }))),
      {
        message: `negotiation ${NEG_ID} already exists with different content`,
      },
    );
    await assert.rejects(
      ledger.invoke(carol, (ctx) => negotiation.createOffer(ctx, offer())),
      {
        message: `negotiation ${NEG_ID} already exists with different content`,
      },
    );
  });
});

void describe('negotiation: authorisation', () => {
  void test('a third party cannot read a negotiation (submit or evaluate), and getMany gives it null', async () => {
    const ledger = new Ledger();
    await ledger.invoke(alice, (ctx) => negotiation.createOffer(ctx, offer()));
    await assert.rejects(
      ledger.invoke(carol, (ctx) => negotiation.getNegotiation(ctx, NEG_ID)),
      {
        message: `${CAROL} is not a party to negotiation ${NEG_ID}`,
      },
    );
    const many = await call<unknown[]>(ledger, carol, (ctx) =>
      negotiation.getMany(ctx, JSON.stringify([NEG_ID])),
    );
    assert.deepEqual(many.value, [null]);
  });

  void test('a third party cannot counter, accept or reject', async () => {
    const ledger = new Ledger();
    await ledger.invoke(alice, (ctx) => negotiation.createOffer(ctx, offer()));
    const msg = { message: `${CAROL} is not a party to negotiation ${NEG_ID}` };
    await assert.rejects(
      ledger.invoke(carol, (ctx) => negotiation.counterOffer(ctx, NEG_ID, JSON.stringify(figure21))),
      msg,
    );
    await assert.rejects(
      ledger.invoke(carol, (ctx) => negotiation.accept(ctx, NEG_ID)),
      msg,
    );
    await assert.rejects(
      ledger.invoke(carol, (ctx) => negotiation.reject(ctx, NEG_ID, 'no')),
      msg,
    );
  });

  void test('a party cannot answer its own last offer', async () => {
    const ledger = new Ledger();
    await ledger.invoke(alice, (ctx) => negotiation.createOffer(ctx, offer()));
    const own = { message: `${ALICE} cannot answer its own last offer in negotiation ${NEG_ID}` };
    await assert.rejects(
      ledger.invoke(alice, (ctx) => negotiation.accept(ctx, NEG_ID)),
      own,
    );
    await assert.rejects(
      ledger.invoke(alice, (ctx) => negotiation.counterOffer(ctx, NEG_ID, JSON.stringify(figure21))),
      own,
    );
    await ledger.invoke(bob, (ctx) => negotiation.counterOffer(ctx, NEG_ID, JSON.stringify(figure21)));
    await assert.rejects(
      ledger.invoke(bob, (ctx) => negotiation.accept(ctx, NEG_ID)),
      {
        message: `${BOB} cannot answer its own last offer in negotiation ${NEG_ID}`,
      },
    );
  });

  void test('a finished negotiation cannot change', async () => {
    const ledger = new Ledger();
    await ledger.invoke(alice, (ctx) => negotiation.createOffer(ctx, offer()));
    await ledger.invoke(bob, (ctx) => negotiation.accept(ctx, NEG_ID));
    const done = { message: `negotiation ${NEG_ID} is ACCEPTED; it cannot change` };
    await assert.rejects(
      ledger.invoke(alice, (ctx) => negotiation.counterOffer(ctx, NEG_ID, JSON.stringify(figure21))),
      done,
    );
    await assert.rejects(
      ledger.invoke(alice, (ctx) => negotiation.reject(ctx, NEG_ID, 'late')),
      done,
    );
  });

  void test('an offer to oneself and an offer by a device are refused', async () => {
    const ledger = new Ledger();
    await assert.rejects(
      ledger.invoke(alice, (ctx) => negotiation.createOffer(ctx, offer({ targetParty: ALICE }))),
      {
        message: 'targetParty must be another party than the caller',
      },
    );
    const device = { mspId: 'Org1MSP', cn: 'dev1', attrs: { role: 'device' } };
    await assert.rejects(
      ledger.invoke(device, (ctx) => negotiation.createOffer(ctx, offer())),
      { message: 'devices cannot take part in negotiations' },
    );
  });
});

void describe('negotiation: validation errors', () => {
  const cases: [string, Record<string, unknown>, string][] = [
    ['zero price', { price: '0' }, 'price must be a positive decimal'],
    ['negative price', { price: -3 }, 'price must be a positive decimal'],
    ['text price', { price: '12abc' }, 'price must be a positive decimal'],
    ['fractional quantity', { quantity: 1.5 }, 'quantity must be a positive integer'],
    ['zero quantity', { quantity: '0' }, 'quantity must be a positive integer'],
    [
      'lower-case currency',
      { currency: 'usd' },
      'currency must be a 3-letter ISO 4217 code in capitals (e.g. USD)',
    ],
    ['empty item', { item: ' ' }, 'item must be a non-empty string of at most 200 characters'],
    [
      'bad id',
      { id: 'a:b' },
      "id must be 1-128 characters of letters, digits, '.', '_' or '-', starting with a letter or digit",
    ],
    [
      'bad target',
      { targetParty: 'bob' },
      'targetParty must be a party id of the form <mspId>:<enrollmentId>',
    ],
    ['unknown field', { colour: 'red' }, "offer has unknown field 'colour'"],
    [
      'min above max',
      { conditions: [{ field: 'humidity', min: 10, max: 0 }] },
      "condition 'humidity' min 10 must not exceed max 0",
    ],
    [
      'non-numeric max',
      { conditions: [{ field: 'humidity', min: 0, max: 'ten' }] },
      "condition 'humidity' max must be a number",
    ],
    [
      'duplicate condition',
      {
        conditions: [
          { field: 'h', min: 0, max: 1 },
          { field: 'h', min: 0, max: 2 },
        ],
      },
      "condition 'h' is given more than once",
    ],
  ];
  for (const [name, over, message] of cases) {
    void test(`createOffer: ${name}`, async () => {
      const ledger = new Ledger();
      await assert.rejects(
        ledger.invoke(alice, (ctx) => negotiation.createOffer(ctx, offer(over))),
        { message },
      );
      assert.equal(ledger.state.size, 0);
    });
  }

  void test('createOffer: not JSON', async () => {
    await assert.rejects(
      new Ledger().invoke(alice, (ctx) => negotiation.createOffer(ctx, '{')),
      { message: 'offer must be a JSON object' },
    );
  });

  const counterCases: [string, unknown, string][] = [
    [
      'changing the target',
      { changes: { fields: [{ field: 'target', newValue: 'x' }] } },
      "field 'target' cannot be changed; changeable fields are item, price, quantity, currency",
    ],
    [
      'bad new price',
      { changes: { fields: [{ field: 'price', newValue: 'free' }] } },
      'price must be a positive decimal',
    ],
    [
      'removing an absent condition',
      { changes: { removedConditions: ['pressure'] } },
      "condition 'pressure' is not in the current terms",
    ],
    [
      'no change',
      { changes: { fields: [], conditions: [], removedConditions: [] }, note: 'hm' },
      'counter-offer must change at least one field or condition (use accept to agree)',
    ],
    [
      'wrong id',
      { ...figure21, id: 'other' },
      `counter-offer id "other" does not match negotiation ${NEG_ID}`,
    ],
    [
      'long note',
      { ...figure21, note: 'x'.repeat(1001) },
      'note must be a string of at most 1000 characters',
    ],
  ];
  for (const [name, counter, message] of counterCases) {
    void test(`counterOffer: ${name}`, async () => {
      const ledger = new Ledger();
      await ledger.invoke(alice, (ctx) => negotiation.createOffer(ctx, offer()));
      await assert.rejects(
        ledger.invoke(bob, (ctx) => negotiation.counterOffer(ctx, NEG_ID, JSON.stringify(counter))),
        { message },
      );
    });
  }

  void test('reject needs a reason; unknown negotiations are reported', async () => {
    const ledger = new Ledger();
    await ledger.invoke(alice, (ctx) => negotiation.createOffer(ctx, offer()));
    await assert.rejects(
      ledger.invoke(bob, (ctx) => negotiation.reject(ctx, NEG_ID, '')),
      { message: 'reason must be a non-empty string of at most 1000 characters' },
    );
    await assert.rejects(
      ledger.invoke(bob, (ctx) => negotiation.accept(ctx, 'nope')),
      { message: 'negotiation nope does not exist' },
    );
  });
});

void describe('negotiation: getMany', () => {
  void test('same order as asked, null for missing, at most 100 ids', async () => {
    const ledger = new Ledger();
    await ledger.invoke(alice, (ctx) => negotiation.createOffer(ctx, offer()));
    await ledger.invoke(alice, (ctx) =>
      negotiation.createOffer(ctx, offer({ id: 'n2', targetParty: CAROL })),
    );
    const many = await call<(Record<string, unknown> | null)[]>(ledger, bob, (ctx) =>
      negotiation.getMany(ctx, JSON.stringify(['missing', NEG_ID, 'n2'])),
    );
    assert.equal(many.value.length, 3);
    assert.equal(many.value[0], null);
    assert.equal(many.value[1]?.['id'], NEG_ID);
    assert.equal((many.value[1]?.['rounds'] as unknown[]).length, 1);
    assert.equal(many.value[2], null); // bob is not a party to n2
    const ids = JSON.stringify(Array.from({ length: 101 }, (_, i) => `n${i}`));
    await assert.rejects(
      ledger.invoke(bob, (ctx) => negotiation.getMany(ctx, ids)),
      { message: 'ids must hold at most 100 ids, got 101' },
    );
    assert.deepEqual(json((await ledger.invoke(alice, (ctx) => negotiation.getMany(ctx, '[]'))).result), []);
  });
});
