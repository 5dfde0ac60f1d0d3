import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { parse } from 'yaml';
import { repoRoot } from '../helpers/adapter.js';

interface Step {
  name?: string;
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
}
interface Job {
  needs?: string | string[];
  if?: string;
  env?: Record<string, string>;
  steps: Step[];
}
interface Workflow {
  on: Record<string, unknown>;
  env?: Record<string, string>;
  jobs: Record<string, Job>;
}

const workflowDir = path.join(repoRoot, '.github/workflows');
const workflows = readdirSync(workflowDir)
  .filter((file) => /\.ya?ml$/.test(file))
  .map((file) => ({ file, text: readFileSync(path.join(workflowDir, file), 'utf8') }));
const azureDev = parse(readFileSync(path.join(workflowDir, 'azure-dev.yml'), 'utf8')) as Workflow;
const project = parse(readFileSync(path.join(repoRoot, 'azure.yaml'), 'utf8')) as {
  pipeline: { variables?: string[]; secrets?: string[] };
};
/** What `azd pipeline config` sets for GitHub itself (cli/azd/pkg/pipeline/github_provider.go setPipelineVariables). */
const AZD_OWN_VARIABLES = [
  'AZURE_ENV_NAME',
  'AZURE_LOCATION',
  'AZURE_SUBSCRIPTION_ID',
  'AZURE_TENANT_ID',
  'AZURE_CLIENT_ID',
];

const stepIndex = (job: Job, pattern: RegExp) => job.steps.findIndex((step) => pattern.test(step.run ?? ''));

test('tests run on every push and pull request; deploy needs them and runs only for main or by hand', () => {
  assert.ok('push' in azureDev.on && 'pull_request' in azureDev.on && 'workflow_dispatch' in azureDev.on);
  const testJob = azureDev.jobs.test!;
  assert.ok(stepIndex(testJob, /^npm ci$/) >= 0 && stepIndex(testJob, /^npm test$/) > stepIndex(testJob, /^npm ci$/));
  const node = testJob.steps.find((step) => step.uses?.startsWith('actions/setup-node@'));
  assert.equal(String(node?.with?.['node-version']), '22');
  const deploy = azureDev.jobs.deploy!;
  assert.deepEqual([deploy.needs].flat(), ['test']);
  assert.match(deploy.if ?? '', /github\.ref == 'refs\/heads\/main'/);
  assert.match(deploy.if ?? '', /workflow_dispatch/);
});

test('deploy: npm ci, azd login, refresh, provision and deploy without prompts, in that order', () => {
  const deploy = azureDev.jobs.deploy!;
  const order = [
    /^npm ci$/,
    /azd auth login/,
    /^azd env refresh --no-prompt$/,
    /^azd provision --no-prompt$/,
    /^azd deploy --no-prompt$/,
  ].map((pattern) => stepIndex(deploy, pattern));
  assert.ok(
    order.every((index) => index >= 0),
    JSON.stringify(order),
  );
  assert.deepEqual(
    [...order].sort((a, b) => a - b),
    order,
  );
});

test('azd is pinned to a release', () => {
  const setup = azureDev.jobs.deploy!.steps.find((step) => step.uses?.startsWith('Azure/setup-azd@'));
  assert.ok(setup, 'Azure/setup-azd installs azd');
  assert.match(String(setup.with?.version ?? ''), /^\d+\.\d+\.\d+$/);
});

test('secrets are only on azd steps, never on a workflow or job env (npm install scripts must not see them)', () => {
  for (const { file, text } of workflows) {
    const workflow = parse(text) as Workflow;
    assert.doesNotMatch(JSON.stringify(workflow.env ?? {}), /secrets\./, `${file}: workflow env`);
    for (const [name, job] of Object.entries(workflow.jobs)) {
      assert.doesNotMatch(JSON.stringify(job.env ?? {}), /secrets\./, `${file}: job ${name} env`);
      for (const step of job.steps) {
        const usesSecrets = /secrets\./.test(JSON.stringify({ env: step.env, with: step.with }));
        if (usesSecrets)
          assert.match(
            step.run ?? '',
            /^azd (provision|up|env refresh|deploy)\b/,
            `${file}: ${name}/${step.name} gets a secret`,
          );
      }
    }
  }
});

test('every variable and secret the workflows read is one azd pipeline config sets (azure.yaml pipeline:), and each listed one is read', () => {
  const listedVariables = new Set(project.pipeline.variables ?? []);
  const listedSecrets = new Set(project.pipeline.secrets ?? []);
  const readVariables = new Set<string>();
  const readSecrets = new Set<string>();
  for (const { text } of workflows) {
    for (const match of text.matchAll(/\$\{\{\s*vars\.([A-Za-z0-9_]+)\s*\}\}/g)) readVariables.add(match[1]!);
    for (const match of text.matchAll(/\$\{\{\s*secrets\.([A-Za-z0-9_]+)\s*\}\}/g)) readSecrets.add(match[1]!);
  }
  for (const name of readVariables)
    assert.ok(
      listedVariables.has(name) || AZD_OWN_VARIABLES.includes(name),
      `vars.${name} is not under pipeline.variables in azure.yaml`,
    );
  for (const name of readSecrets)
    assert.ok(listedSecrets.has(name), `secrets.${name} is not under pipeline.secrets in azure.yaml`);
  assert.deepEqual(
    [...listedVariables].filter((name) => !readVariables.has(name)),
    [],
    'listed variables nothing reads',
  );
  assert.deepEqual(
    [...listedSecrets].filter((name) => !readSecrets.has(name)),
    [],
    'listed secrets nothing reads',
  );
  assert.ok(readSecrets.has('MCP_SECRET_VALUES') && readSecrets.has('MCP_ADAPTER_SESSION_KEY'));
});
