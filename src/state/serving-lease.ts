import { randomBytes } from 'node:crypto';
import { AdapterError } from '../errors/adapter-error.js';
import type { Logger } from '../observability/logger.js';

/**
 * The serving lease of a stateful app (docs/scale-out-decision.md): the one right, app-wide, to
 * run children. The stateful app is planned at one instance, but Flex Consumption can briefly
 * run two (always-ready instances outside the maximum, bursts, a deploy's old and new instances);
 * the lease turns the second instance's requests into 503 + Retry-After instead of a second live
 * child for a session.
 *
 * It is a lease with a fencing token in the deployment's Table store:
 * - one row per app: holder (an id of this process), token, expiry (holder's clock);
 * - the holder renews every `leaseMs / 3` with an ETag condition; its own expiry is measured from
 *   the *start* of the renewing request, so it always ends before the row says;
 * - another instance takes over only after the stored expiry plus `skewMs` (clocks of two
 *   instances may differ) and bumps the token; a holder that sees a higher token, or passes its
 *   own expiry without a renewal, has lost the lease and ends every child at once.
 * What it cannot do (the classic lease caveat): a holder paused longer than `skewMs` (a frozen
 * VM) keeps its children until it runs again; its next request sees the expiry and refuses.
 */
export interface LeaseRecord {
  holder: string;
  /** Fencing token: bumped on every takeover, never reused. */
  token: number;
  /** Epoch ms (the holder's clock) after which others may take over, `skewMs` later. */
  expiresAt: number;
  /** Opaque version for conditional writes (the Table ETag). */
  etag: string;
}

/** Where lease rows live: conditional writes only, so two instances never both believe they wrote. */
export interface LeaseRecordStore {
  read(name: string): Promise<LeaseRecord | undefined>;
  /** Creates the row; resolves its new ETag, or undefined when it already exists. */
  create(name: string, record: Omit<LeaseRecord, 'etag'>): Promise<string | undefined>;
  /** Replaces the row if it is still at `etag`; resolves the new ETag, or undefined when someone wrote it since. */
  replace(name: string, record: Omit<LeaseRecord, 'etag'>, etag: string): Promise<string | undefined>;
}

/** A clock and timers, injectable so the state machine can be tested without waiting. */
export interface LeaseClock {
  now(): number;
  setTimeout(callback: () => void, ms: number): { unref?(): void };
  clearTimeout(handle: unknown): void;
}

/** The longest Retry-After a refusal gives (see `retryAfterSeconds`). */
const MAX_RETRY_AFTER_SECONDS = 2;

const SYSTEM_CLOCK: LeaseClock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

export interface ServingLeaseOptions {
  store: LeaseRecordStore;
  /** The row's name: one lease per app (the site name on Azure). */
  name: string;
  logger: Logger;
  /** How long a renewal holds (default 20 s). */
  leaseMs?: number;
  /** Margin for clock differences between instances before a takeover (default 5 s). */
  skewMs?: number;
  /** Who this process is, in the row and the log (default: random, with the platform's instance id). */
  holderId?: string;
  clock?: LeaseClock;
}

export interface ServingLeaseStatus {
  name: string;
  held: boolean;
  /** This process's id in the row. */
  self: string;
  /** The holder last seen (this process or another); undefined before the first read. */
  holder?: string;
  token?: number;
  /** Milliseconds until this process's own expiry (held) or until a takeover may happen (not held). */
  remainingMs?: number;
  /** The last store error, if the last attempt failed. */
  lastError?: string;
}

/** This instance does not hold its app's serving lease: another one serves the stateful servers. */
export class NotLeaseHolderError extends AdapterError {
  constructor(retryAfterSeconds: number) {
    super(
      "another instance of this app holds the serving lease of its stateful servers (Flex Consumption briefly runs a second instance during deploys and bursts); retry after the time in Retry-After, when this request reaches the instance that holds the session's child or the lease passes here",
      { code: 'not_lease_holder', httpStatus: 503, retryAfterSeconds },
    );
  }
}

type LostListener = (reason: string) => void;

