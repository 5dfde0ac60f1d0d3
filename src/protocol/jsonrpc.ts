/**
 * JSON-RPC 2.0 shapes as MCP uses them. The adapter forwards messages unchanged, so it only
 * needs to classify them; full schema validation of client input uses the SDK's schemas
 * (see `http/parse-messages.ts`).
 */
export type JsonRpcId = string | number;

export interface JsonRpcRequest {
  jsonrpc: '2.0';
  id: JsonRpcId;
  method: string;
  params?: Record<string, unknown>;
}
export interface JsonRpcNotification {
  jsonrpc: '2.0';
  method: string;
  params?: Record<string, unknown>;
}
export interface JsonRpcResponse {
  jsonrpc: '2.0';
  id: JsonRpcId | null;
  result?: unknown;
  error?: { code: number; message: string; data?: unknown };
}

export type JsonRpcMessage = JsonRpcRequest | JsonRpcNotification | JsonRpcResponse;

export const ErrorCode = {
  ParseError: -32700,
  InvalidRequest: -32600,
  MethodNotFound: -32601,
  InvalidParams: -32602,
  InternalError: -32603,
  /** Transport/adapter level failures, in the implementation-defined server error range. */
  ConnectionClosed: -32000,
  RequestTimeout: -32001,
} as const;

type Loose = Record<string, unknown>;

export function isRequest(message: unknown): message is JsonRpcRequest {
  const m = message as Loose;
  return typeof m?.method === 'string' && 'id' in m && m.id !== undefined;
}

export function isNotification(message: unknown): message is JsonRpcNotification {
  const m = message as Loose;
  return typeof m?.method === 'string' && !('id' in m && m.id !== undefined);
}

export function isResponse(message: unknown): message is JsonRpcResponse {
  const m = message as Loose;
  return m !== null && typeof m === 'object' && m.method === undefined && 'id' in m && ('result' in m || 'error' in m);
}

/** A JSON object (not null, not an array): what params, results and `_meta` must be. */
export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A map key that keeps `1` and `"1"` apart, as JSON-RPC requires. */
export function idKey(id: JsonRpcId | null): string {
  return typeof id === 'number' ? `n:${id}` : `s:${String(id)}`;
}

export function errorResponse(id: JsonRpcId | null, code: number, message: string, data?: unknown): JsonRpcResponse {
  return { jsonrpc: '2.0', id, error: data === undefined ? { code, message } : { code, message, data } };
}

/**
 * The id of a request the adapter itself sends a child (`mcp-adapter-<purpose>`): one namespace,
 * apart from any client's ids, so the child's answer is never mistaken for a client's.
 */
export function adapterRequestId(purpose: string | number): string {
  return `mcp-adapter-${purpose}`;
}
