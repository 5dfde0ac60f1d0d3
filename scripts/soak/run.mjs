#!/usr/bin/env node
// Soak test: two adapter processes sharing sealed session ids (MCP_ADAPTER_SESSION_KEY) and the
// ended-session store (Azurite's Table service), behind a round-robin proxy, with a short
// stream limit so SSE streams get cut, while a chaos loop SIGKILLs random fixture children.
//
//   npm run soak -- --sessions 100 --calls 10000 --duration-limit 600
//
// Each of `--sessions` MCP SDK v2 clients (Client + StreamableHTTPClientTransport, pointed at
// the proxy) makes calls until `--calls` have been made in all: `echo` with a unique payload,
// and a share of `progress` calls (a few steps; a smaller share longer than the stream limit,
// whose SSE response is cut and must be resumed). A call that fails because its child was
// killed is retried once. Checks: every call answered exactly once with its own payload, the
// progress notifications arrive, no fixture child outlives the adapters, peak RSS.
// Results: bench/results/soak-<date>.json and .md.
//
// `--stateful`: the stateful app of docs/scale-out-decision.md. Both adapters run with
// MCP_ADAPTER_APP_ROLE=stateful and one serving lease in Azurite: only the holder runs children,
// the other answers 503 + Retry-After (the clients wait min(Retry-After, 1 s) and send again).
// A share of calls are `count` calls, whose answers ({pid, n}) must show one counter per session
// (split brain fails the run). At half the calls the lease holder leaves (`--leave kill`: SIGKILL,
// or `drain`: SIGTERM); the proxy routes around the instance that is gone, and the run measures the
// failover. Children are sampled across both instances against the open sessions.
// Results: bench/results/soak-<date>-stateful.json and .md.
//
// Loopback only; every loop is bounded in count and time; everything started is killed at the
// end (also on error, Ctrl-C or the global deadline: --duration-limit + 300 s).

import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  FIXTURE,
  ROOT,
  build,
  cpuMsOf,
  getJson,
  freePort,
  grepLog,
  markedProcesses,
  mdTable,
  memoryOf,
  onCleanup,
  parseOptions,
  privateDirs,
  prng,
  processesWithCmdline,
  runMain,
  saveLog,
  stamp,
  startAdapterProcess,
  startAzurite,
  summariseLog,
  trackDir,
  trackMarker,
  trackServerName,
  waitFor,
  writeResults,
} from './lib.mjs';
import { startRoundRobinProxy } from './proxy.mjs';
import {
  ChildrenWatch,
  CounterLedger,
  honouringFetch,
  newRefusals,
  statefulMarkdown,
  statefulProblems,
} from './stateful.mjs';

const USAGE = `usage: node scripts/soak/run.mjs [options]
  --sessions N              concurrent MCP sessions (default 100)
  --calls N                 tool calls in all (default 10000)
  --duration-limit S        stop issuing calls after S seconds of load (default 600)
  --progress-ratio R        share of calls that are progress calls (default 0.2)
  --progress-steps N        steps of a (short) progress call (default 4)
  --progress-delay-ms N     delay between steps (default 100): a call keeps its child busy that long,
                            so chaos kills hit calls in flight
  --long-progress-ratio R   share of progress calls longer than the stream limit (default 0.01)
  --stream-limit S          adapter.stream_limit_seconds (default 2)
  --chaos-min-ms N          shortest pause between child kills (default 150)
  --chaos-max-ms N          longest pause between child kills (default 900)
  --no-chaos                no child kills
  --store-pause S           SIGSTOP Azurite for S seconds once a third of the calls are done (default 0: never)
  --store-kill              SIGKILL Azurite once a third of the calls are done (the store is gone for good)
  --call-timeout S          client-side timeout of one call attempt (default 30)
  --seed N                  workload PRNG seed (default: time based)
  --no-build                skip npm run build
  --log-level L             adapters' log level (default: warn, with session and process at info)
  --keep-logs               save the adapters' logs (gzipped) next to the results even on PASS
 stateful app (docs/scale-out-decision.md):
  --stateful                both adapters with MCP_ADAPTER_APP_ROLE=stateful sharing a serving lease
  --lease-ms N              MCP_ADAPTER_LEASE_MS of the run (default 6000; production default 20000)
  --lease-skew-ms N         MCP_ADAPTER_LEASE_SKEW_MS of the run (default 2000; production default 5000)
  --leave kill|drain        how the lease holder leaves at half the calls: SIGKILL (default) or SIGTERM
  --count-ratio R           share of calls that are count calls (default 0.2)
  --refusal-attempts N      most sends of one request refused with 503 + Retry-After (default 40)`;

const options = parseOptions(
  process.argv.slice(2),
  {
    sessions: 100,
    calls: 10000,
    durationLimit: 600,
    progressRatio: 0.2,
    progressSteps: 4,
    progressDelayMs: 100,
    storePause: 0,
    storeKill: false,
    longProgressRatio: 0.01,
    streamLimit: 2,
    chaosMinMs: 150,
    chaosMaxMs: 900,
    noChaos: false,
    callTimeout: 30,
    seed: Date.now() % 1_000_000,
    noBuild: false,
    logLevel: '',
    keepLogs: false,
    stateful: false,
    leaseMs: 6000,
    leaseSkewMs: 2000,
    leave: 'kill',
    countRatio: 0.2,
    refusalAttempts: 40,
  },
  USAGE,
);
if (!['kill', 'drain'].includes(options.leave)) {
  console.error(`--leave must be kill or drain, got "${options.leave}"\n${USAGE}`);
  process.exit(2);
}
if (options.stateful && options.progressRatio + options.countRatio > 1) {
  console.error('--progress-ratio and --count-ratio add up to more than 1');
  process.exit(2);
}

/** The stateful run's bookkeeping (module level: the calls below record into it). */
const refusals = newRefusals();
const ledger = new CounterLedger();
const leave = {
  /** Epoch ms of the leave (null before). */
  at: null,
  /** The instance that stays (its name: A or B). */
  survivor: null,
  /** The failover: the first call answered by the survivor (its tools/call POST: 200) completed then. */
  firstServedAt: null,
  /** The first successful call issued after the leave completed then. */
  firstIssuedOkAt: null,
  /** The other instance held the lease then (by its /status). */
  takeoverAt: null,
  /** Attempts that fail and started before this (or while it is unknown) were cut by the leave. */
  settledAt: null,
};

const SHORT_PROGRESS = { steps: options.progressSteps, delayMs: options.progressDelayMs };
// Longer than the stream limit: the POST's SSE response is cut and must be resumed (GET + Last-Event-ID).
// The SSE response starts with the first notification (one delay in) and is cut `streamLimit` later:
// 4 steps of 0.6 × the limit end 1.4 limits after it started, so the response comes after the cut.
const LONG_PROGRESS = { steps: 4, delayMs: Math.round(options.streamLimit * 1000 * 0.6) };

