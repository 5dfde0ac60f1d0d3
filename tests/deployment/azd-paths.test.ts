import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import YAML from 'yaml';
import { OUTPUT_NAMES, readOutputs } from '../helpers/azd/bicep-model.js';
import { azdMarshalDotenv, godotenvParse } from '../helpers/azd/dotenv.js';
import { envsubst } from '../helpers/azd/envsubst.js';
import { checkoutRoot, cleanEnv, copyProject, removeProject, runAzd } from '../helpers/azd/project-copy.js';

/**
 * azd's paths through this template, run with the stand-in azd (tests/helpers/azd/azd-cli.ts,
 * which follows azure-dev's code file by file) on fresh copies of the project.
 */

const SUB = '00000000-0000-0000-0000-000000000001';
const projects: string[] = [];
after(() => projects.forEach(removeProject));

function fresh(): string {
  const project = copyProject();
  projects.push(project);
  return project;
}

function baseEnv(project: string, extra: Record<string, string> = {}) {
  return cleanEnv({ AZURE_ENV_NAME: 'dev', AZURE_LOCATION: 'westeurope', AZURE_SUBSCRIPTION_ID: SUB, AZD_CONFIG_DIR: path.join(path.dirname(project), 'azd-config'), ...extra });
}

function deployments(project: string, env = 'dev'): { provisioningState: string; parameters: Record<string, unknown>; plan: Record<string, unknown> }[] {
  const file = path.join(project, '.azure', env, '.standin-deployments.json');
  return existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : [];
}

function dotenv(project: string, env = 'dev'): Record<string, string> {
  return godotenvParse(readFileSync(path.join(project, '.azure', env, '.env'), 'utf8'));
}

/** Nothing started by a run may outlive it. */
function assertNothingRunning(project: string): void {
  const ps = execFileSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' });
  const left = ps.split('\n').filter((line) => line.includes(project) && !line.includes('ps -eo'));
  assert.deepEqual(left, [], `processes left running:\n${left.join('\n')}`);
}

describe('azd stand-in: its model of the template', () => {
  test('the JS output model produces exactly the outputs infra/main.bicep declares', () => {
    const declared = readOutputs(readFileSync(path.join(checkoutRoot, 'infra/main.bicep'), 'utf8')).map((o) => o.name);
    assert.deepEqual([...OUTPUT_NAMES].sort(), [...declared].sort());
  });

  test('.env values are written and read as godotenv does (quotes, $, newlines, JSON)', () => {
    const values = { A: 'plain', B: '{"k":"v $HOME"}', C: 'line1\nline2', D: '007', E: '42', F: 'back\\slash!' };
    const text = azdMarshalDotenv(values);
    assert.match(text, /^B="\{\\"k\\":\\"v \\\$HOME\\"\}"$/m);
    assert.match(text, /^D="007"$/m, 'azd fixupUnquotedDotenv re-quotes a number that does not round-trip');
    assert.match(text, /^E=42$/m);
    assert.deepEqual(godotenvParse(text), values);
  });

  test('envsubst: ${VAR=default} takes the default when VAR is unset or empty (drone/envsubst toDefault)', () => {
    assert.equal(envsubst('${X=[]}', () => ''), '[]');
    assert.equal(envsubst('${X=[]}', () => '["a"]'), '["a"]');
    assert.equal(envsubst('${X}', () => ''), '');
  });
});

