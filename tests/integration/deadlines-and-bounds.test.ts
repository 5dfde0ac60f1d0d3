import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { connectionLimit } from '../../src/adapter/node/node-host.js';
import { eventually, nodeFixtureServer, openRawSession, startAdapter, type TestAdapter } from '../helpers/adapter.js';
import { callToolRaw } from '../helpers/raw-http.js';

/**
 * Nothing a client or a child sends can hold the adapter's resources without bound: a request
 * must arrive within its deadline, and a child's stderr and stray stdout cost bounded memory and
 * bounded log lines.
 */
describe('deadlines and bounds', () => {
  let adapter: TestAdapter;
  before(async () => {
    adapter = await startAdapter({ mcpServers: { fixture: nodeFixtureServer() } }, { requestReceiveTimeoutMs: 1000 });
  });
  after(async () => {
    await adapter.close();
  });

  test('a body trickled a byte at a time gets 408 and its socket closed; a call longer than the deadline is answered', async () => {
    const url = new URL(adapter.url);
    const socket = connect(Number(url.port), url.hostname);
    let received = '';
    socket.setEncoding('utf8').on('data', (chunk: string) => {
      received += chunk;
    });
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    socket.write(
      `POST /mcp/fixture HTTP/1.1\r\nHost: ${url.host}\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\nContent-Length: 200\r\n\r\n{`,
    );
    const trickle = setInterval(() => {
      if (!socket.destroyed) socket.write(' ');
    }, 200);
    try {
      assert.ok(await eventually(() => socket.destroyed || received.length > 0, 10_000), 'the adapter gave up');
      await closed;
    } finally {
      clearInterval(trickle);
    }
    assert.match(received, /^HTTP\/1\.1 408 Request Timeout/);
    // The deadline bounds receiving a request, not answering it: a 2.5 s call on a 1 s deadline completes.
    const session = await openRawSession(adapter.endpoint('fixture'));
    const pid = await callToolRaw(adapter.endpoint('fixture'), session, 'slow_pid', { ms: 2500 });
    assert.match(pid, /^\d+$/);
  });

  test('a 4 MB stderr line is logged cut to 8 KB with the rest counted; a flood of lines is logged up to the budget, then counted', async () => {
    const session = await openRawSession(adapter.endpoint('fixture'));
    const before = adapter.logs.length;
    await callToolRaw(adapter.endpoint('fixture'), session, 'stderr', { text: 'x', repeat: 4 * 1024 * 1024 });
    assert.ok(
      await eventually(() => adapter.logs.slice(before).some((log) => log.message === 'child stderr')),
      'the long line is logged',
    );
    const long = adapter.logs.slice(before).find((log) => log.message === 'child stderr')!;
    assert.equal(long.line, `${'x'.repeat(8192)} [... ${4 * 1024 * 1024 - 8192} more bytes of this line dropped]`);

    const floodStart = adapter.logs.length;
    await callToolRaw(adapter.endpoint('fixture'), session, 'stderr', { text: 'line', lines: 5000 });
    // The child's remaining stderr is logged when the window ends or the child stops: end the session.
    await fetch(adapter.endpoint('fixture'), {
      method: 'DELETE',
      headers: { 'mcp-session-id': session, 'mcp-protocol-version': '2025-11-25' },
    });
    assert.ok(
      await eventually(() =>
        adapter.logs.slice(floodStart).some((log) => String(log.message).startsWith('child output not logged')),
      ),
      'a count of what was not logged',
    );
    const flood = adapter.logs.slice(floodStart);
    const logged = flood.filter((log) => log.message === 'child stderr').length;
    const suppressed = flood
      .filter((log) => String(log.message).startsWith('child output not logged'))
      .reduce((sum, log) => sum + Number(log.suppressed), 0);
    assert.ok(logged <= 100, `${logged} stderr lines logged`);
    assert.equal(logged + suppressed, 5000, 'every line is either logged or counted');
  });

  test('stray stdout lines (128 of 64 KB) are warned about up to the budget, then counted', async () => {
    const session = await openRawSession(adapter.endpoint('fixture'));
    const start = adapter.logs.length;
    await callToolRaw(adapter.endpoint('fixture'), session, 'flood', { mb: 8, kind: 'garbage' });
    await fetch(adapter.endpoint('fixture'), {
      method: 'DELETE',
      headers: { 'mcp-session-id': session, 'mcp-protocol-version': '2025-11-25' },
    });
    assert.ok(
      await eventually(() =>
        adapter.logs
          .slice(start)
          .some((log) => String(log.message).includes('non-JSON-RPC stdout lines over the limit')),
      ),
    );
    const warned = adapter.logs
      .slice(start)
      .filter((log) => log.message === 'child wrote a non-JSON-RPC line to stdout; skipped').length;
    assert.ok(warned <= 100 && warned > 0, `${warned} warnings`);
  });

  test('the connection limit is half the open-file limit (Linux /proc/self/limits), 2048 where unknown', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'mcp-limits-'));
    const limits = (soft: string) => {
      const file = path.join(dir, `limits-${soft}`);
      writeFileSync(
        file,
        `Limit                     Soft Limit           Hard Limit           Units\nMax processes             63704                63704                processes\nMax open files            ${soft}                 1048576              files\n`,
      );
      return file;
    };
    assert.equal(connectionLimit(limits('1024')), 512);
    assert.equal(connectionLimit(limits('100')), 64, 'never below 64');
    assert.equal(connectionLimit(limits('unlimited')), 2048);
    assert.equal(connectionLimit(path.join(dir, 'missing')), 2048);
  });
});