async function main() {
  const started = Date.now();
  const runId = randomBytes(4).toString('hex');
  const serverName = `soak-${runId}`;
  const rng = prng(options.seed);
  const report = {
    kind: 'soak',
    mode: options.stateful ? 'stateful' : 'default',
    startedAt: new Date(started).toISOString(),
    runId,
    options,
    node: process.version,
    host: { cpus: os.cpus().length, memoryMb: Math.round(os.totalmem() / 2 ** 20) },
  };
  log(
    `soak ${runId}: ${options.sessions} sessions, ${options.calls} calls, seed ${options.seed}${options.stateful ? `; stateful app, lease ${options.leaseMs} ms / skew ${options.leaseSkewMs} ms, leave: ${options.leave}` : ''}`,
  );

  if (!options.noBuild) {
    log('building (npm run build)');
    report.buildMs = build();
  }

  const work = trackDir(fs.mkdtempSync(path.join(os.tmpdir(), `soak-${runId}-`)));
  const logDir = path.join(work, 'logs');
  fs.mkdirSync(logDir);
  trackMarker(runId);
  trackServerName(serverName);

  log('starting Azurite (Table service)');
  const azurite = await startAzurite();
  onCleanup(() => azurite.stop());

  const cap = options.sessions * 2 + 20;
  // Clients reach the adapters through the proxy, which forwards their Host header (as Azure's
  // front end forwards the site's name): the adapters allow that host, as a deployment allows
  // its site names. Its port is chosen before the adapters start.
  const proxyPort = await freePort();
  const config = {
    mcpServers: {
      [serverName]: {
        command: process.execPath,
        args: [FIXTURE],
        env: { MCP_SOAK_MARKER: runId },
        restart_on_failure: true,
        max_restarts: 1000,
        sessions: { max_concurrent: cap, max_per_principal: cap },
      },
    },
    adapter: {
      allowed_hosts: [`127.0.0.1:${proxyPort}`],
      max_sessions: cap,
      stream_limit_seconds: options.streamLimit,
      // Stateful: the lease's own lines (acquired, released: info) are part of the story.
      log_level:
        options.logLevel ||
        (options.stateful
          ? { default: 'info', http: 'warn', session: 'info', process: 'info' }
          : { default: 'warn', session: 'info', process: 'info' }),
    },
  };
  const configFile = path.join(work, 'mcp_config.json');
  fs.writeFileSync(configFile, JSON.stringify(config, null, 2));
  report.config = config;

  const sharedEnv = {
    MCP_ADAPTER_SESSION_KEY: randomBytes(32).toString('base64url'),
    MCP_ADAPTER_STORE_CONNECTION_STRING: azurite.connectionString,
    LOG_LEVEL: '',
    ...(options.stateful && {
      MCP_ADAPTER_APP_ROLE: 'stateful',
      // Names the lease row: one per run.
      WEBSITE_SITE_NAME: serverName,
      MCP_ADAPTER_LEASE_MS: String(options.leaseMs),
      MCP_ADAPTER_LEASE_SKEW_MS: String(options.leaseSkewMs),
    }),
  };
  log(`starting two adapters${options.stateful ? ' (stateful role, one serving lease)' : ''}`);
  const adapters = await Promise.all(
    ['A', 'B'].map((name) =>
      startAdapterProcess({ configFile, env: sharedEnv, logFile: path.join(logDir, `adapter-${name}.log`), name }),
    ),
  );
  onCleanup(async () => {
    for (const adapter of adapters) await adapter.stop(5000);
  });
  const adapterPids = new Map(adapters.map((a) => [a.pid, a.name]));
  const proxy = await startRoundRobinProxy(
    adapters.map((a) => ({ host: '127.0.0.1', port: a.port })),
    proxyPort,
    { failover: options.stateful },
  );
  onCleanup(() => proxy.close());
  const endpoint = new URL(`/mcp/${serverName}`, proxy.url);
  log(`adapters ${adapters.map((a) => `${a.name}=${a.url} (pid ${a.pid})`).join(', ')}; proxy ${proxy.url}`);

  // Stateful: exactly one instance holds the serving lease before the sessions open.
  const left = new Set();
  const childrenWatch = options.stateful ? new ChildrenWatch(adapters, markedProcesses, runId) : undefined;
  /** While set (during the load), children samples are checked against this many open sessions. */
  let checkSessions;
  if (options.stateful) {
    report.stateful = {};
    const holders = async () =>
      (await Promise.all(adapters.map(async (a) => [a.name, (await getJson(`${a.url}/status`)).body?.serving])))
        .filter(([, serving]) => serving?.lease?.held)
        .map(([name, serving]) => ({ name, token: serving.lease.token }));
    await waitFor(async () => (await holders()).length >= 1, 20_000, 200);
    await sleep(500);
    const found = await holders();
    report.stateful.initialHolders = found.length;
    report.stateful.initialHolder = found[0]?.name;
    report.stateful.initialToken = found[0]?.token;
    report.stateful.statusAtStart = Object.fromEntries(
      await Promise.all(adapters.map(async (a) => [a.name, (await getJson(`${a.url}/status`)).body?.serving])),
    );
    log(`lease holder: ${found.map((h) => `${h.name} (token ${h.token})`).join(', ') || 'none'}`);
  }

  // ------------------------------------------------------------------------------------------
  // Monitoring: RSS and children per adapter, every second (bounded by the run).

  const peaks = Object.fromEntries(
    adapters.map((a) => [a.name, { rssKb: 0, children: 0, cpuPercent: 0, healthMs: 0, healthFailures: 0 }]),
  );
  const loop = { maxLagMs: 0, maxScanMs: 0, maxLoadAvg: 0 };
  const healthProbe = async (a) => {
    // An instance that left (stateful run) is not probed: the proxy routes around it.
    if (left.has(a.name)) return { status: null, ms: null };
    const t0 = Date.now();
    const { status } = await getJson(`${a.url}/health`, 10_000);
    const ms = Date.now() - t0;
    peaks[a.name].healthMs = Math.max(peaks[a.name].healthMs, ms);
    if (status !== 200) peaks[a.name].healthFailures++;
    return { status, ms };
  };
  const timeline = [];
  let monitorStop = false;
  const childrenByAdapter = () => {
    const counts = Object.fromEntries(adapters.map((a) => [a.name, 0]));
    for (const child of markedProcesses(runId)) {
      const owner = adapterPids.get(child.ppid);
      if (owner) counts[owner]++;
    }
    return counts;
  };
  const stats = newStats();
  const monitor = (async () => {
    let tick = 0;
    let last = Date.now();
    const cpuLast = Object.fromEntries(adapters.map((a) => [a.name, cpuMsOf(a.pid) ?? 0]));
    while (!monitorStop && tick < 24 * 3600) {
      tick++;
      const now = Date.now();
      const elapsed = now - last;
      loop.maxLagMs = Math.max(loop.maxLagMs, elapsed - 1000);
      last = now;
      const scanStart = Date.now();
      const children = childrenByAdapter();
      loop.maxScanMs = Math.max(loop.maxScanMs, Date.now() - scanStart);
      const loadAvg = os.loadavg()[0];
      loop.maxLoadAvg = Math.max(loop.maxLoadAvg, loadAvg);
      const sample = {
        t: Math.round((now - started) / 1000),
        done: stats.completed,
        inFlight: stats.inFlight,
        lagMs: tick > 1 ? elapsed - 1000 : 0,
        load1: Math.round(loadAvg * 10) / 10,
      };
      if (childrenWatch) sample.children = childrenWatch.sample(checkSessions).total;
      const health = await Promise.all(adapters.map(healthProbe));
      adapters.forEach((a, i) => {
        // An adapter that left (stateful run) is a zombie until reaped: no memory to read.
        const mem = left.has(a.name) ? undefined : memoryOf(a.pid);
        const cpu = left.has(a.name) ? undefined : cpuMsOf(a.pid);
        const cpuPercent = cpu !== undefined && tick > 1 ? Math.round(((cpu - cpuLast[a.name]) / elapsed) * 100) : 0;
        if (cpu !== undefined) cpuLast[a.name] = cpu;
        if (mem) peaks[a.name].rssKb = Math.max(peaks[a.name].rssKb, mem.rssKb);
        peaks[a.name].children = Math.max(peaks[a.name].children, children[a.name]);
        peaks[a.name].cpuPercent = Math.max(peaks[a.name].cpuPercent, cpuPercent);
        sample[a.name] = {
          rssMb: mem ? Math.round(mem.rssKb / 1024) : null,
          children: children[a.name],
          cpu: cpuPercent,
          healthMs: health[i].ms,
          health: health[i].status,
        };
      });
      if (tick % 5 === 1 || sample.lagMs > 1000) timeline.push(sample);
      await sleep(Math.max(0, 1000 - (Date.now() - now)));
    }
  })();

  // ------------------------------------------------------------------------------------------
  // Sessions

  const { Client, StreamableHTTPClientTransport } = await import('@modelcontextprotocol/client');
  const sessions = [];
  const connectErrors = {};
  const connectOne = async (index) => {
    for (let attempt = 1; attempt <= 2; attempt++) {
      const client = new Client({ name: `soak-client-${index}`, version: '1.0.0' }, { capabilities: {} });
      const session = { index, client, transport: undefined, responsesById: new Map(), http: [] };
      const transport = new StreamableHTTPClientTransport(endpoint, {
        fetch: options.stateful
          ? honouringFetch(recordingFetch(session), refusals, { maxAttempts: options.refusalAttempts })
          : recordingFetch(session),
      });
      session.transport = transport;
      client.onerror = (error) => count(stats.transportErrors, normalise(error));
      try {
        await client.connect(transport, { timeout: options.callTimeout * 1000 });
        observeWire(session, stats);
        return session;
      } catch (error) {
        count(connectErrors, normalise(error));
        await client.close().catch(() => {});
      }
    }
    return undefined;
  };
  log(`connecting ${options.sessions} sessions`);
  const connectStarted = Date.now();
  for (let i = 0; i < options.sessions; i += 10) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(10, options.sessions - i) }, (_, k) => connectOne(i + k)),
    );
    for (const s of batch) if (s) sessions.push(s);
  }
  report.connect = {
    sessions: sessions.length,
    failed: options.sessions - sessions.length,
    errors: connectErrors,
    ms: Date.now() - connectStarted,
  };
  log(
    `connected ${sessions.length}/${options.sessions} in ${report.connect.ms} ms; children ${JSON.stringify(childrenByAdapter())}`,
  );
  onCleanup(async () => {
    await Promise.all(sessions.map((s) => s.client.close().catch(() => {})));
  });

  // ------------------------------------------------------------------------------------------
  // Chaos: SIGKILL a random fixture child of either adapter at random intervals.

  const chaos = { kills: 0, byAdapter: Object.fromEntries(adapters.map((a) => [a.name, 0])), emptyScans: 0 };
  let chaosStop = false;
  const maxKills = Math.max(10, Math.ceil(options.calls / 10));
  const chaosLoop = (async () => {
    if (options.noChaos) return;
    while (!chaosStop && chaos.kills < maxKills) {
      await sleep(rng.int(options.chaosMinMs, options.chaosMaxMs));
      if (chaosStop) break;
      const candidates = markedProcesses(runId).filter((c) => adapterPids.has(c.ppid));
      if (candidates.length === 0) {
        chaos.emptyScans++;
        continue;
      }
      const victim = rng.pick(candidates);
      try {
        process.kill(victim.pid, 'SIGKILL');
        chaos.kills++;
        chaos.byAdapter[adapterPids.get(victim.ppid)]++;
      } catch {
        /* it exited meanwhile */
      }
    }
  })();

  // ------------------------------------------------------------------------------------------
  // Load

  const loadStarted = Date.now();
  const loadDeadline = loadStarted + options.durationLimit * 1000;
  let next = 0;
  const kinds = [];
  const worker = async (session) => {
    while (next < options.calls && Date.now() < loadDeadline) {
      const index = next++;
      const roll = rng.next();
      const kind =
        roll < options.progressRatio * options.longProgressRatio
          ? 'long-progress'
          : roll < options.progressRatio
            ? 'progress'
            : options.stateful && roll < options.progressRatio + options.countRatio
              ? 'count'
              : 'echo';
      kinds[index] = kind;
      await logicalCall(session, index, kind, runId, stats);
    }
  };
  // Store faults: the shared store stops answering (SIGSTOP) for a while, or goes away (SIGKILL).
  report.storeFault = null;
  const storeFault = (async () => {
    if (!options.storePause && !options.storeKill) return;
    const waitUntil = Date.now() + options.durationLimit * 1000;
    while (stats.completed < options.calls / 3 && Date.now() < waitUntil && next < options.calls) await sleep(100);
    if (stats.completed >= options.calls) return;
    const fault = {
      type: options.storeKill ? 'kill' : 'pause',
      at: new Date().toISOString(),
      atCall: stats.completed,
      errorsBefore: stats.failedCalls,
    };
    report.storeFault = fault;
    if (options.storeKill) {
      process.kill(azurite.pid, 'SIGKILL');
      log(`store fault: Azurite killed at call ${fault.atCall}`);
      return;
    }
    process.kill(azurite.pid, 'SIGSTOP');
    log(`store fault: Azurite stopped (SIGSTOP) for ${options.storePause} s at call ${fault.atCall}`);
    await sleep(options.storePause * 1000);
    process.kill(azurite.pid, 'SIGCONT');
    fault.resumedAt = new Date().toISOString();
    fault.callsDuringPause = stats.completed - fault.atCall;
    fault.errorsDuringPause = stats.failedCalls - fault.errorsBefore;
    log(
      `store fault: Azurite resumed; ${fault.callsDuringPause} calls completed meanwhile, ${fault.errorsDuringPause} failed`,
    );
  })();
  onCleanup(() => {
    try {
      process.kill(azurite.pid, 'SIGCONT');
    } catch {
      /* gone */
    }
  });
  // Stateful: at half the calls the lease holder leaves (SIGKILL, or SIGTERM: drain). Then, every
  // 250 ms until the failover is over: children samples, and whether the other instance holds the lease.
  const leaveTask = (async () => {
    if (!options.stateful) return;
    while (stats.completed < options.calls / 2 && Date.now() < loadDeadline && next < options.calls) await sleep(50);
    if (stats.completed >= options.calls) return;
    const statuses = await Promise.all(adapters.map((a) => getJson(`${a.url}/status`, 5000)));
    const holderIndex = statuses.findIndex((st) => st.body?.serving?.lease?.held);
    if (holderIndex < 0) {
      report.stateful.leaveError = `no instance held the lease at half the calls: ${JSON.stringify(statuses.map((st) => st.body?.serving))}`;
      log(report.stateful.leaveError);
      return;
    }
    const holder = adapters[holderIndex];
    const survivor = adapters[1 - holderIndex];
    const before = childrenWatch.sample(checkSessions, 'leave');
    const record = {
      kind: options.leave,
      instance: holder.name,
      survivor: survivor.name,
      tokenBefore: statuses[holderIndex].body.serving.lease.token,
      childrenAtLeave: before[holder.name],
      atCall: stats.completed,
    };
    report.stateful.leave = record;
    leave.survivor = survivor.name;
    leave.at = Date.now();
    record.at = new Date(leave.at).toISOString();
    record.atLoadMs = leave.at - loadStarted;
    left.add(holder.name);
    if (options.leave === 'kill') process.kill(holder.pid, 'SIGKILL');
    else holder.child.kill('SIGTERM');
    const exited = holder.child.exitedPromise.then((exit) => {
      record.exit = { ...exit, ms: Date.now() - leave.at, killed: false };
    });
    log(
      `leave: ${options.leave === 'kill' ? 'SIGKILL' : 'SIGTERM'} of lease holder ${holder.name} (pid ${holder.pid}, token ${record.tokenBefore}, ${record.childrenAtLeave} children) at call ${record.atCall}`,
    );
    const deadline = leave.at + 90_000;
    let lastTakeoverPoll = 0;
    while (Date.now() < deadline) {
      const sample = childrenWatch.sample(checkSessions, 'failover');
      const now = Date.now();
      if (record.oldChildrenGoneMs === undefined && sample[holder.name] === 0)
        record.oldChildrenGoneMs = now - leave.at;
      if (leave.takeoverAt === null && now - lastTakeoverPoll >= 250) {
        lastTakeoverPoll = now;
        const st = await getJson(`${survivor.url}/status`, 2000);
        if (st.body?.serving?.lease?.held) {
          leave.takeoverAt = Date.now();
          record.takeoverMs = leave.takeoverAt - leave.at;
          record.tokenAfter = st.body.serving.lease.token;
          log(
            `failover: ${survivor.name} holds the lease ${record.takeoverMs} ms after the leave (token ${record.tokenAfter})`,
          );
        }
      }
      if (leave.takeoverAt !== null && leave.firstServedAt !== null)
        leave.settledAt ??= Math.max(leave.takeoverAt, leave.firstServedAt) + 2000;
      const done =
        leave.settledAt !== null &&
        record.oldChildrenGoneMs !== undefined &&
        (options.leave === 'kill' || record.exit) &&
        Date.now() - leave.at >= 10_000;
      if (done) break;
      await sleep(250);
    }
    if (options.leave === 'drain' && !record.exit) {
      await Promise.race([exited, sleep(30_000)]);
      if (!record.exit) record.exit = { ...(await holder.stop(1000)), stillRunningAfterMs: Date.now() - leave.at };
    }
    record.takeoverMs ??= null;
    record.oldChildrenGoneMs ??= null;
    record.failoverMs = leave.firstServedAt === null ? null : leave.firstServedAt - leave.at;
    record.firstIssuedOkMs = leave.firstIssuedOkAt === null ? null : leave.firstIssuedOkAt - leave.at;
    const until = leave.firstServedAt ?? Date.now();
    record.refusalsDuringFailover = refusals.times.filter((t) => t >= leave.at && t <= until).length;
    log(
      `failover: first call answered by ${survivor.name} ${record.failoverMs} ms after the leave (first call issued after the leave answered after ${record.firstIssuedOkMs} ms); ${record.refusalsDuringFailover} refusals meanwhile; old children gone after ${record.oldChildrenGoneMs} ms`,
    );
  })();
  log('load running');
  const progressTimer = setInterval(
    () =>
      log(
        `  ${stats.completed}/${options.calls} done, ${stats.inFlight} in flight, kills ${chaos.kills}, errors ${stats.failedCalls}, children ${JSON.stringify(childrenByAdapter())}${options.stateful ? `, refusals ${refusals.count}` : ''}`,
      ),
    10_000,
  );
  checkSessions = options.stateful ? sessions.length : undefined;
  await Promise.all(sessions.map(worker));
  clearInterval(progressTimer);
  await storeFault;
  await leaveTask;
  checkSessions = undefined;
  const loadMs = Date.now() - loadStarted;
  chaosStop = true;
  await chaosLoop;
  log(`load done in ${loadMs} ms: ${stats.completed} calls, ${chaos.kills} kills`);

  // ------------------------------------------------------------------------------------------
  // Drain: DELETE every session, then SIGTERM the adapters.

  await sleep(500);
  // Children the adapter does not know it has (not counted by /status): orphans. The clients'
  // GET streams reconnect every stream limit, and one that reaches a session whose child the
  // chaos killed starts a child before the session counts it again: a difference that is gone
  // a moment later is that, not an orphan. Measured again once after a second; the second counts.
  const sampleOrphans = async () => {
    report.statusBeforeDelete = Object.fromEntries(
      await Promise.all(adapters.map(async (a) => [a.name, (await getJson(`${a.url}/status`)).body])),
    );
    report.childrenBeforeDelete = childrenByAdapter();
    report.orphansBeforeDelete = Object.fromEntries(
      adapters.map((a) => [
        a.name,
        report.childrenBeforeDelete[a.name] -
          (report.statusBeforeDelete[a.name]?.servers?.[serverName]?.childrenAlive ?? 0),
      ]),
    );
  };
  await sampleOrphans();
  if (Object.values(report.orphansBeforeDelete).some((n) => n > 0)) {
    report.orphansFirstSample = report.orphansBeforeDelete;
    await sleep(1000);
    await sampleOrphans();
  }
  const deleteErrors = {};
  let deleted = 0;
  for (let i = 0; i < sessions.length; i += 20) {
    await Promise.all(
      sessions.slice(i, i + 20).map(async (s) => {
        try {
          await Promise.race([
            s.transport.terminateSession(),
            sleep(15_000).then(() => Promise.reject(new Error('DELETE timed out after 15 s'))),
          ]);
          deleted++;
        } catch (error) {
          count(deleteErrors, normalise(error));
        }
        await s.client.close().catch(() => {});
      }),
    );
  }
  const deleteDone = Date.now();
  // The instance that did not get a session's DELETE learns it from the shared store (2 s poll).
  const drainedByDelete = await waitFor(() => Object.values(childrenByAdapter()).every((n) => n === 0), 20_000, 250);
  report.afterDelete = {
    deleted,
    errors: deleteErrors,
    childrenAfterWait: childrenByAdapter(),
    allChildrenGone: drainedByDelete,
    msUntilNoChildren: drainedByDelete ? Date.now() - deleteDone : null,
    status: Object.fromEntries(
      await Promise.all(adapters.map(async (a) => [a.name, (await getJson(`${a.url}/status`)).body])),
    ),
    health: Object.fromEntries(
      await Promise.all(adapters.map(async (a) => [a.name, await getJson(`${a.url}/health`)])),
    ),
  };
  // A child still there after every DELETE: which session it serves, and that session's history.
  report.afterDelete.leftovers = markedProcesses(runId)
    .filter((c) => adapterPids.has(c.ppid))
    .slice(0, 5)
    .map((c) => {
      const owner = adapters.find((a) => a.pid === c.ppid);
      const started = grepLog(owner.logFile, (r) => r.pid === c.pid, 5);
      const session = started.find((r) => r.session)?.session;
      const history = session
        ? adapters
            .flatMap((a) =>
              grepLog(a.logFile, (r) => r.session === session, 40).map((r) => ({ adapter: a.name, ...r })),
            )
            .sort((x, y) => String(x.time).localeCompare(String(y.time)))
        : [];
      return { pid: c.pid, adapter: owner.name, session, history };
    });
  const memory = Object.fromEntries(adapters.map((a) => [a.name, memoryOf(a.pid)]));
  monitorStop = true;
  await monitor;
  const stops = {};
  for (const a of adapters) stops[a.name] = await a.stop(30_000);
  await sleep(1000);
  const leftMarked = markedProcesses(runId);
  const leftByPath = processesWithCmdline(FIXTURE).filter((p) => leftMarked.some((m) => m.pid === p.pid));
  report.afterDrain = {
    adapterExit: stops,
    childrenAlive: leftMarked.length,
    childrenAliveWithFixturePath: leftByPath.length,
    leftovers: leftMarked.slice(0, 20),
    privateDirsLeft: privateDirs(serverName).length,
    privateDirNames: privateDirs(serverName).slice(0, 10),
    otherFixtureProcessesOnHost: processesWithCmdline(FIXTURE).length - leftByPath.length,
  };
  await proxy.close();
  await azurite.stop();

  // ------------------------------------------------------------------------------------------
  // Report

  const expected = Math.min(options.calls, next);
  const latencies = stats.latencies.sort((a, b) => a - b);
  const pct = (p) =>
    latencies.length ? latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] : null;
  const duplicated = [...stats.payloadsSeen.values()].filter((n) => n > 1).length;
  report.results = {
    wallMs: Date.now() - started,
    loadMs,
    callsPerSecond: Math.round((stats.completed / loadMs) * 1000 * 10) / 10,
    responses: {
      expected,
      issued: next,
      received: stats.okCalls,
      failed: stats.failedCalls,
      duplicated,
      duplicateResponseIds: stats.duplicateIds,
      wrongPayload: stats.wrongPayload,
      unknownPayloadsOnWire: stats.unknownPayloads,
    },
    byKind: stats.byKind,
    errors: stats.errors,
    retries: stats.retries,
    progress: stats.progress,
    transportErrors: stats.transportErrors,
    latencyMs: { p50: pct(50), p95: pct(95), p99: pct(99), max: latencies.at(-1) ?? null },
    chaos,
    loadGenerator: loop,
    peakRss: Object.fromEntries(
      adapters.map((a) => [
        a.name,
        {
          vmHwmMb: memory[a.name] ? Math.round(memory[a.name].hwmKb / 1024) : null,
          sampledPeakRssMb: Math.round(peaks[a.name].rssKb / 1024),
          peakChildren: peaks[a.name].children,
          peakCpuPercent: peaks[a.name].cpuPercent,
          slowestHealthMs: peaks[a.name].healthMs,
          healthNot200: peaks[a.name].healthFailures,
        },
      ]),
    ),
    proxy: proxy.stats,
    adapterLogs: Object.fromEntries(adapters.map((a) => [a.name, summariseLog(a.logFile)])),
    timeline,
  };
  report.failures = stats.failureSamples;
  if (options.stateful) {
    report.results.leaveRetries = stats.leaveRetries;
    const { times, ...refused } = refusals;
    const st = report.stateful;
    st.sessionsOpen = sessions.length;
    st.refusals = refused;
    st.httpRequests = proxy.stats.requests;
    st.refusalShare = proxy.stats.requests ? Math.round((refusals.count / proxy.stats.requests) * 1000) / 10 : 0;
    st.retriedForLeave = `${stats.leaveRetries.attempted} attempts sent again (${stats.leaveRetries.succeeded} calls then answered, ${stats.leaveRetries.failed} not)`;
    st.counter = ledger.summary();
    st.children = childrenWatch.summary();
    // The lease's lines (acquired, lost, released) and the children it ended, from both logs.
    st.leaveLog = adapters
      .flatMap((a) =>
        grepLog(a.logFile, (r) => /lease/i.test(String(r.message ?? r.msg ?? '')), 20).map((r) => ({
          adapter: a.name,
          time: r.time,
          level: r.level,
          message: r.message ?? r.msg,
          ...(r.token !== undefined && { token: r.token }),
          ...(r.reason !== undefined && { reason: r.reason }),
          ...(r.children !== undefined && { children: r.children }),
        })),
      )
      .sort((x, y) => String(x.time).localeCompare(String(y.time)));
  }
  report.verdict = verdict(report);
  const base = `soak-${stamp(new Date(started))}${options.stateful ? '-stateful' : ''}`;
  if (!report.verdict.ok || options.keepLogs) {
    report.savedLogs = adapters
      .map((a) => saveLog(a.logFile, `${base}-adapter-${a.name}.log`))
      .filter(Boolean)
      .map((f) => path.relative(ROOT, f));
  }
  const files = writeResults(base, report, markdown(report));
  log(`results: ${path.relative(ROOT, files.jsonFile)}, ${path.relative(ROOT, files.mdFile)}`);
  log(
    `verdict: ${report.verdict.ok ? 'PASS' : 'FAIL'}${report.verdict.problems.length ? `\n  - ${report.verdict.problems.join('\n  - ')}` : ''}`,
  );
  return report.verdict.ok ? 0 : 1;
}

