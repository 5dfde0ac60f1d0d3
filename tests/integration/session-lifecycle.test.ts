import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import {
  eventually,
  initializeBody,
  isAlive,
  nodeFixtureServer,
  openRawSession,
  repoRoot,
  startAdapter,
} from '../helpers/adapter.js';
import { callToolRaw, messagesOf, post } from '../helpers/raw-http.js';

interface WhoAmI {
  pid: number;
  pgid: number | null;
  home: string;
  tmpdir: string;
  cwd: string;
  envKeys: string[];
  env: Record<string, string>;
}

async function whoami(endpoint: URL, session: string): Promise<WhoAmI> {
  return JSON.parse(await callToolRaw(endpoint, session, 'whoami')) as WhoAmI;
}

/** Opens the session's GET stream and reads it in the background; resolves `ended` when it closes. */
async function openGetStream(endpoint: URL, session: string) {
  const response = await fetch(endpoint, { headers: { accept: 'text/event-stream', 'mcp-session-id': session } });
  assert.equal(response.status, 200);
  assert.match(response.headers.get('content-type') ?? '', /^text\/event-stream/);
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  const ended = (async () => {
    for (;;) {
      const { done, value } = await reader.read().catch(() => ({ done: true, value: undefined }));
      if (done) return text;
      text += decoder.decode(value);
    }
  })();
  return { ended, text: () => text, cancel: () => reader.cancel() };
}

/** What an ended or unknown session gets: 404 and this JSON-RPC error. */
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

