import { ErrorCode, errorResponse, type JsonRpcId } from '../protocol/jsonrpc.js';

/**
 * An HTTP-level refusal of an MCP request. The body is a JSON-RPC error (what MCP clients
 * parse and show), with `id` set when the refused request had one.
 */
export function rpcErrorResponse(
  status: number,
  message: string,
  options: { code?: number; id?: JsonRpcId | null; data?: unknown; headers?: Record<string, string> } = {},
): Response {
  return Response.json(errorResponse(options.id ?? null, options.code ?? ErrorCode.ConnectionClosed, message, options.data), {
    status,
    headers: options.headers,
  });
}

/** A plain JSON error for the adapter's non-MCP endpoints, in the predecessor's shape. */
export function plainErrorResponse(status: number, code: string, message: string, headers?: Record<string, string>): Response {
  return Response.json({ error: { code, message } }, { status, headers });
}
