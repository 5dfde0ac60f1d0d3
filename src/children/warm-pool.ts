import type { ServerConfig } from '../config/model.js';
import type { Logger } from '../observability/logger.js';
import type { StdioChild } from '../process/stdio-child.js';

export interface WarmPoolOptions {
  server: ServerConfig;
  /** Spawns one child of the server, as for a session (same command, environment and folders). */
  spawn: () => Promise<StdioChild>;
  /**
   * How many children this pool may hold now, by the caps: slots of the server
   * (`max_concurrent`) and of the instance (`max_sessions`) that no session and no other pool uses.
   */
  room: () => number;
  logger: Logger;
}

interface WarmChild {
  child: StdioChild;
  recycle: NodeJS.Timeout;
}

/** Longest wait before spawning again after waiting children failed (exited, or could not start). */
const MAX_RETRY_MS = 30_000;

/**
 * Children of one server spawned ahead of sessions (`sessions.warm_pool`), so a new session
 * skips the process start. A waiting child is only spawned: `initialize` carries the client's
 * capabilities, so the session sends it. Children wait oldest first; one that exited while
 * waiting is dropped (spawning backs off while they keep failing), one that waited longer than
 * the server's idle timeout is replaced. The pool never holds more than the caps leave free, and
 * `stop` leaves no process behind.
 */
export class WarmPool {
  private readonly ready: WarmChild[] = [];
  private spawning = 0;
  private stopped = false;
  private failures = 0;
  private retry: NodeJS.Timeout | undefined;
  /** Spawns and shutdowns under way, awaited by `stop`. */
  private readonly pending = new Set<Promise<unknown>>();

  constructor(private readonly options: WarmPoolOptions) {}

  /** Children waiting, and being spawned: what the pool holds against the caps. */
  get count(): number {
    return this.ready.length + this.spawning;
  }

  /** Children spawned and waiting for a session. */
  get waiting(): number {
    return this.ready.length;
  }

  /** A waiting child for a new session (no longer the pool's), or undefined when none is ready. */
  take(): StdioChild | undefined {
    while (this.ready.length > 0) {
      const entry = this.ready.shift()!;
      clearTimeout(entry.recycle);
      if (entry.child.alive) {
        this.failures = 0;
        return entry.child;
      }
      this.discard(entry.child);
    }
    return undefined;
  }

  /** Spawns children (in the background) until the pool is full or the caps leave no room. */
  fill(): void {
    if (this.stopped || this.retry) return;
    const target = Math.min(this.options.server.sessions.warmPool, this.options.room());
    while (this.count < target) this.spawnOne();
  }

  /** Stops one waiting child (the most recently spawned) to free its slot; false when none waits. */
  evictOne(): boolean {
    const entry = this.ready.pop();
    if (!entry) return false;
    clearTimeout(entry.recycle);
    this.discard(entry.child);
    return true;
  }

  /** Stops every waiting child, and any being spawned, and spawns no more. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retry);
    for (const entry of this.ready.splice(0)) {
      clearTimeout(entry.recycle);
      this.discard(entry.child);
    }
    // A spawn that lands meanwhile is discarded (stopped), which adds its shutdown to `pending`.
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  private spawnOne(): void {
    this.spawning += 1;
    const spawned = this.options.spawn().then(
      (child) => {
        this.spawning -= 1;
        // Caps may have tightened while it started (sessions took the slots): then it is surplus.
        if (this.stopped || this.count >= Math.min(this.options.server.sessions.warmPool, this.options.room())) {
          this.discard(child);
          return;
        }
        const entry: WarmChild = {
          child,
          recycle: setTimeout(() => this.recycle(entry), this.options.server.sessions.idleTimeoutMs),
        };
        entry.recycle.unref();
        this.ready.push(entry);
        this.options.logger.info('warm child ready', { pid: child.pid, waiting: this.ready.length });
        void child.exited.then((info) => {
          if (!this.remove(entry)) return; // taken, recycled or stopped meanwhile
          this.discard(child);
          this.failed(`a waiting child exited (${info.signal ? `signal ${info.signal}` : `exit code ${info.code}`})`);
        });
      },
      (error: unknown) => {
        this.spawning -= 1;
        this.failed(`could not spawn a waiting child: ${(error as Error).message}`);
      },
    );
    this.track(spawned);
  }

  /** A child waited too long: a fresh one takes its place. */
  private recycle(entry: WarmChild): void {
    if (!this.remove(entry)) return;
    this.options.logger.info('warm child waited longer than the idle timeout; replacing it', { pid: entry.child.pid });
    this.discard(entry.child);
    this.fill();
  }

  private failed(reason: string): void {
    this.failures += 1;
    if (this.stopped) return;
    const delay = Math.min(MAX_RETRY_MS, 1000 * 2 ** (this.failures - 1));
    this.options.logger.warn(`warm pool: ${reason}; spawning again in ${delay / 1000} s`, { failures: this.failures });
    if (this.retry) return;
    this.retry = setTimeout(() => {
      this.retry = undefined;
      this.fill();
    }, delay);
    this.retry.unref();
  }

  private remove(entry: WarmChild): boolean {
    const index = this.ready.indexOf(entry);
    if (index === -1) return false;
    this.ready.splice(index, 1);
    clearTimeout(entry.recycle);
    return true;
  }

  private discard(child: StdioChild): void {
    this.track(child.close());
  }

  private track(promise: Promise<unknown>): void {
    const tracked = promise.catch(() => {}).finally(() => this.pending.delete(tracked));
    this.pending.add(tracked);
  }
}
