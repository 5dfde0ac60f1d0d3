import { rpcErrorResponse } from '../web/http-errors.js';
import { ErrorCode, isJsonObject as isObject, type JsonRpcId } from '../protocol/jsonrpc.js';
import {
  LOG_LEVELS,
  META,
  MODERN_PROTOCOL_VERSIONS,
  ModernErrorCode,
  NAMED_METHODS,
  type LogLevel,
} from '../protocol/modern.js';

/** What a modern request declares about itself in `params._meta`. */
export interface RequestMeta {
  protocolVersion: string;
  clientCapabilities: Record<string, unknown>;
  clientInfo?: { name?: string; version?: string };
  logLevel?: LogLevel;
}

/** A refusal with the HTTP status the revision prescribes for it. */
export interface ModernRefusal {
  status: number;
  code: number;
  message: string;
  data?: unknown;
}

/**
 * Checks a modern request's `_meta` and the headers that mirror its body, in the order that
 * makes each refusal say the most specific thing: missing metadata (-32602), header and body
 * disagreeing (-32020), then a version this adapter does not serve (-32022).
 */
export function checkRequestMeta(
  headers: Headers,
  method: string,
  params: Record<string, unknown> | undefined,
): { meta: RequestMeta } | { refusal: ModernRefusal } {
  const meta = params?._meta;
  if (!isObject(meta))
    return invalidParams(
      `Invalid params: a ${LATEST} request must carry params._meta with "${META.protocolVersion}" and "${META.clientCapabilities}"`,
    );
  const version = meta[META.protocolVersion];
  if (typeof version !== 'string' || version === '')
    return invalidParams(`Invalid params: params._meta lacks "${META.protocolVersion}"`);
  const capabilities = meta[META.clientCapabilities];
  if (!isObject(capabilities))
    return invalidParams(
      `Invalid params: params._meta lacks "${META.clientCapabilities}" (an object; {} when the client declares none)`,
    );

  const headerVersion = headers.get('mcp-protocol-version');
  if (headerVersion === null) return mismatch('the MCP-Protocol-Version header is required');
  if (headerVersion !== version)
    return mismatch(
      `MCP-Protocol-Version header "${headerVersion}" does not match the body's ${META.protocolVersion} "${version}"`,
    );
  if (!MODERN_PROTOCOL_VERSIONS.includes(version)) {
    return {
      refusal: {
        status: 400,
        code: ModernErrorCode.UnsupportedProtocolVersion,
        message: `Unsupported protocol version "${version}"`,
        data: { supported: [...MODERN_PROTOCOL_VERSIONS], requested: version },
      },
    };
  }

  const methodHeader = headers.get('mcp-method');
  if (methodHeader === null) return mismatch('the Mcp-Method header is required');
  if (methodHeader !== method)
    return mismatch(`Mcp-Method header "${methodHeader}" does not match the body's method "${method}"`);
  const nameField = NAMED_METHODS[method];
  if (nameField) {
    const bodyName = params?.[nameField];
    const header = headers.get('mcp-name');
    if (header === null) return mismatch(`the Mcp-Name header is required for ${method}`);
    const decoded = decodeHeaderValue(header);
    if (decoded === undefined) return mismatch('the Mcp-Name header is malformed (invalid characters or base64)');
    if (decoded !== bodyName)
      return mismatch(
        `Mcp-Name header value "${printable(decoded)}" does not match the body's ${nameField} "${printable(String(bodyName))}"`,
      );
  }

  const logLevel = meta[META.logLevel];
  if (logLevel !== undefined && !LOG_LEVELS.includes(logLevel as LogLevel)) {
    return invalidParams(`Invalid params: ${META.logLevel} must be one of ${LOG_LEVELS.join(', ')}`);
  }
  const clientInfo = meta[META.clientInfo];
  return {
    meta: {
      protocolVersion: version,
      clientCapabilities: capabilities,
      ...(isObject(clientInfo) && { clientInfo: clientInfo as RequestMeta['clientInfo'] }),
      ...(logLevel !== undefined && { logLevel: logLevel as LogLevel }),
    },
  };
}

const LATEST = MODERN_PROTOCOL_VERSIONS[0];
const SENTINEL = /^=\?base64\?([A-Za-z0-9+/]*={0,2})\?=$/;

/**
 * A mirrored header value as the client meant it: plain visible ASCII as is, the
 * `=?base64?…?=` form decoded from UTF-8. Undefined when it is neither.
 */
export function decodeHeaderValue(value: string): string | undefined {
  if (!/^[\x20-\x7E\t]*$/.test(value)) return undefined;
  if (!(value.startsWith('=?base64?') && value.endsWith('?=') && value.length >= 11)) return value;
  const encoded = SENTINEL.exec(value);
  if (!encoded) return undefined;
  // Strict base64: padded to a multiple of four, as the encoding rules produce.
  if (encoded[1]!.length % 4 !== 0) return undefined;
  const bytes = Buffer.from(encoded[1]!, 'base64');
  const text = new TextDecoder('utf-8', { fatal: false }).decode(bytes);
  // Round-trip check: Node's base64 decoder skips junk silently.
  return Buffer.from(text, 'utf8').toString('base64').replace(/=+$/, '') === encoded[1]!.replace(/=+$/, '')
    ? text
    : undefined;
}

function printable(value: string): string {
  return value.length > 80 ? `${value.slice(0, 77)}...` : value;
}

function invalidParams(message: string): { refusal: ModernRefusal } {
  return { refusal: { status: 400, code: ErrorCode.InvalidParams, message } };
}

function mismatch(detail: string): { refusal: ModernRefusal } {
  return { refusal: { status: 400, code: ModernErrorCode.HeaderMismatch, message: `Header mismatch: ${detail}` } };
}

/** A JSON response carrying a refusal. */
export function refusalResponse(
  id: JsonRpcId | null,
  refusal: ModernRefusal,
  headers?: Record<string, string>,
): Response {
  return rpcErrorResponse(refusal.status, refusal.message, { code: refusal.code, id, data: refusal.data, headers });
}
