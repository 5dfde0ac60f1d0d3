import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ChildLedger, type ChildLease } from '../../src/children/child-ledger.js';
import { parseConfig } from '../../src/config/load-config.js';
import type { AdapterConfig, ServerConfig } from '../../src/config/model.js';
import { CapacityError } from '../../src/children/errors.js';
import { ANONYMOUS } from '../../src/auth/principal.js';

function server(name: string, maxConcurrent: number, maxPerPrincipal = 10): ServerConfig {
  return { name, sessions: { maxConcurrent, maxPerPrincipal } } as ServerConfig;
}
const config = (maxSessions: number) => ({ adapter: { maxSessions } }) as AdapterConfig;

test('sessions and pooled children count against one server cap, whichever comes first', () => {
  const ledger = new ChildLedger(config(10));
  const one = server('one', 1);
  const pooled = ledger.lease(one, ANONYMOUS, 'pooled');
  assert.throws(
    () => ledger.lease(one, ANONYMOUS, 'session'),
    (error: unknown) =>
      error instanceof CapacityError && /"one" is at its limit of 1 concurrent sessions/.test(error.message),
  );
  pooled.release();
  const session = ledger.lease(one, ANONYMOUS, 'session');
  assert.throws(() => ledger.lease(one, ANONYMOUS, 'pooled'), /limit of 1 concurrent children/);
  session.release();
  session.release(); // idempotent: never frees a slot twice
  assert.equal(ledger.count(), 0);
});

test('the instance cap counts every server; per principal counts both eras of one server', () => {
  const ledger = new ChildLedger(config(2));
  ledger.lease(server('a', 5), 'alice', 'session');
  ledger.lease(server('b', 5), 'bob', 'pooled');
  assert.throws(() => ledger.lease(server('c', 5), 'carol', 'session'), /This instance is at its limit of 2 sessions/);

  const roomy = new ChildLedger(config(10));
  const capped = server('s', 10, 2);
  roomy.lease(capped, 'alice', 'session');
  roomy.lease(capped, 'alice', 'pooled');
  assert.throws(() => roomy.lease(capped, 'alice', 'pooled'), /You have 2 requests in progress with MCP server "s"/);
  assert.throws(() => roomy.lease(capped, 'alice', 'session'), /You have 2 sessions with MCP server "s"/);
  // Anonymous callers (function keys) cannot be told apart: only the server cap applies to them.
  roomy.lease(capped, ANONYMOUS, 'session');
  roomy.lease(capped, ANONYMOUS, 'session');
  roomy.lease(capped, ANONYMOUS, 'session');
  assert.equal(roomy.count({ server: 's' }), 5);
});

test('at a cap, evictors are asked for an idle child of the right scope before refusing', () => {
  const ledger = new ChildLedger(config(10));
  const one = server('one', 1);
  const idle = ledger.lease(one, ANONYMOUS, 'pooled');
  const asked: Array<{ server?: string }> = [];
  ledger.addEvictor((scope) => {
    asked.push(scope);
    if (ledger.count({ server: 'one', use: 'pooled' }) === 0) return false;
    idle.release();
    return true;
  });
  const session = ledger.lease(one, ANONYMOUS, 'session');
  assert.deepEqual(asked, [{ server: 'one' }]);
  assert.equal(ledger.count({ server: 'one' }), 1);
  // Nothing left to evict: refused.
  assert.throws(() => ledger.lease(one, ANONYMOUS, 'pooled'), CapacityError);
  session.release();
});

/** Servers and caps as the config loader makes them from an `mcp_config.json`. */
function configured(
  servers: Record<string, { max_concurrent?: number; max_per_principal?: number }>,
  maxSessions: number,
): { config: AdapterConfig; server: (name: string) => ServerConfig } {
  const document = {
    adapter: { max_sessions: maxSessions },
    mcpServers: Object.fromEntries(
      Object.entries(servers).map(([name, sessions]) => [name, { command: 'node', args: ['server.js'], sessions }]),
    ),
  };
  const { config } = parseConfig(JSON.stringify(document), '/project/mcp_config.json');
  return { config, server: (name) => config.servers.get(name)! };
}

function refusal(run: () => unknown): CapacityError {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof CapacityError, String(error));
    return error;
  }
  assert.fail('expected a CapacityError');
}

test('each cap counts only its own scope: other servers and other principals leave room', () => {
  const { config, server } = configured(
    { a: { max_concurrent: 1, max_per_principal: 1 }, b: { max_concurrent: 5 } },
    4,
  );
  const ledger = new ChildLedger(config);
  ledger.lease(server('b'), 'alice', 'session');
  ledger.lease(server('b'), 'alice', 'pooled');
  // Two of alice's children on b: neither a's server cap (1) nor its per-principal cap (1) is reached.
  const first = ledger.lease(server('a'), 'alice', 'session');
  assert.equal(ledger.count({ server: 'a' }), 1);
  assert.equal(ledger.count({ server: 'b' }), 2);
  assert.equal(ledger.count({ principal: 'alice' }), 3);
  assert.equal(ledger.count({ server: 'b', use: 'pooled' }), 1);
  assert.equal(ledger.count({ use: 'session' }), 2);
  assert.equal(ledger.count({ principal: 'bob' }), 0);
  first.release();
  // Per principal on one server: bob is not held back by alice.
  const { config: roomy, server: roomyServer } = configured({ s: { max_concurrent: 10, max_per_principal: 1 } }, 10);
  const shared = new ChildLedger(roomy);
  shared.lease(roomyServer('s'), 'alice', 'session');
  shared.lease(roomyServer('s'), 'bob', 'session');
  const error = refusal(() => shared.lease(roomyServer('s'), 'alice', 'session'));
  assert.match(error.message, /^You have 1 sessions with MCP server "s"/);
});

