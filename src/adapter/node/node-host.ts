import { readFileSync } from 'node:fs';
import { totalmem } from 'node:os';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AdapterConfig } from '../../config/model.js';
import type { AppOptions } from '../../http/app.js';
import type { ChildCredentialProvider } from '../../auth/child-credentials.js';
import type { SharedSessionStore } from '../../state/shared-store.js';
import type { Logger } from '../../observability/logger.js';
import type { ModernEndpoint } from '../../modern/modern-endpoint.js';
import { createRuntime, type RuntimeOptions } from '../../runtime/create-runtime.js';
import type { SessionManager } from '../../session/session-manager.js';
import { clientErrorListener, continueListener, nodeListener } from './node-listener.js';

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
  /** How long a client may take to send a whole request, headers and body (default 30 s). */
  requestReceiveTimeoutMs?: number;
  /** Which servers this process serves and the stateful app's serving lease (see `createRuntime`). */
  placement?: RuntimeOptions['placement'];
  servingLease?: RuntimeOptions['servingLease'];
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

/** How long a client may take to send a whole request (headers and body). */
const REQUEST_RECEIVE_TIMEOUT_MS = 30_000;
const HEADERS_TIMEOUT_MS = 20_000;

/**
 * The most connections at once: half the process's open-file limit (children's pipes and the
 * adapter's own files need the rest), never more than the memory holds at ~64 KB per connection.
 * Past it, new connections are closed at once instead of every client failing for lack of files.
 */
export function connectionLimit(limitsFile = '/proc/self/limits'): number {
  const byMemory = Math.floor(totalmem() / (64 * 1024));
  let openFiles = 4096;
  try {
    const soft = /^Max open files\s+(\d+|unlimited)/m.exec(readFileSync(limitsFile, 'utf8'))?.[1];
    if (soft && soft !== 'unlimited') openFiles = Number(soft);
  } catch {
    // not Linux: a conservative default
  }
  return Math.max(64, Math.min(Math.floor(openFiles / 2), byMemory));
}

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
  if (!boundToLoopback) {
    // npm start checks no function keys: servers without token checks are open to the whole network.
    const open = [...config.servers.values()].filter(
      (server) => server.auth.caller.type !== 'entra' && server.auth.caller.type !== 'oauth2',
    );
    if (open.length > 0)
      logger.warn(
        'listening beyond loopback: these servers verify no token and npm start checks no function keys, so anyone who can reach this address can use them; bind to 127.0.0.1, or give them oauth2_bearer or azure_obo',
        { host: options.host, servers: open.map((server) => server.name) },
      );
  }
  let listeningPort: number | undefined;
  const runtime = createRuntime(config, {
    localPort: () => listeningPort,
    logger,
    hostEnv: options.hostEnv,
    childCredentials: options.childCredentials,
    store: options.store,
    storePollMs: options.storePollMs,
    boundToLoopback,
    verifierFor: options.verifierFor,
    placement: options.placement,
    servingLease: options.servingLease,
  });
  const listener = nodeListener(
    runtime.fetch,
    (error) => logger.error('unhandled request error', { error: String(error) }),
    config.adapter.maxBodyBytes,
  );
  const server = createServer(
    {
      // A request (headers and body) must arrive within this; responses, SSE streams included, are
      // not bounded by it. Without it a body trickled a byte at a time holds a socket forever.
      requestTimeout: options.requestReceiveTimeoutMs ?? REQUEST_RECEIVE_TIMEOUT_MS,
      headersTimeout: Math.min(HEADERS_TIMEOUT_MS, options.requestReceiveTimeoutMs ?? HEADERS_TIMEOUT_MS),
      connectionsCheckingInterval: Math.min(5_000, options.requestReceiveTimeoutMs ?? 5_000),
      // Room past the app's own 16 KB Authorization limit, so an oversized token gets the app's
      // JSON 431 (which clients can show), not Node's empty one; past 64 KB Node still refuses.
      maxHeaderSize: 64 * 1024,
    },
    listener,
  );
  server.on('checkContinue', continueListener(listener, config.adapter.maxBodyBytes));
  server.on('clientError', clientErrorListener);
  server.maxConnections = connectionLimit();
  server.keepAliveTimeout = 65_000; // longer than the idle timeouts of common proxies, so they close first
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  listeningPort = address.port;
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
