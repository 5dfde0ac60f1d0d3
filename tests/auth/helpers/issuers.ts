/**
 * Real HTTP servers on 127.0.0.1 standing in for token issuers: an OIDC issuer (metadata and
 * JWKS, keys made with jose), an Entra-shaped authority (per-tenant v2 metadata, v1 and v2 token
 * shapes), and introspection / userinfo endpoints. Each counts the requests it answers.
 */
import { createServer, type IncomingMessage, type RequestListener, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { SignJWT, exportJWK, generateKeyPair, type CryptoKey, type JWK, type JWTPayload } from 'jose';

export interface TestServer {
  origin: string;
  /** Requests answered, by path. */
  hits: Map<string, number>;
  count(path: string): number;
  close(): Promise<void>;
}

type Handler = (request: IncomingMessage, response: ServerResponse, body: string) => unknown;

/** A certificate and its key (PEM), to serve HTTPS instead of HTTP (e.g. from `createTestCertificateAuthority`). */
export interface TlsIdentity {
  cert: string;
  key: string;
}

/** A server on 127.0.0.1 (an ephemeral port); HTTPS with `tls`, and then `origin` is `https://127.0.0.1:PORT`. */
export async function startServer(handler: Handler, tls?: TlsIdentity): Promise<TestServer> {
  const hits = new Map<string, number>();
  const listener: RequestListener = (request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const path = new URL(request.url ?? '/', 'http://x').pathname;
      hits.set(path, (hits.get(path) ?? 0) + 1);
      Promise.resolve(handler(request, response, Buffer.concat(chunks).toString('utf8'))).catch((error: unknown) => {
        response.statusCode = 500;
        response.end(String(error));
      });
    });
  };
  const server = tls ? createTlsServer({ cert: tls.cert, key: tls.key }, listener) : createServer(listener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `${tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    hits,
    count: (path) => hits.get(path) ?? 0,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A URL on 127.0.0.1 where nothing listens (connection refused). */
export async function deadOrigin(): Promise<string> {
  const server = await startServer(() => undefined);
  await server.close();
  return server.origin;
}

export function json(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  response.writeHead(status, { 'content-type': 'application/json', ...headers });
  response.end(JSON.stringify(body));
}

export interface TestKey {
  kid: string;
  alg: string;
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  publicJwk: JWK;
}

let keyCounter = 0;
export async function makeKey(alg = 'RS256', kid = `key-${++keyCounter}`): Promise<TestKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
  return { kid, alg, privateKey, publicKey, publicJwk };
}

export interface SignOptions {
  key: TestKey;
  /** Overrides the protected header (e.g. another kid). */
  header?: Record<string, unknown>;
}

export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

export async function signToken(claims: JWTPayload, { key, header = {} }: SignOptions): Promise<string> {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT', ...header })
    .sign(key.privateKey);
}

export interface OidcIssuer {
  server: TestServer;
  issuer: string;
  jwksUri: string;
  metadataPath: string;
  jwksPath: string;
  /** The keys the JWKS publishes (replace to rotate). */
  published: TestKey[];
  /** The first published key. */
  key: TestKey;
  /** When true, the JWKS answers 503. */
  jwksDown: boolean;
  /** When set, the metadata names this issuer instead of the real one. */
  metadataIssuer?: string;
  /** When set, the metadata answers this status. */
  metadataStatus?: number;
  /** A token with good defaults (iss, aud, sub, iat, exp in 10 minutes), overridden by `claims`. */
  token(claims?: JWTPayload, options?: Partial<SignOptions>): Promise<string>;
}

export interface OidcIssuerOptions {
  /** Issuer path, e.g. `/tenant-a` (default: none, the issuer is the origin). */
  path?: string;
  /** Where metadata is served: OIDC discovery (default) or only RFC 8414 (path-inserted). */
  discovery?: 'oidc' | 'oauth';
  alg?: string;
  audience?: string;
}

export async function startOidcIssuer(options: OidcIssuerOptions = {}): Promise<OidcIssuer> {
  const path = options.path ?? '';
  const key = await makeKey(options.alg ?? 'RS256');
  const state: Partial<OidcIssuer> & { published: TestKey[]; jwksDown: boolean } = {
    published: [key],
    jwksDown: false,
  };
  const server = await startServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://x');
    if (url.pathname === issuer.metadataPath) {
      if (issuer.metadataStatus) return json(response, issuer.metadataStatus, { error: 'unavailable' });
      return json(response, 200, {
        issuer: issuer.metadataIssuer ?? issuer.issuer,
        jwks_uri: issuer.jwksUri,
        token_endpoint: `${issuer.issuer}/token`,
      });
    }
    if (url.pathname === issuer.jwksPath) {
      if (issuer.jwksDown) return json(response, 503, { error: 'down' });
      return json(response, 200, { keys: issuer.published.map((published) => published.publicJwk) });
    }
    json(response, 404, { error: 'not_found' });
  });
  const issuerUrl = `${server.origin}${path}`;
  const metadataPath =
    options.discovery === 'oauth'
      ? `/.well-known/oauth-authorization-server${path}`
      : `${path}/.well-known/openid-configuration`;
  const jwksPath = `${path}/jwks`;
  const audience = options.audience ?? 'api://mcp-test';
  const issuer: OidcIssuer = Object.assign(state, {
    server,
    issuer: issuerUrl,
    jwksUri: `${server.origin}${jwksPath}`,
    metadataPath,
    jwksPath,
    key,
    token: (claims: JWTPayload = {}, signOptions: Partial<SignOptions> = {}) =>
      signToken(
        { iss: issuerUrl, aud: audience, sub: 'user-1', iat: nowSeconds(), exp: nowSeconds() + 600, ...claims },
        { key: signOptions.key ?? key, header: signOptions.header },
      ),
  }) as OidcIssuer;
  return issuer;
}

export interface EntraAuthority {
  server: TestServer;
  authorityHost: string;
  key: TestKey;
  published: TestKey[];
  /** Tenants whose metadata answers 503. */
  downTenants: Set<string>;
  metadataPath(tenant: string): string;
  jwksPath(tenant: string): string;
  v1Issuer(tenant: string): string;
  v2Issuer(tenant: string): string;
  /** An access token of the given version for a tenant, overridden by `claims`. */
  token(tenant: string, version: 1 | 2, claims?: JWTPayload, options?: Partial<SignOptions>): Promise<string>;
}

export const CLIENT_ID = '11111111-2222-3333-4444-555555555555';
export const APP_ID_URI = 'api://mcp-entra-test';

/** An Entra-shaped authority at a loopback host: `/{tid}/v2.0/.well-known/openid-configuration` and `/{tid}/discovery/v2.0/keys`. */
export async function startEntraAuthority(): Promise<EntraAuthority> {
  const key = await makeKey('RS256');
  const authority: Partial<EntraAuthority> & { published: TestKey[]; downTenants: Set<string> } = {
    published: [key],
    downTenants: new Set(),
  };
  const server = await startServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://x');
    const metadata = /^\/([^/]+)\/v2\.0\/\.well-known\/openid-configuration$/.exec(url.pathname);
    if (metadata?.[1]) {
      const tenant = metadata[1];
      if (authority.downTenants.has(tenant)) return json(response, 503, { error: 'temporarily_unavailable' });
      return json(response, 200, {
        issuer: `${server.origin}/${tenant}/v2.0`,
        jwks_uri: `${server.origin}/${tenant}/discovery/v2.0/keys`,
        token_endpoint: `${server.origin}/${tenant}/oauth2/v2.0/token`,
      });
    }
    if (/^\/[^/]+\/discovery\/v2\.0\/keys$/.test(url.pathname)) {
      return json(response, 200, { keys: authority.published.map((published) => published.publicJwk) });
    }
    json(response, 404, { error: 'not_found' });
  });
  return Object.assign(authority, {
    server,
    authorityHost: server.origin,
    key,
    metadataPath: (tenant: string) => `/${tenant}/v2.0/.well-known/openid-configuration`,
    jwksPath: (tenant: string) => `/${tenant}/discovery/v2.0/keys`,
    v1Issuer: (tenant: string) => `https://sts.windows.net/${tenant}/`,
    v2Issuer: (tenant: string) => `${server.origin}/${tenant}/v2.0`,
    token: (tenant: string, version: 1 | 2, claims: JWTPayload = {}, options: Partial<SignOptions> = {}) => {
      const base: JWTPayload =
        version === 1
          ? {
              iss: `https://sts.windows.net/${tenant}/`,
              aud: APP_ID_URI,
              ver: '1.0',
              appid: 'client-app',
              upn: 'ada@contoso.example',
            }
          : {
              iss: `${server.origin}/${tenant}/v2.0`,
              aud: CLIENT_ID,
              ver: '2.0',
              azp: 'client-app',
              preferred_username: 'ada@contoso.example',
            };
      return signToken(
        {
          ...base,
          tid: tenant,
          oid: 'oid-ada',
          sub: `pairwise-sub-v${version}`,
          scp: 'mcp.access',
          iat: nowSeconds(),
          nbf: nowSeconds(),
          exp: nowSeconds() + 3600,
          ...claims,
        },
        { key: options.key ?? key, header: options.header },
      );
    },
  }) as EntraAuthority;
}

