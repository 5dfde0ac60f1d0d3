#!/usr/bin/env node
// The one test command (`npm test`): checks the prerequisites the README names, then runs every
// test file with Node's test runner (TypeScript through tsx).
// `--isolation` (`npm run test:isolation`) runs tests/isolation/ instead: hostile children against
// a user per child, which needs root (or CAP_SETUID/CAP_SETGID); it fails, never skips, without.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

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
const filter = process.argv.slice(2).filter((arg) => arg !== '--isolation');
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
      return collect(full);
    }
    return entry.name.endsWith('.test.ts') ? [full] : [];
  });
}
const files = collect(path.join(root, isolation ? 'tests/isolation' : 'tests'))
  .filter((file) => filter.length === 0 || filter.some((f) => file.includes(f)))
  .sort();
// npm puts node_modules/.bin first on PATH, where the optional Node 22 package (for the
// conformance CLI) links a `node`; the tests run on the Node.js that runs npm, the user's own.
const nodeForTests =
  process.env.npm_node_execpath && /node(\.exe)?$/i.test(process.env.npm_node_execpath)
    ? process.env.npm_node_execpath
    : process.execPath;
console.log(
  `# running ${files.length} test files on Node.js ${spawnSync(nodeForTests, ['--version'], { encoding: 'utf8' }).stdout.trim()}`,
);
// The default suite tests behaviour, not the machine's privileges: children share the adapter's
// user whoever runs it (as root `auto` would give each child a user of its own, and the suite's
// private config folders are closed to other users). The isolation suite chooses per test.
const env = isolation ? process.env : { MCP_ADAPTER_ISOLATION: 'shared_user', ...process.env };
const result = spawnSync(nodeForTests, ['--expose-gc', '--import', 'tsx', '--test', '--test-concurrency=2', ...files], {
  stdio: 'inherit',
  cwd: root,
  env,
});
process.exit(result.status ?? 1);
