#!/usr/bin/env node
// Runs a command of the test-only tools (this folder's package.json) on a Node.js >= 22.19, which
// they need, installing them first when missing or stale (tests/fixtures/conformance/node22.mjs):
//
//   node tests/tools/run.mjs stryker run                  (npm run test:mutation)
//   node tests/tools/run.mjs node scripts/soak/run.mjs    (`node` is that Node itself)
//
// The Node's folder goes first on PATH as well: Stryker's tap runner starts the tests with `node`.
// Exit code: the command's.

import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ensureTestTools, findNode22, TOOLS_DIR } from '../fixtures/conformance/node22.mjs';

const [name, ...args] = process.argv.slice(2);

/** The entry point of the bin `name` declared by one of this folder's dependencies. */
function findBin() {
  const { dependencies } = JSON.parse(readFileSync(path.join(TOOLS_DIR, 'package.json'), 'utf8'));
  for (const dependency of Object.keys(dependencies)) {
    const dir = path.join(TOOLS_DIR, 'node_modules', ...dependency.split('/'));
    const { bin } = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8'));
    const file = typeof bin === 'string' ? (dependency.split('/').at(-1) === name ? bin : undefined) : bin?.[name];
    if (file) return path.resolve(dir, file);
  }
  return undefined;
}

try {
  if (!name) throw new Error('usage: node tests/tools/run.mjs <command> [arguments...]');
  const node = await findNode22();
  let bin;
  if (name !== 'node') {
    await ensureTestTools();
    bin = findBin();
    if (!bin) throw new Error(`no dependency in tests/tools/package.json has a command "${name}"`);
  }
  // Windows spells the variable `Path`; setting `PATH` beside it would leave two.
  const pathKey = Object.keys(process.env).find((key) => key.toUpperCase() === 'PATH') ?? 'PATH';
  const env = {
    ...process.env,
    [pathKey]: [path.dirname(node), process.env[pathKey]].filter(Boolean).join(path.delimiter),
  };
  const child = spawn(node, bin ? [bin, ...args] : args, { stdio: 'inherit', env });
  child.on('error', (error) => {
    console.error(`tests/tools/run.mjs: cannot start ${node}: ${error.message}`);
    process.exit(1);
  });
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 128 : 1)));
} catch (error) {
  console.error(`tests/tools/run.mjs: ${error instanceof Error ? error.message : error}`);
  process.exit(1);
}
