import type { AdapterConfig, AuthLevel, ServerConfig } from '../config/model.js';

/** The well-known path of RFC 9728 protected resource metadata. */
export const METADATA_PREFIX = '/.well-known/oauth-protected-resource';

export type HttpMethod = 'GET' | 'POST' | 'DELETE' | 'OPTIONS';

/** One route of the app: what it serves, who may call it as far as the Functions host is concerned. */
export interface Route {
  /** Also the Functions function name (letters, digits, `_`, `-`). */
  name: string;
  /** Path template without the leading slash, in the Functions host's syntax (`{*resource}` catches the rest). */
  route: string;
  kind: 'mcp' | 'health' | 'status' | 'metadata' | 'page';
  /** For `mcp`: the server the path addresses. */
  server?: string;
  authLevel: AuthLevel;
  methods: HttpMethod[];
}

const MCP_METHODS: HttpMethod[] = ['GET', 'POST', 'DELETE', 'OPTIONS'];

/** Every configured server, served or unavailable. */
export function configuredServers(config: AdapterConfig): ServerConfig[] {
  return [...config.servers.values(), ...[...config.unavailable.values()].map((entry) => entry.server)];
}

/**
 * Which configured server `/mcp` means: the only one, or the one marked default. Counted over
 * unavailable servers too, so `/mcp` never silently moves to another server when the default
 * one cannot be served.
 */
export function defaultServerConfig(config: AdapterConfig): ServerConfig | undefined {
  const servers = configuredServers(config);
  return servers.length === 1 ? servers[0] : servers.find((server) => server.isDefault);
}

/**
 * The app's one route table. The app matches request paths against it (`targetOf`), and the
 * Functions host registers one HTTP trigger per entry, so each server gets its own authorization
 * level while health and metadata stay anonymous: `/mcp/<server>` per configured server
 * (unavailable ones too: they answer 503, not 404), `/mcp` and the predecessor's `/api/mcp` for
 * the default server, `/health` (anonymous), protected resource metadata (anonymous, only when a
 * server verifies tokens: it must be readable before a client has one), `/status` (as strict as
 * the strictest server).
 */
export function routeTable(config: AdapterConfig): Route[] {
  const routes: Route[] = [];
  const servers = configuredServers(config);
  for (const server of servers) {
    routes.push({
      name: `mcp-${server.name.replace(/[^A-Za-z0-9_-]/g, '_')}`,
      route: `mcp/${server.name}`,
      kind: 'mcp',
      server: server.name,
      authLevel: server.authLevel,
      methods: MCP_METHODS,
    });
  }
  const fallback = defaultServerConfig(config);
  if (fallback) {
    routes.push({
      name: 'mcp-default',
      route: 'mcp',
      kind: 'mcp',
      server: fallback.name,
      authLevel: fallback.authLevel,
      methods: MCP_METHODS,
    });
    routes.push({
      name: 'mcp-default-legacy',
      route: 'api/mcp',
      kind: 'mcp',
      server: fallback.name,
      authLevel: fallback.authLevel,
      methods: MCP_METHODS,
    });
  }
  routes.push({ name: 'health', route: 'health', kind: 'health', authLevel: 'anonymous', methods: ['GET'] });
  if (servers.some((server) => server.auth.caller.type === 'entra' || server.auth.caller.type === 'oauth2')) {
    routes.push({
      name: 'protected-resource-metadata',
      route: `${METADATA_PREFIX.slice(1)}/{*resource}`,
      kind: 'metadata',
      authLevel: 'anonymous',
      methods: ['GET'],
    });
  }
  routes.push({
    name: 'status',
    route: 'status',
    kind: 'status',
    authLevel: strictest(servers.map((server) => server.authLevel)),
    methods: ['GET'],
  });
  // Everything else a browser may GET: the page at `/` and the 404s that say where the servers are.
  // Catch-alls route last, so every route above keeps its own authorization level; without it the
  // Functions host would answer `/` with its own page (HomepageMiddleware) and other paths empty.
  routes.push({ name: 'page', route: '{*path}', kind: 'page', authLevel: 'anonymous', methods: ['GET'] });
  return routes;
}

function strictest(levels: AuthLevel[]): AuthLevel {
  if (levels.includes('admin')) return 'admin';
  return levels.includes('function') ? 'function' : 'anonymous';
}

/**
 * The route a path (without a trailing slash, percent-decoded) addresses, if any. The metadata
 * route answers at its bare prefix too (the root metadata of the default server).
 */
export function targetOf(table: Route[], path: string): Route | undefined {
  const relative = safeDecode(path).replace(/^\/+/, '');
  for (const route of table) {
    if (route.kind === 'page') continue; // the Functions host's catch-all; the app answers those paths itself
    if (route.kind === 'metadata') {
      const prefix = METADATA_PREFIX.slice(1);
      if (relative === prefix || relative.startsWith(`${prefix}/`)) return route;
    } else if (route.route === relative) {
      return route;
    }
  }
  return undefined;
}

export function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
