import { compileRules, type CompiledRules } from '../governance/tool-rules.js';
import { RulesConfigError } from '../governance/errors.js';
import { totalmem } from 'node:os';
import path from 'node:path';
import { isStdioServer, type AuthDocument, type ConfigDocument, type StdioServerDocument } from './document.js';
import type { ConfigIssue } from './errors.js';
import { inputSettingName } from './variables.js';
import type {
  AdapterConfig,
  AuthLevel,
  CallerAuth,
  ChildCredentialSettings,
  ServerAuth,
  ServerConfig,
  SkippedServer,
} from './model.js';

const seconds = (value: number) => Math.round(value * 1000);

export const DEFAULTS = {
  startupTimeoutSeconds: 60,
  requestTimeoutSeconds: 300,
  maxRestarts: 3,
  idleTimeoutSeconds: 1800,
  maxLifetimeSeconds: 86400,
  maxPerPrincipal: 10,
  reclaimAfterSeconds: 600,
  inputWaitSeconds: 300,
  maxBodyBytes: 4 * 1024 * 1024,
  shutdownGraceSeconds: 2,
  instanceMemoryMb: 2048 as const,
  maximumInstanceCount: 40,
  childMemoryMb: 80,
};

export interface NormaliseResult {
  config: AdapterConfig;
  issues: ConfigIssue[];
  warnings: ConfigIssue[];
}

/**
 * Turns a schema-valid document (variables resolved or not) into the runtime model and checks
 * the rules a JSON Schema cannot express. `hostEnv` supplies the predecessor's instance-wide
 * MAX_CONCURRENT_SESSIONS and SESSION_TIMEOUT_SECONDS settings.
 */
