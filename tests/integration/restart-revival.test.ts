import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { TableSessionStore } from '../../src/azure/table-session-store.js';
import { nodeFixtureServer, openRawSession, startAdapter } from '../helpers/adapter.js';
import { startAzurite, type Azurite } from '../helpers/azurite.js';
import { callToolRaw, post, toolCall } from '../helpers/raw-http.js';

/**
 * Ended stays ended across a restart of the adapter with the same deployment key. Without a
 * shared store no process can know whether an id issued before it started ended (DELETE, idle
 * expiry) in the one that is gone, so none comes back: 404, the client starts a new session.
 * With the store, ends are recorded there: an ended id stays 404, a live one comes back.
 */
let azurite: Azurite;
before(async () => {
  azurite = await startAzurite();
});
after(async () => {
  await azurite?.stop();
});

const config = { mcpServers: { fixture: nodeFixtureServer() } };

async function status(endpoint: URL, session: string): Promise<number> {
  const response = await post(endpoint, toolCall(1, 'echo', { text: 'again' }), {
    'mcp-session-id': session,
    'mcp-protocol-version': '2025-11-25',
  });
  await response.text();
  return response.status;
}

async function deleteSession(endpoint: URL, session: string): Promise<void> {
  const response = await fetch(endpoint, {
    method: 'DELETE',
    headers: { 'mcp-session-id': session, 'mcp-protocol-version': '2025-11-25' },
  });
  assert.equal(response.status, 200);
}

test('without a store: after a restart no earlier id comes back, a DELETEd one included; new sessions work', async () => {
  const hostEnv = { ...process.env, MCP_ADAPTER_SESSION_KEY: 'restart-key-local' };
  const first = await startAdapter(config, { hostEnv });
  const deleted = await openRawSession(first.endpoint('fixture'));
  const live = await openRawSession(first.endpoint('fixture'));
  await deleteSession(first.endpoint('fixture'), deleted);
  assert.equal(await status(first.endpoint('fixture'), deleted), 404, 'ended in the process that ended it');
  await first.close();

  const second = await startAdapter(config, { hostEnv });
  try {
    assert.equal(await status(second.endpoint('fixture'), deleted), 404, 'a DELETEd id is not revived');
    assert.equal(await status(second.endpoint('fixture'), live), 404, 'nor one whose end this process cannot know');
    assert.equal(second.sessions.size, 0, 'and no child is started for either');
    const fresh = await openRawSession(second.endpoint('fixture'));
    assert.equal(await callToolRaw(second.endpoint('fixture'), fresh, 'echo', { text: 'new' }), 'new');
  } finally {
    await second.close();
  }
});

test('with the shared store: after a restart a DELETEd id stays ended, a live one comes back', async () => {
  const hostEnv = {
    ...process.env,
    MCP_ADAPTER_SESSION_KEY: 'restart-key-store',
    MCP_ADAPTER_STORE_CONNECTION_STRING: azurite.connectionString,
  };
  const store = () => TableSessionStore.fromEnvironment(hostEnv)!;
  const first = await startAdapter(config, { hostEnv, store: store() });
  const deleted = await openRawSession(first.endpoint('fixture'));
  const live = await openRawSession(first.endpoint('fixture'));
  await deleteSession(first.endpoint('fixture'), deleted);
  await first.close();

  const second = await startAdapter(config, { hostEnv, store: store() });
  try {
    assert.equal(await status(second.endpoint('fixture'), deleted), 404, 'the store remembers the DELETE');
    assert.equal(await callToolRaw(second.endpoint('fixture'), live, 'echo', { text: 'back' }), 'back');
  } finally {
    await second.close();
  }
});
