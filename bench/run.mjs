#!/usr/bin/env node
// Benchmark: the same MCP workload against direct STDIO, this adapter, supergateway and mcp-proxy.
//
//   node bench/run.mjs            full run (3 repetitions, 1/8/32/64 concurrent sessions), ~45 min on 2 cores
//   node bench/run.mjs --quick    short run (1 repetition, 1/8/32 sessions), ~10 min
//   (both clients and every target; --client=sdk about halves the HTTP targets' share)
//
// Options: --targets=direct,adapter,supergateway,mcp-proxy,adapter-uncapped,adapter-warm,adapter-2026,http-floor,
//                    adapter-npx,adapter-functions  --reps=N
//          --client=sdk,raw (default both: each HTTP target runs once per client, a fresh gateway each)
//          --levels=1,8,32,64 (the concurrency levels; e.g. the 64-session level in a quick run)
//          --isolation=auto|shared_user (the adapter's children; default auto: as root, a user per child)
//          --idle-sessions=N (sessions opened without calls for the gateway's RSS per open session;
//                             default 16 quick, 32 full)
//          --warm-pool=N (adapter-warm's sessions.warm_pool, default 2)  --no-build
//          --no-profile  --profile-only (build + the adapter CPU profile only)
//          --report=bench/results/<file>.json (re-render that run's .md from its .json; no run)
//          --baseline=<git-ref> (before/after: the adapter targets also run as of that commit, see below)
//
// Two clients, side by side in the report (every client-dependent number is tagged [SDK] or [raw]):
// the official SDK client (@modelcontextprotocol/client), what users run, and bench/raw-client.mjs,
// node:http with prebuilt bodies, whose own CPU is small enough that a gateway's cost shows apart
// from the client's (the SDK client costs more CPU than most gateways, which compresses every
// ratio); the report's "Gateway cost apart from the client" compares each target with http-floor
// under the raw client. The adapter runs with child isolation as users get it (`auto`; as root a
// user per child, said in the report header); the other gateways run their child as their own user.
//
// Before / after a change: `node bench/run.mjs --baseline=<git-ref>` (e.g. --baseline=HEAD, or main)
// also runs every selected adapter target (adapter, adapter-uncapped, adapter-warm, adapter-2026)
// against that commit, in the same run and the same results file, as columns named
// `<target>@<short-sha>`. The commit is checked out once as a detached git worktree in
// bench/.baseline/<short-sha> (gitignored, kept and reused by later runs; a broken one is
// recreated), which uses the main checkout's node_modules (a symlink) and is built with the main
// checkout's TypeScript, once per commit (delete the folder to rebuild). Within each repetition a
// baseline target runs right next to its current one (alternating which goes first), so load from
// other processes hits both alike. The report gets a "Before / after" section: baseline vs current
// and the ratio current / baseline. If package-lock.json differs between the commit and the working
// tree, the log and the report say so: the baseline still runs with the current node_modules. It
// roughly doubles the time of the adapter targets (plus one build, ~10-20 s), e.g.
//   node bench/run.mjs --quick --targets=adapter --no-profile --baseline=HEAD~3    ~1.5 min on 2 cores
//
// Every target is started by this script on 127.0.0.1, in its own process group, and everything
// it started is killed at the end (also on error, Ctrl-C or the global deadline). Results go to
// bench/results/<date>-<quick|full>.{json,md}; the adapter's CPU profile of the sequential echo
// phase to bench/results/<date>-<mode>-adapter-echo.cpuprofile (summary: bench/profile-summary.mjs).
//
// Needs, pinned (dev dependencies; or `npm install --no-save`, or a private
// `npm install --prefix bench/.deps --no-save`): supergateway@4.0.0 mcp-proxy@6.7.19, plus the
// project's @modelcontextprotocol/client and @modelcontextprotocol/server-everything.
// Memory: targets run one at a time; at the 64-session level a target that isolates sessions
// (direct, adapter, supergateway, adapter-uncapped, adapter-warm) holds 64 server-everything
// children at once (~75 MB each with Node 22, so ~4.8 GB; adapter-warm also its waiting
// children) plus the gateway and this process (~0.5 GB): a full run needs ~5.5 GB free, a quick
// one (32 sessions) ~3 GB. The estimate is printed at the start and kept in the report. mcp-proxy
// shares one child between all sessions.

import { spawn, spawnSync, execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { summariseProfile, profileMarkdown, handlerWindow } from './profile-summary.mjs';
import { freePort, median, percentile, round, withTimeout } from './common.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BENCH = path.join(ROOT, 'bench');
const RESULTS = path.join(BENCH, 'results');

// ---------------------------------------------------------------------------------------------
// Options and settings

const argv = process.argv.slice(2);
const flag = (name) => argv.includes(`--${name}`);
const option = (name) => argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const USAGE =
  'usage: node bench/run.mjs [--quick] [--targets=direct,adapter,supergateway,mcp-proxy,adapter-uncapped,adapter-warm,adapter-2026,http-floor,adapter-npx,adapter-functions] [--client=sdk,raw] [--levels=1,8,32,64] [--isolation=auto|shared_user] [--idle-sessions=N] [--reps=N] [--warm-pool=N] [--no-build] [--no-profile] [--profile-only] [--baseline=<git-ref>] [--report=results/<file>.json]';
for (const a of argv) {
  if (
    !/^--(quick|no-build|no-profile|profile-only|help|targets=.+|client=(sdk|raw)(,(sdk|raw))?|levels=\d+(,\d+)*|isolation=(auto|shared_user)|idle-sessions=\d+|reps=\d+|warm-pool=\d+|report=.+|baseline=.+)$/.test(
      a,
    )
  ) {
    console.error(`unknown argument ${a}\n${USAGE}`);
    process.exit(2);
  }
}
if (flag('help')) {
  console.log(USAGE);
  process.exit(0);
}
const QUICK = flag('quick');
const MODE = flag('profile-only') ? (QUICK ? 'quick-profile' : 'profile') : QUICK ? 'quick' : 'full';
// adapter-uncapped: the adapter with its session caps (locally: as many sessions as half the
// machine's memory holds, 10 to 200) set to the top concurrency level; only the concurrency phase
// is run for it. adapter-warm: the adapter with `sessions.warm_pool` (--warm-pool, default 2):
// children spawned ahead of sessions; its setup samples each start with the pool full and its
// children idle (booted), as a session arriving at a ready pool would; the sequential and
// progress phases are the adapter's (a session is the same once started) and are not repeated.
// http-floor: not a gateway but a reference: canned answers from a bare node:http server
// (bench/http-floor.mjs), no child; what the SDK client and loopback HTTP cost by themselves.
// Only its setup and sequential phases run.
// adapter-2026: the adapter as it ships, with the SDK client pinned to protocol revision
// 2026-07-28 (no sessions: every call a stateless POST served by a pooled child of the client's
// key; "setup" is connect = server/discover; concurrent clients of one key share pooled children).
// adapter-npx: connect time of a server started as users often configure it, `npx -y
// @modelcontextprotocol/server-everything stdio` (resolved from the project's node_modules, npm
// kept offline), first session and later ones, beside the installed entry through the same adapter
// and both spawned directly (no gateway); only that is measured.
// adapter-functions: the adapter served through the repository's Azure Functions host stand-in
// (tests/helpers/functions-host/: host → worker over IPC, HTTP through @azure/functions' streaming
// proxy), as on Azure; gateway CPU and RSS are the host's and the worker's together.
const ALL_TARGETS = [
  'direct',
  'adapter',
  'supergateway',
  'mcp-proxy',
  'adapter-uncapped',
  'adapter-warm',
  'adapter-2026',
  'http-floor',
  'adapter-npx',
  'adapter-functions',
];
const WARM_POOL = Number(option('warm-pool') ?? 2);
// --profile-only: build, then only the adapter CPU profile of the sequential echo phase.
const PROFILE_ONLY = flag('profile-only');
const TARGETS = PROFILE_ONLY ? [] : (option('targets')?.split(',') ?? ALL_TARGETS).map((t) => t.trim());
for (const t of TARGETS)
  if (!ALL_TARGETS.includes(t)) throw new Error(`unknown target ${t}; known: ${ALL_TARGETS.join(', ')}`);

// --baseline=<git-ref>: the adapter-family targets also run against that commit's build, as the
// targets `<name>@<short-sha>` (BASELINE.dir: its worktree, prepared in main()).
const ADAPTER_FAMILY = ['adapter', 'adapter-uncapped', 'adapter-warm', 'adapter-2026'];
/** git in the main checkout (or `cwd`), read-only unless asked; no optional index locks (others work here too). */
function git(args, { cwd = ROOT, timeout = 120_000 } = {}) {
  return execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    timeout,
    maxBuffer: 256 * 1048576,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, GIT_OPTIONAL_LOCKS: '0' },
  }).trimEnd();
}
function resolveBaseline(ref) {
  let sha;
  try {
    sha = git(['rev-parse', '--verify', '--quiet', `${ref}^{commit}`]);
  } catch {}
  if (!sha) {
    console.error(`--baseline=${ref}: not a commit in ${ROOT} (git rev-parse found nothing)`);
    process.exit(2);
  }
  const short = git(['rev-parse', '--short', sha]);
  const [subject, date] = git(['log', '-1', '--format=%s%n%cI', sha]).split('\n');
  return { ref, sha, short, subject, date, dir: path.join(BENCH, '.baseline', short) };
}
const BASELINE = option('baseline') ? resolveBaseline(option('baseline')) : undefined;
if (BASELINE && (option('report') || PROFILE_ONLY || !TARGETS.some((t) => ADAPTER_FAMILY.includes(t)))) {
  console.error(
    `--baseline needs a run with at least one of the targets ${ADAPTER_FAMILY.join(', ')} (not --report or --profile-only)\n${USAGE}`,
  );
  process.exit(2);
}
/** Target ids: a base target name, or `<name>@<short-sha>` for its baseline variant. */
const baseOf = (id) => id.split('@')[0];
const isBaseline = (id) => id.includes('@');
const hasBaseline = (name) => BASELINE !== undefined && ADAPTER_FAMILY.includes(name);
const baselineId = (name) => `${name}@${BASELINE.short}`;
/** Every target id of the run, each baseline variant right after its current one (report column order). */
const RUN_TARGETS = TARGETS.flatMap((t) => (hasBaseline(t) ? [t, baselineId(t)] : [t]));

const S = QUICK
  ? {
      reps: 1,
      setupSamples: 4,
      seqWarmup: 30,
      seqCalls: 300,
      seqMaxMs: 5_000,
      levels: [1, 8, 32],
      levelMs: 1_200,
      paced: { duration: 0.5, steps: 10 },
      burst: { duration: 0.02, steps: 20, calls: 2 },
      profileMs: 2_500,
      quietWaitMs: 3_000, // per target, at most quietBudgetMs in all
      quietBudgetMs: 6_000,
      deadlineMs: 8 * 60_000, // per client
    }
  : {
      reps: 3,
      setupSamples: 12,
      seqWarmup: 100,
      seqCalls: 1_500,
      seqMaxMs: 15_000,
      levels: [1, 8, 32, 64],
      levelMs: 4_000,
      paced: { duration: 2, steps: 20 },
      burst: { duration: 0.02, steps: 20, calls: 5 },
      profileMs: 10_000,
      quietWaitMs: 30_000,
      quietBudgetMs: 150_000,
      deadlineMs: 30 * 60_000, // per client
    };
if (option('reps')) S.reps = Math.max(1, Number(option('reps')));
// --levels: e.g. a quick run with the 64-session level (--quick --levels=1,8,32,64).
if (option('levels')) S.levels = [...new Set(option('levels').split(',').map(Number))].filter((n) => n > 0);
// Clients: the SDK's (what users run) and bench/raw-client.mjs (node:http, prebuilt bodies), whose
// own CPU is small enough that a gateway's cost shows apart from the client's.
const CLIENTS = option('client')
  ? ['sdk', 'raw'].filter((c) => option('client').split(',').includes(c))
  : ['sdk', 'raw'];
// Child isolation of the adapter targets: `auto` is what users get (as root: a user per child);
// `shared_user` runs children as the adapter's user, as every other gateway runs its child.
const ISOLATION = option('isolation') ?? 'auto';
// Idle sessions opened (no calls) to read the gateway's RSS per open session.
const IDLE_SESSIONS = Number(option('idle-sessions') ?? (QUICK ? 16 : 32));
// adapter-npx: connects per variant (the first, then later ones for a p50).
const NPX_SAMPLES = 6;
const T = {
  connectMs: 60_000, // one connect (spawn + initialize), also in a 64-session burst on 2 cores
  callMs: 10_000, // one echo call
  progressMs: 30_000, // one long-running call
  closeMs: 10_000, // DELETE + client.close
  drainMs: 20_000, // all children of closed sessions gone
  readyMs: 30_000, // gateway listening
  stopMs: 10_000, // gateway exit after SIGTERM
  buildMs: 300_000,
};
const ECHO = { name: 'echo', arguments: { message: 'hello from mcp-bench' } };
const LONG_TOOL = 'trigger-long-running-operation';

const PINS = {
  '@modelcontextprotocol/server-everything': '2026.8.31',
  '@modelcontextprotocol/client': '2.4.0',
  supergateway: '4.0.0',
  'mcp-proxy': '6.7.19',
};
// The project's node_modules first; bench/.deps/node_modules as a fallback (a private
// `npm install --prefix bench/.deps --no-save …` that a concurrent `npm install` cannot prune).
const pkgDir = (name) => {
  const main = path.join(ROOT, 'node_modules', name);
  const fallback = path.join(BENCH, '.deps', 'node_modules', name);
  return !fs.existsSync(path.join(main, 'package.json')) && fs.existsSync(path.join(fallback, 'package.json'))
    ? fallback
    : main;
};
const pkgVersion = (name) => {
  try {
    return JSON.parse(fs.readFileSync(path.join(pkgDir(name), 'package.json'), 'utf8')).version;
  } catch {
    return undefined;
  }
};
const SERVER = path.join(pkgDir('@modelcontextprotocol/server-everything'), 'dist', 'index.js');
const SERVER_ARGS = [SERVER, 'stdio'];

// ---------------------------------------------------------------------------------------------
// Small helpers

const log = (...a) => console.log(`[${((performance.now() - T0) / 1000).toFixed(1).padStart(6)}s]`, ...a);
const T0 = performance.now();
const errText = (e) =>
  String(e?.message ?? e)
    .replace(/\s+/g, ' ')
    .slice(0, 160);
function noteError(bucket, e) {
  const k = errText(e);
  bucket[k] = (bucket[k] ?? 0) + 1;
}

// ---------------------------------------------------------------------------------------------
// Process table (Linux /proc, else `ps`): descendants, RSS, CPU time

const LINUX = process.platform === 'linux' && fs.existsSync('/proc/self/stat');
const getconf = (name, fallback) => {
  try {
    return Number(execFileSync('getconf', [name], { encoding: 'utf8', timeout: 5000 }).trim()) || fallback;
  } catch {
    return fallback;
  }
};
const CLK_TCK = LINUX ? getconf('CLK_TCK', 100) : 100;
const PAGE_KB = LINUX ? getconf('PAGESIZE', 4096) / 1024 : 4;

