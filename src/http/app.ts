import { authenticate } from '../auth/authenticate.js';
import type { TokenVerifier } from '../auth/types.js';
import { ConfigError, type ConfigIssue } from '../config/errors.js';
import { isCustomDomain } from '../config/entra-resource.js';
import type { AdapterConfig, ServerConfig } from '../config/model.js';
import type { IsolationReport } from '../process/isolation.js';
import type { RuleAudit } from '../governance/apply.js';
import type { Logger } from '../observability/logger.js';
import type { SessionManager } from '../session/session-manager.js';
import type { ModernEndpoint } from '../modern/modern-endpoint.js';
import { describeForHttp, plainErrorResponse, rpcErrorResponse } from '../web/http-errors.js';
import type { AdapterError } from '../errors/adapter-error.js';
import { endpointInBrowser, homePage, type ServerActivity, wantsHtml } from './home-page.js';
import { handleMcpRequest } from './mcp-endpoint.js';
import {
  configuredServers,
  defaultServerConfig,
  METADATA_PREFIX,
  routeTable,
  safeDecode,
  targetOf,
  type Route,
} from './routes.js';
import { checkHost, checkOrigin, type OriginPolicy } from './origin-guard.js';
import { servedElsewhereMessage, servesServer, type Placement } from './placement.js';

export interface AppOptions {
  config: AdapterConfig;
  /** 2025-era sessions. */
  sessions: SessionManager;
  /** 2026-07-28 requests, a peer of the sessions over the same children. */
  modern: ModernEndpoint;
  logger: Logger;
  /** Whether the host listens on loopback only (local development). */
  boundToLoopback: boolean;
  /** The site's own host names (on Azure, WEBSITE_HOSTNAME): allowed as Host and as Origin. */
  siteHostNames?: string[];
  /**
   * The token verifier of a server whose callers present tokens, for its resource URL (the
   * default audience). Undefined for function-key and open servers.
   */
  verifierFor?: (server: ServerConfig) => TokenVerifier | undefined;
  /**
   * How long an SSE response may last when the config does not say (0: no limit). The Functions
   * host sets it under Azure's 230-second front-end limit.
   */
  defaultStreamLimitMs?: number;
  /**
   * What the config needs from the infrastructure that the last provision did not create (see
   * functions/provisioning-check.ts); shown in /status when there is any.
   */
  provisioningChanges?: string[];
  /** How children are kept apart, shown in /status (see `process/isolation.ts`). */
  isolation?: IsolationReport;
  /** Refusals and findings of servers' access and tool rules (counts per server and emptied servers in /status). */
  audit?: RuleAudit;
  /** The loopback listener's port, once it listens: the only port a loopback Host may name. */
  localPort?: () => number | undefined;
  /** Which servers this app serves, when the deployment splits them between two apps (`placement.ts`). */
  placement?: Placement;
  /** The stateful app's serving lease: only its holder serves (`state/serving-lease.ts`). */
  servingLease?: ServingGate;
}

/** What the app needs of the serving lease. */
export interface ServingGate {
  /** Settles after the first attempt to acquire (a cold instance's first request waits for it) and, when not held, a fresh look. */
  settle(): Promise<void>;
  held(): boolean;
  /** An error to answer with when not held (503 with Retry-After). */
  refusal(): AdapterError;
  status(): object;
}

export type FetchHandler = (request: Request) => Promise<Response>;

/**
 * The whole HTTP surface as one web-standard handler. Hosts (node:http, Azure Functions) only
 * translate their requests into `Request` and back; nothing here knows which host runs it.
 *
 * Routes: `/mcp/<server>` per configured server, `/mcp` for the default one, `/health`
 * (liveness, no details) and `/status` (session and child counts per server, never ids).
 */
