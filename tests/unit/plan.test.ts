import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { ConfigError } from '../../src/config/errors.js';
import { loadConfigFile, parseConfig, type LoadedConfig } from '../../src/config/load-config.js';
import { inputSettingName } from '../../src/config/variables.js';
import {
  keyVaultSecretName,
  planDeployment,
  PlanError,
  sessionsPerInstance,
  type DeploymentPlan,
} from '../../src/deployment/plan.js';
import { repoRoot } from '../helpers/adapter.js';

const SAMPLES = path.join(repoRoot, 'tests/fixtures/configs/samples');
const PREDECESSOR = path.join(repoRoot, 'tests/fixtures/configs/predecessor');
const SAMPLE_NAMES = ['none', 'azure_default', 'azure_obo', 'oauth2_bearer', 'vscode-mcp'];
const FILE = '/project/mcp_config.json';

const sampleFile = (name: string) => path.join(SAMPLES, `${name}.json`);
const goldenFile = (name: string) => path.join(SAMPLES, `${name}.plan.json`);
const predecessorFile = (name: string) => path.join(PREDECESSOR, `${name}.json`);

function planOf(document: unknown): DeploymentPlan {
  return planDeployment(parseConfig(JSON.stringify(document), FILE));
}

/** The issues of a config that validates but cannot be planned, each as `path: message`. */
function planIssues(document: unknown): string[] {
  const loaded = parseConfig(JSON.stringify(document), FILE);
  try {
    planDeployment(loaded);
  } catch (error) {
    assert.ok(error instanceof PlanError, String(error));
    assert.equal(error.code, 'plan_invalid');
    assert.equal(error.file, FILE);
    assert.match(error.message, /^Cannot plan a deployment of \/project\/mcp_config.json:\n/);
    for (const issue of error.issues)
      assert.ok(error.message.includes(`at ${issue.path}: ${issue.message}`), 'the message lists every issue');
    return error.issues.map((issue) => `${issue.path}: ${issue.message}`);
  }
  assert.fail('expected a PlanError');
}

const warningsOf = (loaded: LoadedConfig) => loaded.warnings.map((w) => `${w.path}: ${w.message}`);
/** Warnings about where the servers run (capacity, cost, replication, always-ready, single_instance, unused settings): tested on their own below. */
const PLACEMENT_WARNING =
  /^(capacity|cost|replicated|always-ready|deployment\.single_instance|\/deployment(\/stateful)?): /;
const placementWarnings = (warnings: string[]) => warnings.filter((warning) => PLACEMENT_WARNING.test(warning));
/** The plan's warnings but those about placement. */
const besidesPlacement = (warnings: string[]) => warnings.filter((warning) => !PLACEMENT_WARNING.test(warning));
const serverRows = (plan: DeploymentPlan) =>
  plan.servers.map(
    (s) =>
      `${s.name}${s.default ? ' (default)' : ''} ${s.endpoint} ${s.authLevel} ${s.authMethod} ${s.caller} ${s.child}`,
  );
const settingRows = (plan: DeploymentPlan) =>
  plan.appSettings.map((s) =>
    s.source === 'fixed'
      ? `${s.name} fixed ${s.value}`
      : s.source === 'azd_env'
        ? `${s.name} azd_env ${s.azdEnvName}`
        : `${s.name} key_vault ${s.secretName}`,
  );

/** The plan's warning for servers whose children hold a caller's credentials (docs/protocol-and-sessions.md: Child isolation). */
/** Entra callers without a custom domain: spec-following clients cannot send the endpoint URL as their resource. */
const NO_ENTRA_RESOURCE =
  'Entra: without a custom domain (adapter.public_base_url), the endpoint URL cannot be an identifier URI of the app (Entra allows https identifier URIs on verified domains only), so clients that send it as their RFC 8707 resource (VS Code, the MCP SDKs) are refused by Entra with AADSTS9010010; give the app a custom domain, or use clients that request the api:// scope without a resource (docs/authentication.md: Entra sign-in)';

/** What `"adapter": { "allow_shared_user_credentials": true }` in the file would give. */
function consent(loaded: LoadedConfig): void {
  loaded.config.adapter.allowSharedUserCredentials = true;
}

function trustBoundary(servers: string): string {
  return `trust boundary: on Flex Consumption every child of this app runs as the app's own user, so any MCP server of this app can read the app's settings and secrets and the credentials that ${servers} give each caller's child (another user's child included); adapter.allow_shared_user_credentials accepts this. Serve servers of different trust from separate apps (docs/protocol-and-sessions.md: Child isolation)`;
}

describe('deployment plan: golden files of the samples', () => {
  test('every sample has a golden plan, and nothing else is in the folder', () => {
    const files = readdirSync(SAMPLES).sort();
    assert.deepEqual(files, SAMPLE_NAMES.flatMap((name) => [`${name}.json`, `${name}.plan.json`]).sort());
  });

  for (const name of SAMPLE_NAMES) {
    test(`${name}.json plans exactly as ${name}.plan.json says`, () => {
      const golden: unknown = JSON.parse(readFileSync(goldenFile(name), 'utf8'));
      const plan = planDeployment(loadConfigFile(sampleFile(name)));
      assert.deepEqual(plan, golden);
      // The plan is the same wherever the repository is checked out.
      const text = JSON.stringify(plan);
      assert.equal(text.includes(repoRoot), false, 'no absolute path in the plan');
      assert.equal(text.includes(SAMPLES), false);
      // Loading it through a relative path changes nothing.
      assert.deepEqual(planDeployment(loadConfigFile(path.relative(process.cwd(), sampleFile(name)))), golden);
    });
  }

  test('the samples cover every auth method, both config shapes and every instance size', () => {
    const plans = SAMPLE_NAMES.map((name) => planDeployment(loadConfigFile(sampleFile(name))));
    assert.deepEqual([...new Set(plans.flatMap((plan) => plan.servers.map((s) => s.authMethod)))].sort(), [
      'azure_default',
      'azure_obo',
      'none',
      'oauth2_bearer',
    ]);
    assert.deepEqual(
      [...new Set(plans.flatMap((plan) => plan.apps.map((app) => app.scale.instanceMemoryMb)))].sort(),
      [2048, 4096, 512],
    );
    assert.equal(loadConfigFile(sampleFile('vscode-mcp')).document.servers !== undefined, true);
    assert.deepEqual(
      plans.map((plan) => plan.skippedServers.length),
      [0, 0, 0, 0, 1],
    );
  });
});

