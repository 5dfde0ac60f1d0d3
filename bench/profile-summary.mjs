// Summarises a V8 .cpuprofile (from `node --cpu-prof`): self time by function and by package, and
// inclusive time of the adapter's own functions (dist/) and of a few Node internals that matter for
// a proxy (web Request/stream bridging, HTTP parsing, writes).
//
//   node bench/profile-summary.mjs <file.cpuprofile> [windowStartUs windowEndUs]
//
// The window (microseconds of the monotonic clock, as in the profile's timestamps and
// process.hrtime) restricts the summary to one phase of the run; without one, the span of the
// samples inside the adapter's POST handler is used.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const round = (x, d = 1) => Math.round(x * 10 ** d) / 10 ** d;

function category(url, fn) {
  if (!url) return fn.startsWith('(') ? fn : '(native/V8)';
  if (url.startsWith('node:')) return 'node: core';
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (nm) return nm[1];
  if (url.includes('/dist/')) return 'adapter dist/';
  return url;
}
function label(cf) {
  const fn = cf.functionName || '(anonymous)';
  const url = cf.url
    .replace(/^file:\/\//, '')
    .replace(`${ROOT}/`, '')
    .replace(/bench\/\.adapter-snapshot\/[^/]+\//, '')
    .replace(/^node_modules\//, '');
  return `${fn}  ${url ? `${url}:${cf.lineNumber + 1}` : ''}`.trim();
}

export function summariseProfile(profile, windowUs) {
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const inWindow = Boolean(windowUs && windowUs[0] < profile.endTime && windowUs[1] > profile.startTime);
  const self = new Map();
  let total = 0;
  let used = 0;
  let t = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    const dt = profile.timeDeltas[i] ?? 0;
    t += dt;
    if (inWindow && (t < windowUs[0] || t > windowUs[1])) continue;
    used++;
    total += dt;
    self.set(profile.samples[i], (self.get(profile.samples[i]) ?? 0) + dt);
  }
  const byFn = new Map();
  const byCat = new Map();
  const inclusive = new Map();
  let idle = 0;
  for (const [id, us] of self) {
    const cf = nodes.get(id).callFrame;
    if (cf.functionName === '(idle)') {
      idle += us;
      continue;
    }
    const key = label(cf);
    byFn.set(key, (byFn.get(key) ?? 0) + us);
    const c = category(cf.url, cf.functionName || '');
    byCat.set(c, (byCat.get(c) ?? 0) + us);
    const seen = new Set();
    for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
      const f = nodes.get(cur).callFrame;
      const k = label(f);
      if (seen.has(k)) continue;
      seen.add(k);
      inclusive.set(k, (inclusive.get(k) ?? 0) + us);
    }
  }
  const busy = total - idle;
  const top = (entries, k) =>
    entries
      .sort((a, b) => b[1] - a[1])
      .slice(0, k)
      .map(([name, us]) => ({ name, ms: round(us / 1000), pctOfBusy: round((100 * us) / Math.max(1, busy)) }));
  const interesting =
    /^(\S+)\s+(dist\/|node:internal\/deps\/undici|node:internal\/webstreams|node:_http_|node:internal\/abort_controller)/;
  return {
    window: inWindow ? 'the given window only' : 'whole profile',
    samples: used,
    totalMs: round(total / 1000, 0),
    busyMs: round(busy / 1000, 0),
    idleMs: round(idle / 1000, 0),
    topFunctions: top([...byFn.entries()], 30),
    byCategory: top([...byCat.entries()], 15),
    inclusive: top(
      [...inclusive.entries()].filter(([k]) => interesting.test(k) && !/^\(/.test(k)),
      30,
    ),
  };
}

/**
 * Fallback window when none was recorded: from the first to the last sample whose stack holds the
 * adapter's POST handler (`handlePost`), i.e. the echo phase without start-up and shutdown.
 */
export function handlerWindow(profile, fn = 'handlePost') {
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const hit = new Set();
  for (const n of profile.nodes) {
    for (let c = n.id; c !== undefined; c = parent.get(c)) {
      if (nodes.get(c).callFrame.functionName === fn) {
        hit.add(n.id);
        break;
      }
    }
  }
  let t = profile.startTime;
  let first;
  let last;
  for (let i = 0; i < profile.samples.length; i++) {
    t += profile.timeDeltas[i] ?? 0;
    if (hit.has(profile.samples[i])) {
      first ??= t;
      last = t;
    }
  }
  return first === undefined ? undefined : [first, last];
}

export function profileMarkdown(p) {
  const lines = [];
  lines.push('| self time by package | ms | % of busy |', '| --- | ---: | ---: |');
  for (const c of p.byCategory) lines.push(`| ${c.name} | ${c.ms} | ${c.pctOfBusy} |`);
  lines.push('', '| top functions by self time | ms | % of busy |', '| --- | ---: | ---: |');
  for (const c of p.topFunctions.slice(0, 25))
    lines.push(`| \`${c.name.replace(/\|/g, '\\|')}\` | ${c.ms} | ${c.pctOfBusy} |`);
  lines.push(
    '',
    '| inclusive time (adapter dist/, web Request/streams, node:http) | ms | % of busy |',
    '| --- | ---: | ---: |',
  );
  for (const c of p.inclusive.slice(0, 25))
    lines.push(`| \`${c.name.replace(/\|/g, '\\|')}\` | ${c.ms} | ${c.pctOfBusy} |`);
  return lines.join('\n');
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [file, a, b] = process.argv.slice(2);
  if (!file) {
    console.error('usage: node bench/profile-summary.mjs <file.cpuprofile> [windowStartUs windowEndUs]');
    process.exit(2);
  }
  const profile = JSON.parse(fs.readFileSync(file, 'utf8'));
  const p = summariseProfile(profile, a && b ? [Number(a), Number(b)] : handlerWindow(profile));
  console.log(`window: ${p.window}; ${p.busyMs} ms busy, ${p.idleMs} ms idle\n`);
  console.log(profileMarkdown(p));
}
