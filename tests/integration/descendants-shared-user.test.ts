import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { cleanLeftovers, processesWithHome } from '../../src/process/leftovers.js';
import { eventually, fixtureServers, isAlive, openRawSession, startAdapter } from '../helpers/adapter.js';
import { callToolRaw } from '../helpers/raw-http.js';

/**
 * Children sharing the adapter's user (npm test, Flex Consumption): a process group does not hold
 * a `setsid` grandchild, but the child's private HOME in its environment does. On Linux every
 * descendant that keeps it ends with its session, and what a killed adapter's children left is
 * cleaned at the next start. One that clears its environment is out of reach (README: Child
 * isolation); `npm run test:isolation` shows a user per child ends it too.
 */
function hostile(): Record<string, unknown> {
  return { command: process.execPath, args: [path.join(fixtureServers, 'hostile-child.mjs')] };
}

async function probe(endpoint: URL, session: string, args: Record<string, unknown>): Promise<number> {
  const answer = JSON.parse(await callToolRaw(endpoint, session, 'probe', args)) as { ok: boolean; value: number };
  assert.equal(answer.ok, true, JSON.stringify(answer));
  return answer.value;
}

// Linux, as Azure Functions and CI are: elsewhere there is no /proc, and only the process group ends.
describe('descendants of a child sharing the adapter user', () => {
  test('a setsid grandchild ends when its session is deleted; one that cleared its environment does not', async () => {
    const adapter = await startAdapter({ mcpServers: { hostile: hostile() } });
    try {
      const endpoint = adapter.endpoint('hostile');
      const session = await openRawSession(endpoint);
      const escaped = await probe(endpoint, session, { action: 'escape' });
      const hidden = await probe(endpoint, session, { action: 'escape', scrub_env: true });
      assert.equal(isAlive(escaped), true);
      const response = await fetch(endpoint, {
        method: 'DELETE',
        headers: { 'mcp-session-id': session, 'mcp-protocol-version': '2025-11-25' },
      });
      assert.equal(response.status, 200);
      assert.ok(await eventually(() => !isAlive(escaped), 10_000), 'the grandchild carrying the child HOME is killed');
      assert.equal(isAlive(hidden), true, 'one with an empty environment is out of reach (the documented limit)');
      process.kill(hidden, 'SIGKILL');
    } finally {
      await adapter.close();
    }
  });

  test("a killed adapter's leftovers: folders of adapters that are gone, and the processes living in them, are removed; a live adapter's are not", async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'mcp-leftovers-test-'));
    // A pid no process has: the adapter that made the folder is gone.
    const gone = 4_000_000;
    const deadDir = path.join(root, `mcp-${gone}-server-abc123`);
    const liveDir = path.join(root, `mcp-${process.pid}-server-def456`);
    for (const dir of [deadDir, liveDir]) mkdirSync(path.join(dir, 'home'), { recursive: true });
    const orphan = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], {
      detached: true,
      stdio: 'ignore',
      env: { ...process.env, HOME: path.join(deadDir, 'home') },
    });
    orphan.unref();
    const neighbour = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], {
      detached: true,
      stdio: 'ignore',
      env: { ...process.env, HOME: path.join(liveDir, 'home') },
    });
    neighbour.unref();
    try {
      assert.ok(await eventually(() => processesWithHome(path.join(deadDir, 'home')).includes(orphan.pid!)));
      assert.deepEqual(cleanLeftovers(root), { folders: 1, processes: 1 });
      assert.ok(await eventually(() => !isAlive(orphan.pid!)), "the dead adapter's orphan is killed");
      assert.equal(existsSync(deadDir), false);
      assert.equal(existsSync(liveDir), true, "a running adapter's folder stays");
      assert.equal(isAlive(neighbour.pid!), true, "and so do its children's processes");
      assert.deepEqual(
        processesWithHome(path.join(root, `mcp-${process.pid}-server-def4`)),
        [],
        'a HOME is matched whole, never by prefix',
      );
    } finally {
      for (const child of [orphan, neighbour]) if (isAlive(child.pid!)) process.kill(child.pid!, 'SIGKILL');
    }
  });
});