test('a refusal says how long to wait: 10 s for a session, 5 s for a pooled child, 30 s at the per-user cap', () => {
  const { config, server } = configured({ one: { max_concurrent: 1 }, capped: { max_per_principal: 1 } }, 2);
  const ledger = new ChildLedger(config);
  ledger.lease(server('one'), ANONYMOUS, 'session');
  assert.equal(refusal(() => ledger.lease(server('one'), ANONYMOUS, 'session')).retryAfterSeconds, 10);
  assert.equal(refusal(() => ledger.lease(server('one'), ANONYMOUS, 'pooled')).retryAfterSeconds, 5);
  ledger.lease(server('capped'), 'alice', 'pooled');
  const instance = refusal(() => ledger.lease(server('capped'), 'bob', 'pooled'));
  assert.equal(instance.message, 'This instance is at its limit of 2 children');
  assert.equal(instance.retryAfterSeconds, 5);
  assert.equal(instance.httpStatus, 503);
  assert.equal(refusal(() => ledger.lease(server('capped'), 'bob', 'session')).retryAfterSeconds, 10);

  const perUser = new ChildLedger(configured({ capped: { max_per_principal: 1 } }, 10).config);
  const capped = configured({ capped: { max_per_principal: 1 } }, 10).server('capped');
  perUser.lease(capped, 'alice', 'session');
  const session = refusal(() => perUser.lease(capped, 'alice', 'session'));
  assert.equal(session.retryAfterSeconds, 30);
  assert.match(session.message, /end one \(DELETE\) or wait for it to expire$/);
  const pooled = refusal(() => perUser.lease(capped, 'alice', 'pooled'));
  assert.equal(pooled.retryAfterSeconds, 5);
  assert.equal(
    pooled.message,
    'You have 1 requests in progress with MCP server "capped", the most one user may run at once',
  );
});

test('every cap asks the evictors, scoped to that cap, and leases once one made room', () => {
  const { config, server } = configured({ a: { max_concurrent: 10, max_per_principal: 1 }, b: {} }, 2);
  const idle: ChildLease[] = [];
  const asked: Array<{ server?: string; principal?: string }> = [];
  const ledgerWithEvictor = (adapter: AdapterConfig) => {
    const ledger = new ChildLedger(adapter);
    ledger.addEvictor((scope) => {
      asked.push(scope);
      const victim = idle.find(
        (lease) =>
          (scope.server === undefined || lease.server === scope.server) &&
          (scope.principal === undefined || lease.principal === scope.principal),
      );
      if (!victim) return false;
      idle.splice(idle.indexOf(victim), 1);
      victim.release();
      return true;
    });
    return ledger;
  };
  // Instance cap (2): an idle child of another server gives way.
  const ledger = ledgerWithEvictor(config);
  idle.push(ledger.lease(server('b'), 'carol', 'pooled'));
  ledger.lease(server('b'), 'dave', 'session');
  ledger.lease(server('a'), 'alice', 'session');
  assert.deepEqual(asked, [{}]);
  assert.deepEqual([ledger.count({ server: 'a' }), ledger.count({ server: 'b' })], [1, 1]);
  // Per principal (1 on a): alice's own idle child gives way, nobody else's.
  const roomy = ledgerWithEvictor(configured({ a: { max_concurrent: 10, max_per_principal: 1 } }, 10).config);
  asked.length = 0;
  idle.length = 0;
  idle.push(roomy.lease(server('a'), 'bob', 'pooled'));
  idle.push(roomy.lease(server('a'), 'alice', 'pooled'));
  roomy.lease(server('a'), 'alice', 'session');
  assert.deepEqual(asked, [{ server: 'a', principal: 'alice' }]);
  assert.equal(roomy.count({ server: 'a', principal: 'alice', use: 'pooled' }), 0);
  assert.equal(roomy.count({ server: 'a', principal: 'bob' }), 1);
  // Nothing of hers left to give way: refused, after asking.
  assert.throws(() => roomy.lease(server('a'), 'alice', 'pooled'), CapacityError);
  assert.deepEqual(asked, [
    { server: 'a', principal: 'alice' },
    { server: 'a', principal: 'alice' },
  ]);
});

test('release listeners hear of every slot that comes free, once per lease', () => {
  const { config, server } = configured({ a: { max_concurrent: 2 } }, 10);
  const ledger = new ChildLedger(config);
  const heard: number[] = [];
  ledger.onRelease(() => heard.push(ledger.count()));
  ledger.onRelease(() => heard.push(-1));
  const one = ledger.lease(server('a'), 'alice', 'session');
  const two = ledger.lease(server('a'), 'bob', 'pooled');
  assert.deepEqual(heard, []);
  one.release();
  assert.deepEqual(heard, [1, -1], 'after the lease is gone, every listener');
  one.release();
  assert.deepEqual(heard, [1, -1], 'a second release frees nothing and tells nobody');
  // An evicted child's release is heard too, while the lease that made room is being made.
  ledger.addEvictor(() => {
    two.release();
    return true;
  });
  ledger.lease(server('a'), 'carol', 'session');
  ledger.lease(server('a'), 'dave', 'session');
  assert.deepEqual(heard, [1, -1, 1, -1]);
  assert.equal(ledger.count({ server: 'a' }), 2);
});
