import { createHash } from 'node:crypto';
import { metrics, SpanStatusCode, trace, type Span } from '@opentelemetry/api';

/**
 * Telemetry through the OpenTelemetry API: a no-op until a host registers an SDK (the Functions
 * entry registers Azure Monitor). Spans and counters carry the server, the JSON-RPC method and
 * hashes of the session id and principal: never tokens, arguments or results, and not the
 * session id itself (whoever holds it can use the session).
 */
const tracer = trace.getTracer('mcp-stdio-adapter');
/**
 * The metrics API has no proxy meter: instruments made before a host registers its provider
 * would stay no-ops. So they are made per provider, on first use.
 */
function createInstruments() {
  const meter = metrics.getMeter('mcp-stdio-adapter');
  return {
    sessionsStarted: meter.createCounter('mcp.sessions.started', { description: 'MCP sessions started' }),
    sessionsEnded: meter.createCounter('mcp.sessions.ended', { description: 'MCP sessions ended, by reason' }),
    sessionsActive: meter.createUpDownCounter('mcp.sessions.active', {
      description: 'MCP sessions with a child on this instance',
    }),
    childrenStarted: meter.createCounter('mcp.children.started', { description: 'child processes started' }),
    childrenExited: meter.createCounter('mcp.children.exited', { description: 'child processes that exited, by how' }),
    childrenRestarted: meter.createCounter('mcp.children.restarts', {
      description: 'child processes started again for a live session',
    }),
    rulesRefused: meter.createCounter('mcp.rules.refused', {
      description: "requests refused by a server's tool, prompt or resource rules, by method",
    }),
  };
}
const instrumentsByProvider = new WeakMap<object, ReturnType<typeof createInstruments>>();
function instruments(): ReturnType<typeof createInstruments> {
  const provider = metrics.getMeterProvider();
  let found = instrumentsByProvider.get(provider);
  if (!found) {
    found = createInstruments();
    instrumentsByProvider.set(provider, found);
  }
  return found;
}

export interface RequestTags {
  /** Absent for 2026-07-28 requests, which have no session. */
  sessionHash?: string;
  principalHash: string;
  protocolVersion?: string;
}

/** Tags of recent identifiers: a principal's requests hash the same value over and over. */
const recentTags = new Map<string, string>();
const RECENT_TAGS = 1024;

/** A short, stable, non-reversible tag for an identifier. */
export function hashTag(value: string): string {
  let tag = recentTags.get(value);
  if (tag === undefined) {
    tag = createHash('sha256').update(value).digest('hex').slice(0, 16);
    if (recentTags.size >= RECENT_TAGS) recentTags.delete(recentTags.keys().next().value!);
    recentTags.set(value, tag);
  }
  return tag;
}

export const telemetry = {
  sessionStarted(server: string): void {
    instruments().sessionsStarted.add(1, { 'mcp.server': server });
  },
  sessionEnded(server: string, reason: string): void {
    instruments().sessionsEnded.add(1, { 'mcp.server': server, 'mcp.session.end_reason': reason });
  },
  /** A session got (+1) or lost (-1) its child on this instance. */
  sessionLive(server: string, delta: 1 | -1): void {
    instruments().sessionsActive.add(delta, { 'mcp.server': server });
  },
  childStarted(server: string): void {
    instruments().childrenStarted.add(1, { 'mcp.server': server });
  },
  childExited(server: string, how: string): void {
    instruments().childrenExited.add(1, { 'mcp.server': server, 'mcp.child.exit': how });
  },
  childRestarted(server: string): void {
    instruments().childrenRestarted.add(1, { 'mcp.server': server });
  },
  ruleRefused(server: string, method: string): void {
    instruments().rulesRefused.add(1, { 'mcp.server': server, 'mcp.method': method });
  },
  /** The hashed identifiers a session's spans carry. */
  tagsFor(sessionId: string, principal: string): RequestTags {
    return { sessionHash: hashTag(sessionId), principalHash: hashTag(principal) };
  },
  /** A span for one client JSON-RPC request, ended by `requestEnded`. */
  requestStarted(server: string, method: string, tags: RequestTags): Span {
    return tracer.startSpan(`mcp ${method}`, {
      attributes: {
        'rpc.system': 'jsonrpc',
        'rpc.method': method,
        'mcp.server': server,
        ...(tags.sessionHash && { 'mcp.session.hash': tags.sessionHash }),
        ...(tags.protocolVersion && { 'mcp.protocol.version': tags.protocolVersion }),
        'enduser.pseudo.id': tags.principalHash,
      },
    });
  },
  requestEnded(span: Span, error?: { code: number; message: string }): void {
    if (error) {
      span.setAttribute('rpc.jsonrpc.error_code', error.code);
      span.setStatus({ code: SpanStatusCode.ERROR, message: error.message.slice(0, 200) });
    }
    span.end();
  },
};
