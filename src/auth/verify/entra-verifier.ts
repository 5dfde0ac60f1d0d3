/**
 * Verifies Microsoft Entra ID access tokens, v1 (`iss` = `https://sts.windows.net/{tid}/`) and v2
 * (`iss` = `{authorityHost}/{tid}/v2.0`), for a list of allowed tenants. The unverified `tid` only
 * picks the tenant's metadata and keys (`{authorityHost}/{tid}/v2.0/.well-known/openid-configuration`,
 * whose JWKS signs both token versions); then the token is verified fully.
 *
 * The caller's issuer is the tenant's v2 issuer whatever the token version, so a user's principal
 * (`{authorityHost}/{tid}/v2.0|{oid}`) does not change with the token version.
 */
import { decodeJwt } from 'jose';
import type { VerifyResult } from '../types.js';
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
  checkAlgorithms,
  precheckJwt,
  resolveTuning,
  verifyJwtWith,
  type JwksTuning,
} from './jwt-core.js';
import type { ConfiguredTokenVerifier } from './jwt-verifier.js';
import { type OidcMetadataCache, defaultMetadataCache } from './oidc-metadata.js';

export const DEFAULT_ENTRA_AUTHORITY_HOST = 'https://login.microsoftonline.com';
export const DEFAULT_ENTRA_V1_ISSUER_HOST = 'https://sts.windows.net';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export interface EntraVerifierOptions extends JwksTuning {
  /** Tenant ids (GUIDs) whose tokens are accepted; at least one. */
  allowedTenants: string[];
  /** Accepted `aud` values, typically `api://<app>` and the app's client id; at least one. */
  audiences: string[];
  /** Not checked here: kept on the verifier for the caller, which answers 403 when one is missing. */
  requiredScopes?: string[];
  /** Default `https://login.microsoftonline.com` (sovereign clouds and tests set their own). */
  authorityHost?: string;
  /** Host of v1 issuers. Default `https://sts.windows.net`. */
  v1IssuerHost?: string;
  /** Accept v1 tokens too. Default true. */
  acceptV1Tokens?: boolean;
  /** Allowed clock skew for `exp` and `nbf`. Default 60. */
  clockToleranceSeconds?: number;
  /** Accepted signature algorithms. Default `['RS256']` (what Entra signs with). */
  algorithms?: string[];
  /**
   * Refuse tokens that carry neither `scp` nor `roles`: an ID token for the app has the app's
   * client id as `aud` but is no access token. Default true.
   */
  requireScpOrRoles?: boolean;
  /** The metadata cache. Default: the process-wide one. */
  metadataCache?: OidcMetadataCache;
}

export function createEntraVerifier(options: EntraVerifierOptions): ConfiguredTokenVerifier {
  const allowedTenants = requireNonEmptyStrings(options?.allowedTenants, 'allowedTenants').map((tenant) =>
    tenant.trim().toLowerCase(),
  );
  for (const tenant of allowedTenants) {
    if (!GUID.test(tenant))
      throw new TypeError(
        `allowedTenants must be tenant ids (GUIDs), not names such as common or contoso.onmicrosoft.com: ${tenant}`,
      );
  }
  const audiences = requireNonEmptyStrings(options.audiences, 'audiences');
  const requiredScopes = optionalStrings(options.requiredScopes, 'requiredScopes');
  const authorityHost = parseEndpoint(
    options.authorityHost ?? DEFAULT_ENTRA_AUTHORITY_HOST,
    'authorityHost',
  ).href.replace(/\/+$/, '');
  const v1IssuerHost = parseEndpoint(options.v1IssuerHost ?? DEFAULT_ENTRA_V1_ISSUER_HOST, 'v1IssuerHost').href.replace(
    /\/+$/,
    '',
  );
  const acceptV1 = options.acceptV1Tokens ?? true;
  const clockToleranceSeconds = nonNegative(options.clockToleranceSeconds, 60, 'clockToleranceSeconds');
  const algorithms = checkAlgorithms(options.algorithms, ['RS256']);
  const requireScpOrRoles = options.requireScpOrRoles ?? true;
  const tuning = resolveTuning(options);
  const metadataCache = options.metadataCache ?? defaultMetadataCache;
  const registry = new JwksRegistry(tuning);
  const v2Issuer = (tenant: string) => `${authorityHost}/${tenant}/v2.0`;
  const v1Issuer = (tenant: string) => `${v1IssuerHost}/${tenant}/`;
  const authorizationServers = allowedTenants.map(v2Issuer);

  /**
   * `resourceAudiences`: the server's endpoint URLs on the request's origin. A v1 token for an app
   * whose identifier URI is the endpoint URL (a custom domain) carries that URL as `aud`; Entra
   * issues it only for an app of the tenant that holds that identifier URI on a verified domain.
   */
  async function verify(token: string, resourceAudiences: readonly string[] = []): Promise<VerifyResult> {
    const problem = precheckJwt(token, algorithms);
    if (problem) return invalid(problem);
    let unverified: Record<string, unknown>;
    try {
      unverified = decodeJwt(token) as Record<string, unknown>;
    } catch {
      return invalid('malformed token: the payload is not base64url-encoded JSON');
    }
    // Read only to pick the tenant's metadata and keys; everything is verified below.
    if (typeof unverified.tid !== 'string') return invalid('token has no tid claim (not an Entra ID token)');
    const tenant = unverified.tid;
    if (!allowedTenants.includes(tenant)) return invalid('tenant not allowed');

    let key: KeyResolver;
    try {
      const metadata = await metadataCache.get(v2Issuer(tenant));
      if (typeof metadata.jwks_uri !== 'string') {
        throw new VerifierUnavailableError(
          `issuer metadata for ${v2Issuer(tenant)} has no jwks_uri`,
          'bad_response',
          tuning.retryAfterSeconds,
        );
      }
      key = registry.get(metadata.jwks_uri);
    } catch (error) {
      if (error instanceof VerifierUnavailableError) return unavailable(error, tuning.retryAfterSeconds);
      return unavailable(
        new VerifierUnavailableError(
          `the signing keys of tenant ${tenant} cannot be used: ${(error as Error).message}`,
          'bad_response',
          tuning.retryAfterSeconds,
        ),
      );
    }
    const issuers = acceptV1 ? [v2Issuer(tenant), v1Issuer(tenant)] : [v2Issuer(tenant)];
    const verified = await verifyJwtWith(token, key, {
      issuers,
      audiences: resourceAudiences.length > 0 ? [...audiences, ...resourceAudiences] : audiences,
      algorithms,
      clockToleranceSeconds,
    });
    if (!verified.ok) return verified.result;
    const claims = verified.payload as Record<string, unknown>;
    if (claims.tid !== tenant) return invalid('tenant not allowed');
    const subject = subjectClaim(claims, 'oid') ?? subjectClaim(claims, 'sub');
    if (subject === undefined) return invalid('token has no oid or sub claim');
    if (requireScpOrRoles && claims.scp === undefined && claims.roles === undefined) {
      return invalid('not an access token: no scp or roles claim');
    }
    return {
      ok: true,
      caller: makeCaller({
        issuer: v2Issuer(tenant),
        subject,
        tenantId: tenant,
        scopes: extractScopes(claims),
        claims,
        token,
        expiresAt: numericClaim(claims, 'exp'),
      }),
    };
  }

  return { verify, authorizationServers, requiredScopes };
}
