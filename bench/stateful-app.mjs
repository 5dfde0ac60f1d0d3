#!/usr/bin/env node
// The stateful app of issue 18 (docs/scale-out-decision.md, "Bench rows"), measured on 127.0.0.1:
// adapter instances with MCP_ADAPTER_APP_ROLE=stateful share one Table store (Azurite) and only the
// holder of the app's serving lease runs children; the others answer 503 + Retry-After.
//
//   node bench/stateful-app.mjs            every phase, ~4 minutes on 2 cores (--rounds=5: as committed)
//   node bench/stateful-app.mjs --help     the options
//
// Phases (in this order, all in one run):
//   latency   sequential echo, p50/p99 and the adapter's CPU per call (user+system CPU of the
//             adapter process's threads from /proc/<pid>/task/<tid>/schedstat, children excluded,
//             divided by the calls), targets side by side: each round starts a fresh instance of
//             every target, one session each, --warmup calls each (JIT), then --calls measured
//             calls per target in --blocks blocks, the targets taking turns (round r starts with
//             target r mod n, block b with the next b), so other load hits every target alike:
//               plain         no role, no store: today's adapter as `npm start` runs it
//               shared-store  no role, the shared Table store: today's adapter as deployed
//               stateful      MCP_ADAPTER_APP_ROLE=stateful + the lease (+ the store it needs), as
//                             its steady state: the lease is held, each request checks it with a
//                             clock comparison
//             "stateful" against "shared-store" isolates the lease check (both load the store);
//             the report has the per-round differences and their median.
//   failover  two stateful instances behind a round-robin proxy that skips a dead upstream (as
//             tests/helpers/routing-proxy.ts with failover); one 2025-11-25 session through the
//             proxy; the holder is SIGKILLed; the client retries every --retry-ms on 503 until a
//             call succeeds at the other instance, which re-creates the session (a new child, the
//             client's initialize replayed by the adapter). Measured: kill → first success, the
//             503s meanwhile, and how much of it is the lease itself (holder's remaining lease at
//             the kill + skew) and how much the takeover (the rest). --short-reps with 3 s / 1 s
//             lease / skew, --prod-reps with the production 20 s / 5 s.
//   handoff   as failover, but the holder gets SIGTERM (drain: children ended, lease released):
//             SIGTERM → first success at the other instance, production lease settings.
//   standby   production settings: four idle instances side by side for --idle-s (a holder, a
//             standby of the same app, and plain and shared-store instances for comparison): RSS,
//             CPU per minute, Table calls per minute (each instance's store traffic goes through
//             a counting HTTP relay of its own); then --refusing-s of requests sent to the
//             standby only (20/s), which it refuses: its Table calls per minute while refusing.
//
// The client is bench/raw-client.mjs's RawSession (one keep-alive socket, bodies built once, every
// answer checked) against the node fixture server's `echo` tool (tests/fixtures/servers/
// node-fixture.mjs). Adapters run from the built CLI (dist/cli/main.js; `npm run build` first;
// --runner=tsx runs src/cli/main.ts through tsx instead), children as the adapter's user
// (MCP_ADAPTER_ISOLATION=shared_user unless --isolation=auto). Azurite (the Table service, in
// memory) runs on the Node 22 of tests/tools, as tests/helpers/azurite.ts starts it.
//
// Everything it starts (Azurite, adapters in their own process groups, their children, relays,
// the proxy) is killed at the end, also on error, Ctrl-C or the global deadline (--deadline-s).
// Results: bench/results/stateful-app-<YYYY-MM-DD>.{md,json} (UTC date; --out=<path.md> to change).

import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { RawSession } from './raw-client.mjs';
import { freePort, median, percentile, round, withTimeout } from './common.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const FIXTURE = path.join(ROOT, 'tests/fixtures/servers/node-fixture.mjs');

// ---------------------------------------------------------------------------------------------
// Options

const PHASES = ['latency', 'failover', 'handoff', 'standby'];
const LATENCY_TARGETS = ['plain', 'shared-store', 'stateful'];
const DEFAULTS = {
  phases: PHASES.join(','),
  targets: LATENCY_TARGETS.join(','),
  rounds: 3,
  calls: 3000,
  warmup: 500,
  blocks: 6,
  'short-reps': 3,
  'prod-reps': 1,
  'handoff-reps': 3,
  'idle-s': 60,
  'refusing-s': 30,
  'retry-ms': 100,
  'deadline-s': 1200,
  runner: 'dist',
  isolation: 'shared_user',
  'keep-logs': 'no',
  report: '',
};
const HELP = `usage: node bench/stateful-app.mjs [options]

Measures the stateful app (MCP_ADAPTER_APP_ROLE=stateful, serving lease in a Table store) against
today's adapter on 127.0.0.1, in one run; writes bench/results/stateful-app-<UTC date>.{md,json}.
Needs a build (npm run build) unless --runner=tsx, and Azurite from tests/tools (installed on first
use by tests/fixtures/conformance/node22.mjs, as for the tests).

  --phases=${DEFAULTS.phases}
                          which phases to run (default: all)
  --targets=${DEFAULTS.targets}
                          latency phase: which instances (default: all three)
  --rounds=N              latency phase: alternating rounds (default ${DEFAULTS.rounds}, at least 1)
  --calls=N               latency phase: measured sequential calls per target and round (default ${DEFAULTS.calls})
  --warmup=N              latency phase: calls before measuring, per target and round (default ${DEFAULTS.warmup})
  --blocks=N              latency phase: the calls of a round run in N blocks, the targets taking turns (default ${DEFAULTS.blocks})
  --short-reps=N          failover repetitions with lease 3 s / skew 1 s (default ${DEFAULTS['short-reps']})
  --prod-reps=N           failover repetitions with lease 20 s / skew 5 s, ~30 s each (default ${DEFAULTS['prod-reps']})
  --handoff-reps=N        SIGTERM handoff repetitions, lease 20 s / skew 5 s (default ${DEFAULTS['handoff-reps']})
  --idle-s=N              standby phase: idle window in seconds (default ${DEFAULTS['idle-s']})
  --refusing-s=N          standby phase: window of refused requests, 20/s (default ${DEFAULTS['refusing-s']})
  --retry-ms=N            failover/handoff: the client's wait after a 503 before retrying (default ${DEFAULTS['retry-ms']})
  --runner=dist|tsx       node dist/cli/main.js serve (default; a copy of dist/ taken at the start, so a
                          rebuild during the run changes nothing), or node --import tsx src/cli/main.ts serve
  --isolation=shared_user|auto
                          MCP_ADAPTER_ISOLATION of the adapters (default shared_user, as bench/sequential-cpu.mjs)
  --deadline-s=N          everything is killed and the run fails after this long (default ${DEFAULTS['deadline-s']})
  --keep-logs=yes         keep the adapters' logs (JSON lines) in the run's temp folder (always kept on failure)
  --out=<file.md>         results file (default bench/results/stateful-app-<UTC date>.md; .json beside it)
  --report=<file.json>    no run: render the .md of an earlier run again from its .json (beside it)
  --help                  this text

Examples:
  node bench/stateful-app.mjs --rounds=5                           the committed run (~4 min on 2 cores)
  node bench/stateful-app.mjs --phases=latency --rounds=5          only the lease check's cost
  node bench/stateful-app.mjs --phases=failover --prod-reps=0      short-lease failover only (~30 s)`;

const opts = { ...DEFAULTS };
for (const arg of process.argv.slice(2)) {
  if (arg === '--help' || arg === '-h') {
    console.log(HELP);
    process.exit(0);
  }
  const m = /^--([a-z-]+)=(.+)$/.exec(arg);
  if (!m || !(m[1] in DEFAULTS || m[1] === 'out')) {
    console.error(`unknown argument ${arg}\n\n${HELP}`);
    process.exit(2);
  }
  opts[m[1]] = typeof DEFAULTS[m[1]] === 'number' ? Number(m[2]) : m[2];
  if (typeof DEFAULTS[m[1]] === 'number' && !(Number.isInteger(opts[m[1]]) && opts[m[1]] >= 0)) {
    console.error(`--${m[1]} needs a whole number ≥ 0, not "${m[2]}"`);
    process.exit(2);
  }
}
const phases = opts.phases.split(',').map((p) => p.trim());
const targets = opts.targets.split(',').map((t) => t.trim());
for (const p of phases) if (!PHASES.includes(p)) usageError(`unknown phase ${p}; known: ${PHASES.join(', ')}`);
for (const t of targets)
  if (!LATENCY_TARGETS.includes(t)) usageError(`unknown target ${t}; known: ${LATENCY_TARGETS.join(', ')}`);
if (!['dist', 'tsx'].includes(opts.runner)) usageError('--runner is dist or tsx');
if (!['shared_user', 'auto'].includes(opts.isolation)) usageError('--isolation is shared_user or auto');
if (!['yes', 'no'].includes(opts['keep-logs'])) usageError('--keep-logs is yes or no');
if (opts.rounds < 1 || opts.calls < 1 || opts.blocks < 1) usageError('--rounds, --calls and --blocks need at least 1');
function usageError(message) {
  console.error(`${message}\n\n${HELP}`);
  process.exit(2);
}

