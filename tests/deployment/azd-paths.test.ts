import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import YAML from 'yaml';
import { OUTPUT_NAMES, readOutputs } from '../helpers/azd/bicep-model.js';
import { azdMarshalDotenv, godotenvParse } from '../helpers/azd/dotenv.js';
import { envsubst } from '../helpers/azd/envsubst.js';
import {
  assertNothingRunning,
  azdEnvValues as dotenv,
  checkoutRoot,
  cleanEnv,
  copyProject,
  recordedDeployments as deployments,
  removeProject,
  runAzd,
} from '../helpers/azd/project-copy.js';
import { decodeValues, encodeValues } from '../../src/deployment/azd-values.js';

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
  return cleanEnv({
    AZURE_ENV_NAME: 'dev',
    AZURE_LOCATION: 'westeurope',
    AZURE_SUBSCRIPTION_ID: SUB,
    AZD_CONFIG_DIR: path.join(path.dirname(project), 'azd-config'),
    ...extra,
  });
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
    assert.equal(
      envsubst('${X=[]}', () => ''),
      '[]',
    );
    assert.equal(
      envsubst('${X=[]}', () => '["a"]'),
      '["a"]',
    );
    assert.equal(
      envsubst('${X}', () => ''),
      '',
    );
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
    for (const key of [
      'AZURE_RESOURCE_GROUP',
      'AZURE_FUNCTION_APP_NAME',
      'SERVICE_API_NAME',
      'SERVICE_API_ENDPOINT_URL',
      'MCP_BASE_URL',
      'MCP_DEFAULT_ENDPOINT',
      'MCP_PROVISIONED_PLAN',
    ])
      assert.ok(values[key], `${key} in .env`);
    const provisioned = JSON.parse(Buffer.from(values.MCP_PROVISIONED_PLAN!, 'base64').toString('utf8'));
    assert.deepEqual(Object.keys(provisioned), [
      'planVersion',
      'appSettings',
      'secrets',
      'roleAssignments',
      'identity',
      'entra',
      'apps',
    ]);
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
    assert.ok(
      existsSync(path.join(project, '.azure/dev/.standin-site/api/mcp_config.json')),
      'the config is in the package',
    );
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

  test('5. the GitHub workflow: fresh .azure/, each azd step run with the job env plus its own step env (the MCP_* values and secrets only where the workflow gives them)', async () => {
    const workflow = YAML.parse(readFileSync(path.join(checkoutRoot, '.github/workflows/azure-dev.yml'), 'utf8'));
    const job = workflow.jobs.deploy as {
      env?: Record<string, string>;
      steps: { name?: string; run?: string; env?: Record<string, string> }[];
    };
    const steps = job.steps.filter(
      (s) => typeof s.run === 'string' && s.run.trim().startsWith('azd ') && !s.run.trim().startsWith('azd auth'),
    );
    const runs = steps.map((s) => s.run!.trim());
    assert.ok(runs.includes('azd provision --no-prompt') && runs.includes('azd deploy --no-prompt'), runs.join('\n'));
    assert.ok(runs.indexOf('azd provision --no-prompt') < runs.indexOf('azd deploy --no-prompt'), runs.join('\n'));

    // A config that needs a setting and a secret, so the provision needs the pipeline's values.
    const project = fresh();
    const configFile = path.join(project, 'mcp_config.json');
    const config = JSON.parse(readFileSync(configFile, 'utf8'));
    config.mcpServers['sequential-thinking'].env = {
      ...config.mcpServers['sequential-thinking'].env,
      API_URL: '${env:API_URL}',
      API_TOKEN: '${secret:API_TOKEN}',
    };
    writeFileSync(configFile, JSON.stringify(config, null, 2));

    // What `azd pipeline config` stores in the repository (azure.yaml `pipeline:` plus azd's own
    // AZURE_*); an unset variable is an empty string in an expression, as on GitHub.
    const sessionKey = 'ci-session-key-0123456789abcdef0123456789abcdef';
    const settings = encodeValues({ API_URL: 'https://api.contoso.example/' });
    const secrets = encodeValues({ API_TOKEN: 'ci-api-token-secret' });
    const repository: Record<'vars' | 'secrets', Record<string, string>> = {
      vars: {
        AZURE_CLIENT_ID: 'client',
        AZURE_TENANT_ID: 'tenant',
        AZURE_SUBSCRIPTION_ID: SUB,
        AZURE_ENV_NAME: 'ci',
        AZURE_LOCATION: 'westeurope',
        MCP_SETTING_VALUES: settings,
      },
      secrets: { MCP_SECRET_VALUES: secrets, MCP_ADAPTER_SESSION_KEY: sessionKey },
    };
    const expression = (text: string): string =>
      text.replace(
        /\$\{\{\s*(vars|secrets)\.([A-Za-z0-9_]+)\s*\}\}/g,
        (_, kind: 'vars' | 'secrets', name: string) => repository[kind][name] ?? '',
      );
    const evaluate = (block: Record<string, string> | undefined) =>
      Object.fromEntries(Object.entries(block ?? {}).map(([k, v]) => [k, expression(String(v))]));
    // The runner's environment of a step: its defaults, the job's env, then the step's own env.
    const stepEnv = (step: { env?: Record<string, string> }) => ({
      GITHUB_ACTIONS: 'true',
      CI: 'true',
      ...evaluate(job.env),
      ...evaluate(step.env),
    });

    // The values azure.yaml sends to the pipeline reach exactly the steps whose own env names them,
    // never through the job env.
    const yaml = YAML.parse(readFileSync(path.join(checkoutRoot, 'azure.yaml'), 'utf8')) as {
      pipeline: { variables: string[]; secrets: string[] };
    };
    const pipelineValues = [...yaml.pipeline.variables, ...yaml.pipeline.secrets];
    for (const name of pipelineValues)
      assert.ok(!(name in (job.env ?? {})), `${name} is in the deploy job's env: every step gets it`);
    for (const step of steps) {
      const given = pipelineValues.filter((name) => name in stepEnv(step));
      assert.deepEqual(
        given,
        pipelineValues.filter((name) => name in (step.env ?? {})),
        step.run,
      );
    }
    const provisionStep = steps.find((s) => s.run!.trim() === 'azd provision --no-prompt')!;
    for (const name of ['MCP_SETTING_VALUES', 'MCP_SECRET_VALUES', 'MCP_ADAPTER_SESSION_KEY'])
      assert.ok(name in stepEnv(provisionStep), `the provision step gets ${name}`);
    for (const step of steps.filter((s) => s !== provisionStep)) {
      for (const name of ['MCP_SECRET_VALUES', 'MCP_ADAPTER_SESSION_KEY'])
        assert.ok(!(name in stepEnv(step)), `${step.run} gets ${name}`);
    }

    for (const step of steps) {
      const env = cleanEnv({ ...stepEnv(step), AZD_CONFIG_DIR: path.join(path.dirname(project), 'azd-config') });
      const run = await runAzd(project, step.run!.trim().split(/\s+/).slice(1), env);
      assert.equal(run.code, 0, `${step.run}\n${run.output}`);
    }
    const succeeded = deployments(project, 'ci').filter((d) => d.provisioningState === 'Succeeded');
    assert.equal(succeeded.length, 1);
    assert.equal(succeeded[0]!.parameters.sessionKey, sessionKey);
    assert.deepEqual(decodeValues(String(succeeded[0]!.parameters.mcpSettingValues)), decodeValues(settings));
    assert.deepEqual(decodeValues(String(succeeded[0]!.parameters.mcpSecretValues)), decodeValues(secrets));
    assert.ok(
      existsSync(path.join(project, '.azure/ci/.standin-site/api/mcp_config.json')),
      'the deploy step deployed the app',
    );
    // The secrets the provision step was given never land in the runner's .azure/<env>/.env,
    // from where `azd deploy` would hand them to every hook and build step.
    const stored = dotenv(project, 'ci');
    for (const name of ['MCP_SECRET_VALUES', 'MCP_SETTING_VALUES', 'MCP_ADAPTER_SESSION_KEY'])
      assert.equal(stored[name], undefined, `${name} in .azure/ci/.env`);
    assertNothingRunning(project);
  });
});
