import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { isAlive } from '../helpers/adapter.js';
import {
  childStarts,
  eventually,
  logsOf,
  SessionClient,
  sleep,
  startRuntime,
  type TestRuntime,
} from './in-process-runtime.js';

/**
 * A session's clocks, with real children and sessions called in-process: activity restarts the
 * idle clock, a call in flight is never cut by it, an idle child is reclaimed before the session
 * ends, and the lifetime ends a session whatever its activity.
 */
describe('session idle timeout, reclaim and lifetime', { concurrency: true }, () => {
  let runtime: TestRuntime;
  before(() => {
    runtime = startRuntime({
      idle: { sessions: { idle_timeout_seconds: 1 } },
      busy: { sessions: { idle_timeout_seconds: 0.4 } },
      reclaim: { sessions: { reclaim_after_seconds: 0.7, idle_timeout_seconds: 2 } },
      lifetime: { sessions: { max_lifetime_seconds: 1 } },
      ending: {},
    });
  });
  after(() => runtime.drain());

  /** Whether the session is over (404 on every instance), asked without touching it. */
  const over = async (server: string, id: string) =>
    !(await runtime.sessions.verify(id, runtime.server(server), 'anonymous'));

  test('activity restarts the idle clock: the same child serves a session kept busy past its timeout', async () => {
    const client = new SessionClient(runtime, 'idle');
    const id = await client.initialize();
    const pid = await client.pid(id);
    assert.equal(typeof pid, 'number');
    const until = Date.now() + 1600;
    while (Date.now() < until) {
      await sleep(150);
      assert.equal((await client.request(id, 'ping')).status, 200);
    }
    assert.equal(await client.pid(id), pid, 'never reclaimed while active');
    // Left alone, it ends at its idle timeout: every instance answers 404 from then on.
    const quietSince = Date.now();
    assert.ok(await eventually(() => over('idle', id), 1500));
    const quietFor = Date.now() - quietSince;
    assert.ok(quietFor >= 700, `ended after ${quietFor} ms`);
    assert.ok(await eventually(() => !isAlive(pid as number), 3000));
    assert.deepEqual(
      logsOf(runtime, id, 'session ended').map((log) => log.reason),
      ['idle'],
    );
    assert.deepEqual(
      runtime.logs.filter(
        (log) => log.message === 'idle child reclaimed; the session lives on' && log.server === 'idle',
      ),
      [],
      'ended, not reclaimed',
    );
    assert.equal((await client.request(id, 'ping')).status, 404);
    assert.equal(childStarts(runtime, 'idle'), 1, 'no child started for an ended session');
  });

  test('a request in flight when its session ends is answered, not left waiting', async () => {
    const client = new SessionClient(runtime, 'ending');
    const id = await client.initialize();
    const hanging = client.request(id, 'tools/call', { name: 'hang', arguments: {} });
    await sleep(300);
    assert.equal(await client.delete(id), 200);
    const answer = await hanging;
    assert.equal(answer.message?.error?.message, 'Session ended (deleted)');
  });

  test('a call in flight holds the session past its idle timeout; it ends once idle after the call', async () => {
    const client = new SessionClient(runtime, 'busy');
    const id = await client.initialize();
    const first = await client.pid(id);
    const answered = await client.pid(id, 1200);
    assert.equal(answered, first, 'answered by the same child, not cut by the idle timeout');
    // The idle clock counts from the last request, and only waits for calls in flight.
    assert.ok(await eventually(() => over('busy', id), 3000), 'ends once idle after the call');
    assert.equal((await client.request(id, 'ping')).status, 404);
  });

  test('an idle child is reclaimed and the session lives on; idle until its timeout, the session ends', async () => {
    const client = new SessionClient(runtime, 'reclaim');
    const [kept, left] = [await client.initialize(), await client.initialize()];
    const keptPid = (await client.pid(kept)) as number;
    const leftPid = (await client.pid(left)) as number;
    await Promise.all([
      (async () => {
        // No request after the first: reclaimed (child stopped), not ended, until the idle timeout.
        assert.ok(await eventually(() => !isAlive(leftPid), 2000), 'reclaimed once idle');
        assert.equal(await over('reclaim', left), false, 'reclaimed is not ended');
        assert.ok(runtime.sessions.dormantCount >= 1);
        assert.ok(await eventually(() => over('reclaim', left), 2500), 'ended at its idle timeout');
        assert.equal(await client.delete(left), 404);
      })(),
      (async () => {
        // Active for longer than the idle timeout, then quiet: reclaimed, idle counted from the last request.
        const until = Date.now() + 1600;
        while (Date.now() < until) {
          await sleep(100);
          assert.equal((await client.request(kept, 'ping')).status, 200);
        }
        assert.ok(isAlive(keptPid), 'not reclaimed while active');
        assert.ok(await eventually(() => !isAlive(keptPid), 2000), 'reclaimed once idle');
        const revived = await client.pid(kept);
        assert.equal(typeof revived, 'number', JSON.stringify(revived));
        assert.notEqual(revived, keptPid, 'a new child, initialize replayed');
      })(),
    ]);
  });

  test('the lifetime ends a session however active it is', async () => {
    const client = new SessionClient(runtime, 'lifetime');
    const id = await client.initialize();
    const started = Date.now();
    let status = 200;
    while (status === 200 && Date.now() - started < 4000) {
      await sleep(100);
      status = (await client.request(id, 'ping')).status;
    }
    assert.equal(status, 404);
    const lasted = Date.now() - started;
    assert.ok(lasted >= 500 && lasted < 3000, `ended after ${lasted} ms`);
    assert.deepEqual(
      logsOf(runtime, id, 'session ended').map((log) => log.reason),
      ['lifetime'],
    );
  });
});
