import type { VerifiedCaller } from '../auth/types.js';
import type { AdapterConfig, ServerConfig } from '../config/model.js';
import type { Logger } from '../observability/logger.js';
import { telemetry } from '../observability/telemetry.js';
import { adapterRequestId, type JsonRpcRequest, type JsonRpcResponse } from '../protocol/jsonrpc.js';
import { CapacityError, ChildStartError } from '../children/errors.js';
import { Session, type EndReason, type SessionSharing } from './session.js';
import type { Principal } from '../auth/principal.js';
import type { RuleAudit, ToolCatalog } from '../governance/apply.js';
import type { SessionTokens, SessionClaims } from '../state/session-token.js';
import { initializeChild } from '../children/initialize-child.js';
import { LocalTombstones, sessionKey, streamKey, type SharedSessionStore } from '../state/shared-store.js';
import type { ChildLease } from '../children/child-ledger.js';
import { type ChildSupplier, stopChild, type SuppliedChild } from '../children/child-supplier.js';

export interface ServerStats {
  sessions: number;
  childrenAlive: number;
  /** Children spawned ahead of sessions and waiting for one (servers with `sessions.warm_pool` only). */
  warmChildren?: number;
  /** Children held or being started for 2026-07-28 requests (shown when there are any); they count against the same caps. */
  pooledChildren?: number;
}

export interface SessionManagerOptions {
  config: AdapterConfig;
  logger: Logger;
  /** Where sessions lease and get their children (shared with the modern era's pool). */
  supplier: ChildSupplier;
  /** Seals session ids. */
  tokens: SessionTokens;
  /** Ended sessions shared by every instance; default: this process only. */
  store?: SharedSessionStore;
  /** How often live sessions are checked against sessions ended on other instances (default 2 s). */
  storePollMs?: number;
  /** Tool, prompt and resource rules: what the servers' children listed, and where refusals are told. */
  governance?: { catalog: ToolCatalog; audit: RuleAudit };
}

/** A session this instance knows whose child is stopped (reclaimed while idle, or crashed). */
interface DormantSession {
  claims: SessionClaims;
  lastActivityAt: number;
  restarts: number[];
  idleEnd: NodeJS.Timeout;
}

/** How long a request may wait on the shared store before going on without it. */
const STORE_TIMEOUT_MS = 2000;

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

/** Restarts counted against `max_restarts` within this window. */
const RESTART_WINDOW_MS = 10 * 60_000;
/** The id of the `initialize` the adapter replays to a session's new child. */
const REPLAY_ID = adapterRequestId('replay-initialize');

/**
 * Owns the sessions of this instance. A session id is sealed (see `session-token.ts`): it
 * carries what any instance needs to serve the session, so a request for a session this
 * instance does not hold (another instance created it, its child was reclaimed while idle, or
 * it crashed) re-spawns the child and replays the client's `initialize` before forwarding.
 * Reclaiming a child is not ending a session: only DELETE, the idle timeout, the absolute
 * lifetime or too many crashes end it, and an ended session answers 404 on every instance.
 */
export class SessionManager {
  private readonly live = new Map<string, Session>();
  private readonly dormant = new Map<string, DormantSession>();
  private readonly rehydrating = new Map<string, Promise<Session | undefined>>();
  private readonly tombstones = new LocalTombstones();
  /** Each live session's place in the supplier's ledger, from the start of its `initialize` until its child stops. */
  private readonly leases = new Map<Session, ChildLease>();
  /** When each live session's use was last written to the shared store, and its claims (for the record's expiry). */
  private readonly activityRecorded = new WeakMap<Session, number>();
  private readonly claimsOf = new WeakMap<Session, SessionClaims>();
  private draining = false;
  private readonly config: AdapterConfig;
  private readonly logger: Logger;
  private readonly supplier: ChildSupplier;
  private readonly tokens: SessionTokens;
  private readonly store: SharedSessionStore | undefined;

