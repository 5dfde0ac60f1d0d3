import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  Client,
  OAuthError,
  type OAuthClientMetadata,
  StreamableHTTPClientTransport,
  UnauthorizedError,
} from '@modelcontextprotocol/client';
import { AppOAuthProvider } from '../helpers/app-oauth-provider.js';
import { startNodeHost } from '../../src/adapter/node/node-host.js';
import { createChildCredentialProvider } from '../../src/auth/child-credential-provider.js';
import { createVerifierRegistry } from '../../src/auth/verifier-registry.js';
import { loadConfigFile } from '../../src/config/load-config.js';
import { createLogger } from '../../src/observability/logger.js';
import { initializeBody, nodeFixtureServer, startAdapter, type TestAdapter } from '../helpers/adapter.js';
import { post } from '../helpers/raw-http.js';
import {
  startEntraAuthorizationServer,
  VS_CODE_CLIENT_ID,
  type EntraAuthorizationServer,
} from './helpers/entra-authorization-server.js';

/**
 * The v2 TypeScript SDK client's own OAuth flow against Microsoft Entra ID, as an Entra-profile
 * authorization server on loopback answers it (tests/auth/helpers/entra-authorization-server.ts:
 * no dynamic registration, a pre-registered client, scopes qualified with the API's identifier URI,
 * and AADSTS9010010 for an RFC 8707 `resource` that is not an identifier URI of the scopes' app).
 *
 * The MCP authorization spec makes the client send `resource` = the endpoint URL (from the RFC 9728
 * metadata); Entra accepts that only when the URL is itself an identifier URI of the API app, which
 * needs a custom domain (`adapter.public_base_url`): an https identifier URI must be on a verified
 * domain, and `*.azurewebsites.net` is not one. Without one, a spec-following client cannot get a
 * token from Entra for the endpoint; with one, the metadata names scopes qualified with the endpoint
 * URL, so that `resource` and scopes name the same app.
 */

const TENANT = '3c4d5e6f-7a8b-4c9d-8e0f-1a2b3c4d5e6f';
/** The API app registration of the deployment (the adapter's `azure_client_id`). */
const API_CLIENT_ID = '5e0c1a2b-3d4e-4f50-8a6b-7c8d9e0f1a2b';
const API_URI = `api://${API_CLIENT_ID}`;
const SCOPE = 'user_impersonation';
const REDIRECT_URI = 'http://127.0.0.1/oauth/callback';
/** The URLs the default server `alpha` answers at. */
const ALPHA_PATHS = ['/mcp', '/mcp/alpha', '/api/mcp'] as const;

function adapterConfig(publicBaseUrl?: string) {
  const auth = {
    caller: { type: 'entra', required_scopes: [SCOPE] },
    allowed_tenants: [TENANT],
    azure_client_id: API_CLIENT_ID,
    oauth2_audience: API_URI,
  };
  return {
    mcpServers: {
      alpha: nodeFixtureServer([], { default: true, auth }),
      beta: nodeFixtureServer([], { auth }),
    },
    ...(publicBaseUrl && { adapter: { public_base_url: publicBaseUrl } }),
  };
}

/** A port nothing listens on right now (the adapter binds it next; loopback only). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * `startAdapter` (tests/helpers/adapter.ts) on a given port: `public_base_url` must be the origin
 * the adapter listens on before it listens, and `startAdapter` always takes an ephemeral port.
 */
async function startAdapterOn(port: number, configDocument: unknown, authEnv: NodeJS.ProcessEnv) {
  const dir = mkdtempSync(path.join(tmpdir(), 'mcp-entra-resource-'));
  const file = path.join(dir, 'mcp_config.json');
  writeFileSync(file, JSON.stringify(configDocument, null, 2));
  const { config } = loadConfigFile(file, { resolveFrom: process.env });
  const logger = createLogger({ level: 'warn', sink: () => undefined });
  const running = await startNodeHost({
    config,
    logger,
    port,
    host: '127.0.0.1',
    verifierFor: createVerifierRegistry({ env: authEnv }),
    childCredentials: createChildCredentialProvider({ env: authEnv, deployed: true, logger }),
  });
  assert.equal(running.url, `http://127.0.0.1:${port}`);
  return running;
}