/** pid → { pid, ppid, state, cpuMs, start, rssKb } */
function processTable() {
  const table = new Map();
  if (LINUX) {
    for (const name of fs.readdirSync('/proc')) {
      if (!/^\d+$/.test(name)) continue;
      let stat;
      try {
        stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8');
      } catch {
        continue;
      }
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      table.set(Number(name), {
        pid: Number(name),
        ppid: Number(f[1]),
        state: f[0],
        cpuMs: ((Number(f[11]) + Number(f[12])) * 1000) / CLK_TCK,
        start: f[19],
        rssKb: Number(f[21]) * PAGE_KB,
      });
    }
    return table;
  }
  const out = execFileSync('ps', ['-A', '-o', 'pid=,ppid=,rss=,stat='], { encoding: 'utf8', timeout: 10_000 });
  for (const line of out.split('\n')) {
    const m = line.trim().split(/\s+/);
    if (m.length < 3) continue;
    table.set(Number(m[0]), {
      pid: Number(m[0]),
      ppid: Number(m[1]),
      rssKb: Number(m[2]),
      state: m[3]?.[0] ?? '?',
      cpuMs: null,
      start: null,
    });
  }
  return table;
}
function descendants(root, table = processTable()) {
  const kids = new Map();
  for (const p of table.values()) {
    if (!kids.has(p.ppid)) kids.set(p.ppid, []);
    kids.get(p.ppid).push(p);
  }
  const found = [];
  const queue = [root];
  for (let guard = 0; queue.length && guard < 100_000; guard++) {
    for (const c of kids.get(queue.shift()) ?? []) {
      found.push(c);
      queue.push(c.pid);
    }
  }
  return found;
}
/** VmRSS of one process, children excluded (kB). */
function vmRssKb(pid) {
  if (LINUX) {
    try {
      const m = /VmRSS:\s+(\d+)\s*kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
      return m ? Number(m[1]) : null;
    } catch {
      return null;
    }
  }
  try {
    return (
      Number(execFileSync('ps', ['-o', 'rss=', '-p', String(pid)], { encoding: 'utf8', timeout: 5000 }).trim()) || null
    );
  } catch {
    return null;
  }
}
function cpuMsOf(pid) {
  if (!LINUX) return null;
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(f[11]) + Number(f[12])) * 1000) / CLK_TCK;
  } catch {
    return null;
  }
}
/** The gateway's processes: its own, and for adapter-functions also the worker's (the host's is the gateway pid). */
const gatewayPids = (target) => (target.gatewayPid ? [target.gatewayPid, ...(target.extraGatewayPids ?? [])] : []);
/** CPU time of the gateway's processes together (ms), null when unknown. */
function gatewayCpuMs(target) {
  const pids = gatewayPids(target);
  if (!pids.length) return null;
  let sum = 0;
  for (const pid of pids) {
    const ms = cpuMsOf(pid);
    if (ms === null) return null;
    sum += ms;
  }
  return sum;
}
/** VmRSS of the gateway's processes together (kB), children excluded; null when unknown. */
function gatewayRssKb(target) {
  const pids = gatewayPids(target);
  if (!pids.length) return null;
  let sum = 0;
  for (const pid of pids) {
    const kb = vmRssKb(pid);
    if (kb === null) return null;
    sum += kb;
  }
  return sum;
}
function startOf(pid) {
  if (!LINUX) return null;
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}
const alive = (p) => p.state !== 'Z' && p.state !== 'X';
/**
 * CPU used by the whole machine and by this benchmark's process tree (itself, the gateways, all
 * children; reaped processes are in their reaper's cutime/cstime), to tell how much of the machine
 * other processes took while a target was measured.
 */
function cpuSnapshot() {
  if (!LINUX) return null;
  const f = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const busyTicks = f.reduce((a, b) => a + b, 0) - f[3] - (f[4] ?? 0);
  let ours = 0;
  for (const p of [process.pid, ...descendants(process.pid).map((d) => d.pid)]) {
    try {
      const stat = fs.readFileSync(`/proc/${p}/stat`, 'utf8');
      const x = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ours += Number(x[11]) + Number(x[12]) + Number(x[13]) + Number(x[14]);
    } catch {}
  }
  return { t: performance.now(), machineMs: (busyTicks * 1000) / CLK_TCK, oursMs: (ours * 1000) / CLK_TCK };
}
function otherCpuPct(a, b) {
  if (!a || !b) return null;
  const wall = b.t - a.t;
  const cores = os.availableParallelism?.() ?? os.cpus().length;
  const others = b.machineMs - a.machineMs - (b.oursMs - a.oursMs);
  return round(Math.max(0, (100 * others) / (wall * cores)), 1);
}

/** Machine CPU busy % over a short window (/proc/stat), null when unknown. */
async function cpuBusyPct(ms) {
  if (!LINUX) return null;
  const read = () => {
    const f = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    const idle = f[3] + (f[4] ?? 0);
    return { idle, total: f.reduce((a, b) => a + b, 0) };
  };
  const a = read();
  await sleep(ms);
  const b = read();
  return round(100 * (1 - (b.idle - a.idle) / Math.max(1, b.total - a.total)), 0);
}
function memAvailableMb() {
  if (!LINUX) return os.freemem() / 1048576;
  return Number(/^MemAvailable:\s+(\d+)/m.exec(fs.readFileSync('/proc/meminfo', 'utf8'))?.[1] ?? 0) / 1024;
}
/** RSS of one server-everything child on Node 22 (73-75 MB in bench/results/2026-11-26-0540Z-quick.md). */
const CHILD_MB_ESTIMATE = 75;
/** Targets that never hold a child per session at the top level (one shared child, none, or one at a time). */
const NO_CHILD_PER_SESSION = ['mcp-proxy', 'http-floor', 'adapter-npx'];
/** Peak memory a run needs: the top level's children (plus adapter-warm's waiting ones), the gateway and this process. */
function memoryNeededMb(targets, levels) {
  const top = Math.max(...levels);
  const isolating = targets.some((t) => !NO_CHILD_PER_SESSION.includes(t));
  const waiting = targets.includes('adapter-warm') ? WARM_POOL : 0;
  return { top, waiting, mb: (isolating ? (top + waiting) * CHILD_MB_ESTIMATE : 2 * CHILD_MB_ESTIMATE) + 600 };
}
function memUsedMb() {
  if (!LINUX) return (os.totalmem() - os.freemem()) / 1048576;
  const info = fs.readFileSync('/proc/meminfo', 'utf8');
  const kb = (k) => Number(new RegExp(`^${k}:\\s+(\\d+)`, 'm').exec(info)?.[1] ?? 0);
  return (kb('MemTotal') - kb('MemAvailable')) / 1024;
}

// ---------------------------------------------------------------------------------------------
// Everything we start, so that it can all be killed at the end

/** pid → { start, label, group } — gateways (own process group), direct children, their descendants. */
const owned = new Map();
function own(pid, label, group = false) {
  if (!pid || owned.has(pid)) return;
  owned.set(pid, { start: startOf(pid), label, group });
}
function adoptDescendants(root) {
  for (const d of descendants(root)) own(d.pid, `descendant of ${root}`);
}
/** Still the process we started (not a reused pid)? */
function stillOurs(pid, info) {
  if (!LINUX) {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  }
  const s = startOf(pid);
  return s !== undefined && (info.start === null || s === info.start);
}
function signalOwned(signal) {
  let n = 0;
  for (const [pid, info] of owned) {
    if (!stillOurs(pid, info)) {
      owned.delete(pid);
      continue;
    }
    n++;
    try {
      if (info.group) process.kill(-pid, signal);
    } catch {}
    try {
      process.kill(pid, signal);
    } catch {}
  }
  return n;
}
/** The snapshot of dist/ and the temporary folder (also after a signal or the deadline). The baseline worktree stays. */
function removeTemporaries() {
  try {
    if (adapterSnapshot) {
      fs.rmSync(adapterSnapshot, { recursive: true, force: true });
      try {
        fs.rmdirSync(path.dirname(adapterSnapshot)); // only when empty (no other run in progress)
      } catch {}
    }
    fs.rmSync(TMP, { recursive: true, force: true });
  } catch {} // a signal before they exist
}
let cleaningUp = false;
async function killEverything(reason) {
  if (cleaningUp) return;
  cleaningUp = true;
  for (const g of running) adoptDescendants(g.pid);
  adoptDescendants(process.pid);
  const n = signalOwned('SIGTERM');
  if (n) {
    log(`cleanup (${reason}): SIGTERM to ${n} process(es) we started`);
    for (let i = 0; i < 30 && signalOwned(0) > 0; i++) await sleep(100);
    const left = signalOwned('SIGKILL');
    if (left) log(`cleanup: SIGKILL to ${left} process(es)`);
  }
}
process.on('exit', () => {
  // Last resort, synchronous: anything we started that is still alive.
  try {
    signalOwned('SIGKILL');
  } catch {}
});
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => {
    log(`${sig}: stopping`);
    void killEverything(sig).finally(() => {
      removeTemporaries();
      process.exit(130);
    });
  });
}

// ---------------------------------------------------------------------------------------------
// Machine-wide sampler: peak memory, and adoption of every descendant we can see

const mem = { startMb: memUsedMb(), peakMb: 0, peakAt: null, peakPhase: null };
const loadavg1 = () => os.loadavg()[0];
const load = { start: loadavg1(), max: 0, samples: [] };
let phase = 'start';
const running = new Set(); // gateways currently up
const sampler = setInterval(() => {
  try {
    const l = loadavg1();
    if (l > load.max) load.max = l;
    load.samples.push(l);
    const used = memUsedMb();
    if (used > mem.peakMb) Object.assign(mem, { peakMb: used, peakAt: new Date().toISOString(), peakPhase: phase });
    const table = LINUX ? processTable() : undefined;
    for (const g of running) for (const d of descendants(g.pid, table)) own(d.pid, `descendant of ${g.name}`);
    for (const d of descendants(process.pid, table)) own(d.pid, 'direct child');
  } catch {}
}, 1000);
sampler.unref();

// ---------------------------------------------------------------------------------------------
// MCP client sessions

const { Client, StreamableHTTPClientTransport } = await import('@modelcontextprotocol/client');
const { StdioClientTransport } = await import('@modelcontextprotocol/client/stdio');
const { RawSession } = await import('./raw-client.mjs');

/** Whether a tools/call result is the echo of ECHO's message (the same check for both clients). */
function checkEcho(result) {
  if (result?.isError) throw new Error(`echo: isError: ${JSON.stringify(result.content).slice(0, 120)}`);
  if (result?.content?.[0]?.text !== `Echo: ${ECHO.arguments.message}`)
    throw new Error(`echo: unexpected result ${JSON.stringify(result).slice(0, 160)}`);
}

/**
 * A session (2026-07-28: a sessionless client) of `target` with its client, `target.client`
 * (`sdk` or `raw`; stdio targets: always the SDK's): `{ ms, echo(), close(), pid }`, plus
 * `client`/`transport` for the SDK's. `timings` records each HTTP request of the connect (time to
 * its response headers for the SDK client, to the whole answer for the raw one).
 */
async function openSession(
  target,
  { timings, url = target.url, stdio = { command: process.execPath, args: SERVER_ARGS, cwd: os.tmpdir() } } = {},
) {
  if (target.kind === 'http' && target.client === 'raw') {
    const s = new RawSession(url, { modern: target.modern, message: ECHO.arguments.message, timings });
    let ms;
    try {
      ms = await s.connect(T.connectMs);
    } catch (e) {
      await s.close(T.closeMs).catch(() => {});
      throw e;
    }
    return {
      ms,
      raw: s,
      echo: () => s.echo(T.callMs),
      close: () => s.close(T.closeMs).catch(() => {}),
    };
  }
  const client = new Client(
    { name: 'mcp-bench', version: '1.0.0' },
    target.modern ? { versionNegotiation: { mode: { pin: '2026-07-28' } } } : {},
  );
  const timedFetch = timings
    ? (u, init) => {
        const t0 = performance.now();
        const what =
          init?.method === 'POST'
            ? (/"method":"([^"]+)"/.exec(String(init.body))?.[1] ?? 'POST')
            : (init?.method ?? 'GET');
        const p = fetch(u, init);
        p.then(
          (res) => timings.push({ what, ms: performance.now() - t0, status: res.status }),
          () => {},
        );
        return p;
      }
    : undefined;
  const transport =
    target.kind === 'stdio'
      ? new StdioClientTransport({ ...stdio, stderr: 'ignore' })
      : new StreamableHTTPClientTransport(new URL(url), timedFetch ? { fetch: timedFetch } : {});
  const t0 = performance.now();
  try {
    await withTimeout(client.connect(transport, { timeout: T.connectMs }), T.connectMs + 2000, 'connect');
  } catch (e) {
    if (target.kind === 'stdio' && transport.pid) own(transport.pid, 'direct child');
    await withTimeout(client.close(), T.closeMs, 'close').catch(() => {});
    throw e;
  }
  const ms = performance.now() - t0;
  if (target.kind === 'stdio') own(transport.pid, 'direct child');
  return {
    client,
    transport,
    ms,
    pid: target.kind === 'stdio' ? transport.pid : undefined,
    echo: async () => checkEcho(await client.callTool(ECHO, { timeout: T.callMs })),
    close: async () => {
      if (target.kind === 'http' && !target.modern)
        await withTimeout(transport.terminateSession(), T.closeMs, 'DELETE').catch(() => {});
      await withTimeout(client.close(), T.closeMs, 'close').catch(() => {});
    },
  };
}
const closeSession = (_target, s) => s.close();
const echo = (s) => s.echo();

/** Children of the sessions (for direct: of this process) that are alive. */
function liveChildren(target, table = processTable()) {
  const gateway = new Set(gatewayPids(target));
  return descendants(target.rootPid(), table).filter((p) => alive(p) && !gateway.has(p.pid));
}
async function waitForChildren(target, atMost, boundMs = T.drainMs) {
  // adapter-2026: pooled children outlive their clients by design (until reclaim_after_seconds).
  if (target.modern) return null;
  const t0 = performance.now();
  while (performance.now() - t0 < boundMs) {
    if (liveChildren(target).length <= atMost) return performance.now() - t0;
    await sleep(50);
  }
  return null; // not drained in time
}

// ---------------------------------------------------------------------------------------------
// Measurements (one repetition of one target)

/**
 * adapter-warm: waits (bounded) until the pool is full again (GET /status) and its children have
 * booted, i.e. stopped using CPU (they wait on stdin for an initialize). Returns the wait in ms.
 */
async function waitForWarmPool(target, boundMs = 15_000) {
  const t0 = performance.now();
  while (performance.now() - t0 < boundMs) {
    try {
      const status = await (
        await fetch(`http://127.0.0.1:${target.port}/status`, { signal: AbortSignal.timeout(2000) })
      ).json();
      if ((status.servers?.everything?.warmChildren ?? 0) >= WARM_POOL) break;
    } catch {}
    await sleep(50);
  }
  let last = -1;
  while (performance.now() - t0 < boundMs) {
    const cpu = descendants(target.pid).reduce((sum, p) => sum + (p.cpuMs ?? 0), 0);
    if (cpu === last) break;
    last = cpu;
    await sleep(250);
  }
  return performance.now() - t0;
}

async function measureSetup(target) {
  const times = [];
  const errors = {};
  const init = [];
  const initialized = [];
  const warmWaits = [];
  for (let i = 0; i < S.setupSamples; i++) {
    if (target.warmPool) warmWaits.push(await waitForWarmPool(target));
    try {
      const timings = [];
      const s = await openSession(target, { timings: target.kind === 'http' ? timings : undefined });
      times.push(s.ms);
      const a = timings.find((t) => t.what === 'initialize');
      const b = timings.find((t) => t.what === 'notifications/initialized');
      if (a) init.push(a.ms);
      if (b) initialized.push(b.ms);
      await closeSession(target, s);
    } catch (e) {
      noteError(errors, e);
    }
  }
  await waitForChildren(target, target.baselineChildren);
  return {
    samples: times.map((t) => round(t)),
    p50: percentile(times, 50),
    p95: percentile(times, 95),
    initializePostP50: percentile(init, 50),
    initializedPostP50: percentile(initialized, 50),
    warmWaitP50: target.warmPool ? percentile(warmWaits, 50) : undefined,
    errors,
  };
}

async function measureSequential(target, s) {
  const errors = {};
  for (let i = 0; i < S.seqWarmup; i++) await echo(s).catch((e) => noteError(errors, e));
  const lat = [];
  let failed = 0;
  const cpu0 = gatewayCpuMs(target);
  const own0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < S.seqCalls && performance.now() - t0 < S.seqMaxMs; i++) {
    const c0 = performance.now();
    try {
      await echo(s);
      lat.push(performance.now() - c0);
    } catch (e) {
      failed++;
      noteError(errors, e);
    }
  }
  const elapsed = performance.now() - t0;
  const cpu1 = gatewayCpuMs(target);
  const own = process.cpuUsage(own0);
  return {
    calls: lat.length,
    failed,
    p50: percentile(lat, 50),
    p95: percentile(lat, 95),
    p99: percentile(lat, 99),
    max: percentile(lat, 100),
    callsPerSec: (lat.length / elapsed) * 1000,
    gatewayCpuMsPerCall: cpu0 !== null && cpu1 !== null && lat.length ? (cpu1 - cpu0) / lat.length : null,
    // This process: the client (and the benchmark's 1-s sampler, a fraction of a percent).
    clientCpuMsPerCall: lat.length ? (own.user + own.system) / 1000 / lat.length : null,
    errors,
  };
}

/**
 * Gateway RSS per idle open session, the first phase on a fresh gateway (no closed session's
 * leftovers yet): one session opened and kept, RSS_0; then IDLE_SESSIONS more opened one after
 * the other, no call, RSS_N; (RSS_N − RSS_0) / N. Each reading after a full GC in the gateway
 * (also its live JS memory then). Children are apart (their RSS is the children rows'). The
 * readings after each session (no GC) stay in the JSON.
 */
