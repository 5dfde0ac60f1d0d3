#!/usr/bin/env node
// What one audit line costs: the adapter's own logger (src/observability/logger.ts, JSON and
// pretty) against pino (async destination, sync destination, pino-pretty transport in a worker
// thread), on the adapter's hot path: one `tool call` line per call from the audit child of a
// session logger. Each variant runs in a fresh process (alternating order over the rounds) that
// writes N lines, one per event-loop turn (as one line per request would be), and reports process
// CPU (all threads: getrusage), main-thread CPU (/proc, 10 ms ticks), wall time until everything
// is on disk (for the transport: until the worker has exited) and RSS. A `none` variant runs the
// same loop without logging, so the net cost of a line is the difference. Then a short idle test:
// what a logger costs when nothing is logged (threads, RSS, CPU).
//
// pino is not a dependency of the project: install it outside, e.g.
//   npm install --prefix /tmp/pino-bench --no-save pino pino-pretty
// Our logger is imported from ../dist/observability/logger.js (run `npm run build` first) or
// from LOGGER_DIST (a directory holding observability/logger.js, e.g. a private tsc --outDir).
//
// Usage: node bench/logger-cost.mjs [--n=200000] [--rounds=5] [--per-turn=1] [--idle-ms=1000] [--call-us=650]
//          [--pino-prefix=/tmp/pino-bench] [--json=PATH]
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const SELF = fileURLToPath(import.meta.url);
const { values: args } = parseArgs({
  options: {
    child: { type: 'string' },
    out: { type: 'string' },
    n: { type: 'string', default: '200000' },
    rounds: { type: 'string', default: '5' },
    'per-turn': { type: 'string', default: '1' },
    'idle-ms': { type: 'string', default: '1000' },
    'call-us': { type: 'string', default: '650' },
    'pino-prefix': { type: 'string', default: process.env.PINO_PREFIX ?? '/tmp/pino-bench' },
    json: { type: 'string' },
  },
});
const N = Number(args.n);
const ROUNDS = Number(args.rounds);
const PER_TURN = Number(args['per-turn']);
const IDLE_MS = Number(args['idle-ms']);
const CALL_US = Number(args['call-us']);
const PINO_PREFIX = resolve(args['pino-prefix']);
const LOGGER_JS = process.env.LOGGER_DIST
  ? pathToFileURL(join(resolve(process.env.LOGGER_DIST), 'observability/logger.js')).href
  : new URL('../dist/observability/logger.js', import.meta.url).href;

/** The variants that write N lines; `none` is the same loop with no logger. */
const VARIANTS = {
  none: 'no logging (loop, fields object, event-loop turn)',
  'ours-json': 'ours, JSON (BatchedStderr, stderr to a file)',
  'ours-pretty': 'ours, pretty (prettyLine, stderr to a file)',
  'pino-async': 'pino, pino.destination({ sync: false })',
  'pino-sync': 'pino, pino.destination({ sync: true })',
  'pino-pretty': 'pino + pino-pretty transport (worker thread)',
};
/** Idle processes: the logger set up (and one line written), then nothing for IDLE_MS. */
const IDLE = {
  'idle-none': 'no logger',
  'idle-ours': 'ours, JSON',
  'idle-pino-async': 'pino, async destination',
  'idle-pino-pretty': 'pino + pino-pretty transport',
};

const SESSION_FIELDS = { component: 'session', server: 'everything', session: '5b0f9c7e-3d1a-4c8e-9f61-2a7d4e0b8c13' };
const AUDIT_FIELDS = { component: 'audit' };

// ---------------------------------------------------------------- child: one variant, one process

/** This thread's CPU (user + system, µs) from /proc; Node 20 has no process.threadCpuUsage. */
function mainThreadCpuUs() {
  try {
    const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10_000; // CLK_TCK = 100
  } catch {
    return Number.NaN;
  }
}

function threadCount() {
  try {
    return Number(/^Threads:\s+(\d+)/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1]);
  } catch {
    return Number.NaN;
  }
}

function loadPino() {
  const require = createRequire(join(PINO_PREFIX, 'noop.js'));
  return { pino: require('pino'), prettyTarget: require.resolve('pino-pretty') };
}

