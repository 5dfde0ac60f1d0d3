import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MCP_HEADERS, initializeBody, nodeFixtureServer, startAdapter, type TestAdapter } from '../helpers/adapter.js';

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

/** JSON-RPC error codes of a refusal at a cap: each era's own (2025: the transport's -32000; 2026-07-28: -32603). */
/** One code for a refusal at a cap, whichever era asked (web/http-errors.ts `rpcCodeFor`). */
const CAP_CODE = { legacy: -32000, modern: -32000 } as const;

/** A refusal at a cap: 503 with Retry-After, answering the refused request with a JSON-RPC error naming the cap. */
async function assertAtCap(response: Response, id: number, cap: RegExp, era: keyof typeof CAP_CODE): Promise<void> {
  const text = await response.text();
  assert.equal(response.status, 503, text);
  assert.ok(Number(response.headers.get('retry-after')) > 0, `Retry-After: ${response.headers.get('retry-after')}`);
  const body = JSON.parse(text) as { jsonrpc: string; id: unknown; error: { code: number; message: string } };
  assert.equal(body.jsonrpc, '2.0');
  assert.equal(body.id, id, 'the error answers the refused request');
  assert.equal(body.error.code, CAP_CODE[era]);
  assert.match(body.error.message, /^Service Unavailable: .*; retry later$/);
  assert.match(body.error.message, cap);
}

describe('caps are shared by both protocol eras', () => {
  // Each test has an adapter of its own: what one leaves behind (sessions, pooled children) never decides another.
  async function withAdapter(run: (adapter: TestAdapter) => Promise<void>): Promise<void> {
    const adapter = await startAdapter({
      mcpServers: {
        one: nodeFixtureServer([], { sessions: { max_concurrent: 1, reclaim_after_seconds: 30 } }),
        two: nodeFixtureServer([], { sessions: { max_concurrent: 2, reclaim_after_seconds: 30 } }),
        other: nodeFixtureServer([], { sessions: { reclaim_after_seconds: 30 } }),
      },
      adapter: { max_sessions: 3 },
    });
    try {
      await run(adapter);
    } finally {
      await adapter.close();
    }
  }

  test('a 2026-07-28 request holding the only child of a server: a 2025 initialize is refused 503, not given a second child', async () => {
    await withAdapter(async (adapter) => {
      const url = adapter.endpoint('one');
      const busy = modernCall(url, 'slow_pid', { ms: 800 }, 1);
      await until(async () => (await status(adapter)).modern.busy === 1, 'the 2026 call to hold a child');
      await assertAtCap(
        await initialize(url),
        1,
        /^Service Unavailable: MCP server "one" is at its limit of 1 /,
        'legacy',
      );
      const now = await status(adapter);
      assert.equal(now.servers.one!.childrenAlive + now.modern.children, 1);
      assert.equal(now.servers.one!.sessions, 0, 'no session was opened');
      assert.equal((await busy).status, 200);
    });
  });

  test('a 2025 session holding the only slot: a 2026-07-28 request is refused 503 (a session child is never taken away)', async () => {
    await withAdapter(async (adapter) => {
      const url = adapter.endpoint('one');
      // A 2026-07-28 call leaves its child idle in the pool, holding the server's only slot...
      assert.equal((await modernCall(url, 'echo', { text: 'first' }, 1)).status, 200);
      assert.equal((await status(adapter)).modern.children, 1);
      // ...which gives way to a session.
      const opened = await initialize(url);
      assert.equal(opened.status, 200, await opened.clone().text());
      await opened.text();
      const sessionId = opened.headers.get('mcp-session-id')!;
      await until(
        async () => (await status(adapter)).modern.children === 0,
        'the idle pooled child to give way to the session',
      );
      await assertAtCap(
        await modernCall(url, 'echo', { text: 'x' }, 2),
        2,
        /MCP server "one" is at its limit of 1 /,
        'modern',
      );
      const now = await status(adapter);
      assert.equal(now.servers.one!.childrenAlive + now.modern.children, 1, JSON.stringify(now));
      assert.equal(now.servers.one!.sessions, 1, 'the session kept its child');
      const deleted = await fetch(url, {
        method: 'DELETE',
        headers: { 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-11-25' },
      });
      assert.equal(deleted.status, 200);
      // The slot is free again: the same 2026-07-28 request is served.
      assert.equal((await modernCall(url, 'echo', { text: 'x' }, 3)).status, 200);
    });
  });

  test('the instance cap counts sessions and pooled children of every server together', async () => {
    await withAdapter(async (adapter) => {
      // max_sessions 3: one session on `two`, one busy pooled child on `other`, one session on `other`; a fourth child is refused.
      const first = await initialize(adapter.endpoint('two'));
      assert.equal(first.status, 200);
      await first.text();
      const busy = modernCall(adapter.endpoint('other'), 'slow_pid', { ms: 800 }, 3);
      await until(async () => (await status(adapter)).modern.busy === 1, 'the pooled child to be busy');
      const second = await initialize(adapter.endpoint('other'));
      assert.equal(second.status, 200);
      await second.text();
      await assertAtCap(await initialize(adapter.endpoint('two')), 1, /This instance is at its limit of 3 /, 'legacy');
      await assertAtCap(
        await modernCall(adapter.endpoint('two'), 'echo', { text: 'x' }, 4),
        4,
        /This instance is at its limit of 3 /,
        'modern',
      );
      assert.equal((await busy).status, 200);
    });
  });

  test('under concurrency, mixed requests never hold more children than the server cap', async () => {
    await withAdapter(async (adapter) => {
      const url = adapter.endpoint('two');
      // Sampled in-process on every timer turn (not over HTTP): the counts the caps are checked against.
      let peak = 0;
      const sample = () => {
        const two = adapter.sessions.stats().two!;
        peak = Math.max(peak, two.childrenAlive + (two.pooledChildren ?? 0));
      };
      const sampler = setInterval(sample, 1);
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
      clearInterval(sampler);
      sample();
      assert.ok(peak <= 2, `at most 2 children of "two" at once, saw ${peak}`);
      assert.ok(peak >= 1, 'the sampler saw the children');
      for (const outcome of outcomes)
        assert.ok(outcome.status === 200 || outcome.status === 503, JSON.stringify(outcome));
      const refused = outcomes.filter((outcome) => outcome.status === 503);
      assert.ok(refused.length > 0, 'some requests found the cap full');
      for (const outcome of refused)
        assert.match(outcome.text, /MCP server \\"two\\" is at its limit of 2 /, JSON.stringify(outcome));
    });
  });
});
