// The stateful-app parts of the soak (`npm run soak -- --stateful`, scripts/soak/run.mjs): a
// client fetch that honours 503 + Retry-After, the per-session check of the fixture's `count`
// tool (one counter per session: split-brain findings), children samples across instances, and
// the verdict lines and Markdown section of the stateful run.
//
// docs/scale-out-decision.md: several instances of the stateful app share a Table store; only
// the holder of the serving lease runs children, any other instance answers 503 + Retry-After
// and starts none; a holder that leaves (killed, or drained) hands the sessions to the next
// instance, whose new children start from nothing (the documented loss).

import { setTimeout as sleep } from 'node:timers/promises';
import { mdTable } from './lib.mjs';

// ---------------------------------------------------------------------------------------------
// 503 + Retry-After

export function newRefusals() {
  return {
    /** 503 answers with Retry-After that the client waited out and sent again. */
    count: 0,
    /** Retry-After value (seconds, as sent) → count. */
    retryAfter: {},
    /** Why (from the JSON-RPC error's message): lease (not the holder), draining, other. */
    byReason: {},
    /** Upstream (x-soak-upstream: A/B) → count. */
    byUpstream: {},
    /** HTTP method → count. */
    byMethod: {},
    /** Requests still refused after the last attempt (handed to the SDK as a 503). */
    exhausted: 0,
    /** Most resends one request needed. */
    maxResends: 0,
    /** When each refusal came (epoch ms), to count those during the failover. */
    times: [],
    /** 503 without Retry-After (not resent). */
    withoutRetryAfter: 0,
    samples: [],
  };
}

/**
 * A fetch that honours 503 + Retry-After: waits min(Retry-After, 1 s) and sends the same request
 * again, at most `maxAttempts` times in all. A 503 of the stateful app's non-holder (or of a
 * draining instance) comes before anything reached a child, so sending again is safe; the proxy
 * routes the resend anew, as a front end would.
 */
export function honouringFetch(inner, refusals, { maxAttempts = 40, maxWaitMs = 1000 } = {}) {
  return async (url, init = {}) => {
    for (let attempt = 1; ; attempt++) {
      const response = await inner(url, init);
      if (response.status !== 503) return response;
      const header = response.headers.get('retry-after');
      if (header === null) {
        refusals.withoutRetryAfter++;
        return response;
      }
      if (attempt >= maxAttempts || init.signal?.aborted) {
        refusals.exhausted++;
        return response;
      }
      let text = '';
      try {
        text = await response.text();
      } catch {
        /* the body is not needed to resend */
      }
      refusals.count++;
      refusals.times.push(Date.now());
      refusals.maxResends = Math.max(refusals.maxResends, attempt);
      count(refusals.retryAfter, header);
      count(refusals.byReason, refusalReason(text));
      count(refusals.byMethod, init.method ?? 'GET');
      const upstream = response.headers.get('x-soak-upstream');
      count(refusals.byUpstream, upstream === '0' ? 'A' : upstream === '1' ? 'B' : '?');
      if (refusals.samples.length < 5)
        refusals.samples.push({ at: new Date().toISOString(), retryAfter: header, body: text.slice(0, 300) });
      const seconds = Number(header);
      const waitMs = Number.isFinite(seconds) && seconds >= 0 ? Math.min(seconds * 1000, maxWaitMs) : maxWaitMs;
      await sleep(waitMs, undefined, init.signal ? { signal: init.signal } : undefined).catch(() => {});
      if (init.signal?.aborted) return response;
    }
  };
}

function refusalReason(text) {
  if (/serving lease/i.test(text)) return 'not the lease holder';
  if (/shutting down/i.test(text)) return 'draining (shutting down)';
  return `other: ${text.replace(/\d+/g, 'N').slice(0, 120)}`;
}

// ---------------------------------------------------------------------------------------------
// The counter: one per session

/**
 * What the fixture's `count` tool tells about a session's process: within one pid, n rises by
 * exactly 1 per count call of the session; a new pid (chaos kill, failover) starts again at 1
 * (the documented loss of in-memory state); a pid seen before for the session after another one
 * (two processes interleaving) is split brain. A count attempt that failed may or may not have
 * reached the child: such attempts explain a gap of at most their number.
 */
export class CounterLedger {
  constructor() {
    this.bySession = new Map();
    /** pid → session index that first saw it. */
    this.ownerOfPid = new Map();
    this.observations = 0;
    this.processes = 0;
    /** New processes of a session after its first one: the documented loss, each a restart from 1. */
    this.resets = { total: 0, afterLeave: 0, beforeLeave: 0 };
    /** Gaps explained by count attempts that failed (they may have counted before failing). */
    this.explainedGaps = 0;
    this.findings = [];
    this.findingCounts = {};
    this.maxN = 0;
  }