/** Sets a variant up; returns `log(i)` (one audit line) and `finish()` (resolves when all is written). */
async function setUp(variant, out) {
  const kind = variant.replace(/^idle-/, '');
  if (kind === 'none') {
    let last;
    return {
      log: (fields) => {
        last = fields;
      },
      finish: async () => last,
    };
  }
  if (kind.startsWith('ours')) {
    const { createLogger, stderrSink, flushLogs } = await import(LOGGER_JS);
    const format = kind === 'ours-pretty' ? 'pretty' : 'json';
    const audit = createLogger({ level: 'info', sink: stderrSink(format) })
      .child(SESSION_FIELDS)
      .child(AUDIT_FIELDS);
    return { log: (fields) => audit.info('tool call', fields), finish: async () => flushLogs() };
  }
  const { pino, prettyTarget } = loadPino();
  let stream;
  if (kind === 'pino-pretty') {
    stream = pino.transport({
      target: prettyTarget,
      options: { destination: out, colorize: false, singleLine: true, sync: false },
    });
    await once(stream, 'ready');
  } else {
    stream = pino.destination({ dest: out, sync: kind === 'pino-sync' });
    if (kind === 'pino-async') await once(stream, 'ready');
  }
  const audit = pino({ level: 'info' }, stream).child(SESSION_FIELDS).child(AUDIT_FIELDS);
  return {
    log: (fields) => audit.info(fields, 'tool call'),
    finish: async () => {
      // A transport's worker is unref'd: hold the process until it has written all and exited.
      if (kind === 'pino-pretty') stream.ref();
      const closed = once(stream, 'close');
      stream.end();
      await closed;
    },
  };
}

async function runChild(variant, out) {
  const { log, finish } = await setUp(variant, out);
  if (variant.startsWith('idle-')) {
    log({ principal: 'anonymous', server: 'everything', tool: 'echo', outcome: 'ok', durationMs: 3 });
    await sleep(200); // let the first line and any worker start-up settle
    const rss0 = process.memoryUsage().rss;
    const cpu0 = process.cpuUsage();
    await sleep(IDLE_MS);
    const cpu = process.cpuUsage(cpu0);
    const result = {
      variant,
      threads: threadCount(),
      rss: process.memoryUsage().rss,
      rssBefore: rss0,
      idleCpuUs: cpu.user + cpu.system,
    };
    await finish();
    return result;
  }
  const cpu0 = process.cpuUsage();
  const main0 = mainThreadCpuUs();
  const t0 = performance.now();
  for (let i = 0; i < N; i++) {
    log({ principal: 'anonymous', server: 'everything', tool: 'echo', outcome: 'ok', durationMs: i % 50 });
    if ((i + 1) % PER_TURN === 0) await nextTurn(); // by default one line per turn, as one line per request
  }
  await finish();
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const mainUs = mainThreadCpuUs() - main0;
  return {
    variant,
    cpuUs: cpu.user + cpu.system,
    mainUs,
    wallMs,
    rss: process.memoryUsage().rss,
    maxRss: process.resourceUsage().maxRSS * 1024,
    threads: threadCount(),
  };
}

// ---------------------------------------------------------------- parent: rounds, medians, table

async function runOne(dir, variant) {
  const ours = variant.includes('ours');
  const out = join(dir, `${variant}.log`);
  const errPath = ours ? out : join(dir, `${variant}.stderr`);
  const errFd = openSync(errPath, 'w');
  const proc = spawn(
    process.execPath,
    [SELF, `--child=${variant}`, `--out=${out}`, `--n=${N}`, `--per-turn=${PER_TURN}`, `--idle-ms=${IDLE_MS}`],
    {
      stdio: ['ignore', 'pipe', errFd],
      env: { ...process.env, PINO_PREFIX },
    },
  );
  closeSync(errFd);
  let stdout = '';
  proc.stdout.on('data', (chunk) => {
    stdout += chunk;
  });
  const [code] = await once(proc, 'exit');
  if (code !== 0) {
    const tail = readFileSync(errPath, 'utf8').slice(-2000);
    throw new Error(`${variant} exited ${code}: ${tail}`);
  }
  const result = JSON.parse(stdout);
  if (!variant.startsWith('idle-') && variant !== 'none') {
    const text = readFileSync(out, 'utf8');
    let lines = 0;
    for (let at = text.indexOf('\n'); at !== -1; at = text.indexOf('\n', at + 1)) lines++;
    if (lines !== N) throw new Error(`${variant}: ${lines} lines written, ${N} expected`);
    result.bytesPerLine = statSync(out).size / N;
    result.sample = text.slice(0, text.indexOf('\n'));
  }
  rmSync(out, { force: true });
  rmSync(errPath, { force: true });
  return result;
}