  /** When this manager started: ids issued before it may have ended in a process that is gone. */
  private readonly startedAt = Date.now();

  constructor(options: SessionManagerOptions) {
    this.config = options.config;
    this.logger = options.logger.child({ component: 'session' });
    this.supplier = options.supplier;
    this.tokens = options.tokens;
    this.store = options.store;
    this.governance = options.governance;
    if (this.store?.endedSince) this.startEndedPoll(options.storePollMs ?? 2000);
  }

  private endedPoll: NodeJS.Timeout | undefined;
  private readonly governance: { catalog: ToolCatalog; audit: RuleAudit } | undefined;

  /**
   * Sessions ended on other instances (DELETE, expiry) stop here within one poll: a background
   * query, so requests of live sessions never wait on the store.
   */
  private startEndedPoll(intervalMs: number): void {
    let since = Date.now() - intervalMs;
    let running = false;
    this.endedPoll = setInterval(() => {
      if (running || this.live.size === 0) return;
      running = true;
      const from = since;
      since = Date.now() - 1000; // overlap a little: instances' clocks differ
      this.store!.endedSince!(from)
        .then((keys) => {
          if (keys.length === 0) return;
          const ended = new Set(keys);
          for (const session of [...this.live.values()]) {
            if (ended.has(sessionKey(session.id))) void session.end('ended_elsewhere');
          }
        })
        .catch((error: unknown) =>
          this.logger.warn('could not read ended sessions from the shared store', { error: String(error) }),
        )
        .finally(() => (running = false));
    }, intervalMs);
    this.endedPoll.unref();
  }

  /**
   * Starts a child for `server`, forwards the client's `initialize` and waits for its answer.
   * Resolves with the session (absent when the child answered with an error, in which case the
   * child is already shut down) and the child's response to pass back to the client.
   */
  async open(
    server: ServerConfig,
    principal: Principal,
    initialize: JsonRpcRequest,
    caller?: VerifiedCaller,
  ): Promise<{ session?: Session; response: JsonRpcResponse }> {
    const lease = this.reserve(server, principal);
    const now = Date.now();
    const logger = this.logger.child({ server: server.name });
    let started: SuppliedChild | undefined;
    let attached = false;
    try {
      started = await this.supplier.start(server, caller, logger);
      const response = await initializeChild(started.child, server, initialize, this.logger);
      if (response.error) {
        logger.warn('child refused initialize', { error: response.error.message });
        await stopChild(started);
        return { response };
      }
      if (this.draining) throw new CapacityError('The adapter is shutting down', 5);
      const claims: SessionClaims = {
        server: server.name,
        principal,
        initialize: initialize.params ?? {},
        issuedAt: now,
        expiresAt: now + server.sessions.maxLifetimeMs,
      };
      const id = await this.tokens.seal(claims);
      const session = this.attach(id, server, claims, started, response, now, lease);
      attached = true;
      telemetry.sessionStarted(server.name);
      return { session, response };
    } catch (error) {
      if (started) await stopChild(started);
      throw error;
    } finally {
      // Unless attach took it over, the slot is free again.
      if (!attached) lease.release();
    }
  }

  /**
   * The session with this id, for this server and principal: the live one, or one brought back
   * on this instance (child re-spawned, `initialize` replayed). Undefined for an unknown, forged,
   * expired, ended, other-server or other-principal id: all answered 404 alike.
   */
  async find(
    id: string,
    server: ServerConfig,
    principal: Principal,
    caller?: VerifiedCaller,
  ): Promise<Session | undefined> {
    const session = this.live.get(id);
    if (session && !session.isEnded) {
      if (session.server.name !== server.name || session.principal !== principal) return undefined;
      this.noteActivity(session);
      return session;
    }
    if (this.tombstones.has(id)) return undefined;
    const claims = await this.tokens.open(id);
    if (!claims || claims.server !== server.name || claims.principal !== principal) return undefined;
    if (this.endUnknowable(claims)) return undefined;
    // Another request may have brought it back while this one was opening the id.
    const now = this.live.get(id);
    if (now && !now.isEnded) return now;
    let pending = this.rehydrating.get(id);
    if (!pending) {
      pending = this.rehydrate(id, server, claims, caller).finally(() => this.rehydrating.delete(id));
      this.rehydrating.set(id, pending);
    }
    return pending;
  }

