import {
  ErrorCode,
  isJsonObject,
  type JsonRpcId,
  type JsonRpcNotification,
  type JsonRpcRequest,
  type JsonRpcResponse,
} from '../protocol/jsonrpc.js';
import {
  INPUT_REQUEST_CAPABILITY,
  INPUT_REQUIRED_METHODS,
  LOG_LEVELS,
  ModernErrorCode,
  type LogLevel,
} from '../protocol/modern.js';
import type { Outcome, ResponseSink as Exchange } from './exchange.js';
import { invalidInputResponse, missingCapabilities } from './input-requests.js';
import type { PooledChild } from './pooled-child.js';
import { completeResult, modernError, type ResultPolicy } from './results.js';

/** Where a 2025-era child may name the key of its input request (see `keyFor`). */
export const INPUT_KEY_META = 'mcp-stdio-adapter/inputKey';

/** A server-to-client request of the child, waiting for the client's answer. */
interface PendingInput {
  key: string;
  childId: JsonRpcId;
  method: string;
  params: Record<string, unknown> | undefined;
}

export interface BridgedCallOptions {
  child: PooledChild;
  request: JsonRpcRequest;
  capabilities: Record<string, unknown>;
  logLevel?: LogLevel;
  policy: ResultPolicy;
  /** Server-to-client requests arriving within this window go out in one `input_required` result. */
  settleMs: number;
  requestTimeoutMs: number;
  /** How long a cancelled child may take to answer before it is stopped rather than reused. */
  cancelGraceMs: number;
  /** Answers the first attempt already carries (`inputResponses` without `requestState`), by key. */
  initialResponses?: Record<string, unknown>;
  /** The child's result as the client may see it (the server's tool, prompt and resource rules). */
  governResult?: (result: unknown) => unknown;
  /** The call is over: give the child back (`reusable`) or stop it. */
  onDone(reusable: boolean): void;
  /** The child needs the client: park the call until a retry carries the answers. */
  onInputRequired(call: BridgedCall): Promise<string>;
}

/**
 * One client request carried by a leased child, across as many HTTP requests as its input
 * rounds need. A legacy child asks for sampling, elicitation or roots with a request of its
 * own; the call answers the client with `input_required` carrying those requests, keeps the
 * child's request open, and on the retry gives the child the client's answers and streams the
 * rest of the call to the retry.
 */
export class BridgedCall {
  private exchange: Exchange | undefined;
  private readonly childRequestId: JsonRpcId;
  private readonly pending = new Map<string, PendingInput>();
  /** The latest attempt's answers not used yet: a child asking again for one of these gets it at once. */
  private available: Record<string, unknown>;
  /** Requests for capabilities the client did not declare, decided on when the round settles. */
  private readonly refused: { request: JsonRpcRequest; missing: Record<string, unknown> }[] = [];
  private settle: NodeJS.Timeout | undefined;
  private timeout: NodeJS.Timeout | undefined;
  private inputCount = 0;
  private state: 'running' | 'awaiting_input' | 'cancelling' | 'done' = 'running';
  /** The child's answer when it came while the call waited for the client's input. */
  private parked: Outcome | undefined;
  readonly method: string;

  constructor(private readonly options: BridgedCallOptions) {
    this.method = options.request.method;
    this.childRequestId = options.child.newId();
    this.available = { ...options.initialResponses };
  }

  /** Sends the request to the child; its messages go to `exchange` until the call ends or needs input. */
  start(exchange: Exchange): void {
    const { child, request } = this.options;
    child.handler = {
      onResponse: (message) => this.onChildResponse(message),
      onNotification: (message) => this.onChildNotification(message),
      onServerRequest: (message) => this.onChildRequest(message),
      onExit: () => this.onChildExit(),
    };
    this.attach(exchange);
    const params = child.identity.era === 'modern' ? request.params : legacyParams(request.params);
    child.send({ jsonrpc: '2.0', id: this.childRequestId, method: request.method, ...(params && { params }) });
  }

