import { createHash } from 'node:crypto';

/**
 * What cannot travel in a request and must be shared by every instance of a deployment: which
 * sessions ended (so DELETE and expiry hold everywhere). Used only when more than one instance
 * can exist; a single instance keeps it in memory.
 */
export interface SharedSessionStore {
  isEnded(sessionId: string): Promise<boolean>;
  markEnded(sessionId: string, expiresAt: number): Promise<void>;
  /** Keys (`sessionKey`) of sessions ended since then, so live sessions ended elsewhere stop here too. */
  endedSince?(sinceMs: number): Promise<string[]>;
  /** Events of a cut stream, for a client that resumes on another instance (`streamKey`). */
  appendEvents?(streamKey: string, events: StoredEvent[], finished: boolean): Promise<void>;
  readEvents?(streamKey: string, afterSeq: number): Promise<{ events: StoredEvent[]; finished: boolean }>;
  /**
   * When a session was last used, so an instance bringing it back knows whether it idled out
   * elsewhere. Written at most a few times per idle period per session (not per request).
   */
  recordActivity?(sessionId: string, at: number, expiresAt: number): Promise<void>;
  lastActivity?(sessionId: string): Promise<number | undefined>;
  /** A client's answer to a server→client request, posted to an instance that does not hold the child. */
  postAnswer?(sessionId: string, message: unknown): Promise<void>;
  takeAnswers?(sessionId: string): Promise<unknown[]>;
}

export interface StoredEvent {
  seq: number;
  /** The SSE text of the event, as it goes on the wire. */
  text: string;
}

/** A stream's key in the store: the session's digest and the stream's id. */
export function streamKey(sessionId: string, streamId: string): string {
  return `${sessionKey(sessionId)}.${streamId}`;
}

/** Session ids are long; stores key them by a digest (which also keeps the ids themselves out of storage). */
export function sessionKey(sessionId: string): string {
  return createHash('sha256').update(sessionId).digest('base64url');
}

/** Ended sessions of this process, forgotten once they would have expired anyway. */
export class LocalTombstones implements SharedSessionStore {
  private readonly ended = new Map<string, number>();

  async isEnded(sessionId: string): Promise<boolean> {
    return this.has(sessionId);
  }

  has(sessionId: string): boolean {
    const key = sessionKey(sessionId);
    const until = this.ended.get(key);
    if (until === undefined) return false;
    if (until <= Date.now()) {
      this.ended.delete(key);
      return false;
    }
    return true;
  }

  async markEnded(sessionId: string, expiresAt: number): Promise<void> {
    this.add(sessionId, expiresAt);
  }

  add(sessionId: string, expiresAt: number): void {
    this.ended.set(sessionKey(sessionId), expiresAt);
    if (this.ended.size > 10_000) this.prune();
  }

  private prune(): void {
    const now = Date.now();
    for (const [key, until] of this.ended) if (until <= now) this.ended.delete(key);
  }
}
