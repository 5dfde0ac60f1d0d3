import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  assertNothingRunning,
  azdEnvValues,
  checkoutRoot,
  cleanEnv,
  copyProject,
  recordedDeployments,
  removeProject,
  runAzd,
  type AzdRun,
} from '../helpers/azd/project-copy.js';
import { decodeProvisionedPlan } from '../../src/deployment/provisioned-plan.js';

/**
 * Edit and redeploy (issue 12 item 5) with the stand-in azd (tests/helpers/azd/azd-cli.ts), on one
 * project provisioned once by `azd up`: a config with an Entra caller (an azure_obo server with
 * required caller scopes) and a function-key server. Each edit the infrastructure must follow
 * stops `azd deploy` in the predeploy hook (cheap: before packaging); the others deploy as is. A
 * caller scope removed from the config is retired for exactly one provision.
 */

const SUB = '00000000-0000-0000-0000-000000000001';
const projects: string[] = [];
after(() => projects.forEach(removeProject));

type Config = {
  mcpServers: Record<string, any>;
  deployment: Record<string, number>;
  adapter?: Record<string, unknown>;
};

/** Both servers run the Node fixture (copied into the project), so packaging needs no network. */
const BASE: Config = {
  mcpServers: {
    kusto: {
      command: 'node',
      args: ['servers/node-fixture.mjs'],
      auth: {
        method: 'azure_obo',
        azure_scopes: ['https://kusto.kusto.windows.net/.default'],
        caller: { type: 'entra', required_scopes: ['user_impersonation', 'Tools.Read'] },
      },
    },
    files: { command: 'node', args: ['servers/node-fixture.mjs'], auth: { method: 'none' } },
  },
  deployment: { instance_memory_mb: 2048 },
  adapter: { allow_shared_user_credentials: true },
};

interface Deployment {
  provisioningState: string;
  parameters: Record<string, unknown>;
}

let project = '';
let env: NodeJS.ProcessEnv = {};
const configFile = () => path.join(project, 'mcp_config.json');
const siteRecord = () => path.join(project, '.azure/dev/.standin-site/api.json');
const deployedConfig = () =>
  JSON.parse(readFileSync(path.join(project, '.azure/dev/.standin-site/api/mcp_config.json'), 'utf8')) as Config;
const deployments = (): Deployment[] => recordedDeployments<Deployment>(project);
const dotenv = () => azdEnvValues(project);

function writeConfig(edit: (config: Config) => void = () => {}): void {
  const config = structuredClone(BASE);
  edit(config);
  writeFileSync(configFile(), JSON.stringify(config, null, 2));
}