async function measureIdleSessions(target) {
  const n = IDLE_SESSIONS;
  const errors = {};
  // Each reading once the gateway is idle and after a full GC in it: garbage of the phase before
  // moves RSS by megabytes, a session by kilobytes.
  const settle = async () => {
    await sleep(500);
    await gatewayIdle(target);
    // A forced GC, then V8's memory reducer (8 s after a GC in an idle heap: the GCs that flush
    // the bytecode of code not run lately, a gateway's start-up code up to ~25 MB of RSS in
    // supergateway, which forced GCs leave alone) before the GC of the reading: else that falls
    // out between the two readings and RSS shrinks while sessions open.
    await gatewayGc(target);
    await sleep(MEMORY_REDUCER_WAIT_MS);
    const heap = await gatewayGc(target);
    await sleep(1000); // V8 gives freed pages back in the background
    return heap;
  };
  // One session first, kept open: what the first one loads once (code, caches) is not per session.
  const sessions = [];
  try {
    sessions.push(await openSession(target));
  } catch (e) {
    noteError(errors, e);
  }
  const heap0 = await settle();
  const rss0 = gatewayRssKb(target);
  const readings = [];
  for (let i = 0; i < n; i++) {
    try {
      sessions.push(await openSession(target));
      readings.push(gatewayRssKb(target));
    } catch (e) {
      noteError(errors, e);
    }
  }
  const heapN = await settle();
  const rssN = gatewayRssKb(target);
  const kids = liveChildren(target);
  await Promise.allSettled(sessions.map((s) => closeSession(target, s)));
  if (!target.modern) await waitForChildren(target, target.baselineChildren);
  const opened = sessions.length - 1;
  return {
    sessions: n,
    opened,
    rss0Kb: rss0,
    rssNKb: rssN,
    perSessionKb: rss0 !== null && rssN !== null && opened ? (rssN - rss0) / opened : null,
    heap0Kb: heap0,
    heapNKb: heapN,
    heapPerSessionKb: heap0 != null && heapN != null && opened ? (heapN - heap0) / opened : null,
    readingsKb: readings,
    childProcesses: kids.length - target.baselineChildren, // N + the first one
    errors,
  };
}

/** V8's --gc-memory-reducer-start-delay-ms (8000) and its GCs. */
const MEMORY_REDUCER_WAIT_MS = 9_500;
/**
 * A full GC in each gateway process (SIGUSR2 → bench/gc-on-signal.mjs), then their live memory
 * after it: heapUsed + external (kB, summed), null when a process did not answer in time.
 */
async function gatewayGc(target, boundMs = 3000) {
  const pids = gatewayPids(target);
  const files = pids.map((pid) => path.join(GC_REPORTS, `${pid}.json`));
  for (const [i, pid] of pids.entries()) {
    fs.rmSync(files[i], { force: true });
    try {
      process.kill(pid, 'SIGUSR2');
    } catch {}
  }
  let sum = 0;
  for (const file of files) {
    const t0 = performance.now();
    let usage;
    while (!usage && performance.now() - t0 < boundMs) {
      try {
        usage = JSON.parse(fs.readFileSync(file, 'utf8'));
      } catch {
        await sleep(20);
      }
    }
    if (!usage) return null;
    sum += (usage.heapUsed + usage.external) / 1024;
  }
  return pids.length ? sum : null;
}

/** Waits (bounded) until the gateway's processes used no CPU for half a second. */
async function gatewayIdle(target, boundMs = 5000) {
  const t0 = performance.now();
  let last = gatewayCpuMs(target);
  while (last !== null && performance.now() - t0 < boundMs) {
    await sleep(500);
    const now = gatewayCpuMs(target);
    if (now === last) return;
    last = now;
  }
}

/** Counts the progress notifications that reach the client transport before the call's result. */
async function progressCall(s, args) {
  const { client, transport } = s;
  const st = { id: undefined, token: undefined, before: 0, after: 0, responded: false, other: 0 };
  const send = transport.send;
  const onmessage = transport.onmessage;
  transport.send = function (message, options) {
    if (message?.method === 'tools/call' && message.params?.name === LONG_TOOL) {
      st.id = message.id;
      st.token = message.params?._meta?.progressToken;
    }
    return send.call(this, message, options);
  };
  transport.onmessage = function (message, extra) {
    if (message?.method === 'notifications/progress') {
      if (st.token !== undefined && message.params?.progressToken === st.token) st.responded ? st.after++ : st.before++;
      else st.other++;
    } else if (!message?.method && st.id !== undefined && message?.id === st.id) {
      st.responded = true;
    }
    return onmessage?.call(this, message, extra);
  };
  let callbacks = 0;
  const t0 = performance.now();
  let error;
  try {
    await client.callTool(
      { name: LONG_TOOL, arguments: args },
      { timeout: T.progressMs, resetTimeoutOnProgress: true, onprogress: () => callbacks++ },
    );
  } catch (e) {
    error = errText(e);
  }
  const ms = performance.now() - t0;
  await sleep(200); // late notifications (after the result) are counted as such
  transport.send = send;
  transport.onmessage = onmessage;
  return {
    sent: args.steps,
    beforeResult: st.before,
    afterResult: st.after,
    sdkCallbacks: callbacks,
    ms: round(ms),
    error,
    tokenSeen: st.token !== undefined,
  };
}

async function measureProgress(s) {
  const paced = await progressCall(s, { duration: S.paced.duration, steps: S.paced.steps });
  const burst = [];
  for (let i = 0; i < S.burst.calls; i++)
    burst.push(await progressCall(s, { duration: S.burst.duration, steps: S.burst.steps }));
  const sum = (arr, k) => arr.reduce((a, x) => a + x[k], 0);
  return {
    paced: { ...paced, args: S.paced },
    burst: {
      args: S.burst,
      sent: sum(burst, 'sent'),
      beforeResult: sum(burst, 'beforeResult'),
      afterResult: sum(burst, 'afterResult'),
      sdkCallbacks: sum(burst, 'sdkCallbacks'),
      errors: burst.filter((b) => b.error).map((b) => b.error),
      calls: burst,
    },
  };
}

/**
 * Concurrency levels. Sessions accumulate: level N adds fresh sessions (opened at once, each its own
 * client) to the ones still open from the level before, so N sessions are open while all N call
 * echo back to back for the level's duration. At the end all are closed and the time until their
 * children are gone is measured.
 */
async function measureLevels(target) {
  const pool = [];
  const out = {};
  for (const n of S.levels) {
    phase = `${target.name} x${n}`;
    const connectErrors = {};
    const want = n - pool.length;
    const tOpen = performance.now();
    const opened = await Promise.allSettled(Array.from({ length: Math.max(0, want) }, () => openSession(target)));
    const openMs = performance.now() - tOpen;
    const fresh = [];
    for (const r of opened) r.status === 'fulfilled' ? fresh.push(r.value) : noteError(connectErrors, r.reason);
    pool.push(...fresh);
    const connectFailed = want - fresh.length;
    await sleep(300); // let spawned children settle before counting them
    const table = processTable();
    const kids = liveChildren(target, table);
    const zombies = descendants(target.rootPid(), table).filter((p) => !alive(p)).length;
    const childRss = kids.reduce((a, p) => a + p.rssKb, 0);
    const rssOpenKb = gatewayRssKb(target);
    const sessions = pool.slice(0, n);

    const callErrors = {};
    let ok = 0;
    let failed = 0;
    const lat = [];
    let rssPeakKb = rssOpenKb ?? 0;
    const rssTimer = target.gatewayPid
      ? setInterval(() => {
          const r = gatewayRssKb(target);
          if (r > rssPeakKb) rssPeakKb = r;
        }, 250)
      : undefined;
    const cpu0 = gatewayCpuMs(target);
    const own0 = process.cpuUsage();
    const t0 = performance.now();
    const deadline = t0 + S.levelMs;
    await Promise.all(
      sessions.map(async (s) => {
        for (let i = 0; i < 1_000_000 && performance.now() < deadline; i++) {
          const c0 = performance.now();
          try {
            await echo(s);
            ok++;
            lat.push(performance.now() - c0);
          } catch (e) {
            failed++;
            noteError(callErrors, e);
            await sleep(20); // do not spin on a dead session
          }
        }
      }),
    );
    const elapsed = performance.now() - t0;
    const cpu1 = gatewayCpuMs(target);
    const own = process.cpuUsage(own0);
    clearInterval(rssTimer);
    out[n] = {
      sessions: n,
      opened: sessions.length,
      connectFailed,
      connectErrors,
      openedNow: fresh.length,
      openAllMs: round(openMs),
      connectP50: percentile(
        fresh.map((s) => s.ms),
        50,
      ),
      connectP95: percentile(
        fresh.map((s) => s.ms),
        95,
      ),
      calls: ok,
      callFailed: failed,
      callErrors,
      errors: connectFailed + failed,
      callsPerSec: (ok / elapsed) * 1000,
      p50: percentile(lat, 50),
      p99: percentile(lat, 99),
      gatewayCpuMsPerCall: cpu0 !== null && cpu1 !== null && ok ? (cpu1 - cpu0) / ok : null,
      clientCpuMsPerCall: ok ? (own.user + own.system) / 1000 / ok : null,
      gatewayRssOpenMb: rssOpenKb === null ? null : rssOpenKb / 1024,
      gatewayRssPeakMb: target.gatewayPid ? rssPeakKb / 1024 : null,
      childProcesses: kids.length,
      zombies,
      childProcessesPerSession: sessions.length ? (kids.length - target.baselineChildren) / sessions.length : null,
      childRssTotalMb: childRss / 1024,
      // adapter-warm: its waiting children are not sessions' (each about as large as a session's).
      childRssPerSessionMb: sessions.length
        ? (target.warmPool && kids.length
            ? (childRss * Math.max(0, kids.length - target.baselineChildren)) / kids.length
            : childRss) /
          1024 /
          sessions.length
        : null,
    };
    const L = out[n];
    log(
      `  ${target.name}: x${n}: ${round(L.callsPerSec, 0)} calls/s, errors ${L.errors} (connect ${L.connectFailed}), open ${L.opened}/${n}, p50 ${round(L.p50, 1)} ms, gw RSS ${round(L.gatewayRssOpenMb, 1)} MB, ${L.childProcesses} children`,
    );
  }
  phase = `${target.name} close all`;
  const tClose = performance.now();
  const closing = pool.length;
  await Promise.allSettled(pool.map((s) => closeSession(target, s)));
  // adapter-2026: clients have no sessions to end; pooled children stay until reclaim_after_seconds.
  if (target.modern) return { levels: out, closeAll: { sessions: closing, closeAndDrainMs: null, drained: null } };
  const drainMs = await waitForChildren(target, target.baselineChildren);
  const closeAll = { sessions: closing, closeAndDrainMs: round(performance.now() - tClose), drained: drainMs !== null };
  return { levels: out, closeAll };
}

// ---------------------------------------------------------------------------------------------
// Targets

const TMP = fs.mkdtempSync(path.join(os.tmpdir(), 'mcp-bench-'));
// Children with users of their own (isolation auto, as root) work in their config's folder: it
// must be reachable by other users (it holds no secret).
fs.chmodSync(TMP, 0o755);
const typescript = () => createRequire(path.join(ROOT, 'package.json'))('typescript');
// adapter-npx: npm kept off the network (offline; no update check, which offline alone does not
// stop), its debug logs where this script reads them afterwards (writable by every child's user).
// Pinned, as the adapter asks (an unpinned spec makes its npx install ask the registry which version).
const NPX_ARGS = [
  '-y',
  `@modelcontextprotocol/server-everything@${PINS['@modelcontextprotocol/server-everything']}`,
  'stdio',
];
const NPM_LOGS = path.join(TMP, 'npm-logs');
fs.mkdirSync(NPM_LOGS, { recursive: true });
fs.chmodSync(NPM_LOGS, 0o1777);
const NPX_ENV = {
  npm_config_offline: 'true',
  npm_config_update_notifier: 'false',
  npm_config_logs_dir: NPM_LOGS,
  npm_config_logs_max: '100000',
};
const cleanEnv = () => {
  const env = { ...process.env };
  for (const k of Object.keys(env)) if (/^(LOG_LEVEL|MCP_|PORT$|HOST$|NODE_OPTIONS$|DEBUG$)/.test(k)) delete env[k];
  return env;
};

let adapterSnapshot; // folder with dist/ and schemas/ copied after the build
/** The adapter's CLI entry in a project root (the snapshot of the working tree's build, or a baseline worktree). */
const adapterEntry = (root) => path.join(root, 'dist', 'cli', 'main.js');

/** Node flags of every gateway process: a full GC on SIGUSR2 (bench/gc-on-signal.mjs), for the idle RSS readings. */
const GC_ON_SIGNAL = ['--expose-gc', '--import', pathToFileURL(path.join(BENCH, 'gc-on-signal.mjs')).href];
const GC_REPORTS = path.join(TMP, 'gc');
fs.mkdirSync(GC_REPORTS, { recursive: true });

/** The adapter config of an adapter target (default settings but for what the target is about). */
function adapterConfig(name) {
  const cap = Math.max(...S.levels);
  const everything = { command: process.execPath, args: SERVER_ARGS };
  switch (name) {
    case 'adapter':
    case 'adapter-2026':
      return { mcpServers: { everything } };
    case 'adapter-functions':
      // As a deployment's: the single server, behind the function key (auth_level function).
      return { mcpServers: { everything } };
    case 'adapter-warm':
      return { mcpServers: { everything: { ...everything, sessions: { warm_pool: WARM_POOL } } } };
    case 'adapter-uncapped':
      return {
        adapter: { max_sessions: cap },
        mcpServers: { everything: { ...everything, sessions: { max_concurrent: cap } } },
      };
    case 'adapter-npx':
      // Both started in the project folder, where npx finds the installed package; npx for every
      // session (the adapter's own once-only install of npx servers is adapter-npx-installed).
      return {
        adapter: { install_npx_servers: false },
        mcpServers: {
          npx: { command: 'npx', args: NPX_ARGS, cwd: ROOT, env: NPX_ENV },
          entry: { ...everything, cwd: ROOT },
        },
      };
    case 'adapter-npx-installed':
      // As users get it with `npm start`: npx servers installed once into .mcp-packages/ at start.
      return { mcpServers: { npx: { command: 'npx', args: NPX_ARGS, cwd: ROOT, env: NPX_ENV } } };
    default:
      throw new Error(name);
  }
}

/**
 * Starts gateway `name` (a base target name). Adapter targets run the build in `root` (default: the
 * snapshot of the working tree's); `label` names the target in logs (e.g. adapter@<short-sha>);
 * `client` is the client its sessions use (`sdk` or `raw`).
 */
async function startGateway(name, { profileDir, root = adapterSnapshot, label = name, client = 'sdk' } = {}) {
  if (name === 'adapter-functions') return startFunctionsGateway({ root, label, client });
  const port = await freePort();
  const logFile = path.join(TMP, `${label}-${client}-${port}.log`);
  const fd = fs.openSync(logFile, 'w');
  let args;
  const url = `http://127.0.0.1:${port}/mcp`;
  const env = { ...cleanEnv(), BENCH_GC_REPORT_DIR: GC_REPORTS };
  if (name.startsWith('adapter')) {
    env.MCP_ADAPTER_ISOLATION = ISOLATION;
    // npm run by the adapter itself (the once-only install of npx servers) stays offline too.
    if (name.startsWith('adapter-npx')) Object.assign(env, NPX_ENV);
    const config = path.join(TMP, label, 'mcp_config.json');
    fs.mkdirSync(path.dirname(config), { recursive: true, mode: 0o755 });
    fs.rmSync(path.join(path.dirname(config), '.mcp-packages'), { recursive: true, force: true }); // installed per start
    fs.writeFileSync(config, JSON.stringify(adapterConfig(name), null, 2));
    const prof = profileDir ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : [];
    args = [...prof, adapterEntry(root), 'serve', '--config', config];
    Object.assign(env, { PORT: String(port), HOST: '127.0.0.1' });
  } else if (name === 'supergateway') {
    const bin = path.join(pkgDir('supergateway'), 'dist', 'index.js');
    const cmd = [process.execPath, ...SERVER_ARGS].map((a) => `"${a}"`).join(' ');
    // No host option in 4.0.0 (it binds every interface): the preload keeps it on 127.0.0.1.
    args = [
      '--import',
      pathToFileURL(path.join(BENCH, 'loopback-only.mjs')).href,
      bin,
      '--stdio',
      cmd,
      '--outputTransport',
      'streamableHttp',
      '--stateful',
      '--port',
      String(port),
    ];
  } else if (name === 'http-floor') {
    args = [path.join(BENCH, 'http-floor.mjs'), String(port)];
  } else if (name === 'mcp-proxy') {
    const bin = path.join(pkgDir('mcp-proxy'), 'dist', 'bin', 'mcp-proxy.mjs');
    args = [
      bin,
      '--host',
      '127.0.0.1',
      '--port',
      String(port),
      '--server',
      'stream',
      '--',
      process.execPath,
      ...SERVER_ARGS,
    ];
  } else throw new Error(name);

  const t0 = performance.now();
  const child = spawn(process.execPath, [...GC_ON_SIGNAL, ...args], {
    cwd: TMP,
    env,
    stdio: ['ignore', fd, fd],
    detached: true,
  });
  fs.closeSync(fd);
  const g = gatewayTarget(name, { label, client, child, url, port, logFile });
  // Ready: any HTTP answer on the port.
  for (;;) {
    startFailure(g, t0);
    try {
      await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(1000) });
      break;
    } catch {
      await sleep(50);
    }
  }
  return gatewayReady(g, t0, [port]);
}

