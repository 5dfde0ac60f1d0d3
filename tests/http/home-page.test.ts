import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { configFromDocument } from '../../src/config/load-config.js';
import type { AdapterConfig } from '../../src/config/model.js';
import {
  clientSnippets,
  endpointInBrowser,
  homePage,
  type HomePageView,
  MCP_CLIENTS_URL,
  wantsHtml,
} from '../../src/http/home-page.js';
import { createLogger } from '../../src/observability/logger.js';
import { createRuntime, type Runtime } from '../../src/runtime/create-runtime.js';
import { nodeFixtureServer } from '../helpers/adapter.js';

/**
 * A person who opens the adapter in a browser (or curls it) learns what it is and how to connect;
 * locally, which servers it serves and client configs to copy; elsewhere only what is public.
 * MCP clients see nothing different.
 */
const BASE = 'http://127.0.0.1:7071';
const BROWSER = { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' };
const HOSTILE = `<img src=x onerror="alert('x')">&amp;`;

function configOf(document: Record<string, unknown>, resolveFrom: NodeJS.ProcessEnv = process.env): AdapterConfig {
  return configFromDocument(document, '/tmp/home-page-test/mcp_config.json', {
    resolveFrom,
    missingSettings: 'isolate',
  }).config;
}

const twoServers = () =>
  configOf({ mcpServers: { alpha: nodeFixtureServer(), beta: nodeFixtureServer([], { default: true }) } });

async function page(config: AdapterConfig, view?: HomePageView, headers: Record<string, string> = BROWSER) {
  const request = new Request(`${BASE}/`, { headers });
  const response = view ? homePage(request, config, BASE, view) : homePage(request, config, BASE);
  return { response, text: await response.text() };
}

/** The text a `<pre data-copy=kind data-server=server>` shows, as a browser would give it to the clipboard. */
function copyBlock(html: string, kind: string, server: string): string {
  const blocks = [...html.matchAll(/<pre data-copy="([^"]*)" data-server="([^"]*)">([\s\S]*?)<\/pre>/g)];
  const found = blocks.find((block) => block[1] === kind && unescapeHtml(block[2]!) === server);
  assert.ok(found, `no ${kind} block for ${server}`);
  return unescapeHtml(found[3]!);
}

function unescapeHtml(text: string): string {
  // One pass, as a browser decodes: "&#38;amp;" is the text "&amp;", not "&".
  const named: Record<string, string> = { lt: '<', gt: '>', quot: '"', amp: '&' };
  return text.replace(/&(#\d+|lt|gt|quot|amp);/g, (_, entity: string) =>
    entity.startsWith('#') ? String.fromCharCode(Number(entity.slice(1))) : named[entity]!,
  );
}

describe('homePage: the local view (every server listed)', () => {
  const live = new Map([
    ['alpha', { sessions: 3, children: 4 }],
    ['beta', { sessions: 0, children: 1 }],
  ]);

  test('HTML: a row per server with its full URL, auth, state and live counts; not cached; nothing runs', async () => {
    const { response, text } = await page(twoServers(), { listServers: true, live });
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/html; charset=utf-8/);
    assert.equal(response.headers.get('cache-control'), 'no-store');
    assert.match(response.headers.get('content-security-policy') ?? '', /default-src 'none'/);
    assert.doesNotMatch(text, /<script/i);
    assert.match(text, /<th>Sessions<\/th><th>Children<\/th>/);
    assert.match(
      text,
      /<tr data-server="alpha"><td>alpha<\/td><td><code>http:\/\/127\.0\.0\.1:7071\/mcp\/alpha<\/code><\/td><td>function key when deployed<\/td><td>ready<\/td><td>3<\/td><td>4<\/td><\/tr>/,
    );
    assert.match(
      text,
      /<tr data-server="beta"><td>beta \(default: also <code>\/mcp<\/code>\)<\/td><td><code>http:\/\/127\.0\.0\.1:7071\/mcp\/beta<\/code><\/td><td>function key when deployed<\/td><td>ready<\/td><td>0<\/td><td>1<\/td><\/tr>/,
    );
    assert.match(text, /<a href="\/status">\/status<\/a>/);
  });

  test('HTML: per server, the four copy-paste configs, each naming that server and its URL', async () => {
    const { text } = await page(twoServers(), { listServers: true });
    for (const name of ['alpha', 'beta']) {
      const url = `${BASE}/mcp/${name}`;
      assert.deepEqual(JSON.parse(copyBlock(text, 'vscode', name)), { servers: { [name]: { type: 'http', url } } });
      assert.equal(
        copyBlock(text, 'inspector', name),
        `npx @modelcontextprotocol/inspector --cli ${url} --transport http --method tools/list`,
      );
      const sdk = copyBlock(text, 'sdk', name);
      assert.match(sdk, /^import \{ Client, StreamableHTTPClientTransport \} from '@modelcontextprotocol\/client';$/m);
      assert.ok(sdk.includes(`new StreamableHTTPClientTransport(new URL(${JSON.stringify(url)}))`), sdk);
      assert.match(
        sdk,
        /await client\.connect\(transport\);[\s\S]*client\.listTools\(\)[\s\S]*await client\.close\(\);/,
      );
      assert.deepEqual(JSON.parse(copyBlock(text, 'claude', name)), {
        mcpServers: { [name]: { command: 'npx', args: ['-y', 'mcp-remote', url] } },
      });
    }
    assert.match(text, /Settings → Connectors → Add custom connector/);
    assert.match(text, /from Anthropic's cloud, not from your computer/);
  });

  test('HTML without live counts: no count columns (the page does not invent numbers)', async () => {
    const { text } = await page(twoServers(), { listServers: true });
    assert.doesNotMatch(text, /<th>Sessions<\/th>/);
    assert.match(text, /<td>ready<\/td><\/tr>/);
  });

  test('three arguments mean the local view, as app.ts calls it today', async () => {
    const { text } = await page(twoServers());
    assert.match(text, /<tr data-server="alpha">/);
    assert.match(text, /data-copy="vscode" data-server="beta"/);
  });

  test('JSON: the endpoints with live counts, /health and /status; the same shape without counts', async () => {
    const counted = await page(twoServers(), { listServers: true, live }, { accept: 'application/json' });
    assert.equal(counted.response.headers.get('cache-control'), 'no-store');
    assert.deepEqual(JSON.parse(counted.text), {
      endpoints: [
        {
          name: 'alpha',
          url: `${BASE}/mcp/alpha`,
          default: false,
          auth: 'function key when deployed',
          sessions: 3,
          children: 4,
        },
        {
          name: 'beta',
          url: `${BASE}/mcp/beta`,
          default: true,
          auth: 'function key when deployed',
          sessions: 0,
          children: 1,
        },
      ],
      health: `${BASE}/health`,
      status: `${BASE}/status`,
    });
    const plain = await page(twoServers(), { listServers: true }, {});
    assert.deepEqual(
      (JSON.parse(plain.text) as { endpoints: unknown[] }).endpoints.map((endpoint) => Object.keys(endpoint as object)),
      [
        ['name', 'url', 'default', 'auth'],
        ['name', 'url', 'default', 'auth'],
      ],
    );
  });

  test('a server missing a setting: listed as not served; token servers: how callers bring a token', async () => {
    const config = configOf(
      {
        mcpServers: {
          guarded: nodeFixtureServer([], {
            auth: { method: 'oauth2_bearer', oauth2_issuer: 'https://issuer.example', oauth2_audience: 'api://x' },
          }),
          lacking: nodeFixtureServer([], { env: { NEEDED: '${HOME_PAGE_TEST_UNSET_SETTING}' } }),
        },
      },
      {},
    );
    assert.ok(config.unavailable.has('lacking'), 'the config isolates the server whose setting is missing');
    const { text } = await page(config, { listServers: true });
    assert.match(
      text,
      /<tr data-server="lacking">.*<td>not served: a setting or secret is missing \(see \/status\)<\/td>/,
    );
    assert.match(text, /<tr data-server="guarded">.*<td>OAuth bearer token<\/td><td>ready<\/td>/);
    assert.match(text, /Callers need an OAuth bearer token/);
  });

  test('everything from the config and the request is escaped: names, URLs, data attributes', async () => {
    const base = twoServers();
    const alpha = base.servers.get('alpha')!;
    // The schema limits names; the page must not rely on it.
    const config: AdapterConfig = {
      ...base,
      servers: new Map([[HOSTILE, { ...alpha, name: HOSTILE }]]),
      unavailable: new Map(),
    };
    const hostileBase = `http://"><script>x</script>`;
    const response = homePage(new Request(`${BASE}/`, { headers: BROWSER }), config, hostileBase, {
      listServers: true,
      live: new Map([[HOSTILE, { sessions: 1, children: 1 }]]),
    });
    const text = await response.text();
    assert.doesNotMatch(text, /<img|<script|onerror="/);
    assert.ok(text.includes('&#60;img src=x onerror=&#34;alert(&#39;x&#39;)&#34;&#62;&#38;amp;'), 'the name, escaped');
    assert.match(text, /<td>1<\/td><td>1<\/td>/);
    const vscode = JSON.parse(copyBlock(text, 'vscode', HOSTILE)) as { servers: Record<string, { url: string }> };
    assert.deepEqual(Object.keys(vscode.servers), [HOSTILE], 'the copied config is the real name, round-tripped');
    assert.equal(vscode.servers[HOSTILE]!.url, `${hostileBase}/mcp/${HOSTILE}`);
  });
});

describe('homePage: the public view (not loopback, no consent to list)', () => {
  const names = ['alpha-internal', 'beta-payroll'];
  const config = () =>
    configOf({
      mcpServers: { [names[0]!]: nodeFixtureServer(), [names[1]!]: nodeFixtureServer([], { default: true }) },
    });
  const live = new Map([[names[0]!, { sessions: 7, children: 9 }]]);

  test('HTML: an MCP endpoint, the URL shape, who gives the names, the docs; no names, no counts, no /status', async () => {
    const { response, text } = await page(config(), {
      listServers: false,
      live,
      docsUrl: 'https://example.org/docs',
    });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('cache-control'), 'no-store');
    for (const name of names) assert.ok(!text.includes(name), `${name} must not appear`);
    assert.doesNotMatch(text, /<table|data-copy|\/status|\/health|>7<|>9</);
    assert.match(text, /Model Context Protocol \(MCP\) servers over Streamable HTTP/);
    assert.match(text, /<code>http:\/\/127\.0\.0\.1:7071\/mcp\/&#60;server&#62;<\/code>/);
    assert.match(text, /whoever runs this adapter gives you the name of the server/);
    assert.match(text, /<a href="https:\/\/example\.org\/docs">Documentation<\/a>/);
    assert.ok(text.includes(`<a href="${MCP_CLIENTS_URL}">`));
  });

  test('HTML: a docs URL that is not a web link is not linked', async () => {
    const { text } = await page(config(), { listServers: false, docsUrl: 'javascript:alert(1)' });
    assert.doesNotMatch(text, /javascript:/);
    assert.match(text, /Documentation: the README and <code>docs\/<\/code>/);
  });

  test('JSON: the same public facts, no names', async () => {
    const { response, text } = await page(
      config(),
      { listServers: false, live, docsUrl: 'https://example.org/docs' },
      { accept: 'application/json' },
    );
    assert.equal(response.headers.get('cache-control'), 'no-store');
    for (const name of names) assert.ok(!text.includes(name), `${name} must not appear`);
    assert.deepEqual(JSON.parse(text), {
      service: 'MCP STDIO adapter',
      transport: 'streamable-http',
      endpoint: `${BASE}/mcp/<server>`,
      servers: 'not listed: whoever runs this adapter gives callers the server name and how to authenticate',
      docs: 'https://example.org/docs',
      clients: MCP_CLIENTS_URL,
    });
  });
});

describe('the pieces of the page', () => {
  test('clientSnippets: mcp-remote gets --allow-http only where it would refuse plain http', () => {
    const args = (url: string) =>
      (JSON.parse(clientSnippets('s', url).claude) as { mcpServers: { s: { args: string[] } } }).mcpServers.s.args;
    assert.deepEqual(args('http://127.0.0.1:7071/mcp/s'), ['-y', 'mcp-remote', 'http://127.0.0.1:7071/mcp/s']);
    assert.deepEqual(args('http://localhost:7071/mcp/s'), ['-y', 'mcp-remote', 'http://localhost:7071/mcp/s']);
    assert.deepEqual(args('https://app.example/mcp/s'), ['-y', 'mcp-remote', 'https://app.example/mcp/s']);
    assert.deepEqual(args('http://10.0.0.5:7071/mcp/s'), [
      '-y',
      'mcp-remote',
      'http://10.0.0.5:7071/mcp/s',
      '--allow-http',
    ]);
    assert.deepEqual(args('http://[::1]:7071/mcp/s'), ['-y', 'mcp-remote', 'http://[::1]:7071/mcp/s', '--allow-http']);
  });

  test('endpointInBrowser: 406 by default, 405 when asked, the URL escaped, the link to / worded for the view', async () => {
    const local = endpointInBrowser(`${BASE}/mcp/<b>`);
    assert.equal(local.status, 406);
    assert.equal(local.headers.get('cache-control'), 'no-store');
    const localText = await local.text();
    assert.match(
      localText,
      /<code>http:\/\/127\.0\.0\.1:7071\/mcp\/&#60;b&#62;<\/code> is a Streamable HTTP MCP endpoint/,
    );
    assert.match(localText, /Every server of this adapter is listed at <a href="\/">/);
    const elsewhere = endpointInBrowser(`${BASE}/mcp/x`, { listServers: false, status: 405 });
    assert.equal(elsewhere.status, 405);
    const elsewhereText = await elsewhere.text();
    assert.doesNotMatch(elsewhereText, /Every server/);
    assert.match(elsewhereText, /How to connect: <a href="\/">/);
  });

  test('wantsHtml: a browser, not an MCP client', () => {
    const accepts = (accept?: string) => wantsHtml(new Request(BASE, accept ? { headers: { accept } } : {}));
    assert.equal(accepts(BROWSER.accept), true);
    assert.equal(accepts('application/json, text/event-stream'), false);
    assert.equal(accepts('text/html, text/event-stream'), false);
    assert.equal(accepts(), false);
  });
});

describe('the pages through the app, in-process', () => {
  let runtime: Runtime;
  const url = (path: string) => `http://localhost${path}`;
  before(() => {
    const config = configOf({
      mcpServers: { alpha: nodeFixtureServer(), beta: nodeFixtureServer([], { default: true }) },
    });
    runtime = createRuntime(config, { logger: createLogger({ level: 'silent' }), boundToLoopback: true });
  });
  after(async () => {
    await runtime.drain();
  });

  test('GET / in a browser: the table of both servers with their URLs, and their configs', async () => {
    const response = await runtime.fetch(new Request(url('/'), { headers: BROWSER }));
    assert.equal(response.status, 200);
    const text = await response.text();
    assert.match(text, /<tr data-server="alpha"><td>alpha<\/td><td><code>http:\/\/localhost\/mcp\/alpha<\/code>/);
    assert.match(text, /<tr data-server="beta"><td>beta \(default: also <code>\/mcp<\/code>\)/);
    assert.deepEqual(JSON.parse(copyBlock(text, 'vscode', 'beta')), {
      servers: { beta: { type: 'http', url: 'http://localhost/mcp/beta' } },
    });
  });

  test('GET / from a program: JSON', async () => {
    const response = await runtime.fetch(new Request(url('/')));
    assert.equal(response.status, 200);
    const body = (await response.json()) as { endpoints: Array<{ name: string; url: string; default: boolean }> };
    assert.deepEqual(
      body.endpoints.map(({ name, url, default: isDefault }) => ({ name, url, default: isDefault })),
      [
        { name: 'alpha', url: 'http://localhost/mcp/alpha', default: false },
        { name: 'beta', url: 'http://localhost/mcp/beta', default: true },
      ],
    );
  });

  test('a mistyped server name: the 404 lists the servers there are', async () => {
    const response = await runtime.fetch(
      new Request(url('/mcp/alhpa'), {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
        body: '{}',
      }),
    );
    assert.equal(response.status, 404);
    const body = (await response.json()) as { error: { message: string } };
    assert.equal(
      body.error.message,
      'Not Found: no MCP server named "alhpa"; the servers here are /mcp/alpha, /mcp/beta',
    );
  });

  test('an MCP endpoint opened in a browser: still 406, with a page that says what it is; an MCP GET is unchanged', async () => {
    const browser = await runtime.fetch(new Request(url('/mcp/alpha'), { headers: BROWSER }));
    assert.equal(browser.status, 406);
    assert.match(browser.headers.get('content-type') ?? '', /^text\/html/);
    assert.match(await browser.text(), /is a Streamable HTTP MCP endpoint: it answers MCP clients/);
    const client = await runtime.fetch(new Request(url('/mcp/alpha'), { headers: { accept: 'application/json' } }));
    assert.equal(client.status, 406);
    assert.match(client.headers.get('content-type') ?? '', /^application\/json/, 'a program gets the JSON-RPC error');
    await client.text();
  });
});
