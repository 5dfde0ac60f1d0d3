import { availableParallelism } from 'node:os';
import type { Principal } from '../auth/principal.js';
import type { VerifiedCaller } from '../auth/types.js';
import type { ChildLease } from '../children/child-ledger.js';
import type { ChildIdentity, Era } from '../children/child-identity.js';
import type { ChildSupplier } from '../children/child-supplier.js';
import { CapacityError } from '../children/errors.js';
import type { ServerConfig } from '../config/model.js';
import type { Logger } from '../observability/logger.js';
import type { JsonRpcNotification } from '../protocol/jsonrpc.js';
import { PooledChild } from './pooled-child.js';
import { PoolSizing, type PoolSizingOptions } from './pool-sizing.js';

export interface ChildPoolOptions {
  logger: Logger;
  /** Where the pool leases and gets its children (shared with legacy sessions). */
  supplier: ChildSupplier;
  onBroadcast: (child: PooledChild, message: JsonRpcNotification) => void;
  /** How long a request at a cap waits for a busy child of its key before it is refused (default 10 s). */
  capWaitMs?: number;
  /** When a request waits for a busy child rather than getting a new one (see `pool-sizing.ts`). */
  sizing?: PoolSizingOptions;
}

interface Waiter {
  server: ServerConfig;
  principal: Principal;
  capabilities: Record<string, unknown>;
  caller: VerifiedCaller | undefined;
  resolve(child: PooledChild): void;
  reject(error: Error): void;
  /** Set while the request waits at a cap for a busy child of its key. */
  timer: NodeJS.Timeout | undefined;
  /** When it started waiting. */
  since: number;
}

/**
 * Children of one key started at once at most (half the cores, at least one): a start-up costs
 * a child's whole boot in CPU, taken from the calls in flight. Measured on 2 cores with 64
 * clients calling back to back: ~650 calls/s with one start at a time, ~480 with two, ~160-280
 * with as many as the key runs.
 */
const STARTS_AT_ONCE = Math.max(1, Math.floor(availableParallelism() / 2));

/** JSON with sorted keys: two clients declaring the same capabilities share children. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/**
 * Children for modern (2026-07-28) requests, keyed by (server, authenticated principal, the client's
 * declared capability profile). A child is initialized once, on the clients' behalf, with that
 * profile, then lent to one request at a time; concurrent requests of one key get more
 * children, up to the server's caps (which live sessions share). Idle children are reclaimed
 * after the server's `reclaim_after`; a child another key could use is evicted when a cap is reached.
 */
export class ChildPool {
  private readonly idle = new Map<string, PooledChild[]>();
  private readonly all = new Set<PooledChild>();
  private readonly startingByKey = new Map<string, number>();
  /** Requests waiting for a child of their key, oldest first. */
  private readonly waiting = new Map<string, Waiter[]>();
  private readonly idleTimers = new Map<PooledChild, NodeJS.Timeout>();
  /** Each child's place in the ledger, given back when it is discarded. */
  private readonly leases = new Map<PooledChild, ChildLease>();
  /** When each busy child was lent (its service time is measured to size the pool). */
  private readonly lentAt = new Map<PooledChild, number>();
  /** Per key with requests waiting: the next look at whether a new child pays back. */
  private readonly rechecks = new Map<string, NodeJS.Timeout>();
  private readonly sizing: PoolSizing;
  private draining = false;
  private readonly logger: Logger;

  constructor(private readonly options: ChildPoolOptions) {
    this.logger = options.logger.child({ component: 'modern' });
    this.sizing = new PoolSizing(options.sizing);
    // At a cap, an idle child (least recently used) gives way to whoever needs the slot.
    options.supplier.ledger.addEvictor((scope) => {
      const victim = [...this.idle.values()]
        .flat()
        .filter(
          (child) =>
            (scope.server === undefined || child.server.name === scope.server) &&
            (scope.principal === undefined || child.principal === scope.principal),
        )
        .sort((a, b) => a.lastUsedAt - b.lastUsedAt)[0];
      if (!victim) return false;
      void this.discard(victim);
      return true;
    });
  }

  static keyOf(server: ServerConfig, principal: Principal, capabilities: Record<string, unknown>): string {
    return `${server.name}\u0000${principal}\u0000${canonicalJson(capabilities)}`;
  }

  /**
   * A child of the key lent to the caller; `release` or `discard` it when the request is done.
   * An idle child is taken at once. Otherwise the request waits for whichever comes first: a
   * child of its key being released, or a new one (started while waiting requests outnumber the
   * children being started for the key). At a cap, a request with busy children of its key waits
   * for one of them (up to `capWaitMs`); with none, it is refused (503).
   */
  acquire(
    server: ServerConfig,
    principal: Principal,
    caller: VerifiedCaller | undefined,
    capabilities: Record<string, unknown>,
    signal?: AbortSignal,
  ): Promise<PooledChild> {
    const key = ChildPool.keyOf(server, principal, capabilities);
    const ready = this.takeIdle(key);
    if (ready) {
      ready.updateCaller(caller);
      this.lend(ready);
      return Promise.resolve(ready);
    }
    return new Promise<PooledChild>((resolve, reject) => {
      const waiter: Waiter = {
        server,
        principal,
        capabilities,
        caller,
        resolve,
        reject,
        timer: undefined,
        since: Date.now(),
      };
      const queue = this.waiting.get(key) ?? [];
      queue.push(waiter);
      if (queue.length === 1) {
        this.waiting.set(key, queue);
        this.sizing.noteQueue(key, true);
      }
      signal?.addEventListener('abort', () => this.dropWaiter(key, waiter, new Error('the client went away')), {
        once: true,
      });
      this.startFor(key, server, principal, caller, capabilities);
      this.scheduleRecheck(key);
    });
  }