export function createApp(options: AppOptions): FetchHandler {
  const { config, sessions } = options;
  const logger = options.logger.child({ component: 'http' });
  assertServable(config, options.verifierFor);
  const publicUrl = config.adapter.publicBaseUrl ? new URL(config.adapter.publicBaseUrl) : undefined;
  const siteHosts = options.siteHostNames ?? [];
  const policy: OriginPolicy = {
    boundToLoopback: options.boundToLoopback,
    allowedOrigins: [
      ...config.adapter.allowedOrigins,
      ...(publicUrl ? [publicUrl.origin] : []),
      ...siteHosts.map((name) => `https://${name}`),
    ],
    allowedHosts: [...config.adapter.allowedHosts, ...(publicUrl ? [publicUrl.host] : []), ...siteHosts],
    localPort: options.localPort,
  };
  // A server's own allowed origins add to the adapter-wide ones, for its endpoint only.
  const policyFor = (server: ServerConfig): OriginPolicy =>
    server.allowedOrigins.length === 0
      ? policy
      : { ...policy, allowedOrigins: [...policy.allowedOrigins, ...server.allowedOrigins] };
  const endpointContext = {
    sessions,
    modern: options.modern,
    maxBodyBytes: config.adapter.maxBodyBytes,
    logger,
    streamLimitMs: config.adapter.streamLimitMs ?? options.defaultStreamLimitMs ?? 0,
  };
  const authLogger = options.logger.child({ component: 'auth' });
  const verifierFor = options.verifierFor ?? (() => undefined);
  /** The deployment's base URL as clients see it: `public_base_url`, else the (validated) request origin. */
  const baseUrl = (url: URL, host: string) =>
    publicUrl ? publicUrl.href.replace(/\/+$/, '') : `${url.protocol}//${host.toLowerCase()}`;
  const endpointPath = (server: ServerConfig) => `/mcp/${server.name}`;
  const defaultName = defaultServerConfig(config)?.name;
  /**
   * The one resource rule: a server's resource URLs are the URLs it answers at, on the origin the
   * request came in on (`/mcp/<name>`, and `/mcp` and `/api/mcp` for the default server). The
   * challenge and the metadata name the URL the client used (RFC 9728 section 3.3: identical), and
   * a token for any of the server's URLs is accepted on all of them; another server's is not.
   */
  const resourcesOf = (server: ServerConfig, base: string) =>
    [endpointPath(server), ...(server.name === defaultName ? ['/mcp', '/api/mcp'] : [])].map(
      (path) => `${base}${path}`,
    );
  const table = routeTable(config);
  // A browser sends no token: server names are shown to anyone only locally, or where the operator says so.
  const listServers = options.boundToLoopback || config.adapter.listServersPublicly;
  const liveCounts = (): Map<string, ServerActivity> =>
    new Map(
      Object.entries(sessions.stats()).map(([name, entry]) => [
        name,
        {
          sessions: entry.sessions,
          children: entry.childrenAlive + (entry.pooledChildren ?? 0) + (entry.warmChildren ?? 0),
        },
      ]),
    );
  // Servers with tool, prompt or resource rules: /status counts their refusals.
  const governed = [...config.servers.values()].some(
    (server) => !server.rules.isEmpty || server.allowedRoles.length > 0,
  );

  return async (request) => {
    const url = new URL(request.url);
    const host = request.headers.get('host') ?? url.host;
    const hostProblem = checkHost(host, policy);
    if (hostProblem) return rpcErrorResponse(403, `Forbidden: ${hostProblem}`);
    const origin = request.headers.get('origin');
    const path = url.pathname.replace(/\/+$/, '') || '/';
    const target = targetOf(table, path);
    const server = target?.kind === 'mcp' ? config.servers.get(target.server!) : undefined;
    const originProblem = checkOrigin(origin, host, server ? policyFor(server) : policy);
    if (originProblem) return rpcErrorResponse(403, `Forbidden: ${originProblem}`);
    const cors = origin ? corsHeaders(origin) : {};
    if (request.method === 'OPTIONS') {
      // Tools name their own Mcp-Param-* headers, so a preflight gets back the headers it asks for.
      const asked = request.headers.get('access-control-request-headers');
      return new Response(null, {
        status: 204,
        headers: asked && origin ? { ...cors, 'access-control-allow-headers': asked } : cors,
      });
    }

    let response: Response;
    try {
      const unavailable = target?.kind === 'mcp' && !server ? config.unavailable.get(target.server!) : undefined;
      if (target?.kind === 'mcp' && request.method === 'GET' && wantsHtml(request)) {
        response = endpointInBrowser(`${baseUrl(url, host)}${path}`, { listServers });
      } else if (unavailable) {
        // What is missing is named in /status and the log, which are as protected as the servers.
        response = rpcErrorResponse(
          503,
          `Service Unavailable: MCP server "${unavailable.server.name}" is not served by this deployment because a setting or secret it needs is missing; /status and the log name it (run \`azd provision\` after adding settings or secrets to the config)`,
        );
      } else if (server && !servesServer(options.placement, server)) {
        response = rpcErrorResponse(404, servedElsewhereMessage(options.placement!, server));
      } else if (server) {
        const base = baseUrl(url, host);
        const outcome = await authenticate(request, server, {
          resource: `${base}${path}`,
          resourceAudiences: resourcesOf(server, base),
          metadataUrl: `${base}${METADATA_PREFIX}${path}`,
          challengeScopes: scopesForClients(server, `${base}${path}`, publicUrl),
          verifier: verifierFor(server),
          logger: authLogger,
        });
        const refusal = outcome.ok
          ? (roleRefusal(server, outcome.principal, outcome.caller?.scopes) ?? (await leaseRefusal()))
          : undefined;
        response = !outcome.ok
          ? outcome.response
          : (refusal ?? (await handleMcpRequest(request, server, endpointContext, outcome.principal, outcome.caller)));
      } else {
        response = await route(request, target, path, url, host);
      }
    } catch (error) {
      logger.error('request failed', { path, error: (error as Error).stack ?? String(error) });
      response = rpcErrorResponse(500, 'Internal error in the adapter; see its log');
    }
    for (const [name, value] of Object.entries(cors)) response.headers.set(name, value);
    return response;
  };

  /**
   * In the stateful app, only the holder of the serving lease serves (a cold instance waits for
   * its first attempt); any other instance answers 503 with Retry-After and starts no child.
   */
  async function leaseRefusal(): Promise<Response | undefined> {
    const lease = options.servingLease;
    if (!lease) return undefined;
    if (lease.held()) return undefined;
    await lease.settle();
    if (lease.held()) return undefined;
    const described = describeForHttp(lease.refusal());
    return rpcErrorResponse(described!.status, described!.message, { headers: described!.headers });
  }

  /**
   * A server open only to some roles (`allowed_roles`): a caller holding none of them is refused
   * before anything reaches the server, and the refusal is audited like a tool rule's.
   */
  function roleRefusal(server: ServerConfig, principal: string, held: readonly string[] = []): Response | undefined {
    if (server.allowedRoles.length === 0 || server.allowedRoles.some((role) => held.includes(role))) return undefined;
    options.audit?.refused(server.name, principal, 'access', `server "${server.name}"`, 'allowed_roles');
    return rpcErrorResponse(
      403,
      `Forbidden: MCP server "${server.name}" is open only to callers holding one of the roles ${server.allowedRoles.map((role) => `"${role}"`).join(', ')} (an app role or a scope); ask its operator for one`,
    );
  }

  /**
   * `/status` is as protected as the strictest server: where servers verify callers' tokens, it
   * needs a token one of them accepts (function keys are the Functions host's to check, by the
   * route's authorization level). Undefined when the caller may read it.
   */
  async function statusRefusal(request: Request, url: URL, host: string): Promise<Response | undefined> {
    const protectedServers = configuredServers(config).filter(
      (server) => server.auth.caller.type === 'entra' || server.auth.caller.type === 'oauth2',
    );
    let first: Response | undefined;
    for (const server of protectedServers) {
      const base = baseUrl(url, host);
      const outcome = await authenticate(request, server, {
        resource: `${base}${endpointPath(server)}`,
        resourceAudiences: resourcesOf(server, base),
        metadataUrl: `${base}${METADATA_PREFIX}${endpointPath(server)}`,
        challengeScopes: scopesForClients(server, `${base}${endpointPath(server)}`, publicUrl),
        verifier: verifierFor(server),
        logger: authLogger,
      });
      if (outcome.ok) return undefined;
      first ??= outcome.response;
    }
    return first;
  }

  async function route(
    request: Request,
    target: Route | undefined,
    path: string,
    url: URL,
    host: string,
  ): Promise<Response> {
    if (target?.kind === 'health') return health();
    if (target?.kind === 'status') {
      const refused = await statusRefusal(request, url, host);
      if (refused) return refused;
      return Response.json({
        servers: sessions.stats(),
        sessions: sessions.size,
        modern: options.modern.stats(),
        ...(options.isolation && { isolation: options.isolation }),
        ...(options.audit && governed && { ruleRefusals: options.audit.refusals() }),
        ...(options.audit &&
          options.audit.serversLeftEmpty().length > 0 && { rulesLeftNoTools: options.audit.serversLeftEmpty() }),
        ...unavailableStatus(),
        ...(options.placement && {
          serving: {
            role: options.placement.role,
            ...(options.placement.otherAppUrl && { otherApp: options.placement.otherAppUrl }),
            ...(options.servingLease && { lease: options.servingLease.status() }),
          },
        }),
      });
    }
    // No server verifies tokens when the table has no metadata route: every such path is a 404 from protectedResourceMetadata.
    if (path === METADATA_PREFIX || path.startsWith(`${METADATA_PREFIX}/`))
      return protectedResourceMetadata(path.slice(METADATA_PREFIX.length), url, host);
    const endpoints = () => configuredServers(config).map((server) => `/mcp/${server.name}`);
    if (path === '/mcp' || path === '/api/mcp') {
      return rpcErrorResponse(
        404,
        listServers
          ? `Not Found: several servers are configured and none is the default; use one of ${endpoints().join(', ')}`
          : 'Not Found: several servers are configured and none is the default; use /mcp/<server>, with the name the operator gave you',
      );
    }
    if (path === '/' && request.method === 'GET')
      return homePage(request, config, baseUrl(url, host), { listServers, live: liveCounts() });
    const match = /^\/mcp\/([^/]+)$/.exec(path);
    if (match) {
      return rpcErrorResponse(
        404,
        listServers
          ? `Not Found: no MCP server named "${safeDecode(match[1]!)}"; the servers here are ${endpoints().join(', ')}`
          : `Not Found: no MCP server named "${safeDecode(match[1]!)}"; check the name the operator gave you`,
      );
    }
    return plainErrorResponse(404, 'not_found', `No route for ${path}`);
  }

  /**
   * RFC 9728 protected resource metadata of a token-protected endpoint, at the path-suffixed
   * well-known URL (`/.well-known/oauth-protected-resource/mcp/<server>`) and, for the default
   * server, at the root one. Clients (VS Code among them) find the authorization server here.
   */
  function protectedResourceMetadata(suffix: string, url: URL, host: string): Response {
    const target = suffix === '' ? undefined : targetOf(table, suffix);
    const name = suffix === '' ? defaultName : target?.kind === 'mcp' ? target.server : undefined;
    const server = name === undefined ? undefined : config.servers.get(name);
    const base = baseUrl(url, host);
    const verifier = server ? verifierFor(server) : undefined;
    if (!server || !verifier) return plainErrorResponse(404, 'not_found', `No protected resource at ${suffix || '/'}`);
    // The URL the metadata was asked for, exactly; the root document speaks for the default server.
    const resource = `${base}${suffix === '' ? endpointPath(server) : suffix}`;
    return Response.json(
      {
        resource,
        authorization_servers: verifier.authorizationServers,
        scopes_supported: scopesForClients(server, resource, publicUrl),
        bearer_methods_supported: ['header'],
        resource_name: `MCP server ${server.name}`,
      },
      { headers: { 'cache-control': 'public, max-age=300' } },
    );
  }

  /** Anonymous: says which servers are unavailable, never why (that is in /status and the log). */
  function health(): Response {
    const stats = Object.values(sessions.stats());
    const live = stats.reduce((sum, entry) => sum + entry.sessions, 0);
    const alive = stats.reduce((sum, entry) => sum + entry.childrenAlive, 0);
    const unavailable = [...config.unavailable.keys()];
    const status = alive === live && unavailable.length === 0 ? 'ok' : 'degraded';
    const body = {
      status,
      sessions: live,
      childrenAlive: alive,
      ...(unavailable.length > 0 ? { unavailableServers: unavailable } : {}),
    };
    return Response.json(body, { status: status === 'ok' ? 200 : 503 });
  }

  function unavailableStatus(): { unavailable?: Record<string, { missing: string[] }>; notProvisioned?: string[] } {
    const notProvisioned = options.provisioningChanges?.length ? { notProvisioned: options.provisioningChanges } : {};
    if (config.unavailable.size === 0) return notProvisioned;
    return {
      unavailable: Object.fromEntries(
        [...config.unavailable].map(([name, entry]) => [name, { missing: entry.missing }]),
      ),
      ...notProvisioned,
    };
  }
}

