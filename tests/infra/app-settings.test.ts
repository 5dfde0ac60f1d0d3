// The Bicep sets every app setting the runtime needs from the infrastructure, reads the plan by
// field names the plan really has (one app or two: plan.apps), and the committed
// infra/mcp-plan.json is the plan of the bundled config (the preprovision hook rewrites it for a
// user's config before provisioning), as tests/fixtures/plans/*.plan.json are the plans of the
// configs beside them (the deployment shapes check-bicep compiles: mixed, all stateless).
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { loadConfigFile } from '../../src/config/load-config.js';
import { planDeployment, type DeploymentPlan } from '../../src/deployment/plan.js';
import { RUNTIME_APP_SETTINGS } from '../../src/functions/app-settings.js';
import { MODEL_SETTING_NAMES } from '../helpers/azd/bicep-model.js';
import {
  bicepFiles,
  declarations,
  descendants,
  infraDir,
  parseFile,
  propertyKey,
  repoRoot,
  type SyntaxNode,
} from './bicep.js';

/** The module that declares the site's `appsettings` config resource. */
function appSettingsModule() {
  const files = bicepFiles().filter((file) => /'Microsoft\.Web\/sites\/config@[^']+'/.test(readFileSync(file, 'utf8')));
  assert.equal(
    files.length,
    1,
    `expected one Bicep file with the Microsoft.Web/sites/config resource, found ${files.length}`,
  );
  return parseFile(files[0]!);
}

/** Keys of the object literals assigned to the module's variables (the settings it builds). */
function settingNamesInBicep(): Set<string> {
  const parsed = appSettingsModule();
  const names = new Set<string>();
  for (const variable of declarations(parsed).filter((d) => d.kind === 'var' && d.value)) {
    const objects: SyntaxNode[] =
      variable.value!.type === 'object' ? [variable.value!] : descendants(variable.value!, 'object');
    for (const object of objects) {
      for (const property of object.namedChildren.filter((child) => child.type === 'object_property')) {
        const key = propertyKey(property);
        if (key) names.add(key);
      }
    }
  }
  return names;
}

test("every setBy 'bicep' runtime setting is an app setting in the Bicep", () => {
  const names = settingNamesInBicep();
  const missing = RUNTIME_APP_SETTINGS.filter((setting) => setting.setBy === 'bicep' && !names.has(setting.name)).map(
    (setting) => setting.name,
  );
  assert.deepEqual(missing, [], `${appSettingsModule().relative} should set ${missing.join(', ')}`);
});

const functionAppModule = () => readFileSync(path.join(infraDir, 'app/function-app.bicep'), 'utf8');
const mainBicep = () => readFileSync(path.join(infraDir, 'main.bicep'), 'utf8');

test("the azd stand-in's model of a site's settings (tests/helpers/azd/bicep-model.ts) names exactly the Bicep's", () => {
  assert.deepEqual([...MODEL_SETTING_NAMES].sort(), [...settingNamesInBicep()].sort());
});