export function normalise(
  document: ConfigDocument,
  sourcePath: string,
  hostEnv: NodeJS.ProcessEnv = {},
): NormaliseResult {
  const issues: ConfigIssue[] = [];
  const warnings: ConfigIssue[] = [];
  const baseDir = path.dirname(sourcePath);
  const key = document.mcpServers ? 'mcpServers' : 'servers';
  if (document.mcpServers && document.servers) {
    issues.push({
      path: '/servers',
      message: 'use either "mcpServers" (Claude Desktop / Cursor) or "servers" (VS Code), not both',
    });
  }
  if (!document.mcpServers && !document.servers) {
    issues.push({
      path: '',
      message: 'missing "mcpServers" (or VS Code\'s "servers"): list at least one STDIO MCP server',
    });
  }
  const instanceIdle = positiveNumber(hostEnv.SESSION_TIMEOUT_SECONDS);
  const inputSettings = new Map<string, string>();
  for (const [index, input] of (document.inputs ?? []).entries()) {
    const setting = inputSettingName(input.id);
    const clash = inputSettings.get(setting);
    if (clash !== undefined)
      issues.push({
        path: `/inputs/${index}/id`,
        message: `inputs "${clash}" and "${input.id}" would share the setting ${setting}; rename one`,
      });
    inputSettings.set(setting, input.id);
    if (input.type === 'pickString' && !(input.options && input.options.length > 0)) {
      issues.push({
        path: `/inputs/${index}`,
        message: `the pickString input "${input.id}" needs "options" to pick from`,
      });
    }
  }
  const servers = new Map<string, ServerConfig>();
  const skipped: SkippedServer[] = [];
  for (const [name, entry] of Object.entries(document[key] ?? {})) {
    const at = `/${key}/${name}`;
    if (!isStdioServer(entry)) {
      const type = entry.type ?? 'http';
      skipped.push({
        name,
        type,
        reason: `a remote ${type} server is already reachable over HTTP; there is nothing to adapt`,
      });
      warnings.push({
        path: at,
        message: `skipped: "${name}" is a remote ${type} server, not a STDIO one; the adapter serves only STDIO servers`,
      });
      continue;
    }
    servers.set(name, normaliseServer(name, entry, at, baseDir, instanceIdle, issues, warnings));
  }
  if (servers.size === 0 && issues.length === 0) {
    issues.push({
      path: `/${key}`,
      message: `no STDIO server to serve${skipped.length ? ` (${skipped.length} remote server(s) skipped)` : ''}`,
    });
  }
  const defaults = [...servers.values()].filter((server) => server.isDefault);
  for (const server of defaults.slice(1)) {
    issues.push({
      path: `/${key}/${server.name}/default`,
      message: `only one server may be the default; "${defaults[0]!.name}" already is`,
    });
  }

  const adapter = document.adapter ?? {};
  const logLevel = adapter.log_level ?? 'info';
  const deployment = document.deployment ?? {};
  const config: AdapterConfig = {
    sourcePath,
    servers,
    unavailable: new Map(),
    skipped,
    adapter: {
      // The deployment sets MCP_ADAPTER_MAX_SESSIONS from the plan; MAX_CONCURRENT_SESSIONS is the predecessor's name.
      maxSessions:
        adapter.max_sessions ??
        positiveNumber(hostEnv.MCP_ADAPTER_MAX_SESSIONS) ??
        positiveNumber(hostEnv.MAX_CONCURRENT_SESSIONS) ??
        localSessionCap(document.deployment?.child_memory_mb ?? DEFAULTS.childMemoryMb),
      maxBodyBytes: adapter.max_body_bytes ?? DEFAULTS.maxBodyBytes,
      allowedOrigins: adapter.allowed_origins ?? [],
      allowedHosts: adapter.allowed_hosts ?? [],
      publicBaseUrl: adapter.public_base_url,
      shutdownGraceMs: seconds(adapter.shutdown_grace_seconds ?? DEFAULTS.shutdownGraceSeconds),
      streamLimitMs: adapter.stream_limit_seconds === undefined ? undefined : seconds(adapter.stream_limit_seconds),
      isolation: document.adapter?.isolation ?? 'auto',
      childUids: { first: adapter.child_uids?.first ?? 61000, count: adapter.child_uids?.count ?? 2000 },
      allowSharedUserCredentials: adapter.allow_shared_user_credentials ?? false,
      listServersPublicly: adapter.list_servers_publicly ?? false,
      installNpxServers: adapter.install_npx_servers ?? true,
      logLevels: typeof logLevel === 'string' ? { default: logLevel } : logLevel,
    },
    deployment: {
      instanceMemoryMb: deployment.instance_memory_mb ?? DEFAULTS.instanceMemoryMb,
      maximumInstanceCount: deployment.maximum_instance_count ?? DEFAULTS.maximumInstanceCount,
      alwaysReadyInstances: deployment.always_ready_instances ?? 0,
      childMemoryMb: deployment.child_memory_mb ?? DEFAULTS.childMemoryMb,
      singleInstance: deployment.single_instance ?? false,
      stateful: {
        instanceMemoryMb:
          deployment.stateful?.instance_memory_mb ?? deployment.instance_memory_mb ?? DEFAULTS.instanceMemoryMb,
        alwaysReadyInstances: deployment.stateful?.always_ready_instances ?? 0,
      },
    },
  };
  if (config.deployment.singleInstance && config.deployment.alwaysReadyInstances > 0)
    issues.push({
      path: '/deployment/always_ready_instances',
      message:
        'single_instance pins the app to one instance, but Flex Consumption runs always-ready instances outside the maximum instance count, so the app could run two and split sessions between them; set 0 (the one instance then starts on the first request)',
    });
  return { config, issues, warnings };
}

