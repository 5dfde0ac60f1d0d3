import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  Client,
  ClientCredentialsProvider,
  type OAuthClientMetadata,
  StreamableHTTPClientTransport,
  UnauthorizedError,
} from '@modelcontextprotocol/client';
import {
  eventually,
  initializeBody,
  MCP_HEADERS,
  nodeFixtureServer,
  repoRoot,
  startAdapter,
  type TestAdapter,
} from '../helpers/adapter.js';
import { AppOAuthProvider } from '../helpers/app-oauth-provider.js';
import {
  fetchTrusting,
  RESOURCE_OWNER,
  startAuthorizationServer,
  type FakeAuthorizationServer,
} from '../helpers/oauth-authorization-server.js';
import { startServer, type TestServer } from './helpers/issuers.js';

/**
 * Real MCP clients (the v2 TypeScript SDK client, `@modelcontextprotocol/client`) connect with
 * their OWN OAuth flows at every URL the adapter answers for a server (`/mcp` and `/api/mcp` for
 * the default server, `/mcp/<name>`): the authorization code flow with PKCE, with a client id
 * from dynamic registration (RFC 7591) or from a Client ID Metadata Document, and the client
 * credentials flow; in both protocol eras the client speaks (2025-11-25 sessions, and 2026-07-28
 * when pinned). Each test checks that the RFC 8707 `resource` the client asked the authorization
 * server for is exactly the URL it connected to, which the client takes from the adapter's
 * RFC 9728 metadata and which the adapter then requires as the token's `aud`. The authorization
 * server is a real one on loopback (tests/helpers/oauth-authorization-server.ts).
 */

const PATHS = ['/mcp', '/api/mcp', '/mcp/alpha'] as const;
const MODERN = '2026-07-28';
const ERAS = [
  { name: '2025-11-25', options: {} },
  { name: MODERN, options: { versionNegotiation: { mode: { pin: MODERN } } } },
] as const;
type Era = (typeof ERAS)[number];
const REDIRECT_URI = 'http://127.0.0.1/oauth/callback';

/** Client metadata of a native app with a loopback redirect URI (RFC 8252), a public client. */
const APP_METADATA: OAuthClientMetadata = {
  client_name: 'adapter OAuth test app',
  redirect_uris: [REDIRECT_URI],
  grant_types: ['authorization_code', 'refresh_token'],
  response_types: ['code'],
  token_endpoint_auth_method: 'none',
};

interface Exchange {
  method: string;
  url: string;
  status: number;
  authorization?: string;
}

/** A fetch that records what the client sends and gets (the app's own HTTP client, not the adapter's). */
function recordingFetch(base: typeof fetch = fetch): { fetch: typeof fetch; exchanges: Exchange[] } {
  const exchanges: Exchange[] = [];
  const recording = (async (input: string | URL | Request, init?: RequestInit) => {
    const response = await base(input, init);
    const authorization = new Headers(init?.headers).get('authorization') ?? undefined;
    exchanges.push({
      method: init?.method ?? 'GET',
      url: input instanceof Request ? input.url : String(input),
      status: response.status,
      ...(authorization && { authorization }),
    });
    return response;
  }) as typeof fetch;
  return { fetch: recording, exchanges };
}

/** The claims of a JWT access token the client holds. */
function claimsOf(token: string | undefined): Record<string, unknown> {
  assert.ok(token, 'the client holds an access token');
  return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
}

function newClient(era: Era): Client {
  return new Client(
    { name: 'oauth-matrix-client', version: '1.0.0' },
    era.options as ConstructorParameters<typeof Client>[1],
  );
}

/**
 * The authorization code flow as an app runs it with the SDK: connect; the SDK discovers,
 * registers (or uses its metadata document URL), and sends the user agent to the authorization
 * endpoint, then fails with UnauthorizedError; the app hands the callback to `finishAuth`, which
 * redeems the code, and connects again with a new transport.
 */
async function connectWithAuthorizationCode(
  url: URL,
  era: Era,
  provider: AppOAuthProvider,
  fetchFn: typeof fetch,
): Promise<{ client: Client; transport: StreamableHTTPClientTransport }> {
  const client = newClient(era);
  const first = new StreamableHTTPClientTransport(url, { authProvider: provider, fetch: fetchFn });
  await assert.rejects(
    client.connect(first),
    (error: unknown) => error instanceof UnauthorizedError,
    'the first connect needs the user',
  );
  await first.finishAuth(provider.takeCallback());
  await first.close();
  const transport = new StreamableHTTPClientTransport(url, { authProvider: provider, fetch: fetchFn });
  await client.connect(transport);
  return { client, transport };
}