  state(session) {
    let state = this.bySession.get(session);
    if (!state) {
      state = { pids: [], lastPid: undefined, lastN: 0, unobserved: 0, history: [] };
      this.bySession.set(session, state);
    }
    return state;
  }

  /** A count attempt of `session` failed: it may have counted. */
  failedAttempt(session) {
    this.state(session).unobserved++;
  }

  /** A count answer of `session`: `{ pid, n }`; `afterLeave` says whether the instance left already. */
  observe(session, { pid, n }, { at = Date.now(), afterLeave = false } = {}) {
    const state = this.state(session);
    this.observations++;
    this.maxN = Math.max(this.maxN, n);
    state.history.push({ at: new Date(at).toISOString().slice(11, 23), pid, n });
    if (state.history.length > 12) state.history.shift();
    const slack = state.unobserved;
    state.unobserved = 0;
    const owner = this.ownerOfPid.get(pid);
    if (owner !== undefined && owner !== session)
      this.find('one process answered two sessions', session, { pid, n, otherSession: owner });
    if (pid === state.lastPid) {
      const expected = state.lastN + 1;
      if (n === expected) {
        /* as it should */
      } else if (n > expected && n <= expected + slack) this.explainedGaps++;
      else this.find(n <= state.lastN ? 'counter went back' : 'counter jumped', session, { pid, n, expected, slack });
      state.lastN = n;
      return;
    }
    if (state.pids.includes(pid)) {
      this.find('split brain: an earlier process of the session answered again', session, {
        pid,
        n,
        after: state.lastPid,
      });
      state.lastPid = pid;
      state.lastN = n;
      return;
    }
    // A new process for the session.
    this.processes++;
    this.ownerOfPid.set(pid, session);
    if (state.pids.length > 0) {
      this.resets.total++;
      if (afterLeave) this.resets.afterLeave++;
      else this.resets.beforeLeave++;
    }
    state.pids.push(pid);
    state.lastPid = pid;
    state.lastN = n;
    if (n === 1) return;
    if (n > 1 && n <= 1 + slack) this.explainedGaps++;
    else this.find('a new process did not start at 1', session, { pid, n, slack });
  }

  find(kind, session, detail) {
    count(this.findingCounts, kind);
    if (this.findings.length < 30)
      this.findings.push({ kind, session, ...detail, history: [...this.state(session).history] });
  }

  splitBrain() {
    return Object.entries(this.findingCounts)
      .filter(([kind]) => /split brain|two sessions/.test(kind))
      .reduce((sum, [, n]) => sum + n, 0);
  }

  summary() {
    const pidsPerSession = [...this.bySession.values()].map((s) => s.pids.length);
    return {
      sessions: this.bySession.size,
      observations: this.observations,
      processes: this.processes,
      resets: this.resets,
      explainedGaps: this.explainedGaps,
      maxN: this.maxN,
      maxProcessesPerSession: Math.max(0, ...pidsPerSession),
      splitBrain: this.splitBrain(),
      findingCounts: this.findingCounts,
      findings: this.findings,
    };
  }
}

// ---------------------------------------------------------------------------------------------
// Children across instances

/**
 * Samples of the fixture children of both instances: a child belongs to the adapter that is (or
 * was, when first seen) its parent, so the children a killed adapter leaves behind still count
 * as its own until they are gone.
 */
export class ChildrenWatch {
  constructor(adapters, markedProcesses, marker) {
    this.adapterByPid = new Map(adapters.map((a) => [a.pid, a.name]));
    this.names = adapters.map((a) => a.name);
    this.markedProcesses = markedProcesses;
    this.marker = marker;
    this.ownerOfChild = new Map();
    this.samples = 0;
    this.peakTotal = 0;
    this.peakTotalAt = null;
    this.peakByAdapter = Object.fromEntries(this.names.map((n) => [n, 0]));
    this.peakUnowned = 0;
    /** Samples where both instances had children. */
    this.bothAtOnce = [];
    this.bothAtOnceCount = 0;
    /** Samples (while checked) where the total exceeded the open sessions. */
    this.overSessions = [];
    this.overSessionsCount = 0;
    this.checkedSamples = 0;
  }