// ---------------------------------------------------------------------------------------------
// One logical call: an attempt, and a retry when its child was killed.

function newStats() {
  return {
    completed: 0,
    inFlight: 0,
    okCalls: 0,
    failedCalls: 0,
    wrongPayload: 0,
    duplicateIds: 0,
    unknownPayloads: 0,
    byKind: {},
    errors: {},
    retries: { attempted: 0, succeeded: 0, failed: 0 },
    /** Stateful: attempts cut by the leave, sent again. */
    leaveRetries: { attempted: 0, succeeded: 0, failed: 0 },
    progress: {
      callsOk: 0,
      expected: 0,
      received: 0,
      receivedOnWire: 0,
      receivedInFailedAttempts: 0,
      callsWithMissing: 0,
    },
    transportErrors: {},
    payloadsSeen: new Map(),
    latencies: [],
    failureSamples: [],
  };
}

async function logicalCall(session, index, kind, runId, stats) {
  stats.inFlight++;
  const started = Date.now();
  stats.byKind[kind] ??= { calls: 0, ok: 0, failed: 0 };
  const byKind = stats.byKind[kind];
  byKind.calls++;
  const payload = `soak:${runId}:${index}:${randomBytes(3).toString('hex')}`;
  if (kind === 'echo') stats.payloadsSeen.set(payload, 0);
  let outcome = options.stateful
    ? await statefulAttempts(session, kind, payload, stats)
    : await attempt(session, kind, payload, stats);
  if (options.stateful) {
    /* retried (and counted) in statefulAttempts */
  } else if (!outcome.ok && outcome.category === 'child killed') {
    stats.retries.attempted++;
    count(stats.errors, 'error: child killed, retried');
    outcome = await attempt(session, kind, payload, stats);
    if (outcome.ok) stats.retries.succeeded++;
    else {
      stats.retries.failed++;
      count(stats.errors, `error after retry: ${outcome.category}: ${outcome.detail}`);
    }
  } else if (!outcome.ok) {
    count(stats.errors, `error: ${outcome.category}: ${outcome.detail}`);
  }
  if (outcome.ok) {
    stats.okCalls++;
    byKind.ok++;
    stats.latencies.push(Date.now() - started);
    if (leave.at !== null) {
      const now = Date.now();
      if (started >= leave.at) leave.firstIssuedOkAt ??= now;
      if (
        leave.firstServedAt === null &&
        session.http.some(
          (e) =>
            e.t0 >= leave.at &&
            e.method === 'POST' &&
            e.rpc?.includes('tools/call') &&
            e.status === 200 &&
            e.upstream === leave.survivor,
        )
      )
        leave.firstServedAt = now;
    }
  } else {
    stats.failedCalls++;
    byKind.failed++;
    if (stats.failureSamples.length < 50) {
      stats.failureSamples.push({
        index,
        kind,
        at: new Date(started).toISOString(),
        session: session.index,
        sessionId: session.transport.sessionId?.slice(-8),
        category: outcome.category,
        detail: outcome.detail,
        ms: Date.now() - started,
        http: session.http.filter((e) => e.t0 >= started - 10).map(({ t0, ...e }) => e),
      });
    }
  }
  stats.inFlight--;
  stats.completed++;
}

