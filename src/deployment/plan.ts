import path from 'node:path';
import { AdapterError } from '../errors/adapter-error.js';
import type { ConfigIssue } from '../config/errors.js';
import { formatIssue } from '../config/errors.js';
import type { LoadedConfig } from '../config/load-config.js';
import { serversHoldingCallerCredentials, sharedUserCredentialsProblem } from '../config/caller-credentials.js';
import { entraEndpointIdentifierUris } from '../config/entra-resource.js';
import { commandFile, executablePlatform, FUNCTIONS_PLATFORM } from './executable-platform.js';
import type { AuthLevel, SkippedServer } from '../config/model.js';
import { inputSettingName, type VariableUse } from '../config/variables.js';

/**
 * The deployment plan: everything the infrastructure needs to know about a config, derived by
 * one pure function so it can be tested without Azure. The azd `preprovision` hook writes it
 * and the Bicep reads it. It names settings and secrets, never their values.
 */
export interface DeploymentPlan {
  planVersion: 1;
  servers: PlannedServer[];
  skippedServers: SkippedServer[];
  /** App settings and where their values come from. */
  appSettings: PlannedSetting[];
  /** Key Vault secrets to create; values come from the azd environment variable named. */
  secrets: PlannedSecret[];
  /** Role assignments the config calls for, on the deployment's own resources (the static ones live in the Bicep). */
  roleAssignments: PlannedRole[];
  identity: { childUsesManagedIdentity: boolean; managedIdentityScopes: string[] };
  /** Entra app registration for On-Behalf-Of, or null when no server uses it. */
  entra: PlannedEntra | null;
  /**
   * The Function Apps the servers are placed in, by their `state`: one (every server of one kind,
   * or `deployment.single_instance`) or two (stateful and stateless servers). `apps[0].service` is
   * always `api`. Each is its own Flex Consumption app with its own host name, sharing the
   * package, config, identity, storage and Key Vault.
   */
  apps: PlannedApp[];
  warnings: string[];
}

/** azure.yaml service key of a planned app: `api` (always the first app) or `api-stateless` (the second, mixed configs only). */
export type PlannedAppService = 'api' | 'api-stateless';
/** How an app runs its servers (see PlannedApp.role). */
export type PlannedAppRole = 'stateful' | 'stateless';

export interface PlannedApp {
  /** azure.yaml service key: 'api' (always the first app) or 'api-stateless' (second app, mixed configs only). */
  service: PlannedAppService;
  /** stateful: never more than one instance, holds the serving lease; stateless: scales out, sessions replicated. */
  role: PlannedAppRole;
  /** Names of the servers this app serves (config order). */
  servers: string[];
  scale: PlannedScale;
}

export interface PlannedServer {
  name: string;
  endpoint: string;
  /** The app that serves it (its service key). */
  app: PlannedAppService;
  /**
   * The state the config declares (`mcpServers.<name>.state`, default `stateful`). Where it runs is
   * `app`: with `deployment.single_instance` a server declared stateless runs in the stateful app.
   */
  state: 'stateful' | 'stateless';
  default: boolean;
  authLevel: AuthLevel;
  authMethod: string;
  caller: string;
  child: string;
}

export type PlannedSetting =
  | { name: string; source: 'azd_env'; azdEnvName: string; usedAt: string[] }
  | { name: string; source: 'key_vault'; secretName: string; usedAt: string[] }
  | { name: string; source: 'fixed'; value: string; reason: string };

export interface PlannedSecret {
  secretName: string;
  appSetting: string;
  azdEnvName: string;
  usedAt: string[];
}

export interface PlannedRole {
  role: string;
  roleDefinitionId: string;
  scope: 'keyVault';
  reason: string;
}

