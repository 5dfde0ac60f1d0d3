import { AdapterError } from '../errors/adapter-error.js';
import type { ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { chmod, chown, mkdtemp, mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import spawn from 'cross-spawn';
import type { ServerConfig } from '../config/model.js';
import type { Logger } from '../observability/logger.js';
import { BoundedLines, LogBudget } from './bounded-lines.js';
import { buildChildEnvironment } from './child-environment.js';
import type { ChildUser, ChildUsers } from './child-users.js';
import { encodeMessage, StdioDecoder } from './framing.js';
import { killProcessesWithHome, privateDirPrefix } from './leftovers.js';
import { resolveCommand } from './resolve-command.js';

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface StdioChildOptions {
  server: ServerConfig;
  logger: Logger;
  /** The adapter's environment; only its baseline variables reach the child. */
  hostEnv: NodeJS.ProcessEnv;
  /** How long to wait after closing stdin, and again after SIGTERM, before escalating. */
  shutdownGraceMs: number;
  /** Variables an auth method adds for this child (on top of the config's `env`). */
  extraEnv?: Record<string, string>;
  /** How often the memory watchdog looks (default 2 s). */
  memoryCheckMs?: number;
  /**
   * Users of their own for children (when the adapter may change user): the child runs as a
   * claimed uid, its private folder is that user's, and closing it ends every process of the uid.
   */
  users?: ChildUsers;
  /** With a user of its own: the most processes the child's user may run (RLIMIT_NPROC, through `prlimit` when on PATH). */
  processLimit?: { prlimit: string; maxProcesses: number };
}

/** Thrown when the process could not be started at all (the OS refused the spawn). */
export class SpawnError extends AdapterError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { code: 'spawn_failed', cause: options.cause });
  }
}

const STDERR_TAIL_LINES = 20;
/** Log lines one child may cause per kind (stderr lines, non-JSON stdout) in each window, then a count. */
const LOG_LINES_PER_WINDOW = 100;
const LOG_WINDOW_MS = 10_000;

/**
 * One STDIO MCP server process. It is spawned without a shell, in its own process group, with
 * its own HOME and TMPDIR (removed when it is closed), and it is shut down as the MCP spec
 * says: close stdin, wait, SIGTERM (to the whole group, so grandchildren go too), wait, SIGKILL.
 */
export class StdioChild {
  /** Called for each JSON-RPC message the child writes. */
  onMessage: (message: unknown) => void = () => {};
  readonly exited: Promise<ExitInfo>;
  readonly stderrTail: string[] = [];
  private exitInfo: ExitInfo | undefined;
  private closing: Promise<void> | undefined;
  private readonly decoder: StdioDecoder;
  private writeFraming: 'ndjson' | 'content-length';
  private watchdog: NodeJS.Timeout | undefined;
  /** Why the adapter stopped the child itself (the memory watchdog), for the errors its requests get. */
  stoppedBecause: string | undefined;
  private readonly stderrBudget = new LogBudget(LOG_LINES_PER_WINDOW, LOG_WINDOW_MS);
  private readonly garbageBudget = new LogBudget(LOG_LINES_PER_WINDOW, LOG_WINDOW_MS);

  private constructor(
    private readonly process: ChildProcess,
    private readonly privateDir: string,
    private readonly options: StdioChildOptions,
    /** The user the child runs as, when it has one of its own. */
    readonly user: ChildUser | undefined,
  ) {
    const { server, logger } = options;
    this.decoder = new StdioDecoder(server.framing);
    this.writeFraming = server.framing === 'content-length' ? 'content-length' : 'ndjson';
    this.exited = new Promise((resolve) => {
      process.once('exit', (code, signal) => {
        this.exitInfo = { code, signal };
        resolve(this.exitInfo);
      });
    });
    process.stdout!.on('data', (chunk: Buffer) => this.receive(chunk));
    if (server.maxChildMemoryMb !== undefined && process.pid !== undefined)
      this.watchMemory(server.maxChildMemoryMb, options.memoryCheckMs ?? 2000);
    process.stdin!.on('error', (error) => logger.debug('child stdin closed', { error: error.message }));
    const stderrLines = new BoundedLines();
    const onStderrLine = (line: string) => {
      this.stderrTail.push(line);
      if (this.stderrTail.length > STDERR_TAIL_LINES) this.stderrTail.shift();
      if (this.stderrBudget.take((count) => this.suppressed('stderr lines', count)))
        logger.info('child stderr', { stream: 'stderr', line });
    };
    process.stderr!.on('data', (chunk: Buffer) => {
      for (const line of stderrLines.push(chunk)) onStderrLine(line);
    });
    process.stderr!.once('end', () => {
      const last = stderrLines.flush();
      if (last !== undefined) onStderrLine(last);
    });
    void this.exited.then(() => {
      this.stderrBudget.flush((count) => this.suppressed('stderr lines', count));
      this.garbageBudget.flush((count) => this.suppressed('non-JSON-RPC stdout lines', count));
    });
  }

