import type { VerifiedCaller } from '../auth/types.js';
import type { ServerConfig } from '../config/model.js';
import { SSE_HEADERS, SseStream } from '../web/sse-stream.js';
import type { Logger } from '../observability/logger.js';
import { ErrorCode, isJsonObject as isObject, type JsonRpcId, type JsonRpcNotification } from '../protocol/jsonrpc.js';
import { META } from '../protocol/modern.js';
import type { Principal } from '../auth/principal.js';
import type { ChildPool } from './child-pool.js';
import type { ChildIdentity } from '../children/child-identity.js';
import type { PooledChild } from './pooled-child.js';
import { refusalResponse, type RequestMeta } from './request-meta.js';
import { completeResult, type ResultPolicy } from './results.js';

/** The notification filter of `subscriptions/listen`, as the client asked or as honoured. */
export interface NotificationFilter {
  toolsListChanged?: boolean;
  promptsListChanged?: boolean;
  resourcesListChanged?: boolean;
  resourceSubscriptions?: string[];
}

interface Listener {
  id: JsonRpcId;
  server: string;
  principal: Principal;
  filter: NotificationFilter;
  sse: SseStream;
  /** The child holding this stream's resource subscriptions. */
  subscriber?: Subscriber;
  limit?: NodeJS.Timeout;
}

/** A child kept for the resource subscriptions of one key, with a count of streams per URI. */
interface Subscriber {
  key: string;
  child: PooledChild;
  refs: Map<string, number>;
  streams: number;
}

const LIST_CHANGED: Record<string, keyof NotificationFilter> = {
  'notifications/tools/list_changed': 'toolsListChanged',
  'notifications/prompts/list_changed': 'promptsListChanged',
  'notifications/resources/list_changed': 'resourcesListChanged',
};

export interface ListenRequest {
  server: ServerConfig;
  id: JsonRpcId;
  params: Record<string, unknown>;
  meta: RequestMeta;
  principal: Principal;
  caller: VerifiedCaller | undefined;
  signal: AbortSignal | undefined;
  streamLimitMs: number;
  policy: ResultPolicy;
}

/**
 * `subscriptions/listen` streams. Change notifications of every child of a server fan out to
 * the streams of the same principal that opted in; resource subscriptions are counted per URI
 * onto one child per key with `resources/subscribe`, and released when the last stream closes.
 */
export class SubscriptionHub {
  private readonly listeners = new Set<Listener>();
  private readonly subscribers = new Map<string, Subscriber>();
  private readonly logger: Logger;

  constructor(
    private readonly pool: ChildPool,
    logger: Logger,
  ) {
    this.logger = logger.child({ component: 'subscriptions' });
  }

  get size(): number {
    return this.listeners.size;
  }

