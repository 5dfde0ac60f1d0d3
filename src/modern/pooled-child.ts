import type { ServerConfig } from '../config/model.js';
import type { Logger } from '../observability/logger.js';
import type { StdioChild } from '../process/stdio-child.js';
import {
  ErrorCode,
  isNotification,
  isRequest,
  isResponse,
  type JsonRpcId,
  type JsonRpcNotification,
  type JsonRpcRequest,
  type JsonRpcResponse,
} from '../protocol/jsonrpc.js';
import type { ChildCredentials } from '../auth/child-credentials.js';
import type { Principal } from '../auth/principal.js';
import type { ChildIdentity } from '../children/child-identity.js';
import { AdapterRequests } from '../children/adapter-requests.js';

export interface PooledChildOptions {
  /** The pool key: server, principal and canonical capabilities. */
  key: string;
  server: ServerConfig;
  principal: Principal;
  /** The capability profile the child was initialized (or probed) with on the clients' behalf. */
  capabilities: Record<string, unknown>;
  process: StdioChild;
  credentials: ChildCredentials;
  logger: Logger;
  identity: ChildIdentity;
}

/** The request a child is lent to: it receives everything the child says about that request. */
export interface LeaseHandler {
  onResponse(message: JsonRpcResponse): void;
  onNotification(message: JsonRpcNotification): void;
  onServerRequest(message: JsonRpcRequest): void;
  onExit(): void;
}

/** Notifications that concern every client of the server, not one request. */
const BROADCAST_NOTIFICATIONS = new Set([
  'notifications/tools/list_changed',
  'notifications/prompts/list_changed',
  'notifications/resources/list_changed',
  'notifications/resources/updated',
]);

/**
 * One child serving modern (2026-07-28) requests. The adapter initialized it on the
 * clients' behalf with one capability profile; it is lent to one request at a time, so every
 * progress, log and server-to-client request it sends belongs to the request it is lent to.
 */
export class PooledChild {
  handler: LeaseHandler | undefined;
  /** Change notifications (list changed, resource updated) go here, whoever holds the child. */
  onBroadcast: (child: PooledChild, message: JsonRpcNotification) => void = () => {};
  /** The log level last set on the child with `logging/setLevel`. */
  logLevel: string | undefined;
  lastUsedAt = Date.now();
  busy = false;
  alive = true;
  private readonly adapterRequests: AdapterRequests;

  readonly key: string;
  readonly server: ServerConfig;
  readonly principal: Principal;
  readonly capabilities: Record<string, unknown>;
  identity: ChildIdentity;
  private readonly process: StdioChild;
  private readonly credentials: ChildCredentials;
  private readonly logger: Logger;

  constructor(options: PooledChildOptions) {
    ({
      key: this.key,
      server: this.server,
      principal: this.principal,
      capabilities: this.capabilities,
      process: this.process,
      credentials: this.credentials,
      logger: this.logger,
      identity: this.identity,
    } = options);
    const { process, server } = options;
    this.adapterRequests = new AdapterRequests((message) => this.send(message), server.name);
    process.onMessage = (message) => this.receive(message);
    void process.exited.then(() => {
      this.alive = false;
      this.adapterRequests.failAll('exited');
      this.handler?.onExit();
    });
  }

  get stderrTail(): string[] {
    return this.process.stderrTail;
  }

  /** A request id of the adapter's own, apart from any the child sees from clients. */
  newId(): string {
    return this.adapterRequests.newId();
  }

  send(message: unknown): boolean {
    return this.alive && this.process.send(message);
  }

  /** The adapter's own request to the child (logging level, subscriptions, tool list). */
  request(method: string, params: Record<string, unknown> | undefined, timeoutMs: number): Promise<JsonRpcResponse> {
    return this.adapterRequests.request(method, params, timeoutMs);
  }

  answer(
    id: JsonRpcId,
    outcome: { result: unknown } | { error: { code: number; message: string; data?: unknown } },
  ): void {
    this.send({ jsonrpc: '2.0', id, ...outcome });
  }

  async close(): Promise<void> {
    this.alive = false;
    await this.process.close();
    await this.credentials.close();
  }

  updateCaller(caller: Parameters<NonNullable<ChildCredentials['updateCaller']>>[0] | undefined): void {
    if (caller) this.credentials.updateCaller?.(caller);
  }

  private receive(message: unknown): void {
    if (isResponse(message)) {
      if (this.adapterRequests.settle(message)) {
        // the adapter's own request: answered
      } else if (this.handler) {
        this.handler.onResponse(message);
      } else {
        this.logger.debug('dropped a response to no current request', { server: this.server.name });
      }
    } else if (isRequest(message)) {
      if (message.method === 'ping') {
        this.answer(message.id, { result: {} });
      } else if (this.handler) {
        this.handler.onServerRequest(message);
      } else {
        this.answer(message.id, {
          error: {
            code: ErrorCode.MethodNotFound,
            message: `No client request is in progress to relay ${message.method} to`,
          },
        });
      }
    } else if (isNotification(message)) {
      // A modern child's change notifications belong to its own subscriptions/listen request.
      if (BROADCAST_NOTIFICATIONS.has(message.method) && !(this.identity.era === 'modern' && this.handler))
        this.onBroadcast(this, message);
      else if (this.handler) this.handler.onNotification(message);
    }
  }
}