export interface PlannedEntra {
  /** Servers whose callers present Entra tokens (the app registration is their audience). */
  servers: string[];
  /** Servers whose children get On-Behalf-Of tokens. */
  oboServers: string[];
  /** `create`: the deployment creates the app registration; `configured`: the config names one (`azure_client_id`). */
  appRegistration: 'create' | 'configured';
  /** Scopes the adapter exchanges caller tokens for. */
  oboScopes: string[];
  /** Scopes callers' tokens must hold. */
  requiredCallerScopes: string[];
  /** `federated_credential` (the managed identity; no secret) or `client_secret` (the config's `azure_client_secret`). */
  credential: 'federated_credential' | 'client_secret';
  /**
   * Endpoint URLs under a custom-domain `public_base_url`, registered as identifier URIs of the app
   * so that Entra accepts the endpoint URL as the RFC 8707 `resource` (absent without one).
   */
  endpointIdentifierUris?: string[];
  /** App roles the tool rules of Entra servers name (`tools.roles`), declared on the app so they can be assigned. */
  appRoles?: string[];
}

/** One app's Flex Consumption scale settings. */
export interface PlannedScale {
  instanceMemoryMb: number;
  /** Most on-demand instances: 1 for the stateful app. Always-ready instances run outside it. */
  maximumInstanceCount: number;
  alwaysReadyInstances: number;
  childMemoryMb: number;
  /** Sessions one instance takes (the adapter's per-instance cap, MCP_ADAPTER_MAX_SESSIONS of this app). */
  sessionsPerInstance: number;
  /**
   * Flex Consumption HTTP concurrency per instance. Stateless app: equal to the session cap, so the
   * platform scales out before sessions are refused. Stateful app: 4 × the session cap (at most
   * 1000, the platform's limit), so a session's GET stream and POSTs do not look like load to scale on.
   */
  httpPerInstanceConcurrency: number;
}

export class PlanError extends AdapterError {
  constructor(
    readonly file: string,
    readonly issues: ConfigIssue[],
  ) {
    super(
      `Cannot plan a deployment of ${file}:\n${issues.map((issue) => `  - ${formatIssue(file, issue)}`).join('\n')}`,
      { code: 'plan_invalid' },
    );
  }
}

/**
 * Well-known servers with tools that read the process environment, write files or run commands
 * (names as their packages list them).
 */
const DANGEROUS_SERVERS = [
  {
    name: '@modelcontextprotocol/server-everything',
    pattern: /@modelcontextprotocol\/server-everything\b|server-everything/,
    risk: "print the server's environment (get-env) and fetch any URL (gzip-file-as-resource)",
    deny: ['get-env', 'gzip-file-as-resource'],
  },
  {
    name: '@modelcontextprotocol/server-filesystem',
    pattern: /@modelcontextprotocol\/server-filesystem\b/,
    risk: 'write, edit and move files',
    deny: ['write_file', 'edit_file', 'create_directory', 'move_file'],
  },
  {
    name: 'Desktop Commander',
    pattern: /@wonderwhy-er\/desktop-commander\b|desktop-commander/,
    risk: 'run shell commands and write files',
    deny: ['start_process', 'interact_with_process', 'write_file', 'edit_block'],
  },
];

/** Memory an instance keeps for the Functions host and the adapter itself. */
const HOST_RESERVED_MB = 256;
/** Requests per session the stateful app's HTTP concurrency allows for (a GET stream and POSTs). */
const STATEFUL_REQUESTS_PER_SESSION = 4;
/** The highest `perInstanceConcurrency` Flex Consumption accepts. */
const MAX_HTTP_CONCURRENCY = 1000;
const SCALE_OUT_DECISION = 'docs/scale-out-decision.md';
const KEY_VAULT_SECRETS_USER = '4633458b-17de-408a-b874-0445c86b69e6';
/** Settings the platform or the adapter own; a config variable must not take these names. */
const RESERVED_SETTING =
  /^(WEBSITE_|FUNCTIONS_|AzureWebJobs|APPSETTING_|SCM_|AZURE_FUNCTIONS_|APPLICATIONINSIGHTS_|MCP_ADAPTER_|(PATH|HOME|LOG_LEVEL|MCP_CONFIG_PATH|MAX_CONCURRENT_SESSIONS|SESSION_TIMEOUT_SECONDS)$)/i;
