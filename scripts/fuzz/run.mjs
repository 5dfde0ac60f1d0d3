#!/usr/bin/env node
// HTTP fuzzing of one adapter process (node fixture server), seeded and reproducible.
//
//   npm run fuzz -- --iterations 5000 --seed 42
//   npm run fuzz -- --seed 42 --only 1234        replay one iteration (after the same set-up)
//
// Each iteration i draws its request from a PRNG seeded with (seed, i): valid MCP requests
// mutated (JSON corrupted, fields removed or retyped, huge strings, deep nesting, random
// methods, batches), wrong/extra/duplicate headers, random and mutated session ids, random
// Content-Type/Accept, random HTTP methods and paths, chunked bodies cut short, raw garbage,
// Last-Event-ID garbage, tool abuse (exit, hang, cancellations), interleaved with healthy calls
// on a real session. Checks: the adapter never dies and /health answers; every answer is a
// well-formed HTTP response (status < 600; of 5xx only 502/503/504; a 500 is a finding);
// healthy calls keep working; at the end children = live sessions (no leaks) and, after every
// known session is DELETEd, no child is left; RSS stays bounded (start/end/peak).
// Results: bench/results/fuzz-<date>.json and .md.
//
// Loopback only; every loop is bounded in count and time; everything started is killed at the
// end (also on error, Ctrl-C or the global deadline: --duration-limit + 120 s).

import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  FIXTURE,
  ROOT,
  build,
  getJson,
  markedProcesses,
  mdTable,
  memoryOf,
  onCleanup,
  parseOptions,
  privateDirs,
  prng,
  runMain,
  saveLog,
  stamp,
  startAdapterProcess,
  summariseLog,
  trackDir,
  trackMarker,
  trackServerName,
  waitFor,
  writeResults,
  grepLog,
} from '../soak/lib.mjs';

const USAGE = `usage: node scripts/fuzz/run.mjs [options]
  --iterations N       fuzz requests (default 5000)
  --seed N             PRNG seed (default: time based); iteration i uses (seed, i)
  --only N             run iteration N only (to reproduce a finding), after the same set-up
  --concurrency N      requests in flight at once (default 4)
  --healthy-every N    a healthy call on the real session every N iterations (default 10)
  --request-timeout S  how long one fuzz request may take before it counts as unanswered (default 15)
  --duration-limit S   stop issuing requests after S seconds (default 900)
  --skip-ops a,b       leave these operations out (e.g. huge-body, to watch memory without it)
  --no-build           skip npm run build
  --keep-logs          save the adapter log (gzipped) next to the results even without findings`;

const options = parseOptions(
  process.argv.slice(2),
  {
    iterations: 5000,
    seed: Date.now() % 1_000_000,
    only: -1,
    skipOps: '',
    concurrency: 4,
    healthyEvery: 10,
    requestTimeout: 15,
    durationLimit: 900,
    noBuild: false,
    keepLogs: false,
  },
  USAGE,
);

const MAX_BODY = 1024 * 1024;
const REQUEST_TIMEOUT_SECONDS = 3; // the child's `hang` answers -32001 after this
const PROTOCOLS = ['2025-11-25', '2025-06-18', '2025-03-26', '2024-11-05'];

let port;
let serverName;
let endpointPath;
const knownSessions = new Set();
const pool = []; // fuzz sessions: { id, version }
let healthy; // { id, version }