const SHORT = { label: 'short (3 s / 1 s)', leaseMs: 3_000, skewMs: 1_000 };
const PROD = { label: 'production (20 s / 5 s)', leaseMs: 20_000, skewMs: 5_000 };
const T = {
  readyMs: 30_000, // adapter listening
  leaseMs: 15_000, // first holder acquires a fresh row
  callMs: 10_000, // one call
  connectMs: 30_000, // initialize (spawns the child)
  stopMs: 10_000, // exit after SIGTERM
  statusMs: 5_000, // GET /status
};
// --runner=dist: a copy of dist/ (and schemas/, package.json; node_modules linked) taken at the
// start, so a rebuild by someone else during the run cannot change or break the instances.
let CLI;

// ---------------------------------------------------------------------------------------------
// Small helpers

const T0 = performance.now();
const log = (...a) => console.log(`[${((performance.now() - T0) / 1000).toFixed(1).padStart(6)}s]`, ...a);
/** Polls `check` (sync or async) every `everyMs` until it is truthy; false after `ms`. */
async function eventually(check, ms, everyMs = 50) {
  const deadline = performance.now() + ms;
  while (performance.now() < deadline) {
    try {
      if (await check()) return true;
    } catch {}
    await sleep(everyMs);
  }
  return false;
}
const fmt = (x, d = 2) => (x === null || x === undefined ? '—' : Number(x).toFixed(d));
const fmtInt = (x) => (x === null || x === undefined ? '—' : Math.round(x).toLocaleString('en-US'));

// ---------------------------------------------------------------------------------------------
// /proc: CPU time, RSS, process tree (Linux only: the CPU per call needs /proc)

if (process.platform !== 'linux' || !fs.existsSync('/proc/self/stat')) {
  console.error('bench/stateful-app.mjs reads CPU time and RSS from /proc: Linux only');
  process.exit(2);
}
const getconf = (name, fallback) => {
  try {
    return Number(execFileSync('getconf', [name], { encoding: 'utf8', timeout: 5000 }).trim()) || fallback;
  } catch {
    return fallback;
  }
};
const CLK_TCK = getconf('CLK_TCK', 100);
function statFields(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}
/** User + system CPU of one process, its children excluded (ms, /proc ticks). */
function cpuMs(pid) {
  const f = statFields(pid);
  return f ? ((Number(f[11]) + Number(f[12])) * 1000) / CLK_TCK : null;
}
/** User + system CPU of every thread of one process (ns, from each /proc/<pid>/task/<tid>/schedstat: no 10 ms ticks). */
function cpuNs(pid) {
  let sum = 0;
  try {
    for (const task of fs.readdirSync(`/proc/${pid}/task`)) {
      try {
        sum += Number(fs.readFileSync(`/proc/${pid}/task/${task}/schedstat`, 'utf8').split(' ')[0]);
      } catch {}
    }
  } catch {
    return null;
  }
  return sum;
}
function rssMb(pid) {
  try {
    const m = /VmRSS:\s+(\d+)\s*kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : null;
  } catch {
    return null;
  }
}
const startOf = (pid) => statFields(pid)?.[19];
function isAlive(pid) {
  const f = statFields(pid);
  return f !== undefined && f[0] !== 'Z' && f[0] !== 'X';
}
function descendants(root) {
  const kids = new Map();
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const f = statFields(name);
    if (!f) continue;
    const ppid = Number(f[1]);
    if (!kids.has(ppid)) kids.set(ppid, []);
    kids.get(ppid).push(Number(name));
  }
  const found = [];
  const queue = [root];
  for (let guard = 0; queue.length && guard < 100_000; guard++) {
    for (const c of kids.get(queue.shift()) ?? []) {
      found.push(c);
      queue.push(c);
    }
  }
  return found;
}
/** Machine busy CPU and ours (this process tree), to say how much other processes took in a window. */
function cpuSnapshot() {
  const f = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const busy = f.reduce((a, b) => a + b, 0) - f[3] - (f[4] ?? 0);
  let ours = 0;
  for (const pid of new Set([process.pid, ...descendants(process.pid), ...[...owned.keys()].filter(isAlive)])) {
    const x = statFields(pid);
    if (x) ours += Number(x[11]) + Number(x[12]) + Number(x[13]) + Number(x[14]);
  }
  return { t: performance.now(), machineMs: (busy * 1000) / CLK_TCK, oursMs: (ours * 1000) / CLK_TCK };
}
/** Share of the machine's cores that processes not started by this run used between two snapshots (%). */
function otherCpuPct(a, b) {
  const wall = b.t - a.t;
  const cores = os.availableParallelism?.() ?? os.cpus().length;
  const others = b.machineMs - a.machineMs - (b.oursMs - a.oursMs);
  return round(Math.max(0, (100 * others) / (wall * cores)), 1);
}

// ---------------------------------------------------------------------------------------------
// Everything this run starts, killed at the end (also on error, Ctrl-C, the deadline)

/** pid → { start, label, group }: processes (adapters and Azurite in their own groups), and their descendants. */
const owned = new Map();
/** Servers (relays, proxy) to close. */
const servers = new Set();
const tmpDirs = new Set();
function own(pid, label, group = false) {
  if (pid && !owned.has(pid)) owned.set(pid, { start: startOf(pid), label, group });
}
function adoptDescendants(root) {
  for (const pid of descendants(root)) own(pid, `descendant of ${root}`);
}
function killEverything() {
  for (const pid of owned.keys()) if (isAlive(pid)) adoptDescendants(pid);
  for (const [pid, info] of owned) {
    if (!isAlive(pid) || startOf(pid) !== info.start) continue; // gone, or a reused pid
    try {
      process.kill(info.group ? -pid : pid, 'SIGKILL');
    } catch {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {}
    }
  }
  for (const server of servers) {
    try {
      server.closeAllConnections?.();
      server.close();
    } catch {}
  }
  servers.clear();
}
function removeTmp() {
  for (const dir of tmpDirs) fs.rmSync(dir, { recursive: true, force: true });
  tmpDirs.clear();
}
process.on('exit', () => {
  killEverything();
  removeTmp();
});
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    console.error(`\n${signal}: killing everything this run started`);
    killEverything();
    process.exit(130);
  });
}
const deadline = setTimeout(() => {
  console.error(`global deadline of ${opts['deadline-s']} s reached: killing everything this run started`);
  killEverything();
  process.exit(1);
}, opts['deadline-s'] * 1000);

const WORK = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-stateful-'));
if (opts['keep-logs'] !== 'yes') tmpDirs.add(WORK);

// ---------------------------------------------------------------------------------------------
// Azurite, a counting relay per instance, the round-robin proxy

const DEV_ACCOUNT = 'devstoreaccount1';
const DEV_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

