#!/usr/bin/env node
import { AdapterError } from '../errors/adapter-error.js';
/**
 * `mcp-stdio-adapter validate [file]`, `plan [file] [--json] [--out file]`, `serve [options]`.
 * `npm start` runs `serve`. Exit codes: 0 success, 1 invalid config (or, for validate, not servable
 * here without --allow-missing; for serve, an address that cannot be listened on), 2 usage error.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError, formatIssue } from '../config/errors.js';
import { discoverConfigPath, loadConfigFile } from '../config/load-config.js';
import type { AdapterConfig } from '../config/model.js';
import { configuredServers, defaultServerConfig } from '../http/routes.js';
import { planDeployment, PlanError } from '../deployment/plan.js';
import { buildChildEnvironment } from '../process/child-environment.js';
import { CommandNotFoundError, resolveCommand } from '../process/resolve-command.js';
import { loadForServing, serve } from '../serve.js';
import { formatPlan } from './format-plan.js';

const USAGE = `Usage: mcp-stdio-adapter <command> [options]

Commands:
  validate [file] [--allow-missing]
                               Check a config (default: MCP_CONFIG_PATH or mcp_config.json); lists every error at once,
                               then what npm start here would refuse (unset variables, commands not on PATH): exit 1
                               unless --allow-missing (for values and commands the deployment supplies).
  plan [file] [--json] [--out file]
                               Show the deployment plan the config implies (apps and their scale, settings, secrets, roles, Entra).
  serve [--config file] [--port n] [--host h]
                               Serve the config over Streamable HTTP (defaults: MCP_CONFIG_PATH, PORT=7071, HOST=127.0.0.1).
  smoke <endpoint-url> [--key k] [--token t] [--tool name] [--args json]
                               Initialize, list tools, call one, report (exit 1 on failure). The key and token
                               may also come from MCP_FUNCTION_KEY and MCP_BEARER_TOKEN.
`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command) throw new UsageError('a command is needed');
  if (
    command === '--help' ||
    command === '-h' ||
    command === 'help' ||
    rest.includes('--help') ||
    rest.includes('-h')
  ) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (command === 'validate') {
    const { positionals, values } = parseArgs({
      args: rest,
      allowPositionals: true,
      options: { 'allow-missing': { type: 'boolean' } },
    });
    atMostOne(positionals);
    const file = discoverConfigPath({ explicitPath: positionals[0], env: process.env, appRoot: process.cwd() });
    const loaded = loadConfigFile(file);
    const names = [...loaded.config.servers.keys()];
    const shown = path.relative(process.cwd(), file) || file;
    process.stdout.write(`${shown} is valid: ${names.length} server(s): ${names.join(', ')}\n`);
    for (const warning of loaded.warnings) process.stdout.write(`warning: ${formatIssue(shown, warning)}\n`);
    const problems = localProblems(file);
    for (const problem of problems) process.stdout.write(`npm start here would: ${problem}\n`);
    if (problems.length === 0 || values['allow-missing']) return 0;
    process.stderr.write(
      `error: npm start here would not serve everything (above); set the variables and install the commands, or pass --allow-missing where the deployment supplies them (azd values, packaged servers)\n`,
    );
    return 1;
  }
  if (command === 'plan') {
    const { positionals, values } = parseArgs({
      args: rest,
      allowPositionals: true,
      options: { json: { type: 'boolean' }, out: { type: 'string' } },
    });
    atMostOne(positionals);
    const file = discoverConfigPath({ explicitPath: positionals[0], env: process.env, appRoot: process.cwd() });
    const plan = planDeployment(loadConfigFile(file));
    const json = `${JSON.stringify(plan, null, 2)}\n`;
    if (values.out) writeFileSync(values.out, json);
    process.stdout.write(values.json ? json : formatPlan(plan));
    return 0;
  }
  if (command === 'serve') {
    const { values } = parseArgs({
      args: rest,
      options: { config: { type: 'string' }, port: { type: 'string' }, host: { type: 'string' } },
    });
    if (values.port !== undefined && !/^\d{1,5}$/.test(values.port))
      throw new UsageError(`--port must be a port number, got "${values.port}"`);
    const port = values.port === undefined ? undefined : Number(values.port);
    if (port !== undefined && port > 65535) throw new UsageError(`--port must be a port number, got "${values.port}"`);
    const running = await serve({ config: values.config, port, host: values.host }).catch((error: unknown) => {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL')
        throw new ListenError(
          `Cannot listen on ${values.host ?? process.env.HOST ?? '127.0.0.1'}:${port ?? process.env.PORT ?? 7071}: ${code === 'EADDRINUSE' ? 'the port is in use (another adapter, or func start?); choose another with --port or PORT' : code === 'EACCES' ? 'permission denied (ports below 1024 need privileges); choose another with --port' : 'no such address on this machine; check --host'}`,
        );
      throw error;
    });
    process.stderr.write(banner(running.url, running.loaded.config));
    let stopping = false;
    const stop = () => {
      if (stopping) {
        // A second Ctrl-C: children that ignore their signals are not waited for.
        process.stderr.write(
          'stopping now, without waiting for children; what they leave is cleaned at the next start\n',
        );
        process.exit(130);
      }
      stopping = true;
      process.stderr.write('stopping: ending sessions and their children (Ctrl-C again to force)\n');
      running.close().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
    return new Promise<number>(() => {});
  }
  if (command === 'smoke') {
    const { positionals, values } = parseArgs({
      args: rest,
      allowPositionals: true,
      options: {
        key: { type: 'string' },
        token: { type: 'string' },
        tool: { type: 'string' },
        args: { type: 'string' },
      },
    });
    if (positionals.length !== 1) throw new UsageError('smoke needs exactly one endpoint URL');
    let endpoint: URL;
    try {
      endpoint = new URL(positionals[0]!);
    } catch {
      throw new UsageError(`not a URL: "${positionals[0]}"`);
    }
    let toolArguments: Record<string, unknown> | undefined;
    try {
      toolArguments = values.args === undefined ? undefined : (JSON.parse(values.args) as Record<string, unknown>);
    } catch {
      throw new UsageError('--args must be a JSON object');
    }
    const { smokeTest } = await import('../deployment/smoke.js');
    const report = await smokeTest({
      endpoint,
      functionKey: values.key ?? process.env.MCP_FUNCTION_KEY,
      token: values.token ?? process.env.MCP_BEARER_TOKEN,
      tool: values.tool,
      toolArguments,
    });
    process.stdout.write(`${JSON.stringify(report)}\n`);
    return report.ok ? 0 : 1;
  }
  throw new UsageError(`unknown command "${command}"`);
}

/**
 * What `npm start` on this machine would refuse or fail at that the file itself does not show:
 * variables unset here (the server is not served), commands not on PATH (the first client gets
 * an error). Deployed, azd supplies the settings and the package brings the commands, so these
 * do not make the file invalid.
 */