/** Lists tools, calls echo, and checks the era the connection speaks. */
async function useServer(client: Client, transport: StreamableHTTPClientTransport, era: Era, text: string) {
  assert.equal(client.getNegotiatedProtocolVersion(), era.name);
  if (era.name === MODERN) assert.equal(transport.sessionId, undefined, '2026-07-28 has no sessions');
  else assert.ok(transport.sessionId, 'a 2025-11-25 session');
  const { tools } = await client.listTools();
  assert.ok(
    tools.some((tool) => tool.name === 'echo'),
    'echo is listed',
  );
  const result = (await client.callTool({ name: 'echo', arguments: { text } })) as {
    content: Array<{ text: string }>;
  };
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

/** What the authorization server recorded since `mark`. */
function since(as: FakeAuthorizationServer, mark: { tokens: number; authorizations: number }) {
  return {
    tokens: as.tokenRequests.slice(mark.tokens),
    authorizations: as.authorizationRequests.slice(mark.authorizations),
  };
}
function markOf(as: FakeAuthorizationServer) {
  return { tokens: as.tokenRequests.length, authorizations: as.authorizationRequests.length };
}

describe('the v2 SDK client’s own OAuth flows at every URL (authorization server over http on loopback)', () => {
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

  for (const era of ERAS) {
    for (const path of PATHS) {
      test(`${era.name}, ${path}: authorization code + PKCE with a dynamically registered client`, async () => {
        const url = new URL(path, adapter.url);
        const mark = markOf(as);
        const registrations = as.registrations;
        const provider = new AppOAuthProvider({ metadata: APP_METADATA, redirectUri: REDIRECT_URI });
        const { client, transport } = await connectWithAuthorizationCode(url, era, provider, fetch);
        try {
          await useServer(client, transport, era, `code flow via ${path}`);
        } finally {
          await client.close();
        }
        assert.equal(as.registrations, registrations + 1, 'one RFC 7591 registration');
        const clientId = provider.clientInformation()?.client_id;
        const claims = claimsOf(provider.tokens()?.access_token);
        assert.deepEqual([claims.aud, claims.sub, claims.client_id], [url.href, RESOURCE_OWNER, clientId]);
        assert.match(clientId ?? '', /^dcr-/);
        const { tokens, authorizations } = since(as, mark);
        assert.deepEqual(authorizations, [
          { clientId, resource: url.href, codeChallengeMethod: 'S256', redirectUri: REDIRECT_URI },
        ]);
        assert.deepEqual(
          tokens.map(({ grantType, clientId: id, resource }) => ({ grantType, clientId: id, resource })),
          [{ grantType: 'authorization_code', clientId, resource: url.href }],
          'the resource asked for is the URL the client used',
        );
      });

      test(`${era.name}, ${path}: client credentials (ClientCredentialsProvider)`, async () => {
        const url = new URL(path, adapter.url);
        const mark = markOf(as);
        const client = newClient(era);
        const provider = new ClientCredentialsProvider({
          clientId: as.clientCredentials.clientId,
          clientSecret: as.clientCredentials.clientSecret,
          expectedIssuer: as.issuer,
        });
        const transport = new StreamableHTTPClientTransport(url, { authProvider: provider });
        try {
          await client.connect(transport);
          await useServer(client, transport, era, `client credentials via ${path}`);
        } finally {
          await client.close();
        }
        assert.deepEqual(
          since(as, mark).tokens.map(({ grantType, clientId, resource }) => ({ grantType, clientId, resource })),
          [{ grantType: 'client_credentials', clientId: as.clientCredentials.clientId, resource: url.href }],
          'the resource asked for is the URL the client used',
        );
        const claims = claimsOf(provider.tokens()?.access_token);
        assert.deepEqual([claims.aud, claims.sub], [url.href, as.clientCredentials.clientId]);
      });
    }
  }

  test("a token for server beta is refused on alpha (401), and the SDK then asks for alpha's own", async () => {
    const betaUrl = new URL('/mcp/beta', adapter.url);
    const alphaUrl = new URL('/mcp/alpha', adapter.url);
    const provider = new ClientCredentialsProvider({
      clientId: as.clientCredentials.clientId,
      clientSecret: as.clientCredentials.clientSecret,
      expectedIssuer: as.issuer,
    });
    const beta = newClient(ERAS[0]);
    await beta.connect(new StreamableHTTPClientTransport(betaUrl, { authProvider: provider }));
    await beta.close();
    const betaToken = provider.tokens()?.access_token;
    assert.ok(betaToken);

    const refused = await fetch(alphaUrl, {
      method: 'POST',
      headers: { ...MCP_HEADERS, authorization: `Bearer ${betaToken}` },
      body: initializeBody(),
    });
    await refused.text();
    assert.equal(refused.status, 401, "beta's token on alpha");
    assert.match(
      refused.headers.get('www-authenticate') ?? '',
      new RegExp(`resource_metadata="${new URL('/.well-known/oauth-protected-resource/mcp/alpha', adapter.url).href}"`),
    );

    // The same provider (holding beta's token) at alpha: refused, then the SDK's flow gets alpha's.
    const mark = markOf(as);
    const recorder = recordingFetch();
    const alpha = newClient(ERAS[0]);
    const transport = new StreamableHTTPClientTransport(alphaUrl, { authProvider: provider, fetch: recorder.fetch });
    try {
      await alpha.connect(transport);
      await useServer(alpha, transport, ERAS[0], 'alpha after beta');
    } finally {
      await alpha.close();
    }
    const first = recorder.exchanges.find((exchange) => exchange.url === alphaUrl.href);
    assert.deepEqual(first && { status: first.status, authorization: first.authorization }, {
      status: 401,
      authorization: `Bearer ${betaToken}`,
    });
    assert.deepEqual(
      since(as, mark).tokens.map(({ grantType, resource }) => ({ grantType, resource })),
      [{ grantType: 'client_credentials', resource: alphaUrl.href }],
    );
  });

  test('after the access token expires, the SDK refreshes it (rotating refresh token) and the next call succeeds', async () => {
    // The adapter allows 60 s of clock skew on `exp` (RFC 7519 section 4.1.4 leeway); an
    // authorization server whose clock runs 56 s behind issues 2-second tokens that the adapter
    // accepts for about 6 s and then refuses as expired.
    const skewed = await startAuthorizationServer({ accessTokenSeconds: 2, clockOffsetSeconds: -56 });
    const skewedAdapter = await startAdapter(adapterConfig(skewed.issuer), { authEnv: {} });
    try {
      await Promise.all(
        ERAS.map(async (era) => {
          const url = new URL('/mcp/alpha', skewedAdapter.url);
          const recorder = recordingFetch();
          const provider = new AppOAuthProvider({ metadata: APP_METADATA, redirectUri: REDIRECT_URI });
          const { client, transport } = await connectWithAuthorizationCode(url, era, provider, recorder.fetch);
          try {
            const firstTokens = provider.tokens();
            await useServer(client, transport, era, 'before expiry');
            assert.equal(
              provider.tokens()?.access_token,
              firstTokens?.access_token,
              'no refresh while the token is valid',
            );
            // Until the adapter (jose: expired once `exp` <= now - 60) refuses the token.
            const expiry = Number(claimsOf(firstTokens?.access_token).exp) + 60;
            assert.ok(await eventually(() => Math.floor(Date.now() / 1000) >= expiry, 10_000));
            const refusals = recorder.exchanges.filter((exchange) => exchange.status === 401).length;
            await useServer(client, transport, era, 'after expiry');
            const refused = recorder.exchanges.filter((exchange) => exchange.status === 401).slice(refusals);
            assert.deepEqual(
              refused.map((exchange) => exchange.authorization),
              [`Bearer ${firstTokens?.access_token}`],
              'the expired token was refused once, then the refreshed one was accepted',
            );
            const clientId = provider.clientInformation()?.client_id;
            const mine = skewed.tokenRequests.filter((request) => request.clientId === clientId);
            assert.deepEqual(
              mine.map(({ grantType, resource }) => ({ grantType, resource })),
              [
                { grantType: 'authorization_code', resource: url.href },
                { grantType: 'refresh_token', resource: url.href },
              ],
            );
            assert.ok(provider.tokens()?.refresh_token, 'a new refresh token');
            assert.notEqual(provider.tokens()?.refresh_token, firstTokens?.refresh_token, 'refresh tokens rotate');
            assert.notEqual(provider.tokens()?.access_token, firstTokens?.access_token);
          } finally {
            await client.close();
          }
        }),
      );
    } finally {
      await skewedAdapter.close();
      await skewed.close();
    }
  });
});

/** The adapter as `npm start` runs it, in a process of its own that trusts the test CA (NODE_EXTRA_CA_CERTS). */
async function startAdapterProcess(
  config: unknown,
  caPath: string,
): Promise<{ url: URL; output: () => string; stop(): Promise<void> }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'mcp-oauth-clients-'));
  const file = path.join(dir, 'mcp_config.json');
  writeFileSync(file, JSON.stringify(config, null, 2));
  const child: ChildProcess = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      path.join(repoRoot, 'src/cli/main.ts'),
      'serve',
      '--config',
      file,
      '--port',
      '0',
      '--host',
      '127.0.0.1',
    ],
    {
      cwd: repoRoot,
      env: { ...process.env, NODE_EXTRA_CA_CERTS: caPath, LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    output += chunk;
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    output += chunk;
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const listening = /listening on (http:\/\/\S+?)\/mcp/;
  if (!(await eventually(() => listening.test(output) || child.exitCode !== null, 30_000)) || !listening.test(output)) {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`the adapter did not start:\n${output}`);
  }
  return {
    url: new URL(listening.exec(output)![1]!),
    output: () => output,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

describe('the v2 SDK client with a Client ID Metadata Document (authorization server over https)', () => {
  const documentPath = '/oauth/client-metadata.json';
  let as: FakeAuthorizationServer;
  let documentHost: TestServer;
  let adapter: Awaited<ReturnType<typeof startAdapterProcess>>;
  let trustingFetch: typeof fetch;
  let clientMetadataUrl: string;

  before(async () => {
    // Dynamic registration stays on: the client must prefer its metadata document anyway.
    as = await startAuthorizationServer({ https: true });
    assert.ok(as.caPem && as.caPath && as.tls);
    trustingFetch = fetchTrusting(as.caPem);
    documentHost = await startServer((request, response) => {
      if (new URL(request.url ?? '/', 'http://x').pathname !== documentPath) {
        response.writeHead(404);
        return response.end();
      }
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ ...APP_METADATA, client_id: clientMetadataUrl }));
    }, as.tls);
    clientMetadataUrl = `${documentHost.origin}${documentPath}`;
    adapter = await startAdapterProcess(adapterConfig(as.issuer), as.caPath);
  });
  after(async () => {
    await adapter?.stop();
    await documentHost?.close();
    await as?.close();
  });

  test('the authorization server is served over https and advertises metadata documents', async () => {
    assert.match(as.issuer, /^https:\/\/127\.0\.0\.1:\d+$/);
    const metadata = (await (
      await trustingFetch(`${as.issuer}/.well-known/oauth-authorization-server`)
    ).json()) as Record<string, unknown>;
    assert.equal(metadata.client_id_metadata_document_supported, true);
    assert.equal(metadata.issuer, as.issuer);
  });

  for (const era of ERAS) {
    for (const path of PATHS) {
      test(`${era.name}, ${path}: authorization code + PKCE with a metadata document URL as client_id`, async () => {
        const url = new URL(path, adapter.url);
        const mark = markOf(as);
        const registrations = as.registrations;
        const provider = new AppOAuthProvider({
          metadata: APP_METADATA,
          redirectUri: REDIRECT_URI,
          userAgentFetch: trustingFetch,
          clientMetadataUrl,
        });
        const { client, transport } = await connectWithAuthorizationCode(url, era, provider, trustingFetch);
        try {
          await useServer(client, transport, era, `metadata document client via ${path}`);
        } catch (error) {
          throw new Error(`${String(error)}\nadapter output:\n${adapter.output()}`);
        } finally {
          await client.close();
        }
        assert.equal(as.registrations, registrations, 'no dynamic registration');
        assert.equal(provider.clientInformation()?.client_id, clientMetadataUrl);
        const claims = claimsOf(provider.tokens()?.access_token);
        assert.deepEqual([claims.aud, claims.sub, claims.client_id], [url.href, RESOURCE_OWNER, clientMetadataUrl]);
        const { tokens, authorizations } = since(as, mark);
        assert.deepEqual(authorizations, [
          { clientId: clientMetadataUrl, resource: url.href, codeChallengeMethod: 'S256', redirectUri: REDIRECT_URI },
        ]);
        assert.deepEqual(
          tokens.map(({ grantType, clientId, resource }) => ({ grantType, clientId, resource })),
          [{ grantType: 'authorization_code', clientId: clientMetadataUrl, resource: url.href }],
          'the resource asked for is the URL the client used',
        );
        assert.deepEqual(as.clientMetadataFetches.slice(0, 1), [clientMetadataUrl], 'the server fetched the document');
        assert.ok(documentHost.count(documentPath) >= 1);
      });
    }
  }
});
