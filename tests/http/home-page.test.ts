import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { nodeFixtureServer, startAdapter, type TestAdapter } from '../helpers/adapter.js';

/**
 * A person who opens the adapter in a browser (or curls it) learns which servers it serves and how
 * to connect, instead of a bare 404 or a JSON-RPC 406; MCP clients see nothing different.
 */
describe('the adapter explains itself to people', () => {
  let adapter: TestAdapter;
  before(async () => {
    adapter = await startAdapter({
      mcpServers: { alpha: nodeFixtureServer(), beta: nodeFixtureServer([], { default: true }) },
    });
  });
  after(async () => {
    await adapter.close();
  });

  test('GET / in a browser: a page listing every server with its URL, the default, and how to connect', async () => {
    const response = await fetch(new URL('/', adapter.url), { headers: { accept: 'text/html,*/*;q=0.8' } });
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/html/);
    const page = await response.text();
    assert.match(page, new RegExp(`<code>${adapter.url}/mcp/alpha</code>`));
    assert.match(page, /beta \(default: also <code>\/mcp<\/code>\)/);
    assert.match(
      page,
      /npx @modelcontextprotocol\/inspector --cli http:\/\/127\.0\.0\.1:\d+\/mcp\/alpha --transport http/,
    );
  });

  test('GET / from a program: the same as JSON', async () => {
    const response = await fetch(new URL('/', adapter.url));
    assert.equal(response.status, 200);
    const body = (await response.json()) as {
      endpoints: Array<{ name: string; url: string; default: boolean; auth: string }>;
    };
    assert.deepEqual(body.endpoints, [
      { name: 'alpha', url: `${adapter.url}/mcp/alpha`, default: false, auth: 'function key when deployed' },
      { name: 'beta', url: `${adapter.url}/mcp/beta`, default: true, auth: 'function key when deployed' },
    ]);
  });

  test('a mistyped server name: the 404 lists the servers there are', async () => {
    const response = await fetch(new URL('/mcp/alhpa', adapter.url), {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: '{}',
    });
    assert.equal(response.status, 404);
    const body = (await response.json()) as { error: { message: string } };
    assert.equal(
      body.error.message,
      'Not Found: no MCP server named "alhpa"; the servers here are /mcp/alpha, /mcp/beta',
    );
  });

  test('an MCP endpoint opened in a browser: still 406, with a page that says what it is; an MCP GET is unchanged', async () => {
    const browser = await fetch(new URL('/mcp/alpha', adapter.url), { headers: { accept: 'text/html' } });
    assert.equal(browser.status, 406);
    assert.match(await browser.text(), /is a Streamable HTTP MCP endpoint: it answers MCP clients/);
    const client = await fetch(new URL('/mcp/alpha', adapter.url), { headers: { accept: 'application/json' } });
    assert.equal(client.status, 406);
    assert.match(client.headers.get('content-type') ?? '', /^application\/json/, 'a program gets the JSON-RPC error');
  });
});
