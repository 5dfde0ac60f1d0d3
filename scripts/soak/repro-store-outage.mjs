#!/usr/bin/env node
// Reproduction: with a shared session store (MCP_ADAPTER_STORE_CONNECTION_STRING), bringing a
// session back (after a crash, a reclaim, or on another instance) first asks the store whether
// the session ended. When the store does not answer, that request waits with no time limit; when
// the store is down, the request fails with 500 (and so does DELETE of such a session).
//
//   node scripts/soak/repro-store-outage.mjs [--no-build] [--hang-seconds 15]
//
// Exit 1 when either shows.

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
  runMain,
  startAdapterProcess,
  startAzurite,
  trackDir,
  trackMarker,
  waitFor,
} from './lib.mjs';

const options = parseOptions(
  process.argv.slice(2),
  { noBuild: false, hangSeconds: 15 },
  'usage: node scripts/soak/repro-store-outage.mjs [--no-build] [--hang-seconds S]',
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
  const work = trackDir(fs.mkdtempSync(path.join(os.tmpdir(), `repro-store-${runId}-`)));
  const azurite = await startAzurite();
  onCleanup(() => {
    try {
      process.kill(azurite.pid, 'SIGCONT');
    } catch {
      /* gone */
    }
    return azurite.stop();
  });
  const configFile = path.join(work, 'mcp_config.json');
  fs.writeFileSync(
    configFile,
    JSON.stringify({
      mcpServers: { fx: { command: process.execPath, args: [FIXTURE], env: { MCP_SOAK_MARKER: runId } } },
    }),
  );
  const adapter = await startAdapterProcess({
    configFile,
    env: {
      MCP_ADAPTER_SESSION_KEY: randomBytes(32).toString('base64url'),
      MCP_ADAPTER_STORE_CONNECTION_STRING: azurite.connectionString,
      LOG_LEVEL: 'warn',
    },
    logFile: path.join(work, 'adapter.log'),
    name: 'store',
  });
  onCleanup(() => adapter.stop(5000));
  const url = `${adapter.url}/mcp`;
  const timed = async (method, id, body, timeoutMs) => {
    const t0 = Date.now();
    try {
      const r = await fetch(url, {
        method,
        headers: { ...H, ...(id ? { 'mcp-session-id': id } : {}) },
        body: body && JSON.stringify(body),
        signal: AbortSignal.timeout(timeoutMs),
      });
      const text = await r.text();
      return `${r.status} after ${Date.now() - t0} ms ${text.slice(0, 120)}`;
    } catch (error) {
      return `no answer after ${Date.now() - t0} ms (${error.name})`;
    }
  };
  const killChild = async () => {
    const child = markedProcesses(runId).find((c) => c.ppid === adapter.pid);
    process.kill(child.pid, 'SIGKILL');
    await waitFor(() => !markedProcesses(runId).some((c) => c.pid === child.pid), 5000, 50);
    await sleep(200);
  };
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
  console.log(`session opened: ${opened.status}`);
  let bug = false;

  // 1. The store hangs (SIGSTOP): a request that needs the child back waits as long as the store does.
  await killChild();
  process.kill(azurite.pid, 'SIGSTOP');
  const ping = timed('POST', id, { jsonrpc: '2.0', id: 2, method: 'ping' }, options.hangSeconds * 1000);
  await sleep(1000);
  const health = await getJson(`${adapter.url}/health`, 3000);
  const hung = await ping;
  console.log(`store stopped; child killed; ping → ${hung}; /health meanwhile → ${health.status}`);
  if (hung.startsWith('no answer')) bug = true;
  process.kill(azurite.pid, 'SIGCONT');
  console.log(`store resumed; ping → ${await timed('POST', id, { jsonrpc: '2.0', id: 3, method: 'ping' }, 30_000)}`);

  // 2. The store is gone: the same request, and DELETE, get 500.
  await killChild();
  process.kill(azurite.pid, 'SIGKILL');
  const down = await timed('POST', id, { jsonrpc: '2.0', id: 4, method: 'ping' }, 60_000);
  const deleted = await timed('DELETE', id, undefined, 60_000);
  console.log(`store killed; child killed; ping → ${down}`);
  console.log(`DELETE → ${deleted}`);
  if (/^500/.test(down) || /^500/.test(deleted)) bug = true;
  console.log(bug ? 'BUG REPRODUCED' : 'not reproduced');
  return bug ? 1 : 0;
}

runMain(main, 180_000);
