// The helpers of scripts/check-bicep.mjs (the compile itself needs the Bicep CLI and runs only in
// .ci/run): reading Bicep CLI diagnostics, the per-plan summary, and the check's bicepconfig.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { repoRoot } from './bicep.js';

interface Diagnostic {
  file: string;
  line: number;
  column: number;
  level: string;
  code: string;
  message: string;
}
interface Step {
  name: string;
  ok: boolean;
  diagnostics: Diagnostic[];
  other: string[];
}
interface CheckBicep {
  parseDiagnostics(output: string, copyDir: string): { diagnostics: Diagnostic[]; other: string[] };
  formatDiagnostic(d: Diagnostic): string;
  summarize(label: string, steps: Step[]): string;
  checkConfig(
    text: string,
    extensionFile: string,
    version: string,
  ): { extensions: Record<string, string> } & Record<string, unknown>;
}
const scriptUrl = pathToFileURL(path.join(repoRoot, 'scripts', 'check-bicep.mjs')).href;
const load = async () => (await import(scriptUrl)) as CheckBicep;

test('Bicep CLI diagnostics are read with their file (relative to infra/), line and level', async () => {
  const { parseDiagnostics, formatDiagnostic } = await load();
  const copyDir = '/tmp/check-bicep-x/plan-0/infra';
  const output = [
    `${copyDir}/app/storage.bicep(50,5) : Warning no-unused-vars: Variable "unusedThing" is declared but never used. [https://aka.ms/bicep/linter-diagnostics#no-unused-vars]`,
    `${copyDir}/main.bicep(3,1) : Error BCP007: This declaration type is not recognized.`,
    '',
    'Unhandled exception. Something else',
  ].join('\n');
  const { diagnostics, other } = parseDiagnostics(output, copyDir);
  assert.deepEqual(diagnostics.map(formatDiagnostic), [
    'infra/app/storage.bicep:50:5: Warning no-unused-vars: Variable "unusedThing" is declared but never used. [https://aka.ms/bicep/linter-diagnostics#no-unused-vars]',
    'infra/main.bicep:3:1: Error BCP007: This declaration type is not recognized.',
  ]);
  assert.deepEqual(other, ['Unhandled exception. Something else']);
});

test('the per-plan summary counts every level and fails a step with any diagnostic', async () => {
  const { summarize } = await load();
  const clean = [
    { name: 'build', ok: true, diagnostics: [], other: [] },
    { name: 'lint', ok: true, diagnostics: [], other: [] },
  ];
  assert.equal(summarize('none.plan.json', clean), 'none.plan.json: build ok, lint ok, 0 warnings');
  const info: Diagnostic = { file: 'infra/main.bicep', line: 1, column: 1, level: 'Info', code: 'x', message: 'y' };
  assert.equal(
    summarize('a.plan.json', [clean[0]!, { ...clean[1]!, diagnostics: [info] }]),
    'a.plan.json: build ok, lint FAILED, 1 infos',
  );
});

test("the check's bicepconfig points the Graph alias at the packaged extension and keeps the rest", async () => {
  const { checkConfig } = await load();
  const text =
    '{\n  // comment\n  "extensions": { "microsoftGraphV1": "br:mcr.microsoft.com/bicep/extensions/microsoftgraph/v1.0:1.0.0" },\n  "analyzers": { "core": { "rules": { "a": { "level": "off" } } } } /* why */\n}';
  const config = checkConfig(text, '/tmp/graph.tgz', '1.0.0');
  assert.equal(config.extensions.microsoftGraphV1, '/tmp/graph.tgz');
  assert.deepEqual(config.analyzers, { core: { rules: { a: { level: 'off' } } } });
  assert.throws(
    () => checkConfig(text, '/tmp/graph.tgz', '2.0.0'),
    /expected "br:mcr\.microsoft\.com\/bicep\/extensions\/microsoftgraph\/v1\.0:2\.0\.0"/,
  );
});

test('the check compiles a plan with both apps: tests/fixtures/plans holds a mixed config and its plan', async () => {
  const { PLAN_FIXTURES_DIR } = (await import(scriptUrl)) as { PLAN_FIXTURES_DIR: string };
  const mixed = JSON.parse(readFileSync(path.join(PLAN_FIXTURES_DIR, 'mixed.plan.json'), 'utf8')) as {
    apps: Array<{ service: string; role: string }>;
  };
  assert.deepEqual(
    mixed.apps.map((app) => `${app.service}:${app.role}`),
    ['api:stateful', 'api-stateless:stateless'],
  );
});
