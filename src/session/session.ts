import type { ServerConfig } from '../config/model.js';
import type { Logger } from '../observability/logger.js';
import type { StdioChild, ExitInfo } from '../process/stdio-child.js';
import {
  ErrorCode,
  errorResponse,
  idKey,
  isNotification,
  isRequest,
  isResponse,
  type JsonRpcId,
  type JsonRpcMessage,
  type JsonRpcRequest,
  type JsonRpcResponse,
} from '../protocol/jsonrpc.js';
import { telemetry, type RequestTags } from '../observability/telemetry.js';
import type { Span } from '@opentelemetry/api';
import type { VerifiedCaller } from '../auth/types.js';
import type { Principal } from '../auth/principal.js';
import type { MessageStream } from '../web/message-stream.js';
import { ResumableStream } from '../web/resumable-stream.js';
import { AdapterRequests } from '../children/adapter-requests.js';
import {
  governRequest,
  governResult,
  hidesNotification,
  needsAnnotations,
  rulesFor,
  type RuleAudit,
  type ToolCatalog,
} from '../governance/apply.js';
import type { CompiledRules } from '../governance/tool-rules.js';

/** How a session uses the store instances share (see SessionManager). */
export interface SessionSharing {
  relay(streamId: string, events: Array<{ seq: number; text: string }>, finished: boolean): void;
  /** Answers to this session's server→client requests that clients posted to other instances. */
  takeAnswers(): Promise<unknown[]>;
}

interface InFlightRequest {
  id: JsonRpcId;
  key: string;
  method: string;
  stream: MessageStream;
  progressKey: string | undefined;
  timer: NodeJS.Timeout;
  startedAt: number;
  span: Span;
  /** For `tools/call`: the tool's name, for the audit line. */
  tool: string | undefined;
  /** The rules of the caller that asked: its answer (a list) is filtered by them. */
  rules: CompiledRules;
  /** A list request without a cursor. */
  firstPage: boolean;
}

/** Notifications about the session as a whole, which belong on the GET stream. */
const SESSION_LEVEL = /^notifications\/(?:[a-z_]+\/list_changed|resources\/updated)$/;

/**
 * Why a session's child stopped. `deleted`, `lifetime` (and `idle` past the idle timeout) end the
 * session everywhere; `idle` before that reclaims the child, `child_exited` may restart it, and
 * `shutdown` leaves the session to other instances.
 */
export type EndReason = 'deleted' | 'idle' | 'lifetime' | 'child_exited' | 'shutdown' | 'handoff' | 'ended_elsewhere';

/**
 * One MCP session: the client's messages go to its child unchanged, and each message from the
 * child goes to exactly one client stream, by the rules docs/protocol-and-sessions.md "How messages are routed" lists:
 * a response to the stream of its request; progress to the stream of the request that holds
 * its token; session-level notifications to the GET stream when open; anything else (logging,
 * sampling, elicitation, roots) to the only in-flight request, else the GET stream, else the
 * newest in-flight request. What no stream can take is logged as dropped, and a server→client
 * request nobody can answer is answered with an error so the child does not wait forever.
 */
export interface SessionOptions {
  /** The sealed session id the client holds. */
  id: string;
  server: ServerConfig;
  principal: Principal;
  child: StdioChild;
  /** Negotiated protocol version (the child's answer to initialize). */
  protocolVersion: string;
  logger: Logger;
  /** Told once when the session or its child ends, with why. */
  onEnd: (session: Session, reason: EndReason) => void;
  /** Frees what the session holds besides its child (its token endpoint). */
  releaseResources?: () => Promise<void>;
  /** When the child counts as idle (then the manager reclaims it or ends the session), and when the session must end. */
  timing?: { idleAfterMs: number; lifetimeMs: number };
  /** The server's tools known so far and where refusals are told (shared by the server's sessions). */
  governance?: { catalog: ToolCatalog; audit: RuleAudit };
}

