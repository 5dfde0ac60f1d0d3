import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import path from 'node:path';
import { fixtureServers, MCP_HEADERS, nodeFixtureServer, startAdapter, type TestAdapter } from '../helpers/adapter.js';
import { connectClient, textOf } from '../helpers/clients.js';
import { messagesOf } from '../helpers/raw-http.js';
import { startOidcIssuer, type OidcIssuer } from '../auth/helpers/issuers.js';

const MODERN = '2026-07-28';
type Capabilities = Record<string, unknown>;

/** A 2026-07-28 client of the SDK (pinned, so a fallback to sessions would fail the test). */
async function modernClient(
  url: URL,
  options: { capabilities?: Capabilities; token?: string; onPost?: (body: string) => void } = {},
) {
  const calls = { sampling: 0, elicitation: 0 };
  const client = new Client({ name: 'modern-test-client', version: '1.0.0' }, {
    capabilities: options.capabilities ?? { sampling: {}, elicitation: {} },
    versionNegotiation: { mode: { pin: MODERN } },
  } as ConstructorParameters<typeof Client>[1]);
  client.setRequestHandler('sampling/createMessage', async () => {
    calls.sampling += 1;
    return { role: 'assistant', model: 'test-model', content: { type: 'text', text: 'a sampled answer' } } as never;
  });
  client.setRequestHandler('elicitation/create', async () => {
    calls.elicitation += 1;
    return { action: 'accept', content: { topic: 'otters', name: 'Ada' } } as never;
  });
  const transport = new StreamableHTTPClientTransport(url, {
    fetch: async (input: string | URL | Request, init?: RequestInit) => {
      if (typeof init?.body === 'string') options.onPost?.(init.body);
      return fetch(input, init);
    },
    ...(options.token && { requestInit: { headers: { authorization: `Bearer ${options.token}` } } }),
  });
  await client.connect(transport);
  return { client, calls };
}

function meta(capabilities: Capabilities = {}, extra: Record<string, unknown> = {}) {
  return {
    'io.modelcontextprotocol/protocolVersion': MODERN,
    'io.modelcontextprotocol/clientCapabilities': capabilities,
    ...extra,
  };
}

/** One raw 2026-07-28 POST with the headers the revision requires. */
function modernPost(
  url: URL,
  method: string,
  params: Record<string, unknown>,
  id: number | string = 1,
  headers: Record<string, string> = {},
) {
  const name = (params.name ?? params.uri) as string | undefined;
  return fetch(url, {
    method: 'POST',
    headers: {
      ...MCP_HEADERS,
      'mcp-protocol-version': MODERN,
      'mcp-method': method,
      ...(name && { 'mcp-name': name }),
      ...headers,
    },
    body: JSON.stringify({ jsonrpc: '2.0', id, method, params }),
  });
}

async function answerOf(
  response: Response,
): Promise<{ result?: Record<string, unknown>; error?: { code: number; message: string; data?: unknown } }> {
  const messages = (await messagesOf(response)) as Array<{
    id?: unknown;
    result?: Record<string, unknown>;
    error?: { code: number; message: string };
  }>;
  const answer = messages.find((message) => message.result !== undefined || message.error !== undefined);
  assert.ok(answer, `no answer in ${JSON.stringify(messages)}`);
  return answer;
}

/** /status is as protected as the strictest server (a guarded one here): read with a token it accepts. */
let statusToken: string | undefined;
function statusRequest(): RequestInit {
  return statusToken ? { headers: { authorization: `Bearer ${statusToken}` } } : {};
}

/** Children the ledger counts for modern requests of one server (held or starting), from /status. */
async function pooledChildren(adapter: TestAdapter, server: string): Promise<number> {
  const status = (await (await fetch(new URL('/status', adapter.url), statusRequest())).json()) as {
    servers: Record<string, { pooledChildren?: number }>;
  };
  return status.servers[server]?.pooledChildren ?? 0;
}

async function modernStatus(adapter: TestAdapter) {
  return (
    (await (await fetch(new URL('/status', adapter.url), statusRequest())).json()) as {
      modern: { children: number; busy: number; awaitingInput: number; listeners: number };
    }
  ).modern;
}

