import { createHash, randomBytes } from 'node:crypto';
import type { VerifiedCaller } from '../auth/types.js';
import type { AdapterConfig, ServerConfig } from '../config/model.js';
import type { Logger } from '../observability/logger.js';
import { hashTag, telemetry } from '../observability/telemetry.js';
import { describeForHttp, rpcCodeFor, rpcErrorResponse } from '../web/http-errors.js';
import {
  ErrorCode,
  isJsonObject,
  isNotification,
  isRequest,
  type JsonRpcId,
  type JsonRpcMessage,
  type JsonRpcRequest,
} from '../protocol/jsonrpc.js';
import { INPUT_REQUIRED_METHODS, MODERN_PROTOCOL_VERSIONS, REMOVED_METHODS } from '../protocol/modern.js';
import { ChildStartError } from '../children/errors.js';
import type { Principal } from '../auth/principal.js';
import type { SessionTokens } from '../state/session-token.js';
import { BridgedCall } from './bridged-call.js';
import { canonicalJson, ChildPool } from './child-pool.js';
import { Exchange, type Outcome, type ResponseSink } from './exchange.js';
import { continuationKey, relayRetry, StoreSink, type RelayedRetry, type RelayStore } from './relayed-retry.js';
import type { SharedSessionStore } from '../state/shared-store.js';
import { checkParamHeaders, ToolSchemas } from './param-headers.js';
import type { PooledChild } from './pooled-child.js';
import { checkRequestMeta, refusalResponse, type RequestMeta } from './request-meta.js';
import { completeResult, modernCapabilities, type ResultPolicy } from './results.js';
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
import { SubscriptionHub } from './subscriptions.js';
import type { ChildSupplier } from '../children/child-supplier.js';
import { jsonResponse, plainResponse } from '../web/plain-response.js';

export interface ModernEndpointOptions {
  config: AdapterConfig;
  logger: Logger;
  tokens: SessionTokens;
  /** Where the pool leases and gets its children (shared with legacy sessions). */
  supplier: ChildSupplier;
  /** Server-to-client requests within this window go out in one `input_required` (default 15 ms). */
  inputSettleMs?: number;
  /** Shared by the deployment's instances: a retry reaching an instance without the call travels through it. */
  store?: SharedSessionStore;
  /** How often a parked call looks for retries relayed through the store (default 250 ms). */
  relayPollMs?: number;
  /** Tool, prompt and resource rules: what the servers' children listed, and where refusals are told. */
  governance?: { catalog: ToolCatalog; audit: RuleAudit };
}

/** What a continuation's `requestState` carries, sealed (authenticated encryption) under the deployment key. */
interface ContinuationClaims {
  /** Continuation id: single use, held by the instance that holds the child. */
  c: string;
  s: string;
  /** Digest of the principal. */
  p: string;
  /** Digest of the request it continues: method and params other than _meta, inputResponses, requestState. */
  d: string;
  /** Expiry, epoch ms. */
  e: number;
  /** The instance holding the call. */
  i: string;
}

interface Continuation {
  call: BridgedCall;
  claims: ContinuationClaims;
  timer: NodeJS.Timeout;
  /** Looks for retries other instances relay through the store. */
  relayPoll?: NodeJS.Timeout;
}

const REQUEST_STATE_PURPOSE = 'mcp-request-state';

/**
 * The modern (2026-07-28) side of an endpoint: requests without sessions served by pooled children, input
 * rounds bridged onto legacy children's server-to-client requests, and `subscriptions/listen`.
 */
export class ModernEndpoint {
  readonly pool: ChildPool;
  private readonly hub: SubscriptionHub;
  private readonly continuations = new Map<string, Continuation>();
  private readonly schemas = new ToolSchemas();
  private readonly logger: Logger;
  private readonly instanceId = randomBytes(6).toString('base64url');
  /** Continuations used or ended here, until they would have expired: a replay is refused at once. */
  private readonly spent = new Map<string, number>();
  private readonly relay: RelayStore | undefined;

  constructor(private readonly options: ModernEndpointOptions) {
    this.logger = options.logger.child({ component: 'modern' });
    const store = options.store;
    this.relay =
      store?.postAnswer && store.takeAnswers && store.appendEvents && store.readEvents
        ? (store as RelayStore)
        : undefined;
    this.pool = new ChildPool({
      logger: options.logger,
      supplier: options.supplier,
      onBroadcast: (child, message) => {
        if (hidesNotification(child.server.rules, message.method, message.params)) return;
        if (message.method === 'notifications/tools/list_changed') {
          this.schemas.forget(child.server.name);
          this.options.governance?.catalog.forget(child.server.name);
        }
        this.hub.broadcast(child, message);
      },
    });
    this.hub = new SubscriptionHub(this.pool, options.logger);
  }