export class Session {
  lastActivityAt = Date.now();
  /** Told about the verified caller of each request (its token may have been renewed). */
  onCaller: ((caller: VerifiedCaller) => void) | undefined;
  /** Negotiated protocol version (the child's answer to initialize). */
  protocolVersion: string;
  private readonly inFlight = new Map<string, InFlightRequest>();
  private readonly byProgressToken = new Map<string, InFlightRequest>();
  /** Requests the child sent the client (sampling, elicitation, roots) still waiting for an answer. */
  private readonly awaitingClient = new Set<string>();
  private answerPoll: NodeJS.Timeout | undefined;
  private getStream: MessageStream | undefined;
  /** The session's resumable SSE streams, by id, for clients that come back with Last-Event-ID. */
  private readonly streams = new Map<string, ResumableStream>();
  private standalone: ResumableStream | undefined;
  private idleTimer: NodeJS.Timeout | undefined;
  private lifetimeTimer: NodeJS.Timeout | undefined;
  private ended = false;
  private readonly auditLogger: Logger;
  private readonly governance: { catalog: ToolCatalog; audit: RuleAudit } | undefined;
  /** Hashed once per session, not per request. */
  private readonly telemetryTags: RequestTags;
  /** The adapter's own requests to the child (a tool list for the rules). */
  private readonly adapterRequests: AdapterRequests;

  readonly id: string;
  readonly server: ServerConfig;
  readonly principal: Principal;
  private readonly child: StdioChild;
  private readonly logger: Logger;
  private readonly onEnd: (session: Session, reason: EndReason) => void;
  private readonly releaseResources: () => Promise<void>;

  constructor(options: SessionOptions) {
    const { id, server, principal, child, logger } = options;
    this.id = id;
    this.server = server;
    this.principal = principal;
    this.child = child;
    this.logger = logger;
    this.onEnd = options.onEnd;
    this.releaseResources = options.releaseResources ?? (async () => {});
    const timing = options.timing ?? {
      idleAfterMs: server.sessions.idleTimeoutMs,
      lifetimeMs: server.sessions.maxLifetimeMs,
    };
    this.protocolVersion = options.protocolVersion;
    this.auditLogger = logger.child({ component: 'audit' });
    this.governance = options.governance;
    this.telemetryTags = telemetry.tagsFor(id, principal);
    this.adapterRequests = new AdapterRequests((message) => child.send(message), server.name);
    child.onMessage = (message) => this.fromChild(message);
    void child.exited.then((info) => this.childExited(info));
    this.idleTimer = setTimeout(() => this.idleExpired(), timing.idleAfterMs);
    this.lifetimeTimer = setTimeout(() => this.end('lifetime'), Math.max(0, timing.lifetimeMs));
    this.idleTimer.unref();
    this.lifetimeTimer.unref();
  }

  get childAlive(): boolean {
    return this.child.alive;
  }

  get isEnded(): boolean {
    return this.ended;
  }

  /** Marks client activity; the idle clock restarts. */
  touch(): void {
    this.lastActivityAt = Date.now();
    this.idleTimer?.refresh();
  }

  /**
   * Makes what `forward` needs for these messages: rules that read tool annotations (`read_only`)
   * need the child's tool list, and a client may call a tool without listing first (or after a
   * new child replaced the one that listed). Lists the child's tools then, as the adapter's own
   * request, so the call is judged on what the child says, not refused for want of it.
   */
  async readyFor(messages: JsonRpcMessage[], caller?: VerifiedCaller): Promise<void> {
    if (!this.governance) return;
    const rules = rulesFor(this.server.rules, caller?.scopes);
    const { catalog } = this.governance;
    if (!messages.some((message) => isRequest(message) && needsAnnotations(rules, message, this.server.name, catalog)))
      return;
    await catalog.learn(this.server.name, (params) =>
      this.adapterRequests.request('tools/list', params, this.server.requestTimeoutMs),
    );
  }