/**
 * The stateful run's attempts of one call: an attempt the leave cut (it failed, and ran while
 * the holder left and before the failover settled) is sent again, at most twice; one whose child
 * was killed (chaos) once, as in the default mode. A failed count attempt may have counted.
 */
async function statefulAttempts(session, kind, payload, stats) {
  let leaveRetries = 0;
  let killRetried = false;
  for (;;) {
    const startedAt = Date.now();
    const outcome = await attempt(session, kind, payload, stats);
    if (outcome.ok) {
      if (killRetried) stats.retries.succeeded++;
      if (leaveRetries) stats.leaveRetries.succeeded++;
      return outcome;
    }
    if (kind === 'count') ledger.failedAttempt(session.index);
    const cutByLeave =
      leave.at !== null && Date.now() >= leave.at && (leave.settledAt === null || startedAt <= leave.settledAt);
    if (cutByLeave && leaveRetries < 2) {
      leaveRetries++;
      stats.leaveRetries.attempted++;
      count(stats.errors, `error: cut by the leave, retried: ${outcome.category}: ${outcome.detail}`);
      continue;
    }
    if (outcome.category === 'child killed' && !killRetried) {
      killRetried = true;
      stats.retries.attempted++;
      count(stats.errors, 'error: child killed, retried');
      continue;
    }
    if (killRetried) stats.retries.failed++;
    if (leaveRetries) stats.leaveRetries.failed++;
    count(stats.errors, `error${killRetried ? ' after retry' : ''}: ${outcome.category}: ${outcome.detail}`);
    return outcome;
  }
}