const azd = (...args: string[]): Promise<AzdRun> => runAzd(project, args, env);

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('edit kinds after a provisioned `azd up` (stand-in azd)', () => {
  before(async () => {
    project = copyProject();
    projects.push(project);
    env = cleanEnv({
      AZURE_ENV_NAME: 'dev',
      AZURE_LOCATION: 'westeurope',
      AZURE_SUBSCRIPTION_ID: SUB,
      AZD_CONFIG_DIR: path.join(path.dirname(project), 'azd-config'),
    });
    mkdirSync(path.join(project, 'servers'), { recursive: true });
    cpSync(
      path.join(checkoutRoot, 'tests/fixtures/servers/node-fixture.mjs'),
      path.join(project, 'servers/node-fixture.mjs'),
    );
    writeConfig();
    const up = await azd('up', '--no-prompt');
    assert.equal(up.code, 0, up.output);
    assert.match(up.output, /SUCCESS: Your up workflow to provision and deploy to Azure completed/);
    assertNothingRunning(project);
  });

  test('`azd deploy` stops (exit 1, naming the change and `azd provision`) on a new setting, an added caller scope, an auth method change and a scale change; args only and a new server without settings deploy as is', async () => {
    const stops: { edit: string; change: (config: Config) => void; says: string[] }[] = [
      {
        edit: 'a new plain setting ${env:NEW_URL}',
        change: (c) => (c.mcpServers.files.env = { NEW_URL: '${env:NEW_URL}' }),
        says: ['new app setting NEW_URL (azd environment variable NEW_URL) is not provisioned'],
      },
      {
        edit: 'an added Entra caller scope',
        change: (c) => c.mcpServers.kusto.auth.caller.required_scopes.push('Tools.Write'),
        says: ['Entra caller scope Tools.Write was added'],
      },
      {
        edit: 'auth method none → azure_default on the function-key server',
        change: (c) => (c.mcpServers.files.auth = { method: 'azure_default' }),
        says: ['a server now uses the managed identity (identity.childUsesManagedIdentity false → true)'],
      },
      {
        edit: 'deployment.instance_memory_mb 2048 → 4096',
        change: (c) => (c.deployment.instance_memory_mb = 4096),
        says: ['app api: scale.instanceMemoryMb 2048 → 4096'],
      },
    ];
    const deployedAt = () => (JSON.parse(readFileSync(siteRecord(), 'utf8')) as { deployedAt: string }).deployedAt;
    const lastDeploy = deployedAt();
    for (const { edit, change, says } of stops) {
      writeConfig(change);
      const run = await azd('deploy', '--no-prompt');
      assert.equal(run.code, 1, `${edit}:\n${run.output}`);
      assert.match(run.output, /mcp_config\.json needs infrastructure that is not provisioned:/, edit);
      for (const line of says)
        assert.match(run.output, new RegExp(`  - ${escapeRegExp(line)}`), `${edit}:\n${run.output}`);
      assert.match(
        run.output,
        /Run `azd provision` \(or `azd up`\) to update the infrastructure, then deploy; nothing was deployed\./,
        edit,
      );
      assert.match(run.stderr, /ERROR: failed running pre hooks: 'predeploy' hook failed with exit code: '1'/, edit);
      assert.doesNotMatch(run.output, /prepackage Hook Output|Deploying service/, `${edit}: stopped before packaging`);
      assert.equal(deployedAt(), lastDeploy, `${edit}: nothing was deployed`);
      assertNothingRunning(project);
      writeConfig();
    }

    // Args only.
    writeConfig((c) => c.mcpServers.files.args.push('--framing', 'ndjson'));
    const argsOnly = await azd('deploy', '--no-prompt');
    assert.equal(argsOnly.code, 0, argsOnly.output);
    assert.match(argsOnly.output, /The infrastructure is current for mcp_config\.json; deploying the app\./);
    assert.match(argsOnly.output, /SUCCESS: Your application was deployed to Azure\./);
    assert.deepEqual(deployedConfig().mcpServers.files.args, ['servers/node-fixture.mjs', '--framing', 'ndjson']);
    assertNothingRunning(project);
    writeConfig();

    // A new server that needs no new setting (function key, nothing for the child).
    writeConfig((c) => (c.mcpServers.notes = { command: 'node', args: ['servers/node-fixture.mjs'] }));
    const newServer = await azd('deploy', '--no-prompt');
    assert.equal(newServer.code, 0, newServer.output);
    assert.match(newServer.output, /The infrastructure is current for mcp_config\.json; deploying the app\./);
    assert.match(newServer.output, /SUCCESS: Your application was deployed to Azure\./);
    assert.deepEqual(Object.keys(deployedConfig().mcpServers).sort(), ['files', 'kusto', 'notes']);
    assertNothingRunning(project);
    writeConfig();
  });

  test('a removed caller scope: `azd provision` retires exactly that scope, the next provision retires none, then `azd deploy` passes', async () => {
    writeConfig((c) => (c.mcpServers.kusto.auth.caller.required_scopes = ['user_impersonation']));
    // Deploying first is refused: the app registration still has the scope enabled.
    const early = await azd('deploy', '--no-prompt');
    assert.equal(early.code, 1, early.output);
    assert.match(early.output, / {2}- Entra caller scope Tools\.Read was removed/);
    assert.match(early.output, /Run `azd provision`/);

    const before = deployments().length;
    const retire = await azd('provision', '--no-prompt');
    assert.equal(retire.code, 0, retire.output);
    assert.match(
      retire.output,
      /Caller scopes no longer in the config, disabled on the app registration by this provision: Tools\.Read/,
    );
    assert.match(retire.output, /SUCCESS: Your application was provisioned in Azure\./);
    assert.equal(deployments().length, before + 1, 'a deployment was made');
    assert.deepEqual(deployments().at(-1)!.parameters.retiredCallerScopes, ['Tools.Read']);
    assert.equal(dotenv().MCP_RETIRED_CALLER_SCOPES, '["Tools.Read"]');
    assertNothingRunning(project);

    const next = await azd('provision', '--no-prompt');
    assert.equal(next.code, 0, next.output);
    assert.doesNotMatch(next.output, /Caller scopes no longer in the config/);
    assert.equal(deployments().length, before + 2, 'a deployment was made (the parameters changed)');
    assert.deepEqual(deployments().at(-1)!.parameters.retiredCallerScopes, []);
    assert.equal(dotenv().MCP_RETIRED_CALLER_SCOPES, '[]');
    assert.deepEqual(decodeProvisionedPlan(dotenv().MCP_PROVISIONED_PLAN!).entra?.requiredCallerScopes, [
      'user_impersonation',
    ]);
    assertNothingRunning(project);

    const deploy = await azd('deploy', '--no-prompt');
    assert.equal(deploy.code, 0, deploy.output);
    assert.match(deploy.output, /The infrastructure is current for mcp_config\.json; deploying the app\./);
    assert.match(deploy.output, /SUCCESS: Your application was deployed to Azure\./);
    assert.deepEqual(deployedConfig().mcpServers.kusto.auth.caller.required_scopes, ['user_impersonation']);
    assert.ok(existsSync(siteRecord()));
    assertNothingRunning(project);
  });
});