  /**
   * Forwards client messages to the child. Requests among them are answered on `stream`,
   * which must be given when there are any.
   */
  forward(messages: JsonRpcMessage[], stream?: MessageStream, caller?: VerifiedCaller): void {
    this.touch();
    const rules = rulesFor(this.server.rules, caller?.scopes);
    for (let message of messages) {
      if (isResponse(message)) this.awaitingClient.delete(idKey(message.id));
      if (isRequest(message) && this.inFlight.has(idKey(message.id))) {
        // Ids must be unique among a session's open requests; the first keeps its answer.
        stream!.send(
          errorResponse(
            message.id,
            ErrorCode.InvalidRequest,
            `Invalid Request: a request with id ${JSON.stringify(message.id)} is already in flight in this session`,
          ),
        );
        continue;
      }
      if (isRequest(message) && this.governance && !rules.isEmpty) {
        const governed = governRequest(rules, this.server.name, message, this.governance.catalog);
        if (!governed.pass) {
          // Refused before it reaches the child; the client cannot tell a hidden name from a missing one.
          this.governance.audit.refused(
            this.server.name,
            this.principal,
            message.method,
            governed.subject,
            governed.rule,
          );
          stream!.send(governed.response);
          continue;
        }
        message = governed.request;
      }
      if (isRequest(message)) this.track(message, stream!, rules);
      else if (isNotification(message) && message.method === 'notifications/cancelled')
        this.cancelledByClient(message.params);
      if (!this.child.send(message) && isRequest(message)) {
        this.answer(
          idKey(message.id),
          errorResponse(message.id, ErrorCode.ConnectionClosed, `MCP server "${this.server.name}" is not running`),
        );
      }
    }
  }

  /** Set by the manager when instances share a store: where cut streams' events and clients' answers travel. */
  shared: SessionSharing | undefined;

  /** A new resumable stream of this session (for a POST's SSE response). */
  createStream(): ResumableStream {
    const streamId = { id: '' };
    const stream: ResumableStream = new ResumableStream({
      relay: this.shared ? (events, finished) => this.shared!.relay(streamId.id, events, finished) : undefined,
      // Priming events came with 2025-11-25; older clients get none.
      priming: this.protocolVersion >= '2025-11-25',
      retryMs: 1000,
      maxEvents: 1000,
      maxBytes: 8 * 1024 * 1024,
      keepFinishedMs: 5 * 60_000,
      keepDeliveredMs: 10_000,
      onDiscard: () => this.streams.delete(stream.id),
    });
    streamId.id = stream.id;
    this.streams.set(stream.id, stream);
    return stream;
  }

  /** A stream of this session a client resumes, by the stream part of its Last-Event-ID. */
  resumableStream(id: string): ResumableStream | undefined {
    return this.streams.get(id);
  }

  /**
   * The session's GET stream. There is at most one connected client: the spec lets a server
   * refuse more, and one keeps "delivered exactly once" simple. Undefined when one is connected.
   */
  standaloneStream(): ResumableStream | undefined {
    this.touch();
    if (this.standalone?.connected) return undefined;
    return this.standaloneStreamFor();
  }

  private standaloneStreamFor(): ResumableStream {
    if (!this.standalone) {
      const stream = this.createStream();
      this.standalone = stream;
      this.getStream = {
        get open() {
          return stream.connected;
        },
        send: (message) => {
          stream.append(message);
          return true;
        },
        close: () => stream.discard(),
      };
    }
    return this.standalone;
  }