  /**
   * Starts the server's command. Rejects with `CommandNotFoundError` when the command is not on
   * PATH and with `SpawnError` when the OS refuses to start it; the private folder is removed then.
   */
  static async start(options: StdioChildOptions): Promise<StdioChild> {
    const { server } = options;
    const privateDir = await mkdtemp(privateDirPrefix(server.name));
    let user: ChildUser | undefined;
    try {
      const dirs = { home: path.join(privateDir, 'home'), tmp: path.join(privateDir, 'tmp') };
      await Promise.all([mkdir(dirs.home, { mode: 0o700 }), mkdir(dirs.tmp, { mode: 0o700 })]);
      if (options.users) {
        user = options.users.claim(privateDir);
        if (!user)
          throw new SpawnError(
            `Cannot start "${server.command}": every uid of adapter.child_uids is in use by a live child`,
          );
        for (const dir of [privateDir, dirs.home, dirs.tmp]) await chown(dir, user.uid, user.gid);
        await chmod(privateDir, 0o700);
      }
      const env = buildChildEnvironment(options.hostEnv, dirs, { ...server.env, ...options.extraEnv });
      const resolved = resolveCommand(server.command, { cwd: server.cwd, pathEnv: env.PATH ?? env.Path });
      const limit = user && options.processLimit;
      // prlimit lowers the child user's own limit, then execs the command: no shell, same arguments.
      const [executable, args] = limit
        ? [limit.prlimit, [`--nproc=${limit.maxProcesses}`, '--', resolved, ...server.args]]
        : [resolved, server.args];
      const child = spawn(executable, args, {
        cwd: server.cwd,
        env,
        ...(user && { uid: user.uid, gid: user.gid }),
        stdio: ['pipe', 'pipe', 'pipe'],
        // Its own process group (POSIX), so shutdown reaches everything it started.
        detached: process.platform !== 'win32',
        windowsHide: true,
      });
      await new Promise<void>((resolve, reject) => {
        child.once('spawn', resolve);
        child.once('error', (error) => {
          const denied = user && (error as NodeJS.ErrnoException).code === 'EACCES';
          const hint = denied
            ? ` The child runs as a user of its own (uid ${user?.uid}, adapter.isolation): the command and the working folder ${server.cwd} must be readable and executable by other users, or set adapter.isolation to shared_user.`
            : '';
          reject(new SpawnError(`Cannot start "${server.command}": ${error.message}.${hint}`, { cause: error }));
        });
      });
      child.on('error', (error) => options.logger.warn('child process error', { error: error.message }));
      const started = new StdioChild(child, privateDir, options, user);
      options.logger.info('child started', { pid: child.pid, command: server.command, ...(user && { uid: user.uid }) });
      return started;
    } catch (error) {
      if (user) options.users!.release(user);
      await rm(privateDir, { recursive: true, force: true });
      throw error;
    }
  }

  get pid(): number {
    return this.process.pid!;
  }

  get alive(): boolean {
    return this.exitInfo === undefined;
  }

  /**
   * Ends the child now: SIGKILL to its group, no stdin-close grace (the serving lease was lost and
   * another instance may start this session's child at any moment). `close()` still cleans up.
   */
  kill(reason: string): void {
    if (!this.alive) return;
    this.stoppedBecause ??= reason;
    this.signalGroup('SIGKILL');
  }

  /** Writes one message to the child's stdin. Returns false when the child is gone. */
  send(message: unknown): boolean {
    if (!this.alive || this.closing || this.process.stdin!.destroyed) return false;
    this.process.stdin!.write(encodeMessage(message, this.writeFraming));
    return true;
  }