  /**
   * A retry with the client's answers: validates them all before using any (a malformed retry
   * leaves the continuation usable), gives the child the ones it asked for, then streams the
   * call to `exchange`, or asks again for what is still missing.
   */
  resume(exchange: Exchange, inputResponses: unknown): Outcome | undefined {
    if (this.parked) {
      exchange.finish(this.parked);
      return undefined;
    }
    if (inputResponses !== undefined && !isJsonObject(inputResponses)) {
      return {
        error: {
          code: ErrorCode.InvalidParams,
          message: 'Invalid params: inputResponses must be an object keyed by the input request keys',
        },
      };
    }
    const answers = (inputResponses ?? {}) as Record<string, unknown>;
    const notObject = Object.entries(answers).find(([, answer]) => !isJsonObject(answer));
    if (notObject)
      return {
        error: {
          code: ErrorCode.InvalidParams,
          message: `Invalid params: inputResponses["${notObject[0]}"] must be an object (the answer to that input request)`,
        },
      };
    for (const input of this.pending.values()) {
      if (!(input.key in answers)) continue;
      const problem = invalidInputResponse(input.method, answers[input.key]);
      if (problem)
        return {
          error: {
            code: ErrorCode.InvalidParams,
            message: `Invalid params: inputResponses["${input.key}"] answers ${input.method}, but ${problem}`,
          },
        };
    }
    return this.continueWith(exchange, answers);
  }

  private continueWith(exchange: Exchange, answers: Record<string, unknown>): undefined {
    this.available = { ...answers };
    for (const input of [...this.pending.values()]) {
      if (!(input.key in answers)) continue;
      this.options.child.answer(input.childId, { result: answers[input.key] });
      this.pending.delete(input.key);
      delete this.available[input.key];
    }
    this.state = 'running';
    this.attach(exchange);
    // Still unanswered: asked again at once, as the spec advises, rather than failing the call.
    if (this.pending.size > 0) this.scheduleInputRequired(0);
    return undefined;
  }

  /** The client gave up (closed the stream, or never retried): the child's request is cancelled. */
  cancel(reason: string): void {
    if (this.state === 'done' || this.state === 'cancelling') return;
    this.state = 'cancelling';
    clearTimeout(this.settle);
    clearTimeout(this.timeout);
    const { child } = this.options;
    for (const input of this.pending.values())
      child.answer(input.childId, {
        error: { code: ErrorCode.InternalError, message: `The client did not answer: ${reason}` },
      });
    this.pending.clear();
    child.send({
      jsonrpc: '2.0',
      method: 'notifications/cancelled',
      params: { requestId: this.childRequestId, reason },
    });
    // A child that answers the cancelled request promptly is in a known state and can be reused.
    this.timeout = setTimeout(() => this.end(false), this.options.cancelGraceMs);
  }

  private attach(exchange: Exchange): void {
    this.exchange = exchange;
    exchange.onCancel(() => {
      if (this.exchange === exchange && this.state === 'running') this.cancel('the client closed the response stream');
    });
    clearTimeout(this.timeout);
    this.timeout = setTimeout(() => {
      this.fail({
        code: ErrorCode.InternalError,
        message: `Request timed out: MCP server "${this.options.child.server.name}" did not answer ${this.method} within ${this.options.requestTimeoutMs / 1000} s`,
      });
    }, this.options.requestTimeoutMs);
  }

  private onChildResponse(message: JsonRpcResponse): void {
    if (message.id !== this.childRequestId) return;
    if (this.state === 'cancelling') {
      this.end(true);
      return;
    }
    if (this.state !== 'running' && this.state !== 'awaiting_input') return;
    const { child, policy } = this.options;
    const outcome: Outcome = message.error
      ? {
          error:
            child.identity.era === 'modern' ? message.error : modernError(message.error, this.options.request.params),
        }
      : {
          result:
            child.identity.era === 'modern'
              ? (this.governed(message.result) as Record<string, unknown>)
              : completeResult(this.method, this.governed(message.result), child.identity, policy),
        };
    if (this.exchange) this.exchange.finish(outcome);
    else this.parked = outcome;
    this.end(true);
  }

