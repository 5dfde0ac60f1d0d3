#!/usr/bin/env node
// Measures the deployment package (.azd-package/, what azd zips; see scripts/hooks/prepackage.mjs):
// size and file count of the adapter and of the packaged servers (.mcp-packages/) apart, the
// estimated zip size, and how long the Functions entry (package.json main) takes to load from a
// fresh copy. Usage: node scripts/measure-package.mjs [--rebuild] [--runs N]
// Sizes follow links, as azd's zip does. "disk" counts allocated blocks (filesystem dependent).
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateRawSync } from 'node:zlib';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const staging = path.join(root, '.azd-package');
const args = process.argv.slice(2);
const runs = Number(args[args.indexOf('--runs') + 1]) || 7;

if (args.includes('--rebuild') || !existsSync(path.join(staging, 'package.json'))) {
  const hook = spawnSync(process.execPath, [path.join(root, 'scripts/hooks/prepackage.mjs')], {
    cwd: root,
    stdio: 'inherit',
  });
  if (hook.status !== 0) process.exit(1);
}

function measure(folder, skip = () => false) {
  const totals = { files: 0, bytes: 0, disk: 0, zip: 0 };
  const walk = (dir, relative) => {
    for (const name of readdirSync(dir)) {
      const rel = relative ? `${relative}/${name}` : name;
      if (skip(rel)) continue;
      const full = path.join(dir, name);
      const info = statSync(full);
      if (info.isDirectory()) {
        walk(full, rel);
        continue;
      }
      totals.files += 1;
      totals.bytes += info.size;
      totals.disk += info.blocks * 512;
      // A zip entry: deflated data (Go's default level, as zlib's) + local and central headers + name twice.
      totals.zip +=
        Math.min(deflateRawSync(readFileSync(full)).length, info.size) + 30 + 46 + 16 + 2 * Buffer.byteLength(rel);
    }
  };
  if (existsSync(folder)) walk(folder, '');
  return totals;
}

const mb = (bytes) => `${(bytes / 1e6).toFixed(1)} MB`;
const adapter = measure(staging, (rel) => rel === '.mcp-packages');
const servers = measure(path.join(staging, '.mcp-packages'));
console.log(
  `adapter: ${adapter.files} files, ${mb(adapter.bytes)} (on disk ${mb(adapter.disk)}, zipped ≈ ${mb(adapter.zip)})`,
);
console.log(
  `packaged servers (.mcp-packages/): ${servers.files} files, ${mb(servers.bytes)} (on disk ${mb(servers.disk)}, zipped ≈ ${mb(servers.zip)})`,
);

// Load time of the entry from a fresh copy (links followed, as in the zip); outside a Functions
// worker @azure/functions finds no @azure/functions-core and skips registering (test mode).
const copy = mkdtempSync(path.join(tmpdir(), 'mcp-package-measure-'));
cpSync(staging, copy, { recursive: true, dereference: true });
const code =
  "const t = performance.now(); await import(process.cwd() + '/dist/functions/index.js'); console.log(JSON.stringify({ importMs: performance.now() - t, sinceStartMs: performance.now() })); process.exit(0);";
const samples = [];
for (let run = 0; run < runs; run += 1) {
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', code], {
    cwd: copy,
    env: { PATH: process.env.PATH, HOME: copy },
    encoding: 'utf8',
  });
  const line = result.stdout.trim().split('\n').pop() ?? '';
  if (result.status !== 0 || !line.startsWith('{')) {
    console.error(`the entry failed to load:\n${result.stdout}\n${result.stderr}`);
    rmSync(copy, { recursive: true, force: true });
    process.exit(1);
  }
  samples.push(JSON.parse(line));
}
rmSync(copy, { recursive: true, force: true });
const stats = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  return `median ${sorted[Math.floor(sorted.length / 2)].toFixed(0)} ms (min ${sorted[0].toFixed(0)}, max ${sorted.at(-1).toFixed(0)}, first ${values[0].toFixed(0)})`;
};
console.log(
  `entry import (dist/functions/index.js), ${runs} runs on Node ${process.versions.node}: ${stats(samples.map((s) => s.importMs))}`,
);
console.log(`process start to entry loaded: ${stats(samples.map((s) => s.sinceStartMs))}`);
