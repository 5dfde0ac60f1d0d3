/**
 * Verifies opaque access tokens (GitHub's, or any issuer's that are not JWTs) by asking the
 * issuer: RFC 7662 token introspection, or a userinfo-style endpoint (a 200 with a JSON object
 * means the token is good). Results are cached briefly, keyed by a SHA-256 of the token; never by
 * the token, and never past the token's `exp`.
 */
import { createHash } from 'node:crypto';
import type { VerifiedCaller, VerifyResult } from '../types.js';
import {
  DEFAULT_RETRY_AFTER_SECONDS,
  DEFAULT_TIMEOUT_MS,
  VerifierUnavailableError,
  discard,
  extractScopes,
  fetchOrUnavailable,
  invalid,
  makeCaller,
  nonNegative,
  numericClaim,
  optionalStrings,
  parseEndpoint,
  precheckToken,
  readJsonObject,
  subjectClaim,
  unavailable,
} from './common.js';
import type { ConfiguredTokenVerifier } from './jwt-verifier.js';

export interface IntrospectionVerifierOptions {
  /**
   * The issuer: the first half of every principal (`${issuer}|${subject}`), and the `iss` an
   * introspection response must carry when it carries one (e.g. `https://github.com`).
   */
  issuer: string;
  /** RFC 7662 endpoint; give this or `userinfoEndpoint`, not both. */
  introspectionEndpoint?: string;
  /** Client credentials for the introspection endpoint (HTTP Basic); required with it. */
  clientId?: string;
  clientSecret?: string;
  /** A userinfo-style endpoint called with the token (e.g. `https://api.github.com/user`). */
  userinfoEndpoint?: string;
  /** Extra headers for the userinfo request (GitHub: `accept: application/vnd.github+json`). */
  userinfoHeaders?: Record<string, string>;
  /** Accepted `aud` values, checked when the introspection response has an `aud`. */
  audiences?: string[];
  /** Not checked here: kept on the verifier for the caller, which answers 403 when one is missing. */
  requiredScopes?: string[];
  /** The member naming the user. Default `sub`; GitHub's userinfo: `id` (stable) or `login`. */
  userClaim?: string;
  /** Allowed clock skew for `exp` and `nbf`. Default 60. */
  clockToleranceSeconds?: number;
  /** Authorization servers listed in the protected resource metadata. Default `[issuer]`. */
  authorizationServers?: string[];
  /** How long a result is reused. Default 60 seconds; never past the token's `exp`. */
  cacheTtlSeconds?: number;
  /** Most results kept. Default 10,000. */
  cacheMaxEntries?: number;
  /** Timeout of each request. Default 5 seconds. */
  timeoutMs?: number;
  /** `retryAfterSeconds` of `unavailable` results. Default 30. */
  retryAfterSeconds?: number;
}

/** A cached result; a caller is stored without its token. */
type Cached = { ok: true; caller: Omit<VerifiedCaller, 'token'> } | Exclude<VerifyResult, { ok: true }>;

function formEncode(value: string): string {
  return new URLSearchParams({ v: value }).toString().slice(2);
}

function audienceMatches(aud: unknown, audiences: string[]): boolean {
  if (typeof aud === 'string') return audiences.includes(aud);
  if (Array.isArray(aud)) return aud.some((entry) => typeof entry === 'string' && audiences.includes(entry));
  return false;
}

