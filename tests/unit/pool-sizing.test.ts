import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { PoolSizing } from '../../src/modern/pool-sizing.js';

/** A pool sizing on a clock the test moves, with plenty of memory unless told otherwise. */
function sizing(options: { memory?: number } = {}) {
  let now = 1_000_000;
  const pool = new PoolSizing({
    now: () => now,
    availableMemory: () => options.memory ?? 8 * 1024 ** 3,
    memoryReserveBytes: 256 * 1024 ** 2,
  });
  return { pool, advance: (ms: number) => (now += ms) };
}

const KEY = 'server\u0000alice\u0000{}';

describe('2026-07-28 pool sizing: wait for a busy child or start one', () => {
  test('short calls and a brief queue: the busy child serves, nothing starts', () => {
    const { pool, advance } = sizing();
    pool.noteStart(KEY, 400);
    for (let i = 0; i < 20; i += 1) pool.noteService(KEY, 3);
    pool.noteQueue(KEY, true);
    advance(20);
    assert.equal(pool.shouldGrow(KEY, { waiting: 2, busy: 1, starting: 0, longestWaitMs: 20 }), false);
    pool.noteQueue(KEY, false);
    advance(1000);
    assert.equal(pool.shouldGrow(KEY, { waiting: 1, busy: 1, starting: 0, longestWaitMs: 0 }), false);
  });

  test('a queue that stays for most of a start-up time (clients calling back to back) grows the pool', () => {
    const { pool, advance } = sizing();
    pool.noteStart(KEY, 400);
    pool.noteStart(KEY, 400);
    for (let i = 0; i < 20; i += 1) pool.noteService(KEY, 3);
    pool.noteQueue(KEY, true);
    // Each request waits only a few ms, but someone is always waiting.
    const shape = { waiting: 7, busy: 1, starting: 0, longestWaitMs: 15 };
    advance(200);
    assert.equal(pool.shouldGrow(KEY, shape), false, 'half a start-up time of backlog is not yet saturation');
    advance(400);
    assert.equal(pool.shouldGrow(KEY, shape), true, 'a start-up time and a half of backlog is');
  });

  test('the backlog decays: a queue that empties most of the time is not saturation', () => {
    const { pool, advance } = sizing();
    pool.noteStart(KEY, 400);
    for (let i = 0; i < 100; i += 1) {
      pool.noteQueue(KEY, true);
      advance(2);
      pool.noteQueue(KEY, false);
      advance(8);
    }
    assert.equal(pool.shouldGrow(KEY, { waiting: 1, busy: 1, starting: 0, longestWaitMs: 1 }), false);
  });

  test('calls known to be long: a waiting request gets a new child at once', () => {
    const { pool } = sizing();
    pool.noteStart(KEY, 400);
    pool.noteService(KEY, 5_000);
    assert.equal(pool.shouldGrow(KEY, { waiting: 1, busy: 1, starting: 0, longestWaitMs: 0 }), true);
  });

  test('expected wait counts the calls ahead, shared among the busy children', () => {
    const { pool } = sizing();
    pool.noteStart(KEY, 400);
    pool.noteService(KEY, 100);
    assert.equal(pool.shouldGrow(KEY, { waiting: 3, busy: 1, starting: 0, longestWaitMs: 0 }), false, '3 × 100 ms');
    assert.equal(pool.shouldGrow(KEY, { waiting: 4, busy: 1, starting: 0, longestWaitMs: 0 }), true, '4 × 100 ms');
    assert.equal(pool.shouldGrow(KEY, { waiting: 4, busy: 2, starting: 0, longestWaitMs: 0 }), false, '2 × 100 ms');
  });

  test('unknown calls: a request that has waited a whole start-up time gets a child (ski rental)', () => {
    const { pool } = sizing();
    pool.noteStart(KEY, 300);
    const start = pool.startMs(KEY);
    assert.equal(pool.shouldGrow(KEY, { waiting: 1, busy: 1, starting: 0, longestWaitMs: start - 1 }), false);
    assert.equal(pool.shouldGrow(KEY, { waiting: 1, busy: 1, starting: 0, longestWaitMs: start }), true);
  });

  test('start-up times are learnt: slower start-ups make waiting worth longer', () => {
    const { pool } = sizing();
    for (let i = 0; i < 30; i += 1) pool.noteStart(KEY, 2_000);
    assert.ok(pool.startMs(KEY) > 1_900, `startMs ${pool.startMs(KEY)}`);
    assert.equal(pool.shouldGrow(KEY, { waiting: 1, busy: 1, starting: 0, longestWaitMs: 1_000 }), false);
  });

  test('never more children than requests: waiting requests already covered by starting children start nothing', () => {
    const { pool } = sizing();
    pool.noteService(KEY, 5_000);
    assert.equal(pool.shouldGrow(KEY, { waiting: 2, busy: 1, starting: 2, longestWaitMs: 10_000 }), false);
    assert.equal(pool.shouldGrow(KEY, { waiting: 3, busy: 1, starting: 2, longestWaitMs: 10_000 }), true);
  });

  test('below the memory reserve the busy children serve: no growth, however long the wait', () => {
    const { pool } = sizing({ memory: 100 * 1024 ** 2 });
    pool.noteService(KEY, 5_000);
    assert.equal(pool.shouldGrow(KEY, { waiting: 5, busy: 1, starting: 0, longestWaitMs: 60_000 }), false);
  });

  test('forget drops what was learnt of a key', () => {
    const { pool } = sizing();
    pool.noteService(KEY, 5_000);
    pool.forget(KEY);
    assert.equal(pool.shouldGrow(KEY, { waiting: 1, busy: 1, starting: 0, longestWaitMs: 0 }), false);
  });
});
