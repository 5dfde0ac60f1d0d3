#!/usr/bin/env node
// Builds dist/ only when a source is newer than the last build, so `npm run validate`, `plan`,
// `smoke` and `npm start` answer in a fraction of a second when nothing changed (tsc writes every
// output on each build, so dist/cli/main.js dates the last one).
import { execFileSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const built = path.join(root, 'dist', 'cli', 'main.js');

function newest(entry) {
  const stat = statSync(entry);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let latest = stat.mtimeMs; // a deleted or renamed source changes its folder
  for (const name of readdirSync(entry)) latest = Math.max(latest, newest(path.join(entry, name)));
  return latest;
}

let builtAt = 0;
try {
  builtAt = statSync(built).mtimeMs;
} catch {
  // never built
}
const sources = ['src', 'tsconfig.json', 'package.json'].map((name) => newest(path.join(root, name)));
if (Math.max(...sources) > builtAt) {
  execFileSync(process.execPath, [path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], {
    cwd: root,
    stdio: 'inherit',
  });
}
