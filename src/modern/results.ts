import { ErrorCode } from '../protocol/jsonrpc.js';
import { CACHEABLE_METHODS, META } from '../protocol/modern.js';
import type { ChildIdentity } from '../children/child-identity.js';

export interface ResultPolicy {
  /** `private` when results may depend on who asks (callers are authenticated). */
  cacheScope: 'public' | 'private';
  /** Freshness hint of list results; reads and discover have their own. */
  listTtlMs: number;
}

/** The fields every 2026-07-28 result carries, added to a legacy child's result. */
export function completeResult(
  method: string,
  result: unknown,
  identity: ChildIdentity,
  policy: ResultPolicy,
): Record<string, unknown> {
  const body: Record<string, unknown> =
    typeof result === 'object' && result !== null && !Array.isArray(result)
      ? { ...(result as Record<string, unknown>) }
      : {};
  body.resultType ??= 'complete';
  if (CACHEABLE_METHODS.has(method) && body.resultType === 'complete') {
    // A resource's content can change any time, and nothing tells a legacy child's clients when.
    body.ttlMs ??= method === 'resources/read' ? 0 : policy.listTtlMs;
    body.cacheScope ??= method === 'resources/read' ? 'private' : policy.cacheScope;
  }
  if (identity.serverInfo) {
    const meta =
      typeof body._meta === 'object' && body._meta !== null ? { ...(body._meta as Record<string, unknown>) } : {};
    meta[META.serverInfo] ??= identity.serverInfo;
    body._meta = meta;
  }
  return body;
}

/**
 * A legacy child's error as a 2026-07-28 server may send it: resource-not-found moved from
 * -32002 to -32602, and codes of the range the spec now reserves (-32020 to -32099) that it
 * does not define (-32042, URL elicitation required) must not be emitted.
 */
export function modernError(
  error: { code: number; message: string; data?: unknown },
  params?: Record<string, unknown>,
): { code: number; message: string; data?: unknown } {
  if (error.code === -32002) {
    const data = typeof error.data === 'object' && error.data !== null ? error.data : {};
    return {
      ...error,
      code: ErrorCode.InvalidParams,
      data: { ...(typeof params?.uri === 'string' && { uri: params.uri }), ...data },
    };
  }
  if (error.code <= -32020 && error.code >= -32099)
    return {
      code: ErrorCode.InternalError,
      message: error.message,
      data: { childErrorCode: error.code, ...(error.data !== undefined && { childErrorData: error.data }) },
    };
  return error;
}

/** Capabilities a 2026-07-28 client may rely on: what the child declared, less what is not bridged. */
export function modernCapabilities(capabilities: Record<string, unknown>): Record<string, unknown> {
  // 2025-11-25 tasks became an extension with a different wire shape; not bridged.
  const { tasks: _tasks, ...rest } = capabilities;
  return rest;
}