/** Settings Azure SDK credentials in the adapter's own process would pick up. */
const CREDENTIAL_SETTING =
  /^AZURE_(CLIENT_ID|CLIENT_SECRET|TENANT_ID|CLIENT_CERTIFICATE_PATH|USERNAME|PASSWORD|FEDERATED_TOKEN_FILE)$/;

/**
 * Key Vault secret names allow only letters, digits and `-`: `_` and any other character
 * become `-`, and inputs get an `input-` prefix. Names are case-insensitive in Key Vault, so
 * two config names that map to the same secret name are an error.
 */
export function keyVaultSecretName(use: Pick<VariableUse, 'kind' | 'name'>): string {
  const base = use.name.replace(/[^A-Za-z0-9-]/g, '-');
  return use.kind === 'input' ? `input-${base}` : base;
}

export function sessionsPerInstance(memoryMb: number, childMemoryMb: number): number {
  return Math.max(1, Math.floor((memoryMb - HOST_RESERVED_MB) / childMemoryMb));
}

export function planDeployment(loaded: LoadedConfig): DeploymentPlan {
  const { config, variables, document } = loaded;
  const issues: ConfigIssue[] = [];
  const planWarnings: string[] = [];
  const settings = new Map<string, PlannedSetting>();
  const secrets = new Map<string, PlannedSecret>();
  const secretNames = new Map<string, string>();

  for (const use of variables) {
    if (use.kind === 'workspaceFolder') continue;
    const setting = use.kind === 'input' ? inputSettingName(use.name) : use.name;
    if (RESERVED_SETTING.test(setting)) {
      issues.push({
        path: use.path,
        message: `${use.text} would set the app setting ${setting}, which the platform or the adapter owns; choose another name`,
      });
      continue;
    }
    if (CREDENTIAL_SETTING.test(setting) && !settings.has(setting)) {
      planWarnings.push(
        `${use.path}: ${use.text} becomes the app setting ${setting}, which Azure SDK credentials read in the app's own process; prefer a name of your own (e.g. OBO_${setting.slice(6)})`,
      );
    }
    const existing = settings.get(setting);
    if (use.secret) {
      if (existing && existing.source !== 'key_vault') {
        issues.push({
          path: use.path,
          message: `${setting} is used both as a secret and as a plain setting; use one kind`,
        });
        continue;
      }
      const secretName = keyVaultSecretName(use);
      const clash = secretNames.get(secretName.toLowerCase());
      if (clash && clash !== setting) {
        issues.push({
          path: use.path,
          message: `${use.text} maps to the Key Vault secret "${secretName}", which ${clash} already maps to (Key Vault names are case-insensitive and have no '_'); rename one`,
        });
        continue;
      }
      secretNames.set(secretName.toLowerCase(), setting);
      if (existing && existing.source === 'key_vault') existing.usedAt.push(use.path);
      else settings.set(setting, { name: setting, source: 'key_vault', secretName, usedAt: [use.path] });
      const secret = secrets.get(secretName);
      if (secret) secret.usedAt.push(use.path);
      else secrets.set(secretName, { secretName, appSetting: setting, azdEnvName: setting, usedAt: [use.path] });
    } else {
      if (existing && existing.source === 'key_vault') {
        issues.push({
          path: use.path,
          message: `${setting} is used both as a secret and as a plain setting; use one kind`,
        });
        continue;
      }
      if (existing && existing.source === 'azd_env') existing.usedAt.push(use.path);
      else settings.set(setting, { name: setting, source: 'azd_env', azdEnvName: setting, usedAt: [use.path] });
    }
  }
  const deployment = config.deployment;
  const servers = [...config.servers.values()];
  // Placement: stateful servers (all of them with single_instance) in an app of one instance,
  // stateless ones in an app that scales out (docs/scale-out-decision.md, option b).
  const statefulServers = deployment.singleInstance ? servers : servers.filter((server) => server.state === 'stateful');
  const statelessServers = deployment.singleInstance ? [] : servers.filter((server) => server.state === 'stateless');
  if (statefulServers.length > 0 && statelessServers.length > 0 && config.adapter.publicBaseUrl !== undefined)
    issues.push({
      path: '/adapter/public_base_url',
      message: `one URL cannot front two apps: the stateful servers (${quoted(statefulServers)}) are served by one Function App and the stateless ones (${quoted(statelessServers)}) by another, each on its own host name; remove public_base_url and use each app's own URL, or deploy one app: every server stateful (the default; "deployment": { "single_instance": true } also places stateless ones there) or every server "state": "stateless"`,
    });

  // The runtime refuses caller credentials beside other users' children without consent (and Flex
  // children share one user): refuse before anything is deployed.
  const callerCredentials = serversHoldingCallerCredentials(config.servers.values());
  if (callerCredentials.length > 0 && !config.adapter.allowSharedUserCredentials)
    issues.push({
      path: '/adapter',
      message: sharedUserCredentialsProblem(callerCredentials.map((server) => server.name)),
    });
  if (issues.length > 0) throw new PlanError(config.sourcePath, issues);

  // The session cap and scale of each app; the Bicep sets MCP_ADAPTER_MAX_SESSIONS and
  // MCP_ADAPTER_APP_ROLE per app from these.
  const maxSessions = document.adapter?.max_sessions;
  const apps: PlannedApp[] = [];
  if (statefulServers.length > 0) {
    const memory = deployment.stateful.instanceMemoryMb;
    const sessions = maxSessions ?? sessionsPerInstance(memory, deployment.childMemoryMb);
    apps.push({
      service: 'api',
      role: 'stateful',
      servers: statefulServers.map((server) => server.name),
      scale: {
        instanceMemoryMb: memory,
        maximumInstanceCount: 1,
        alwaysReadyInstances: deployment.stateful.alwaysReadyInstances,
        childMemoryMb: deployment.childMemoryMb,
        sessionsPerInstance: sessions,
        httpPerInstanceConcurrency: Math.min(MAX_HTTP_CONCURRENCY, STATEFUL_REQUESTS_PER_SESSION * sessions),
      },
    });
  }
  if (statelessServers.length > 0) {
    const sessions = maxSessions ?? sessionsPerInstance(deployment.instanceMemoryMb, deployment.childMemoryMb);
    apps.push({
      service: apps.length === 0 ? 'api' : 'api-stateless',
      role: 'stateless',
      servers: statelessServers.map((server) => server.name),
      scale: {
        instanceMemoryMb: deployment.instanceMemoryMb,
        maximumInstanceCount: deployment.maximumInstanceCount,
        alwaysReadyInstances: deployment.alwaysReadyInstances,
        childMemoryMb: deployment.childMemoryMb,
        sessionsPerInstance: sessions,
        httpPerInstanceConcurrency: sessions,
      },
    });
  }
  const appOf = new Map(apps.flatMap((app) => app.servers.map((name) => [name, app.service] as const)));

  const managedIdentityServers = servers.filter((server) => server.auth.child.type === 'managed_identity');
  const oboServers = servers.filter((server) => server.auth.child.type === 'on_behalf_of');
  const union = (lists: string[][]) => [...new Set(lists.flat())].sort(compare);

  const entraCallers = servers.filter((server) => server.auth.caller.type === 'entra');
  let entra: PlannedEntra | null = null;
  if (entraCallers.length > 0 || oboServers.length > 0) {
    const usesSecret = oboServers.some(
      (server) => server.auth.child.type === 'on_behalf_of' && server.auth.child.clientSecret !== undefined,
    );
    const configuredApp = oboServers.some(
      (server) => server.auth.child.type === 'on_behalf_of' && server.auth.child.clientId !== undefined,
    );
    entra = {
      servers: [...new Set([...entraCallers, ...oboServers].map((server) => server.name))],
      oboServers: oboServers.map((server) => server.name),
      appRegistration: configuredApp ? 'configured' : 'create',
      oboScopes: union(
        oboServers.map((server) => (server.auth.child.type === 'on_behalf_of' ? server.auth.child.scopes : [])),
      ),
      requiredCallerScopes: union(
        entraCallers.map((server) => (server.auth.caller.type === 'entra' ? server.auth.caller.requiredScopes : [])),
      ),
      credential: usesSecret ? 'client_secret' : 'federated_credential',
    };
    const appRoles = union(entraCallers.map((server) => [...server.allowedRoles, ...Object.keys(server.rules.roles)]));
    if (appRoles.length > 0) entra.appRoles = appRoles;
    const endpointIdentifierUris = entraEndpointIdentifierUris(config);
    if (endpointIdentifierUris.length > 0) {
      entra.endpointIdentifierUris = endpointIdentifierUris;
      if (configuredApp)
        planWarnings.push(
          `Entra: the config names its own app registration; add ${endpointIdentifierUris.join(', ')} to its identifier URIs (Expose an API), or clients that send the endpoint URL as their resource (VS Code, the MCP SDKs) get AADSTS9010010 (docs/authentication.md: Entra sign-in)`,
        );
    } else if (entraCallers.length > 0) {
      planWarnings.push(
        `Entra: without a custom domain (adapter.public_base_url), the endpoint URL cannot be an identifier URI of the app (Entra allows https identifier URIs on verified domains only), so clients that send it as their RFC 8707 resource (VS Code, the MCP SDKs) are refused by Entra with AADSTS9010010; give the app a custom domain, or use clients that request the api:// scope without a resource (docs/authentication.md: Entra sign-in)`,
      );
    }
  }

  // The Flex Consumption Node.js image brings Node.js, npm and npx; uvx servers get a Python of their
  // own from the prepackage hook (src/deployment/packaging.ts); a bare Python command finds none.
  const needsPython = servers.filter((server) =>
    /^(python(\d+(\.\d+)?)?|pip\d*|pipx|uv)$/.test(path.basename(server.command).replace(/\.exe$/i, '')),
  );
  if (needsPython.length > 0)
    planWarnings.push(
      `${needsPython.map((server) => `"${server.name}" (${server.command})`).join(', ')}: the Flex Consumption Node.js image has no Python, so ${needsPython.length === 1 ? 'this server fails' : 'these servers fail'} to start when deployed; run Python servers with uvx (azd deploy packages them with a Python of their own), or ship an executable`,
    );

  planWarnings.push(...deploymentWarnings(loaded, apps));

  // A binary shipped with the app must be built for the image it runs on.
  for (const server of servers) {
    const file = commandFile(server.command, server.cwd);
    const platform = file && executablePlatform(file);
    if (platform && platform !== FUNCTIONS_PLATFORM)
      planWarnings.push(
        `"${server.name}" runs ${server.command}, an executable built for ${platform}; Azure Functions runs ${FUNCTIONS_PLATFORM}, so it fails to start when deployed: ship a ${FUNCTIONS_PLATFORM} build (deploy from Linux x64 or CI), or run it through its runtime`,
      );
  }

  // Servers written for one trusted user: deployed without rules, every caller gets their most dangerous tools.
  for (const server of servers) {
    if (server.rules.hasToolRules) continue;
    const line = [server.command, ...server.args].join(' ');
    const known = DANGEROUS_SERVERS.find((entry) => entry.pattern.test(line));
    if (known)
      planWarnings.push(
        `"${server.name}" runs ${known.name}, whose tools ${known.risk}; deployed without tool rules, every caller may use them: add "tools": { "deny": [${known.deny.map((name) => `"${name}"`).join(', ')}] } (or "read_only": true) to this server (docs/configuration.md: Tool rules)`,
      );
  }

  // Flex Consumption runs the worker as a non-root user (Azure/azure-functions-host#10164): children
  // share it, and can read the app's environment and each other's (docs/protocol-and-sessions.md: Child isolation).
  if (callerCredentials.length > 0) {
    planWarnings.push(
      `trust boundary: on Flex Consumption every child of this app runs as the app's own user, so any MCP server of this app can read the app's settings and secrets and the credentials that ${callerCredentials.map((server) => `"${server.name}"`).join(', ')} give each caller's child (another user's child included); adapter.allow_shared_user_credentials accepts this. Serve servers of different trust from separate apps (docs/protocol-and-sessions.md: Child isolation)`,
    );
  }

  return {
    planVersion: 1,
    servers: servers.map((server) => ({
      name: server.name,
      endpoint: `/mcp/${server.name}`,
      app: appOf.get(server.name)!,
      state: server.state,
      default: server.isDefault || servers.length === 1,
      authLevel: server.authLevel,
      authMethod: server.auth.method,
      caller: server.auth.caller.type,
      child: server.auth.child.type,
    })),
    skippedServers: config.skipped,
    // Code-point order, so the plan is the same whatever the machine's locale.
    appSettings: [...settings.values()].sort((a, b) => compare(a.name, b.name)),
    secrets: [...secrets.values()].sort((a, b) => compare(a.secretName, b.secretName)),
    roleAssignments:
      secrets.size > 0
        ? [
            {
              role: 'Key Vault Secrets User',
              roleDefinitionId: KEY_VAULT_SECRETS_USER,
              scope: 'keyVault',
              reason: "the app resolves Key Vault references to the config's secrets",
            },
          ]
        : [],
    identity: {
      childUsesManagedIdentity: managedIdentityServers.length > 0,
      managedIdentityScopes: union(
        managedIdentityServers.map((server) =>
          server.auth.child.type === 'managed_identity' ? server.auth.child.scopes : [],
        ),
      ),
    },
    entra,
    apps,
    warnings: [...loaded.warnings.map((warning) => `${warning.path || '/'}: ${warning.message}`), ...planWarnings],
  };
}