async function main() {
  const started = Date.now();
  const runId = randomBytes(4).toString('hex');
  serverName = `fuzz-${runId}`;
  endpointPath = `/mcp/${serverName}`;
  const report = { kind: 'fuzz', startedAt: new Date(started).toISOString(), runId, options, node: process.version };
  log(
    `fuzz ${runId}: ${options.only >= 0 ? `iteration ${options.only}` : `${options.iterations} iterations`}, seed ${options.seed}`,
  );
  if (!options.noBuild) {
    log('building (npm run build)');
    report.buildMs = build();
  }
  const work = trackDir(fs.mkdtempSync(path.join(os.tmpdir(), `fuzz-${runId}-`)));
  trackMarker(runId);
  trackServerName(serverName);
  const config = {
    mcpServers: {
      [serverName]: {
        command: process.execPath,
        args: [FIXTURE],
        env: { MCP_SOAK_MARKER: runId },
        request_timeout_seconds: REQUEST_TIMEOUT_SECONDS,
        restart_on_failure: true,
        max_restarts: 3,
        sessions: { max_concurrent: 16 },
      },
    },
    adapter: {
      max_sessions: 16,
      max_body_bytes: MAX_BODY,
      log_level: { default: 'warn', session: 'info', process: 'info' },
    },
  };
  const configFile = path.join(work, 'mcp_config.json');
  fs.writeFileSync(configFile, JSON.stringify(config, null, 2));
  report.config = config;
  const logFile = path.join(work, 'adapter.log');
  const adapter = await startAdapterProcess({
    configFile,
    env: { MCP_ADAPTER_SINGLE_INSTANCE: 'true', LOG_LEVEL: '' },
    logFile,
    name: 'fuzz',
  });
  onCleanup(() => adapter.stop(5000));
  port = adapter.port;
  log(`adapter ${adapter.url} (pid ${adapter.pid})`);

  const childrenOfAdapter = () => markedProcesses(runId).filter((c) => c.ppid === adapter.pid).length;
  const memory = { start: memoryOf(adapter.pid), samples: [] };
  healthy = await openSession('2025-11-25');
  if (!healthy) throw new Error('could not open the healthy session');

  const findings = new Map();
  const stats = {
    iterations: 0,
    byOp: {},
    statuses: {},
    healthy: { calls: 0, ok: 0, failed: 0 },
    checks: 0,
    healthNot200: 0,
    unanswered: 0,
  };
  const addFinding = (kind, iteration, op, detail, request) => {
    const signature = `${kind} | ${op} | ${normalise(detail)}`;
    const existing = findings.get(signature);
    if (existing) {
      existing.count++;
      if (existing.iterations.length < 10) existing.iterations.push(iteration);
      return;
    }
    findings.set(signature, {
      kind,
      op,
      detail: String(detail).slice(0, 600),
      firstIteration: iteration,
      firstAt: new Date().toISOString(),
      iterations: [iteration],
      count: 1,
      request: describe(request),
    });
    log(`FINDING ${kind} at iteration ${iteration} (${op}): ${String(detail).slice(0, 200)}`);
  };

  // ------------------------------------------------------------------------------------------
  // The run

  const loadStarted = Date.now();
  const deadline = loadStarted + options.durationLimit * 1000;
  const indices = options.only >= 0 ? [options.only] : Array.from({ length: options.iterations }, (_, i) => i);
  let cursor = 0;
  let adapterDied = false;
  const check = async (iteration) => {
    stats.checks++;
    if (adapter.child.info.exited) {
      if (!adapterDied)
        addFinding('crash', iteration, 'process', `adapter exited: ${JSON.stringify(adapter.child.info)}`, null);
      adapterDied = true;
      return;
    }
    let health = await getJson(`${adapter.url}/health`, 10_000);
    for (let retry = 0; retry < 5 && health.status === 503; retry++) {
      // A child that just exited (exit tool) leaves its session degraded for a moment.
      await sleep(300);
      health = await getJson(`${adapter.url}/health`, 10_000);
    }
    if (health.status !== 200) {
      stats.healthNot200++;
      addFinding(
        'health',
        iteration,
        'health',
        `GET /health → ${health.status} ${JSON.stringify(health.body ?? health.error).slice(0, 200)}`,
        { method: 'GET', path: '/health' },
      );
    }
    const mem = memoryOf(adapter.pid);
    if (mem) memory.samples.push({ iteration, rssKb: mem.rssKb });
  };
  const worker = async () => {
    while (cursor < indices.length && Date.now() < deadline && !adapterDied) {
      const iteration = indices[cursor++];
      stats.iterations++;
      if (options.only < 0 && iteration % options.healthyEvery === 0) await healthyCall(iteration, stats, addFinding);
      // Two streams: `rng` draws the request, `rng.s` which session it goes to, so that the
      // request of iteration i is the same whatever sessions exist (--only reproduces it).
      const rng = prng(mix(options.seed, iteration));
      rng.s = prng(mix(options.seed ^ 0x5bd1e995, iteration));
      const { op, run } = pickOp(rng);
      stats.byOp[op] ??= { count: 0, statuses: {} };
      const opStats = stats.byOp[op];
      opStats.count++;
      let outcome;
      try {
        outcome = await run(rng, iteration);
      } catch (error) {
        outcome = { error: `fuzz harness error: ${error?.stack ?? error}` };
      }
      judge(outcome, iteration, op, opStats, stats, addFinding);
      if (iteration % 50 === 49) await check(iteration);
      if (options.only < 0 && iteration % 500 === 499)
        log(
          `  ${stats.iterations}/${indices.length}, findings ${findings.size}, children ${childrenOfAdapter()}, RSS ${Math.round((memoryOf(adapter.pid)?.rssKb ?? 0) / 1024)} MB`,
        );
    }
  };
  await Promise.all(Array.from({ length: options.only >= 0 ? 1 : options.concurrency }, worker));
  await check(indices.at(-1));
  await healthyCall(-1, stats, addFinding);
  const loadMs = Date.now() - loadStarted;
  log(`done: ${stats.iterations} iterations in ${loadMs} ms, ${findings.size} distinct findings`);

  // ------------------------------------------------------------------------------------------
  // Leaks: children = live sessions; after DELETE of every known session, none.

  await sleep(REQUEST_TIMEOUT_SECONDS * 1000 + 500); // requests left hanging time out
  const end = {};
  if (!adapterDied) {
    const settled = await waitFor(
      async () => {
        const status = (await getJson(`${adapter.url}/status`)).body;
        return status?.servers?.[serverName]?.childrenAlive === childrenOfAdapter();
      },
      5000,
      250,
    );
    const status = (await getJson(`${adapter.url}/status`)).body;
    end.beforeDelete = { status, childrenOnHost: childrenOfAdapter(), consistent: settled };
    if (status?.servers?.[serverName]?.childrenAlive !== end.beforeDelete.childrenOnHost) {
      addFinding(
        'leak',
        -1,
        'end',
        `children on the host (${end.beforeDelete.childrenOnHost}) differ from the adapter's live sessions' children (${JSON.stringify(status?.servers?.[serverName])})`,
        null,
      );
    }
    let deleted = 0;
    for (const id of knownSessions) {
      const result = await send({ method: 'DELETE', path: endpointPath, headers: { 'mcp-session-id': id } });
      if (result.status === 200) deleted++;
    }
    const gone = await waitFor(() => childrenOfAdapter() === 0, 10_000, 250);
    const after = (await getJson(`${adapter.url}/status`)).body;
    end.afterDelete = {
      knownSessions: knownSessions.size,
      deleted,
      childrenOnHost: childrenOfAdapter(),
      status: after,
    };
    if (!gone || after?.sessions !== 0) {
      const leftovers = markedProcesses(runId).filter((c) => c.ppid === adapter.pid);
      const history = leftovers.slice(0, 3).map((c) => {
        const session = grepLog(logFile, (r) => r.pid === c.pid, 3).find((r) => r.session)?.session;
        return { pid: c.pid, session, log: session ? grepLog(logFile, (r) => r.session === session, 30) : [] };
      });
      addFinding(
        'leak',
        -1,
        'end',
        `after DELETE of all ${knownSessions.size} known sessions: ${childrenOfAdapter()} children, status ${JSON.stringify(after)}`,
        null,
      );
      end.afterDelete.leftovers = history;
    }
    memory.end = memoryOf(adapter.pid);
    end.adapterExit = await adapter.stop(30_000);
    if (end.adapterExit.killed || end.adapterExit.code !== 0)
      addFinding(
        'shutdown',
        -1,
        'end',
        `adapter did not exit cleanly on SIGTERM: ${JSON.stringify(end.adapterExit)}`,
        null,
      );
  } else {
    memory.end = undefined;
  }
  await sleep(500);
  end.childrenAfterExit = markedProcesses(runId).length;
  end.privateDirsLeft = privateDirs(serverName);
  if (end.childrenAfterExit > 0)
    addFinding('leak', -1, 'end', `${end.childrenAfterExit} fixture children alive after the adapter exited`, null);
  if (end.privateDirsLeft.length > 0)
    addFinding('leak', -1, 'end', `${end.privateDirsLeft.length} child private folders left in ${os.tmpdir()}`, null);

  // ------------------------------------------------------------------------------------------
  // Report

  const rss = memory.samples.map((s) => s.rssKb);
  const mb = (kb) => (kb === undefined ? null : Math.round(kb / 1024));
  report.results = {
    wallMs: Date.now() - started,
    loadMs,
    iterations: stats.iterations,
    byOp: stats.byOp,
    statuses: stats.statuses,
    healthy: stats.healthy,
    unanswered: stats.unanswered,
    checks: stats.checks,
    memory: {
      startRssMb: mb(memory.start?.rssKb),
      endRssMb: mb(memory.end?.rssKb),
      peakSampledRssMb: mb(Math.max(0, ...rss)),
      vmHwmMb: mb(memory.end?.hwmKb),
      samples: memory.samples
        .filter((_, i) => i % 10 === 0)
        .map((s) => ({ iteration: s.iteration, rssMb: mb(s.rssKb) })),
    },
    end,
    adapterLog: summariseLog(logFile, { samples: 10 }),
  };
  const growth = (memory.end?.rssKb ?? 0) - (memory.start?.rssKb ?? 0);
  if (memory.end && growth > 150 * 1024)
    addFinding(
      'memory',
      -1,
      'end',
      `RSS grew by ${mb(growth)} MB (start ${mb(memory.start.rssKb)} MB, end ${mb(memory.end.rssKb)} MB)`,
      null,
    );
  const logErrors = report.results.adapterLog.counts['error: request failed'] ?? 0;
  // Error-level log lines (each a 500, or an error the client never saw) grouped by their first line.
  const errorKinds = {};
  for (const record of grepLog(logFile, (r) => r.level === 'error', 100_000)) {
    const first = String(record.error ?? '').split('\n')[0];
    const where =
      String(record.error ?? '')
        .split('\n')
        .find((l) => /at .*\/(dist|src)\//.test(l))
        ?.trim() ?? '';
    const key = `${record.message}: ${first}${where ? ` (${where.replace(/^at /, '').replace(/file:\/\/\/.*?\/(dist|src)\//, '$1/')})` : ''}`;
    errorKinds[key] = (errorKinds[key] ?? 0) + 1;
  }
  report.results.adapterLogErrors = errorKinds;
  for (const [key, n] of Object.entries(errorKinds)) {
    if (/RangeError|TypeError: 'TRACE'/.test(key)) continue; // already findings with their requests
    addFinding('adapter log error', -1, 'log', `${key} ×${n}`, null);
  }
  report.findings = [...findings.values()].sort((a, b) => a.firstIteration - b.firstIteration);
  report.verdict = { ok: findings.size === 0, findings: findings.size, requestFailedInLog: logErrors };
  const base = `fuzz-${stamp(new Date(started))}${options.only >= 0 ? `-only-${options.only}` : ''}${options.skipOps ? `-without-${options.skipOps.replace(/,/g, '-')}` : ''}`;
  if (findings.size > 0 || options.keepLogs) {
    const saved = saveLog(logFile, `${base}-adapter.log`);
    if (saved) report.savedLog = path.relative(ROOT, saved);
  }
  const files = writeResults(base, report, markdown(report));
  log(`results: ${path.relative(ROOT, files.jsonFile)}, ${path.relative(ROOT, files.mdFile)}`);
  log(`verdict: ${report.verdict.ok ? 'PASS' : `FAIL (${findings.size} distinct findings)`}`);
  return report.verdict.ok ? 0 : 1;
}

// ---------------------------------------------------------------------------------------------
// Judging an outcome

function judge(outcome, iteration, op, opStats, stats, addFinding) {
  const key = outcome.skipped
    ? 'skipped'
    : outcome.status !== undefined
      ? String(outcome.status)
      : outcome.error
        ? outcome.expectClose
          ? 'closed (expected)'
          : 'no answer'
        : 'none';
  opStats.statuses[key] = (opStats.statuses[key] ?? 0) + 1;
  stats.statuses[key] = (stats.statuses[key] ?? 0) + 1;
  const request = outcome.request;
  if (outcome.skipped) return;
  if (outcome.error && /fuzz harness error/.test(outcome.error)) {
    addFinding('harness', iteration, op, outcome.error, request);
    return;
  }
  if (outcome.status === undefined) {
    if (!outcome.expectClose && !outcome.noResponseOk) {
      stats.unanswered++;
      addFinding('no answer', iteration, op, outcome.error ?? 'no response', request);
    }
    return;
  }
  if (!Number.isInteger(outcome.status) || outcome.status < 100 || outcome.status >= 600) {
    addFinding('malformed', iteration, op, `status ${outcome.status}`, request);
    return;
  }
  if (outcome.status >= 500 && ![502, 503, 504].includes(outcome.status)) {
    addFinding(
      `HTTP ${outcome.status}`,
      iteration,
      op,
      `${outcome.status} ${outcome.body?.slice(0, 300) ?? ''}`,
      request,
    );
  }
  if (outcome.malformed) addFinding('malformed', iteration, op, outcome.malformed, request);
  if (outcome.violation) addFinding('wrong behaviour', iteration, op, outcome.violation, request);
}

async function healthyCall(iteration, stats, addFinding) {
  stats.healthy.calls++;
  const text = `healthy:${iteration}:${randomBytes(4).toString('hex')}`;
  const body = JSON.stringify({
    jsonrpc: '2.0',
    id: `h-${iteration}`,
    method: 'tools/call',
    params: { name: 'echo', arguments: { text } },
  });
  const request = { method: 'POST', path: endpointPath, headers: mcpHeaders(healthy), body };
  const result = await send(request, 10_000);
  const parsed = parseAnswer(result);
  const got = parsed?.result?.content?.[0]?.text;
  if (result.status === 200 && got === text) {
    stats.healthy.ok++;
    return;
  }
  stats.healthy.failed++;
  addFinding(
    'healthy call failed',
    iteration,
    'healthy',
    `${result.status ?? result.error} ${(result.body ?? '').slice(0, 300)}`,
    request,
  );
  // Carry on with a new healthy session, so one failure does not hide the next.
  if (result.status === 404) healthy = (await openSession('2025-11-25')) ?? healthy;
}

// ---------------------------------------------------------------------------------------------
// Sending

function mcpHeaders(session, version = session?.version) {
  const headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
  if (session) headers['mcp-session-id'] = session.id;
  if (version) headers['mcp-protocol-version'] = version;
  return headers;
}

function initializeMessage(id, version) {
  return {
    jsonrpc: '2.0',
    id,
    method: 'initialize',
    params: { protocolVersion: version, capabilities: {}, clientInfo: { name: 'fuzz', version: '1.0.0' } },
  };
}

async function openSession(version) {
  const result = await send({
    method: 'POST',
    path: endpointPath,
    headers: mcpHeaders(undefined),
    body: JSON.stringify(initializeMessage(0, version)),
  });
  if (result.status !== 200 || !result.sessionId) return undefined;
  const session = { id: result.sessionId, version: PROTOCOLS.includes(version) ? version : '2025-11-25' };
  await send({
    method: 'POST',
    path: endpointPath,
    headers: mcpHeaders(session),
    body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }),
  });
  return session;
}

/**
 * One HTTP request with node:http (arbitrary method, path, duplicate headers as [name, value]
 * pairs). Reads the answer (SSE until it ends, at most `sseMs`), never longer than `timeoutMs`.
 */
function send(request, timeoutMs = options.requestTimeout * 1000, sseMs = 4000) {
  return new Promise((resolve) => {
    let done = false;
    const finish = (result) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve({ request, ...result });
    };
    let req;
    const timer = setTimeout(() => {
      finish({ error: `no answer within ${timeoutMs} ms` });
      req?.destroy();
    }, timeoutMs);
    try {
      const headers = Array.isArray(request.headers) ? request.headers.flat() : request.headers;
      req = http.request({
        host: '127.0.0.1',
        port,
        method: request.method,
        path: request.path,
        headers,
        agent: false,
        setHost: !hasHeader(request.headers, 'host'),
        insecureHTTPParser: true,
      });
    } catch (error) {
      // The request could not even be written (invalid header characters, ...): nothing was sent.
      finish({ error: `not sent: ${error.code ?? error.message}`, noResponseOk: true });
      return;
    }
    req.on('response', (res) => {
      const sessionId = res.headers['mcp-session-id'];
      if (typeof sessionId === 'string' && sessionId) knownSessions.add(sessionId);
      const chunks = [];
      let size = 0;
      const isSse = String(res.headers['content-type'] ?? '').startsWith('text/event-stream');
      const sseTimer = isSse ? setTimeout(() => res.destroy(), sseMs) : undefined;
      res.on('data', (chunk) => {
        size += chunk.length;
        if (size < 2 * 1024 * 1024) chunks.push(chunk);
      });
      const end = () => {
        clearTimeout(sseTimer);
        finish({
          status: res.statusCode,
          headers: res.headers,
          body: Buffer.concat(chunks).toString('utf8'),
          sessionId,
          isSse,
          complete: res.complete,
        });
      };
      res.on('end', end);
      res.on('close', end);
      res.on('error', () => {});
    });
    req.on('error', (error) => finish({ error: error.code ?? error.message }));
    if (request.body !== undefined) req.end(request.body);
    else req.end();
  });
}

function hasHeader(headers, name) {
  if (!headers) return false;
  const list = Array.isArray(headers) ? headers.map((h) => h[0]) : Object.keys(headers);
  return list.some((h) => h.toLowerCase() === name);
}

/** Raw bytes over a socket (for what node:http refuses to send). Reads whatever comes back. */
function sendRaw(bytes, { closeAfterMs = 1500, cutAfterWrite = false, request } = {}) {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    const chunks = [];
    let settled = false;
    const finish = () => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      const text = Buffer.concat(chunks).toString('latin1');
      if (!text) return resolve({ request, error: 'closed without an answer', expectClose: true });
      const match = /^HTTP\/1\.[01] (\d{3})(?: [^\r\n]*)?\r\n/.exec(text);
      if (!match)
        return resolve({
          request,
          status: -1,
          malformed: `not an HTTP response: ${JSON.stringify(text.slice(0, 120))}`,
          body: text,
        });
      const split = text.indexOf('\r\n\r\n');
      resolve({ request, status: Number(match[1]), body: split >= 0 ? text.slice(split + 4) : '' });
    };
    const timer = setTimeout(finish, closeAfterMs);
    socket.on('connect', () => {
      socket.write(bytes);
      if (cutAfterWrite) setTimeout(() => socket.destroy(), 50);
    });
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('close', finish);
    socket.on('error', () => {});
  });
}

