import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import type { ChildCredentialProvider } from '../auth/child-credentials.js';
import type { ChildLedger } from '../children/child-ledger.js';
import { ChildSupplier } from '../children/child-supplier.js';
import { serversHoldingCallerCredentials, sharedUserCredentialsProblem } from '../config/caller-credentials.js';
import type { AdapterConfig } from '../config/model.js';
import { createApp, type AppOptions, type FetchHandler } from '../http/app.js';
import { ModernEndpoint, type ModernEndpointOptions } from '../modern/modern-endpoint.js';
import { AdapterError } from '../errors/adapter-error.js';
import type { Logger } from '../observability/logger.js';
import { inspectIsolation, type IsolationReport } from '../process/isolation.js';
import { RuleAudit, ToolCatalog } from '../governance/apply.js';
import { SessionManager } from '../session/session-manager.js';
import { SessionTokens } from '../state/session-token.js';
import type { SharedSessionStore } from '../state/shared-store.js';
import { NotLeaseHolderError, type ServingLease } from '../state/serving-lease.js';
import type { Placement } from '../http/placement.js';

export interface RuntimeOptions
  extends Pick<
    AppOptions,
    'boundToLoopback' | 'siteHostNames' | 'verifierFor' | 'defaultStreamLimitMs' | 'provisioningChanges' | 'localPort'
  > {
  logger: Logger;
  /** The environment children take their baseline from, and the session key is read from (default: this process's). */
  hostEnv?: NodeJS.ProcessEnv;
  /** What children get from their server's auth method (see `auth/child-credential-provider.ts`). */
  childCredentials?: ChildCredentialProvider;
  /** Shared by every instance of a deployment (see `state/shared-store.ts`). */
  store?: SharedSessionStore;
  /** How often live sessions are checked against sessions ended on other instances (default 2 s). */
  storePollMs?: number;
  /** Seals session ids and request states; default: keys from MCP_ADAPTER_SESSION_KEY. */
  tokens?: SessionTokens;
  /** How children are kept apart; default: what this process may do, and the config's `adapter.isolation`. */
  isolation?: IsolationReport;
  /** Which servers this app serves, when the deployment runs a stateful and a stateless app (`http/placement.ts`). */
  placement?: Placement;
  /**
   * The stateful app's serving lease: started here; only while it is held do children start, and
   * losing it ends every child at once. Released at drain, after the children are gone.
   */
  servingLease?: ServingLease;
  /** Tuning of the modern era (2026-07-28); defaults suit production. */
  modern?: Pick<ModernEndpointOptions, 'inputSettleMs'> & { probeTimeoutMs?: number };
}

/** What a host runs: one fetch handler, and the way to stop every child. */
export interface Runtime {
  fetch: FetchHandler;
  /** 2025-era sessions. */
  sessions: SessionManager;
  /** 2026-07-28 requests (no sessions). */
  modern: ModernEndpoint;
  /** The one supplier of children, which both eras lease from. */
  supplier: ChildSupplier;
  /** The supplier's count of children against the caps. */
  ledger: ChildLedger;
  /** How children are kept apart, and why (also in /status). */
  isolation: IsolationReport;
  /** Ends every session and request and waits until every child is gone (host shutdown). */
  drain(): Promise<void>;
}

/**
 * Composes the adapter: one supplier of children, the two protocol eras as peers over it (sessions
 * and 2026-07-28 requests), and the web-standard app that routes to them. Both hosts (node:http,
 * Azure Functions) call this and only translate requests and responses.
 */
