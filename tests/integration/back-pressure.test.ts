import assert from 'node:assert/strict';
import { test } from 'node:test';
import { nodeFixtureServer, openRawSession, startAdapter } from '../helpers/adapter.js';
import { callToolRaw, post } from '../helpers/raw-http.js';

const MB = 1024 * 1024;

/** Memory the process holds on to (the adapter runs in it), after a full collection. */
function retained(): number {
  assert.ok(global.gc, 'run with --expose-gc (npm test does)');
  global.gc();
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.external;
}

/** Runs `work`, sampling RSS; returns the peak RSS growth and the memory still held afterwards. */
async function memoryOf(work: () => Promise<void>): Promise<{ peak: number; held: number }> {
  const startRss = process.memoryUsage().rss;
  const startHeld = retained();
  let peak = startRss;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
  try {
    await work();
  } finally {
    clearInterval(sampler);
  }
  await new Promise((resolve) => setTimeout(resolve, 200));
  return { peak: Math.max(peak, process.memoryUsage().rss) - startRss, held: retained() - startHeld };
}

/**
 * Bounded memory whatever the child or the client does: a child that floods stdout with 100 MB
 * (non-JSON lines, one line without an end, or notifications to a client that does not read)
 * leaves the adapter's memory bounded, and the session degrades rather than the process.
 */
test('a 100 MB stdout flood leaves the adapter memory bounded, and other sessions unaffected', {
  timeout: 300_000,
}, async () => {
  const adapter = await startAdapter({
    mcpServers: { fixture: nodeFixtureServer([], { request_timeout_seconds: 120 }) },
    adapter: { log_level: 'error' },
  });
  try {
    const endpoint = adapter.endpoint('fixture');
    const flooding = await openRawSession(endpoint);
    const healthy = await openRawSession(endpoint);

    const garbage = await memoryOf(async () => {
      assert.equal(await callToolRaw(endpoint, flooding, 'flood', { mb: 100, kind: 'garbage' }), `flooded ${100 * MB}`);
    });
    const unterminated = await memoryOf(async () => {
      assert.equal(
        await callToolRaw(endpoint, flooding, 'flood', { mb: 100, kind: 'unterminated' }),
        `flooded ${100 * MB}`,
      );
    });
    assert.ok(
      adapter.logs.some((log) => String(log.line ?? '').includes('without a message boundary, discarded')),
      'the oversized line is reported',
    );

    // Notifications for a client that never reads its response: its connection is cut, the stream's log stays bounded.
    const unread = await memoryOf(async () => {
      const response = await post(
        endpoint,
        {
          jsonrpc: '2.0',
          id: 'flood',
          method: 'tools/call',
          params: { name: 'flood', arguments: { mb: 100, kind: 'notifications' }, _meta: { progressToken: 'f' } },
        },
        { 'mcp-session-id': flooding },
      );
      assert.equal(response.status, 200);
      // The child finishes flooding while the body stays unread; a call on another session still works meanwhile.
      assert.equal(await callToolRaw(endpoint, healthy, 'echo', { text: 'still here' }), 'still here');
      await new Promise((resolve) => setTimeout(resolve, 3000));
      await response.body?.cancel();
    });
    for (const [kind, { peak, held }] of Object.entries({ garbage, unterminated, unread })) {
      // Buffering the flood would hold over 100 MB (JSON text is held twice over); the bounds are the SSE queue and the stream log (8 MB each) and the 16 MB line limit.
      assert.ok(held < 40 * MB, `${kind}: the adapter still holds ${Math.round(held / MB)} MB after a 100 MB flood`);
      assert.ok(peak < 250 * MB, `${kind}: the adapter's RSS peaked ${Math.round(peak / MB)} MB above its start`);
    }
    assert.equal(
      await callToolRaw(endpoint, flooding, 'echo', { text: 'the flooding session still works' }),
      'the flooding session still works',
    );
  } finally {
    await adapter.close();
  }
});
