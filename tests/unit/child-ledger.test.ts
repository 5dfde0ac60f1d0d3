import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ChildLedger } from '../../src/children/child-ledger.js';
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