  /** One POST of a modern client: a single request (or notification), never a batch. */
  async handle(
    request: Request,
    server: ServerConfig,
    message: JsonRpcMessage,
    principal: Principal,
    caller: VerifiedCaller | undefined,
    streamLimitMs: number,
  ): Promise<Response> {
    if (isNotification(message)) return plainResponse(null, 202);
    if (!isRequest(message)) {
      return refusalResponse(null, {
        status: 400,
        code: ErrorCode.InvalidRequest,
        message: 'Invalid Request: a 2026-07-28 client sends requests and notifications only, never responses',
      });
    }
    const { id, method } = message;
    if (REMOVED_METHODS.has(method)) {
      return refusalResponse(id, {
        status: 404,
        code: ErrorCode.MethodNotFound,
        message: `Method not found: ${method} is not part of protocol revision 2026-07-28`,
      });
    }
    const checked = checkRequestMeta(request.headers, method, message.params);
    if ('refusal' in checked) return refusalResponse(id, checked.refusal);
    const { meta } = checked;
    const span = telemetry.requestStarted(server.name, method, {
      principalHash: hashTag(principal),
      protocolVersion: meta.protocolVersion,
    });
    let ended = false;
    const end = (outcome?: Outcome | 'cancelled') => {
      if (ended) return;
      ended = true;
      if (outcome === 'cancelled')
        telemetry.requestEnded(span, { code: ErrorCode.InternalError, message: 'cancelled by the client' });
      else telemetry.requestEnded(span, outcome && 'error' in outcome ? outcome.error : undefined);
    };
    let exchanged = false;
    const newExchange = () => {
      exchanged = true;
      return new Exchange(id, request.signal, streamLimitMs, {}, end);
    };
    try {
      const response = await this.dispatch(
        request,
        server,
        message,
        meta,
        principal,
        caller,
        streamLimitMs,
        newExchange,
      );
      // Answers that did not go through an exchange (discover, listen, refusals, relays) end here.
      if (!exchanged)
        end(
          response.status >= 400 ? { error: { code: response.status, message: `HTTP ${response.status}` } } : undefined,
        );
      return response;
    } catch (error) {
      end({ error: { code: ErrorCode.InternalError, message: (error as Error).message } });
      const answer = describeForHttp(error);
      if (!answer) throw error;
      if (error instanceof ChildStartError)
        this.logger.error('MCP server failed to start', {
          server: server.name,
          kind: error.kind,
          error: error.message,
        });
      return refusalResponse(
        id,
        { status: answer.status, code: rpcCodeFor(error), message: answer.message },
        answer.headers,
      );
    }
  }

