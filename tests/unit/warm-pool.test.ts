import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ServerConfig } from '../../src/config/model.js';
import { createLogger } from '../../src/observability/logger.js';
import type { ExitInfo, StdioChild } from '../../src/process/stdio-child.js';
import { WarmPool } from '../../src/children/warm-pool.js';

/** A stand-in for a child process: alive until `exit`, closed by `close`. */
class FakeChild {
  alive = true;
  closed = false;
  private resolveExit!: (info: ExitInfo) => void;
  readonly exited = new Promise<ExitInfo>((resolve) => (this.resolveExit = resolve));
  constructor(readonly pid: number) {}
  /** Dies without telling anyone yet (its exit event is still to come). */
  dieQuietly(): void {
    this.alive = false;
  }
  async close(): Promise<void> {
    this.closed = true;
    this.alive = false;
    this.resolveExit({ code: 0, signal: null });
  }
}

function poolOf(size: number, options: { room?: () => number; spawn?: () => Promise<FakeChild> } = {}) {
  const children: FakeChild[] = [];
  const server = { name: 'fake', sessions: { warmPool: size, idleTimeoutMs: 60_000 } } as ServerConfig;
  const spawn =
    options.spawn ??
    (async () => {
      const child = new FakeChild(1000 + children.length);
      children.push(child);
      return child;
    });
  const pool = new WarmPool({
    server,
    spawn: spawn as unknown as () => Promise<StdioChild>,
    room: options.room ?? (() => Infinity),
    logger: createLogger({ level: 'silent' }),
  });
  return { pool, children };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

test('take gives the oldest waiting child and skips one that already died', async () => {
  const { pool, children } = poolOf(2);
  pool.fill();
  await settle();
  assert.equal(pool.waiting, 2);
  children[0]!.dieQuietly();
  const taken = pool.take() as unknown as FakeChild;
  assert.equal(taken, children[1], 'the dead child is not handed out');
  assert.equal(children[0]!.closed, true, 'the dead child is cleaned up');
  assert.equal(pool.take(), undefined, 'nothing else waits');
  await pool.stop();
});

test('fill never holds more than the room the caps leave', async () => {
  let room = 1;
  const { pool, children } = poolOf(3, { room: () => room });
  pool.fill();
  await settle();
  assert.equal(pool.waiting, 1);
  room = 3;
  pool.fill();
  await settle();
  assert.equal(pool.waiting, 3);
  assert.equal(children.length, 3);
  assert.equal(pool.evictOne(), true);
  assert.equal(pool.waiting, 2);
  await pool.stop();
  assert.ok(children.every((child) => child.closed));
});

test('stop also stops children still being spawned', async () => {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const late = new FakeChild(7);
  const { pool } = poolOf(1, {
    spawn: async () => {
      await gate;
      return late;
    },
  });
  pool.fill();
  assert.equal(pool.count, 1);
  const stopped = pool.stop();
  release();
  await stopped;
  assert.equal(late.closed, true, 'the child that landed after stop was stopped');
  assert.equal(pool.count, 0);
  pool.fill();
  assert.equal(pool.count, 0, 'a stopped pool spawns no more');
});

test('a child that waited longer than the idle timeout is replaced', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const { pool, children } = poolOf(1);
  pool.fill();
  await settle();
  assert.equal(children.length, 1);
  t.mock.timers.tick(59_999);
  assert.equal(children[0]!.closed, false);
  t.mock.timers.tick(1);
  await settle();
  assert.equal(children[0]!.closed, true, 'the old child is stopped');
  assert.equal(children.length, 2, 'a fresh one is spawned');
  assert.equal(pool.take(), children[1] as unknown as StdioChild);
  await pool.stop();
});
