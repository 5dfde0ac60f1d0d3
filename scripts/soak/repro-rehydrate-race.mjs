#!/usr/bin/env node
// Reproduction: concurrent requests for a session that must be brought back (crashed child,
// reclaimed child, or a session of another instance) can start TWO children for it.
// SessionManager.find() checks `live`, then awaits tokens.open(id), then checks `rehydrating`:
// a request whose open() resolves just after another request's rehydration finished (and removed
// its `rehydrating` entry) starts a second rehydration. The second Session replaces the first in
// `live`; the first, with its child, is orphaned: /status does not count it, DELETE and the
// ended-session poll do not end it, drain does not stop it (its private folder is left behind).
//
//   node scripts/soak/repro-rehydrate-race.mjs [--no-build] [--rounds 10] [--burst 60]
//
// One adapter (no store needed). Each round: SIGKILL the session's child, then fire a burst of
// concurrent pings spread over ~300 ms, then compare the children on the host with /status.
// Exit 1 when an orphan shows.

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
  onCleanup,
  parseOptions,
  privateDirs,
  runMain,
  startAdapterProcess,
  trackDir,
  trackMarker,
  trackServerName,
  waitFor,
} from './lib.mjs';

const options = parseOptions(
  process.argv.slice(2),
  { noBuild: false, rounds: 10, burst: 60 },
  'usage: node scripts/soak/repro-rehydrate-race.mjs [--no-build] [--rounds N] [--burst N]',
);
const H = {
  'content-type': 'application/json',
  accept: 'application/json, text/event-stream',
  'mcp-protocol-version': '2025-11-25',
};

async function main() {
  if (!options.noBuild) build();
  const runId = randomBytes(4).toString('hex');
  const serverName = `race-${runId}`;
  trackMarker(runId);
  trackServerName(serverName);
  const work = trackDir(fs.mkdtempSync(path.join(os.tmpdir(), `repro-rehydrate-${runId}-`)));
  const configFile = path.join(work, 'mcp_config.json');
  fs.writeFileSync(
    configFile,
    JSON.stringify({
      mcpServers: {
        [serverName]: {
          command: process.execPath,
          args: [FIXTURE],
          env: { MCP_SOAK_MARKER: runId },
          max_restarts: 1000,
        },
      },
    }),
  );
  const adapter = await startAdapterProcess({
    configFile,
    env: { MCP_ADAPTER_SINGLE_INSTANCE: 'true', LOG_LEVEL: 'warn' },
    logFile: path.join(work, 'adapter.log'),
    name: 'race',
  });
  onCleanup(() => adapter.stop(5000));
  const url = `${adapter.url}/mcp`;
  const children = () => markedProcesses(runId).filter((c) => c.ppid === adapter.pid);
  const opened = await fetch(url, {
    method: 'POST',
    headers: H,
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'repro', version: '1' } },
    }),
  });
  const id = opened.headers.get('mcp-session-id');
  await opened.text();
  let orphaned = false;
  let n = 10;
  for (let round = 1; round <= options.rounds && !orphaned; round++) {
    for (const child of children()) process.kill(child.pid, 'SIGKILL');
    await waitFor(() => children().length === 0, 5000, 20);
    await sleep(100);
    const statuses = await Promise.all(
      Array.from({ length: options.burst }, async (_, i) => {
        await sleep(Math.floor((i * 300) / options.burst));
        const r = await fetch(url, {
          method: 'POST',
          headers: { ...H, 'mcp-session-id': id },
          body: JSON.stringify({ jsonrpc: '2.0', id: n++, method: 'ping' }),
          signal: AbortSignal.timeout(20_000),
        }).catch((e) => ({ status: e.name }));
        return r.status;
      }),
    );
    await sleep(300);
    const status = (await getJson(`${adapter.url}/status`)).body;
    const onHost = children().length;
    const counted = status?.servers?.[serverName]?.childrenAlive;
    console.log(
      `round ${round}: ${statuses.filter((s) => s === 200).length}/${statuses.length} pings 200; children on the host ${onHost}, by /status ${counted}`,
    );
    if (onHost > counted) orphaned = true;
  }
  if (!orphaned) {
    console.log('not reproduced');
    return 0;
  }
  const deleted = await fetch(url, { method: 'DELETE', headers: { ...H, 'mcp-session-id': id } });
  await sleep(1500);
  console.log(
    `DELETE → ${deleted.status}; children left on the host: ${children().length} (expected 0); /status ${JSON.stringify((await getJson(`${adapter.url}/status`)).body)}`,
  );
  const stop = await adapter.stop(30_000);
  await sleep(500);
  console.log(`adapter stopped (${JSON.stringify(stop)}); private folders left: ${privateDirs(serverName).length}`);
  console.log('BUG REPRODUCED: one session, two children; the orphan outlives DELETE and drain');
  return 1;
}

runMain(main, 180_000);