  /** DELETE: ends the session and waits until every instance can know (the shared store has it). */
  async delete(session: Session): Promise<void> {
    await session.end('deleted');
    await withTimeout(this.recording.get(session.id) ?? Promise.resolve(), STORE_TIMEOUT_MS).catch(() => {});
  }

  /**
   * DELETE of a session this instance holds no child for: it ends without starting one.
   * False when the id is not a live session of this server and principal (404).
   */
  async deleteById(id: string, server: ServerConfig, principal: Principal): Promise<boolean> {
    const live = this.peek(id, server, principal);
    if (live) {
      await this.delete(live);
      return true;
    }
    if (!(await this.verify(id, server, principal))) return false;
    const claims = (await this.tokens.open(id))!;
    const dormant = this.dormant.get(id);
    if (dormant) {
      clearTimeout(dormant.idleEnd);
      this.dormant.delete(id);
    }
    this.terminate(id, claims, 'deleted');
    await withTimeout(this.recording.get(id) ?? Promise.resolve(), STORE_TIMEOUT_MS).catch(() => {});
    return true;
  }

  private readonly recording = new Map<string, Promise<void>>();

  /** Ends every session's child, then waits until every one is gone. New sessions are refused from now on. */
  async drain(): Promise<void> {
    this.draining = true;
    clearInterval(this.endedPoll);
    for (const dormant of this.dormant.values()) clearTimeout(dormant.idleEnd);
    this.dormant.clear();
    await Promise.all([...this.live.values()].map((session) => session.end('shutdown')));
  }

  /**
   * This instance lost the serving lease (its children were just killed): every live session
   * gives up its child here and lives on, its next request starting a child at the instance that
   * holds the lease. Call in the same turn as the kill, so no session reads the exit as a crash.
   */
  handOff(): void {
    for (const session of [...this.live.values()]) void session.end('handoff');
  }

  /** Per server: live sessions, their children alive, and (servers with a warm pool) children waiting for a session. */
  stats(): Record<string, ServerStats> {
    const stats: Record<string, ServerStats> = {};
    for (const name of this.config.servers.keys()) {
      const warm = this.supplier.warmWaiting(name);
      stats[name] =
        warm === undefined ? { sessions: 0, childrenAlive: 0 } : { sessions: 0, childrenAlive: 0, warmChildren: warm };
    }
    for (const session of this.live.values()) {
      const entry = stats[session.server.name]!;
      entry.sessions += 1;
      if (session.childAlive) entry.childrenAlive += 1;
    }
    for (const [name, entry] of Object.entries(stats)) {
      const pooled = this.supplier.ledger.count({ server: name, use: 'pooled' });
      if (pooled > 0) entry.pooledChildren = pooled;
    }
    return stats;
  }

  /** Whether instances share cut streams and clients' answers through the store. */
  get sharesStreams(): boolean {
    return Boolean(
      this.store?.appendEvents && this.store.readEvents && this.store.postAnswer && this.store.takeAnswers,
    );
  }

  /** The live session on this instance, without bringing one back. */
  peek(id: string, server: ServerConfig, principal: Principal): Session | undefined {
    const session = this.live.get(id);
    return session && !session.isEnded && session.server.name === server.name && session.principal === principal
      ? session
      : undefined;
  }

  /** Whether the id is a valid, unended session of this server and principal (no child is started). */
  async verify(id: string, server: ServerConfig, principal: Principal): Promise<boolean> {
    if (this.peek(id, server, principal)) return true;
    if (this.tombstones.has(id)) return false;
    const claims = await this.tokens.open(id);
    if (!claims || claims.server !== server.name || claims.principal !== principal) return false;
    if (this.endUnknowable(claims)) return false;
    return !(await this.isEndedInStore(id));
  }

