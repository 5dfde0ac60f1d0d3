import { ErrorCode, type JsonRpcMessage } from '../protocol/jsonrpc.js';

export type ParsedBody =
  | { ok: true; messages: JsonRpcMessage[]; isBatch: boolean }
  | { ok: false; code: number; message: string };

const REQUEST_KEYS = new Set(['jsonrpc', 'id', 'method', 'params']);
const RESPONSE_KEYS = new Set(['jsonrpc', 'id', 'result', 'error']);

/**
 * Whether a value is a JSON-RPC 2.0 request, notification or response as MCP allows them: the
 * same rules as the SDK's `JSONRPCMessageSchema` (ids are strings or numbers, params and results
 * objects, no unknown members), checked by hand because this runs for every message and a
 * schema library costs more than the forwarding itself.
 */
export function isJsonRpcMessage(value: unknown): value is JsonRpcMessage {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const m = value as Record<string, unknown>;
  if (m.jsonrpc !== '2.0') return false;
  const keys = Object.keys(m);
  const validId = typeof m.id === 'string' || (typeof m.id === 'number' && Number.isFinite(m.id));
  if (typeof m.method === 'string') {
    if (!keys.every((key) => REQUEST_KEYS.has(key))) return false;
    if ('id' in m && !validId) return false;
    return m.params === undefined || (m.params !== null && typeof m.params === 'object' && !Array.isArray(m.params));
  }
  if (!keys.every((key) => RESPONSE_KEYS.has(key)) || !validId) return false;
  if ('result' in m)
    return !('error' in m) && m.result !== null && typeof m.result === 'object' && !Array.isArray(m.result);
  const error = m.error as Record<string, unknown> | undefined;
  return (
    error !== null && typeof error === 'object' && Number.isInteger(error.code) && typeof error.message === 'string'
  );
}

/** Deeper JSON than this is refused: re-serialising it for the child would overflow the stack. */
const MAX_DEPTH = 256;

function tooDeep(text: string): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i += 1;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      depth += 1;
      if (depth > MAX_DEPTH) return true;
    } else if (c === 0x7d || c === 0x5d) depth -= 1;
  }
  return false;
}

/** Parses a POST body into JSON-RPC messages. */
export function parseMessages(text: string): ParsedBody {
  if (tooDeep(text))
    return {
      ok: false,
      code: ErrorCode.InvalidRequest,
      message: `Invalid Request: JSON nested deeper than ${MAX_DEPTH} levels`,
    };
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    return { ok: false, code: ErrorCode.ParseError, message: `Parse error: ${(error as Error).message}` };
  }
  const isBatch = Array.isArray(document);
  const items: unknown[] = isBatch ? (document as unknown[]) : [document];
  if (items.length === 0) return { ok: false, code: ErrorCode.InvalidRequest, message: 'Invalid Request: empty batch' };
  for (const [index, item] of items.entries()) {
    if (!isJsonRpcMessage(item)) {
      const where = isBatch ? ` (batch item ${index})` : '';
      return {
        ok: false,
        code: ErrorCode.InvalidRequest,
        message: `Invalid Request${where}: not a JSON-RPC 2.0 request, notification or response`,
      };
    }
  }
  return { ok: true, messages: items as JsonRpcMessage[], isBatch };
}
