import type { JsonRpcMessage } from '../protocol/jsonrpc.js';

/**
 * Where a session delivers messages for the client: the response stream of one POST, or the
 * session's GET stream. The HTTP layer implements it; the session layer only routes.
 */
export interface MessageStream {
  /** False once the client went away or the stream was finished. */
  readonly open: boolean;
  /** Delivers one message. Returns false when the stream could not take it. */
  send(message: JsonRpcMessage): boolean;
  /** The request with this id will get no response on this stream (it was cancelled). */
  abandon?(requestKey: string): void;
  /** Finishes the stream. */
  close(): void;
}
