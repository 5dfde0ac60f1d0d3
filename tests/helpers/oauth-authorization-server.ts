/**
 * An OAuth 2.1 authorization server on 127.0.0.1 for MCP clients' own OAuth flows: RFC 8414
 * metadata (also served as OpenID Connect discovery), a JWKS, an authorization endpoint that
 * approves at once (no user interaction: it answers 302 to the client's redirect URI), a token
 * endpoint (authorization code with PKCE, rotating refresh tokens, client credentials), RFC 7591
 * dynamic client registration, and Client ID Metadata Documents (an https `client_id` whose
 * document the server fetches). RFC 8707 `resource` becomes the access token's `aud`, so a
 * resource server checking `aud` against its own URL proves the client asked for the right one.
 * Everything a client asks is recorded, in order, for tests to compare with what they expect.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { JWTPayload } from 'jose';
import { createTestCertificateAuthority, type TestCertificateAuthority } from '../auth/helpers/entra-test-ca.js';
import { json, makeKey, nowSeconds, signToken, startServer, type TestServer } from '../auth/helpers/issuers.js';

export interface AuthorizationServerOptions {
  /** Serve over HTTPS with a fresh test CA (see tests/auth/helpers/entra-test-ca.ts); `caPem` is then set. Default false (http on 127.0.0.1). */
  https?: boolean;
  /** Access token lifetime in seconds (default 600); short values let tests prove refresh. */
  accessTokenSeconds?: number;
  /** Offer RFC 7591 dynamic registration at /register (default true). */
  dynamicRegistration?: boolean;
  /** Advertise and accept Client ID Metadata Documents (client_id is an https URL the server fetches) (default true). */
  clientIdMetadataDocuments?: boolean;
  /**
   * Seconds added to this server's clock when it stamps `iat` and `exp` (default 0). A clock
   * running behind (negative) lets a test see a token expire past a resource server's clock
   * tolerance (RFC 7519 section 4.1.4 allows "some small leeway") within seconds.
   */
  clockOffsetSeconds?: number;
}

export interface FakeAuthorizationServer {
  issuer: string; // e.g. http://127.0.0.1:PORT (or https://127.0.0.1:PORT)
  caPem?: string; // PEM of the test CA when https
  /** Path of the test CA's PEM file when https, for NODE_EXTRA_CA_CERTS (or a client's own trust setting). */
  caPath?: string;
  /** When https: a certificate for 127.0.0.1 and localhost from the same CA, for other servers this one must trust (a client's metadata document). */
  tls?: { cert: string; key: string };
  /** Pre-registered confidential client for client_credentials (client_secret_basic and client_secret_post). */
  clientCredentials: { clientId: string; clientSecret: string };
  /** Every token request, in order: grant_type, client_id, resource, scope. */
  tokenRequests: Array<{ grantType: string; clientId: string; resource?: string; scope?: string }>;
  authorizationRequests: Array<{
    clientId: string;
    resource?: string;
    codeChallengeMethod?: string;
    redirectUri: string;
  }>;
  registrations: number;
  jwksFetches: number;
  /** Every fetch of a Client ID Metadata Document, by URL, in order. */
  clientMetadataFetches: string[];
  /** The user every authorization request is approved for: the `sub` of tokens of user grants. */
  user: string;
  server: TestServer;
  /** Sign an access token directly (aud = resource). */
  token(aud: string, claims?: Record<string, unknown>): Promise<string>;
  close(): Promise<void>;
}

/** The resource owner who "approves" every authorization request. */
export const RESOURCE_OWNER = 'user-ada';

/** How long an authorization code lives: RFC 6749 section 4.1.2 recommends at most 10 minutes. */
const CODE_SECONDS = 60;
/** Largest Client ID Metadata Document accepted (CIMD draft section 6.6 suggests 5 kilobytes). */
const MAX_CLIENT_METADATA_BYTES = 5 * 1024;
const AUTH_METHODS = ['client_secret_basic', 'client_secret_post', 'none'];
const GRANT_TYPES = ['authorization_code', 'refresh_token', 'client_credentials'];

interface RegisteredClient {
  clientId: string;
  /** Set for confidential clients; public clients (`none`) have none. */
  clientSecret?: string;
  redirectUris: string[];
  grantTypes: string[];
}

