#!/usr/bin/env node
// The one test command (`npm test`): checks the prerequisites the README names, then runs every
// test file with Node's test runner (TypeScript through tsx).
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

const filter = process.argv.slice(2);
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
    if (entry.isDirectory()) return entry.name === 'fixtures' ? [] : collect(full);
    return entry.name.endsWith('.test.ts') ? [full] : [];
  });
}
const files = collect(path.join(root, 'tests'))
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
const result = spawnSync(nodeForTests, ['--expose-gc', '--import', 'tsx', '--test', '--test-concurrency=2', ...files], {
  stdio: 'inherit',
  cwd: root,
});
process.exit(result.status ?? 1);