describe('deployment plan: the predecessor README examples validate unchanged, and plan unchanged once caller credentials beside shared children are consented to', () => {
  const PASSTHROUGH =
    "forward_user_token passes the caller's own token to the child (token passthrough, which the MCP spec forbids); prefer On-Behalf-Of";
  const expectations: Array<{
    file: string;
    servers: string[];
    settings: string[];
    warnings: string[];
    planWarnings?: string[];
    /** Gives each caller's child that caller's credentials: planned only with adapter.allow_shared_user_credentials. */
    needsConsent?: boolean;
    check?: (loaded: LoadedConfig, plan: DeploymentPlan) => void;
  }> = [
    {
      file: 'multi-tenancy',
      servers: ['shared-mcp-server (default) /mcp/shared-mcp-server function none function_key none'],
      settings: [],
      warnings: [],
      check: ({ config }) => {
        const server = config.servers.get('shared-mcp-server')!;
        assert.equal(server.sessions.maxConcurrent, 10, 'MAX_CONCURRENT_SESSIONS in env sets the per-server limit');
        assert.equal(server.sessions.idleTimeoutMs, 3_600_000, 'SESSION_TIMEOUT_SECONDS in env sets the idle timeout');
        assert.equal(server.requestTimeoutMs, 30_000, 'timeout_seconds is the request timeout');
        assert.equal(server.restartOnFailure, true);
        assert.equal(server.maxRestarts, 3);
        assert.deepEqual(
          server.env,
          { MAX_CONCURRENT_SESSIONS: '10', SESSION_TIMEOUT_SECONDS: '3600' },
          'and the child still gets them',
        );
      },
    },
    {
      file: 'auth-none',
      servers: ['internal-tools (default) /mcp/internal-tools function none function_key none'],
      settings: [],
      warnings: [],
    },
    {
      file: 'auth-azure-default',
      servers: ['azure-resources (default) /mcp/azure-resources function azure_default function_key managed_identity'],
      settings: [],
      warnings: [],
      check: (_loaded, plan) => {
        assert.deepEqual(plan.identity, {
          childUsesManagedIdentity: true,
          managedIdentityScopes: ['https://management.azure.com/.default'],
        });
        assert.equal(plan.entra, null);
      },
    },
    {
      file: 'auth-azure-obo',
      needsConsent: true,
      servers: ['fabric-rti-mcp (default) /mcp/fabric-rti-mcp anonymous azure_obo entra on_behalf_of'],
      // `${AZURE_CLIENT_SECRET}` is a plain variable: a plain app setting (warned about), not a Key Vault secret.
      settings: ['AZURE_CLIENT_ID azd_env AZURE_CLIENT_ID', 'AZURE_CLIENT_SECRET azd_env AZURE_CLIENT_SECRET'],
      warnings: [
        `/mcpServers/fabric-rti-mcp/auth/forward_user_token: ${PASSTHROUGH}`,
        '/mcpServers/fabric-rti-mcp/auth/azure_client_secret: this field holds a secret but is a plain variable, which becomes a plain app setting; use "${secret:NAME}"',
      ],
      planWarnings: [
        "/mcpServers/fabric-rti-mcp/auth/azure_client_id: ${AZURE_CLIENT_ID} becomes the app setting AZURE_CLIENT_ID, which Azure SDK credentials read in the app's own process; prefer a name of your own (e.g. OBO_CLIENT_ID)",
        "/mcpServers/fabric-rti-mcp/auth/azure_client_secret: ${AZURE_CLIENT_SECRET} becomes the app setting AZURE_CLIENT_SECRET, which Azure SDK credentials read in the app's own process; prefer a name of your own (e.g. OBO_CLIENT_SECRET)",
        NO_ENTRA_RESOURCE,
        trustBoundary('"fabric-rti-mcp"'),
      ],
      check: ({ config }, plan) => {
        assert.deepEqual(plan.secrets, []);
        assert.deepEqual(plan.roleAssignments, []);
        assert.deepEqual(plan.entra, {
          servers: ['fabric-rti-mcp'],
          oboServers: ['fabric-rti-mcp'],
          appRegistration: 'configured',
          oboScopes: ['https://fabric.microsoft.com/.default', 'https://management.azure.com/.default'],
          requiredCallerScopes: [],
          credential: 'client_secret',
        });
        assert.equal(config.servers.get('fabric-rti-mcp')!.auth.forwardUserToken, true);
      },
    },
    {
      file: 'auth-oauth2-bearer',
      needsConsent: true,
      servers: ['github-tools (default) /mcp/github-tools anonymous oauth2_bearer oauth2 user_token'],
      settings: [],
      warnings: [
        '/mcpServers/github-tools/auth/oauth2_issuer: https://github.com issues opaque tokens: they are verified through https://api.github.com/user (set "oauth2_userinfo_endpoint" to say so explicitly)',
        `/mcpServers/github-tools/auth/forward_user_token: ${PASSTHROUGH}`,
      ],
      planWarnings: [trustBoundary('"github-tools"')],
      check: ({ config }) => {
        assert.deepEqual(config.servers.get('github-tools')!.auth.caller, {
          type: 'oauth2',
          issuer: 'https://github.com',
          audience: undefined,
          jwksUri: undefined,
          introspectionEndpoint: undefined,
          userinfoEndpoint: 'https://api.github.com/user',
          clientId: undefined,
          clientSecret: undefined,
          userClaim: 'id',
          requiredScopes: ['repo:read', 'user:read'],
        });
      },
    },
    {
      file: 'git-tools',
      servers: ['git-tools (default) /mcp/git-tools function none function_key none'],
      settings: [],
      warnings: [],
    },
    {
      file: 'mssql',
      servers: ['mssql (default) /mcp/mssql function none function_key none'],
      settings: [],
      warnings: [],
      // The predecessor ran on a Python image; this template's is Node.js.
      planWarnings: [
        '"mssql" (python): the Flex Consumption Node.js image has no Python, so this server fails to start when deployed; run Python servers with uvx (azd deploy packages them with a Python of their own), or ship an executable',
      ],
    },
    {
      file: 'mysql',
      servers: ['mysql (default) /mcp/mysql function none function_key none'],
      settings: [],
      warnings: [
        '/mcpServers/mysql/env/MYSQL_PASSWORD: "MYSQL_PASSWORD" looks like a secret written as a literal value; use "${secret:MYSQL_PASSWORD}" and keep the value in Key Vault / .env',
      ],
      check: (_loaded, plan) =>
        assert.equal(
          JSON.stringify(plan).includes('your_password'),
          false,
          'the literal is warned about, never repeated',
        ),
    },
    {
      file: 'fabric-rti',
      servers: ['fabric-rti-mcp (default) /mcp/fabric-rti-mcp function none function_key none'],
      settings: [],
      warnings: [],
    },
  ];

  test('there is a fixture for every configuration example of the Python adapter README (azure-functions-mcp-stdio-adapter), and an expectation for every fixture', () => {
    assert.deepEqual(readdirSync(PREDECESSOR).sort(), expectations.map((e) => `${e.file}.json`).sort());
  });

  for (const expected of expectations) {
    test(`${expected.file}.json`, () => {
      const loaded = loadConfigFile(predecessorFile(expected.file));
      assert.deepEqual(warningsOf(loaded), expected.warnings);
      for (const warning of loaded.warnings) assert.ok(warning.position, 'warnings are located in the file');
      if (expected.needsConsent) {
        assert.throws(
          () => planDeployment(loaded),
          (error: Error) =>
            (error as { code?: string }).code === 'plan_invalid' &&
            error.message.includes('"adapter": { "allow_shared_user_credentials": true }'),
          'refused until the operator consents, with the line to add',
        );
        consent(loaded);
      }
      const plan = planDeployment(loaded);
      assert.deepEqual(serverRows(plan), expected.servers);
      assert.deepEqual(settingRows(plan), expected.settings);
      assert.deepEqual(plan.skippedServers, []);
      assert.deepEqual(
        besidesPlacement(plan.warnings),
        [...expected.warnings, ...(expected.planWarnings ?? [])],
        'the plan repeats the config warnings and adds its own',
      );
      expected.check?.(loaded, plan);
    });
  }
});

