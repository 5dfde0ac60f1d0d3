import { ErrorCode, type JsonRpcId, type JsonRpcMessage } from '../protocol/jsonrpc.js';
import { ModernErrorCode } from '../protocol/modern.js';
import { SSE_HEADERS, SseStream } from '../web/sse-stream.js';
import { jsonResponse } from '../web/plain-response.js';

export type Outcome =
  | { result: Record<string, unknown> }
  | { error: { code: number; message: string; data?: unknown } };

/**
 * The HTTP status a modern error is answered with when the response is still JSON: the
 * revision prescribes 404 for an unknown method and 400 for its own protocol errors.
 */
export function statusFor(code: number): number {
  if (code === ErrorCode.MethodNotFound) return 404;
  if (
    code === ModernErrorCode.HeaderMismatch ||
    code === ModernErrorCode.MissingRequiredClientCapability ||
    code === ModernErrorCode.UnsupportedProtocolVersion
  )
    return 400;
  return 200;
}

/** Where a call's messages go: the HTTP response of the request, or the shared store for another instance. */
export interface ResponseSink {
  readonly finished: boolean;
  notify(message: JsonRpcMessage): void;
  finish(outcome: Outcome, status?: number): void;
  onCancel(handler: () => void): void;
}

/**
 * One modern request's HTTP response: a single JSON object when the answer comes first, an SSE
 * stream scoped to the request when notifications come before it. The client closing the
 * stream (or going away before the JSON) is the request's cancellation.
 */
export class Exchange implements ResponseSink {
  readonly response: Promise<Response>;
  private resolve!: (response: Response) => void;
  private sse: SseStream | undefined;
  private done = false;
  private cancelHandlers: (() => void)[] = [];

  constructor(
    readonly id: JsonRpcId,
    signal: AbortSignal | undefined,
    private readonly streamLimitMs: number,
    private readonly extraHeaders: Record<string, string> = {},
    /** Runs once when the request ends: answered (the outcome) or cancelled by the client. */
    private readonly onDone: (outcome: Outcome | 'cancelled') => void = () => {},
  ) {
    this.response = new Promise((resolve) => (this.resolve = resolve));
    signal?.addEventListener('abort', () => this.cancelled(), { once: true });
  }

  get finished(): boolean {
    return this.done;
  }

  /** Runs when the client cancels the request (closes its stream) before the answer. */
  onCancel(handler: () => void): void {
    this.cancelHandlers.push(handler);
  }

  /** A message about the request before its answer (progress, log): switches to SSE. */
  notify(message: JsonRpcMessage): void {
    if (this.done) return;
    if (!this.sse) {
      this.sse = new SseStream(this.streamLimitMs, () => this.cancelled());
      this.resolve(new Response(this.sse.body, { status: 200, headers: { ...SSE_HEADERS, ...this.extraHeaders } }));
    }
    this.sse.send(message);
  }

  finish(outcome: Outcome, status?: number): void {
    if (this.done) return;
    this.done = true;
    this.onDone(outcome);
    const message = { jsonrpc: '2.0' as const, id: this.id, ...outcome };
    if (this.sse) {
      this.sse.send(message);
      this.sse.close();
    } else {
      const code = 'error' in outcome ? outcome.error.code : 0;
      this.resolve(jsonResponse(message, status ?? ('error' in outcome ? statusFor(code) : 200), this.extraHeaders));
    }
  }

  private cancelled(): void {
    if (this.done) return;
    this.done = true;
    this.onDone('cancelled');
    // Nobody reads it, but the fetch handler must still return.
    this.resolve(new Response(null, { status: 499 }));
    for (const handler of this.cancelHandlers) handler();
  }
}