interface CodeGrant {
  clientId: string;
  redirectUri: string;
  codeChallenge: string;
  resource?: string;
  scope?: string;
  expiresAt: number;
}

interface RefreshGrant {
  clientId: string;
  resource: string;
  scope?: string;
}

/** An RFC 6749 section 5.2 error (also used for RFC 7591 section 3.2.2 and RFC 8707 section 2 errors). */
class OAuthFailure extends Error {
  constructor(
    readonly code: string,
    description: string,
    readonly status = 400,
  ) {
    super(description);
  }
}

function fail(code: string, description: string, status = 400): never {
  throw new OAuthFailure(code, description, status);
}

function base64url(buffer: Buffer): string {
  return buffer.toString('base64url');
}

/** Decodes one `application/x-www-form-urlencoded` value (RFC 6749 section 2.3.1 encodes Basic credentials so). */
function decodeForm(value: string): string {
  try {
    return decodeURIComponent(value.replace(/\+/g, ' '));
  } catch {
    fail('invalid_request', 'malformed client credentials');
  }
}

/** RFC 8707 section 2: an absolute URI without a fragment. Returns the one `resource`, if any. */
function resourceOf(values: string[]): string | undefined {
  if (values.length === 0) return undefined;
  // RFC 8707 allows several; this server issues tokens for one audience only.
  if (values.length > 1) fail('invalid_target', 'one resource per request');
  const [value] = values as [string];
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    fail('invalid_target', 'resource must be an absolute URI');
  }
  if (url.hash || value.includes('#')) fail('invalid_target', 'resource must not have a fragment');
  return value;
}

/** RFC 7591 section 2 / RFC 6749 section 3.1.2: redirect URIs are absolute and have no fragment. */
function checkRedirectUris(value: unknown): string[] {
  if (!Array.isArray(value) || value.some((uri) => typeof uri !== 'string'))
    fail('invalid_redirect_uri', 'redirect_uris must be an array of strings');
  for (const uri of value as string[]) {
    let url: URL;
    try {
      url = new URL(uri);
    } catch {
      fail('invalid_redirect_uri', `not an absolute URI: ${uri}`);
    }
    if (url.hash || uri.includes('#')) fail('invalid_redirect_uri', `a redirect URI has no fragment: ${uri}`);
  }
  return value as string[];
}

/** CIMD draft section 3: an https URL with a path, no dot segments, no fragment, no user info. */
function isClientIdUrl(value: string): boolean {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  const rawPath = value.replace(/^https:\/\/[^/]*/, '').split(/[?#]/)[0] ?? '';
  return (
    url.protocol === 'https:' &&
    url.pathname !== '/' &&
    !rawPath.split('/').some((segment) => segment === '.' || segment === '..') &&
    !value.includes('#') &&
    !url.username &&
    !url.password
  );
}

/**
 * A `fetch` for Node that trusts `caPem` for https URLs (node:https with a `ca`; Node's own fetch
 * takes no CA without the undici package) and uses the global fetch for anything else. It never
 * follows redirects, whatever `redirect` says: a 3xx is returned as it is.
 */
export function fetchTrusting(caPem: string): typeof fetch {
  const agent = new HttpsAgent({ ca: caPem });
  return (async (input: string | URL | Request, init?: RequestInit) => {
    const request = new Request(input, init);
    const url = new URL(request.url);
    if (url.protocol !== 'https:') return fetch(input, init);
    const body = request.body ? Buffer.from(await request.arrayBuffer()) : undefined;
    const headers: Record<string, string> = {};
    request.headers.forEach((value, name) => {
      headers[name] = value;
    });
    return new Promise<Response>((resolve, reject) => {
      const outgoing = httpsRequest(url, { method: request.method, headers, agent, signal: request.signal }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const status = res.statusCode ?? 502;
          const responseHeaders = new Headers();
          for (const [name, value] of Object.entries(res.headers)) {
            if (Array.isArray(value)) for (const item of value) responseHeaders.append(name, item);
            else if (value !== undefined) responseHeaders.set(name, value);
          }
          const nullBody = [101, 204, 205, 304].includes(status) || request.method === 'HEAD';
          resolve(
            new Response(nullBody ? null : Buffer.concat(chunks), {
              status,
              statusText: res.statusMessage,
              headers: responseHeaders,
            }),
          );
        });
      });
      outgoing.on('error', reject);
      outgoing.end(body);
    });
  }) as typeof fetch;
}