  /**
   * Whether the shared store says the session ended. The store is never allowed to take the
   * adapter down with it: after a short wait, or on an error, the answer is "not ended" (logged),
   * so sessions keep working through a store outage at the cost of a DELETE elsewhere not being
   * seen until the store is back.
   */
  private async isEndedInStore(id: string): Promise<boolean> {
    if (!this.store) return false;
    try {
      return await withTimeout(this.store.isEnded(id), STORE_TIMEOUT_MS);
    } catch (error) {
      this.logger.warn('the shared store did not answer; treating the session as not ended', { error: String(error) });
      return false;
    }
  }

  /** The session's last recorded use in the shared store; undefined without one, or when it does not answer in time. */
  private async lastActivityInStore(id: string): Promise<number | undefined> {
    if (!this.store?.lastActivity) return undefined;
    try {
      return await withTimeout(this.store.lastActivity(id), STORE_TIMEOUT_MS);
    } catch (error) {
      this.logger.warn('the shared store did not answer; the session is not checked for idling elsewhere', {
        error: String(error),
      });
      return undefined;
    }
  }

  /**
   * Records a session's use in the shared store at most four times per idle period (and when it
   * starts or comes back), so another instance bringing it back knows whether it idled out.
   */
  private noteActivity(session: Session, force = false): void {
    if (!this.store?.recordActivity) return;
    const now = Date.now();
    const last = this.activityRecorded.get(session) ?? 0;
    if (!force && now - last < session.server.sessions.idleTimeoutMs / 4) return;
    this.activityRecorded.set(session, now);
    const claims = this.claimsOf.get(session);
    if (!claims) return;
    this.store
      .recordActivity(session.id, now, claims.expiresAt)
      .catch((error: unknown) =>
        this.logger.warn('could not record session activity in the shared store', { error: String(error) }),
      );
  }

  /** Events of a stream cut on another instance, for a client resuming here. */
  readRelayedEvents(
    id: string,
    streamId: string,
    afterSeq: number,
  ): Promise<{ events: Array<{ seq: number; text: string }>; finished: boolean }> {
    return this.store!.readEvents!(streamKey(id, streamId), afterSeq);
  }

  /** A client's answers to server→client requests of a child on another instance. */
  async relayAnswers(id: string, messages: unknown[]): Promise<void> {
    for (const message of messages) await this.store!.postAnswer!(id, message);
  }

  private sharingFor(id: string): SessionSharing {
    const store = this.store!;
    let writes = Promise.resolve();
    return {
      relay: (streamId, events, finished) => {
        writes = writes
          .then(() => store.appendEvents!(streamKey(id, streamId), events, finished))
          .catch((error: unknown) =>
            this.logger.warn('could not relay stream events to the shared store', { error: String(error) }),
          );
      },
      takeAnswers: () => store.takeAnswers!(id),
    };
  }

  /** Sessions with a child on this instance. */
  get size(): number {
    return this.live.size;
  }

  /** Sessions this instance knows whose child is stopped, waiting for their next request. */
  get dormantCount(): number {
    return this.dormant.size;
  }

