import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { repoRoot, startAdapter } from '../helpers/adapter.js';
// @ts-expect-error plain JavaScript helper without type declarations
import { findConformanceCli, findNode22 } from '../fixtures/conformance/node22.mjs';

interface Check {
  id: string;
  status: 'SUCCESS' | 'FAILURE' | 'WARNING' | 'INFO' | 'SKIPPED';
  description?: string;
  errorMessage?: string;
}

/** Every server scenario conformance 0.2.0-alpha.12 applies at 2026-07-28 (extensions excluded). */
const SCENARIOS_2026 = [
  'server-stateless',
  'completion-complete',
  'tools-list',
  'tools-call-simple-text',
  'tools-call-image',
  'tools-call-audio',
  'tools-call-embedded-resource',
  'tools-call-mixed-content',
  'tools-call-error',
  'tools-call-with-progress',
  'json-schema-2020-12',
  'server-sse-multiple-streams',
  'resources-list',
  'resources-read-text',
  'resources-read-binary',
  'resources-templates-read',
  'sep-2164-resource-not-found',
  'prompts-list',
  'prompts-get-simple',
  'prompts-get-with-args',
  'prompts-get-embedded-resource',
  'prompts-get-with-image',
  'dns-rebinding-protection',
  'caching',
  'http-header-validation',
  'http-custom-header-server-validation',
  'input-required-result-basic-elicitation',
  'input-required-result-basic-sampling',
  'input-required-result-basic-list-roots',
  'input-required-result-request-state',
  'input-required-result-multiple-input-requests',
  'input-required-result-multi-round',
  'input-required-result-missing-input-response',
  'input-required-result-non-tool-request',
  'input-required-result-result-type',
  'input-required-result-unsupported-methods',
  'input-required-result-tampered-state',
  'input-required-result-capability-check',
  'input-required-result-ignore-extra-params',
  'input-required-result-validate-input',
];

/**
 * The public MCP conformance suite on the 2026-07-28 wire (`--suite all --spec-version 2026-07-28`:
 * stateless requests with per-request `_meta`, server/discover, subscriptions/listen, SEP-2243
 * headers, caching hints, input_required results) against the adapter in front of the same
 * 2025-era STDIO fixture as the 2025 suite. The fixture answers `initialize` only; everything
 * 2026 is the adapter's bridge (its sampling/elicitation/roots requests become input_required
 * results). `--suite all` includes the scenarios the 2026-07-28 requirement set lists as pending
 * (json-schema-2020-12, http-header-validation, http-custom-header-server-validation);
 * `--spec-version` leaves out the extension scenarios (tasks-*, skills). Zero failures allowed;
 * warnings are printed for the record.
 */
test('MCP conformance suite: all 2026-07-28 server scenarios pass through the adapter', { timeout: 600_000 }, async () => {
  const node22: string = await findNode22();
  const cli: string = findConformanceCli();
  const adapter = await startAdapter({
    mcpServers: {
      conformance: {
        command: process.execPath,
        args: [path.join(repoRoot, 'tests/fixtures/conformance/conformance-server.mjs')],
        env: { CONFORMANCE_FIXTURE_QUIET: '1' },
        sessions: { max_concurrent: 200 },
      },
    },
    adapter: { max_sessions: 200 },
  });
  const workDir = mkdtempSync(path.join(tmpdir(), 'mcp-conformance-2026-'));
  const outDir = path.join(workDir, 'results');
  try {
    const url = `${adapter.url.replace('127.0.0.1', 'localhost')}/mcp`;
    const { code, output } = await run(node22, [cli, 'server', '--url', url, '--suite', 'all', '--spec-version', '2026-07-28', '-o', outDir], workDir);
    const checks = readdirSync(outDir).flatMap((scenario) =>
      (JSON.parse(readFileSync(path.join(outDir, scenario, 'checks.json'), 'utf8')) as Check[]).map((check) => ({ ...check, scenario: scenario.replace(/^server-|-\d{4}-\d\d-\d\dT[\dZ-]+$/g, '') })),
    );
    const failures = checks.filter((check) => check.status === 'FAILURE');
    const warnings = checks.filter((check) => check.status === 'WARNING' || check.status === 'INFO');
    const scenarios = new Set(checks.map((check) => check.scenario));
    process.stdout.write(
      `# conformance 2026-07-28: ${scenarios.size} scenarios, ${checks.filter((c) => c.status === 'SUCCESS').length} checks passed, ${failures.length} failed, ${warnings.length} warnings or notes\n` +
        warnings.map((w) => `#   ${w.status.toLowerCase()} ${w.scenario}/${w.id}: ${w.errorMessage ?? w.description ?? ''}\n`).join(''),
    );
    assert.deepEqual(failures.map((f) => `${f.scenario}/${f.id}: ${f.errorMessage ?? f.description}`), [], output);
    assert.equal(code, 0, output);
    // Every scenario ran and reported at least one check (a scenario with no checks.json would hide here).
    assert.deepEqual(SCENARIOS_2026.filter((name) => !scenarios.has(name)), [], `scenarios that did not report: ${output}`);
  } finally {
    await adapter.close();
  }
});

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