/** The JSON-RPC answer of a response (JSON body, or the last SSE `data:` event). */
function parseAnswer(result) {
  if (!result.body) return undefined;
  try {
    if (result.isSse) {
      const data = result.body
        .split('\n')
        .filter((l) => l.startsWith('data: ') && l.length > 6)
        .map((l) => JSON.parse(l.slice(6)));
      return data.filter((m) => m.id !== undefined && ('result' in m || 'error' in m)).at(-1);
    }
    return JSON.parse(result.body);
  } catch {
    return undefined;
  }
}

/** Checks every answer: JSON bodies parse, JSON-RPC error bodies have the right shape. */
function wellFormed(result) {
  if (result.status === undefined) return result;
  const type = String(result.headers?.['content-type'] ?? '');
  if (type.startsWith('application/json') && result.body && result.complete !== false) {
    try {
      JSON.parse(result.body);
    } catch {
      return {
        ...result,
        malformed: `content-type application/json but the body does not parse: ${JSON.stringify(result.body.slice(0, 120))}`,
      };
    }
  }
  return result;
}

// ---------------------------------------------------------------------------------------------
// Generators

const FUZZ_VERSIONS = [...PROTOCOLS, '2026-07-28', '2025-01-01', '', 'latest', '2025-11-25 ', '9999-99-99'];
const METHODS = [
  'tools/call',
  'tools/list',
  'ping',
  'resources/list',
  'resources/read',
  'resources/templates/list',
  'prompts/list',
  'prompts/get',
  'logging/setLevel',
  'completion/complete',
  'initialize',
  'notifications/initialized',
  'notifications/cancelled',
  'notifications/progress',
  'notifications/roots/list_changed',
  'sampling/createMessage',
  'tasks/get',
];

