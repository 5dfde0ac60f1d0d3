#!/usr/bin/env node
// Reproduction: a session DELETEd on instance A while instance B is bringing it back (re-spawn +
// replayed initialize) stays alive on B: B's ended-session poll sees the DELETE while the session
// is not yet in its live map, and the next poll's window has moved past it.
//
//   node scripts/soak/repro-delete-race.mjs [--no-build]
//
// Two adapters share MCP_ADAPTER_SESSION_KEY and Azurite's Table service; the fixture child
// takes 4 s to start (`sh -c 'sleep 4; exec node fixture'`), so B's rehydration straddles a poll.
// Exit 1 when the bug shows (the DELETEd session still answers on B 8 s later), 0 otherwise.

import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  FIXTURE,
  build,
  getJson,
  markedProcesses,
  parseOptions,
  runMain,
  startAdapterProcess,
  startAzurite,
  trackDir,
  trackMarker,
  onCleanup,
} from './lib.mjs';

const options = parseOptions(
  process.argv.slice(2),
  { noBuild: false, startDelay: 4 },
  'usage: node scripts/soak/repro-delete-race.mjs [--no-build] [--start-delay S]',
);
const H = {
  'content-type': 'application/json',
  accept: 'application/json, text/event-stream',
  'mcp-protocol-version': '2025-11-25',
};

async function main() {
  if (!options.noBuild) build();
  const runId = randomBytes(4).toString('hex');
  trackMarker(runId);
  const work = trackDir(fs.mkdtempSync(path.join(os.tmpdir(), `repro-race-${runId}-`)));
  const azurite = await startAzurite();
  onCleanup(() => azurite.stop());
  const config = {
    mcpServers: {
      slow: {
        command: '/bin/sh',
        args: ['-c', `sleep ${options.startDelay}; exec "$0" "$1"`, process.execPath, FIXTURE],
        env: { MCP_SOAK_MARKER: runId },
      },
    },
  };
  const configFile = path.join(work, 'mcp_config.json');
  fs.writeFileSync(configFile, JSON.stringify(config));
  const env = {
    MCP_ADAPTER_SESSION_KEY: randomBytes(32).toString('base64url'),
    MCP_ADAPTER_STORE_CONNECTION_STRING: azurite.connectionString,
    LOG_LEVEL: 'warn',
  };
  const [a, b] = await Promise.all(
    ['A', 'B'].map((name) => startAdapterProcess({ configFile, env, logFile: path.join(work, `${name}.log`), name })),
  );
  onCleanup(async () => {
    await a.stop(5000);
    await b.stop(5000);
  });
  const post = (adapter, body, sessionId) =>
    fetch(`${adapter.url}/mcp`, {
      method: 'POST',
      headers: { ...H, ...(sessionId ? { 'mcp-session-id': sessionId } : {}) },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(30_000),
    });
  const initialize = {
    jsonrpc: '2.0',
    id: 1,
    method: 'initialize',
    params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'repro', version: '1' } },
  };

  // Another session lives on B, so B's ended-session poll runs (it skips while B holds none).
  const other = await post(b, initialize);
  await other.text();
  console.log(`B holds another session (${other.status})`);

  const opened = await post(a, initialize);
  const id = opened.headers.get('mcp-session-id');
  await opened.text();
  console.log(`session opened on A (${opened.status})`);

  const t0 = Date.now();
  const onB = post(b, { jsonrpc: '2.0', id: 2, method: 'ping' }, id).then(
    async (r) => `${r.status} after ${Date.now() - t0} ms`,
  );
  await sleep(300);
  const deleted = await fetch(`${a.url}/mcp`, { method: 'DELETE', headers: { ...H, 'mcp-session-id': id } });
  console.log(`DELETE on A at +${Date.now() - t0} ms: ${deleted.status}`);
  console.log(`ping on B (started before the DELETE; B was bringing the session back): ${await onB}`);
  await sleep(8000);
  const again = await post(b, { jsonrpc: '2.0', id: 3, method: 'ping' }, id);
  await again.text();
  const status = (await getJson(`${b.url}/status`)).body;
  const children = markedProcesses(runId).filter((c) => c.ppid === b.pid).length;
  console.log(
    `8 s later, ping on B with the DELETEd id: ${again.status} (expected 404); B /status ${JSON.stringify(status)}; B children ${children}`,
  );
  const bug = again.status === 200;
  console.log(
    bug
      ? 'BUG REPRODUCED: the DELETEd session is still served by B (and keeps its child until the idle timeout)'
      : 'not reproduced',
  );
  return bug ? 1 : 0;
}

runMain(main, 120_000);
