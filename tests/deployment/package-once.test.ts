// The prepackage hook's "one package for both services" (src/deployment/hook-tools.ts): azd runs
// the hook once per service, concurrently since azd 1.25. A lock per project serialises the runs;
// the second finds the folder assembled from the same sources and config and leaves it alone; a
// package assembled again replaces the folder with a rename, never in place.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import {
  forgetPackage,
  PACKAGE_REUSE_MS,
  packageSources,
  packageStateDir,
  recordPackage,
  removeLeftovers,
  replaceFolder,
  reusablePackage,
  withPackageLock,
} from '../../src/deployment/hook-tools.js';

const roots: string[] = [];
after(() => {
  for (const root of roots) {
    rmSync(root, { recursive: true, force: true });
    rmSync(packageStateDir(root), { recursive: true, force: true });
  }
});

/** A project with sources, manifests, a config that references a file, and its assembled package. */
function project() {
  const root = mkdtempSync(path.join(tmpdir(), 'mcp-package-once-'));
  roots.push(root);
  mkdirSync(path.join(root, 'src'));
  writeFileSync(path.join(root, 'src/index.ts'), 'export {};\n');
  for (const name of ['package.json', 'package-lock.json', 'tsconfig.json', 'host.json'])
    writeFileSync(path.join(root, name), '{}');
  mkdirSync(path.join(root, 'servers/__pycache__'), { recursive: true });
  writeFileSync(path.join(root, 'servers/notes.mjs'), 'console.log(1);\n');
  writeFileSync(path.join(root, 'servers/__pycache__/x.pyc'), 'never packaged');
  writeFileSync(
    path.join(root, 'mcp_config.json'),
    JSON.stringify({ mcpServers: { notes: { command: 'node', args: ['servers/notes.mjs'] } } }),
  );
  const outDir = path.join(root, '.azd-package');
  mkdirSync(path.join(outDir, 'servers'), { recursive: true });
  writeFileSync(path.join(outDir, 'mcp_config.json'), readFileSync(path.join(root, 'mcp_config.json')));
  writeFileSync(path.join(outDir, 'servers/notes.mjs'), readFileSync(path.join(root, 'servers/notes.mjs')));
  return { root, outDir };
}

test('a package assembled from the same sources, config and referenced files is reused; any change means assembling again', () => {
  const { root, outDir } = project();
  const env = {};
  const sources = packageSources(root, env);
  assert.equal(reusablePackage(root, outDir, sources, env), undefined, 'nothing recorded yet');
  recordPackage(root, outDir, sources, ['mcp_config.json', 'servers']);
  const stamp = reusablePackage(root, outDir, sources, env);
  assert.ok(stamp, 'the same inputs: reused (__pycache__, which is never packaged, does not count)');
  assert.equal(stamp.outDir, outDir);

  assert.equal(reusablePackage(root, path.join(root, 'other'), sources, env), undefined, 'another folder');
  assert.equal(
    reusablePackage(root, outDir, sources, env, stamp.assembledAt + PACKAGE_REUSE_MS + 1),
    undefined,
    'too old: a later deployment assembles again',
  );
  writeFileSync(path.join(root, 'src/index.ts'), 'export const changed = 1;\n');
  assert.notEqual(packageSources(root, env), sources, 'a source change changes the sources hash');
  assert.equal(reusablePackage(root, outDir, packageSources(root, env), env), undefined);
  writeFileSync(path.join(root, 'src/index.ts'), 'export {};\n');
  assert.ok(reusablePackage(root, outDir, packageSources(root, env), env));

  writeFileSync(path.join(root, 'servers/notes.mjs'), 'console.log(2);\n');
  assert.equal(reusablePackage(root, outDir, sources, env), undefined, 'a referenced file changed');
  writeFileSync(path.join(root, 'servers/notes.mjs'), 'console.log(1);\n');
  assert.ok(reusablePackage(root, outDir, sources, env));
  assert.equal(
    reusablePackage(root, outDir, sources, { MCP_CONFIG_PATH: 'servers/notes.mjs' }),
    undefined,
    'another config',
  );
  forgetPackage(root);
  assert.equal(reusablePackage(root, outDir, sources, env), undefined, 'forgotten before an assembly');
});

test('the lock serialises runs in one project; a lock whose owner is gone is taken over', async () => {
  const { root } = project();
  const events: string[] = [];
  const logs: string[] = [];
  const run = (name: string, ms: number) =>
    withPackageLock(
      root,
      async () => {
        events.push(`${name} start`);
        await new Promise((resolve) => setTimeout(resolve, ms));
        events.push(`${name} end`);
        return name;
      },
      { pollMs: 10, log: (line) => logs.push(line) },
    );
  assert.deepEqual(await Promise.all([run('a', 80), run('b', 10)]), ['a', 'b']);
  assert.deepEqual(events, ['a start', 'a end', 'b start', 'b end']);
  assert.match(logs[0]!, /^waiting for the packaging already running in this project \(pid \d+\)$/);
  assert.equal(existsSync(path.join(packageStateDir(root), 'lock')), false, 'released');

  // A lock left by a process that is gone (its hook was killed with azd).
  const dead = spawn(process.execPath, ['-e', '']);
  await new Promise((resolve) => dead.on('exit', resolve));
  mkdirSync(path.join(packageStateDir(root), 'lock'), { recursive: true });
  writeFileSync(path.join(packageStateDir(root), 'lock', 'owner.json'), JSON.stringify({ pid: dead.pid, since: 0 }));
  assert.equal(await withPackageLock(root, () => 'taken over', { pollMs: 10 }), 'taken over');

  // A lock held by a live process: waited for, up to the timeout.
  mkdirSync(path.join(packageStateDir(root), 'lock'));
  writeFileSync(
    path.join(packageStateDir(root), 'lock', 'owner.json'),
    JSON.stringify({ pid: process.pid, since: Date.now() }),
  );
  await assert.rejects(
    withPackageLock(root, () => 'never', { pollMs: 10, timeoutMs: 50 }),
    /another packaging of this project \(pid \d+\) has held .* if nothing is packaging, remove that folder/,
  );
  rmSync(path.join(packageStateDir(root), 'lock'), { recursive: true });
});

test('a package assembled again takes the place of the old one by renames; leftovers of killed runs are removed', async () => {
  const { outDir } = project();
  const next = `${outDir}.next-${process.pid}`;
  mkdirSync(next);
  writeFileSync(path.join(next, 'host.json'), '{"new":true}');
  await replaceFolder(next, outDir);
  assert.equal(readFileSync(path.join(outDir, 'host.json'), 'utf8'), '{"new":true}');
  assert.equal(existsSync(next), false);
  assert.equal(existsSync(`${outDir}.old-${process.pid}`), false, 'the old folder is removed');

  const dead = spawn(process.execPath, ['-e', '']);
  await new Promise((resolve) => dead.on('exit', resolve));
  mkdirSync(`${outDir}.next-${dead.pid}`);
  mkdirSync(`${outDir}.old-${dead.pid}`);
  mkdirSync(`${outDir}.next-${process.pid}`);
  assert.deepEqual(removeLeftovers(outDir).sort(), [`.azd-package.next-${dead.pid}`, `.azd-package.old-${dead.pid}`]);
  assert.ok(existsSync(`${outDir}.next-${process.pid}`), "a live run's folder stays");
});