/** The target object of a gateway process just spawned. */
function gatewayTarget(name, { label, client, child, url, port, logFile }) {
  own(child.pid, label, true);
  let exited = null;
  child.on('exit', (code, signal) => (exited = { code, signal }));
  const g = {
    name: label,
    base: name,
    client,
    kind: 'http',
    url,
    port,
    pid: child.pid,
    gatewayPid: child.pid,
    extraGatewayPids: [],
    child,
    logFile,
    rootPid: () => child.pid,
    exited: () => exited,
    warmPool: name === 'adapter-warm' ? WARM_POOL : 0,
    modern: name === 'adapter-2026',
  };
  running.add(g);
  return g;
}
/** Throws when a gateway being started exited or is late. */
function startFailure(g, t0) {
  const tail = () => fs.readFileSync(g.logFile, 'utf8').slice(-1500);
  if (g.exited()) throw new Error(`${g.name} exited at start (${JSON.stringify(g.exited())}); log: ${tail()}`);
  if (performance.now() - t0 > T.readyMs) throw new Error(`${g.name} not ready after ${T.readyMs} ms; log: ${tail()}`);
}
/** After the first answer: loopback check of `ports`, settle, then what "idle" looks like. */
async function gatewayReady(g, t0, ports) {
  g.readyMs = performance.now() - t0;
  const listen = ports.flatMap((p) => listenAddresses(p) ?? []);
  g.listen = listen;
  if (listen.some((a) => !a.loopback)) {
    await stopGateway(g);
    throw new Error(
      `${g.name} listens on a non-loopback address (${JSON.stringify(listen)}); refusing to benchmark it`,
    );
  }
  await sleep(500);
  if (g.base.startsWith('adapter')) {
    // What the adapter reports about its children's users (auto decides from its privileges).
    try {
      const status = await (
        await fetch(new URL(`/status${new URL(g.url).search}`, g.url), { signal: AbortSignal.timeout(5000) })
      ).json();
      g.isolation = status.isolation?.mode;
    } catch {}
  }
  if (g.warmPool) g.warmReadyMs = await waitForWarmPool(g);
  g.baselineChildren = liveChildren(g).length; // mcp-proxy: its one shared child; adapter-warm: its waiting children
  g.rssIdleMb = gatewayRssKb(g) / 1024;
  return g;
}

/**
 * adapter-functions: the app folder (the build in `root`, as the deployment package lays it out:
 * dist/, schemas/, host.json, package.json whose main is the Functions entry, the config,
 * node_modules linked) served by the Functions host stand-in (bench/functions-host.mjs), which
 * writes its address, function key and worker pid to a file once the worker has loaded the app.
 */
async function startFunctionsGateway({ root, label, client }) {
  const hostModule = functionsHostModule();
  const appDir = path.join(TMP, `${label}-app`);
  if (!fs.existsSync(appDir)) {
    fs.mkdirSync(appDir, { recursive: true, mode: 0o755 });
    fs.cpSync(path.join(root, 'dist'), path.join(appDir, 'dist'), { recursive: true });
    fs.cpSync(path.join(root, 'schemas'), path.join(appDir, 'schemas'), { recursive: true });
    fs.copyFileSync(path.join(ROOT, 'host.json'), path.join(appDir, 'host.json'));
    const pkg = { name: 'mcp-bench-functions-app', private: true, type: 'module', main: 'dist/functions/index.js' };
    fs.writeFileSync(path.join(appDir, 'package.json'), JSON.stringify(pkg, null, 2));
    fs.writeFileSync(path.join(appDir, 'mcp_config.json'), JSON.stringify(adapterConfig('adapter-functions'), null, 2));
    fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(appDir, 'node_modules'), 'dir');
  }
  const info = path.join(TMP, `${label}-${client}-${Date.now()}.json`);
  const logFile = info.replace(/\.json$/, '.log');
  const fd = fs.openSync(logFile, 'w');
  const env = {
    ...cleanEnv(),
    // App settings of a one-instance app (no storage account locally), as the tests' stand-in runs.
    MCP_ADAPTER_SINGLE_INSTANCE: 'true',
    MCP_ADAPTER_SESSION_KEY: randomBytes(32).toString('base64url'),
    MCP_ADAPTER_ISOLATION: ISOLATION,
    BENCH_GC_REPORT_DIR: GC_REPORTS,
  };
  const t0 = performance.now();
  const runner = [path.join(BENCH, 'functions-host.mjs'), hostModule, appDir, info];
  const child = spawn(process.execPath, [...GC_ON_SIGNAL, ...runner], {
    cwd: TMP,
    env,
    stdio: ['ignore', fd, fd],
    detached: true,
  });
  fs.closeSync(fd);
  const g = gatewayTarget('adapter-functions', { label, client, child, url: undefined, port: undefined, logFile });
  let host;
  for (;;) {
    startFailure(g, t0);
    try {
      host = JSON.parse(fs.readFileSync(info, 'utf8'));
      break;
    } catch {
      await sleep(50);
    }
  }
  g.port = Number(new URL(host.url).port);
  g.url = `${new URL('mcp', host.url)}?code=${encodeURIComponent(host.functionKey)}`;
  g.extraGatewayPids = [host.workerPid];
  own(host.workerPid, `worker of ${label}`);
  g.functionsHost = { workerPid: host.workerPid, httpUri: host.httpUri, functions: host.functions };
  const ports = [g.port];
  if (host.httpUri) ports.push(Number(new URL(host.httpUri).port));
  return gatewayReady(g, t0, ports);
}

/** tests/helpers/functions-host/host.ts compiled (types stripped) once per run, beside a copy of its worker.cjs. */
let functionsHostCompiled;
function functionsHostModule() {
  if (functionsHostCompiled) return functionsHostCompiled;
  const dir = path.join(TMP, 'functions-host');
  fs.mkdirSync(dir, { recursive: true });
  const src = path.join(ROOT, 'tests', 'helpers', 'functions-host');
  const ts = typescript();
  const out = ts.transpileModule(fs.readFileSync(path.join(src, 'host.ts'), 'utf8'), {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
    fileName: 'host.ts',
  });
  fs.writeFileSync(path.join(dir, 'host.mjs'), out.outputText);
  // host.ts forks ./worker.cjs next to itself.
  fs.copyFileSync(path.join(src, 'worker.cjs'), path.join(dir, 'worker.cjs'));
  functionsHostCompiled = path.join(dir, 'host.mjs');
  return functionsHostCompiled;
}

/** Local addresses listening on the port (/proc/net/tcp{,6}); null when unknown. */
function listenAddresses(port) {
  if (!LINUX) return null;
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  const found = [];
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 4 || f[3] !== '0A') continue; // LISTEN
      const [addr, p] = f[1].split(':');
      if (p !== hexPort) continue;
      const loopback =
        addr === '0100007F' ||
        addr === '00000000000000000000000001000000' ||
        addr === '0000000000000000FFFF00000100007F';
      found.push({ file, addr, loopback });
    }
  }
  return found;
}

async function stopGateway(g) {
  adoptDescendants(g.pid);
  const exitedP = new Promise((resolve) => (g.exited() ? resolve() : g.child.once('exit', resolve)));
  try {
    process.kill(g.pid, 'SIGTERM'); // graceful: the process handles it (and writes --cpu-prof)
  } catch {}
  const graceful = await Promise.race([exitedP.then(() => true), sleep(T.stopMs).then(() => false)]);
  if (!graceful) {
    try {
      process.kill(-g.pid, 'SIGKILL');
    } catch {}
    await Promise.race([exitedP, sleep(2000)]);
  }
  running.delete(g);
  // Children the gateway left behind (own process groups): stop them too.
  await sleep(200);
  let leftovers = 0;
  for (const [pid, info] of owned) {
    if (!info.label.startsWith(`descendant of ${g.name}`) && !info.label.startsWith(`descendant of ${g.pid}`)) continue;
    if (!stillOurs(pid, info)) {
      owned.delete(pid);
      continue;
    }
    leftovers++;
    try {
      process.kill(pid, 'SIGKILL');
    } catch {}
    owned.delete(pid);
  }
  owned.delete(g.pid);
  return { graceful, leftovers };
}

function directTarget() {
  return {
    name: 'direct',
    kind: 'stdio',
    rootPid: () => process.pid,
    gatewayPid: undefined,
    baselineChildren: 0,
    readyMs: null,
    rssIdleMb: null,
  };
}

// Log lines of a gateway: JSON lines with a level (the adapter), else a rough count of error lines.
function summariseLog(file) {
  let text = '';
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return null;
  }
  const lines = text.split('\n').filter(Boolean);
  const levels = {};
  const notable = [];
  for (const line of lines) {
    let level;
    try {
      const j = JSON.parse(line);
      level = String(j.level ?? j.severity ?? 'info').toLowerCase();
    } catch {
      level = /\berror\b/i.test(line) ? 'error?' : 'text';
    }
    levels[level] = (levels[level] ?? 0) + 1;
    if ((level === 'warn' || level === 'error') && notable.length < 15) notable.push(line.slice(0, 400));
  }
  return { lines: lines.length, bytes: text.length, levels, notable };
}

// ---------------------------------------------------------------------------------------------
// One repetition of one target

/** Before each target: wait (bounded) until other processes leave the machine mostly idle. */
let quietBudgetLeft = S.quietBudgetMs;
async function waitForQuiet() {
  const t0 = performance.now();
  const bound = Math.min(S.quietWaitMs, quietBudgetLeft);
  let busy = null;
  while (LINUX && performance.now() - t0 < bound) {
    busy = await cpuBusyPct(1000);
    if (busy !== null && busy < 20) break;
  }
  const waited = performance.now() - t0;
  quietBudgetLeft = Math.max(0, quietBudgetLeft - waited);
  if (waited > 1500) log(`  waited ${round(waited / 1000, 1)} s for a quieter machine (now ${busy}% busy)`);
  return { waitedMs: round(waited, 0), busyPct: busy };
}

/** The clients a target runs with: stdio (direct) only the SDK's; adapter-npx one (the first asked for). */
function clientsOf(name) {
  if (name === 'direct') return CLIENTS.includes('sdk') ? ['sdk'] : [];
  if (name === 'adapter-npx') return [CLIENTS[0]];
  return CLIENTS;
}
/** Targets whose gateway RSS per idle open session is read (the others' would repeat the adapter's or have no gateway). */
const IDLE_RSS_TARGETS = new Set([
  'adapter',
  'adapter-2026',
  'supergateway',
  'mcp-proxy',
  'http-floor',
  'adapter-functions',
]);

/**
 * One repetition of target `id` (a base target name, or `<name>@<short-sha>`, its baseline
 * variant): a fresh gateway per client, the SDK's run at the top level of the result (the layout
 * of runs before the raw client existed), the raw client's under `raw`. The clients' order
 * alternates with the repetition.
 */
async function runTarget(id, rep) {
  const name = baseOf(id);
  const clients = clientsOf(name);
  const order = rep % 2 ? clients : [...clients].reverse();
  const r = { rep };
  const t0 = performance.now();
  for (const client of order) {
    let run;
    try {
      run = await runClient(id, rep, client);
    } catch (e) {
      log(`  ${id} [${client}] rep ${rep} FAILED: ${e?.stack ?? e}`);
      run = { error: errText(e) };
    }
    if (client === 'sdk') Object.assign(r, run);
    else r.raw = run;
  }
  r.totalWallMs = round(performance.now() - t0, 0);
  return r;
}

/** One gateway lifetime of target `id` with one client. */
async function runClient(id, rep, client) {
  const name = baseOf(id);
  const quiet = await waitForQuiet();
  const t0 = performance.now();
  const cpu0 = cpuSnapshot();
  const tag = `${id} [${client}]`;
  phase = `${tag} rep ${rep} start`;
  const target =
    name === 'direct'
      ? directTarget()
      : await startGateway(name, { label: id, client, root: isBaseline(id) ? BASELINE.dir : adapterSnapshot });
  const r = {
    client,
    quiet,
    readyMs: target.readyMs,
    rssIdleMb: target.rssIdleMb,
    listen: target.listen,
    isolation: target.isolation,
  };
  if (target.functionsHost) r.functionsHost = target.functionsHost;
  try {
    if (name === 'adapter-npx') {
      r.npx = await measureNpx(target);
    } else {
      if (IDLE_RSS_TARGETS.has(name) && IDLE_SESSIONS > 0) {
        phase = `${tag} idle sessions`;
        r.idle = await measureIdleSessions(target);
        log(
          `  ${tag}: ${r.idle.opened} idle sessions: gateway RSS ${round(r.idle.rss0Kb / 1024, 1)} → ${round(r.idle.rssNKb / 1024, 1)} MB, ${round(r.idle.perSessionKb, 0)} kB per session; live JS memory ${round(r.idle.heapPerSessionKb, 1)} kB per session`,
        );
      }
      if (name !== 'adapter-uncapped') {
        phase = `${tag} setup`;
        r.setup = await measureSetup(target);
        log(
          `  ${tag}: setup p50 ${round(r.setup.p50)} ms p95 ${round(r.setup.p95)} ms${target.warmPool ? `, initialize POST p50 ${round(r.setup.initializePostP50)} ms (waited ${round(r.setup.warmWaitP50, 0)} ms p50 for the pool before each)` : ''}`,
        );
      }
      if (name !== 'adapter-uncapped' && name !== 'adapter-warm') {
        phase = `${tag} sequential`;
        const s = await openSession(target);
        try {
          r.sequential = await measureSequential(target, s);
          log(
            `  ${tag}: echo p50 ${round(r.sequential.p50, 3)} ms p99 ${round(r.sequential.p99, 3)} ms, ${round(r.sequential.callsPerSec, 0)} calls/s${r.sequential.gatewayCpuMsPerCall === null ? '' : `, gateway CPU ${round(r.sequential.gatewayCpuMsPerCall, 3)} ms per call`}, errors ${r.sequential.failed}`,
          );
          if (name !== 'http-floor' && client === 'sdk') {
            phase = `${tag} progress`;
            r.progress = await measureProgress(s);
            log(
              `  ${tag}: progress paced ${r.progress.paced.beforeResult}/${r.progress.paced.sent}, burst ${r.progress.burst.beforeResult}/${r.progress.burst.sent}`,
            );
          }
        } finally {
          await closeSession(target, s);
        }
        await waitForChildren(target, target.baselineChildren);
      }
      const lv = await measureLevels(target);
      r.levels = lv.levels;
      r.closeAll = lv.closeAll;
      log(
        `  ${tag}: closed ${lv.closeAll.sessions} sessions, children gone after ${lv.closeAll.closeAndDrainMs} ms${lv.closeAll.drained === false ? ' (NOT all gone)' : ''}`,
      );
    }
    await sleep(500);
    r.rssIdleAfterMb = target.gatewayPid ? gatewayRssKb(target) / 1024 : null;
  } finally {
    if (target.gatewayPid) {
      phase = `${tag} stop`;
      const stopped = await stopGateway(target);
      r.stop = stopped;
      r.log = summariseLog(target.logFile);
      if (target.exited() && !stopped.graceful) r.crashed = target.exited();
    }
  }
  r.wallMs = round(performance.now() - t0, 0);
  r.otherCpuPct = otherCpuPct(cpu0, cpuSnapshot());
  if (r.otherCpuPct > 15) log(`  ${tag}: other processes used ${r.otherCpuPct}% of the machine during this run: noisy`);
  return r;
}

// ---------------------------------------------------------------------------------------------
// adapter-npx: connect time of an npx-started server

/**
 * Connects (spawn + initialize) to the same server started four ways, NPX_SAMPLES each, one after
 * the other (the first of each is reported apart: what a first session waits), every session
 * closed and its child gone before the next: through the adapter as `npx -y …` and as the
 * installed entry (`node …/dist/index.js stdio`), and both spawned directly by the SDK's stdio
 * client (no gateway). npm's debug logs are read afterwards for any network request.
 */
