import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseDotenv } from 'dotenv';
import { parse as parseJsonc, printParseErrorCode, type ParseError } from 'jsonc-parser';
import { applyPackageManifest } from './packaged-servers.js';
import { isStdioServer, type ConfigDocument, type StdioServerDocument } from './document.js';
import { ConfigError, type ConfigIssue } from './errors.js';
import { SourceLocator } from './json-location.js';
import type { AdapterConfig } from './model.js';
import { normalise } from './normalise.js';
import { secretWarnings } from './secret-fields.js';
import { validateAgainstSchema } from './validate-schema.js';
import { collectVariables, resolveVariables, type VariableUse } from './variables.js';

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
export function discoverConfigPath(options: {
  explicitPath?: string;
  env?: NodeJS.ProcessEnv;
  appRoot: string;
}): string {
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
    {
      path: '',
      message: `no config file found; looked for ${WELL_KNOWN_CONFIG_FILES.join(', ')} (set MCP_CONFIG_PATH to use another)`,
    },
  ]);
}

export interface LoadOptions {
  /**
   * Replace variables with values from this environment (and a `.env` beside the config).
   * Serving needs it; `validate` and `plan` work on the variables as written.
   */
  resolveFrom?: NodeJS.ProcessEnv;
  /** The adapter's own environment, for the predecessor's instance-wide settings. */
  hostEnv?: NodeJS.ProcessEnv;
  /** App root holding `.mcp-packages/` from the prepackage hook: packaged servers run from there. */
  packagesRoot?: string;
  /** Where notes about applying packages go. */
  onWarning?: (message: string) => void;
  /**
   * What a server whose settings or secrets are missing does to the whole config: `fail` (the
   * default: `validate`, `plan` and tests want every problem at once) or `isolate` (serving: that
   * server goes to `config.unavailable`, named in the log and `/status`, and the others serve).
   */
  missingSettings?: 'fail' | 'isolate';
}

export interface LoadedConfig {
  config: AdapterConfig;
  /** The document as written (variables unresolved). */
  document: ConfigDocument;
  variables: VariableUse[];
  /** Things that work but are probably not what the user wants (secrets in plain sight, skipped servers). */
  warnings: ConfigIssue[];
}

/** Reads, parses (JSON with comments), validates and normalises a config file. */
export function loadConfigFile(file: string, options: LoadOptions = {}): LoadedConfig {
  const sourcePath = path.resolve(file);
  let text: string;
  try {
    text = readFileSync(sourcePath, 'utf8');
  } catch (error) {
    throw new ConfigError(sourcePath, [{ path: '', message: `cannot read file: ${(error as Error).message}` }]);
  }
  return parseConfig(text, sourcePath, options);
}

/** Parses and validates config text; `sourcePath` names the file in errors and anchors relative paths. */
export function parseConfig(text: string, sourcePath: string, options: LoadOptions = {}): LoadedConfig {
  const locator = new SourceLocator(text);
  const syntaxErrors: ParseError[] = [];
  const document: unknown = parseJsonc(text, syntaxErrors, { allowTrailingComma: true, disallowComments: false });
  if (syntaxErrors.length > 0) {
    // Only the first: later syntax errors are nearly always echoes of it.
    const first = syntaxErrors[0]!;
    throw new ConfigError(sourcePath, [
      {
        path: '',
        message: `invalid JSON: ${describeSyntaxError(printParseErrorCode(first.error))}`,
        position: locator.position(first.offset),
      },
    ]);
  }
  return buildConfig(document, sourcePath, options, locator);
}

/**
 * Validates a config given as an object (the programmatic entry), with the same schema, rules
 * and errors as a file. `sourcePath` anchors relative paths (a config file that would sit there).
 */
export function configFromDocument(document: unknown, sourcePath: string, options: LoadOptions = {}): LoadedConfig {
  return buildConfig(document, path.resolve(sourcePath), options);
}

