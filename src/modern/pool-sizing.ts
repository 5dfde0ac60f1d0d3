import { freemem } from 'node:os';

/**
 * When a 2026-07-28 request finds every child of its key busy, it can wait for one or get a new
 * one. A new child costs a start-up (hundreds of milliseconds of a core, taken from the calls in
 * flight) and its memory for as long as it lives; waiting costs the calls ahead of it. This
 * weighs the two from what the key has shown, instead of a fixed patience:
 *
 * - **Long calls**: if the expected wait (the calls ahead of the request, shared among the busy
 *   children, times the observed service time) is at least a start-up time, a new child serves
 *   the request sooner: grow now. A burst of long calls gets children at once.
 * - **Unknown calls**: a request that has already waited a whole start-up time gets a child (the
 *   ski-rental rule: wait until waiting has cost what starting costs, then start; never worse
 *   than twice the better choice made in hindsight).
 * - **Sustained demand**: short calls never wait long, but if requests have been queued for most
 *   of the last start-up time, the key is saturated (clients calling back to back) and another
 *   child adds throughput: grow. Under a brief burst the queue empties first and nothing starts.
 * - **Never past demand or memory**: never more children than requests in flight and waiting,
 *   and no growth while available memory is below a reserve (the key's children keep serving).
 *
 * Times are exponentially weighted averages; the backlog is the time-weighted share of the last
 * start-up time with requests queued.
 */
export interface PoolSizingOptions {
  now?: () => number;
  /** Available memory in bytes (default `os.freemem()`, which reads MemAvailable on Linux). */
  availableMemory?: () => number;
  /** Below this much available memory, a key that has a child gets no more (default 256 MB). */
  memoryReserveBytes?: number;
}

/** A start-up time to assume before the first child of a key is timed. */
const DEFAULT_START_MS = 400;
/** Weight of the newest sample in the service and start-up averages. */
const SMOOTHING = 0.2;
/** Share of the last start-up time with requests queued above which the key is saturated. */
const SATURATED = 0.75;
const DEFAULT_MEMORY_RESERVE = 256 * 1024 * 1024;

interface KeyState {
  serviceMs: number | undefined;
  startMs: number;
  /** Time-weighted share of recent time with requests queued (0..1). */
  backlog: number;
  queued: boolean;
  changedAt: number;
}

export interface PoolShape {
  /** Requests of the key waiting for a child. */
  waiting: number;
  /** Children of the key lent to a request. */
  busy: number;
  /** Children of the key being started. */
  starting: number;
  /** How long the oldest waiting request has waited, in ms. */
  longestWaitMs: number;
}

export class PoolSizing {
  private readonly keys = new Map<string, KeyState>();
  private readonly now: () => number;
  private readonly availableMemory: () => number;
  private readonly memoryReserve: number;

  constructor(options: PoolSizingOptions = {}) {
    this.now = options.now ?? Date.now;
    this.availableMemory = options.availableMemory ?? freemem;
    this.memoryReserve = options.memoryReserveBytes ?? DEFAULT_MEMORY_RESERVE;
  }

  private state(key: string): KeyState {
    let state = this.keys.get(key);
    if (!state) {
      state = { serviceMs: undefined, startMs: DEFAULT_START_MS, backlog: 0, queued: false, changedAt: this.now() };
      this.keys.set(key, state);
    }
    return state;
  }

  /** Folds the time since the last change into the backlog share, then records the new queue state. */
  noteQueue(key: string, queued: boolean): void {
    const state = this.state(key);
    this.advance(state);
    state.queued = queued;
  }

  /** A child of the key was lent for `ms` (from acquire to release). */
  noteService(key: string, ms: number): void {
    const state = this.state(key);
    state.serviceMs = state.serviceMs === undefined ? ms : state.serviceMs + SMOOTHING * (ms - state.serviceMs);
  }

  /** A child of the key took `ms` to start and initialize. */
  noteStart(key: string, ms: number): void {
    const state = this.state(key);
    state.startMs += SMOOTHING * (ms - state.startMs);
  }

  /** How long a start-up of the key's children takes, as observed. */
  startMs(key: string): number {
    return this.state(key).startMs;
  }

  /** Whether one more child of the key pays back now (see the class comment). */
  shouldGrow(key: string, shape: PoolShape): boolean {
    if (shape.waiting <= shape.starting) return false;
    if (this.availableMemory() < this.memoryReserve) return false;
    const state = this.state(key);
    this.advance(state);
    if (state.serviceMs !== undefined && shape.busy > 0) {
      const expectedWait = Math.ceil(shape.waiting / shape.busy) * state.serviceMs;
      if (expectedWait >= state.startMs) return true;
    }
    return shape.longestWaitMs >= state.startMs || state.backlog >= SATURATED;
  }

  /** Drops what is known of a key whose children are all gone. */
  forget(key: string): void {
    this.keys.delete(key);
  }

  private advance(state: KeyState): void {
    const now = this.now();
    const elapsed = now - state.changedAt;
    state.changedAt = now;
    if (elapsed <= 0) return;
    const decay = Math.exp(-elapsed / state.startMs);
    state.backlog = state.backlog * decay + (state.queued ? 1 - decay : 0);
  }
}
