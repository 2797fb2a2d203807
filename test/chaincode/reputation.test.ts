import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  ALICE,
  BOB,
  CAROL,
  NEG_ID,
  acceptedOrder,
  alice,
  bob,
  call,
  carol,
  closedOrder,
  reputation,
} from './fixtures';

const rating = (r: Record<string, unknown>) => JSON.stringify({ orderId: NEG_ID, ...r });

void describe('reputation', () => {
  void test('after closure each party rates the other once; RatingGiven carries both parties; getReputation aggregates', async () => {
    const ledger = await closedOrder();
    const a = await call(ledger, alice, (ctx) =>
      reputation.rate(ctx, rating({ score: 4, comment: 'good cut quality' })),
    );
    assert.equal(a.value['rater'], ALICE);
    assert.equal(a.value['ratee'], BOB);
    assert.equal(a.event?.name, 'RatingGiven');
    assert.equal(a.event?.payload['orderId'], NEG_ID);
    assert.deepEqual(a.event?.payload['parties'], [ALICE, BOB]);
    assert.equal(a.event?.payload['ratee'], BOB);
    const b = await call(ledger, bob, (ctx) => reputation.rate(ctx, rating({ score: 5 })));
    assert.equal(b.value['ratee'], ALICE);
    assert.equal(b.event?.payload['rater'], BOB);

    const repBob = (await call(ledger, carol, (ctx) => reputation.getReputation(ctx, BOB))).value;
    assert.equal(repBob['count'], 1);
    assert.equal(repBob['average'], 4);
    assert.equal((repBob['ratings'] as Record<string, unknown>[])[0]?.['comment'], 'good cut quality');
    const repAlice = (await call(ledger, carol, (ctx) => reputation.getReputation(ctx, ALICE))).value;
    assert.equal(repAlice['count'], 1);
    assert.equal(repAlice['average'], 5);
    const none = (await call(ledger, carol, (ctx) => reputation.getReputation(ctx, CAROL))).value;
    const batch = (
      await call<{ partyId: string; count: number }[]>(ledger, carol, (ctx) =>
        reputation.getReputations(ctx, JSON.stringify([BOB, CAROL])),
      )
    ).value;
    assert.deepEqual(
      batch.map((r) => [r.partyId, r.count]),
      [
        [BOB, 1],
        [CAROL, 0],
      ],
      'getReputations answers each party in order, like getReputation',
    );
    assert.deepEqual(none, { partyId: CAROL, count: 0, average: null, ratings: [] });
  });

  void test('the aggregate spans orders: average of several ratings', async () => {
    const ledger = await closedOrder();
    await ledger.invoke(alice, (ctx) => reputation.rate(ctx, rating({ score: 2 })));
    // A second rating key for BOB from another order, written directly as a second closed order would.
    const key = '\u0000rating~ratee~order~rater\u0000' + BOB + '\u0000o2\u0000' + ALICE + '\u0000';
    ledger.state.set(
      key,
      Buffer.from(
        JSON.stringify({
          docType: 'rating',
          id: `o2:${ALICE}`,
          orderId: 'o2',
          rater: ALICE,
          ratee: BOB,
          score: 3,
          comment: '',
          txId: 'txz',
          timestamp: '2099-01-01T00:00:00.000000000Z',
        }),
      ),
    );
    const rep = (await call(ledger, carol, (ctx) => reputation.getReputation(ctx, BOB))).value;
    assert.equal(rep['count'], 2);
    assert.equal(rep['average'], 2.5);
    assert.deepEqual(
      (rep['ratings'] as Record<string, unknown>[]).map((r) => r['orderId']),
      [NEG_ID, 'o2'],
    );
  });

  void test('rating twice with different content is refused; the identical rating again is a no-op', async () => {
    const ledger = await closedOrder();
    const first = await call(ledger, alice, (ctx) =>
      reputation.rate(ctx, rating({ score: 4, comment: 'ok' })),
    );
    await assert.rejects(
      ledger.invoke(alice, (ctx) => reputation.rate(ctx, rating({ score: 1, comment: 'ok' }))),
      {
        message: `${ALICE} has already rated order ${NEG_ID}`,
      },
    );
    const replay = await call(ledger, alice, (ctx) =>
      reputation.rate(ctx, rating({ score: 4, comment: 'ok' })),
    );
    assert.equal(replay.event, undefined);
    assert.equal(replay.value['txId'], first.value['txId']);
    const rep = (await call(ledger, bob, (ctx) => reputation.getReputation(ctx, BOB))).value;
    assert.equal(rep['count'], 1);
  });

  void test('rating before closure, by a third party, or of an unknown order is refused', async () => {
    const ledger = await acceptedOrder();
    await assert.rejects(
      ledger.invoke(alice, (ctx) => reputation.rate(ctx, rating({ score: 5 }))),
      {
        message: `order ${NEG_ID} is CREATED; ratings open once it is CLOSED`,
      },
    );
    await assert.rejects(
      ledger.invoke(carol, (ctx) => reputation.rate(ctx, rating({ score: 5 }))),
      { message: `${CAROL} is not a party to order ${NEG_ID}` },
    );
    await assert.rejects(
      ledger.invoke(alice, (ctx) => reputation.rate(ctx, JSON.stringify({ orderId: 'nope', score: 5 }))),
      { message: 'order nope does not exist' },
    );
  });

  void test('validation errors', async () => {
    const ledger = await closedOrder();
    const bad = { message: 'score must be an integer from 1 to 5' };
    for (const score of [0, 6, 4.5, '5'])
      await assert.rejects(
        ledger.invoke(alice, (ctx) => reputation.rate(ctx, rating({ score }))),
        bad,
      );
    await assert.rejects(
      ledger.invoke(alice, (ctx) => reputation.rate(ctx, rating({ score: 3, comment: 'x'.repeat(1001) }))),
      {
        message: 'comment must be a string of at most 1000 characters',
      },
    );
    await assert.rejects(
      ledger.invoke(alice, (ctx) => reputation.rate(ctx, rating({ score: 3, stars: 3 }))),
      { message: "rating has unknown field 'stars'" },
    );
    await assert.rejects(
      ledger.invoke(carol, (ctx) => reputation.getReputation(ctx, 'nobody')),
      {
        message: 'partyId must be a party id of the form <mspId>:<enrollmentId>',
      },
    );
  });

  void test('getMany of ratings by `<orderId>:<rater>`: same order, null for missing', async () => {
    const ledger = await closedOrder();
    await ledger.invoke(bob, (ctx) => reputation.rate(ctx, rating({ score: 3 })));
    const many = (
      await call<(Record<string, unknown> | null)[]>(ledger, carol, (ctx) =>
        reputation.getMany(
          ctx,
          JSON.stringify([`${NEG_ID}:${BOB}`, `${NEG_ID}:${ALICE}`, 'junk', `nope:${BOB}`]),
        ),
      )
    ).value;
    assert.equal(many.length, 4);
    assert.equal(many[0]?.['score'], 3);
    assert.equal(many[0]?.['ratee'], ALICE);
    assert.deepEqual(many.slice(1), [null, null, null]);
  });
});
