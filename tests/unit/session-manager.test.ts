import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { CapacityError, ChildStartError } from '../../src/children/errors.js';
import { SessionTokens } from '../../src/state/session-token.js';
import { LocalTombstones, type SharedSessionStore } from '../../src/state/shared-store.js';
import {
  childStarts,
  INITIALIZE,
  logsOf,
  MemoryStore,
  sleep,
  startRuntime,
  type TestRuntime,
} from './in-process-runtime.js';

/**
 * Session binding in the session manager, with real children and sealed ids: an id answers only
 * the principal and server it was sealed for, here and on another instance (two runtimes sharing
 * the key and the store of ended sessions); ended stays ended; a failed or refused start gives its
 * slot back. The waits of expiry are in session-manager-expiry.test.ts.
 */
describe('session binding', { concurrency: true }, () => {
  const tokens = new SessionTokens('session-manager-unit-key');
  const store = new LocalTombstones();
  const servers = { live: {}, remote: {}, handover: {}, restart: {} };
  let here: TestRuntime;
  let there: TestRuntime;
  before(() => {
    here = startRuntime(servers, { tokens, store });
    there = startRuntime(servers, { tokens, store });
  });
  after(() => Promise.all([here.drain(), there.drain()]));

  test('a live session answers only its principal, on its server; ended is ended', async () => {
    const server = here.server('live');
    const { session } = await here.sessions.open(server, 'alice', INITIALIZE);
    assert.ok(session);
    const { id } = session;
    assert.equal(session.principal, 'alice');
    assert.equal(here.sessions.stats().live?.sessions, 1);
    assert.equal(here.ledger.count({ server: 'live', principal: 'alice', use: 'session' }), 1, 'it holds its slot');
    assert.equal(await here.sessions.find(id, server, 'alice'), session);
    assert.equal(await here.sessions.find(id, server, 'bob'), undefined);
    assert.equal(await here.sessions.find(id, here.server('remote'), 'alice'), undefined);
    assert.equal(here.sessions.peek(id, server, 'alice'), session);
    assert.equal(here.sessions.peek(id, server, 'bob'), undefined);
    assert.equal(here.sessions.peek(id, here.server('remote'), 'alice'), undefined);
    assert.equal(await here.sessions.verify(id, server, 'alice'), true);
    assert.equal(await here.sessions.verify(id, server, 'bob'), false);
    assert.equal(await here.sessions.verify(id, here.server('remote'), 'alice'), false);
    assert.equal(await here.sessions.deleteById(id, server, 'bob'), false);
    assert.equal(await here.sessions.deleteById(id, here.server('remote'), 'alice'), false);
    assert.equal(session.isEnded, false, 'nobody else can end it');
    assert.equal(await here.sessions.deleteById(id, server, 'alice'), true);
    assert.equal(session.isEnded, true);
    await session.end('deleted');
    assert.equal(logsOf(here, id, 'session ended').length, 1, 'ended once, however often asked');
    assert.equal(logsOf(here, id, 'session ended')[0]?.reason, 'deleted');
    assert.equal(here.sessions.stats().live?.sessions, 0);
    assert.equal(here.ledger.count({ server: 'live' }), 0, 'its slot is free');
    const starts = childStarts(here, 'live');
    assert.equal(await here.sessions.find(id, server, 'alice'), undefined, 'ended is ended');
    assert.equal(await here.sessions.verify(id, server, 'alice'), false);
    assert.equal(await here.sessions.deleteById(id, server, 'alice'), false);
    assert.equal(childStarts(here, 'live'), starts, 'no child started for an ended session');
    assert.equal(await there.sessions.find(id, there.server('live'), 'alice'), undefined, 'on every instance');
    assert.equal(await there.sessions.verify(id, there.server('live'), 'alice'), false);
  });

  test('another instance serves a session to its principal only, and knows when it ended', async () => {
    const { session } = await here.sessions.open(here.server('remote'), 'alice', INITIALIZE);
    assert.ok(session);
    const server = there.server('remote');
    assert.equal(await there.sessions.find(session.id, server, 'bob'), undefined);
    assert.equal(await there.sessions.find(session.id, there.server('live'), 'alice'), undefined);
    assert.equal(await there.sessions.verify(session.id, server, 'bob'), false);
    assert.equal(await there.sessions.verify(session.id, server, 'alice'), true);
    assert.equal(await there.sessions.deleteById(session.id, server, 'bob'), false);
    assert.equal(there.ledger.count({ server: 'remote' }), 0);
    const served = await there.sessions.find(session.id, server, 'alice');
    assert.ok(served && !served.isEnded);
    assert.equal(served.principal, 'alice');
    assert.equal(there.ledger.count({ server: 'remote' }), 1);
    assert.equal(await there.sessions.find(session.id, server, 'alice'), served, 'one session, live again');
    await there.sessions.delete(served);
    assert.equal(await store.isEnded(session.id), true, 'recorded in the shared store');
    assert.equal(there.ledger.count({ server: 'remote' }), 0);

    // Ended here: the other instance, which never held it, refuses it without starting a child.
    const { session: other } = await here.sessions.open(here.server('remote'), 'alice', INITIALIZE);
    assert.ok(other);
    assert.equal(await here.sessions.deleteById(other.id, here.server('remote'), 'alice'), true);
    assert.equal(await store.isEnded(other.id), true);
    const starts = childStarts(there, 'remote');
    assert.equal(await there.sessions.verify(other.id, server, 'alice'), false);
    assert.equal(await there.sessions.find(other.id, server, 'alice'), undefined);
    assert.equal(childStarts(there, 'remote'), starts);

    // DELETE on an instance that never held it: ended without a child, recorded for every instance.
    const { session: third } = await here.sessions.open(here.server('remote'), 'alice', INITIALIZE);
    assert.ok(third);
    assert.equal(await there.sessions.deleteById(third.id, server, 'alice'), true);
    assert.equal(await store.isEnded(third.id), true);
    assert.equal(await there.sessions.find(third.id, server, 'alice'), undefined);
    assert.equal(childStarts(there, 'remote'), starts);
    await here.sessions.delete(third);
  });

  test('a child that fails to start gives its slot back', async () => {
    const broken = startRuntime({
      exits: { flags: ['--mode', 'exit-at-start'], sessions: { max_concurrent: 1 } },
      missing: { command: '/nonexistent/mcp-server', sessions: { max_concurrent: 1 } },
    });
    try {
      for (const [name, kind] of [
        ['exits', 'exited'],
        ['missing', 'not_found'],
      ] as const) {
        for (let attempt = 0; attempt < 2; attempt += 1) {
          await assert.rejects(broken.sessions.open(broken.server(name), 'alice', INITIALIZE), (error: unknown) => {
            assert.ok(error instanceof ChildStartError, `${name}: ${String(error)}`);
            assert.equal(error.kind, kind);
            return true;
          });
          assert.equal(broken.ledger.count({ server: name }), 0);
        }
      }
    } finally {
      await broken.drain();
    }
  });

  test('drain: a session starting is refused and gives its slot back; live ones live on elsewhere', async () => {
    const draining = startRuntime({ handover: {} }, { tokens, store });
    const server = draining.server('handover');
    const { session } = await draining.sessions.open(server, 'carol', INITIALIZE);
    assert.ok(session);
    const starting = draining.sessions.open(server, 'carol', INITIALIZE);
    await sleep(10);
    await draining.drain();
    await assert.rejects(starting, (error: unknown) => {
      assert.ok(error instanceof CapacityError);
      assert.equal(error.message, 'The adapter is shutting down');
      assert.equal(error.retryAfterSeconds, 5);
      return true;
    });
    assert.equal(draining.ledger.count({ server: 'handover' }), 0);
    assert.equal(session.isEnded, true);
    assert.equal(
      logsOf(
        draining,
        session.id,
        'child stopped: this instance is shutting down; the session lives on (its next request starts a child)',
      ).length,
      1,
    );
    assert.deepEqual(logsOf(draining, session.id, 'session ended'), [], 'a shutdown does not end the session');
    assert.equal(await store.isEnded(session.id), false, 'a shutdown does not end the session');
    const elsewhere = await there.sessions.find(session.id, there.server('handover'), 'carol');
    assert.ok(elsewhere && !elsewhere.isEnded, 'another instance brings it back');
    await there.sessions.delete(elsewhere);
  });

  test('DELETE returns once the shared store has the end; a store that fails is logged, not fatal', async () => {
    const slow: SharedSessionStore = {
      isEnded: (id) => store.isEnded(id),
      markEnded: async (id, expiresAt) => {
        await sleep(150);
        await store.markEnded(id, expiresAt);
      },
    };
    const slowRuntime = startRuntime({ remote: {} }, { tokens, store: slow });
    const failing: SharedSessionStore = {
      isEnded: async () => false,
      markEnded: async () => {
        throw new Error('store down');
      },
    };
    const failingRuntime = startRuntime({ remote: {} }, { tokens, store: failing });
    try {
      const { session } = await slowRuntime.sessions.open(slowRuntime.server('remote'), 'dave', INITIALIZE);
      assert.ok(session);
      assert.equal(await slowRuntime.sessions.deleteById(session.id, slowRuntime.server('remote'), 'dave'), true);
      assert.equal(await store.isEnded(session.id), true, 'recorded before DELETE answered');
      // The same for a session it does not hold.
      const { session: elsewhere } = await here.sessions.open(here.server('remote'), 'dave', INITIALIZE);
      assert.ok(elsewhere);
      assert.equal(await slowRuntime.sessions.deleteById(elsewhere.id, slowRuntime.server('remote'), 'dave'), true);
      assert.equal(await store.isEnded(elsewhere.id), true, 'recorded before DELETE answered');
      await here.sessions.delete(elsewhere);
      const { session: lost } = await failingRuntime.sessions.open(failingRuntime.server('remote'), 'erin', INITIALIZE);
      assert.ok(lost);
      assert.equal(await failingRuntime.sessions.deleteById(lost.id, failingRuntime.server('remote'), 'erin'), true);
      await sleep(20);
      const errors = failingRuntime.logs.filter((log) => log.level === 'error');
      assert.deepEqual(
        errors.map((log) => [log.message, log.error]),
        [['could not record the end of a session in the shared store', 'Error: store down']],
      );
      assert.equal(await failingRuntime.sessions.find(lost.id, failingRuntime.server('remote'), 'erin'), undefined);
    } finally {
      await Promise.all([slowRuntime.drain(), failingRuntime.drain()]);
    }
  });

  test('without a shared store, an id issued before this instance started is not brought back', async () => {
    const { session: before } = await here.sessions.open(here.server('restart'), 'frank', INITIALIZE);
    assert.ok(before);
    await sleep(5);
    const restarted = startRuntime({ restart: {} }, { tokens });
    try {
      const server = restarted.server('restart');
      assert.equal(await restarted.sessions.verify(before.id, server, 'frank'), false);
      assert.equal(await restarted.sessions.find(before.id, server, 'frank'), undefined);
      assert.equal(childStarts(restarted, 'restart'), 0);
      // One issued after it started is: its end could only have been seen by a running instance.
      await sleep(5);
      const { session: after } = await here.sessions.open(here.server('restart'), 'frank', INITIALIZE);
      assert.ok(after);
      assert.equal(await restarted.sessions.verify(after.id, server, 'frank'), true);
      const served = await restarted.sessions.find(after.id, server, 'frank');
      assert.ok(served && !served.isEnded);
      await here.sessions.delete(after);
    } finally {
      await restarted.drain();
      await here.sessions.delete(before);
    }
  });
});

