import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  eventually,
  initializeBody,
  isAlive,
  MCP_HEADERS,
  nodeFixtureServer,
  openRawSession,
  repoRoot,
} from '../helpers/adapter.js';
import { connectClient, textOf, type TestClient } from '../helpers/clients.js';
import { createAppFolder } from '../helpers/functions-host/app-folder.js';
import {
  PROXY_ACTIVITY_TIMEOUT_MS,
  startFunctionsHost,
  type FunctionsHost,
  type Invocation,
} from '../helpers/functions-host/host.js';
import { toolCall } from '../helpers/raw-http.js';
import { startAzurite, type Azurite } from '../helpers/azurite.js';
import { TableLeaseStore } from '../../src/azure/table-lease-store.js';
import { tableClientFromEnvironment } from '../../src/azure/table-session-store.js';

/**
 * The Functions entry end to end, under a stand-in for the Azure Functions host and Node.js
 * worker (tests/helpers/functions-host/): the compiled app loaded by the worker from an app
 * folder, invoked through @azure/functions' programming model, HTTP through the library's own
 * streaming proxy, keys and routes as the host checks them. Complements functions-host.test.ts,
 * which calls the registered handlers in-process.
 */
const APP_SETTINGS = {
  // One instance: no shared session store (no storage account locally).
  MCP_ADAPTER_SINGLE_INSTANCE: 'true',
  MCP_ADAPTER_SESSION_KEY: randomBytes(32).toString('base64url'),
};

const CONFIG = {
  mcpServers: {
    fixture: nodeFixtureServer([], { default: true }),
    open: nodeFixtureServer([], { auth_level: 'anonymous' }),
  },
};

function invocationsOf(host: FunctionsHost, name: string): Invocation[] {
  return host.invocations.filter((invocation) => invocation.functionName === name);
}