async function startAzurite() {
  const { findAzuriteTable, findNode22 } = await import(
    pathToFileURL(path.join(ROOT, 'tests/fixtures/conformance/node22.mjs')).href
  );
  const node = await findNode22();
  const main = await findAzuriteTable();
  const port = await freePort();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-azurite-'));
  tmpDirs.add(dir);
  const child = spawn(
    node,
    [
      main,
      '--tableHost',
      '127.0.0.1',
      '--tablePort',
      String(port),
      '--inMemoryPersistence',
      '--silent',
      '--skipApiVersionCheck',
      '--disableProductStyleUrl',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'], cwd: dir, detached: true },
  );
  own(child.pid, 'azurite', true);
  let stderr = '';
  child.stderr.on('data', (c) => {
    if (stderr.length < 4000) stderr += c;
  });
  const open = await eventually(
    () =>
      new Promise((resolve) => {
        const s = net.connect(port, '127.0.0.1', () => {
          s.end();
          resolve(true);
        });
        s.once('error', () => resolve(false));
      }),
    30_000,
    100,
  );
  if (!open) throw new Error(`Azurite did not listen on 127.0.0.1:${port} in 30 s: ${stderr}`);
  let version = '?';
  try {
    version = JSON.parse(fs.readFileSync(path.join(path.dirname(main), '../../../package.json'), 'utf8')).version;
  } catch {}
  let nodeVersion = '?';
  try {
    nodeVersion = execFileSync(node, ['--version'], { encoding: 'utf8', timeout: 10_000 }).trim();
  } catch {}
  return { port, version, nodeVersion, endpoint: `http://127.0.0.1:${port}` };
}

/**
 * An HTTP relay to Azurite that counts each Table call of one instance: lease calls (the `lease`
 * partition: reads, creates, replaces), table creation, and the rest (the session store).
 */
async function startTableRelay(azurite) {
  const calls = [];
  const agent = new http.Agent({ keepAlive: true });
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      let url = req.url;
      try {
        url = decodeURIComponent(req.url);
      } catch {}
      const lease =
        /PartitionKey='lease'/.test(url) || (req.method === 'POST' && /"PartitionKey":"lease"/.test(body.toString()));
      const kind = /\/Tables(\(|$|\?)/.test(url) ? 'table' : lease ? 'lease' : 'other';
      calls.push({ t: performance.now(), method: req.method, kind });
      const up = http.request(
        `${azurite.endpoint}${req.url}`,
        { method: req.method, headers: req.headers, agent },
        (answer) => {
          res.writeHead(answer.statusCode, answer.headers);
          answer.pipe(res);
        },
      );
      up.setTimeout(15_000, () => up.destroy(new Error('Azurite did not answer in 15 s')));
      up.on('error', () => {
        if (!res.headersSent) res.writeHead(502);
        res.end();
      });
      up.end(body);
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.add(server);
  const port = server.address().port;
  return {
    connectionString: `DefaultEndpointsProtocol=http;AccountName=${DEV_ACCOUNT};AccountKey=${DEV_KEY};TableEndpoint=http://127.0.0.1:${port}/${DEV_ACCOUNT};`,
    calls,
    /** Calls in [from, to) (performance.now() times), by kind. */
    between(from, to = Number.POSITIVE_INFINITY) {
      const n = { lease: 0, leaseReads: 0, leaseWrites: 0, table: 0, other: 0, all: 0 };
      for (const c of calls) {
        if (c.t < from || c.t >= to) continue;
        n.all++;
        n[c.kind]++;
        if (c.kind === 'lease') n[c.method === 'GET' ? 'leaseReads' : 'leaseWrites']++;
      }
      return n;
    },
    close() {
      if (!servers.delete(server)) return;
      server.closeAllConnections();
      server.close();
      agent.destroy();
    },
  };
}

/**
 * A load balancer with no affinity: round-robin, and an upstream that refuses connections (a
 * killed or drained instance) is skipped, as tests/helpers/routing-proxy.ts with `failover`.
 * A new upstream connection per request, so a dead instance shows as a refused connection.
 */
async function startProxy(upstreams) {
  let count = 0;
  const stats = { requests: 0, skipped: 0, badGateway: 0 };
  const agent = new http.Agent({ keepAlive: false });
  const hopByHop = ['connection', 'keep-alive', 'transfer-encoding', 'proxy-connection', 'upgrade'];
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      stats.requests++;
      const first = count++ % upstreams.length;
      const headers = { ...req.headers };
      for (const h of hopByHop) delete headers[h];
      const attempt = (index, tried) => {
        const target = new URL(req.url, upstreams[index]);
        const up = http.request(
          target,
          { method: req.method, headers: { ...headers, host: target.host, 'content-length': body.length }, agent },
          (answer) => {
            const back = { ...answer.headers };
            for (const h of hopByHop) delete back[h];
            res.writeHead(answer.statusCode, back);
            answer.pipe(res);
          },
        );
        up.setTimeout(30_000, () => up.destroy(new Error('upstream did not answer in 30 s')));
        up.on('error', (error) => {
          if (error.code === 'ECONNREFUSED' && !res.headersSent && tried + 1 < upstreams.length) {
            stats.skipped++;
            attempt((index + 1) % upstreams.length, tried + 1);
            return;
          }
          stats.badGateway++;
          if (!res.headersSent) res.writeHead(502);
          res.end();
        });
        res.on('close', () => up.destroy());
        up.end(body);
      };
      attempt(first, 0);
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.add(server);
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    stats,
    close() {
      if (!servers.delete(server)) return;
      server.closeAllConnections();
      server.close();
      agent.destroy();
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Adapter instances

const CONFIG = path.join(WORK, 'mcp_config.json');
fs.writeFileSync(
  CONFIG,
  JSON.stringify({ mcpServers: { fixture: { command: process.execPath, args: [FIXTURE] } } }, null, 2),
);
const SESSION_KEY = randomBytes(32).toString('base64url');
const RUN_ID = `${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
let instanceCounter = 0;
let siteCounter = 0;
const newSite = () => `bench-stateful-${RUN_ID}-${++siteCounter}`;

/** The environment without this machine's adapter and platform settings, so each target gets only its own. */
function baseEnv() {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^(MCP_ADAPTER_|WEBSITE_|MCP_CONFIG)/.test(k)) env[k] = v;
  return env;
}

/**
 * Starts `node <cli> serve` on 127.0.0.1:0 in its own process group, its log (JSON lines) in a
 * file. kind: plain (no role, no store), shared-store (no role, the store), stateful (role + lease).
 */
async function startInstance(kind, { azurite, site, leaseMs, skewMs } = {}) {
  const id = `${kind}-${++instanceCounter}`;
  const relay = kind === 'plain' ? undefined : await startTableRelay(azurite);
  const logFile = path.join(WORK, `${id}.log`);
  const out = fs.openSync(logFile, 'w');
  const env = {
    ...baseEnv(),
    LOG_FORMAT: 'json',
    MCP_ADAPTER_ISOLATION: opts.isolation,
    MCP_ADAPTER_SESSION_KEY: SESSION_KEY,
    ...(relay && { MCP_ADAPTER_STORE_CONNECTION_STRING: relay.connectionString }),
    ...(kind === 'stateful' && {
      MCP_ADAPTER_APP_ROLE: 'stateful',
      WEBSITE_SITE_NAME: site,
      MCP_ADAPTER_LEASE_MS: String(leaseMs),
      MCP_ADAPTER_LEASE_SKEW_MS: String(skewMs),
    }),
  };
  const child = spawn(process.execPath, [...CLI, '--config', CONFIG, '--port', '0', '--host', '127.0.0.1'], {
    cwd: WORK,
    env,
    stdio: ['ignore', out, out],
    detached: true,
  });
  fs.closeSync(out);
  own(child.pid, id, true);
  let exitInfo;
  const exited = new Promise((resolve) =>
    child.once('exit', (code, signal) => {
      exitInfo = { code, signal };
      resolve(exitInfo);
    }),
  );
  const readLog = () => fs.readFileSync(logFile, 'utf8');
  let url;
  const listening = await eventually(
    () => {
      if (exitInfo) throw new Error('exited');
      const m = /listening on (http:\/\/\S+?)\/mcp\b/.exec(readLog());
      if (m) url = m[1];
      return Boolean(m);
    },
    T.readyMs,
    50,
  );
  if (!listening || exitInfo)
    throw new Error(`${id} did not start (${JSON.stringify(exitInfo)}):\n${readLog().slice(-3000)}`);
  const instance = {
    id,
    kind,
    pid: child.pid,
    url,
    mcpUrl: `${url}/mcp/fixture`,
    relay,
    site,
    leaseMs,
    skewMs,
    exited,
    get exitInfo() {
      return exitInfo;
    },
    log: readLog,
    async status() {
      const res = await fetch(`${url}/status`, { signal: AbortSignal.timeout(T.statusMs) });
      return res.json();
    },
    async lease() {
      return (await instance.status()).serving?.lease;
    },
    /** Children of the adapter now (adopted for the final cleanup). */
    children() {
      adoptDescendants(child.pid);
      return descendants(child.pid);
    },
    /** SIGTERM (drain), SIGKILL of the group past T.stopMs. Resolves with ms to exit. */
    async stop() {
      if (exitInfo) {
        relay?.close();
        return 0;
      }
      adoptDescendants(child.pid);
      const t0 = performance.now();
      process.kill(child.pid, 'SIGTERM');
      try {
        await withTimeout(exited, T.stopMs, `${id} exit after SIGTERM`);
      } catch (error) {
        log(`${id}: ${error.message}; SIGKILL of its group`);
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {}
        await withTimeout(exited, 5_000, `${id} exit after SIGKILL`).catch(() => {});
      }
      relay?.close();
      return performance.now() - t0;
    },
  };
  return instance;
}

async function waitHeld(instance) {
  if (!(await eventually(async () => (await instance.lease())?.held === true, T.leaseMs, 50)))
    throw new Error(
      `${instance.id} did not acquire the serving lease in ${T.leaseMs} ms:\n${instance.log().slice(-2000)}`,
    );
}
/** A standby has read the row and knows it is not the holder. */
async function waitStandby(instance) {
  const ok = await eventually(
    async () => {
      const lease = await instance.lease();
      return lease && lease.held === false && lease.holder !== undefined && lease.holder !== lease.self;
    },
    T.leaseMs,
    50,
  );
  if (!ok)
    throw new Error(`${instance.id} did not become a standby in ${T.leaseMs} ms:\n${instance.log().slice(-2000)}`);
}

// ---------------------------------------------------------------------------------------------
// The client: RawSession (bench/raw-client.mjs) on the fixture's `echo`, optionally retrying 503s

const ECHO_TEXT = 'hello from mcp-bench';
const RETRY = Symbol('retry');

class FixtureSession extends RawSession {
  /**
   * @param {string} url
   * @param {{ retry?: boolean, retryMs?: number, retryBudgetMs?: number }} options retry: on 503
   *   (and the proxy's 502) the same request is sent again after retryMs, for at most retryBudgetMs.
   */
  constructor(url, { retry = false, retryMs = 100, retryBudgetMs = 60_000 } = {}) {
    super(url, {});
    // The fixture's echo takes `text` and answers it as is.
    this.echoBody = {
      head: '{"jsonrpc":"2.0","id":',
      tail: `,${JSON.stringify({ method: 'tools/call', params: { name: 'echo', arguments: { text: ECHO_TEXT } } }).slice(1)}`,
    };
    this.expected = ECHO_TEXT;
    this.retry = retry;
    this.retryMs = retryMs;
    this.retryBudgetMs = retryBudgetMs;
    /** { t, status, retryAfter } of each refused attempt (503, or 502 from the proxy). */
    this.refusals = [];
  }

  async request(method, headers, body, onResponse, timeoutMs) {
    const deadline = performance.now() + this.retryBudgetMs;
    for (;;) {
      const answer = await super.request(
        method,
        headers,
        body,
        (res, done, fail) => {
          if (this.retry && (res.statusCode === 503 || res.statusCode === 502)) {
            this.refusals.push({
              t: performance.now(),
              status: res.statusCode,
              retryAfter: res.headers['retry-after'] ?? null,
            });
            res.resume();
            res.on('end', () => done(RETRY));
            res.on('error', fail);
            return;
          }
          onResponse(res, done, fail);
        },
        timeoutMs,
      );
      if (answer !== RETRY) return answer;
      if (performance.now() > deadline)
        throw new Error(`still refused after ${this.retryBudgetMs} ms (${this.refusals.length} refusals)`);
      await sleep(this.retryMs);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Phase 1: sequential echo latency and CPU per call

async function latencyRound(azurite, roundNo, order) {
  const insts = [];
  try {
    // All targets of the round run at once; only one is called at a time.
    for (const kind of order) {
      const inst = await startInstance(kind, { azurite, site: newSite(), ...PROD });
      insts.push(inst);
      if (kind === 'stateful') await waitHeld(inst);
    }
    const state = new Map();
    for (const inst of insts) {
      const session = new FixtureSession(inst.mcpUrl);
      await session.connect(T.connectMs);
      state.set(inst.kind, {
        inst,
        session,
        rssStartMb: rssMb(inst.pid),
        lat: [],
        cpuNs: 0,
        cpuTicksMs: 0,
        wallMs: 0,
        table: { all: 0, lease: 0 },
        others: [],
      });
    }
    for (const inst of insts) for (let i = 0; i < opts.warmup; i++) await state.get(inst.kind).session.echo(T.callMs);
    const perBlock = Math.ceil(opts.calls / opts.blocks);
    for (let b = 0; b < opts.blocks; b++) {
      // Blocks alternate too: block b starts with the round's target b mod n.
      for (let k = 0; k < order.length; k++) {
        const kind = order[(k + b) % order.length];
        const st = state.get(kind);
        const n = Math.min(perBlock, opts.calls - st.lat.length);
        if (n <= 0) continue;
        const snap0 = cpuSnapshot();
        const ns0 = cpuNs(st.inst.pid);
        const ticks0 = cpuMs(st.inst.pid);
        const t0 = performance.now();
        for (let i = 0; i < n; i++) {
          const a = performance.now();
          await st.session.echo(T.callMs); // rejects unless the answer is the echo of this call
          st.lat.push(performance.now() - a);
        }
        const t1 = performance.now();
        st.cpuNs += cpuNs(st.inst.pid) - ns0;
        st.cpuTicksMs += cpuMs(st.inst.pid) - ticks0;
        st.wallMs += t1 - t0;
        st.others.push(otherCpuPct(snap0, cpuSnapshot()));
        const table = st.inst.relay?.between(t0, t1);
        if (table) {
          st.table.all += table.all;
          st.table.lease += table.lease;
        }
      }
    }
    const rows = [];
    for (const kind of order) {
      const st = state.get(kind);
      const lease = kind === 'stateful' ? await st.inst.lease() : undefined;
      if (kind === 'stateful' && !lease?.held) throw new Error(`${st.inst.id} lost the lease during the measurement`);
      rows.push({
        target: kind,
        round: roundNo,
        calls: st.lat.length,
        p50Ms: round(percentile(st.lat, 50), 3),
        p99Ms: round(percentile(st.lat, 99), 3),
        meanMs: round(st.lat.reduce((a, b) => a + b, 0) / st.lat.length, 3),
        cpuPerCallMs: round(st.cpuNs / 1e6 / st.lat.length, 3),
        cpuPerCallTicksMs: round(st.cpuTicksMs / st.lat.length, 3),
        wallS: round(st.wallMs / 1000, 2),
        rssStartMb: round(st.rssStartMb, 1),
        rssEndMb: round(rssMb(st.inst.pid), 1),
        tableCalls: st.inst.relay ? st.table : null,
        leaseToken: lease?.token ?? null,
        otherCpuPct: round(median(st.others), 1),
      });
      await st.session.close().catch(() => {});
    }
    return rows;
  } finally {
    for (const inst of insts) await inst.stop();
  }
}

async function phaseLatency(azurite) {
  const rows = [];
  for (let r = 0; r < opts.rounds; r++) {
    // Alternating: round r starts with target r mod n.
    const order = targets.map((_, i) => targets[(i + r) % targets.length]);
    for (const row of await latencyRound(azurite, r + 1, order)) {
      rows.push(row);
      log(
        `latency round ${r + 1} ${row.target.padEnd(12)} p50 ${fmt(row.p50Ms, 3)} ms  p99 ${fmt(row.p99Ms, 3)} ms  CPU/call ${fmt(row.cpuPerCallMs, 3)} ms (ticks ${fmt(row.cpuPerCallTicksMs, 3)})  table calls ${row.tableCalls?.all ?? '—'}  others' CPU ${row.otherCpuPct}%`,
      );
    }
  }
  const summary = {};
  for (const kind of targets) {
    const mine = rows.filter((x) => x.target === kind);
    summary[kind] = {
      p50Ms: round(median(mine.map((x) => x.p50Ms)), 3),
      p99Ms: round(median(mine.map((x) => x.p99Ms)), 3),
      cpuPerCallMs: round(median(mine.map((x) => x.cpuPerCallMs)), 3),
      rssStartMb: round(median(mine.map((x) => x.rssStartMb)), 1),
      tableCallsPerRound: median(mine.map((x) => x.tableCalls?.all ?? null)),
      otherCpuPct: round(median(mine.map((x) => x.otherCpuPct)), 1),
    };
  }
  // Paired by round: stateful minus each other target, then the median of the differences.
  const paired = {};
  if (targets.includes('stateful')) {
    for (const other of targets.filter((t) => t !== 'stateful')) {
      const diffs = { p50Ms: [], p99Ms: [], cpuPerCallMs: [] };
      for (let r = 1; r <= opts.rounds; r++) {
        const s = rows.find((x) => x.target === 'stateful' && x.round === r);
        const o = rows.find((x) => x.target === other && x.round === r);
        for (const k of Object.keys(diffs)) diffs[k].push(s[k] - o[k]);
      }
      paired[other] = Object.fromEntries(
        Object.entries(diffs).map(([k, v]) => [
          k,
          { median: round(median(v), 3), min: round(Math.min(...v), 3), max: round(Math.max(...v), 3) },
        ]),
      );
    }
  }
  return { rows, summary, paired };
}

