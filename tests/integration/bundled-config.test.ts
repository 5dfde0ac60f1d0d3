import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { loadConfigFile } from '../../src/config/load-config.js';
import { startNodeHost } from '../../src/adapter/node/node-host.js';
import { createLogger } from '../../src/observability/logger.js';
import { connectClient, textOf } from '../helpers/clients.js';
import { repoRoot } from '../helpers/adapter.js';

test('the bundled mcp_config.json serves a safe server on /mcp, with no network needed', async () => {
  const { config } = loadConfigFile(path.join(repoRoot, 'mcp_config.json'), { resolveFrom: process.env });
  const host = await startNodeHost({ config, logger: createLogger({ level: 'silent' }), port: 0, host: '127.0.0.1' });
  try {
    const client = await connectClient('v2', new URL('/mcp', host.url));
    const tools = await client.listTools();
    // Forks deploy this unchanged: nothing that reads files, fetches URLs or reveals the environment.
    assert.deepEqual(tools, ['sequentialthinking']);
    const result = await client.callTool('sequentialthinking', {
      thought: 'Plan the test',
      thoughtNumber: 1,
      totalThoughts: 1,
      nextThoughtNeeded: false,
    });
    assert.equal(JSON.parse(textOf(result)).thoughtNumber, 1);
    await client.close();
  } finally {
    await host.close();
  }
});