/** A refusal at a cap: 503, Retry-After, and a JSON-RPC error answering the initialize (id 1). */
async function assertAtCapacity(response: Response, message: RegExp): Promise<void> {
  const text = await response.text();
  assert.equal(response.status, 503, text);
  assert.equal(response.headers.get('retry-after'), '10');
  const body = JSON.parse(text) as { jsonrpc: string; id: unknown; error: { code: number; message: string } };
  assert.equal(body.id, 1);
  assert.equal(body.error.code, -32000);
  assert.match(body.error.message, /^Service Unavailable: .*; retry later$/);
  assert.match(body.error.message, message);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('session lifecycle', () => {
  test('idle timeout and absolute lifetime fire while a GET stream is open, closing the stream', async () => {
    const adapter = await startAdapter({
      mcpServers: {
        idle: nodeFixtureServer([], { sessions: { idle_timeout_seconds: 0.6 } }),
        lifetime: nodeFixtureServer([], { sessions: { idle_timeout_seconds: 60, max_lifetime_seconds: 1 } }),
      },
    });
    try {
      for (const name of ['idle', 'lifetime']) {
        const endpoint = adapter.endpoint(name);
        const session = await openRawSession(endpoint);
        const { pid } = await whoami(endpoint, session);
        const stream = await openGetStream(endpoint, session);
        await stream.ended; // the server closes it when the session ends
        assert.equal(await eventually(() => !isAlive(pid)), true, `${name}: child still alive`);
        const after = await post(endpoint, { jsonrpc: '2.0', id: 1, method: 'ping' }, { 'mcp-session-id': session });
        await assertSessionNotFound(after, `${name}: an ended session`);
        assert.ok(
          adapter.logs.some(
            (log) => log.message === 'session ended' && log.session === session.slice(-8) && log.reason === name,
          ),
          `${name}: the session ended for that reason`,
        );
      }
    } finally {
      await adapter.close();
    }
  });

  test('activity restarts the idle clock: a session used more often than its idle timeout lives on; left idle, it ends', async () => {
    const adapter = await startAdapter({
      mcpServers: { fixture: nodeFixtureServer([], { sessions: { idle_timeout_seconds: 1 } }) },
    });
    try {
      const endpoint = adapter.endpoint('fixture');
      const session = await openRawSession(endpoint);
      const { pid } = await whoami(endpoint, session);
      // Short calls, one every 200 ms, for three idle timeouts: no call is in flight when the clock
      // would run out, so only the restart on each request keeps the session (and its child).
      const started = Date.now();
      while (Date.now() - started < 3000) {
        await sleep(200);
        assert.equal((await whoami(endpoint, session)).pid, pid, 'the same child all along');
      }
      const ends = () =>
        adapter.logs.filter(
          (log) =>
            (log.message === 'session ended' || log.message === 'idle child reclaimed; the session lives on') &&
            log.session === session.slice(-8),
        );
      assert.deepEqual(ends(), [], 'neither ended nor reclaimed while in use');
      // Now nobody calls: it ends one idle timeout later, child and all.
      assert.equal(await eventually(() => !isAlive(pid), 10_000), true, 'the idle session ended');
      assert.equal(ends()[0]?.reason, 'idle');
      await assertSessionNotFound(
        await post(endpoint, { jsonrpc: '2.0', id: 1, method: 'ping' }, { 'mcp-session-id': session }),
        'the session left idle',
      );
    } finally {
      await adapter.close();
    }
  });

  test('the idle timeout never ends a session during a call: a call three times longer completes, and the session goes on', async () => {
    const adapter = await startAdapter({
      mcpServers: { fixture: nodeFixtureServer([], { sessions: { idle_timeout_seconds: 1 } }) },
    });
    try {
      const endpoint = adapter.endpoint('fixture');
      const session = await openRawSession(endpoint);
      const { pid } = await whoami(endpoint, session);
      // No message for 2.5 s, none of them from the client: only the call in flight holds the session.
      assert.equal(await callToolRaw(endpoint, session, 'slow_pid', { ms: 2500 }), String(pid));
      assert.equal((await whoami(endpoint, session)).pid, pid, 'the same child after the call');
      assert.equal(
        adapter.logs.some(
          (log) =>
            (log.message === 'session ended' || log.message === 'idle child reclaimed; the session lives on') &&
            log.session === session.slice(-8),
        ),
        false,
        'the idle timeout did not fire while the call ran',
      );
    } finally {
      await adapter.close();
    }
  });

  test('a second GET stream on the same session is refused with 409', async () => {
    const adapter = await startAdapter({ mcpServers: { fixture: nodeFixtureServer() } });
    try {
      const endpoint = adapter.endpoint('fixture');
      const session = await openRawSession(endpoint);
      const first = await openGetStream(endpoint, session);
      const second = await fetch(endpoint, { headers: { accept: 'text/event-stream', 'mcp-session-id': session } });
      assert.equal(second.status, 409);
      assert.deepEqual(await second.json(), {
        jsonrpc: '2.0',
        id: null,
        error: { code: -32000, message: 'Conflict: this session already has an open GET stream' },
      });
      // The first stream is still the session's: a list change reaches it.
      assert.equal(await callToolRaw(endpoint, session, 'notify_list_changed'), 'sent');
      assert.equal(await eventually(() => first.text().includes('notifications/tools/list_changed')), true);
      await first.cancel();
    } finally {
      await adapter.close();
    }
  });

  test('caps per server and per instance answer 503 with Retry-After', async () => {
    const adapter = await startAdapter({
      mcpServers: { capped: nodeFixtureServer([], { sessions: { max_concurrent: 1 } }), other: nodeFixtureServer() },
      adapter: { max_sessions: 2 },
    });
    try {
      await openRawSession(adapter.endpoint('capped'));
      const refused = await post(adapter.endpoint('capped'), initializeBody());
      await assertAtCapacity(refused, /"capped" is at its limit of 1 concurrent sessions/);
      await openRawSession(adapter.endpoint('other'));
      const full = await post(adapter.endpoint('other'), initializeBody());
      await assertAtCapacity(full, /instance is at its limit of 2 sessions/);
      assert.equal(adapter.sessions.size, 2, 'no child was started for a refused session');
    } finally {
      await adapter.close();
    }
  });

  test('a child gets only the baseline environment plus its config, its own process group, HOME and TMPDIR, removed with the session', async () => {
    const hostEnv = {
      ...process.env,
      AZURE_CLIENT_SECRET: 'host-secret',
      AzureWebJobsStorage: 'UseDevelopmentStorage=true',
      IDENTITY_ENDPOINT: 'http://169.254.1.1',
    };
    const adapter = await startAdapter(
      { mcpServers: { fixture: nodeFixtureServer([], { env: { CONFIGURED: 'yes' } }) } },
      { hostEnv },
    );
    try {
      const endpoint = adapter.endpoint('fixture');
      const [a, b] = await Promise.all([openRawSession(endpoint), openRawSession(endpoint)]);
      const [one, two] = await Promise.all([whoami(endpoint, a), whoami(endpoint, b)]);
      assert.equal(one.env.CONFIGURED, 'yes');
      for (const leaked of ['AZURE_CLIENT_SECRET', 'AzureWebJobsStorage', 'IDENTITY_ENDPOINT'])
        assert.equal(one.env[leaked], undefined, `${leaked} leaked`);
      const allowed = new Set([
        'PATH',
        'LANG',
        'LC_ALL',
        'LC_CTYPE',
        'TZ',
        'TERM',
        'HOME',
        'TMPDIR',
        'TMP',
        'TEMP',
        'XDG_CACHE_HOME',
        'XDG_CONFIG_HOME',
        'XDG_DATA_HOME',
        'npm_config_cache',
        'UV_CACHE_DIR',
        'CONFIGURED',
      ]);
      assert.deepEqual(
        one.envKeys.filter((key) => !allowed.has(key)),
        [],
      );
      assert.equal(one.pgid, one.pid, 'the child leads its own process group');
      assert.notEqual(one.home, two.home);
      assert.notEqual(one.tmpdir, two.tmpdir);
      assert.ok(existsSync(one.home) && existsSync(one.tmpdir));
      const deleted = await fetch(endpoint, { method: 'DELETE', headers: { 'mcp-session-id': a } });
      assert.equal(deleted.status, 200);
      assert.equal(existsSync(one.home) || existsSync(one.tmpdir), false, 'private folders outlived the session');
      assert.equal(existsSync(two.home), true);
    } finally {
      await adapter.close();
    }
  });

  test('a child that ignores stdin EOF and SIGTERM is killed, with its process group', async () => {
    const adapter = await startAdapter({
      mcpServers: { stubborn: nodeFixtureServer([], { env: { FIXTURE_IGNORE_SIGTERM: '1' } }) },
      adapter: { shutdown_grace_seconds: 0.2 },
    });
    try {
      const endpoint = adapter.endpoint('stubborn');
      const session = await openRawSession(endpoint);
      const { pid } = await whoami(endpoint, session);
      await fetch(endpoint, { method: 'DELETE', headers: { 'mcp-session-id': session } });
      assert.equal(isAlive(pid), false);
      // A slow shutdown is said as it happens, not waited out in silence.
      const said = adapter.logs.filter((log) => log.pid === pid).map((log) => [log.level, log.message]);
      assert.deepEqual(
        said.filter(([, message]) => /SIGTERM|SIGKILL/.test(String(message))),
        [
          ['info', 'child still running after its stdin closed; sending SIGTERM'],
          ['warn', 'child ignored SIGTERM; killing it (SIGKILL)'],
        ],
      );
    } finally {
      await adapter.close();
    }
  });

  test('SIGTERM to `npm start` drains every session and leaves no child behind', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'mcp-main-test-'));
    const configPath = path.join(dir, 'mcp_config.json');
    writeFileSync(configPath, JSON.stringify({ mcpServers: { fixture: nodeFixtureServer() } }));
    const main = spawn(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'src/cli/main.ts'), 'serve'], {
      cwd: repoRoot,
      env: { ...process.env, MCP_CONFIG_PATH: configPath, PORT: '0', HOST: '127.0.0.1' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    main.stderr.on('data', (chunk) => (stderr += chunk));
    assert.equal(await eventually(() => /listening on (http:\/\/\S+)\/mcp/.test(stderr), 15000), true, stderr);
    const base = /listening on (http:\/\/\S+)\/mcp/.exec(stderr)![1]!;
    const endpoint = new URL('/mcp', base);
    const sessions = await Promise.all([openRawSession(endpoint), openRawSession(endpoint)]);
    const pids = await Promise.all(sessions.map(async (session) => (await whoami(endpoint, session)).pid));
    const exited = new Promise<number | null>((resolve) => main.once('exit', (code) => resolve(code)));
    main.kill('SIGTERM');
    assert.equal(await exited, 0);
    for (const pid of pids) assert.equal(isAlive(pid), false, `child ${pid} outlived the host`);
  });
});

