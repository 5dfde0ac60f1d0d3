/**
 * What the JWT and Entra verifiers share: the checks made before a signature is looked at, a
 * remote JWKS key resolver (jose's `createRemoteJWKSet`, plus stale-while-error), and the mapping
 * of jose's errors onto `invalid_token` reasons.
 */
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  decodeProtectedHeader,
  errors,
  jwksCache,
  jwtVerify,
  type CryptoKey,
  type FlattenedJWSInput,
  type JSONWebKeySet,
  type JWTPayload,
  type JWSHeaderParameters,
  type JWKSCacheInput,
} from 'jose';
import type { VerifyResult } from '../types.js';
import {
  VerifierUnavailableError,
  invalid,
  nonNegative,
  parseEndpoint,
  precheckToken,
  describe,
  unavailable,
} from './common.js';

/** Asymmetric signature algorithms a verifier may accept; `none` and HS* are never among them. */
export const SUPPORTED_ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
] as const;

export function checkAlgorithms(value: unknown, fallback: readonly string[]): string[] {
  if (value === undefined) return [...fallback];
  if (!Array.isArray(value) || value.length === 0) throw new TypeError('algorithms must be a non-empty list');
  for (const alg of value) {
    if (!(SUPPORTED_ALGORITHMS as readonly unknown[]).includes(alg)) {
      throw new TypeError(
        `algorithm ${describe(alg)} cannot be allowed: only ${SUPPORTED_ALGORITHMS.join(', ')} (never none or HS*)`,
      );
    }
  }
  return [...new Set(value as string[])];
}

/** Options of the key cache, shared by the JWT and Entra verifiers. */
export interface JwksTuning {
  /** How long fetched keys are used before they are fetched again. Default 10 minutes. */
  jwksCacheMaxAgeMs?: number;
  /**
   * After a fetch, how long a token with an unknown key id fails without fetching again; past it,
   * an unknown key id refreshes the keys once. Default 30 seconds.
   */
  jwksCooldownMs?: number;
  /** How long past `jwksCacheMaxAgeMs` the last keys are still used while refreshing fails. Default 1 hour. */
  jwksStaleIfErrorMs?: number;
  /** Timeout of each request (metadata and JWKS). Default 5 seconds. */
  timeoutMs?: number;
  /** `retryAfterSeconds` of `unavailable` results. Default 30. */
  retryAfterSeconds?: number;
}

export interface ResolvedTuning {
  cacheMaxAgeMs: number;
  cooldownMs: number;
  staleIfErrorMs: number;
  timeoutMs: number;
  retryAfterSeconds: number;
}

export function resolveTuning(options: JwksTuning): ResolvedTuning {
  const timeoutMs = nonNegative(options.timeoutMs, 5_000, 'timeoutMs');
  return {
    cacheMaxAgeMs: nonNegative(options.jwksCacheMaxAgeMs, 10 * 60_000, 'jwksCacheMaxAgeMs'),
    cooldownMs: nonNegative(options.jwksCooldownMs, 30_000, 'jwksCooldownMs'),
    staleIfErrorMs: nonNegative(options.jwksStaleIfErrorMs, 60 * 60_000, 'jwksStaleIfErrorMs'),
    timeoutMs: Math.round(timeoutMs),
    retryAfterSeconds: nonNegative(options.retryAfterSeconds, 30, 'retryAfterSeconds'),
  };
}

export type KeyResolver = (header: JWSHeaderParameters, token: FlattenedJWSInput) => Promise<CryptoKey>;

function isKeySelectionError(error: unknown): boolean {
  return error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys;
}

function describeKeyFetchError(error: unknown): string {
  if (error instanceof errors.JWKSTimeout) return 'timed out';
  if (error instanceof errors.JOSEError) return error.message;
  const cause = (error as { cause?: { code?: unknown } } | undefined)?.cause;
  if (typeof cause?.code === 'string') return cause.code;
  return error instanceof Error ? error.message : String(error);
}

/** Remote key sets by JWKS URI, one set of caches per verifier. */
export class JwksRegistry {
  private readonly resolvers = new Map<string, KeyResolver>();
  constructor(private readonly tuning: ResolvedTuning) {}

