#!/usr/bin/env node
// The one test command (`npm test`): checks the prerequisites the README names, then runs every
// test file with Node's test runner (TypeScript through tsx).
// `--isolation` (`npm run test:isolation`) runs tests/isolation/ instead: hostile children against
// a user per child, which needs root (or CAP_SETUID/CAP_SETGID); it fails, never skips, without.
// `--browser` (`npm run test:browser`) runs tests/browser/ instead: the page in headless Chromium,
// which `.ci/run` installs first.
// The tools that need Node >= 22.19 (the conformance CLI, Azurite, a Node 22 binary when the
// machine has none) are not in the root install: tests/tools, installed here on first use when a
// selected test needs them (tests/fixtures/conformance/node22.mjs).
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureTestTools } from './fixtures/conformance/node22.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const problems = [];
const [major] = process.versions.node.split('.').map(Number);
if (major < 20) problems.push(`Node.js 20 or later is required (this is ${process.version}).`);
const python = spawnSync('python3', ['--version'], { encoding: 'utf8' });
if (python.error || python.status !== 0) {
  problems.push('Python 3 is required for the Python fixture server tests: install it so that `python3` is on PATH.');
}
try {
  statSync(path.join(root, 'node_modules', 'tsx'));
} catch {
  problems.push('Dependencies are missing: run `npm install` (or `npm ci`) first.');
}
if (problems.length > 0) {
  console.error(`Cannot run the tests:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  process.exit(1);
}

const isolation = process.argv.includes('--isolation');
if (isolation && process.getuid?.() !== 0) {
  console.error(
    'Cannot run the isolation tests: they start children as users of their own, which needs root (or CAP_SETUID and CAP_SETGID). Run `sudo npm run test:isolation`, or in a container as root.',
  );
  process.exit(1);
}
const browser = process.argv.includes('--browser');
const filter = process.argv.slice(2).filter((arg) => arg !== '--isolation' && arg !== '--browser');
if (filter.length === 0) {
  console.log('# type-checking src and tests');
  const typecheck = spawnSync(
    process.execPath,
    [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', path.join(root, 'tsconfig.check.json')],
    { stdio: 'inherit' },
  );
  if (typecheck.status !== 0) {
    console.error('Type errors: fix them first (npm run typecheck).');
    process.exit(1);
  }
}
function collect(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name === 'fixtures' || entry.name === 'node_modules') return [];
      // The isolation suite needs root; the default suite keeps its Node/npm/Python contract.
      if (entry.name === 'isolation' && !isolation) return [];
      // The browser suite needs Chromium, which is no prerequisite of `npm test`.
      if (entry.name === 'browser' && !browser) return [];
      return collect(full);
    }
    return entry.name.endsWith('.test.ts') ? [full] : [];
  });
}
const suite = isolation ? 'tests/isolation' : browser ? 'tests/browser' : 'tests';
const files = collect(path.join(root, suite))
  .filter((file) => filter.length === 0 || filter.some((f) => file.includes(f)))
  .sort();
// `node --test` without files would run whatever its default patterns find instead.
if (files.length === 0) {
  console.error(
    `No test file in ${suite}${filter.length > 0 ? ` matches ${filter.map((f) => JSON.stringify(f)).join(' or ')}` : ''}.`,
  );
  process.exit(1);
}
// Installed here, before the files run in parallel, so that a test's own time limit never
// includes a download; a file run by itself installs them the same way (node22.mjs).
if (files.some((file) => /helpers\/(conformance|azurite)\.js|node22\.mjs/.test(readFileSync(file, 'utf8')))) {
  try {
    await ensureTestTools();
  } catch (error) {
    console.error(`Cannot run the tests:\n  - ${error instanceof Error ? error.message : error}`);
    process.exit(1);
  }
}
console.log(`# running ${files.length} test files on Node.js ${process.version}`);
// The default suite tests behaviour, not the machine's privileges: children share the adapter's
// user whoever runs it (as root `auto` would give each child a user of its own, and the suite's
// private config folders are closed to other users). The isolation suite chooses per test.
const env = isolation ? process.env : { MCP_ADAPTER_ISOLATION: 'shared_user', ...process.env };
const result = spawnSync(
  process.execPath,
  ['--expose-gc', '--import', 'tsx', '--test', '--test-concurrency=2', ...files],
  {
    stdio: 'inherit',
    cwd: root,
    env,
  },
);
process.exit(result.status ?? 1);
