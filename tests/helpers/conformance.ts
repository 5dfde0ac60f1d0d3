import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { eventually, repoRoot, startAdapter } from './adapter.js';
// @ts-expect-error plain JavaScript helper without type declarations
import { findConformanceCli, findNode22 } from '../fixtures/conformance/node22.mjs';

export interface Check {
  id: string;
  status: 'SUCCESS' | 'FAILURE' | 'WARNING' | 'INFO' | 'SKIPPED';
  description?: string;
  errorMessage?: string;
  scenario: string;
}

/**
 * Runs the public conformance CLI (`server --suite all --spec-version <revision>`) against the
 * adapter in front of the 2025-era STDIO fixture, prints the summary and warnings, and asserts
 * zero failures and a zero exit code. Returns every check, tagged with its scenario.
 */
export async function runConformanceSuite(
  specVersion: string,
  fixtureSessions: Record<string, unknown> = {},
): Promise<{ checks: Check[]; output: string }> {
  const node22: string = await findNode22();
  const cli: string = await findConformanceCli();
  const adapter = await startAdapter({
    mcpServers: {
      conformance: {
        command: process.execPath,
        args: [path.join(repoRoot, 'tests/fixtures/conformance/conformance-server.mjs')],
        env: { CONFORMANCE_FIXTURE_QUIET: '1' },
        sessions: { max_concurrent: 200, ...fixtureSessions },
      },
    },
    adapter: { max_sessions: 200 },
  });
  // Waiting children are spawned in the background; on a fresh clone (nothing in the page cache)
  // the fixture takes seconds to load its SDK. The suite measures protocol behaviour, not cold
  // starts (one check gives a new capability profile 600 ms): start it once the pool is ready.
  const warm = Number(fixtureSessions.warm_pool ?? 0);
  if (warm > 0)
    assert.ok(
      await eventually(
        async () =>
          (
            (await (await fetch(new URL('/status', adapter.url))).json()) as {
              servers: Record<string, { warmChildren?: number }>;
            }
          ).servers.conformance?.warmChildren === warm,
        30_000,
      ),
      "the fixture's warm pool is ready",
    );
  const workDir = mkdtempSync(path.join(tmpdir(), `mcp-conformance-${specVersion}-`));
  const outDir = path.join(workDir, 'results');
  try {
    // The host must be a loopback name, or dns-rebinding-protection fails.
    const url = `${adapter.url.replace('127.0.0.1', 'localhost')}/mcp`;
    const { code, output } = await run(
      node22,
      [cli, 'server', '--url', url, '--suite', 'all', '--spec-version', specVersion, '-o', outDir],
      workDir,
    );
    const checks = readdirSync(outDir).flatMap((scenario) =>
      (JSON.parse(readFileSync(path.join(outDir, scenario, 'checks.json'), 'utf8')) as Check[]).map((check) => ({
        ...check,
        scenario: scenario.replace(/^server-|-\d{4}-\d\d-\d\dT[\dZ-]+$/g, ''),
      })),
    );
    const failures = checks.filter((check) => check.status === 'FAILURE');
    const warnings = checks.filter((check) => check.status === 'WARNING' || check.status === 'INFO');
    const scenarios = new Set(checks.map((check) => check.scenario));
    process.stdout.write(
      `# conformance ${specVersion}: ${scenarios.size} scenarios, ${checks.filter((c) => c.status === 'SUCCESS').length} checks passed, ${failures.length} failed, ${warnings.length} warnings or notes\n` +
        warnings
          .map((w) => `#   ${w.status.toLowerCase()} ${w.scenario}/${w.id}: ${w.errorMessage ?? w.description ?? ''}\n`)
          .join(''),
    );
    // The failing checks lead the message: the suite's own output is long and would hide them.
    const failed = failures.map((f) => `${f.scenario}/${f.id}: ${f.errorMessage ?? f.description}`);
    assert.deepEqual(failed, [], `failed checks:\n${failed.join('\n')}\n\nsuite output:\n${output}`);
    assert.equal(code, 0, output);
    return { checks, output };
  } finally {
    await adapter.close();
  }
}

function run(command: string, args: string[], cwd: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}