// ---------------------------------------------------------------------------------------------
// Phases 2 and 3: failover after SIGKILL, handoff after SIGTERM

/** Two stateful instances of a fresh app (a holds the lease), the proxy, one session with a few calls through it. */
async function twoInstances(azurite, settings) {
  const site = newSite();
  const a = await startInstance('stateful', { azurite, site, ...settings });
  await waitHeld(a);
  const b = await startInstance('stateful', { azurite, site, ...settings });
  await waitStandby(b);
  const proxy = await startProxy([a.url, b.url]);
  const session = new FixtureSession(`${proxy.url}/mcp/fixture`, {
    retry: true,
    retryMs: opts['retry-ms'],
    retryBudgetMs: settings.leaseMs + settings.skewMs + 30_000,
  });
  await session.connect(T.connectMs);
  for (let i = 0; i < 6; i++) await session.echo(T.callMs);
  const childrenBefore = a.children();
  if (childrenBefore.length !== 1) throw new Error(`${a.id} has ${childrenBefore.length} children, expected 1`);
  if (b.children().length !== 0) throw new Error(`the standby ${b.id} started a child`);
  return { site, a, b, proxy, session, childrenBefore, refusedBefore: session.refusals.length };
}

/**
 * After a stop of the holder (`how`: SIGKILL or SIGTERM): the client calls (retrying 503/502 every
 * --retry-ms) until one succeeds at the other instance; then checks what happened.
 */
