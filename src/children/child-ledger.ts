import type { AdapterConfig, ServerConfig } from '../config/model.js';
import { CapacityError } from './errors.js';
import { ANONYMOUS, type Principal } from '../auth/principal.js';

/**
 * What a child process is held for:
 * - `session`: the child of a 2025-era session (held from the start of `initialize` until the
 *   session ends or its child is reclaimed);
 * - `pooled`: a child serving 2026-07-28 requests of one (server, principal, capabilities) key.
 * Warm children (spawned ahead of sessions) hold no lease: they only fill room the ledger leaves
 * free and give way when it is needed (see `ChildSupplier`).
 */
export type ChildUse = 'session' | 'pooled';

/** One child counted against the caps, from the moment it is asked for until `release`. */
export interface ChildLease {
  readonly server: string;
  readonly principal: Principal;
  readonly use: ChildUse;
  /** Gives the slot back. Idempotent. */
  release(): void;
}

/**
 * Frees one idle child that may give way (an idle pooled child), of `server` (and `principal`)
 * when named; true when it did, with its lease released before returning.
 */
export type Evictor = (scope: { server?: string; principal?: Principal }) => boolean;

/** How long a client refused at a cap is told to wait before retrying, per use. */
const RETRY_AFTER_SECONDS: Record<ChildUse, number> = { session: 10, pooled: 5 };
const NOUN: Record<ChildUse, string> = { session: 'sessions', pooled: 'children' };

/**
 * The only count of child processes on this instance: every child, whichever protocol era or
 * pool holds it, counts against its server's `sessions.max_concurrent`, its principal's
 * `sessions.max_per_principal` on that server, and the instance's `adapter.max_sessions`.
 * Counted once, the caps cannot be filled twice over by two eras each keeping its own count.
 */
export class ChildLedger {
  private readonly leases = new Set<ChildLease>();
  private readonly evictors: Evictor[] = [];
  private readonly releaseListeners: (() => void)[] = [];

  constructor(private readonly config: AdapterConfig) {}

  /** Registers a source of children that may give way when a cap is reached; asked in the order registered. */
  addEvictor(evictor: Evictor): void {
    this.evictors.push(evictor);
  }

  /** Called after every release (a slot came free); may run inside `lease`, while it evicts. */
  onRelease(listener: () => void): void {
    this.releaseListeners.push(listener);
  }

  /**
   * Counts a child about to be started (or taken) for `use`, making room by evicting children
   * that may give way, or throws CapacityError naming the cap that is full.
   */
  lease(server: ServerConfig, principal: Principal, use: ChildUse): ChildLease {
    const noun = NOUN[use];
    const retryAfter = RETRY_AFTER_SECONDS[use];
    const maxServer = server.sessions.maxConcurrent;
    while (this.count({ server: server.name }) >= maxServer) {
      if (!this.evict({ server: server.name })) {
        throw new CapacityError(
          `MCP server "${server.name}" is at its limit of ${maxServer} concurrent ${noun}`,
          retryAfter,
        );
      }
    }
    const maxInstance = this.config.adapter.maxSessions;
    while (this.count() >= maxInstance) {
      if (!this.evict({}))
        throw new CapacityError(`This instance is at its limit of ${maxInstance} ${noun}`, retryAfter);
    }
    // Function-key and open endpoints cannot tell callers apart: the per-server cap is their limit.
    if (principal !== ANONYMOUS) {
      const maxPrincipal = server.sessions.maxPerPrincipal;
      while (this.count({ server: server.name, principal }) >= maxPrincipal) {
        if (!this.evict({ server: server.name, principal })) {
          const held = this.count({ server: server.name, principal });
          throw new CapacityError(
            use === 'session'
              ? `You have ${held} sessions with MCP server "${server.name}", the most one user may hold; end one (DELETE) or wait for it to expire`
              : `You have ${held} requests in progress with MCP server "${server.name}", the most one user may run at once`,
            use === 'session' ? 30 : retryAfter,
          );
        }
      }
    }
    const lease: ChildLease = {
      server: server.name,
      principal,
      use,
      release: () => {
        if (!this.leases.delete(lease)) return;
        for (const listener of this.releaseListeners) listener();
      },
    };
    this.leases.add(lease);
    return lease;
  }

  /** Children counted, optionally of one server, principal or use. */
  count(filter: { server?: string; principal?: Principal; use?: ChildUse } = {}): number {
    let count = 0;
    for (const lease of this.leases) {
      if (filter.server !== undefined && lease.server !== filter.server) continue;
      if (filter.principal !== undefined && lease.principal !== filter.principal) continue;
      if (filter.use !== undefined && lease.use !== filter.use) continue;
      count += 1;
    }
    return count;
  }

  private evict(scope: { server?: string; principal?: Principal }): boolean {
    for (const evictor of this.evictors) if (evictor(scope)) return true;
    return false;
  }
}
