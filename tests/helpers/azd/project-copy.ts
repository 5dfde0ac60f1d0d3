// A fresh copy of the project for a stand-in azd run: the checkout minus node_modules, .git,
// .azure, dist, .tools and .mcp-packages, with node_modules symlinked to the shared one. The copy
// keeps package-lock.json's mtime so that azd's Restore step (node.IsDependenciesUpToDate,
// cli/azd/pkg/tools/node/detect.go) finds the dependencies up to date and installs nothing.
import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const checkoutRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const SKIP = new Set(['node_modules', '.git', '.azure', 'dist', '.tools', '.mcp-packages']);

export function copyProject(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'azd-standin-'));
  const project = path.join(dir, 'mcp-app');
  for (const entry of readdirSync(checkoutRoot)) {
    if (SKIP.has(entry)) continue;
    cpSync(path.join(checkoutRoot, entry), path.join(project, entry), { recursive: true, preserveTimestamps: true, filter: (src) => !src.includes(`${path.sep}.azure`) });
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
  for (const key of ['PATH', 'HOME', 'LANG', 'TMPDIR', 'TERM', 'USER']) if (process.env[key] !== undefined) env[key] = process.env[key];
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
    child.stdout.on('data', (c) => ((stdout += c), (output += c)));
    child.stderr.on('data', (c) => ((stderr += c), (output += c)));
    child.stdin.end(input ?? '');
    child.on('close', (code) => resolve({ code, stdout, stderr, output }));
  });
}
