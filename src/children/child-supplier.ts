import { noChildCredentials, type ChildCredentialProvider, type ChildCredentials } from '../auth/child-credentials.js';
import type { Principal } from '../auth/principal.js';
import type { VerifiedCaller } from '../auth/types.js';
import type { AdapterConfig, ServerConfig } from '../config/model.js';
import type { Logger } from '../observability/logger.js';
import { telemetry } from '../observability/telemetry.js';
import which from 'which';
import { cleanLeftovers } from '../process/leftovers.js';
import { ChildUsers } from '../process/child-users.js';
import type { IsolationReport } from '../process/isolation.js';
import { CommandNotFoundError } from '../process/resolve-command.js';
import { SpawnError, StdioChild } from '../process/stdio-child.js';
import { ChildLedger, type ChildLease, type ChildUse } from './child-ledger.js';
import { type ChildIdentity, discoverEra, type Era, initializeOnBehalf } from './child-identity.js';
import { CapacityError, ChildStartError } from './errors.js';
import { WarmPool } from './warm-pool.js';

/** A started child process and what its server's auth method gave it. */
export interface SuppliedChild {
  readonly child: StdioChild;
  readonly credentials: ChildCredentials;
  /** Taken from the server's warm pool (spawned ahead, before any caller was known). */
  readonly warm: boolean;
}

/** A supplied child that already declared itself: probed for its era and, if legacy, initialized. */
export interface IdentifiedChild extends SuppliedChild {
  readonly identity: ChildIdentity;
}

export interface ChildSupplierOptions {
  config: AdapterConfig;
  logger: Logger;
  /** The environment children take their baseline from (default: this process's). */
  hostEnv?: NodeJS.ProcessEnv;
  /** What children get from their server's auth method (default: nothing; servers that need more are refused). */
  credentials?: ChildCredentialProvider;
  /** How long a `server/discover` probe may go unanswered before the child is taken as legacy (default 3 s). */
  probeTimeoutMs?: number;
  /** How children are kept apart (`process/isolation.ts`); default: they share the adapter's user. */
  isolation?: IsolationReport;
  /**
   * The stateful app's serving lease (`state/serving-lease.ts`): no child starts, warm ones
   * included, while this instance does not hold it.
   */
  gate?: { held(): boolean; refusal(): Error };
}

/** RLIMIT_NPROC of a child's own user: room for a server's workers, not for a fork bomb. */
const MAX_PROCESSES_PER_CHILD = 256;

/**
 * How long after a warm child was taken its replacement is spawned: the taker's next requests
 * (`notifications/initialized`, the first lists) then do not compete with a process start.
 */
const REFILL_DELAY_MS = 200;

/** Warm-pool children get nothing from an auth method: the config refuses pools for servers whose children would. */
const NO_CREDENTIALS: ChildCredentials = { env: {}, close: async () => {} };

/**
 * The one supplier of child processes on an instance. Both protocol eras get their children
 * here: legacy sessions (one child per session) and the modern pool (children per server,
 * principal and capabilities). It owns
 * - the ledger, the only count of children against the caps (`lease`);
 * - spawning, with the credentials the server's auth method gives the caller (`start`);
 * - the warm pools (`sessions.warm_pool`), which only fill room the ledger leaves free;
 * - the era probe and the handshake on clients' behalf (`startIdentified`).
 * Callers lease before they start and release the lease when the child stops; they count nothing.
 */
export class ChildSupplier {
  readonly ledger: ChildLedger;
  private readonly logger: Logger;
  private readonly hostEnv: NodeJS.ProcessEnv;
  private readonly credentials: ChildCredentialProvider;
  /** Children spawned ahead of sessions, per server with `sessions.warm_pool`. */
  private readonly pools = new Map<string, WarmPool>();
  /** Each server's era, probed once per configuration (the spec's advice for stdio). */
  private readonly eras = new Map<string, Era>();
  private refillTimer: NodeJS.Timeout | undefined;
  private refillQueued = false;
  private draining = false;
  /** Users of their own for children, when the adapter may change user. */
  private readonly users: ChildUsers | undefined;
  private readonly processLimit: { prlimit: string; maxProcesses: number } | undefined;
  /** Every child this supplier started that has not exited (leased, pooled or waiting). */
  private readonly live = new Set<StdioChild>();

