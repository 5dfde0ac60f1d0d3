import { JSONRPCMessageSchema } from '@modelcontextprotocol/core';
import { ErrorCode, type JsonRpcMessage } from '../protocol/jsonrpc.js';

export type ParsedBody =
  | { ok: true; messages: JsonRpcMessage[]; isBatch: boolean }
  | { ok: false; code: number; message: string };

/** Parses a POST body into JSON-RPC messages, validated with the SDK's schema. */
export function parseMessages(text: string): ParsedBody {
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
    if (!JSONRPCMessageSchema.safeParse(item).success) {
      const where = isBatch ? ` (batch item ${index})` : '';
      return { ok: false, code: ErrorCode.InvalidRequest, message: `Invalid Request${where}: not a JSON-RPC 2.0 request, notification or response` };
    }
  }
  return { ok: true, messages: items as JsonRpcMessage[], isBatch };
}
