import type { HttpFunctionOptions, HttpHandler, SetupOptions } from '@azure/functions';
import type { AdapterConfig, AuthLevel } from '../config/model.js';
import type { FetchHandler } from '../http/app.js';
import { configuredServers, defaultServerConfig } from '../http/app.js';
import { serveFunctionsRequest } from './http-bridge.js';

/** The part of `@azure/functions`' `app` this uses, so a test can record the registrations. */
export interface FunctionsRegistrar {
  setup(options: SetupOptions): void;
  http(name: string, options: HttpFunctionOptions): void;
  hook: { appTerminate(handler: () => Promise<void> | void): unknown };
}

export interface RegisteredRoute {
  name: string;
  route: string;
  authLevel: AuthLevel;
  methods: NonNullable<HttpFunctionOptions['methods']>;
}

const MCP_METHODS: RegisteredRoute['methods'] = ['GET', 'POST', 'DELETE', 'OPTIONS'];

/** Function names allow letters, digits, `_` and `-`. */
const functionName = (prefix: string, server: string) => `${prefix}-${server.replace(/[^A-Za-z0-9_-]/g, '_')}`;

/**
 * One HTTP trigger per route class, so each server gets its own Functions authorization level
 * while health stays anonymous: `/mcp/<server>` per server, `/mcp` and the predecessor's
 * `/api/mcp` for the default server, `/health` (anonymous), `/status` (as strict as the
 * strictest server). host.json sets `routePrefix` to "" so these are at the site root.
 */
export function functionRoutes(config: AdapterConfig): RegisteredRoute[] {
  const routes: RegisteredRoute[] = [];
  // Unavailable servers keep their routes (and authorization levels): they answer 503 naming the problem, not 404.
  const servers = configuredServers(config);
  for (const server of servers) {
    routes.push({ name: functionName('mcp', server.name), route: `mcp/${server.name}`, authLevel: server.authLevel, methods: MCP_METHODS });
  }
  const fallback = defaultServerConfig(config);
  if (fallback) {
    routes.push({ name: 'mcp-default', route: 'mcp', authLevel: fallback.authLevel, methods: MCP_METHODS });
    routes.push({ name: 'mcp-default-legacy', route: 'api/mcp', authLevel: fallback.authLevel, methods: MCP_METHODS });
  }
  routes.push({ name: 'health', route: 'health', authLevel: 'anonymous', methods: ['GET'] });
  if (servers.some((server) => server.auth.caller.type === 'entra' || server.auth.caller.type === 'oauth2')) {
    // RFC 9728 metadata must be readable before a client has a token.
    routes.push({ name: 'protected-resource-metadata', route: '.well-known/oauth-protected-resource/{*resource}', authLevel: 'anonymous', methods: ['GET'] });
  }
  routes.push({ name: 'status', route: 'status', authLevel: strictest(servers.map((s) => s.authLevel)), methods: ['GET'] });
  return routes;
}

function strictest(levels: AuthLevel[]): AuthLevel {
  if (levels.includes('admin')) return 'admin';
  return levels.includes('function') ? 'function' : 'anonymous';
}

/**
 * Registers the adapter with the Functions host: HTTP streaming on, the routes above, and a
 * terminate hook that drains every session so no child outlives the worker.
 */
export function registerFunctions(
  app: FunctionsRegistrar,
  options: { config: AdapterConfig; fetch: FetchHandler; drain: () => Promise<void>; routePrefix: string },
): RegisteredRoute[] {
  app.setup({ enableHttpStream: true });
  const handler: HttpHandler = (request) => serveFunctionsRequest(options.fetch, request, { routePrefix: options.routePrefix });
  const routes = functionRoutes(options.config);
  for (const route of routes) {
    app.http(route.name, { route: route.route, methods: route.methods, authLevel: route.authLevel, handler });
  }
  app.hook.appTerminate(() => options.drain());
  return routes;
}