  private async dispatch(
    request: Request,
    server: ServerConfig,
    message: JsonRpcRequest,
    meta: RequestMeta,
    principal: Principal,
    caller: VerifiedCaller | undefined,
    streamLimitMs: number,
    newExchange: () => Exchange,
  ): Promise<Response> {
    const { id, method } = message;
    const params = message.params ?? {};
    if (method === 'server/discover') return this.discover(server, id, meta, principal, caller);
    if (method === 'subscriptions/listen') {
      return this.hub.listen({
        server,
        id,
        params,
        meta,
        principal,
        caller,
        signal: request.signal,
        streamLimitMs,
        policy: this.policyFor(server),
      });
    }
    // A child that speaks 2026-07-28 keeps its own requestState: its retries go to it as they are.
    if (
      typeof params.requestState === 'string' &&
      INPUT_REQUIRED_METHODS.has(method) &&
      this.pool.eraOf(server) !== 'modern'
    ) {
      const opened = await this.openState(server, message, digest(principal));
      if (!('refusal' in opened))
        return this.continueCall(request, message, opened.claims, principal, streamLimitMs, newExchange);
      // Not ours: refused, unless the server's children turn out to speak 2026-07-28 (then it is theirs).
      if ((await this.eraOf(server, principal, caller, meta)) === 'legacy')
        return rpcErrorResponse(200, opened.refusal.error.message, { code: opened.refusal.error.code, id });
    }
    const initialResponses = params.inputResponses;
    if (
      initialResponses !== undefined &&
      !isAnswerMap(initialResponses) &&
      (await this.eraOf(server, principal, caller, meta)) === 'legacy'
    ) {
      return refusalResponse(id, {
        status: 400,
        code: ErrorCode.InvalidParams,
        message:
          'Invalid params: inputResponses must be an object whose values are the answers (objects) to input requests',
      });
    }
    const child = await this.pool.acquire(server, principal, caller, meta.clientCapabilities, request.signal);
    const rules = rulesFor(server.rules, caller?.scopes);
    let forChild = message;
    try {
      const governance = this.options.governance;
      if (governance && !rules.isEmpty) {
        // Read-only rules need the child's annotations; a stateless client may call without listing here first.
        if (needsAnnotations(rules, message, server.name, governance.catalog))
          await governance.catalog.learn(child.server.name, (params) =>
            child.request('tools/list', params, child.server.requestTimeoutMs),
          );
        const governed = governRequest(rules, server.name, message, governance.catalog);
        if (!governed.pass) {
          this.pool.release(child);
          governance.audit.refused(server.name, principal, method, governed.subject, governed.rule);
          const error = (governed.response as { error: { code: number; message: string } }).error;
          return rpcErrorResponse(200, error.message, { code: error.code, id });
        }
        forChild = governed.request;
      }
      if (method === 'tools/call' && child.identity.era === 'legacy') {
        const problem = checkParamHeaders(
          request.headers,
          params,
          await this.schemas.toolFor(child, String(params.name)),
        );
        if (problem) {
          this.pool.release(child);
          return refusalResponse(id, problem);
        }
      }
      if (child.identity.era === 'legacy') await this.applyLogLevel(child, meta);
    } catch (error) {
      this.pool.release(child);
      throw error;
    }
    if (request.signal?.aborted) {
      // The client left while a child was found for it: nothing was sent to the child.
      this.pool.release(child);
      return new Response(null, { status: 499 });
    }
    const exchange = newExchange();
    const call = this.newCall(child, message, meta, server, forChild, rules);
    call.start(exchange);
    return exchange.response;
  }

  /** A retry with a valid state of ours: resumed here, or relayed to the instance holding the call. */
  private continueCall(
    request: Request,
    message: JsonRpcRequest,
    claims: ContinuationClaims,
    principal: Principal,
    streamLimitMs: number,
    newExchange: () => Exchange,
  ): Promise<Response> | Response {
    if (!this.continuations.has(claims.c) && this.relay && claims.i !== this.instanceId && !this.spent.has(claims.c)) {
      // Another instance holds the call: the retry goes to it through the store.
      return relayRetry(
        this.relay,
        claims.c,
        { request: message, principal: digest(principal) },
        { signal: request.signal, takeWithinMs: 10_000, pollMs: 150, streamLimitMs },
      );
    }
    const exchange = newExchange();
    const refusal = this.resumeLocal(exchange, claims, message.params ?? {});
    if (refusal) exchange.finish(refusal);
    return exchange.response;
  }

  /** The era of the server's children, starting one to find out if none ran yet. */
  private async eraOf(
    server: ServerConfig,
    principal: Principal,
    caller: VerifiedCaller | undefined,
    meta: RequestMeta,
  ): Promise<'legacy' | 'modern'> {
    const known = this.pool.eraOf(server);
    if (known) return known;
    const child = await this.pool.acquire(server, principal, caller, meta.clientCapabilities);
    this.pool.release(child);
    return child.identity.era;
  }

  private newCall(
    child: PooledChild,
    message: JsonRpcRequest,
    meta: RequestMeta,
    server: ServerConfig,
    forChild: JsonRpcRequest = message,
    rules: CompiledRules = server.rules,
  ): BridgedCall {
    const governance = this.options.governance;
    return new BridgedCall({
      child,
      // What the child gets (a renamed tool under the child's name); the retry's digest stays the client's.
      request: forChild,
      ...(governance &&
        !rules.isEmpty && {
          governResult: (result: unknown) =>
            privateWhenPerRole(
              server,
              governResult(rules, server.name, message.method, result, governance.catalog, {
                firstPage: message.params?.cursor === undefined,
                audit: governance.audit,
              }),
            ),
        }),
      capabilities: meta.clientCapabilities,
      ...(meta.logLevel && { logLevel: meta.logLevel }),
      policy: this.policyFor(server),
      settleMs: this.options.inputSettleMs ?? 15,
      requestTimeoutMs: server.requestTimeoutMs,
      cancelGraceMs: this.options.config.adapter.shutdownGraceMs,
      ...(isAnswerMap(message.params?.inputResponses) && { initialResponses: message.params.inputResponses }),
      onDone: (reusable) => (reusable ? this.pool.release(child) : void this.pool.discard(child)),
      onInputRequired: (call) => this.park(call, message, child),
    });
  }

