// Shared helpers of the soak (scripts/soak/run.mjs) and fuzz (scripts/fuzz/run.mjs) runs:
// process bookkeeping (everything started is killed at the end, also on error or Ctrl-C),
// Azurite, adapter processes, /proc scans for fixture children, RSS samples, reports.
//
// Loopback only. Every wait is bounded.

import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const RESULTS = path.join(ROOT, 'bench/results');
export const FIXTURE = path.join(ROOT, 'tests/fixtures/servers/node-fixture.mjs');
export const CLI = path.join(ROOT, 'dist/cli/main.js');

// ---------------------------------------------------------------------------------------------
// Options

/** `--name value` / `--name=value` / `--flag` options with defaults (numbers parsed when the default is a number). */
export function parseOptions(argv, defaults, usage) {
  const options = { ...defaults };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--help' || arg === '-h') {
      console.log(usage);
      process.exit(0);
    }
    const match = /^--([a-z0-9-]+)(?:=(.*))?$/.exec(arg);
    if (!match) fail(`unexpected argument ${arg}\n${usage}`);
    const name = match[1].replace(/-([a-z])/g, (_, c) => c.toUpperCase());
    if (!(name in defaults)) fail(`unknown option --${match[1]}\n${usage}`);
    let value = match[2];
    if (typeof defaults[name] === 'boolean') {
      options[name] = value === undefined ? true : value !== 'false';
      continue;
    }
    if (value === undefined) value = argv[++i];
    if (value === undefined) fail(`--${match[1]} needs a value\n${usage}`);
    if (typeof defaults[name] === 'number') {
      const n = Number(value);
      if (!Number.isFinite(n)) fail(`--${match[1]} must be a number, got "${value}"`);
      options[name] = n;
    } else options[name] = value;
  }
  return options;
}

function fail(message) {
  console.error(message);
  process.exit(2);
}

// ---------------------------------------------------------------------------------------------
// Cleanup: every process, server and folder this run started

const tracked = {
  processes: new Map(),
  servers: new Set(),
  dirs: new Set(),
  markers: new Set(),
  serverNames: new Set(),
  hooks: [],
};
let cleaning;

export function trackDir(dir) {
  tracked.dirs.add(dir);
  return dir;
}
/** Fixture children carry `MCP_SOAK_MARKER=<marker>` in their environment: cleanup kills any left. */
export function trackMarker(marker) {
  tracked.markers.add(marker);
}
/** Private folders (`<tmp>/mcp-<server>-*`) the adapter leaves for this server are removed at cleanup (after being reported). */
export function trackServerName(name) {
  tracked.serverNames.add(name);
}
export function trackServer(server) {
  tracked.servers.add(server);
  return server;
}
export function onCleanup(hook) {
  tracked.hooks.push(hook);
}

/** Kills (SIGKILL) whatever this run started and is still there; removes its folders. Idempotent. */
export function cleanup() {
  cleaning ??= (async () => {
    for (const hook of tracked.hooks) {
      try {
        await hook();
      } catch {
        /* best effort */
      }
    }
    for (const server of tracked.servers) {
      try {
        server.closeAllConnections?.();
        server.close();
      } catch {
        /* already closed */
      }
    }
    for (const [pid, info] of tracked.processes) {
      if (info.exited) continue;
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    // Children of the adapters run in their own process groups: find them by marker.
    for (const marker of tracked.markers) {
      for (const child of markedProcesses(marker)) {
        try {
          process.kill(child.pid, 'SIGKILL');
        } catch {
          /* gone */
        }
      }
    }
    await sleep(200);
    for (const dir of tracked.dirs) fs.rmSync(dir, { recursive: true, force: true });
    for (const name of tracked.serverNames)
      for (const dir of privateDirs(name)) fs.rmSync(path.join(os.tmpdir(), dir), { recursive: true, force: true });
  })();
  return cleaning;
}

let exiting = false;
/** Runs `main`, always cleans up, exits with its code; a global watchdog kills everything after `deadlineMs`. */
export function runMain(main, deadlineMs) {
  const watchdog = setTimeout(() => {
    console.error(`global deadline of ${Math.round(deadlineMs / 1000)} s reached: killing everything`);
    cleanup().finally(() => process.exit(3));
  }, deadlineMs);
  watchdog.unref();
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.on(signal, () => {
      if (exiting) return;
      exiting = true;
      console.error(`${signal}: cleaning up`);
      cleanup().finally(() => process.exit(130));
    });
  }
  process.on('uncaughtException', (error) => {
    console.error('uncaught exception:', error);
    cleanup().finally(() => process.exit(1));
  });
  main().then(
    async (code) => {
      await cleanup();
      process.exit(code ?? 0);
    },
    async (error) => {
      console.error(error?.stack ?? String(error));
      await cleanup();
      process.exit(1);
    },
  );
}