async function stopHolderAndRecover(azurite, settings, how, rep) {
  const { a, b, proxy, session, childrenBefore, refusedBefore } = await twoInstances(azurite, settings);
  try {
    const leaseA = await a.lease();
    const remainingMs = leaseA.remainingMs;
    const tokenBefore = leaseA.token;
    const refusalsFrom = session.refusals.length;
    const proxyBefore = { ...proxy.stats };
    let exitMs = null;
    const t0 = performance.now();
    const wall0 = Date.now();
    if (how === 'SIGKILL') {
      process.kill(a.pid, 'SIGKILL'); // the adapter process only: its child sees its stdin close
    } else {
      process.kill(a.pid, 'SIGTERM');
    }
    void a.exited.then(() => {
      exitMs = performance.now() - t0;
    });
    await session.echo(settings.leaseMs + settings.skewMs + 30_000);
    const t1 = performance.now();
    const recoverMs = t1 - t0;
    await withTimeout(a.exited, T.stopMs, `${a.id} exit`);
    a.relay?.close();
    // A few more calls: the session goes on at b.
    for (let i = 0; i < 5; i++) await session.echo(T.callMs);
    const refusals = session.refusals.slice(refusalsFrom).filter((x) => x.t <= t1);
    const statusB = await b.lease();
    const bLog = b.log();
    const replayed = /"session brought back"/.test(bLog) && /another instance/.test(bLog);
    // When b acquired the lease and brought the session back, from its log (ms after the stop).
    const logged = (message) => {
      for (const line of bLog.split('\n')) {
        if (!line.startsWith('{') || !line.includes(message)) continue;
        try {
          const at = Date.parse(JSON.parse(line).time);
          if (at >= wall0 - 5) return at - wall0;
        } catch {}
      }
      return null;
    };
    const acquiredMs = logged('serving lease acquired');
    const broughtBackMs = logged('session brought back');
    const oldChildAlive = childrenBefore.filter(isAlive);
    for (const pid of oldChildAlive) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {}
    }
    const childrenB = b.children().length;
    const released = /serving lease released/.test(a.log());
    const bTable = b.relay.between(t0, t1);
    const retryAfter = refusals.map((x) => Number(x.retryAfter)).filter(Number.isFinite);
    const row = {
      how,
      settings: settings.label,
      leaseMs: settings.leaseMs,
      skewMs: settings.skewMs,
      rep,
      remainingAtStopMs: Math.round(remainingMs),
      // SIGKILL: the earliest b may take over is when a's row expires plus the skew margin.
      earliestMs: how === 'SIGKILL' ? Math.round(remainingMs + settings.skewMs) : 0,
      recoverMs: Math.round(recoverMs),
      beyondEarliestMs: how === 'SIGKILL' ? Math.round(recoverMs - remainingMs - settings.skewMs) : null,
      acquiredMs,
      broughtBackMs,
      exitMs: exitMs === null ? null : Math.round(exitMs),
      refused503: refusals.filter((x) => x.status === 503).length,
      badGateway502: refusals.filter((x) => x.status === 502).length,
      retryAfterS: retryAfter.length ? [Math.min(...retryAfter), Math.max(...retryAfter)] : null,
      refusedBeforeStop: refusedBefore,
      proxySkipped: proxy.stats.skipped - proxyBefore.skipped,
      bLeaseCalls: bTable.lease,
      tokenBefore,
      tokenAfter: statusB?.token ?? null,
      bHolds: statusB?.held === true,
      sessionReplayed: replayed,
      oldChildGone: oldChildAlive.length === 0,
      childrenAtB: childrenB,
      leaseReleasedByA: released,
    };
    if (!row.bHolds) throw new Error(`after ${how}, ${b.id} does not hold the lease`);
    return row;
  } finally {
    proxy.close();
    await session.close().catch(() => {});
    await a.stop();
    await b.stop();
  }
}

async function phaseFailover(azurite) {
  const rows = [];
  const plan = [
    ...Array.from({ length: opts['short-reps'] }, (_, i) => [SHORT, i + 1]),
    ...Array.from({ length: opts['prod-reps'] }, (_, i) => [PROD, i + 1]),
  ];
  for (const [settings, rep] of plan) {
    const row = await stopHolderAndRecover(azurite, settings, 'SIGKILL', rep);
    rows.push(row);
    log(
      `failover ${settings.label} #${rep}: kill → first success ${row.recoverMs} ms (lease left ${row.remainingAtStopMs} ms + skew ${settings.skewMs} = ${row.earliestMs}; beyond ${row.beyondEarliestMs} ms), 503s ${row.refused503}, replayed ${row.sessionReplayed}`,
    );
  }
  return rows;
}

async function phaseHandoff(azurite) {
  const rows = [];
  for (let rep = 1; rep <= opts['handoff-reps']; rep++) {
    const row = await stopHolderAndRecover(azurite, PROD, 'SIGTERM', rep);
    rows.push(row);
    log(
      `handoff #${rep}: SIGTERM → first success ${row.recoverMs} ms (holder exited after ${row.exitMs} ms, lease left ${row.remainingAtStopMs} ms), 503s ${row.refused503}, released ${row.leaseReleasedByA}`,
    );
  }
  return rows;
}

// ---------------------------------------------------------------------------------------------
// Phase 4: the standby's cost

async function phaseStandby(azurite) {
  const site = newSite();
  const holder = await startInstance('stateful', { azurite, site, ...PROD });
  await waitHeld(holder);
  const standby = await startInstance('stateful', { azurite, site, ...PROD });
  await waitStandby(standby);
  const plain = await startInstance('plain', { azurite });
  const shared = await startInstance('shared-store', { azurite });
  const all = { holder, standby, plain, 'shared-store': shared };
  try {
    // Settle (start-up allocations, the first lease calls), then the idle window.
    await sleep(5_000);
    const idleMs = opts['idle-s'] * 1000;
    const cpu0 = Object.fromEntries(Object.entries(all).map(([k, v]) => [k, cpuMs(v.pid)]));
    const t0 = performance.now();
    await sleep(idleMs);
    const t1 = performance.now();
    const minutes = (t1 - t0) / 60_000;
    const idle = {};
    for (const [k, v] of Object.entries(all)) {
      const table = v.relay?.between(t0, t1);
      idle[k] = {
        rssMb: round(rssMb(v.pid), 1),
        cpuMsPerMin: round((cpuMs(v.pid) - cpu0[k]) / minutes, 1),
        tablePerMin: table ? round(table.all / minutes, 1) : null,
        leasePerMin: table ? round(table.lease / minutes, 1) : null,
        leaseReadsPerMin: table ? round(table.leaseReads / minutes, 1) : null,
        leaseWritesPerMin: table ? round(table.leaseWrites / minutes, 1) : null,
        otherPerMin: table ? round((table.other + table.table) / minutes, 1) : null,
      };
    }
    log(
      `standby idle ${opts['idle-s']} s: ${Object.entries(idle)
        .map(([k, v]) => `${k} RSS ${v.rssMb} MB, table ${v.tablePerMin ?? '—'}/min (lease ${v.leasePerMin ?? '—'})`)
        .join('; ')}`,
    );
    // Refusing: initialize requests straight to the standby, 20 a second; each must be a 503 with Retry-After.
    const body = JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'mcp-bench', version: '1.0.0' } },
    });
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const url = new URL(standby.mcpUrl);
    const once = () =>
      new Promise((resolve, reject) => {
        const req = http.request(
          {
            host: url.hostname,
            port: url.port,
            path: url.pathname,
            method: 'POST',
            agent,
            headers: {
              'content-type': 'application/json',
              accept: 'application/json, text/event-stream',
              'content-length': Buffer.byteLength(body),
            },
          },
          (res) => {
            res.resume();
            res.on('end', () => resolve({ status: res.statusCode, retryAfter: res.headers['retry-after'] }));
            res.on('error', reject);
          },
        );
        req.setTimeout(T.callMs, () => req.destroy(new Error('no answer in time')));
        req.on('error', reject);
        req.on('socket', (socket) => {
          if (!socket.benchSeen) {
            socket.benchSeen = true;
            sockets++;
          }
        });
        req.end(body);
      });
    let sockets = 0;
    const refusingMs = opts['refusing-s'] * 1000;
    const statuses = {};
    let sent = 0;
    let withRetryAfter = 0;
    const cpuS0 = cpuMs(standby.pid);
    const r0 = performance.now();
    while (performance.now() - r0 < refusingMs) {
      const tick = performance.now();
      const answer = await once();
      sent++;
      statuses[answer.status] = (statuses[answer.status] ?? 0) + 1;
      if (answer.status === 503 && /^\d+$/.test(String(answer.retryAfter))) withRetryAfter++;
      await sleep(Math.max(0, 50 - (performance.now() - tick)));
    }
    const r1 = performance.now();
    const cpuS1 = cpuMs(standby.pid);
    const pacedSockets = sockets;
    const refMinutes = (r1 - r0) / 60_000;
    const refTable = standby.relay.between(r0, r1);
    // Back to back, as the echo calls of the latency phase: CPU per refusal comparable to CPU per call.
    const burst = Math.max(1, Math.min(opts.calls, 3000));
    const burstLat = [];
    let burstBad = 0;
    for (let i = 0; i < 200; i++) await once();
    const b0 = performance.now();
    const cpuB0 = cpuMs(standby.pid);
    for (let i = 0; i < burst; i++) {
      const a = performance.now();
      const answer = await once();
      burstLat.push(performance.now() - a);
      if (answer.status !== 503) burstBad++;
    }
    const cpuB1 = cpuMs(standby.pid);
    const b1 = performance.now();
    agent.destroy();
    const burstTable = standby.relay.between(b0, b1);
    const refusing = {
      seconds: round((r1 - r0) / 1000, 1),
      requests: sent,
      statuses,
      withRetryAfter,
      tablePerMin: round(refTable.all / refMinutes, 1),
      leasePerMin: round(refTable.lease / refMinutes, 1),
      leaseReadsPerMin: round(refTable.leaseReads / refMinutes, 1),
      cpuPerRefusalMs: round((cpuS1 - cpuS0) / Math.max(1, sent), 3),
      sockets: pacedSockets,
      burst: {
        requests: burst,
        notRefused: burstBad,
        p50Ms: round(percentile(burstLat, 50), 3),
        p99Ms: round(percentile(burstLat, 99), 3),
        cpuPerRefusalMs: round((cpuB1 - cpuB0) / burst, 3),
        seconds: round((b1 - b0) / 1000, 2),
        leaseReads: burstTable.leaseReads,
        socketsInAll: sockets,
      },
      childrenAtStandby: standby.children().length,
      rssMb: round(rssMb(standby.pid), 1),
    };
    log(
      `standby refusing ${refusing.seconds} s: ${sent} requests ${JSON.stringify(statuses)}, table ${refusing.tablePerMin}/min (lease reads ${refusing.leaseReadsPerMin}/min), CPU per refusal ${refusing.cpuPerRefusalMs} ms paced, ${refusing.burst.cpuPerRefusalMs} ms back to back (p50 ${refusing.burst.p50Ms} ms, ${refusing.burst.leaseReads} lease reads in ${refusing.burst.seconds} s), sockets ${refusing.sockets}/${refusing.burst.socketsInAll}`,
    );
    return { idleSeconds: round((t1 - t0) / 1000, 1), idle, refusing };
  } finally {
    for (const inst of Object.values(all)) await inst.stop();
  }
}

