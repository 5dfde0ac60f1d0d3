import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { decodeValues, encodeValues } from '../../src/deployment/azd-values.js';
import type { DeploymentPlan } from '../../src/deployment/plan.js';
import { encodeProvisionedPlan } from '../../src/deployment/provisioned-plan.js';
import { repoRoot } from '../helpers/adapter.js';
import { installAzdRecorder, type RecordedCall } from '../helpers/azd-env-recorder.mjs';

const samples = path.join(repoRoot, 'tests/fixtures/configs/samples');
const golden = (name: string) =>
  JSON.parse(readFileSync(path.join(samples, `${name}.plan.json`), 'utf8')) as DeploymentPlan;

/**
 * A project as azd may present it to `preprovision` on a fresh clone: the hooks and the committed
 * bundle, but no node_modules/ and no dist/ (azd installs and builds concurrently).
 */
function bareProject(): string {
  const project = mkdtempSync(path.join(tmpdir(), 'preprovision-project-'));
  mkdirSync(path.join(project, 'scripts/hooks/lib'), { recursive: true });
  mkdirSync(path.join(project, 'infra'));
  for (const file of ['scripts/hooks/preprovision.mjs', 'scripts/hooks/preup.mjs', 'scripts/hooks/lib/hook-tools.mjs'])
    copyFileSync(path.join(repoRoot, file), path.join(project, file));
  return project;
}

interface HookRun {
  code: number | null;
  stdout: string;
  stderr: string;
  calls: RecordedCall[];
  stored: Record<string, string>;
  plan?: DeploymentPlan;
}

/** The hook as azd runs it: a process with the azd environment's values, and an `azd` on PATH. */
function runHook(env: Record<string, string>, hook = 'preprovision'): Promise<HookRun> {
  const project = bareProject();
  const recorder = installAzdRecorder();
  const planOut = path.join(project, 'infra', 'mcp-plan.json');
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(project, `scripts/hooks/${hook}.mjs`)], {
      cwd: project,
      env: {
        PATH: `${recorder.bin}${path.delimiter}${process.env.PATH}`,
        ...recorder.env,
        AZURE_ENV_NAME: 'test-env',
        AZURE_LOCATION: 'westeurope',
        AZURE_SUBSCRIPTION_ID: '00000000-0000-0000-0000-000000000000',
        CI: 'true',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('close', (code) =>
      resolve({
        code,
        stdout,
        stderr,
        calls: recorder.calls(),
        stored: recorder.values(),
        plan: existsSync(planOut) ? (JSON.parse(readFileSync(planOut, 'utf8')) as DeploymentPlan) : undefined,
      }),
    );
  });
}

function valuesFor(plan: DeploymentPlan): { settings: Record<string, string>; secrets: Record<string, string> } {
  const settings: Record<string, string> = {};
  const secrets: Record<string, string> = {};
  for (const setting of plan.appSettings)
    if (setting.source === 'azd_env')
      settings[setting.azdEnvName] = `value of ${setting.azdEnvName} with "quotes" $X # and more`;
  for (const secret of plan.secrets) secrets[secret.azdEnvName] = `secret-${secret.azdEnvName}-$HOME-"q"`;
  return { settings, secrets };
}

const plans = path.join(repoRoot, 'tests/fixtures/plans');

describe('preup hook', () => {
  test('a mixed config: stores MCP_STATELESS_APP_ENABLED=true (the condition of api-stateless) and nothing else', async () => {
    const run = await runHook({ MCP_CONFIG_PATH: path.join(plans, 'mixed.json') }, 'preup');
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(run.stored, { MCP_STATELESS_APP_ENABLED: 'true' });
    assert.equal(
      run.stdout.trim(),
      'app api (stateful): notes; app api-stateless (stateless): clock; MCP_STATELESS_APP_ENABLED=true',
    );
    assert.equal(run.plan, undefined, "the plan file is the preprovision hook's to write");
  });

  test('one app: false, written only when the environment holds another value', async () => {
    const fresh = await runHook({ MCP_CONFIG_PATH: path.join(plans, 'stateless.json') }, 'preup');
    assert.equal(fresh.code, 0, fresh.stderr);
    assert.deepEqual(fresh.stored, { MCP_STATELESS_APP_ENABLED: 'false' });
    assert.match(fresh.stdout, /^app api \(stateless\): clock; MCP_STATELESS_APP_ENABLED=false$/m);
    const same = await runHook(
      { MCP_CONFIG_PATH: path.join(plans, 'stateless.json'), MCP_STATELESS_APP_ENABLED: 'false' },
      'preup',
    );
    assert.deepEqual(same.calls, []);
  });

  test('a config that does not load stops `azd up` before anything else', async () => {
    const run = await runHook({ MCP_CONFIG_PATH: path.join(plans, 'missing.json') }, 'preup');
    assert.equal(run.code, 1);
    assert.match(run.stderr, /Fix the config above and run `azd up` again; nothing was provisioned or deployed\./);
    assert.deepEqual(run.calls, []);
  });
});