export class ServingLease {
  /** The row's name (one lease per app). */
  readonly name: string;
  /** This process's id in the row. */
  readonly self: string;
  private readonly store: LeaseRecordStore;
  private readonly leaseMs: number;
  private readonly skewMs: number;
  private readonly clock: LeaseClock;
  private readonly logger: Logger;
  /** The row as this process last read or wrote it. */
  private record: LeaseRecord | undefined;
  /** Set while held: this process's own expiry (from the start of the request that renewed). */
  private heldUntil: number | undefined;
  private timer: unknown;
  private expiryTimer: unknown;
  private stopped = false;
  private lastError: string | undefined;
  private readonly lostListeners: LostListener[] = [];
  private readonly acquiredListeners: (() => void)[] = [];
  private attempt: Promise<void> | undefined;
  private lastAttemptAt = Number.NEGATIVE_INFINITY;
  /** Resolves after the first attempt to acquire, whatever its outcome. */
  readonly ready: Promise<void>;
  private markReady!: () => void;

  constructor(options: ServingLeaseOptions) {
    this.store = options.store;
    this.leaseMs = options.leaseMs ?? 20_000;
    this.skewMs = options.skewMs ?? 5_000;
    this.clock = options.clock ?? SYSTEM_CLOCK;
    this.logger = options.logger.child({ component: 'lease', lease: options.name });
    this.self =
      options.holderId ??
      `${process.env.WEBSITE_INSTANCE_ID?.slice(0, 12) ?? 'local'}-${randomBytes(6).toString('hex')}`;
    this.name = options.name;
    this.ready = new Promise((resolve) => {
      this.markReady = resolve;
    });
  }

  /** Starts acquiring and renewing; the first attempt runs at once. */
  start(): void {
    if (this.stopped || this.timer !== undefined || this.attempt) return;
    void this.tick();
  }

  /** Whether this process may run children now: no I/O, a clock comparison. */
  held(): boolean {
    return this.heldUntil !== undefined && this.clock.now() < this.heldUntil;
  }

  /**
   * Seconds a refused caller should wait (1 or 2). Short on purpose: while the holder lives, a
   * retry the front end routes to it succeeds at once, and a holder that drained has released
   * the lease already (this instance's copy of the row may be a second old). Only a holder that
   * died makes callers wait out the lease, and they find out by retrying.
   */
  retryAfterSeconds(): number {
    const record = this.record;
    if (!record || record.holder === this.self) return MAX_RETRY_AFTER_SECONDS;
    const until = record.expiresAt + this.skewMs - this.clock.now();
    return Math.max(1, Math.min(Math.ceil(until / 1000), MAX_RETRY_AFTER_SECONDS));
  }

  /**
   * For a request this instance cannot serve yet: after the first attempt, and (at most once a
   * second) a fresh look at the row, so a lease released by a draining holder passes here on the
   * next request instead of at the next scheduled tick.
   */
  async settle(): Promise<void> {
    await this.ready;
    if (this.held() || this.stopped) return;
    if (this.attempt) return this.attempt;
    if (this.clock.now() - this.lastAttemptAt < 1_000) return;
    this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    return this.tick();
  }

  /** Called once per loss (renewal past expiry, or a higher token seen), with why. */
  onLost(listener: LostListener): void {
    this.lostListeners.push(listener);
  }

  /** Called each time this process acquires the lease. */
  onAcquired(listener: () => void): void {
    this.acquiredListeners.push(listener);
  }

  status(): ServingLeaseStatus {
    const now = this.clock.now();
    const held = this.held();
    const record = this.record;
    return {
      name: this.name,
      held,
      self: this.self,
      ...(record && { holder: record.holder, token: record.token }),
      ...(held
        ? { remainingMs: this.heldUntil! - now }
        : record && { remainingMs: Math.max(0, record.expiresAt + this.skewMs - now) }),
      ...(this.lastError && { lastError: this.lastError }),
    };
  }

  /**
   * Stops renewing and, if held, gives the lease up so a successor serves at once (drain,
   * `appTerminate`). Call after this process's children are gone.
   */
  async release(): Promise<void> {
    this.stopped = true;
    this.clock.clearTimeout(this.timer);
    this.clock.clearTimeout(this.expiryTimer);
    await this.attempt?.catch(() => {});
    const record = this.record;
    const wasHeld = this.held();
    this.heldUntil = undefined;
    if (!wasHeld || !record || record.holder !== this.self) return;
    try {
      // Expired, not deleted: the next holder bumps this token, so tokens are never reused.
      const written = await this.store.replace(this.name, { ...record, expiresAt: 0 }, record.etag);
      this.logger.info(written ? 'serving lease released' : 'serving lease was already taken over', {
        token: record.token,
      });
    } catch (error) {
      this.logger.warn('could not release the serving lease; it passes to another instance when it expires', {
        token: record.token,
        error: (error as Error).message,
      });
    }
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.clock.clearTimeout(this.timer);
    const handle = this.clock.setTimeout(() => {
      this.timer = undefined;
      void this.tick();
    }, ms);
    handle.unref?.();
    this.timer = handle;
  }