async function measureNpx(target) {
  const via =
    (server, g = target) =>
    async () =>
      openSession(g, { url: new URL(`/mcp/${server}`, new URL(g.url)).href });
  let homes = 0;
  const direct = (command, args, env) => async () => {
    // As the adapter gives each session's child: PATH and a fresh private HOME (npm's cache in it).
    const home = path.join(TMP, `npx-home-${++homes}`);
    fs.mkdirSync(home, { recursive: true });
    return openSession(directTarget(), {
      stdio: {
        command,
        args,
        cwd: ROOT,
        env: { PATH: process.env.PATH ?? '', HOME: home, npm_config_cache: path.join(home, '.npm'), ...env },
      },
    });
  };
  const out = { samples: NPX_SAMPLES, client: target.client };
  // The adapter as `npm start` runs it: the npx server installed once, at start (offline here).
  let installed;
  const startInstalled = async () => {
    const t0 = performance.now();
    installed = await startGateway('adapter-npx-installed', { label: 'adapter-npx-installed', client: target.client });
    const text = fs.readFileSync(installed.logFile, 'utf8');
    out.installed = {
      startMs: performance.now() - t0,
      readyMs: installed.readyMs,
      installedOnce: /^install: npx: .*→/m.test(text),
      installLines: text
        .split('\n')
        .filter((l) => /^(install|warning): /.test(l))
        .slice(0, 5),
    };
    log(
      `  adapter-npx: adapter with the npx server installed at start: listening after ${round(installed.readyMs, 0)} ms, ${out.installed.installedOnce ? 'installed once' : `NOT installed (${out.installed.installLines.join(' | ')})`}`,
    );
    return via('npx', installed)();
  };
  const variants = [
    ['adapterNpx', via('npx')],
    ['directNpx', direct('npx', NPX_ARGS, NPX_ENV)],
    ['installedNpx', () => (installed ? via('npx', installed)() : startInstalled())],
    ['adapterEntry', via('entry')],
    ['directEntry', direct(process.execPath, SERVER_ARGS, {})],
  ];
  for (const [key, open] of variants) {
    if (key === 'adapterEntry' && installed) {
      await waitForChildren(installed, installed.baselineChildren);
      out.installed.stop = await stopGateway(installed);
      installed = undefined;
    }
    phase = `adapter-npx ${key}`;
    const times = [];
    const errors = {};
    for (let i = 0; i < NPX_SAMPLES; i++) {
      try {
        const s = await open();
        times.push(s.ms);
        // A direct child: npx's process tree, gone before the next sample (as the adapter's are).
        const tree = s.pid ? [s.pid, ...descendants(s.pid).map((d) => d.pid)] : [];
        await s.close();
        await waitGone(tree);
      } catch (e) {
        noteError(errors, e);
      }
      await waitForChildren(target, target.baselineChildren);
      if (installed) await waitForChildren(installed, installed.baselineChildren);
    }
    out[key] = {
      firstMs: times.length === NPX_SAMPLES ? times[0] : null,
      laterP50Ms: median(times.slice(1)),
      samples: times.map((t) => round(t)),
      errors,
    };
    log(
      `  adapter-npx: ${key}: first ${round(out[key].firstMs, 0)} ms, later p50 ${round(out[key].laterP50Ms, 0)} ms${Object.keys(errors).length ? `, errors ${JSON.stringify(errors)}` : ''}`,
    );
  }
  out.npm = npmLogCheck();
  log(
    `  adapter-npx: npm logs: ${out.npm.files} file(s), ${out.npm.networkLines} network line(s), ${out.npm.cacheHits} fetch(es) from npm's cache${out.npm.networkLines ? `: ${out.npm.examples.join(' | ')}` : ''}`,
  );
  return out;
}
/** Waits (bounded) until none of `pids` is alive (what is left is killed with everything at the end). */
async function waitGone(pids, boundMs = T.drainMs) {
  const t0 = performance.now();
  while (pids.length && performance.now() - t0 < boundMs) {
    const t = processTable();
    if (!pids.some((pid) => t.has(pid) && alive(t.get(pid)))) return true;
    await sleep(50);
  }
  return !pids.length;
}
/**
 * npm's debug logs of the npx runs and installs: how many, and their lines about a network access:
 * an HTTP request npm made (`http fetch …` not answered from its cache) or a failed attempt at one.
 */
function npmLogCheck() {
  let files = [];
  try {
    files = fs.readdirSync(NPM_LOGS).filter((f) => f.endsWith('.log'));
  } catch {}
  let networkLines = 0;
  let cacheHits = 0;
  const examples = [];
  for (const f of files) {
    for (const line of fs.readFileSync(path.join(NPM_LOGS, f), 'utf8').split('\n')) {
      const fetch = /^\d+ http fetch /.test(line);
      if (fetch && /\(cache (hit|stale)\)/.test(line)) {
        cacheHits++;
        continue;
      }
      if (!fetch && !/\b(EAI_AGAIN|ENOTFOUND|ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENETUNREACH)\b/.test(line)) continue;
      networkLines++;
      if (examples.length < 3) examples.push(line.slice(0, 200));
    }
  }
  return { files: files.length, networkLines, cacheHits, examples };
}

// ---------------------------------------------------------------------------------------------
// CPU profile of the adapter during the sequential echo phase

async function profileAdapter(stamp) {
  phase = 'profile';
  await waitForQuiet();
  const cpuA = cpuSnapshot();
  const dir = path.join(TMP, 'cpuprof');
  fs.mkdirSync(dir, { recursive: true });
  const g = await startGateway('adapter', { profileDir: dir });
  let calls = 0;
  let failed = 0;
  let windowUs;
  let cpuMs;
  let profileT0;
  let elapsedMs;
  try {
    const s = await openSession(g);
    try {
      for (let i = 0; i < S.seqWarmup; i++) await echo(s).catch(() => {});
      const cpu0 = cpuMsOf(g.pid);
      const w0 = Number(process.hrtime.bigint() / 1000n);
      const t0 = performance.now();
      profileT0 = t0;
      for (let i = 0; i < 1_000_000 && performance.now() - t0 < S.profileMs; i++) {
        try {
          await echo(s);
          calls++;
        } catch {
          failed++;
        }
      }
      windowUs = [w0, Number(process.hrtime.bigint() / 1000n)];
      elapsedMs = performance.now() - profileT0;
      cpuMs = cpuMsOf(g.pid) - cpu0;
    } finally {
      await closeSession(g, s);
    }
    await waitForChildren(g, 0, 5000);
  } finally {
    await stopGateway(g);
  }
  const file = fs.readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
  if (!file) return { error: 'no .cpuprofile written (adapter did not exit normally?)' };
  const out = path.join(RESULTS, `${stamp}-adapter-echo.cpuprofile`);
  fs.copyFileSync(path.join(dir, file), out);
  fs.chmodSync(out, 0o644);
  const summary = summariseProfile(JSON.parse(fs.readFileSync(out, 'utf8')), windowUs);
  return {
    file: path.relative(ROOT, out),
    windowUs,
    otherCpuPct: otherCpuPct(cpuA, cpuSnapshot()),
    calls,
    failed,
    callsPerSec: elapsedMs ? (calls / elapsedMs) * 1000 : null,
    gatewayCpuMsPerCall: cpuMs !== undefined && calls ? round(cpuMs / calls, 4) : null,
    ...summary,
  };
}

// ---------------------------------------------------------------------------------------------
// Baseline (--baseline=<git-ref>): a detached worktree of the commit, built once with our TypeScript

/** Fingerprint of the JavaScript under <root>/dist (what was measured). */
function distFingerprint(root) {
  const hash = createHash('sha256');
  const walk = (dir) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const f = path.join(dir, e.name);
      if (e.isDirectory()) walk(f);
      else if (e.name.endsWith('.js')) hash.update(path.relative(root, f)).update(fs.readFileSync(f));
    }
  };
  walk(path.join(root, 'dist'));
  return hash.digest('hex').slice(0, 16);
}

/** package-lock.json of the commit vs the working tree's: same, or which package versions differ. */
function lockfileDiff(sha) {
  let before;
  try {
    before = git(['show', `${sha}:package-lock.json`]);
  } catch {
    return { differs: true, note: 'the baseline commit has no package-lock.json' };
  }
  let now;
  try {
    now = fs.readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8');
  } catch {
    return { differs: true, note: 'the working tree has no package-lock.json' };
  }
  if (before.trim() === now.trim()) return { differs: false };
  const packages = (text) => {
    try {
      return JSON.parse(text).packages ?? {};
    } catch {
      return {};
    }
  };
  const a = packages(before);
  const b = packages(now);
  const out = { differs: true, added: 0, removed: 0, changed: 0, packages: [] };
  for (const k of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
    if (!k || a[k]?.version === b[k]?.version) continue;
    out[!a[k] ? 'added' : !b[k] ? 'removed' : 'changed']++;
    const name = k.replace(/^node_modules\//, '').replaceAll('/node_modules/', ' > ');
    out.packages.push(`${name} ${a[k]?.version ?? '(none)'} → ${b[k]?.version ?? '(none)'}`);
  }
  if (!out.packages.length) out.note = 'no package version differs (other fields of the lock file do)';
  return out;
}
const lockfileText = (l) =>
  !l?.differs
    ? 'package-lock.json is the same'
    : `package-lock.json DIFFERS${l.note ? ` (${l.note})` : ''}${l.packages?.length ? `: ${l.added} package(s) added, ${l.removed} removed, ${l.changed} changed by the working tree (${l.packages.slice(0, 8).join('; ')}${l.packages.length > 8 ? '; …' : ''})` : ''}; the baseline ran with the working tree's node_modules all the same`;

/**
 * Creates (or reuses) the detached worktree bench/.baseline/<short-sha>, links the main checkout's
 * node_modules into it and builds it with the main checkout's TypeScript (once per commit and
 * TypeScript version: later runs reuse the build). Returns what the report says about the baseline.
 */
function prepareBaseline(b, currentBuild) {
  phase = 'baseline';
  const dir = b.dir;
  const rel = path.relative(ROOT, dir);
  const info = { ref: b.ref, sha: b.sha, short: b.short, subject: b.subject, date: b.date, worktree: rel };
  try {
    const changed = git(['diff', '--name-only', 'HEAD', '--']).split('\n').filter(Boolean);
    const untracked = git(['ls-files', '--others', '--exclude-standard', '--', 'src']).split('\n').filter(Boolean);
    info.current = {
      head: git(['rev-parse', '--short', 'HEAD']),
      subject: git(['log', '-1', '--format=%s', 'HEAD']),
      changedFiles: changed.length,
      changedSrcFiles: changed.filter((f) => f.startsWith('src/')).length,
      untrackedSrcFiles: untracked.length,
    };
  } catch (e) {
    info.current = { error: errText(e) };
  }
  log(`baseline: ${b.ref} = ${b.sha} "${b.subject}" (${b.date})`);

  // The worktree: reused when it is one, at the commit, with no tracked file changed; else recreated.
  const usable = () => {
    if (!fs.existsSync(path.join(dir, '.git'))) return false;
    try {
      return (
        fs.realpathSync(git(['rev-parse', '--show-toplevel'], { cwd: dir })) === fs.realpathSync(dir) &&
        git(['rev-parse', 'HEAD'], { cwd: dir }) === b.sha &&
        git(['status', '--porcelain', '--untracked-files=no'], { cwd: dir }) === ''
      );
    } catch {
      return false;
    }
  };
  info.worktreeReused = usable();
  if (!info.worktreeReused) {
    if (fs.existsSync(dir)) log(`baseline: ${rel} is not a clean worktree at ${b.short}: removing it`);
    const forget = () => {
      try {
        git(['worktree', 'remove', '--force', dir]); // also forgets a registered worktree whose folder is gone
      } catch {}
    };
    forget();
    fs.rmSync(dir, { recursive: true, force: true });
    forget(); // registered, but its folder was not a worktree any more (no .git file): now it is gone
    fs.mkdirSync(path.dirname(dir), { recursive: true });
    log(`baseline: git worktree add --detach ${rel} ${b.short}`);
    git(['worktree', 'add', '--detach', dir, b.sha], { timeout: 300_000 });
  } else log(`baseline: reusing the worktree ${rel}`);
  const nodeModules = path.join(dir, 'node_modules');
  let linked;
  try {
    linked = fs.lstatSync(nodeModules);
  } catch {}
  if (!linked) fs.symlinkSync(path.relative(dir, path.join(ROOT, 'node_modules')), nodeModules, 'dir');

  info.lockfile = lockfileDiff(b.sha);
  if (info.lockfile.differs) log(`baseline: WARNING: ${lockfileText(info.lockfile)}`);
  try {
    info.version = JSON.parse(git(['show', `${b.sha}:package.json`])).version;
  } catch {}

  // The build, once per commit and TypeScript version (the marker is written after it).
  const tsVersion = pkgVersion('typescript');
  const marker = path.join(dir, '.bench-build.json');
  let done;
  try {
    done = JSON.parse(fs.readFileSync(marker, 'utf8'));
  } catch {}
  if (done?.sha === b.sha && done.typescript === tsVersion && fs.existsSync(adapterEntry(dir))) {
    info.build = { ...done, reused: true };
    log(`baseline: reusing its build (TypeScript ${tsVersion}, ${done.ok ? 'ok' : 'WITH ERRORS'})`);
  } else {
    fs.rmSync(marker, { force: true });
    fs.rmSync(path.join(dir, 'dist'), { recursive: true, force: true }); // output of an interrupted build
    log(`baseline: building ${b.short} with the main checkout's TypeScript ${tsVersion} …`);
    const t0 = performance.now();
    const r = spawnSync(
      process.execPath,
      [path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'],
      {
        cwd: dir,
        encoding: 'utf8',
        timeout: T.buildMs,
      },
    );
    const built = { sha: b.sha, typescript: tsVersion, ok: r.status === 0, status: r.status };
    built.seconds = round((performance.now() - t0) / 1000, 1);
    if (!built.ok) {
      built.output = `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? errText(r.error) : ''}`.slice(-3000);
      log(`BASELINE BUILD FAILED (exit ${r.status}); benchmarking the dist/ that tsc emitted anyway:\n${built.output}`);
    } else log(`baseline: built in ${built.seconds} s`);
    if (fs.existsSync(adapterEntry(dir))) fs.writeFileSync(marker, `${JSON.stringify(built, null, 2)}\n`);
    info.build = built;
  }
  if (!fs.existsSync(adapterEntry(dir)))
    throw new SetupError(
      `baseline ${b.short}: ${path.relative(ROOT, adapterEntry(dir))} missing after the build: cannot start that commit's adapter`,
    );
  info.build.distSha256 = distFingerprint(dir);
  if (info.build.distSha256 === currentBuild.distSha256)
    log("baseline: its JavaScript is identical to the working tree's: any difference is noise");
  return info;
}

// ---------------------------------------------------------------------------------------------
// Report

// [key, label, direction, digits, per client?]: a row per client (SDK, raw) for client-dependent
// numbers, each labelled with its client; one row for what does not depend on the client.
const METRICS = [
  ['readyMs', 'gateway start → listening (ms)', '↓', 0],
  ['setupP50', 'session setup p50 (ms)', '↓', 1, true],
  ['setupP95', 'session setup p95 (ms)', '↓', 1, true],
  ['setupInit', 'setup: initialize POST p50 (ms)', '↓', 1, true],
  ['setupInitialized', 'setup: notifications/initialized POST p50 (ms)', '↓', 1, true],
  ['echoP50', 'echo latency p50 (ms)', '↓', 3, true],
  ['echoP95', 'echo latency p95 (ms)', '↓', 3, true],
  ['echoP99', 'echo latency p99 (ms)', '↓', 3, true],
  ['seqCallsPerSec', 'sequential calls/s (1 session)', '↑', 0, true],
  ['seqCpuPerCall', 'gateway CPU per sequential call (ms)', '↓', 3, true],
  ['seqClientCpuPerCall', 'client CPU per sequential call, this process (ms)', '↓', 3, true],
  ['LEVELS', null],
  ['rssIdleMb', 'gateway RSS idle, at start (MB)', '↓', 1],
  ['idleRssPerSession', 'gateway RSS per idle open session (kB)', '↓', 0, true],
  ['idleHeapPerSession', 'gateway live JS memory per idle open session, after GC (kB)', '↓', 0, true],
  ['idleRss', 'gateway RSS with the idle sessions open: before / after (MB)', '↓', 1, true],
  ['rssIdleAfterMb', 'gateway RSS idle, after the load (MB)', '↓', 1, true],
  ['childPerSession', 'child processes per session', '↓', 2],
  ['childRssMb', 'children RSS per session, at the top level (MB)', '↓', 1],
  ['progressPaced', 'progress before result, paced (delivered/sent)', '↑', 2],
  ['progressBurst', 'progress before result, burst (delivered/sent)', '↑', 2],
  ['progressAfter', 'progress after the result (all calls)', '↓', 0],
  ['npxFirst', 'npx server through the adapter, npx per session: connect, first session (ms)', '↓', 0],
  ['npxLater', 'npx server through the adapter, npx per session: connect, later sessions p50 (ms)', '↓', 0],
  ['installedStart', 'npx server installed once by the adapter at start: start → listening (ms)', '↓', 0],
  ['installedNpx', 'npx server installed once by the adapter: connect, first / later p50 (ms)', '↓', 0],
  ['entryVia', 'installed entry through the adapter: connect, first / later p50 (ms)', '↓', 0],
  ['directEntry', 'installed entry spawned directly + initialize: first / later p50 (ms)', '↓', 0],
  ['directNpx', 'npx spawned directly + initialize: first / later p50 (ms)', '↓', 0],
  ['npxMinusEntry', 'npx − installed entry, through the adapter, later p50 (ms)', '↓', 0],
  ['npxMinusDirect', 'npx through the adapter − installed entry spawned directly, later p50 (ms)', '↓', 0],
  ['wallS', 'wall time of one gateway run (s)', '', 0, true],
  ['otherCpu', 'CPU used by other processes meanwhile (% of machine)', '', 1, true],
];
function levelMetrics(levels) {
  const out = [];
  for (const n of levels) {
    out.push([`calls${n}`, `${n} sessions: total calls/s`, '↑', 0, true]);
    out.push([`errors${n}`, `${n} sessions: errors (connect + call)`, '↓', 0, true]);
    out.push([`opened${n}`, `${n} sessions: sessions opened`, '↑', 0]);
    out.push([`lat${n}`, `${n} sessions: echo p50 / p99 (ms)`, '↓', 1, true]);
    out.push([`cpu${n}`, `${n} sessions: gateway CPU per call (ms)`, '↓', 3, true]);
    out.push([`clientCpu${n}`, `${n} sessions: client CPU per call, this process (ms)`, '↓', 3, true]);
    out.push([`rss${n}`, `${n} sessions: gateway RSS open / peak (MB)`, '↓', 1]);
    out.push([`open${n}`, `${n} sessions: open the new ones at once: all, p50 (ms)`, '↓', 0]);
  }
  out.push(['closeAll', `close all ${levels.at(-1)} sessions → children gone (ms)`, '↓', 0]);
  return out;
}
const CLIENT_TAG = { sdk: 'SDK', raw: 'raw' };
/** The clients of a report (runs before the raw client: the SDK's only, untagged). */
const clientsOfReport = (report) => report.settings.clients ?? ['sdk'];
const clientKey = (client, key) => (client === 'sdk' ? key : `${client}_${key}`);
/** Report rows: per-client metrics expanded into one row per client of the run, labelled. */
function expandRows(report, rows) {
  const clients = ['sdk', 'raw'].filter((c) => clientsOfReport(report).includes(c));
  const tagged = Boolean(report.settings.clients);
  return rows.flatMap(([key, label, dir, d, perClient]) =>
    perClient
      ? clients.map((c) => [clientKey(c, key), tagged ? `${label} [${CLIENT_TAG[c]}]` : label, dir, d])
      : [[key, label, dir, d]],
  );
}

/** The SDK client's run of a repetition (top level of the result), or undefined. */
const sdkRun = (r) => (!r.error && (r.client === 'sdk' || (r.client === undefined && !r.raw)) ? r : undefined);
const rawRun = (r) => (r.raw && !r.raw.error ? r.raw : undefined);

/** Flat numbers of one gateway run. */
function flattenRun(r) {
  const f = {
    readyMs: r.readyMs,
    setupP50: r.setup?.p50,
    setupP95: r.setup?.p95,
    setupInit: r.setup?.initializePostP50,
    setupInitialized: r.setup?.initializedPostP50,
    echoP50: r.sequential?.p50,
    echoP95: r.sequential?.p95,
    echoP99: r.sequential?.p99,
    seqCallsPerSec: r.sequential?.callsPerSec,
    seqCpuPerCall: r.sequential?.gatewayCpuMsPerCall,
    seqClientCpuPerCall: r.sequential?.clientCpuMsPerCall,
    rssIdleMb: r.rssIdleMb,
    idleRssPerSession: r.idle?.perSessionKb,
    idleHeapPerSession: r.idle?.heapPerSessionKb,
    idleRss_before: r.idle?.rss0Kb == null ? null : r.idle.rss0Kb / 1024,
    idleRss_after: r.idle?.rssNKb == null ? null : r.idle.rssNKb / 1024,
    rssIdleAfterMb: r.rssIdleAfterMb,
    progressPaced: r.progress ? r.progress.paced.beforeResult / r.progress.paced.sent : null,
    progressBurst: r.progress ? r.progress.burst.beforeResult / r.progress.burst.sent : null,
    progressAfter: r.progress ? r.progress.paced.afterResult + r.progress.burst.afterResult : null,
  };
  if (r.npx) {
    const x = r.npx;
    f.npxFirst = x.adapterNpx?.firstMs;
    f.npxLater = x.adapterNpx?.laterP50Ms;
    f.installedStart = x.installed?.installedOnce ? x.installed.readyMs : null;
    f.installedNpx_first = x.installedNpx?.firstMs;
    f.installedNpx_later = x.installedNpx?.laterP50Ms;
    f.entryVia_first = x.adapterEntry?.firstMs;
    f.entryVia_later = x.adapterEntry?.laterP50Ms;
    f.directEntry_first = x.directEntry?.firstMs;
    f.directEntry_later = x.directEntry?.laterP50Ms;
    f.directNpx_first = x.directNpx?.firstMs;
    f.directNpx_later = x.directNpx?.laterP50Ms;
    const minus = (a, b) => (a == null || b == null ? null : a - b);
    f.npxMinusEntry = minus(x.adapterNpx?.laterP50Ms, x.adapterEntry?.laterP50Ms);
    f.npxMinusDirect = minus(x.adapterNpx?.laterP50Ms, x.directEntry?.laterP50Ms);
  }
  const levels = Object.values(r.levels ?? {});
  const maxLevel = levels.at(-1);
  f.childPerSession = maxLevel?.childProcessesPerSession;
  f.childRssMb = maxLevel?.childRssPerSessionMb;
  for (const L of levels) {
    const n = L.sessions;
    f[`calls${n}`] = L.callsPerSec;
    f[`errors${n}`] = L.errors;
    f[`opened${n}`] = L.opened;
    f[`lat${n}_p50`] = L.p50;
    f[`lat${n}_p99`] = L.p99;
    f[`cpu${n}`] = L.gatewayCpuMsPerCall;
    f[`clientCpu${n}`] = L.clientCpuMsPerCall;
    f[`rss${n}_open`] = L.gatewayRssOpenMb;
    f[`rss${n}_peak`] = L.gatewayRssPeakMb;
    f[`open${n}_all`] = L.openAllMs;
    f[`open${n}_p50`] = L.connectP50;
  }
  f.closeAll = r.closeAll?.closeAndDrainMs;
  f.wallS = r.wallMs == null ? null : r.wallMs / 1000;
  f.otherCpu = r.otherCpuPct;
  return f;
}
/** Keys whose rows are per client (their cell keys: `lat8` → `lat8_p50`, …). */
function perClientKey(key) {
  const base = key
    .replace(/_(p50|p99|open|peak|all|before|after|first|later)$/, '')
    .replace(/^(calls|errors|opened|lat|cpu|clientCpu|rss|open)\d+$/, '$1N');
  return [
    'setupP50',
    'setupP95',
    'setupInit',
    'setupInitialized',
    'echoP50',
    'echoP95',
    'echoP99',
    'seqCallsPerSec',
    'seqCpuPerCall',
    'seqClientCpuPerCall',
    'idleRssPerSession',
    'idleHeapPerSession',
    'idleRss',
    'rssIdleAfterMb',
    'wallS',
    'otherCpu',
    'callsN',
    'errorsN',
    'latN',
    'cpuN',
    'clientCpuN',
  ].includes(base);
}
/** Per-rep flat numbers for one target: the SDK run's under their names, the raw run's prefixed `raw_`. */
function flatten(r) {
  const a = sdkRun(r) ? flattenRun(r) : {};
  const b = rawRun(r) ? flattenRun(r.raw) : {};
  const f = {};
  for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
    if (perClientKey(k)) {
      f[k] = a[k];
      f[`raw_${k}`] = b[k];
    } else f[k] = a[k] ?? b[k]; // the same gateway either way: the SDK run's when there is one
  }
  return f;
}
function medians(reps) {
  const flats = reps.map(flatten);
  const keys = new Set(flats.flatMap((f) => Object.keys(f)));
  const m = {};
  for (const k of keys) m[k] = median(flats.map((f) => f[k]));
  return m;
}
const fmt = (x, d) =>
  x === null || x === undefined
    ? '—'
    : Number(x).toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: 0 });