  /** Parks a call that needs the client's input; the returned `requestState` brings the retry back to it. */
  private async park(call: BridgedCall, message: JsonRpcRequest, child: PooledChild): Promise<string> {
    const ttlMs = child.server.sessions.inputWaitMs;
    const claims: ContinuationClaims = {
      c: randomBytes(16).toString('base64url'),
      s: child.server.name,
      p: digest(child.principal),
      d: requestDigest(message),
      e: Date.now() + ttlMs,
      i: this.instanceId,
    };
    const timer = setTimeout(() => {
      if (this.takeContinuation(claims.c)) call.cancel(`the client did not retry within ${ttlMs / 1000} s`);
    }, ttlMs);
    timer.unref();
    const continuation: Continuation = { call, claims, timer };
    if (this.relay) continuation.relayPoll = this.pollRelayedRetries(claims.c, this.relay);
    this.continuations.set(claims.c, continuation);
    return this.options.tokens.sealPayload(REQUEST_STATE_PURPOSE, claims);
  }

  private pollRelayedRetries(continuationId: string, relay: RelayStore): NodeJS.Timeout {
    let busy = false;
    const poll = setInterval(() => {
      if (busy) return;
      busy = true;
      relay
        .takeAnswers(continuationKey(continuationId))
        .then(async (retries) => {
          for (const retry of retries as RelayedRetry[]) {
            const sink = new StoreSink(relay, retry.stream, retry.request.id, this.logger);
            const server = this.options.config.servers.get(this.continuations.get(continuationId)?.claims.s ?? '');
            const opened = server
              ? await this.openState(server, retry.request, retry.principal)
              : {
                  refusal: {
                    error: {
                      code: ErrorCode.InvalidParams,
                      message:
                        'Invalid params: requestState was already used, or its request ended (expired or cancelled); send the request again without it',
                    },
                  },
                };
            const refusal =
              'refusal' in opened ? opened.refusal : this.resumeLocal(sink, opened.claims, retry.request.params ?? {});
            if (refusal) sink.finish(refusal);
          }
        })
        .catch((error: unknown) =>
          this.logger.warn('could not read relayed retries from the shared store', { error: String(error) }),
        )
        .finally(() => (busy = false));
    }, this.options.relayPollMs ?? 250);
    poll.unref();
    return poll;
  }

  /** Removes a continuation (used, expired, cancelled) and remembers it was spent. */
  private takeContinuation(continuationId: string): Continuation | undefined {
    const continuation = this.continuations.get(continuationId);
    if (!continuation) return undefined;
    this.continuations.delete(continuationId);
    clearTimeout(continuation.timer);
    clearInterval(continuation.relayPoll);
    this.spent.set(continuationId, continuation.claims.e);
    if (this.spent.size > 1000) for (const [id, until] of this.spent) if (until <= Date.now()) this.spent.delete(id);
    return continuation;
  }

  /**
   * A retry's `requestState`: it must open under our key, and name this server, this principal
   * and this request, unexpired. (Whether it was used already is up to the instance holding the call.)
   */
  private async openState(
    server: ServerConfig,
    message: JsonRpcRequest,
    principalDigest: string,
  ): Promise<{ claims: ContinuationClaims } | { refusal: { error: { code: number; message: string } } }> {
    const invalid = (why: string) => ({
      refusal: {
        error: {
          code: ErrorCode.InvalidParams,
          message: `Invalid params: requestState ${why}; send the request again without it`,
        },
      },
    });
    const claims = await this.options.tokens.openPayload<ContinuationClaims>(
      REQUEST_STATE_PURPOSE,
      message.params?.requestState as string,
    );
    if (!claims || typeof claims.c !== 'string')
      return invalid('is not one this server issued (altered, or from another deployment)');
    if (claims.s !== server.name || claims.p !== principalDigest)
      return invalid('was issued to another server or user');
    if (claims.d !== requestDigest(message))
      return invalid('belongs to a different request (method or params changed)');
    if (claims.e <= Date.now()) return invalid('has expired');
    return { claims };
  }

