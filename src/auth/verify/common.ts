import { AdapterError } from '../../errors/adapter-error.js';
/**
 * Pieces the verifiers share: the "unavailable" error, HTTP helpers with a timeout and a size
 * cap, URL checks, scope and subject extraction, and messages that never carry a token.
 */
import { BodyTooLargeError, readBodyText } from '../../web/read-body.js';
import { isJsonObject } from '../../protocol/jsonrpc.js';
import type { VerifiedCaller, VerifyResult } from '../types.js';

/** The default `Retry-After` for a 503 when an issuer, its keys or its introspection cannot be reached. */
export const DEFAULT_RETRY_AFTER_SECONDS = 30;
/** Timeout of every outbound request of the verifiers (metadata, JWKS, introspection, userinfo). */
export const DEFAULT_TIMEOUT_MS = 5_000;
/** Tokens longer than this are refused before any parsing (an HTTP header rarely carries more). */
export const MAX_TOKEN_LENGTH = 32 * 1024;
/** Responses of metadata, introspection and userinfo endpoints larger than this are refused. */
const MAX_RESPONSE_BYTES = 1024 * 1024;

export type UnavailableReason = 'network' | 'timeout' | 'http_status' | 'bad_response' | 'issuer_mismatch';

/**
 * An issuer's metadata, keys, introspection or userinfo endpoint could not be used: answer 503
 * with `Retry-After`, never let the request pass. The message names the URL, never a token.
 */
export class VerifierUnavailableError extends AdapterError {
  readonly kind = 'unavailable' as const;
  declare readonly retryAfterSeconds: number;
  constructor(
    message: string,
    readonly reason: UnavailableReason,
    retryAfterSeconds: number = DEFAULT_RETRY_AFTER_SECONDS,
    options: { cause?: unknown } = {},
  ) {
    super(message, { code: 'verifier_unavailable', httpStatus: 503, retryAfterSeconds, cause: options.cause });
  }
}

export function invalid(message: string): VerifyResult {
  return { ok: false, kind: 'invalid_token', message };
}

export function unavailable(
  error: VerifierUnavailableError,
  retryAfterSeconds = error.retryAfterSeconds,
): VerifyResult {
  return { ok: false, kind: 'unavailable', message: error.message, retryAfterSeconds };
}

/** A value from a token or a response, made safe to put in a message (short, printable). */
export function describe(value: unknown): string {
  const text = typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
  const clean = text.replace(/[^\x21-\x7e]/g, '?');
  return clean.length > 40 ? `${clean.slice(0, 40)}...` : clean;
}

/** The checks every verifier makes before looking at a token's content. */
export function precheckToken(token: unknown): string | undefined {
  if (typeof token !== 'string' || token.trim() === '') return 'no bearer token';
  if (token.length > MAX_TOKEN_LENGTH) return 'malformed token: too long';
  // RFC 6750 b64token: what a bearer token may contain.
  if (!/^[A-Za-z0-9\-._~+/]+=*$/.test(token)) return 'malformed token: characters outside the bearer token syntax';
  return undefined;
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/** Parses a configured or discovered endpoint: https, or http on a loopback host only. */
export function parseEndpoint(value: string, what: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new TypeError(`${what} is not a valid URL: ${describe(value)}`);
  }
  if (url.protocol === 'https:') return url;
  if (url.protocol === 'http:' && (LOOPBACK_HOSTS.has(url.hostname) || url.hostname.startsWith('127.'))) return url;
  throw new TypeError(`${what} must be an https URL (http only on loopback): ${describe(value)}`);
}

/** Describes a fetch failure without its body. */
function describeFetchError(error: unknown): { message: string; reason: UnavailableReason } {
  const name = (error as { name?: unknown } | undefined)?.name;
  if (name === 'TimeoutError' || name === 'AbortError') return { message: 'timed out', reason: 'timeout' };
  const cause = (error as { cause?: { code?: unknown; message?: unknown } } | undefined)?.cause;
  const code = typeof cause?.code === 'string' ? cause.code : undefined;
  return { message: code ?? (error instanceof Error ? error.message : String(error)), reason: 'network' };
}

