import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { loadConfigFile } from '../../src/config/load-config.js';
import { createLogger } from '../../src/observability/logger.js';
import { createRuntime, type Runtime } from '../../src/runtime/create-runtime.js';
import { isAlive, nodeFixtureServer } from '../helpers/adapter.js';

/**
 * Both protocol eras called in-process through the runtime's one fetch handler (no socket, no
 * host), as the MCP SDK tests its web-standard transport: `fetch(new Request(...))`.
 */
const BASE = 'http://localhost/mcp/fixture';
const JSON_AND_SSE = 'application/json, text/event-stream';

async function json(response: Response): Promise<Record<string, unknown>> {
  const text = await response.text();
  if ((response.headers.get('content-type') ?? '').startsWith('text/event-stream')) {
    const data = text
      .split('\n')
      .filter((line) => line.startsWith('data:'))
      .map((line) => line.slice(5).trim());
    return JSON.parse(data.at(-1)!) as Record<string, unknown>;
  }
  return JSON.parse(text) as Record<string, unknown>;
}

describe('the app in-process: both eras through one fetch handler', () => {
  let runtime: Runtime;
  before(() => {
    const dir = mkdtempSync(path.join(tmpdir(), 'mcp-in-process-'));
    const file = path.join(dir, 'mcp_config.json');
    writeFileSync(
      file,
      JSON.stringify({ mcpServers: { fixture: nodeFixtureServer([], { sessions: { max_concurrent: 2 } }) } }),
    );
    const { config } = loadConfigFile(file, { resolveFrom: process.env });
    runtime = createRuntime(config, { logger: createLogger({ level: 'silent' }), boundToLoopback: true });
  });
  after(async () => {
    await runtime.drain();
  });

  test('2025-11-25: initialize mints a session, a call goes to its child, DELETE ends it', async () => {
    const opened = await runtime.fetch(
      new Request(BASE, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: JSON_AND_SSE },
        body: JSON.stringify({
          jsonrpc: '2.0',
          id: 1,
          method: 'initialize',
          params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'in-process', version: '1' } },
        }),
      }),
    );
    assert.equal(opened.status, 200);
    const sessionId = opened.headers.get('mcp-session-id')!;
    assert.match(sessionId, /^[\x21-\x7e]+$/);
    assert.equal(((await json(opened)).result as { protocolVersion: string }).protocolVersion, '2025-11-25');
    const headers = {
      'content-type': 'application/json',
      accept: JSON_AND_SSE,
      'mcp-session-id': sessionId,
      'mcp-protocol-version': '2025-11-25',
    };
    const called = await runtime.fetch(
      new Request(BASE, {
        method: 'POST',
        headers,
        body: JSON.stringify({
          jsonrpc: '2.0',
          id: 2,
          method: 'tools/call',
          params: { name: 'whoami', arguments: {} },
        }),
      }),
    );
    const pid = (
      JSON.parse(((await json(called)).result as { content: Array<{ text: string }> }).content[0]!.text) as {
        pid: number;
      }
    ).pid;
    assert.ok(isAlive(pid));
    const ended = await runtime.fetch(new Request(BASE, { method: 'DELETE', headers }));
    assert.equal(ended.status, 200);
    const gone = await runtime.fetch(
      new Request(BASE, {
        method: 'POST',
        headers,
        body: JSON.stringify({ jsonrpc: '2.0', id: 3, method: 'tools/list' }),
      }),
    );
    assert.equal(gone.status, 404);
    assert.deepEqual(await gone.json(), {
      jsonrpc: '2.0',
      id: null,
      error: {
        code: -32000,
        message: 'Session not found: it ended or never existed; start a new session with initialize',
      },
    });
    assert.equal(isAlive(pid), false, 'DELETE stopped the child');
    assert.equal(runtime.sessions.size, 0);
  });

  test('2026-07-28: a request without a session is served by a pooled child counted in the same ledger', async () => {
    const response = await runtime.fetch(
      new Request(BASE, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: JSON_AND_SSE,
          'mcp-protocol-version': '2026-07-28',
          'mcp-method': 'tools/call',
          'mcp-name': 'echo',
        },
        body: JSON.stringify({
          jsonrpc: '2.0',
          id: 'a',
          method: 'tools/call',
          params: {
            name: 'echo',
            arguments: { text: 'in-process' },
            _meta: {
              'io.modelcontextprotocol/protocolVersion': '2026-07-28',
              'io.modelcontextprotocol/clientCapabilities': {},
            },
          },
        }),
      }),
    );
    assert.equal(response.status, 200);
    const result = (await json(response)).result as { resultType: string; content: Array<{ text: string }> };
    assert.equal(result.resultType, 'complete');
    assert.equal(result.content[0]!.text, 'in-process');
    assert.equal(response.headers.get('mcp-session-id'), null);
    assert.equal(runtime.ledger.count({ server: 'fixture', use: 'pooled' }), 1, 'the idle pooled child stays counted');
  });
});
