import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AdapterConfig } from '../../config/model.js';
import type { AppOptions } from '../../http/app.js';
import type { ChildCredentialProvider } from '../../auth/child-credentials.js';
import type { SharedSessionStore } from '../../state/shared-store.js';
import type { Logger } from '../../observability/logger.js';
import type { ModernEndpoint } from '../../modern/modern-endpoint.js';
import { createRuntime } from '../../runtime/create-runtime.js';
import type { SessionManager } from '../../session/session-manager.js';
import { nodeListener } from './node-listener.js';

export interface NodeHostOptions {
  config: AdapterConfig;
  logger: Logger;
  port: number;
  host: string;
  /** The environment children take their baseline from (default: this process's). */
  hostEnv?: NodeJS.ProcessEnv;
  /** Token verification for servers whose callers present tokens (see `auth/verifier-registry.ts`). */
  verifierFor?: AppOptions['verifierFor'];
  /** What children get from their server's auth method (see `auth/child-credential-provider.ts`). */
  childCredentials?: ChildCredentialProvider;
  /** Shared by every instance of a deployment (see `session/shared-store.ts`). */
  store?: SharedSessionStore;
  storePollMs?: number;
}

export interface RunningNodeHost {
  /** Base URL, e.g. http://127.0.0.1:7071 */
  url: string;
  sessions: SessionManager;
  modern: ModernEndpoint;
  server: Server;
  /** Stops accepting connections, ends every session and waits until every child is gone. */
  close(): Promise<void>;
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|localhost|::1|\[::1\])$/;

/** Serves the adapter with `node:http` (the `npm start` host). */
export async function startNodeHost(options: NodeHostOptions): Promise<RunningNodeHost> {
  const { config, logger } = options;
  const boundToLoopback = LOOPBACK.test(options.host);
  if (!boundToLoopback && config.adapter.allowedHosts.length === 0) {
    logger.warn(
      'listening beyond loopback without adapter.allowed_hosts: Host headers are not checked (Origin still is)',
      { host: options.host },
    );
  }
  const runtime = createRuntime(config, {
    logger,
    hostEnv: options.hostEnv,
    childCredentials: options.childCredentials,
    store: options.store,
    storePollMs: options.storePollMs,
    boundToLoopback,
    verifierFor: options.verifierFor,
  });
  const server = createServer(
    nodeListener(
      runtime.fetch,
      (error) => logger.error('unhandled request error', { error: String(error) }),
      config.adapter.maxBodyBytes,
    ),
  );
  server.requestTimeout = 0; // SSE streams and long tool calls outlive Node's 5-minute default
  server.keepAliveTimeout = 65_000; // longer than the idle timeouts of common proxies, so they close first
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const hostPart = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${hostPart}:${address.port}`,
    sessions: runtime.sessions,
    modern: runtime.modern,
    server,
    close() {
      closing ??= (async () => {
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
        await runtime.drain();
        server.closeAllConnections();
        await stopped;
      })();
      return closing;
    },
  };
}
