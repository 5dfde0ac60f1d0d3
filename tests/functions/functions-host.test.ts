import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import functions, { type HttpFunctionOptions, type HttpResponseInit } from '@azure/functions';
import { loadConfigFile } from '../../src/config/load-config.js';
import { createRuntime } from '../../src/runtime/create-runtime.js';
import { createLogger } from '../../src/observability/logger.js';
import type { SessionManager } from '../../src/session/session-manager.js';
import { SESSION_ID_PATTERN } from '../../src/state/session-token.js';
import { registerFunctions, type FunctionsRegistrar } from '../../src/functions/register-functions.js';
import { isAlive, nodeFixtureServer } from '../helpers/adapter.js';

// @azure/functions is CommonJS: its classes come through the default export under ESM.
const { HttpRequest, InvocationContext } = functions;
const SITE = 'mcp-adapter-test.azurewebsites.net';

/**
 * The Functions host: the real registration code, called with a registrar that records what it
 * registers (the worker's side of `app`), then the recorded handlers called with real
 * `@azure/functions` `HttpRequest` and `InvocationContext` objects.
 */
describe('Azure Functions host', () => {
  const registered = new Map<string, HttpFunctionOptions>();
  let setupOptions: unknown;
  let terminate: () => Promise<void> | void = () => {};
  let sessions: SessionManager;

  before(() => {
    const dir = mkdtempSync(path.join(tmpdir(), 'mcp-functions-'));
    const file = path.join(dir, 'mcp_config.json');
    writeFileSync(
      file,
      JSON.stringify({
        mcpServers: {
          fixture: nodeFixtureServer([], { default: true }),
          open: nodeFixtureServer([], { auth_level: 'anonymous' }),
        },
      }),
    );
    const { config } = loadConfigFile(file, { resolveFrom: process.env });
    const logger = createLogger({ level: 'silent' });
    const runtime = createRuntime(config, { logger, boundToLoopback: false, siteHostNames: [SITE] });
    sessions = runtime.sessions;
    const registrar: FunctionsRegistrar = {
      setup: (options) => (setupOptions = options),
      http: (name, options) => registered.set(name, options),
      hook: { appTerminate: (handler) => (terminate = handler) },
    };
    registerFunctions(registrar, { config, fetch: runtime.fetch, drain: () => runtime.drain(), routePrefix: '' });
  });
  after(async () => {
    await terminate();
  });

  function call(
    name: string,
    init: { method: string; path?: string; headers?: Record<string, string>; body?: unknown },
  ): Promise<HttpResponseInit> {
    const options = registered.get(name)!;
    const request = new HttpRequest({
      method: init.method,
      url: `https://${SITE}/${init.path ?? options.route}`,
      headers: { host: SITE, ...init.headers },
      body: init.body === undefined ? undefined : { string: JSON.stringify(init.body) },
    });
    return options.handler(request, new InvocationContext({ functionName: name })) as Promise<HttpResponseInit>;
  }

  const mcpHeaders = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };

  async function bodyText(response: HttpResponseInit): Promise<string> {
    return new Response(response.body as ReadableStream).text();
  }

  async function initialize(name: string): Promise<string> {
    const response = await call(name, {
      method: 'POST',
      headers: mcpHeaders,
      body: {
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: {
          protocolVersion: '2025-11-25',
          capabilities: {},
          clientInfo: { name: 'functions-test', version: '1' },
        },
      },
    });
    const text = await bodyText(response);
    assert.equal(response.status, 200, text);
    assert.equal(JSON.parse(text).result.serverInfo.name, 'node-fixture');
    const id = (response.headers as Record<string, string>)['mcp-session-id']!;
    assert.match(id, SESSION_ID_PATTERN);
    return id;
  }

  test('registers HTTP streaming, one trigger per route class with its own authorization level, and a terminate hook', () => {
    assert.deepEqual(setupOptions, { enableHttpStream: true });
    const table = [...registered].map(([name, o]) => `${name} ${o.route} ${o.authLevel} ${o.methods!.join(',')}`);
    assert.deepEqual(table, [
      'mcp-fixture mcp/fixture function GET,POST,DELETE,OPTIONS',
      'mcp-open mcp/open anonymous GET,POST,DELETE,OPTIONS',
      'mcp-default mcp function GET,POST,DELETE,OPTIONS',
      'mcp-default-legacy api/mcp function GET,POST,DELETE,OPTIONS',
      'health health anonymous GET',
      'status status function GET',
      'page {*path} anonymous GET',
    ]);
  });

  test('initialize, a tool call and DELETE through the Functions handler; the predecessor /api/mcp route works', async () => {
    const id = await initialize('mcp-default-legacy');
    const call1 = await call('mcp-default-legacy', {
      method: 'POST',
      headers: { ...mcpHeaders, 'mcp-session-id': id },
      body: { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'whoami', arguments: {} } },
    });
    assert.equal(call1.status, 200);
    const { pid } = JSON.parse(JSON.parse(await bodyText(call1)).result.content[0].text) as { pid: number };
    assert.equal(isAlive(pid), true);
    const deleted = await call('mcp-default', { method: 'DELETE', headers: { 'mcp-session-id': id } });
    assert.equal(deleted.status, 200);
    assert.equal(isAlive(pid), false);
  });

  test('SSE progress arrives as separate chunks before the end of the body', async () => {
    const id = await initialize('mcp-fixture');
    const response = await call('mcp-fixture', {
      method: 'POST',
      headers: { ...mcpHeaders, 'mcp-session-id': id },
      body: {
        jsonrpc: '2.0',
        id: 3,
        method: 'tools/call',
        params: { name: 'progress', arguments: { steps: 3, delayMs: 100 }, _meta: { progressToken: 'p1' } },
      },
    });
    assert.equal((response.headers as Record<string, string>)['content-type'], 'text/event-stream');
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const chunks: string[] = [];
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(new TextDecoder().decode(value));
    }
    const kinds = chunks.map((chunk) =>
      chunk.includes('notifications/progress')
        ? 'progress'
        : chunk.includes('"result"')
          ? 'result'
          : /^id: \S+\.0\nretry: \d+\n/.test(chunk)
            ? 'priming'
            : 'other',
    );
    assert.deepEqual(
      kinds,
      ['priming', 'progress', 'progress', 'progress', 'result'],
      'a priming event first (2025-11-25), then each event its own chunk, the result last',
    );
  });

  test('Host and Origin default to the site host names', async () => {
    const foreignHost = (await registered.get('mcp-open')!.handler(
      new HttpRequest({
        method: 'POST',
        url: `https://${SITE}/mcp/open`,
        headers: { ...mcpHeaders, host: 'evil.example' },
        body: { string: '{}' },
      }),
      new InvocationContext(),
    )) as HttpResponseInit;
    assert.equal(foreignHost.status, 403);
    assert.match(
      JSON.parse(await bodyText(foreignHost)).error.message,
      /^Forbidden: Host "evil\.example" is not allowed/,
    );
    const foreignOrigin = await call('mcp-open', {
      method: 'POST',
      headers: { ...mcpHeaders, origin: 'https://evil.example' },
      body: {},
    });
    assert.equal(foreignOrigin.status, 403);
    assert.match(
      JSON.parse(await bodyText(foreignOrigin)).error.message,
      /Origin "https:\/\/evil.example" is not allowed/,
    );
    const sameSite = await call('mcp-open', {
      method: 'POST',
      headers: { ...mcpHeaders, origin: `https://${SITE}` },
      body: { jsonrpc: '2.0', id: 1, method: 'ping' },
    });
    assert.equal(sameSite.status, 400, 'past the Origin check: a ping without a session is a 400');
    assert.deepEqual(JSON.parse(await bodyText(sameSite)), {
      jsonrpc: '2.0',
      id: null,
      error: {
        code: -32000,
        message: 'Bad Request: Mcp-Session-Id header is required (send initialize first to get one)',
      },
    });
    const health = await call('health', { method: 'GET' });
    assert.equal(health.status, 200);
    assert.deepEqual(JSON.parse(await bodyText(health)).status, 'ok');
  });

  test('the terminate hook drains every session', async () => {
    const id = await initialize('mcp-open');
    const response = await call('mcp-open', {
      method: 'POST',
      headers: { ...mcpHeaders, 'mcp-session-id': id },
      body: { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'whoami', arguments: {} } },
    });
    const { pid } = JSON.parse(JSON.parse(await bodyText(response)).result.content[0].text) as { pid: number };
    await terminate();
    assert.equal(isAlive(pid), false);
    assert.equal(sessions.size, 0);
  });
});
