import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { parse as parseJsonc, printParseErrorCode, type ParseError } from 'jsonc-parser';
import { ConfigError, type ConfigIssue } from './errors.js';
import type { AdapterConfig, AdapterSettings, ServerConfig } from './model.js';
import { validateAgainstSchema } from './validate-schema.js';

/**
 * Config files looked for, in order, in the app root when no path is given. `.vscode/mcp.json`
 * is deliberately not one: in this repository it points VS Code at the adapter (a client
 * config), not at the servers the adapter runs.
 */
export const WELL_KNOWN_CONFIG_FILES = ['mcp_config.json', 'mcp_config.jsonc', 'mcp.json'];

/**
 * Finds the config file: an explicit path first, then `MCP_CONFIG_PATH`, then the well-known
 * files in `appRoot`. Throws a ConfigError naming everything it tried.
 */
export function discoverConfigPath(options: { explicitPath?: string; env?: NodeJS.ProcessEnv; appRoot: string }): string {
  const candidate = options.explicitPath ?? options.env?.MCP_CONFIG_PATH;
  if (candidate) {
    const resolved = path.resolve(options.appRoot, candidate);
    if (!existsSync(resolved)) throw new ConfigError(resolved, [{ path: '', message: 'file not found' }]);
    return resolved;
  }
  for (const name of WELL_KNOWN_CONFIG_FILES) {
    const resolved = path.join(options.appRoot, name);
    if (existsSync(resolved)) return resolved;
  }
  throw new ConfigError(options.appRoot, [
    { path: '', message: `no config file found; looked for ${WELL_KNOWN_CONFIG_FILES.join(', ')} (set MCP_CONFIG_PATH to use another)` },
  ]);
}

/** Reads, parses (JSON with comments), validates and normalises a config file. */
export function loadConfigFile(file: string): AdapterConfig {
  const sourcePath = path.resolve(file);
  let text: string;
  try {
    text = readFileSync(sourcePath, 'utf8');
  } catch (error) {
    throw new ConfigError(sourcePath, [{ path: '', message: `cannot read file: ${(error as Error).message}` }]);
  }
  return parseConfig(text, sourcePath);
}

/** Parses and validates config text; `sourcePath` names the file in errors and anchors relative paths. */
export function parseConfig(text: string, sourcePath: string): AdapterConfig {
  const syntaxErrors: ParseError[] = [];
  const document: unknown = parseJsonc(text, syntaxErrors, { allowTrailingComma: true, disallowComments: false });
  if (syntaxErrors.length > 0) {
    const messages = new Set(syntaxErrors.map((error) => `${printParseErrorCode(error.error)} at ${lineAndColumn(text, error.offset)}`));
    throw new ConfigError(sourcePath, [...messages].map((message) => ({ path: '', message: `invalid JSON: ${message}` })));
  }
  const issues = validateAgainstSchema(document);
  if (issues.length > 0) throw new ConfigError(sourcePath, issues);
  return normalise(document as RawConfig, sourcePath);
}

function lineAndColumn(text: string, offset: number): string {
  const before = text.slice(0, offset).split('\n');
  return `line ${before.length}, column ${(before.at(-1)?.length ?? 0) + 1}`;
}

interface RawServer {
  command: string;
  args?: string[];
  env?: Record<string, string>;
  cwd?: string;
  working_dir?: string;
  framing?: ServerConfig['framing'];
  startup_timeout_seconds?: number;
  request_timeout_seconds?: number;
  timeout_seconds?: number;
  restart_on_failure?: boolean;
  max_restarts?: number;
  default?: boolean;
  sessions?: { max_concurrent?: number; idle_timeout_seconds?: number; max_lifetime_seconds?: number };
  auth?: { method?: ServerConfig['authMethod'] };
}

interface RawConfig {
  mcpServers: Record<string, RawServer>;
  adapter?: {
    max_sessions?: number;
    max_body_bytes?: number;
    allowed_origins?: string[];
    allowed_hosts?: string[];
    shutdown_grace_seconds?: number;
  };
}

const seconds = (value: number) => Math.round(value * 1000);

function normalise(raw: RawConfig, sourcePath: string): AdapterConfig {
  const baseDir = path.dirname(sourcePath);
  const servers = new Map<string, ServerConfig>();
  for (const [name, server] of Object.entries(raw.mcpServers)) {
    servers.set(name, {
      name,
      command: server.command,
      args: server.args ?? [],
      env: server.env ?? {},
      cwd: path.resolve(baseDir, server.cwd ?? server.working_dir ?? '.'),
      framing: server.framing ?? 'auto',
      startupTimeoutMs: seconds(server.startup_timeout_seconds ?? 60),
      requestTimeoutMs: seconds(server.request_timeout_seconds ?? server.timeout_seconds ?? 300),
      restartOnFailure: server.restart_on_failure ?? true,
      maxRestarts: server.max_restarts ?? 3,
      isDefault: server.default ?? false,
      sessions: {
        maxConcurrent: server.sessions?.max_concurrent ?? 20,
        idleTimeoutMs: seconds(server.sessions?.idle_timeout_seconds ?? 1800),
        maxLifetimeMs: seconds(server.sessions?.max_lifetime_seconds ?? 86400),
      },
      authMethod: server.auth?.method ?? 'none',
    });
  }
  const issues = crossFieldIssues(servers);
  if (issues.length > 0) throw new ConfigError(sourcePath, issues);
  const adapter: AdapterSettings = {
    maxSessions: raw.adapter?.max_sessions ?? 50,
    maxBodyBytes: raw.adapter?.max_body_bytes ?? 4 * 1024 * 1024,
    allowedOrigins: raw.adapter?.allowed_origins ?? [],
    allowedHosts: raw.adapter?.allowed_hosts ?? [],
    shutdownGraceMs: seconds(raw.adapter?.shutdown_grace_seconds ?? 2),
  };
  return { sourcePath, servers, adapter };
}

/** Rules a JSON Schema cannot express (or expresses with unreadable errors). */
function crossFieldIssues(servers: Map<string, ServerConfig>): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const defaults = [...servers.values()].filter((server) => server.isDefault);
  if (defaults.length > 1) {
    for (const server of defaults.slice(1)) {
      issues.push({ path: `/mcpServers/${server.name}/default`, message: `only one server may be the default; "${defaults[0]!.name}" already is` });
    }
  }
  for (const server of servers.values()) {
    if (server.authMethod !== 'none') {
      issues.push({
        path: `/mcpServers/${server.name}/auth/method`,
        message: `"${server.authMethod}" is not supported by this version of the adapter; it would be served without authentication, so it is refused (use "none" or remove the auth block)`,
      });
    }
  }
  return issues;
}