  async listen(request: ListenRequest): Promise<Response> {
    const { server, id, params, meta, principal, caller } = request;
    const asked = parseFilter(params.notifications);
    if (typeof asked === 'string')
      return refusalResponse(id, { status: 400, code: ErrorCode.InvalidParams, message: `Invalid params: ${asked}` });

    if (this.pool.eraOf(server) === 'modern') return this.listenThroughChild(request);
    let identity = this.pool.identityOf(server);
    let subscriber: Subscriber | undefined;
    const wantsResources = (asked.resourceSubscriptions?.length ?? 0) > 0;
    if (!identity || wantsResources) {
      const child = await this.pool.acquire(server, principal, caller, meta.clientCapabilities);
      identity = child.identity;
      if (
        wantsResources &&
        isObject(identity.capabilities.resources) &&
        identity.capabilities.resources.subscribe &&
        identity.era === 'legacy'
      ) {
        subscriber = this.subscriberFor(child);
      } else {
        this.pool.release(child);
      }
    }
    const capabilities = identity.capabilities;
    const declares = (name: string, flag: string) =>
      isObject(capabilities[name]) && Boolean((capabilities[name] as Record<string, unknown>)[flag]);
    const honoured: NotificationFilter = {};
    if (asked.toolsListChanged && declares('tools', 'listChanged')) honoured.toolsListChanged = true;
    if (asked.promptsListChanged && declares('prompts', 'listChanged')) honoured.promptsListChanged = true;
    if (asked.resourcesListChanged && declares('resources', 'listChanged')) honoured.resourcesListChanged = true;
    if (subscriber) {
      const uris: string[] = [];
      for (const uri of new Set(asked.resourceSubscriptions)) if (await this.subscribe(subscriber, uri)) uris.push(uri);
      honoured.resourceSubscriptions = uris;
    }

    const listener: Listener = {
      id,
      server: server.name,
      principal,
      filter: honoured,
      sse: undefined as unknown as SseStream,
      ...(subscriber && { subscriber }),
    };
    listener.sse = new SseStream(0, () => this.remove(listener));
    this.listeners.add(listener);
    request.signal?.addEventListener('abort', () => listener.sse.close(), { once: true });
    listener.sse.send({
      jsonrpc: '2.0',
      method: 'notifications/subscriptions/acknowledged',
      params: { _meta: { [META.subscriptionId]: id }, notifications: honoured },
    });
    if (request.streamLimitMs > 0) {
      // End gracefully before a front end cuts the stream: the completion result tells the client to listen again.
      listener.limit = setTimeout(
        () => this.end(listener, request.policy, identity),
        Math.max(1000, request.streamLimitMs - 1000),
      );
      listener.limit.unref();
    }
    return new Response(listener.sse.body, { status: 200, headers: SSE_HEADERS });
  }

  /**
   * A child that speaks 2026-07-28 serves the subscription itself: one child is held for the
   * stream, and its messages are relayed with the client's subscription id in place of ours.
   */
  private async listenThroughChild(request: ListenRequest): Promise<Response> {
    const { server, id, params, meta, principal, caller } = request;
    const child = await this.pool.acquire(server, principal, caller, meta.clientCapabilities);
    const childId = child.newId();
    const retag = (message: { params?: Record<string, unknown>; result?: unknown }) => {
      const body = (message.params ?? message.result) as Record<string, unknown> | undefined;
      if (body && isObject(body._meta) && META.subscriptionId in body._meta)
        body._meta = { ...body._meta, [META.subscriptionId]: id };
      return message;
    };
    let released = false;
    const sse = new SseStream(request.streamLimitMs, () => {
      if (released) return;
      released = true;
      // The stdio binding's cancellation of a subscription; a child that stays silent is stopped.
      child.send({
        jsonrpc: '2.0',
        method: 'notifications/cancelled',
        params: { requestId: childId, reason: 'the client closed the stream' },
      });
      child.handler = undefined;
      void this.pool.discard(child);
    });
    child.handler = {
      onNotification: (message) => void sse.send(retag(message) as never),
      onResponse: (message) => {
        if (message.id !== childId) return;
        sse.send({ ...(retag(message) as object), id } as never);
        sse.close();
      },
      onServerRequest: (message) =>
        child.answer(message.id, {
          error: { code: ErrorCode.MethodNotFound, message: 'Not on a subscription stream' },
        }),
      onExit: () => sse.close(),
    };
    request.signal?.addEventListener('abort', () => sse.close(), { once: true });
    child.send({ jsonrpc: '2.0', id: childId, method: 'subscriptions/listen', params });
    return new Response(sse.body, { status: 200, headers: SSE_HEADERS });
  }

