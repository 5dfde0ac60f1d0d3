import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { nodeListener } from '../../src/adapter/node/node-listener.js';
import { loadConfigFile } from '../../src/config/load-config.js';
import { createLogger } from '../../src/observability/logger.js';
import { createRuntime, type Runtime } from '../../src/runtime/create-runtime.js';
import { nodeFixtureServer } from '../helpers/adapter.js';

/**
 * The node:http host only translates: what it must refuse before a web Request exists (a method
 * a Request cannot carry, a body past the limit) is answered with the same bodies the app gives
 * for the same fault in-process.
 */
const LIMIT = 2048;

function raw(
  port: number,
  options: {
    method: string;
    path: string;
    headers?: Record<string, string | number>;
    body?: Buffer;
    /** `false`: a connection of its own, `Connection: close` (as one-shot clients send). */
    agent?: false;
  },
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({
      host: '127.0.0.1',
      port,
      method: options.method,
      path: options.path,
      headers: options.headers,
      ...(options.agent === false && { agent: false }),
    });
    req.on('response', (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => {
        body += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

describe('node listener: refusals before a Request exists are the app answers', () => {
  let runtime: Runtime;
  let server: Server;
  let port: number;
  const errors: unknown[] = [];
  before(async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'mcp-node-listener-'));
    const file = path.join(dir, 'mcp_config.json');
    writeFileSync(file, JSON.stringify({ mcpServers: { fixture: nodeFixtureServer() } }));
    const { config } = loadConfigFile(file, { resolveFrom: process.env });
    runtime = createRuntime(config, { logger: createLogger({ level: 'silent' }), boundToLoopback: true });
    server = createServer(nodeListener(runtime.fetch, (error) => errors.push(error), LIMIT));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  after(async () => {
    await new Promise((resolve) => server.close(resolve));
    await runtime.drain();
  });

  test('a method no web Request can carry (TRACE) gets the MCP endpoint 405: JSON-RPC error and Allow', async () => {
    const listener = await raw(port, { method: 'TRACE', path: '/mcp/fixture' });
    const app = await runtime.fetch(new Request('http://localhost/mcp/fixture', { method: 'PUT' }));
    assert.equal(listener.status, 405);
    assert.equal(listener.headers.allow, app.headers.get('allow'));
    const body = JSON.parse(listener.body) as { jsonrpc: string; id: null; error: { code: number; message: string } };
    const appBody = (await app.json()) as typeof body;
    assert.equal(body.jsonrpc, '2.0');
    assert.equal(body.id, null);
    assert.equal(body.error.code, appBody.error.code);
    assert.equal(body.error.message, 'Method TRACE not allowed; use POST, GET or DELETE');
  });

  test('a declared body past the limit gets 413 with the body the app gives a body it read past the limit', async () => {
    const listener = await raw(port, {
      method: 'POST',
      path: '/mcp/fixture',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: Buffer.alloc(LIMIT + 1, 0x20),
    });
    assert.equal(listener.status, 413);
    assert.notEqual(listener.headers.connection, 'close', 'the body is drained: the connection may be reused');
    assert.deepEqual(JSON.parse(listener.body), {
      jsonrpc: '2.0',
      id: null,
      error: { code: -32000, message: `Payload Too Large: Request body exceeds the limit of ${LIMIT} bytes` },
    });
    assert.deepEqual(errors, [], 'a refusal is not a fault');
  });

  test('a 5 MB body sent whole while the 413 is written: the client reads the 413, no reset (lingering close)', async () => {
    for (const declared of [true, false]) {
      for (const connectionClose of [false, true]) {
        const what = `${declared ? 'Content-Length' : 'chunked'}${connectionClose ? ', Connection: close' : ''}`;
        const answer = await raw(port, {
          method: 'POST',
          path: '/mcp/fixture',
          headers: {
            'content-type': 'application/json',
            accept: 'application/json, text/event-stream',
            ...(declared ? {} : { 'transfer-encoding': 'chunked' }),
          },
          body: Buffer.alloc(5 * 1024 * 1024, 0x20),
          ...(connectionClose && { agent: false as const }),
        }).catch((error: NodeJS.ErrnoException) => assert.fail(`${what}: ${error.code ?? error.message}`));
        assert.equal(answer.status, 413, what);
        assert.match(answer.body, /Payload Too Large: Request body exceeds the limit of 2048 bytes/);
      }
    }
  });

  test('a body declared far past any limit (100 MB) is refused at once and its connection closed', async () => {
    const answer = await new Promise<{ status: number; connection?: string }>((resolve, reject) => {
      const req = httpRequest({
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/mcp/fixture',
        headers: { 'content-type': 'application/json', 'content-length': 100 * 1024 * 1024 },
      });
      req.on('response', (res) => {
        res.resume();
        resolve({ status: res.statusCode!, connection: res.headers.connection });
      });
      req.on('error', reject);
      req.write(Buffer.alloc(1024, 0x20));
    });
    assert.deepEqual(answer, { status: 413, connection: 'close' });
  });

  test('a fault of the handler is a logged 500 with the app JSON-RPC body, and the listener keeps serving', async () => {
    const failing = createServer(
      nodeListener(
        async () => {
          throw new Error('boom');
        },
        (error) => errors.push(error),
      ),
    );
    await new Promise<void>((resolve) => failing.listen(0, '127.0.0.1', resolve));
    try {
      const failingPort = (failing.address() as AddressInfo).port;
      const answer = await raw(failingPort, { method: 'GET', path: '/health' });
      assert.equal(answer.status, 500);
      assert.deepEqual(JSON.parse(answer.body), {
        jsonrpc: '2.0',
        id: null,
        error: { code: -32000, message: 'Internal error in the adapter; see its log' },
      });
      assert.equal((errors.pop() as Error).message, 'boom');
      const again = await raw(failingPort, { method: 'GET', path: '/health' });
      assert.equal(again.status, 500);
      errors.pop();
    } finally {
      await new Promise((resolve) => failing.close(resolve));
    }
  });
});
