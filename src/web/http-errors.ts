import { AdapterError } from '../errors/adapter-error.js';
import { ErrorCode, errorResponse, type JsonRpcId } from '../protocol/jsonrpc.js';
import { jsonResponse } from './plain-response.js';

/**
 * An HTTP-level refusal of an MCP request. The body is a JSON-RPC error (what MCP clients
 * parse and show), with `id` set when the refused request had one.
 */
export function rpcErrorResponse(
  status: number,
  message: string,
  options: { code?: number; id?: JsonRpcId | null; data?: unknown; headers?: Record<string, string> } = {},
): Response {
  return jsonResponse(
    errorResponse(options.id ?? null, options.code ?? ErrorCode.ConnectionClosed, message, options.data),
    status,
    options.headers,
  );
}

const REASON: Record<number, string> = { 400: 'Bad Request', 413: 'Payload Too Large', 503: 'Service Unavailable' };

/** What an AdapterError that reaches a request is answered with: status, message and headers. */
export interface HttpAnswer {
  status: number;
  message: string;
  headers: Record<string, string>;
}

/**
 * The one place an AdapterError becomes an HTTP answer (both protocol eras render it as a
 * JSON-RPC error): its status, its message with the status's reason phrase for client errors and
 * 503, and `Retry-After` when retrying can help. Undefined for errors that carry no status, which
 * are the adapter's own faults (500, logged by the app).
 */
export function describeForHttp(error: unknown): HttpAnswer | undefined {
  if (!(error instanceof AdapterError) || error.httpStatus === undefined) return undefined;
  const reason = REASON[error.httpStatus];
  const retry = error.retryAfterSeconds !== undefined;
  return {
    status: error.httpStatus,
    message: reason ? `${reason}: ${error.message}${retry ? '; retry later' : ''}` : error.message,
    headers: retry ? { 'retry-after': String(error.retryAfterSeconds) } : {},
  };
}

/**
 * The JSON-RPC error code an AdapterError is answered with, in both eras: the refusals a client
 * can act on have their own; every other refusal uses the transport's default (-32000).
 */
export function rpcCodeFor(error: unknown): number {
  const code = error instanceof AdapterError ? RPC_CODE[error.code] : undefined;
  return code ?? ErrorCode.ConnectionClosed;
}

const RPC_CODE: Record<string, number> = {
  server_start_failed: ErrorCode.InternalError,
  session_id_too_large: ErrorCode.InvalidRequest,
};

/** A plain JSON error for the adapter's non-MCP endpoints, in the predecessor's shape. */
export function plainErrorResponse(
  status: number,
  code: string,
  message: string,
  headers?: Record<string, string>,
): Response {
  return jsonResponse({ error: { code, message } }, status, headers);
}
