import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { metrics } from '@opentelemetry/api';
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import { SessionTokens } from '../../src/state/session-token.js';
import { LocalTombstones } from '../../src/state/shared-store.js';
import { isAlive } from '../helpers/adapter.js';
import {
  childStarts,
  eventually,
  INITIALIZE,
  logsOf,
  SessionClient,
  startRuntime,
  type TestRuntime,
} from './in-process-runtime.js';

/**
 * Session expiry in the session manager, with real children: a reclaimed session comes back for
 * its principal only (one child however many requests race), ends at its idle timeout or its
 * lifetime while dormant (recorded in the shared store), and a crashed child restarts up to
 * `max_restarts`.
 */
// The adapter's session counters, read from an OpenTelemetry SDK registered for this file.
const reader = new PeriodicExportingMetricReader({
  exporter: new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE),
  exportIntervalMillis: 60_000,
});
metrics.setGlobalMeterProvider(new MeterProvider({ readers: [reader] }));

/** The value of a counter for these attributes (0 when never counted). */
async function counter(name: string, attributes: Record<string, string>): Promise<number> {
  const { resourceMetrics } = await reader.collect();
  const metric = resourceMetrics.scopeMetrics
    .flatMap((scope) => scope.metrics)
    .find((found) => found.descriptor.name === name);
  const point = metric?.dataPoints.find((candidate) =>
    Object.entries(attributes).every(([key, value]) => candidate.attributes[key] === value),
  );
  return (point?.value as number | undefined) ?? 0;
}

