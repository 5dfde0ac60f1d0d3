/**
 * Runs the child processes of the credential tests (a Python child, a Node child using
 * `@azure/identity`, the OBO runner) asynchronously, so the servers they talk to, which live in
 * the test process, keep answering. Children get a minimal environment plus what the test gives,
 * never the test process's own.
 */
import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

export interface ProcessResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runProcess(
  command: string,
  args: string[],
  env: { [name: string]: string | undefined },
  timeoutMs = 60_000,
): Promise<ProcessResult> {
  const childEnv: Record<string, string> = { PATH: process.env.PATH ?? '' };
  for (const [name, value] of Object.entries(env)) if (value !== undefined) childEnv[name] = value;
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: repoRoot, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** The last stdout line, parsed as JSON (children print one result line last). */
export function lastJsonLine<T>(result: ProcessResult): T {
  const lines = result.stdout.trim().split('\n').filter(Boolean);
  const last = lines.at(-1);
  if (last === undefined) throw new Error(`the child printed nothing (exit ${result.code}); stderr:\n${result.stderr}`);
  try {
    return JSON.parse(last) as T;
  } catch {
    throw new Error(`the child's last line is not JSON: ${last}\nstderr:\n${result.stderr}`);
  }
}

let pythonPath: string | null | undefined;
/** The real Python 3 executable (not a version-manager shim, which needs the user's environment). */
export function python3(): string | undefined {
  if (pythonPath === undefined) {
    const probe = spawnSync('python3', ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8' });
    pythonPath = probe.status === 0 && probe.stdout.trim() !== '' ? probe.stdout.trim() : null;
  }
  return pythonPath ?? undefined;
}

export const pythonIdentityChild = path.join(repoRoot, 'tests/auth/credentials/identity-child.py');
export const nodeIdentityChild = path.join(repoRoot, 'tests/auth/helpers/identity-sdk-child.mjs');
export const oboRunner = path.join(repoRoot, 'tests/auth/helpers/entra-obo-runner.ts');
