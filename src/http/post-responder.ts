import { idKey, isResponse, type JsonRpcMessage, type JsonRpcRequest } from '../protocol/jsonrpc.js';
import type { MessageStream } from '../web/message-stream.js';
import type { ResumableStream } from '../web/resumable-stream.js';
import { SSE_HEADERS, SseStream } from '../web/sse-stream.js';
import { jsonResponse, plainResponse } from '../web/plain-response.js';

/**
 * The response to one POST that carried requests. The spec lets the server answer with JSON or
 * with an SSE stream; this waits for the child's first message and decides then: if the
 * responses arrive with nothing before them, plain JSON (cheapest for clients and proxies);
 * if a notification or a server→client request comes first, a resumable SSE stream that carries
 * it ahead of the response. The stream ends once every request of the POST is answered; if the
 * connection is cut before that, the stream lives on for the client to resume (GET with
 * Last-Event-ID): a dropped connection is not a cancellation.
 */
export class PostResponder implements MessageStream {
  readonly response: Promise<Response>;
  private resolve!: (response: Response) => void;
  private readonly pending: Set<string>;
  private readonly buffered: JsonRpcMessage[] = [];
  private stream: ResumableStream | undefined;
  private decided = false;
  private clientGone = false;

  constructor(
    requests: JsonRpcRequest[],
    private readonly isBatch: boolean,
    private readonly headers: Record<string, string>,
    private readonly createStream: () => ResumableStream,
    private readonly streamLimitMs: number,
    signal?: AbortSignal,
  ) {
    this.pending = new Set(requests.map((request) => idKey(request.id)));
    this.response = new Promise((resolve) => (this.resolve = resolve));
    signal?.addEventListener('abort', () => (this.clientGone = true));
  }

  get open(): boolean {
    if (this.stream) return !this.stream.finished;
    return !this.decided && !this.clientGone;
  }

  send(message: JsonRpcMessage): boolean {
    if (!this.open) return false;
    if (isResponse(message)) this.pending.delete(idKey(message.id));
    if (!this.stream) {
      if (isResponse(message)) {
        this.buffered.push(message);
        if (this.pending.size === 0) this.respondWithJson();
        return true;
      }
      this.startSse();
    }
    this.stream!.append(message);
    if (this.pending.size === 0) this.stream!.finish();
    return true;
  }

  abandon(requestKey: string): void {
    this.pending.delete(requestKey);
    if (this.pending.size > 0) return;
    if (this.stream) this.stream.finish();
    else this.respondWithJson();
  }

  close(): void {
    if (this.stream) this.stream.finish();
    else if (!this.decided) this.respondWithJson();
  }

  private respondWithJson(): void {
    if (this.decided) return;
    this.decided = true;
    if (this.buffered.length === 0) {
      this.resolve(plainResponse(null, 202, this.headers));
      return;
    }
    const body = this.isBatch ? this.buffered : this.buffered[0];
    this.resolve(jsonResponse(body, 200, this.headers));
  }

  private startSse(): void {
    this.decided = true;
    this.stream = this.createStream();
    const sse = new SseStream(this.streamLimitMs);
    this.stream.connect(sse);
    this.resolve(new Response(sse.body, { status: 200, headers: { ...this.headers, ...SSE_HEADERS } }));
    for (const message of this.buffered.splice(0)) this.stream.append(message);
  }
}