async function until(condition: () => Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Opens a `subscriptions/listen` stream and collects its messages as they come. */
async function listen(url: URL, notifications: Record<string, unknown>, id: string) {
  const controller = new AbortController();
  const response = await fetch(url, {
    method: 'POST',
    signal: controller.signal,
    headers: { ...MCP_HEADERS, 'mcp-protocol-version': MODERN, 'mcp-method': 'subscriptions/listen' },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id,
      method: 'subscriptions/listen',
      params: { notifications, _meta: meta() },
    }),
  });
  const events: Array<{ method?: string; params?: Record<string, unknown> }> = [];
  if (response.headers.get('content-type') !== 'text/event-stream')
    return { status: response.status, body: (await response.json()) as unknown, events, close: async () => {} };
  const reader = response.body!.getReader();
  let buffer = '';
  const pump = (async () => {
    for (;;) {
      const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
      if (done) return;
      buffer += new TextDecoder().decode(value);
      for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
        const data = buffer
          .slice(0, end)
          .split('\n')
          .filter((line) => line.startsWith('data:'))
          .map((line) => line.slice(5).trim())
          .join('');
        buffer = buffer.slice(end + 2);
        if (data) events.push(JSON.parse(data));
      }
    }
  })();
  return {
    status: response.status,
    body: undefined as unknown,
    events,
    close: async () => {
      controller.abort();
      await pump;
    },
  };
}

