import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import type { DeploymentPlan } from '../../src/deployment/plan.js';
import { encodeProvisionedPlan } from '../../src/deployment/provisioned-plan.js';
import { repoRoot } from '../helpers/adapter.js';

const samples = path.join(repoRoot, 'tests/fixtures/configs/samples');
const golden = (name: string) =>
  JSON.parse(readFileSync(path.join(samples, `${name}.plan.json`), 'utf8')) as DeploymentPlan;
const sample = (name: string) =>
  JSON.parse(readFileSync(path.join(samples, `${name}.json`), 'utf8')) as Record<string, any>;

/** The hook from a project without node_modules/ or dist/, the config edited as a user would. */
function runPredeploy(
  config: unknown,
  env: Record<string, string>,
): { code: number | null; stdout: string; stderr: string } {
  const project = mkdtempSync(path.join(tmpdir(), 'predeploy-project-'));
  mkdirSync(path.join(project, 'scripts/hooks/lib'), { recursive: true });
  for (const file of ['scripts/hooks/predeploy.mjs', 'scripts/hooks/lib/hook-tools.mjs'])
    copyFileSync(path.join(repoRoot, file), path.join(project, file));
  writeFileSync(
    path.join(project, 'mcp_config.json'),
    JSON.stringify({ ...(config as object), $schema: undefined }, null, 2),
  );
  const result = spawnSync(process.execPath, [path.join(project, 'scripts/hooks/predeploy.mjs')], {
    cwd: project,
    env: { PATH: process.env.PATH, AZURE_ENV_NAME: 'test-env', ...env },
    encoding: 'utf8',
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('predeploy hook (the redeploy rule)', () => {
  const provisioned = { MCP_PROVISIONED_PLAN: encodeProvisionedPlan(golden('none')) };

  test('an unchanged config deploys, with one line saying the infrastructure is current', () => {
    const run = runPredeploy(sample('none'), provisioned);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, 'The infrastructure is current for mcp_config.json; deploying the app.\n');
    assert.equal(run.stderr, '');
  });

  test('edits the infrastructure does not hold deploy as is: args, a literal env value, a new server without settings, log levels', () => {
    const config = sample('none');
    config.mcpServers.time.args = [...config.mcpServers.time.args, '--verbose'];
    config.mcpServers['code-search'].env.LOG_FORMAT = 'text';
    config.mcpServers.echo = { command: 'node', args: ['echo.js'] };
    config.adapter = { log_level: 'debug' };
    const run = runPredeploy(config, provisioned);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /The infrastructure is current/);
  });

  test('edits the infrastructure must follow stop the deploy, naming each change and azd provision', () => {
    const config = sample('none');
    config.mcpServers.time.env = { NEW_TOKEN: '${secret:NEW_TOKEN}', REGION: '${env:REGION}' };
    delete config.mcpServers['code-search'].env.SEARCH_ENDPOINT;
    config.deployment.instance_memory_mb = 2048;
    const run = runPredeploy(config, provisioned);
    assert.equal(run.code, 1);
    const lines = run.stderr.split('\n');
    assert.equal(lines[0], 'mcp_config.json needs infrastructure that is not provisioned:');
    for (const change of [
      'new secret NEW_TOKEN (Key Vault secret NEW-TOKEN) is not provisioned',
      'new app setting REGION (azd environment variable REGION) is not provisioned',
      'app setting SEARCH_ENDPOINT (azd environment variable SEARCH_ENDPOINT) was removed',
      'app api: scale.instanceMemoryMb 4096 → 2048',
    ]) {
      assert.ok(lines.includes(`  - ${change}`), `${change}\n${run.stderr}`);
    }
    assert.match(
      run.stderr,
      /Run `azd provision` \(or `azd up`\) to update the infrastructure, then deploy; nothing was deployed\./,
    );
    assert.equal(run.stdout, '');
  });

  test('a server declared stateless beside stateful ones needs a second app: the deploy stops, naming it and the move', () => {
    const config = sample('none');
    config.mcpServers.time.state = 'stateless';
    const run = runPredeploy(config, provisioned);
    assert.equal(run.code, 1);
    assert.deepEqual(
      run.stderr.split('\n').filter((line) => line.startsWith('  - ')),
      [
        '  - new app api-stateless (stateless: time) is not provisioned',
        '  - server time moved from app api (stateful) to app api-stateless (stateless)',
      ],
    );
    assert.match(run.stderr, /Run `azd provision` \(or `azd up`\)/);
  });

  test('an infrastructure recorded before apps (scale, no apps) stops the deploy until it is provisioned again', () => {
    const plan = golden('none');
    const { apps, ...rest } = plan;
    const run = runPredeploy(sample('none'), {
      MCP_PROVISIONED_PLAN: Buffer.from(JSON.stringify({ ...rest, scale: apps[0]!.scale })).toString('base64'),
    });
    assert.equal(run.code, 1);
    assert.match(run.stderr, /^ {2}- new app api \(stateful: time, code-search\) is not provisioned$/m);
  });

  test('a removed Entra caller scope is a change', () => {
    const config = sample('azure_obo');
    const plan = golden('azure_obo');
    const run = runPredeploy(config, {
      MCP_PROVISIONED_PLAN: encodeProvisionedPlan({
        ...plan,
        entra: { ...plan.entra!, requiredCallerScopes: [...plan.entra!.requiredCallerScopes, 'mcp.read'] },
      }),
    });
    assert.equal(run.code, 1);
    assert.match(run.stderr, /^ {2}- Entra caller scope mcp\.read was removed$/m);
  });

  test('without a recorded plan the infrastructure is unknown: stop, and say how to record it', () => {
    const run = runPredeploy(sample('none'), {});
    assert.equal(run.code, 1);
    assert.match(run.stderr, /The azd environment has no MCP_PROVISIONED_PLAN/);
    assert.match(run.stderr, /Run `azd provision` \(or `azd up`\)/);
    assert.match(run.stderr, /`azd env refresh` reads it from the last deployment/);
  });

  test('a garbled recorded plan stops it too', () => {
    const run = runPredeploy(sample('none'), { MCP_PROVISIONED_PLAN: 'bm90IGpzb24=' });
    assert.equal(run.code, 1);
    assert.match(run.stderr, /MCP_PROVISIONED_PLAN is not a provisioned plan .*not JSON/);
    assert.match(run.stderr, /azd env refresh/);
  });

  test('a bad config stops it before anything is deployed', () => {
    const run = runPredeploy({ mcpServers: { a: { comand: 'x' } } }, provisioned);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /did you mean "command"/);
    assert.match(run.stderr, /nothing was deployed/);
  });
});
