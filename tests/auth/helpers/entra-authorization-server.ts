/**
 * A Microsoft Entra ID (v2 endpoints) authorization server on 127.0.0.1, for MCP clients' own
 * OAuth flows against an adapter whose callers are Entra users. It answers the way Entra does
 * where Entra differs from a generic OAuth 2.1 server, which is what makes MCP clients fail
 * against Entra in practice:
 *
 * - **Per-tenant authority, OpenID metadata only.** The issuer is `<origin>/<tenant>/v2.0`; its
 *   metadata is at `/<tenant>/v2.0/.well-known/openid-configuration` (OIDC Discovery 1.0 section 4),
 *   with `authorization_endpoint` `/<tenant>/oauth2/v2.0/authorize`, `token_endpoint`
 *   `/<tenant>/oauth2/v2.0/token`, `jwks_uri` `/<tenant>/discovery/v2.0/keys`, `scopes_supported`
 *   `openid profile email offline_access`, and neither `registration_endpoint` (no dynamic client
 *   registration: clients are registered in advance) nor `code_challenge_methods_supported` nor
 *   `authorization_response_iss_parameter_supported` (Entra's document has none of the three).
 *   Sources: https://learn.microsoft.com/entra/identity-platform/v2-protocols-oidc and the live
 *   document at https://login.microsoftonline.com/common/v2.0/.well-known/openid-configuration.
 *   The RFC 8414 path-inserted URLs the MCP SDK tries first
 *   (`/.well-known/oauth-authorization-server/<tenant>/v2.0`,
 *   `/.well-known/openid-configuration/<tenant>/v2.0`) answer 404 by default, as Entra's do
 *   (microsoft/powerbi-modeling-mcp#68 shows VS Code's trace: "Failed to fetch authorization server
 *   metadata from https://login.microsoftonline.com/.well-known/oauth-authorization-server/organizations/v2.0: 404";
 *   see also microsoft/vscode#278300); `pathInsertedDiscovery: true` serves them too.
 * - **Scopes name their resource.** A scope is `<resource identifier>/<scope name>`; the resource
 *   identifier is one of the API app's `identifierUris` (or its client id). A scope without one is
 *   a Microsoft Graph scope ("if the resource identifier is omitted in the scope parameter, the
 *   resource is assumed to be Microsoft Graph", https://learn.microsoft.com/entra/identity-platform/scopes-oidc).
 *   `openid`, `profile`, `email` and `offline_access` are OpenID scopes of no resource; a refresh
 *   token is issued only when `offline_access` is asked for
 *   (https://learn.microsoft.com/entra/identity-platform/v2-oauth2-auth-code-flow).
 * - **RFC 8707 `resource` must agree with the scopes.** When a request carries `resource`, Entra
 *   resolves it against the identifier URIs of the app the scopes belong to, and refuses the request
 *   with `invalid_target` and `AADSTS9010010: The resource parameter provided in the request doesn't
 *   match with the requested scopes.` unless it is one of them: at the authorization endpoint (a
 *   redirect with the error) and at the token endpoint (400). Sources: microsoft/vscode#321249
 *   (resource = the MCP endpoint URL, scopes `api://<app>/user_impersonation`: refused);
 *   microsoft/azure-devops-mcp#1601 (a `resource` that is an identifier URI of the scopes' app works,
 *   one that is not is refused); anthropics/claude-ai-mcp#977 (short scope names, which Entra takes
 *   for Graph's, with a `resource`: refused the same way).
 * - **Identifier URIs.** An https identifier URI must be on one of the tenant's verified domains
 *   (https://learn.microsoft.com/entra/identity-platform/identifier-uri-restrictions), which
 *   `*.azurewebsites.net` never is. This fake takes whatever `identifierUris` a test gives it (an
 *   http loopback URL included), standing in for a custom domain the tenant verified.
 * - **Pre-registered public clients.** `clientIds` (default: VS Code's,
 *   {@link VS_CODE_CLIENT_ID}); an unknown client is refused without a redirect (AADSTS700016), as is
 *   a redirect URI the client did not register (AADSTS50011). Loopback redirect URIs match whatever
 *   their port (the "localhost exceptions" of https://learn.microsoft.com/entra/identity-platform/reply-url:
 *   a native client's loopback redirect URI is registered without a port). A public client
 *   presenting a secret is refused (AADSTS700025). PKCE with S256 is required here (Entra requires it
 *   of single-page apps and recommends it for all; OAuth 2.1 and the MCP spec require it).
 * - **Access tokens** (https://learn.microsoft.com/entra/identity-platform/access-token-claims-reference):
 *   v2 (the app's `api.requestedAccessTokenVersion: 2`, the default here): `aud` is the API app's
 *   client id whichever identifier URI the scopes used, `iss` `<origin>/<tenant>/v2.0`, `azp` the
 *   client, `ver: "2.0"`. v1 (`accessTokenVersion: 1`; Entra's default when the manifest leaves the
 *   version null): `aud` is the identifier the scopes named, `iss` `https://sts.windows.net/<tenant>/`,
 *   `appid` the client, `ver: "1.0"`. Both carry `tid`, `oid`, `sub` and `scp` (scope names without
 *   the resource prefix, space-separated; `.default` grants every scope of the app).
 *
 * Error codes other than AADSTS9010010 (which tests match) are the closest AADSTS codes known for
 * each case, not verified one by one against Entra.
 *
 * Every authorization and token request is recorded with its outcome, and every metadata lookup by
 * path, in order, for tests to compare with what they expect.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { JWTPayload } from 'jose';
import { json, makeKey, nowSeconds, signToken, startServer, type TestKey, type TestServer } from './issuers.js';

/** VS Code's client id, which Entra tenants pre-authorize for their MCP servers' APIs. */
export const VS_CODE_CLIENT_ID = 'aebc6443-996d-45c2-90f0-388ff96faa56';
/** The tenant the fake serves when the options name none. */
export const DEFAULT_TENANT = '8f7e6d5c-4b3a-4291-8e7d-6c5b4a392817';
/** Microsoft Graph: the resource of a scope that names none. */
export const GRAPH_RESOURCE = 'https://graph.microsoft.com';
/** Exactly what Entra says when `resource` and the scopes name different apps (or no identifier URI). */
export const AADSTS9010010 =
  "AADSTS9010010: The resource parameter provided in the request doesn't match with the requested scopes.";