/** Spawns a process this run owns (killed at cleanup if still running). */
export function spawnTracked(command, args, options = {}) {
  const child = spawn(command, args, options);
  const info = { exited: false, code: null, signal: null };
  tracked.processes.set(child.pid, info);
  child.exitedPromise = new Promise((resolve) => {
    child.once('exit', (code, signal) => {
      Object.assign(info, { exited: true, code, signal });
      resolve({ code, signal });
    });
  });
  child.info = info;
  return child;
}

// ---------------------------------------------------------------------------------------------
// Build, ports, Azurite, adapters

export function build() {
  const started = Date.now();
  const result = spawnSync('npm', ['run', 'build', '--silent'], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 300_000,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (result.status !== 0)
    throw new Error(
      `npm run build failed (status ${result.status ?? result.signal}):\n${result.stdout}\n${result.stderr}`,
    );
  return Date.now() - started;
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function waitForPort(port, deadline) {
  while (Date.now() < deadline) {
    const open = await new Promise((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => {
        socket.end();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return true;
    await sleep(100);
  }
  return false;
}

/** Azurite's well-known development account (public, documented; not a secret). */
const DEV_ACCOUNT = 'devstoreaccount1';
const DEV_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

/** Azurite's Table service on 127.0.0.1, in memory, on Node 22 (as tests/helpers/azurite.ts). */
export async function startAzurite() {
  const { findAzuriteTable, findNode22 } = await import(path.join(ROOT, 'tests/fixtures/conformance/node22.mjs'));
  const node = await findNode22();
  const main = await findAzuriteTable();
  const port = await freePort();
  const dir = trackDir(fs.mkdtempSync(path.join(os.tmpdir(), 'soak-azurite-')));
  const child = spawnTracked(
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
    { stdio: ['ignore', 'ignore', 'pipe'], cwd: dir },
  );
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  if (!(await waitForPort(port, Date.now() + 30_000)))
    throw new Error(`Azurite did not listen on 127.0.0.1:${port} in 30 s: ${stderr}`);
  return {
    pid: child.pid,
    node,
    connectionString: `DefaultEndpointsProtocol=http;AccountName=${DEV_ACCOUNT};AccountKey=${DEV_KEY};TableEndpoint=http://127.0.0.1:${port}/${DEV_ACCOUNT};`,
    stop: () => stopProcess(child, 10_000),
  };
}

/**
 * `node dist/cli/main.js serve --config <file> --port 0`: waits for its "listening on" line and
 * its /health. stderr (JSON log lines) goes to `logFile`.
 */
export async function startAdapterProcess({ configFile, env, logFile, name }) {
  const out = fs.openSync(logFile, 'a');
  const child = spawnTracked(
    process.execPath,
    [CLI, 'serve', '--config', configFile, '--port', '0', '--host', '127.0.0.1'],
    {
      cwd: path.dirname(configFile),
      // Children as the adapter's user unless told otherwise (what Flex does; as root, `auto` would
      // give each child a user of its own): MCP_ADAPTER_ISOLATION=user_per_child runs these isolated.
      env: { MCP_ADAPTER_ISOLATION: 'shared_user', ...process.env, ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let url;
  let early = '';
  const listening = new Promise((resolve) => {
    child.stderr.on('data', (chunk) => {
      fs.writeSync(out, chunk);
      if (url) return;
      early += chunk.toString('utf8');
      const match = /MCP adapter listening on (http:\/\/127\.0\.0\.1:\d+)\/mcp/.exec(early);
      if (match) {
        url = match[1];
        resolve(url);
      }
    });
    child.exitedPromise.then(() => resolve(undefined));
  });
  child.stderr.on('end', () => fs.closeSync(out));
  const found = await Promise.race([listening, sleep(30_000).then(() => undefined)]);
  if (!found)
    throw new Error(
      `adapter ${name} did not start in 30 s (exit ${JSON.stringify(child.info)}): ${early.slice(-2000)}`,
    );
  const healthy = await waitFor(async () => (await fetchStatus(`${url}/health`)) === 200, 10_000);
  if (!healthy) throw new Error(`adapter ${name} never answered /health 200`);
  return {
    name,
    pid: child.pid,
    url,
    port: Number(new URL(url).port),
    child,
    logFile,
    stop: (ms = 30_000) => stopProcess(child, ms),
  };
}

async function fetchStatus(url) {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(5000) });
    await response.arrayBuffer();
    return response.status;
  } catch {
    return 0;
  }
}

export async function getJson(url, timeoutMs = 5000) {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    const text = await response.text();
    let body;
    try {
      body = JSON.parse(text);
    } catch {
      body = text;
    }
    return { status: response.status, body };
  } catch (error) {
    return { status: 0, error: String(error?.message ?? error) };
  }
}

/** SIGTERM, then SIGKILL after `ms`. Resolves with how it ended. */
export async function stopProcess(child, ms) {
  if (child.info.exited) return { ...child.info, alreadyExited: true };
  const started = Date.now();
  try {
    child.kill('SIGTERM');
  } catch {
    /* gone */
  }
  const ended = await Promise.race([child.exitedPromise, sleep(ms).then(() => undefined)]);
  if (ended) return { ...ended, ms: Date.now() - started, killed: false };
  try {
    child.kill('SIGKILL');
  } catch {
    /* gone */
  }
  const forced = await Promise.race([child.exitedPromise, sleep(5000).then(() => undefined)]);
  return { ...(forced ?? {}), ms: Date.now() - started, killed: true };
}

export async function waitFor(check, ms, stepMs = 100) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await sleep(stepMs);
  }
  return check();
}

// ---------------------------------------------------------------------------------------------
// /proc

function readProc(pid, file) {
  try {
    return fs.readFileSync(`/proc/${pid}/${file}`);
  } catch {
    return undefined;
  }
}

function ppidOf(pid) {
  const stat = readProc(pid, 'stat')?.toString('utf8');
  if (!stat) return undefined;
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { state: rest[0], ppid: Number(rest[1]) };
}

/** Processes whose environment holds MCP_SOAK_MARKER=<marker> (fixture children of this run). */
export function markedProcesses(marker) {
  const needle = Buffer.from(`MCP_SOAK_MARKER=${marker}\0`);
  const found = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if (pid === process.pid) continue;
    const environ = readProc(pid, 'environ');
    if (!environ || environ.indexOf(needle) === -1) continue;
    const stat = ppidOf(pid);
    if (!stat || stat.state === 'Z') continue; // a zombie is dead, only not yet reaped
    const cmdline = readProc(pid, 'cmdline')?.toString('utf8').split('\0').join(' ') ?? '';
    found.push({ pid, ppid: stat.ppid, cmdline });
  }
  return found;
}

/** Processes (any owner we can read) with `text` in their command line. */
export function processesWithCmdline(text) {
  const found = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if (pid === process.pid) continue;
    const cmdline = readProc(pid, 'cmdline')?.toString('utf8').split('\0').join(' ');
    if (!cmdline?.includes(text)) continue;
    const stat = ppidOf(pid);
    if (!stat || stat.state === 'Z') continue;
    found.push({ pid, ppid: stat.ppid, cmdline });
  }
  return found;
}

