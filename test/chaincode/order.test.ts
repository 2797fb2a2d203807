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
  orders,
} from './fixtures';

const progress = (p: Record<string, unknown>) => JSON.stringify(p);

void describe('orders: main flow', () => {
  void test('the supplier reports progress, the customer confirms delivery and closes; each write emits an event with both parties', async () => {
    const ledger = await acceptedOrder();
    const steps: [
      typeof alice,
      (ctx: Parameters<typeof orders.getOrder>[0]) => Promise<string>,
      string,
      string,
      number,
    ][] = [
      [
        bob,
        (ctx) => orders.reportProgress(ctx, NEG_ID, progress({ status: 'MATERIAL_RECEIVED' })),
        'OrderProgressed',
        'MATERIAL_RECEIVED',
        0,
      ],
      [
        bob,
        (ctx) => orders.reportProgress(ctx, NEG_ID, progress({ status: 'IN_PRODUCTION', percentage: 40 })),
        'OrderProgressed',
        'IN_PRODUCTION',
        40,
      ],
      [
        bob,
        (ctx) =>
          orders.reportProgress(
            ctx,
            NEG_ID,
            progress({ status: 'IN_PRODUCTION', percentage: 40, note: 'steady' }),
          ),
        'OrderProgressed',
        'IN_PRODUCTION',
        40,
      ],
      [
        bob,
        (ctx) => orders.reportProgress(ctx, NEG_ID, progress({ status: 'IN_PRODUCTION', percentage: 90 })),
        'OrderProgressed',
        'IN_PRODUCTION',
        90,
      ],
      [
        bob,
        (ctx) => orders.reportProgress(ctx, NEG_ID, progress({ status: 'SHIPPED' })),
        'OrderProgressed',
        'SHIPPED',
        100,
      ],
      [alice, (ctx) => orders.confirmDelivery(ctx, NEG_ID), 'OrderDelivered', 'DELIVERED', 100],
      [alice, (ctx) => orders.closeOrder(ctx, NEG_ID), 'OrderClosed', 'CLOSED', 100],
    ];
    for (const [who, fn, eventName, status, percentage] of steps) {
      const r = await call(ledger, who, fn);
      assert.equal(r.value['status'], status);
      assert.equal(r.value['percentage'], percentage);
      assert.equal(r.event?.name, eventName);
      assert.equal(r.event?.payload['orderId'], NEG_ID);
      assert.equal(r.event?.payload['customer'], ALICE);
      assert.equal(r.event?.payload['supplier'], BOB);
      assert.deepEqual(r.event?.payload['parties'], [ALICE, BOB]);
      assert.equal(r.event?.payload['status'], status);
    }
  });

  void test('getOrderHistory returns every version oldest first with txId and timestamp', async () => {
    const ledger = await closedOrder();
    const history = (
      await call<Record<string, unknown>[]>(ledger, alice, (ctx) => orders.getOrderHistory(ctx, NEG_ID))
    ).value;
    assert.deepEqual(
      history.map((h) => (h['value'] as Record<string, unknown>)['status']),
      ['CREATED', 'MATERIAL_RECEIVED', 'IN_PRODUCTION', 'SHIPPED', 'DELIVERED', 'CLOSED'],
    );
    assert.ok(history.every((h) => typeof h['txId'] === 'string' && /^tx\d{4}$/.test(h['txId'])));
    assert.ok(
      history.every((h) => /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/.test(h['timestamp'] as string)),
    );
    assert.equal(new Set(history.map((h) => h['txId'])).size, 6);
  });
});

