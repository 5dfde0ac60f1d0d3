import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { test } from 'node:test';
import { nodeFixtureServer, repoRoot, startAdapter } from '../helpers/adapter.js';

function smoke(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', path.join(repoRoot, 'src/cli/main.ts'), 'smoke', ...args],
      { cwd: repoRoot },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

test('the smoke script initializes, lists tools and calls one against the local host', async () => {
  const adapter = await startAdapter({ mcpServers: { fixture: nodeFixtureServer() } });
  try {
    const ok = await smoke([adapter.endpoint('fixture').href, '--tool', 'echo', '--args', '{"text":"smoke"}']);
    assert.equal(ok.code, 0, ok.stderr);
    const report = JSON.parse(ok.stdout);
    assert.equal(report.ok, true);
    assert.equal(report.server, 'node-fixture');
    assert.ok(report.tools.includes('echo'));
    assert.deepEqual(report.called, { tool: 'echo', isError: false, text: 'smoke' });
    const defaultTool = JSON.parse((await smoke([adapter.endpoint('fixture').href])).stdout);
    assert.equal(defaultTool.called.isError, false, 'picks a tool that needs no arguments');
    const failing = await smoke([new URL('/mcp/nope', adapter.url).href]);
    assert.equal(failing.code, 1);
    assert.match(JSON.parse(failing.stdout).error, /no MCP server named \\"nope\\"/);
    const usage = await smoke(['not a url']);
    assert.equal(usage.code, 2);
  } finally {
    await adapter.close();
  }
});

test('the smoke script says why it called no tool, and what a refused connection means', async () => {
  const adapter = await startAdapter({
    mcpServers: { fixture: nodeFixtureServer([], { tools: { allow: ['echo', 'add'] } }) },
  });
  try {
    const skipped = await smoke([adapter.endpoint('fixture').href]);
    assert.equal(skipped.code, 0, skipped.stderr);
    const report = JSON.parse(skipped.stdout);
    assert.equal(report.called, undefined);
    assert.match(report.skipped, /every tool needs arguments; name one to call with --tool <name> --args/);
  } finally {
    await adapter.close();
  }
  // The adapter is gone: its port refuses connections.
  const refused = await smoke([adapter.endpoint('fixture').href]);
  assert.equal(refused.code, 1);
  const error = JSON.parse(refused.stdout).error as string;
  assert.match(error, /nothing answers at http:\/\/127\.0\.0\.1:\d+ \(connection refused\): is the adapter running/);
});
