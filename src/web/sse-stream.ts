import type { JsonRpcMessage } from '../protocol/jsonrpc.js';
import type { EventSink } from './resumable-stream.js';
import type { StoredEvent } from '../state/shared-store.js';

const encoder = new TextEncoder();
/** Comments keep idle streams alive through proxies that close silent connections. */
const KEEPALIVE_MS = 15_000;
/** Unread bytes a slow client may leave queued before its connection is closed. */
const MAX_UNREAD_BYTES = 8 * 1024 * 1024;

export const SSE_HEADERS = {
  'content-type': 'text/event-stream',
  'cache-control': 'no-cache, no-transform',
  'x-accel-buffering': 'no',
};

/**
 * A Server-Sent Events body carrying JSON-RPC messages as `event: message` events.
 * `onClose` runs once, whether the server finished it or the client went away.
 */
export class SseStream implements EventSink {
  readonly body: ReadableStream<Uint8Array>;
  private controller!: ReadableStreamDefaultController<Uint8Array>;
  private closed = false;
  private readonly keepalive: NodeJS.Timeout;
  private readonly limit: NodeJS.Timeout | undefined;

  /**
   * @param limitMs closes the response after this long (0: never), before a proxy or Azure's
   *   230-second front end cuts it; a client resumes with Last-Event-ID.
   */
  constructor(
    limitMs = 0,
    private readonly onClose: () => void = () => {},
  ) {
    this.body = new ReadableStream<Uint8Array>(
      {
        start: (controller) => {
          this.controller = controller;
        },
        cancel: () => this.markClosed(),
      },
      // Counted in bytes, so a client that reads slowly is noticed (see `write`).
      new ByteLengthQueuingStrategy({ highWaterMark: 1024 * 1024 }),
    );
    this.keepalive = setInterval(() => this.write(': keepalive\n\n'), KEEPALIVE_MS);
    this.keepalive.unref();
    if (limitMs > 0) {
      this.limit = setTimeout(() => this.close(), limitMs);
      this.limit.unref();
    }
  }

  get open(): boolean {
    return !this.closed;
  }

  send(message: JsonRpcMessage): boolean {
    return this.write(sseEvent(message));
  }

  close(): void {
    if (this.closed) return;
    try {
      this.controller.close();
    } catch {
      // already errored or cancelled by the client
    }
    this.markClosed();
  }

  write(text: string): boolean {
    if (this.closed) return false;
    // A client this far behind is cut off rather than buffered for: it resumes from the
    // stream's bounded event log with Last-Event-ID.
    if ((this.controller.desiredSize ?? 0) < -MAX_UNREAD_BYTES) {
      this.close();
      return false;
    }
    try {
      this.controller.enqueue(encoder.encode(text));
      return true;
    } catch {
      this.markClosed();
      return false;
    }
  }

  private markClosed(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.keepalive);
    clearTimeout(this.limit);
    this.onClose();
  }
}

/** One JSON-RPC message as an SSE event, as it goes on the wire (and into the shared store). */
export function sseEvent(message: unknown): string {
  return `event: message\ndata: ${JSON.stringify(message)}\n\n`;
}

type ReadStored = (afterSeq: number) => Promise<{ events: StoredEvent[]; finished: boolean }>;

/**
 * Relays a stream another instance writes into the shared store: its events (SSE text) after
 * `after`, then new ones as they arrive, until it is finished, the client leaves or `deadline`.
 */
export async function relayStoredEvents(
  sse: SseStream,
  read: ReadStored,
  options: { after: number; pollMs: number; deadline: number; first?: Awaited<ReturnType<ReadStored>> },
): Promise<void> {
  let after = options.after;
  let batch = options.first;
  while (sse.open && Date.now() < options.deadline) {
    batch ??= await read(after).catch(() => ({ events: [], finished: false }));
    for (const event of batch.events) {
      if (!sse.write(event.text)) return;
      after = event.seq;
    }
    if (batch.finished) break;
    batch = undefined;
    await new Promise((resolve) => setTimeout(resolve, options.pollMs));
  }
  sse.close();
}