/**
 * Starts the authorization server. Its behaviour, by endpoint:
 *
 * - `/.well-known/oauth-authorization-server` (RFC 8414 section 3) and
 *   `/.well-known/openid-configuration` (OpenID Connect Discovery 1.0 section 4): the same
 *   metadata, with `code_challenge_methods_supported: ["S256"]`,
 *   `authorization_response_iss_parameter_supported: true` (RFC 9207 section 3),
 *   `registration_endpoint` when dynamic registration is on, and
 *   `client_id_metadata_document_supported` (CIMD draft section 5).
 * - `/jwks`: the signing key (RFC 7517), counted in `jwksFetches`.
 * - `/authorize` (RFC 6749 section 4.1.1): approves at once for {@link RESOURCE_OWNER} and answers
 *   302 to the redirect URI with `code`, `state` and `iss` (RFC 9207 section 2). PKCE with S256 is
 *   required (RFC 7636 section 4.3; OAuth 2.1). An unknown client or a redirect URI it did not
 *   register is answered 400 without redirecting (RFC 6749 section 4.1.2.1); other errors are
 *   redirected. `resource` (RFC 8707 section 2.1) is recorded and bound to the code.
 * - `/token` (RFC 6749 section 3.2): client authentication by `client_secret_basic` or
 *   `client_secret_post`, or a public client's `client_id` alone (section 2.3.1; failures 401
 *   `invalid_client`, section 5.2); grants `authorization_code` (the code's client and
 *   redirect_uri, and the PKCE verifier, RFC 7636 section 4.6), `refresh_token` (rotated on each
 *   use: a used refresh token is `invalid_grant`, RFC 9700 section 4.14.2), and
 *   `client_credentials` (confidential clients, section 4.4). Access tokens are JWTs (RFC 9068:
 *   `typ: at+jwt`, `iss`, `sub`, `aud`, `exp`, `iat`, `jti`, `client_id`, `scope`); `aud` is the
 *   `resource`, which every grant needs (`invalid_target` otherwise, and for a resource the grant
 *   was not for, RFC 8707 section 2.2).
 * - `/register` (RFC 7591 section 3): 201 with `client_id` and, unless the client asks for
 *   `token_endpoint_auth_method: "none"`, a `client_secret` (the default method is
 *   `client_secret_basic`, section 2).
 * - Client ID Metadata Documents: a `client_id` that is an https URL (CIMD draft section 3) is
 *   resolved by fetching it (trusting the test CA when https), at most 5 KiB, no redirects; the
 *   document's `client_id` must equal the URL (section 4.1), it may hold no secret and no
 *   shared-secret auth method (section 4.1), and the redirect URI must be one of its
 *   `redirect_uris` exactly (section 4.5). Valid documents are cached, errors never (section 4.4);
 *   a document that cannot be fetched aborts the request (section 4.3).
 */
