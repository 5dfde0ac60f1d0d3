import type { AdapterConfig, ServerConfig } from '../config/model.js';
import { configuredServers, defaultServerConfig } from './routes.js';

/**
 * What a person (a browser, or curl) gets at `/` and at an MCP endpoint opened in a browser. A
 * browser cannot send a bearer token, so what the page may say depends on where the adapter runs:
 * locally it lists every server with its URL, how callers authenticate, live counts and client
 * configs to copy; elsewhere (unless the operator allows listing) only what is public: that this
 * is an MCP endpoint, the shape of its URLs, and where the documentation is.
 */

/** What one server is doing right now. */
export interface ServerActivity {
  /** Live 2025-era sessions. */
  sessions: number;
  /** Its child processes alive on this instance (sessions', pooled and warm). */
  children: number;
}

/** How much the page may tell, and what it knows beyond the config. */
export interface HomePageView {
  /**
   * Whether the page names the servers (with URLs, auth and counts). True where the adapter is
   * bound to loopback, or where the operator allows it; otherwise the page shows only what is public.
   */
  listServers: boolean;
  /** Live counts per server name; without it the page has no live columns. */
  live?: ReadonlyMap<string, ServerActivity>;
  /** Where the project's documentation is; without it the page names it without a link. */
  docsUrl?: string;
}

/** What `homePage` assumes when not told: the local view (every server listed). */
export const LOCAL_VIEW: HomePageView = Object.freeze({ listServers: true });

/** Where people find which MCP clients exist (linked from the public view). */
export const MCP_CLIENTS_URL = 'https://modelcontextprotocol.io/clients';

export interface EndpointSummary {
  name: string;
  url: string;
  /** Also served at `/mcp` (and the predecessor's `/api/mcp`). */
  default: boolean;
  /** How callers authenticate: function keys, tokens, or nothing (locally). */
  auth: string;
  /** Configured but not served: a setting or secret it needs is missing (see /status and the log). */
  unavailable?: true;
  /** Live 2025-era sessions (when the view has live counts). */
  sessions?: number;
  /** Child processes alive (when the view has live counts). */
  children?: number;
}

