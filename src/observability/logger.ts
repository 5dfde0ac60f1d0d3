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

const stderrSink: LogSink = (record) => process.stderr.write(`${JSON.stringify(record)}\n`);

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
  const sink = options.sink ?? stderrSink;
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
