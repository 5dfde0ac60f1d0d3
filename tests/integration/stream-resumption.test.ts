import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { connectClient, textOf } from '../helpers/clients.js';
import { nodeFixtureServer, openRawSession, startAdapter, MCP_HEADERS } from '../helpers/adapter.js';
import { post, toolCall } from '../helpers/raw-http.js';

/**
 * Streams that survive the platform: SSE responses are ended by the adapter before a limit (here
 * 0.4 s, on Azure 180 s under the front end's 230 s), and clients resume with GET + Last-Event-ID,
 * missing nothing and receiving nothing twice.
 */
describe('resumable streams', () => {
  for (const sdk of ['v2', 'v1'] as const) {
    test(`SDK ${sdk}: a call whose progress outlasts several stream limits completes through resumption`, async () => {
      const adapter = await startAdapter({
        mcpServers: { fixture: nodeFixtureServer() },
        adapter: { stream_limit_seconds: 0.4 },
      });
      try {
        const client = await connectClient(sdk, adapter.endpoint('fixture'));
        const seen: number[] = [];
        const result = await client.callTool('progress', { steps: 12, delayMs: 100 }, (progress) =>
          seen.push(progress.progress),
        );
        assert.equal(textOf(result), 'done 12');
        assert.deepEqual(seen, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], 'every progress notification, once, in order');
        await client.close();
      } finally {
        await adapter.close();
      }
    });
  }

  test('on the wire: a priming event with an id and retry, a cut connection, then GET with Last-Event-ID replays what was missed', async () => {
    const adapter = await startAdapter({
      mcpServers: { fixture: nodeFixtureServer() },
      adapter: { stream_limit_seconds: 0.25 },
    });
    try {
      const endpoint = adapter.endpoint('fixture');
      const session = await openRawSession(endpoint);
      const response = await post(
        endpoint,
        {
          ...toolCall(7, 'progress', { steps: 6, delayMs: 100 }),
          params: { name: 'progress', arguments: { steps: 6, delayMs: 100 }, _meta: { progressToken: 'p' } },
        },
        { 'mcp-session-id': session },
      );
      const first = await response.text(); // ends at the stream limit, before the result
      const ids = [...first.matchAll(/^id: (\S+)$/gm)].map((m) => m[1]!);
      assert.match(first, /^id: \S+\.0\nretry: 1000\ndata: \n\n/, 'priming event first');
      assert.equal(first.includes('"result"'), false, 'cut before the result');
      const resumed = await fetch(endpoint, {
        headers: { accept: 'text/event-stream', 'mcp-session-id': session, 'last-event-id': ids.at(-1)! },
      });
      assert.equal(resumed.status, 200);
      let rest = await resumed.text();
      while (!rest.includes('"result"')) {
        const more = await fetch(endpoint, {
          headers: {
            accept: 'text/event-stream',
            'mcp-session-id': session,
            'last-event-id': [...rest.matchAll(/^id: (\S+)$/gm)].at(-1)?.[1] ?? ids.at(-1)!,
          },
        });
        rest += await more.text();
      }
      const progress = [...(first + rest).matchAll(/"progress":(\d+)/g)].map((m) => Number(m[1]));
      assert.deepEqual(progress, [1, 2, 3, 4, 5, 6], 'nothing lost, nothing twice');
      const unknown = await fetch(endpoint, {
        headers: { ...MCP_HEADERS, 'mcp-session-id': session, 'last-event-id': 'nosuchstream.3' },
      });
      assert.equal(unknown.status, 404);
      assert.deepEqual(await unknown.json(), {
        jsonrpc: '2.0',
        id: null,
        error: {
          code: -32000,
          message:
            'Not Found: no event stream of this session has event "nosuchstream.3" (it ended, or its events are gone); start a new request',
        },
      });
    } finally {
      await adapter.close();
    }
  });
});
