import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NewestBlocks } from './newest-blocks';

void test('NewestBlocks keeps only the newest blocks below the height as blocks are committed', () => {
  const cache = new NewestBlocks<string>(4);
  for (let n = 0; n < 10; n++) cache.offer(n, `block ${n}`, n + 1);
  assert.equal(cache.size, 4);
  assert.deepEqual(
    [5, 6, 7, 8, 9].map((n) => cache.get(n)),
    [undefined, 'block 6', 'block 7', 'block 8', 'block 9'],
  );
});

void test('NewestBlocks does not store a block a reader catches up on, so the head stays cached', () => {
  const cache = new NewestBlocks<string>(4);
  for (let n = 0; n < 10; n++) cache.offer(n, `block ${n}`, n + 1);
  for (let n = 0; n < 6; n++) cache.offer(n, `re-read ${n}`, 10);
  assert.equal(cache.get(2), undefined);
  assert.equal(cache.size, 4);
  assert.equal(cache.get(6), 'block 6');
});

void test('NewestBlocks re-stores an evicted head block read again while it is still among the newest', () => {
  const cache = new NewestBlocks<string>(4);
  cache.offer(7, 'block 7', 10);
  cache.offer(9, 'block 9', 10);
  assert.equal(cache.get(7), 'block 7');
  // The chain moved on: block 7 is no longer among the newest four and goes with the next offer.
  cache.offer(11, 'block 11', 12);
  assert.equal(cache.get(7), undefined);
  assert.equal(cache.get(9), 'block 9');
});

void test('NewestBlocks ignores a block at or above the height (not committed yet)', () => {
  const cache = new NewestBlocks<string>(4);
  cache.offer(5, 'too early', 5);
  assert.equal(cache.size, 0);
});

void test('NewestBlocks refuses a limit that is not a positive integer', () => {
  assert.throws(() => new NewestBlocks(0), RangeError);
  assert.throws(() => new NewestBlocks(2.5), RangeError);
});
