import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { startNodeHost } from '../../src/adapter/node/node-host.js';
import type { ConfigDocument } from '../../src/config/document.js';
import { loadConfigFile } from '../../src/config/load-config.js';
import type { PackageManifest } from '../../src/config/packaged-servers.js';
import { buildPackages, packagingPlan, runTool } from '../../src/deployment/packaging.js';
import { createLogger, type LogFields } from '../../src/observability/logger.js';
import { connectClient, textOf } from '../helpers/clients.js';
import { pythonFixture } from '../helpers/adapter.js';

function appWith(document: ConfigDocument): { root: string; file: string } {
  const root = mkdtempSync(path.join(tmpdir(), 'mcp-package-'));
  const file = path.join(root, 'mcp_config.json');
  writeFileSync(file, JSON.stringify(document));
  return { root, file };
}

async function serveAndList(file: string, root: string, env: NodeJS.ProcessEnv = process.env) {
  const notes: string[] = [];
  const logs: LogFields[] = [];
  const { config } = loadConfigFile(file, {
    resolveFrom: env,
    packagesRoot: root,
    onWarning: (message) => notes.push(message),
  });
  const host = await startNodeHost({
    config,
    logger: createLogger({ level: 'debug', sink: (record) => logs.push(record) }),
    port: 0,
    host: '127.0.0.1',
    hostEnv: env,
  });
  return { host, notes, logs, config };
}

