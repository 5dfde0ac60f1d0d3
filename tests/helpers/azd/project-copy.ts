// A fresh copy of the project for a stand-in azd run: the checkout minus node_modules, .git,
// .azure, dist, .tools and .mcp-packages, with node_modules symlinked to the shared one. The copy
// keeps package-lock.json's mtime so that azd's Restore step (node.IsDependenciesUpToDate,
// cli/azd/pkg/tools/node/detect.go) finds the dependencies up to date and installs nothing.
import { spawn } from 'node:child_process';
import assert from 'node:assert/strict';
import {
  cpSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { godotenvParse } from './dotenv.js';

export const checkoutRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
/** What a fork does not have: dependencies, build output and the local tools' working folders (all gitignored). */
const SKIP = new Set([
  'node_modules',
  '.git',
  '.azure',
  'dist',
  '.tools',
  '.mcp-packages',
  '.azd-package',
  '.stryker-tmp',
  'reports',
]);
const BENCH_BASELINES = path.join('bench', '.baseline');

export function copyProject(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'azd-standin-'));
  const project = path.join(dir, 'mcp-app');
  for (const entry of readdirSync(checkoutRoot)) {
    if (SKIP.has(entry)) continue;
    cpSync(path.join(checkoutRoot, entry), path.join(project, entry), {
      recursive: true,
      preserveTimestamps: true,
      filter: (src) => !src.includes(`${path.sep}.azure`) && !src.includes(BENCH_BASELINES),
    });
  }
  symlinkSync(path.join(checkoutRoot, 'node_modules'), path.join(project, 'node_modules'));
  const lock = statSync(path.join(checkoutRoot, 'package-lock.json'));
  utimesSync(path.join(project, 'package-lock.json'), lock.atime, lock.mtime);
  return project;
}

export function removeProject(project: string): void {
  rmSync(path.dirname(project), { recursive: true, force: true });
}

export const azdBin = path.join(checkoutRoot, 'tests/helpers/azd/bin');

export interface AzdRun {
  code: number | null;
  stdout: string;
  stderr: string;
  output: string;
}

/** A process environment with nothing of the caller's azd, CI or agent detection in it. */
export function cleanEnv(extra: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const key of ['PATH', 'HOME', 'LANG', 'TMPDIR', 'TERM', 'USER'])
    if (process.env[key] !== undefined) env[key] = process.env[key];
  env.PATH = `${azdBin}${path.delimiter}${env.PATH ?? ''}`;
  for (const [k, v] of Object.entries(extra)) if (v !== undefined) env[k] = v;
  return env;
}

/** Runs the stand-in azd in a project; `input` is written to stdin (then closed). */
export function runAzd(project: string, args: string[], env: NodeJS.ProcessEnv, input?: string): Promise<AzdRun> {
  return new Promise((resolve) => {
    const child = spawn(path.join(azdBin, 'azd'), args, { cwd: project, env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let output = '';
    child.stdout.on('data', (c) => {
      stdout += c;
      output += c;
    });
    child.stderr.on('data', (c) => {
      stderr += c;
      output += c;
    });
    child.stdin.end(input ?? '');
    child.on('close', (code) => resolve({ code, stdout, stderr, output }));
  });
}

/** A deployment the stand-in recorded (`.azure/<env>/.standin-deployments.json`), failed ones included. */
export interface StandinDeployment {
  provisioningState: string;
  parameters: Record<string, unknown>;
  plan: Record<string, unknown>;
}

export function recordedDeployments<T = StandinDeployment>(project: string, env = 'dev'): T[] {
  const file = path.join(project, '.azure', env, '.standin-deployments.json');
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as T[]) : [];
}

/** The azd environment's values as azd reads them (`.azure/<env>/.env`, godotenv). */
export function azdEnvValues(project: string, env = 'dev'): Record<string, string> {
  return godotenvParse(readFileSync(path.join(project, '.azure', env, '.env'), 'utf8'));
}

/**
 * Nothing started by a run may outlive it: no process with the project in its command line or
 * as its working directory (hooks run as `node scripts/hooks/...` from the project).
 */
export function assertNothingRunning(project: string): void {
  const roots = [project, realpathSync(project)];
  const left: string[] = [];
  for (const pid of readdirSync('/proc').filter((entry) => /^\d+$/.test(entry))) {
    if (Number(pid) === process.pid) continue;
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
      let cwd = '';
      try {
        cwd = readlinkSync(`/proc/${pid}/cwd`);
      } catch {
        // another user's process
      }
      if (roots.some((root) => cmdline.includes(root) || cwd === root || cwd.startsWith(`${root}/`)))
        left.push(`${pid} (cwd ${cwd}): ${cmdline}`);
    } catch {
      // gone meanwhile
    }
  }
  assert.deepEqual(left, [], `processes left running:\n${left.join('\n')}`);
}
