import assert from 'node:assert/strict';
import { test } from 'node:test';
import { nodeFixtureServer, openRawSession, startAdapter } from '../helpers/adapter.js';
import { post } from '../helpers/raw-http.js';

test('health reports live children; status counts sessions per server and never shows session ids', async () => {
  const adapter = await startAdapter({ mcpServers: { a: nodeFixtureServer(), b: nodeFixtureServer() } });
  try {
    const idle = await (await fetch(new URL('/health', adapter.url))).json();
    assert.deepEqual(idle, { status: 'ok', sessions: 0, childrenAlive: 0 });
    const ids = await Promise.all([
      openRawSession(adapter.endpoint('a')),
      openRawSession(adapter.endpoint('a')),
      openRawSession(adapter.endpoint('b')),
    ]);
    const health = await fetch(new URL('/health', adapter.url));
    assert.equal(health.status, 200);
    assert.deepEqual(await health.json(), { status: 'ok', sessions: 3, childrenAlive: 3 });
    const statusText = await (await fetch(new URL('/status', adapter.url))).text();
    const { isolation, ...counts } = JSON.parse(statusText);
    // npm test runs children as the adapter's user (tests/run-tests.mjs), and /status says so and why.
    assert.equal(isolation.mode, 'shared_user');
    assert.match(isolation.reason, /children run as the adapter's user/);
    assert.deepEqual(counts, {
      sessions: 3,
      servers: { a: { sessions: 2, childrenAlive: 2 }, b: { sessions: 1, childrenAlive: 1 } },
      modern: { children: 0, busy: 0, awaitingInput: 0, listeners: 0 },
    });
    for (const id of ids) assert.equal(statusText.includes(id), false);
    await post(
      adapter.endpoint('a'),
      { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'exit', arguments: { code: 1 } } },
      { 'mcp-session-id': ids[0]! },
    );
    const { isolation: _sameIsolation, ...after } = await (await fetch(new URL('/status', adapter.url))).json();
    assert.deepEqual(after, {
      sessions: 2,
      servers: { a: { sessions: 1, childrenAlive: 1 }, b: { sessions: 1, childrenAlive: 1 } },
      modern: { children: 0, busy: 0, awaitingInput: 0, listeners: 0 },
    });
    const notFound = await fetch(new URL('/nope', adapter.url));
    assert.equal(notFound.status, 404);
    assert.deepEqual(await notFound.json(), { error: { code: 'not_found', message: 'No route for /nope' } });
  } finally {
    await adapter.close();
  }
});
