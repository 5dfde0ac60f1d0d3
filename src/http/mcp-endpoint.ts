import type { ServerConfig } from '../config/model.js';
import type { Logger } from '../observability/logger.js';
import { ErrorCode, isRequest, isResponse, type JsonRpcMessage, type JsonRpcRequest } from '../protocol/jsonrpc.js';
import { isModernVersionString, META, MODERN_PROTOCOL_VERSIONS } from '../protocol/modern.js';
import { ACCEPTED_PROTOCOL_VERSIONS, allowsBatches } from '../protocol/versions.js';
import { ChildStartError } from '../children/errors.js';
import type { VerifiedCaller } from '../auth/types.js';
import type { Session } from '../session/session.js';
import type { Principal } from '../auth/principal.js';
import { ANONYMOUS } from '../auth/principal.js';
import { SESSION_ID_PATTERN } from '../state/session-token.js';
import type { SessionManager } from '../session/session-manager.js';
import { describeForHttp, rpcCodeFor, rpcErrorResponse } from '../web/http-errors.js';
import { parseMessages } from './parse-messages.js';
import { PostResponder } from './post-responder.js';
import type { ModernEndpoint } from '../modern/modern-endpoint.js';
import { BodyTooLargeError, readBodyText } from '../web/read-body.js';
import { relayStoredEvents, SSE_HEADERS, SseStream } from '../web/sse-stream.js';
import { parseEventId, type ResumableStream } from '../web/resumable-stream.js';
import { jsonResponse, plainResponse } from '../web/plain-response.js';

export interface McpEndpointContext {
  sessions: SessionManager;
  /** 2026-07-28 requests (`isModernPost`). */
  modern: ModernEndpoint;
  maxBodyBytes: number;
  logger: Logger;
  /** SSE responses end after this long (0: never); clients resume with Last-Event-ID. */
  streamLimitMs: number;
}

const SESSION_HEADER = 'mcp-session-id';

/** Unknown, ended, malformed, another server's or another principal's session: all look the same. */
const sessionNotFound = () =>
  rpcErrorResponse(404, 'Session not found: it ended or never existed; start a new session with initialize');

/**
 * The spec requires clients to list both media types explicitly; wildcards are not taken as
 * consent to SSE (the SDK's own server transport is just as strict).
 */
function accepts(request: Request, type: string): boolean {
  const accept = request.headers.get('accept') ?? '';
  return accept.split(',').some((part) => part.split(';')[0]!.trim().toLowerCase() === type);
}

/**
 * The Streamable HTTP endpoint of one server, for both eras. Legacy clients (2025-11-25, also
 * 2025-06-18 and 2025-03-26) hold a session: POST carries client messages, GET opens the
 * session's stream for server-initiated messages, DELETE ends the session. 2026-07-28 clients
 * POST modern (2026-07-28) requests, served by `modern/` (see `isModernPost`).
 */
export async function handleMcpRequest(
  request: Request,
  server: ServerConfig,
  context: McpEndpointContext,
  principal: Principal = ANONYMOUS,
  caller?: VerifiedCaller,
): Promise<Response> {
  const version = request.headers.get('mcp-protocol-version');
  if (request.method === 'POST') return handlePost(request, server, context, version, principal, caller);
  if (version !== null && !ACCEPTED_PROTOCOL_VERSIONS.includes(version)) {
    // A 2026-07-28 client has no GET stream and no session to DELETE.
    if (
      (request.method === 'GET' || request.method === 'DELETE') &&
      isModernVersionString(version) &&
      !request.headers.has(SESSION_HEADER)
    ) {
      return rpcErrorResponse(
        405,
        `Method ${request.method} not allowed for protocol revision ${version}: every message is a POST`,
        { headers: { allow: 'POST' } },
      );
    }
    return unsupportedVersion(version);
  }
  switch (request.method) {
    case 'GET':
      return handleGet(request, server, context, principal);
    case 'DELETE':
      return handleDelete(request, server, context, principal);
    default:
      return rpcErrorResponse(405, `Method ${request.method} not allowed; use POST, GET or DELETE`, {
        headers: { allow: 'POST, GET, DELETE' },
      });
  }
}

function unsupportedVersion(version: string): Response {
  return rpcErrorResponse(
    400,
    `Bad Request: unsupported MCP-Protocol-Version "${version}" (supported: ${[...MODERN_PROTOCOL_VERSIONS, ...ACCEPTED_PROTOCOL_VERSIONS].join(', ')})`,
  );
}

/**
 * Which era a POST speaks (the versioning page's rules for a dual-era server): a request that
 * carries the per-request protocol version in `_meta`, or a modern MCP-Protocol-Version, with no
 * session, is a 2026-07-28 request; anything else (`initialize`, a session's traffic) is legacy.
 */
