import type { ChildCredentialProvider } from '../auth/child-credentials.js';
import type { ChildLedger } from '../children/child-ledger.js';
import { ChildSupplier } from '../children/child-supplier.js';
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
  /** Ends every session and request and waits until every child is gone (host shutdown). */
  drain(): Promise<void>;
}

/**
 * Composes the adapter: one supplier of children, the two protocol eras as peers over it (sessions
 * and 2026-07-28 requests), and the web-standard app that routes to them. Both hosts (node:http,
 * Azure Functions) call this and only translate requests and responses.
 */
export function createRuntime(config: AdapterConfig, options: RuntimeOptions): Runtime {
  const supplier = new ChildSupplier({
    config,
    logger: options.logger,
    hostEnv: options.hostEnv,
    credentials: options.childCredentials,
    probeTimeoutMs: options.modern?.probeTimeoutMs,
  });
  const tokens = options.tokens ?? SessionTokens.fromEnvironment(options.hostEnv ?? process.env);
  const sessions = new SessionManager({
    config,
    logger: options.logger,
    supplier,
    tokens,
    store: options.store,
    storePollMs: options.storePollMs,
  });
  const modern = new ModernEndpoint({
    config,
    logger: options.logger,
    tokens,
    supplier,
    ...(options.store && { store: options.store }),
    ...(options.modern?.inputSettleMs !== undefined && { inputSettleMs: options.modern.inputSettleMs }),
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
    supplier,
    ledger: supplier.ledger,
    drain: async () => {
      await Promise.all([sessions.drain(), modern.drain(), supplier.drain()]);
    },
  };
}
