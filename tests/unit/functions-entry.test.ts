import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { nodeFixtureServer, repoRoot } from '../helpers/adapter.js';

/**
 * The Azure Functions entry's start-up check, run as the Functions worker loads it (the
 * `@azure/functions` package outside a host only skips registering): a setting App Service left
 * as a literal Key Vault reference stops start-up, unless the config reads it (then only its
 * servers are unavailable).
 */
const REFERENCE = '@Microsoft.KeyVault(SecretUri=https://kv.vault.azure.net/secrets/session-key/)';

function startEntry(env: NodeJS.ProcessEnv): Promise<{ code: number | null; stderr: string }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'mcp-functions-entry-'));
  writeFileSync(
    path.join(dir, 'mcp_config.json'),
    JSON.stringify({
      mcpServers: {
        plain: nodeFixtureServer(),
        needs: nodeFixtureServer([], { env: { API_TOKEN: '${secret:NEEDS_TOKEN}' } }),
      },
    }),
  );
  const child = spawn(
    process.execPath,
    // tsx from this repository: the child runs in a temporary folder.
    ['--import', import.meta.resolve('tsx'), path.join(repoRoot, 'src/functions/index.ts')],
    {
      cwd: dir,
      env: { PATH: process.env.PATH, ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stderr })));
}

test('a literal Key Vault reference in an app setting stops the Functions entry at start-up, naming it', async () => {
  const stopped = await startEntry({ MCP_ADAPTER_SESSION_KEY: REFERENCE, NEEDS_TOKEN: 'resolved' });
  assert.notEqual(stopped.code, 0);
  assert.match(stopped.stderr, /app setting MCP_ADAPTER_SESSION_KEY is still a Key Vault reference/);
  assert.ok(!stopped.stderr.includes('vault.azure.net'), 'never the reference itself');
  // One the config reads makes only its server unavailable: start-up goes on.
  const started = await startEntry({ MCP_ADAPTER_SESSION_KEY: 'a-resolved-key', NEEDS_TOKEN: REFERENCE });
  assert.equal(started.code, 0, started.stderr);
  assert.doesNotMatch(started.stderr, /app setting NEEDS_TOKEN is still a Key Vault reference/);
});
