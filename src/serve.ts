import path from 'node:path';
import { AdapterError } from './errors/adapter-error.js';
import { placementFromEnvironment } from './http/placement.js';
import { ServingLease } from './state/serving-lease.js';
import { startNodeHost, type RunningNodeHost } from './adapter/node/node-host.js';
import type { ConfigDocument } from './config/document.js';
import { configFromDocument, discoverConfigPath, loadConfigFile, type LoadedConfig } from './config/load-config.js';
import { createLogger, parseLogLevel, type Logger } from './observability/logger.js';

export interface ServeOptions {
  /** A config file path, or a config object (same schema, same validation). Default: discovery. */
  config?: string | ConfigDocument;
  /** Folder relative paths in a config object resolve against (default: the current folder). */
  baseDir?: string;
  port?: number;
  host?: string;
  /** The environment variables resolve from and children take their baseline from. */
  env?: NodeJS.ProcessEnv;
  logger?: Logger;
}

/** Loads a config for serving: variables resolved from `env` (and a `.env` beside the config). */
export function loadForServing(options: Pick<ServeOptions, 'config' | 'baseDir' | 'env'> = {}): LoadedConfig {
  const env = options.env ?? process.env;
  const warnings: string[] = [];
  const load = {
    resolveFrom: env,
    hostEnv: env,
    packagesRoot: path.resolve(options.baseDir ?? '.'),
    onWarning: (message: string) => warnings.push(message),
    // A server whose settings are missing must not take the others down with it.
    missingSettings: 'isolate' as const,
  };
  if (typeof options.config === 'object') {
    return withNotes(
      configFromDocument(options.config, path.join(path.resolve(options.baseDir ?? '.'), 'mcp_config.json'), load),
      warnings,
    );
  }
  const file = discoverConfigPath({ explicitPath: options.config, env, appRoot: path.resolve(options.baseDir ?? '.') });
  // `.mcp-packages/` sits beside the config (the app root when deployed).
  return withNotes(loadConfigFile(file, { ...load, packagesRoot: path.dirname(file) }), warnings);
}

/**
 * What serving a config needs beyond the config, loaded only when a server needs it: jose,
 * @azure/identity and @azure/data-tables are most of the adapter's start-up time and idle
 * memory. Both hosts call this; `deployed` says whether children's Azure credentials come from
 * the app's managed identity (Functions) or DefaultAzureCredential (your az / azd login).
 */
export async function servingDependencies(
  loaded: LoadedConfig,
  env: NodeJS.ProcessEnv,
  logger: Logger,
  options: { deployed: boolean },
) {
  const servers = [...loaded.config.servers.values()];
  const verifies = servers.some(
    (server) => server.auth.caller.type === 'entra' || server.auth.caller.type === 'oauth2',
  );
  const credentials = servers.some((server) => server.auth.child.type !== 'none' || server.auth.forwardUserToken);
  const sharesSessions =
    env.MCP_ADAPTER_SINGLE_INSTANCE !== 'true' &&
    Boolean(env.MCP_ADAPTER_STORE_CONNECTION_STRING || env.MCP_ADAPTER_STORAGE_ACCOUNT);
  // The stateful app of a split deployment: only the holder of its serving lease runs children.
  const placement = placementFromEnvironment(env, { singleInstance: loaded.config.deployment.singleInstance });
  let servingLease: ServingLease | undefined;
  if (placement?.role === 'stateful') {
    const client = (await import('./azure/table-session-store.js')).tableClientFromEnvironment(env);
    if (client) {
      const { TableLeaseStore } = await import('./azure/table-lease-store.js');
      const leaseMs = millisecondsSetting(env, 'MCP_ADAPTER_LEASE_MS', 20_000);
      servingLease = new ServingLease({
        // A store call gives up within a renewal period, so a slow one cannot outlast the lease.
        store: new TableLeaseStore(client, Math.max(1_000, Math.floor(leaseMs / 3))),
        // One lease per app: its site name on Azure.
        name: `serving.${env.WEBSITE_SITE_NAME?.trim() || 'stateful'}`,
        logger,
        leaseMs,
        skewMs: millisecondsSetting(env, 'MCP_ADAPTER_LEASE_SKEW_MS', 5_000),
      });
    } else {
      logger.warn(
        'MCP_ADAPTER_APP_ROLE is stateful but no shared store is configured (MCP_ADAPTER_STORAGE_ACCOUNT or MCP_ADAPTER_STORE_CONNECTION_STRING): serving without a lease, so a second instance would start children of its own',
      );
    }
  }
  return {
    placement,
    servingLease,
    verifierFor: verifies ? (await import('./auth/verifier-registry.js')).createVerifierRegistry({ env }) : undefined,
    childCredentials: credentials
      ? (await import('./auth/child-credential-provider.js')).createChildCredentialProvider({
          env,
          deployed: options.deployed,
          logger,
        })
      : undefined,
    // Several instances (Azure, or local ones behind a proxy with Azurite) share ended sessions and cut streams.
    store: sharesSessions
      ? (await import('./azure/table-session-store.js')).TableSessionStore.fromEnvironment(env)
      : undefined,
  };
}

