import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import type { PackageManifest } from '../../src/config/packaged-servers.js';
import { eventually, repoRoot } from '../helpers/adapter.js';
import { connectClient } from '../helpers/clients.js';

/**
 * `npm start` with an npx server (issue: npx servers start fast and offline after the first
 * time): the first start installs the package once into `.mcp-packages/` beside the config, and
 * sessions run its bin with `node`, never npx; a later start with no registry reachable installs
 * nothing and still serves. server-everything is pinned to the version the project has, so npm
 * finds it in its cache and the test needs no network either.
 */
const EVERYTHING = JSON.parse(
  readFileSync(path.join(repoRoot, 'node_modules/@modelcontextprotocol/server-everything/package.json'), 'utf8'),
) as { version: string };

async function start(configPath: string, extraEnv: Record<string, string> = {}) {
  const main = spawn(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'src/cli/main.ts'), 'serve'], {
    cwd: repoRoot,
    env: {
      ...process.env,
      MCP_CONFIG_PATH: configPath,
      PORT: '0',
      HOST: '127.0.0.1',
      MCP_ADAPTER_ISOLATION: 'shared_user',
      ...extraEnv,
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  main.stderr.on('data', (chunk) => (stderr += chunk));
  const listening = await eventually(() => /listening on (http:\/\/\S+?)\/mcp/.test(stderr), 120_000);
  assert.ok(listening, stderr);
  const base = /listening on (http:\/\/\S+?)\/mcp/.exec(stderr)![1]!;
  return {
    endpoint: new URL('/mcp', base),
    stderr: () => stderr,
    async stop() {
      const exited = new Promise((resolve) => main.once('exit', resolve));
      main.kill('SIGTERM');
      await exited;
    },
  };
}

/** The command line of the session's child, from the adapter's log (pid) and /proc. */
function childCommandLine(stderr: string): string {
  const started = stderr
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as { message: string; pid?: number })
    .find((record) => record.message === 'session started' && record.pid);
  assert.ok(started, 'a session started');
  return readFileSync(`/proc/${started.pid}/cmdline`, 'utf8').split('\0').join(' ');
}

describe('npx servers with npm start: installed once, run directly, offline afterwards', () => {
  test('the first start installs; sessions run node with the installed script; a restart with no registry installs nothing', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'mcp-install-once-'));
    const configPath = path.join(dir, 'mcp_config.json');
    const spec = `@modelcontextprotocol/server-everything@${EVERYTHING.version}`;
    writeFileSync(
      configPath,
      JSON.stringify({ mcpServers: { everything: { command: 'npx', args: ['-y', spec, 'stdio'] } } }),
    );

    const first = await start(configPath);
    try {
      assert.match(first.stderr(), new RegExp(`install: everything: ${spec.replace(/[.@/]/g, '\\$&')} → node`));
      const manifest = JSON.parse(
        readFileSync(path.join(dir, '.mcp-packages/manifest.json'), 'utf8'),
      ) as PackageManifest;
      assert.deepEqual(manifest.servers.everything?.package, spec);
      const client = await connectClient('v2', first.endpoint);
      try {
        assert.ok((await client.listTools()).includes('echo'));
      } finally {
        await client.close();
      }
      const commandLine = childCommandLine(first.stderr());
      assert.match(commandLine, /\.mcp-packages\/npm\/node_modules\/@modelcontextprotocol\/server-everything\//);
      assert.doesNotMatch(commandLine, /\/npx\b|npx-cli|npm-cli/, 'no npx between the adapter and the server');
    } finally {
      await first.stop();
    }

    // No registry: anything that asked npm would fail. Nothing asks.
    const second = await start(configPath, { npm_config_registry: 'http://127.0.0.1:9/', npm_config_offline: 'true' });
    try {
      assert.doesNotMatch(second.stderr(), /install:|could not install/);
      const client = await connectClient('v2', second.endpoint);
      try {
        assert.ok((await client.listTools()).length > 0);
      } finally {
        await client.close();
      }
    } finally {
      await second.stop();
    }
  });

  test('install_npx_servers: false leaves npx as configured', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'mcp-install-off-'));
    const configPath = path.join(dir, 'mcp_config.json');
    writeFileSync(
      configPath,
      JSON.stringify({
        adapter: { install_npx_servers: false },
        mcpServers: {
          everything: { command: 'npx', args: ['-y', '@modelcontextprotocol/server-everything', 'stdio'] },
        },
      }),
    );
    const running = await start(configPath);
    try {
      assert.doesNotMatch(running.stderr(), /install:/);
      assert.equal(existsSync(path.join(dir, '.mcp-packages')), false, 'no .mcp-packages/ was made');
    } finally {
      await running.stop();
    }
  });
});