describe('deployment plan: rules', () => {
  test('single_instance with always-ready instances is refused: they run outside the maximum, so two could serve', () => {
    assert.throws(
      () =>
        planOf({
          mcpServers: { a: { command: 'x' } },
          deployment: { single_instance: true, always_ready_instances: 1 },
        }),
      (error: Error) => /always_ready_instances.*could run two/.test(error.message),
    );
  });

  test('Key Vault secret names: `_` (and any other character but letters, digits, `-`) becomes `-`; inputs get an `input-` prefix', () => {
    assert.equal(keyVaultSecretName({ kind: 'secret', name: 'API_KEY' }), 'API-KEY');
    assert.equal(keyVaultSecretName({ kind: 'secret', name: '_LEADING__DOUBLE' }), '-LEADING--DOUBLE');
    assert.equal(keyVaultSecretName({ kind: 'input', name: 'api-key' }), 'input-api-key');
    assert.equal(keyVaultSecretName({ kind: 'input', name: 'search.api_key' }), 'input-search-api-key');

    const plan = planOf({
      inputs: [{ id: 'db.password', password: true }],
      mcpServers: {
        a: { command: 'x', env: { K: '${secret:API_KEY}', P: '${input:db.password}', K2: 'prefix-${secret:API_KEY}' } },
      },
    });
    assert.deepEqual(plan.secrets, [
      {
        secretName: 'API-KEY',
        appSetting: 'API_KEY',
        azdEnvName: 'API_KEY',
        usedAt: ['/mcpServers/a/env/K', '/mcpServers/a/env/K2'],
      },
      {
        secretName: 'input-db-password',
        appSetting: 'MCP_INPUT_DB_PASSWORD',
        azdEnvName: 'MCP_INPUT_DB_PASSWORD',
        usedAt: ['/mcpServers/a/env/P'],
      },
    ]);
    assert.deepEqual(settingRows(plan), [
      'API_KEY key_vault API-KEY',
      'MCP_INPUT_DB_PASSWORD key_vault input-db-password',
    ]);
    assert.deepEqual(
      plan.roleAssignments.map((r) => `${r.role} ${r.roleDefinitionId} ${r.scope}`),
      ['Key Vault Secrets User 4633458b-17de-408a-b874-0445c86b69e6 keyVault'],
    );
  });

  test('two names that map to the same Key Vault secret are refused, naming both', () => {
    assert.deepEqual(
      planIssues({
        mcpServers: { a: { command: 'x', env: { LOWER: '${secret:api_key}', UPPER: '${secret:API_KEY}' } } },
      }),
      [
        `/mcpServers/a/env/UPPER: \${secret:API_KEY} maps to the Key Vault secret "API-KEY", which api_key already maps to (Key Vault names are case-insensitive and have no '_'); rename one`,
      ],
    );
    // A secret and a password input can collide too: `input_token` and input "token" both become `input-token`.
    const issues = planIssues({
      inputs: [{ id: 'token', password: true }],
      mcpServers: { a: { command: 'x', env: { A: '${input:token}', B: '${secret:input_token}' } } },
    });
    assert.equal(issues.length, 1);
    assert.match(
      issues[0]!,
      /^\/mcpServers\/a\/env\/B: \$\{secret:input_token\} maps to the Key Vault secret "input-token", which MCP_INPUT_TOKEN already maps to/,
    );
  });

  test('a variable may not take the name of an app setting the platform or the adapter owns', () => {
    assert.deepEqual(planIssues({ mcpServers: { a: { command: 'x', env: { SITE: '${env:WEBSITE_SITE_NAME}' } } } }), [
      '/mcpServers/a/env/SITE: ${env:WEBSITE_SITE_NAME} would set the app setting WEBSITE_SITE_NAME, which the platform or the adapter owns; choose another name',
    ]);
    for (const name of [
      'FUNCTIONS_WORKER_RUNTIME',
      'AzureWebJobsStorage',
      'APPLICATIONINSIGHTS_CONNECTION_STRING',
      'MCP_ADAPTER_MAX_SESSIONS',
      'SCM_DO_BUILD_DURING_DEPLOYMENT',
      'PATH',
      'HOME',
      'path',
    ]) {
      for (const variable of [`\${${name}}`, `\${secret:${name}}`]) {
        const issues = planIssues({ mcpServers: { a: { command: 'x', env: { V: variable } } } });
        assert.deepEqual(issues, [
          `/mcpServers/a/env/V: ${variable} would set the app setting ${name}, which the platform or the adapter owns; choose another name`,
        ]);
      }
    }
    // Names that merely contain a reserved word are fine.
    assert.deepEqual(
      settingRows(planOf({ mcpServers: { a: { command: 'x', env: { V: '${MY_PATH}', W: '${HOMEPAGE_URL}' } } } })),
      ['HOMEPAGE_URL azd_env HOMEPAGE_URL', 'MY_PATH azd_env MY_PATH'],
    );
  });

  test('the same name used as a secret and as a plain setting is refused, whichever comes first', () => {
    assert.deepEqual(
      planIssues({ mcpServers: { a: { command: 'x', env: { S: '${secret:API_KEY}', P: '${API_KEY}' } } } }),
      ['/mcpServers/a/env/P: API_KEY is used both as a secret and as a plain setting; use one kind'],
    );
    assert.deepEqual(
      planIssues({
        mcpServers: { a: { command: 'x', args: ['--key', '${env:API_KEY}'], env: { S: '${secret:API_KEY}' } } },
      }),
      ['/mcpServers/a/env/S: API_KEY is used both as a secret and as a plain setting; use one kind'],
    );
    // A password input is a secret under its MCP_INPUT_ name.
    assert.deepEqual(
      planIssues({
        inputs: [{ id: 'token', password: true }],
        mcpServers: { a: { command: 'x', env: { A: '${input:token}', B: '${env:MCP_INPUT_TOKEN}' } } },
      }),
      ['/mcpServers/a/env/B: MCP_INPUT_TOKEN is used both as a secret and as a plain setting; use one kind'],
    );
  });

  test('every plan error is reported at once', () => {
    assert.deepEqual(
      planIssues({
        mcpServers: {
          a: { command: 'x', env: { A: '${WEBSITE_HOSTNAME}', B: '${secret:K}', C: '${K}' } },
          b: { command: 'y', env: { D: '${secret:api_key}', E: '${secret:API_KEY}' } },
        },
      }).map((issue) => issue.split(':')[0]),
      ['/mcpServers/a/env/A', '/mcpServers/a/env/C', '/mcpServers/b/env/E'],
    );
  });

  test('a variable used several times is one setting, listing every use; ${workspaceFolder} is no setting', () => {
    const plan = planOf({
      mcpServers: {
        a: { command: '${TOOL}', args: ['${workspaceFolder}/x', '${env:TOOL}'] },
        b: { command: 'x', env: { T: '${TOOL}' } },
      },
    });
    assert.deepEqual(plan.appSettings, [
      {
        name: 'TOOL',
        source: 'azd_env',
        azdEnvName: 'TOOL',
        usedAt: ['/mcpServers/a/command', '/mcpServers/a/args/1', '/mcpServers/b/env/T'],
      },
    ]);
    assert.deepEqual(plan.secrets, []);
    assert.deepEqual(plan.roleAssignments, [], 'no secret, no Key Vault role');
  });

  test('sessions per instance follow the instance memory (256 MB kept for the host) and the child memory', () => {
    assert.equal(sessionsPerInstance(512, 80), 3);
    assert.equal(sessionsPerInstance(2048, 80), 22);
    assert.equal(sessionsPerInstance(4096, 80), 48);
    assert.equal(sessionsPerInstance(4096, 150), 25);
    assert.equal(sessionsPerInstance(512, 300), 1, 'at least one');
    for (const [memory, expected] of [
      [512, 3],
      [2048, 22],
      [4096, 48],
    ] as const) {
      const stateless = planOf({
        mcpServers: { a: { command: 'x', state: 'stateless' } },
        deployment: { instance_memory_mb: memory },
      });
      assert.deepEqual(stateless.apps[0]!.scale, {
        instanceMemoryMb: memory,
        maximumInstanceCount: 40,
        alwaysReadyInstances: 0,
        childMemoryMb: 80,
        sessionsPerInstance: expected,
        httpPerInstanceConcurrency: expected,
      });
      const stateful = planOf({ mcpServers: { a: { command: 'x' } }, deployment: { instance_memory_mb: memory } });
      assert.deepEqual(stateful.apps[0]!.scale, {
        instanceMemoryMb: memory,
        maximumInstanceCount: 1,
        alwaysReadyInstances: 0,
        childMemoryMb: 80,
        sessionsPerInstance: expected,
        httpPerInstanceConcurrency: 4 * expected,
      });
      for (const plan of [stateless, stateful])
        assert.deepEqual(plan.appSettings, [], 'the session cap is no plan setting: the Bicep sets it per app');
    }
    const explicit = planOf({
      mcpServers: { a: { command: 'x', state: 'stateless' }, b: { command: 'y' } },
      adapter: { max_sessions: 40 },
      deployment: {
        instance_memory_mb: 512,
        maximum_instance_count: 5,
        always_ready_instances: 2,
        child_memory_mb: 200,
      },
    });
    assert.deepEqual(
      explicit.apps.map((app) => [app.service, app.scale]),
      [
        [
          'api',
          {
            instanceMemoryMb: 512,
            maximumInstanceCount: 1,
            alwaysReadyInstances: 0,
            childMemoryMb: 200,
            sessionsPerInstance: 40,
            httpPerInstanceConcurrency: 160,
          },
        ],
        [
          'api-stateless',
          {
            instanceMemoryMb: 512,
            maximumInstanceCount: 5,
            alwaysReadyInstances: 2,
            childMemoryMb: 200,
            sessionsPerInstance: 40,
            httpPerInstanceConcurrency: 40,
          },
        ],
      ],
      'adapter.max_sessions wins in both apps',
    );
    const many = planOf({ mcpServers: { a: { command: 'x' } }, adapter: { max_sessions: 400 } });
    assert.equal(many.apps[0]!.scale.httpPerInstanceConcurrency, 1000, "at most Flex Consumption's 1000");
  });

  test('one server is the default; with several, only the one marked so', () => {
    assert.deepEqual(serverRows(planOf({ mcpServers: { only: { command: 'x' } } })), [
      'only (default) /mcp/only function none function_key none',
    ]);
    assert.deepEqual(serverRows(planOf({ mcpServers: { a: { command: 'x' }, b: { command: 'y', default: true } } })), [
      'a /mcp/a function none function_key none',
      'b (default) /mcp/b function none function_key none',
    ]);
    assert.deepEqual(serverRows(planOf({ mcpServers: { a: { command: 'x' }, b: { command: 'y' } } })), [
      'a /mcp/a function none function_key none',
      'b /mcp/b function none function_key none',
    ]);
  });

  test('On-Behalf-Of: federated credential unless a client secret is configured, scopes merged across servers', () => {
    const obo = (extra: Record<string, unknown> = {}) => ({
      command: 'x',
      auth: { method: 'azure_obo', azure_scopes: ['https://graph.microsoft.com/.default'], ...extra },
    });
    const consent = { allow_shared_user_credentials: true };
    const secretless = planOf({
      adapter: consent,
      mcpServers: {
        a: obo(),
        b: obo({
          azure_scopes: ['https://api.fabric.microsoft.com/.default', 'https://graph.microsoft.com/.default'],
          oauth2_required_scopes: ['mcp.call'],
        }),
      },
    });
    assert.deepEqual(secretless.entra, {
      servers: ['a', 'b'],
      oboServers: ['a', 'b'],
      appRegistration: 'create',
      oboScopes: ['https://api.fabric.microsoft.com/.default', 'https://graph.microsoft.com/.default'],
      requiredCallerScopes: ['mcp.call'],
      credential: 'federated_credential',
    });
    assert.deepEqual(secretless.secrets, []);
    const withSecret = planOf({
      adapter: consent,
      mcpServers: { a: obo({ azure_client_secret: '${secret:OBO_CLIENT_SECRET}' }) },
    });
    assert.equal(withSecret.entra?.credential, 'client_secret');
    assert.deepEqual(
      withSecret.secrets.map((s) => `${s.secretName} <- ${s.appSetting}`),
      ['OBO-CLIENT-SECRET <- OBO_CLIENT_SECRET'],
    );
    assert.deepEqual(
      besidesPlacement(withSecret.warnings),
      [NO_ENTRA_RESOURCE, trustBoundary('"a"')],
      "a secret field holding ${secret:...} is not warned about; children holding callers' credentials are",
    );
    assert.equal(
      planOf({ mcpServers: { a: { command: 'x', auth: { method: 'azure_default', azure_scopes: ['s'] } } } }).entra,
      null,
    );
    assert.equal(
      planOf({ adapter: consent, mcpServers: { a: obo({ azure_client_id: '${env:MY_APP_ID}' }) } }).entra
        ?.appRegistration,
      'configured',
    );
  });

  test('Entra callers without On-Behalf-Of still get an app registration to be the audience of their tokens', () => {
    const plan = planOf({
      mcpServers: { a: { command: 'x', auth: { caller: { type: 'entra', required_scopes: ['mcp.call'] } } } },
    });
    assert.deepEqual(plan.entra, {
      servers: ['a'],
      oboServers: [],
      appRegistration: 'create',
      oboScopes: [],
      requiredCallerScopes: ['mcp.call'],
      credential: 'federated_credential',
    });
  });

  test('variables that would take settings the adapter or Azure SDKs read are refused or warned about', () => {
    assert.throws(
      () => planOf({ mcpServers: { a: { command: 'x', env: { LEVEL: '${LOG_LEVEL}' } } } }),
      /\$\{LOG_LEVEL\} would set the app setting LOG_LEVEL, which the platform or the adapter owns/,
    );
    assert.match(
      planOf({ mcpServers: { a: { command: 'x', env: { T: '${AZURE_TENANT_ID}' } } } }).warnings.join('\n'),
      /AZURE_TENANT_ID, which Azure SDK credentials read/,
    );
  });
});

