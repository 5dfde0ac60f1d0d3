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
