/**
 * Verifies JWT access tokens of any OAuth2/OIDC issuer (`oauth2_bearer`): the signature against
 * the issuer's published keys (JWKS, discovered from its metadata unless configured), `iss`,
 * `aud`, `exp` (required), `nbf`, and an algorithm allow-list. Scopes are returned, not checked:
 * the caller compares them with `requiredScopes` and answers 403.
 */
import type { TokenVerifier, VerifyResult } from '../types.js';
import {
  VerifierUnavailableError,
  extractScopes,
  invalid,
  makeCaller,
  nonNegative,
  numericClaim,
  optionalStrings,
  parseEndpoint,
  requireNonEmptyStrings,
  subjectClaim,
  unavailable,
} from './common.js';
import {
  JwksRegistry,
  type KeyResolver,
  SUPPORTED_ALGORITHMS,
  checkAlgorithms,
  precheckJwt,
  resolveTuning,
  verifyJwtWith,
  type JwksTuning,
} from './jwt-core.js';
import { type OidcMetadataCache, defaultMetadataCache } from './oidc-metadata.js';

export interface JwtVerifierOptions extends JwksTuning {
  /** The expected `iss`, exactly (also where metadata is discovered). */
  issuer: string;
  /** The issuer's JWKS; discovered from the issuer's metadata (`jwks_uri`) when absent. */
  jwksUri?: string;
  /**
   * Accepted `aud` values; at least one when given. Absent: each `verify` call passes the
   * resource URLs of the request (the endpoint's URLs on the origin it came in on).
   */
  audiences?: string[];
  /** Not checked here: kept on the verifier for the caller, which answers 403 when one is missing. */
  requiredScopes?: string[];
  /** The claim naming the user. Default `sub`. */
  userClaim?: string;
  /** Allowed clock skew for `exp` and `nbf`. Default 60. */
  clockToleranceSeconds?: number;
  /** Accepted signature algorithms. Default RS256/384/512, PS256/384/512, ES256/384/512, EdDSA; never none or HS*. */
  algorithms?: string[];
  /** Authorization servers listed in the protected resource metadata. Default `[issuer]`. */
  authorizationServers?: string[];
  /** The metadata cache. Default: the process-wide one. */
  metadataCache?: OidcMetadataCache;
}

/** A {@link TokenVerifier} that also carries the scopes its endpoint requires. */
export interface ConfiguredTokenVerifier extends TokenVerifier {
  readonly requiredScopes: string[];
}

export function createJwtVerifier(options: JwtVerifierOptions): ConfiguredTokenVerifier {
  if (typeof options?.issuer !== 'string' || options.issuer === '') throw new TypeError('issuer is required');
  parseEndpoint(options.issuer, 'issuer');
  const issuer = options.issuer;
  const configuredJwksUri = options.jwksUri === undefined ? undefined : parseEndpoint(options.jwksUri, 'jwksUri').href;
  // Without configured audiences, each request brings the resource URLs it may be for.
  const audiences =
    options.audiences === undefined ? undefined : requireNonEmptyStrings(options.audiences, 'audiences');
  const requiredScopes = optionalStrings(options.requiredScopes, 'requiredScopes');
  const userClaim = options.userClaim ?? 'sub';
  if (typeof userClaim !== 'string' || userClaim === '') throw new TypeError('userClaim must be a non-empty string');
  const clockToleranceSeconds = nonNegative(options.clockToleranceSeconds, 60, 'clockToleranceSeconds');
  const algorithms = checkAlgorithms(options.algorithms, SUPPORTED_ALGORITHMS);
  const authorizationServers =
    options.authorizationServers === undefined
      ? [issuer]
      : optionalStrings(options.authorizationServers, 'authorizationServers');
  const tuning = resolveTuning(options);
  const metadataCache = options.metadataCache ?? defaultMetadataCache;
  const registry = new JwksRegistry(tuning);

  async function jwksUri(): Promise<string> {
    if (configuredJwksUri) return configuredJwksUri;
    const metadata = await metadataCache.get(issuer);
    if (typeof metadata.jwks_uri !== 'string') {
      throw new VerifierUnavailableError(
        `issuer metadata for ${issuer} has no jwks_uri`,
        'bad_response',
        tuning.retryAfterSeconds,
      );
    }
    return metadata.jwks_uri;
  }

  async function verify(token: string, resourceAudiences?: readonly string[]): Promise<VerifyResult> {
    const problem = precheckJwt(token, algorithms);
    if (problem) return invalid(problem);
    const accepted = audiences ?? [...(resourceAudiences ?? [])];
    if (accepted.length === 0) return invalid('no audience is configured or known for this endpoint');
    let key: KeyResolver;
    try {
      key = registry.get(await jwksUri());
    } catch (error) {
      if (error instanceof VerifierUnavailableError) return unavailable(error, tuning.retryAfterSeconds);
      return unavailable(
        new VerifierUnavailableError(
          `the signing keys of ${issuer} cannot be used: ${(error as Error).message}`,
          'bad_response',
          tuning.retryAfterSeconds,
        ),
      );
    }
    const verified = await verifyJwtWith(token, key, {
      issuers: [issuer],
      audiences: accepted,
      algorithms,
      clockToleranceSeconds,
    });
    if (!verified.ok) return verified.result;
    const claims = verified.payload as Record<string, unknown>;
    const subject = subjectClaim(claims, userClaim);
    if (subject === undefined) return invalid(`token has no ${userClaim} claim`);
    return {
      ok: true,
      caller: makeCaller({
        issuer,
        subject,
        tenantId: typeof claims.tid === 'string' ? claims.tid : undefined,
        scopes: extractScopes(claims),
        claims,
        token,
        expiresAt: numericClaim(claims, 'exp'),
      }),
    };
  }

  return { verify, authorizationServers, requiredScopes };
}