  private governed(result: unknown): unknown {
    return this.options.governResult ? this.options.governResult(result) : result;
  }

  private onChildNotification(message: JsonRpcNotification): void {
    if (this.state !== 'running' || !this.exchange) return;
    if (message.method === 'notifications/message') {
      // The revision: no log messages unless the request asked for a level, and then at or above it.
      const wanted = this.options.logLevel;
      const level = message.params?.level as LogLevel | undefined;
      if (!wanted || !level || LOG_LEVELS.indexOf(level) < LOG_LEVELS.indexOf(wanted)) return;
      this.exchange.notify(message);
      return;
    }
    if (message.method === 'notifications/progress') {
      this.exchange.notify(message);
      this.resetTimeoutOnProgress();
    }
    // Anything else about the request (cancelled, elicitation/complete) has no 2026 counterpart.
  }

  private onChildRequest(message: JsonRpcRequest): void {
    const { child } = this.options;
    const capability = INPUT_REQUEST_CAPABILITY[message.method];
    if (!capability || this.state === 'cancelling' || this.state === 'done') {
      child.answer(message.id, {
        error: { code: ErrorCode.MethodNotFound, message: `The client cannot be sent ${message.method}` },
      });
      return;
    }
    if (!INPUT_REQUIRED_METHODS.has(this.method) || this.options.child.identity.era === 'modern') {
      child.answer(message.id, {
        error: {
          code: ErrorCode.MethodNotFound,
          message: `A 2026-07-28 client can only be asked for input during tools/call, prompts/get or resources/read, not ${this.method}`,
        },
      });
      return;
    }
    const missing = missingCapabilities(message, this.options.capabilities);
    if (missing) {
      // Refused or reported once the round settles: -32021 if the client can answer nothing else.
      this.refused.push({ request: message, missing });
      this.scheduleInputRequired(this.options.settleMs);
      return;
    }
    const { key, params } = this.keyFor(message);
    if (key in this.available) {
      const answer = this.available[key];
      delete this.available[key];
      const problem = invalidInputResponse(message.method, answer);
      if (problem) {
        child.answer(message.id, {
          error: { code: ErrorCode.InvalidParams, message: `The client's answer was malformed: ${problem}` },
        });
        this.fail({
          code: ErrorCode.InvalidParams,
          message: `Invalid params: inputResponses["${key}"] answers ${message.method}, but ${problem}`,
        });
        return;
      }
      child.answer(message.id, { result: answer });
      return;
    }
    this.pending.set(key, { key, childId: message.id, method: message.method, params });
    this.scheduleInputRequired(this.options.settleMs);
  }

  /**
   * The key of an input request: the child's own choice when it names one in
   * `_meta["mcp-stdio-adapter/inputKey"]` (a 2025 server has no other way to), else the method
   * and a count; the hint is not passed on.
   */
  private keyFor(message: JsonRpcRequest): { key: string; params: Record<string, unknown> | undefined } {
    let params = message.params;
    const meta = params?._meta as Record<string, unknown> | undefined;
    let key: string | undefined;
    if (meta && INPUT_KEY_META in meta) {
      const hint = meta[INPUT_KEY_META];
      const { [INPUT_KEY_META]: _hint, ...rest } = meta;
      const { _meta: _old, ...others } = params!;
      params = Object.keys(rest).length > 0 ? { ...others, _meta: rest } : others;
      if (typeof hint === 'string' && /^[\w.:-]{1,64}$/.test(hint) && !this.pending.has(hint)) key = hint;
    }
    if (!key) {
      this.inputCount += 1;
      key = `${message.method.split('/')[0]}-${this.inputCount}`;
    }
    return { key, params };
  }

  /** Requests that come together (a child asking for two things at once) go out together. */
  private scheduleInputRequired(delayMs: number): void {
    clearTimeout(this.settle);
    this.settle = setTimeout(() => void this.sendInputRequired(), delayMs);
  }

