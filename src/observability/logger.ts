/**
 * A small structured logger. Records are one JSON object per line on stderr (stdout stays
 * free for hosts and the CLI). Levels can differ per component (`config`, `process`,
 * `session`, `http`, `auth`), so a user can turn on auth debugging alone. Callers pass facts as
 * fields, never tokens or secrets: the logger cannot know what a secret is, so the rule is on
 * the call sites.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

const rank: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

export type LogFields = Record<string, unknown>;
export type LogSink = (record: LogFields) => void;

export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  /** A logger whose records carry `fields` too; a `component` field selects that component's level. */
  child(fields: LogFields): Logger;
}

export function parseLogLevel(value: string | undefined, fallback: LogLevel = 'info'): LogLevel {
  const lower = value?.toLowerCase();
  return lower !== undefined && lower in rank ? (lower as LogLevel) : fallback;
}

/** How a record is written: one JSON object per line (machines), or a short line (people at a terminal). */
export type LogFormat = 'json' | 'pretty';

/** `LOG_FORMAT` if set (json or pretty), else pretty on a terminal and JSON everywhere else. */
export function logFormatFor(env: NodeJS.ProcessEnv = process.env, isTty = process.stderr.isTTY === true): LogFormat {
  const asked = env.LOG_FORMAT?.toLowerCase();
  if (asked === 'json' || asked === 'pretty') return asked;
  return isTty ? 'pretty' : 'json';
}

const RESERVED = new Set(['time', 'level', 'message', 'component']);

/** `12:00:01.123 WARN  [session] message key=value …`: the time of day, the level, the facts. */
export function prettyLine(record: LogFields): string {
  const time = typeof record.time === 'string' ? record.time.slice(11, 23) : '';
  const level = String(record.level ?? '')
    .toUpperCase()
    .padEnd(5);
  const component = typeof record.component === 'string' ? ` [${record.component}]` : '';
  let line = `${time} ${level}${component} ${String(record.message ?? '')}`;
  for (const [key, value] of Object.entries(record)) {
    if (RESERVED.has(key) || value === undefined) continue;
    const text = typeof value === 'string' ? value : JSON.stringify(value);
    line += ` ${key}=${/^[^\s"=]+$/.test(text) ? text : JSON.stringify(text)}`;
  }
  return line;
}

/**
 * Records go to stderr in batches: lines written within a few milliseconds (or up to 64 KB) go
 * out in one write, so a busy adapter pays one system call per batch, not one per request (an
 * audit line per tool call). What is pending is written when the process exits.
 */
class BatchedStderr {
  private pending: string[] = [];
  private bytes = 0;
  private timer: NodeJS.Timeout | undefined;
  private hooked = false;

  write(line: string): void {
    this.pending.push(line);
    this.bytes += line.length;
    if (!this.hooked) {
      this.hooked = true;
      process.once('exit', () => this.flush());
    }
    if (this.bytes >= 64 * 1024) this.flush();
    else if (!this.timer) {
      this.timer = setTimeout(() => this.flush(), 10);
      this.timer.unref();
    }
  }

  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending.length === 0) return;
    const text = this.pending.join('');
    this.pending = [];
    this.bytes = 0;
    process.stderr.write(text);
  }
}

const stderr = new BatchedStderr();

/** The default sink: stderr, in the format `logFormatFor` picks. */
export function stderrSink(format: LogFormat = logFormatFor()): LogSink {
  return format === 'pretty'
    ? (record) => stderr.write(`${prettyLine(record)}\n`)
    : (record) => stderr.write(`${JSON.stringify(record)}\n`);
}

/** Writes what the default sink holds now (before a deliberate exit that skips the event loop). */
export function flushLogs(): void {
  stderr.flush();
}

export interface LoggerOptions {
  /** Level of every component without its own. */
  level?: LogLevel;
  /** Levels per component (`default` is the same as `level`). */
  levels?: Partial<Record<string, LogLevel>>;
  sink?: LogSink;
  fields?: LogFields;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const levels: Partial<Record<string, LogLevel>> & { default: LogLevel } = {
    ...options.levels,
    default: options.level ?? options.levels?.default ?? 'info',
  };
  const sink = options.sink ?? stderrSink();
  const base = options.fields ?? {};
  const component = typeof base.component === 'string' ? base.component : undefined;
  const threshold = rank[(component !== undefined ? levels[component] : undefined) ?? levels.default];
  const emit = (level: Exclude<LogLevel, 'silent'>, message: string, fields?: LogFields) => {
    if (rank[level] < threshold) return;
    sink({ time: new Date().toISOString(), level, message, ...base, ...fields });
  };
  return {
    debug: (message, fields) => emit('debug', message, fields),
    info: (message, fields) => emit('info', message, fields),
    warn: (message, fields) => emit('warn', message, fields),
    error: (message, fields) => emit('error', message, fields),
    child: (fields) => createLogger({ levels, level: levels.default, sink, fields: { ...base, ...fields } }),
  };
}