function normaliseServer(
  name: string,
  server: StdioServerDocument,
  at: string,
  baseDir: string,
  instanceIdle: number | undefined,
  issues: ConfigIssue[],
  warnings: ConfigIssue[],
): ServerConfig {
  const env = server.env ?? {};
  for (const [alias, main] of [
    ['working_dir', 'cwd'],
    ['timeout_seconds', 'request_timeout_seconds'],
  ] as const) {
    if (server[alias] !== undefined && server[main] !== undefined) {
      issues.push({
        path: `${at}/${alias}`,
        message: `"${alias}" is another name for "${main}"; give only one of them`,
      });
    }
  }
  // The predecessor read these two from the server's env block; they still set its limits.
  const legacyMax = legacySetting(env, 'MAX_CONCURRENT_SESSIONS', `${at}/env`, issues);
  const legacyIdle = legacySetting(env, 'SESSION_TIMEOUT_SECONDS', `${at}/env`, issues);
  const auth = normaliseAuth(server.auth ?? {}, `${at}/auth`, issues, warnings);
  const authLevel: AuthLevel = server.auth_level ?? (auth.caller.type === 'function_key' ? 'function' : 'anonymous');
  if (
    auth.child.type !== 'none' &&
    (auth.caller.type === 'none' || (auth.caller.type === 'function_key' && authLevel === 'anonymous'))
  ) {
    issues.push({
      path: server.auth_level ? `${at}/auth_level` : `${at}/auth`,
      message: `the endpoint would be anonymous while its child holds a credential (${auth.child.type}); use auth_level "function" or a caller that verifies tokens`,
    });
  }
  const allowedRoles = [...new Set(server.allowed_roles ?? [])];
  if (allowedRoles.length > 0 && auth.caller.type !== 'entra' && auth.caller.type !== 'oauth2') {
    issues.push({
      path: `${at}/allowed_roles`,
      message: `allowed_roles needs callers that present tokens (azure_obo, oauth2_bearer, or an explicit auth.caller); this server's callers (${auth.caller.type}) carry no roles, so the rule could not be enforced`,
    });
  }
  const warmPool = server.sessions?.warm_pool ?? 0;
  const callerDependent = callerDependentChild(auth);
  if (warmPool > 0 && callerDependent) {
    issues.push({
      path: `${at}/sessions/warm_pool`,
      message: `a warm pool spawns children before any session exists, but this server's child gets ${callerDependent}, made for each session and its caller; remove "warm_pool" (or set it to 0), or give the child no credentials`,
    });
  }
  return {
    name,
    command: server.command,
    args: server.args ?? [],
    env,
    cwd: path.resolve(baseDir, server.cwd ?? server.working_dir ?? '.'),
    framing: server.framing ?? 'auto',
    startupTimeoutMs: seconds(server.startup_timeout_seconds ?? DEFAULTS.startupTimeoutSeconds),
    requestTimeoutMs: seconds(
      server.request_timeout_seconds ?? server.timeout_seconds ?? DEFAULTS.requestTimeoutSeconds,
    ),
    restartOnFailure: server.restart_on_failure ?? true,
    maxRestarts: server.max_restarts ?? DEFAULTS.maxRestarts,
    isDefault: server.default ?? false,
    authLevel,
    allowedOrigins: server.allowed_origins ?? [],
    maxChildMemoryMb: server.max_child_memory_mb,
    rules: compileServerRules(server, at, issues),
    allowedRoles,
    state: server.state ?? 'stateful',
    sessions: {
      // No limit of its own by default: the instance's limit (sized from memory) applies.
      maxConcurrent: server.sessions?.max_concurrent ?? legacyMax ?? Number.POSITIVE_INFINITY,
      idleTimeoutMs: seconds(
        server.sessions?.idle_timeout_seconds ?? legacyIdle ?? instanceIdle ?? DEFAULTS.idleTimeoutSeconds,
      ),
      maxLifetimeMs: seconds(server.sessions?.max_lifetime_seconds ?? DEFAULTS.maxLifetimeSeconds),
      maxPerPrincipal: server.sessions?.max_per_principal ?? DEFAULTS.maxPerPrincipal,
      reclaimAfterMs: seconds(server.sessions?.reclaim_after_seconds ?? DEFAULTS.reclaimAfterSeconds),
      inputWaitMs: seconds(server.sessions?.input_wait_seconds ?? DEFAULTS.inputWaitSeconds),
      warmPool,
    },
    auth,
  };
}