function isModernPost(request: Request, version: string | null, messages: JsonRpcMessage[], isBatch: boolean): boolean {
  if (request.headers.has(SESSION_HEADER)) return false;
  if (version !== null && !ACCEPTED_PROTOCOL_VERSIONS.includes(version)) return isModernVersionString(version);
  if (isBatch || messages.length !== 1) return false;
  const meta = (messages[0] as { params?: { _meta?: Record<string, unknown> } }).params?._meta;
  return typeof meta === 'object' && meta !== null && META.protocolVersion in meta;
}

type SessionLookup = { session: Session } | { error: Response };

async function lookupSession(
  request: Request,
  server: ServerConfig,
  context: McpEndpointContext,
  principal: Principal,
  caller?: VerifiedCaller,
): Promise<SessionLookup> {
  const id = request.headers.get(SESSION_HEADER);
  if (id === null || id === '') {
    return {
      error: rpcErrorResponse(400, 'Bad Request: Mcp-Session-Id header is required (send initialize first to get one)'),
    };
  }
  let session: Session | undefined;
  try {
    session = SESSION_ID_PATTERN.test(id) ? await context.sessions.find(id, server, principal, caller) : undefined;
  } catch (error) {
    return { error: startFailure(error, server, context, null) };
  }
  if (!session) return { error: sessionNotFound() };
  return { session };
}

async function handlePost(
  request: Request,
  server: ServerConfig,
  context: McpEndpointContext,
  versionHeader: string | null,
  principal: Principal,
  caller: VerifiedCaller | undefined,
): Promise<Response> {
  if (!(accepts(request, 'application/json') && accepts(request, 'text/event-stream'))) {
    return rpcErrorResponse(
      406,
      'Not Acceptable: the Accept header must list both application/json and text/event-stream',
    );
  }
  const contentType = request.headers.get('content-type') ?? '';
  if (contentType.split(';')[0]!.trim().toLowerCase() !== 'application/json') {
    return rpcErrorResponse(415, 'Unsupported Media Type: Content-Type must be application/json');
  }
  let text: string;
  try {
    text = await readBodyText(request, context.maxBodyBytes);
  } catch (error) {
    const answer = error instanceof BodyTooLargeError ? describeForHttp(error) : undefined;
    if (answer) return rpcErrorResponse(answer.status, answer.message, { headers: answer.headers });
    throw error;
  }
  const parsed = parseMessages(text);
  if (!parsed.ok) return rpcErrorResponse(400, parsed.message, { code: parsed.code });
  const { messages, isBatch } = parsed;
  if (isModernPost(request, versionHeader, messages, isBatch)) {
    if (isBatch)
      return rpcErrorResponse(
        400,
        'Invalid Request: JSON-RPC batches are not part of protocol revision 2026-07-28; send one message per POST',
        { code: ErrorCode.InvalidRequest },
      );
    return context.modern.handle(request, server, messages[0]!, principal, caller, context.streamLimitMs);
  }
  if (versionHeader !== null && !ACCEPTED_PROTOCOL_VERSIONS.includes(versionHeader))
    return unsupportedVersion(versionHeader);

  const initialize = messages.find((message) => isRequest(message) && message.method === 'initialize') as
    | JsonRpcRequest
    | undefined;
  if (initialize) {
    if (messages.length > 1)
      return rpcErrorResponse(400, 'Invalid Request: initialize must be sent on its own, not in a batch', {
        code: ErrorCode.InvalidRequest,
      });
    if (request.headers.has(SESSION_HEADER)) {
      return rpcErrorResponse(
        400,
        'Invalid Request: initialize must not carry Mcp-Session-Id; the server assigns the session id',
        { code: ErrorCode.InvalidRequest, id: initialize.id },
      );
    }
    return startSession(server, initialize, context, isBatch, principal, caller);
  }

  const sessionId = request.headers.get(SESSION_HEADER);
  if (sessionId && context.sessions.sharesStreams && messages.every(isResponse)) {
    // Answers to the child's requests (sampling, elicitation) that reached an instance without
    // that child travel through the shared store; bringing a new child here would lose them.
    const held = context.sessions.peek(sessionId, server, principal);
    // (This instance may hold a child of the session too, one that did not ask: the asking one is elsewhere.)
    if (!held || !messages.every((message) => held.awaitsAnswer((message as { id: JsonRpcRequest['id'] }).id))) {
      if (!(await context.sessions.verify(sessionId, server, principal))) return sessionNotFound();
      await context.sessions.relayAnswers(sessionId, messages);
      return plainResponse(null, 202, { [SESSION_HEADER]: sessionId });
    }
  }
  const lookup = await lookupSession(request, server, context, principal, caller);
  if ('error' in lookup) return lookup.error;
  const { session } = lookup;
  if (caller) session.onCaller?.(caller);
  if (isBatch && !allowsBatches(versionHeader ?? session.protocolVersion)) {
    return rpcErrorResponse(
      400,
      `Invalid Request: JSON-RPC batches are not allowed in protocol version ${versionHeader ?? session.protocolVersion} (removed in 2025-06-18)`,
      { code: ErrorCode.InvalidRequest },
    );
  }
  const requests = messages.filter(isRequest);
  const headers = { [SESSION_HEADER]: session.id };
  await session.readyFor(messages, caller);
  if (requests.length === 0) {
    session.forward(messages, undefined, caller);
    return plainResponse(null, 202, headers);
  }
  const responder = new PostResponder(
    requests,
    isBatch,
    headers,
    () => session.createStream(),
    context.streamLimitMs,
    request.signal,
  );
  session.forward(messages, responder, caller);
  return responder.response;
}

