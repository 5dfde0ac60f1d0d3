import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { TableSessionStore } from '../../src/azure/table-session-store.js';
import { startAzurite, type Azurite } from '../helpers/azurite.js';
import { connectClient, textOf } from '../helpers/clients.js';
import { nodeFixtureServer, startAdapter, type TestAdapter } from '../helpers/adapter.js';
import { startRoutingProxy } from '../helpers/routing-proxy.js';

/**
 * Two adapter instances sharing one deployment key and one store (Azurite), behind a proxy with
 * no affinity that sends each kind of request to the instance that makes it hardest: calls to A,
 * everything else (resumption, the client's answers) to B.
 */
let azurite: Azurite;
let a: TestAdapter;
let b: TestAdapter;

before(async () => {
  azurite = await startAzurite();
  const hostEnv = { ...process.env, MCP_ADAPTER_SESSION_KEY: 'scale-out-key', MCP_ADAPTER_STORE_CONNECTION_STRING: azurite.connectionString };
  const config = { mcpServers: { fixture: nodeFixtureServer() }, adapter: { stream_limit_seconds: 1 } };
  [a, b] = await Promise.all([
    startAdapter(config, { hostEnv, store: TableSessionStore.fromEnvironment(hostEnv), storePollMs: 200 }),
    startAdapter(config, { hostEnv, store: TableSessionStore.fromEnvironment(hostEnv), storePollMs: 200 }),
  ]);
});

after(async () => {
  await Promise.all([a?.close(), b?.close()]);
  await azurite?.stop();
});

test('a call whose stream is cut resumes on the other instance, and a sampling answer reaching the other instance gets to the child', { timeout: 120_000 }, async () => {
  const isCall = (body: string) => body.includes('"tools/call"') || body.includes('"initialize"');
  const proxy = await startRoutingProxy([a.url, b.url], (request) => (request.method === 'POST' && isCall(request.body) ? 0 : 1));
  try {
    const client = await connectClient('v2', new URL('/mcp/fixture', proxy.url), { samplingText: 'answered via B' });
    const seen: number[] = [];
    const result = await client.callTool('progress', { steps: 15, delayMs: 150 }, (progress) => seen.push(progress.progress));
    assert.equal(textOf(result), 'done 15');
    assert.deepEqual(seen, Array.from({ length: 15 }, (_, i) => i + 1), 'every progress notification once, in order, though the stream was cut and resumed on B');
    assert.equal(a.sessions.size, 1, 'the child runs on A');
    assert.equal(textOf(await client.callTool('sample', { prompt: 'hi' })), 'sampled: answered via B');
    assert.ok(proxy.served.includes(1), 'B served requests');
    await client.close();
  } finally {
    await proxy.close();
  }
});