describe('deployment plan: secret values never appear', () => {
  const fixtures = [
    ...SAMPLE_NAMES.map(sampleFile),
    ...readdirSync(PREDECESSOR).map((name) => path.join(PREDECESSOR, name)),
  ];

  /** A value for every setting the config's variables name, each one unmistakable. */
  function valuesFor(loaded: LoadedConfig): Record<string, string> {
    const names = new Set(
      loaded.variables
        .filter((use) => use.kind !== 'workspaceFolder')
        .map((use) => (use.kind === 'input' ? inputSettingName(use.name) : use.name)),
    );
    return Object.fromEntries([...names].map((name, i) => [name, `v4lue-${i}-qz8x7w`]));
  }

  test('plan works on the config as written, even with every value in the environment', () => {
    for (const file of fixtures) {
      const values = valuesFor(loadConfigFile(file));
      const added = Object.keys(values).filter((name) => !(name in process.env));
      const saved = Object.fromEntries(Object.keys(values).map((name) => [name, process.env[name]]));
      Object.assign(process.env, values);
      try {
        const loaded = loadConfigFile(file);
        // Unresolved: every variable still reads as written in the runtime model.
        const model = JSON.stringify([...loaded.config.servers.values()]);
        for (const use of loaded.variables)
          assert.ok(model.includes(JSON.stringify(use.text).slice(1, -1)), `${file}: ${use.text} is unresolved`);
        consent(loaded);
        const plan = planDeployment(loaded);
        const text = JSON.stringify(plan);
        for (const [name, value] of Object.entries(values))
          assert.equal(text.includes(value), false, `${file}: the value of ${name} is not in the plan`);
        assert.equal(model.includes('qz8x7w'), false, `${file}: no value was substituted`);

        // Planning the config as `serve` loads it (resolved) gives the same plan: it names settings, never values.
        const resolved = loadConfigFile(file, { resolveFrom: values });
        assert.ok(
          JSON.stringify([...resolved.config.servers.values()]).includes('qz8x7w') || Object.keys(values).length === 0,
          `${file}: resolution happened`,
        );
        consent(resolved);
        assert.deepEqual(planDeployment(resolved), plan);
      } finally {
        for (const name of added) delete process.env[name];
        for (const [name, value] of Object.entries(saved)) if (value !== undefined) process.env[name] = value;
      }
    }
  });

  test('a .env beside the config is not read by plan', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'mcp-plan-'));
    writeFileSync(path.join(dir, '.env'), 'API_KEY=dotenv-secret-9f3k2\nAPI_URL=https://dotenv.example\n');
    writeFileSync(
      path.join(dir, 'mcp_config.json'),
      JSON.stringify({ mcpServers: { a: { command: 'x', env: { K: '${secret:API_KEY}', U: '${API_URL}' } } } }),
    );
    const loaded = loadConfigFile(path.join(dir, 'mcp_config.json'));
    assert.deepEqual(loaded.config.servers.get('a')!.env, { K: '${secret:API_KEY}', U: '${API_URL}' });
    const text = JSON.stringify(planDeployment(loaded));
    assert.equal(text.includes('dotenv-secret-9f3k2'), false);
    assert.equal(text.includes('dotenv.example'), false);
    assert.equal(text.includes(dir), false, 'nor the folder of the config');
  });
});