/** Maps the predecessor's `method` (and the explicit `caller`/`child` overrides) onto the two questions. */
function normaliseAuth(auth: AuthDocument, at: string, issues: ConfigIssue[], warnings: ConfigIssue[]): ServerAuth {
  const method = auth.method ?? 'none';
  const scopes = auth.azure_scopes ?? [];
  const requiredScopes = auth.caller?.required_scopes ?? auth.oauth2_required_scopes ?? [];
  const callerType =
    auth.caller?.type ??
    ({ none: 'function_key', azure_default: 'function_key', azure_obo: 'entra', oauth2_bearer: 'oauth2' } as const)[
      method
    ];
  const childType =
    auth.child?.type ??
    (
      {
        none: 'none',
        azure_default: 'managed_identity',
        azure_obo: 'on_behalf_of',
        oauth2_bearer: auth.forward_user_token ? 'user_token' : 'none',
      } as const
    )[method];
  const childScopes = auth.child?.scopes ?? scopes;

  let caller: CallerAuth;
  if (callerType === 'entra') {
    const allowedTenants = auth.allowed_tenants?.length
      ? auth.allowed_tenants
      : auth.azure_tenant_id
        ? [auth.azure_tenant_id]
        : [];
    caller = {
      type: 'entra',
      tenantId: auth.azure_tenant_id || undefined,
      allowedTenants,
      audience: auth.oauth2_audience,
      clientId: auth.azure_client_id || undefined,
      requiredScopes,
    };
  } else if (callerType === 'oauth2') {
    caller = {
      type: 'oauth2',
      issuer: auth.oauth2_issuer,
      audience: auth.oauth2_audience,
      jwksUri: auth.oauth2_jwks_uri,
      introspectionEndpoint: auth.oauth2_introspection_endpoint,
      userinfoEndpoint: auth.oauth2_userinfo_endpoint,
      clientId: auth.oauth2_client_id,
      clientSecret: auth.oauth2_client_secret,
      userClaim: auth.oauth2_user_claim ?? 'sub',
      requiredScopes,
    };
    const known = caller.issuer ? OPAQUE_TOKEN_ISSUERS[caller.issuer] : undefined;
    if (known && !caller.introspectionEndpoint && !caller.userinfoEndpoint) {
      // The predecessor's GitHub example names only the issuer: verify the way GitHub allows.
      caller.userinfoEndpoint = known.userinfo;
      if (!auth.oauth2_user_claim) caller.userClaim = known.userClaim;
      warnings.push({
        path: `${at}/oauth2_issuer`,
        message: `${caller.issuer} issues opaque tokens: they are verified through ${known.userinfo} (set "oauth2_userinfo_endpoint" to say so explicitly)`,
      });
    }
    issues.push(...oauth2Issues(caller, at));
  } else caller = { type: callerType };

  let child: ChildCredentialSettings;
  if (childType === 'managed_identity') child = { type: 'managed_identity', scopes: childScopes };
  else if (childType === 'on_behalf_of') {
    child = {
      type: 'on_behalf_of',
      scopes: childScopes,
      clientId: auth.azure_client_id || undefined,
      clientSecret: auth.azure_client_secret || undefined,
      tenantId: auth.azure_tenant_id || undefined,
    };
    if (caller.type !== 'entra')
      issues.push({
        path: at,
        message: 'On-Behalf-Of needs an Entra caller token to exchange: the caller must be "entra"',
      });
  } else child = { type: childType };
  if ((child.type === 'managed_identity' || child.type === 'on_behalf_of') && child.scopes.length === 0) {
    warnings.push({
      path: at,
      message: `no "azure_scopes": the child may request tokens for any scope its ${child.type === 'on_behalf_of' ? 'On-Behalf-Of exchange' : 'identity'} allows; list the scopes it needs`,
    });
  }
  const forwardUserToken = auth.forward_user_token ?? false;
  if (forwardUserToken) {
    if (caller.type === 'function_key' || caller.type === 'none') {
      warnings.push({
        path: `${at}/forward_user_token`,
        message: 'forward_user_token has no effect: callers of this endpoint present no user token',
      });
    } else {
      warnings.push({
        path: `${at}/forward_user_token`,
        message:
          "forward_user_token passes the caller's own token to the child (token passthrough, which the MCP spec forbids); prefer On-Behalf-Of",
      });
    }
  }
  return { method, caller, child, forwardUserToken };
}

/**
 * What a session's child receives that is made for that session and its caller (see
 * `auth/child-credential-provider.ts`), or undefined when every child of the server starts alike
 * and can be spawned ahead of time.
 */