function randomValue(rng, depth = 0) {
  switch (rng.int(0, depth > 2 ? 6 : 9)) {
    case 0:
      return null;
    case 1:
      return rng.chance(0.5);
    case 2:
      return rng.pick([0, -1, 1.5, 1e308, -0, 2 ** 53 + 1, 12345678901234567000, Number.MAX_SAFE_INTEGER]);
    case 3:
      return rng.pick(['', ' ', '\u0000', '\ud800', 'é', '😀', '%', '\n', 'a'.repeat(rng.int(1, 300))]);
    case 4:
      return randomString(rng, rng.int(0, 40));
    case 5:
      return rng.pick(['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty']);
    case 6:
      return rng.int(-1000, 1000);
    case 7:
      return Array.from({ length: rng.int(0, 4) }, () => randomValue(rng, depth + 1));
    default: {
      const object = {};
      for (let i = rng.int(0, 4); i > 0; i--) object[randomString(rng, rng.int(1, 10))] = randomValue(rng, depth + 1);
      return object;
    }
  }
}

function randomString(rng, length) {
  const alphabet = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-./:{}[]"\\ ,';
  let out = '';
  for (let i = 0; i < length; i++) out += alphabet[rng.int(0, alphabet.length - 1)];
  return out;
}

function validMessage(rng, id = uid()) {
  switch (rng.int(0, 9)) {
    case 0:
      return {
        jsonrpc: '2.0',
        id,
        method: 'tools/call',
        params: { name: 'echo', arguments: { text: randomString(rng, 20) } },
      };
    case 1:
      return { jsonrpc: '2.0', id, method: 'tools/list', params: {} };
    case 2:
      return { jsonrpc: '2.0', id, method: 'ping' };
    case 3:
      return { jsonrpc: '2.0', id, method: 'resources/read', params: { uri: 'fixture://hello' } };
    case 4:
      return { jsonrpc: '2.0', id, method: 'prompts/get', params: { name: 'greet', arguments: { name: 'x' } } };
    case 5:
      return {
        jsonrpc: '2.0',
        id,
        method: 'tools/call',
        params: {
          name: 'progress',
          arguments: { steps: rng.int(1, 5), delayMs: rng.int(0, 30) },
          _meta: { progressToken: rng.chance(0.5) ? `p${id}` : id },
        },
      };
    case 6:
      return { jsonrpc: '2.0', method: 'notifications/initialized' };
    case 7:
      return {
        jsonrpc: '2.0',
        method: 'notifications/cancelled',
        params: { requestId: rng.chance(0.5) ? rng.int(1, 100) : randomString(rng, 5), reason: 'fuzz' },
      };
    case 8:
      return { jsonrpc: '2.0', id, method: 'logging/setLevel', params: { level: rng.pick(['debug', 'info', 'nope']) } };
    default:
      return { jsonrpc: '2.0', id: rng.chance(0.5) ? `fx-${rng.int(1, 5)}` : rng.int(1, 5), result: randomValue(rng) }; // a "response" to a server request
  }
}

/** Removes, retypes or adds fields at a random place in a message. */
function mutateFields(rng, message) {
  const copy = JSON.parse(JSON.stringify(message));
  const times = rng.int(1, 3);
  for (let t = 0; t < times; t++) {
    const containers = [];
    const walk = (node, depth) => {
      if (node && typeof node === 'object' && depth < 6) {
        containers.push(node);
        for (const value of Object.values(node)) walk(value, depth + 1);
      }
    };
    walk(copy, 0);
    const target = rng.pick(containers);
    const keys = Object.keys(target);
    const action = rng.int(0, 3);
    if (action === 0 && keys.length) delete target[rng.pick(keys)];
    else if (action === 1 && keys.length) target[rng.pick(keys)] = randomValue(rng);
    else if (action === 2)
      target[
        rng.pick(['jsonrpc', 'id', 'method', 'params', 'result', 'error', '_meta', '__proto__', randomString(rng, 6)])
      ] = randomValue(rng);
    else if (Array.isArray(target)) target.push(randomValue(rng));
    else target[randomString(rng, 5)] = randomValue(rng);
  }
  return copy;
}

/** Byte-level corruption of a JSON text. */
function corrupt(rng, text) {
  let out = text;
  for (let t = rng.int(1, 4); t > 0; t--) {
    const at = rng.int(0, Math.max(0, out.length - 1));
    switch (rng.int(0, 6)) {
      case 0:
        out = out.slice(0, at) + out.slice(at + 1);
        break;
      case 1:
        out =
          out.slice(0, at) +
          rng.pick(['{', '}', '[', ']', '"', ',', ':', '\\', '\u0000', '\uffff', 'null', '1e999', '-', ' ']) +
          out.slice(at);
        break;
      case 2:
        out = out.slice(0, at);
        break;
      case 3:
        out = out.slice(0, at) + out.slice(at, at + rng.int(1, 20)).repeat(rng.int(2, 5)) + out.slice(at);
        break;
      case 4:
        out = out.replace(/"id":/, `"id":${rng.int(0, 9)},"id":`);
        break;
      case 5:
        out = `\ufeff${out}`;
        break;
      default:
        out = out.replace(/"(\w+)":/, '$1:');
    }
  }
  return out;
}

function deepNesting(rng) {
  const depth = rng.pick([10, 100, 1000, 3000, 4500, 6000, 10000, 50000, 200000]);
  const kind = rng.int(0, 2);
  const open = kind === 0 ? '[' : kind === 1 ? '{"a":' : '[{"b":';
  const close = kind === 0 ? ']' : kind === 1 ? '}' : '}]';
  const inner = `${open.repeat(depth)}1${close.repeat(depth)}`;
  const where = rng.int(0, 3);
  if (where === 0)
    return {
      depth,
      body: `{"jsonrpc":"2.0","id":${uid()},"method":"tools/call","params":{"name":"echo","arguments":{"text":"x","deep":${inner}}}}`,
    };
  if (where === 1)
    return {
      depth,
      body: `{"jsonrpc":"2.0","method":"notifications/progress","params":{"progressToken":1,"progress":1,"extra":${inner}}}`,
    };
  if (where === 2) return { depth, body: `{"jsonrpc":"2.0","id":1,"result":${inner}}` };
  return { depth, body: inner };
}