/**
 * What the placement means for the operator: single_instance in force, settings no app uses, each
 * app's capacity or replication, the always-ready caveat, and cost as formulas (the rates differ
 * by region and change; docs/scale-out-decision.md has dated examples).
 */
function deploymentWarnings(loaded: LoadedConfig, apps: PlannedApp[]): string[] {
  const { config, document } = loaded;
  const deployment = config.deployment;
  const written = document.deployment ?? {};
  const warnings: string[] = [];
  const stateful = apps.find((app) => app.role === 'stateful');
  const stateless = apps.find((app) => app.role === 'stateless');

  if (deployment.singleInstance) {
    const declared = [...config.servers.values()].filter((server) => server.state === 'stateless');
    warnings.push(
      `deployment.single_instance: one app, every server placed in it as stateful (one instance, no scale-out)${declared.length > 0 ? `, ${quoted(declared)} declared stateless included` : ''}; it is kept as an alias: without it, stateful servers (the default) get this app and servers declared "state": "stateless" an app that scales out (${SCALE_OUT_DECISION})`,
    );
  }
  const unused = (['maximum_instance_count', 'always_ready_instances'] as const).filter(
    (key) => written[key] !== undefined,
  );
  if (!stateless && unused.length > 0)
    warnings.push(
      `/deployment: ${unused.join(' and ')} ${unused.length === 1 ? 'describes' : 'describe'} the app that scales out for stateless servers; every server here is placed in the stateful app (one instance), so ${unused.length === 1 ? 'it is' : 'they are'} not used; that app's settings are deployment.stateful`,
    );
  if (!stateful && written.stateful !== undefined)
    warnings.push('/deployment/stateful: not used: every server is declared stateless, so there is no stateful app');

  for (const app of apps) {
    const { scale } = app;
    const gb = scale.instanceMemoryMb / 1024;
    const names = app.servers.map((name) => `"${name}"`).join(', ');
    const derivation =
      document.adapter?.max_sessions !== undefined
        ? 'adapter.max_sessions'
        : `${HOST_RESERVED_MB} MB kept for the host, ${scale.childMemoryMb} MB per child`;
    if (app.role === 'stateful') {
      const replaced = `deploy, platform update, crash${scale.alwaysReadyInstances > 0 ? '' : ', scale to zero after idleness'}`;
      warnings.push(
        `capacity: app ${app.service} serves ${names} on one instance: ${scale.sessionsPerInstance} sessions at ${scale.instanceMemoryMb} MB (${derivation}); beyond, new sessions get 503 + Retry-After; a session's state is lost when the instance is replaced: ${replaced} (${SCALE_OUT_DECISION})`,
      );
      if (scale.alwaysReadyInstances > 0)
        warnings.push(
          `always-ready: app ${app.service} keeps ${scale.alwaysReadyInstances} instance ready (deployment.stateful.always_ready_instances), but Flex Consumption runs always-ready instances outside maximumInstanceCount (learn.microsoft.com/azure/azure-functions/event-driven-scaling#limit-scale-out; github.com/Azure/azure-rest-api-specs/pull/45083), so a second instance can appear; the serving lease answers requests reaching the instance without it with 503 + Retry-After instead of starting a second child`,
        );
      warnings.push(
        `cost: app ${app.service} (stateful, ${gb} GB): on demand, ${gb} GB × seconds its one instance executes anything (an open stream counts) × your region's on-demand GB-s rate, plus executions × the per-execution rate${alwaysReadyCost(scale, gb)} (${SCALE_OUT_DECISION}, option (b): Costs)`,
      );
    } else {
      const most = scale.maximumInstanceCount + scale.alwaysReadyInstances;
      warnings.push(
        `capacity: app ${app.service} serves ${names} with ${scale.sessionsPerInstance} sessions per instance at ${scale.instanceMemoryMb} MB (${derivation}), up to ${most} ${most === 1 ? 'instance' : 'instances'} (${scale.sessionsPerInstance * most} sessions); beyond, new sessions get 503 + Retry-After`,
      );
      if (most > 1)
        warnings.push(
          `replicated: ${names} declared stateless; app ${app.service} scales out to ${scale.maximumInstanceCount} instances${scale.alwaysReadyInstances > 0 ? ` (and ${scale.alwaysReadyInstances} always ready)` : ''}, and a session's requests may reach a child on each instance, in-memory state is not shared`,
        );
      warnings.push(
        `cost: app ${app.service} (stateless, ${gb} GB, up to ${scale.maximumInstanceCount} instances): on demand, for each active instance ${gb} GB × seconds it executes anything × your region's on-demand GB-s rate, plus executions × the per-execution rate; a session whose requests reach n instances keeps n of them active${alwaysReadyCost(scale, gb)} (${SCALE_OUT_DECISION}, option (b): Costs)`,
      );
    }
  }
  return warnings;
}

function alwaysReadyCost(scale: PlannedScale, gb: number): string {
  if (scale.alwaysReadyInstances === 0) return '; nothing while idle';
  return `; always ready: ${scale.alwaysReadyInstances} × ${gb} GB × every second of the month (busy or not) × the always-ready baseline rate, plus execution time at the always-ready execution rate`;
}

function quoted(servers: readonly { name: string }[]): string {
  return servers.map((server) => `"${server.name}"`).join(', ');
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