describe('packaging servers for a deployment without network installs', () => {
  test('which servers are packaged, and how their command lines are read', () => {
    const { items, notes } = packagingPlan({
      mcpServers: {
        a: { command: 'npx', args: ['-y', '@scope/server@1.2.3', '--flag', 'x'] },
        b: { command: 'uvx', args: ['mcp-server-time', '--local-timezone', 'UTC'] },
        c: { command: 'uvx', args: ['--from', 'mysql-mcp-server==0.2.1', 'mysql_mcp_server'] },
        d: { command: 'npx.cmd', args: ['--package', 'x', 'y'] },
        e: { command: 'node', args: ['server.js'] },
      },
    });
    assert.deepEqual(
      items.map((i) => [i.server, i.kind, i.spec, i.executable, i.rest.join(' ')]),
      [
        ['a', 'npm', '@scope/server@1.2.3', '', '--flag x'],
        ['b', 'python', 'mcp-server-time', 'mcp-server-time', '--local-timezone UTC'],
        ['c', 'python', 'mysql-mcp-server==0.2.1', 'mysql_mcp_server', ''],
      ],
    );
    assert.deepEqual(notes, [
      'd: "npx.cmd --package x y" uses npx options this packaging does not understand; it will run npx at cold start',
    ]);
  });

  test('an npx server is installed pinned and runs as `node <its bin>`: one process, no npx', {
    timeout: 180_000,
  }, async () => {
    const { root, file } = appWith({
      mcpServers: {
        everything: { command: 'npx', args: ['-y', '@modelcontextprotocol/server-everything@2026.8.31', 'stdio'] },
      },
    });
    const lines: string[] = [];
    const manifest = buildPackages(JSON.parse(readFileSync(file, 'utf8')), root, runTool, (line) => lines.push(line));
    assert.deepEqual(manifest.servers.everything, {
      original: 'npx -y @modelcontextprotocol/server-everything@2026.8.31 stdio',
      command: 'node',
      args: ['.mcp-packages/npm/node_modules/@modelcontextprotocol/server-everything/dist/index.js', 'stdio'],
      package: '@modelcontextprotocol/server-everything@2026.8.31',
      kind: 'npm',
    });
    assert.deepEqual(JSON.parse(readFileSync(path.join(root, '.mcp-packages/manifest.json'), 'utf8')), manifest);
    const { host, logs, config } = await serveAndList(file, root);
    try {
      assert.equal(config.servers.get('everything')!.command, 'node');
      const client = await connectClient('v2', new URL('/mcp', host.url));
      assert.ok((await client.listTools()).includes('echo'));
      assert.equal(textOf(await client.callTool('echo', { message: 'packaged' })), 'Echo: packaged');
      await client.close();
      assert.ok(logs.some((log) => log.message === 'child started' && log.command === 'node'));
    } finally {
      await host.close();
    }
  });

  test('a uvx server becomes a Linux x64 environment built with uv (a stand-in uv here) and runs from it', async () => {
    const { root, file } = appWith({
      mcpServers: { py: { command: 'uvx', args: ['--from', 'python-fixture==1.0', 'python-fixture'] } },
    });
    const bin = mkdtempSync(path.join(tmpdir(), 'fake-uv-'));
    const calls = path.join(bin, 'calls.log');
    // The stand-in does what uv would: `venv` makes the environment, `pip install` puts the
    // package's executable in its bin/ (here, one that starts the Python fixture server).
    writeFileSync(
      path.join(bin, 'uv'),
      `#!/bin/sh\necho "$@ UV_PYTHON_INSTALL_DIR=$UV_PYTHON_INSTALL_DIR" >> ${calls}\n` +
        `if [ "$1" = venv ]; then for last; do :; done; mkdir -p "$last/bin"; fi\n` +
        `if [ "$1" = pip ]; then venv=$(dirname $(dirname "$4")); printf '#!/bin/sh\\nexec python3 ${pythonFixture} "$@"\\n' > "$venv/bin/python-fixture"; chmod +x "$venv/bin/python-fixture"; fi\n`,
    );
    chmodSync(path.join(bin, 'uv'), 0o755);
    const env = { ...process.env, PATH: `${bin}${path.delimiter}${process.env.PATH}` };
    const run: typeof runTool = (command, args, options) =>
      runTool(command, args, { ...options, env: { ...env, ...options.env, PATH: env.PATH } });
    if (process.platform !== 'linux' || process.arch !== 'x64') {
      assert.throws(() => buildPackages(JSON.parse(readFileSync(file, 'utf8')), root, run), /packaged for Linux x64/);
      return;
    }
    const manifest: PackageManifest = buildPackages(JSON.parse(readFileSync(file, 'utf8')), root, run);
    assert.deepEqual(manifest.servers.py, {
      original: 'uvx --from python-fixture==1.0 python-fixture',
      command: '.mcp-packages/python/py/bin/python-fixture',
      args: [],
      package: 'python-fixture==1.0',
      kind: 'python',
    });
    const uvCalls = readFileSync(calls, 'utf8').trim().split('\n');
    assert.equal(uvCalls.length, 2);
    assert.match(
      uvCalls[0]!,
      /^venv --relocatable --python 3\.12 --clear .*\/\.mcp-packages\/python\/py UV_PYTHON_INSTALL_DIR=.*\/\.mcp-packages\/python\/interpreters$/,
    );
    assert.match(
      uvCalls[1]!,
      /^pip install --python .*\/py\/bin\/python --python-platform x86_64-manylinux_2_28 python-fixture==1\.0 /,
    );
    const { host } = await serveAndList(file, root);
    try {
      const client = await connectClient('v2', new URL('/mcp', host.url));
      assert.equal(
        textOf(await client.callTool('echo', { text: 'from the packaged environment' })),
        'from the packaged environment',
      );
      await client.close();
    } finally {
      await host.close();
    }
  });

  test('a config edited after packaging runs as configured, with a warning', async () => {
    const { root, file } = appWith({ mcpServers: { py: { command: 'python3', args: [pythonFixture] } } });
    mkdirSync(path.join(root, '.mcp-packages'));
    writeFileSync(
      path.join(root, '.mcp-packages/manifest.json'),
      JSON.stringify({
        manifestVersion: 1,
        servers: {
          py: {
            original: 'uvx old-server',
            command: '.mcp-packages/python/py/bin/old-server',
            args: [],
            package: 'old-server',
            kind: 'python',
          },
        },
      }),
    );
    const { host, notes, config } = await serveAndList(file, root);
    await host.close();
    assert.equal(config.servers.get('py')!.command, 'python3');
    assert.deepEqual(notes, [
      `py: the config changed since packaging ("uvx old-server" → "python3 ${pythonFixture}"); running the command as configured`,
    ]);
  });
});