// Cells of two numbers: [first part, second part, separator]; ratios and deltas use the first.
const COMPOSITE = {
  lat: ['p50', 'p99', ' / '],
  rss: ['open', 'peak', ' / '],
  open: ['all', 'p50', ', '],
  idleRss: ['before', 'after', ' / '],
  entryVia: ['first', 'later', ' / '],
  installedNpx: ['first', 'later', ' / '],
  directEntry: ['first', 'later', ' / '],
  directNpx: ['first', 'later', ' / '],
};
const compositeOf = (key) => COMPOSITE[key.replace(/^raw_/, '').replace(/^(lat|rss|open)\d+$/, '$1')];
function cell(m, key, d) {
  if (!m) return 'n/a';
  const c = compositeOf(key);
  if (c)
    return m[`${key}_${c[0]}`] == null ? '—' : `${fmt(m[`${key}_${c[0]}`], d)}${c[2]}${fmt(m[`${key}_${c[1]}`], d)}`;
  return fmt(m[key], d);
}
const pickFirst = (m, key) => {
  const c = compositeOf(key);
  return c ? m?.[`${key}_${c[0]}`] : m?.[key];
};
function ratio(a, b, key) {
  const x = pickFirst(a, key);
  const y = pickFirst(b, key);
  if (x == null || y == null || y === 0) return '—';
  return `${(x / y).toFixed(2)}×`;
}
function delta(a, b, key, d) {
  const x = pickFirst(a, key);
  const y = pickFirst(b, key);
  if (x == null || y == null) return '—';
  const v = x - y;
  return `${v >= 0 ? '+' : ''}${fmt(v, d)}`;
}

/** The "Before / after" section of a run with --baseline: each adapter target vs its baseline variant. */
function beforeAfterMarkdown(report, M) {
  const b = report.baseline;
  const names = report.targets.map((t) => t.name);
  const levels = report.settings.levels;
  const top = Math.max(...levels);
  const rows = expandRows(report, [
    ['readyMs', 'gateway start → listening (ms)', '↓', 0],
    ['setupP50', 'session setup p50 (ms)', '↓', 1, true],
    ['echoP50', 'echo latency p50 (ms)', '↓', 3, true],
    ['echoP99', 'echo latency p99 (ms)', '↓', 3, true],
    ['seqCallsPerSec', 'sequential calls/s (1 session)', '↑', 0, true],
    ['seqCpuPerCall', 'gateway CPU per sequential call (ms)', '↓', 3, true],
    ...levels.map((n) => [`calls${n}`, `${n} sessions: total calls/s`, '↑', 0, true]),
    [`lat${top}_p50`, `${top} sessions: echo p50 (ms)`, '↓', 1, true],
    [`lat${top}_p99`, `${top} sessions: echo p99 (ms)`, '↓', 1, true],
    [`cpu${top}`, `${top} sessions: gateway CPU per call (ms)`, '↓', 3, true],
    [`rss${top}_peak`, `${top} sessions: gateway RSS peak (MB)`, '↓', 1],
    [`errors${top}`, `${top} sessions: errors (connect + call)`, '↓', 0, true],
    ['rssIdleMb', 'gateway RSS idle, at start (MB)', '↓', 1],
    ['idleRssPerSession', 'gateway RSS per idle open session (kB)', '↓', 0, true],
    ['idleHeapPerSession', 'gateway live JS memory per idle open session, after GC (kB)', '↓', 0, true],
    ['rssIdleAfterMb', 'gateway RSS idle, after the load (MB)', '↓', 1, true],
    ['closeAll', `close all ${top} sessions → children gone (ms)`, '↓', 0],
  ]);
  const c = b.current;
  const lines = ['## Before / after', ''];
  lines.push(
    `Baseline \`@${b.short}\` = commit ${b.sha} "${b.subject}" (${b.date}), from \`--baseline=${b.ref}\`${b.version ? `, version ${b.version}` : ''}; built with TypeScript ${b.build?.typescript ?? '?'} in \`${b.worktree}\` (${b.build?.ok ? 'ok' : `WITH ERRORS, exit ${b.build?.status}`}${b.build?.reused ? ', build reused' : ''}), dist ${b.build?.distSha256 ?? '?'}. Current = the working tree${c?.head ? ` (HEAD ${c.head} "${c.subject.length > 80 ? `${c.subject.slice(0, 79)}…` : c.subject}"${c.changedFiles || c.untrackedSrcFiles ? ` + ${c.changedFiles} changed tracked file(s), ${c.changedSrcFiles} of them in src/, and ${c.untrackedSrcFiles} untracked in src/` : ', no changes'})` : ''}, dist ${report.build.distSha256 ?? '?'}.`,
  );
  lines.push(
    `Both ran with the main checkout's node_modules; ${lockfileText(b.lockfile)}.${b.build?.distSha256 && b.build.distSha256 === report.build.distSha256 ? ' **The two builds are identical JavaScript: every difference below is noise.**' : ''}`,
  );
  lines.push(
    `Medians of ${report.settings.reps} repetition(s); in each, the baseline ran right next to the current target (first in odd repetitions, second in even ones). Ratio = current / baseline (> 1 is better for ↑ rows, < 1 for ↓ rows).`,
    '',
  );
  if (b.build && !b.build.ok && b.build.output)
    lines.push('Baseline build output (end):', '', '```', b.build.output.trim(), '```', '');
  for (const name of ADAPTER_FAMILY) {
    const id = `${name}@${b.short}`;
    if (!names.includes(name) || !names.includes(id)) continue;
    lines.push(`### ${name}`, '');
    const failed = report.targets
      .find((t) => t.name === id)
      .reps.filter((r) => r.error)
      .map((r) => `rep ${r.rep}: ${r.error}`);
    if (failed.length) lines.push(`${id} FAILED in ${failed.length} repetition(s): ${failed.join('; ')}`, '');
    lines.push(
      `| metric | | ${id} (before) | ${name} (after) | after / before |`,
      '| --- | --- | ---: | ---: | ---: |',
    );
    for (const [key, label, dir, d] of rows) {
      if (M[id]?.[key] == null && M[name]?.[key] == null) continue;
      lines.push(
        `| ${label} | ${dir} | ${cell(M[id], key, d)} | ${cell(M[name], key, d)} | ${ratio(M[name], M[id], key)} |`,
      );
    }
    lines.push('');
  }
  return lines;
}

