import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { assembleAppPackage } from '../../src/deployment/app-package.js';
import type { ToolRunner } from '../../src/deployment/packaging.js';

/** A small project with a built app; `npm ci` is played by `run`, which writes a dependency. */
function project(): string {
  const root = mkdtempSync(path.join(tmpdir(), 'mcp-package-cache-'));
  writeFileSync(
    path.join(root, 'package.json'),
    JSON.stringify({
      name: 'p',
      version: '1.0.0',
      type: 'module',
      main: 'dist/functions/index.js',
      dependencies: { dep: '1.0.0' },
    }),
  );
  writeFileSync(
    path.join(root, 'package-lock.json'),
    JSON.stringify({ lockfileVersion: 3, packages: { 'node_modules/dep': { version: '1.0.0' } } }),
  );
  writeFileSync(path.join(root, 'host.json'), '{"version": "2.0"}');
  mkdirSync(path.join(root, 'src/functions'), { recursive: true });
  writeFileSync(path.join(root, 'src/functions/index.ts'), 'export {};');
  mkdirSync(path.join(root, 'dist/functions'), { recursive: true });
  writeFileSync(path.join(root, 'dist/functions/index.js'), 'export {};');
  writeFileSync(
    path.join(root, 'mcp_config.json'),
    JSON.stringify({ mcpServers: { s: { command: 'node', args: ['--version'] } } }),
  );
  mkdirSync(path.join(root, 'node_modules'));
  return root;
}

function tree(dir: string, prefix = ''): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const relative = `${prefix}${entry.name}`;
    return entry.isDirectory()
      ? tree(path.join(dir, entry.name), `${relative}/`)
      : [`${relative} ${readFileSync(path.join(dir, entry.name), 'utf8').length}`];
  });
}

test('a redeploy with the same lock file copies the pruned production dependencies instead of installing them again', () => {
  const root = project();
  const installs: string[] = [];
  const run: ToolRunner = (command, args, options) => {
    installs.push(`${command} ${args[0]}`);
    mkdirSync(path.join(options.cwd, 'node_modules/dep'), { recursive: true });
    writeFileSync(path.join(options.cwd, 'node_modules/dep/index.js'), `module.exports = ${installs.length};`);
    writeFileSync(path.join(options.cwd, 'node_modules/dep/index.js.map'), '{}');
    return '';
  };
  const lines: string[] = [];
  const first = assembleAppPackage({
    appRoot: root,
    outDir: path.join(root, 'out1'),
    run,
    env: {},
    log: (line) => lines.push(line),
  });
  const second = assembleAppPackage({
    appRoot: root,
    outDir: path.join(root, 'out2'),
    run,
    env: {},
    log: (line) => lines.push(line),
  });
  assert.deepEqual(installs, ['npm ci'], 'installed once');
  assert.deepEqual(tree(path.join(root, 'out2')), tree(path.join(root, 'out1')), 'the same package either way');
  assert.deepEqual(second.pruned, first.pruned);
  assert.equal(first.pruned.files, 1, 'the source map was pruned');
  assert.ok(lines.some((line) => /copied from the cache of this lock file/.test(line)));

  // Another lock file, or the cache turned off: installed again.
  writeFileSync(
    path.join(root, 'package-lock.json'),
    JSON.stringify({ lockfileVersion: 3, packages: { 'node_modules/dep': { version: '1.0.1' } } }),
  );
  assembleAppPackage({ appRoot: root, outDir: path.join(root, 'out3'), run, env: {} });
  assembleAppPackage({ appRoot: root, outDir: path.join(root, 'out4'), run, env: { MCP_PACKAGE_CACHE: 'off' } });
  assert.deepEqual(installs, ['npm ci', 'npm ci', 'npm ci']);
  assert.match(readFileSync(path.join(root, 'out3/node_modules/dep/index.js'), 'utf8'), /= 2;/);
});
