import type { ServerConfig } from '../config/model.js';
import type { TokenVerifier } from './types.js';
import {
  createEntraVerifier,
  createIntrospectionVerifier,
  createJwtVerifier,
  DEFAULT_ENTRA_AUTHORITY_HOST,
  type OidcMetadataCache,
} from './verify/index.js';

export interface VerifierSettings {
  /** The adapter's environment: MCP_ADAPTER_TENANT_ID, MCP_ADAPTER_OBO_CLIENT_ID, MCP_ADAPTER_OBO_IDENTIFIER_URI, MCP_ADAPTER_AUTHORITY_HOST. */
  env: NodeJS.ProcessEnv;
  metadataCache?: OidcMetadataCache;
}

/**
 * One verifier per server, made on first use and kept: their JWKS and metadata caches live as
 * long as the process, one key set per `jwks_uri`. An OAuth2 server without a configured audience
 * accepts the resource URLs each request passes (its URLs on the request's origin): no number of
 * Host values makes more verifiers or key-set fetches.
 */
export function createVerifierRegistry(
  settings: VerifierSettings,
): (server: ServerConfig) => TokenVerifier | undefined {
  const verifiers = new Map<string, TokenVerifier>();
  const env = settings.env;
  return (server) => {
    const caller = server.auth.caller;
    if (caller.type !== 'entra' && caller.type !== 'oauth2') return undefined;
    const key = server.name;
    let verifier = verifiers.get(key);
    if (verifier) return verifier;
    if (caller.type === 'entra') {
      const tenants =
        caller.allowedTenants.length > 0
          ? caller.allowedTenants
          : [env.MCP_ADAPTER_TENANT_ID].filter((t): t is string => Boolean(t));
      if (tenants.length === 0)
        throw new Error(
          `MCP server "${server.name}" takes Entra callers but no tenant is known: set auth.allowed_tenants (or azure_tenant_id), or the MCP_ADAPTER_TENANT_ID setting`,
        );
      // Entra v2 tokens carry the client id as `aud`, v1 tokens the identifier URI.
      const audiences = [
        caller.audience,
        caller.clientId,
        env.MCP_ADAPTER_OBO_CLIENT_ID,
        env.MCP_ADAPTER_OBO_IDENTIFIER_URI,
      ].filter((a): a is string => Boolean(a));
      if (audiences.length === 0)
        throw new Error(
          `MCP server "${server.name}" takes Entra callers but no audience is known: set auth.oauth2_audience or azure_client_id, or the MCP_ADAPTER_OBO_CLIENT_ID setting`,
        );
      verifier = createEntraVerifier({
        allowedTenants: tenants,
        audiences: [...new Set(audiences)],
        authorityHost: env.MCP_ADAPTER_AUTHORITY_HOST ?? DEFAULT_ENTRA_AUTHORITY_HOST,
        metadataCache: settings.metadataCache,
      });
    } else if (caller.introspectionEndpoint || caller.userinfoEndpoint) {
      verifier = createIntrospectionVerifier({
        issuer: caller.issuer ?? caller.introspectionEndpoint ?? caller.userinfoEndpoint!,
        introspectionEndpoint: caller.introspectionEndpoint,
        clientId: caller.clientId,
        clientSecret: caller.clientSecret,
        userinfoEndpoint: caller.userinfoEndpoint,
        audiences: caller.audience ? [caller.audience] : undefined,
        userClaim: caller.userClaim,
        authorizationServers: caller.issuer ? [caller.issuer] : [],
      });
    } else {
      verifier = createJwtVerifier({
        issuer: caller.issuer ?? '',
        jwksUri: caller.jwksUri,
        audiences: caller.audience ? [caller.audience] : undefined,
        userClaim: caller.userClaim,
        authorizationServers: caller.issuer ? [caller.issuer] : [],
        metadataCache: settings.metadataCache,
      });
    }
    verifiers.set(key, verifier);
    return verifier;
  };
}