export interface TokenEndpoints {
  server: TestServer;
  introspectionEndpoint: string;
  userinfoEndpoint: string;
  clientId: string;
  clientSecret: string;
  /** Introspection answers by token (unknown tokens: `{active:false}`). */
  introspection: Map<string, Record<string, unknown>>;
  /** Userinfo answers by token: body and extra headers (unknown tokens: 401). */
  userinfo: Map<string, { status?: number; body?: unknown; headers?: Record<string, string> }>;
  /** The Authorization header of the last introspection request. */
  lastIntrospectionAuth?: string;
}

/** An RFC 7662 introspection endpoint (`/introspect`, HTTP Basic) and a userinfo endpoint (`/user`). */
export async function startTokenEndpoints(): Promise<TokenEndpoints> {
  const clientId = 'rs-client';
  const clientSecret = 's3cret:with/odd+chars';
  const endpoints: Partial<TokenEndpoints> & {
    introspection: TokenEndpoints['introspection'];
    userinfo: TokenEndpoints['userinfo'];
  } = {
    introspection: new Map(),
    userinfo: new Map(),
  };
  const expectedAuth = `Basic ${Buffer.from(`${encodeForm(clientId)}:${encodeForm(clientSecret)}`).toString('base64')}`;
  const server = await startServer((request, response, body) => {
    const url = new URL(request.url ?? '/', 'http://x');
    if (url.pathname === '/introspect' && request.method === 'POST') {
      endpoints.lastIntrospectionAuth = request.headers.authorization;
      if (request.headers.authorization !== expectedAuth) return json(response, 401, { error: 'invalid_client' });
      if (!(request.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded'))
        return json(response, 400, { error: 'invalid_request' });
      const token = new URLSearchParams(body).get('token') ?? '';
      return json(response, 200, endpoints.introspection.get(token) ?? { active: false });
    }
    if (url.pathname === '/user' && request.method === 'GET') {
      const token = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1] ?? '';
      const answer = endpoints.userinfo.get(token);
      if (!answer) return json(response, 401, { message: 'Bad credentials' });
      return json(response, answer.status ?? 200, answer.body ?? {}, answer.headers);
    }
    json(response, 404, { error: 'not_found' });
  });
  return Object.assign(endpoints, {
    server,
    introspectionEndpoint: `${server.origin}/introspect`,
    userinfoEndpoint: `${server.origin}/user`,
    clientId,
    clientSecret,
  }) as TokenEndpoints;
}

function encodeForm(value: string): string {
  return new URLSearchParams({ v: value }).toString().slice(2);
}

/** A compact JWS from raw parts (for `alg: none` and other hand-made tokens). */
export function rawJwt(header: Record<string, unknown>, payload: Record<string, unknown>, signature = ''): string {
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${encode(header)}.${encode(payload)}.${signature}`;
}
