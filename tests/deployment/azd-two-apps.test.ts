import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import YAML from 'yaml';
import type { ModelResource } from '../helpers/azd/bicep-model.js';
import { parseSemVerRange, STANDIN_AZD_VERSION } from '../helpers/azd/azd-cli.js';
import {
  assertNothingRunning,
  azdEnvValues,
  cleanEnv,
  copyProject,
  recordedDeployments,
  removeProject,
  runAzd,
} from '../helpers/azd/project-copy.js';

/**
 * Issue 18, option (b), through the stand-in azd (tests/helpers/azd/azd-cli.ts): a config with a
 * stateful and a stateless server provisions two Function Apps and deploys the one package to
 * both (azure.yaml's `api` and `api-stateless`); a config of one kind provisions one, and
 * `api-stateless` is skipped by its `condition` (cli/azd/pkg/project/service_config.go IsEnabled,
 * importer.go ServiceStableFiltered). Without the condition azd would try to deploy it and fail
 * to find its resource (resource_manager.go GetServiceResource).
 */
const SUB = '00000000-0000-0000-0000-000000000001';
const projects: string[] = [];
after(() => projects.forEach(removeProject));

const fixture = 'tests/fixtures/servers/node-fixture.mjs';
const MIXED = {
  mcpServers: {
    notes: { command: 'node', args: [fixture], default: true },
    clock: { command: 'node', args: [fixture], state: 'stateless' },
  },
};
const STATEFUL_ONLY = { mcpServers: { notes: { command: 'node', args: [fixture] } } };

function setup(config: unknown, edit?: (azureYaml: Record<string, any>) => void) {
  const project = copyProject();
  projects.push(project);
  writeFileSync(path.join(project, 'mcp_config.json'), JSON.stringify(config, null, 2));
  if (edit) {
    const file = path.join(project, 'azure.yaml');
    const doc = YAML.parse(readFileSync(file, 'utf8')) as Record<string, any>;
    edit(doc);
    writeFileSync(file, YAML.stringify(doc));
  }
  const env = cleanEnv({
    AZURE_ENV_NAME: 'dev',
    AZURE_LOCATION: 'westeurope',
    AZURE_SUBSCRIPTION_ID: SUB,
    AZD_CONFIG_DIR: path.join(path.dirname(project), 'azd-config'),
  });
  return { project, env };
}

interface SiteRecord {
  functionApp: string;
  appSettings: Record<string, string>;
}
const siteRecord = (project: string, service: string): SiteRecord =>
  JSON.parse(readFileSync(path.join(project, '.azure/dev/.standin-site', `${service}.json`), 'utf8')) as SiteRecord;
const deployedServices = (output: string) => [...output.matchAll(/Done: Deploying service (\S+)/g)].map((m) => m[1]);