  /**
   * While requests of a key wait, looks again every quarter of a start-up time: a queue that
   * stays is the saturation `PoolSizing` grows for, and no request event may come to notice it.
   */
  private scheduleRecheck(key: string): void {
    if (this.rechecks.has(key) || !this.waiting.has(key)) return;
    const timer = setTimeout(
      () => {
        this.rechecks.delete(key);
        const waiter = this.waiting.get(key)?.[0];
        if (!waiter) return;
        this.startFor(key, waiter.server, waiter.principal, waiter.caller, waiter.capabilities);
        this.scheduleRecheck(key);
      },
      Math.max(5, this.sizing.startMs(key) / 4),
    );
    timer.unref();
    this.rechecks.set(key, timer);
  }

  private lend(child: PooledChild): void {
    child.busy = true;
    this.lentAt.set(child, Date.now());
  }

  /** The end of a lend: its length is the key's service time. */
  private returned(child: PooledChild): void {
    const since = this.lentAt.get(child);
    if (since === undefined) return;
    this.lentAt.delete(child);
    this.sizing.noteService(child.key, Date.now() - since);
  }

  /** A key's queue emptied: its backlog stops counting and nothing needs a second look. */
  private queueEmptied(key: string): void {
    this.waiting.delete(key);
    this.sizing.noteQueue(key, false);
    clearTimeout(this.rechecks.get(key));
    this.rechecks.delete(key);
  }

  /** Back to the pool: to the oldest request waiting for its key, else idle, ready for the next. */
  release(child: PooledChild): void {
    this.returned(child);
    child.busy = false;
    child.handler = undefined;
    child.lastUsedAt = Date.now();
    if (!child.alive || this.draining) {
      void this.discard(child);
      return;
    }
    if (this.handOff(child)) return;
    const list = this.idle.get(child.key) ?? [];
    list.push(child);
    this.idle.set(child.key, list);
    const timer = setTimeout(() => void this.discard(child), child.server.sessions.reclaimAfterMs);
    timer.unref();
    this.idleTimers.set(child, timer);
  }

  private takeIdle(key: string): PooledChild | undefined {
    const ready = this.idle.get(key);
    while (ready && ready.length > 0) {
      const child = ready.pop()!;
      clearTimeout(this.idleTimers.get(child));
      this.idleTimers.delete(child);
      if (!child.alive) continue;
      return child;
    }
    return undefined;
  }

  /** Gives a free child to the oldest request waiting for its key. */
  private handOff(child: PooledChild): boolean {
    const queue = this.waiting.get(child.key);
    const waiter = queue?.shift();
    if (!waiter) return false;
    if (queue!.length === 0) this.queueEmptied(child.key);
    clearTimeout(waiter.timer);
    this.lend(child);
    child.updateCaller(waiter.caller);
    waiter.resolve(child);
    return true;
  }

  private dropWaiter(key: string, waiter: Waiter, error: Error): void {
    const queue = this.waiting.get(key);
    const index = queue?.indexOf(waiter) ?? -1;
    if (index < 0) return;
    queue!.splice(index, 1);
    if (queue!.length === 0) this.queueEmptied(key);
    clearTimeout(waiter.timer);
    waiter.reject(error);
  }

  private retryWaiting(): void {
    for (const [key, queue] of [...this.waiting]) {
      const waiter = queue[0];
      if (!waiter) continue;
      const { server, principal, caller, capabilities } = waiter;
      this.startFor(key, server, principal, caller, capabilities);
    }
  }