describe('idle expiry across instances', { concurrency: true }, () => {
  const tokens = new SessionTokens('session-manager-activity-unit-key');
  const store = new MemoryStore();
  const servers = {
    roaming: { sessions: { idle_timeout_seconds: 2 } },
    used: { sessions: { idle_timeout_seconds: 2 } },
  };
  let here: TestRuntime;
  let there: TestRuntime;
  before(() => {
    here = startRuntime(servers, { tokens, store });
    there = startRuntime(servers, { tokens, store });
  });
  after(() => Promise.all([here.drain(), there.drain()]));

  test('a session idle past its timeout where it was last used ends when another instance is asked for it', async () => {
    const server = there.server('roaming');
    const open = async () => {
      const { session } = await here.sessions.open(here.server('roaming'), 'alice', INITIALIZE);
      assert.ok(session);
      return session;
    };
    // Last used 2.4 s ago: within the 2 s timeout and the quarter the records may lag.
    const recent = await open();
    store.activity.set(recent.id, Date.now() - 2400);
    const served = await there.sessions.find(recent.id, server, 'alice');
    assert.ok(served && !served.isEnded, 'brought back');
    assert.equal(await store.isEnded(recent.id), false);
    // Last used 2.6 s ago: it idled out; ended for every instance, no child started.
    const stale = await open();
    store.activity.set(stale.id, Date.now() - 2600);
    const starts = childStarts(there, 'roaming');
    assert.equal(await there.sessions.find(stale.id, server, 'alice'), undefined);
    assert.equal(await store.isEnded(stale.id), true);
    assert.equal(childStarts(there, 'roaming'), starts);
    assert.equal(await there.sessions.verify(stale.id, server, 'alice'), false);
    await Promise.all([here.sessions.delete(recent), here.sessions.delete(stale), there.sessions.delete(served)]);
  });

  test('use is recorded when a session starts and at most four times per idle period', async () => {
    const server = here.server('used');
    const { session } = await here.sessions.open(server, 'bob', INITIALIZE);
    assert.ok(session);
    const claims = await tokens.open(session.id);
    const records = () => store.recorded.filter((record) => record.id === session.id);
    assert.equal(records().length, 1, 'when it starts');
    assert.equal(records()[0]?.expiresAt, claims?.expiresAt);
    assert.ok(Math.abs(records()[0]!.at - Date.now()) < 1000);
    for (let request = 0; request < 5; request += 1)
      assert.equal(await here.sessions.find(session.id, server, 'bob'), session);
    assert.equal(records().length, 1, 'not per request');
    await sleep(550);
    assert.equal(await here.sessions.find(session.id, server, 'bob'), session);
    assert.equal(records().length, 2, 'again after a quarter of the idle timeout');
    assert.ok(records()[1]!.at - records()[0]!.at >= 500);
    await here.sessions.delete(session);
  });

  test('a store that cannot record or answer is logged and does not stop sessions', async () => {
    const failing = new (class extends MemoryStore {
      override async recordActivity(): Promise<void> {
        throw new Error('store down');
      }
      override async lastActivity(): Promise<number | undefined> {
        throw new Error('store down');
      }
    })();
    const a = startRuntime({ used: servers.used }, { tokens, store: failing });
    const b = startRuntime({ used: servers.used }, { tokens, store: failing });
    try {
      const { session } = await a.sessions.open(a.server('used'), 'carol', INITIALIZE);
      assert.ok(session);
      await sleep(10);
      assert.deepEqual(
        a.logs
          .filter((log) => log.message === 'could not record session activity in the shared store')
          .map((log) => [log.level, log.error]),
        [['warn', 'Error: store down']],
      );
      const served = await b.sessions.find(session.id, b.server('used'), 'carol');
      assert.ok(served && !served.isEnded, 'brought back without knowing its last use');
      assert.ok(
        b.logs.some(
          (log) =>
            log.message === 'the shared store did not answer; the session is not checked for idling elsewhere' &&
            log.error === 'Error: store down',
        ),
      );
    } finally {
      await Promise.all([a.drain(), b.drain()]);
    }
  });
});
