import { randomBytes } from 'node:crypto';
import { relayStoredEvents, SSE_HEADERS, SseStream, sseEvent } from '../web/sse-stream.js';
import type { Logger } from '../observability/logger.js';
import { ErrorCode, type JsonRpcId, type JsonRpcMessage, type JsonRpcRequest } from '../protocol/jsonrpc.js';
import type { SharedSessionStore } from '../state/shared-store.js';
import { statusFor, type Outcome, type ResponseSink } from './exchange.js';

/**
 * A retry that reached an instance other than the one holding the parked call travels through
 * the shared store: the receiving instance posts it under the continuation's key, the holder
 * (polling while it holds the call) resumes the call with a sink that appends the call's
 * messages to a stream in the store, and the receiving instance relays that stream to its client.
 */
export type RelayStore = Required<
  Pick<SharedSessionStore, 'postAnswer' | 'takeAnswers' | 'appendEvents' | 'readEvents'>
>;

export interface RelayedRetry {
  request: JsonRpcRequest;
  /** Where the holder writes the call's messages. */
  stream: string;
  principal: string;
}

export function continuationKey(continuationId: string): string {
  return `mcp-continuation.${continuationId}`;
}

/** The holder's side: a call's messages, appended in order to the retry's stream. */
export class StoreSink implements ResponseSink {
  private seq = 0;
  private chain: Promise<void> = Promise.resolve();
  private done = false;

  constructor(
    private readonly store: RelayStore,
    private readonly stream: string,
    private readonly id: JsonRpcId,
    private readonly logger: Logger,
  ) {}

  get finished(): boolean {
    return this.done;
  }

  notify(message: JsonRpcMessage): void {
    if (!this.done) this.append(message, false);
  }

  finish(outcome: Outcome): void {
    if (this.done) return;
    this.done = true;
    this.append({ jsonrpc: '2.0', id: this.id, ...outcome }, true);
  }

  /** The client is connected to another instance, which cannot tell this one it left. */
  onCancel(): void {}

  private append(message: unknown, finished: boolean): void {
    const event = { seq: ++this.seq, text: sseEvent(message) };
    this.chain = this.chain
      .then(() => this.store.appendEvents(this.stream, [event], finished))
      .catch((error: unknown) =>
        this.logger.warn('could not relay a message through the shared store', { error: String(error) }),
      );
  }
}

/**
 * The receiving instance's side: posts the retry for the holder and answers the client with
 * what the holder writes, as JSON when the answer is all there is, else as an SSE stream.
 */
export async function relayRetry(
  store: RelayStore,
  continuationId: string,
  retry: Omit<RelayedRetry, 'stream'>,
  options: { signal?: AbortSignal; takeWithinMs: number; pollMs: number; streamLimitMs: number },
): Promise<Response> {
  const stream = `c.${continuationId}.${randomBytes(9).toString('base64url')}`;
  const id = retry.request.id;
  await store.postAnswer(continuationKey(continuationId), { ...retry, stream } satisfies RelayedRetry);
  const deadline = Date.now() + options.takeWithinMs;
  let first: { events: { seq: number; text: string }[]; finished: boolean } = { events: [], finished: false };
  while (first.events.length === 0) {
    if (options.signal?.aborted) return new Response(null, { status: 499 });
    if (Date.now() > deadline) {
      return Response.json(
        {
          jsonrpc: '2.0',
          id,
          error: {
            code: ErrorCode.InternalError,
            message:
              'The instance holding this request did not take its retry (it may have stopped); send the request again without requestState',
          },
        },
        { status: 502 },
      );
    }
    await sleep(options.pollMs);
    first = await store.readEvents(stream, 0).catch(() => ({ events: [], finished: false }));
  }
  if (first.finished && first.events.length === 1) {
    // The answer is all there is: JSON, as the holder would have answered.
    const text = first.events[0]!.text;
    const json = text.slice(text.indexOf('data: ') + 'data: '.length).trim();
    const message = JSON.parse(json) as { error?: { code: number } };
    return new Response(json, {
      status: message.error ? statusFor(message.error.code) : 200,
      headers: { 'content-type': 'application/json' },
    });
  }
  const sse = new SseStream(options.streamLimitMs);
  options.signal?.addEventListener('abort', () => sse.close(), { once: true });
  void relayStoredEvents(sse, (after) => store.readEvents(stream, after), {
    after: 0,
    pollMs: options.pollMs,
    deadline: Date.now() + (options.streamLimitMs || 10 * 60_000),
    first,
  });
  return new Response(sse.body, { status: 200, headers: SSE_HEADERS });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