describe('two Function Apps (stand-in azd)', () => {
  test('a mixed config: `azd up` provisions two apps and deploys the one package to both, each with its role, session cap and the other app`s URL', async () => {
    const { project, env } = setup(MIXED);
    const run = await runAzd(project, ['up', '--no-prompt'], env);
    assert.equal(run.code, 0, run.output);
    assert.deepEqual(deployedServices(run.output), ['api', 'api-stateless']);
    assert.match(
      run.output,
      /app api \(stateful\): notes; app api-stateless \(stateless\): clock; MCP_STATELESS_APP_ENABLED=true/,
    );
    // The prepackage hook ran for each service, concurrently; the second run reused the package.
    assert.equal([...run.output.matchAll(/Deployment package assembled in \.azd-package\//g)].length, 1, run.output);
    assert.equal([...run.output.matchAll(/is current: assembled \d+ s ago/g)].length, 1, run.output);

    const deployment = recordedDeployments<{ plan: { apps: any[] }; resources: ModelResource[] }>(project).at(-1)!;
    const [stateful, stateless] = deployment.plan.apps;
    const sites = deployment.resources.filter((r) => r.type === 'Microsoft.Web/sites');
    assert.deepEqual(
      sites.map((s) => s.tags['azd-service-name']),
      ['api', 'api-stateless'],
    );
    const [apiSite, statelessSite] = sites as [ModelResource, ModelResource];
    assert.notEqual(apiSite.properties.serverFarm, statelessSite.properties.serverFarm, 'each app its own plan');
    assert.notEqual(
      apiSite.properties.deploymentContainer,
      statelessSite.properties.deploymentContainer,
      'each app its own package container',
    );
    assert.deepEqual(
      apiSite.properties.userAssignedIdentities,
      statelessSite.properties.userAssignedIdentities,
      'one identity',
    );
    assert.equal((apiSite.properties.scaleAndConcurrency as any).maximumInstanceCount, 1);

    const api = siteRecord(project, 'api');
    const other = siteRecord(project, 'api-stateless');
    assert.equal(api.functionApp, apiSite.name);
    assert.equal(other.functionApp, statelessSite.name);
    assert.equal(api.appSettings.MCP_ADAPTER_APP_ROLE, 'stateful');
    assert.equal(other.appSettings.MCP_ADAPTER_APP_ROLE, 'stateless');
    assert.equal(api.appSettings.MCP_ADAPTER_MAX_SESSIONS, String(stateful.scale.sessionsPerInstance));
    assert.equal(other.appSettings.MCP_ADAPTER_MAX_SESSIONS, String(stateless.scale.sessionsPerInstance));
    assert.equal(api.appSettings.MCP_ADAPTER_OTHER_APP_URL, `https://${statelessSite.name}.azurewebsites.net`);
    assert.equal(other.appSettings.MCP_ADAPTER_OTHER_APP_URL, `https://${apiSite.name}.azurewebsites.net`);
    for (const service of ['api', 'api-stateless'])
      assert.ok(
        existsSync(path.join(project, '.azure/dev/.standin-site', service, 'mcp_config.json')),
        `${service} got the package`,
      );

    const values = azdEnvValues(project);
    assert.equal(values.MCP_STATELESS_APP_ENABLED, 'true');
    assert.equal(values.SERVICE_API_NAME, apiSite.name);
    assert.equal(values.SERVICE_API_STATELESS_NAME, statelessSite.name);
    assert.equal(values.SERVICE_API_STATELESS_ENDPOINT_URL, `https://${statelessSite.name}.azurewebsites.net`);
    assert.deepEqual(
      (JSON.parse(values.MCP_APPS!) as Array<Record<string, unknown>>).map((a) => [a.service, a.role, a.servers]),
      [
        ['api', 'stateful', ['notes']],
        ['api-stateless', 'stateless', ['clock']],
      ],
    );
    assert.deepEqual(JSON.parse(values.MCP_ENDPOINTS!), [
      `https://${apiSite.name}.azurewebsites.net/mcp/notes`,
      `https://${statelessSite.name}.azurewebsites.net/mcp/clock`,
    ]);
    assert.equal(values.MCP_DEFAULT_ENDPOINT, `https://${apiSite.name}.azurewebsites.net/mcp`);
    // postdeploy reports both apps (the smoke tests themselves fail: nothing answers there).
    assert.match(run.output, new RegExp(`app api \\(stateful\\): ${apiSite.name} https://`));
    assert.match(run.output, new RegExp(`app api-stateless \\(stateless\\): ${statelessSite.name} https://`));
    assertNothingRunning(project);
  });

  test('one kind of server: `azd up` deploys only `api` and skips `api-stateless` by its condition; naming it is an error; without the condition azd fails to find its app', async () => {
    const { project, env } = setup(STATEFUL_ONLY);
    const up = await runAzd(project, ['up', '--no-prompt'], env);
    assert.equal(up.code, 0, up.output);
    assert.deepEqual(deployedServices(up.output), ['api']);
    assert.equal(azdEnvValues(project).MCP_STATELESS_APP_ENABLED, 'false');
    assert.equal(azdEnvValues(project).SERVICE_API_STATELESS_NAME, '');
    assert.equal(siteRecord(project, 'api').appSettings.MCP_ADAPTER_APP_ROLE, 'stateful');
    assert.equal(siteRecord(project, 'api').appSettings.MCP_ADAPTER_OTHER_APP_URL, undefined);
    assert.equal(existsSync(path.join(project, '.azure/dev/.standin-site/api-stateless.json')), false);

    const named = await runAzd(project, ['deploy', 'api-stateless', '--no-prompt'], env);
    assert.equal(named.code, 1, named.output);
    assert.match(
      named.stderr,
      /service 'api-stateless' has a deployment condition that evaluated to 'false'\. The service requires a truthy value \(1, true, TRUE, True, yes, YES, Yes\) to be enabled/,
    );

    // The same project without the condition: azd packages and deploys every service, and
    // api-stateless has no app to go to.
    const yamlFile = path.join(project, 'azure.yaml');
    const doc = YAML.parse(readFileSync(yamlFile, 'utf8')) as Record<string, any>;
    delete doc.services['api-stateless'].condition;
    writeFileSync(yamlFile, YAML.stringify(doc));
    const unconditional = await runAzd(project, ['deploy', '--no-prompt'], env);
    assert.equal(unconditional.code, 1, unconditional.output);
    assert.match(
      unconditional.stderr,
      /getting target resource: unable to find a resource tagged with 'azd-service-name: api-stateless'\. Ensure the service resource is correctly tagged in your infrastructure configuration, and rerun provision/,
    );
    assertNothingRunning(project);
  });

  test('why the preup hook: azd reads the conditions when `azd up` starts, so without it the first `azd up` of a mixed config skips the second app', async () => {
    const { project, env } = setup(MIXED, (doc) => {
      delete doc.hooks.preup;
    });
    const up = await runAzd(project, ['up', '--no-prompt'], env);
    assert.equal(up.code, 0, up.output);
    assert.deepEqual(deployedServices(up.output), ['api'], 'api-stateless was provisioned but not deployed');
    assert.equal(
      azdEnvValues(project).MCP_STATELESS_APP_ENABLED,
      'true',
      'set by preprovision and the outputs: too late',
    );
    assertNothingRunning(project);
  });

  test('requiredVersions.azd: an azd without `condition` refuses the project', async () => {
    const { project, env } = setup(STATEFUL_ONLY);
    const range = (YAML.parse(readFileSync(path.join(project, 'azure.yaml'), 'utf8')) as any).requiredVersions.azd;
    assert.equal(range, '>= 1.23.5');
    const old = await runAzd(project, ['env', 'list'], { ...env, AZD_STANDIN_VERSION: '1.23.4' });
    assert.equal(old.code, 1, old.output);
    assert.match(
      old.stderr,
      /this project requires a version of azd within the range '>= 1\.23\.5', but you have '1\.23\.4'\. Visit https:\/\/aka\.ms\/azure-dev\/install to install a supported version\./,
    );
    const current = await runAzd(project, ['env', 'list'], { ...env, AZD_STANDIN_VERSION: '1.23.5' });
    assert.equal(current.code, 0, current.output);
    const supported = parseSemVerRange(range);
    assert.equal(supported(STANDIN_AZD_VERSION), true);
    assert.equal(supported('1.23.5-beta.1'), false, 'a pre-release of 1.23.5 comes before it');
    assert.equal(supported('1.24.0'), true);
    const either = parseSemVerRange('>=1.0.0 <2.0.0 || >=3.0.0');
    assert.deepEqual(['0.9.0', '1.5.0', '2.1.0', '3.0.0'].map(either), [false, true, false, true]);
  });
});
