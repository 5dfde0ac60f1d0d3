import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, test } from 'node:test';
import {
  eventually,
  initializeBody,
  isAlive,
  nodeFixtureServer,
  openRawSession,
  startAdapter,
} from '../helpers/adapter.js';
import { startOidcIssuer } from '../auth/helpers/issuers.js';
import { callToolRaw, messagesOf, post, toolCall } from '../helpers/raw-http.js';
import { SessionTokens } from '../../src/state/session-token.js';

const pidOf = async (endpoint: URL, session: string, headers: Record<string, string> = {}) =>
  (JSON.parse(await callToolRaw(endpoint, session, 'whoami', {}, headers)) as { pid: number }).pid;

/** What every unknown, ended, other-server or other-user session id gets: 404 and this JSON-RPC error. */
async function assertSessionNotFound(response: Response, what: string): Promise<void> {
  const text = await response.text();
  assert.equal(response.status, 404, `${what}: ${text}`);
  assert.deepEqual(
    JSON.parse(text),
    {
      jsonrpc: '2.0',
      id: null,
      error: {
        code: -32000,
        message: 'Session not found: it ended or never existed; start a new session with initialize',
      },
    },
    what,
  );
}

describe('sessions that outlive their child', () => {
  test('a child killed mid-call: the call gets an error at once; the next call works with a new child', async () => {
    const adapter = await startAdapter({ mcpServers: { fixture: nodeFixtureServer([], { max_restarts: 2 }) } });
    try {
      const endpoint = adapter.endpoint('fixture');
      const session = await openRawSession(endpoint);
      const first = await pidOf(endpoint, session);
      // A call that runs for minutes; its SSE response starts with the child's first progress
      // notification, so once the response is here the call is in the child's hands.
      const running = await post(
        endpoint,
        {
          ...toolCall('slow', 'progress'),
          params: { name: 'progress', arguments: { steps: 10_000, delayMs: 50 }, _meta: { progressToken: 'slow' } },
        },
        { 'mcp-session-id': session },
      );
      assert.match(running.headers.get('content-type') ?? '', /^text\/event-stream/);
      process.kill(first, 'SIGKILL');
      const messages = (await messagesOf(running)) as Array<{
        id?: string;
        method?: string;
        error?: { message: string };
      }>;
      assert.equal(messages[0]!.method, 'notifications/progress', 'the call was under way when the child was killed');
      const error = messages.at(-1)!;
      assert.equal(error.id, 'slow');
      assert.match(error.error!.message, /exited \(signal SIGKILL\) before answering/);
      const second = await pidOf(endpoint, session);
      assert.notEqual(second, first);
      assert.equal(await callToolRaw(endpoint, session, 'echo', { text: 'after the crash' }), 'after the crash');
      assert.ok(adapter.logs.some((log) => log.message === 'session brought back' && log.after === 'crash'));
    } finally {
      await adapter.close();
    }
  });

  test('past max_restarts within the window the session ends: 404, so the client re-initializes', async () => {
    const adapter = await startAdapter({ mcpServers: { fixture: nodeFixtureServer([], { max_restarts: 1 }) } });
    try {
      const endpoint = adapter.endpoint('fixture');
      const session = await openRawSession(endpoint);
      await post(endpoint, toolCall(1, 'exit', { code: 1 }), { 'mcp-session-id': session }).then((r) => r.text());
      await post(endpoint, toolCall(2, 'exit', { code: 1 }), { 'mcp-session-id': session }).then((r) => r.text());
      const after = await post(endpoint, toolCall(3, 'echo', { text: 'x' }), { 'mcp-session-id': session });
      await assertSessionNotFound(after, 'after the second crash');
      assert.ok(adapter.logs.some((log) => log.message === 'child crashed too often; the session ends'));
    } finally {
      await adapter.close();
    }
  });

  test('an idle child is reclaimed to free memory; its session still answers, with a new child', async () => {
    const adapter = await startAdapter({
      mcpServers: {
        fixture: nodeFixtureServer([], { sessions: { reclaim_after_seconds: 0.3, idle_timeout_seconds: 60 } }),
      },
    });
    try {
      const endpoint = adapter.endpoint('fixture');
      const session = await openRawSession(endpoint);
      const first = await pidOf(endpoint, session);
      assert.equal(await eventually(() => !isAlive(first), 5000), true, 'the idle child was not reclaimed');
      assert.equal(adapter.sessions.size, 0);
      assert.equal(adapter.sessions.dormantCount, 1);
      const second = await pidOf(endpoint, session);
      assert.notEqual(second, first);
      assert.ok(adapter.logs.some((log) => log.message === 'session brought back' && log.after === 'reclaim'));
    } finally {
      await adapter.close();
    }
  });

  test("a reclaimed (dormant) session is brought back for its owner only: another user's valid token gets 404 and starts no child", async () => {
    const issuer = await startOidcIssuer({ audience: 'api://mcp-test' });
    const adapter = await startAdapter(
      {
        mcpServers: {
          guarded: nodeFixtureServer([], {
            auth: { method: 'oauth2_bearer', oauth2_issuer: issuer.issuer, oauth2_audience: 'api://mcp-test' },
            sessions: { reclaim_after_seconds: 0.3, idle_timeout_seconds: 60 },
          }),
        },
      },
      { authEnv: {} },
    );
    try {
      const endpoint = adapter.endpoint('guarded');
      const alice = { authorization: `Bearer ${await issuer.token({ sub: 'alice' })}` };
      const bob = { authorization: `Bearer ${await issuer.token({ sub: 'bob' })}` };
      const opened = await post(endpoint, initializeBody(), alice);
      assert.equal(opened.status, 200, await opened.clone().text());
      await opened.text();
      const session = opened.headers.get('mcp-session-id')!;
      const first = await pidOf(endpoint, session, alice);
      assert.equal(await eventually(() => !isAlive(first), 5000), true, 'the idle child was not reclaimed');
      assert.equal(adapter.sessions.size, 0);
      assert.equal(adapter.sessions.dormantCount, 1, 'the session lives on without a child');

      const started = () => adapter.logs.filter((log) => log.message === 'child started').length;
      const before = started();
      const sessionOf = (headers: Record<string, string>) => ({
        ...headers,
        'mcp-session-id': session,
        'mcp-protocol-version': '2025-11-25',
      });
      await assertSessionNotFound(
        await post(endpoint, toolCall(1, 'echo', { text: 'not yours' }), sessionOf(bob)),
        "bob's POST on alice's dormant session",
      );
      await assertSessionNotFound(
        await fetch(endpoint, { headers: { ...sessionOf(bob), accept: 'text/event-stream' } }),
        "bob's GET stream on alice's dormant session",
      );
      await assertSessionNotFound(
        await fetch(endpoint, { method: 'DELETE', headers: sessionOf(bob) }),
        "bob's DELETE of alice's dormant session",
      );
      assert.equal(started(), before, 'no child was started for bob');
      assert.equal(adapter.sessions.size, 0);
      assert.equal(adapter.sessions.dormantCount, 1, "bob's requests neither revived nor ended it");
      assert.equal(
        adapter.logs.some((log) => log.message === 'session brought back'),
        false,
        'nothing was brought back for bob',
      );

      // Its owner still has it: a new child, the session's own initialize replayed.
      const second = await pidOf(endpoint, session, alice);
      assert.notEqual(second, first);
      assert.equal(started(), before + 1);
      assert.equal(
        (JSON.parse(await callToolRaw(endpoint, session, 'client_info', {}, alice)) as { clientInfo: { name: string } })
          .clientInfo.name,
        'raw-test',
      );
      assert.ok(adapter.logs.some((log) => log.message === 'session brought back' && log.after === 'reclaim'));
    } finally {
      await adapter.close();
      await issuer.server.close();
    }
  });

  test('another instance with the same deployment key serves the session: child re-spawned, initialize replayed', async () => {
    const hostEnv = { ...process.env, MCP_ADAPTER_SESSION_KEY: 'shared-deployment-key' };
    const config = { mcpServers: { fixture: nodeFixtureServer() } };
    const [a, b] = await Promise.all([startAdapter(config, { hostEnv }), startAdapter(config, { hostEnv })]);
    try {
      const session = await openRawSession(a.endpoint('fixture'));
      const onA = await pidOf(a.endpoint('fixture'), session);
      const onB = await pidOf(b.endpoint('fixture'), session);
      assert.notEqual(onA, onB);
      const clientInfo = JSON.parse(await callToolRaw(b.endpoint('fixture'), session, 'client_info')) as {
        clientInfo: { name: string };
        protocolVersion: string;
      };
      assert.deepEqual(
        [clientInfo.clientInfo.name, clientInfo.protocolVersion],
        ['raw-test', '2025-11-25'],
        "the client's own initialize was replayed",
      );
      const other = await startAdapter(config, {
        hostEnv: { ...process.env, MCP_ADAPTER_SESSION_KEY: 'another-deployment' },
      });
      try {
        await assertSessionNotFound(
          await post(other.endpoint('fixture'), toolCall(1, 'echo', { text: 'x' }), { 'mcp-session-id': session }),
          "another deployment's instance cannot open it",
        );
        assert.equal(other.sessions.size, 0, 'and starts no child for it');
      } finally {
        await other.close();
      }
      assert.equal(
        (await fetch(a.endpoint('fixture'), { method: 'DELETE', headers: { 'mcp-session-id': session } })).status,
        200,
      );
      await assertSessionNotFound(
        await post(a.endpoint('fixture'), toolCall(2, 'echo', { text: 'x' }), { 'mcp-session-id': session }),
        'ended on the instance that ended it',
      );
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});

describe('memory watchdog', () => {
  test('a child that grows past max_child_memory_mb is stopped; its call says why; the session goes on', async () => {
    const adapter = await startAdapter({
      mcpServers: { fixture: nodeFixtureServer([], { max_child_memory_mb: 128 }) },
    });
    try {
      const endpoint = adapter.endpoint('fixture');
      const session = await openRawSession(endpoint);
      const first = await pidOf(endpoint, session);
      const [error] = (await messagesOf(
        await post(endpoint, toolCall('big', 'allocate', { mb: 300 }), { 'mcp-session-id': session }),
      )) as Array<{ error: { message: string } }>;
      assert.match(
        error!.error.message,
        /^MCP server "fixture" was stopped: its memory \(\d+ MB\) passed max_child_memory_mb \(128 MB\)$/,
      );
      assert.notEqual(await pidOf(endpoint, session), first);
    } finally {
      await adapter.close();
    }
  });
});

describe('sealed session ids', () => {
  const claims = {
    server: 'fixture',
    principal: 'anonymous',
    initialize: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'c', version: '1' } },
    issuedAt: Date.now(),
    expiresAt: Date.now() + 60_000,
  };

  test('open what was sealed; refuse forged, altered, truncated, re-encrypted, expired and other-deployment ids', async () => {
    const tokens = new SessionTokens('current-key');
    const id = await tokens.seal(claims);
    assert.ok(id.length < 1024, `id length ${id.length}`);
    assert.deepEqual((await tokens.open(id))?.principal, 'anonymous');
    const parts = id.split('.');
    const flip = (text: string) => `${text.slice(0, -2)}${text.at(-2) === 'A' ? 'B' : 'A'}${text.at(-1)}`;
    assert.equal(
      await tokens.open(parts.map((p, i) => (i === 3 ? flip(p) : p)).join('.')),
      undefined,
      'altered ciphertext',
    );
    assert.equal(await tokens.open(parts.map((p, i) => (i === 4 ? flip(p) : p)).join('.')), undefined, 'altered tag');
    assert.equal(await tokens.open(id.slice(0, -5)), undefined, 'truncated');
    assert.equal(
      await tokens.open(await new SessionTokens('attacker-key').seal(claims)),
      undefined,
      'sealed with another key',
    );
    assert.equal(await tokens.open(await tokens.seal({ ...claims, expiresAt: Date.now() - 1 })), undefined, 'expired');
    assert.equal(await tokens.open('eyJhbGciOiJub25lIn0.e30..e30.'), undefined, 'forged header');
  });

  test('ids are standard JWE (dir + A256GCM): a JOSE library opens ours, and ids it sealed open here', async () => {
    const { CompactEncrypt, compactDecrypt } = await import('jose');
    const material = 'interop-key';
    const key = createHash('sha256').update(material, 'utf8').digest();
    const kid = createHash('sha256').update(key).digest('base64url').slice(0, 8);
    const tokens = new SessionTokens(material);
    const ours = await tokens.seal(claims);
    const { plaintext, protectedHeader } = await compactDecrypt(ours, key, {
      keyManagementAlgorithms: ['dir'],
      contentEncryptionAlgorithms: ['A256GCM'],
    });
    assert.deepEqual(protectedHeader, { alg: 'dir', enc: 'A256GCM', kid });
    assert.equal((JSON.parse(new TextDecoder().decode(plaintext)) as { server: string }).server, 'fixture');
    // As sealed by earlier versions (jose): still served after an upgrade with the same key.
    const theirs = await new CompactEncrypt(new TextEncoder().encode(JSON.stringify({ ...claims, n: 'x' })))
      .setProtectedHeader({ alg: 'dir', enc: 'A256GCM', kid })
      .encrypt(key);
    assert.equal((await tokens.open(theirs))?.server, 'fixture');
    // The protected header is authenticated, and nothing but alg, enc and kid is accepted in it.
    const withExtra = await new CompactEncrypt(new TextEncoder().encode(JSON.stringify(claims)))
      .setProtectedHeader({ alg: 'dir', enc: 'A256GCM', kid, cty: 'x' })
      .encrypt(key);
    assert.equal(await tokens.open(withExtra), undefined, 'unknown header member');
    const [, ...rest] = ours.split('.');
    const swapped = Buffer.from(JSON.stringify({ enc: 'A256GCM', alg: 'dir', kid })).toString('base64url');
    assert.equal(await tokens.open([swapped, ...rest].join('.')), undefined, 'header changed after sealing');
  });

  test('keys rotate: the previous key is still accepted', async () => {
    const old = await new SessionTokens('key-1').seal(claims);
    assert.equal((await new SessionTokens('key-2', ['key-1']).open(old))?.server, 'fixture');
    assert.equal(await new SessionTokens('key-2').open(old), undefined);
  });
});
