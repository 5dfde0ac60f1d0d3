import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { clientErrorListener, continueListener, nodeListener } from '../../src/adapter/node/node-listener.js';
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
    // Wired as the node host wires it (src/adapter/node/node-host.ts).
    const listener = nodeListener(runtime.fetch, (error) => errors.push(error), LIMIT);
    server = createServer({ maxHeaderSize: 64 * 1024 }, listener);
    server.on('checkContinue', continueListener(listener, LIMIT));
    server.on('clientError', clientErrorListener);
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

  test('100 MB bodies, far past the drain bound: http.request and fetch read the 413, no reset', async () => {
    const chunk = Buffer.alloc(1024 * 1024, 0x20);
    for (const declared of [true, false]) {
      const what = declared ? 'Content-Length: 100 MB' : 'chunked, 100 MB';
      const answer = await new Promise<{ status: number; connection?: string; body: string }>((resolve, reject) => {
        const req = httpRequest({
          host: '127.0.0.1',
          port,
          method: 'POST',
          path: '/mcp/fixture',
          headers: {
            'content-type': 'application/json',
            ...(declared ? { 'content-length': 100 * chunk.length } : { 'transfer-encoding': 'chunked' }),
          },
        });
        req.on('response', (res) => {
          let body = '';
          res.setEncoding('utf8').on('data', (text: string) => (body += text));
          res.on('end', () => resolve({ status: res.statusCode!, connection: res.headers.connection, body }));
        });
        req.on('error', (error: NodeJS.ErrnoException) => reject(new Error(`${what}: ${error.code ?? error.message}`)));
        // Keeps sending after the answer has come, as a client that does not read while it writes does.
        let sent = 0;
        const pump = () => {
          while (sent < 100) {
            sent += 1;
            if (!req.write(chunk)) return void req.once('drain', pump);
          }
          req.end();
        };
        pump();
      });
      assert.equal(answer.status, 413, what);
      assert.equal(answer.connection, 'close', `${what}: the connection is closed once the client has read the answer`);
      assert.match(answer.body, /Payload Too Large: Request body exceeds the limit of 2048 bytes/, what);
    }
    // fetch (undici) streaming a body it generates: it, too, gets the answer rather than a reset.
    let produced = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        produced += 1;
        if (produced > 100) controller.close();
        else controller.enqueue(chunk);
      },
    });
    const response = await fetch(`http://127.0.0.1:${port}/mcp/fixture`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: stream,
      duplex: 'half',
    } as RequestInit);
    assert.equal(response.status, 413);
    assert.match(await response.text(), /Payload Too Large/);
  });

  test('Expect: 100-continue: a body declared past the limit gets its 413 at once and is never sent; a small one is told to continue', async () => {
    const refused = await new Promise<{ status: number; continued: boolean; body: string }>((resolve, reject) => {
      let continued = false;
      const req = httpRequest({
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/mcp/fixture',
        headers: { 'content-type': 'application/json', 'content-length': 100 * 1024 * 1024, expect: '100-continue' },
      });
      req.on('continue', () => {
        continued = true;
        req.destroy(new Error('told to continue with a body past the limit'));
      });
      req.on('response', (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (text: string) => (body += text));
        res.on('end', () => {
          req.destroy();
          resolve({ status: res.statusCode!, continued, body });
        });
      });
      req.on('error', reject);
      req.flushHeaders();
    });
    assert.equal(refused.status, 413);
    assert.equal(refused.continued, false, 'no 100 Continue for a body that will be refused');
    assert.match(refused.body, /Payload Too Large: Request body exceeds the limit of 2048 bytes/);

    const body = Buffer.from(
      JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 't', version: '1' } },
      }),
    );
    const served = await new Promise<{ status: number; continued: boolean }>((resolve, reject) => {
      let continued = false;
      const req = httpRequest({
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/mcp/fixture',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          'content-length': body.length,
          expect: '100-continue',
        },
      });
      req.on('continue', () => {
        continued = true;
        req.end(body);
      });
      req.on('response', (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode!, continued }));
      });
      req.on('error', reject);
      req.flushHeaders();
    });
    assert.deepEqual(served, { status: 200, continued: true });
  });

  test('headers past the host limit (100 KB) followed by a 5 MB body: the client reads a JSON 431, no reset', async () => {
    const answer = await raw(port, {
      method: 'POST',
      path: '/mcp/fixture',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${'a'.repeat(100 * 1024)}` },
      body: Buffer.alloc(5 * 1024 * 1024, 0x20),
    }).catch((error: NodeJS.ErrnoException) => assert.fail(`no answer: ${error.code ?? error.message}`));
    assert.equal(answer.status, 431);
    assert.equal(answer.headers.connection, 'close');
    assert.deepEqual(JSON.parse(answer.body), {
      error: { code: 'header_too_large', message: 'The request headers are too large (over 64 KB)' },
    });
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
