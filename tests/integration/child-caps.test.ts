import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { MCP_HEADERS, initializeBody, nodeFixtureServer, startAdapter, type TestAdapter } from '../helpers/adapter.js';
import { messagesOf } from '../helpers/raw-http.js';

/**
 * One ledger of children: a server's `max_concurrent` and the instance's `max_sessions` count
 * every child the instance holds, whichever protocol era asked for it (a 2025 session's child,
 * a 2026-07-28 request's pooled child, a warm child). Caps counted per era let each era fill the
 * cap on its own, which is how an instance sized by memory runs out of it.
 */

const MODERN = '2026-07-28';
const meta = (capabilities: Record<string, unknown> = {}) => ({
  'io.modelcontextprotocol/protocolVersion': MODERN,
  'io.modelcontextprotocol/clientCapabilities': capabilities,
});

function modernCall(
  url: URL,
  name: string,
  args: Record<string, unknown>,
  id: number,
  capabilities: Record<string, unknown> = {},
) {
  return fetch(url, {
    method: 'POST',
    headers: { ...MCP_HEADERS, 'mcp-protocol-version': MODERN, 'mcp-method': 'tools/call', 'mcp-name': name },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id,
      method: 'tools/call',
      params: { name, arguments: args, _meta: meta(capabilities) },
    }),
  });
}

function initialize(url: URL) {
  return fetch(url, { method: 'POST', headers: MCP_HEADERS, body: initializeBody() });
}

interface Status {
  servers: Record<string, { sessions: number; childrenAlive: number; pooledChildren?: number }>;
  modern: { children: number; busy: number };
}

async function status(adapter: TestAdapter): Promise<Status> {
  return (await (await fetch(new URL('/status', adapter.url))).json()) as Status;
}

async function until(condition: () => Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('caps are shared by both protocol eras', () => {
  let adapter: TestAdapter;
  before(async () => {
    adapter = await startAdapter({
      mcpServers: {
        one: nodeFixtureServer([], { sessions: { max_concurrent: 1, reclaim_after_seconds: 30 } }),
        two: nodeFixtureServer([], { sessions: { max_concurrent: 2, reclaim_after_seconds: 30 } }),
        other: nodeFixtureServer([], { sessions: { reclaim_after_seconds: 30 } }),
      },
      adapter: { max_sessions: 3 },
    });
  });
  after(async () => {
    await adapter.close();
  });

  test('a 2026-07-28 request holding the only child of a server: a 2025 initialize is refused 503, not given a second child', async () => {
    const url = adapter.endpoint('one');
    const busy = modernCall(url, 'slow_pid', { ms: 800 }, 1);
    await until(async () => (await status(adapter)).modern.busy === 1, 'the 2026 call to hold a child');
    const refused = await initialize(url);
    assert.equal(refused.status, 503, await refused.clone().text());
    assert.ok(Number(refused.headers.get('retry-after')) > 0);
    assert.match(JSON.stringify(await messagesOf(refused)), /MCP server \\"one\\" is at its limit of 1/);
    const now = await status(adapter);
    assert.equal(now.servers.one!.childrenAlive + now.modern.children, 1);
    assert.equal((await busy).status, 200);
  });

  test('a 2025 session holding the only slot: a 2026-07-28 request is refused 503 (a session child is never taken away)', async () => {
    const url = adapter.endpoint('one');
    // The idle pooled child of the previous test gives way to the session.
    const opened = await initialize(url);
    assert.equal(opened.status, 200, await opened.clone().text());
    await opened.text();
    const sessionId = opened.headers.get('mcp-session-id')!;
    await until(
      async () => (await status(adapter)).modern.children === 0,
      'the idle pooled child to give way to the session',
    );
    const refused = await modernCall(url, 'echo', { text: 'x' }, 2);
    assert.equal(refused.status, 503);
    assert.match(JSON.stringify(await messagesOf(refused)), /limit of 1/);
    const now = await status(adapter);
    assert.equal(now.servers.one!.childrenAlive + now.modern.children, 1, JSON.stringify(now));
    await fetch(url, {
      method: 'DELETE',
      headers: { 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-11-25' },
    });
    await until(async () => (await status(adapter)).servers.one!.sessions === 0, 'the session to end');
  });

  test('the instance cap counts sessions and pooled children of every server together', async () => {
    // max_sessions 3: one session on `two`, one busy pooled child on `other`, one session on `other`; a fourth child is refused.
    const first = await initialize(adapter.endpoint('two'));
    assert.equal(first.status, 200);
    await first.text();
    const busy = modernCall(adapter.endpoint('other'), 'slow_pid', { ms: 800 }, 3);
    await until(async () => (await status(adapter)).modern.busy === 1, 'the pooled child to be busy');
    const second = await initialize(adapter.endpoint('other'));
    assert.equal(second.status, 200);
    await second.text();
    const refusedSession = await initialize(adapter.endpoint('two'));
    assert.equal(refusedSession.status, 503);
    assert.match(JSON.stringify(await messagesOf(refusedSession)), /instance is at its limit of 3/);
    const refusedCall = await modernCall(adapter.endpoint('two'), 'echo', { text: 'x' }, 4);
    assert.equal(refusedCall.status, 503);
    await refusedCall.text();
    assert.equal((await busy).status, 200);
  });

  test('under concurrency, mixed requests never hold more children than the server cap', async () => {
    const url = adapter.endpoint('two');
    let peak = 0;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const two = (await status(adapter)).servers.two!;
        peak = Math.max(peak, two.childrenAlive + (two.pooledChildren ?? 0));
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    })();
    const requests = [
      ...Array.from({ length: 3 }, () =>
        initialize(url).then(async (response) => ({
          kind: 'session',
          status: response.status,
          text: await response.text(),
        })),
      ),
      ...Array.from({ length: 3 }, (_, i) =>
        modernCall(url, 'slow_pid', { ms: 300 }, 10 + i, i === 0 ? {} : { roots: { listChanged: i === 2 } }).then(
          async (response) => ({ kind: 'call', status: response.status, text: await response.text() }),
        ),
      ),
    ];
    const outcomes = await Promise.all(requests);
    sampling = false;
    await sampler;
    assert.ok(peak <= 2, `at most 2 children of "two" at once, saw ${peak}`);
    for (const outcome of outcomes)
      assert.ok(outcome.status === 200 || outcome.status === 503, JSON.stringify(outcome));
    assert.ok(
      outcomes.some((outcome) => outcome.status === 503),
      'some requests found the cap full',
    );
  });
});