function sessionFor(rng, { allowHealthy = false } = {}) {
  if (allowHealthy && rng.chance(0.3)) return healthy;
  if (pool.length === 0 || rng.chance(0.05)) return undefined; // make one
  return pool[rng.int(0, pool.length - 1)];
}

async function ensurePoolSession(rng) {
  let session = sessionFor(rng);
  if (!session && pool.length < 6) {
    session = await openSession(rng.pick(PROTOCOLS));
    if (session) pool.push(session);
  }
  session ??= pool[0];
  if (!session) throw new NoSession();
  return session;
}

/** JSON-RPC ids unique across concurrent fuzz requests (a reused in-flight id is its own operation). */
let currentIteration = 0;
let uidCounter = 0;
function uid() {
  return currentIteration * 1000 + (uidCounter++ % 1000);
}

function dropFromPool(session) {
  const index = pool.indexOf(session);
  if (index >= 0) pool.splice(index, 1);
}

const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/**
 * The same id in another base64url spelling: the last character of the tag (16 bytes, 22
 * characters: 4 spare bits) or of the ciphertext changed only in bits the decoder ignores.
 */
export function alternateEncoding(id, rng) {
  const parts = id.split('.');
  const index = rng.chance(0.5) ? 4 : 3;
  const segment = parts[index];
  const spare = (6 * segment.length) % 8; // bits of the last character that carry no data
  if (!segment || spare === 0) return id;
  const last = B64URL.indexOf(segment.at(-1));
  const flipped = last ^ rng.int(1, 2 ** spare - 1);
  parts[index] = segment.slice(0, -1) + B64URL[flipped];
  return parts.join('.');
}

function mutateId(rng, id) {
  for (let attempt = 0; attempt < 10; attempt++) {
    const mutated = mutateIdOnce(rng, id);
    if (mutated !== id) return mutated;
  }
  return `${id}x`;
}

function mutateIdOnce(rng, id) {
  const chars = [...id];
  switch (rng.int(0, 7)) {
    case 7:
      return alternateEncoding(id, rng);
    case 0: {
      const at = rng.int(0, chars.length - 1);
      chars[at] = chars[at] === 'A' ? 'B' : 'A';
      return chars.join('');
    }
    case 1:
      return id.slice(0, rng.int(0, id.length - 1));
    case 2:
      return id + randomString(rng, rng.int(1, 10)).replace(/[^A-Za-z0-9_-]/g, 'x');
    case 3:
      return id.split('.').reverse().join('.');
    case 4:
      return id.replace(/\./g, rng.pick(['', '..', '-', '.']));
    case 5:
      return `${id}, ${id}`;
    default:
      return id.toLowerCase();
  }
}

function randomHeaders(rng, base) {
  const headers = Object.entries(base);
  const out = [];
  for (const [name, value] of headers) {
    const roll = rng.next();
    if (roll < 0.1) continue; // removed
    if (roll < 0.2) out.push([name, randomHeaderValue(rng)]);
    else if (roll < 0.27)
      out.push([name, value], [name, rng.chance(0.5) ? value : randomHeaderValue(rng)]); // duplicate
    else if (roll < 0.32) out.push([name.toUpperCase(), value]);
    else out.push([name, value]);
  }
  for (let i = rng.int(0, 3); i > 0; i--) {
    out.push(
      rng.pick([
        [
          'origin',
          rng.pick(['https://evil.example', 'null', 'http://127.0.0.1:1', 'http://localhost', randomHeaderValue(rng)]),
        ],
        ['host', rng.pick(['evil.example', 'localhost', '127.0.0.1:1', '[::1]', '', randomHeaderValue(rng)])],
        ['last-event-id', randomHeaderValue(rng)],
        ['mcp-protocol-version', rng.pick(FUZZ_VERSIONS)],
        ['authorization', `Bearer ${randomString(rng, 30).replace(/[^\w]/g, 'x')}`],
        ['x-forwarded-for', '1.2.3.4'],
        ['x-fuzz', 'x'.repeat(rng.pick([1, 100, 4000, 9000]))],
        ['content-encoding', rng.pick(['gzip', 'br', 'identity'])],
        ['expect', '100-continue'],
      ]),
    );
  }
  return out;
}

