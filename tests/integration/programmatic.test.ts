import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, defineConfig, serve } from '../../src/index.js';
import { connectClient, textOf } from '../helpers/clients.js';
import { nodeFixture } from '../helpers/adapter.js';

test('a config built in code is validated like a file and served', async () => {
  const config = defineConfig({
    mcpServers: { fixture: { command: process.execPath, args: [nodeFixture], env: { GREETING: '${env:GREETING}' } } },
  });
  const host = await serve({
    config,
    port: 0,
    env: { ...process.env, GREETING: 'hello from code' },
    logger: undefined,
  });
  try {
    const client = await connectClient('v2', new URL('/mcp', host.url));
    const whoami = JSON.parse(textOf(await client.callTool('whoami'))) as { env: Record<string, string> };
    assert.equal(whoami.env.GREETING, 'hello from code');
    await client.close();
  } finally {
    await host.close();
  }
});

test('a config object with mistakes gets the same errors as a file', async () => {
  await assert.rejects(
    serve({ config: { mcpServers: { fixture: { command: 'x', args: 'not-an-array' } } } as never, port: 0 }),
    (error: unknown) =>
      error instanceof ConfigError && /\/mcpServers\/fixture\/args: must be an array of strings/.test(error.message),
  );
});