async function startSession(
  server: ServerConfig,
  initialize: JsonRpcRequest,
  context: McpEndpointContext,
  isBatch: boolean,
  principal: Principal,
  caller: VerifiedCaller | undefined,
): Promise<Response> {
  try {
    const { session, response } = await context.sessions.open(server, principal, initialize, caller);
    const headers: Record<string, string> = session ? { [SESSION_HEADER]: session.id } : {};
    return jsonResponse(isBatch ? [response] : response, 200, headers);
  } catch (error) {
    return startFailure(error, server, context, initialize.id);
  }
}

/** A child that could not be started (new session or brought back): 503 at a cap, 502/504 otherwise. */
function startFailure(
  error: unknown,
  server: ServerConfig,
  context: McpEndpointContext,
  id: JsonRpcRequest['id'] | null,
): Response {
  const answer = describeForHttp(error);
  if (!answer) throw error;
  if (error instanceof ChildStartError)
    context.logger.error('MCP server failed to start', { server: server.name, kind: error.kind, error: error.message });
  return rpcErrorResponse(answer.status, answer.message, {
    id,
    code: rpcCodeFor(error),
    headers: answer.headers,
  });
}

async function handleGet(
  request: Request,
  server: ServerConfig,
  context: McpEndpointContext,
  principal: Principal,
): Promise<Response> {
  if (!accepts(request, 'text/event-stream')) {
    return rpcErrorResponse(406, 'Not Acceptable: the Accept header must list text/event-stream');
  }
  const lastEventId = request.headers.get('last-event-id');
  const resume = lastEventId === null ? undefined : parseEventId(lastEventId);
  const sessionId = request.headers.get(SESSION_HEADER);
  if (resume && sessionId && context.sessions.sharesStreams) {
    const held = context.sessions.peek(sessionId, server, principal);
    if (!held?.resumableStream(resume.streamId)) {
      // The stream was cut on another instance: replay its events from the shared store.
      if (!(await context.sessions.verify(sessionId, server, principal))) return sessionNotFound();
      return relayedStream(sessionId, resume, context);
    }
  }
  const lookup = await lookupSession(request, server, context, principal);
  if ('error' in lookup) return lookup.error;
  const { session } = lookup;
  session.touch();
  let stream: ResumableStream | undefined;
  let after: number | undefined;
  if (lastEventId !== null) {
    // Resumption: the client's connection to one of this session's streams was cut.
    stream = resume ? session.resumableStream(resume.streamId) : undefined;
    if (!stream || !resume)
      return rpcErrorResponse(
        404,
        `Not Found: no event stream of this session has event "${lastEventId}" (it ended, or its events are gone); start a new request`,
      );
    after = resume.seq;
  } else {
    stream = session.standaloneStream();
    if (!stream) return rpcErrorResponse(409, 'Conflict: this session already has an open GET stream');
  }
  const sse = new SseStream(context.streamLimitMs);
  if (!stream.connect(sse, after)) {
    return rpcErrorResponse(
      404,
      `Not Found: the events after "${lastEventId}" were dropped (the stream outgrew its buffer); start a new request`,
    );
  }
  request.signal?.addEventListener('abort', () => sse.close());
  return new Response(sse.body, { status: 200, headers: { ...SSE_HEADERS, [SESSION_HEADER]: session.id } });
}

/**
 * Replays a stream cut on another instance from the shared store: the events after the client's
 * Last-Event-ID, then new ones as they arrive, until the stream finishes or this response's limit.
 */
function relayedStream(
  sessionId: string,
  resume: { streamId: string; seq: number },
  context: McpEndpointContext,
): Response {
  const sse = new SseStream(context.streamLimitMs);
  const deadline = Date.now() + (context.streamLimitMs || 10 * 60_000);
  void relayStoredEvents(sse, (after) => context.sessions.readRelayedEvents(sessionId, resume.streamId, after), {
    after: resume.seq,
    pollMs: 150,
    deadline,
  });
  return new Response(sse.body, { status: 200, headers: { ...SSE_HEADERS, [SESSION_HEADER]: sessionId } });
}

async function handleDelete(
  request: Request,
  server: ServerConfig,
  context: McpEndpointContext,
  principal: Principal,
): Promise<Response> {
  const id = request.headers.get(SESSION_HEADER);
  if (id === null || id === '') return rpcErrorResponse(400, 'Bad Request: Mcp-Session-Id header is required');
  // Ending a session never starts a child for it, wherever its child runs.
  if (!SESSION_ID_PATTERN.test(id) || !(await context.sessions.deleteById(id, server, principal))) {
    return sessionNotFound();
  }
  return new Response(null, { status: 200 });
}