const OIDC_SCOPES = new Set(['openid', 'profile', 'email', 'offline_access']);
const CODE_SECONDS = 600;
const ACCESS_TOKEN_SECONDS = 3599;

/** The API app registration (the MCP server's): what its scopes and identifier URIs are. */
export interface EntraApiApp {
  /** The app (client) id: `aud` of its v2 tokens. */
  clientId: string;
  /** Its identifier URIs ("Application ID URI"s), e.g. `api://<clientId>` and endpoint URLs on a custom domain. */
  identifierUris: string[];
  /** The names of the scopes it exposes, e.g. `user_impersonation`. */
  scopes: string[];
}

export interface EntraUser {
  oid: string;
  name: string;
  preferredUsername: string;
}

export interface EntraAuthorizationServerOptions {
  api: EntraApiApp;
  /** Pre-registered public clients (default: VS Code's). */
  clientIds?: string[];
  /** Redirect URIs every client registered (default: `http://127.0.0.1/oauth/callback`; loopback ports are ignored). */
  redirectUris?: string[];
  /** Tenants served (default: {@link DEFAULT_TENANT}). */
  tenants?: string[];
  /** The app's access token version (default 2); can be changed later on the returned object. */
  accessTokenVersion?: 1 | 2;
  /** Also serve the RFC 8414 path-inserted metadata URLs, which Entra does not (default false). */
  pathInsertedDiscovery?: boolean;
  /** The user every authorization request is approved for. */
  user?: EntraUser;
}

export interface EntraAuthorizationRecord {
  tenant: string;
  clientId: string;
  redirectUri: string;
  scope?: string;
  resource?: string;
  codeChallengeMethod?: string;
  /** `code` when a code was issued, else the error code sent back. */
  outcome: string;
  errorDescription?: string;
}

export interface EntraTokenRecord {
  tenant: string;
  grantType: string;
  clientId: string;
  scope?: string;
  resource?: string;
  /** `issued`, else the error code answered. */
  outcome: string;
  errorDescription?: string;
}