export function createIntrospectionVerifier(options: IntrospectionVerifierOptions): ConfiguredTokenVerifier {
  if (typeof options?.issuer !== 'string' || options.issuer === '') throw new TypeError('issuer is required');
  const issuer = options.issuer;
  const introspection =
    options.introspectionEndpoint === undefined
      ? undefined
      : parseEndpoint(options.introspectionEndpoint, 'introspectionEndpoint');
  const userinfo =
    options.userinfoEndpoint === undefined ? undefined : parseEndpoint(options.userinfoEndpoint, 'userinfoEndpoint');
  if ((introspection === undefined) === (userinfo === undefined))
    throw new TypeError('give exactly one of introspectionEndpoint and userinfoEndpoint');
  if (
    introspection &&
    (typeof options.clientId !== 'string' ||
      options.clientId === '' ||
      typeof options.clientSecret !== 'string' ||
      options.clientSecret === '')
  ) {
    throw new TypeError('introspectionEndpoint needs clientId and clientSecret');
  }
  const audiences = optionalStrings(options.audiences, 'audiences');
  const requiredScopes = optionalStrings(options.requiredScopes, 'requiredScopes');
  const userClaim = options.userClaim ?? 'sub';
  if (typeof userClaim !== 'string' || userClaim === '') throw new TypeError('userClaim must be a non-empty string');
  const clockToleranceSeconds = nonNegative(options.clockToleranceSeconds, 60, 'clockToleranceSeconds');
  const authorizationServers =
    options.authorizationServers === undefined
      ? [issuer]
      : optionalStrings(options.authorizationServers, 'authorizationServers');
  const ttlMs = nonNegative(options.cacheTtlSeconds, 60, 'cacheTtlSeconds') * 1000;
  const maxEntries = nonNegative(options.cacheMaxEntries, 10_000, 'cacheMaxEntries');
  const timeoutMs = nonNegative(options.timeoutMs, DEFAULT_TIMEOUT_MS, 'timeoutMs');
  const retryAfterSeconds = nonNegative(options.retryAfterSeconds, DEFAULT_RETRY_AFTER_SECONDS, 'retryAfterSeconds');
  const basic = introspection
    ? `Basic ${Buffer.from(`${formEncode(options.clientId!)}:${formEncode(options.clientSecret!)}`).toString('base64')}`
    : '';
  const userinfoHeaders: Record<string, string> = {
    accept: 'application/json',
    'user-agent': 'mcp-stdio-functions',
    ...(options.userinfoHeaders ?? {}),
  };

  const cache = new Map<string, { value: Cached; expiresAt: number }>();
  const inFlight = new Map<string, Promise<{ value: Cached; cacheForMs: number }>>();

  /** Checks of the time claims, shared by both kinds of endpoint; `cacheForMs` stops at `exp`. */
  function timeCheck(body: Record<string, unknown>): { problem?: string; cacheForMs: number } {
    const now = Date.now() / 1000;
    const exp = numericClaim(body, 'exp');
    if (body.exp !== undefined && exp === undefined)
      return { problem: 'malformed token response: exp is not a number', cacheForMs: ttlMs };
    if (exp !== undefined && exp <= now - clockToleranceSeconds) return { problem: 'token expired', cacheForMs: ttlMs };
    const nbf = numericClaim(body, 'nbf');
    if (nbf !== undefined && nbf > now + clockToleranceSeconds)
      return { problem: 'token not yet valid (nbf is in the future)', cacheForMs: 0 };
    return { cacheForMs: exp === undefined ? ttlMs : Math.max(0, Math.min(ttlMs, (exp - now) * 1000)) };
  }

  function accept(
    body: Record<string, unknown>,
    extraScopes: string[],
    cacheForMs: number,
  ): { value: Cached; cacheForMs: number } {
    const subject = subjectClaim(body, userClaim);
    if (subject === undefined)
      return { value: { ok: false, kind: 'invalid_token', message: `token has no ${userClaim} claim` }, cacheForMs };
    const caller = makeCaller({
      issuer,
      subject,
      scopes: extractScopes(body, extraScopes),
      claims: body,
      token: '',
      expiresAt: numericClaim(body, 'exp'),
    });
    const { token: _omitted, ...withoutToken } = caller;
    return { value: { ok: true, caller: withoutToken }, cacheForMs };
  }

  async function introspect(url: URL, token: string): Promise<{ value: Cached; cacheForMs: number }> {
    const response = await fetchOrUnavailable(url, 'token introspection', {
      method: 'POST',
      headers: {
        authorization: basic,
        'content-type': 'application/x-www-form-urlencoded',
        accept: 'application/json',
      },
      body: `token=${formEncode(token)}&token_type_hint=access_token`,
      timeoutMs,
      retryAfterSeconds,
    });
    if (response.status !== 200) {
      await discard(response);
      const hint = response.status === 401 || response.status === 403 ? ' (check the client credentials)' : '';
      throw new VerifierUnavailableError(
        `token introspection at ${url.href} answered HTTP ${response.status}${hint}`,
        'http_status',
        retryAfterSeconds,
      );
    }
    const body = await readJsonObject(response, url, 'token introspection', retryAfterSeconds);
    if (body.active !== true)
      return { value: { ok: false, kind: 'invalid_token', message: 'token is not active' }, cacheForMs: ttlMs };
    const time = timeCheck(body);
    if (time.problem)
      return { value: { ok: false, kind: 'invalid_token', message: time.problem }, cacheForMs: time.cacheForMs };
    if (body.iss !== undefined && body.iss !== issuer)
      return { value: { ok: false, kind: 'invalid_token', message: 'issuer not accepted' }, cacheForMs: ttlMs };
    if (body.aud !== undefined && audiences.length > 0 && !audienceMatches(body.aud, audiences)) {
      return { value: { ok: false, kind: 'invalid_token', message: 'audience not accepted' }, cacheForMs: ttlMs };
    }
    return accept(body, [], time.cacheForMs);
  }

  async function askUserinfo(url: URL, token: string): Promise<{ value: Cached; cacheForMs: number }> {
    const response = await fetchOrUnavailable(url, 'userinfo endpoint', {
      headers: { ...userinfoHeaders, authorization: `Bearer ${token}` },
      timeoutMs,
      retryAfterSeconds,
    });
    const rateLimited =
      response.status === 429 ||
      (response.status === 403 &&
        (response.headers.get('x-ratelimit-remaining') === '0' || response.headers.has('retry-after')));
    if ((response.status === 401 || response.status === 403) && !rateLimited) {
      await discard(response);
      return {
        value: {
          ok: false,
          kind: 'invalid_token',
          message: `token rejected by the userinfo endpoint (HTTP ${response.status})`,
        },
        cacheForMs: ttlMs,
      };
    }
    if (response.status !== 200) {
      await discard(response);
      const retryAfter = Number(response.headers.get('retry-after'));
      throw new VerifierUnavailableError(
        `userinfo endpoint at ${url.href} answered HTTP ${response.status}${rateLimited ? ' (rate limited)' : ''}`,
        'http_status',
        rateLimited && Number.isInteger(retryAfter) && retryAfter > 0 ? retryAfter : retryAfterSeconds,
      );
    }
    const body = await readJsonObject(response, url, 'userinfo endpoint', retryAfterSeconds);
    const time = timeCheck(body);
    if (time.problem)
      return { value: { ok: false, kind: 'invalid_token', message: time.problem }, cacheForMs: time.cacheForMs };
    // GitHub lists a classic token's scopes in a header, comma-separated.
    const headerScopes = (response.headers.get('x-oauth-scopes') ?? '').split(/[\s,]+/).filter((scope) => scope !== '');
    return accept(body, headerScopes, time.cacheForMs);
  }

  function remember(key: string, value: Cached, cacheForMs: number): void {
    if (cacheForMs <= 0 || maxEntries === 0) return;
    cache.delete(key);
    while (cache.size >= maxEntries) {
      const oldest = cache.keys().next().value;
      if (oldest === undefined) break;
      cache.delete(oldest);
    }
    cache.set(key, { value, expiresAt: Date.now() + cacheForMs });
  }

  function materialize(value: Cached, token: string): VerifyResult {
    return value.ok ? { ok: true, caller: { ...value.caller, token } } : value;
  }

  async function verify(token: string): Promise<VerifyResult> {
    const problem = precheckToken(token);
    if (problem) return invalid(problem);
    const key = createHash('sha256').update(token).digest('base64url');
    const hit = cache.get(key);
    if (hit) {
      if (Date.now() < hit.expiresAt) return materialize(hit.value, token);
      cache.delete(key);
    }
    let pending = inFlight.get(key);
    if (!pending) {
      pending = (introspection ? introspect(introspection, token) : askUserinfo(userinfo!, token)).finally(() =>
        inFlight.delete(key),
      );
      inFlight.set(key, pending);
    }
    try {
      const { value, cacheForMs } = await pending;
      remember(key, value, cacheForMs);
      return materialize(value, token);
    } catch (error) {
      if (error instanceof VerifierUnavailableError) return unavailable(error);
      return unavailable(
        new VerifierUnavailableError(
          `${introspection ? 'token introspection' : 'userinfo endpoint'} could not be used`,
          'bad_response',
          retryAfterSeconds,
        ),
      );
    }
  }

  return { verify, authorizationServers, requiredScopes };
}