export interface FetchOptions {
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  timeoutMs: number;
  retryAfterSeconds: number;
}

/** A fetch that turns network errors and timeouts into {@link VerifierUnavailableError}; never follows redirects. */
export async function fetchOrUnavailable(url: URL, what: string, options: FetchOptions): Promise<Response> {
  try {
    return await fetch(url, {
      method: options.method ?? 'GET',
      headers: options.headers,
      body: options.body,
      redirect: 'manual',
      signal: AbortSignal.timeout(options.timeoutMs),
    });
  } catch (error) {
    const { message, reason } = describeFetchError(error);
    throw new VerifierUnavailableError(
      `${what} at ${url.href} could not be reached (${message})`,
      reason,
      options.retryAfterSeconds,
      { cause: error },
    );
  }
}

/** Reads a response body as a JSON object, at most 1 MiB; anything else is `bad_response`. */
export async function readJsonObject(
  response: Response,
  url: URL,
  what: string,
  retryAfterSeconds: number,
): Promise<Record<string, unknown>> {
  const bad = (detail: string, cause?: unknown) =>
    new VerifierUnavailableError(`${what} at ${url.href} ${detail}`, 'bad_response', retryAfterSeconds, { cause });
  let text: string;
  try {
    text = await readBodyText(response, MAX_RESPONSE_BYTES);
  } catch (error) {
    if (error instanceof BodyTooLargeError) throw bad('answered with a body that is too large');
    const { message, reason } = describeFetchError(error);
    throw new VerifierUnavailableError(
      `${what} at ${url.href} could not be read (${message})`,
      reason,
      retryAfterSeconds,
      { cause: error },
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw bad('did not answer with JSON', error);
  }
  if (!isJsonObject(parsed)) throw bad('did not answer with a JSON object');
  return parsed;
}

/** Discards a body that is not going to be read, so the connection can be reused. */
export async function discard(response: Response): Promise<void> {
  await response.body?.cancel().catch(() => undefined);
}

function splitScopes(value: unknown, separator: RegExp): string[] {
  if (typeof value === 'string') return value.split(separator).filter((scope) => scope !== '');
  if (Array.isArray(value)) return value.filter((scope): scope is string => typeof scope === 'string' && scope !== '');
  return [];
}

/** Granted scopes: `scp` and `scope` (space-separated string or array), then `roles`, without duplicates. */
export function extractScopes(claims: Record<string, unknown>, extra: string[] = []): string[] {
  const all = [
    ...splitScopes(claims.scp, / +/),
    ...splitScopes(claims.scope, / +/),
    ...splitScopes(claims.roles, / +/),
    ...extra,
  ];
  return [...new Set(all)];
}

/** A claim usable as a subject: a non-empty string, or a finite number (GitHub's `id`) as a string. */
export function subjectClaim(claims: Record<string, unknown>, claim: string): string | undefined {
  const value = claims[claim];
  if (typeof value === 'string' && value !== '') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

export function numericClaim(claims: Record<string, unknown>, claim: string): number | undefined {
  const value = claims[claim];
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

export function makeCaller(fields: Omit<VerifiedCaller, 'principal'>): VerifiedCaller {
  return { principal: `${fields.issuer}|${fields.subject}`, ...fields };
}

export function requireNonEmptyStrings(value: unknown, what: string): string[] {
  if (
    !Array.isArray(value) ||
    value.length === 0 ||
    value.some((entry) => typeof entry !== 'string' || entry.trim() === '')
  ) {
    throw new TypeError(`${what} must be a non-empty list of non-empty strings`);
  }
  return [...(value as string[])];
}

export function optionalStrings(value: unknown, what: string): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || value.some((entry) => typeof entry !== 'string' || entry.trim() === '')) {
    throw new TypeError(`${what} must be a list of non-empty strings`);
  }
  return [...(value as string[])];
}

export function nonNegative(value: number | undefined, fallback: number, what: string): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0)
    throw new TypeError(`${what} must be a non-negative number`);
  return value;
}