export interface EntraAuthorizationServer {
  server: TestServer;
  /** `http://127.0.0.1:PORT`: the adapter's MCP_ADAPTER_AUTHORITY_HOST. */
  authorityHost: string;
  tenants: string[];
  api: EntraApiApp;
  user: EntraUser;
  key: TestKey;
  /** The v2 issuer (and authorization server URL) of a tenant: `<origin>/<tenant>/v2.0`. */
  issuer(tenant?: string): string;
  /** The version of the access tokens issued from now on. */
  accessTokenVersion: 1 | 2;
  authorizationRequests: EntraAuthorizationRecord[];
  tokenRequests: EntraTokenRecord[];
  /** Paths of every `.well-known` request, in order, with the status answered. */
  metadataRequests: Array<{ path: string; status: number }>;
  close(): Promise<void>;
}

/** An Entra error: `error`, and `error_description` starting with its AADSTS code. */
class EntraError extends Error {
  constructor(
    readonly code: string,
    readonly aadsts: number,
    description: string,
    readonly status = 400,
  ) {
    super(`AADSTS${aadsts}: ${description}`);
  }
}

function fail(code: string, aadsts: number, description: string, status = 400): never {
  throw new EntraError(code, aadsts, description, status);
}

/** Entra appends these to every error description. */
function traced(description: string): string {
  return `${description} Trace ID: ${randomUUID()} Correlation ID: ${randomUUID()} Timestamp: ${new Date().toISOString().replace('T', ' ').slice(0, 19)}Z`;
}

interface ResolvedScopes {
  /** `<identifier>/<name>` as asked, of the API app only. */
  qualified: string[];
  /** The identifiers the app scopes named (as asked). */
  identifiers: string[];
  /** Scope names granted (for `scp`). */
  names: string[];
  offlineAccess: boolean;
}

interface CodeGrant {
  tenant: string;
  clientId: string;
  redirectUri: string;
  codeChallenge: string;
  scopes: ResolvedScopes;
  expiresAt: number;
}