describe('message routing', () => {
  test('logging goes to the only in-flight request; list_changed goes to the GET stream', async () => {
    const adapter = await startAdapter({ mcpServers: { fixture: nodeFixtureServer() } });
    try {
      const endpoint = adapter.endpoint('fixture');
      const session = await openRawSession(endpoint);
      const stream = await openGetStream(endpoint, session);
      const logResponse = await post(
        endpoint,
        { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'log', arguments: { text: 'hello log' } } },
        { 'mcp-session-id': session },
      );
      assert.match(
        logResponse.headers.get('content-type') ?? '',
        /^text\/event-stream/,
        'a notification before the result needs SSE',
      );
      const messages = (await messagesOf(logResponse)) as Array<{
        method?: string;
        id?: number;
        params?: { data?: string };
      }>;
      assert.deepEqual(
        messages.map((m) => m.method ?? `response ${m.id}`),
        ['notifications/message', 'response 1'],
      );
      const listChanged = await post(
        endpoint,
        { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'notify_list_changed', arguments: {} } },
        { 'mcp-session-id': session },
      );
      assert.match(
        listChanged.headers.get('content-type') ?? '',
        /^application\/json/,
        'nothing but the response on the POST stream',
      );
      assert.equal(((await listChanged.json()) as { id: number }).id, 2);
      assert.equal(await eventually(() => stream.text().includes('notifications/tools/list_changed')), true);
      assert.equal(stream.text().includes('notifications/message'), false, 'nothing is sent twice');
      await stream.cancel();
    } finally {
      await adapter.close();
    }
  });

  test('notifications and responses from the client get 202 and reach the child', async () => {
    const adapter = await startAdapter({ mcpServers: { fixture: nodeFixtureServer() } });
    try {
      const endpoint = adapter.endpoint('fixture');
      const session = await openRawSession(endpoint);
      const response = await post(
        endpoint,
        { jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 'never-sent' } },
        { 'mcp-session-id': session },
      );
      assert.equal(response.status, 202);
      assert.deepEqual(JSON.parse(await callToolRaw(endpoint, session, 'cancellations')), ['never-sent']);
    } finally {
      await adapter.close();
    }
  });
});
