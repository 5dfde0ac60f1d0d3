import type { ChildCredentialProvider } from '../auth/child-credentials.js';
import { ChildLedger } from '../children/child-ledger.js';
import type { AdapterConfig } from '../config/model.js';
import { createApp, type AppOptions, type FetchHandler } from '../http/app.js';
import { ModernEndpoint, type ModernEndpointOptions } from '../modern/modern-endpoint.js';
import type { Logger } from '../observability/logger.js';
import { SessionManager } from '../session/session-manager.js';
import { SessionTokens } from '../state/session-token.js';
import type { SharedSessionStore } from '../state/shared-store.js';

export interface RuntimeOptions
  extends Pick<
    AppOptions,
    'boundToLoopback' | 'siteHostNames' | 'verifierFor' | 'defaultStreamLimitMs' | 'provisioningChanges'
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
  /** Tuning of the 2026-07-28 side; defaults suit production. */
  stateless?: Pick<ModernEndpointOptions, 'inputSettleMs' | 'probeTimeoutMs'>;
}

/** What a host runs: one fetch handler, and the way to stop every child. */
export interface Runtime {
  fetch: FetchHandler;
  /** 2025-era sessions. */
  sessions: SessionManager;
  /** 2026-07-28 requests (no sessions). */
  modern: ModernEndpoint;
  /** The one count of children against the caps, which both eras lease from. */
  ledger: ChildLedger;
  /** Ends every session and request and waits until every child is gone (host shutdown). */
  drain(): Promise<void>;
}

/**
 * Composes the adapter: one ledger of children, the two protocol eras as peers over it (sessions
 * and 2026-07-28 requests), and the web-standard app that routes to them. Both hosts (node:http,
 * Azure Functions) call this and only translate requests and responses.
 */
export function createRuntime(config: AdapterConfig, options: RuntimeOptions): Runtime {
  const ledger = new ChildLedger(config);
  const tokens = options.tokens ?? SessionTokens.fromEnvironment(options.hostEnv ?? process.env);
  const sessions = new SessionManager(config, options.logger, {
    hostEnv: options.hostEnv,
    childCredentials: options.childCredentials,
    tokens,
    store: options.store,
    storePollMs: options.storePollMs,
    ledger,
  });
  const modern = new ModernEndpoint({
    config,
    logger: options.logger,
    tokens,
    ledger,
    // Spawning (with credentials and warm pools) is still the session manager's; see ARCHITECTURE.md.
    startChild: (server, caller) => sessions.startPooledChild(server, caller),
    ...(options.store && { store: options.store }),
    ...options.stateless,
  });
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
  });
  return {
    fetch,
    sessions,
    modern,
    ledger,
    drain: async () => {
      await Promise.all([sessions.drain(), modern.drain()]);
    },
  };
}