const APP_METADATA: OAuthClientMetadata = {
  client_name: 'Visual Studio Code',
  redirect_uris: [REDIRECT_URI],
  grant_types: ['authorization_code', 'refresh_token'],
  response_types: ['code'],
  token_endpoint_auth_method: 'none',
};

/**
 * A client app's provider, as VS Code's works with Entra: the client id is pre-registered (Entra
 * has no dynamic registration), bound to the authorization server it is registered with (the SDK
 * binds stored credentials to its issuer); all state in memory, and the "browser" approves at once.
 */
function preRegisteredProvider(issuer: string): AppOAuthProvider {
  return new AppOAuthProvider({
    metadata: APP_METADATA,
    redirectUri: REDIRECT_URI,
    preRegistered: { client_id: VS_CODE_CLIENT_ID, issuer },
  });
}

/** A fetch that records every URL the client fetches (the app's own HTTP client, not the adapter's). */
function recordingFetch(): { fetch: typeof fetch; urls: Array<{ url: string; status: number }> } {
  const urls: Array<{ url: string; status: number }> = [];
  const recording = (async (input: string | URL | Request, init?: RequestInit) => {
    const response = await fetch(input, init);
    urls.push({ url: input instanceof Request ? input.url : String(input), status: response.status });
    return response;
  }) as typeof fetch;
  return { fetch: recording, urls };
}

/** The authorization server metadata URLs the SDK tried for the tenant's v2 issuer, in order, with the answers. */
function discoveryTried(entra: EntraAuthorizationServer, urls: Array<{ url: string; status: number }>) {
  return urls
    .filter(({ url }) => url.startsWith(entra.authorityHost) && url.includes('/.well-known/'))
    .map(({ url, status }) => ({ path: url.slice(entra.authorityHost.length), status }));
}

/** What the SDK client tries for issuer `<authority>/<tenant>/v2.0`: RFC 8414 and OIDC path-inserted first, then OIDC appended. */
const SDK_DISCOVERY = [
  { path: `/.well-known/oauth-authorization-server/${TENANT}/v2.0`, status: 404 },
  { path: `/.well-known/openid-configuration/${TENANT}/v2.0`, status: 404 },
  { path: `/${TENANT}/v2.0/.well-known/openid-configuration`, status: 200 },
];

function claimsOf(token: string | undefined): Record<string, unknown> {
  assert.ok(token, 'an access token');
  return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
}

function newClient(): Client {
  return new Client({ name: 'entra-resource-client', version: '1.0.0' });
}

/** Connects once: the SDK discovers and sends the user agent to Entra, then fails with UnauthorizedError. */
async function firstLeg(url: URL, provider: AppOAuthProvider, fetchFn: typeof fetch) {
  const client = newClient();
  const transport = new StreamableHTTPClientTransport(url, { authProvider: provider, fetch: fetchFn });
  await assert.rejects(
    client.connect(transport),
    (error: unknown) => error instanceof UnauthorizedError,
    'the first connect needs the user',
  );
  return transport;
}

/** The whole authorization code flow as an app runs it with the SDK, then a connected client. */
async function connectThroughEntra(url: URL, provider: AppOAuthProvider, fetchFn: typeof fetch) {
  const first = await firstLeg(url, provider, fetchFn);
  const callback = provider.takeCallback(false);
  assert.ok(
    callback.get('code'),
    `Entra should answer with a code; it answered ${callback.get('error')}: ${callback.get('error_description')}`,
  );
  try {
    await first.finishAuth(callback);
  } finally {
    await first.close();
  }
  const client = newClient();
  await client.connect(new StreamableHTTPClientTransport(url, { authProvider: provider, fetch: fetchFn }));
  return client;
}

