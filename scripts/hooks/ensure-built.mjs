// azd runs `preprovision` before it installs or builds anything: make sure the project's own
// code is there before a hook imports it.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

function run(args) {
  const result = spawnSync(npm, args, { cwd: root, stdio: ['ignore', 'inherit', 'inherit'], shell: process.platform === 'win32' });
  if (result.status !== 0) {
    console.error(`\`npm ${args.join(' ')}\` failed; fix that first.`);
    process.exit(1);
  }
}

export function ensureBuilt() {
  if (!existsSync(path.join(root, 'node_modules', 'typescript'))) run(['ci', '--no-audit', '--no-fund']);
  // Always rebuild (a few seconds) unless told not to, so a hook never runs stale code.
  if (process.env.MCP_HOOK_SKIP_BUILD !== '1' || !existsSync(path.join(root, 'dist', 'deployment', 'plan.js'))) run(['run', 'build', '--silent']);
}

export async function load(relative) {
  return import(new URL(`../../dist/${relative}`, import.meta.url).href);
}
