import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createLogger, type LogFields } from '../../src/observability/logger.js';
import {
  type LeaseClock,
  type LeaseRecord,
  type LeaseRecordStore,
  NotLeaseHolderError,
  ServingLease,
} from '../../src/state/serving-lease.js';

/**
 * The serving lease's state machine on a clock the test moves and a table with the same
 * conditional-write rules as Azure Table storage (create fails on an existing row, replace on a
 * changed ETag). The real table is exercised by tests/integration/stateful-app.test.ts (Azurite).
 */
class FakeClock implements LeaseClock {
  time = 1_000_000;
  private timers: { at: number; callback: () => void; id: number; unref(): void }[] = [];
  private nextId = 1;
  now(): number {
    return this.time;
  }
  setTimeout(callback: () => void, ms: number): { unref?(): void } {
    const timer = { at: this.time + Math.max(0, ms), callback, id: this.nextId++, unref: () => {} };
    this.timers.push(timer);
    return timer;
  }
  clearTimeout(handle: unknown): void {
    this.timers = this.timers.filter((timer) => timer !== handle);
  }
  /** Moves time forward, running every timer that falls due, in order, with its promises settled. */
  async advance(ms: number): Promise<void> {
    const end = this.time + ms;
    for (;;) {
      await settle();
      const due = this.timers.filter((timer) => timer.at <= end).sort((a, b) => a.at - b.at || a.id - b.id)[0];
      if (!due) break;
      this.timers = this.timers.filter((timer) => timer !== due);
      this.time = Math.max(this.time, due.at);
      due.callback();
    }
    this.time = end;
    await settle();
  }
}

async function settle(): Promise<void> {
  for (let i = 0; i < 20; i += 1) await new Promise<void>((resolve) => setImmediate(resolve));
}

/** One table shared by every lease; each lease reaches it through its own link, which a test may cut. */
class FakeTable {
  rows = new Map<string, LeaseRecord>();
  writes = 0;
  private version = 0;
  link(): LeaseRecordStore & { cut: boolean } {
    const table = this;
    const check = (link: { cut: boolean }) => {
      if (link.cut) throw new Error('connect ECONNREFUSED 127.0.0.1:10002');
    };
    return {
      cut: false,
      async read(name) {
        check(this);
        const row = table.rows.get(name);
        return row && { ...row };
      },
      async create(name, record) {
        check(this);
        if (table.rows.has(name)) return undefined;
        return table.write(name, record);
      },
      async replace(name, record, etag) {
        check(this);
        if (table.rows.get(name)?.etag !== etag) return undefined;
        return table.write(name, record);
      },
    };
  }
  private write(name: string, record: Omit<LeaseRecord, 'etag'>): string {
    this.writes += 1;
    const etag = `W/"${++this.version}"`;
    this.rows.set(name, { ...record, etag });
    return etag;
  }
}

function lease(table: FakeTable, clock: FakeClock, id: string) {
  const logs: LogFields[] = [];
  const link = table.link();
  const lease = new ServingLease({
    store: link,
    name: 'serving.app',
    holderId: id,
    clock,
    logger: createLogger({ level: 'debug', sink: (record) => logs.push(record) }),
  });
  const events: string[] = [];
  lease.onAcquired(() => events.push(`acquired@${clock.now()}`));
  lease.onLost((reason) => events.push(`lost@${clock.now()}: ${reason}`));
  return { lease, link, logs, events };
}

/** A lease that has made its first attempt. */
async function started(table: FakeTable, clock: FakeClock, id: string) {
  const entry = lease(table, clock, id);
  entry.lease.start();
  await entry.lease.ready;
  return entry;
}