  constructor(private readonly options: ChildSupplierOptions) {
    const { config } = options;
    this.logger = options.logger.child({ component: 'children' });
    this.hostEnv = options.hostEnv ?? process.env;
    this.credentials = options.credentials ?? noChildCredentials;
    this.ledger = new ChildLedger(config);
    if (options.isolation?.mode === 'user_per_child') {
      this.users = new ChildUsers({ firstUid: config.adapter.childUids.first, count: config.adapter.childUids.count });
      // Children (and their folders) of an adapter that was killed before it could end them.
      const cleaned = this.users.cleanStale();
      if (cleaned.length > 0)
        this.logger.warn('ended what children of a stopped adapter left behind', { uids: cleaned });
      const prlimit = which.sync('prlimit', { nothrow: true });
      if (prlimit) this.processLimit = { prlimit, maxProcesses: MAX_PROCESSES_PER_CHILD };
      else this.logger.warn('prlimit is not on PATH: child users get no process limit');
    }
    // Folders (and processes living in them) of children whose adapter was killed before it could end them.
    const left = cleanLeftovers();
    if (left.folders > 0)
      this.logger.warn('removed what children of a stopped adapter left behind', {
        folders: left.folders,
        processes: left.processes,
      });
    // A freed slot may be one a warm pool was held back from; refilled once the release's caller
    // is done (a release inside `lease`, evicting an idle child, must not hand the slot to a pool).
    this.ledger.onRelease(() => this.refillNow());
    for (const server of config.servers.values()) {
      if (server.sessions.warmPool <= 0) continue;
      const logger = this.logger.child({ server: server.name });
      this.pools.set(
        server.name,
        new WarmPool({ server, logger, spawn: () => this.spawn(server, logger), room: () => this.roomForPool(server) }),
      );
    }
    this.fillPools();
  }

  /**
   * Counts a child about to be started for `use` against every cap (evicting an idle child that
   * may give way), or throws CapacityError naming the cap that is full, or that the adapter is
   * shutting down.
   */
  lease(server: ServerConfig, principal: Principal, use: ChildUse): ChildLease {
    if (this.draining) throw new CapacityError('The adapter is shutting down', 5);
    if (this.options.gate && !this.options.gate.held()) throw this.options.gate.refusal();
    return this.ledger.lease(server, principal, use);
  }

  /**
   * A child of the server for the caller: a waiting one from the server's warm pool, else a new
   * one with the credentials the server's auth method gives the caller. Lease first.
   */
  async start(server: ServerConfig, caller: VerifiedCaller | undefined, logger: Logger): Promise<SuppliedChild> {
    const warm = this.pools.get(server.name)?.take();
    if (warm) {
      // Whoever took it (a session, or the modern pool), another one waits in its place.
      this.refillSoon();
      return { child: warm, credentials: NO_CREDENTIALS, warm: true };
    }
    // Waiting children only fill slots no lease uses: one gives way when a leased child needs it.
    if (this.childrenHeld() > this.options.config.adapter.maxSessions) {
      for (const pool of this.pools.values()) if (pool.evictOne()) break;
    }
    const credentials = await this.credentials(server, caller);
    try {
      const child = await this.spawn(server, logger, credentials.env);
      return { child, credentials, warm: false };
    } catch (error) {
      await credentials.close();
      if (error instanceof CommandNotFoundError)
        throw new ChildStartError(error.message, 'not_found', { cause: error });
      if (error instanceof SpawnError) throw new ChildStartError(error.message, 'spawn_failed', { cause: error });
      throw error;
    }
  }

