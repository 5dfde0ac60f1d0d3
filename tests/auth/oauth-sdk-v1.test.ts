import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type OAuthClientProvider, UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';
import { ClientCredentialsProvider } from '@modelcontextprotocol/sdk/client/auth-extensions.js';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type {
  OAuthClientInformationMixed,
  OAuthClientMetadata,
  OAuthTokens,
} from '@modelcontextprotocol/sdk/shared/auth.js';
import { eventually, nodeFixtureServer, startAdapter, type TestAdapter } from '../helpers/adapter.js';
import {
  RESOURCE_OWNER,
  startAuthorizationServer,
  type FakeAuthorizationServer,
} from '../helpers/oauth-authorization-server.js';

/**
 * The v1 SDK client (`@modelcontextprotocol/sdk`, which many deployed MCP clients still run)
 * connects with its own OAuth flows at the adapter's URLs: the authorization code flow with PKCE
 * and dynamic client registration, written as the SDK's own example app
 * (examples/client/simpleOAuthClient.js) writes it, and the client credentials flow
 * (ClientCredentialsProvider). The RFC 8707 `resource` it asks for is the URL it connected to.
 */

const PATHS = ['/mcp', '/api/mcp', '/mcp/alpha'] as const;
const REDIRECT_URI = 'http://127.0.0.1/oauth/callback';

/** The SDK example's in-memory provider, with `state` checked as a real app must. */
class InMemoryOAuthClientProvider implements OAuthClientProvider {
  private info?: OAuthClientInformationMixed;
  private stored?: OAuthTokens;
  private verifier?: string;
  private sentState?: string;
  private callback?: URL;

  constructor(private readonly metadata: OAuthClientMetadata) {}

  get redirectUrl(): string {
    return REDIRECT_URI;
  }
  get clientMetadata(): OAuthClientMetadata {
    return this.metadata;
  }
  state(): string {
    this.sentState = crypto.randomUUID();
    return this.sentState;
  }
  clientInformation(): OAuthClientInformationMixed | undefined {
    return this.info;
  }
  saveClientInformation(info: OAuthClientInformationMixed): void {
    this.info = info;
  }
  tokens(): OAuthTokens | undefined {
    return this.stored;
  }
  saveTokens(tokens: OAuthTokens): void {
    this.stored = tokens;
  }
  saveCodeVerifier(verifier: string): void {
    this.verifier = verifier;
  }
  codeVerifier(): string {
    if (!this.verifier) throw new Error('No code verifier saved');
    return this.verifier;
  }
  /** The user agent: opens the URL without following redirects; the server approves and redirects to the callback. */
  async redirectToAuthorization(authorizationUrl: URL): Promise<void> {
    const response = await fetch(authorizationUrl, { redirect: 'manual' });
    const text = await response.text();
    const location = response.headers.get('location');
    if (response.status !== 302 || !location)
      throw new Error(`the authorization endpoint answered ${response.status}: ${text}`);
    this.callback = new URL(location);
  }
  /** The code from the callback, after checking `state`. */
  takeCode(): string {
    const callback = this.callback;
    this.callback = undefined;
    assert.ok(callback, 'the SDK sent the user agent to the authorization endpoint');
    assert.equal(callback.origin + callback.pathname, REDIRECT_URI);
    assert.equal(callback.searchParams.get('state'), this.sentState);
    const code = callback.searchParams.get('code');
    assert.ok(code, `a code, not an error: ${callback.search}`);
    return code;
  }
}

/** The SDK example's client metadata: a confidential client (client_secret_post). */
const EXAMPLE_METADATA: OAuthClientMetadata = {
  client_name: 'Simple OAuth MCP Client',
  redirect_uris: [REDIRECT_URI],
  grant_types: ['authorization_code', 'refresh_token'],
  response_types: ['code'],
  token_endpoint_auth_method: 'client_secret_post',
};

function claimsOf(token: string | undefined): Record<string, unknown> {
  assert.ok(token, 'the client holds an access token');
  return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
}

/** As the example's attemptConnection: connect; on UnauthorizedError, finishAuth(code) and connect again. */
async function connectWithAuthorizationCode(
  url: URL,
  provider: InMemoryOAuthClientProvider,
  fetchFn: typeof fetch = fetch,
): Promise<{ client: Client; transport: StreamableHTTPClientTransport }> {
  const client = new Client({ name: 'simple-oauth-client', version: '1.0.0' }, { capabilities: {} });
  const first = new StreamableHTTPClientTransport(url, { authProvider: provider, fetch: fetchFn });
  await assert.rejects(client.connect(first), (error: unknown) => error instanceof UnauthorizedError);
  await first.finishAuth(provider.takeCode());
  const transport = new StreamableHTTPClientTransport(url, { authProvider: provider, fetch: fetchFn });
  await client.connect(transport);
  return { client, transport };
}

async function useServer(client: Client, transport: StreamableHTTPClientTransport, text: string): Promise<void> {
  assert.ok(transport.sessionId, 'a 2025-11-25 session');
  const { tools } = await client.listTools();
  assert.ok(tools.some((tool) => tool.name === 'echo'));
  const result = (await client.callTool({ name: 'echo', arguments: { text } })) as { content: Array<{ text: string }> };
  assert.equal(result.content[0]?.text, text);
}

function adapterConfig(issuer: string) {
  const auth = { method: 'oauth2_bearer', oauth2_issuer: issuer };
  return {
    mcpServers: {
      alpha: nodeFixtureServer([], { default: true, auth }),
      beta: nodeFixtureServer([], { auth }),
    },
  };
}

