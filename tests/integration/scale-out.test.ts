import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
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
  const hostEnv = {
    ...process.env,
    MCP_ADAPTER_SESSION_KEY: 'scale-out-key',
    MCP_ADAPTER_STORE_CONNECTION_STRING: azurite.connectionString,
  };
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

test('a call whose stream is cut resumes on the other instance, and a sampling answer reaching the other instance gets to the child', {
  timeout: 120_000,
}, async () => {
  const isCall = (body: string) => body.includes('"tools/call"') || body.includes('"initialize"');
  const proxy = await startRoutingProxy([a.url, b.url], (request) =>
    request.method === 'POST' && isCall(request.body) ? 0 : 1,
  );
  try {
    const client = await connectClient('v2', new URL('/mcp/fixture', proxy.url), { samplingText: 'answered via B' });
    const seen: number[] = [];
    const result = await client.callTool('progress', { steps: 15, delayMs: 150 }, (progress) =>
      seen.push(progress.progress),
    );
    assert.equal(textOf(result), 'done 15');
    assert.deepEqual(
      seen,
      Array.from({ length: 15 }, (_, i) => i + 1),
      'every progress notification once, in order, though the stream was cut and resumed on B',
    );
    assert.equal(a.sessions.size, 1, 'the child runs on A');
    assert.equal(textOf(await client.callTool('sample', { prompt: 'hi' })), 'sampled: answered via B');
    assert.ok(proxy.served.includes(1), 'B served requests');
    await client.close();
  } finally {
    await proxy.close();
  }
});

test('a 2026-07-28 retry reaching the other instance is relayed to the instance holding the call, through two input rounds', {
  timeout: 120_000,
}, async () => {
  // First attempts to A; every retry (it carries requestState) to B, which holds no child.
  const proxy = await startRoutingProxy([a.url, b.url], (request) => (request.body.includes('"requestState"') ? 1 : 0));
  try {
    const client = new Client({ name: 'modern', version: '1.0.0' }, {
      capabilities: { sampling: {}, elicitation: {} },
      versionNegotiation: { mode: { pin: '2026-07-28' } },
    } as ConstructorParameters<typeof Client>[1]);
    client.setRequestHandler(
      'elicitation/create',
      async () => ({ action: 'accept', content: { topic: 'relays' } }) as never,
    );
    client.setRequestHandler(
      'sampling/createMessage',
      async () => ({ role: 'assistant', model: 'm', content: { type: 'text', text: 'via the store' } }) as never,
    );
    await client.connect(new StreamableHTTPClientTransport(new URL('/mcp/fixture', proxy.url)));
    const result = (await client.callTool({ name: 'elicit_then_sample', arguments: {} })) as {
      content: Array<{ text: string }>;
    };
    assert.match(result.content[0]!.text, /^topic relays; sampled: via the store; pid \d+$/);
    assert.equal(proxy.served.filter((index) => index === 1).length, 2, 'both retries reached B');
    assert.equal(b.modern.stats().children, 0, 'B started no child: the call stayed on A');
    assert.equal(a.modern.stats().awaitingInput, 0);
    await client.close();
  } finally {
    await proxy.close();
  }
});