/** Header lines of a run with client modes: which client is which, the adapter's isolation, the new targets. */
function clientsAndIsolationMarkdown(report, names) {
  const lines = [];
  const st = report.settings;
  lines.push(
    `Clients (each number says which: [SDK] or [raw]; each client gets a fresh gateway, the order alternating by repetition): **[SDK]** = @modelcontextprotocol/client ${report.versions['@modelcontextprotocol/client']} (Client + StreamableHTTPClientTransport; its 2025-era sessions also open the standalone GET stream), what users run${st.clients.includes('sdk') ? '' : ' (not run)'}; **[raw]** = bench/raw-client.mjs${st.clients.includes('raw') ? '' : ' (not run)'}: node:http, one keep-alive socket per simulated client, request bodies built once with only the JSON-RPC id spliced in, the answer read as JSON or as an SSE stream up to the response with the request's id; 2025 era: initialize, notifications/initialized, then tools/call with Mcp-Session-Id and MCP-Protocol-Version, DELETE at the end, no GET stream; 2026-07-28 (adapter-2026): no initialize, server/discover as connect, every request with MCP-Protocol-Version, Mcp-Method, Mcp-Name and params._meta (protocol version, client info, capabilities). Both clients count an answer that is not the echo's result (HTTP or JSON-RPC error, isError, another text) as an error. direct (stdio) runs with the SDK client only.`,
  );
  const modes = new Map();
  for (const t of report.targets) {
    if (!baseOf(t.name).startsWith('adapter')) continue;
    for (const r of t.reps)
      for (const run of [sdkRun(r), rawRun(r)]) if (run?.isolation) modes.set(t.name, run.isolation);
  }
  const seen = [...new Set(modes.values())];
  lines.push(
    `Child isolation of the adapter targets: \`--isolation=${st.isolation}\` (MCP_ADAPTER_ISOLATION)${seen.length ? `; the adapters reported (GET /status) \`${seen.join('`, `')}\`${seen.includes('user_per_child') ? ' (each child runs as a user of its own: the adapter runs as root here)' : ''}` : ''}. supergateway and mcp-proxy run their child as their own user (root here), which is what \`shared_user\` does for the adapter.`,
  );
  if (st.idleSessions)
    lines.push(
      `Gateway RSS per idle open session: first on a fresh gateway, one session is opened and kept, then ${st.idleSessions} more one after the other, none making a call; (RSS with them open − RSS before them) / ${st.idleSessions}, VmRSS of the gateway process (adapter-functions: host + worker), children apart (the SDK client's sessions each hold a GET stream, the raw client's do not); each reading once the gateway is idle, after a full GC in it, V8's memory reducer (it flushes the bytecode of code not run lately, start-up code included: forced GCs leave that alone) and another full GC (every gateway process runs with bench/gc-on-signal.mjs preloaded: SIGUSR2 → gc()). RSS also holds what V8 and malloc have not given back, so it can even fall while sessions open; "live JS memory" (heapUsed + external from process.memoryUsage() right after that GC, same difference / ${st.idleSessions}) is what the sessions keep alive in JavaScript.`,
    );
  if (names.includes('adapter-functions'))
    lines.push(
      "adapter-functions = the same build served as on Azure Functions, through the repository's host stand-in (tests/helpers/functions-host/: the host answers HTTP, invokes the worker over IPC with the gRPC message shapes, the worker runs the app with @azure/functions 4.16.5 and its HTTP streaming proxy; requests carry the function key), one instance (MCP_ADAPTER_SINGLE_INSTANCE); its gateway CPU and RSS are the host's and the worker's together. The stand-in is not the real host (.NET, gRPC): its own cost is an estimate of that layer, not a measurement of it; the app's conversion cost (web Request/Response to and from the library's objects) is measured as it runs.",
    );
  return lines;
}

/** "Gateway cost apart from the client": each target against http-floor, raw client. */
function apartFromClientMarkdown(report, M, names) {
  const top = Math.max(...report.settings.levels);
  const shown = names.filter((n) => !['direct', 'adapter-npx'].includes(baseOf(n)) && M[n]);
  if (!shown.length) return [];
  const F = M['http-floor'];
  const lines = ['## Gateway cost apart from the client', ''];
  lines.push(
    `With the raw client the client's own CPU is small, so the differences to http-floor (a bare node:http server answering from memory: no child, no parsing beyond JSON.parse) are what each gateway and its child's round trip add. The SDK columns show how much of the SDK numbers is the client's: gateway CPU per call hardly depends on the client, calls/s and latency do; the last column is what each client itself costs per call (this process's CPU).${F ? '' : ' (http-floor was not run: no differences.)'}`,
    '',
  );
  const h = [
    'target',
    'echo p50 [raw] (ms)',
    '− http-floor',
    'sequential calls/s [raw]',
    'http-floor / target',
    'gateway CPU per sequential call [raw] (ms)',
    '− http-floor',
    `${top} sessions: calls/s [raw]`,
    `${top} sessions: gateway CPU per call [raw] (ms)`,
    '− http-floor',
    'sequential calls/s [SDK]',
    'gateway CPU per sequential call [SDK] (ms)',
    'client CPU per sequential call [raw] / [SDK] (ms)',
  ];
  lines.push(
    `| ${h.join(' | ')} |`,
    `| --- | ${h
      .slice(1)
      .map(() => '---:')
      .join(' | ')} |`,
  );
  for (const n of shown) {
    const m = M[n];
    lines.push(
      `| ${n} | ${fmt(m.raw_echoP50, 3)} | ${F ? delta(m, F, 'raw_echoP50', 3) : '—'} | ${fmt(m.raw_seqCallsPerSec, 0)} | ${F ? ratio(F, m, 'raw_seqCallsPerSec') : '—'} | ${fmt(m.raw_seqCpuPerCall, 3)} | ${F ? delta(m, F, 'raw_seqCpuPerCall', 3) : '—'} | ${fmt(m[`raw_calls${top}`], 0)} | ${fmt(m[`raw_cpu${top}`], 3)} | ${F ? delta(m, F, `raw_cpu${top}`, 3) : '—'} | ${fmt(m.seqCallsPerSec, 0)} | ${fmt(m.seqCpuPerCall, 3)} | ${fmt(m.raw_seqClientCpuPerCall, 3)} / ${fmt(m.seqClientCpuPerCall, 3)} |`,
    );
  }
  lines.push('');
  const pairs = [
    ['adapter', 'supergateway'],
    ['adapter', 'mcp-proxy'],
    ['adapter-2026', 'supergateway'],
    ['adapter-functions', 'adapter'],
  ].filter(([a, b]) => M[a] && M[b]);
  if (pairs.length) {
    lines.push(
      "Ratios with each client (where the SDK client's own CPU is the bottleneck, it pulls the calls/s and latency ratios towards 1×):",
      '',
    );
    for (const [a, b] of pairs)
      lines.push(
        `- ${a} / ${b}: sequential calls/s ${ratio(M[a], M[b], 'seqCallsPerSec')} [SDK], ${ratio(M[a], M[b], 'raw_seqCallsPerSec')} [raw]; echo p50 ${ratio(M[a], M[b], 'echoP50')} [SDK], ${ratio(M[a], M[b], 'raw_echoP50')} [raw]; gateway CPU per sequential call ${ratio(M[a], M[b], 'seqCpuPerCall')} [SDK], ${ratio(M[a], M[b], 'raw_seqCpuPerCall')} [raw]; ${top} sessions calls/s ${ratio(M[a], M[b], `calls${top}`)} [SDK], ${ratio(M[a], M[b], `raw_calls${top}`)} [raw].`,
      );
    lines.push('');
  }
  return lines;
}

/** The adapter-npx section: connect times of the five ways, the differences, npm's network check. */
function npxMarkdown(report) {
  const t = report.targets.find((x) => x.name === 'adapter-npx');
  const m = t?.median ?? {};
  const runs = (t?.reps ?? []).map((r) => sdkRun(r) ?? rawRun(r)).filter((r) => r?.npx);
  const client = runs[0]?.npx.client ?? report.settings.clients?.[0] ?? 'sdk';
  const files = runs.reduce((a, r) => a + (r.npx.npm?.files ?? 0), 0);
  const net = runs.reduce((a, r) => a + (r.npx.npm?.networkLines ?? 0), 0);
  const cached = runs.reduce((a, r) => a + (r.npx.npm?.cacheHits ?? 0), 0);
  const examples = runs.flatMap((r) => r.npx.npm?.examples ?? []).slice(0, 3);
  const n = runs[0]?.npx.samples ?? NPX_SAMPLES;
  const minus = (a, b) => (a == null || b == null ? '—' : `${a - b >= 0 ? '+' : ''}${fmt(a - b, 0)}`);
  const inst = runs.map((r) => r.npx.installed).filter(Boolean);
  const lines = ['## npx server connect time', ''];
  lines.push(
    `adapter-npx: one adapter with npx run for every session (\`install_npx_servers: false\`) serving two servers, \`npx ${NPX_ARGS.join(' ')}\` and the installed entry \`node node_modules/@modelcontextprotocol/server-everything/dist/index.js stdio\`, both with the project folder as working directory (npx resolves the package from its node_modules); npm runs with npm_config_offline=true and npm_config_update_notifier=false (offline alone does not stop npm's update check, which fetches registry.npmjs.org/npm), in the children and in the adapter (its own install). A second adapter, as \`npm start\` runs it, serves the npx server alone and installs it once at its start. ${n} connects each (spawn + initialize + initialized, client [${CLIENT_TAG[client]}]), one after the other, each session closed and its child gone before the next: "first" is the first of each (its files may be in the OS cache from earlier runs), "later" the p50 of the others. Directly = the SDK's stdio client spawning the same command in the same folder with PATH and a fresh private HOME (npm's cache in it), as the adapter gives each session's child, but as this script's user (no gateway). Medians over repetitions.`,
    '',
    '| connect (ms) | first | later p50 |',
    '| --- | ---: | ---: |',
    `| npx, through the adapter, npx per session (\`install_npx_servers: false\`) | ${fmt(m.npxFirst, 0)} | ${fmt(m.npxLater, 0)} |`,
    `| npx, through the adapter as \`npm start\` runs it (installed once at start) | ${fmt(m.installedNpx_first, 0)} | ${fmt(m.installedNpx_later, 0)} |`,
    `| installed entry, through the adapter | ${fmt(m.entryVia_first, 0)} | ${fmt(m.entryVia_later, 0)} |`,
    `| npx, spawned directly | ${fmt(m.directNpx_first, 0)} | ${fmt(m.directNpx_later, 0)} |`,
    `| installed entry, spawned directly | ${fmt(m.directEntry_first, 0)} | ${fmt(m.directEntry_later, 0)} |`,
    '',
    `The adapter as \`npm start\` runs it (\`adapter.install_npx_servers\`, default true) installs an npx server once into .mcp-packages/ beside the config before it listens, then starts the installed script with node: it listened ${fmt(m.installedStart, 0)} ms after its start, the install included (${inst.length ? inst.map((i) => (i.installedOnce ? 'installed' : `NOT installed: ${i.installLines.join(' | ')}`)).join('; ') : 'not run'}); the adapter-npx gateway (two servers, nothing installed): ${fmt(m.readyMs, 0)} ms.`,
    '',
    `Differences (later p50): npx − installed entry, through the adapter: ${minus(m.npxLater, m.entryVia_later)} ms; npx through the adapter − installed entry spawned directly: ${minus(m.npxLater, m.directEntry_later)} ms; npx − installed entry, both spawned directly (npm's own start): ${minus(m.directNpx_later, m.directEntry_later)} ms; the adapter's share with npx (through − directly): ${minus(m.npxLater, m.directNpx_later)} ms.`,
    '',
    `Network: npm wrote ${files} debug log(s) for the npx runs and the adapter's install (npm_config_logs_dir); ${net ? `**${net} line(s) mention the network**: ${examples.join(' | ')}` : `none is a request to the network or a failed attempt at one (${cached} fetch(es) answered from npm's cache, by the adapter's offline install): npx resolved the package locally and npm stayed offline`}.`,
    '',
  );
  return lines;
}

