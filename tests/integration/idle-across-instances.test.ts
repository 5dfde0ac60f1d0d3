import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { TableSessionStore } from '../../src/azure/table-session-store.js';
import { nodeFixtureServer, openRawSession, startAdapter } from '../helpers/adapter.js';
import { startAzurite, type Azurite } from '../helpers/azurite.js';
import { callToolRaw, post, toolCall } from '../helpers/raw-http.js';

/**
 * Idle expiry holds across instances: each instance records a session's use in the shared store
 * (Azurite's Table service here, the deployment's storage account on Azure) at most four times per
 * idle period, and an instance asked to bring a session back ends it instead when that record is
 * older than the idle timeout (plus the quarter the records may lag).
 */
let azurite: Azurite;
before(async () => {
  azurite = await startAzurite();
});
after(async () => {
  await azurite?.stop();
});

const IDLE_SECONDS = 1;
const config = { mcpServers: { fixture: nodeFixtureServer([], { sessions: { idle_timeout_seconds: IDLE_SECONDS } }) } };

test('a session idle past its timeout on the instance that served it is not brought back on another', async () => {
  const hostEnv = {
    ...process.env,
    MCP_ADAPTER_SESSION_KEY: 'idle-across-instances',
    MCP_ADAPTER_STORE_CONNECTION_STRING: azurite.connectionString,
  };
  const store = TableSessionStore.fromEnvironment(hostEnv)!;
  const [a, b] = await Promise.all([
    startAdapter(config, { hostEnv, store: TableSessionStore.fromEnvironment(hostEnv)! }),
    startAdapter(config, { hostEnv, store: TableSessionStore.fromEnvironment(hostEnv)! }),
  ]);
  try {
    const idle = await openRawSession(a.endpoint('fixture'));
    const used = await openRawSession(a.endpoint('fixture'));
    assert.equal(await callToolRaw(a.endpoint('fixture'), idle, 'echo', { text: 'once' }), 'once');
    const recorded = await store.lastActivity(idle);
    assert.ok(recorded !== undefined && Date.now() - recorded < 5000, 'the use is recorded in the store');
    // A goes away without ending its sessions (a scale-in): nothing on A records their end.
    await a.close();
    // The positive control: a session used within its timeout comes back on B at once.
    assert.equal(await callToolRaw(b.endpoint('fixture'), used, 'echo', { text: 'moved' }), 'moved');
    // Past the timeout (and the quarter of it the records may lag) with no use of `idle`.
    await new Promise((resolve) => setTimeout(resolve, IDLE_SECONDS * 1250 + 300));
    const broughtBack = () => b.logs.filter((log) => log.message === 'session brought back').length;
    const before = broughtBack();
    const response = await post(b.endpoint('fixture'), toolCall(1, 'echo', { text: 'late' }), {
      'mcp-session-id': idle,
      'mcp-protocol-version': '2025-11-25',
    });
    assert.equal(response.status, 404, await response.text());
    assert.equal(broughtBack(), before, 'no child is started for it');
    assert.equal(await store.isEnded(idle), true, 'and its end is recorded for every instance');
  } finally {
    await Promise.all([a.close(), b.close()]);
  }
});