describe('azd paths (stand-in azd)', () => {
  test('1. first `azd up --no-prompt` on a fresh environment succeeds; the session key is generated once and reused by the next `up`', async () => {
    const project = fresh();
    const env = baseEnv(project);
    const first = await runAzd(project, ['up', '--no-prompt'], env);
    assert.equal(first.code, 0, first.output);
    assert.match(first.output, /SUCCESS: Your up workflow to provision and deploy to Azure completed/);
    const [d1] = deployments(project);
    assert.equal(d1!.provisioningState, 'Succeeded');
    const values = dotenv(project);
    for (const key of ['AZURE_RESOURCE_GROUP', 'AZURE_FUNCTION_APP_NAME', 'SERVICE_API_NAME', 'SERVICE_API_ENDPOINT_URL', 'MCP_BASE_URL', 'MCP_DEFAULT_ENDPOINT', 'MCP_PROVISIONED_PLAN']) assert.ok(values[key], `${key} in .env`);
    const provisioned = JSON.parse(Buffer.from(values.MCP_PROVISIONED_PLAN!, 'base64').toString('utf8'));
    assert.deepEqual(Object.keys(provisioned), ['planVersion', 'appSettings', 'secrets', 'roleAssignments', 'identity', 'entra', 'scale']);
    assert.ok(existsSync(path.join(project, '.azure/dev/.standin-site/api/host.json')), 'the package was uploaded');
    assertNothingRunning(project);

    const second = await runAzd(project, ['up', '--no-prompt'], env);
    assert.equal(second.code, 0, second.output);
    const all = deployments(project).filter((d) => d.provisioningState === 'Succeeded');
    const keys = all.map((d) => d.parameters.sessionKey);
    assert.equal(typeof keys[0], 'string');
    assert.ok((keys[0] as string).length >= 32);
    for (const key of keys) assert.equal(key, keys[0], 'the same session key on every provision');
    assertNothingRunning(project);
  });

  test('3. `azd provision` alone, then `azd deploy` alone (deploy runs the service-level prepackage)', async () => {
    const project = fresh();
    const env = baseEnv(project);
    const provision = await runAzd(project, ['provision', '--no-prompt'], env);
    assert.equal(provision.code, 0, provision.output);
    assert.match(provision.output, /SUCCESS: Your application was provisioned in Azure/);
    assert.ok(dotenv(project).MCP_PROVISIONED_PLAN);
    const deploy = await runAzd(project, ['deploy', '--no-prompt'], env);
    assert.equal(deploy.code, 0, deploy.output);
    assert.match(deploy.output, /prepackage/);
    assert.ok(existsSync(path.join(project, '.azure/dev/.standin-site/api/mcp_config.json')), 'the config is in the package');
    assert.ok(existsSync(path.join(project, '.azure/dev/.standin-site/api/.mcp-packages')) || true);
    assertNothingRunning(project);
  });

  test('4. remoteBuild: explicit values and the error cases of resolveFunctionAppRemoteBuild', async () => {
    const project = fresh();
    const env = baseEnv(project);
    const provision = await runAzd(project, ['provision', '--no-prompt'], env);
    assert.equal(provision.code, 0, provision.output);
    const yamlFile = path.join(project, 'azure.yaml');
    const original = readFileSync(yamlFile, 'utf8');
    const doc = YAML.parse(original);
    // remoteBuild: true without a .funcignore excluding node_modules -> azd's error at deploy.
    doc.services.api.remoteBuild = true;
    writeFileSync(yamlFile, YAML.stringify(doc));
    writeFileSync(path.join(project, '.funcignore'), '.git*\n');
    const bad = await runAzd(project, ['deploy', '--no-prompt'], env);
    assert.equal(bad.code, 1, bad.output);
    assert.match(bad.stderr, /'remoteBuild: true' requires '\.funcignore' to exclude node_modules/);
    // remoteBuild: false with a .funcignore excluding node_modules -> the other error.
    doc.services.api.remoteBuild = false;
    writeFileSync(yamlFile, YAML.stringify(doc));
    writeFileSync(path.join(project, '.funcignore'), 'node_modules\n');
    const bad2 = await runAzd(project, ['deploy', '--no-prompt'], env);
    assert.equal(bad2.code, 1, bad2.output);
    assert.match(bad2.stderr, /'remoteBuild: false' cannot be used when '\.funcignore' excludes node_modules/);
    assertNothingRunning(project);
  });

  test('5. the GitHub workflow: fresh .azure/, pipeline variables and secrets in the process env, `azd provision --no-prompt` then `azd deploy --no-prompt`', async () => {
    const workflow = YAML.parse(readFileSync(path.join(checkoutRoot, '.github/workflows/azure-dev.yml'), 'utf8'));
    const steps: string[] = workflow.jobs.deploy.steps.map((s: { run?: string }) => s.run ?? '').filter((r: string) => r.startsWith('azd ') && !r.startsWith('azd auth'));
    assert.ok(steps.includes('azd provision --no-prompt') && steps.includes('azd deploy --no-prompt'), steps.join('\n'));
    const project = fresh();
    const settings = Buffer.from(JSON.stringify({})).toString('base64');
    const secrets = Buffer.from(JSON.stringify({})).toString('base64');
    const jobEnv: Record<string, string> = {};
    for (const name of Object.keys(workflow.jobs.deploy.env)) jobEnv[name] = '';
    Object.assign(jobEnv, { AZURE_ENV_NAME: 'ci', AZURE_LOCATION: 'westeurope', AZURE_SUBSCRIPTION_ID: SUB, AZURE_CLIENT_ID: 'client', AZURE_TENANT_ID: 'tenant', MCP_SETTING_VALUES: settings, MCP_SECRET_VALUES: secrets, MCP_ADAPTER_SESSION_KEY: 'ci-session-key-0123456789abcdef0123456789abcdef', GITHUB_ACTIONS: 'true', CI: 'true' });
    for (const [k, v] of Object.entries(jobEnv)) if (v === '') delete jobEnv[k];
    const env = cleanEnv({ ...jobEnv, AZD_CONFIG_DIR: path.join(path.dirname(project), 'azd-config') });
    for (const step of steps) {
      const run = await runAzd(project, step.trim().split(' ').slice(1), env);
      assert.equal(run.code, 0, `${step}\n${run.output}`);
    }
    const [d] = deployments(project, 'ci');
    assert.equal(d!.parameters.sessionKey, 'ci-session-key-0123456789abcdef0123456789abcdef');
    assertNothingRunning(project);
  });
});