/** Every configured server as the page lists it: name, full URL, default, auth, state, live counts. */
export function endpointSummaries(
  config: AdapterConfig,
  base: string,
  live?: ReadonlyMap<string, ServerActivity>,
): EndpointSummary[] {
  const fallback = defaultServerConfig(config);
  return configuredServers(config).map((server) => {
    const activity = live?.get(server.name);
    return {
      name: server.name,
      url: `${base}/mcp/${server.name}`,
      default: server === fallback,
      auth: describeCaller(server),
      ...(config.unavailable.has(server.name) && { unavailable: true as const }),
      ...(live && { sessions: activity?.sessions ?? 0, children: activity?.children ?? 0 }),
    };
  });
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

/** Copy-paste client configurations for one endpoint, as the page shows them. */
export interface ClientSnippets {
  /** A `.vscode/mcp.json` document. */
  vscode: string;
  /** The MCP Inspector's CLI, listing the tools. */
  inspector: string;
  /** An ES module with the TypeScript SDK v2 client: connect, list tools, close. */
  sdk: string;
  /** A `claude_desktop_config.json` document that bridges with `mcp-remote`. */
  claude: string;
}

/** The page's copy-paste configs for the server `name` at `url` (each shown in a `<pre data-copy>`). */
export function clientSnippets(name: string, url: string): ClientSnippets {
  // mcp-remote refuses plain http except to localhost and 127.0.0.1 unless told otherwise. The
  // base comes from the request's Host: never let an odd one break the page.
  const parsed = URL.canParse(url) ? new URL(url) : undefined;
  const allowHttp =
    parsed === undefined
      ? url.startsWith('http:')
      : parsed.protocol === 'http:' && parsed.hostname !== 'localhost' && parsed.hostname !== '127.0.0.1';
  return {
    vscode: JSON.stringify({ servers: { [name]: { type: 'http', url } } }, null, 2),
    inspector: `npx @modelcontextprotocol/inspector --cli ${url} --transport http --method tools/list`,
    sdk: `// npm install @modelcontextprotocol/client; run as an ES module (top-level await)
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';

const transport = new StreamableHTTPClientTransport(new URL(${JSON.stringify(url)}));
const client = new Client({ name: 'my-client', version: '1.0.0' });
try {
  await client.connect(transport);
  console.log((await client.listTools()).tools.map((tool) => tool.name));
} finally {
  await transport.terminateSession().catch(() => {}); // ends the session and its child now
  await client.close();
}`,
    claude: JSON.stringify(
      {
        mcpServers: {
          [name]: { command: 'npx', args: ['-y', 'mcp-remote', url, ...(allowHttp ? ['--allow-http'] : [])] },
        },
      },
      null,
      2,
    ),
  };
}

/**
 * `GET /`: the servers and how to connect (HTML for browsers, JSON otherwise), or, where the view
 * may not list servers, only what is public. Without a view, the local one (every server listed).
 */
export function homePage(
  request: Request,
  config: AdapterConfig,
  base: string,
  view: HomePageView = LOCAL_VIEW,
): Response {
  if (!view.listServers) return publicPage(request, base, view);
  const endpoints = endpointSummaries(config, base, view.live);
  if (!wantsHtml(request))
    return Response.json(
      { endpoints, health: `${base}/health`, status: `${base}/status` },
      { headers: { 'cache-control': 'no-store' } },
    );
  const live = view.live !== undefined;
  const rows = endpoints
    .map((endpoint) =>
      [
        `<tr data-server="${escapeHtml(endpoint.name)}">`,
        `<td>${escapeHtml(endpoint.name)}${endpoint.default ? ' (default: also <code>/mcp</code>)' : ''}</td>`,
        `<td><code>${escapeHtml(endpoint.url)}</code></td>`,
        `<td>${escapeHtml(endpoint.auth)}</td>`,
        `<td>${endpoint.unavailable ? 'not served: a setting or secret is missing (see /status)' : 'ready'}</td>`,
        live ? `<td>${endpoint.sessions}</td><td>${endpoint.children}</td>` : '',
        '</tr>',
      ].join(''),
    )
    .join('\n');
  const sections = endpoints.map((endpoint) => serverSection(endpoint)).join('\n');
  return html(
    200,
    'MCP STDIO adapter',
    `<p>These STDIO MCP servers are served as Streamable HTTP MCP endpoints. Point an MCP client at one URL per server.</p>
<table>
<thead><tr><th>Server</th><th>URL</th><th>Callers</th><th>State</th>${live ? '<th>Sessions</th><th>Children</th>' : ''}</tr></thead>
<tbody>
${rows}
</tbody>
</table>
<p><a href="/health">/health</a> · <a href="/status">/status</a> · ${docsLink(view)}</p>
<h2>Connect</h2>
<p>Per server: VS Code (<code>.vscode/mcp.json</code>), the MCP Inspector's CLI (Node 22.19 or later), the TypeScript SDK v2 (<code>@modelcontextprotocol/client</code>), and Claude Desktop.</p>
<p>Claude Desktop's config file (<code>claude_desktop_config.json</code>) starts local commands only and takes no URL, so it reaches an endpoint through <code>mcp-remote</code> (run by <code>npx</code>; needs Node.js), as below. Its own way to add a remote server is a custom connector (Settings → Connectors → Add custom connector, with the URL; menu names may differ between versions and plans), but Claude then connects from Anthropic's cloud, not from your computer: that works for a deployment reachable from the internet, never for a local adapter.</p>
${sections}`,
  );
}

function serverSection(endpoint: EndpointSummary): string {
  const snippets = clientSnippets(endpoint.name, endpoint.url);
  const name = escapeHtml(endpoint.name);
  const block = (kind: keyof ClientSnippets) =>
    `<pre data-copy="${kind}" data-server="${name}">${escapeHtml(snippets[kind])}</pre>`;
  return `<section data-server="${name}">
<h3>${name}</h3>
${AUTH_NOTES[endpoint.auth] ?? ''}
<p>VS Code, in <code>.vscode/mcp.json</code>:</p>
${block('vscode')}
<p>MCP Inspector:</p>
${block('inspector')}
<p>TypeScript SDK v2:</p>
${block('sdk')}
<p>Claude Desktop, in <code>claude_desktop_config.json</code> (restart it after saving):</p>
${block('claude')}
</section>`;
}

/** What callers of each kind of server add, beyond the URL (keyed by `describeCaller`'s words). */
const AUTH_NOTES: Record<string, string> = {
  'function key when deployed':
    '<p>No key here; deployed, callers add the function key as the <code>x-functions-key</code> header (or <code>?code=</code> in the URL).</p>',
  'Entra ID token': tokenNote('an Entra ID'),
  'OAuth bearer token': tokenNote('an OAuth bearer'),
};

function tokenNote(kind: string): string {
  return `<p>Callers need ${kind} token: VS Code and <code>mcp-remote</code> sign in when the endpoint answers 401; the Inspector takes <code>--header "Authorization: Bearer $TOKEN"</code>, the SDK a header in <code>requestInit</code> or an <code>authProvider</code>.</p>`;
}

/** `/` where the servers may not be named: that this is an MCP endpoint, its URL shape, the docs. */
function publicPage(request: Request, base: string, view: HomePageView): Response {
  const shape = `${base}/mcp/<server>`;
  if (!wantsHtml(request))
    return Response.json(
      {
        service: 'MCP STDIO adapter',
        transport: 'streamable-http',
        endpoint: shape,
        servers: 'not listed: whoever runs this adapter gives callers the server name and how to authenticate',
        ...(view.docsUrl && /^https?:\/\//i.test(view.docsUrl) && { docs: view.docsUrl }),
        clients: MCP_CLIENTS_URL,
      },
      { headers: { 'cache-control': 'no-store' } },
    );
  const example = JSON.stringify({ servers: { '<server>': { type: 'http', url: shape } } }, null, 2);
  return html(
    200,
    'MCP endpoint',
    `<p>This host serves Model Context Protocol (MCP) servers over Streamable HTTP (an MCP STDIO adapter). It answers MCP clients, not web pages.</p>
<p>Each server has its own URL: <code>${escapeHtml(shape)}</code>. The servers are not listed here: whoever runs this adapter gives you the name of the server to use and how to authenticate.</p>
<p>Give an MCP client that URL, for example VS Code in <code>.vscode/mcp.json</code>:</p>
<pre>${escapeHtml(example)}</pre>
<p>${docsLink(view)} · <a href="${MCP_CLIENTS_URL}">MCP clients</a></p>`,
  );
}

function docsLink(view: HomePageView): string {
  // Only web links: an href is not the place for a javascript: URL, whoever configured it.
  return view.docsUrl && /^https?:\/\//i.test(view.docsUrl)
    ? `<a href="${escapeHtml(view.docsUrl)}">Documentation</a>`
    : 'Documentation: the README and <code>docs/</code> of the project this adapter was deployed from';
}

/**
 * An MCP endpoint opened in a browser: it speaks MCP, not HTML; say how to use it, keeping the
 * status an MCP client would get (406 for a GET without `text/event-stream`, 405 for a method the
 * endpoint does not take). The link to `/` says what it offers in this view.
 */
export function endpointInBrowser(url: string, options: { listServers?: boolean; status?: 405 | 406 } = {}): Response {
  const { listServers = true, status = 406 } = options;
  return html(
    status,
    'This is an MCP endpoint',
    `<p><code>${escapeHtml(url)}</code> is a Streamable HTTP MCP endpoint: it answers MCP clients (POST with JSON-RPC, or GET with <code>Accept: text/event-stream</code>), not web pages.</p>
<p>Connect an MCP client to this URL, for example the MCP Inspector:</p>
<pre>npx @modelcontextprotocol/inspector --cli ${escapeHtml(url)} --transport http --method tools/list</pre>
<p>${listServers ? 'Every server of this adapter is listed at <a href="/">/</a>.' : 'How to connect: <a href="/">/</a>.'}</p>`,
  );
}

/** A browser asks for HTML first; MCP clients never do. */
export function wantsHtml(request: Request): boolean {
  const accept = request.headers.get('accept') ?? '';
  return accept.includes('text/html') && !accept.includes('text/event-stream');
}

function html(status: number, title: string, body: string): Response {
  return new Response(
    `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${escapeHtml(title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:60rem;margin:1rem auto;padding:0 1rem}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.25rem .5rem;text-align:left}pre{background:#f4f4f4;padding:.5rem;overflow-x:auto}</style>
</head><body><h1>${escapeHtml(title)}</h1>
${body}
</body></html>
`,
    {
      status,
      headers: {
        'content-type': 'text/html; charset=utf-8',
        'cache-control': 'no-store',
        // Nothing on these pages runs: no scripts, no frames, only the inline style above.
        'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
        'x-content-type-options': 'nosniff',
      },
    },
  );
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