async function echo(client: Client, text: string): Promise<void> {
  const { tools } = await client.listTools();
  assert.ok(
    tools.some((tool) => tool.name === 'echo'),
    'echo is listed',
  );
  const result = (await client.callTool({ name: 'echo', arguments: { text } })) as { content: Array<{ text: string }> };
  assert.equal(result.content[0]?.text, text);
}

/** The metadata document of an endpoint URL, and the scope of its 401 challenge. */
async function protectedResource(url: URL) {
  const metadataUrl = new URL(`/.well-known/oauth-protected-resource${url.pathname}`, url);
  const response = await fetch(metadataUrl);
  assert.equal(response.status, 200, `metadata at ${metadataUrl.href}`);
  const metadata = (await response.json()) as Record<string, unknown>;
  const challenge = await post(url, initializeBody());
  await challenge.text();
  assert.equal(challenge.status, 401);
  const header = challenge.headers.get('www-authenticate') ?? '';
  assert.match(header, new RegExp(`resource_metadata="${metadataUrl.href}"`));
  return { metadata, challengeScope: /scope="([^"]*)"/.exec(header)?.[1] };
}

/** A token as the Entra docs prescribe: scope `api://<client-id>/user_impersonation`, no `resource`. */
async function tokenAsEntraDocsSay(entra: EntraAuthorizationServer): Promise<string> {
  const verifier = Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString('base64url');
  const challenge = Buffer.from(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier))).toString(
    'base64url',
  );
  const authorize = new URL(`${entra.issuer(TENANT).replace(/\/v2\.0$/, '')}/oauth2/v2.0/authorize`);
  authorize.search = new URLSearchParams({
    client_id: VS_CODE_CLIENT_ID,
    response_type: 'code',
    redirect_uri: REDIRECT_URI,
    scope: `${API_URI}/${SCOPE} offline_access`,
    code_challenge: challenge,
    code_challenge_method: 'S256',
    state: 'docs',
  }).toString();
  const redirect = await fetch(authorize, { redirect: 'manual' });
  await redirect.text();
  const code = new URL(redirect.headers.get('location') ?? 'http://x/').searchParams.get('code');
  assert.ok(code, `a code: ${redirect.status} ${redirect.headers.get('location')}`);
  const response = await fetch(`${entra.issuer(TENANT).replace(/\/v2\.0$/, '')}/oauth2/v2.0/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      client_id: VS_CODE_CLIENT_ID,
      grant_type: 'authorization_code',
      code,
      redirect_uri: REDIRECT_URI,
      code_verifier: verifier,
      scope: `${API_URI}/${SCOPE} offline_access`,
    }),
  });
  const body = (await response.json()) as { access_token?: string };
  assert.equal(response.status, 200, JSON.stringify(body));
  return body.access_token!;
}

/** Opens a session with `token` as the bearer token and calls echo through the SDK client. */
async function useToken(url: URL, token: string, text: string): Promise<void> {
  const client = newClient();
  try {
    await client.connect(
      new StreamableHTTPClientTransport(url, { requestInit: { headers: { authorization: `Bearer ${token}` } } }),
    );
    await echo(client, text);
  } finally {
    await client.close();
  }
}

describe('Entra callers without adapter.public_base_url (endpoint URLs are no identifier URIs)', () => {
  let entra: EntraAuthorizationServer;
  let adapter: TestAdapter;
  before(async () => {
    entra = await startEntraAuthorizationServer({
      api: { clientId: API_CLIENT_ID, identifierUris: [API_URI], scopes: [SCOPE] },
      tenants: [TENANT],
    });
    adapter = await startAdapter(adapterConfig(), { authEnv: { MCP_ADAPTER_AUTHORITY_HOST: entra.authorityHost } });
  });
  after(async () => {
    await adapter?.close();
    await entra?.close();
  });

  test('the metadata at /mcp/alpha names that URL, the tenant v2 issuer and api://<client-id>/user_impersonation', async () => {
    const url = new URL('/mcp/alpha', adapter.url);
    const { metadata } = await protectedResource(url);
    assert.equal(metadata.resource, url.href);
    assert.deepEqual(metadata.authorization_servers, [entra.issuer(TENANT)]);
    assert.deepEqual(metadata.scopes_supported, [`${API_URI}/${SCOPE}`]);
  });

  test('the 401 challenge names the same qualified scope as the metadata (the SDK asks for the challenge scope first)', async () => {
    const { metadata, challengeScope } = await protectedResource(new URL('/mcp/alpha', adapter.url));
    assert.equal(
      challengeScope,
      (metadata.scopes_supported as string[]).join(' '),
      'a bare scope in the challenge is a Microsoft Graph scope to Entra',
    );
  });

  test('LIMITATION: a spec-following client (resource = the endpoint URL) is refused by Entra with AADSTS9010010', async () => {
    const url = new URL('/mcp/alpha', adapter.url);
    const provider = preRegisteredProvider(entra.issuer(TENANT));
    const recorder = recordingFetch();
    const authorizations = entra.authorizationRequests.length;
    const tokens = entra.tokenRequests.length;
    const first = await firstLeg(url, provider, recorder.fetch);
    try {
      await assert.rejects(
        first.finishAuth(provider.takeCallback(false)),
        (error: unknown) =>
          error instanceof OAuthError && error.code === 'invalid_target' && /^AADSTS9010010: /.test(error.message),
        'the client fails with Entra’s AADSTS9010010',
      );
    } finally {
      await first.close();
    }
    assert.deepEqual(discoveryTried(entra, recorder.urls), SDK_DISCOVERY);
    const [request, ...more] = entra.authorizationRequests.slice(authorizations);
    assert.equal(more.length, 0, 'one authorization request');
    assert.deepEqual(
      { clientId: request?.clientId, resource: request?.resource, outcome: request?.outcome },
      { clientId: VS_CODE_CLIENT_ID, resource: url.href, outcome: 'invalid_target' },
      'the SDK sends the endpoint URL as resource; Entra knows it as no identifier URI of the app',
    );
    assert.equal(
      request?.scope,
      `${API_URI}/${SCOPE} offline_access`,
      'the scope the metadata advertises (plus offline_access, which Entra advertises)',
    );
    assert.equal(entra.tokenRequests.length, tokens, 'no code, so no token request');
  });

  test('a token got as the Entra docs prescribe (scope api://<client-id>/user_impersonation, no resource) works at every URL of the app', async () => {
    const token = await tokenAsEntraDocsSay(entra);
    const claims = claimsOf(token);
    assert.deepEqual(
      [claims.aud, claims.iss, claims.tid, claims.scp, claims.ver, claims.azp, claims.oid],
      [API_CLIENT_ID, entra.issuer(TENANT), TENANT, SCOPE, '2.0', VS_CODE_CLIENT_ID, entra.user.oid],
    );
    for (const p of [...ALPHA_PATHS, '/mcp/beta'])
      await useToken(new URL(p, adapter.url), token, `docs token via ${p}`);
  });

  test('the Entra profile applies the same rule at the token endpoint (code and refresh token redemption)', async () => {
    const base = entra.issuer(TENANT).replace(/\/v2\.0$/, '');
    const tokenRequest = (params: Record<string, string>) =>
      fetch(`${base}/oauth2/v2.0/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ client_id: VS_CODE_CLIENT_ID, ...params }),
      });
    const verifier = 'v'.repeat(43);
    const challenge = Buffer.from(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier))).toString(
      'base64url',
    );
    const authorize = new URL(`${base}/oauth2/v2.0/authorize`);
    authorize.search = new URLSearchParams({
      client_id: VS_CODE_CLIENT_ID,
      response_type: 'code',
      redirect_uri: REDIRECT_URI,
      scope: `${API_URI}/${SCOPE} offline_access`,
      code_challenge: challenge,
      code_challenge_method: 'S256',
    }).toString();
    const redirect = await fetch(authorize, { redirect: 'manual' });
    const code = new URL(redirect.headers.get('location')!).searchParams.get('code')!;
    const endpoint = new URL('/mcp/alpha', adapter.url).href;
    const refused = await tokenRequest({
      grant_type: 'authorization_code',
      code,
      redirect_uri: REDIRECT_URI,
      code_verifier: verifier,
      scope: `${API_URI}/${SCOPE} offline_access`,
      resource: endpoint,
    });
    const refusal = (await refused.json()) as { error: string; error_description: string; error_codes: number[] };
    assert.equal(refused.status, 400);
    assert.deepEqual([refusal.error, refusal.error_codes], ['invalid_target', [9010010]]);
    assert.match(refusal.error_description, /^AADSTS9010010: The resource parameter provided/);

    // A refresh token (from a grant without resource) cannot be redeemed with the endpoint URL either.
    const refreshToken = await (async () => {
      const redirectAgain = await fetch(authorize, { redirect: 'manual' });
      const again = new URL(redirectAgain.headers.get('location')!).searchParams.get('code')!;
      const answer = (await (
        await tokenRequest({
          grant_type: 'authorization_code',
          code: again,
          redirect_uri: REDIRECT_URI,
          code_verifier: verifier,
        })
      ).json()) as { refresh_token?: string };
      assert.ok(answer.refresh_token, 'offline_access gives a refresh token');
      return answer.refresh_token;
    })();
    const refreshRefused = await tokenRequest({
      grant_type: 'refresh_token',
      refresh_token: refreshToken,
      resource: endpoint,
    });
    assert.deepEqual(
      [refreshRefused.status, ((await refreshRefused.json()) as { error: string }).error],
      [400, 'invalid_target'],
    );
    const refreshed = await tokenRequest({ grant_type: 'refresh_token', refresh_token: refreshToken });
    const body = (await refreshed.json()) as { access_token: string; scope: string };
    assert.equal(refreshed.status, 200);
    assert.equal(body.scope, `${API_URI}/${SCOPE}`);
    assert.equal(claimsOf(body.access_token).aud, API_CLIENT_ID);
  });
});