  /** Ends the session: every open stream is closed and the child is shut down. */
  async end(reason: EndReason): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    clearTimeout(this.idleTimer);
    clearTimeout(this.lifetimeTimer);
    clearInterval(this.answerPoll);
    // Whether the session itself ended or only its child is the session manager's to say (and log).
    this.logger.debug('child stopping', { reason });
    for (const request of [...this.inFlight.values()]) {
      this.answer(request.key, errorResponse(request.id, ErrorCode.ConnectionClosed, `Session ended (${reason})`));
    }
    this.getStream?.close();
    for (const stream of this.streams.values()) stream.discard();
    this.streams.clear();
    this.onEnd(this, reason);
    await this.child.close();
    await this.releaseResources();
  }

  private track(request: JsonRpcRequest, stream: MessageStream, rules: CompiledRules): void {
    const key = idKey(request.id);
    const token = (request.params?._meta as { progressToken?: JsonRpcId } | undefined)?.progressToken;
    const entry: InFlightRequest = {
      id: request.id,
      key,
      method: request.method,
      stream,
      progressKey: token === undefined ? undefined : idKey(token),
      startedAt: Date.now(),
      timer: setTimeout(() => this.timedOut(key), this.server.requestTimeoutMs),
      span: telemetry.requestStarted(this.server.name, request.method, this.telemetryTags),
      tool:
        request.method === 'tools/call' && typeof request.params?.name === 'string' ? request.params.name : undefined,
      rules,
      firstPage: request.params?.cursor === undefined,
    };
    entry.timer.unref();
    this.inFlight.set(key, entry);
    if (entry.progressKey) this.byProgressToken.set(entry.progressKey, entry);
  }

  private timedOut(key: string): void {
    const request = this.inFlight.get(key);
    if (!request) return;
    const seconds = this.server.requestTimeoutMs / 1000;
    this.logger.warn('request timed out', { method: request.method, timeoutSeconds: seconds });
    this.answer(
      key,
      errorResponse(
        request.id,
        ErrorCode.RequestTimeout,
        `Request timed out after ${seconds} s: MCP server "${this.server.name}" did not answer "${request.method}"`,
      ),
    );
    this.child.send({
      jsonrpc: '2.0',
      method: 'notifications/cancelled',
      params: { requestId: request.id, reason: `Timed out after ${seconds} s` },
    });
  }

  private cancelledByClient(params: Record<string, unknown> | undefined): void {
    const requestId = params?.requestId as JsonRpcId | undefined;
    if (requestId === undefined) return;
    const request = this.finish(idKey(requestId));
    if (!request) return;
    telemetry.requestEnded(request.span, { code: 0, message: 'cancelled by the client' });
    if (request.tool !== undefined) this.audit(request, 'cancelled');
    request.stream.abandon?.(request.key);
  }

  /** Removes an in-flight request and delivers its final message. */
  private answer(key: string, answer: JsonRpcMessage): void {
    const request = this.finish(key);
    if (!request) return;
    let message = answer;
    const result = (answer as { result?: unknown }).result;
    if (result !== undefined && this.governance)
      message = {
        ...(answer as JsonRpcResponse),
        result: governResult(request.rules, this.server.name, request.method, result, this.governance.catalog, {
          firstPage: request.firstPage,
          audit: this.governance.audit,
        }),
      } as JsonRpcMessage;
    const error = (message as { error?: { code: number; message: string } }).error;
    telemetry.requestEnded(request.span, error);
    if (request.tool !== undefined)
      this.audit(
        request,
        error
          ? `error ${error.code}`
          : (message as { result?: { isError?: boolean } }).result?.isError
            ? 'tool_error'
            : 'ok',
      );
    this.deliver(request.stream, message, 'response');
  }

  /** One line per tool call: who, which server and tool, how it ended, how long. Never arguments or tokens. */
  private audit(request: InFlightRequest, outcome: string): void {
    this.auditLogger.info('tool call', {
      principal: this.principal,
      server: this.server.name,
      tool: request.tool,
      outcome,
      durationMs: Date.now() - request.startedAt,
    });
  }

  private finish(key: string): InFlightRequest | undefined {
    const request = this.inFlight.get(key);
    if (!request) return undefined;
    clearTimeout(request.timer);
    this.inFlight.delete(key);
    if (request.progressKey) this.byProgressToken.delete(request.progressKey);
    return request;
  }

  private fromChild(message: unknown): void {
    if (isResponse(message)) {
      if (this.adapterRequests.settle(message)) return;
      if (this.inFlight.has(idKey(message.id))) this.answer(idKey(message.id), message);
      else
        this.logger.warn('dropped a response to no pending request (late, cancelled or unknown id)', {
          id: message.id,
        });
      return;
    }
    if (isNotification(message)) {
      if (message.method === 'notifications/tools/list_changed') this.governance?.catalog.forget(this.server.name);
      if (hidesNotification(this.server.rules, message.method, message.params)) return;
      if (message.method === 'notifications/progress') {
        const token = (message.params as { progressToken?: JsonRpcId } | undefined)?.progressToken;
        const request = token === undefined ? undefined : this.byProgressToken.get(idKey(token));
        if (request) {
          request.timer.refresh();
          this.deliver(request.stream, message, message.method);
          return;
        }
      }
      if (SESSION_LEVEL.test(message.method) && this.getStream?.open) {
        this.deliver(this.getStream, message, message.method);
        return;
      }
      this.deliverSomewhere(message, message.method);
      return;
    }
    if (isRequest(message)) {
      this.awaitingClient.add(idKey(message.id));
      this.pollAnswers();
      if (!this.deliverSomewhere(message, message.method)) {
        this.child.send(
          errorResponse(
            message.id,
            ErrorCode.InternalError,
            'No client stream is open to carry this request; the client must keep a GET stream or a request open',
          ),
        );
      }
      return;
    }
    this.logger.warn('dropped a child message that is not JSON-RPC 2.0');
  }

  private deliverSomewhere(message: JsonRpcMessage, what: string): boolean {
    const open = [...this.inFlight.values()].filter((request) => request.stream.open);
    const target =
      open.length === 1
        ? open[0]!.stream
        : this.getStream?.open
          ? this.getStream
          : open.length > 0
            ? open.at(-1)!.stream
            : undefined;
    if (!target) {
      if (isNotification(message)) {
        // Kept for the GET stream the client has not opened yet (servers often announce
        // list changes right after initialize): delivered when it connects, bounded by its log.
        this.standaloneStreamFor().append(message);
        return true;
      }
      this.logger.warn('dropped a child message: no client stream is open', { method: what });
      return false;
    }
    return this.deliver(target, message, what);
  }

  private deliver(stream: MessageStream, message: JsonRpcMessage, what: string): boolean {
    if (stream.send(message)) return true;
    this.logger.warn('dropped a child message: its client stream is closed', { method: what });
    return false;
  }

  /**
   * While the child waits for the client's answer, look in the shared store too: with several
   * instances, the client's POST carrying the answer may reach another one.
   */
  private pollAnswers(): void {
    if (!this.shared || this.answerPoll) return;
    this.answerPoll = setInterval(() => {
      if (this.awaitingClient.size === 0 || this.ended) {
        clearInterval(this.answerPoll);
        this.answerPoll = undefined;
        return;
      }
      void this.shared!.takeAnswers().then(
        (answers) => {
          for (const answer of answers) {
            if (!isResponse(answer) || !this.awaitingClient.delete(idKey(answer.id))) continue;
            this.child.send(answer);
          }
        },
        (error: unknown) => this.logger.warn('could not read answers from the shared store', { error: String(error) }),
      );
    }, 200);
    this.answerPoll.unref();
  }

  /** Whether the child is waiting for the client's answer to this request id. */
  awaitsAnswer(id: JsonRpcId | null): boolean {
    return this.awaitingClient.has(idKey(id));
  }

  private idleExpired(): void {
    if (this.inFlight.size > 0) {
      this.idleTimer?.refresh();
      return;
    }
    void this.end('idle');
  }

  private childExited(info: ExitInfo): void {
    this.adapterRequests.failAll('exited');
    if (this.ended) return;
    this.logger.warn('child exited', {
      exitCode: info.code,
      signal: info.signal,
      stderrTail: this.child.stderrTail.slice(-5),
    });
    const detail = info.signal ? `signal ${info.signal}` : `exit code ${info.code}`;
    const why = this.child.stoppedBecause
      ? `was stopped: ${this.child.stoppedBecause}`
      : `exited (${detail}) before answering`;
    for (const request of [...this.inFlight.values()]) {
      this.answer(
        request.key,
        errorResponse(request.id, ErrorCode.ConnectionClosed, `MCP server "${this.server.name}" ${why}`),
      );
    }
    void this.end('child_exited');
  }
}
