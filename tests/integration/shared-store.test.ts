import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { TableSessionStore } from '../../src/azure/table-session-store.js';
import { startAzurite, type Azurite } from '../helpers/azurite.js';
import { eventually, nodeFixtureServer, openRawSession, startAdapter } from '../helpers/adapter.js';
import { callToolRaw, post, toolCall } from '../helpers/raw-http.js';

/**
 * Two adapter instances sharing one deployment key and one store (Azurite's Table service on
 * loopback, as the deployment's storage account would be): a session made on one is served by
 * both, and DELETE on either ends it on both.
 */
let azurite: Azurite;

before(async () => {
  azurite = await startAzurite();
});

after(async () => {
  await azurite?.stop();
});

const SESSION_NOT_FOUND = {
  jsonrpc: '2.0',
  id: null,
  error: { code: -32000, message: 'Session not found: it ended or never existed; start a new session with initialize' },
};

test('DELETE on one instance makes the session 404 on both, whether the other holds it or not', async () => {
  const hostEnv = {
    ...process.env,
    MCP_ADAPTER_SESSION_KEY: 'deployment-key',
    MCP_ADAPTER_STORE_CONNECTION_STRING: azurite.connectionString,
  };
  const store = () => TableSessionStore.fromEnvironment(hostEnv)!;
  const config = { mcpServers: { fixture: nodeFixtureServer() } };
  const [a, b] = await Promise.all([
    startAdapter(config, { hostEnv, store: store(), storePollMs: 200 }),
    startAdapter(config, { hostEnv, store: store(), storePollMs: 200 }),
  ]);
  try {
    // Held by both (B brought it back), then deleted on A: B ends its copy within a poll.
    const shared = await openRawSession(a.endpoint('fixture'));
    assert.equal(await callToolRaw(b.endpoint('fixture'), shared, 'echo', { text: 'on b' }), 'on b');
    assert.equal(
      (await fetch(a.endpoint('fixture'), { method: 'DELETE', headers: { 'mcp-session-id': shared } })).status,
      200,
    );
    // B learns of it from the store within a poll: its own copy ends, child and all.
    assert.equal(await eventually(() => b.sessions.size === 0, 5000), true, "B's child for the ended session is gone");
    const onB = await post(b.endpoint('fixture'), toolCall(1, 'echo', { text: 'x' }), { 'mcp-session-id': shared });
    assert.equal(onB.status, 404);
    assert.deepEqual(await onB.json(), SESSION_NOT_FOUND);
    assert.equal(b.sessions.size, 0, 'and B did not bring it back');

    // Held by A only, deleted on A: B never brings it back.
    const onlyA = await openRawSession(a.endpoint('fixture'));
    assert.equal(
      (await fetch(a.endpoint('fixture'), { method: 'DELETE', headers: { 'mcp-session-id': onlyA } })).status,
      200,
    );
    const neverOnB = await post(b.endpoint('fixture'), toolCall(2, 'echo', { text: 'x' }), { 'mcp-session-id': onlyA });
    assert.equal(neverOnB.status, 404);
    assert.deepEqual(await neverOnB.json(), SESSION_NOT_FOUND);
    assert.equal(b.sessions.size, 0, 'B started no child for a session the store says ended');
  } finally {
    await Promise.all([a.close(), b.close()]);
  }
});