  /** One sample; `openSessions` (a number) turns the total-versus-sessions check on. */
  sample(openSessions, label = 'monitor') {
    const byAdapter = Object.fromEntries(this.names.map((n) => [n, 0]));
    let unowned = 0;
    const children = this.markedProcesses(this.marker);
    for (const child of children) {
      let owner = this.adapterByPid.get(child.ppid);
      if (owner) this.ownerOfChild.set(child.pid, owner);
      else owner = this.ownerOfChild.get(child.pid);
      if (owner) byAdapter[owner]++;
      else unowned++;
    }
    const total = children.length;
    const now = Date.now();
    this.samples++;
    if (total > this.peakTotal) {
      this.peakTotal = total;
      this.peakTotalAt = new Date(now).toISOString();
    }
    for (const n of this.names) this.peakByAdapter[n] = Math.max(this.peakByAdapter[n], byAdapter[n]);
    this.peakUnowned = Math.max(this.peakUnowned, unowned);
    const sample = { at: new Date(now).toISOString(), label, total, ...byAdapter, unowned, openSessions };
    if (this.names.filter((n) => byAdapter[n] > 0).length > 1) {
      this.bothAtOnceCount++;
      if (this.bothAtOnce.length < 20) this.bothAtOnce.push(sample);
    }
    if (typeof openSessions === 'number') {
      this.checkedSamples++;
      if (total > openSessions) {
        this.overSessionsCount++;
        if (this.overSessions.length < 20) this.overSessions.push(sample);
      }
    }
    return sample;
  }

  summary() {
    return {
      samples: this.samples,
      checkedSamples: this.checkedSamples,
      peakTotal: this.peakTotal,
      peakTotalAt: this.peakTotalAt,
      peakByAdapter: this.peakByAdapter,
      peakUnowned: this.peakUnowned,
      bothAtOnceCount: this.bothAtOnceCount,
      bothAtOnce: this.bothAtOnce,
      overSessionsCount: this.overSessionsCount,
      overSessions: this.overSessions,
    };
  }
}

// ---------------------------------------------------------------------------------------------
// Verdict and Markdown

/** The stateful run's own verdict lines (besides the default mode's). */
export function statefulProblems(report) {
  const s = report.stateful;
  const problems = [];
  if (!s.leave) problems.push('the lease holder never left (the load ended first)');
  else {
    if (s.leave.failoverMs === null)
      problems.push(`no call was answered by ${s.leave.survivor} after the lease holder left`);
    if (s.leave.kind === 'drain' && (s.leave.exit?.code !== 0 || s.leave.exit?.killed))
      problems.push(`the drained instance did not exit cleanly on SIGTERM: ${JSON.stringify(s.leave.exit)}`);
    if (s.leave.takeoverMs === null) problems.push('the other instance never held the lease after the leave');
  }
  if (s.initialHolders !== 1) problems.push(`${s.initialHolders} instances held the lease at the start (expected 1)`);
  const c = s.children;
  if (c.bothAtOnceCount > 0) problems.push(`${c.bothAtOnceCount} samples with children at both instances at once`);
  if (c.overSessionsCount > 0)
    problems.push(`${c.overSessionsCount} samples with more live children than open sessions (peak ${c.peakTotal})`);
  if (c.peakTotal > s.sessionsOpen)
    problems.push(`peak live children ${c.peakTotal} exceeded the ${s.sessionsOpen} sessions`);
  const k = s.counter;
  if (k.splitBrain > 0) problems.push(`${k.splitBrain} split-brain findings on the session counters`);
  const other = Object.entries(k.findingCounts).filter(([kind]) => !/split brain|two sessions/.test(kind));
  if (other.length) problems.push(`counter findings: ${other.map(([kind, n]) => `${kind} ×${n}`).join(', ')}`);
  if (s.refusals.exhausted > 0)
    problems.push(`${s.refusals.exhausted} requests still refused (503) after every resend`);
  if (s.refusals.withoutRetryAfter > 0)
    problems.push(`${s.refusals.withoutRetryAfter} 503 answers without Retry-After`);
  return problems;
}