const median = (values) => {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
const fmt = (value, digits = 2) => (Number.isFinite(value) ? value.toFixed(digits) : '—');
const mb = (bytes) => bytes / 1024 / 1024;

function versions() {
  try {
    const require = createRequire(join(PINO_PREFIX, 'noop.js'));
    return {
      pino: require('pino/package.json').version,
      pinoPretty: require('pino-pretty/package.json').version,
    };
  } catch {
    return { pino: 'not installed', pinoPretty: 'not installed' };
  }
}

async function runParent() {
  const dir = mkdtempSync(join(tmpdir(), 'logger-cost-'));
  const started = performance.now();
  const load0 = loadavg()[0];
  const names = Object.keys(VARIANTS);
  const idleNames = Object.keys(IDLE);
  const runs = Object.fromEntries([...names, ...idleNames].map((name) => [name, []]));
  try {
    for (let round = 0; round < ROUNDS; round++) {
      const order = round % 2 === 0 ? [...names, ...idleNames] : [...names, ...idleNames].reverse();
      for (const variant of order) runs[variant].push(await runOne(dir, variant));
      process.stderr.write(`round ${round + 1}/${ROUNDS} done (${order.join(', ')})\n`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const load1 = loadavg()[0];
  const totalS = (performance.now() - started) / 1000;

  const med = (variant, key) => median(runs[variant].map((r) => r[key]));
  const baseCpu = med('none', 'cpuUs') / N;
  const baseMain = med('none', 'mainUs') / N;
  const baseWall = (med('none', 'wallMs') * 1000) / N;
  const rows = names.map((variant) => {
    const cpu = med(variant, 'cpuUs') / N;
    const main = med(variant, 'mainUs') / N;
    const wall = (med(variant, 'wallMs') * 1000) / N;
    const net = variant === 'none' ? Number.NaN : cpu - baseCpu;
    return {
      variant,
      label: VARIANTS[variant],
      cpuPerLineUs: cpu,
      netCpuPerLineUs: net,
      mainPerLineUs: main,
      netMainPerLineUs: variant === 'none' ? Number.NaN : main - baseMain,
      wallPerLineUs: wall,
      netWallPerLineUs: variant === 'none' ? Number.NaN : wall - baseWall,
      wallMs: med(variant, 'wallMs'),
      rssMb: mb(med(variant, 'rss')),
      maxRssMb: mb(med(variant, 'maxRss')),
      threads: med(variant, 'threads'),
      bytesPerLine: med(variant, 'bytesPerLine'),
      shareOfCallPct: (net / CALL_US) * 100,
      cpuRangeUs: [
        Math.min(...runs[variant].map((r) => r.cpuUs / N)),
        Math.max(...runs[variant].map((r) => r.cpuUs / N)),
      ],
      sample: runs[variant][0].sample,
    };
  });
  const idleRows = idleNames.map((variant) => ({
    variant,
    label: IDLE[variant],
    threads: med(variant, 'threads'),
    rssMb: mb(med(variant, 'rss')),
    idleCpuMsPerS: med(variant, 'idleCpuUs') / IDLE_MS,
  }));

  const v = versions();
  const cpuModel = cpus()[0]?.model ?? 'unknown';
  const lines = [];
  lines.push(
    `Machine: ${cpuModel}, ${cpus().length} cores, ${fmt(totalmem() / 2 ** 30, 1)} GiB; Node ${process.version}; ` +
      `pino ${v.pino}, pino-pretty ${v.pinoPretty}. N = ${N} lines per run, ${PER_TURN} per event-loop turn, ${ROUNDS} rounds (fresh process per variant, ` +
      `order alternating), medians. Load (1-min) ${fmt(load0)} at start, ${fmt(load1)} at end; took ${fmt(totalS, 0)} s.`,
    '',
    '| variant | CPU µs/line (all threads) | net of `none` | main-thread µs/line | net | wall µs/line | wall total (ms) | RSS end / peak (MB) | threads | bytes/line | net CPU as % of a 650 µs call |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  );
  for (const r of rows) {
    lines.push(
      `| ${r.label} | ${fmt(r.cpuPerLineUs)} (${fmt(r.cpuRangeUs[0])}–${fmt(r.cpuRangeUs[1])}) | ${fmt(r.netCpuPerLineUs)} | ` +
        `${fmt(r.mainPerLineUs)} | ${fmt(r.netMainPerLineUs)} | ${fmt(r.wallPerLineUs)} | ${fmt(r.wallMs, 0)} | ` +
        `${fmt(r.rssMb, 1)} / ${fmt(r.maxRssMb, 1)} | ${fmt(r.threads, 0)} | ${fmt(r.bytesPerLine, 0)} | ` +
        `${r.variant === 'none' ? '—' : `${fmt(r.shareOfCallPct)} %`} |`,
    );
  }
  lines.push(
    '',
    `Idle (logger set up, one line written, then ${IDLE_MS} ms of nothing):`,
    '',
    '| idle process | threads | RSS (MB) | CPU while idle (ms per s) |',
    '| --- | ---: | ---: | ---: |',
  );
  for (const r of idleRows) {
    lines.push(`| ${r.label} | ${fmt(r.threads, 0)} | ${fmt(r.rssMb, 1)} | ${fmt(r.idleCpuMsPerS, 3)} |`);
  }
  lines.push('', 'First line written by each variant:', '');
  for (const r of rows) if (r.sample) lines.push(`- ${r.variant}: \`${r.sample}\``);
  process.stdout.write(`${lines.join('\n')}\n`);
  if (args.json) {
    const report = {
      node: process.version,
      cpuModel,
      n: N,
      perTurn: PER_TURN,
      rounds: ROUNDS,
      versions: v,
      load: [load0, load1],
      rows,
      idleRows,
      runs,
    };
    writeFileSync(args.json, `${JSON.stringify(report, null, 2)}\n`);
  }
}

if (args.child) {
  const result = await runChild(args.child, args.out);
  process.stdout.write(`${JSON.stringify(result)}\n`);
} else {
  await runParent();
}