describe('deployment plan: Entra resource identifiers', () => {
  const entraServer = (extra: Record<string, unknown> = {}) => ({
    command: 'x',
    auth: { caller: { type: 'entra', required_scopes: ['user_impersonation'] }, ...extra },
  });

  test('on a custom domain every endpoint URL of an Entra server becomes an identifier URI of the app the deployment creates', () => {
    const plan = planOf({
      adapter: { public_base_url: 'https://mcp.contoso.com/' },
      mcpServers: { kusto: { ...entraServer(), default: true }, mail: entraServer(), files: { command: 'x' } },
    });
    assert.deepEqual(plan.entra?.endpointIdentifierUris, [
      'https://mcp.contoso.com/mcp/kusto',
      'https://mcp.contoso.com/mcp',
      'https://mcp.contoso.com/api/mcp',
      'https://mcp.contoso.com/mcp/mail',
    ]);
    assert.equal(
      plan.warnings.some((warning) => warning.startsWith('Entra:')),
      false,
    );
  });

  test('an app registration the config names must get them by hand: the plan names them', () => {
    const plan = planOf({
      adapter: { public_base_url: 'https://mcp.contoso.com', allow_shared_user_credentials: true },
      mcpServers: {
        kusto: entraServer({ azure_client_id: '${env:MY_APP_ID}', azure_scopes: ['s'], method: 'azure_obo' }),
      },
    });
    assert.deepEqual(plan.entra?.endpointIdentifierUris, [
      'https://mcp.contoso.com/mcp/kusto',
      'https://mcp.contoso.com/mcp',
      'https://mcp.contoso.com/api/mcp',
    ]);
    assert.ok(
      plan.warnings.some((warning) =>
        warning.startsWith(
          'Entra: the config names its own app registration; add https://mcp.contoso.com/mcp/kusto, https://mcp.contoso.com/mcp, https://mcp.contoso.com/api/mcp to its identifier URIs',
        ),
      ),
      plan.warnings.join('\n'),
    );
  });

  test('*.azurewebsites.net is no custom domain (Entra allows https identifier URIs on verified domains only): none, and a warning', () => {
    for (const adapter of [{}, { public_base_url: 'https://func-mcp-abc.azurewebsites.net' }]) {
      const plan = planOf({ adapter, mcpServers: { kusto: entraServer() } });
      assert.equal(plan.entra?.endpointIdentifierUris, undefined);
      assert.ok(plan.warnings.includes(NO_ENTRA_RESOURCE), plan.warnings.join('\n'));
    }
  });
});

