import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { describe, test } from 'node:test';
import {
  eventually,
  initializeBody,
  isAlive,
  nodeFixtureServer,
  openRawSession,
  startAdapter,
  type TestAdapter,
} from '../helpers/adapter.js';
import { callToolRaw, post } from '../helpers/raw-http.js';

interface WhoAmI {
  pid: number;
  home: string;
  tmpdir: string;
  env: Record<string, string>;
}

async function whoami(endpoint: URL, session: string): Promise<WhoAmI> {
  return JSON.parse(await callToolRaw(endpoint, session, 'whoami')) as WhoAmI;
}

async function status(adapter: TestAdapter): Promise<{
  sessions: number;
  servers: Record<string, { sessions: number; childrenAlive: number; warmChildren?: number }>;
}> {
  // The isolation report is the same whatever the pool does (tests/integration/health-status.test.ts checks it).
  const { isolation: _isolation, ...counts } = await (await fetch(new URL('/status', adapter.url))).json();
  return counts as never;
}

/** Pids of the children the warm pool reported ready, in order. */
function warmPids(adapter: TestAdapter): number[] {
  return adapter.logs.filter((log) => log.message === 'warm child ready').map((log) => Number(log.pid));
}

/** Waits until the server's warm pool has `count` children waiting; returns the pids reported ready so far. */
async function waitForWarm(adapter: TestAdapter, server: string, count: number): Promise<number[]> {
  assert.ok(
    await eventually(async () => (await status(adapter)).servers[server]?.warmChildren === count, 15_000),
    `${server}: ${count} warm child(ren) expected`,
  );
  return warmPids(adapter);
}