export function createRuntime(config: AdapterConfig, options: RuntimeOptions): Runtime {
  const isolation = options.isolation ?? isolationFor(config, options.hostEnv, options.logger);
  // One user's credentials must not sit where another user's child can read them, unless consented to.
  const holding = serversHoldingCallerCredentials(config.servers.values());
  if (isolation.mode === 'shared_user' && holding.length > 0 && !config.adapter.allowSharedUserCredentials)
    throw new AdapterError(sharedUserCredentialsProblem(holding.map((server) => server.name)), {
      code: 'shared_user_credentials_refused',
    });
  const lease = options.servingLease;
  const supplier = new ChildSupplier({
    isolation,
    config,
    logger: options.logger,
    hostEnv: options.hostEnv,
    credentials: options.childCredentials,
    probeTimeoutMs: options.modern?.probeTimeoutMs,
    ...(lease && {
      gate: { held: () => lease.held(), refusal: () => new NotLeaseHolderError(lease.retryAfterSeconds()) },
    }),
  });
  const tokens = options.tokens ?? SessionTokens.fromEnvironment(options.hostEnv ?? process.env);
  // Tool, prompt and resource rules: one record of what the children listed and one audit, both eras.
  const governance = { catalog: new ToolCatalog(), audit: new RuleAudit(options.logger.child({ component: 'audit' })) };
  const sessions = new SessionManager({
    config,
    logger: options.logger,
    supplier,
    tokens,
    store: options.store,
    storePollMs: options.storePollMs,
    governance,
  });
  const modern = new ModernEndpoint({
    config,
    logger: options.logger,
    tokens,
    supplier,
    governance,
    ...(options.store && { store: options.store }),
    ...(options.modern?.inputSettleMs !== undefined && { inputSettleMs: options.modern.inputSettleMs }),
  });
  if (lease) {
    // Another instance may start this app's children from now on: none of ours may live on.
    lease.onLost((reason) => {
      const ended = supplier.killAll(`the serving lease was lost (${reason})`);
      // Same turn as the kill: sessions read their child's exit as a handoff, not a crash.
      sessions.handOff();
      options.logger.warn('ended every child: this instance no longer holds the serving lease', { children: ended });
    });
    lease.onAcquired(() => supplier.resume());
    lease.start();
  }
  const fetch = createApp({
    config,
    sessions,
    modern,
    logger: options.logger,
    boundToLoopback: options.boundToLoopback,
    siteHostNames: options.siteHostNames,
    verifierFor: options.verifierFor,
    defaultStreamLimitMs: options.defaultStreamLimitMs,
    provisioningChanges: options.provisioningChanges,
    localPort: options.localPort,
    isolation,
    audit: governance.audit,
    ...(options.placement && { placement: options.placement }),
    ...(lease && {
      servingLease: {
        settle: () => lease.settle(),
        held: () => lease.held(),
        refusal: () => new NotLeaseHolderError(lease.retryAfterSeconds()),
        status: () => lease.status(),
      },
    }),
  });
  return {
    fetch,
    sessions,
    modern,
    supplier,
    ledger: supplier.ledger,
    isolation,
    drain: async () => {
      await Promise.all([sessions.drain(), modern.drain(), supplier.drain()]);
      // Every child is gone: a successor may serve at once instead of waiting out the lease.
      await lease?.release();
    },
  };
}

/** The adapter cannot give children users of their own although the config requires it. */
export class IsolationUnavailableError extends AdapterError {
  constructor(reason: string) {
    super(
      `adapter.isolation (or MCP_ADAPTER_ISOLATION) is user_per_child, but ${reason}. Run the adapter with CAP_SETUID and CAP_SETGID (root in its container), or set isolation to auto or shared_user`,
      { code: 'isolation_unavailable' },
    );
  }
}

const ISOLATION_SETTINGS = ['auto', 'user_per_child', 'shared_user'] as const;

/**
 * What this process may do, against what the config (or the MCP_ADAPTER_ISOLATION app setting,
 * which overrides it as LOG_LEVEL does the log level) asks; says so when children share the
 * adapter's user.
 */
function isolationFor(config: AdapterConfig, hostEnv: NodeJS.ProcessEnv | undefined, logger: Logger): IsolationReport {
  // A setting of this process (it is about its own privileges), also when children get another baseline.
  const setting =
    hostEnv?.MCP_ADAPTER_ISOLATION?.trim() || process.env.MCP_ADAPTER_ISOLATION?.trim() || config.adapter.isolation;
  if (!ISOLATION_SETTINGS.includes(setting as never))
    throw new AdapterError(`MCP_ADAPTER_ISOLATION is "${setting}"; use one of ${ISOLATION_SETTINGS.join(', ')}`, {
      code: 'isolation_setting_invalid',
    });
  const report = inspectIsolation({ forceShared: setting === 'shared_user' });
  if (setting === 'user_per_child' && report.mode !== 'user_per_child')
    throw new IsolationUnavailableError(report.reason);
  if (report.mode === 'user_per_child') {
    // Children work in the config's folder, and other users may read what is readable by all there.
    const exposed = filesReadableByOthers(path.dirname(config.sourcePath));
    if (exposed.length > 0)
      logger.warn(
        'files beside the config that hold settings are readable by every user, so by every child: make them readable by the adapter alone (chmod 600)',
        { files: exposed },
      );
  }
  if (report.mode === 'shared_user') {
    logger.warn(
      "children run as the adapter's user: any child can read the adapter's environment (app settings, resolved secrets, the host's identity) and other children's; the Function App is the trust boundary, so serve servers of different trust from separate apps",
      { reason: report.reason },
    );
  }
  return report;
}

/** `.env`-style files in `folder` that users other than their owner may read. */
export function filesReadableByOthers(folder: string): string[] {
  let names: string[];
  try {
    names = readdirSync(folder);
  } catch {
    return [];
  }
  return names
    .filter((name) => name === '.env' || name.startsWith('.env.') || name.endsWith('.env'))
    .map((name) => path.join(folder, name))
    .filter((file) => {
      try {
        const stat = statSync(file);
        return stat.isFile() && (stat.mode & 0o004) !== 0;
      } catch {
        return false;
      }
    });
}