describe('deployment plan: commands the Flex Consumption Node.js image lacks', () => {
  test('a bare Python command is warned about; uvx, npx and node are not', () => {
    const plan = planOf({
      mcpServers: {
        script: { command: 'python3', args: ['server.py'] },
        pinned: { command: '/usr/bin/python3.12', args: ['-m', 'server'] },
        packaged: { command: 'uvx', args: ['mcp-server-time'] },
        node: { command: 'npx', args: ['-y', '@modelcontextprotocol/server-memory'] },
      },
    });
    assert.ok(
      plan.warnings.includes(
        '"script" (python3), "pinned" (/usr/bin/python3.12): the Flex Consumption Node.js image has no Python, so these servers fail to start when deployed; run Python servers with uvx (azd deploy packages them with a Python of their own), or ship an executable',
      ),
      plan.warnings.join('\n'),
    );
  });
});

describe('deployment plan: servers known for dangerous tools', () => {
  test('warned about without tool rules, not with them', () => {
    const everything = { command: 'npx', args: ['-y', '@modelcontextprotocol/server-everything', 'stdio'] };
    const bare = planOf({ mcpServers: { everything } });
    assert.ok(
      bare.warnings.includes(
        '"everything" runs @modelcontextprotocol/server-everything, whose tools print the server\'s environment (get-env) and fetch any URL (gzip-file-as-resource); deployed without tool rules, every caller may use them: add "tools": { "deny": ["get-env", "gzip-file-as-resource"] } (or "read_only": true) to this server (docs/configuration.md: Tool rules)',
      ),
      bare.warnings.join('\n'),
    );
    const ruled = planOf({ mcpServers: { everything: { ...everything, tools: { deny: ['get-env'] } } } });
    assert.equal(
      ruled.warnings.some((warning) => warning.includes('without tool rules')),
      false,
    );
  });
});

describe('deployment plan: app roles of tool rules', () => {
  test('the roles Entra servers name in tools.roles are declared on the app registration; other servers add none', () => {
    const plan = planOf({
      mcpServers: {
        kusto: {
          command: 'x',
          auth: { caller: { type: 'entra' } },
          tools: { deny: ['drop_*'], roles: { 'Kusto.Admin': { allow: ['*'] }, Reader: { read_only: true } } },
        },
        tickets: {
          command: 'x',
          auth: { method: 'oauth2_bearer', oauth2_issuer: 'https://issuer.example' },
          tools: { roles: { 'Tickets.Admin': { allow: ['*'] } } },
        },
      },
    });
    assert.deepEqual(plan.entra?.appRoles, ['Kusto.Admin', 'Reader']);
    assert.equal(
      planOf({ mcpServers: { kusto: { command: 'x', auth: { caller: { type: 'entra' } } } } }).entra?.appRoles,
      undefined,
    );
  });
});

