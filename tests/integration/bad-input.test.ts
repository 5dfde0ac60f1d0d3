import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  MCP_HEADERS,
  initializeBody,
  nodeFixtureServer,
  openRawSession,
  startAdapter,
  type TestAdapter,
} from '../helpers/adapter.js';
import { callToolRaw, messagesOf, post, toolCall } from '../helpers/raw-http.js';
import { SessionTokens } from '../../src/state/session-token.js';

/**
 * Bad input of every kind gets its exact status and a specific error, and the adapter keeps
 * serving a healthy session afterwards.
 */
describe('bad input', () => {
  let adapter: TestAdapter;
  let healthy: string;
  let fixture: URL;

  before(async () => {
    adapter = await startAdapter({
      mcpServers: {
        fixture: nodeFixtureServer([], { request_timeout_seconds: 0.5 }),
        other: nodeFixtureServer(),
        'no-restart': nodeFixtureServer([], { restart_on_failure: false }),
        legacy: nodeFixtureServer(['--protocol-version', '2025-03-26']),
        'exits-at-start': nodeFixtureServer(['--mode', 'exit-at-start']),
        garbage: nodeFixtureServer(['--mode', 'garbage']),
        'never-answers': nodeFixtureServer(['--mode', 'never-answer'], { startup_timeout_seconds: 0.5 }),
        missing: { command: 'no-such-mcp-server-binary' },
        'missing-uvx': { command: 'uvx', args: ['mcp-server-time'], env: { PATH: '/nonexistent' } },
      },
      adapter: { max_body_bytes: 2048 },
    });
    fixture = adapter.endpoint('fixture');
    healthy = await openRawSession(fixture);
  });

  after(async () => {
    await adapter.close();
  });

  async function assertStillHealthy(): Promise<void> {
    assert.equal(await callToolRaw(fixture, healthy, 'echo', { text: 'still here' }), 'still here');
  }

  async function assertError(response: Response, status: number, pattern: RegExp, code?: number): Promise<void> {
    const body = (await response.json()) as { error?: { code: number; message: string } };
    assert.equal(response.status, status, JSON.stringify(body));
    assert.match(body.error?.message ?? '', pattern);
    if (code !== undefined) assert.equal(body.error?.code, code);
    await assertStillHealthy();
  }

  const session = () => ({ 'mcp-session-id': healthy, 'mcp-protocol-version': '2025-11-25' });

  test('malformed JSON: 400 Parse error', async () => {
    await assertError(await post(fixture, '{"jsonrpc": "2.0", "id": 1,', session()), 400, /^Parse error/, -32700);
  });

  test('valid JSON that is not JSON-RPC: 400 Invalid Request', async () => {
    await assertError(await post(fixture, { hello: 'world' }, session()), 400, /^Invalid Request/, -32600);
  });

  test('a JSON-RPC batch to a 2025-06-18 or later session: 400', async () => {
    const batch = [toolCall(1, 'echo', { text: 'a' }), toolCall(2, 'echo', { text: 'b' })];
    await assertError(
      await post(fixture, batch, session()),
      400,
      /batches are not allowed in protocol version 2025-11-25/,
      -32600,
    );
    await assertError(
      await post(fixture, batch, { 'mcp-session-id': healthy, 'mcp-protocol-version': '2025-06-18' }),
      400,
      /batches are not allowed in protocol version 2025-06-18/,
    );
  });

  test('a JSON-RPC batch to a 2025-03-26 session is split and answered', async () => {
    const legacy = adapter.endpoint('legacy');
    const id = await openRawSession(legacy, '2025-03-26');
    const response = await post(
      legacy,
      [
        toolCall(1, 'echo', { text: 'a' }),
        toolCall(2, 'echo', { text: 'b' }),
        { jsonrpc: '2.0', method: 'notifications/initialized' },
      ],
      {
        'mcp-session-id': id,
        'mcp-protocol-version': '2025-03-26',
      },
    );
    assert.equal(response.status, 200);
    const messages = (await messagesOf(response)) as Array<{
      id: number;
      result: { content: Array<{ text: string }> };
    }>;
    assert.deepEqual(messages.map((m) => [m.id, m.result.content[0]!.text]).sort(), [
      [1, 'a'],
      [2, 'b'],
    ]);
  });

  test('wrong Content-Type: 415', async () => {
    await assertError(
      await post(fixture, toolCall(1, 'echo', { text: 'x' }), { ...session(), 'content-type': 'text/plain' }),
      415,
      /Content-Type must be application\/json/,
    );
  });

  test('missing Accept: 406', async () => {
    const response = await fetch(fixture, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...session() },
      body: JSON.stringify(toolCall(1, 'echo', { text: 'x' })),
    });
    await assertError(response, 406, /Accept header must list both application\/json and text\/event-stream/);
  });

  test('GET without text/event-stream in Accept: 406', async () => {
    await assertError(
      await fetch(fixture, { headers: { accept: 'application/json', ...session() } }),
      406,
      /text\/event-stream/,
    );
  });

  test('an oversized body: 413', async () => {
    await assertError(
      await post(fixture, toolCall(1, 'echo', { text: 'x'.repeat(4096) }), session()),
      413,
      /exceeds the limit of 2048 bytes/,
    );
  });

  test('unsupported MCP-Protocol-Version: 400', async () => {
    await assertError(
      await post(fixture, toolCall(1, 'echo', { text: 'x' }), { ...session(), 'mcp-protocol-version': '1999-01-01' }),
      400,
      /unsupported MCP-Protocol-Version "1999-01-01"/,
    );
  });

  test('a missing session id: 400', async () => {
    await assertError(
      await post(fixture, toolCall(1, 'echo', { text: 'x' })),
      400,
      /Mcp-Session-Id header is required/,
    );
  });

  test('unknown, malformed and other-server session ids: 404', async () => {
    // Well formed and sealed, but with another deployment's key.
    const foreign = await new SessionTokens('another-deployment').seal({
      server: 'fixture',
      principal: 'anonymous',
      initialize: {},
      issuedAt: Date.now(),
      expiresAt: Date.now() + 60_000,
    });
    for (const id of [foreign, 'A'.repeat(32), 'not a valid id!', '../../etc/passwd', `${healthy.slice(0, -2)}xx`]) {
      await assertError(
        await post(fixture, toolCall(1, 'echo', { text: 'x' }), { 'mcp-session-id': id }),
        404,
        /Session not found/,
      );
    }
    const otherServer = adapter.endpoint('other');
    await assertError(await post(otherServer, toolCall(1, 'echo', { text: 'x' }), session()), 404, /Session not found/);
    await assertError(await fetch(otherServer, { method: 'DELETE', headers: session() }), 404, /Session not found/);
  });

  test('JSON nested deeper than 256 levels: 400, not a crash', async () => {
    const deep = `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","arguments":{"text":"x","deep":${'['.repeat(600)}${']'.repeat(600)}}}}`;
    await assertError(await post(fixture, deep, session()), 400, /nested deeper than 256 levels/, -32600);
  });

  test('methods a web Request cannot carry (TRACE): 405', async () => {
    const { request } = await import('node:http');
    const answer = await new Promise<{ status: number; allow: unknown; body: string }>((resolve, reject) => {
      const req = request(new URL('/mcp/../health', fixture), { method: 'TRACE' }, (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode!, allow: res.headers.allow, body }));
      });
      req.on('error', reject);
      req.end();
    });
    assert.equal(answer.status, 405, answer.body);
    assert.equal(answer.allow, 'POST, GET, DELETE');
    assert.deepEqual(JSON.parse(answer.body), {
      jsonrpc: '2.0',
      id: null,
      error: { code: -32000, message: 'Method TRACE not allowed; use POST, GET or DELETE' },
    });
    await assertStillHealthy();
  });

  test('a second request with an id already in flight is refused; the first keeps its answer', async () => {
    // The first call's SSE response starts with its first progress notification: from then on it
    // is in flight until its last step (each progress also restarts its 0.5 s request timeout).
    const first = await post(
      fixture,
      {
        ...toolCall('same', 'progress'),
        params: { name: 'progress', arguments: { steps: 20, delayMs: 50 }, _meta: { progressToken: 'same' } },
      },
      session(),
    );
    assert.match(first.headers.get('content-type') ?? '', /^text\/event-stream/);
    const refused = await post(fixture, toolCall('same', 'echo', { text: 'x' }), session());
    assert.equal(refused.status, 200);
    assert.deepEqual(await messagesOf(refused), [
      {
        jsonrpc: '2.0',
        id: 'same',
        error: {
          code: -32600,
          message: 'Invalid Request: a request with id "same" is already in flight in this session',
        },
      },
    ]);
    const answers = (await messagesOf(first)) as Array<{
      id?: string;
      method?: string;
      result?: { content: Array<{ text: string }> };
    }>;
    assert.equal(answers.filter((m) => m.method === 'notifications/progress').length, 20);
    assert.deepEqual(
      answers.filter((m) => m.id === 'same').map((m) => m.result?.content[0]?.text),
      ['done 20'],
      'the first call got its own answer, once',
    );
  });

  test('a session id spelled differently (non-canonical base64url) is 404, not a second copy of the session', async () => {
    const parts = healthy.split('.');
    const last = parts[4]!;
    // Flip the unused low bits of the tag's last character: it decodes to the same bytes.
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const index = alphabet.indexOf(last.at(-1)!);
    const variant = `${last.slice(0, -1)}${alphabet[index ^ 1]}`;
    assert.deepEqual(Buffer.from(variant, 'base64url'), Buffer.from(last, 'base64url'));
    const mutated = [...parts.slice(0, 4), variant].join('.');
    await assertError(
      await post(fixture, toolCall(1, 'echo', { text: 'x' }), { 'mcp-session-id': mutated }),
      404,
      /Session not found/,
    );
  });

  test('a client may not choose its session id on initialize: 400', async () => {
    await assertError(
      await post(fixture, initializeBody(), { 'mcp-session-id': 'A'.repeat(32) }),
      400,
      /must not carry Mcp-Session-Id/,
    );
  });

  test('a hostile Origin: 403', async () => {
    await assertError(
      await post(fixture, toolCall(1, 'echo', { text: 'x' }), { ...session(), origin: 'https://evil.example' }),
      403,
      /Origin "https:\/\/evil.example" is not allowed/,
    );
  });

  test('a hostile Host (DNS rebinding): 403', async () => {
    const { request } = await import('node:http');
    const status = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(
        fixture,
        { method: 'POST', headers: { ...MCP_HEADERS, ...session(), host: 'evil.example:7071' } },
        (res) => {
          let body = '';
          res.on('data', (chunk) => (body += chunk));
          res.on('end', () => resolve({ status: res.statusCode!, body }));
        },
      );
      req.on('error', reject);
      req.end(JSON.stringify(toolCall(1, 'echo', { text: 'x' })));
    });
    assert.equal(status.status, 403);
    assert.match(status.body, /Host \\"evil.example:7071\\" is not allowed/);
    await assertStillHealthy();
  });

  test('a child that exits at start: 502 naming the exit code', async () => {
    await assertError(
      await post(adapter.endpoint('exits-at-start'), initializeBody()),
      502,
      /exited during startup \(exit code 3\)/,
    );
    assert.ok(
      adapter.logs.some((log) => log.line === 'fatal: config missing'),
      'the child stderr is logged',
    );
  });

  test('a child that writes garbage to stdout still works; the garbage is logged and skipped', async () => {
    const endpoint = adapter.endpoint('garbage');
    const id = await openRawSession(endpoint);
    assert.equal(await callToolRaw(endpoint, id, 'echo', { text: 'through garbage' }), 'through garbage');
    assert.ok(adapter.logs.some((log) => log.line === 'this is not json' && String(log.message).includes('non-JSON')));
    await assertStillHealthy();
  });

  test('a child that never answers initialize: 504 after the startup timeout', async () => {
    await assertError(
      await post(adapter.endpoint('never-answers'), initializeBody()),
      504,
      /did not answer initialize within 0.5 s/,
    );
  });

  test('a request the child never answers: JSON-RPC error after the request timeout, and notifications/cancelled to the child', async () => {
    // A session of its own: the child's list of cancellations is this test's alone.
    const own = await openRawSession(fixture);
    const response = await post(fixture, toolCall('hang-1', 'hang'), {
      'mcp-session-id': own,
      'mcp-protocol-version': '2025-11-25',
    });
    const [message] = (await messagesOf(response)) as Array<{ id: string; error: { code: number; message: string } }>;
    assert.equal(message!.id, 'hang-1');
    assert.equal(message!.error.code, -32001);
    assert.match(message!.error.message, /Request timed out after 0.5 s/);
    assert.deepEqual(JSON.parse(await callToolRaw(fixture, own, 'cancellations')), ['hang-1']);
  });

  test('a command that does not exist: 502 naming the command', async () => {
    await assertError(
      await post(adapter.endpoint('missing'), initializeBody()),
      502,
      /Command "no-such-mcp-server-binary" was not found/,
    );
    await assertError(
      await post(adapter.endpoint('missing-uvx'), initializeBody()),
      502,
      /Command "uvx" was not found.*Install uv/,
    );
  });

  test('a child that crashes mid-call: JSON-RPC error naming the exit; without restarts the session is gone', async () => {
    const crashing = adapter.endpoint('no-restart');
    const id = await openRawSession(crashing);
    const response = await post(crashing, toolCall(5, 'exit', { code: 7 }), { 'mcp-session-id': id });
    const [message] = (await messagesOf(response)) as Array<{ error: { message: string } }>;
    assert.match(message!.error.message, /exited \(exit code 7\) before answering/);
    await assertError(
      await post(crashing, toolCall(6, 'echo', { text: 'x' }), { 'mcp-session-id': id }),
      404,
      /Session not found/,
    );
  });

  test('/mcp with several servers and no default: 404 naming the endpoints', async () => {
    await assertError(await post(adapter.endpoint(), initializeBody()), 404, /use one of \/mcp\/fixture, \/mcp\/other/);
  });
});