function randomHeaderValue(rng) {
  return rng.pick([
    '',
    ' ',
    '*/*',
    'application/json',
    'text/event-stream',
    'application/json, text/event-stream',
    'text/plain',
    'application/json; charset=utf-16',
    'application/jsonx',
    'APPLICATION/JSON',
    'application/json;',
    ';;;',
    'text/event-stream;q=0',
    'x'.repeat(rng.pick([1, 200, 3000])),
    randomString(rng, 20).replace(/[\\"]/g, ''),
  ]);
}

/** The operations and their weights. Each returns an outcome for `judge`. */
const OPS = [
  [
    'corrupt-json',
    10,
    async (rng) => {
      const session = await ensurePoolSession(rng.s);
      const body = corrupt(rng, JSON.stringify(validMessage(rng)));
      return wellFormed(
        await send({
          method: 'POST',
          path: endpointPath,
          headers: mcpHeaders(rng.s.chance(0.2) ? healthy : session),
          body,
        }),
      );
    },
  ],
  [
    'mutate-fields',
    12,
    async (rng) => {
      const session = await ensurePoolSession(rng.s);
      const message = mutateFields(rng, validMessage(rng));
      return wellFormed(
        await send({ method: 'POST', path: endpointPath, headers: mcpHeaders(session), body: JSON.stringify(message) }),
      );
    },
  ],
  [
    'huge-string',
    3,
    async (rng) => {
      const session = await ensurePoolSession(rng.s);
      const size = rng.pick([64 * 1024, 500 * 1024, MAX_BODY - 200, MAX_BODY + 10, 3 * MAX_BODY]);
      const where = rng.int(0, 2);
      const big = 'x'.repeat(size);
      const message =
        where === 0
          ? { jsonrpc: '2.0', id: uid(), method: 'tools/call', params: { name: 'echo', arguments: { text: big } } }
          : where === 1
            ? { jsonrpc: '2.0', id: uid(), method: big.slice(0, size) }
            : { jsonrpc: '2.0', id: big, method: 'ping' };
      const result = wellFormed(
        await send(
          { method: 'POST', path: endpointPath, headers: mcpHeaders(session), body: JSON.stringify(message) },
          20_000,
        ),
      );
      if (size > MAX_BODY && result.status !== undefined && result.status !== 413)
        result.violation = `a ${size}-byte body (over max_body_bytes ${MAX_BODY}) was answered ${result.status}, not 413`;
      return result;
    },
  ],
  [
    'huge-body',
    1,
    async (rng) => {
      // Far over max_body_bytes: must be refused (413) without the adapter holding it all.
      const session = await ensurePoolSession(rng.s);
      const size = rng.pick([5, 20, 40]) * 1024 * 1024;
      const body = Buffer.alloc(size, 0x20);
      body.write('{"jsonrpc":"2.0","id":1,"method":"ping","params":{"x":"', 0);
      const result = wellFormed(
        await send({ method: 'POST', path: endpointPath, headers: mcpHeaders(session), body }, 30_000),
      );
      result.request = { ...result.request, body: `<${size} bytes>` };
      if (result.status !== undefined && result.status !== 413)
        result.violation = `a ${size}-byte body was answered ${result.status}, not 413`;
      return result;
    },
  ],
  [
    'deep-nesting',
    4,
    async (rng) => {
      const session = await ensurePoolSession(rng.s);
      const { body, depth } = deepNesting(rng);
      const result = wellFormed(await send({ method: 'POST', path: endpointPath, headers: mcpHeaders(session), body }));
      result.note = `depth ${depth}`;
      return result;
    },
  ],
  [
    'random-method',
    8,
    async (rng) => {
      const session = await ensurePoolSession(rng.s);
      const method = rng.chance(0.6) ? rng.pick(METHODS) : randomString(rng, rng.int(0, 30));
      const message = rng.chance(0.7)
        ? {
            jsonrpc: '2.0',
            id: rng.chance(0.8) ? uid() : `${uid()}-${randomString(rng, 4)}`,
            method,
            params: randomValue(rng),
          }
        : { jsonrpc: '2.0', method, params: randomValue(rng) };
      if (message.params === null || typeof message.params !== 'object') delete message.params;
      return wellFormed(
        await send({ method: 'POST', path: endpointPath, headers: mcpHeaders(session), body: JSON.stringify(message) }),
      );
    },
  ],
  [
    'batch',
    5,
    async (rng) => {
      const session = await ensurePoolSession(rng.s);
      const n = rng.pick([0, 1, 2, 5, 20, 200]);
      const items = Array.from({ length: n }, (_, i) =>
        rng.chance(0.7) ? validMessage(rng, 1000 + i) : mutateFields(rng, validMessage(rng, 1000 + i)),
      );
      if (rng.chance(0.1)) items.push(initializeMessage(99, '2025-03-26'));
      return wellFormed(
        await send({ method: 'POST', path: endpointPath, headers: mcpHeaders(session), body: JSON.stringify(items) }),
      );
    },
  ],
  [
    'headers',
    10,
    async (rng) => {
      const session = rng.s.chance(0.3) ? healthy : await ensurePoolSession(rng.s);
      const method = rng.pick(['POST', 'POST', 'GET', 'DELETE']);
      const headers = randomHeaders(rng, mcpHeaders(session));
      const body =
        method === 'POST'
          ? JSON.stringify(
              rng.chance(0.5)
                ? { jsonrpc: '2.0', id: uid(), method: 'ping' }
                : { jsonrpc: '2.0', method: 'notifications/initialized' },
            )
          : undefined;
      if (method === 'DELETE' && session === healthy) return { status: 0, skipped: true }; // keep the healthy session
      const result = wellFormed(await send({ method, path: endpointPath, headers, body }, undefined, 300));
      if (method === 'DELETE' && result.status === 200) dropFromPool(session);
      return result;
    },
  ],
  [
    'session-id',
    8,
    async (rng) => {
      const real = rng.s.chance(0.5) ? healthy.id : (pool[0] ?? healthy).id;
      const id = rng.pick([
        () => mutateId(rng, real),
        () => randomString(rng, rng.int(0, 100)).replace(/[^\x21-\x7e]/g, 'x'),
        () => 'a.b.c.d.e',
        () => `${'A'.repeat(rng.pick([3000, 3073, 8000]))}.x.y.z.w`,
        () =>
          real.replace(
            /^[^.]+/,
            Buffer.from(JSON.stringify({ alg: 'dir', enc: 'A256GCM', kid: randomString(rng, 8) })).toString(
              'base64url',
            ),
          ),
        () => real.replace(/^[^.]+/, Buffer.from('{"alg":"none"').toString('base64url')),
      ])();
      const method = rng.pick(['POST', 'GET', 'DELETE']);
      const body = method === 'POST' ? JSON.stringify(validMessage(rng)) : undefined;
      const result = wellFormed(
        await send(
          {
            method,
            path: endpointPath,
            headers: { ...mcpHeaders(undefined, '2025-11-25'), 'mcp-session-id': id },
            body,
          },
          undefined,
          300,
        ),
      );
      if (result.status === 200 && id !== real && !id.startsWith(`${real},`))
        result.violation = `a mutated session id was accepted (${method})`;
      return result;
    },
  ],
  [
    'content-type-accept',
    6,
    async (rng) => {
      const session = await ensurePoolSession(rng.s);
      const headers = {
        ...mcpHeaders(session),
        'content-type': randomHeaderValue(rng),
        accept: randomHeaderValue(rng),
      };
      return wellFormed(
        await send({ method: 'POST', path: endpointPath, headers, body: JSON.stringify(validMessage(rng)) }),
      );
    },
  ],
  [
    'method-path',
    8,
    async (rng) => {
      const session = rng.s.chance(0.5) ? await ensurePoolSession(rng.s) : undefined;
      const method = rng.pick([
        'PUT',
        'PATCH',
        'HEAD',
        'OPTIONS',
        'TRACE',
        'PROPFIND',
        'FUZZ',
        'GET',
        'POST',
        'DELETE',
        'M-SEARCH',
        'SEARCH',
      ]);
      const path = rng.pick([
        '/mcp',
        endpointPath,
        `${endpointPath}/`,
        `${endpointPath}//`,
        '/mcp/',
        '//mcp',
        '/mcp/../health',
        '/MCP',
        '/mcp/nope',
        `/mcp/${encodeURIComponent(serverName)}`,
        '/mcp/%E0%A4%A',
        '/mcp/%00',
        '/mcp/a%2Fb',
        '/health?x=1',
        '/status',
        '/.well-known/oauth-protected-resource/mcp',
        '/.well-known/oauth-protected-resource/%zz',
        '/api/mcp',
        `/${'a'.repeat(rng.pick([10, 5000, 20000]))}`,
        '*',
        `/mcp?x=${'y'.repeat(100)}`,
        '/mcp#frag',
        `/mcp/${'%41'.repeat(200)}`,
      ]);
      const body = ['POST', 'PUT', 'PATCH', 'FUZZ'].includes(method) ? JSON.stringify(validMessage(rng)) : undefined;
      return wellFormed(await send({ method, path, headers: mcpHeaders(session), body }, undefined, 300));
    },
  ],
  [
    'chunked-cut',
    5,
    async (rng) => {
      const session = rng.s.chance(0.3) ? healthy : await ensurePoolSession(rng.s);
      const body = JSON.stringify(validMessage(rng));
      const cut = rng.int(0, body.length - 1);
      const variant = rng.int(0, 3);
      const head = `POST ${endpointPath} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\ncontent-type: application/json\r\naccept: application/json, text/event-stream\r\nmcp-session-id: ${session.id}\r\n`;
      const request = {
        method: 'POST',
        path: endpointPath,
        raw: `chunked-cut variant ${variant} at ${cut}/${body.length}`,
      };
      if (variant === 0)
        return sendRaw(
          `${head}transfer-encoding: chunked\r\n\r\n${body.length.toString(16)}\r\n${body.slice(0, cut)}`,
          { cutAfterWrite: true, request },
        );
      if (variant === 1)
        return sendRaw(`${head}content-length: ${body.length}\r\n\r\n${body.slice(0, cut)}`, {
          cutAfterWrite: true,
          request,
        });
      if (variant === 2)
        return sendRaw(`${head}transfer-encoding: chunked\r\n\r\n${body.length.toString(16)}\r\n${body}\r\n`, {
          closeAfterMs: 800,
          request: { ...request, raw: 'chunked without the final 0-chunk, connection held' },
        }).then((r) => ({ ...r, noResponseOk: true, expectClose: true }));
      return sendRaw(`${head}transfer-encoding: chunked\r\n\r\nzz\r\n${body}\r\n0\r\n\r\n`, {
        request: { ...request, raw: 'invalid chunk size' },
      });
    },
  ],
  [
    'raw-garbage',
    4,
    async (rng) => {
      const variant = rng.int(0, 6);
      const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' });
      const texts = [
        () => randomBytes(rng.int(1, 400)).toString('latin1'),
        () =>
          `POST ${endpointPath} HTTP/1.1\r\nHost: 127.0.0.1\r\ncontent-type: application/json\r\naccept: application/json, text/event-stream\r\ncontent-length: ${body.length}\r\ntransfer-encoding: chunked\r\n\r\n0\r\n\r\n`,
        () => `GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nx-bad: a\u0001b\r\n\r\n`,
        () =>
          `POST ${endpointPath} HTTP/1.1\r\nHost: 127.0.0.1\r\ncontent-type: application/json\r\naccept: application/json, text/event-stream\r\nmcp-session-id: ${healthy.id}\u00e9\r\ncontent-length: ${body.length}\r\n\r\n${body}`,
        () =>
          `GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\nGET /status HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\nGARBAGE\r\n\r\n`,
        () => `GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n${'x-h: y\r\n'.repeat(rng.pick([10, 200, 3000]))}\r\n`,
        () =>
          `POST ${endpointPath} HTTP/1.0\r\ncontent-type: application/json\r\naccept: application/json, text/event-stream\r\n\r\n${JSON.stringify(initializeMessage(1, '2025-11-25'))}`,
      ];
      const text = texts[variant]();
      const result = await sendRaw(text, { request: { raw: JSON.stringify(text.slice(0, 300)) } });
      return { ...result, expectClose: true };
    },
  ],
  [
    'last-event-id',
    5,
    async (rng) => {
      const session = rng.s.chance(0.5) ? healthy : await ensurePoolSession(rng.s);
      const value = rng.pick([
        '',
        'garbage',
        '.',
        '0',
        'a.b',
        'abc.-1',
        'abc.1e5',
        `${'a'.repeat(33)}.1`,
        'aaaaaaaa.999999999999',
        'aaaaaaaa.9999999999999',
        ' x.1 ',
        '../../etc.1',
        randomString(rng, 40).replace(/[^\x21-\x7e]/g, 'x'),
        'x'.repeat(4000),
      ]);
      return wellFormed(
        await send(
          {
            method: 'GET',
            path: endpointPath,
            headers: {
              accept: 'text/event-stream',
              'mcp-session-id': session.id,
              'mcp-protocol-version': session.version,
              'last-event-id': value,
            },
          },
          undefined,
          300,
        ),
      );
    },
  ],
  [
    'get-stream',
    4,
    async (rng) => {
      const session = await ensurePoolSession(rng.s);
      const headers = {
        accept: 'text/event-stream',
        'mcp-session-id': session.id,
        'mcp-protocol-version': session.version,
      };
      if (rng.chance(0.4)) {
        const [a, b] = await Promise.all([
          send({ method: 'GET', path: endpointPath, headers }, undefined, 400),
          send({ method: 'GET', path: endpointPath, headers }, undefined, 400),
        ]);
        const statuses = [a.status, b.status].sort();
        const result = wellFormed(a.status === 200 ? b : a);
        if (statuses[0] === 200 && statuses[1] === 200)
          result.violation = 'two GET streams of one session open at once (expected 409 for the second)';
        return result;
      }
      return wellFormed(await send({ method: 'GET', path: endpointPath, headers }, undefined, rng.int(50, 500)));
    },
  ],
  [
    'delete-reuse',
    2,
    async (rng) => {
      const session = pool.length > 0 ? pool[rng.s.int(0, pool.length - 1)] : undefined;
      if (!session) return ensurePoolSession(rng.s).then(() => ({ status: 0, skipped: true }));
      dropFromPool(session);
      const deleted = wellFormed(await send({ method: 'DELETE', path: endpointPath, headers: mcpHeaders(session) }));
      if (deleted.status !== 200) return deleted;
      const again = wellFormed(
        await send({
          method: 'POST',
          path: endpointPath,
          headers: mcpHeaders(session),
          body: JSON.stringify({ jsonrpc: '2.0', id: uid(), method: 'ping' }),
        }),
      );
      if (again.status !== 404) again.violation = `a DELETEd session answered ${again.status}, not 404`;
      return again;
    },
  ],
  [
    'tool-abuse',
    5,
    async (rng) => {
      const session = await ensurePoolSession(rng.s);
      const id = uid();
      const variant = rng.pick([
        'exit',
        'hang',
        'hang-cancel',
        'unknown',
        'progress-many',
        'sample',
        'log',
        'flood-args',
        'notify',
      ]);
      const call = (name, args, extra = {}) => ({
        jsonrpc: '2.0',
        id,
        method: 'tools/call',
        params: { name, arguments: args, ...extra },
      });
      let message;
      if (variant === 'exit') message = call('exit', { code: rng.pick([0, 1, 137]) });
      else if (variant === 'hang' || variant === 'hang-cancel') message = call('hang', {});
      else if (variant === 'unknown') message = call(randomString(rng, 10), randomValue(rng));
      else if (variant === 'progress-many')
        message = call('progress', { steps: rng.pick([50, 200]), delayMs: 0 }, { _meta: { progressToken: id } });
      else if (variant === 'sample') message = call('sample', { prompt: 'x' });
      else if (variant === 'log') message = call('log', { text: randomString(rng, 50) });
      else if (variant === 'notify') message = call('notify_list_changed', {});
      else message = call('echo', { text: randomString(rng, 10), extra: randomValue(rng) });
      const request = {
        method: 'POST',
        path: endpointPath,
        headers: mcpHeaders(session),
        body: JSON.stringify(message),
      };
      if (variant === 'hang-cancel') {
        const pending = send(request);
        await sleep(rng.int(10, 300));
        await send({
          method: 'POST',
          path: endpointPath,
          headers: mcpHeaders(session),
          body: JSON.stringify({
            jsonrpc: '2.0',
            method: 'notifications/cancelled',
            params: { requestId: id, reason: 'fuzz' },
          }),
        });
        return wellFormed(await pending);
      }
      const result = wellFormed(await send(request));
      if (variant === 'hang' && result.status === 200) {
        const answer = parseAnswer(result);
        // -32001 after the request timeout; -32000 when another request ended the session or crashed its child meanwhile.
        const endedMeanwhile =
          answer?.error?.code === -32000 && /Session ended|exited|not running/.test(answer.error.message);
        if (answer?.error?.code !== -32001 && !endedMeanwhile)
          result.violation = `hang did not end with -32001 after ${REQUEST_TIMEOUT_SECONDS} s: ${JSON.stringify(answer).slice(0, 200)}`;
      }
      return result;
    },
  ],
  [
    'duplicate-id',
    1,
    async (rng) => {
      // Two requests with one JSON-RPC id in flight at once on one session (a client bug): both must be answered.
      const session = await ensurePoolSession(rng.s);
      const id = uid();
      const slow = send(
        {
          method: 'POST',
          path: endpointPath,
          headers: mcpHeaders(session),
          body: JSON.stringify({
            jsonrpc: '2.0',
            id,
            method: 'tools/call',
            params: { name: 'progress', arguments: { steps: 2, delayMs: 200 } },
          }),
        },
        (REQUEST_TIMEOUT_SECONDS + 5) * 1000,
      );
      await sleep(50);
      const fast = await send(
        {
          method: 'POST',
          path: endpointPath,
          headers: mcpHeaders(session),
          body: JSON.stringify({ jsonrpc: '2.0', id, method: 'ping' }),
        },
        (REQUEST_TIMEOUT_SECONDS + 5) * 1000,
      );
      const first = await slow;
      if (first.status === undefined)
        return {
          ...first,
          error: `the first of two requests with JSON-RPC id ${id} was never answered (not even after request_timeout_seconds=${REQUEST_TIMEOUT_SECONDS}); the second got ${fast.status}`,
        };
      return wellFormed(first);
    },
  ],
  [
    'initialize-mutated',
    3,
    async (rng) => {
      const message = rng.chance(0.5)
        ? mutateFields(rng, initializeMessage(rng.int(1, 1000), rng.pick(FUZZ_VERSIONS)))
        : initializeMessage(rng.int(1, 1000), rng.pick(FUZZ_VERSIONS));
      if (rng.chance(0.2))
        message.params = {
          ...(message.params ?? {}),
          capabilities: { experimental: { big: 'x'.repeat(rng.pick([100, 5000, 50000])) } },
        };
      if (rng.chance(0.1))
        message.params = {
          ...(message.params ?? {}),
          clientInfo: { name: 'x'.repeat(rng.pick([100, 3000])), version: '1' },
        };
      const result = wellFormed(
        await send({
          method: 'POST',
          path: rng.chance(0.8) ? endpointPath : '/mcp',
          headers: mcpHeaders(undefined, rng.chance(0.5) ? undefined : rng.pick(FUZZ_VERSIONS)),
          body: JSON.stringify(message),
        }),
      );
      // Sessions made here are DELETEd at the end (their ids are remembered); keep the count bounded.
      if (result.sessionId && rng.chance(0.9))
        await send({ method: 'DELETE', path: endpointPath, headers: { 'mcp-session-id': result.sessionId } });
      return result;
    },
  ],
];

/** Harness: fuzz ops never fall back to the healthy session; without a pool session (all at the cap) they are skipped. */
for (const entry of OPS) {
  const run = entry[2];
  entry[2] = async (rng, iteration) => {
    currentIteration = iteration;
    try {
      return await run(rng, iteration);
    } catch (error) {
      if (error instanceof NoSession) return { skipped: true };
      throw error;
    }
  };
}
class NoSession extends Error {}

for (const name of options.skipOps
  .split(',')
  .map((n) => n.trim())
  .filter(Boolean)) {
  const index = OPS.findIndex(([op]) => op === name);
  if (index < 0) {
    console.error(`unknown operation ${name}; known: ${OPS.map(([op]) => op).join(', ')}`);
    process.exit(2);
  }
  OPS.splice(index, 1);
}

const TOTAL_WEIGHT = OPS.reduce((sum, [, weight]) => sum + weight, 0);
function pickOp(rng) {
  let roll = rng.next() * TOTAL_WEIGHT;
  for (const [op, weight, run] of OPS) {
    roll -= weight;
    if (roll < 0) return { op, run };
  }
  const [op, , run] = OPS.at(-1);
  return { op, run };
}

/** A 32-bit seed per iteration from (seed, iteration). */
function mix(seed, iteration) {
  let h = (seed ^ 0x9e3779b9) >>> 0;
  h = Math.imul(h ^ iteration, 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

// ---------------------------------------------------------------------------------------------
// Reporting

function describe(request) {
  if (!request) return null;
  const body = request.body === undefined ? undefined : String(request.body);
  return {
    method: request.method,
    path:
      request.path && request.path.length > 200
        ? `${request.path.slice(0, 200)}… (${request.path.length} chars)`
        : request.path,
    headers: request.headers
      ? (Array.isArray(request.headers) ? request.headers : Object.entries(request.headers)).map(([k, v]) => [
          k,
          String(v).length > 200 ? `${String(v).slice(0, 120)}… (${String(v).length} chars)` : v,
        ])
      : undefined,
    body: body === undefined ? undefined : body.length > 400 ? `${body.slice(0, 300)}… (${body.length} chars)` : body,
    raw: request.raw,
  };
}

function normalise(text) {
  return String(text)
    .replace(/"id":\s*("[^"]*"|\d+)/g, '"id":N')
    .replace(/[A-Za-z0-9_-]{20,}(\.[A-Za-z0-9_-]*){4}/g, '<session-id>')
    .replace(/\d+/g, 'N')
    .slice(0, 160);
}

function log(message) {
  process.stderr.write(`[fuzz ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

function markdown(report) {
  const r = report.results;
  const lines = [];
  lines.push(`# Fuzz run ${report.startedAt}`, '');
  lines.push(
    `One adapter process (node fixture, \`request_timeout_seconds: ${REQUEST_TIMEOUT_SECONDS}\`, \`max_body_bytes: ${MAX_BODY}\`, 16 sessions at most), ${r.iterations} iterations, seed ${report.options.seed}, concurrency ${report.options.concurrency}. Node ${report.node}. Reproduce one iteration: \`npm run fuzz -- --seed ${report.options.seed} --only <iteration>\`.`,
    '',
  );
  lines.push(`**Verdict: ${report.verdict.ok ? 'PASS' : `FAIL, ${report.verdict.findings} distinct findings`}**`, '');
  lines.push(
    mdTable(
      [
        ['healthy calls ok / failed', `${r.healthy.ok} / ${r.healthy.failed}`],
        ['unanswered requests', r.unanswered],
        ['health checks', r.checks],
        [
          'RSS start / end / peak sampled / VmHWM (MB)',
          `${r.memory.startRssMb} / ${r.memory.endRssMb} / ${r.memory.peakSampledRssMb} / ${r.memory.vmHwmMb}`,
        ],
        [
          'children = live sessions before DELETE',
          r.end.beforeDelete
            ? `${r.end.beforeDelete.childrenOnHost} on the host, ${JSON.stringify(r.end.beforeDelete.status?.servers)} by /status`
            : 'n/a',
        ],
        [
          'after DELETE of every known session',
          r.end.afterDelete
            ? `${r.end.afterDelete.deleted}/${r.end.afterDelete.knownSessions} deleted, ${r.end.afterDelete.childrenOnHost} children left, /status ${JSON.stringify(r.end.afterDelete.status)}`
            : 'n/a',
        ],
        [
          'after SIGTERM',
          `exit ${JSON.stringify(r.end.adapterExit)}, children left ${r.end.childrenAfterExit}, private folders left ${r.end.privateDirsLeft.length}`,
        ],
        ['"request failed" (500) lines in the adapter log', report.verdict.requestFailedInLog],
        ['wall time', `${(r.wallMs / 1000).toFixed(1)} s (fuzzing ${(r.loadMs / 1000).toFixed(1)} s)`],
      ],
      ['', ''],
    ),
  );
  lines.push('', '## Findings', '');
  if (report.findings.length === 0) lines.push('none');
  for (const f of report.findings) {
    lines.push(
      `### ${f.kind}: ${f.op} (×${f.count}; first at iteration ${f.firstIteration}; iterations ${f.iterations.join(', ')})`,
      '',
      '```',
      f.detail,
      '```',
    );
    if (f.request) lines.push('', 'Request:', '', '```json', JSON.stringify(f.request, null, 2).slice(0, 2000), '```');
    lines.push('');
  }
  lines.push(
    '## Error-level lines in the adapter log',
    '',
    Object.keys(r.adapterLogErrors ?? {}).length
      ? mdTable(
          Object.entries(r.adapterLogErrors).map(([k, v]) => [k, v]),
          ['message: error (where)', 'count'],
        )
      : 'none',
    '',
  );
  lines.push(
    '## Answers by operation',
    '',
    mdTable(
      Object.entries(r.byOp).map(([op, s]) => [
        op,
        s.count,
        Object.entries(s.statuses)
          .sort()
          .map(([k, v]) => `${k}: ${v}`)
          .join(', '),
      ]),
      ['operation', 'count', 'statuses'],
    ),
    '',
  );
  lines.push(
    '## Adapter log (level: message → count)',
    '',
    mdTable(
      Object.entries(r.adapterLog.counts)
        .slice(0, 25)
        .map(([k, v]) => [k, v]),
      ['message', 'count'],
    ),
    '',
  );
  if (r.adapterLog.errorSamples.length) {
    lines.push('Error samples:', '', '```');
    for (const e of r.adapterLog.errorSamples.slice(0, 5)) lines.push(JSON.stringify(e).slice(0, 700));
    lines.push('```', '');
  }
  if (report.savedLog) lines.push(`Adapter log: ${report.savedLog}`, '');
  return `${lines.join('\n')}\n`;
}

runMain(main, (options.durationLimit + 120) * 1000);