  private tick(): Promise<void> {
    // One attempt at a time: a slow store call must not race a newer one.
    if (this.attempt) return this.attempt;
    this.lastAttemptAt = this.clock.now();
    this.attempt = this.tryOnce().finally(() => {
      this.attempt = undefined;
      this.markReady();
    });
    return this.attempt;
  }

  private async tryOnce(): Promise<void> {
    if (this.stopped) return;
    const startedAt = this.clock.now();
    try {
      const row = await this.store.read(this.name);
      this.lastError = undefined;
      if (!row) {
        const next = { holder: this.self, token: (this.record?.token ?? 0) + 1, expiresAt: startedAt + this.leaseMs };
        this.afterWrite(next, await this.store.create(this.name, next), startedAt);
        return;
      }
      this.record = row;
      if (row.holder === this.self) {
        // Ours: renew. A row of ours this process no longer holds (it passed its expiry while the
        // store was out of reach) is safe to take back at once, under a new token: nobody else
        // wrote it since (the ETag says so), and its children are already gone.
        const token = this.heldUntil === undefined ? row.token + 1 : row.token;
        const next = { holder: this.self, token, expiresAt: startedAt + this.leaseMs };
        this.afterWrite(next, await this.store.replace(this.name, next, row.etag), startedAt);
        return;
      }
      if (this.heldUntil !== undefined) this.lose(`instance ${row.holder} took the lease over (token ${row.token})`);
      const due = row.expiresAt + this.skewMs;
      if (startedAt < due) {
        this.schedule(Math.min(due - startedAt + 1, this.leaseMs / 3));
        return;
      }
      const next = { holder: this.self, token: row.token + 1, expiresAt: startedAt + this.leaseMs };
      this.afterWrite(next, await this.store.replace(this.name, next, row.etag), startedAt);
    } catch (error) {
      this.lastError = (error as Error).message;
      this.logger.warn('serving lease: the store did not answer; retrying', { error: this.lastError });
      // Held: the expiry timer ends the children if no renewal lands in time.
      this.schedule(Math.min(this.leaseMs / 6, 2_000));
    }
  }

  /** After a conditional write: held until `startedAt + leaseMs` if it landed, else read again at once. */
  private afterWrite(next: Omit<LeaseRecord, 'etag'>, etag: string | undefined, startedAt: number): void {
    if (etag === undefined) {
      // Someone wrote the row between our read and our write: read it again.
      this.schedule(0);
      return;
    }
    this.record = { ...next, etag };
    if (startedAt + this.leaseMs <= this.clock.now()) {
      // The write took longer than the lease: it proves nothing about now.
      if (this.heldUntil !== undefined) this.lose('a renewal landed only after this instance’s expiry');
      this.schedule(0);
      return;
    }
    const wasHeld = this.heldUntil !== undefined;
    this.heldUntil = startedAt + this.leaseMs;
    this.clock.clearTimeout(this.expiryTimer);
    const expiry = this.clock.setTimeout(() => this.expire(), this.heldUntil - this.clock.now());
    expiry.unref?.();
    this.expiryTimer = expiry;
    if (!wasHeld) {
      this.logger.info('serving lease acquired: this instance serves the stateful servers', { token: next.token });
      for (const listener of this.acquiredListeners) listener();
    }
    this.schedule(this.leaseMs / 3);
  }

  private expire(): void {
    if (this.heldUntil === undefined || this.clock.now() < this.heldUntil) return;
    this.lose('no renewal landed before this instance’s expiry (the store did not answer in time)');
    if (!this.attempt) this.schedule(0);
  }

  private lose(reason: string): void {
    if (this.heldUntil === undefined) return;
    this.heldUntil = undefined;
    this.clock.clearTimeout(this.expiryTimer);
    this.logger.error('serving lease lost; ending every child of this instance at once', {
      reason,
      token: this.record?.token,
    });
    for (const listener of this.lostListeners) listener(reason);
  }
}