function markdown(report) {
  const names = report.targets.map((t) => t.name);
  const M = Object.fromEntries(report.targets.map((t) => [t.name, t.median]));
  const lines = [];
  const m = report.machine;
  lines.push(`# MCP gateway benchmark (${report.mode}, ${report.date})`, '');
  lines.push(`Machine: ${m.cpuModel}, ${m.cores} cores, ${m.memoryGb} GB RAM, ${m.os}; Node ${m.node}.`);
  lines.push(
    `Versions: adapter ${report.versions.adapter} (built ${report.build.ok ? 'ok' : 'WITH ERRORS — see build'}${report.build.distSha256 ? `, dist ${report.build.distSha256}` : ''}${report.baseline ? `; baseline @${report.baseline.short}: commit ${report.baseline.sha.slice(0, 12)}, see "Before / after"` : ''}), supergateway ${report.versions.supergateway} (\`--stateful --outputTransport streamableHttp\`), mcp-proxy ${report.versions['mcp-proxy']} (\`--server stream\`), server-everything ${report.versions['@modelcontextprotocol/server-everything']} (stdio), client @modelcontextprotocol/client ${report.versions['@modelcontextprotocol/client']}. All defaults otherwise; everything on 127.0.0.1.`,
  );
  lines.push(
    `Workload: ${report.settings.reps} repetition(s), medians shown. Setup = ${report.settings.setupSamples} sequential connects (direct: spawn + initialize; others: initialize over HTTP, including the child spawn). Sequential = ${report.settings.seqCalls} echo calls in one session after ${report.settings.seqWarmup} warm-up calls. Concurrency: sessions accumulate over the levels ${report.settings.levels.join(' → ')}; each level opens its new sessions at once (one client each, all connecting concurrently), then all N call echo back to back for ${report.settings.levelMs / 1000} s; gateway RSS is read from /proc/<pid>/status (VmRSS, children excluded), children are the gateway's descendants. Progress = \`${LONG_TOOL}\` with a progressToken: paced ${JSON.stringify(report.settings.paced)}, burst ${JSON.stringify(report.settings.burst)}, counted on the client transport before the call's result arrives.`,
  );
  if (names.includes('adapter-warm')) {
    lines.push(
      `adapter-warm = the adapter with \`sessions.warm_pool: ${report.settings.warmPool}\` (children spawned ahead of sessions, never initialized): each setup sample starts with the pool full and its children booted (no CPU use), as a session arriving at a ready pool would; its sequential and progress phases would repeat the adapter's and are not run; its waiting children are left out of "children RSS per session".`,
    );
  }
  if (report.settings.clients) lines.push(...clientsAndIsolationMarkdown(report, names));
  lines.push(
    `CPU busy just before the start: ${m.busyBeforeStartPct ?? '?'}%. Machine load (1-min loadavg, includes this benchmark): ${report.load.start} at the start, mean ${report.load.mean}, max ${report.load.max} on ${m.cores} cores.`,
  );
  lines.push(
    `Run took ${fmt(report.wallSeconds, 0)} s; peak memory in use on the machine ${fmt(report.memory.peakMb, 0)} MB (${fmt(report.memory.peakMb - report.memory.startMb, 0)} MB above the start, during "${report.memory.peakPhase}").`,
    '',
  );
  if (!names.length) {
    lines.pop(); // no table: the profile only
  }
  const header = ['metric', '', ...names];
  const hasA = names.includes('adapter');
  if (hasA && names.includes('supergateway')) header.push('adapter / supergateway');
  if (hasA && names.includes('mcp-proxy')) header.push('adapter / mcp-proxy');
  if (hasA && names.includes('direct')) header.push('adapter − direct');
  if (hasA && names.includes('http-floor')) header.push('adapter − http-floor');
  const hasU = names.includes('adapter-uncapped') && names.includes('supergateway');
  if (hasU) header.push('uncapped / supergateway');
  const hasW = names.includes('adapter-warm');
  if (hasW && hasA) header.push('warm / adapter');
  if (hasW && names.includes('direct')) header.push('warm − direct');
  const has26 = names.includes('adapter-2026');
  if (has26 && hasA) header.push('2026 / adapter');
  if (has26 && names.includes('supergateway')) header.push('2026 / supergateway');
  const hasF = names.includes('adapter-functions') && hasA;
  if (hasF) header.push('functions / adapter');
  if (names.length)
    lines.push(`| ${header.join(' | ')} |`, `| ${header.map((_, i) => (i < 2 ? '---' : '---:')).join(' | ')} |`);
  const rows = names.length
    ? expandRows(
        report,
        METRICS.flatMap((r) => (r[0] === 'LEVELS' ? levelMetrics(report.settings.levels) : [r])),
      ).filter(([key]) => names.some((n) => cell(M[n], key, 0) !== '—'))
    : [];
  for (const [key, label, dir, d] of rows) {
    const row = [label, dir, ...names.map((n) => cell(M[n], key, d))];
    if (hasA && names.includes('supergateway')) row.push(ratio(M.adapter, M.supergateway, key));
    if (hasA && names.includes('mcp-proxy')) row.push(ratio(M.adapter, M['mcp-proxy'], key));
    if (hasA && names.includes('direct')) row.push(delta(M.adapter, M.direct, key, d));
    if (hasA && names.includes('http-floor')) row.push(delta(M.adapter, M['http-floor'], key, d));
    if (hasU) row.push(ratio(M['adapter-uncapped'], M.supergateway, key));
    if (hasW && hasA) row.push(ratio(M['adapter-warm'], M.adapter, key));
    if (hasW && names.includes('direct')) row.push(delta(M['adapter-warm'], M.direct, key, d));
    if (has26 && hasA) row.push(ratio(M['adapter-2026'], M.adapter, key));
    if (has26 && names.includes('supergateway')) row.push(ratio(M['adapter-2026'], M.supergateway, key));
    if (hasF) row.push(ratio(M['adapter-functions'], M.adapter, key));
    lines.push(`| ${row.join(' | ')} |`);
  }
  lines.push(
    '',
    `↓ lower is better, ↑ higher is better. Ratios and deltas use the first number of a cell. "—" = not applicable or not measured (direct has no gateway process).${report.settings.clients ? ' [SDK] / [raw]: the client the number was measured with (see above); rows without a tag do not depend on it (from the SDK run when there is one).' : ''}`,
    '',
  );
  if (report.settings.clients?.includes('raw')) lines.push(...apartFromClientMarkdown(report, M, names));
  if (names.includes('adapter-npx')) lines.push(...npxMarkdown(report));
  if (report.baseline) lines.push(...beforeAfterMarkdown(report, M));
  if (names.length && report.settings.reps > 1) {
    const top = Math.max(...report.settings.levels);
    lines.push(`## Spread: each repetition (other processes' CPU share in brackets)`, '');
    lines.push(
      `| target | client | echo p50 (ms) | sequential calls/s | gateway CPU per sequential call (ms) | ${top} sessions: calls/s | ${top} sessions: gateway CPU per call (ms) |`,
      '| --- | --- | --- | --- | --- | --- | --- |',
    );
    for (const t of report.targets) {
      for (const c of clientsOfReport(report)) {
        const run = (r) => (c === 'sdk' ? sdkRun(r) : rawRun(r));
        if (!t.reps.some((r) => run(r)?.sequential || run(r)?.levels)) continue;
        const col = (f, d) =>
          t.reps.map((r) => `${fmt(run(r) && f(run(r)), d)} [${fmt(run(r)?.otherCpuPct, 0)}%]`).join(', ');
        lines.push(
          `| ${t.name} | ${CLIENT_TAG[c]} | ${col((r) => r.sequential?.p50, 2)} | ${col((r) => r.sequential?.callsPerSec, 0)} | ${col((r) => r.sequential?.gatewayCpuMsPerCall, 2)} | ${col((r) => r.levels?.[top]?.callsPerSec, 0)} | ${col((r) => r.levels?.[top]?.gatewayCpuMsPerCall, 2)} |`,
        );
      }
    }
    lines.push(
      '',
      'Gateway CPU per call (from /proc, the gateway process alone) is the least sensitive to other load on the machine; latency and calls/s are the most.',
      '',
    );
  }
  lines.push('## Errors and notes', '');
  for (const t of report.targets) {
    const notes = [];
    const runs = t.reps.flatMap((rep) => {
      const out = [];
      const tag = report.settings.clients ? ' [SDK]' : '';
      if (sdkRun(rep) || rep.error) out.push([rep, tag]);
      if (rep.raw) out.push([{ ...rep.raw, rep: rep.rep }, ' [raw]']);
      return out;
    });
    for (const [r, tag] of runs) {
      const notesBefore = notes.length;
      for (const L of Object.values(r.levels ?? {})) {
        for (const [msg, n] of Object.entries(L.connectErrors))
          notes.push(`rep ${r.rep}, ${L.sessions} sessions: ${n}× connect failed: ${msg}`);
        for (const [msg, n] of Object.entries(L.callErrors))
          notes.push(`rep ${r.rep}, ${L.sessions} sessions: ${n}× call failed: ${msg}`);
        if (L.zombies) notes.push(`rep ${r.rep}, ${L.sessions} sessions: ${L.zombies} zombie child process(es)`);
      }
      if (r.closeAll && r.closeAll.drained === false)
        notes.push(`rep ${r.rep}: children still alive ${T.drainMs / 1000} s after closing all sessions`);
      for (const [msg, n] of Object.entries(r.setup?.errors ?? {})) notes.push(`rep ${r.rep}, setup: ${n}× ${msg}`);
      for (const [msg, n] of Object.entries(r.sequential?.errors ?? {}))
        notes.push(`rep ${r.rep}, sequential: ${n}× ${msg}`);
      if (r.progress?.paced.error) notes.push(`rep ${r.rep}, progress: ${r.progress.paced.error}`);
      for (const e of r.progress?.burst.errors ?? []) notes.push(`rep ${r.rep}, progress burst: ${e}`);
      if (r.error) notes.push(`rep ${r.rep}: FAILED: ${r.error}`);
      if (r.stop && !r.stop.graceful)
        notes.push(`rep ${r.rep}: did not exit within ${T.stopMs / 1000} s of SIGTERM (killed)`);
      if (r.stop?.leftovers)
        notes.push(`rep ${r.rep}: ${r.stop.leftovers} child process(es) left behind after the gateway exited (killed)`);
      if (r.log && (r.log.levels.warn || r.log.levels.error))
        notes.push(
          `rep ${r.rep}: log has ${r.log.levels.warn ?? 0} warn and ${r.log.levels.error ?? 0} error lines (of ${r.log.lines})`,
        );
      for (const [key, v] of Object.entries(r.npx ?? {}))
        for (const [msg, n] of Object.entries(v?.errors ?? {})) notes.push(`rep ${r.rep}, npx ${key}: ${n}× ${msg}`);
      for (const [msg, n] of Object.entries(r.idle?.errors ?? {}))
        notes.push(`rep ${r.rep}, idle sessions: ${n}× connect failed: ${msg}`);
      for (let i = notesBefore; i < notes.length; i++) notes[i] = notes[i].replace(/^rep (\d+)/, `rep $1${tag}`);
    }
    lines.push(`- **${t.name}**: ${notes.length ? '' : 'no errors.'}`);
    const seen = new Map();
    for (const n of notes) seen.set(n, (seen.get(n) ?? 0) + 1);
    for (const [n] of [...seen].slice(0, 25)) lines.push(`  - ${n}`);
  }
  if (report.profile) {
    const p = report.profile;
    lines.push('', `## Adapter CPU profile (sequential echo, ${p.calls ?? '?'} calls)`, '');
    if (p.error) lines.push(p.error);
    else {
      lines.push(
        `\`${p.file}\` (open in Chrome DevTools → Performance, or VS Code). Window: ${p.window === 'whole profile' ? 'the whole process' : 'the sequential echo phase only'}; ${p.busyMs} ms busy, ${p.idleMs} ms idle; ${fmt(p.callsPerSec, 0)} calls/s; other processes ${p.otherCpuPct ?? '?'}% of the machine; adapter CPU ${p.gatewayCpuMsPerCall} ms per call (from /proc). The profiler samples wall time: time the process is preempted inside a system call (a write waking the child or the client on a busy 2-core machine) counts as self time of that call.`,
        '',
      );
      lines.push(profileMarkdown(p));
    }
  }
  lines.push('', '## Memory needed', '', report.memoryNote, '');
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------------
// Main

class SetupError extends Error {}

async function main() {
  const started = new Date();
  const stamp = `${started.toISOString().slice(0, 16).replace(/:/g, '')}Z-${MODE}`.replace('T', '-');
  fs.mkdirSync(RESULTS, { recursive: true });

  // Pinned versions present?
  const versions = {};
  const missing = [];
  for (const [name, want] of Object.entries(PINS)) {
    versions[name] = pkgVersion(name);
    const needed = name === 'supergateway' || name === 'mcp-proxy' ? TARGETS.includes(name) : true;
    if (needed && versions[name] !== want) missing.push(`${name}@${want} (found ${versions[name] ?? 'none'})`);
  }
  if (missing.length) {
    throw new SetupError(
      `Missing or wrong versions: ${missing.join(', ')}.\nInstall them: npm install --no-save ${Object.entries(PINS)
        .filter(([n]) => n === 'supergateway' || n === 'mcp-proxy')
        .map(([n, v]) => `${n}@${v}`)
        .join(' ')}`,
    );
  }
  versions.from = Object.fromEntries(Object.keys(PINS).map((n) => [n, path.relative(ROOT, pkgDir(n))]));
  versions.adapter = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version;

  const machine = {
    cpuModel: os.cpus()[0]?.model?.trim() ?? 'unknown',
    cores: os.availableParallelism?.() ?? os.cpus().length,
    memoryGb: round(os.totalmem() / 1073741824, 1),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
  };
  machine.busyBeforeStartPct = await cpuBusyPct(1000);
  const needed = memoryNeededMb(TARGETS, S.levels);
  machine.memoryNeededMb = needed.mb;
  machine.memoryAvailableAtStartMb = round(memAvailableMb(), 0);
  log(
    `memory: this run needs ~${fmt(needed.mb / 1024, 1)} GB free at its peak (${needed.top} sessions${needed.waiting ? ` + ${needed.waiting} waiting children` : ''} × ~${CHILD_MB_ESTIMATE} MB per server-everything child, + ~600 MB for the gateway and this process); ${fmt(machine.memoryAvailableAtStartMb / 1024, 1)} GB available now`,
  );
  if (TARGETS.includes('direct') && !CLIENTS.includes('sdk'))
    log('note: direct (stdio) runs with the SDK client only: not measured with --client=raw');
  if (!PROFILE_ONLY && machine.memoryAvailableAtStartMb < needed.mb)
    log('WARNING: less memory available than the run needs: expect failed connects or the OOM killer at the top level');
  if (machine.busyBeforeStartPct > 25)
    log(`WARNING: the machine is ${machine.busyBeforeStartPct}% busy before the start: numbers will be noisy`);
  log(
    `mode ${MODE}: targets ${TARGETS.join(', ')}; clients ${CLIENTS.join(', ')}; levels ${S.levels.join(', ')}; adapter isolation ${ISOLATION}; ${machine.cpuModel}, ${machine.cores} cores, ${machine.memoryGb} GB, Node ${machine.node}`,
  );

  // Build the adapter, then run a snapshot of dist/ (others may rebuild dist/ during the run).
  const build = { ok: true };
  if (PROFILE_ONLY || TARGETS.some((t) => t.startsWith('adapter'))) {
    if (!flag('no-build')) {
      phase = 'build';
      log('npm run build …');
      const b = spawnSync(process.platform === 'win32' ? 'npm.cmd' : 'npm', ['run', 'build'], {
        cwd: ROOT,
        encoding: 'utf8',
        timeout: T.buildMs,
      });
      build.ok = b.status === 0;
      build.status = b.status;
      if (!build.ok) {
        build.output = `${b.stdout ?? ''}${b.stderr ?? ''}`.slice(-3000);
        log(`BUILD FAILED (exit ${b.status}); benchmarking the dist/ that tsc emitted anyway:\n${build.output}`);
      }
    } else build.skipped = true;
    if (!fs.existsSync(path.join(ROOT, 'dist', 'cli', 'main.js')))
      throw new Error('dist/cli/main.js missing: run npm run build');
    adapterSnapshot = path.join(BENCH, '.adapter-snapshot', String(process.pid));
    fs.mkdirSync(adapterSnapshot, { recursive: true });
    fs.cpSync(path.join(ROOT, 'dist'), path.join(adapterSnapshot, 'dist'), { recursive: true });
    fs.cpSync(path.join(ROOT, 'schemas'), path.join(adapterSnapshot, 'schemas'), { recursive: true });
    build.distMtime = fs.statSync(path.join(ROOT, 'dist', 'cli', 'main.js')).mtime.toISOString();
    // Fingerprint of the JavaScript that was measured (dist/ changes as src/ is edited).
    build.distSha256 = distFingerprint(adapterSnapshot);
  }
  const baseline = BASELINE ? prepareBaseline(BASELINE, build) : undefined;

  const results = Object.fromEntries(RUN_TARGETS.map((t) => [t, []]));
  for (let rep = 1; rep <= S.reps; rep++) {
    // Rotate the order each repetition so no target always runs first or last; a baseline variant
    // runs right next to its current target, first in odd repetitions, second in even ones.
    const order = TARGETS.map((_, i) => TARGETS[(i + rep - 1) % TARGETS.length]).flatMap((t) =>
      hasBaseline(t) ? (rep % 2 ? [baselineId(t), t] : [t, baselineId(t)]) : [t],
    );
    for (const id of order) {
      log(`rep ${rep}/${S.reps}: ${id}`);
      try {
        results[id].push(await runTarget(id, rep));
      } catch (e) {
        log(`  ${id} rep ${rep} FAILED: ${e?.stack ?? e}`);
        results[id].push({ rep, error: errText(e) });
      }
    }
  }

  let profile;
  if ((PROFILE_ONLY || TARGETS.includes('adapter')) && !flag('no-profile')) {
    log('profiling the adapter during sequential echo …');
    try {
      profile = await profileAdapter(stamp);
      log(`  profile: ${profile.file ?? profile.error}`);
    } catch (e) {
      profile = { error: errText(e) };
    }
  }

  const targets = RUN_TARGETS.map((name) => ({
    name,
    median: medians(results[name]),
    reps: results[name],
  }));
  const childRss =
    median(targets.filter((t) => !NO_CHILD_PER_SESSION.includes(baseOf(t.name))).map((t) => t.median.childRssMb)) ?? 70;
  const isolating = TARGETS.filter((t) => !NO_CHILD_PER_SESSION.includes(t)).length;
  const maxN = Math.max(...S.levels);
  const waiting = TARGETS.includes('adapter-warm') ? WARM_POOL : 0;
  const memoryNote =
    `Targets run one at a time. At ${maxN} sessions a target that isolates sessions (${TARGETS.filter((t) => !NO_CHILD_PER_SESSION.includes(t)).join(', ')}) holds ${maxN} server-everything children at once${waiting ? ` (adapter-warm ${waiting} more, waiting)` : ''}: ` +
    `${maxN + waiting} × ${fmt(childRss, 0)} MB (measured RSS per child) ≈ ${fmt(((maxN + waiting) * childRss) / 1024, 1)} GB, plus the gateway and this process (a few hundred MB). ` +
    `Budget ≈ ${fmt(((maxN + waiting) * childRss) / 1024 + 0.6, 1)} GB free (estimated before the run: ${fmt(machine.memoryNeededMb / 1024, 1)} GB; ${fmt(machine.memoryAvailableAtStartMb / 1024, 1)} GB were available); running the ${isolating} isolating targets side by side would need ${fmt((isolating * maxN * childRss) / 1024 + 1, 1)} GB. mcp-proxy shares one child across all sessions.`;
  const report = {
    mode: MODE,
    date: started.toISOString(),
    wallSeconds: round((performance.now() - T0) / 1000, 1),
    machine,
    versions,
    build,
    settings: {
      ...S,
      clients: CLIENTS,
      isolation: ISOLATION,
      idleSessions: IDLE_SESSIONS,
      npxSamples: TARGETS.includes('adapter-npx') ? NPX_SAMPLES : undefined,
      warmPool: TARGETS.includes('adapter-warm') ? WARM_POOL : undefined,
      timeouts: T,
    },
    memory: { ...mem, peakMb: round(mem.peakMb, 0), startMb: round(mem.startMb, 0) },
    memoryNote,
    load: {
      start: round(load.start),
      max: round(load.max),
      mean: round(load.samples.reduce((a, b) => a + b, 0) / Math.max(1, load.samples.length)),
    },
    targets,
    baseline,
    profile,
  };
  fs.writeFileSync(path.join(RESULTS, `${stamp}.json`), `${JSON.stringify(report, null, 2)}\n`);
  fs.writeFileSync(path.join(RESULTS, `${stamp}.md`), markdown(report));
  log(`wrote bench/results/${stamp}.json and .md`);
  console.log(`\n${markdown(report)}`);
}

if (option('report')) {
  // Re-render a run's Markdown from its JSON (and its profile summary from the .cpuprofile).
  const file = path.resolve(option('report'));
  const report = JSON.parse(fs.readFileSync(file, 'utf8'));
  for (const t of report.targets) t.median = medians(t.reps);
  const p = report.profile;
  if (p?.file && fs.existsSync(path.join(ROOT, p.file))) {
    const profile = JSON.parse(fs.readFileSync(path.join(ROOT, p.file), 'utf8'));
    const windowUs = p.windowUs ?? handlerWindow(profile);
    Object.assign(p, summariseProfile(profile, windowUs), { windowUs });
    fs.writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  }
  fs.writeFileSync(file.replace(/\.json$/, '.md'), markdown(report));
  console.log(`wrote ${path.relative(ROOT, file.replace(/\.json$/, '.md'))}`);
  fs.rmSync(TMP, { recursive: true, force: true });
  process.exit(0);
}

// The baseline variants lengthen the run in proportion (and its build may come first).
// So do the clients (a gateway run each), the 64-session level in a quick run, and the two
// targets that measure one thing apiece (adapter-npx: ~1 min of npx starts).
const DEADLINE_MS = Math.round(
  (S.deadlineMs * RUN_TARGETS.length * CLIENTS.length * (QUICK && Math.max(...S.levels) > 32 ? 1.5 : 1)) /
    Math.max(1, TARGETS.length) +
    (BASELINE ? T.buildMs : 0) +
    (TARGETS.includes('adapter-npx') ? 3 * 60_000 : 0),
);
const deadline = setTimeout(() => {
  log(`global deadline of ${round(DEADLINE_MS / 60000, 1)} min reached: stopping`);
  void killEverything('deadline').finally(() => {
    removeTemporaries();
    process.exit(3);
  });
}, DEADLINE_MS);
deadline.unref();

let exitCode = 0;
try {
  await main();
} catch (e) {
  console.error(e instanceof SetupError ? e.message : (e?.stack ?? e));
  exitCode = 1;
} finally {
  clearTimeout(deadline);
  await killEverything('end of run');
  clearInterval(sampler);
  removeTemporaries();
}
process.exit(exitCode);
