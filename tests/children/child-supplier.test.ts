import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import type { ChildCredentialProvider } from '../../src/auth/child-credentials.js';
import { ChildSupplier, stopChild } from '../../src/children/child-supplier.js';
import { CapacityError, ChildStartError } from '../../src/children/errors.js';
import { loadConfigFile } from '../../src/config/load-config.js';
import type { AdapterConfig } from '../../src/config/model.js';
import { createLogger } from '../../src/observability/logger.js';
import { eventually, isAlive, nodeFixtureServer } from '../helpers/adapter.js';

/** The one supplier of children, driven directly with real child processes (the Node fixture server). */
const logger = createLogger({ level: 'silent' });

function configOf(document: Record<string, unknown>): AdapterConfig {
  const dir = mkdtempSync(path.join(tmpdir(), 'mcp-supplier-'));
  const file = path.join(dir, 'mcp_config.json');
  writeFileSync(file, JSON.stringify(document));
  return loadConfigFile(file, { resolveFrom: process.env }).config;
}

describe('ChildSupplier', () => {
  test('a warm child is taken first, and a released lease lets the pool refill into the freed slot', async () => {
    const config = configOf({
      mcpServers: { warm: nodeFixtureServer([], { sessions: { warm_pool: 1, max_concurrent: 1 } }) },
    });
    const supplier = new ChildSupplier({ config, logger });
    const server = config.servers.get('warm')!;
    try {
      assert.ok(await eventually(() => supplier.warmWaiting('warm') === 1), 'the pool fills at start');
      const lease = supplier.lease(server, 'alice', 'session');
      const started = await supplier.start(server, undefined, logger);
      assert.equal(started.warm, true, 'the waiting child is taken');
      assert.equal(started.child.alive, true);
      // The only slot is leased: the pool may not refill past the server's cap.
      await new Promise((resolve) => setTimeout(resolve, 400));
      assert.equal(supplier.warmWaiting('warm'), 0, 'no waiting child beyond max_concurrent');
      await stopChild(started);
      lease.release();
      assert.ok(await eventually(() => supplier.warmWaiting('warm') === 1), 'the freed slot is refilled');
    } finally {
      await supplier.drain();
    }
  });

  test('leases of both eras count against one cap, and a drained supplier leases nothing and leaves no child', async () => {
    const config = configOf({
      mcpServers: { one: nodeFixtureServer([], { sessions: { max_concurrent: 1, warm_pool: 1 } }) },
    });
    const supplier = new ChildSupplier({ config, logger });
    const server = config.servers.get('one')!;
    assert.ok(await eventually(() => supplier.warmWaiting('one') === 1));
    const pooled = supplier.lease(server, 'bob', 'pooled');
    assert.throws(
      () => supplier.lease(server, 'alice', 'session'),
      (error: unknown) =>
        error instanceof CapacityError &&
        /limit of 1 concurrent sessions/.test(error.message) &&
        error.httpStatus === 503,
    );
    pooled.release();
    const session = supplier.lease(server, 'alice', 'session');
    assert.throws(() => supplier.lease(server, 'bob', 'pooled'), CapacityError);
    session.release();
    const started = await supplier.start(server, undefined, logger);
    await supplier.drain();
    assert.throws(
      () => supplier.lease(server, 'alice', 'session'),
      (error: unknown) => error instanceof CapacityError && /shutting down/.test(error.message),
    );
    assert.equal(supplier.warmWaiting('one'), 0, 'the warm pool is stopped');
    await stopChild(started);
    assert.equal(isAlive(started.child.pid!), false);
  });

  test("a child that cannot start is a ChildStartError naming why, and the caller's credentials are revoked", async () => {
    const config = configOf({ mcpServers: { missing: { command: 'mcp-no-such-command-here' } } });
    const closed: string[] = [];
    const credentials: ChildCredentialProvider = async (server) => ({
      env: { TOKEN_FOR: server.name },
      close: async () => {
        closed.push(server.name);
      },
    });
    const supplier = new ChildSupplier({ config, logger, credentials });
    const server = config.servers.get('missing')!;
    await assert.rejects(
      supplier.start(server, undefined, logger),
      (error: unknown) =>
        error instanceof ChildStartError &&
        error.kind === 'not_found' &&
        /mcp-no-such-command-here/.test(error.message),
    );
    assert.deepEqual(closed, ['missing']);
    await supplier.drain();
  });

  test('the era is probed once per server: a legacy child is initialized on the clients behalf', async () => {
    const config = configOf({ mcpServers: { legacy: nodeFixtureServer(['--protocol-version', '2025-11-25']) } });
    const supplier = new ChildSupplier({ config, logger, probeTimeoutMs: 500 });
    const server = config.servers.get('legacy')!;
    try {
      assert.equal(supplier.eraOf(server), undefined);
      const first = await supplier.startIdentified(server, undefined, { sampling: {} }, logger);
      assert.equal(first.identity.era, 'legacy');
      assert.equal(first.identity.protocolVersion, '2025-11-25');
      assert.equal(supplier.eraOf(server), 'legacy');
      const second = await supplier.startIdentified(server, undefined, {}, logger);
      assert.equal(second.identity.era, 'legacy');
      await Promise.all([stopChild(first), stopChild(second)]);
    } finally {
      await supplier.drain();
    }
  });
});