  /** Shuts the child down (idempotent) and removes its private folder. */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private receive(chunk: Buffer): void {
    for (const item of this.decoder.push(chunk)) {
      if (item.kind === 'garbage') {
        if (this.garbageBudget.take((count) => this.suppressed('non-JSON-RPC stdout lines', count)))
          this.options.logger.warn('child wrote a non-JSON-RPC line to stdout; skipped', { line: item.text });
        continue;
      }
      try {
        this.onMessage(item.message);
      } catch (error) {
        this.options.logger.error('handling a child message failed', { error: (error as Error).message });
      }
    }
    // Children that answer in Content-Length framing are written to in it too.
    if (this.decoder.detectedFraming === 'content-length') this.writeFraming = 'content-length';
  }

  private suppressed(what: string, count: number): void {
    this.options.logger.warn(
      `child output not logged: ${count} ${what} over the limit of ${LOG_LINES_PER_WINDOW} per ${LOG_WINDOW_MS / 1000} s`,
      {
        suppressed: count,
      },
    );
  }

  /**
   * Stops a child that grows past its limit (Linux: resident memory from /proc). Its requests
   * then fail with the reason, and its session carries on with a new child, as after a crash.
   */
  private watchMemory(limitMb: number, intervalMs: number): void {
    const statusFile = `/proc/${this.process.pid}/status`;
    if (!existsSync(statusFile)) {
      this.options.logger.info('memory limit not enforced on this platform', { limitMb });
      return;
    }
    this.watchdog = setInterval(() => {
      let rssMb: number;
      try {
        rssMb = Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(statusFile, 'utf8'))?.[1] ?? 0) / 1024;
      } catch {
        clearInterval(this.watchdog);
        return;
      }
      if (rssMb <= limitMb) return;
      clearInterval(this.watchdog);
      this.stoppedBecause = `its memory (${Math.round(rssMb)} MB) passed max_child_memory_mb (${limitMb} MB)`;
      this.options.logger.warn('child stopped by the memory watchdog', { rssMb: Math.round(rssMb), limitMb });
      this.signalGroup('SIGKILL');
    }, intervalMs);
    this.watchdog.unref();
    void this.exited.then(() => clearInterval(this.watchdog));
  }

  private async shutdown(): Promise<void> {
    const grace = this.options.shutdownGraceMs;
    if (this.alive) {
      this.process.stdin!.end();
      if (!(await this.exitsWithin(grace))) {
        // Said as it happens: a child ignoring its stdin and SIGTERM holds up a shutdown for 2 × grace.
        this.options.logger.info('child still running after its stdin closed; sending SIGTERM', {
          pid: this.process.pid,
          waitedMs: grace,
        });
        this.signalGroup('SIGTERM');
        if (!(await this.exitsWithin(grace))) {
          this.options.logger.warn('child ignored SIGTERM; killing it (SIGKILL)', {
            pid: this.process.pid,
            waitedMs: 2 * grace,
          });
          this.signalGroup('SIGKILL');
          await this.exited;
        }
      }
    }
    // The leader may be gone while processes it started linger in its group, or (setsid) outside it:
    // with a user of its own, every process of that user ends here.
    this.signalGroup('SIGKILL');
    if (this.user) this.options.users!.release(this.user);
    // Sharing the adapter's user, descendants that left the group still carry the child's HOME.
    else if (process.platform === 'linux') killProcessesWithHome(path.join(this.privateDir, 'home'));
    this.process.stdout!.destroy();
    this.process.stderr!.destroy();
    await rm(this.privateDir, { recursive: true, force: true, maxRetries: 3 });
    this.options.logger.info('child stopped', { pid: this.process.pid, ...this.exitInfo });
  }

  private exitsWithin(ms: number): Promise<boolean> {
    if (!this.alive) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), ms);
      void this.exited.then(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  private signalGroup(signal: NodeJS.Signals): void {
    try {
      if (process.platform === 'win32') {
        if (this.alive) this.process.kill(signal);
      } else {
        process.kill(-this.process.pid!, signal);
      }
    } catch {
      // ESRCH: the group is already gone.
    }
  }
}