describe('warm pool', () => {
  test('a new session takes the pre-spawned child, the pool refills, and shutdown leaves no process', async () => {
    const adapter = await startAdapter({
      mcpServers: { fixture: nodeFixtureServer([], { env: { CONFIGURED: 'yes' }, sessions: { warm_pool: 1 } }) },
    });
    const pids: number[] = [];
    try {
      const endpoint = adapter.endpoint('fixture');
      const [spawned] = await waitForWarm(adapter, 'fixture', 1);
      assert.ok(spawned && isAlive(spawned), 'the pool spawned a child before any session');
      assert.deepEqual(await status(adapter), {
        sessions: 0,
        servers: { fixture: { sessions: 0, childrenAlive: 0, warmChildren: 1 } },
        modern: { children: 0, busy: 0, awaitingInput: 0, listeners: 0 },
      });

      const session = await openRawSession(endpoint);
      const child = await whoami(endpoint, session);
      pids.push(child.pid);
      assert.equal(child.pid, spawned, 'the session runs in the process the pool had spawned before it was asked for');
      assert.ok(
        adapter.logs.some((log) => log.message === 'session started' && log.pid === spawned && log.warm === true),
      );
      // The same child as a cold start would give: the config's env, a private HOME and TMPDIR.
      assert.equal(child.env.CONFIGURED, 'yes');
      assert.ok(existsSync(child.home) && existsSync(child.tmpdir));
      // The client's own initialize reached it: the child saw the client's clientInfo.
      const info = JSON.parse(await callToolRaw(endpoint, session, 'client_info')) as { clientInfo: { name: string } };
      assert.equal(info.clientInfo.name, 'raw-test');

      const [, refill] = await waitForWarm(adapter, 'fixture', 1);
      assert.ok(
        refill !== undefined && refill !== spawned && isAlive(refill),
        'a replacement was spawned after the take',
      );
      pids.push(refill);
      assert.deepEqual((await status(adapter)).servers.fixture, { sessions: 1, childrenAlive: 1, warmChildren: 1 });

      // A second session gets the replacement.
      const second = await openRawSession(endpoint);
      const secondChild = await whoami(endpoint, second);
      assert.equal(secondChild.pid, refill);
      await waitForWarm(adapter, 'fixture', 1);
      pids.push(...warmPids(adapter));
    } finally {
      await adapter.close();
    }
    for (const pid of new Set(pids)) assert.equal(isAlive(pid), false, `process ${pid} outlived the adapter`);
  });

  test('a waiting child that exited is dropped and replaced, never given to a session', async () => {
    const adapter = await startAdapter({
      mcpServers: { fixture: nodeFixtureServer([], { sessions: { warm_pool: 1 } }) },
    });
    try {
      const endpoint = adapter.endpoint('fixture');
      const [first] = await waitForWarm(adapter, 'fixture', 1);
      process.kill(first!, 'SIGKILL');
      assert.ok(await eventually(() => warmPids(adapter).length === 2, 15_000), 'a replacement is spawned');
      assert.ok(
        adapter.logs.some((log) => log.level === 'warn' && String(log.message).includes('a waiting child exited')),
      );
      const replacement = warmPids(adapter)[1]!;
      await waitForWarm(adapter, 'fixture', 1);
      const session = await openRawSession(endpoint);
      assert.equal((await whoami(endpoint, session)).pid, replacement);
    } finally {
      await adapter.close();
    }
  });

  test('waiting children only fill slots no session uses; a freed slot is filled again', async () => {
    const adapter = await startAdapter({
      mcpServers: { capped: nodeFixtureServer([], { sessions: { max_concurrent: 1, warm_pool: 2 } }) },
    });
    try {
      const endpoint = adapter.endpoint('capped');
      const [first] = await waitForWarm(adapter, 'capped', 1);
      const session = await openRawSession(endpoint);
      assert.equal((await whoami(endpoint, session)).pid, first);
      // The one slot is the session's: no child waits, and a second session is refused as before.
      assert.deepEqual((await status(adapter)).servers.capped, { sessions: 1, childrenAlive: 1, warmChildren: 0 });
      const refused = await post(endpoint, initializeBody());
      assert.equal(refused.status, 503);
      assert.equal(refused.headers.get('retry-after'), '10');
      assert.deepEqual(await refused.json(), {
        jsonrpc: '2.0',
        id: 1,
        error: {
          code: -32000,
          message: 'Service Unavailable: MCP server "capped" is at its limit of 1 concurrent sessions; retry later',
        },
      });
      const deleted = await fetch(endpoint, { method: 'DELETE', headers: { 'mcp-session-id': session } });
      assert.equal(deleted.status, 200);
      const [, second] = await waitForWarm(adapter, 'capped', 1);
      assert.ok(second !== undefined && second !== first);
      assert.equal(warmPids(adapter).length, 2, 'never more waiting children than free slots');
    } finally {
      await adapter.close();
    }
  });
  test('a 2026-07-28 request that takes a waiting child refills the pool too, with no session involved', async () => {
    const adapter = await startAdapter({
      mcpServers: { fixture: nodeFixtureServer([], { sessions: { warm_pool: 1 } }) },
    });
    try {
      const [first] = await waitForWarm(adapter, 'fixture', 1);
      const response = await fetch(adapter.endpoint('fixture'), {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          'mcp-protocol-version': '2026-07-28',
          'mcp-method': 'tools/call',
          'mcp-name': 'whoami',
        },
        body: JSON.stringify({
          jsonrpc: '2.0',
          id: 1,
          method: 'tools/call',
          params: {
            name: 'whoami',
            arguments: {},
            _meta: {
              'io.modelcontextprotocol/protocolVersion': '2026-07-28',
              'io.modelcontextprotocol/clientCapabilities': {},
            },
          },
        }),
      });
      const body = (await response.json()) as { result: { content: Array<{ text: string }> } };
      assert.equal(
        (JSON.parse(body.result.content[0]!.text) as WhoAmI).pid,
        first,
        'the pooled child is the waiting one',
      );
      const [, second] = await waitForWarm(adapter, 'fixture', 1);
      assert.ok(second !== undefined && second !== first, 'a new child waits in its place');
    } finally {
      await adapter.close();
    }
  });
});