export async function startAuthorizationServer(
  options: AuthorizationServerOptions = {},
): Promise<FakeAuthorizationServer> {
  const accessTokenSeconds = options.accessTokenSeconds ?? 600;
  const dynamicRegistration = options.dynamicRegistration ?? true;
  const metadataDocuments = options.clientIdMetadataDocuments ?? true;
  const clockOffset = options.clockOffsetSeconds ?? 0;
  const ca: TestCertificateAuthority | undefined = options.https ? createTestCertificateAuthority() : undefined;
  const outbound = ca ? fetchTrusting(ca.caPem) : fetch;
  const key = await makeKey();
  const now = () => nowSeconds() + clockOffset;

  const clientCredentials = { clientId: 'mcp-m2m-client', clientSecret: `secret-${base64url(randomBytes(12))}` };
  const clients = new Map<string, RegisteredClient>([
    [
      clientCredentials.clientId,
      {
        clientId: clientCredentials.clientId,
        clientSecret: clientCredentials.clientSecret,
        redirectUris: [],
        grantTypes: ['client_credentials'],
      },
    ],
  ]);
  const metadataDocumentCache = new Map<string, RegisteredClient>();
  const codes = new Map<string, CodeGrant>();
  const refreshTokens = new Map<string, RefreshGrant>();
  let issuer = '';

  const sign = (claims: JWTPayload) =>
    signToken(
      { iss: issuer, iat: now(), exp: now() + accessTokenSeconds, jti: base64url(randomBytes(9)), ...claims },
      {
        key,
        header: { typ: 'at+jwt' },
      },
    );

  /** Fetches and checks a Client ID Metadata Document (CIMD draft sections 4.1 and 6.6). */
  async function metadataDocumentClient(clientId: string): Promise<RegisteredClient> {
    const cached = metadataDocumentCache.get(clientId);
    if (cached) return cached;
    fake.clientMetadataFetches.push(clientId);
    let text: string;
    try {
      const response = await outbound(clientId, {
        headers: { accept: 'application/json' },
        redirect: 'manual',
        signal: AbortSignal.timeout(5000),
      });
      text = await response.text();
      if (response.status !== 200) fail('invalid_client', `client metadata document answered ${response.status}`);
    } catch (error) {
      if (error instanceof OAuthFailure) throw error;
      fail('invalid_client', `client metadata document could not be fetched: ${String(error)}`);
    }
    if (Buffer.byteLength(text) > MAX_CLIENT_METADATA_BYTES)
      fail('invalid_client', 'client metadata document too large');
    let document: Record<string, unknown>;
    try {
      document = JSON.parse(text) as Record<string, unknown>;
    } catch {
      fail('invalid_client', 'client metadata document is not JSON');
    }
    if (typeof document !== 'object' || document === null || Array.isArray(document))
      fail('invalid_client', 'client metadata document is not a JSON object');
    if (document.client_id !== clientId) fail('invalid_client', 'client metadata document names another client_id');
    if ('client_secret' in document || 'client_secret_expires_at' in document)
      fail('invalid_client', 'client metadata document holds a secret');
    const method = document.token_endpoint_auth_method ?? 'none';
    if (method !== 'none') fail('invalid_client', `token_endpoint_auth_method ${String(method)} is not supported here`);
    let redirectUris: string[];
    try {
      redirectUris = checkRedirectUris(document.redirect_uris);
    } catch (error) {
      fail('invalid_client', `client metadata document: ${(error as Error).message}`);
    }
    const grantTypes = Array.isArray(document.grant_types)
      ? (document.grant_types as string[])
      : ['authorization_code'];
    const client: RegisteredClient = { clientId, redirectUris, grantTypes };
    metadataDocumentCache.set(clientId, client);
    return client;
  }

  async function findClient(clientId: string): Promise<RegisteredClient | undefined> {
    const registered = clients.get(clientId);
    if (registered) return registered;
    if (metadataDocuments && isClientIdUrl(clientId)) return metadataDocumentClient(clientId);
    return undefined;
  }

  /** RFC 6749 section 2.3.1 (and 3.2.1): exactly one way of presenting the client. */
  async function authenticateClient(request: IncomingMessage, form: URLSearchParams): Promise<RegisteredClient> {
    const header = request.headers.authorization;
    const bodyId = form.get('client_id') ?? undefined;
    const bodySecret = form.get('client_secret') ?? undefined;
    let clientId: string;
    let secret: string | undefined;
    if (header) {
      const basic = /^Basic ([A-Za-z0-9+/=]+)$/i.exec(header);
      if (!basic?.[1]) fail('invalid_client', 'unsupported client authentication', 401);
      if (bodySecret !== undefined) fail('invalid_request', 'more than one client authentication method');
      const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon < 0) fail('invalid_client', 'malformed Basic credentials', 401);
      clientId = decodeForm(decoded.slice(0, colon));
      secret = decodeForm(decoded.slice(colon + 1));
      if (bodyId !== undefined && bodyId !== clientId) fail('invalid_request', 'client_id differs from the Basic one');
    } else if (bodyId !== undefined) {
      clientId = bodyId;
      secret = bodySecret;
    } else {
      fail('invalid_client', 'no client authentication', 401);
    }
    let client: RegisteredClient | undefined;
    try {
      client = await findClient(clientId);
    } catch (error) {
      if (error instanceof OAuthFailure) fail('invalid_client', error.message, 401);
      throw error;
    }
    if (!client) fail('invalid_client', 'unknown client', 401);
    if (client.clientSecret === undefined ? secret !== undefined : secret !== client.clientSecret)
      fail('invalid_client', 'client authentication failed', 401);
    return client;
  }

  async function issue(
    client: RegisteredClient,
    sub: string,
    resource: string,
    scope: string | undefined,
    withRefresh: boolean,
  ): Promise<Record<string, unknown>> {
    const body: Record<string, unknown> = {
      access_token: await sign({ sub, aud: resource, client_id: client.clientId, ...(scope && { scope }) }),
      token_type: 'Bearer',
      expires_in: accessTokenSeconds,
      ...(scope && { scope }),
    };
    if (withRefresh && client.grantTypes.includes('refresh_token')) {
      const refreshToken = `rt-${base64url(randomBytes(24))}`;
      refreshTokens.set(refreshToken, { clientId: client.clientId, resource, scope });
      body.refresh_token = refreshToken;
    }
    return body;
  }

  async function tokenEndpoint(request: IncomingMessage, body: string): Promise<Record<string, unknown>> {
    if (!(request.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded'))
      fail('invalid_request', 'the token endpoint takes application/x-www-form-urlencoded');
    const form = new URLSearchParams(body);
    const grantType = form.get('grant_type') ?? '';
    const basic = /^Basic (.+)$/i.exec(request.headers.authorization ?? '')?.[1];
    const basicId = basic && Buffer.from(basic, 'base64').toString('utf8').split(':')[0];
    let recordedId = form.get('client_id') ?? '';
    try {
      if (basicId !== undefined) recordedId = decodeForm(basicId);
    } catch {
      recordedId = basicId ?? '';
    }
    fake.tokenRequests.push({
      grantType,
      clientId: recordedId,
      ...(form.has('resource') && { resource: form.getAll('resource').join(' ') }),
      ...(form.has('scope') && { scope: form.get('scope')! }),
    });
    const client = await authenticateClient(request, form);
    const resource = resourceOf(form.getAll('resource'));
    const scope = form.get('scope') ?? undefined;
    if (!GRANT_TYPES.includes(grantType)) fail('unsupported_grant_type', `grant_type ${grantType} is not supported`);
    if (!client.grantTypes.includes(grantType))
      fail('unauthorized_client', `the client did not register grant_type ${grantType}`);

    if (grantType === 'authorization_code') {
      const code = form.get('code') ?? '';
      const grant = codes.get(code);
      codes.delete(code); // RFC 6749 section 4.1.2: a code is used once.
      if (!grant || grant.expiresAt < nowSeconds()) fail('invalid_grant', 'unknown, used or expired code');
      if (grant.clientId !== client.clientId) fail('invalid_grant', 'the code was issued to another client');
      if (form.get('redirect_uri') !== grant.redirectUri)
        fail('invalid_grant', 'redirect_uri differs from the authorization request');
      const verifier = form.get('code_verifier') ?? '';
      if (!/^[A-Za-z0-9\-._~]{43,128}$/.test(verifier)) fail('invalid_grant', 'code_verifier missing or malformed');
      if (base64url(createHash('sha256').update(verifier).digest()) !== grant.codeChallenge)
        fail('invalid_grant', 'code_verifier does not match the code_challenge');
      if (resource !== undefined && grant.resource !== undefined && resource !== grant.resource)
        fail('invalid_target', 'resource differs from the one authorized');
      const audience = resource ?? grant.resource;
      if (!audience) fail('invalid_target', 'a resource is required: tokens here are for one resource');
      return issue(client, RESOURCE_OWNER, audience, scope ?? grant.scope, true);
    }

    if (grantType === 'refresh_token') {
      const presented = form.get('refresh_token') ?? '';
      const grant = refreshTokens.get(presented);
      if (!grant || grant.clientId !== client.clientId) fail('invalid_grant', 'unknown, used or foreign refresh token');
      if (resource !== undefined && resource !== grant.resource)
        fail('invalid_target', 'resource differs from the one originally granted');
      const granted = new Set((grant.scope ?? '').split(' ').filter(Boolean));
      if (scope?.split(' ').some((item) => item && !granted.has(item)))
        fail('invalid_scope', 'a refresh cannot widen the scope (RFC 6749 section 6)');
      refreshTokens.delete(presented); // rotation
      return issue(client, RESOURCE_OWNER, grant.resource, scope ?? grant.scope, true);
    }

    // client_credentials (RFC 6749 section 4.4): confidential clients only.
    if (client.clientSecret === undefined)
      fail('unauthorized_client', 'client_credentials needs a confidential client');
    if (!resource) fail('invalid_target', 'a resource is required: tokens here are for one resource');
    return issue(client, client.clientId, resource, scope, false);
  }

  async function authorizationEndpoint(url: URL): Promise<{ status: number; location?: string; body?: unknown }> {
    const query = url.searchParams;
    const clientId = query.get('client_id') ?? '';
    const redirectUri = query.get('redirect_uri') ?? '';
    const resources = query.getAll('resource');
    fake.authorizationRequests.push({
      clientId,
      ...(resources.length > 0 && { resource: resources.join(' ') }),
      ...(query.has('code_challenge_method') && { codeChallengeMethod: query.get('code_challenge_method')! }),
      redirectUri,
    });
    // RFC 6749 section 4.1.2.1: with no trusted redirect URI, tell the user agent, never redirect.
    let client: RegisteredClient | undefined;
    try {
      client = await findClient(clientId);
    } catch (error) {
      if (error instanceof OAuthFailure)
        return { status: 400, body: { error: error.code, error_description: error.message } };
      throw error;
    }
    if (!client) return { status: 400, body: { error: 'invalid_client', error_description: 'unknown client' } };
    if (!client.redirectUris.includes(redirectUri))
      return { status: 400, body: { error: 'invalid_request', error_description: 'redirect_uri is not registered' } };

    const back = new URL(redirectUri);
    const state = query.get('state');
    const answer = (params: Record<string, string>) => {
      for (const [name, value] of Object.entries(params)) back.searchParams.set(name, value);
      if (state !== null) back.searchParams.set('state', state);
      back.searchParams.set('iss', issuer); // RFC 9207 section 2
      return { status: 302, location: back.href };
    };
    const error = (code: string, description: string) => answer({ error: code, error_description: description });
    if (query.get('response_type') !== 'code') return error('unsupported_response_type', 'only response_type=code');
    if (!client.grantTypes.includes('authorization_code'))
      return error('unauthorized_client', 'the client did not register authorization_code');
    const challenge = query.get('code_challenge') ?? '';
    if (query.get('code_challenge_method') !== 'S256' || !/^[A-Za-z0-9_-]{43}$/.test(challenge))
      return error('invalid_request', 'PKCE with code_challenge_method=S256 is required');
    let resource: string | undefined;
    try {
      resource = resourceOf(resources);
    } catch (failure) {
      if (failure instanceof OAuthFailure) return error(failure.code, failure.message);
      throw failure;
    }
    const code = `code-${base64url(randomBytes(24))}`;
    codes.set(code, {
      clientId: client.clientId,
      redirectUri,
      codeChallenge: challenge,
      resource,
      scope: query.get('scope') ?? undefined,
      expiresAt: nowSeconds() + CODE_SECONDS,
    });
    return answer({ code });
  }

  function registrationEndpoint(body: string): Record<string, unknown> {
    let metadata: Record<string, unknown>;
    try {
      metadata = JSON.parse(body) as Record<string, unknown>;
    } catch {
      fail('invalid_client_metadata', 'the body is not JSON');
    }
    if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata))
      fail('invalid_client_metadata', 'the body is not a JSON object');
    const method = metadata.token_endpoint_auth_method ?? 'client_secret_basic'; // RFC 7591 section 2
    if (typeof method !== 'string' || !AUTH_METHODS.includes(method))
      fail('invalid_client_metadata', `token_endpoint_auth_method ${String(method)} is not supported`);
    const grantTypes = metadata.grant_types ?? ['authorization_code']; // RFC 7591 section 2
    if (!Array.isArray(grantTypes) || grantTypes.some((grant) => !GRANT_TYPES.includes(grant as string)))
      fail('invalid_client_metadata', 'unsupported grant_types');
    const redirectUris = metadata.redirect_uris === undefined ? [] : checkRedirectUris(metadata.redirect_uris);
    if (grantTypes.includes('authorization_code') && redirectUris.length === 0)
      fail('invalid_redirect_uri', 'authorization_code needs redirect_uris');
    if (grantTypes.includes('client_credentials') && method === 'none')
      fail('invalid_client_metadata', 'client_credentials needs a confidential client');
    const clientId = `dcr-${fake.registrations + 1}-${base64url(randomBytes(6))}`;
    const clientSecret = method === 'none' ? undefined : `secret-${base64url(randomBytes(18))}`;
    clients.set(clientId, { clientId, clientSecret, redirectUris, grantTypes: grantTypes as string[] });
    fake.registrations += 1;
    return {
      ...metadata,
      client_id: clientId,
      client_id_issued_at: nowSeconds(),
      ...(clientSecret && { client_secret: clientSecret, client_secret_expires_at: 0 }),
      token_endpoint_auth_method: method,
      grant_types: grantTypes,
      redirect_uris: redirectUris,
    };
  }

  const metadata = () => ({
    issuer,
    authorization_endpoint: `${issuer}/authorize`,
    token_endpoint: `${issuer}/token`,
    jwks_uri: `${issuer}/jwks`,
    ...(dynamicRegistration && { registration_endpoint: `${issuer}/register` }),
    response_types_supported: ['code'],
    response_modes_supported: ['query'],
    grant_types_supported: GRANT_TYPES,
    token_endpoint_auth_methods_supported: AUTH_METHODS,
    code_challenge_methods_supported: ['S256'],
    authorization_response_iss_parameter_supported: true,
    client_id_metadata_document_supported: metadataDocuments,
    // OpenID Connect Discovery 1.0 section 3 requires these two.
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: [key.alg],
  });

  const noStore = { 'cache-control': 'no-store', pragma: 'no-cache' };
  const handle = async (request: IncomingMessage, response: ServerResponse, body: string) => {
    const url = new URL(request.url ?? '/', 'http://x');
    const path = url.pathname;
    if (
      request.method === 'GET' &&
      (path === '/.well-known/oauth-authorization-server' || path === '/.well-known/openid-configuration')
    )
      return json(response, 200, metadata());
    if (request.method === 'GET' && path === '/jwks') {
      fake.jwksFetches += 1;
      return json(response, 200, { keys: [key.publicJwk] });
    }
    if (request.method === 'GET' && path === '/authorize') {
      const answer = await authorizationEndpoint(url);
      if (answer.location) {
        response.writeHead(answer.status, { location: answer.location, ...noStore });
        return response.end();
      }
      return json(response, answer.status, answer.body, noStore);
    }
    if (request.method === 'POST' && path === '/token') {
      try {
        return json(response, 200, await tokenEndpoint(request, body), noStore);
      } catch (error) {
        if (!(error instanceof OAuthFailure)) throw error;
        // RFC 6749 section 5.2: 401 with a challenge when the client tried HTTP authentication.
        const challenge: Record<string, string> =
          error.status === 401 && request.headers.authorization ? { 'www-authenticate': 'Basic realm="token"' } : {};
        return json(
          response,
          error.status,
          { error: error.code, error_description: error.message },
          { ...noStore, ...challenge },
        );
      }
    }
    if (request.method === 'POST' && path === '/register' && dynamicRegistration) {
      try {
        return json(response, 201, registrationEndpoint(body), noStore);
      } catch (error) {
        if (!(error instanceof OAuthFailure)) throw error;
        return json(response, 400, { error: error.code, error_description: error.message }, noStore);
      }
    }
    json(response, 404, { error: 'not_found' });
  };

  const server = await startServer(handle, ca ? { cert: ca.serverCertPem, key: ca.serverKeyPem } : undefined);
  issuer = server.origin;
  const fake: FakeAuthorizationServer = {
    issuer,
    ...(ca && { caPem: ca.caPem, caPath: ca.caPath, tls: { cert: ca.serverCertPem, key: ca.serverKeyPem } }),
    clientCredentials,
    tokenRequests: [],
    authorizationRequests: [],
    registrations: 0,
    jwksFetches: 0,
    clientMetadataFetches: [],
    user: RESOURCE_OWNER,
    server,
    token: (aud, claims = {}) =>
      sign({ sub: clientCredentials.clientId, aud, client_id: clientCredentials.clientId, ...claims }),
    close: async () => {
      await server.close();
      ca?.dispose();
    },
  };
  return fake;
}