interface RefreshGrant {
  tenant: string;
  clientId: string;
  scopes: ResolvedScopes;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Entra ignores the port of loopback redirect URIs (and http is allowed only for loopback). */
function redirectMatches(registered: string, asked: string): boolean {
  let a: URL;
  let b: URL;
  try {
    a = new URL(registered);
    b = new URL(asked);
  } catch {
    return false;
  }
  const loopback = (url: URL) =>
    url.hostname === '127.0.0.1' || url.hostname === 'localhost' || url.hostname === '[::1]';
  if (loopback(a) && loopback(b))
    return a.protocol === b.protocol && a.hostname === b.hostname && a.pathname === b.pathname && a.search === b.search;
  return registered === asked;
}

/**
 * Starts the Entra-profile authorization server. Endpoints, per tenant `T` of `tenants`:
 *
 * - `GET /T/v2.0/.well-known/openid-configuration`: the tenant's metadata (see the module comment).
 * - `GET /T/discovery/v2.0/keys`: the JWKS.
 * - `GET /T/oauth2/v2.0/authorize`: approves at once for the user and answers 302 to the
 *   redirect URI with `code` and `state` (no `iss`: Entra does not send RFC 9207's). Refused
 *   without a redirect (400): unknown client (AADSTS700016), unregistered redirect URI (AADSTS50011).
 *   Refused with a redirect (`error`, `error_description`, `state`): `response_type` other than
 *   `code`; no `scope` (AADSTS900144); PKCE missing or not S256; a `resource` that is not an
 *   identifier URI of the scopes' app (`invalid_target`, {@link AADSTS9010010}); a scope of no
 *   known resource (`invalid_resource`, AADSTS500011), of Graph or with a name the app does not
 *   expose (`invalid_scope`, AADSTS65005), or no scope of the API app at all (`invalid_scope`,
 *   AADSTS70011: this fake issues tokens for its API app only).
 * - `POST /T/oauth2/v2.0/token`: public clients (`client_id` in the body, no secret); grants
 *   `authorization_code` (the code's client and redirect URI, the PKCE verifier: AADSTS501481
 *   otherwise; `scope` optional, at most the code's) and `refresh_token` (`scope` optional, the
 *   grant's when absent; a new refresh token each time, the old one staying valid as Entra's do).
 *   `resource` is checked as at the authorization endpoint (400 `invalid_target`). Errors carry
 *   `error`, `error_description`, `error_codes`, `trace_id`, `correlation_id` as Entra's do.
 */
export async function startEntraAuthorizationServer(
  options: EntraAuthorizationServerOptions,
): Promise<EntraAuthorizationServer> {
  const tenants = options.tenants ?? [DEFAULT_TENANT];
  const clientIds = new Set(options.clientIds ?? [VS_CODE_CLIENT_ID]);
  const redirectUris = options.redirectUris ?? ['http://127.0.0.1/oauth/callback'];
  const api = options.api;
  const user: EntraUser = options.user ?? {
    oid: '0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9',
    name: 'Ada Lovelace',
    preferredUsername: 'ada@contoso.example',
  };
  const key = await makeKey('RS256');
  const codes = new Map<string, CodeGrant>();
  const refreshTokens = new Map<string, RefreshGrant>();
  let origin = '';
  const issuer = (tenant = tenants[0]!) => `${origin}/${tenant}/v2.0`;
  /** Whether `identifier` names the API app: one of its identifier URIs, or its client id (GUID). */
  const isApp = (identifier: string) =>
    api.identifierUris.some((uri) => uri.replace(/\/+$/, '') === identifier.replace(/\/+$/, '')) ||
    identifier.toLowerCase() === api.clientId.toLowerCase();

  /**
   * Resolves `scope` (and `resource`) as Entra does. The `resource` check comes first: a request
   * whose short scope names (Graph's) or app scopes do not belong to the app `resource` names is
   * invalid_target (anthropics/claude-ai-mcp#977 saw AADSTS9010010 for short names with a resource).
   */
  function resolveScopes(scope: string | null, resource: string | undefined): ResolvedScopes {
    if (!scope?.trim())
      fail('invalid_request', 900144, "The request body must contain the following parameter: 'scope'.");
    const resolved: ResolvedScopes = { qualified: [], identifiers: [], names: [], offlineAccess: false };
    const foreign: string[] = [];
    for (const item of scope.split(/\s+/).filter(Boolean)) {
      if (OIDC_SCOPES.has(item)) {
        if (item === 'offline_access') resolved.offlineAccess = true;
        continue;
      }
      const slash = item.lastIndexOf('/');
      const identifier = slash < 0 ? GRAPH_RESOURCE : item.slice(0, slash);
      const name = slash < 0 ? item : item.slice(slash + 1);
      if (!isApp(identifier)) {
        foreign.push(identifier);
        continue;
      }
      resolved.qualified.push(item);
      resolved.identifiers.push(identifier);
      if (name === '.default') resolved.names.push(...api.scopes);
      else resolved.names.push(name);
    }
    if (resource !== undefined && (!isApp(resource) || foreign.length > 0 || resolved.qualified.length === 0))
      fail('invalid_target', 9010010, AADSTS9010010.slice('AADSTS9010010: '.length));
    const [firstForeign] = foreign;
    if (firstForeign === GRAPH_RESOURCE) {
      const name = scope.split(/\s+/).find((item) => !item.includes('/') && !OIDC_SCOPES.has(item));
      fail(
        'invalid_scope',
        65005,
        `The application asked for scope '${name}' that doesn't exist on the resource '00000003-0000-0000-c000-000000000000'.`,
      );
    }
    if (firstForeign !== undefined)
      fail('invalid_resource', 500011, `The resource principal named ${firstForeign} was not found in the tenant.`);
    if (resolved.qualified.length === 0)
      fail(
        'invalid_scope',
        70011,
        "The provided value for the input parameter 'scope' is not valid (this fake issues tokens for its API app only).",
      );
    const unknown = resolved.names.find((name) => !api.scopes.includes(name));
    if (unknown !== undefined)
      fail(
        'invalid_scope',
        65005,
        `The application asked for scope '${unknown}' that doesn't exist on the resource '${api.clientId}'.`,
      );
    resolved.names = [...new Set(resolved.names)];
    return resolved;
  }

  function resourceOf(values: string[]): string | undefined {
    if (values.length === 0) return undefined;
    if (values.length > 1) fail('invalid_target', 9010010, AADSTS9010010.slice('AADSTS9010010: '.length));
    return values[0];
  }

  async function accessToken(tenant: string, clientId: string, scopes: ResolvedScopes): Promise<string> {
    const v1 = fake.accessTokenVersion === 1;
    const now = nowSeconds();
    // A v1 token's audience is the identifier the client asked for (the first one, as Entra issues for one resource).
    const claims: JWTPayload = v1
      ? {
          iss: `https://sts.windows.net/${tenant}/`,
          aud: scopes.identifiers[0],
          appid: clientId,
          ver: '1.0',
          upn: user.preferredUsername,
        }
      : {
          iss: issuer(tenant),
          aud: api.clientId,
          azp: clientId,
          azpacr: '0',
          ver: '2.0',
          preferred_username: user.preferredUsername,
        };
    return signToken(
      {
        ...claims,
        tid: tenant,
        oid: user.oid,
        // A pairwise subject: the same user has another `sub` in every app.
        sub: createHash('sha256').update(`${user.oid}|${api.clientId}`).digest('base64url').slice(0, 43),
        name: user.name,
        scp: scopes.names.join(' '),
        iat: now,
        nbf: now,
        exp: now + ACCESS_TOKEN_SECONDS,
        uti: randomBytes(16).toString('base64url'),
      },
      { key },
    );
  }

  async function issue(tenant: string, clientId: string, scopes: ResolvedScopes): Promise<Record<string, unknown>> {
    const body: Record<string, unknown> = {
      token_type: 'Bearer',
      scope: scopes.qualified.join(' '),
      expires_in: ACCESS_TOKEN_SECONDS,
      ext_expires_in: ACCESS_TOKEN_SECONDS,
      access_token: await accessToken(tenant, clientId, scopes),
    };
    if (scopes.offlineAccess) {
      const refreshToken = `rt-${randomBytes(32).toString('base64url')}`;
      refreshTokens.set(refreshToken, { tenant, clientId, scopes });
      body.refresh_token = refreshToken;
    }
    return body;
  }

  function metadata(tenant: string): Record<string, unknown> {
    const base = `${origin}/${tenant}`;
    return {
      token_endpoint: `${base}/oauth2/v2.0/token`,
      token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
      jwks_uri: `${base}/discovery/v2.0/keys`,
      response_modes_supported: ['query', 'fragment', 'form_post'],
      subject_types_supported: ['pairwise'],
      id_token_signing_alg_values_supported: ['RS256'],
      response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
      scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
      issuer: issuer(tenant),
      request_uri_parameter_supported: false,
      userinfo_endpoint: 'https://graph.microsoft.com/oidc/userinfo',
      authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
      device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode`,
      http_logout_supported: true,
      frontchannel_logout_supported: true,
      end_session_endpoint: `${base}/oauth2/v2.0/logout`,
      claims_supported: [
        'sub',
        'iss',
        'aud',
        'exp',
        'iat',
        'auth_time',
        'acr',
        'nonce',
        'preferred_username',
        'name',
        'tid',
        'ver',
        'at_hash',
        'c_hash',
        'email',
      ],
      tenant_region_scope: 'EU',
      cloud_instance_name: 'microsoftonline.com',
    };
  }

  function authorize(tenant: string, url: URL): { status: number; location?: string; body?: unknown } {
    const query = url.searchParams;
    const clientId = query.get('client_id') ?? '';
    const redirectUri = query.get('redirect_uri') ?? '';
    const resources = query.getAll('resource');
    const record: EntraAuthorizationRecord = {
      tenant,
      clientId,
      redirectUri,
      ...(query.has('scope') && { scope: query.get('scope')! }),
      ...(resources.length > 0 && { resource: resources.join(' ') }),
      ...(query.has('code_challenge_method') && { codeChallengeMethod: query.get('code_challenge_method')! }),
      outcome: 'code',
    };
    fake.authorizationRequests.push(record);
    // Entra shows these on its own page; it never redirects to an unregistered URI.
    if (!clientIds.has(clientId)) {
      record.outcome = 'unauthorized_client';
      return {
        status: 400,
        body: {
          error: 'unauthorized_client',
          error_description: traced(
            `AADSTS700016: Application with identifier '${clientId}' was not found in the directory.`,
          ),
        },
      };
    }
    if (!redirectUris.some((registered) => redirectMatches(registered, redirectUri))) {
      record.outcome = 'invalid_request';
      return {
        status: 400,
        body: {
          error: 'invalid_request',
          error_description: traced(
            `AADSTS50011: The redirect URI '${redirectUri}' specified in the request does not match the redirect URIs configured for the application '${clientId}'.`,
          ),
        },
      };
    }
    const back = new URL(redirectUri);
    const state = query.get('state');
    const answer = (params: Record<string, string>) => {
      for (const [name, value] of Object.entries(params)) back.searchParams.set(name, value);
      if (state !== null) back.searchParams.set('state', state);
      return { status: 302, location: back.href };
    };
    try {
      if (query.get('response_type') !== 'code')
        fail('unsupported_response_type', 700054, "response_type 'code' is required here.");
      const scopes = resolveScopes(query.get('scope'), resourceOf(resources));
      const challenge = query.get('code_challenge') ?? '';
      if (query.get('code_challenge_method') !== 'S256' || !/^[A-Za-z0-9_-]{43}$/.test(challenge))
        fail('invalid_request', 50148, 'PKCE with code_challenge_method S256 is required.');
      const code = `code-${randomBytes(32).toString('base64url')}`;
      codes.set(code, {
        tenant,
        clientId,
        redirectUri,
        codeChallenge: challenge,
        scopes,
        expiresAt: nowSeconds() + CODE_SECONDS,
      });
      return answer({ code });
    } catch (error) {
      if (!(error instanceof EntraError)) throw error;
      record.outcome = error.code;
      record.errorDescription = error.message;
      return answer({ error: error.code, error_description: traced(error.message) });
    }
  }

  async function token(tenant: string, request: IncomingMessage, body: string): Promise<Record<string, unknown>> {
    const form = new URLSearchParams(body);
    const grantType = form.get('grant_type') ?? '';
    const clientId = form.get('client_id') ?? '';
    const resources = form.getAll('resource');
    const record: EntraTokenRecord = {
      tenant,
      grantType,
      clientId,
      ...(form.has('scope') && { scope: form.get('scope')! }),
      ...(resources.length > 0 && { resource: resources.join(' ') }),
      outcome: 'issued',
    };
    fake.tokenRequests.push(record);
    try {
      if (!(request.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded'))
        fail('invalid_request', 900144, "The request body must contain the following parameter: 'grant_type'.");
      if (!clientIds.has(clientId))
        fail(
          'unauthorized_client',
          700016,
          `Application with identifier '${clientId}' was not found in the directory.`,
        );
      if (form.has('client_secret') || form.has('client_assertion') || request.headers.authorization)
        fail(
          'invalid_client',
          700025,
          "Client is public so neither 'client_assertion' nor 'client_secret' should be presented.",
          401,
        );
      const resource = resourceOf(resources);
      if (grantType === 'authorization_code') {
        const code = form.get('code') ?? '';
        const grant = codes.get(code);
        codes.delete(code);
        if (!grant || grant.expiresAt < nowSeconds() || grant.tenant !== tenant)
          fail(
            'invalid_grant',
            70008,
            'The provided authorization code or refresh token has expired or was already used.',
          );
        if (grant.clientId !== clientId) fail('invalid_grant', 70000, 'The code was issued to another client.');
        if (form.get('redirect_uri') !== grant.redirectUri)
          fail('invalid_grant', 70000, 'redirect_uri differs from the authorization request.');
        const verifier = form.get('code_verifier') ?? '';
        if (createHash('sha256').update(verifier).digest('base64url') !== grant.codeChallenge)
          fail(
            'invalid_grant',
            501481,
            'The Code_Verifier does not match the code_challenge supplied in the authorization request.',
          );
        const scopes = form.has('scope') ? resolveScopes(form.get('scope'), resource) : grant.scopes;
        if (!form.has('scope') && resource !== undefined) resolveScopes(grant.scopes.qualified.join(' '), resource);
        if (scopes.names.some((name) => !grant.scopes.names.includes(name)))
          fail('invalid_grant', 70000, 'The scopes of the token request exceed those of the authorization request.');
        return await issue(tenant, clientId, { ...scopes, offlineAccess: grant.scopes.offlineAccess });
      }
      if (grantType === 'refresh_token') {
        const grant = refreshTokens.get(form.get('refresh_token') ?? '');
        if (!grant || grant.clientId !== clientId || grant.tenant !== tenant)
          fail('invalid_grant', 9002313, 'Invalid request. Request is malformed or invalid.');
        const scopes = form.has('scope')
          ? resolveScopes(form.get('scope'), resource)
          : resolveScopes(
              [...grant.scopes.qualified, ...(grant.scopes.offlineAccess ? ['offline_access'] : [])].join(' '),
              resource,
            );
        return await issue(tenant, clientId, { ...scopes, offlineAccess: true });
      }
      fail('unsupported_grant_type', 70003, `The app requested an unsupported grant type '${grantType}'.`);
    } catch (error) {
      if (!(error instanceof EntraError)) throw error;
      record.outcome = error.code;
      record.errorDescription = error.message;
      throw error;
    }
  }

  const noStore = { 'cache-control': 'no-store', pragma: 'no-cache' };
  const handle = async (request: IncomingMessage, response: ServerResponse, body: string) => {
    const url = new URL(request.url ?? '/', 'http://x');
    const path = url.pathname;
    const segments = path.split('/').filter(Boolean);
    const knownTenant = (tenant: string | undefined) => tenant !== undefined && tenants.includes(tenant);
    if (path.includes('/.well-known/')) {
      const tenantFirst = /^\/([^/]+)\/v2\.0\/\.well-known\/openid-configuration$/.exec(path)?.[1];
      const inserted = /^\/\.well-known\/(?:oauth-authorization-server|openid-configuration)\/([^/]+)\/v2\.0$/.exec(
        path,
      )?.[1];
      const tenant = tenantFirst ?? (options.pathInsertedDiscovery ? inserted : undefined);
      if (request.method === 'GET' && knownTenant(tenant)) {
        fake.metadataRequests.push({ path, status: 200 });
        return json(response, 200, metadata(tenant!));
      }
      if (tenant !== undefined && !knownTenant(tenant) && GUID.test(tenant)) {
        fake.metadataRequests.push({ path, status: 400 });
        return json(response, 400, {
          error: 'invalid_tenant',
          error_description: traced(`AADSTS90002: Tenant '${tenant}' not found.`),
        });
      }
      fake.metadataRequests.push({ path, status: 404 });
      response.writeHead(404);
      return response.end();
    }
    const [tenant, ...rest] = segments;
    const route = rest.join('/');
    if (!knownTenant(tenant)) return json(response, 404, { error: 'not_found' });
    if (request.method === 'GET' && route === 'discovery/v2.0/keys')
      return json(response, 200, { keys: [key.publicJwk] });
    if (request.method === 'GET' && route === 'oauth2/v2.0/authorize') {
      const answer = authorize(tenant!, url);
      if (answer.location) {
        response.writeHead(answer.status, { location: answer.location, ...noStore });
        return response.end();
      }
      return json(response, answer.status, answer.body, noStore);
    }
    if (request.method === 'POST' && route === 'oauth2/v2.0/token') {
      try {
        return json(response, 200, await token(tenant!, request, body), noStore);
      } catch (error) {
        if (!(error instanceof EntraError)) throw error;
        return json(
          response,
          error.status,
          {
            error: error.code,
            error_description: traced(error.message),
            error_codes: [error.aadsts],
            timestamp: new Date().toISOString(),
            trace_id: randomUUID(),
            correlation_id: randomUUID(),
          },
          noStore,
        );
      }
    }
    json(response, 404, { error: 'not_found' });
  };

  const server = await startServer(handle);
  origin = server.origin;
  const fake: EntraAuthorizationServer = {
    server,
    authorityHost: origin,
    tenants,
    api,
    user,
    key,
    issuer,
    accessTokenVersion: options.accessTokenVersion ?? 2,
    authorizationRequests: [],
    tokenRequests: [],
    metadataRequests: [],
    close: () => server.close(),
  };
  return fake;
}