// ---------------------------------------------------------------------------------------------
// Report

function gitInfo() {
  const run = (args) => {
    try {
      return execFileSync('git', args, {
        cwd: ROOT,
        encoding: 'utf8',
        timeout: 20_000,
        stdio: ['ignore', 'pipe', 'ignore'],
        env: { ...process.env, GIT_OPTIONAL_LOCKS: '0' },
      }).trim();
    } catch {
      return '';
    }
  };
  const dirty = run(['status', '--porcelain', '--', 'src']).split('\n').filter(Boolean).length;
  return { commit: run(['rev-parse', '--short', 'HEAD']), subject: run(['log', '-1', '--format=%s']), dirtySrc: dirty };
}

function newestMtime(dir) {
  let latest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newestMtime(p) : fs.statSync(p).mtimeMs);
  }
  return latest;
}

function machineInfo() {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model?.trim() ?? '?',
    cores: os.availableParallelism?.() ?? cpus.length,
    memGb: round(os.totalmem() / 1024 ** 3, 1),
    os: `${os.type()} ${os.release()}`,
    node: process.version,
  };
}

const TARGET_LABEL = {
  plain: '(a) no role, no store (`npm start`)',
  'shared-store': '(a′) no role, shared store (as deployed today)',
  stateful: '(b) role `stateful` + serving lease (+ store)',
};