  private async rehydrate(
    id: string,
    server: ServerConfig,
    claims: SessionClaims,
    caller: VerifiedCaller | undefined,
  ): Promise<Session | undefined> {
    if (await this.isEndedInStore(id)) {
      this.tombstones.add(id, claims.expiresAt);
      return undefined;
    }
    // Idle past its timeout on whichever instance last served it: it ends here, for every instance.
    // Records lag real use by up to a quarter of the timeout (noteActivity), so that much is allowed.
    const last = await this.lastActivityInStore(id);
    if (last !== undefined && Date.now() - last >= server.sessions.idleTimeoutMs * 1.25) {
      this.terminate(id, claims, 'idle');
      return undefined;
    }
    const dormant = this.dormant.get(id);
    const logger = this.logger.child({ server: server.name, session: id.slice(-8) });
    const lastCrash = dormant?.restarts.at(-1);
    if (lastCrash !== undefined) {
      // Back off after crashes: 250 ms, 500 ms, 1 s ... up to 5 s since the last one.
      const wait = Math.min(5000, 250 * 2 ** (dormant!.restarts.length - 1)) - (Date.now() - lastCrash);
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    }
    const lease = this.reserve(server, claims.principal);
    let started: SuppliedChild | undefined;
    let attached = false;
    try {
      started = await this.supplier.start(server, caller, logger);
      const replay: JsonRpcRequest = { jsonrpc: '2.0', id: REPLAY_ID, method: 'initialize', params: claims.initialize };
      const response = await initializeChild(started.child, server, replay, this.logger);
      if (response.error)
        throw new ChildStartError(
          `MCP server "${server.name}" refused the replayed initialize: ${response.error.message}`,
          'exited',
        );
      started.child.send({ jsonrpc: '2.0', method: 'notifications/initialized' });
      // Ended (here or, as far as this instance knows, elsewhere) or shutting down meanwhile: no child for it.
      if (this.draining || this.tombstones.has(id)) {
        await stopChild(started);
        return undefined;
      }
      if (dormant) {
        clearTimeout(dormant.idleEnd);
        this.dormant.delete(id);
      }
      const session = this.attach(id, server, claims, started, response, Date.now(), lease, dormant?.restarts ?? []);
      attached = true;
      // A DELETE elsewhere while the child started would otherwise go unnoticed: polls only see live sessions.
      if (this.store) {
        void this.isEndedInStore(id).then(async (ended) => {
          if (ended) await session.end('ended_elsewhere');
        });
      }
      logger.info('session brought back', {
        pid: started.child.pid,
        after: dormant ? (dormant.restarts.length ? 'crash' : 'reclaim') : 'another instance',
      });
      return session;
    } catch (error) {
      if (started) await stopChild(started);
      throw error;
    } finally {
      if (!attached) lease.release();
    }
  }

  private attach(
    id: string,
    server: ServerConfig,
    claims: SessionClaims,
    started: SuppliedChild,
    response: JsonRpcResponse,
    now: number,
    lease: ChildLease,
    restarts: number[] = [],
  ): Session {
    const existing = this.live.get(id);
    if (existing && !existing.isEnded) {
      // Never two children for one session on one instance: keep the one that is there (and its slot).
      lease.release();
      void stopChild(started);
      return existing;
    }
    const version = (response.result as { protocolVersion?: string } | undefined)?.protocolVersion ?? '2025-03-26';
    const logger = this.logger.child({ server: server.name, session: id.slice(-8) });
    const { sessions } = server;
    const session = new Session({
      id,
      server,
      principal: claims.principal,
      child: started.child,
      protocolVersion: version,
      logger,
      onEnd: (ended, reason) => this.ended(ended, reason, claims, restarts),
      releaseResources: () => started.credentials.close(),
      ...(this.governance && { governance: this.governance }),
      timing: {
        idleAfterMs: Math.min(sessions.reclaimAfterMs, sessions.idleTimeoutMs),
        lifetimeMs: claims.expiresAt - now,
      },
    });
    if (started.credentials.updateCaller) session.onCaller = started.credentials.updateCaller.bind(started.credentials);
    if (this.sharesStreams) session.shared = this.sharingFor(id);
    this.live.set(id, session);
    this.leases.set(session, lease);
    this.claimsOf.set(session, claims);
    this.noteActivity(session, true);
    telemetry.sessionLive(server.name, 1);
    logger.info('session started', {
      pid: started.child.pid,
      protocolVersion: version,
      ...(started.warm ? { warm: true } : {}),
    });
    return session;
  }