async function attempt(session, kind, payload, stats) {
  const spec = kind === 'long-progress' ? LONG_PROGRESS : SHORT_PROGRESS;
  let progressSeen = 0;
  try {
    if (kind === 'count') {
      const result = await session.client.callTool(
        { name: 'count', arguments: {} },
        { timeout: options.callTimeout * 1000 },
      );
      let counted;
      try {
        counted = JSON.parse(result?.content?.[0]?.text);
      } catch {
        /* wrong result below */
      }
      if (result?.isError || !Number.isInteger(counted?.pid) || !Number.isInteger(counted?.n)) {
        stats.wrongPayload++;
        return { ok: false, category: 'wrong result', detail: JSON.stringify(result).slice(0, 200) };
      }
      ledger.observe(session.index, counted, { afterLeave: leave.at !== null });
      return { ok: true };
    }
    if (kind === 'echo') {
      const result = await session.client.callTool(
        { name: 'echo', arguments: { text: payload } },
        { timeout: options.callTimeout * 1000 },
      );
      const text = result?.content?.[0]?.text;
      if (result?.isError || text !== payload) {
        stats.wrongPayload++;
        return { ok: false, category: 'wrong result', detail: JSON.stringify(result).slice(0, 200) };
      }
      return { ok: true };
    }
    const result = await session.client.callTool(
      { name: 'progress', arguments: spec },
      { timeout: options.callTimeout * 1000, onprogress: () => void progressSeen++ },
    );
    const text = result?.content?.[0]?.text;
    if (result?.isError || text !== `done ${spec.steps}`)
      return { ok: false, category: 'wrong result', detail: JSON.stringify(result).slice(0, 200) };
    stats.progress.callsOk++;
    stats.progress.expected += spec.steps;
    stats.progress.received += progressSeen;
    if (progressSeen !== spec.steps) stats.progress.callsWithMissing++;
    return { ok: true };
  } catch (error) {
    if (kind !== 'echo') stats.progress.receivedInFailedAttempts += progressSeen;
    return classify(error);
  }
}

