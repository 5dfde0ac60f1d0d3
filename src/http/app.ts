import type { AdapterConfig, ServerConfig } from '../config/model.js';
import type { Logger } from '../observability/logger.js';
import type { SessionManager } from '../session/session-manager.js';
import { plainErrorResponse, rpcErrorResponse } from './http-errors.js';
import { handleMcpRequest } from './mcp-endpoint.js';
import { checkHost, checkOrigin, type OriginPolicy } from './origin-guard.js';

export interface AppOptions {
  config: AdapterConfig;
  sessions: SessionManager;
  logger: Logger;
  /** Whether the host listens on loopback only (local development). */
  boundToLoopback: boolean;
}

export type FetchHandler = (request: Request) => Promise<Response>;

/** Which server `/mcp` means: the only one, or the one marked default. */
export function defaultServer(config: AdapterConfig): ServerConfig | undefined {
  const servers = [...config.servers.values()];
  return servers.length === 1 ? servers[0] : servers.find((server) => server.isDefault);
}

/**
 * The whole HTTP surface as one web-standard handler. Hosts (node:http, Azure Functions) only
 * translate their requests into `Request` and back; nothing here knows which host runs it.
 *
 * Routes: `/mcp/<server>` per configured server, `/mcp` for the default one, `/health`
 * (liveness, no details) and `/status` (session and child counts per server, never ids).
 */
export function createApp(options: AppOptions): FetchHandler {
  const { config, sessions, logger } = options;
  const policy: OriginPolicy = {
    boundToLoopback: options.boundToLoopback,
    allowedOrigins: config.adapter.allowedOrigins,
    allowedHosts: config.adapter.allowedHosts,
  };
  const endpointContext = { sessions, maxBodyBytes: config.adapter.maxBodyBytes, logger };

  return async (request) => {
    const url = new URL(request.url);
    const host = request.headers.get('host') ?? url.host;
    const hostProblem = checkHost(host, policy);
    if (hostProblem) return rpcErrorResponse(403, `Forbidden: ${hostProblem}`);
    const origin = request.headers.get('origin');
    const originProblem = checkOrigin(origin, host, policy);
    if (originProblem) return rpcErrorResponse(403, `Forbidden: ${originProblem}`);
    const cors = origin ? corsHeaders(origin) : {};
    if (request.method === 'OPTIONS') return new Response(null, { status: 204, headers: cors });

    const path = url.pathname.replace(/\/+$/, '') || '/';
    let response: Response;
    try {
      response = await route(path, request);
    } catch (error) {
      logger.error('request failed', { path, error: (error as Error).stack ?? String(error) });
      response = rpcErrorResponse(500, 'Internal error in the adapter; see its log');
    }
    for (const [name, value] of Object.entries(cors)) response.headers.set(name, value);
    return response;
  };

  async function route(path: string, request: Request): Promise<Response> {
    if (path === '/health') return health();
    if (path === '/status') return Response.json({ servers: sessions.stats(), sessions: sessions.size });
    if (path === '/mcp') {
      const server = defaultServer(config);
      if (!server) {
        const endpoints = [...config.servers.keys()].map((name) => `/mcp/${name}`);
        return rpcErrorResponse(404, `Not Found: several servers are configured and none is the default; use one of ${endpoints.join(', ')}`);
      }
      return handleMcpRequest(request, server, endpointContext);
    }
    const match = /^\/mcp\/([^/]+)$/.exec(path);
    if (match) {
      const server = config.servers.get(decodeURIComponent(match[1]!));
      if (!server) return rpcErrorResponse(404, `Not Found: no MCP server named "${decodeURIComponent(match[1]!)}"`);
      return handleMcpRequest(request, server, endpointContext);
    }
    return plainErrorResponse(404, 'not_found', `No route for ${path}`);
  }

  function health(): Response {
    const stats = Object.values(sessions.stats());
    const live = stats.reduce((sum, entry) => sum + entry.sessions, 0);
    const alive = stats.reduce((sum, entry) => sum + entry.childrenAlive, 0);
    const status = alive === live ? 'ok' : 'degraded';
    return Response.json({ status, sessions: live, childrenAlive: alive }, { status: status === 'ok' ? 200 : 503 });
  }
}

function corsHeaders(origin: string): Record<string, string> {
  return {
    'access-control-allow-origin': origin,
    'access-control-allow-methods': 'GET, POST, DELETE, OPTIONS',
    'access-control-allow-headers': 'content-type, accept, authorization, mcp-session-id, mcp-protocol-version, last-event-id',
    'access-control-expose-headers': 'mcp-session-id, www-authenticate',
    vary: 'origin',
  };
}