  private async sendInputRequired(): Promise<void> {
    if (this.state !== 'running') return;
    const { child } = this.options;
    if (this.pending.size === 0 && this.refused.length > 0) {
      const { missing } = this.refused[0]!;
      for (const { request } of this.refused.splice(0))
        child.answer(request.id, {
          error: {
            code: ErrorCode.InvalidRequest,
            message: `The client did not declare the ${Object.keys(missing)[0]} capability`,
          },
        });
      this.fail({
        code: ModernErrorCode.MissingRequiredClientCapability,
        message: `The MCP server needs the client capability "${describe(missing)}" for this request, and the request did not declare it`,
        data: { requiredCapabilities: missing },
      });
      return;
    }
    // The child may go on without what the client cannot give (its own choice); the rest is asked for.
    for (const { request, missing } of this.refused.splice(0)) {
      child.answer(request.id, {
        error: {
          code: ErrorCode.InvalidRequest,
          message: `The client did not declare the ${describe(missing)} capability`,
        },
      });
    }
    if (this.pending.size === 0) return;
    const exchange = this.exchange;
    this.state = 'awaiting_input';
    this.exchange = undefined;
    clearTimeout(this.timeout);
    const inputRequests: Record<string, unknown> = {};
    for (const input of this.pending.values()) {
      inputRequests[input.key] = { method: input.method, ...(input.params && { params: input.params }) };
    }
    const requestState = await this.options.onInputRequired(this);
    const result = completeResult(
      this.method,
      { resultType: 'input_required', inputRequests, requestState },
      child.identity,
      this.options.policy,
    );
    exchange?.finish({ result });
  }

  /** Fails the client's request and cancels the child's. */
  private fail(error: { code: number; message: string; data?: unknown }): void {
    if (this.state === 'done' || this.state === 'cancelling') return;
    this.exchange?.finish({ error });
    this.exchange = undefined;
    this.cancel(error.message);
  }

  private resetTimeoutOnProgress(): void {
    // Progress shows the child is working; the timeout restarts, as the spec allows.
    if (!this.exchange) return;
    clearTimeout(this.timeout);
    this.timeout = setTimeout(
      () =>
        this.fail({
          code: ErrorCode.InternalError,
          message: `Request timed out: no progress from MCP server "${this.options.child.server.name}" for ${this.options.requestTimeoutMs / 1000} s`,
        }),
      this.options.requestTimeoutMs,
    );
  }

  private onChildExit(): void {
    if (this.state === 'done') return;
    const { child } = this.options;
    const tail = child.stderrTail.slice(-3).join(' | ');
    this.exchange?.finish({
      error: {
        code: ErrorCode.InternalError,
        message: `MCP server "${child.server.name}" exited while handling ${this.method}${tail ? ` (stderr: ${tail})` : ''}`,
      },
    });
    this.exchange = undefined;
    this.end(false);
  }

  private end(reusable: boolean): void {
    if (this.state === 'done') return;
    this.state = 'done';
    clearTimeout(this.settle);
    clearTimeout(this.timeout);
    this.options.child.handler = undefined;
    this.options.onDone(reusable && this.pending.size === 0);
  }
}

function describe(capabilities: Record<string, unknown>): string {
  const [name, value] = Object.entries(capabilities)[0]!;
  const sub = value && typeof value === 'object' ? Object.keys(value) : [];
  return sub.length > 0 ? `${name}.${sub[0]}` : name;
}

/** What a legacy child gets of a modern request's params: none of the per-request protocol fields. */
export function legacyParams(params: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  if (!params) return params;
  const { inputResponses: _responses, requestState: _state, _meta, ...rest } = params;
  if (_meta && typeof _meta === 'object') {
    const kept = Object.fromEntries(
      Object.entries(_meta as Record<string, unknown>).filter(([key]) => !key.startsWith('io.modelcontextprotocol/')),
    );
    if (Object.keys(kept).length > 0) rest._meta = kept;
  }
  return rest;
}