test('the host reaches storage and Application Insights with the managed identity', () => {
  const names = settingNamesInBicep();
  for (const name of [
    'AzureWebJobsStorage__accountName',
    'AzureWebJobsStorage__credential',
    'AzureWebJobsStorage__clientId',
  ])
    assert.ok(names.has(name), `${name} missing`);
  const text = appSettingsModule().text;
  assert.match(text, /AzureWebJobsStorage__credential: 'managedidentity'/);
  assert.match(text, /APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'Authorization=AAD;ClientId=\$\{identityClientId\}'/);
  assert.match(functionAppModule(), /keyVaultReferenceIdentity: identityId/);
  assert.match(functionAppModule(), /'azd-service-name': serviceName/);
  const rejectedOnFlex = [
    'FUNCTIONS_WORKER_RUNTIME',
    'FUNCTIONS_EXTENSION_VERSION',
    'WEBSITE_RUN_FROM_PACKAGE',
    'WEBSITE_NODE_DEFAULT_VERSION',
    'WEBSITE_CONTENTSHARE',
    'WEBSITE_CONTENTAZUREFILECONNECTIONSTRING',
  ];
  assert.deepEqual(
    rejectedOnFlex.filter((name) => names.has(name)),
    [],
    'Flex Consumption rejects these app settings',
  );
  assert.match(
    mainBicep(),
    /module functionApps 'app\/function-app\.bicep' = \[for app in apps: \{[\s\S]*?serviceName: app\.service\n/,
    'main.bicep should tag each app with its service key in azure.yaml (plan.apps[].service)',
  );
});

test('the deployment-shape plans (tests/fixtures/plans) are the plans of the configs beside them', () => {
  const dir = path.join(repoRoot, 'tests/fixtures/plans');
  const names = readdirSync(dir).filter((name) => name.endsWith('.plan.json'));
  assert.ok(names.includes('mixed.plan.json'), 'a plan with a stateful and a stateless app');
  for (const name of names) {
    const config = path.join(dir, name.replace(/\.plan\.json$/, '.json'));
    // Warnings are the planner's prose: they are its tests' business, not the Bicep's.
    const withoutWarnings = (plan: unknown) => ({ ...(plan as Record<string, unknown>), warnings: undefined });
    assert.deepEqual(
      withoutWarnings(JSON.parse(readFileSync(path.join(dir, name), 'utf8'))),
      withoutWarnings(JSON.parse(JSON.stringify(planDeployment(loadConfigFile(config))))),
      `tests/fixtures/plans/${name} is stale: write planDeployment(loadConfigFile('${path.relative(repoRoot, config)}')) to it`,
    );
  }
});

test('infra/mcp-plan.json is the plan of the bundled mcp_config.json', () => {
  const committed: unknown = JSON.parse(readFileSync(path.join(infraDir, 'mcp-plan.json'), 'utf8'));
  const expected: unknown = JSON.parse(
    JSON.stringify(planDeployment(loadConfigFile(path.join(repoRoot, 'mcp_config.json')))),
  );
  assert.deepEqual(
    committed,
    expected,
    'infra/mcp-plan.json is stale: run `npm run build && node dist/cli/main.js plan --json > infra/mcp-plan.json`',
  );
});

// The plan fields the Bicep reads, by the expression it reads them with. Each expression must be
// in the Bicep file, and each field must be in the plan of every sample config, so a rename on
// either side fails here rather than in `azd provision`.
const appsOf = (plan: DeploymentPlan) => plan.apps;
const CONTRACT: { file: string; expression: string; check: (plan: DeploymentPlan) => unknown[] }[] = [
  { file: 'main.bicep', expression: 'plan.appSettings', check: (plan) => [Array.isArray(plan.appSettings)] },
  { file: 'main.bicep', expression: 'plan.secrets', check: (plan) => [Array.isArray(plan.secrets)] },
  { file: 'main.bicep', expression: 'plan.roleAssignments', check: (plan) => [Array.isArray(plan.roleAssignments)] },
  {
    file: 'main.bicep',
    expression: 'plan.servers',
    check: (plan) => [Array.isArray(plan.servers) && plan.servers.length > 0],
  },
  {
    file: 'main.bicep',
    expression: 'plan.apps',
    check: (plan) => [Array.isArray(plan.apps) && plan.apps.length >= 1 && plan.apps.length <= 2],
  },
  {
    file: 'main.bicep',
    expression: "app.service == 'api'",
    check: (plan) => [
      plan.apps[0]?.service === 'api',
      ...plan.apps.slice(1).map((app) => app.service === 'api-stateless'),
    ],
  },
  {
    file: 'main.bicep',
    expression: 'app.role',
    check: (plan) => appsOf(plan).map((app) => ['stateful', 'stateless'].includes(app.role)),
  },
  {
    file: 'main.bicep',
    expression: 'app.servers',
    check: (plan) => appsOf(plan).map((app) => app.servers.every((name) => plan.servers.some((s) => s.name === name))),
  },
  {
    file: 'main.bicep',
    expression: 'app.scale.sessionsPerInstance',
    check: (plan) => appsOf(plan).map((app) => Number.isInteger(app.scale.sessionsPerInstance)),
  },
  {
    file: 'main.bicep',
    expression: 'server.app',
    check: (plan) => plan.servers.map((s) => plan.apps.some((app) => app.service === s.app)),
  },
  {
    file: 'main.bicep',
    expression: 'server.endpoint',
    check: (plan) => plan.servers.map((s) => typeof s.endpoint === 'string' && s.endpoint.startsWith('/')),
  },
  {
    file: 'main.bicep',
    expression: 'server.default',
    check: (plan) => plan.servers.map((s) => typeof s.default === 'boolean'),
  },
  {
    file: 'main.bicep',
    expression: 'plan.entra != null',
    check: (plan) => [plan.entra === null || typeof plan.entra === 'object'],
  },
  {
    file: 'main.bicep',
    expression: "planEntra.credential == 'federated_credential'",
    check: (plan) => [plan.entra === null || ['federated_credential', 'client_secret'].includes(plan.entra.credential)],
  },
  {
    file: 'app/function-app.bicep',
    expression: 'scale.instanceMemoryMb',
    check: (plan) => appsOf(plan).map((app) => [512, 2048, 4096].includes(app.scale.instanceMemoryMb)),
  },
  {
    file: 'app/function-app.bicep',
    expression: 'scale.maximumInstanceCount',
    check: (plan) => appsOf(plan).map((app) => Number.isInteger(app.scale.maximumInstanceCount)),
  },
  {
    file: 'app/function-app.bicep',
    expression: 'scale.alwaysReadyInstances',
    check: (plan) => appsOf(plan).map((app) => Number.isInteger(app.scale.alwaysReadyInstances)),
  },
  {
    file: 'app/function-app.bicep',
    expression: 'scale.httpPerInstanceConcurrency',
    check: (plan) =>
      appsOf(plan).map(
        (app) => Number.isInteger(app.scale.httpPerInstanceConcurrency) && app.scale.httpPerInstanceConcurrency <= 1000,
      ),
  },
  {
    file: 'app/app-settings.bicep',
    expression: 'setting.name',
    check: (plan) => plan.appSettings.map((s) => typeof s.name === 'string'),
  },
  {
    file: 'app/app-settings.bicep',
    expression: "setting.source == 'fixed'",
    check: (plan) => plan.appSettings.map((s) => ['fixed', 'azd_env', 'key_vault'].includes(s.source)),
  },
  { file: 'app/app-settings.bicep', expression: "setting.source == 'azd_env'", check: () => [] },
  { file: 'app/app-settings.bicep', expression: "setting.source == 'key_vault'", check: () => [] },
  {
    file: 'app/app-settings.bicep',
    expression: 'setting.value',
    check: (plan) =>
      plan.appSettings
        .filter((s) => s.source === 'fixed')
        .map((s) => s.source === 'fixed' && typeof s.value === 'string'),
  },
  {
    file: 'app/app-settings.bicep',
    expression: 'setting.azdEnvName',
    check: (plan) =>
      plan.appSettings
        .filter((s) => s.source === 'azd_env')
        .map((s) => s.source === 'azd_env' && typeof s.azdEnvName === 'string'),
  },
  {
    file: 'app/app-settings.bicep',
    expression: 'setting.secretName',
    check: (plan) =>
      plan.appSettings
        .filter((s) => s.source === 'key_vault')
        .map((s) => s.source === 'key_vault' && plan.secrets.some((secret) => secret.secretName === s.secretName)),
  },
  {
    file: 'app/keyvault.bicep',
    expression: 'secret.secretName',
    check: (plan) => plan.secrets.map((s) => /^[0-9A-Za-z-]{1,127}$/.test(s.secretName)),
  },
  {
    file: 'app/keyvault.bicep',
    expression: 'secret.azdEnvName',
    check: (plan) => plan.secrets.map((s) => typeof s.azdEnvName === 'string'),
  },
  {
    file: 'app/rbac.bicep',
    expression: "r.scope == 'keyVault'",
    check: (plan) => plan.roleAssignments.map((r) => r.scope === 'keyVault'),
  },
  {
    file: 'app/rbac.bicep',
    expression: 'role.roleDefinitionId',
    check: (plan) => plan.roleAssignments.map((r) => /^[0-9a-f-]{36}$/.test(r.roleDefinitionId)),
  },
  {
    file: 'app/rbac.bicep',
    expression: 'role.reason',
    check: (plan) => plan.roleAssignments.map((r) => typeof r.reason === 'string'),
  },
  {
    file: 'app/entra.bicep',
    expression: 'entra.requiredCallerScopes',
    check: (plan) => [plan.entra === null || Array.isArray(plan.entra.requiredCallerScopes)],
  },
];

function sampleConfigs(): string[] {
  const dirs = [
    path.join(repoRoot, 'tests/fixtures/configs/samples'),
    path.join(repoRoot, 'tests/fixtures/configs/predecessor'),
    path.join(repoRoot, 'tests/fixtures/plans'),
  ];
  const files = dirs.flatMap((dir) => {
    try {
      return readdirSync(dir)
        .filter((name) => name.endsWith('.json') && !name.endsWith('.plan.json'))
        .map((name) => path.join(dir, name));
    } catch {
      return [];
    }
  });
  return [path.join(repoRoot, 'mcp_config.json'), ...files];
}

function plansOfSamples(): { file: string; plan: DeploymentPlan }[] {
  return sampleConfigs().flatMap((file) => {
    try {
      return [{ file: path.relative(repoRoot, file), plan: planDeployment(loadConfigFile(file)) }];
    } catch {
      return []; // configs that do not plan are the config tests' business
    }
  });
}

test('the Bicep reads the plan by fields every sample plan has', () => {
  const plans = plansOfSamples();
  assert.ok(plans.length > 0);
  assert.ok(
    plans.some(({ plan }) => plan.entra !== null),
    'expected a sample config with an OBO server',
  );
  assert.ok(
    plans.some(({ plan }) => plan.secrets.length > 0),
    'expected a sample config with secrets',
  );
  assert.ok(
    plans.some(({ plan }) => plan.apps.length === 2),
    'expected a config with a stateful and a stateless app',
  );
  assert.ok(
    plans.some(({ plan }) => plan.apps.length === 1 && plan.apps[0]!.role === 'stateless'),
    'expected a config whose only app is stateless',
  );
  const problems: string[] = [];
  for (const { file, expression, check } of CONTRACT) {
    const text = readFileSync(path.join(infraDir, file), 'utf8');
    if (!text.includes(expression)) problems.push(`infra/${file} should read the plan as ${expression}`);
    for (const { file: config, plan } of plans) {
      if (check(plan).some((ok) => ok !== true))
        problems.push(`${config}: the plan does not fit infra/${file}'s ${expression}`);
    }
  }
  assert.deepEqual(problems, []);
});

test("each app's session cap and role come from its planned app; the plan itself sets neither", () => {
  for (const { file, plan } of plansOfSamples()) {
    for (const name of ['MCP_ADAPTER_MAX_SESSIONS', 'MCP_ADAPTER_SINGLE_INSTANCE', 'MCP_ADAPTER_APP_ROLE'])
      assert.ok(!plan.appSettings.some((s) => s.name === name), `${file}: the plan should not set ${name}`);
    for (const app of plan.apps) {
      if (app.role === 'stateful') assert.equal(app.scale.maximumInstanceCount, 1, `${file}: ${app.service}`);
      else assert.equal(app.scale.httpPerInstanceConcurrency, app.scale.sessionsPerInstance, `${file}: ${app.service}`);
    }
  }
  const settings = appSettingsModule().text;
  assert.match(settings, /MCP_ADAPTER_MAX_SESSIONS: string\(sessionsPerInstance\)/);
  assert.match(settings, /MCP_ADAPTER_APP_ROLE: role\n/);
  assert.match(settings, /MCP_ADAPTER_OTHER_APP_URL: otherAppUrl\n/);
  assert.match(settings, /var otherAppSettings = empty\(otherAppUrl\) \? \{\} :/);
  const main = mainBicep();
  assert.match(main, /module appSettings 'app\/app-settings\.bicep' = \[for \(app, i\) in apps: \{/);
  assert.match(main, /\n {4}role: app\.role\n/);
  assert.match(main, /\n {4}sessionsPerInstance: app\.scale\.sessionsPerInstance\n/);
  assert.match(
    main,
    /\n {4}otherAppUrl: twoApps \? functionApps\[\(i \+ 1\) % length\(apps\)\]\.outputs\.baseUrl : ''\n/,
  );
  assert.match(main, /\n {4}scale: app\.scale\n/);
});

test('the provisioned plan records the apps (what predeploy compares), not a scale of its own', () => {
  const main = mainBicep();
  const record = /var provisionedPlan = base64\(string\(\{([\s\S]*?)\}\)\)/.exec(main)?.[1] ?? '';
  assert.match(record, /\n {2}apps: plan\.apps\n/);
  assert.doesNotMatch(record, /scale/);
});

test('Key Vault holds every planned secret and the session key; the app references them', () => {
  const keyVault = readFileSync(path.join(infraDir, 'app/keyvault.bicep'), 'utf8');
  assert.match(keyVault, /enableRbacAuthorization: true/);
  assert.match(keyVault, /\[for secret in secrets:/);
  assert.match(
    readFileSync(path.join(infraDir, 'main.bicep'), 'utf8'),
    /sessionKeySecretName = 'mcp-adapter-session-key'/,
  );
  const app = appSettingsModule().text;
  assert.match(app, /'@Microsoft\.KeyVault\(SecretUri=\$\{keyVaultUri\}secrets\/\$\{setting\.secretName\}\)'/);
  assert.match(
    app,
    /MCP_ADAPTER_SESSION_KEY: '@Microsoft\.KeyVault\(SecretUri=\$\{keyVaultUri\}secrets\/\$\{sessionKeySecretName\}\)'/,
  );
});
