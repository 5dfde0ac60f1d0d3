#!/usr/bin/env node
// The adapter's own CPU per call, quickly and A/B: one raw-HTTP client (keep-alive, prebuilt
// bodies) calls server-everything's echo back to back through an adapter built in <root> (its
// dist/), and the gateway's user+system CPU from /proc is divided by the calls. Alternate two
// roots (e.g. a `git worktree` of an older commit with node_modules linked) to compare them in
// one sitting; bench/run.mjs is the full benchmark. Children run as the adapter's user
// (MCP_ADAPTER_ISOLATION=shared_user unless set). PROF=1 writes a CPU profile to ./prof.
//   node bench/sequential-cpu.mjs <root> [calls=3000] [era=2025|2026] [adapter|floor]
import { spawn } from 'node:child_process';
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
const [root, callsArg = '3000', era = '2025', mode = 'adapter'] = process.argv.slice(2);
const CALLS = Number(callsArg);
const SERVER = fileURLToPath(import.meta.resolve('@modelcontextprotocol/server-everything/package.json')).replace(
  /package\.json$/,
  'dist/index.js',
);
const port = await new Promise((r) => {
  const s = net.createServer().listen(0, '127.0.0.1', () => {
    const p = s.address().port;
    s.close(() => r(p));
  });
});
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hot-'));
const config = path.join(dir, 'mcp_config.json');
fs.writeFileSync(
  config,
  JSON.stringify({ mcpServers: { everything: { command: process.execPath, args: [SERVER, 'stdio'] } } }),
);
const env = {
  ...process.env,
  PORT: String(port),
  HOST: '127.0.0.1',
  MCP_ADAPTER_ISOLATION: process.env.MCP_ADAPTER_ISOLATION ?? 'shared_user',
};
const log = fs.openSync(path.join(dir, 'log'), 'w');
const args =
  mode === 'floor'
    ? [fileURLToPath(new URL('./http-floor.mjs', import.meta.url)), String(port)]
    : [
        ...(process.env.PROF ? ['--cpu-prof', '--cpu-prof-dir', 'prof'] : []),
        path.join(root, 'dist/cli/main.js'),
        'serve',
        '--config',
        config,
      ];
const gw = spawn(process.execPath, args, { env, stdio: ['ignore', log, log] });
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
function post(body, headers = {}) {
  return new Promise((resolve, reject) => {
    const data = Buffer.from(body);
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        path: '/mcp',
        method: 'POST',
        agent,
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          'content-length': data.length,
          ...headers,
        },
      },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString() }),
        );
      },
    );
    req.on('error', reject);
    req.end(data);
  });
}
for (let i = 0; i < 100; i++) {
  try {
    await post('{}');
    break;
  } catch {
    await new Promise((r) => setTimeout(r, 100));
  }
}
const cpuParts = (pid) => {
  const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return [Number(f[11]) * 10, Number(f[12]) * 10];
};
const cpu = (pid) => {
  const [u, s] = cpuParts(pid);
  return u + s;
};
let headers = {};
if (era === '2025') {
  const init = await post(
    JSON.stringify({
      jsonrpc: '2.0',
      id: 0,
      method: 'initialize',
      params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'hot', version: '1' } },
    }),
  );
  headers = { 'mcp-session-id': init.headers['mcp-session-id'], 'mcp-protocol-version': '2025-11-25' };
  await post(JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }), headers);
} else {
  headers = { 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/call', 'mcp-name': 'echo' };
}
const meta =
  era === '2026'
    ? ',"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientInfo":{"name":"hot","version":"1"},"io.modelcontextprotocol/clientCapabilities":{}}'
    : '';
const body = (id) =>
  `{"jsonrpc":"2.0","id":${id},"method":"tools/call","params":{"name":"echo","arguments":{"message":"hello"}${meta}}}`;
for (let i = 1; i <= 200; i++) {
  const r = await post(body(i), headers);
  if (r.status !== 200 || !r.body.includes('Echo')) {
    console.error('bad', r.status, r.body.slice(0, 300));
    process.exit(1);
  }
}
const p0 = cpuParts(gw.pid);
const c0 = cpu(gw.pid);
const t0 = performance.now();
for (let i = 1000; i < 1000 + CALLS; i++) {
  const r = await post(body(i), headers);
  if (r.status !== 200) {
    console.error('bad', r.status, r.body);
    process.exit(1);
  }
}
const t1 = performance.now();
const c1 = cpu(gw.pid);
const p1 = cpuParts(gw.pid);
console.log(
  JSON.stringify({
    mode,
    era,
    calls: CALLS,
    cpuPerCallMs: +((c1 - c0) / CALLS).toFixed(3),
    userMs: +((p1[0] - p0[0]) / CALLS).toFixed(3),
    sysMs: +((p1[1] - p0[1]) / CALLS).toFixed(3),
    wallPerCallMs: +((t1 - t0) / CALLS).toFixed(3),
  }),
);
gw.kill('SIGTERM');
await new Promise((r) => gw.once('exit', r));
agent.destroy();