/** VmRSS / VmHWM (peak RSS) in kB, or undefined when the process is gone. */
export function memoryOf(pid) {
  const status = readProc(pid, 'status')?.toString('utf8');
  if (!status) return undefined;
  const kb = (name) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rssKb: kb('VmRSS'), hwmKb: kb('VmHWM') };
}

/** CPU time (user + system) of a process in ms, or undefined when it is gone. */
export function cpuMsOf(pid) {
  const stat = readProc(pid, 'stat')?.toString('utf8');
  if (!stat) return undefined;
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // rest[11] = utime (field 14), rest[12] = stime (field 15), in clock ticks (100 Hz on Linux).
  return (Number(rest[11]) + Number(rest[12])) * 10;
}

/** Saves a log file gzipped as `<RESULTS>/<name>.gz`; returns the path. */
export function saveLog(file, name) {
  try {
    const data = fs.readFileSync(file);
    const target = path.join(RESULTS, `${name}.gz`);
    fs.mkdirSync(RESULTS, { recursive: true });
    fs.writeFileSync(target, zlib.gzipSync(data));
    return target;
  } catch {
    return undefined;
  }
}

/** Log lines (parsed) of `file` for which `match(record, line)` holds, at most `max`. */
export function grepLog(file, match, max = 50) {
  const out = [];
  let text = '';
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return out;
  }
  for (const line of text.split('\n')) {
    if (!line.startsWith('{')) continue;
    let record;
    try {
      record = JSON.parse(line);
    } catch {
      continue;
    }
    if (match(record, line)) {
      out.push(record);
      if (out.length >= max) break;
    }
  }
  return out;
}

