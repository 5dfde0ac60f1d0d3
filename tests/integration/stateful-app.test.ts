import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { startAzurite, type Azurite } from '../helpers/azurite.js';
import { eventually, isAlive, nodeFixtureServer, repoRoot } from '../helpers/adapter.js';
import { textOf } from '../helpers/clients.js';
import { startRoutingProxy } from '../helpers/routing-proxy.js';

/**
 * The stateful app of issue 18 (docs/scale-out-decision.md): Flex Consumption plans it at one
 * instance but may briefly run two (always-ready instances, bursts, a deploy's overlap). Here two
 * real adapter processes with MCP_ADAPTER_APP_ROLE=stateful share one table (Azurite) behind a
 * proxy with no affinity, and a server that keeps state in its process (the fixture's `count`):
 * every call of a session must see one counter, whichever instance the request reaches, with and
 * without an instance going away. Leases are short here (3 s, skew 1 s) so failover is quick.
 */
const LEASE_MS = 3_000;
const SKEW_MS = 1_000;

let azurite: Azurite;
const started: ChildProcess[] = [];

before(async () => {
  azurite = await startAzurite();
});

after(async () => {
  for (const child of started) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await azurite?.stop();
});

interface Instance {
  url: string;
  process: ChildProcess;
  stderr: () => string;
  status(): Promise<{
    servers: Record<string, { childrenAlive: number }>;
    serving?: { role: string; lease?: { held: boolean; token?: number } };
  }>;
}

let appCounter = 0;

/** A fresh app: a config, a lease name of its own (the site name, as on Azure), and a key its instances share. */
function newApp(server: Record<string, unknown> = {}) {
  appCounter += 1;
  const dir = mkdtempSync(path.join(tmpdir(), 'mcp-stateful-app-'));
  const configPath = path.join(dir, 'mcp_config.json');
  writeFileSync(configPath, JSON.stringify({ mcpServers: { counter: nodeFixtureServer([], server) } }));
  return { configPath, site: `stateful-test-${process.pid}-${appCounter}` };
}

