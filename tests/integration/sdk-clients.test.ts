import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { connectClient, textOf, type TestClient } from '../helpers/clients.js';
import {
  eventually,
  isAlive,
  nodeFixtureServer,
  pythonFixtureServer,
  startAdapter,
  type TestAdapter,
} from '../helpers/adapter.js';

/**
 * End to end: the MCP SDK's Streamable HTTP client (v2, and v1 which deployed clients still
 * run) over real HTTP on 127.0.0.1, the adapter, and real child processes: the Node fixture
 * (newline-delimited JSON), the Python standard-library fixture, and a Content-Length fixture.
 */
const children = {
  'node-ndjson': nodeFixtureServer(),
  python: pythonFixtureServer(),
  'node-content-length': nodeFixtureServer(['--framing', 'content-length'], { framing: 'content-length' }),
  // Framing not configured: detected from the child's first answer.
  'node-content-length-autodetected': nodeFixtureServer(['--framing', 'content-length-lenient']),
} as const;

for (const sdk of ['v2', 'v1'] as const) {
  for (const [kind, server] of Object.entries(children)) {
    describe(`SDK ${sdk} client through the adapter to ${kind}`, () => {
      let adapter: TestAdapter;
      const pids: number[] = [];
      const pidOf = async (client: TestClient) => JSON.parse(textOf(await client.callTool('whoami'))).pid as number;

      before(async () => {
        adapter = await startAdapter({ mcpServers: { fixture: server } });
      });
      after(async () => {
        await adapter.close();
        for (const pid of pids) assert.equal(isAlive(pid), false, `child ${pid} outlived the host`);
      });

      test('two concurrent sessions get their own child processes and tool calls work', async () => {
        const [a, b] = await Promise.all([
          connectClient(sdk, adapter.endpoint('fixture')),
          connectClient(sdk, adapter.endpoint('fixture')),
        ]);
        try {
          assert.notEqual(a.sessionId, b.sessionId);
          const [pidA, pidB] = await Promise.all([pidOf(a), pidOf(b)]);
          pids.push(pidA, pidB);
          assert.notEqual(pidA, pidB);
          assert.ok((await a.listTools()).includes('echo'));
          assert.equal(textOf(await b.callTool('echo', { text: 'héllo wörld' })), 'héllo wörld');
        } finally {
          await Promise.all([a.close(), b.close()]);
        }
      });

      test('progress notifications arrive before the result', async () => {
        const client = await connectClient(sdk, adapter.endpoint('fixture'));
        try {
          const events: string[] = [];
          const result = await client.callTool('progress', { steps: 3, delayMs: 10 }, (progress) =>
            events.push(`progress ${progress.progress}/${progress.total}`),
          );
          events.push(textOf(result));
          assert.deepEqual(events, ['progress 1/3', 'progress 2/3', 'progress 3/3', 'done 3']);
        } finally {
          await client.close();
        }
      });

      test('sampling and elicitation requests from the child reach the client and its answers reach the child', async () => {
        const client = await connectClient(sdk, adapter.endpoint('fixture'), {
          samplingText: `from ${sdk}`,
          elicitContent: { name: 'Grace' },
        });
        try {
          assert.equal(textOf(await client.callTool('sample', { prompt: 'hi' })), `sampled: from ${sdk}`);
          assert.equal(
            textOf(await client.callTool('elicit', { message: 'who?' })),
            'elicited: accept {"name":"Grace"}',
          );
        } finally {
          await client.close();
        }
      });

      test('DELETE ends the session and its child', async () => {
        const client = await connectClient(sdk, adapter.endpoint('fixture'));
        const pid = await pidOf(client);
        pids.push(pid);
        assert.equal(isAlive(pid), true);
        await client.terminate();
        assert.equal(await eventually(() => !isAlive(pid)), true, 'child still alive after DELETE');
        await client.close();
      });
    });
  }
}

describe('idle sessions', () => {
  test('the idle timeout reaps the session and its child, even with a GET stream open', async () => {
    const adapter = await startAdapter({
      mcpServers: { fixture: nodeFixtureServer([], { sessions: { idle_timeout_seconds: 0.5 } }) },
    });
    try {
      const client = await connectClient('v2', adapter.endpoint('fixture'));
      const pid = JSON.parse(textOf(await client.callTool('whoami'))).pid as number;
      assert.equal(await eventually(() => !isAlive(pid), 5000), true, 'idle child was not reaped');
      assert.equal(adapter.sessions.size, 0);
      await client.close();
    } finally {
      await adapter.close();
    }
  });
});
