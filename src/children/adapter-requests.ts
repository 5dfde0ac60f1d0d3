import { adapterRequestId, ErrorCode, errorResponse, idKey, type JsonRpcResponse } from '../protocol/jsonrpc.js';

/**
 * The adapter's own requests to one child (its tool list for the rules, a logging level,
 * subscriptions), for both eras: ids apart from any client's (`adapterRequestId`), and each
 * request answered exactly once: by the child's response, by a timeout, or when the child is gone.
 */
export class AdapterRequests {
  private nextId = 0;
  private readonly pending = new Map<string, (message: JsonRpcResponse) => void>();

  constructor(
    private readonly send: (message: unknown) => boolean,
    private readonly serverName: string,
  ) {}

  /** A request id of the adapter's own, apart from any the child sees from clients. */
  newId(): string {
    this.nextId += 1;
    return adapterRequestId(this.nextId);
  }

  /** Sends a request; resolves with the child's response, or an error response if none comes in time. */
  request(method: string, params: Record<string, unknown> | undefined, timeoutMs: number): Promise<JsonRpcResponse> {
    const id = this.newId();
    const key = idKey(id);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.pending.delete(key);
        resolve(
          errorResponse(
            id,
            ErrorCode.InternalError,
            `MCP server "${this.serverName}" did not answer ${method} within ${timeoutMs / 1000} s`,
          ),
        );
      }, timeoutMs);
      this.pending.set(key, (message) => {
        clearTimeout(timer);
        resolve(message);
      });
      if (!this.send({ jsonrpc: '2.0', id, method, ...(params && { params }) })) {
        this.pending.delete(key);
        clearTimeout(timer);
        resolve(errorResponse(id, ErrorCode.InternalError, `MCP server "${this.serverName}" is not running`));
      }
    });
  }

  /** A response from the child: true when it answers one of these requests (it is consumed then). */
  settle(message: JsonRpcResponse): boolean {
    if (message.id === null) return false;
    const resolve = this.pending.get(idKey(message.id));
    if (!resolve) return false;
    this.pending.delete(idKey(message.id));
    resolve(message);
    return true;
  }

  /** The child is gone: every request still waiting is answered with an error now, not at its timeout. */
  failAll(reason: string): void {
    for (const [key, resolve] of [...this.pending]) {
      this.pending.delete(key);
      resolve(errorResponse(null, ErrorCode.InternalError, `MCP server "${this.serverName}" ${reason}`));
    }
  }
}