function markdown(r) {
  const L = [];
  const m = r.machine;
  L.push(`# Stateful app (issue 18): the lease's cost, failover and handoff, ${r.date}`);
  L.push('');
  L.push(
    `\`${r.command}\` (bench/stateful-app.mjs). ${m.cpu}, ${m.cores} cores, ${m.memGb} GB, ${m.os}, Node ${m.node}; ` +
      `adapters from ${r.runner === 'dist' ? `\`node dist/cli/main.js serve\` (a copy of the build of ${r.distBuiltAt} taken at the start)` : '`node --import tsx src/cli/main.ts serve`'}` +
      ` at ${r.git.commit} (${r.git.dirtySrc ? `${r.git.dirtySrc} files under src/ had uncommitted changes of other work in progress` : 'src/ clean'}); ` +
      `children as the adapter's user (\`MCP_ADAPTER_ISOLATION=${r.options.isolation}\`); Azurite ${r.azurite.version} (Table service, in memory, Node ${r.azurite.nodeVersion}); ` +
      `all on 127.0.0.1. Server: the node fixture (tests/fixtures/servers/node-fixture.mjs), tool \`echo\`. ` +
      `Client: bench/raw-client.mjs's RawSession (one keep-alive socket, bodies built once, every answer checked), 2025-11-25 sessions. ` +
      `1-min load average ${r.load.start} at the start, ${r.load.end} at the end; ${round(r.seconds, 0)} s in all.`,
  );
  L.push('');
  L.push('## Summary');
  L.push('');
  L.push('| row | what it measures | result |');
  L.push('| --- | --- | ---: |');
  const lat = r.latency;
  if (lat) {
    for (const t of Object.keys(lat.summary)) {
      const s = lat.summary[t];
      L.push(
        `| echo, ${TARGET_LABEL[t]} | sequential echo p50 / p99 (ms); adapter CPU per call (ms); median of ${r.options.rounds} rounds × ${fmtInt(r.options.calls)} calls | ${fmt(s.p50Ms, 3)} / ${fmt(s.p99Ms, 3)}; **${fmt(s.cpuPerCallMs, 3)}** |`,
      );
    }
  }
  for (const [other, d] of Object.entries(lat?.paired ?? {}))
    L.push(
      `| (b) − ${TARGET_LABEL[other]} | the same, paired by round: median of the ${r.options.rounds} per-round differences (range) of CPU per call; of p50 (ms) | **${d.cpuPerCallMs.median >= 0 ? '+' : ''}${fmt(d.cpuPerCallMs.median, 3)}** (${fmt(d.cpuPerCallMs.min, 3)} … ${fmt(d.cpuPerCallMs.max, 3)}); ${d.p50Ms.median >= 0 ? '+' : ''}${fmt(d.p50Ms.median, 3)} |`,
    );
  const fo = r.failover ?? [];
  for (const settings of [SHORT, PROD]) {
    const mine = fo.filter((x) => x.leaseMs === settings.leaseMs);
    if (!mine.length) continue;
    L.push(
      `| failover after SIGKILL, lease ${settings.label} | kill → first successful call through the proxy, session re-created (ms; ${mine.length === 1 ? '1 run' : `median of ${mine.length}`}); 503s meanwhile | **${fmtInt(median(mine.map((x) => x.recoverMs)))}**; ${fmtInt(median(mine.map((x) => x.refused503)))} |`,
    );
  }
  const ho = r.handoff ?? [];
  if (ho.length)
    L.push(
      `| handoff after SIGTERM (drain), lease ${PROD.label} | SIGTERM → first successful call at the other instance (ms; median of ${ho.length}); 503s meanwhile | **${fmtInt(median(ho.map((x) => x.recoverMs)))}**; ${fmtInt(median(ho.map((x) => x.refused503)))} |`,
    );
  const sb = r.standby;
  if (sb) {
    L.push(
      `| standby RSS | VmRSS of an idle standby after ${sb.idleSeconds} s (MB), against an idle holder and idle plain adapter | ${fmt(sb.idle.standby.rssMb, 1)} (holder ${fmt(sb.idle.holder.rssMb, 1)}, plain ${fmt(sb.idle.plain.rssMb, 1)}) |`,
    );
    L.push(
      `| standby Table calls | per minute, idle / while refusing 20 requests/s (lease ${PROD.label}) | **${fmt(sb.idle.standby.tablePerMin, 1)} / ${fmt(sb.refusing.tablePerMin, 1)}** |`,
    );
    L.push(
      `| standby CPU | idle (ms per minute; an idle shared-store instance: ${fmt(sb.idle['shared-store'].cpuMsPerMin, 0)}); per refused request, back to back (ms) | ${fmt(sb.idle.standby.cpuMsPerMin, 0)}; ${fmt(sb.refusing.burst.cpuPerRefusalMs, 3)} |`,
    );
  }
  L.push('');

  if (lat) {
    L.push('## 1. Sequential echo: the lease check on the hot path');
    L.push('');
    L.push(
      `Each round starts a fresh instance of every target (all running at once, only one called at a time), each with one session and ${fmtInt(r.options.warmup)} warm-up calls; ` +
        `then the ${fmtInt(r.options.calls)} measured calls per target run back to back in ${r.options.blocks} blocks, the targets taking turns ` +
        `(round r starts with target r mod ${r.options.targets.split(',').length}, block b with the next b), so load from other processes hits every target alike; each call is timed. ` +
        `CPU per call = the adapter process's user+system CPU during its own blocks (every thread's /proc/<pid>/task/<tid>/schedstat, ns; children excluded) / calls; the JSON also has it from /proc/<pid>/stat's 10 ms ticks, as bench/sequential-cpu.mjs reads it. ` +
        `"Table calls" = the instance's calls to the store during its blocks (through its counting relay): ` +
        `a held lease renews in the background (a read and a replace every lease/3 = 6.7 s), and with a session open the session store polls for sessions ended elsewhere every 2 s, never per request. ` +
        `"Others' CPU" = the share of the machine used by processes this run did not start, during the window.`,
    );
    L.push('');
    L.push(
      "| round | target | p50 (ms) | p99 (ms) | mean (ms) | CPU per call (ms) | wall (s) | RSS at start (MB) | Table calls (lease) | others' CPU |",
    );
    L.push('| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
    for (const x of lat.rows)
      L.push(
        `| ${x.round} | ${x.target} | ${fmt(x.p50Ms, 3)} | ${fmt(x.p99Ms, 3)} | ${fmt(x.meanMs, 3)} | ${fmt(x.cpuPerCallMs, 3)} | ${fmt(x.wallS, 1)} | ${fmt(x.rssStartMb, 1)} | ${x.tableCalls ? `${x.tableCalls.all} (${x.tableCalls.lease})` : '—'} | ${fmt(x.otherCpuPct, 1)}% |`,
      );
    L.push('');
    L.push('Medians over the rounds:');
    L.push('');
    L.push('| target | p50 (ms) | p99 (ms) | CPU per call (ms) | RSS at start (MB) |');
    L.push('| --- | ---: | ---: | ---: | ---: |');
    for (const [t, s] of Object.entries(lat.summary))
      L.push(
        `| ${TARGET_LABEL[t]} | ${fmt(s.p50Ms, 3)} | ${fmt(s.p99Ms, 3)} | ${fmt(s.cpuPerCallMs, 3)} | ${fmt(s.rssStartMb, 1)} |`,
      );
    L.push('');
    if (Object.keys(lat.paired).length) {
      L.push('(b) minus the others, paired by round (median, and the range over the rounds):');
      L.push('');
      L.push('| (b) − | p50 (ms) | p99 (ms) | CPU per call (ms) |');
      L.push('| --- | ---: | ---: | ---: |');
      const cell = (d) => `${d.median >= 0 ? '+' : ''}${fmt(d.median, 3)} (${fmt(d.min, 3)} … ${fmt(d.max, 3)})`;
      for (const [o, d] of Object.entries(lat.paired))
        L.push(`| ${TARGET_LABEL[o]} | ${cell(d.p50Ms)} | ${cell(d.p99Ms)} | ${cell(d.cpuPerCallMs)} |`);
      L.push('');
    }
    L.push(r.notes.latency.join('\n\n'));
    L.push('');
  }

  if (fo.length || ho.length) {
    L.push('## 2. Failover after SIGKILL, 3. handoff after SIGTERM');
    L.push('');
    L.push(
      'Two stateful instances of one app (a fresh lease row each repetition) behind a round-robin proxy that skips an upstream refusing connections (a new upstream connection per request). ' +
        'One session through the proxy, 6 calls (each landing on the standby is refused with 503 and sent again), then the holder gets SIGKILL (the adapter process only: its child sees stdin close and exits) or SIGTERM (drain). ' +
        `The client keeps calling: after a 503 (or a 502 from the proxy) it waits ${r.options['retry-ms']} ms and sends the call again (not the Retry-After, which would only add its own wait), ` +
        'until one succeeds, at the other instance, which re-creates the session: a new child and the client\'s initialize replayed from the session id ("session brought back … another instance" in its log). ' +
        '"Earliest" for a SIGKILL = the holder\'s remaining lease at the kill (from its /status) + the skew margin: before that the other instance may not take over by design; "beyond" is what the takeover adds (reading the row, the conditional write, the child\'s spawn and the replayed initialize, the client\'s retry interval). ' +
        '"Other acquires" and "session back": when the other instance logged "serving lease acquired" and "session brought back" (its log\'s timestamps, ms after the stop; same clock).',
    );
    L.push('');
    L.push(
      '| stop | lease / skew | # | lease left at stop (ms) | earliest (ms) | other acquires (ms) | session back (ms) | stop → first success (ms) | beyond earliest (ms) | holder exit (ms) | 503s | 502s | Retry-After (s) | standby lease calls meanwhile | token | session replayed | old child gone |',
    );
    L.push(
      '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | --- | --- | --- |',
    );
    for (const x of [...fo, ...ho])
      L.push(
        `| ${x.how} | ${x.leaseMs / 1000} s / ${x.skewMs / 1000} s | ${x.rep} | ${fmtInt(x.remainingAtStopMs)} | ${x.how === 'SIGKILL' ? fmtInt(x.earliestMs) : '—'} | ${fmtInt(x.acquiredMs)} | ${fmtInt(x.broughtBackMs)} | **${fmtInt(x.recoverMs)}** | ${x.beyondEarliestMs === null ? '—' : fmtInt(x.beyondEarliestMs)} | ${x.exitMs === null ? '—' : fmtInt(x.exitMs)} | ${x.refused503} | ${x.badGateway502} | ${x.retryAfterS ? x.retryAfterS.join('–') : '—'} | ${x.bLeaseCalls} | ${x.tokenBefore} → ${x.tokenAfter} | ${x.sessionReplayed ? 'yes' : 'NO'} | ${x.oldChildGone ? 'yes' : 'NO'} |`,
      );
    L.push('');
    L.push(r.notes.failover.join('\n\n'));
    L.push('');
  }

  if (sb) {
    L.push("## 4. The standby's cost");
    L.push('');
    L.push(
      `Lease ${PROD.label}. Four instances idle side by side for ${sb.idleSeconds} s (after 5 s to settle): the holder and a standby of one app (no session), and for comparison a plain adapter and one with the shared store (no role). ` +
        "RSS = VmRSS of the adapter process at the end; Table calls through each instance's counting relay. " +
        `Then ${sb.refusing.seconds} s of \`initialize\` requests sent straight to the standby, one every 50 ms, which it refuses.`,
    );
    L.push('');
    L.push(
      '| instance (idle) | RSS (MB) | CPU (ms per min) | Table calls per min | of which lease reads / writes | other store calls per min |',
    );
    L.push('| --- | ---: | ---: | ---: | ---: | ---: |');
    for (const [k, v] of Object.entries(sb.idle))
      L.push(
        `| ${k} | ${fmt(v.rssMb, 1)} | ${fmt(v.cpuMsPerMin, 1)} | ${v.tablePerMin ?? '—'} | ${v.leasePerMin === null ? '—' : `${v.leaseReadsPerMin} / ${v.leaseWritesPerMin}`} | ${v.otherPerMin ?? '—'} |`,
      );
    L.push('');
    const f = sb.refusing;
    L.push(
      `While refusing: ${fmtInt(f.requests)} requests in ${f.seconds} s, answers ${Object.entries(f.statuses)
        .map(([s, n]) => `${fmtInt(n)} × ${s}`)
        .join(
          ', ',
        )} (${fmtInt(f.withRetryAfter)} with a Retry-After); the standby's Table calls ${f.tablePerMin} per minute (lease reads ${f.leaseReadsPerMin}); its CPU per refused request ${fmt(f.cpuPerRefusalMs, 3)} ms at that pace (each request wakes an idle process, and one in 20 triggers a lease read); ` +
        `then ${fmtInt(f.burst.requests)} refusals back to back (after 200 more), as the echo calls above: ${fmt(f.burst.cpuPerRefusalMs, 3)} ms CPU per refusal, p50 ${fmt(f.burst.p50Ms, 3)} ms, p99 ${fmt(f.burst.p99Ms, 3)} ms, ${f.burst.leaseReads} lease reads in ${f.burst.seconds} s, ${f.burst.notRefused} answers other than 503; ` +
        `one keep-alive socket throughout (${f.burst.socketsInAll} opened); children at the standby: ${f.childrenAtStandby}; RSS after ${fmt(f.rssMb, 1)} MB.`,
    );
    L.push('');
    L.push(r.notes.standby.join('\n\n'));
    L.push('');
  }
  L.push(`Raw numbers: [\`${path.basename(r.jsonFile)}\`](${path.basename(r.jsonFile)}).`);
  L.push('');
  return L.join('\n');
}