describe('deployment plan: stateful servers in an app of one instance, stateless ones in an app that scales out', () => {
  const stateful = (extra: Record<string, unknown> = {}) => ({ command: 'x', ...extra });
  const stateless = (extra: Record<string, unknown> = {}) => ({ command: 'x', state: 'stateless', ...extra });
  const placement = (plan: DeploymentPlan) => ({
    apps: plan.apps.map((app) => `${app.service} ${app.role} ${app.servers.join(',')}`),
    servers: plan.servers.map((server) => `${server.name} ${server.state} ${server.app}`),
  });
  const STATEFUL_SCALE = {
    instanceMemoryMb: 2048,
    maximumInstanceCount: 1,
    alwaysReadyInstances: 0,
    childMemoryMb: 80,
    sessionsPerInstance: 22,
    httpPerInstanceConcurrency: 88,
  };
  const STATELESS_SCALE = { ...STATEFUL_SCALE, maximumInstanceCount: 40, httpPerInstanceConcurrency: 22 };
  const COST_STATEFUL_2GB =
    "cost: app api (stateful, 2 GB): on demand, 2 GB × seconds its one instance executes anything (an open stream counts) × your region's on-demand GB-s rate, plus executions × the per-execution rate; nothing while idle (docs/scale-out-decision.md, option (b): Costs)";

  test('servers are stateful unless declared stateless: one app of one instance, no replication', () => {
    const plan = planOf({ mcpServers: { a: stateful(), b: stateful() } });
    assert.deepEqual(placement(plan), { apps: ['api stateful a,b'], servers: ['a stateful api', 'b stateful api'] });
    assert.deepEqual(plan.apps[0]!.scale, STATEFUL_SCALE);
    assert.deepEqual(placementWarnings(plan.warnings), [
      'capacity: app api serves "a", "b" on one instance: 22 sessions at 2048 MB (256 MB kept for the host, 80 MB per child); beyond, new sessions get 503 + Retry-After; a session\'s state is lost when the instance is replaced: deploy, platform update, crash, scale to zero after idleness (docs/scale-out-decision.md)',
      COST_STATEFUL_2GB,
    ]);
    assert.equal(
      plan.warnings.some((warning) => warning.startsWith('replicated')),
      false,
      'nothing stateful is replicated silently',
    );
  });

  test('only stateless servers: one app, api, that scales out as deployment says, and a warning naming what is replicated', () => {
    const plan = planOf({
      mcpServers: { a: stateless(), b: stateless() },
      deployment: { maximum_instance_count: 10, always_ready_instances: 1 },
    });
    assert.deepEqual(placement(plan), { apps: ['api stateless a,b'], servers: ['a stateless api', 'b stateless api'] });
    assert.deepEqual(plan.apps[0]!.scale, { ...STATELESS_SCALE, maximumInstanceCount: 10, alwaysReadyInstances: 1 });
    assert.deepEqual(placementWarnings(plan.warnings), [
      'capacity: app api serves "a", "b" with 22 sessions per instance at 2048 MB (256 MB kept for the host, 80 MB per child), up to 11 instances (242 sessions); beyond, new sessions get 503 + Retry-After',
      'replicated: "a", "b" declared stateless; app api scales out to 10 instances (and 1 always ready), and a session\'s requests may reach a child on each instance, in-memory state is not shared',
      "cost: app api (stateless, 2 GB, up to 10 instances): on demand, for each active instance 2 GB × seconds it executes anything × your region's on-demand GB-s rate, plus executions × the per-execution rate; a session whose requests reach n instances keeps n of them active; always ready: 1 × 2 GB × every second of the month (busy or not) × the always-ready baseline rate, plus execution time at the always-ready execution rate (docs/scale-out-decision.md, option (b): Costs)",
    ]);
    // One instance at most: nothing is replicated, so no such warning.
    const one = planOf({ mcpServers: { a: stateless() }, deployment: { maximum_instance_count: 1 } });
    assert.equal(
      one.warnings.some((warning) => warning.startsWith('replicated')),
      false,
    );
    // The stateful block has no app to describe.
    assert.ok(
      planOf({
        mcpServers: { a: stateless() },
        deployment: { stateful: { always_ready_instances: 1 } },
      }).warnings.includes(
        '/deployment/stateful: not used: every server is declared stateless, so there is no stateful app',
      ),
    );
  });

  test('stateful and stateless servers: api holds the stateful ones (first, max 1), api-stateless the others, each in config order', () => {
    const plan = planOf({
      mcpServers: {
        browser: stateful(),
        fetch: stateless({ default: true }),
        repl: stateful({ state: 'stateful' }),
        time: stateless(),
      },
      deployment: {
        instance_memory_mb: 4096,
        maximum_instance_count: 20,
        always_ready_instances: 2,
        stateful: { instance_memory_mb: 512 },
      },
    });
    assert.deepEqual(placement(plan), {
      apps: ['api stateful browser,repl', 'api-stateless stateless fetch,time'],
      servers: [
        'browser stateful api',
        'fetch stateless api-stateless',
        'repl stateful api',
        'time stateless api-stateless',
      ],
    });
    assert.deepEqual(plan.apps, [
      {
        service: 'api',
        role: 'stateful',
        servers: ['browser', 'repl'],
        scale: {
          instanceMemoryMb: 512,
          maximumInstanceCount: 1,
          alwaysReadyInstances: 0,
          childMemoryMb: 80,
          sessionsPerInstance: 3,
          httpPerInstanceConcurrency: 12,
        },
      },
      {
        service: 'api-stateless',
        role: 'stateless',
        servers: ['fetch', 'time'],
        scale: {
          instanceMemoryMb: 4096,
          maximumInstanceCount: 20,
          alwaysReadyInstances: 2,
          childMemoryMb: 80,
          sessionsPerInstance: 48,
          httpPerInstanceConcurrency: 48,
        },
      },
    ]);
    assert.deepEqual(
      placementWarnings(plan.warnings).map(
        (warning) => warning.split(':')[0] + (warning.match(/app (\S+)/)?.[1] ?? ''),
      ),
      ['capacityapi', 'costapi', 'capacityapi-stateless', 'replicatedapi-stateless', 'costapi-stateless'],
      'a capacity and a cost line per app, the replication warning for the stateless one',
    );
    assert.ok(
      plan.warnings.includes(
        'replicated: "fetch", "time" declared stateless; app api-stateless scales out to 20 instances (and 2 always ready), and a session\'s requests may reach a child on each instance, in-memory state is not shared',
      ),
      plan.warnings.join('\n'),
    );
  });

  test('the stateful app takes its memory from deployment.instance_memory_mb unless deployment.stateful says', () => {
    const plan = planOf({ mcpServers: { a: stateful() }, deployment: { instance_memory_mb: 4096 } });
    assert.deepEqual(plan.apps[0]!.scale, {
      ...STATEFUL_SCALE,
      instanceMemoryMb: 4096,
      sessionsPerInstance: 48,
      httpPerInstanceConcurrency: 192,
    });
  });

  test('an always-ready stateful instance is allowed, with the warning that Flex runs it outside the maximum', () => {
    const plan = planOf({
      mcpServers: { a: stateful() },
      deployment: { stateful: { instance_memory_mb: 4096, always_ready_instances: 1 } },
    });
    assert.deepEqual(plan.apps[0]!.scale, {
      instanceMemoryMb: 4096,
      maximumInstanceCount: 1,
      alwaysReadyInstances: 1,
      childMemoryMb: 80,
      sessionsPerInstance: 48,
      httpPerInstanceConcurrency: 192,
    });
    assert.deepEqual(placementWarnings(plan.warnings), [
      'capacity: app api serves "a" on one instance: 48 sessions at 4096 MB (256 MB kept for the host, 80 MB per child); beyond, new sessions get 503 + Retry-After; a session\'s state is lost when the instance is replaced: deploy, platform update, crash (docs/scale-out-decision.md)',
      'always-ready: app api keeps 1 instance ready (deployment.stateful.always_ready_instances), but Flex Consumption runs always-ready instances outside maximumInstanceCount (learn.microsoft.com/azure/azure-functions/event-driven-scaling#limit-scale-out; github.com/Azure/azure-rest-api-specs/pull/45083), so a second instance can appear; the serving lease answers requests reaching the instance without it with 503 + Retry-After instead of starting a second child',
      "cost: app api (stateful, 4 GB): on demand, 4 GB × seconds its one instance executes anything (an open stream counts) × your region's on-demand GB-s rate, plus executions × the per-execution rate; always ready: 1 × 4 GB × every second of the month (busy or not) × the always-ready baseline rate, plus execution time at the always-ready execution rate (docs/scale-out-decision.md, option (b): Costs)",
    ]);
  });

  test('deployment.single_instance: one stateful app with every server, the declared state kept, and a warning saying so', () => {
    const plan = planOf({
      mcpServers: { a: stateful(), b: stateless() },
      deployment: { single_instance: true, maximum_instance_count: 5 },
    });
    assert.deepEqual(placement(plan), { apps: ['api stateful a,b'], servers: ['a stateful api', 'b stateless api'] });
    assert.deepEqual(plan.apps[0]!.scale, STATEFUL_SCALE);
    assert.deepEqual(placementWarnings(plan.warnings).slice(0, 2), [
      'deployment.single_instance: one app, every server placed in it as stateful (one instance, no scale-out), "b" declared stateless included; it is kept as an alias: without it, stateful servers (the default) get this app and servers declared "state": "stateless" an app that scales out (docs/scale-out-decision.md)',
      "/deployment: maximum_instance_count describes the app that scales out for stateless servers; every server here is placed in the stateful app (one instance), so it is not used; that app's settings are deployment.stateful",
    ]);
    assert.equal(
      plan.appSettings.some((setting) => setting.name.startsWith('MCP_ADAPTER_')),
      false,
      'no MCP_ADAPTER_SINGLE_INSTANCE: the stateful app needs the shared store for its lease',
    );
    const statelessOnly = planOf({ mcpServers: { a: stateless() }, deployment: { single_instance: true } });
    assert.deepEqual(placement(statelessOnly), { apps: ['api stateful a'], servers: ['a stateless api'] });
  });

  test('settings of the app that scales out are unused without stateless servers, and the plan says so', () => {
    const plan = planOf({
      mcpServers: { a: stateful() },
      deployment: { maximum_instance_count: 10, always_ready_instances: 1 },
    });
    assert.deepEqual(plan.apps[0]!.scale, STATEFUL_SCALE, 'the stateful app has its own always-ready count (0)');
    assert.ok(
      plan.warnings.includes(
        "/deployment: maximum_instance_count and always_ready_instances describe the app that scales out for stateless servers; every server here is placed in the stateful app (one instance), so they are not used; that app's settings are deployment.stateful",
      ),
      plan.warnings.join('\n'),
    );
    assert.equal(
      planOf({ mcpServers: { a: stateful() }, deployment: { instance_memory_mb: 4096 } }).warnings.some((warning) =>
        warning.startsWith('/deployment'),
      ),
      false,
      'instance_memory_mb is the default of the stateful app: used',
    );
  });

  test('adapter.public_base_url names one host, which cannot front two apps: refused for a mixed config only', () => {
    const adapter = { public_base_url: 'https://mcp.contoso.com' };
    assert.deepEqual(planIssues({ adapter, mcpServers: { a: stateful(), b: stateless(), c: stateless() } }), [
      '/adapter/public_base_url: one URL cannot front two apps: the stateful servers ("a") are served by one Function App and the stateless ones ("b", "c") by another, each on its own host name; remove public_base_url and use each app\'s own URL, or deploy one app: every server stateful (the default; "deployment": { "single_instance": true } also places stateless ones there) or every server "state": "stateless"',
    ]);
    for (const document of [
      { adapter, mcpServers: { a: stateful(), b: stateful() } },
      { adapter, mcpServers: { a: stateless(), b: stateless() } },
      { adapter, mcpServers: { a: stateful(), b: stateless() }, deployment: { single_instance: true } },
    ])
      assert.equal(planOf(document).apps.length, 1);
  });

  test('deployment.stateful round trip: the schema takes 512/2048/4096 MB and 0 or 1 always-ready instance, and says what is wrong otherwise', () => {
    const { config } = parseConfig(
      JSON.stringify({
        mcpServers: { a: stateful() },
        deployment: { instance_memory_mb: 512, stateful: { instance_memory_mb: 4096, always_ready_instances: 1 } },
      }),
      FILE,
    );
    assert.deepEqual(config.deployment.stateful, { instanceMemoryMb: 4096, alwaysReadyInstances: 1 });
    assert.deepEqual(
      parseConfig(JSON.stringify({ mcpServers: { a: stateful() }, deployment: { instance_memory_mb: 512 } }), FILE)
        .config.deployment.stateful,
      { instanceMemoryMb: 512, alwaysReadyInstances: 0 },
      'defaults: deployment.instance_memory_mb, 0',
    );
    const issues = (deployment: unknown) => {
      try {
        parseConfig(JSON.stringify({ mcpServers: { a: stateful() }, deployment }), FILE);
      } catch (error) {
        assert.ok(error instanceof ConfigError, String(error));
        return error.issues.map((issue) => `${issue.path}: ${issue.message}`);
      }
      return assert.fail('expected a ConfigError');
    };
    assert.deepEqual(issues({ stateful: { always_ready_instances: 2 } }), [
      '/deployment/stateful/always_ready_instances: must be one of 0, 1',
    ]);
    assert.deepEqual(issues({ stateful: { always_ready_instances: '1' } }), [
      '/deployment/stateful/always_ready_instances: must be one of 0, 1',
    ]);
    assert.deepEqual(issues({ stateful: { instance_memory_mb: 1024 } }), [
      '/deployment/stateful/instance_memory_mb: must be one of 512, 2048, 4096',
    ]);
    assert.deepEqual(issues({ stateful: { maximum_instance_count: 2 } }), [
      '/deployment/stateful/maximum_instance_count: unknown property "maximum_instance_count" (expected one of: instance_memory_mb, always_ready_instances)',
    ]);
    assert.deepEqual(issues({ stateful: true }), ['/deployment/stateful: must be an object (got boolean)']);
  });
});