/**
 * Refuses, at start-up, what this version cannot serve safely: an auth method that verifies
 * callers or gives the child credentials would otherwise be served without doing so.
 */
export function assertServable(config: AdapterConfig, verifierFor?: AppOptions['verifierFor']): void {
  const issues: ConfigIssue[] = [];
  for (const server of config.servers.values()) {
    const { caller, method } = server.auth;
    if (caller.type !== 'entra' && caller.type !== 'oauth2') continue;
    if (!verifierFor) {
      issues.push({
        path: `/mcpServers/${server.name}/auth`,
        message: `auth method "${method}" needs token verification, which this host was not given; it would be served without it, so it is refused`,
      });
      continue;
    }
    // Build the verifier now, so that a setting it cannot work with stops start-up, not a request.
    try {
      verifierFor(server);
    } catch (error) {
      issues.push({ path: `/mcpServers/${server.name}/auth`, message: (error as Error).message });
    }
  }
  if (issues.length > 0) throw new ConfigError(config.sourcePath, issues);
}

/**
 * The required scopes as clients request them (metadata `scopes_supported`, challenges); tokens
 * carry the short names. Entra takes scopes as `<identifier URI>/<name>`, and refuses an RFC 8707 `resource` that is not
 * an identifier URI of the app those scopes belong to (AADSTS9010010). Clients send the metadata's
 * `resource`, the endpoint URL (RFC 9728 section 3.3), so the scopes are qualified with that URL
 * where it can be an identifier URI: a custom domain (`public_base_url`; Entra accepts https
 * identifier URIs only on verified domains, which `*.azurewebsites.net` is not, and the deployment
 * registers the endpoint URLs there). Elsewhere they keep the app's `api://` identifier URI.
 */
function scopesForClients(server: ServerConfig, resource: string, publicUrl: URL | undefined): string[] {
  const caller = server.auth.caller;
  if (caller.type === 'oauth2') return caller.requiredScopes;
  if (caller.type !== 'entra') return [];
  return caller.requiredScopes.map((scope) => {
    if (scope.includes('://')) return scope;
    if (publicUrl && isCustomDomain(publicUrl)) return `${resource}/${scope}`;
    if (!caller.audience?.startsWith('api://')) return scope;
    return `${caller.audience.replace(/\/+$/, '')}/${scope}`;
  });
}

function corsHeaders(origin: string): Record<string, string> {
  return {
    'access-control-allow-origin': origin,
    'access-control-allow-methods': 'GET, POST, DELETE, OPTIONS',
    'access-control-allow-headers':
      'content-type, accept, authorization, mcp-session-id, mcp-protocol-version, last-event-id, mcp-method, mcp-name',
    'access-control-expose-headers': 'mcp-session-id, www-authenticate',
    vary: 'origin',
  };
}