function callerDependentChild(auth: ServerAuth): string | undefined {
  const descriptions = {
    managed_identity: 'a token endpoint of its own (azure_default)',
    on_behalf_of: 'On-Behalf-Of tokens for the caller (azure_obo)',
    user_token: "the caller's token (forward_user_token)",
  } as const;
  if (auth.child.type !== 'none') return descriptions[auth.child.type];
  if (auth.forwardUserToken && (auth.caller.type === 'oauth2' || auth.caller.type === 'entra'))
    return "the caller's token (forward_user_token)";
  return undefined;
}

/** Issuers known to hand out opaque tokens, which only their userinfo or introspection endpoints can verify. */
const OPAQUE_TOKEN_ISSUERS: Record<string, { userinfo: string; userClaim: string }> = {
  'https://github.com': { userinfo: 'https://api.github.com/user', userClaim: 'id' },
  'https://github.com/': { userinfo: 'https://api.github.com/user', userClaim: 'id' },
};

/** A config that names an issuer the adapter cannot verify against is refused. */
function oauth2Issues(caller: Extract<CallerAuth, { type: 'oauth2' }>, at: string): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const opaque = caller.introspectionEndpoint !== undefined || caller.userinfoEndpoint !== undefined;
  if (!caller.issuer && !caller.jwksUri && !opaque) {
    issues.push({
      path: at,
      message:
        'oauth2 callers need "oauth2_issuer" (OIDC discovery), "oauth2_jwks_uri", "oauth2_introspection_endpoint" or "oauth2_userinfo_endpoint", so that their tokens can be verified',
    });
  }
  if (caller.introspectionEndpoint && caller.userinfoEndpoint) {
    issues.push({
      path: `${at}/oauth2_userinfo_endpoint`,
      message: 'give either "oauth2_introspection_endpoint" or "oauth2_userinfo_endpoint", not both',
    });
  }
  if (caller.introspectionEndpoint && !(caller.clientId && caller.clientSecret)) {
    issues.push({
      path: `${at}/oauth2_introspection_endpoint`,
      message:
        'token introspection needs "oauth2_client_id" and "oauth2_client_secret" (RFC 7662 callers authenticate)',
    });
  }
  return issues;
}

/**
 * Without a configured cap (a local run; deployments get theirs from the plan): as many children
 * as half this machine's memory holds, between 10 and 200.
 */
function localSessionCap(childMemoryMb: number): number {
  return Math.max(10, Math.min(200, Math.floor(totalmem() / 1024 / 1024 / 2 / childMemoryMb)));
}

function positiveNumber(value: string | undefined): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const number = Number(value);
  return Number.isFinite(number) && number > 0 ? number : undefined;
}

function legacySetting(
  env: Record<string, string>,
  name: string,
  at: string,
  issues: ConfigIssue[],
): number | undefined {
  const value = env[name];
  if (value === undefined || /\$\{/.test(value)) return undefined;
  const number = positiveNumber(value);
  if (number === undefined)
    issues.push({ path: `${at}/${name}`, message: `${name} must be a positive number (got ${JSON.stringify(value)})` });
  return number;
}

/** The server's tool, prompt and resource rules; every problem with them becomes an issue at its path. */
function compileServerRules(server: StdioServerDocument, at: string, issues: ConfigIssue[]): CompiledRules {
  // Fail closed where the file alone shows it: rules that can let no tool through need saying so.
  if (Array.isArray(server.tools?.allow) && server.tools.allow.length === 0 && server.tools.allow_empty !== true)
    issues.push({
      path: `${at}/tools/allow`,
      message:
        'an empty allow list exposes no tool, so clients could use nothing of this server; name the tools to expose, or set "allow_empty": true if that is meant',
    });
  try {
    return compileRules({ tools: server.tools, prompts: server.prompts, resources: server.resources });
  } catch (error) {
    if (!(error instanceof RulesConfigError)) throw error;
    for (const issue of error.issues) issues.push({ path: `${at}${issue.path}`, message: issue.message });
    return compileRules(undefined);
  }
}