  /**
   * A child ready for modern requests: started, probed for its era (once per server), and, when
   * it speaks a legacy revision, initialized on the clients' behalf with `capabilities`.
   */
  async startIdentified(
    server: ServerConfig,
    caller: VerifiedCaller | undefined,
    capabilities: Record<string, unknown>,
    logger: Logger,
  ): Promise<IdentifiedChild> {
    let started = await this.start(server, caller, logger);
    try {
      let identity: ChildIdentity | undefined;
      if (this.eras.get(server.name) !== 'legacy') {
        const timeoutMs = Math.min(this.options.probeTimeoutMs ?? 3000, server.startupTimeoutMs);
        const probe = await discoverEra(started.child, capabilities, timeoutMs);
        if (probe === 'exited') {
          // Some legacy servers exit on any request before initialize: a legacy verdict, on a fresh child.
          this.eras.set(server.name, 'legacy');
          await started.credentials.close();
          started = await this.start(server, caller, logger);
        } else if (probe) {
          identity = probe;
          this.eras.set(server.name, 'modern');
        } else {
          this.eras.set(server.name, 'legacy');
        }
      }
      identity ??= await initializeOnBehalf(started.child, server, capabilities, logger);
      return { ...started, identity };
    } catch (error) {
      await stopChild(started);
      throw error;
    }
  }

  /** The era of a server's children, once one was probed. */
  eraOf(server: ServerConfig): Era | undefined {
    return this.eras.get(server.name);
  }

  /** Children of the server spawned ahead and waiting; undefined for a server without a warm pool. */
  warmWaiting(server: string): number | undefined {
    return this.pools.get(server)?.waiting;
  }

  /**
   * Ends every child at once (SIGKILL of each group): the serving lease was lost. The caller
   * hands the sessions over in the same turn (`SessionManager.handOff`); the modern pool drops
   * the dead children; the next request that reaches the lease's holder starts a child there.
   */
  killAll(reason: string): number {
    const count = this.live.size;
    for (const child of this.live) child.kill(reason);
    return count;
  }

  /** Fills the warm pools again (after the serving lease is acquired). */
  resume(): void {
    this.fillPools();
  }

  /** No lease from now on, and the warm pools' children stopped; resolves when they are gone. */
  async drain(): Promise<void> {
    this.draining = true;
    clearTimeout(this.refillTimer);
    await Promise.all([...this.pools.values()].map((pool) => pool.stop()));
  }

  private async spawn(server: ServerConfig, logger: Logger, extraEnv?: Record<string, string>): Promise<StdioChild> {
    const child = await StdioChild.start({
      server,
      logger: logger.child({ component: 'process' }),
      hostEnv: this.hostEnv,
      shutdownGraceMs: this.options.config.adapter.shutdownGraceMs,
      extraEnv,
      users: this.users,
      processLimit: this.processLimit,
    });
    telemetry.childStarted(server.name);
    this.live.add(child);
    void child.exited.then((info) => {
      this.live.delete(child);
      telemetry.childExited(server.name, info.signal ?? `code ${info.code}`);
    });
    return child;
  }

  /** Children this instance holds or is starting: those the ledger counts and the warm pools'. */
  private childrenHeld(): number {
    let held = this.ledger.count();
    for (const pool of this.pools.values()) held += pool.count;
    return held;
  }

  /**
   * How many children the server's warm pool may hold: the slots of the server's
   * `max_concurrent` that no lease uses, and of the instance's `max_sessions` that no lease and
   * no other pool uses. Waiting children never make a caller wait or be refused.
   */
  private roomForPool(server: ServerConfig): number {
    if (this.draining || (this.options.gate && !this.options.gate.held())) return 0;
    const forServer = this.ledger.count({ server: server.name });
    const own = this.pools.get(server.name)?.count ?? 0;
    const instanceFree = this.options.config.adapter.maxSessions - (this.childrenHeld() - own);
    return Math.max(0, Math.min(server.sessions.maxConcurrent - forServer, instanceFree));
  }

  private fillPools(): void {
    if (this.draining) return;
    for (const pool of this.pools.values()) pool.fill();
  }

  private refillNow(): void {
    if (this.pools.size === 0 || this.refillQueued) return;
    this.refillQueued = true;
    setImmediate(() => {
      this.refillQueued = false;
      this.fillPools();
    });
  }

  private refillSoon(): void {
    if (this.pools.size === 0 || this.refillTimer) return;
    this.refillTimer = setTimeout(() => {
      this.refillTimer = undefined;
      this.fillPools();
    }, REFILL_DELAY_MS);
    this.refillTimer.unref();
  }
}

/** Stops a supplied child and revokes what its auth method gave it. */
export async function stopChild(supplied: SuppliedChild): Promise<void> {
  await supplied.child.close();
  await supplied.credentials.close();
}