void describe('orders: invalid transitions and authorisation', () => {
  void test('a supplier cannot confirm delivery or close the customer order', async () => {
    const ledger = await acceptedOrder();
    for (const p of [
      { status: 'MATERIAL_RECEIVED' },
      { status: 'IN_PRODUCTION', percentage: 10 },
      { status: 'SHIPPED' },
    ]) {
      await ledger.invoke(bob, (ctx) => orders.reportProgress(ctx, NEG_ID, progress(p)));
    }
    await assert.rejects(
      ledger.invoke(bob, (ctx) => orders.confirmDelivery(ctx, NEG_ID)),
      { message: `order ${NEG_ID} is SHIPPED; only the customer can confirm delivery` },
    );
    await assert.rejects(
      ledger.invoke(bob, (ctx) => orders.closeOrder(ctx, NEG_ID)),
      { message: `order ${NEG_ID} is SHIPPED; only the customer can close it` },
    );
    await assert.rejects(
      ledger.invoke(alice, (ctx) => orders.closeOrder(ctx, NEG_ID)),
      { message: `order ${NEG_ID} is SHIPPED; it can be closed only when it is DELIVERED` },
    );
    await ledger.invoke(alice, (ctx) => orders.confirmDelivery(ctx, NEG_ID));
    await assert.rejects(
      ledger.invoke(bob, (ctx) => orders.closeOrder(ctx, NEG_ID)),
      { message: `order ${NEG_ID} is DELIVERED; only the customer can close it` },
    );
  });

  void test('the customer cannot report progress, and steps cannot be skipped or repeated', async () => {
    const ledger = await acceptedOrder();
    await assert.rejects(
      ledger.invoke(alice, (ctx) =>
        orders.reportProgress(ctx, NEG_ID, progress({ status: 'MATERIAL_RECEIVED' })),
      ),
      {
        message: `order ${NEG_ID} is CREATED; only the supplier can report progress`,
      },
    );
    await assert.rejects(
      ledger.invoke(bob, (ctx) => orders.reportProgress(ctx, NEG_ID, progress({ status: 'SHIPPED' }))),
      {
        message: `order ${NEG_ID} is CREATED; it cannot move to SHIPPED (expected MATERIAL_RECEIVED)`,
      },
    );
    await assert.rejects(
      ledger.invoke(alice, (ctx) => orders.confirmDelivery(ctx, NEG_ID)),
      {
        message: `order ${NEG_ID} is CREATED; delivery can be confirmed only when it is SHIPPED`,
      },
    );
    await ledger.invoke(bob, (ctx) =>
      orders.reportProgress(ctx, NEG_ID, progress({ status: 'MATERIAL_RECEIVED' })),
    );
    await assert.rejects(
      ledger.invoke(bob, (ctx) =>
        orders.reportProgress(ctx, NEG_ID, progress({ status: 'MATERIAL_RECEIVED' })),
      ),
      {
        message: `order ${NEG_ID} is MATERIAL_RECEIVED; it cannot move to MATERIAL_RECEIVED (expected IN_PRODUCTION)`,
      },
    );
  });

  void test('production percentage is an integer 0-100 that never decreases', async () => {
    const ledger = await acceptedOrder();
    await ledger.invoke(bob, (ctx) =>
      orders.reportProgress(ctx, NEG_ID, progress({ status: 'MATERIAL_RECEIVED' })),
    );
    const bad = { message: 'percentage must be an integer from 0 to 100' };
    await assert.rejects(
      ledger.invoke(bob, (ctx) =>
        orders.reportProgress(ctx, NEG_ID, progress({ status: 'IN_PRODUCTION', percentage: 101 })),
      ),
      bad,
    );
    await assert.rejects(
      ledger.invoke(bob, (ctx) => orders.reportProgress(ctx, NEG_ID, progress({ status: 'IN_PRODUCTION' }))),
      bad,
    );
    await assert.rejects(
      ledger.invoke(bob, (ctx) =>
        orders.reportProgress(ctx, NEG_ID, progress({ status: 'IN_PRODUCTION', percentage: 12.5 })),
      ),
      bad,
    );
    await ledger.invoke(bob, (ctx) =>
      orders.reportProgress(ctx, NEG_ID, progress({ status: 'IN_PRODUCTION', percentage: 60 })),
    );
    await assert.rejects(
      ledger.invoke(bob, (ctx) =>
        orders.reportProgress(ctx, NEG_ID, progress({ status: 'IN_PRODUCTION', percentage: 59 })),
      ),
      {
        message: `percentage must not decrease (order ${NEG_ID} is at 60)`,
      },
    );
    await assert.rejects(
      ledger.invoke(bob, (ctx) => orders.reportProgress(ctx, NEG_ID, progress({ status: 'DONE' }))),
      {
        message: 'progress status must be one of MATERIAL_RECEIVED, IN_PRODUCTION, SHIPPED',
      },
    );
    await assert.rejects(
      ledger.invoke(bob, (ctx) =>
        orders.reportProgress(ctx, NEG_ID, progress({ status: 'SHIPPED', percentage: 100 })),
      ),
      {
        message: 'percentage is only reported with IN_PRODUCTION',
      },
    );
  });

  void test('a third party can neither read nor act on an order; getMany gives it null', async () => {
    const ledger = await acceptedOrder();
    const denied = { message: `${CAROL} is not a party to order ${NEG_ID}` };
    await assert.rejects(
      ledger.invoke(carol, (ctx) => orders.getOrder(ctx, NEG_ID)),
      denied,
    );
    await assert.rejects(
      ledger.invoke(carol, (ctx) => orders.getOrderHistory(ctx, NEG_ID)),
      denied,
    );
    await assert.rejects(
      ledger.invoke(carol, (ctx) =>
        orders.reportProgress(ctx, NEG_ID, progress({ status: 'MATERIAL_RECEIVED' })),
      ),
      denied,
    );
    assert.deepEqual(
      (await call<unknown[]>(ledger, carol, (ctx) => orders.getMany(ctx, JSON.stringify([NEG_ID])))).value,
      [null],
    );
    const mine = (
      await call<(Record<string, unknown> | null)[]>(ledger, bob, (ctx) =>
        orders.getMany(ctx, JSON.stringify(['x', NEG_ID])),
      )
    ).value;
    assert.equal(mine[0], null);
    assert.equal(mine[1]?.['id'], NEG_ID);
  });
});