  /** A change notification from a child, to every stream of its server and principal that asked for it. */
  broadcast(child: PooledChild, message: JsonRpcNotification): void {
    for (const listener of this.listeners) {
      if (listener.server !== child.server.name || listener.principal !== child.principal) continue;
      if (message.method === 'notifications/resources/updated') {
        const uri = message.params?.uri;
        if (
          listener.subscriber?.child !== child ||
          typeof uri !== 'string' ||
          !listener.filter.resourceSubscriptions?.includes(uri)
        )
          continue;
      } else {
        const field = LIST_CHANGED[message.method];
        if (!field || !listener.filter[field]) continue;
      }
      const params = message.params ?? {};
      const meta = isObject(params._meta) ? params._meta : {};
      listener.sse.send({
        jsonrpc: '2.0',
        method: message.method,
        params: { ...params, _meta: { ...meta, [META.subscriptionId]: listener.id } },
      });
    }
  }

  /** Ends every stream gracefully (shutdown). */
  closeAll(): void {
    for (const listener of [...this.listeners]) this.end(listener);
  }

  private end(listener: Listener, policy?: ResultPolicy, identity?: ChildIdentity): void {
    const base = { resultType: 'complete', _meta: { [META.subscriptionId]: listener.id } };
    const result = identity && policy ? completeResult('subscriptions/listen', base, identity, policy) : base;
    listener.sse.send({ jsonrpc: '2.0', id: listener.id, result });
    listener.sse.close();
  }

  private subscriberFor(child: PooledChild): Subscriber {
    const existing = this.subscribers.get(child.key);
    if (existing?.child.alive) {
      // One subscription child per key is enough; the one just started goes back to the pool.
      this.pool.release(child);
      existing.streams += 1;
      return existing;
    }
    const subscriber: Subscriber = { key: child.key, child, refs: new Map(), streams: 1 };
    this.subscribers.set(child.key, subscriber);
    return subscriber;
  }

  private async subscribe(subscriber: Subscriber, uri: string): Promise<boolean> {
    const count = subscriber.refs.get(uri) ?? 0;
    if (count === 0) {
      const response = await subscriber.child.request(
        'resources/subscribe',
        { uri },
        subscriber.child.server.requestTimeoutMs,
      );
      if (response.error) {
        this.logger.info('resource subscription refused by the MCP server', {
          server: subscriber.child.server.name,
          error: response.error.message,
        });
        return false;
      }
    }
    subscriber.refs.set(uri, count + 1);
    return true;
  }

  private remove(listener: Listener): void {
    if (!this.listeners.delete(listener)) return;
    clearTimeout(listener.limit);
    const subscriber = listener.subscriber;
    if (!subscriber) return;
    for (const uri of listener.filter.resourceSubscriptions ?? []) {
      const left = (subscriber.refs.get(uri) ?? 1) - 1;
      if (left > 0) {
        subscriber.refs.set(uri, left);
      } else {
        subscriber.refs.delete(uri);
        void subscriber.child.request('resources/unsubscribe', { uri }, subscriber.child.server.requestTimeoutMs);
      }
    }
    subscriber.streams -= 1;
    if (subscriber.streams === 0) {
      this.subscribers.delete(subscriber.key);
      // Its subscriptions are gone; the child itself may serve requests again.
      this.pool.release(subscriber.child);
    }
  }
}

/** The client's filter, or why it is malformed. */
function parseFilter(value: unknown): NotificationFilter | string {
  if (value === undefined) return {};
  if (!isObject(value)) return 'notifications must be an object';
  const filter: NotificationFilter = {};
  for (const field of ['toolsListChanged', 'promptsListChanged', 'resourcesListChanged'] as const) {
    if (value[field] === undefined) continue;
    if (typeof value[field] !== 'boolean') return `notifications.${field} must be a boolean`;
    filter[field] = value[field] as boolean;
  }
  if (value.resourceSubscriptions !== undefined) {
    if (
      !Array.isArray(value.resourceSubscriptions) ||
      !value.resourceSubscriptions.every((uri) => typeof uri === 'string')
    )
      return 'notifications.resourceSubscriptions must be an array of URIs';
    filter.resourceSubscriptions = value.resourceSubscriptions as string[];
  }
  return filter;
}