describe('Entra callers with adapter.public_base_url on a custom domain (here the adapter’s own loopback origin)', () => {
  let entra: EntraAuthorizationServer;
  let adapter: Awaited<ReturnType<typeof startAdapterOn>>;
  let origin: string;
  before(async () => {
    const port = await freePort();
    origin = `http://127.0.0.1:${port}`;
    // The app's identifier URIs: api://<client-id> and every Entra server's endpoint URLs under the
    // custom domain (what src/config/entra-resource.ts lists for the deployment to register).
    entra = await startEntraAuthorizationServer({
      api: {
        clientId: API_CLIENT_ID,
        identifierUris: [API_URI, `${origin}/mcp`, `${origin}/mcp/alpha`, `${origin}/api/mcp`, `${origin}/mcp/beta`],
        scopes: [SCOPE],
      },
      tenants: [TENANT],
    });
    adapter = await startAdapterOn(port, adapterConfig(origin), { MCP_ADAPTER_AUTHORITY_HOST: entra.authorityHost });
  });
  after(async () => {
    await adapter?.close();
    await entra?.close();
  });

  for (const p of ALPHA_PATHS) {
    test(`${p}: the metadata and the challenge name ${p}/user_impersonation`, async () => {
      const url = new URL(p, origin);
      const { metadata, challengeScope } = await protectedResource(url);
      assert.equal(metadata.resource, url.href);
      assert.deepEqual(metadata.authorization_servers, [entra.issuer(TENANT)]);
      assert.deepEqual(metadata.scopes_supported, [`${url.href}/${SCOPE}`]);
      assert.equal(
        challengeScope,
        `${url.href}/${SCOPE}`,
        'the SDK asks for the challenge scope, not scopes_supported',
      );
    });
  }

  for (const p of ALPHA_PATHS) {
    test(`${p}: the SDK client's own OAuth flow gets a token from Entra (resource = the URL) and calls echo`, async () => {
      const url = new URL(p, origin);
      const provider = preRegisteredProvider(entra.issuer(TENANT));
      const recorder = recordingFetch();
      const authorizations = entra.authorizationRequests.length;
      const tokens = entra.tokenRequests.length;
      const client = await connectThroughEntra(url, provider, recorder.fetch);
      try {
        await echo(client, `entra via ${p}`);
      } finally {
        await client.close();
      }
      assert.deepEqual(discoveryTried(entra, recorder.urls).slice(0, 3), SDK_DISCOVERY);
      const scope = `${url.href}/${SCOPE} offline_access`;
      assert.deepEqual(
        entra.authorizationRequests
          .slice(authorizations)
          .map(({ clientId, resource, scope, codeChallengeMethod, outcome }) => ({
            clientId,
            resource,
            scope,
            codeChallengeMethod,
            outcome,
          })),
        [{ clientId: VS_CODE_CLIENT_ID, resource: url.href, scope, codeChallengeMethod: 'S256', outcome: 'code' }],
      );
      assert.deepEqual(
        entra.tokenRequests.slice(tokens).map(({ grantType, clientId, resource, scope, outcome }) => ({
          grantType,
          clientId,
          resource,
          scope,
          outcome,
        })),
        // The SDK sends no scope when it redeems a code (Entra's v2 token endpoint then takes the code's).
        [
          {
            grantType: 'authorization_code',
            clientId: VS_CODE_CLIENT_ID,
            resource: url.href,
            scope: undefined,
            outcome: 'issued',
          },
        ],
      );
      const claims = claimsOf(provider.tokens()?.access_token);
      assert.deepEqual(
        [claims.aud, claims.iss, claims.scp, claims.ver, claims.azp],
        [API_CLIENT_ID, entra.issuer(TENANT), SCOPE, '2.0', VS_CODE_CLIENT_ID],
        'a v2 token: aud is the app’s client id whichever identifier URI the client named',
      );
    });
  }

  test("a v2 token got for beta's URL is accepted on alpha: both share one app, and aud is its client id", async () => {
    // beta is another server of the same deployment and the same app registration. Entra v2 tokens
    // carry the app's client id as `aud` whichever identifier URI (endpoint URL) the client named,
    // so a token asked for /mcp/beta is indistinguishable from one asked for /mcp/alpha: the adapter
    // accepts it on alpha. Separating servers needs one app registration per server.
    const betaUrl = new URL('/mcp/beta', origin);
    const provider = preRegisteredProvider(entra.issuer(TENANT));
    const client = await connectThroughEntra(betaUrl, provider, fetch);
    await client.close();
    const betaToken = provider.tokens()?.access_token;
    assert.equal(claimsOf(betaToken).aud, API_CLIENT_ID);
    const last = entra.authorizationRequests.at(-1);
    assert.deepEqual([last?.resource, last?.scope], [betaUrl.href, `${betaUrl.href}/${SCOPE} offline_access`]);
    await useToken(new URL('/mcp/alpha', origin), betaToken!, 'beta token on alpha');
  });

  test('a v1 token (app manifest version null/1: aud is the endpoint URL asked for) is accepted at that server’s URLs only', async () => {
    entra.accessTokenVersion = 1;
    try {
      const alphaUrl = new URL('/mcp/alpha', origin);
      const provider = preRegisteredProvider(entra.issuer(TENANT));
      // The flow's own connect is the first use: the adapter must accept aud = the endpoint URL.
      const client = await connectThroughEntra(alphaUrl, provider, fetch);
      await client.close();
      const token = provider.tokens()?.access_token;
      const claims = claimsOf(token);
      assert.deepEqual(
        [claims.aud, claims.iss, claims.ver, claims.appid],
        [alphaUrl.href, `https://sts.windows.net/${TENANT}/`, '1.0', VS_CODE_CLIENT_ID],
      );
      for (const p of ALPHA_PATHS) await useToken(new URL(p, origin), token!, `v1 token via ${p}`);
      const onBeta = await post(new URL('/mcp/beta', origin), initializeBody(), { authorization: `Bearer ${token}` });
      await onBeta.text();
      assert.equal(onBeta.status, 401, "alpha's endpoint URL is no audience of beta");
    } finally {
      entra.accessTokenVersion = 2;
    }
  });
});