/** What made an attempt fail: `child killed` (retried) or something else (a finding). */
function classify(error) {
  const message = String(error?.message ?? error);
  const detail = normalise(error);
  if (/signal SIGKILL|exited during startup|is not running|Session ended \(child_exited\)/.test(message))
    return { ok: false, category: 'child killed', detail };
  if (error?.code === 'REQUEST_TIMEOUT' || /timed? ?out/i.test(message))
    return { ok: false, category: 'timeout', detail };
  if (/\b404\b|Session not found/.test(message) || error?.status === 404)
    return { ok: false, category: 'session not found', detail };
  return { ok: false, category: 'other', detail };
}

function normalise(error) {
  const status = error?.status ?? error?.data?.status;
  const code = error?.code;
  const message = String(error?.message ?? error)
    .replace(/soak:[0-9a-f]+:\d+:[0-9a-f]+/g, '<payload>')
    .replace(/"soak-[0-9a-f]+"/g, '"<server>"')
    .replace(/[A-Za-z0-9_-]{20,}(\.[A-Za-z0-9_-]*){4}/g, '<session-id>')
    .replace(/\b[A-Za-z0-9_-]{8}\.\d+\b/g, '<event-id>')
    .replace(/\d+/g, 'N')
    .slice(0, 200);
  return `${code !== undefined ? `[${code}] ` : ''}${status !== undefined ? `HTTP ${status} ` : ''}${message}`;
}

/** Every message the transport hands to the client, before the SDK matches it to a request. */
function observeWire(session, stats) {
  const { transport } = session;
  const original = transport.onmessage;
  transport.onmessage = (message, extra) => {
    try {
      if (message && typeof message === 'object' && 'id' in message && ('result' in message || 'error' in message)) {
        const seen = (session.responsesById.get(message.id) ?? 0) + 1;
        session.responsesById.set(message.id, seen);
        if (seen > 1) stats.duplicateIds++;
        const text = message.result?.content?.[0]?.text;
        if (typeof text === 'string' && text.startsWith('soak:')) {
          if (stats.payloadsSeen.has(text)) stats.payloadsSeen.set(text, stats.payloadsSeen.get(text) + 1);
          else stats.unknownPayloads++;
        }
      } else if (message?.method === 'notifications/progress') stats.progress.receivedOnWire++;
    } catch {
      /* observation only */
    }
    return original?.call(transport, message, extra);
  };
}

