import { randomBytes } from 'node:crypto';
import type { JsonRpcMessage } from '../protocol/jsonrpc.js';

/** Where the events of a stream go while a client is connected: one HTTP response body (SSE). */
export interface EventSink {
  readonly open: boolean;
  /** Writes raw SSE text; false when the client is gone. */
  write(text: string): boolean;
  close(): void;
}

export interface ResumableStreamOptions {
  /** Send a priming event (an id and a `retry` hint, no data) when a client connects: 2025-11-25 clients resume with it. */
  priming: boolean;
  /** The reconnection delay the priming event suggests. */
  retryMs: number;
  /** Events kept for a client that comes back; older ones are dropped (the stream degrades, memory stays bounded). */
  maxEvents: number;
  maxBytes: number;
  /** Called once the stream is finished and its client had the chance to read everything. */
  onDiscard: () => void;
  /** How long a finished stream's events stay for a client that was cut off and resumes late. */
  keepFinishedMs: number;
  /**
   * How long they stay when the stream finished while its client was connected: it was sent
   * every event and the end of the response, so only a connection that broke at that very moment
   * resumes, and it does so within its retry delay.
   */
  keepDeliveredMs: number;
  /**
   * Where events go once the client is cut off, when other instances exist: the shared store,
   * so the client may resume on any instance. Called in order; never awaited on the hot path.
   */
  relay?: (events: LoggedEvent[], finished: boolean) => void;
}

export interface LoggedEvent {
  seq: number;
  text: string;
}

/**
 * One logical SSE stream of a session (a POST's response stream, or the GET stream). Every event
 * gets an id (`<stream>.<seq>`) and is kept, bounded, so that a client whose connection was cut
 * (by a proxy, by Azure's 230-second limit, or by the adapter's own stream limit) resumes with
 * GET + Last-Event-ID and gets every event it missed, then the rest live. A cut connection is not
 * a cancellation: messages for the stream keep being recorded while nobody is connected.
 */
export class ResumableStream {
  readonly id = randomBytes(6).toString('base64url');
  private seq = 0;
  private readonly log: LoggedEvent[] = [];
  private bytes = 0;
  private sink: EventSink | undefined;
  private finishedAt: number | undefined;
  private droppedBefore = 0;
  private relaying = false;

  constructor(private readonly options: ResumableStreamOptions) {}

  get finished(): boolean {
    return this.finishedAt !== undefined;
  }

  get connected(): boolean {
    return this.sink?.open ?? false;
  }

  /** Records a message and delivers it to the connected client, if any. */
  append(message: JsonRpcMessage): void {
    if (this.finished) return;
    this.seq += 1;
    const text = `id: ${this.id}.${this.seq}\nevent: message\ndata: ${JSON.stringify(message)}\n\n`;
    this.log.push({ seq: this.seq, text });
    this.bytes += text.length;
    while (this.log.length > this.options.maxEvents || (this.bytes > this.options.maxBytes && this.log.length > 1)) {
      const dropped = this.log.shift()!;
      this.bytes -= dropped.text.length;
      this.droppedBefore = dropped.seq;
    }
    this.sink?.write(text);
    if (!this.connected) this.relayEvents([{ seq: this.seq, text }], false);
  }

  /** Once nobody is connected, everything the client may have missed goes to the shared store too. */
  private relayEvents(events: LoggedEvent[], finished: boolean): void {
    if (!this.options.relay) return;
    if (!this.relaying) {
      this.relaying = true;
      this.options.relay([...this.log], finished);
      return;
    }
    this.options.relay(events, finished);
  }

  /**
   * Connects a client: events after `afterSeq` (all of them for a new connection) are replayed,
   * then later ones arrive live. A previous connection is closed. Returns false when events the
   * client asks for were already dropped (it must start over).
   */
  connect(sink: EventSink, afterSeq?: number): boolean {
    if (this.sink && this.sink !== sink) this.sink.close();
    this.sink = sink;
    if (afterSeq !== undefined && afterSeq < this.droppedBefore) return false;
    if (this.options.priming && afterSeq === undefined)
      sink.write(`id: ${this.id}.0\nretry: ${this.options.retryMs}\ndata: \n\n`);
    for (const event of this.log) if (afterSeq === undefined || event.seq > afterSeq) sink.write(event.text);
    if (this.finished) {
      sink.close();
      this.sink = undefined;
    }
    return true;
  }

  /** No more messages will come: the connected client's response ends; the events stay a while for late resumers. */
  finish(): void {
    if (this.finished) return;
    this.finishedAt = Date.now();
    const connected = this.connected;
    this.sink?.close();
    // The response is over: nothing of it (its body stream, its request) needs to stay reachable.
    this.sink = undefined;
    if (!connected || this.relaying) this.relayEvents([], true);
    const timer = setTimeout(
      () => this.options.onDiscard(),
      connected ? this.options.keepDeliveredMs : this.options.keepFinishedMs,
    );
    timer.unref();
  }

  /** Ends the stream now (the session ended). */
  discard(): void {
    this.sink?.close();
    this.sink = undefined;
    this.log.length = 0;
    this.bytes = 0;
    this.finishedAt ??= Date.now();
  }
}

/** `<stream>.<seq>` → its parts, or undefined. */
export function parseEventId(value: string | null): { streamId: string; seq: number } | undefined {
  const match = value === null ? null : /^([A-Za-z0-9_-]{1,32})\.(\d{1,12})$/.exec(value.trim());
  return match ? { streamId: match[1]!, seq: Number(match[2]) } : undefined;
}
