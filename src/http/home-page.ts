import type { AdapterConfig, ServerConfig } from '../config/model.js';
import { configuredServers, defaultServerConfig } from './routes.js';

/**
 * What a person (a browser, or curl) gets at `/` and at an MCP endpoint opened in a browser: which
 * servers this adapter serves, at which URLs, and how to connect an MCP client. Nothing here is
 * more than the route table already tells (names, paths, how callers authenticate).
 */
export interface EndpointSummary {
  name: string;
  url: string;
  /** Also served at `/mcp` (and the predecessor's `/api/mcp`). */
  default: boolean;
  /** How callers authenticate: function keys, tokens, or nothing (locally). */
  auth: string;
  /** Configured but not served: a setting or secret it needs is missing (see /status and the log). */
  unavailable?: true;
}

export function endpointSummaries(config: AdapterConfig, base: string): EndpointSummary[] {
  const fallback = defaultServerConfig(config);
  return configuredServers(config).map((server) => ({
    name: server.name,
    url: `${base}/mcp/${server.name}`,
    default: server === fallback,
    auth: describeCaller(server),
    ...(config.unavailable.has(server.name) && { unavailable: true as const }),
  }));
}

function describeCaller(server: ServerConfig): string {
  switch (server.auth.caller.type) {
    case 'entra':
      return 'Entra ID token';
    case 'oauth2':
      return 'OAuth bearer token';
    case 'function_key':
      return 'function key when deployed';
    default:
      return 'none';
  }
}

/** `GET /`: the servers and how to connect, as HTML for browsers and JSON otherwise. */
export function homePage(request: Request, config: AdapterConfig, base: string): Response {
  const endpoints = endpointSummaries(config, base);
  if (!wantsHtml(request)) return Response.json({ endpoints, health: `${base}/health`, status: `${base}/status` });
  const rows = endpoints
    .map(
      (endpoint) =>
        `<tr><td>${escapeHtml(endpoint.name)}${endpoint.default ? ' (default: also <code>/mcp</code>)' : ''}</td><td><code>${escapeHtml(endpoint.url)}</code></td><td>${escapeHtml(endpoint.auth)}</td><td>${endpoint.unavailable ? 'not served: a setting or secret is missing (see /status)' : 'ready'}</td></tr>`,
    )
    .join('\n');
  const first = endpoints[0]?.url ?? `${base}/mcp/<server>`;
  return html(
    200,
    'MCP STDIO adapter',
    `<p>These STDIO MCP servers are served as Streamable HTTP MCP endpoints. Point an MCP client at one URL per server.</p>
<table><tr><th>Server</th><th>URL</th><th>Callers</th><th>State</th></tr>
${rows}
</table>
<h2>Connect</h2>
<p>VS Code, in <code>.vscode/mcp.json</code>:</p>
<pre>{ "servers": { "${escapeHtml(endpoints[0]?.name ?? 'server')}": { "type": "http", "url": "${escapeHtml(first)}" } } }</pre>
<p>MCP Inspector (Node 22.19 or later):</p>
<pre>npx @modelcontextprotocol/inspector --cli ${escapeHtml(first)} --transport http --method tools/list</pre>
<p><a href="/health">/health</a> · <a href="/status">/status</a></p>`,
  );
}

/** An MCP endpoint opened in a browser: it speaks MCP, not HTML; say how to use it (still a 406). */
export function endpointInBrowser(url: string): Response {
  return html(
    406,
    'This is an MCP endpoint',
    `<p><code>${escapeHtml(url)}</code> is a Streamable HTTP MCP endpoint: it answers MCP clients (POST with JSON-RPC, or GET with <code>Accept: text/event-stream</code>), not web pages.</p>
<p>Connect an MCP client to this URL, for example the MCP Inspector:</p>
<pre>npx @modelcontextprotocol/inspector --cli ${escapeHtml(url)} --transport http --method tools/list</pre>
<p>Every server of this adapter is listed at <a href="/">/</a>.</p>`,
  );
}

/** A browser asks for HTML first; MCP clients never do. */
export function wantsHtml(request: Request): boolean {
  const accept = request.headers.get('accept') ?? '';
  return accept.includes('text/html') && !accept.includes('text/event-stream');
}

function html(status: number, title: string, body: string): Response {
  return new Response(
    `<!doctype html>\n<html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head><body><h1>${escapeHtml(title)}</h1>\n${body}\n</body></html>\n`,
    { status, headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' } },
  );
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