describe('preprovision hook', () => {
  test('a mixed config: MCP_STATELESS_APP_ENABLED=true beside the values, and the plan names both apps', async () => {
    const run = await runHook({ MCP_CONFIG_PATH: path.join(plans, 'mixed.json'), CLOCK_ZONE: 'UTC' });
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stored.MCP_STATELESS_APP_ENABLED, 'true');
    assert.deepEqual(
      run.plan?.apps.map((app) => app.service),
      ['api', 'api-stateless'],
    );
    assert.match(run.stdout, /: app api \(stateful\): \/mcp\/notes; app api-stateless \(stateless\): \/mcp\/clock\n/);
  });

  for (const sample of ['none', 'azure_default', 'azure_obo', 'oauth2_bearer']) {
    test(`${sample}: writes the plan and stores the values it needs with one azd env set --file, from a project without node_modules/ or dist/`, async () => {
      const plan = golden(sample);
      const { settings, secrets } = valuesFor(plan);
      const run = await runHook({ MCP_CONFIG_PATH: path.join(samples, `${sample}.json`), ...settings, ...secrets });
      assert.equal(run.code, 0, run.stderr);
      assert.deepEqual(run.plan, plan);
      assert.equal(run.calls.length, 1);
      assert.deepEqual(run.calls[0]!.args.slice(0, 3), ['env', 'set', '--file']);
      assert.deepEqual(Object.keys(run.stored).sort(), [
        'MCP_RETIRED_APP_ROLES',
        'MCP_RETIRED_CALLER_SCOPES',
        'MCP_SECRET_VALUES',
        'MCP_SETTING_VALUES',
        'MCP_STATELESS_APP_ENABLED',
      ]);
      assert.equal(run.stored.MCP_STATELESS_APP_ENABLED, 'false', 'one app: api-stateless stays disabled');
      assert.deepEqual(decodeValues(run.stored.MCP_SETTING_VALUES!), settings);
      assert.deepEqual(decodeValues(run.stored.MCP_SECRET_VALUES!), secrets);
      assert.equal(run.stored.MCP_RETIRED_CALLER_SCOPES, '[]');
      assert.equal(run.stored.MCP_RETIRED_APP_ROLES, '[]');
      for (const value of Object.values(secrets))
        assert.equal(
          `${run.stdout}${run.stderr}${JSON.stringify(run.calls[0]!.args)}`.includes(value),
          false,
          'secret values are never printed nor passed as arguments',
        );
    });
  }

  test('values come from the combined variables the pipeline passes; a single variable wins', async () => {
    const plan = golden('none');
    const { settings, secrets } = valuesFor(plan);
    const run = await runHook({
      MCP_CONFIG_PATH: path.join(samples, 'none.json'),
      MCP_SETTING_VALUES: encodeValues(settings),
      MCP_SECRET_VALUES: encodeValues({ ...secrets, NO_LONGER_USED: 'x' }),
      GITHUB_TOKEN: 'from-its-own-variable',
    });
    assert.equal(run.code, 0, run.stderr);
    // The settings are what the environment holds already: not written again; the secrets changed.
    assert.equal(run.stored.MCP_SETTING_VALUES, undefined);
    assert.deepEqual(decodeValues(run.stored.MCP_SECRET_VALUES!), {
      ...secrets,
      GITHUB_TOKEN: 'from-its-own-variable',
    });
    assert.match(
      run.stdout,
      /Stored 5 value\(s\) in the azd environment as MCP_SETTING_VALUES \/ MCP_SECRET_VALUES \(4 from the combined variables, 1 from their own variables\); values not shown/,
    );
  });

  test('values the environment already holds as they are (CI passes them to the provision step) are not written into the azd environment', async () => {
    const plan = golden('none');
    const { settings, secrets } = valuesFor(plan);
    const run = await runHook({
      MCP_CONFIG_PATH: path.join(samples, 'none.json'),
      MCP_SETTING_VALUES: encodeValues(settings),
      MCP_SECRET_VALUES: encodeValues(secrets),
      MCP_RETIRED_CALLER_SCOPES: '[]',
      MCP_RETIRED_APP_ROLES: '[]',
      MCP_STATELESS_APP_ENABLED: 'false',
    });
    assert.equal(run.code, 0, run.stderr);
    // Nothing changed: azd env set is not even called, so no secret lands in .azure/<env>/.env.
    assert.deepEqual(run.calls, []);
    assert.deepEqual(run.stored, {});
  });

  test("the session key is not the hook's: an existing one stays, none is generated", async () => {
    const { settings, secrets } = valuesFor(golden('none'));
    for (const extra of [{}, { MCP_ADAPTER_SESSION_KEY: 'existing-key' }] as Array<Record<string, string>>) {
      const run = await runHook({
        MCP_CONFIG_PATH: path.join(samples, 'none.json'),
        ...settings,
        ...secrets,
        ...extra,
      });
      assert.equal(run.code, 0, run.stderr);
      assert.equal('MCP_ADAPTER_SESSION_KEY' in run.stored, false);
    }
  });

  test('caller scopes the last provision created and the config dropped are retired', async () => {
    const provisioned = golden('azure_obo');
    provisioned.entra!.requiredCallerScopes = [...provisioned.entra!.requiredCallerScopes, 'mcp.read', 'mcp.write'];
    provisioned.entra!.appRoles = [...(provisioned.entra!.appRoles ?? []), 'Mail.Archivists'];
    const { settings } = valuesFor(golden('azure_obo'));
    const run = await runHook({
      MCP_CONFIG_PATH: path.join(samples, 'azure_obo.json'),
      ...settings,
      MCP_PROVISIONED_PLAN: encodeProvisionedPlan(provisioned),
    });
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(JSON.parse(run.stored.MCP_RETIRED_CALLER_SCOPES!), ['mcp.read', 'mcp.write']);
    assert.match(run.stdout, /disabled on the app registration by this provision: mcp\.read, mcp\.write/);
    assert.deepEqual(JSON.parse(run.stored.MCP_RETIRED_APP_ROLES!), ['Mail.Archivists']);
    assert.match(run.stdout, /App roles no longer in the config, disabled .*: Mail\.Archivists/);

    const garbage = await runHook({
      MCP_CONFIG_PATH: path.join(samples, 'azure_obo.json'),
      ...settings,
      MCP_PROVISIONED_PLAN: 'garbage!',
    });
    assert.equal(garbage.code, 0, garbage.stderr);
    assert.match(
      garbage.stderr,
      /warning: MCP_PROVISIONED_PLAN is not a provisioned plan.*no caller scope or app role is retired/,
    );
    assert.equal(garbage.stored.MCP_RETIRED_CALLER_SCOPES, '[]');
  });

  test('values missing, with nobody to ask, stop it listing each with the command to set it', async () => {
    const run = await runHook({ MCP_CONFIG_PATH: path.join(samples, 'none.json') });
    assert.equal(run.code, 1);
    assert.match(run.stderr, /These values are needed and not in the azd environment \(and nobody can be asked/);
    assert.match(run.stderr, /GITHUB_TOKEN \(secret\): .*\n\s+azd env set GITHUB_TOKEN "<secret value>"/);
    assert.match(run.stderr, /LOCAL_TIMEZONE: .*\n\s+azd env set LOCAL_TIMEZONE "<value>"/);
    assert.match(run.stderr, /SEARCH_ENDPOINT/);
    assert.match(run.stderr, /MCP_INPUT_SEARCH_API_KEY \(secret\): API key of the search service/);
    assert.doesNotMatch(run.stderr, /MCP_INPUT_GITHUB_ORG/, 'an input with a default is not missing');
    assert.deepEqual(run.calls, []);
  });

  test('a bad config fails before anything is provisioned', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'bad-config-'));
    writeFileSync(path.join(dir, 'mcp_config.json'), '{"mcpServers": {"a": {"comand": "x"}}}');
    const run = await runHook({ MCP_CONFIG_PATH: path.join(dir, 'mcp_config.json') });
    assert.equal(run.code, 1);
    assert.match(run.stderr, /unknown property "comand"; did you mean "command"\?/);
    assert.match(run.stderr, /nothing was provisioned/);
    assert.equal(run.plan, undefined);
    assert.deepEqual(run.calls, []);
  });

  test('a failing `azd env set` stops it', async () => {
    const { settings, secrets } = valuesFor(golden('none'));
    const failed = await runHook({
      MCP_CONFIG_PATH: path.join(samples, 'none.json'),
      ...settings,
      ...secrets,
      AZD_RECORDER_FAIL: '1',
    });
    assert.equal(failed.code, 1);
    assert.match(failed.stderr, /Could not store the values in the azd environment: `azd env set --file` failed/);
  });
});