  /**
   * Starts a child for the key when one pays back: none of the key exists or is starting, or
   * `PoolSizing` says waiting costs more than a start-up (long calls, or a queue that stays).
   */
  private startFor(
    key: string,
    server: ServerConfig,
    principal: Principal,
    caller: VerifiedCaller | undefined,
    capabilities: Record<string, unknown>,
  ): void {
    const queue = this.waiting.get(key);
    const waiting = queue?.length ?? 0;
    const starting = this.startingByKey.get(key) ?? 0;
    if (waiting <= starting) return;
    const longestWaitMs = Date.now() - queue![0]!.since;
    let running = 0;
    let busy = 0;
    for (const child of this.all)
      if (child.key === key) {
        running += 1;
        if (child.busy) busy += 1;
      }
    if (running + starting > 0 && !this.sizing.shouldGrow(key, { waiting, busy, starting, longestWaitMs })) return;
    // Slow start: at most as many children starting as the key has running (at least one), and
    // half the cores' worth, so a spawn storm never stalls the children that serve.
    if (starting >= Math.max(1, Math.min(running, STARTS_AT_ONCE))) return;
    let lease: ChildLease;
    try {
      lease = this.reserve(server, principal);
    } catch (error) {
      const mine = [...this.all].some((child) => child.key === key);
      const newest = this.waiting.get(key)?.at(-1);
      if (!newest) return;
      if (!mine) {
        this.dropWaiter(key, newest, error as Error);
      } else if (!newest.timer) {
        // Busy children of this key will come back: wait for one of them, not forever.
        newest.timer = setTimeout(() => this.dropWaiter(key, newest, error as Error), this.options.capWaitMs ?? 10_000);
        newest.timer.unref();
      }
      return;
    }
    this.startingByKey.set(key, (this.startingByKey.get(key) ?? 0) + 1);
    this.start(key, server, principal, caller, capabilities, lease)
      .then(
        (child) => {
          if (!this.handOff(child)) this.release(child);
        },
        (error: unknown) => {
          lease.release();
          // Nothing else will serve the oldest request if no child of its key exists or is starting.
          const others = [...this.all].some((child) => child.key === key) || (this.startingByKey.get(key) ?? 1) > 1;
          const oldest = this.waiting.get(key)?.[0];
          if (oldest && !others) this.dropWaiter(key, oldest, error as Error);
        },
      )
      .finally(() => {
        const left = (this.startingByKey.get(key) ?? 1) - 1;
        if (left > 0) this.startingByKey.set(key, left);
        else this.startingByKey.delete(key);
        // Still more waiting than the key's children serve: the next round of the slow start.
        this.startFor(key, server, principal, caller, capabilities);
      });
  }

  /** Stops a child for good (it misbehaved, or a request left it in an unknown state). */
  async discard(child: PooledChild): Promise<void> {
    clearTimeout(this.idleTimers.get(child));
    this.idleTimers.delete(child);
    const list = this.idle.get(child.key);
    if (list) {
      const index = list.indexOf(child);
      if (index >= 0) list.splice(index, 1);
      if (list.length === 0) this.idle.delete(child.key);
    }
    if (!this.all.delete(child)) return;
    this.returned(child);
    if (!this.waiting.has(child.key) && ![...this.all].some((other) => other.key === child.key))
      this.sizing.forget(child.key);
    this.leases.get(child)?.release();
    this.leases.delete(child);
    child.handler = undefined;
    // A slot is free: requests waiting at a cap may get a child of their own (after the caller's own accounting).
    if (this.waiting.size > 0) setImmediate(() => this.retryWaiting());
    await child.close();
  }

  /** The era of a server's children, once one was started (probed once per server). */
  eraOf(server: ServerConfig): Era | undefined {
    return this.options.supplier.eraOf(server);
  }

  /** The identity a server's children declared, from any child of it (undefined before the first). */
  identityOf(server: ServerConfig): ChildIdentity | undefined {
    for (const child of this.all) if (child.server.name === server.name) return child.identity;
    return undefined;
  }

  stats(): { children: number; busy: number } {
    let busy = 0;
    for (const child of this.all) if (child.busy) busy += 1;
    return { children: this.all.size, busy };
  }

  async drain(): Promise<void> {
    this.draining = true;
    for (const [key, queue] of [...this.waiting])
      for (const waiter of [...queue])
        this.dropWaiter(key, waiter, new CapacityError('The adapter is shutting down', 5));
    await Promise.all([...this.all].map((child) => this.discard(child)));
  }

  /** Counts a child being started against the caps (the ledger evicts idle children to make room), or throws CapacityError. */
  private reserve(server: ServerConfig, principal: Principal): ChildLease {
    if (this.draining) throw new CapacityError('The adapter is shutting down', 5);
    return this.options.supplier.lease(server, principal, 'pooled');
  }

  private async start(
    key: string,
    server: ServerConfig,
    principal: Principal,
    caller: VerifiedCaller | undefined,
    capabilities: Record<string, unknown>,
    lease: ChildLease,
  ): Promise<PooledChild> {
    const logger = this.logger.child({ server: server.name });
    const startedAt = Date.now();
    const started = await this.options.supplier.startIdentified(server, caller, capabilities, logger);
    this.sizing.noteStart(key, Date.now() - startedAt);
    try {
      const child = new PooledChild({
        key,
        server,
        principal,
        capabilities,
        process: started.child,
        credentials: started.credentials,
        logger,
        identity: started.identity,
      });
      child.onBroadcast = this.options.onBroadcast;
      this.all.add(child);
      this.leases.set(child, lease);
      void started.child.exited.then(() => {
        if (this.all.has(child) && !child.busy) void this.discard(child);
      });
      if (this.draining) {
        void this.discard(child);
        throw new CapacityError('The adapter is shutting down', 5);
      }
      return child;
    } catch (error) {
      await started.child.close();
      await started.credentials.close();
      throw error;
    }
  }
}
