import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { eventually, repoRoot } from '../helpers/adapter.js';
import { connectClient } from '../helpers/clients.js';

/**
 * A new user's first hour, as the README walks it: a fresh clone, a second server (Python, the
 * standard library only) added to the bundled `mcp_config.json`, `npm start`, the page at `/`
 * listing both, and a client connecting to each at the URL the page gives. The clone is of the
 * committed project; its dependencies are the checkout's (linked, as `npm ci` would install the
 * same lock file), so the test needs no registry.
 */
test('fresh clone: add a Python server, npm start, / lists both, a client connects to each URL it shows', async () => {
  const clone = path.join(mkdtempSync(path.join(tmpdir(), 'mcp-new-user-')), 'project');
  execFileSync('git', ['clone', '--quiet', repoRoot, clone]);
  symlinkSync(path.join(repoRoot, 'node_modules'), path.join(clone, 'node_modules'), 'dir');
  const configPath = path.join(clone, 'mcp_config.json');
  const config = JSON.parse(readFileSync(configPath, 'utf8')) as { mcpServers: Record<string, unknown> };
  config.mcpServers.notes = {
    command: 'python3',
    args: [path.join(clone, 'tests/fixtures/servers/python_fixture.py')],
  };
  writeFileSync(configPath, JSON.stringify(config, null, 2));

  const npm = spawn('npm', ['start'], {
    cwd: clone,
    env: { ...process.env, PORT: '0', MCP_ADAPTER_ISOLATION: 'shared_user', LOG_FORMAT: 'json' },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  npm.stdout.on('data', (chunk) => (output += chunk));
  npm.stderr.on('data', (chunk) => (output += chunk));
  try {
    assert.ok(await eventually(() => /listening on http:\/\/\S+/.test(output), 120_000), output);
    const page = /Open (http:\/\/\S+?)\/ for how to connect a client/.exec(output);
    assert.ok(page, `the banner points at the page:\n${output}`);
    const home = (await (await fetch(`${page[1]}/`)).json()) as {
      endpoints: Array<{ name: string; url: string; default: boolean }>;
    };
    assert.deepEqual(home.endpoints.map((endpoint) => endpoint.name).sort(), ['notes', 'sequential-thinking']);
    const html = await (await fetch(`${page[1]}/`, { headers: { accept: 'text/html' } })).text();
    const tools: Record<string, string[]> = {};
    for (const endpoint of home.endpoints) {
      assert.ok(html.includes(endpoint.url), `the page shows ${endpoint.url}`);
      const client = await connectClient('v2', new URL(endpoint.url));
      try {
        tools[endpoint.name] = await client.listTools();
      } finally {
        await client.close();
      }
    }
    assert.ok(tools['sequential-thinking']!.includes('sequentialthinking'), JSON.stringify(tools));
    assert.ok(tools.notes!.includes('echo'), JSON.stringify(tools));
  } finally {
    const exited = new Promise((resolve) => npm.once('exit', resolve));
    process.kill(-npm.pid!, 'SIGTERM');
    await exited;
  }
});