/** Private folders (`<tmp>/mcp-<server>-*`) of a server's children still on disk. */
export function privateDirs(serverName) {
  const prefix = `mcp-${serverName.replace(/[^\w-]/g, '_')}-`;
  try {
    return fs.readdirSync(os.tmpdir()).filter((name) => name.startsWith(prefix));
  } catch {
    return [];
  }
}

// ---------------------------------------------------------------------------------------------
// Logs and reports

/** Counts the adapter's JSON log lines by level and message; keeps a few samples of errors. */
export function summariseLog(file, { samples = 5 } = {}) {
  const counts = {};
  const errorSamples = [];
  let lines = 0;
  let nonJson = 0;
  let text = '';
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return { lines: 0, counts, errorSamples, nonJson };
  }
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    lines++;
    let record;
    try {
      record = JSON.parse(line);
    } catch {
      nonJson++;
      continue;
    }
    const key = `${record.level ?? '?'}: ${record.msg ?? record.message ?? '?'}`;
    counts[key] = (counts[key] ?? 0) + 1;
    if ((record.level === 'error' || /request failed|unhandled/i.test(key)) && errorSamples.length < samples)
      errorSamples.push(record);
  }
  return {
    lines,
    nonJson,
    counts: Object.fromEntries(Object.entries(counts).sort((a, b) => b[1] - a[1])),
    errorSamples,
  };
}

export function stamp(date = new Date()) {
  const iso = date.toISOString();
  return `${iso.slice(0, 10)}-${iso.slice(11, 13)}${iso.slice(14, 16)}Z`;
}

export function writeResults(base, json, markdown) {
  fs.mkdirSync(RESULTS, { recursive: true });
  const jsonFile = path.join(RESULTS, `${base}.json`);
  const mdFile = path.join(RESULTS, `${base}.md`);
  fs.writeFileSync(jsonFile, `${JSON.stringify(json, null, 2)}\n`);
  fs.writeFileSync(mdFile, markdown);
  return { jsonFile, mdFile };
}

/** Seeded PRNG (mulberry32): the same seed gives the same sequence. */
export function prng(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    pick: (list) => list[Math.floor(next() * list.length)],
    chance: (p) => next() < p,
  };
}

export function mdTable(rows, headers) {
  const line = (cells) => `| ${cells.map((c) => String(c).replace(/\|/g, '\\|').replace(/\n/g, ' ')).join(' | ')} |`;
  return [line(headers), line(headers.map(() => '---')), ...rows.map(line)].join('\n');
}
