/**
 * An in-memory cache of access tokens: an entry is served until `refreshMarginMs` before its
 * expiry, concurrent requests for one key share one fetch, and failures are never cached. Keys
 * are built by the callers from non-secret parts (principal, resource, scopes); tokens are
 * values only and never leave through logs.
 */
import type { ChildAccessToken } from '../types.js';

export const DEFAULT_REFRESH_MARGIN_MS = 5 * 60_000;

export interface TokenCacheOptions {
  /** Serve a cached token only while it is valid for at least this long (default 5 minutes). */
  refreshMarginMs?: number;
  /** Upper bound on entries; the oldest are dropped first (default 10 000). */
  maxEntries?: number;
  /** The clock, epoch milliseconds. */
  now?: () => number;
}

export interface CacheResult {
  token: ChildAccessToken;
  fromCache: boolean;
}

export class TokenCache {
  private readonly entries = new Map<string, ChildAccessToken>();
  private readonly inFlight = new Map<string, Promise<ChildAccessToken>>();
  private readonly margin: number;
  private readonly maxEntries: number;
  private readonly now: () => number;

  constructor(options: TokenCacheOptions = {}) {
    this.margin = Math.max(0, options.refreshMarginMs ?? DEFAULT_REFRESH_MARGIN_MS);
    this.maxEntries = Math.max(1, options.maxEntries ?? 10_000);
    this.now = options.now ?? Date.now;
  }

  get size(): number {
    return this.entries.size;
  }

  private fresh(token: ChildAccessToken): boolean {
    return token.expiresOnTimestamp - this.margin > this.now();
  }

  /** The cached token for `key`, or the result of `fetch` (shared by concurrent callers). */
  async get(key: string, fetch: () => Promise<ChildAccessToken>): Promise<CacheResult> {
    const cached = this.entries.get(key);
    if (cached && this.fresh(cached)) return { token: cached, fromCache: true };
    const pending = this.inFlight.get(key);
    if (pending) return { token: await pending, fromCache: true };
    const promise = (async () => {
      try {
        const token = await fetch();
        this.store(key, token);
        return token;
      } finally {
        this.inFlight.delete(key);
      }
    })();
    this.inFlight.set(key, promise);
    return { token: await promise, fromCache: false };
  }

  /** Forgets every entry whose key starts with `prefix` (all entries without one). */
  clear(prefix?: string): void {
    for (const key of [...this.entries.keys()]) {
      if (prefix === undefined || key.startsWith(prefix)) this.entries.delete(key);
    }
  }

  private store(key: string, token: ChildAccessToken): void {
    this.entries.delete(key);
    // A token too short-lived to be served again is not kept.
    if (!this.fresh(token)) return;
    this.entries.set(key, token);
    if (this.entries.size > this.maxEntries / 2) {
      for (const [other, value] of this.entries) {
        if (!this.fresh(value)) this.entries.delete(other);
      }
    }
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
  }
}