  /** A session's child stopped: decide whether the session ended or only its child. */
  private ended(session: Session, reason: EndReason, claims: SessionClaims, restarts: number[]): void {
    if (this.live.get(session.id) === session) this.live.delete(session.id);
    this.leases.get(session)?.release();
    this.leases.delete(session);
    telemetry.sessionLive(session.server.name, -1);
    const server = session.server;
    const now = Date.now();
    // One line per outcome, saying what became of the session (not only of its child).
    const log = this.logger.child({ server: server.name, session: session.id.slice(-8) });
    if (reason === 'shutdown') {
      log.info('child stopped: this instance is shutting down; the session lives on (its next request starts a child)');
      return;
    }
    if (reason === 'handoff') {
      log.info(
        'child stopped: this instance lost the serving lease; the session lives on at the instance that holds it (its next request starts a child there)',
      );
      return;
    }
    if (reason === 'idle') {
      const idleFor = now - session.lastActivityAt;
      const left = server.sessions.idleTimeoutMs - idleFor;
      if (left > 0) {
        this.sleep(session.id, claims, session.lastActivityAt, restarts, left);
        log.info('idle child reclaimed; the session lives on');
        return;
      }
    }
    if (reason === 'child_exited') {
      const recent = restarts.filter((at) => at > now - RESTART_WINDOW_MS);
      if (server.restartOnFailure && recent.length < server.maxRestarts) {
        telemetry.childRestarted(server.name);
        this.sleep(
          session.id,
          claims,
          session.lastActivityAt,
          [...recent, now],
          server.sessions.idleTimeoutMs - (now - session.lastActivityAt),
        );
        log.warn('child crashed; the session lives on and its next request starts a new child', {
          restartsInWindow: recent.length + 1,
          maxRestarts: server.maxRestarts,
        });
        return;
      }
      log.warn('child crashed too often; the session ends', {
        restartsInWindow: recent.length,
        maxRestarts: server.maxRestarts,
      });
    }
    this.terminate(session.id, claims, reason, reason !== 'ended_elsewhere');
  }

  private sleep(
    id: string,
    claims: SessionClaims,
    lastActivityAt: number,
    restarts: number[],
    idleLeftMs: number,
  ): void {
    const idleEnd = setTimeout(
      () => {
        this.dormant.delete(id);
        this.terminate(id, claims, 'idle');
      },
      Math.max(0, Math.min(idleLeftMs, claims.expiresAt - Date.now())),
    );
    idleEnd.unref();
    this.dormant.set(id, { claims, lastActivityAt, restarts, idleEnd });
  }

  /** The session is over: 404 here from now on, and on every instance that shares the store. */
  private terminate(id: string, claims: SessionClaims, reason: EndReason, record = true): void {
    this.logger.info('session ended', { server: claims.server, session: id.slice(-8), reason });
    this.tombstones.add(id, claims.expiresAt);
    telemetry.sessionEnded(claims.server, reason);
    if (!record || !this.store) return;
    const writing = this.store
      .markEnded(id, claims.expiresAt)
      .catch((error: unknown) =>
        this.logger.error('could not record the end of a session in the shared store', { error: String(error) }),
      )
      .finally(() => this.recording.delete(id));
    this.recording.set(id, writing);
  }

  /**
   * Without a shared store, the end of a session (DELETE, idle expiry) is known only to the
   * process that saw it: an id issued before this process started may have ended in one that is
   * gone (a restart), so it is not brought back. The client gets 404 and starts a new session, as
   * the spec says it must; its server-side state was lost with the old child anyway. With a store,
   * ends are recorded there and such ids come back unless they ended.
   */
  private endUnknowable(claims: SessionClaims): boolean {
    return !this.store && claims.issuedAt < this.startedAt;
  }

  /** Counts the session's child against the caps (shared with the modern pool), or throws CapacityError. */
  private reserve(server: ServerConfig, principal: Principal): ChildLease {
    if (this.draining) throw new CapacityError('The adapter is shutting down', 5);
    return this.supplier.lease(server, principal, 'session');
  }
}
