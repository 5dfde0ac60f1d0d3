#!/usr/bin/env node
// Minimal reproductions of what the fuzz run found, against one adapter process (node fixture).
//
//   node scripts/fuzz/repro.mjs [--no-build]
//
// Each case prints what it sent, what came back, and BUG or ok. Exit 1 when any case shows a bug.
// Loopback only; bounded; the adapter and its children are stopped at the end.

import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  FIXTURE,
  build,
  getJson,
  grepLog,
  markedProcesses,
  onCleanup,
  parseOptions,
  runMain,
  startAdapterProcess,
  trackDir,
  trackMarker,
} from '../soak/lib.mjs';

const options = parseOptions(
  process.argv.slice(2),
  { noBuild: false },
  'usage: node scripts/fuzz/repro.mjs [--no-build]',
);
const H = {
  'content-type': 'application/json',
  accept: 'application/json, text/event-stream',
  'mcp-protocol-version': '2025-11-25',
};
const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

async function main() {
  if (!options.noBuild) build();
  const runId = randomBytes(4).toString('hex');
  trackMarker(runId);
  const work = trackDir(fs.mkdtempSync(path.join(os.tmpdir(), `repro-${runId}-`)));
  const configFile = path.join(work, 'mcp_config.json');
  fs.writeFileSync(
    configFile,
    JSON.stringify({
      mcpServers: {
        fx: { command: process.execPath, args: [FIXTURE], env: { MCP_SOAK_MARKER: runId }, request_timeout_seconds: 3 },
      },
    }),
  );
  const logFile = path.join(work, 'adapter.log');
  const adapter = await startAdapterProcess({
    configFile,
    env: { MCP_ADAPTER_SINGLE_INSTANCE: 'true', LOG_LEVEL: 'warn' },
    logFile,
    name: 'repro',
  });
  onCleanup(() => adapter.stop(5000));
  const url = `${adapter.url}/mcp`;
  const children = () => markedProcesses(runId).filter((c) => c.ppid === adapter.pid).length;
  const open = async () => {
    const r = await fetch(url, {
      method: 'POST',
      headers: H,
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'repro', version: '1' } },
      }),
    });
    await r.text();
    return r.headers.get('mcp-session-id');
  };
  const post = async (id, body, timeoutMs = 10_000) => {
    try {
      const r = await fetch(url, {
        method: 'POST',
        headers: { ...H, 'mcp-session-id': id },
        body: typeof body === 'string' ? body : JSON.stringify(body),
        signal: AbortSignal.timeout(timeoutMs),
      });
      return { status: r.status, text: (await r.text()).slice(0, 160) };
    } catch (error) {
      return { status: null, text: error.name };
    }
  };
  const bugs = [];
  const report = (name, bug, lines) => {
    console.log(`\n## ${name}: ${bug ? 'BUG' : 'ok'}`);
    for (const line of lines) console.log(`   ${line}`);
    if (bug) bugs.push(name);
  };

  // 1. Deep nesting: JSON.parse takes it, JSON.stringify (framing to the child) overflows the stack.
  {
    const id = await open();
    const depth = 5000;
    const body = `{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"echo","arguments":{"text":"x","deep":${'['.repeat(depth)}${']'.repeat(depth)}}}}`;
    const r = await post(id, body);
    await sleep(3500); // the request was tracked before the send threw: it times out later
    const timedOut = grepLog(logFile, (rec) => rec.message === 'request timed out').length;
    report('deep nesting (params nested 5000 deep, a 10 kB body) → 500', r.status === 500, [
      `POST tools/call with arguments.deep = ${depth} nested arrays (${body.length} bytes) → ${r.status} ${r.text}`,
      `log: ${grepLog(logFile, (rec) => /Maximum call stack/.test(String(rec.error))).length} "request failed: RangeError: Maximum call stack size exceeded" (encodeMessage); then ${timedOut} "request timed out" for the request the child never got`,
    ]);
  }

  // 2. TRACE: the web Request constructor refuses it; the node host answers 500.
  {
    const r = await new Promise((resolve) => {
      const req = http.request({ host: '127.0.0.1', port: adapter.port, method: 'TRACE', path: '/health' }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode));
      });
      req.on('error', (e) => resolve(e.code));
      req.end();
    });
    report('TRACE (any path) → 500', r === 500, [
      `TRACE /health → ${r} (expected 405); log: "unhandled request error: TypeError: 'TRACE' HTTP method is unsupported."`,
    ]);
  }

  // 3. Two requests with one JSON-RPC id in flight: the first is never answered, not even by the request timeout.
  {
    const id = await open();
    const t0 = Date.now();
    const first = post(
      id,
      {
        jsonrpc: '2.0',
        id: 42,
        method: 'tools/call',
        params: { name: 'progress', arguments: { steps: 2, delayMs: 300 } },
      },
      10_000,
    ).then((r) => ({ ...r, ms: Date.now() - t0 }));
    await sleep(100);
    const second = await post(id, { jsonrpc: '2.0', id: 42, method: 'ping' });
    const r = await first;
    report('duplicate in-flight JSON-RPC id → the first POST hangs forever', r.status === null, [
      `POST progress (id 42, ~600 ms), then POST ping (id 42) on the same session`,
      `ping → ${second.status} ${second.text}`,
      `progress → ${r.status ?? 'no answer'} after ${r.ms} ms (request_timeout_seconds is 3; the child's answer is logged as "dropped a response to no pending request")`,
    ]);
  }

  // 4. Session ids are malleable: another base64url spelling of the same JWE opens the same claims.
  {
    const id = await open();
    const parts = id.split('.');
    const tag = parts[4];
    parts[4] = tag.slice(0, -1) + B64URL[B64URL.indexOf(tag.at(-1)) ^ 1]; // a spare bit of the 22-character tag
    const variant = parts.join('.');
    const before = children();
    const a = await post(id, {
      jsonrpc: '2.0',
      id: 2,
      method: 'tools/call',
      params: { name: 'whoami', arguments: {} },
    });
    const b = await post(variant, {
      jsonrpc: '2.0',
      id: 3,
      method: 'tools/call',
      params: { name: 'whoami', arguments: {} },
    });
    const pid = (r) => /\\"pid\\":(\d+)/.exec(r.text)?.[1];
    const afterVariant = children();
    const deleted = await fetch(url, { method: 'DELETE', headers: { ...H, 'mcp-session-id': id } });
    const c = await post(id, { jsonrpc: '2.0', id: 4, method: 'ping' });
    const d = await post(variant, { jsonrpc: '2.0', id: 5, method: 'ping' });
    const third = parts.slice();
    third[4] = tag.slice(0, -1) + B64URL[B64URL.indexOf(tag.at(-1)) ^ 2];
    const e = await post(third.join('.'), { jsonrpc: '2.0', id: 6, method: 'ping' });
    report(
      'session id malleability: one session, several ids; DELETE does not end the others',
      b.status === 200 || d.status === 200 || e.status === 200,
      [
        `id and a variant differing only in the last character of the tag (same decoded bytes): ${id.slice(-6)} vs ${variant.slice(-6)}`,
        `whoami with the id → ${a.status} pid ${pid(a)}; with the variant → ${b.status} pid ${pid(b)} (a second child for the same session); children ${before} → ${afterVariant}`,
        `DELETE with the id → ${deleted.status}; then ping with the id → ${c.status}, with the variant → ${d.status}, with a third spelling → ${e.status} (expected 404 for all)`,
      ],
    );
    for (const v of [variant, third.join('.')])
      await fetch(url, { method: 'DELETE', headers: { ...H, 'mcp-session-id': v } })
        .then((r) => r.text())
        .catch(() => {});
  }

  // 5. A request body cut short by the client: logged as an adapter error (and a 500 nobody reads).
  {
    const id = await open();
    const aborted = () => grepLog(logFile, (rec) => rec.level === 'error' && /aborted/.test(String(rec.error)), 1000);
    const before = aborted().length;
    await new Promise((resolve) => {
      const socket = net.connect(adapter.port, '127.0.0.1', () => {
        socket.write(
          `POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\ncontent-type: application/json\r\naccept: application/json, text/event-stream\r\nmcp-session-id: ${id}\r\ntransfer-encoding: chunked\r\n\r\n10\r\n{"jsonrpc":"2.0"`,
        );
        setTimeout(() => socket.destroy(), 100);
      });
      socket.on('close', resolve);
      socket.on('error', () => {});
    });
    await sleep(300);
    const lines = aborted().slice(before);
    report('client aborts its upload → logged at error level', lines.length > 0, [
      `chunked POST cut after 16 bytes, socket closed → ${lines.length} error-level line(s): ${lines.map((l) => `"${l.message}: ${String(l.error).split('\n')[0]}"`).join(', ') || 'none'}; a client going away is not an adapter error`,
    ]);
  }

  // 6. Duplicate Mcp-Session-Id headers are joined ("a, b") and answered 404.
  {
    const id = await open();
    const text = await new Promise((resolve) => {
      const socket = net.connect(adapter.port, '127.0.0.1', () =>
        socket.write(
          `POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\ncontent-type: application/json\r\naccept: application/json, text/event-stream\r\nmcp-session-id: ${id}\r\nmcp-session-id: ${id}\r\ncontent-length: 40\r\nconnection: close\r\n\r\n{"jsonrpc":"2.0","id":5,"method":"ping"}`,
        ),
      );
      let out = '';
      socket.on('data', (d) => (out += d));
      socket.on('close', () => resolve(out));
      socket.on('error', () => resolve(out));
      setTimeout(() => socket.destroy(), 3000);
    });
    const status = /^HTTP\/1\.1 (\d+)/.exec(text)?.[1];
    report('duplicate Mcp-Session-Id header (same value twice) → 404 "Session not found"', false, [
      `→ ${status}: the values are joined into "<id>, <id>", which matches no session; 400 "one Mcp-Session-Id" would say what is wrong (low; not counted as a bug)`,
    ]);
  }

  // 7. Bodies over max_body_bytes are read whole before they are refused (up to the host's hard limit).
  {
    const { memoryOf } = await import('../soak/lib.mjs');
    const size = 60 * 1024 * 1024;
    const chunk = Buffer.alloc(1024 * 1024, 0x20);
    const rssBefore = memoryOf(adapter.pid)?.rssKb ?? 0;
    const one = () =>
      new Promise((resolve) => {
        const t0 = Date.now();
        let sent = 0;
        const req = http.request(
          {
            host: '127.0.0.1',
            port: adapter.port,
            method: 'POST',
            path: '/mcp',
            headers: { ...H, 'content-length': String(size) },
          },
          (res) => {
            res.resume();
            res.on('end', () =>
              resolve({ status: res.statusCode, ms: Date.now() - t0, sentMb: Math.round(sent / 2 ** 20) }),
            );
          },
        );
        req.on('error', (e) => resolve({ status: e.code, ms: Date.now() - t0, sentMb: Math.round(sent / 2 ** 20) }));
        const pump = () => {
          while (sent < size) {
            sent += chunk.length;
            if (!req.write(chunk)) return req.once('drain', pump);
          }
          req.end();
        };
        pump();
      });
    const results = await Promise.all(Array.from({ length: 6 }, one));
    const hwm = memoryOf(adapter.pid)?.hwmKb ?? 0;
    const mb = (kb) => Math.round(kb / 1024);
    const buffered = results.every((r) => r.sentMb >= 59);
    report(
      'bodies over max_body_bytes (4 MB) are buffered whole (up to 64 MB each) before the 413',
      buffered || hwm - rssBefore > 200 * 1024,
      [
        `6 concurrent POSTs declaring content-length ${size} (60 MB): ${results.map((r) => `${r.status} after ${r.ms} ms, ${r.sentMb} MB accepted`).join('; ')}`,
        `adapter RSS before ${mb(rssBefore)} MB, peak (VmHWM) ${mb(hwm)} MB; a declared length over the limit could be refused before reading`,
      ],
    );
  }

  console.log(`\nstatus: ${JSON.stringify((await getJson(`${adapter.url}/status`)).body)}; bugs: ${bugs.length}`);
  return bugs.length ? 1 : 0;
}

runMain(main, 120_000);