  /** The key resolver for a JWKS URI; throws a TypeError when the URI is not acceptable. */
  get(jwksUri: string): KeyResolver {
    const existing = this.resolvers.get(jwksUri);
    if (existing) return existing;
    const url = parseEndpoint(jwksUri, 'jwks_uri');
    const { cacheMaxAgeMs, cooldownMs, staleIfErrorMs, timeoutMs, retryAfterSeconds } = this.tuning;
    // jose writes `uat` and `jwks` here after each successful fetch: the stale copy used below.
    const cache: { uat?: number; jwks?: JSONWebKeySet } = {};
    const remote = createRemoteJWKSet(url, {
      timeoutDuration: timeoutMs,
      cooldownDuration: cooldownMs,
      cacheMaxAge: cacheMaxAgeMs,
      [jwksCache]: cache as JWKSCacheInput,
    });
    const resolver: KeyResolver = async (header, token) => {
      try {
        return await remote(header, token);
      } catch (error) {
        if (isKeySelectionError(error)) throw error;
        const failure = new VerifierUnavailableError(
          `signing keys at ${url.href} could not be fetched (${describeKeyFetchError(error)})`,
          error instanceof errors.JWKSTimeout
            ? 'timeout'
            : error instanceof errors.JOSEError
              ? 'bad_response'
              : 'network',
          retryAfterSeconds,
          { cause: error },
        );
        if (cache.jwks && cache.uat !== undefined && Date.now() < cache.uat + cacheMaxAgeMs + staleIfErrorMs) {
          try {
            return await createLocalJWKSet(cache.jwks)(header, token);
          } catch {
            throw failure;
          }
        }
        throw failure;
      }
    };
    this.resolvers.set(jwksUri, resolver);
    return resolver;
  }
}

/** Checks made before the signature: token syntax, compact JWS shape, an allowed `alg`. */
export function precheckJwt(token: string, algorithms: readonly string[]): string | undefined {
  const problem = precheckToken(token);
  if (problem) return problem;
  const parts = token.split('.');
  if (parts.length === 5) return 'malformed token: encrypted tokens (JWE) are not accepted';
  if (parts.length !== 3) return 'malformed token: not a JWT';
  let header: ReturnType<typeof decodeProtectedHeader>;
  try {
    header = decodeProtectedHeader(token);
  } catch {
    return 'malformed token: the header is not base64url-encoded JSON';
  }
  const { alg } = header;
  if (typeof alg !== 'string' || alg === '') return 'malformed token: the header has no alg';
  if (!algorithms.includes(alg)) return `algorithm ${describe(alg)} not allowed`;
  if (parts[2] === '') return 'malformed token: no signature';
  return undefined;
}

function safeText(message: string): string {
  const clean = message.replace(/[^\x20-\x7e]/g, '?');
  return clean.length > 120 ? `${clean.slice(0, 120)}...` : clean;
}

/** Maps an error from `jwtVerify` (or the key resolver) to a result with a precise reason. */
export function mapVerifyError(error: unknown): VerifyResult {
  if (error instanceof VerifierUnavailableError) return unavailable(error);
  if (error instanceof errors.JWTExpired) return invalid('token expired');
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.reason === 'missing') return invalid(`token has no ${describe(error.claim)} claim`);
    if (error.reason === 'invalid')
      return invalid(`malformed token: the ${describe(error.claim)} claim is not a number`);
    switch (error.claim) {
      case 'iss':
        return invalid('issuer not accepted');
      case 'aud':
        return invalid('audience not accepted');
      case 'nbf':
        return invalid('token not yet valid (nbf is in the future)');
      default:
        return invalid(`${describe(error.claim)} claim not accepted`);
    }
  }
  if (error instanceof errors.JWKSNoMatchingKey) return invalid('signing key not published by the issuer');
  if (error instanceof errors.JWKSMultipleMatchingKeys)
    return invalid('signing key ambiguous: several published keys match the token header');
  if (error instanceof errors.JWSSignatureVerificationFailed) return invalid('signature verification failed');
  if (error instanceof errors.JOSEAlgNotAllowed) return invalid('algorithm not allowed');
  if (error instanceof errors.JWSInvalid || error instanceof errors.JWTInvalid)
    return invalid(`malformed token: ${safeText(error.message)}`);
  if (error instanceof errors.JOSENotSupported) return invalid(`token not supported: ${safeText(error.message)}`);
  if (error instanceof TypeError && /modulusLength/.test(error.message)) return invalid('signing key too weak');
  return invalid('token could not be verified');
}

export interface JwtCheck {
  issuers: string[];
  audiences: string[];
  algorithms: string[];
  clockToleranceSeconds: number;
}

/** Verifies signature and claims; `exp` is required. Returns the payload or a failure. */
export async function verifyJwtWith(
  token: string,
  key: KeyResolver,
  check: JwtCheck,
): Promise<{ ok: true; payload: JWTPayload } | { ok: false; result: VerifyResult }> {
  try {
    const { payload } = await jwtVerify(token, key, {
      issuer: check.issuers,
      audience: check.audiences,
      algorithms: check.algorithms,
      clockTolerance: check.clockToleranceSeconds,
      requiredClaims: ['exp'],
    });
    return { ok: true, payload };
  } catch (error) {
    return { ok: false, result: mapVerifyError(error) };
  }
}