/** fetch that remembers the session's last HTTP exchanges (method, JSON-RPC method/id, upstream, status, timings). */
function recordingFetch(session) {
  return async (url, init = {}) => {
    const t0 = Date.now();
    let rpc;
    if (typeof init.body === 'string' && init.body.length < 4096) {
      try {
        const body = JSON.parse(init.body);
        rpc = [body]
          .flat()
          .map((m) => `${m.method ?? 'response'}${m.id !== undefined ? `#${m.id}` : ''}`)
          .join(',');
      } catch {
        rpc = '?';
      }
    }
    const headers = new Headers(init.headers);
    const entry = {
      at: new Date(t0).toISOString(),
      t0,
      method: init.method ?? 'GET',
      rpc,
      lastEventId: headers.get('last-event-id') ?? undefined,
      status: null,
      upstream: null,
      headersMs: null,
    };
    session.http.push(entry);
    if (session.http.length > 12) session.http.shift();
    try {
      const response = await fetch(url, init);
      entry.status = response.status;
      entry.upstream =
        response.headers.get('x-soak-upstream') === '0'
          ? 'A'
          : response.headers.get('x-soak-upstream') === '1'
            ? 'B'
            : null;
      entry.headersMs = Date.now() - t0;
      entry.type = response.headers.get('content-type')?.split(';')[0];
      return response;
    } catch (error) {
      entry.error = String(error?.cause?.code ?? error?.message ?? error);
      entry.headersMs = Date.now() - t0;
      throw error;
    }
  };
}

function count(map, key) {
  map[key] = (map[key] ?? 0) + 1;
}

function log(message) {
  process.stderr.write(`[soak ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

// ---------------------------------------------------------------------------------------------
// Verdict and Markdown

function verdict(report) {
  const r = report.results;
  const problems = [];
  // A call whose retry was killed too failed for the reason chaos gives: reported, not a problem.
  // Stateful: children start far more often (every session again at the new holder after the
  // leave), so the retry's child is killed during its start too (502 "exited during startup
  // (signal SIGKILL)"): the same reason.
  const killedTwice = report.stateful
    ? Object.entries(r.errors)
        .filter(([key]) => key.startsWith('error after retry: child killed: ') && /signal SIGKILL/.test(key))
        .reduce((sum, [, n]) => sum + n, 0)
    : (r.errors[
        'error after retry: child killed: [-32000] MCP server "<server>" exited (signal SIGKILL) before answering'
      ] ?? 0);
  const unexplained = r.responses.expected - r.responses.received - killedTwice;
  if (unexplained > 0)
    problems.push(
      `${unexplained} of ${r.responses.expected} calls got no correct answer${killedTwice ? ` (besides ${killedTwice} whose retry was killed too)` : ''}`,
    );
  const orphans = Object.entries(report.orphansBeforeDelete ?? {}).filter(([, n]) => n > 0);
  if (orphans.length)
    problems.push(
      `children not counted by the adapter's /status before DELETE (orphans): ${orphans.map(([k, v]) => `${k}: ${v}`).join(', ')}`,
    );
  if (r.responses.duplicated > 0) problems.push(`${r.responses.duplicated} payloads answered more than once`);
  if (r.responses.duplicateResponseIds > 0)
    problems.push(`${r.responses.duplicateResponseIds} duplicate JSON-RPC responses on the wire`);
  if (r.responses.wrongPayload > 0) problems.push(`${r.responses.wrongPayload} wrong payloads`);
  if (r.progress.received !== r.progress.expected)
    problems.push(`progress notifications: ${r.progress.received} of ${r.progress.expected} received`);
  if (report.afterDrain.childrenAlive > 0)
    problems.push(`${report.afterDrain.childrenAlive} fixture children alive after the adapters stopped`);
  if (report.afterDrain.privateDirsLeft > 0)
    problems.push(`${report.afterDrain.privateDirsLeft} child private folders left in ${os.tmpdir()}`);
  if (!report.afterDelete.allChildrenGone)
    problems.push(
      `children still alive 20 s after every session was DELETEd: ${JSON.stringify(report.afterDelete.childrenAfterWait)}`,
    );
  if (report.connect.failed > 0) problems.push(`${report.connect.failed} sessions could not connect`);
  const fives = Object.entries(r.proxy.answers).filter(([k]) => / 5\d\d$/.test(k) && !/ 50[234]$/.test(k));
  if (fives.length) problems.push(`unexpected 5xx answers: ${fives.map(([k, v]) => `${k} ×${v}`).join(', ')}`);
  for (const [name, exit] of Object.entries(report.afterDrain.adapterExit)) {
    // The instance that left (stateful run) is judged by how it left, in statefulProblems.
    if (name === report.stateful?.leave?.instance) continue;
    if (exit.killed || exit.code !== 0)
      problems.push(`adapter ${name} did not exit cleanly on SIGTERM: ${JSON.stringify(exit)}`);
  }
  if (report.stateful) problems.push(...statefulProblems(report));
  return { ok: problems.length === 0, problems };
}

function markdown(report) {
  const r = report.results;
  const o = report.options;
  const lines = [];
  if (report.stateful) {
    lines.push(
      `# Soak run (stateful app, holder leaves by ${o.leave === 'kill' ? 'SIGKILL' : 'SIGTERM drain'}) ${report.startedAt}`,
      '',
    );
    lines.push(
      `\`npm run soak -- --stateful --leave ${o.leave} --sessions ${o.sessions} --calls ${o.calls}\`: two adapter processes with \`MCP_ADAPTER_APP_ROLE=stateful\` ` +
        `sharing one serving lease (\`MCP_ADAPTER_LEASE_MS=${o.leaseMs}\`, \`MCP_ADAPTER_LEASE_SKEW_MS=${o.leaseSkewMs}\`; production defaults 20 s / 5 s) and the session key, ` +
        `ended sessions and the lease row in Azurite's Table service, behind a round-robin proxy that skips an instance that is gone (ECONNREFUSED → next upstream); ` +
        `only the holder runs children, the other answers 503 + Retry-After. \`stream_limit_seconds: ${o.streamLimit}\`; node fixture with \`restart_on_failure: true, max_restarts: 1000\`; ` +
        `${o.sessions} SDK v2 sessions; ${o.calls} calls (${Math.round(o.progressRatio * 100)}% progress, of which ${Math.round(o.longProgressRatio * 100)}% longer than the stream limit; ${Math.round(o.countRatio * 100)}% count, the rest echo); ` +
        `at half the calls the lease holder leaves (${o.leave === 'kill' ? 'SIGKILL' : 'SIGTERM: drain'}); ` +
        `chaos: SIGKILL a random fixture child every ${o.chaosMinMs}-${o.chaosMaxMs} ms${o.noChaos ? ' (off)' : ''}. Seed ${o.seed}. Node ${report.node}, ${report.host.cpus} CPUs.`,
      '',
    );
  } else {
    lines.push(`# Soak run ${report.startedAt}`, '');
    lines.push(
      `Two adapter processes (shared \`MCP_ADAPTER_SESSION_KEY\`, ended sessions in Azurite's Table service) behind a round-robin proxy; ` +
        `\`stream_limit_seconds: ${o.streamLimit}\`; node fixture with \`restart_on_failure: true, max_restarts: 1000\`; ` +
        `${o.sessions} SDK v2 sessions; ${o.calls} calls (${Math.round(o.progressRatio * 100)}% progress, of which ${Math.round(o.longProgressRatio * 100)}% longer than the stream limit); ` +
        `chaos: SIGKILL a random fixture child every ${o.chaosMinMs}-${o.chaosMaxMs} ms${o.noChaos ? ' (off)' : ''}. Seed ${o.seed}. Node ${report.node}, ${report.host.cpus} CPUs.`,
      '',
    );
  }
  if (report.storeFault) lines.push(`Store fault injected: ${JSON.stringify(report.storeFault)}`, '');
  lines.push(`**Verdict: ${report.verdict.ok ? 'PASS' : 'FAIL'}**`, '');
  for (const p of report.verdict.problems) lines.push(`- ${p}`);
  if (report.stateful) lines.push('', ...statefulMarkdown(report));
  lines.push('', '## Responses', '');
  lines.push(
    mdTable(
      [
        ['expected', r.responses.expected],
        ['received (correct payload)', r.responses.received],
        ['failed', r.responses.failed],
        ['duplicated payloads', r.responses.duplicated],
        ['duplicate response ids on the wire', r.responses.duplicateResponseIds],
        ['wrong payloads', r.responses.wrongPayload],
        [
          'retries (child killed) attempted / succeeded / failed',
          `${r.retries.attempted} / ${r.retries.succeeded} / ${r.retries.failed}`,
        ],
        ...(r.leaveRetries
          ? [
              [
                'attempts cut by the leave, sent again / calls then answered / not',
                `${r.leaveRetries.attempted} / ${r.leaveRetries.succeeded} / ${r.leaveRetries.failed}`,
              ],
            ]
          : []),
        [
          'progress notifications expected / received',
          `${r.progress.expected} / ${r.progress.received} (on the wire: ${r.progress.receivedOnWire}; in failed attempts: ${r.progress.receivedInFailedAttempts})`,
        ],
        ['calls / s', r.callsPerSecond],
        [
          'latency p50 / p95 / p99 / max (ms)',
          `${r.latencyMs.p50} / ${r.latencyMs.p95} / ${r.latencyMs.p99} / ${r.latencyMs.max}`,
        ],
        [
          'children killed (chaos)',
          `${r.chaos.kills} (${Object.entries(r.chaos.byAdapter)
            .map(([k, v]) => `${k}: ${v}`)
            .join(', ')})`,
        ],
        ['wall time', `${(r.wallMs / 1000).toFixed(1)} s (load ${(r.loadMs / 1000).toFixed(1)} s)`],
      ],
      ['', ''],
    ),
  );
  lines.push(
    '',
    '## By kind',
    '',
    mdTable(
      Object.entries(r.byKind).map(([k, v]) => [k, v.calls, v.ok, v.failed]),
      ['kind', 'calls', 'ok', 'failed'],
    ),
  );
  lines.push(
    '',
    '## Errors by kind',
    '',
    Object.keys(r.errors).length
      ? mdTable(
          Object.entries(r.errors)
            .sort((a, b) => b[1] - a[1])
            .map(([k, v]) => [k, v]),
          ['error', 'count'],
        )
      : 'none',
  );
  lines.push(
    '',
    '## Transport errors (client `onerror`)',
    '',
    Object.keys(r.transportErrors).length
      ? mdTable(
          Object.entries(r.transportErrors)
            .sort((a, b) => b[1] - a[1])
            .slice(0, 25)
            .map(([k, v]) => [k, v]),
          ['error', 'count'],
        )
      : 'none',
  );
  lines.push('', '## Processes and memory', '');
  lines.push(
    mdTable(
      Object.entries(r.peakRss).map(([name, m]) => [
        name,
        m.vmHwmMb,
        m.sampledPeakRssMb,
        m.peakChildren,
        m.peakCpuPercent,
        `${m.slowestHealthMs} (${m.healthNot200} not 200)`,
        name === report.stateful?.leave?.instance
          ? `left mid-run: ${report.stateful.leave.kind === 'kill' ? 'SIGKILL' : `SIGTERM, exit ${report.stateful.leave.exit?.code ?? report.stateful.leave.exit?.signal} in ${report.stateful.leave.exit?.ms} ms`}`
          : report.afterDrain.adapterExit[name]
            ? `${report.afterDrain.adapterExit[name].code ?? report.afterDrain.adapterExit[name].signal} in ${report.afterDrain.adapterExit[name].ms} ms${report.afterDrain.adapterExit[name].killed ? ' (SIGKILLed)' : ''}`
            : '',
      ]),
      [
        'adapter',
        'peak RSS VmHWM (MB)',
        'sampled peak RSS (MB)',
        'peak children',
        'peak CPU %',
        'slowest /health (ms)',
        'exit on SIGTERM',
      ],
    ),
  );
  lines.push('');
  lines.push(
    `- children not counted by /status before DELETE (orphans): ${JSON.stringify(report.orphansBeforeDelete)}${report.orphansFirstSample ? ` (first sample ${JSON.stringify(report.orphansFirstSample)}, measured again 1 s later)` : ''}`,
  );
  lines.push(
    `- children before DELETE: ${JSON.stringify(report.childrenBeforeDelete)}; after DELETE of ${report.afterDelete.deleted} sessions: ${JSON.stringify(report.afterDelete.childrenAfterWait)}${report.afterDelete.msUntilNoChildren !== null ? ` (none left ${report.afterDelete.msUntilNoChildren} ms after the last DELETE)` : ''}`,
  );
  lines.push(
    `- **children alive after drain: ${report.afterDrain.childrenAlive}** (with the fixture path in their command line: ${report.afterDrain.childrenAliveWithFixturePath}); private folders left: ${report.afterDrain.privateDirsLeft}`,
  );
  if (Object.keys(report.afterDelete.errors).length)
    lines.push(`- DELETE errors: ${JSON.stringify(report.afterDelete.errors)}`);
  if (report.afterDrain.privateDirNames.length)
    lines.push(`- private folders left: ${report.afterDrain.privateDirNames.join(', ')}`);
  lines.push(
    `- load generator (this process, also the proxy): worst event-loop lag ${r.loadGenerator.maxLagMs} ms, slowest /proc scan ${r.loadGenerator.maxScanMs} ms, peak load average ${r.loadGenerator.maxLoadAvg.toFixed(1)}`,
  );
  for (const left of report.afterDelete.leftovers ?? []) {
    lines.push(
      `- child ${left.pid} of adapter ${left.adapter} still alive after DELETE; session …${left.session ?? '?'}; its log:`,
      '',
      '```',
    );
    for (const h of left.history)
      lines.push(
        `${h.time} ${h.adapter} ${h.level} ${h.message} ${JSON.stringify(Object.fromEntries(Object.entries(h).filter(([k]) => !['time', 'adapter', 'level', 'message', 'session', 'server', 'component'].includes(k))))}`,
      );
    lines.push('```', '');
  }
  lines.push(
    '',
    '## HTTP answers (through the proxy)',
    '',
    mdTable(
      Object.entries(r.proxy.answers)
        .sort()
        .map(([k, v]) => [k, v]),
      ['method status', 'count'],
    ),
  );
  lines.push(
    '',
    `Requests per upstream: ${r.proxy.byUpstream.join(' / ')}; proxy errors: ${JSON.stringify(r.proxy.proxyErrors)}; client aborts: ${r.proxy.clientAborts}; upstream aborts: ${r.proxy.upstreamAborts}`,
  );
  if (r.proxy.proxyErrorSamples.length) {
    const reused = r.proxy.proxyErrorSamples.filter((e) => e.reusedSocket);
    const idle = reused
      .map((e) => e.idleMsBeforeReuse)
      .filter((n) => n !== null)
      .sort((a, b) => a - b);
    lines.push(
      '',
      `Upstream connection errors: ${r.proxy.proxyErrorSamples.length} sampled, ${reused.length} on a reused keep-alive socket (idle before reuse: min ${idle[0] ?? '-'} ms, median ${idle[Math.floor(idle.length / 2)] ?? '-'} ms, max ${idle.at(-1) ?? '-'} ms); first at ${r.proxy.proxyErrorSamples[0].at}, last at ${r.proxy.proxyErrorSamples.at(-1).at}.`,
    );
  }
  if (r.proxy.slow.length) {
    lines.push(
      '',
      `Requests the upstream took ≥ ${r.proxy.slowMs} ms to answer: ${r.proxy.slow.length} (first 15):`,
      '',
      mdTable(
        r.proxy.slow
          .slice(0, 15)
          .map((e) => [e.at, e.method, e.upstream === 0 ? 'A' : 'B', e.session ?? '', e.status, e.ms]),
        ['sent', 'method', 'upstream', 'session', 'status', 'ms'],
      ),
    );
  }
  if (r.proxy.serverErrors.length) {
    lines.push(
      '',
      '5xx samples:',
      '',
      mdTable(
        r.proxy.serverErrors.slice(0, 10).map((e) => [e.method, e.status, e.upstream, e.body.slice(0, 160)]),
        ['method', 'status', 'upstream', 'body'],
      ),
    );
  }
  lines.push('', '## Adapter logs (level: message → count)', '');
  for (const [name, summary] of Object.entries(r.adapterLogs)) {
    lines.push(
      `### ${name} (${summary.lines} lines)`,
      '',
      mdTable(
        Object.entries(summary.counts)
          .slice(0, 20)
          .map(([k, v]) => [k, v]),
        ['message', 'count'],
      ),
      '',
    );
  }
  if (report.failures.length) {
    lines.push(
      '## Failed calls (first 20)',
      '',
      mdTable(
        report.failures
          .slice(0, 20)
          .map((f) => [
            f.index,
            f.kind,
            f.at,
            `${f.session} (…${f.sessionId})`,
            f.category,
            f.detail,
            f.ms,
            (f.http ?? [])
              .map(
                (e) =>
                  `${e.method} ${e.rpc ?? ''}${e.lastEventId ? ` LEI=${e.lastEventId}` : ''} → ${e.upstream ?? '?'} ${e.status ?? e.error} ${e.headersMs} ms`,
              )
              .join('; '),
          ]),
        ['call', 'kind', 'started', 'session', 'category', 'detail', 'ms', 'HTTP exchanges of the attempt(s)'],
      ),
      '',
    );
  }
  lines.push(
    '## Timeline (every 5 s, and every second the load generator lagged > 1 s)',
    '',
    mdTable(
      r.timeline.map((s) => [
        s.t,
        s.done,
        s.inFlight,
        s.lagMs,
        s.load1,
        ...Object.keys(r.peakRss).map(
          (n) => `${s[n]?.rssMb} MB / ${s[n]?.children} / ${s[n]?.cpu}% / ${s[n]?.healthMs} ms`,
        ),
        ...(report.stateful ? [s.children] : []),
      ]),
      [
        't (s)',
        'done',
        'in flight',
        'generator lag (ms)',
        'load avg',
        ...Object.keys(r.peakRss).map((n) => `${n} RSS / children / CPU / health`),
        ...(report.stateful ? ['fixture children (all)'] : []),
      ],
    ),
    '',
  );
  if (report.savedLogs?.length) lines.push(`Adapter logs: ${report.savedLogs.join(', ')}`, '');
  return `${lines.join('\n')}\n`;
}

runMain(main, (options.durationLimit + 300) * 1000);