/** The Markdown section of the stateful run (after the verdict). */
export function statefulMarkdown(report) {
  const s = report.stateful;
  const o = report.options;
  const lines = ['## Stateful app', ''];
  const leave = s.leave;
  const sec = (ms) => (ms === null || ms === undefined ? '-' : `${(ms / 1000).toFixed(2)} s`);
  lines.push(
    mdTable(
      [
        ['role', '`MCP_ADAPTER_APP_ROLE=stateful` on both adapters, one lease row (`WEBSITE_SITE_NAME`) in Azurite'],
        [
          'lease / skew',
          `${o.leaseMs} ms / ${o.leaseSkewMs} ms (short for the soak; production defaults are 20 s / 5 s)`,
        ],
        ['initial holder', `${s.initialHolder ?? '-'} (token ${s.initialToken ?? '-'})`],
        [
          'leave',
          leave
            ? `${leave.kind === 'kill' ? 'SIGKILL' : 'SIGTERM (drain)'} of holder ${leave.instance} at ${leave.at} (call ${leave.atCall}, ${sec(leave.atLoadMs)} into the load)`
            : 'none',
        ],
        ...(leave
          ? [
              [
                `**failover** (leave → first call answered by ${leave.survivor})`,
                `**${sec(leave.failoverMs)}** (the first call issued after the leave was answered after ${sec(leave.firstIssuedOkMs)}: the sessions' calls in flight at the leave went first)`,
              ],
              [
                'lease taken over by the other instance',
                `${sec(leave.takeoverMs)} after the leave (token ${leave.tokenAfter ?? '-'})`,
              ],
              ['503s during the failover', leave.refusalsDuringFailover],
              ['children of the leaving instance gone (by the 250 ms samples)', sec(leave.oldChildrenGoneMs)],
              ...(leave.kind === 'drain'
                ? [['drained instance exit', `${JSON.stringify(leave.exit)}`]]
                : [['killed instance', `SIGKILL; its children at the leave: ${leave.childrenAtLeave}`]]),
              ['calls in flight at the leave, retried', s.retriedForLeave],
            ]
          : []),
        [
          '**refusals** (503 + Retry-After, resent)',
          `**${s.refusals.count}** (${Object.entries(s.refusals.byReason)
            .map(([k, v]) => `${k}: ${v}`)
            .join(
              ', ',
            )}); most resends of one request: ${s.refusals.maxResends}; still refused after every resend: ${s.refusals.exhausted}`,
        ],
        [
          'Retry-After (s) → count',
          Object.entries(s.refusals.retryAfter)
            .sort((a, b) => Number(a[0]) - Number(b[0]))
            .map(([k, v]) => `${k}: ${v}`)
            .join(', ') || '-',
        ],
        [
          'refusals by upstream / method',
          `${JSON.stringify(s.refusals.byUpstream)} / ${JSON.stringify(s.refusals.byMethod)}`,
        ],
        ['share of HTTP requests refused', `${s.refusalShare}% of ${s.httpRequests} requests through the proxy`],
        [
          '**peak live children vs sessions**',
          `**${s.children.peakTotal} vs ${s.sessionsOpen}** (per instance: ${Object.entries(s.children.peakByAdapter)
            .map(([k, v]) => `${k} ${v}`)
            .join(', ')}; ${s.children.samples} samples, ${s.children.checkedSamples} checked against the sessions)`,
        ],
        ['samples with children at both instances', s.children.bothAtOnceCount],
        ['samples with more children than sessions', s.children.overSessionsCount],
        [
          'count calls: answers / processes seen',
          `${s.counter.observations} / ${s.counter.processes} (most per session: ${s.counter.maxProcessesPerSession}; highest n: ${s.counter.maxN})`,
        ],
        [
          'new process for a session (restart from 1: the documented loss)',
          `${s.counter.resets.total} (before the leave: ${s.counter.resets.beforeLeave}, after: ${s.counter.resets.afterLeave}); gaps explained by failed count attempts: ${s.counter.explainedGaps}`,
        ],
        ['**split-brain findings**', `**${s.counter.splitBrain}**`],
        [
          'other counter findings',
          Object.keys(s.counter.findingCounts).filter((k) => !/split brain|two sessions/.test(k)).length
            ? JSON.stringify(s.counter.findingCounts)
            : 0,
        ],
        [
          'proxy failovers (ECONNREFUSED → next upstream)',
          `${JSON.stringify(report.results.proxy.failovers)}; served by upstream: ${report.results.proxy.servedByUpstream?.join(' / ')}`,
        ],
      ],
      ['', ''],
    ),
  );
  lines.push('');
  lines.push(
    'Clients honour 503 + Retry-After in their fetch (wait min(Retry-After, 1 s), send again, at most ' +
      `${o.refusalAttempts} attempts): a refusal comes before anything reaches a child. A call whose attempt was cut ` +
      'by the leave (in flight at the holder) is sent again by its client, at most twice. The counter check: ' +
      'within one process n rises by exactly 1 per count call of the session; a new process starts at 1; an ' +
      'earlier process of a session answering again, or one process answering two sessions, is split brain.',
    '',
  );
  if (s.children.bothAtOnce.length)
    lines.push(
      'Samples with children at both instances:',
      '',
      '```',
      ...s.children.bothAtOnce.map((x) => JSON.stringify(x)),
      '```',
      '',
    );
  if (s.children.overSessions.length)
    lines.push(
      'Samples over the sessions:',
      '',
      '```',
      ...s.children.overSessions.map((x) => JSON.stringify(x)),
      '```',
      '',
    );
  if (s.counter.findings.length)
    lines.push(
      'Counter findings (first 10):',
      '',
      '```',
      ...s.counter.findings.slice(0, 10).map((x) => JSON.stringify(x)),
      '```',
      '',
    );
  if (s.leaveLog?.length)
    lines.push("Lease lines of the adapters' logs:", '', '```', ...s.leaveLog.map((x) => JSON.stringify(x)), '```', '');
  return lines;
}

function count(map, key) {
  map[key] = (map[key] ?? 0) + 1;
}