function buildConfig(
  document: unknown,
  sourcePath: string,
  options: LoadOptions,
  locator?: SourceLocator,
): LoadedConfig {
  const locate = (issues: ConfigIssue[]) =>
    issues.map((issue) => ({ ...issue, position: issue.position ?? locator?.locate(issue.path) }));
  const schemaIssues = validateAgainstSchema(document);
  if (schemaIssues.length > 0) throw new ConfigError(sourcePath, locate(schemaIssues));
  const written = document as ConfigDocument;
  const baseDir = path.dirname(sourcePath);
  const { uses, issues: variableIssues } = collectVariables(written);
  const { document: withEnvFiles, issues: envFileIssues } = mergeEnvFiles(written, baseDir);
  let effective = options.packagesRoot
    ? withPackages(withEnvFiles, options.packagesRoot, options.onWarning ?? (() => {}))
    : withEnvFiles;
  const resolveIssues: ConfigIssue[] = [];
  if (options.resolveFrom) {
    const resolved = resolveVariables(effective, {
      env: options.resolveFrom,
      dotenv: readDotenv(baseDir),
      inputs: written.inputs ?? [],
      workspaceFolder: baseDir,
    });
    effective = resolved.document;
    resolveIssues.push(...resolved.issues);
  }
  const { config, issues, warnings } = normalise(effective, sourcePath, options.hostEnv ?? {});
  const isolated =
    options.missingSettings === 'isolate' ? isolateServers(config, resolveIssues) : new Set<ConfigIssue>();
  const allIssues = [
    ...variableIssues,
    ...envFileIssues,
    ...resolveIssues.filter((issue) => !isolated.has(issue)),
    ...issues,
  ];
  if (allIssues.length > 0) throw new ConfigError(sourcePath, locate(allIssues));
  return { config, document: written, variables: uses, warnings: locate([...warnings, ...secretWarnings(written)]) };
}

const SERVER_PATH = /^\/(?:mcpServers|servers)\/([^/]+)(?:\/|$)/;

/**
 * Moves each server with an unresolved setting or secret from `config.servers` to
 * `config.unavailable`, and returns the issues that are now accounted for there. An unresolved
 * variable outside a server (the `adapter` section) still fails the whole config.
 */
function isolateServers(config: AdapterConfig, issues: ConfigIssue[]): Set<ConfigIssue> {
  const handled = new Set<ConfigIssue>();
  for (const issue of issues) {
    const name = SERVER_PATH.exec(issue.path)?.[1]?.replace(/~1/g, '/').replace(/~0/g, '~');
    const server = name === undefined ? undefined : (config.servers.get(name) ?? config.unavailable.get(name)?.server);
    if (!server) continue;
    const entry = config.unavailable.get(server.name) ?? { server, missing: [] };
    entry.missing.push(`${issue.path}: ${issue.message}`);
    config.unavailable.set(server.name, entry);
    config.servers.delete(server.name);
    handled.add(issue);
  }
  return handled;
}

function withPackages(document: ConfigDocument, appRoot: string, warn: (message: string) => void): ConfigDocument {
  const key = document.mcpServers ? 'mcpServers' : 'servers';
  const servers = document[key];
  if (!servers) return document;
  const stdio = Object.fromEntries(Object.entries(servers).filter(([, server]) => isStdioServer(server))) as Record<
    string,
    StdioServerDocument
  >;
  return { ...document, [key]: { ...servers, ...applyPackageManifest(stdio, appRoot, warn) } };
}

/** A server's `envFile` entries join its `env` (which wins on conflicts). */
function mergeEnvFiles(document: ConfigDocument, baseDir: string): { document: ConfigDocument; issues: ConfigIssue[] } {
  const key = document.mcpServers ? 'mcpServers' : 'servers';
  const servers = document[key];
  if (!servers || !Object.values(servers).some((server) => isStdioServer(server) && server.envFile))
    return { document, issues: [] };
  const issues: ConfigIssue[] = [];
  const merged = Object.fromEntries(
    Object.entries(servers).map(([name, server]) => {
      if (!isStdioServer(server) || !server.envFile) return [name, server];
      const file = path.resolve(baseDir, server.envFile);
      try {
        return [name, { ...server, env: { ...parseDotenv(readFileSync(file)), ...server.env } }];
      } catch (error) {
        issues.push({
          path: `/${key}/${name}/envFile`,
          message: `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
        });
        return [name, server];
      }
    }),
  );
  return { document: { ...document, [key]: merged }, issues };
}

function readDotenv(baseDir: string): Record<string, string> {
  const file = path.join(baseDir, '.env');
  return existsSync(file) ? parseDotenv(readFileSync(file)) : {};
}

function describeSyntaxError(code: string): string {
  const known: Record<string, string> = {
    CloseBraceExpected: "expected '}' (an object is not closed)",
    CloseBracketExpected: "expected ']' (an array is not closed)",
    CommaExpected: "expected ',' between entries",
    ColonExpected: "expected ':' after a property name",
    PropertyNameExpected: 'expected a property name in double quotes',
    ValueExpected: 'expected a value',
    InvalidSymbol: 'unexpected character (strings need double quotes)',
    EndOfFileExpected: 'unexpected content after the end of the document',
    UnexpectedEndOfString: 'a string is not closed',
  };
  return known[code] ?? code;
}