/** One sentence per result, from the numbers. */
function notes(r) {
  const out = { latency: [], failover: [], standby: [] };
  const lat = r.latency;
  if (lat?.paired?.['shared-store'] || lat?.paired?.plain) {
    const ref = lat.paired['shared-store'] ? 'shared-store' : 'plain';
    const d = lat.paired[ref].cpuPerCallMs;
    const p = lat.paired[ref].p50Ms;
    const base = lat.summary[ref].cpuPerCallMs;
    const spread = (t) => {
      const v = lat.rows.filter((x) => x.target === t).map((x) => x.cpuPerCallMs);
      return round(Math.max(...v) - Math.min(...v), 3);
    };
    const noise = Math.max(spread(ref), spread('stateful'));
    const pct = base ? round((100 * d.median) / base, 1) : null;
    const within = r.options.rounds > 1 && Math.abs(d.median) <= noise;
    out.latency.push(
      `**Result:** the stateful instance's CPU per call differs from ${TARGET_LABEL[ref]} by ${d.median >= 0 ? '+' : ''}${fmt(d.median, 3)} ms (${pct >= 0 ? '+' : ''}${pct}%, median of the per-round differences, range ${fmt(d.min, 3)} … ${fmt(d.max, 3)}), ` +
        `${within ? 'within' : 'outside'} the round-to-round spread of either target (up to ${fmt(noise, 3)} ms); its p50 by ${p.median >= 0 ? '+' : ''}${fmt(p.median, 3)} ms. ` +
        (within
          ? 'The lease check (a clock comparison per request) costs nothing measurable here.'
          : 'That is more than the noise: see the rows above for where it comes from.'),
    );
    const stTable = lat.rows.filter((x) => x.target === 'stateful').map((x) => x.tableCalls);
    if (stTable.length)
      out.latency.push(
        `During the measured calls the stateful instance made ${stTable.map((t) => `${t.all} (${t.lease} lease)`).join(', ')} Table calls per round, over ${lat.rows
          .filter((x) => x.target === 'stateful')
          .map((x) => fmt(x.wallS, 1))
          .join(
            ', ',
          )} s: background work only (lease renewals; the session store's poll for sessions ended elsewhere, every 2 s while a session is open, which the shared-store instance makes too), no store call per request.`,
      );
  }
  for (const settings of [SHORT, PROD]) {
    const mine = (r.failover ?? []).filter((x) => x.leaseMs === settings.leaseMs);
    if (!mine.length) continue;
    out.failover.push(
      `**Failover, lease ${settings.label}:** ${mine.map((x) => `${fmtInt(x.recoverMs)} ms`).join(', ')} from the kill to the first successful call, of which the takeover itself (beyond the holder's remaining lease + skew) took ${mine.map((x) => `${fmtInt(x.beyondEarliestMs)}`).join(', ')} ms; ` +
        `by design the wait is the holder's remaining lease (between 2/3 of the lease and all of it, depending on when since its last renewal it dies) plus the skew, so at most ${fmtInt(settings.leaseMs + settings.skewMs)} ms plus the takeover; ` +
        `${mine.map((x) => x.refused503).join(', ')} 503s meanwhile (one per ${r.options['retry-ms']} ms retry), ` +
        `${mine.every((x) => x.sessionReplayed) ? 'the session re-created by the replayed initialize every time' : 'the session NOT always re-created by a replay'}, ` +
        `${mine.every((x) => x.oldChildGone) ? 'the old child gone' : 'an old child still alive (killed by the script)'}, the token bumped (${mine.map((x) => `${x.tokenBefore}→${x.tokenAfter}`).join(', ')}).`,
    );
  }
  const ho = r.handoff ?? [];
  if (ho.length)
    out.failover.push(
      `**Handoff after SIGTERM:** ${ho.map((x) => `${fmtInt(x.recoverMs)} ms`).join(', ')} from SIGTERM to the first successful call at the other instance (holder exited after ${ho.map((x) => fmtInt(x.exitMs)).join(', ')} ms), ` +
        `without waiting out the ${PROD.leaseMs / 1000} s lease (${ho.map((x) => fmtInt(x.remainingAtStopMs)).join(', ')} ms were left); ` +
        `${ho.every((x) => x.leaseReleasedByA) ? 'the holder logged "serving lease released" every time' : 'the holder did NOT always log the release'}; ${ho.map((x) => x.refused503).join(', ')} 503s meanwhile. ` +
        `Of that, ${ho.map((x) => fmtInt(x.recoverMs - (x.exitMs ?? 0))).join(', ')} ms come after the holder has exited with the lease released: a standby refusing requests reads the row at most once a second, so it sees the release at its next read, up to a second later, then takes over (a conditional write, the child's spawn, the replayed initialize). ` +
        `The standby's 503s meanwhile said Retry-After ${ho.map((x) => (x.retryAfterS ? x.retryAfterS.join('–') : '—')).join(', ')} s (the old holder's remaining lease + skew, from the row it last read): a client that waits as told loses that long, not ~1 s; this run's client retries after ${r.options['retry-ms']} ms.`,
    );
  const sb = r.standby;
  if (sb) {
    const expectIdle = 60_000 / (PROD.leaseMs / 3);
    out.standby.push(
      `**Standby:** idle it reads the lease row ${sb.idle.standby.leaseReadsPerMin} times a minute (expected ${fmt(expectIdle, 1)}: every lease/3) and makes ${sb.idle.standby.otherPerMin} other store calls a minute; ` +
        `the holder ${sb.idle.holder.leaseReadsPerMin} reads + ${sb.idle.holder.leaseWritesPerMin} writes a minute (renewals). ` +
        `Refusing 20 requests a second it reads the row ${sb.refusing.leaseReadsPerMin} times a minute (by design at most one a second: a read a refused request triggers replaces the scheduled one). ` +
        `Its RSS is ${fmt(sb.idle.standby.rssMb, 1)} MB against ${fmt(sb.idle.plain.rssMb, 1)} MB for a plain adapter (${fmt(sb.idle.standby.rssMb - sb.idle.plain.rssMb, 1)} MB more: the Table client loaded for the lease and the store) and ${fmt(sb.idle['shared-store'].rssMb, 1)} MB for an adapter with the shared store; it never started a child.`,
    );
  }
  return out;
}

// ---------------------------------------------------------------------------------------------

async function main() {
  if (opts.report) {
    const file = path.resolve(opts.report);
    const result = JSON.parse(fs.readFileSync(file, 'utf8'));
    result.jsonFile = file;
    result.notes = notes(result);
    const out = file.replace(/\.json$/, '.md');
    fs.writeFileSync(out, markdown(result));
    fs.writeFileSync(file, `${JSON.stringify({ ...result, jsonFile: path.relative(ROOT, file) }, null, 2)}\n`);
    log(`wrote ${path.relative(process.cwd(), out)} from ${path.basename(file)} (its notes updated)`);
    return;
  }
  if (opts.runner === 'dist') {
    const cli = path.join(ROOT, 'dist/cli/main.js');
    if (!fs.existsSync(cli))
      throw new Error('dist/cli/main.js is missing: run `npm run build` first (or --runner=tsx)');
    const built = fs.statSync(cli).mtimeMs;
    if (newestMtime(path.join(ROOT, 'src')) > built)
      log('warning: a file under src/ is newer than dist/cli/main.js: the build may be stale (npm run build)');
    const app = path.join(WORK, 'app');
    fs.mkdirSync(app);
    fs.cpSync(path.join(ROOT, 'dist'), path.join(app, 'dist'), { recursive: true });
    fs.cpSync(path.join(ROOT, 'schemas'), path.join(app, 'schemas'), { recursive: true });
    fs.copyFileSync(path.join(ROOT, 'package.json'), path.join(app, 'package.json'));
    fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(app, 'node_modules'), 'dir');
    CLI = [path.join(app, 'dist/cli/main.js'), 'serve'];
  } else {
    // By URL: the instances run in the run's temp folder, where a bare `tsx` would not resolve.
    CLI = ['--import', import.meta.resolve('tsx'), path.join(ROOT, 'src/cli/main.ts'), 'serve'];
  }
  const started = new Date();
  const load0 = round(os.loadavg()[0], 2);
  log(
    `phases ${phases.join(', ')}; runner ${opts.runner}; ${os.cpus().length} cores; load ${load0}; work folder ${WORK}`,
  );
  const azurite = await startAzurite();
  log(`Azurite ${azurite.version} on 127.0.0.1:${azurite.port}`);
  const result = {
    date: started.toISOString().slice(0, 10),
    startedAt: started.toISOString(),
    command: `node bench/stateful-app.mjs${process.argv.slice(2).length ? ` ${process.argv.slice(2).join(' ')}` : ''}`,
    options: opts,
    runner: opts.runner,
    machine: machineInfo(),
    git: gitInfo(),
    distBuiltAt:
      opts.runner === 'dist' ? new Date(fs.statSync(path.join(ROOT, 'dist/cli/main.js')).mtimeMs).toISOString() : null,
    azurite: { version: azurite.version, nodeVersion: azurite.nodeVersion },
    load: { start: load0 },
  };
  if (phases.includes('latency')) result.latency = await phaseLatency(azurite);
  if (phases.includes('failover')) result.failover = await phaseFailover(azurite);
  if (phases.includes('handoff')) result.handoff = await phaseHandoff(azurite);
  if (phases.includes('standby')) result.standby = await phaseStandby(azurite);
  result.load.end = round(os.loadavg()[0], 2);
  result.seconds = (performance.now() - T0) / 1000;
  const out = opts.out ? path.resolve(opts.out) : path.join(ROOT, 'bench/results', `stateful-app-${result.date}.md`);
  result.jsonFile = path.relative(ROOT, `${out.replace(/\.md$/, '')}.json`);
  result.notes = notes(result);
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(path.resolve(ROOT, result.jsonFile), `${JSON.stringify(result, null, 2)}\n`);
  fs.writeFileSync(out, markdown(result));
  log(`wrote ${path.relative(process.cwd(), out)} and ${path.basename(result.jsonFile)}`);
  for (const list of Object.values(result.notes)) for (const line of list) console.log(`\n${line}`);
}

main()
  .then(() => {
    clearTimeout(deadline);
    killEverything();
    removeTmp();
    process.exit(0);
  })
  .catch((error) => {
    console.error(`\nFAILED: ${error.stack ?? error}`);
    console.error(`(logs of the adapters: ${WORK}, kept)`);
    tmpDirs.delete(WORK);
    clearTimeout(deadline);
    killEverything();
    removeTmp();
    process.exit(1);
  });