async function startInstance(
  app: { configPath: string; site: string },
  connectionString = azurite.connectionString,
): Promise<Instance> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'src/cli/main.ts'), 'serve'], {
    cwd: repoRoot,
    env: {
      ...process.env,
      MCP_CONFIG_PATH: app.configPath,
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_FORMAT: 'json',
      MCP_ADAPTER_SESSION_KEY: `key-${app.site}`,
      MCP_ADAPTER_STORE_CONNECTION_STRING: connectionString,
      MCP_ADAPTER_APP_ROLE: 'stateful',
      WEBSITE_SITE_NAME: app.site,
      MCP_ADAPTER_LEASE_MS: String(LEASE_MS),
      MCP_ADAPTER_LEASE_SKEW_MS: String(SKEW_MS),
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  started.push(child);
  let stderr = '';
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  assert.equal(await eventually(() => /listening on (http:\/\/\S+)\/mcp/.test(stderr), 20_000), true, stderr);
  const url = /listening on (http:\/\/\S+)\/mcp/.exec(stderr)![1]!;
  return {
    url,
    process: child,
    stderr: () => stderr,
    status: async () => (await fetch(new URL('/status', url))).json() as never,
  };
}

/** Instance a, started first and holding the lease, then instance b (a's table link may differ). */
async function holderAndStandby(app: { configPath: string; site: string }, holderConnection?: string) {
  const a = await startInstance(app, holderConnection);
  await eventually(async () => (await a.status()).serving?.lease?.held === true, 10_000);
  return { a, b: await startInstance(app) };
}

async function stop(instance: Instance, signal: NodeJS.Signals): Promise<void> {
  if (instance.process.exitCode !== null || instance.process.signalCode !== null) return;
  const exited = new Promise((resolve) => instance.process.once('exit', resolve));
  instance.process.kill(signal);
  await exited;
}

/**
 * What a client that honours 503 + Retry-After does (waiting at most 1 s here): the request is
 * sent again, and the front end routes it anew. Counts the refusals.
 */
function retryingFetch(refusals: { count: number; retryAfter: string[] }): typeof fetch {
  return async (input, init) => {
    for (let attempt = 0; ; attempt += 1) {
      const response = await fetch(input, init);
      if (response.status !== 503 || attempt >= 40) return response;
      refusals.count += 1;
      refusals.retryAfter.push(response.headers.get('retry-after') ?? '');
      await response.body?.cancel();
      await new Promise((resolve) =>
        setTimeout(resolve, Math.min(1_000, Number(response.headers.get('retry-after')) * 1_000)),
      );
    }
  };
}

async function connect(url: URL, refusals: { count: number; retryAfter: string[] }) {
  const client = new Client({ name: 'stateful-test', version: '1.0.0' }, { capabilities: {} });
  await client.connect(new StreamableHTTPClientTransport(url, { fetch: retryingFetch(refusals) }));
  return client;
}

async function count(client: Client): Promise<{ pid: number; n: number; startedAt: number }> {
  return JSON.parse(textOf((await client.callTool({ name: 'count', arguments: {} })) as never));
}

async function childrenOf(instances: Instance[]): Promise<number> {
  let total = 0;
  for (const instance of instances) {
    if (instance.process.exitCode !== null || instance.process.signalCode !== null) continue;
    const status = await instance.status();
    total += Object.values(status.servers).reduce((sum, entry) => sum + entry.childrenAlive, 0);
  }
  return total;
}

describe('stateful app: one live child per session across instances', { timeout: 180_000 }, () => {
  test('two instances behind round-robin: every call of each session sees one counter, one child per session', async () => {
    const app = newApp();
    const a = await startInstance(app);
    const b = await startInstance(app);
    const proxy = await startRoutingProxy([a.url, b.url]);
    try {
      const refusals = { count: 0, retryAfter: [] as string[] };
      const clients = [
        await connect(new URL('/mcp/counter', proxy.url), refusals),
        await connect(new URL('/mcp/counter', proxy.url), refusals),
      ];
      const seen = clients.map(() => [] as { pid: number; n: number }[]);
      let peakChildren = 0;
      for (let round = 0; round < 6; round += 1) {
        for (const [index, client] of clients.entries()) seen[index]!.push(await count(client));
        peakChildren = Math.max(peakChildren, await childrenOf([a, b]));
      }
      for (const calls of seen) {
        assert.equal(
          new Set(calls.map((call) => call.pid)).size,
          1,
          `one process per session: ${JSON.stringify(calls)}`,
        );
        assert.deepEqual(
          calls.map((call) => call.n),
          [1, 2, 3, 4, 5, 6],
          'one counter, never split',
        );
      }
      assert.notEqual(seen[0]![0]!.pid, seen[1]![0]!.pid, 'each session its own child');
      assert.equal(peakChildren, 2, 'children = sessions, never one per instance');
      assert.ok(refusals.count > 0, 'the proxy sent requests to the instance without the lease');
      assert.ok(
        refusals.retryAfter.every(
          (value) => /^\d+$/.test(value) && Number(value) >= 1 && Number(value) <= (LEASE_MS + SKEW_MS) / 1000,
        ),
        `every refusal says when to retry: ${refusals.retryAfter.join(',')}`,
      );
      const [statusA, statusB] = await Promise.all([a.status(), b.status()]);
      assert.equal(statusA.serving?.role, 'stateful');
      assert.equal([statusA, statusB].filter((status) => status.serving?.lease?.held).length, 1, 'exactly one holder');
      const holderless = statusA.serving?.lease?.held ? b : a;
      assert.doesNotMatch(
        holderless.stderr(),
        /"child started"|child process started/i,
        'the other instance started no child',
      );
      for (const client of clients) await client.close();
    } finally {
      await proxy.close();
      await Promise.all([stop(a, 'SIGTERM'), stop(b, 'SIGTERM')]);
    }
  });

  test('the holder is killed: the session goes on at the other instance with a new child, never two at once', async () => {
    const { a, b } = await holderAndStandby(newApp());
    const proxy = await startRoutingProxy([a.url, b.url], undefined, { failover: true });
    try {
      const refusals = { count: 0, retryAfter: [] as string[] };
      const client = await connect(new URL('/mcp/counter', proxy.url), refusals);
      const before = [await count(client), await count(client), await count(client)];
      assert.deepEqual(
        before.map((call) => call.n),
        [1, 2, 3],
      );
      const firstChild = before[0]!.pid;
      await stop(a, 'SIGKILL');
      const killedAt = Date.now();
      // The child of a killed adapter sees its stdin close and exits; the lease keeps b out until then.
      const after = [await count(client), await count(client)];
      const failoverMs = Date.now() - killedAt;
      assert.equal(new Set(after.map((call) => call.pid)).size, 1);
      assert.notEqual(after[0]!.pid, firstChild, 'a new child at the surviving instance');
      assert.deepEqual(
        after.map((call) => call.n),
        [1, 2],
        'the documented loss: a new process starts from nothing',
      );
      assert.equal(isAlive(firstChild), false, 'the old child is gone');
      assert.ok(failoverMs >= LEASE_MS, `b waited for the lease to pass (${failoverMs} ms)`);
      const statusB = await b.status();
      assert.equal(statusB.serving?.lease?.held, true);
      assert.ok((statusB.serving?.lease?.token ?? 0) >= 2, 'the takeover bumped the fencing token');
      await client.close();
    } finally {
      await proxy.close();
      await Promise.all([stop(a, 'SIGKILL'), stop(b, 'SIGTERM')]);
    }
  });

  test('the holder drains (scale-in, deploy): the lease is released and the other instance serves at once', async () => {
    const { a, b } = await holderAndStandby(newApp());
    const proxy = await startRoutingProxy([a.url, b.url], undefined, { failover: true });
    try {
      const refusals = { count: 0, retryAfter: [] as string[] };
      const client = await connect(new URL('/mcp/counter', proxy.url), refusals);
      const first = await count(client);
      const stoppedAt = Date.now();
      await stop(a, 'SIGTERM');
      assert.equal(isAlive(first.pid), false, 'a drained instance leaves none of its children');
      assert.match(a.stderr(), /serving lease released/);
      const next = await count(client);
      const handoffMs = Date.now() - stoppedAt;
      assert.notEqual(next.pid, first.pid);
      assert.equal(next.n, 1);
      assert.ok(handoffMs < LEASE_MS + SKEW_MS, `handed over in ${handoffMs} ms, without waiting out the lease`);
      await client.close();
    } finally {
      await proxy.close();
      await Promise.all([stop(a, 'SIGTERM'), stop(b, 'SIGTERM')]);
    }
  });

  test('a holder cut off from the table ends its children before the other instance may start one', async () => {
    // No restarts after a crash: the session must live on because losing the lease is a handoff, not a crash.
    const app = newApp({ restart_on_failure: false });
    // a reaches the table through a link the test can cut (a network partition between a and storage).
    const link = await startCuttableLink(new URL(azurite.connectionString.match(/TableEndpoint=([^;]+)/)![1]!));
    const { a, b } = await holderAndStandby(
      app,
      azurite.connectionString.replace(/TableEndpoint=[^;]+/, `TableEndpoint=${link.url}`),
    );
    // Sessions reach a directly (its child), later requests reach b.
    const proxy = await startRoutingProxy([a.url, b.url], () => (link.cut ? 1 : 0));
    try {
      const refusals = { count: 0, retryAfter: [] as string[] };
      const client = await connect(new URL('/mcp/counter', proxy.url), refusals);
      const first = await count(client);
      link.cutNow();
      let diedBy: number | undefined;
      const watch = setInterval(() => {
        if (diedBy === undefined && !isAlive(first.pid)) diedBy = Date.now();
      }, 10);
      const next = await count(client);
      clearInterval(watch);
      diedBy ??= isAlive(first.pid) ? undefined : Date.now();
      assert.ok(diedBy !== undefined, "the cut-off holder's child is gone");
      assert.notEqual(next.pid, first.pid);
      assert.ok(
        diedBy <= next.startedAt,
        `the old child was gone (by ${diedBy}) before the new one started (${next.startedAt})`,
      );
      assert.match(a.stderr(), /serving lease lost/);
      assert.match(a.stderr(), /lost the serving lease; the session lives on/);
      assert.doesNotMatch(a.stderr(), /"session ended"/, 'the session was handed over, not ended');
      assert.ok(refusals.count > 0, 'b refused while a could still hold the lease');
      await client.close();
    } finally {
      await proxy.close();
      link.close();
      await Promise.all([stop(a, 'SIGTERM'), stop(b, 'SIGTERM')]);
    }
  });
});

/** A TCP relay to the table endpoint that can drop every connection and refuse new ones. */
async function startCuttableLink(target: URL) {
  const sockets = new Set<net.Socket>();
  const state = { cut: false };
  const server = net.createServer((socket) => {
    if (state.cut) return socket.destroy();
    const upstream = net.connect(Number(target.port), target.hostname);
    sockets.add(socket).add(upstream);
    socket.pipe(upstream).pipe(socket);
    const drop = () => {
      socket.destroy();
      upstream.destroy();
    };
    socket.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}${target.pathname.replace(/\/$/, '')}`,
    get cut() {
      return state.cut;
    },
    cutNow() {
      state.cut = true;
      for (const socket of sockets) socket.destroy();
    },
    close() {
      server.close();
      for (const socket of sockets) socket.destroy();
    },
  };
}