  /** Consumes the continuation (single use) and resumes its call; a malformed retry leaves it usable. */
  private resumeLocal(
    sink: ResponseSink,
    claims: ContinuationClaims,
    params: Record<string, unknown>,
  ): Outcome | undefined {
    const continuation = this.takeContinuation(claims.c);
    if (!continuation)
      return {
        error: {
          code: ErrorCode.InvalidParams,
          message:
            'Invalid params: requestState was already used, or its request ended (expired or cancelled); send the request again without it',
        },
      };
    const refusal = continuation.call.resume(sink, params.inputResponses);
    if (refusal) {
      // Nothing was given to the child: the same state may be retried with valid answers.
      this.spent.delete(claims.c);
      continuation.timer = setTimeout(
        () => {
          if (this.takeContinuation(claims.c)) continuation.call.cancel('the client did not retry in time');
        },
        Math.max(0, claims.e - Date.now()),
      );
      continuation.timer.unref();
      if (this.relay) continuation.relayPoll = this.pollRelayedRetries(claims.c, this.relay);
      this.continuations.set(claims.c, continuation);
    }
    return refusal;
  }

  private async discover(
    server: ServerConfig,
    id: JsonRpcId,
    meta: RequestMeta,
    principal: Principal,
    caller: VerifiedCaller | undefined,
  ): Promise<Response> {
    let identity = this.pool.identityOf(server);
    if (!identity) {
      // The first request to a server starts a child to learn what it declares; it stays ready for the next.
      const child = await this.pool.acquire(server, principal, caller, meta.clientCapabilities);
      identity = child.identity;
      this.pool.release(child);
    }
    const policy = this.policyFor(server);
    const result = completeResult(
      'server/discover',
      {
        supportedVersions: [...MODERN_PROTOCOL_VERSIONS],
        capabilities: modernCapabilities(identity.capabilities),
        ...(identity.instructions !== undefined && { instructions: identity.instructions }),
        ttlMs: policy.listTtlMs,
      },
      identity,
      policy,
    );
    return jsonResponse({ jsonrpc: '2.0', id, result });
  }

  /** Legacy children have one log level for everything; set it to what this request asked for. */
  private async applyLogLevel(child: PooledChild, meta: RequestMeta): Promise<void> {
    if (!meta.logLevel || !child.identity.capabilities.logging || child.logLevel === meta.logLevel) return;
    const response = await child.request('logging/setLevel', { level: meta.logLevel }, child.server.requestTimeoutMs);
    if (!response.error) child.logLevel = meta.logLevel;
  }

  private policyFor(server: ServerConfig): ResultPolicy {
    // A child acting as its user (on-behalf-of, the user's own token) may answer each user differently.
    const personal = server.auth.child.type === 'on_behalf_of' || server.auth.child.type === 'user_token';
    return { cacheScope: personal ? 'private' : 'public', listTtlMs: 0 };
  }

  stats(): { children: number; busy: number; awaitingInput: number; listeners: number } {
    return { ...this.pool.stats(), awaitingInput: this.continuations.size, listeners: this.hub.size };
  }

  async drain(): Promise<void> {
    for (const id of [...this.continuations.keys()])
      this.takeContinuation(id)?.call.cancel('the adapter is shutting down');
    this.hub.closeAll();
    await this.pool.drain();
  }
}

function isAnswerMap(value: unknown): value is Record<string, Record<string, unknown>> {
  return isJsonObject(value) && Object.values(value).every(isJsonObject);
}

function digest(value: string): string {
  return createHash('sha256').update(value).digest('base64url').slice(0, 22);
}

/** What identifies a request across its retries: the method and its params, less the per-attempt fields. */
function requestDigest(message: JsonRpcRequest): string {
  const { _meta, inputResponses, requestState, ...rest } = message.params ?? {};
  return digest(`${message.method}\u0000${canonicalJson(rest)}`);
}

/**
 * A list filtered by per-role rules differs between callers: whatever the child says, it must not
 * be cached for anyone else (2026-07-28 `cacheScope`).
 */
function privateWhenPerRole(server: ServerConfig, result: unknown): unknown {
  if (Object.keys(server.rules.roles).length === 0 || typeof result !== 'object' || result === null) return result;
  const scoped = result as { cacheScope?: unknown };
  return scoped.cacheScope === undefined || scoped.cacheScope === 'private'
    ? result
    : { ...scoped, cacheScope: 'private' };
}