describe('Functions host stand-in: the app served as on Azure', () => {
  let host: FunctionsHost;
  const clients: TestClient[] = [];
  /** The endpoint of a server, with the function key in `code` as clients configure it. */
  const endpoint = (server: string, key: string | null = host.functionKey) => {
    const url = new URL(`mcp/${server}`, host.url);
    if (key !== null) url.searchParams.set('code', key);
    return url;
  };
  const childPids: number[] = [];

  before(async () => {
    const appDir = await createAppFolder({ config: CONFIG });
    host = await startFunctionsHost({ appDir, env: APP_SETTINGS });
  });
  after(async () => {
    for (const client of clients) await client.close().catch(() => {});
    await host?.close();
  });

  test('the worker loads the entry point and reports the functions, routes, methods and auth levels the app registers, with HTTP streaming on', () => {
    const byName = new Map(host.functions.map((fn) => [fn.name, fn]));
    assert.deepEqual([...byName.keys()].sort(), [
      'health',
      'mcp-default',
      'mcp-default-legacy',
      'mcp-fixture',
      'mcp-open',
      'page',
      'status',
    ]);
    assert.deepEqual(
      { ...byName.get('mcp-fixture'), bindings: undefined, functionId: undefined },
      {
        name: 'mcp-fixture',
        functionId: undefined,
        route: 'mcp/fixture',
        methods: ['GET', 'POST', 'DELETE', 'OPTIONS'],
        authLevel: 'function',
        triggerType: 'httpTrigger',
        bindings: undefined,
      },
    );
    assert.equal(byName.get('mcp-open')!.authLevel, 'anonymous');
    assert.equal(byName.get('health')!.authLevel, 'anonymous');
    assert.deepEqual(byName.get('health')!.methods, ['GET']);
    // The return binding is the HTTP output the library adds (app.http → output.http).
    assert.ok(
      byName
        .get('health')!
        .bindings.some(
          (binding) => binding.name === '$return' && binding.type === 'http' && binding.direction === 'out',
        ),
    );
    // app.setup({ enableHttpStream: true }) → the library's proxy, advertised as the HttpUri capability.
    assert.match(host.httpUri ?? '', /^http:\/\/localhost:\d+\/$/);
    assert.ok(
      host.logs.some((line) => line.includes('Loaded entry point file "dist/functions/index.js"')),
      host.logs.join('\n'),
    );
  });

  test('the MCP SDK client initializes, lists tools and calls a tool through the host with the function key', async () => {
    const before = invocationsOf(host, 'mcp-fixture').length;
    const client = await connectClient('v2', endpoint('fixture'));
    clients.push(client);
    assert.ok((await client.listTools()).includes('echo'));
    assert.equal(textOf(await client.callTool('echo', { text: 'through the host' })), 'through the host');
    const calls = invocationsOf(host, 'mcp-fixture').slice(before);
    assert.ok(calls.length >= 3, `initialize, initialized, tools/list, tools/call were invocations (${calls.length})`);
    for (const call of calls) {
      // The client's GET stream is still open: its invocation has not completed yet.
      assert.ok(
        call.result?.status === 'success' || (call.result === undefined && call.request!.method === 'GET'),
        JSON.stringify(call.result),
      );
      // The library builds the URL from the X-Forwarded-Proto/-Host the host's proxy sets (it throws
      // without them), and the path and query of the forwarded request.
      assert.equal(call.request!.url, endpoint('fixture').href);
      // Headers come from the trigger metadata (the client's own), not from the proxied request.
      assert.equal(call.request!.headers.host, host.url.host);
      assert.equal(call.request!.headers['x-forwarded-host'], undefined);
      assert.equal(call.request!.headers['x-ms-invocation-id'], undefined);
      assert.ok(call.triggerMetadata.Headers?.json, 'Headers travel as trigger metadata');
      assert.equal(call.triggerMetadata.code, undefined, 'the key is not binding data');
    }
    // The host's binding data from a JSON body reaches the library as request params (a quirk of
    // the real host the app must tolerate): top-level scalar members, as strings.
    assert.ok(
      calls.some((call) => call.request!.params.method === 'tools/call' && call.request!.params.jsonrpc === '2.0'),
    );
  });

  test('every response comes back through the library proxy, tagged with its invocation id', async () => {
    const response = await fetch(endpoint('fixture'), { method: 'POST', headers: MCP_HEADERS, body: initializeBody() });
    assert.equal(response.status, 200, await response.clone().text());
    await response.text();
    const last = invocationsOf(host, 'mcp-fixture').at(-1)!;
    // library src/http/httpProxy.ts `sendProxyResponse` sets x-ms-invocation-id; the host copies it.
    assert.equal(response.headers.get('x-ms-invocation-id'), last.invocationId);
    assert.ok(response.headers.get('mcp-session-id'));
  });

  test('a tool call answered with SSE streams through the proxy: progress arrives before the result, event by event', async () => {
    const client = await connectClient('v2', endpoint('fixture'));
    clients.push(client);
    const seen: number[] = [];
    const start = Date.now();
    const result = await client.callTool('progress', { steps: 4, delayMs: 300 }, () => seen.push(Date.now() - start));
    const done = Date.now() - start;
    assert.equal(textOf(result), 'done 4');
    assert.equal(seen.length, 4);
    // Buffered anywhere (host, proxy, library), all four would arrive together with the result.
    assert.ok(seen[3]! - seen[0]! >= 600, `progress spread over the call: ${seen.join(', ')}`);
    assert.ok(done - seen[0]! >= 600, `the first progress came long before the result (${seen[0]} vs ${done})`);

    // The same on the wire: an event-stream whose chunks arrive apart.
    const sessionId = client.sessionId!;
    const response = await fetch(endpoint('fixture'), {
      method: 'POST',
      headers: { ...MCP_HEADERS, 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-11-25' },
      body: JSON.stringify({
        ...toolCall(7, 'progress', { steps: 3, delayMs: 300 }),
        params: { name: 'progress', arguments: { steps: 3, delayMs: 300 }, _meta: { progressToken: 'p' } },
      }),
    });
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/event-stream/);
    const arrivals: Array<{ at: number; text: string }> = [];
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    const t0 = Date.now();
    for (;;) {
      const { done: ended, value } = await reader.read();
      if (ended) break;
      arrivals.push({ at: Date.now() - t0, text: decoder.decode(value, { stream: true }) });
    }
    const progressAt = arrivals
      .filter((chunk) => chunk.text.includes('notifications/progress'))
      .map((chunk) => chunk.at);
    const resultAt = arrivals.find((chunk) => chunk.text.includes('"id":7'))!.at;
    assert.ok(progressAt.length >= 2, `progress events came in separate chunks: ${JSON.stringify(arrivals)}`);
    assert.ok(
      resultAt - progressAt[0]! >= 400,
      `the result came later than the first progress: ${JSON.stringify(arrivals)}`,
    );
  });

  test('a function-level endpoint is 401 without a key and with a wrong key, before the app is invoked', async () => {
    const count = host.invocations.length;
    for (const url of [
      endpoint('fixture', null),
      endpoint('fixture', 'not-the-key'),
      endpoint('fixture', host.functionKey.slice(0, -1)),
    ]) {
      const response = await fetch(url, { method: 'POST', headers: MCP_HEADERS, body: initializeBody() });
      assert.equal(response.status, 401, url.href);
      assert.equal(await response.text(), '');
    }
    const wrongHeader = await fetch(endpoint('fixture', null), {
      method: 'POST',
      headers: { ...MCP_HEADERS, 'x-functions-key': 'wrong' },
      body: initializeBody(),
    });
    assert.equal(wrongHeader.status, 401);
    await wrongHeader.text();
    // The header wins over the query (host: AuthenticationLevelHandler.cs).
    const headerFirst = await fetch(endpoint('fixture', host.functionKey), {
      method: 'POST',
      headers: { ...MCP_HEADERS, 'x-functions-key': 'wrong' },
      body: initializeBody(),
    });
    assert.equal(headerFirst.status, 401);
    await headerFirst.text();
    assert.equal(host.invocations.length, count, 'the worker was never asked');

    const byHeader = await fetch(endpoint('fixture', null), {
      method: 'POST',
      headers: { ...MCP_HEADERS, 'x-functions-key': host.functionKey },
      body: initializeBody(),
    });
    assert.equal(byHeader.status, 200);
    await byHeader.text();
    const byMaster = await fetch(endpoint('fixture', host.masterKey), {
      method: 'POST',
      headers: MCP_HEADERS,
      body: initializeBody(),
    });
    assert.equal(byMaster.status, 200, 'the master key is admin, which passes every level');
    await byMaster.text();
    const anonymous = await fetch(endpoint('open', null), {
      method: 'POST',
      headers: MCP_HEADERS,
      body: initializeBody(),
    });
    assert.equal(anonymous.status, 200, 'an anonymous server needs no key');
    await anonymous.text();
  });

  test('/health is anonymous, also with a wrong key, and is served by the app', async () => {
    for (const url of [new URL('health', host.url), new URL('health?code=wrong', host.url)]) {
      const response = await fetch(url);
      assert.equal(response.status, 200, url.href);
      assert.equal(((await response.json()) as { status: string }).status, 'ok');
      assert.equal(response.headers.get('x-ms-invocation-id'), invocationsOf(host, 'health').at(-1)!.invocationId);
    }
  });

  test('unknown routes and methods a function does not take are 404 from the host, before the app', async () => {
    const count = host.invocations.length;
    for (const [method, path] of [
      ['POST', 'nope'],
      ['PUT', 'health'],
      ['POST', 'mcp/fixture/extra'],
      ['DELETE', 'api/health'],
    ] as const) {
      const response = await fetch(new URL(`${path}?code=${host.functionKey}`, host.url), { method });
      assert.equal(response.status, 404, `${method} /${path}`);
      assert.equal(await response.text(), '');
      assert.equal(response.headers.get('x-ms-invocation-id'), null);
    }
    assert.equal(host.invocations.length, count);
    // Any other GET reaches the app through its catch-all page route, anonymous: the page at `/`
    // (public view: not bound to loopback, no server names) and the app's own 404s.
    const page = await fetch(host.url, { headers: { accept: 'text/html' } });
    assert.equal(page.status, 200);
    assert.equal(page.headers.get('x-ms-invocation-id'), invocationsOf(host, 'page').at(-1)!.invocationId);
    const html = await page.text();
    assert.match(html, /MCP/);
    assert.doesNotMatch(html, /mcp\/fixture/, 'no server names on a public host');
    const typo = await fetch(new URL('mcp/fixtur', host.url));
    assert.equal(typo.status, 404);
    assert.doesNotMatch(await typo.text(), /mcp\/fixture/);
    // Routes match case-insensitively and ignore a trailing slash, as ASP.NET routing does (what the
    // app then makes of the path is its own business: it routes /HEALTH case-sensitively, a 404).
    const upper = await fetch(new URL('HEALTH/', host.url));
    await upper.text();
    assert.equal(upper.headers.get('x-ms-invocation-id'), invocationsOf(host, 'health').at(-1)!.invocationId);
  });

  test('DELETE ends the session: its child stops and the id is then unknown', async () => {
    const client = await connectClient('v2', endpoint('fixture'));
    const pid = (JSON.parse(textOf(await client.callTool('whoami'))) as { pid: number }).pid;
    assert.ok(isAlive(pid));
    const sessionId = client.sessionId!;
    await client.terminate();
    await client.close();
    assert.ok(
      await eventually(() =>
        invocationsOf(host, 'mcp-fixture').some(
          (call) => call.request?.method === 'DELETE' && call.result?.status === 'success',
        ),
      ),
      'the DELETE reached the app as an invocation',
    );
    assert.ok(await eventually(() => !isAlive(pid), 10_000), `child ${pid} stopped`);
    const after = await fetch(endpoint('fixture'), {
      method: 'POST',
      headers: { ...MCP_HEADERS, 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-11-25' },
      body: JSON.stringify(toolCall(2, 'echo', { text: 'x' })),
    });
    assert.equal(after.status, 404);
    assert.deepEqual(await after.json(), {
      jsonrpc: '2.0',
      id: null,
      error: {
        code: -32000,
        message: 'Session not found: it ended or never existed; start a new session with initialize',
      },
    });
  });

  test('close() runs the appTerminate hook, the worker exits on workerTerminate, and no worker or child process is left', async () => {
    // Sessions of its own (earlier tests' clients may be open too: they are stopped alike).
    for (let i = 0; i < 2; i++) clients.push(await connectClient('v2', endpoint('fixture')));
    for (const client of clients)
      childPids.push((JSON.parse(textOf(await client.callTool('whoami'))) as { pid: number }).pid);
    assert.ok(childPids.length >= 2 && childPids.every(isAlive));
    assert.ok(isAlive(host.workerPid));
    await host.close();
    assert.equal(await host.workerEnded, 'exit', 'the worker exited within the grace period, not killed');
    assert.ok(
      host.logs.some((line) => line.includes('Executing 1 "appTerminate" hooks')),
      host.logs.join('\n'),
    );
    assert.ok(!isAlive(host.workerPid), `worker ${host.workerPid} is gone`);
    for (const pid of childPids) assert.ok(!isAlive(pid), `child ${pid} is gone`);
    clients.length = 0;
  });
});

describe('Functions host stand-in: host.json routePrefix "api" and the activity timeout', () => {
  let host: FunctionsHost;
  before(async () => {
    const appDir = await createAppFolder({ config: CONFIG, hostJson: { version: '2.0' } }); // no routePrefix: the default, "api"
    host = await startFunctionsHost({ appDir, env: APP_SETTINGS, activityTimeoutMs: 1500 });
  });
  after(async () => {
    await host?.close();
  });

  test("the routes move under /api: /health is the host's 404, /api/health invokes the function", async () => {
    assert.equal(host.routePrefix, 'api');
    const count = host.invocations.length;
    const root = await fetch(new URL('health', host.url));
    assert.equal(root.status, 404);
    assert.equal(await root.text(), '', "the host's own empty 404");
    assert.equal(host.invocations.length, count);
    const prefixed = await fetch(new URL('api/health', host.url));
    await prefixed.text();
    const invocation = invocationsOf(host, 'health').at(-1)!;
    assert.equal(prefixed.headers.get('x-ms-invocation-id'), invocation.invocationId);
    assert.equal(invocation.request!.url, new URL('api/health', host.url).href);
    // The predecessor's route `api/mcp` is registered as is, so the prefix doubles it.
    const legacy = await fetch(new URL(`api/api/mcp?code=${host.functionKey}`, host.url), {
      method: 'POST',
      headers: MCP_HEADERS,
      body: initializeBody(),
    });
    await legacy.text();
    assert.equal(
      legacy.headers.get('x-ms-invocation-id'),
      invocationsOf(host, 'mcp-default-legacy').at(-1)!.invocationId,
    );
  });

  test('the app answers under the route prefix (the Functions entry strips it before routing)', async () => {
    const response = await fetch(new URL('api/health', host.url));
    assert.equal(response.status, 200, await response.text());
    const client = await connectClient('v2', new URL(`api/mcp/fixture?code=${host.functionKey}`, host.url));
    assert.ok((await client.listTools()).includes('echo'));
    await client.close();
    const unknown = await fetch(new URL(`api/mcp/nope?code=${host.functionKey}`, host.url), {
      method: 'POST',
      headers: MCP_HEADERS,
      body: initializeBody(),
    });
    // The host has no route for it: its own empty 404, the app is not invoked.
    assert.equal(unknown.status, 404);
    assert.equal(await unknown.text(), '');
    assert.equal(unknown.headers.get('x-ms-invocation-id'), null);
  });

  test('a forwarded request idle for longer than the activity timeout (240 s by default) is cut', async () => {
    assert.equal(PROXY_ACTIVITY_TIMEOUT_MS, 240_000);
    // `/api/mcp` is the default server's `mcp` route under the prefix, which the app happens to serve.
    const url = new URL(`api/mcp?code=${host.functionKey}`, host.url);
    const sessionId = await openRawSession(url);
    const started = Date.now();
    const outcome = await fetch(url, {
      method: 'POST',
      headers: { ...MCP_HEADERS, 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-11-25' },
      body: JSON.stringify(toolCall(5, 'hang')),
    })
      .then(async (response) => ({
        status: response.status,
        body: await response.text().then(
          (text) => `complete: ${text}`,
          (error: Error) => `cut: ${error.message}`,
        ),
      }))
      .catch((error: Error) => ({ status: 0, body: `failed: ${error.message}` }));
    const elapsed = Date.now() - started;
    assert.ok(elapsed >= 1400 && elapsed < 6000, `cut after the 1.5 s idle limit (${elapsed} ms)`);
    assert.ok(outcome.status === 504 || outcome.body.startsWith('cut:'), JSON.stringify(outcome));
  });
});

describe('Functions host stand-in: an app without HTTP streaming', () => {
  let host: FunctionsHost;
  before(async () => {
    // A minimal v4 app: the whole request and response travel in the invocation messages (no HttpUri).
    const appDir = mkdtempSync(path.join(tmpdir(), 'mcp-functions-plain-'));
    writeFileSync(path.join(appDir, 'host.json'), JSON.stringify({ version: '2.0' }));
    writeFileSync(path.join(appDir, 'package.json'), JSON.stringify({ type: 'module', main: 'index.js' }));
    writeFileSync(
      path.join(appDir, 'index.js'),
      `import functions from '@azure/functions';
functions.app.http('echo', { route: 'echo/{name}', methods: ['POST'], authLevel: 'function', handler: async (request) =>
  ({ status: 201, headers: { 'x-echo': 'yes' }, jsonBody: { url: request.url, params: request.params, body: await request.text() } }) });
`,
    );
    symlinkSync(path.join(repoRoot, 'node_modules'), path.join(appDir, 'node_modules'), 'dir');
    host = await startFunctionsHost({ appDir });
  });
  after(async () => {
    await host?.close();
  });

  test('the request (route params, body) goes in the invocation and the response comes back in its return value', async () => {
    assert.equal(host.httpUri, undefined);
    const response = await fetch(new URL(`api/echo/ada?code=${host.functionKey}&x=1`, host.url), {
      method: 'POST',
      body: 'hello',
    });
    assert.equal(response.status, 201);
    assert.equal(response.headers.get('x-echo'), 'yes');
    assert.equal(response.headers.get('x-ms-invocation-id'), null, 'no proxy in between');
    assert.deepEqual(await response.json(), {
      url: new URL(`api/echo/ada?code=${host.functionKey}&x=1`, host.url).href,
      params: { name: 'ada' },
      body: 'hello',
    });
  });
});

describe('Functions host stand-in: the stateful app releases its serving lease in appTerminate', () => {
  let azurite: Azurite;
  before(async () => {
    azurite = await startAzurite();
  });
  after(async () => {
    await azurite?.stop();
  });

  test('a stateful app holds the lease while it serves, and its appTerminate hook releases it after the children are gone', async () => {
    const site = `standin-stateful-${process.pid}`;
    const appDir = await createAppFolder({ config: CONFIG });
    const host = await startFunctionsHost({
      appDir,
      env: {
        MCP_ADAPTER_SESSION_KEY: randomBytes(32).toString('base64url'),
        MCP_ADAPTER_STORE_CONNECTION_STRING: azurite.connectionString,
        MCP_ADAPTER_APP_ROLE: 'stateful',
        WEBSITE_SITE_NAME: site,
      },
    });
    const leases = new TableLeaseStore(
      tableClientFromEnvironment({ MCP_ADAPTER_STORE_CONNECTION_STRING: azurite.connectionString })!,
    );
    try {
      const url = new URL('mcp/fixture', host.url);
      url.searchParams.set('code', host.functionKey);
      const client = await connectClient('v2', url);
      const pid = (JSON.parse(textOf(await client.callTool('whoami'))) as { pid: number }).pid;
      const held = await leases.read(`serving.${site}`);
      assert.ok(held && held.expiresAt > Date.now(), 'the serving instance holds the lease');
      await host.close();
      assert.ok(!isAlive(pid), 'the child is gone');
      const released = await leases.read(`serving.${site}`);
      assert.equal(released?.expiresAt, 0, 'released: a successor serves at once instead of waiting out 20 s + 5 s');
      assert.equal(released?.token, held.token, 'the token stays for the successor to bump');
      assert.ok(
        host.logs.some((line) => line.includes('serving lease released')),
        host.logs.join('\n'),
      );
    } finally {
      await host.close();
    }
  });
});
