import assert from 'node:assert/strict';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { describe, test } from 'node:test';
import {
  eventually,
  MCP_HEADERS,
  nodeFixtureServer,
  openRawSession,
  startAdapter,
  type TestAdapter,
} from '../helpers/adapter.js';
import { callToolRaw } from '../helpers/raw-http.js';

const MB = 1024 * 1024;
const FLOOD_MB = 100;
const FLOOD_BYTES = FLOOD_MB * MB;
/** The fixture writes the flood in pieces of this size (one line, or one progress notification, each). */
const CHUNK = 64 * 1024;
/** The decoder's limit on one message (src/process/framing.ts): a longer line is discarded, not held. */
const LINE_LIMIT = 16 * MB;

/**
 * Bounded buffering whatever the child or the client does, checked by the mechanism rather than
 * by the test process's memory (the adapter's memory under a flood is the benchmark's to
 * measure): the adapter keeps reading a flooding child and discards what no client can take, in
 * pieces no larger than its limits; a client that stops reading is cut off at the SSE queue's
 * bound and can resume only the newest events, which the stream's bounded log kept.
 */
describe('a child that floods stdout', () => {
  async function withAdapter(run: (adapter: TestAdapter, endpoint: URL) => Promise<void>): Promise<void> {
    const adapter = await startAdapter({
      mcpServers: { fixture: nodeFixtureServer([], { request_timeout_seconds: 120 }) },
    });
    try {
      await run(adapter, adapter.endpoint('fixture'));
    } finally {
      await adapter.close();
    }
  }

  test('100 MB of non-JSON lines: every line is read, reported by a short preview and dropped; the session goes on', {
    timeout: 120_000,
  }, async () => {
    await withAdapter(async (adapter, endpoint) => {
      const flooding = await openRawSession(endpoint);
      const healthy = await openRawSession(endpoint);
      // The child's answer comes after its last write: the adapter read all 100 MB, it never stopped reading.
      assert.equal(
        await callToolRaw(endpoint, flooding, 'flood', { mb: FLOOD_MB, kind: 'garbage' }),
        `flooded ${FLOOD_BYTES}`,
      );
      const skipped = adapter.logs.filter(
        (log) => log.message === 'child wrote a non-JSON-RPC line to stdout; skipped',
      );
      // One report per line up to the log budget (100 per 10 s per child); the rest are counted
      // (tests/integration/deadlines-and-bounds.test.ts), so 1,600 bad lines cannot flood the log.
      assert.ok(FLOOD_BYTES / CHUNK > 100);
      assert.equal(skipped.length, 100, 'reports up to the budget');
      for (const log of skipped) {
        const line = String(log.line);
        assert.ok(line.length <= 501, `a 64 KB line is reported by a preview, not kept whole (${line.length} chars)`);
        assert.match(line, /^x+…$/);
      }
      assert.equal(await callToolRaw(endpoint, healthy, 'echo', { text: 'other session' }), 'other session');
      assert.equal(await callToolRaw(endpoint, flooding, 'echo', { text: 'still works' }), 'still works');
    });
  });

  test('100 MB without a line end: discarded in pieces of at most the 16 MB line limit; the session goes on', {
    timeout: 120_000,
  }, async () => {
    await withAdapter(async (adapter, endpoint) => {
      const flooding = await openRawSession(endpoint);
      const healthy = await openRawSession(endpoint);
      assert.equal(
        await callToolRaw(endpoint, flooding, 'flood', { mb: FLOOD_MB, kind: 'unterminated' }),
        `flooded ${FLOOD_BYTES}`,
      );
      const discarded = adapter.logs
        .map((log) => /^<(\d+) bytes without a message boundary, discarded>$/.exec(String(log.line ?? '')))
        .filter((match) => match !== null)
        .map((match) => Number(match[1]));
      // Held up to the limit, then dropped: never more than the limit and the piece that crossed it.
      assert.ok(
        discarded.length >= Math.floor(FLOOD_BYTES / (LINE_LIMIT + CHUNK)),
        `discards: ${discarded.join(', ')}`,
      );
      for (const bytes of discarded)
        assert.ok(bytes > LINE_LIMIT && bytes <= LINE_LIMIT + CHUNK, `${bytes} bytes held before the discard`);
      // What was left when the line finally ended is shorter than the limit: reported by a preview.
      const rest = FLOOD_BYTES - discarded.reduce((sum, bytes) => sum + bytes, 0);
      assert.ok(rest >= 0 && rest <= LINE_LIMIT, `${rest} bytes after the last discard`);
      assert.equal(await callToolRaw(endpoint, healthy, 'echo', { text: 'other session' }), 'other session');
      assert.equal(await callToolRaw(endpoint, flooding, 'echo', { text: 'still works' }), 'still works');
    });
  });

  test('100 MB of progress to a client that does not read: it is cut off at the unread bound, the log keeps only the newest events, and the client resumes those', {
    timeout: 120_000,
  }, async () => {
    await withAdapter(async (adapter, endpoint) => {
      const flooding = await openRawSession(endpoint);
      const healthy = await openRawSession(endpoint);
      const response = await new Promise<IncomingMessage>((resolve, reject) => {
        const req = httpRequest(
          endpoint,
          { method: 'POST', headers: { ...MCP_HEADERS, 'mcp-session-id': flooding } },
          (res) => {
            res.pause(); // the client reads nothing: the socket's buffers fill, then the adapter's queue
            resolve(res);
          },
        );
        req.on('error', reject);
        req.end(
          JSON.stringify({
            jsonrpc: '2.0',
            id: 'flood',
            method: 'tools/call',
            params: {
              name: 'flood',
              arguments: { mb: FLOOD_MB, kind: 'notifications' },
              _meta: { progressToken: 'f' },
            },
          }),
        );
      });
      assert.equal(response.statusCode, 200);
      assert.match(String(response.headers['content-type']), /^text\/event-stream/);
      // The child finishes writing all 100 MB while its client reads nothing: the adapter never stops reading it.
      assert.ok(
        await eventually(
          () =>
            adapter.logs.some(
              (log) =>
                log.component === 'audit' &&
                log.tool === 'flood' &&
                log.session === flooding.slice(-8) &&
                log.outcome === 'ok',
            ),
          90_000,
        ),
        'the flood call was answered by the child',
      );
      // Another session is served meanwhile.
      assert.equal(await callToolRaw(endpoint, healthy, 'echo', { text: 'still here' }), 'still here');

      // Now the client reads what it was sent: the response ends, cut before the result.
      const received = await new Promise<string>((resolve, reject) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
        response.on('error', reject);
        response.resume();
      });
      const ids = [...received.matchAll(/^id: ([\w-]+)\.(\d+)$/gm)].map((match) => ({
        stream: match[1]!,
        seq: Number(match[2]),
      }));
      assert.ok(ids.length > 1, 'the priming event and some progress arrived');
      const stream = ids[0]!.stream;
      assert.deepEqual(
        ids.map((id) => id.seq),
        ids.map((_, index) => index),
        'events in order from the priming one, none skipped, until the cut',
      );
      assert.equal(received.includes('"result"'), false, 'the connection was cut before the result');
      // The SSE queue's bound (8 MB unread) plus what the sockets held: far from the 100 MB written.
      assert.ok(received.length < 32 * MB, `the client was sent ${Math.round(received.length / MB)} MB before the cut`);

      const notifications = FLOOD_BYTES / CHUNK;
      const resultSeq = notifications + 1;
      const resume = (after: number) =>
        fetch(endpoint, {
          headers: { accept: 'text/event-stream', 'mcp-session-id': flooding, 'last-event-id': `${stream}.${after}` },
        });
      // The events after the cut are gone: the stream's log keeps the newest ones only (8 MB of them).
      for (const after of [ids.at(-1)!.seq, resultSeq - 200]) {
        const gone = await resume(after);
        assert.equal(gone.status, 404, `resuming after event ${after}`);
        assert.deepEqual(await gone.json(), {
          jsonrpc: '2.0',
          id: null,
          error: {
            code: -32000,
            message: `Not Found: the events after "${stream}.${after}" were dropped (the stream outgrew its buffer); start a new request`,
          },
        });
      }
      // The newest ones are kept, the result among them: resuming there completes the call.
      const tail = await resume(resultSeq - 50);
      assert.equal(tail.status, 200);
      const replayed = await tail.text();
      assert.deepEqual(
        [...replayed.matchAll(/^id: [\w-]+\.(\d+)$/gm)].map((match) => Number(match[1])),
        Array.from({ length: 50 }, (_, index) => resultSeq - 49 + index),
      );
      const last = JSON.parse(/data: (.*)\n\n$/.exec(replayed)![1]!) as {
        id: string;
        result: { content: Array<{ text: string }> };
      };
      assert.equal(last.id, 'flood');
      assert.equal(last.result.content[0]!.text, `flooded ${FLOOD_BYTES}`);

      assert.equal(await callToolRaw(endpoint, flooding, 'echo', { text: 'still works' }), 'still works');
    });
  });
});