function localProblems(file: string): string[] {
  const loaded = loadForServing({ config: file });
  const problems: string[] = [];
  for (const [name, entry] of loaded.config.unavailable)
    problems.push(`not serve "${name}": ${entry.missing.join('; ')}`);
  for (const server of loaded.config.servers.values()) {
    const env = buildChildEnvironment(process.env, { home: server.cwd, tmp: server.cwd }, server.env);
    try {
      resolveCommand(server.command, { cwd: server.cwd, pathEnv: env.PATH ?? env.Path });
    } catch (error) {
      if (!(error instanceof CommandNotFoundError)) throw error;
      problems.push(`fail to start "${server.name}": ${error.message}`);
    }
  }
  return problems;
}

/** Leads with a URL that answers: `/mcp` only when it is served (one server, or a default). */
function banner(url: string, config: AdapterConfig): string {
  const all = configuredServers(config).map((server) => `/mcp/${server.name}`);
  const fallback = defaultServerConfig(config);
  const lead = fallback
    ? `${url}/mcp  (that is /mcp/${fallback.name}; every server: ${all.join(', ')})`
    : `${url}${all[0]}  (one URL per server: ${all.join(', ')}; no server is "default": true, so /mcp answers 404)`;
  return `\nMCP adapter listening on ${lead}\nOpen ${url}/ for how to connect a client.\n\n`;
}

/** The address cannot be listened on: a fact about this machine, not a usage mistake. */
class ListenError extends AdapterError {
  constructor(message: string) {
    super(message, { code: 'listen_failed' });
  }
}

class UsageError extends AdapterError {
  constructor(message: string) {
    super(message, { code: 'usage' });
  }
}

function atMostOne(positionals: string[]): void {
  if (positionals.length > 1)
    throw new UsageError(`one config file at most, got ${positionals.length}: ${positionals.join(' ')}`);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof ConfigError || error instanceof PlanError || error instanceof ListenError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`${(error as Error).message}\n\n${USAGE}`);
      process.exit(2);
    }
    process.stderr.write(`Failed: ${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  },
);