describe('2026-07-28 clients', () => {
  let adapter: TestAdapter;
  let issuer: OidcIssuer;

  before(async () => {
    issuer = await startOidcIssuer({ audience: 'api://mcp-test' });
    statusToken = await issuer.token({ sub: 'status-reader' });
    adapter = await startAdapter(
      {
        mcpServers: {
          fixture: nodeFixtureServer(),
          impatient: nodeFixtureServer([], { sessions: { input_wait_seconds: 1 } }),
          capped: nodeFixtureServer([], { sessions: { max_concurrent: 1, reclaim_after_seconds: 0.5 } }),
          modern: { command: process.execPath, args: [path.join(fixtureServers, 'modern-fixture.mjs')] },
          missing: { command: 'no-such-mcp-server-command' },
          guarded: nodeFixtureServer([], {
            auth: { method: 'oauth2_bearer', oauth2_issuer: issuer.issuer, oauth2_audience: 'api://mcp-test' },
          }),
        },
      },
      { authEnv: {} },
    );
  });

  after(async () => {
    await adapter.close();
    await issuer.server.close();
  });

  test('the SDK client speaks 2026-07-28 to a legacy child, and a 2025 client on the same endpoint keeps its session', async () => {
    const posts: string[] = [];
    const { client } = await modernClient(adapter.endpoint('fixture'), { onPost: (body) => posts.push(body) });
    assert.deepEqual(client.getServerVersion(), { name: 'node-fixture', version: '1.0.0' });
    assert.ok((await client.listTools()).tools.some((tool) => tool.name === 'echo'));
    assert.equal(textOf((await client.callTool({ name: 'echo', arguments: { text: 'modern' } })) as never), 'modern');
    assert.ok(!posts.some((body) => body.includes('"initialize"')), 'no initialize from the 2026 client');

    const legacy = await connectClient('v2', adapter.endpoint('fixture'));
    assert.ok(legacy.sessionId, 'the 2025 client got a session');
    assert.equal(textOf(await legacy.callTool('echo', { text: 'legacy' })), 'legacy');
    await legacy.close();
    await client.close();
  });

  test('a tool whose child asks for elicitation, then sampling, completes through two input rounds', async () => {
    const retries: string[] = [];
    const { client, calls } = await modernClient(adapter.endpoint('fixture'), {
      onPost: (body) => body.includes('requestState') && retries.push(body),
    });
    const result = (await client.callTool({ name: 'elicit_then_sample', arguments: {} })) as {
      content: Array<{ text: string }>;
    };
    assert.match(textOf(result as never), /^topic otters; sampled: a sampled answer; pid \d+$/);
    assert.deepEqual(calls, { sampling: 1, elicitation: 1 });
    assert.equal(retries.length, 2, 'one retry per input round');
    assert.match(retries[0]!, /"inputResponses":\{"elicitation-1":\{"action":"accept"/);
    assert.match(retries[1]!, /"inputResponses":\{"sampling-2":\{"role":"assistant"/);
    await client.close();
  });

  test('concurrent long calls of one principal get separate children; a later call reuses one', async () => {
    // A capability profile no other test uses: children of their own.
    const { client } = await modernClient(adapter.endpoint('fixture'), {
      capabilities: { sampling: {}, elicitation: {}, roots: {} },
    });
    // The second call waits a start-up time for the busy child (pool-sizing's ski-rental rule),
    // then gets its own child, long before the first call (3 s) gives its child back.
    const pids = await Promise.all(
      [0, 1].map(async () => textOf((await client.callTool({ name: 'slow_pid', arguments: { ms: 3000 } })) as never)),
    );
    assert.notEqual(pids[0], pids[1], 'each concurrent call had a child of its own');
    const later = textOf((await client.callTool({ name: 'slow_pid', arguments: { ms: 0 } })) as never);
    assert.ok(pids.includes(later), `a pooled child served the later call (${later} in ${pids.join(', ')})`);
    await client.close();
  });

  test('another principal never shares a child; the same principal does', async () => {
    const alice = await issuer.token({ sub: 'alice' });
    const bob = await issuer.token({ sub: 'bob' });
    const pidOf = async (token: string) => {
      const { client } = await modernClient(adapter.endpoint('guarded'), { token });
      const pid = textOf((await client.callTool({ name: 'slow_pid', arguments: { ms: 0 } })) as never);
      await client.close();
      return pid;
    };
    const alicePid = await pidOf(alice);
    assert.notEqual(await pidOf(bob), alicePid);
    assert.equal(await pidOf(alice), alicePid);
    const anonymous = await modernPost(adapter.endpoint('guarded'), 'tools/call', {
      name: 'echo',
      arguments: { text: 'x' },
      _meta: meta(),
    });
    assert.equal(anonymous.status, 401);
    assert.match(
      anonymous.headers.get('www-authenticate') ?? '',
      /^Bearer resource_metadata="http:\/\/127\.0\.0\.1:\d+\/\.well-known\/oauth-protected-resource\/mcp\/guarded"$/,
    );
    assert.deepEqual(await anonymous.json(), {
      error: { code: 'authentication_required', message: 'Missing or invalid Authorization header' },
    });
  });

  test('input the request did not declare a capability for is refused with -32021, and the child is told', async () => {
    const response = await modernPost(adapter.endpoint('fixture'), 'tools/call', {
      name: 'sample',
      arguments: { prompt: 'hi' },
      _meta: meta({ elicitation: {} }),
    });
    assert.equal(response.status, 400);
    const { error } = await answerOf(response);
    assert.equal(error?.code, -32021);
    assert.deepEqual(error?.data, { requiredCapabilities: { sampling: {} } });
    await until(async () => (await modernStatus(adapter)).busy === 0, 'the child to be released');
  });

  test('requestState: tampered, foreign-request and replayed states are refused; the genuine one completes once', async () => {
    const url = adapter.endpoint('fixture');
    const params = { name: 'elicit', arguments: { message: 'Who?' }, _meta: meta({ elicitation: {} }) };
    const first = await answerOf(await modernPost(url, 'tools/call', params, 1));
    assert.equal(first.result?.resultType, 'input_required');
    const requestState = first.result?.requestState as string;
    const [key] = Object.keys(first.result!.inputRequests as object);
    assert.deepEqual(
      (first.result!.inputRequests as Record<string, { method: string }>)[key!]!.method,
      'elicitation/create',
    );
    const inputResponses = { [key!]: { action: 'accept', content: { name: 'Grace' } } };

    const tampered = `${requestState.slice(0, -4)}${requestState.slice(-4) === 'AAAA' ? 'BBBB' : 'AAAA'}`;
    for (const [state, args, why] of [
      [tampered, params.arguments, /not one this server issued/],
      [`${requestState}-TAMPERED`, params.arguments, /not one this server issued/],
      [requestState, { message: 'Someone else?' }, /different request/],
    ] as const) {
      const refused = await answerOf(
        await modernPost(url, 'tools/call', { ...params, arguments: args, inputResponses, requestState: state }, 2),
      );
      assert.equal(refused.error?.code, -32602);
      assert.match(refused.error!.message, why);
    }
    const done = await answerOf(await modernPost(url, 'tools/call', { ...params, inputResponses, requestState }, 3));
    assert.equal(done.result?.resultType, 'complete');
    assert.equal((done.result!.content as Array<{ text: string }>)[0]!.text, 'elicited: accept {"name":"Grace"}');
    const replay = await answerOf(await modernPost(url, 'tools/call', { ...params, inputResponses, requestState }, 4));
    assert.equal(replay.error?.code, -32602);
    assert.match(replay.error!.message, /already used/);
  });

  test('a malformed answer leaves the continuation usable', async () => {
    const url = adapter.endpoint('fixture');
    const params = { name: 'elicit', arguments: { message: 'Who?' }, _meta: meta({ elicitation: {} }) };
    const first = await answerOf(await modernPost(url, 'tools/call', params));
    const requestState = first.result?.requestState as string;
    const [key] = Object.keys(first.result!.inputRequests as object);
    const bad = await answerOf(
      await modernPost(
        url,
        'tools/call',
        { ...params, inputResponses: { [key!]: { action: 'maybe' } }, requestState },
        2,
      ),
    );
    assert.equal(bad.error?.code, -32602);
    assert.match(bad.error!.message, /"action": "accept", "decline" or "cancel"/);
    const good = await answerOf(
      await modernPost(
        url,
        'tools/call',
        { ...params, inputResponses: { [key!]: { action: 'decline' } }, requestState },
        3,
      ),
    );
    assert.equal((good.result!.content as Array<{ text: string }>)[0]!.text, 'elicited: decline null');
  });

  test('a client that never retries leaves no child pinned after input_wait_seconds, and the child is told to cancel', async () => {
    const url = adapter.endpoint('impatient');
    const first = await answerOf(
      await modernPost(url, 'tools/call', {
        name: 'elicit',
        arguments: { message: 'Anyone?' },
        _meta: meta({ elicitation: {} }),
      }),
    );
    assert.equal(first.result?.resultType, 'input_required');
    assert.equal((await modernStatus(adapter)).awaitingInput, 1);
    await until(async () => {
      const now = await modernStatus(adapter);
      return now.awaitingInput === 0 && now.busy === 0;
    }, 'the continuation to expire and its child to be freed');
    // The same key's child (freed, not stopped: it answered the cancelled request) saw the cancellation.
    const report = await answerOf(
      await modernPost(url, 'tools/call', { name: 'cancellations', arguments: {}, _meta: meta({ elicitation: {} }) }),
    );
    assert.match((report.result!.content as Array<{ text: string }>)[0]!.text, /mcp-adapter-\d+/);
    const late = await answerOf(
      await modernPost(url, 'tools/call', {
        name: 'elicit',
        arguments: { message: 'Anyone?' },
        inputResponses: { 'elicitation-1': { action: 'cancel' } },
        requestState: first.result?.requestState,
        _meta: meta({ elicitation: {} }),
      }),
    );
    assert.match(late.error?.message ?? '', /has expired|already used, or its request ended/);
  });

  test('log messages only for a request that asked for a level, and at or above it', async () => {
    const url = adapter.endpoint('fixture');
    const silent = (await messagesOf(
      await modernPost(url, 'tools/call', { name: 'log', arguments: { text: 'quiet' }, _meta: meta() }),
    )) as Array<{ method?: string }>;
    assert.ok(!silent.some((message) => message.method === 'notifications/message'), JSON.stringify(silent));
    const verbose = (await messagesOf(
      await modernPost(url, 'tools/call', {
        name: 'log',
        arguments: { text: 'loud' },
        _meta: meta({}, { 'io.modelcontextprotocol/logLevel': 'info' }),
      }),
    )) as Array<{ method?: string; params?: { data?: unknown } }>;
    assert.equal(
      verbose.filter((message) => message.method === 'notifications/message').length,
      1,
      JSON.stringify(verbose),
    );
    const above = (await messagesOf(
      await modernPost(url, 'tools/call', {
        name: 'log',
        arguments: { text: 'filtered' },
        _meta: meta({}, { 'io.modelcontextprotocol/logLevel': 'error' }),
      }),
    )) as Array<{ method?: string }>;
    assert.ok(
      !above.some((message) => message.method === 'notifications/message'),
      'an info message is below the error level asked for',
    );
  });

  test('subscriptions/listen: acknowledged first, change notifications tagged and filtered, released when the stream closes', async () => {
    const url = adapter.endpoint('fixture');
    const tools = await listen(url, { toolsListChanged: true, promptsListChanged: true }, 'tools-listener');
    // The prompts stream also follows a resource, whose updates (every 100 ms) show what reached it and when.
    const prompts = await listen(
      url,
      { promptsListChanged: true, resourceSubscriptions: ['fixture://hello'] },
      'prompts-listener',
    );
    await until(async () => tools.events.length === 1 && prompts.events.length === 1, 'both acknowledgements');
    assert.deepEqual(
      tools.events[0],
      {
        jsonrpc: '2.0',
        method: 'notifications/subscriptions/acknowledged',
        params: {
          _meta: { 'io.modelcontextprotocol/subscriptionId': 'tools-listener' },
          notifications: { toolsListChanged: true },
        },
      },
      'the fixture declares tools.listChanged only, so prompts are not honoured',
    );
    assert.equal((await modernStatus(adapter)).listeners, 2);

    await answerOf(await modernPost(url, 'tools/call', { name: 'notify_list_changed', arguments: {}, _meta: meta() }));
    await until(async () => tools.events.length === 2, 'the list change on the tools stream');
    assert.deepEqual(tools.events[1], {
      jsonrpc: '2.0',
      method: 'notifications/tools/list_changed',
      params: { _meta: { 'io.modelcontextprotocol/subscriptionId': 'tools-listener' } },
    });
    // The list change was sent to every stream at once, before the tools stream got it. Updates
    // sent to the prompts stream later arrive after anything sent before them: a few of those
    // show that no list change was coming.
    const seen = prompts.events.length;
    await until(async () => prompts.events.length >= seen + 3, 'resource updates after the list change');
    assert.deepEqual(
      prompts.events.slice(1).map((event) => event.method),
      prompts.events.slice(1).map(() => 'notifications/resources/updated'),
      'the prompts stream got no tools notification',
    );
    await tools.close();
    await prompts.close();
    await until(async () => {
      const now = await modernStatus(adapter);
      return now.listeners === 0 && now.busy === 0;
    }, 'the streams and the subscription child to be released');
  });

  test('limits hold: at the server cap a request waits for a busy child of its key, another key is refused 503; idle children are reclaimed', async () => {
    const url = adapter.endpoint('capped');
    const slow = modernPost(url, 'tools/call', { name: 'slow_pid', arguments: { ms: 600 }, _meta: meta() }, 1);
    await until(async () => (await modernStatus(adapter)).busy === 1, 'the first call to hold the only child');
    const refused = await modernPost(
      url,
      'tools/call',
      { name: 'slow_pid', arguments: { ms: 0 }, _meta: meta({ roots: {} }) },
      2,
    );
    assert.equal(refused.status, 503, 'another key cannot have a child: the only one is busy');
    assert.ok(Number(refused.headers.get('retry-after')) > 0);
    assert.match((await answerOf(refused)).error!.message, /limit of 1 concurrent children/);
    const queued = await answerOf(
      await modernPost(url, 'tools/call', { name: 'slow_pid', arguments: { ms: 0 }, _meta: meta() }, 3),
    );
    const first = await answerOf(await slow);
    assert.equal(
      (queued.result!.content as Array<{ text: string }>)[0]!.text,
      (first.result!.content as Array<{ text: string }>)[0]!.text,
      'the same key waited for the busy child and got it',
    );
    // With the child idle, another key's request evicts it to make room.
    assert.equal(
      (
        await answerOf(
          await modernPost(
            url,
            'tools/call',
            { name: 'echo', arguments: { text: 'x' }, _meta: meta({ roots: {} }) },
            4,
          ),
        )
      ).result?.resultType,
      'complete',
    );
    await until(
      async () => (await pooledChildren(adapter, 'capped')) === 0,
      'idle children to be reclaimed after reclaim_after_seconds',
    );
  });

  test('a child that speaks 2026-07-28 itself is detected and gets requests as they are, its own input rounds and subscriptions included', async () => {
    const { client, calls } = await modernClient(adapter.endpoint('modern'));
    assert.deepEqual(client.getServerVersion(), { name: 'modern-fixture', version: '2.0.0' });
    assert.equal(
      textOf((await client.callTool({ name: 'echo', arguments: { text: 'as is' } })) as never),
      'modern: as is',
    );
    assert.match(
      textOf((await client.callTool({ name: 'confirm', arguments: {} })) as never),
      /^confirmed: \{"topic":"otters","name":"Ada"\} by pid \d+$/,
    );
    assert.equal(calls.elicitation, 1, "the child's own input_required reached the client");
    assert.equal(adapter.modern.pool.eraOf({ name: 'modern' } as never), 'modern');

    const controller = new AbortController();
    const listen = await fetch(adapter.endpoint('modern'), {
      method: 'POST',
      signal: controller.signal,
      headers: { ...MCP_HEADERS, 'mcp-protocol-version': MODERN, 'mcp-method': 'subscriptions/listen' },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 'client-sub',
        method: 'subscriptions/listen',
        params: { notifications: { toolsListChanged: true }, _meta: meta() },
      }),
    });
    const reader = listen.body!.getReader();
    let text = '';
    while (!text.includes('\n\n')) text += new TextDecoder().decode((await reader.read()).value);
    const ack = JSON.parse(
      text
        .split('\n')
        .find((line) => line.startsWith('data:'))!
        .slice(5),
    );
    assert.equal(ack.method, 'notifications/subscriptions/acknowledged');
    assert.equal(
      ack.params._meta['io.modelcontextprotocol/subscriptionId'],
      'client-sub',
      "the child's subscription id is replaced by the client's",
    );
    controller.abort();
    await client.close();
  });

  test('bad children: one that cannot start is a 502 naming it; one that dies mid-call fails that call only', async () => {
    const missing = await modernPost(adapter.endpoint('missing'), 'tools/list', { _meta: meta() });
    assert.equal(missing.status, 502);
    assert.match((await answerOf(missing)).error!.message, /no-such-mcp-server-command/);

    const url = adapter.endpoint('fixture');
    const crashed = await answerOf(
      await modernPost(url, 'tools/call', { name: 'exit', arguments: { code: 3 }, _meta: meta() }),
    );
    assert.equal(crashed.error?.code, -32603);
    assert.match(crashed.error!.message, /exited while handling tools\/call/);
    assert.equal(
      (
        await answerOf(
          await modernPost(url, 'tools/call', { name: 'echo', arguments: { text: 'still here' }, _meta: meta() }),
        )
      ).result?.resultType,
      'complete',
    );
  });

  test('resource subscriptions are counted per URI onto one child: a stream keeps getting updates after another on the same URI closes', async () => {
    const url = adapter.endpoint('fixture');
    const first = await listen(url, { resourceSubscriptions: ['fixture://hello'] }, 'first');
    const second = await listen(url, { resourceSubscriptions: ['fixture://hello'] }, 'second');
    await until(async () => first.events.length >= 3 && second.events.length >= 3, 'updates on both streams');
    assert.deepEqual(first.events[0]!.params?.notifications, { resourceSubscriptions: ['fixture://hello'] });
    assert.deepEqual(second.events[2], {
      jsonrpc: '2.0',
      method: 'notifications/resources/updated',
      params: { uri: 'fixture://hello', _meta: { 'io.modelcontextprotocol/subscriptionId': 'second' } },
    });
    assert.equal((await modernStatus(adapter)).busy, 1, 'one child holds the subscriptions of both streams');
    await first.close();
    const seen = second.events.length;
    await until(
      async () => second.events.length >= seen + 3,
      'updates after the other stream closed (the subscription was kept)',
    );
    await second.close();
    await until(
      async () => (await modernStatus(adapter)).busy === 0,
      'the subscription child to be released when the last stream closed',
    );
    const refused = await listen(url, { resourceSubscriptions: 'fixture://hello' }, 'bad');
    assert.equal(refused.status, 400);
    const { error } = refused.body as { id: unknown; error: { code: number; message: string } };
    assert.equal((refused.body as { id: unknown }).id, 'bad');
    assert.equal(error.code, -32602);
    assert.match(error.message, /^Invalid params: .*resourceSubscriptions/);
  });

  test('closing the response stream cancels the request at the child, which is then stopped rather than lent again', async () => {
    const url = adapter.endpoint('fixture');
    const controller = new AbortController();
    const response = await fetch(url, {
      method: 'POST',
      signal: controller.signal,
      headers: { ...MCP_HEADERS, 'mcp-protocol-version': MODERN, 'mcp-method': 'tools/call', 'mcp-name': 'progress' },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'tools/call',
        params: {
          name: 'progress',
          arguments: { steps: 100, delayMs: 100 },
          _meta: meta({}, { progressToken: 'cancel-me' }),
        },
      }),
    });
    assert.equal(response.headers.get('content-type'), 'text/event-stream');
    const reader = response.body!.getReader();
    assert.match(new TextDecoder().decode((await reader.read()).value), /notifications\/progress/);
    const before = await pooledChildren(adapter, 'fixture');
    controller.abort();
    await until(
      async () => (await modernStatus(adapter)).busy === 0 && (await pooledChildren(adapter, 'fixture')) === before - 1,
      "the cancelled call's child to be stopped",
    );
  });

  test('the 2026-07-28 wire rules: 405 for GET and DELETE, 404 for removed methods, 400 for bad metadata', async () => {
    const url = adapter.endpoint('fixture');
    for (const method of ['GET', 'DELETE']) {
      const response = await fetch(url, {
        method,
        headers: { accept: 'text/event-stream', 'mcp-protocol-version': MODERN },
      });
      assert.equal(response.status, 405, method);
      assert.equal(response.headers.get('allow'), 'POST');
    }
    const ping = await modernPost(url, 'ping', { _meta: meta() }, 7);
    assert.equal(ping.status, 404);
    assert.deepEqual((await answerOf(ping)).error?.code, -32601);
    const noMeta = await modernPost(url, 'tools/list', {}, 8);
    assert.equal(noMeta.status, 400);
    assert.equal((await answerOf(noMeta)).error?.code, -32602);
    const mismatch = await modernPost(url, 'tools/call', { name: 'echo', arguments: { text: 'x' }, _meta: meta() }, 9, {
      'mcp-name': 'whoami',
    });
    assert.equal(mismatch.status, 400);
    assert.equal((await answerOf(mismatch)).error?.code, -32020);
    const future = await modernPost(
      url,
      'tools/list',
      { _meta: { ...meta(), 'io.modelcontextprotocol/protocolVersion': '2099-01-01' } },
      10,
      { 'mcp-protocol-version': '2099-01-01' },
    );
    assert.equal(future.status, 400);
    assert.deepEqual((await answerOf(future)).error?.data, { supported: [MODERN], requested: '2099-01-01' });
    const list = await answerOf(await modernPost(url, 'tools/list', { _meta: meta() }, 11));
    assert.equal(list.result?.resultType, 'complete');
    assert.equal(list.result?.cacheScope, 'public');
    assert.equal(typeof list.result?.ttlMs, 'number');
  });
});