/** A duration app setting in milliseconds: a positive whole number, or the default when unset. */
function millisecondsSetting(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const text = env[name]?.trim();
  if (!text) return fallback;
  if (!/^[1-9]\d{0,8}$/.test(text))
    throw new AdapterError(`${name} is "${text}"; give a whole number of milliseconds (default ${fallback})`, {
      code: 'setting_invalid',
    });
  return Number(text);
}

/** Logs what a loaded config means for serving: its warnings, and each server it cannot serve with what is missing. */
export function logLoadedConfig(loaded: LoadedConfig, logger: Logger): void {
  const log = logger.child({ component: 'config' });
  for (const warning of loaded.warnings) log.warn(warning.message, { path: warning.path });
  for (const [name, entry] of loaded.config.unavailable) {
    log.error(
      `server "${name}" is not served: a setting or secret it needs is missing; its endpoint answers 503 until it is provisioned (azd provision)`,
      { server: name, missing: entry.missing },
    );
  }
}

function withNotes(loaded: LoadedConfig, notes: string[]): LoadedConfig {
  return notes.length === 0
    ? loaded
    : { ...loaded, warnings: [...loaded.warnings, ...notes.map((message) => ({ path: '', message }))] };
}

/**
 * Serves a config with the node:http host: the programmatic counterpart of `npm start`
 * (and of the predecessor's `MCPFunctionApp(mcp_server=...)`).
 */
export async function serve(options: ServeOptions = {}): Promise<RunningNodeHost & { loaded: LoadedConfig }> {
  const env = options.env ?? process.env;
  let loaded = loadForServing(options);
  if (typeof options.config !== 'object' && loaded.config.adapter.installNpxServers) {
    // Once per server: later sessions and later starts run the installed bin (offline too).
    const appRoot = path.dirname(loaded.config.sourcePath);
    const { installMissingNpxServers } = await import('./deployment/packaging.js');
    try {
      const installed = installMissingNpxServers(loaded.document, appRoot, undefined, (line) =>
        process.stderr.write(`install: ${line}\n`),
      );
      if (installed.length > 0) loaded = loadForServing(options);
    } catch (error) {
      // Offline, or a package npm cannot install: its sessions run npx as configured, as before.
      process.stderr.write(
        `warning: could not install the npx servers once into .mcp-packages/ (${(error as Error).message.split('\n')[0]}); their sessions run npx as configured\n`,
      );
    }
  }
  const levels = { ...loaded.config.adapter.logLevels };
  if (env.LOG_LEVEL) levels.default = parseLogLevel(env.LOG_LEVEL);
  const logger = options.logger ?? createLogger({ levels, fields: {} });
  logLoadedConfig(loaded, logger);
  const running = await startNodeHost({
    config: loaded.config,
    logger,
    port: options.port ?? Number(env.PORT ?? 7071),
    host: options.host ?? env.HOST ?? '127.0.0.1',
    hostEnv: env,
    ...(await servingDependencies(loaded, env, logger, { deployed: false })),
  });
  return { ...running, loaded };
}