describe('serving lease: at most one instance serves the stateful servers', () => {
  test('the first instance acquires at once with token 1 and keeps it by renewing every lease/3', async () => {
    const clock = new FakeClock();
    const table = new FakeTable();
    const a = lease(table, clock, 'a');
    assert.equal(a.lease.held(), false, 'nothing is held before the first attempt');
    a.lease.start();
    await a.lease.ready;
    assert.equal(a.lease.held(), true);
    assert.equal(table.rows.get('serving.app')?.token, 1);
    const writesAfterAcquire = table.writes;
    await clock.advance(60_000);
    assert.equal(a.lease.held(), true, 'renewals keep it');
    // 60 s / (20 s / 3) = 9 renewals.
    assert.equal(table.writes - writesAfterAcquire, 9);
    assert.equal(table.rows.get('serving.app')?.token, 1, 'renewing never bumps the token');
    assert.equal(a.events.length, 1);
  });

  test('a second instance never holds it while the holder renews, and tells callers when to retry', async () => {
    const clock = new FakeClock();
    const table = new FakeTable();
    const a = await started(table, clock, 'a');
    const b = await started(table, clock, 'b');
    for (let i = 0; i < 30; i += 1) {
      await clock.advance(2_000);
      assert.equal(a.lease.held() && !b.lease.held(), true, `at ${i * 2} s only a holds it`);
    }
    // Short whatever the row says: a retry routed to the holder succeeds at once, and one that
    // lands here again costs a clock comparison (the row is read at most once a second).
    const retry = b.lease.retryAfterSeconds();
    assert.equal(retry, 2, `Retry-After ${retry} s, not the 20 s + 5 s the row still has`);
    assert.equal(b.lease.status().holder, 'a');
    const refusal = new NotLeaseHolderError(retry);
    assert.equal(refusal.httpStatus, 503);
    assert.equal(refusal.code, 'not_lease_holder');
  });

  test('a holder that cannot reach the table ends its children at its own expiry, before anyone takes over', async () => {
    const clock = new FakeClock();
    const table = new FakeTable();
    const a = await started(table, clock, 'a');
    const b = await started(table, clock, 'b');
    await clock.advance(1_000);
    const lastRenewal = table.rows.get('serving.app')!;
    a.link.cut = true;
    let aLostAt: number | undefined;
    let bAcquiredAt: number | undefined;
    for (let t = 0; t < 40_000; t += 250) {
      await clock.advance(250);
      if (!a.lease.held() && aLostAt === undefined) aLostAt = clock.now();
      if (b.lease.held() && bAcquiredAt === undefined) bAcquiredAt = clock.now();
      assert.ok(!(a.lease.held() && b.lease.held()), 'never both');
    }
    assert.ok(aLostAt !== undefined && bAcquiredAt !== undefined);
    // a's own expiry: 20 s after its last renewal *started*; b's takeover: the stored expiry + 5 s.
    assert.ok(aLostAt <= lastRenewal.expiresAt, `a stops by ${lastRenewal.expiresAt} (stopped ${aLostAt})`);
    assert.ok(bAcquiredAt >= lastRenewal.expiresAt + 5_000, 'b waits out the skew margin');
    assert.ok(
      bAcquiredAt - aLostAt >= 5_000,
      `children of a ended ${bAcquiredAt - aLostAt} ms before b could start any`,
    );
    assert.match(a.events.at(-1)!, /^lost@.*no renewal landed/);
    assert.equal(table.rows.get('serving.app')?.token, 2, 'the takeover bumps the fencing token');
    assert.equal(table.rows.get('serving.app')?.holder, 'b');
  });

  test('a holder that comes back sees the higher token and stays out; its old row is never reused', async () => {
    const clock = new FakeClock();
    const table = new FakeTable();
    const a = await started(table, clock, 'a');
    const b = lease(table, clock, 'b');
    b.lease.start();
    a.link.cut = true;
    await clock.advance(40_000);
    assert.equal(b.lease.held(), true);
    a.link.cut = false;
    await clock.advance(30_000);
    assert.equal(a.lease.held(), false);
    assert.equal(b.lease.held(), true);
    assert.equal(a.lease.status().holder, 'b');
    assert.equal(a.lease.status().token, 2);
  });

  test('a row written over by another instance (higher token) makes the holder lose at its next renewal', async () => {
    const clock = new FakeClock();
    const table = new FakeTable();
    const a = await started(table, clock, 'a');
    const row = table.rows.get('serving.app')!;
    // What an instance that misjudged the clock would write: the next token, its own name.
    await table
      .link()
      .replace('serving.app', { holder: 'intruder', token: row.token + 1, expiresAt: clock.now() + 20_000 }, row.etag);
    await clock.advance(7_000);
    assert.equal(a.lease.held(), false);
    assert.match(a.events.at(-1)!, /^lost@.*instance intruder took the lease over \(token 2\)/);
  });

  test('a holder that lost it only to its own expiry takes its unchanged row back under a new token', async () => {
    const clock = new FakeClock();
    const table = new FakeTable();
    const a = await started(table, clock, 'a');
    a.link.cut = true;
    await clock.advance(21_000);
    assert.equal(a.lease.held(), false);
    a.link.cut = false;
    await clock.advance(3_000);
    assert.equal(a.lease.held(), true);
    assert.equal(table.rows.get('serving.app')?.token, 2, 'its children were ended: a new token marks the new term');
    assert.deepEqual(
      a.events.map((event) => event.split('@')[0]),
      ['acquired', 'lost', 'acquired'],
    );
  });

  test('release hands over on the next request at the other instance, and tokens keep rising', async () => {
    const clock = new FakeClock();
    const table = new FakeTable();
    const a = await started(table, clock, 'a');
    const b = await started(table, clock, 'b');
    await clock.advance(1_500);
    await a.lease.release();
    assert.equal(a.lease.held(), false);
    assert.equal(b.lease.retryAfterSeconds(), 2, "b's copy of the row is stale; it still says retry soon");
    assert.equal(table.rows.get('serving.app')?.expiresAt, 0, 'released rows expire; they are not deleted');
    await b.lease.settle();
    assert.equal(b.lease.held(), true, 'a request at b after the release finds the lease free');
    assert.equal(table.rows.get('serving.app')?.token, 2);
    const writes = table.writes;
    await a.lease.settle();
    await clock.advance(1);
    assert.equal(table.writes, writes, 'a released lease no longer renews or competes');
  });

  test('requests at an instance without the lease look at the row at most once a second', async () => {
    const clock = new FakeClock();
    const table = new FakeTable();
    await started(table, clock, 'a'); // the holder
    const b = await started(table, clock, 'b');
    let reads = 0;
    const read = b.link.read.bind(b.link);
    b.link.read = async (name) => {
      reads += 1;
      return read(name);
    };
    await clock.advance(1_000);
    for (let i = 0; i < 50; i += 1) await b.lease.settle();
    assert.equal(reads, 1, '50 refused requests in the same second: one read');
  });

  test('a store that fails before the first acquisition leaves the instance refusing, and it retries', async () => {
    const clock = new FakeClock();
    const table = new FakeTable();
    const a = lease(table, clock, 'a');
    a.link.cut = true;
    a.lease.start();
    await a.lease.ready;
    assert.equal(a.lease.held(), false);
    assert.match(a.lease.status().lastError ?? '', /ECONNREFUSED/);
    a.link.cut = false;
    await clock.advance(2_000);
    assert.equal(a.lease.held(), true);
    assert.ok(a.logs.some((record) => /store did not answer/.test(String(record.msg ?? record.message))));
  });
});