describe('the v1 SDK client’s own OAuth flows', () => {
  let as: FakeAuthorizationServer;
  let adapter: TestAdapter;
  before(async () => {
    as = await startAuthorizationServer();
    adapter = await startAdapter(adapterConfig(as.issuer), { authEnv: {} });
  });
  after(async () => {
    await adapter?.close();
    await as?.close();
  });

  for (const path of PATHS) {
    test(`${path}: authorization code + PKCE with dynamic registration, as the SDK example does it`, async () => {
      const url = new URL(path, adapter.url);
      const tokensBefore = as.tokenRequests.length;
      const authorizationsBefore = as.authorizationRequests.length;
      const registrations = as.registrations;
      const provider = new InMemoryOAuthClientProvider(EXAMPLE_METADATA);
      const { client, transport } = await connectWithAuthorizationCode(url, provider);
      try {
        await useServer(client, transport, `v1 code flow via ${path}`);
      } finally {
        await client.close();
      }
      assert.equal(as.registrations, registrations + 1, 'one RFC 7591 registration');
      const info = provider.clientInformation();
      assert.ok(info?.client_secret, 'a confidential client got a secret');
      assert.deepEqual(as.authorizationRequests.slice(authorizationsBefore), [
        { clientId: info.client_id, resource: url.href, codeChallengeMethod: 'S256', redirectUri: REDIRECT_URI },
      ]);
      assert.deepEqual(
        as.tokenRequests
          .slice(tokensBefore)
          .map(({ grantType, clientId, resource }) => ({ grantType, clientId, resource })),
        [{ grantType: 'authorization_code', clientId: info.client_id, resource: url.href }],
        'the resource asked for is the URL the client used',
      );
      const claims = claimsOf(provider.tokens()?.access_token);
      assert.deepEqual([claims.aud, claims.sub, claims.client_id], [url.href, RESOURCE_OWNER, info.client_id]);
    });

    test(`${path}: client credentials (ClientCredentialsProvider)`, async () => {
      const url = new URL(path, adapter.url);
      const tokensBefore = as.tokenRequests.length;
      const provider = new ClientCredentialsProvider({
        clientId: as.clientCredentials.clientId,
        clientSecret: as.clientCredentials.clientSecret,
        expectedIssuer: as.issuer,
      });
      const client = new Client({ name: 'client-credentials-example', version: '1.0.0' }, { capabilities: {} });
      const transport = new StreamableHTTPClientTransport(url, { authProvider: provider });
      try {
        await client.connect(transport);
        await useServer(client, transport, `v1 client credentials via ${path}`);
      } finally {
        await client.close();
      }
      assert.deepEqual(
        as.tokenRequests
          .slice(tokensBefore)
          .map(({ grantType, clientId, resource }) => ({ grantType, clientId, resource })),
        [{ grantType: 'client_credentials', clientId: as.clientCredentials.clientId, resource: url.href }],
        'the resource asked for is the URL the client used',
      );
      const claims = claimsOf(provider.tokens()?.access_token);
      assert.deepEqual([claims.aud, claims.sub], [url.href, as.clientCredentials.clientId]);
    });
  }

  test('after the access token expires, the v1 client refreshes it and the next call succeeds', async () => {
    // The adapter allows 60 s of clock skew on `exp` (RFC 7519 section 4.1.4 leeway); an
    // authorization server whose clock runs 56 s behind issues 2-second tokens that the adapter
    // accepts for about 6 s and then refuses as expired.
    const skewed = await startAuthorizationServer({ accessTokenSeconds: 2, clockOffsetSeconds: -56 });
    const skewedAdapter = await startAdapter(adapterConfig(skewed.issuer), { authEnv: {} });
    const statuses: Array<{ status: number; authorization?: string }> = [];
    const recording = (async (input: string | URL | Request, init?: RequestInit) => {
      const response = await fetch(input, init);
      statuses.push({
        status: response.status,
        authorization: new Headers(init?.headers).get('authorization') ?? undefined,
      });
      return response;
    }) as typeof fetch;
    try {
      const url = new URL('/mcp/alpha', skewedAdapter.url);
      const provider = new InMemoryOAuthClientProvider(EXAMPLE_METADATA);
      const { client, transport } = await connectWithAuthorizationCode(url, provider, recording);
      try {
        const first = provider.tokens();
        await useServer(client, transport, 'before expiry');
        assert.equal(provider.tokens()?.access_token, first?.access_token, 'no refresh while the token is valid');
        // Until the adapter (jose: expired once `exp` <= now - 60) refuses the token.
        const expiry = Number(claimsOf(first?.access_token).exp) + 60;
        assert.ok(await eventually(() => Math.floor(Date.now() / 1000) >= expiry, 10_000));
        const seen = statuses.length;
        await useServer(client, transport, 'after expiry');
        assert.deepEqual(
          statuses
            .slice(seen)
            .filter((exchange) => exchange.status === 401)
            .map((exchange) => exchange.authorization),
          [`Bearer ${first?.access_token}`],
          'the expired token was refused, then the refreshed one accepted',
        );
        assert.deepEqual(
          skewed.tokenRequests.map(({ grantType, resource }) => ({ grantType, resource })),
          [
            { grantType: 'authorization_code', resource: url.href },
            { grantType: 'refresh_token', resource: url.href },
          ],
        );
        assert.notEqual(provider.tokens()?.refresh_token, first?.refresh_token, 'refresh tokens rotate');
      } finally {
        await client.close();
      }
    } finally {
      await skewedAdapter.close();
      await skewed.close();
    }
  });
});