describe('session expiry', { concurrency: true }, () => {
  const tokens = new SessionTokens('session-manager-expiry-unit-key');
  const store = new LocalTombstones();
  let here: TestRuntime;
  before(() => {
    here = startRuntime(
      {
        reclaimed: { sessions: { reclaim_after_seconds: 0.3 } },
        dormant: { sessions: { reclaim_after_seconds: 0.2, idle_timeout_seconds: 1 } },
        crashing: { max_restarts: 1 },
        fragile: { restart_on_failure: false },
        'crash-idle': { sessions: { idle_timeout_seconds: 1 } },
      },
      { tokens, store },
    );
  });
  after(() => here.drain());

  test('a reclaimed session comes back for its principal only; others start no child', async () => {
    const server = here.server('reclaimed');
    const { session } = await here.sessions.open(server, 'alice', INITIALIZE);
    assert.ok(session);
    const { id } = session;
    assert.ok(await eventually(() => session.isEnded, 2000), 'its child reclaimed while idle');
    assert.equal(logsOf(here, id, 'idle child reclaimed; the session lives on').length, 1);
    assert.deepEqual(
      logsOf(here, id, 'session ended'),
      [],
      'only its child stopped: no log line says the session ended',
    );
    assert.equal(here.ledger.count({ server: 'reclaimed' }), 0);
    assert.equal(await here.sessions.find(id, server, 'bob'), undefined);
    assert.equal(await here.sessions.find(id, here.server('dormant'), 'alice'), undefined);
    assert.equal(here.sessions.peek(id, server, 'alice'), undefined, 'not live');
    assert.equal(await here.sessions.verify(id, server, 'bob'), false);
    assert.equal(await here.sessions.verify(id, here.server('dormant'), 'alice'), false);
    assert.equal(await here.sessions.verify(id, server, 'alice'), true, 'reclaimed is not ended');
    assert.equal(await here.sessions.deleteById(id, server, 'bob'), false);
    assert.equal(childStarts(here, 'reclaimed'), 1, 'no child was started for them');
    // Requests racing to bring it back get one session with one child.
    const [back, again] = await Promise.all([
      here.sessions.find(id, server, 'alice'),
      here.sessions.find(id, server, 'alice'),
    ]);
    assert.ok(back && back !== session && !back.isEnded);
    assert.equal(again, back);
    assert.equal(back.principal, 'alice');
    assert.equal(back.id, id);
    assert.equal(childStarts(here, 'reclaimed'), 2);
    assert.equal(here.ledger.count({ server: 'reclaimed' }), 1);
    assert.equal(await here.sessions.find(id, server, 'alice'), back, 'live again');
    // Reclaimed again, it comes back again: a new child, not the session brought back before.
    assert.ok(await eventually(() => back.isEnded, 2000));
    const third = await here.sessions.find(id, server, 'alice');
    assert.ok(third && third !== back && !third.isEnded);
    assert.ok(await eventually(() => third.isEnded, 2000));
    // DELETE of a dormant session ends it without starting a child, on every instance.
    const starts = childStarts(here, 'reclaimed');
    assert.equal(await here.sessions.deleteById(id, server, 'alice'), true);
    assert.equal(await store.isEnded(id), true);
    assert.equal(here.sessions.stats().reclaimed?.sessions, 0);
    assert.equal(await here.sessions.find(id, server, 'alice'), undefined);
    assert.equal(childStarts(here, 'reclaimed'), starts);
    const tags = { 'mcp.server': 'reclaimed' };
    assert.equal(await counter('mcp.sessions.started', tags), 1, 'brought back is not started');
    assert.equal(await counter('mcp.sessions.active', tags), 0, 'three children came and went');
    assert.equal(await counter('mcp.sessions.ended', { ...tags, 'mcp.session.end_reason': 'deleted' }), 1);
    assert.equal(await counter('mcp.sessions.ended', { ...tags, 'mcp.session.end_reason': 'idle' }), 0);
  });

  test('a dormant session ends at its idle timeout, counted from its last request, everywhere', async () => {
    const server = here.server('dormant');
    const { session } = await here.sessions.open(server, 'carol', INITIALIZE);
    assert.ok(session);
    const openedAt = Date.now();
    assert.ok(await eventually(() => session.isEnded, 2000), 'reclaimed at 0.2 s');
    assert.deepEqual(
      here.logs
        .filter((log) => log.message === 'idle child reclaimed; the session lives on' && log.server === 'dormant')
        .map((log) => log.session),
      [session.id.slice(-8)],
    );
    assert.equal(await store.isEnded(session.id), false);
    assert.ok(await eventually(() => store.isEnded(session.id), 2000), 'ended and recorded at 1 s');
    const endedAfter = Date.now() - openedAt;
    assert.ok(endedAfter >= 700 && endedAfter < 1800, `ended after ${endedAfter} ms`);
    assert.equal(await here.sessions.verify(session.id, server, 'carol'), false);
    assert.equal(await counter('mcp.sessions.ended', { 'mcp.server': 'dormant', 'mcp.session.end_reason': 'idle' }), 1);
  });

  test('DELETE of a dormant session forgets it at once', async () => {
    // A runtime of its own, so that its count of dormant sessions is this test's.
    const solo = startRuntime({ quiet: { sessions: { reclaim_after_seconds: 0.2 } } }, { tokens });
    try {
      const server = solo.server('quiet');
      const { session } = await solo.sessions.open(server, 'dave', INITIALIZE);
      assert.ok(session);
      assert.ok(await eventually(() => solo.sessions.dormantCount === 1, 2000));
      assert.equal(await solo.sessions.deleteById(session.id, server, 'dave'), true);
      assert.equal(solo.sessions.dormantCount, 0);
      assert.equal(await solo.sessions.verify(session.id, server, 'dave'), false);
    } finally {
      await solo.drain();
    }
  });

  test('the lifetime ends a dormant session long before its idle timeout', async () => {
    // A runtime of its own, so that its count of dormant sessions is this test's.
    const solo = startRuntime(
      { expiring: { sessions: { reclaim_after_seconds: 0.2, max_lifetime_seconds: 2 } } },
      { tokens },
    );
    try {
      const server = solo.server('expiring');
      const before = Date.now();
      const { session, response } = await solo.sessions.open(server, 'carol', INITIALIZE);
      assert.ok(session);
      assert.equal((response.result as { protocolVersion: string }).protocolVersion, '2025-11-25');
      const claims = await tokens.open(session.id);
      assert.ok(claims);
      assert.equal(claims.server, 'expiring');
      assert.equal(claims.principal, 'carol');
      assert.deepEqual(claims.initialize, {
        protocolVersion: '2025-11-25',
        capabilities: { roots: {} },
        clientInfo: { name: 'unit', version: '1' },
      });
      assert.ok(claims.issuedAt >= before && claims.issuedAt <= Date.now());
      assert.equal(claims.expiresAt - claims.issuedAt, 2000);
      assert.ok(await eventually(() => session.isEnded, 2000));
      assert.equal(solo.sessions.dormantCount, 1, 'reclaimed, not ended');
      assert.ok(await eventually(() => solo.sessions.dormantCount === 0, 3000), 'ended at its lifetime while dormant');
      assert.ok(Date.now() - claims.issuedAt >= 1950);
      assert.equal(await solo.sessions.find(session.id, server, 'carol'), undefined);
    } finally {
      await solo.drain();
    }
  });

  test('a crashed child restarts with the session until max_restarts; without restarts the session ends', async () => {
    const client = new SessionClient(here, 'crashing');
    const id = await client.initialize();
    const first = (await client.pid(id)) as number;
    const crash = await client.request(id, 'tools/call', { name: 'exit', arguments: { code: 1 } });
    assert.match(crash.message?.error?.message ?? '', /exited \(exit code 1\) before answering/);
    assert.ok(await eventually(() => !isAlive(first), 2000));
    assert.equal(await here.sessions.verify(id, here.server('crashing'), 'anonymous'), true, 'the session lives on');
    const restarted = here.logs.filter(
      (log) =>
        log.message === 'child crashed; the session lives on and its next request starts a new child' &&
        log.server === 'crashing',
    );
    assert.deepEqual(
      restarted.map((log) => [log.level, log.server, log.restartsInWindow, log.maxRestarts]),
      [['warn', 'crashing', 1, 1]],
    );
    const second = await client.pid(id);
    assert.equal(typeof second, 'number', JSON.stringify(second));
    assert.notEqual(second, first);
    await client.request(id, 'tools/call', { name: 'exit', arguments: { code: 1 } });
    assert.ok(
      await eventually(async () => !(await here.sessions.verify(id, here.server('crashing'), 'anonymous')), 2000),
    );
    assert.equal((await client.request(id, 'ping')).status, 404, 'a second crash within the window ends it');
    assert.equal(await store.isEnded(id), true);
    const tooOften = here.logs.filter(
      (log) => log.message === 'child crashed too often; the session ends' && log.server === 'crashing',
    );
    assert.deepEqual(
      tooOften.map((log) => [log.level, log.server, log.restartsInWindow, log.maxRestarts]),
      [['warn', 'crashing', 1, 1]],
    );

    const fragile = new SessionClient(here, 'fragile');
    const lone = await fragile.initialize();
    await fragile.request(lone, 'tools/call', { name: 'exit', arguments: { code: 1 } });
    assert.ok(
      await eventually(async () => !(await here.sessions.verify(lone, here.server('fragile'), 'anonymous')), 2000),
    );
    assert.equal((await fragile.request(lone, 'ping')).status, 404);
    assert.equal(await counter('mcp.children.restarts', { 'mcp.server': 'crashing' }), 1);
    assert.equal(await counter('mcp.children.restarts', { 'mcp.server': 'fragile' }), 0);
    assert.equal(
      await counter('mcp.sessions.ended', { 'mcp.server': 'crashing', 'mcp.session.end_reason': 'child_exited' }),
      1,
    );
  });

  test('a crashed child not asked for again: the session ends at its idle timeout from its last request', async () => {
    const client = new SessionClient(here, 'crash-idle');
    const id = await client.initialize();
    const pid = (await client.pid(id)) as number;
    const lastRequestAt = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 400));
    process.kill(pid, 'SIGKILL');
    assert.ok(await eventually(() => !isAlive(pid), 1000));
    assert.equal(await here.sessions.verify(id, here.server('crash-idle'), 'anonymous'), true, 'restartable');
    assert.ok(await eventually(() => store.isEnded(id), 2500));
    const endedAfter = Date.now() - lastRequestAt;
    assert.ok(endedAfter >= 700 && endedAfter < 1600, `ended ${endedAfter} ms after the last request`);
  });
});
