import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';
import type * as HookTools from '../../src/deployment/hook-tools.js';
import { repoRoot } from '../helpers/adapter.js';

interface Bundler {
  renderBundle(): Promise<string>;
  BUNDLE_PATH: string;
}

const bundler = (await import(pathToFileURL(path.join(repoRoot, 'scripts/hooks/lib/bundle.mjs')).href)) as Bundler;
const builtins = new Set(builtinModules.flatMap((name) => [name, `node:${name}`]));

/** Module specifiers a file imports: static imports/exports, dynamic import() and require() of literals. */
function specifiers(text: string): string[] {
  const found = new Set<string>();
  for (const pattern of [
    /^\s*(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]/gm,
    /^\s*import\s*['"]([^'"]+)['"]/gm,
    /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g,
    /\b(?:__)?require\(\s*['"]([^'"]+)['"]\s*\)/g,
  ]) {
    for (const match of text.matchAll(pattern)) found.add(match[1]!);
  }
  return [...found];
}

test('the committed hook bundle is what src/deployment/hook-tools.ts bundles to (npm run hooks:bundle)', async () => {
  const committed = readFileSync(bundler.BUNDLE_PATH, 'utf8').replace(/\r\n/g, '\n');
  assert.ok(
    committed === (await bundler.renderBundle()),
    'scripts/hooks/lib/hook-tools.mjs is out of date: run npm run hooks:bundle',
  );
});

test('the bundle needs nothing but Node built-ins', () => {
  const text = readFileSync(bundler.BUNDLE_PATH, 'utf8');
  const outside = specifiers(text).filter((name) => !builtins.has(name));
  assert.deepEqual(outside, []);
});

test('preup, preprovision and predeploy import only Node built-ins and the bundle; postdeploy loads dist/ only when run', () => {
  const code = (hook: string) =>
    readFileSync(path.join(repoRoot, 'scripts/hooks', `${hook}.mjs`), 'utf8').replace(/^\s*\/\/.*$/gm, '');
  for (const hook of ['preup', 'preprovision', 'predeploy', 'postdeploy']) {
    const text = code(hook);
    const outside = specifiers(text).filter((name) => !builtins.has(name) && name !== './lib/hook-tools.mjs');
    assert.deepEqual(outside, [], hook);
    assert.doesNotMatch(text, /ensure-built|node_modules/, hook);
  }
  assert.doesNotMatch(code('predeploy'), /\bdist\b/);
  assert.doesNotMatch(code('preprovision'), /\bdist\b/);
  assert.doesNotMatch(code('preup'), /\bdist\b/);
});

test('the bundle works from a folder without node_modules/ or dist/', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'hook-bundle-'));
  copyFileSync(bundler.BUNDLE_PATH, path.join(dir, 'hook-tools.mjs'));
  const tools = (await import(pathToFileURL(path.join(dir, 'hook-tools.mjs')).href)) as typeof HookTools;
  const samples = path.join(repoRoot, 'tests/fixtures/configs/samples');
  const { plan } = tools.loadPlan(dir, { MCP_CONFIG_PATH: path.join(samples, 'none.json') });
  assert.deepEqual(plan, JSON.parse(readFileSync(path.join(samples, 'none.plan.json'), 'utf8')));
  assert.deepEqual(
    tools.infrastructureChanges(tools.decodeProvisionedPlan(tools.encodeProvisionedPlan(plan)), plan),
    [],
  );
  assert.throws(() => tools.loadPlan(dir, { MCP_CONFIG_PATH: path.join(samples, 'missing.json') }), tools.ConfigError);
});
