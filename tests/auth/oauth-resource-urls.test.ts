import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { Client, ClientCredentialsProvider, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { MCP_HEADERS, initializeBody, nodeFixtureServer, startAdapter, type TestAdapter } from '../helpers/adapter.js';
import { json, makeKey, nowSeconds, signToken, startServer, type TestKey, type TestServer } from './helpers/issuers.js';

/**
 * One resource rule at every URL a server answers (`/mcp/<name>`, and `/mcp` and `/api/mcp` for
 * the default server): the challenge and the RFC 9728 metadata name the URL the client used, and
 * a token for any of the server's URLs works on all of them. Proven with the official SDK client's
 * own OAuth flow (ClientCredentialsProvider, RFC 8707 resource indicators), which refuses metadata
 * whose `resource` is not the URL it connects to (RFC 9728 section 3.3).
 */
interface AuthorizationServer {
  server: TestServer;
  issuer: string;
  /** The `resource` of each token request, in order. */
  resources: string[];
  jwksFetches: number;
  token(aud: string): Promise<string>;
}

const CLIENT_ID = 'adapter-test-client';
const CLIENT_SECRET = 'adapter-test-secret';

/** An OAuth 2.0 authorization server (RFC 8414 metadata, client credentials, RFC 8707 `resource` as `aud`). */
async function startAuthorizationServer(): Promise<AuthorizationServer> {
  const key: TestKey = await makeKey();
  const state = { resources: [] as string[], jwksFetches: 0 };
  let issuer = '';
  const sign = (aud: string, sub = CLIENT_ID) =>
    signToken({ iss: issuer, aud, sub, iat: nowSeconds(), exp: nowSeconds() + 600 }, { key });
  const server = await startServer(async (request, response, body) => {
    const url = new URL(request.url ?? '/', 'http://x');
    if (url.pathname === '/.well-known/oauth-authorization-server') {
      return json(response, 200, {
        issuer,
        // RFC 8414 section 2: required (the SDK's schema insists), though only client credentials are served.
        authorization_endpoint: `${issuer}/authorize`,
        token_endpoint: `${issuer}/token`,
        jwks_uri: `${issuer}/jwks`,
        grant_types_supported: ['client_credentials'],
        token_endpoint_auth_methods_supported: ['client_secret_basic'],
        response_types_supported: ['code'],
      });
    }
    if (url.pathname === '/jwks') {
      state.jwksFetches += 1;
      return json(response, 200, { keys: [key.publicJwk] });
    }
    if (url.pathname === '/token' && request.method === 'POST') {
      const form = new URLSearchParams(body);
      const basic = Buffer.from(`${CLIENT_ID}:${CLIENT_SECRET}`).toString('base64');
      if (request.headers.authorization !== `Basic ${basic}`) return json(response, 401, { error: 'invalid_client' });
      if (form.get('grant_type') !== 'client_credentials')
        return json(response, 400, { error: 'unsupported_grant_type' });
      const resource = form.get('resource');
      if (!resource) return json(response, 400, { error: 'invalid_target', error_description: 'resource is required' });
      state.resources.push(resource);
      return json(response, 200, { access_token: await sign(resource), token_type: 'Bearer', expires_in: 600 });
    }
    json(response, 404, { error: 'not_found' });
  });
  issuer = server.origin;
  return Object.assign(state, { server, issuer, token: (aud: string) => sign(aud) });
}

describe('OAuth at every URL of a server: one resource rule', () => {
  let as: AuthorizationServer;
  let adapter: TestAdapter;
  before(async () => {
    as = await startAuthorizationServer();
    const auth = { method: 'oauth2_bearer', oauth2_issuer: as.issuer };
    adapter = await startAdapter(
      {
        mcpServers: {
          alpha: nodeFixtureServer([], { default: true, auth }),
          beta: nodeFixtureServer([], { auth }),
        },
      },
      { authEnv: {} },
    );
  });
  after(async () => {
    await adapter.close();
    await as.server.close();
  });

  for (const path of ['/mcp', '/api/mcp', '/mcp/alpha']) {
    test(`the SDK client's own OAuth flow connects, lists and calls at ${path}`, async () => {
      const url = new URL(path, adapter.url);
      const requested = as.resources.length;
      const client = new Client({ name: 'oauth-test', version: '1.0.0' });
      const transport = new StreamableHTTPClientTransport(url, {
        authProvider: new ClientCredentialsProvider({
          clientId: CLIENT_ID,
          clientSecret: CLIENT_SECRET,
          expectedIssuer: as.issuer,
        }),
      });
      try {
        await client.connect(transport);
        const { tools } = await client.listTools();
        assert.ok(tools.some((tool) => tool.name === 'echo'));
        const result = (await client.callTool({ name: 'echo', arguments: { text: `via ${path}` } })) as {
          content: Array<{ text: string }>;
        };
        assert.equal(result.content[0]!.text, `via ${path}`);
      } finally {
        await client.close();
      }
      assert.deepEqual(as.resources.slice(requested), [url.href], 'the token was asked for the URL the client used');
    });

    test(`the metadata at ${path} names that URL exactly, and the challenge points to it`, async () => {
      const metadata = await fetch(new URL(`/.well-known/oauth-protected-resource${path}`, adapter.url));
      assert.equal(metadata.status, 200);
      const body = (await metadata.json()) as { resource: string; authorization_servers: string[] };
      assert.equal(body.resource, new URL(path, adapter.url).href);
      assert.deepEqual(body.authorization_servers, [as.issuer]);
      const challenge = await fetch(new URL(path, adapter.url), {
        method: 'POST',
        headers: MCP_HEADERS,
        body: initializeBody(),
      });
      assert.equal(challenge.status, 401);
      await challenge.text();
      assert.equal(
        challenge.headers.get('www-authenticate'),
        `Bearer resource_metadata="${new URL(`/.well-known/oauth-protected-resource${path}`, adapter.url).href}"`,
      );
    });
  }

  /** initialize with a bearer token; `host` is sent as the Host header (node:http: fetch does not let a caller set it). */
  function initializeWith(path: string, token: string, host?: string): Promise<number> {
    const target = new URL(path, adapter.url);
    return new Promise((resolve, reject) => {
      const req = httpRequest({
        host: target.hostname,
        port: target.port,
        method: 'POST',
        path: target.pathname,
        headers: { ...MCP_HEADERS, authorization: `Bearer ${token}`, host: host ?? target.host },
      });
      req.on('response', (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode!));
      });
      req.on('error', reject);
      req.end(initializeBody());
    });
  }

  test("a token for one of the server's URLs works on all of them; another server's token does not", async () => {
    const forDefault = await as.token(new URL('/mcp', adapter.url).href);
    assert.equal(await initializeWith('/mcp/alpha', forDefault), 200);
    assert.equal(await initializeWith('/api/mcp', forDefault), 200);
    const forBeta = await as.token(new URL('/mcp/beta', adapter.url).href);
    assert.equal(await initializeWith('/mcp/beta', forBeta), 200);
    assert.equal(await initializeWith('/mcp/alpha', forBeta), 401, "beta's token is not alpha's");
    assert.equal(await initializeWith('/mcp', forBeta), 401);
  });

  test('the Host header selects an origin and never adds one: no case trick, no key set per Host', async () => {
    const port = new URL(adapter.url).port;
    // `aud` spelled as a client could make the Host header spell it: the adapter's URL is lower case.
    const shouting = await as.token(`http://LOCALHOST:${port}/mcp/alpha`);
    assert.equal(await initializeWith('/mcp/alpha', shouting, `LOCALHOST:${port}`), 401);
    // A loopback name with another port is another origin, and not this adapter's: refused before any token check.
    const otherPort = await as.token('http://localhost:1/mcp/alpha');
    assert.equal(await initializeWith('/mcp/alpha', otherPort, 'localhost:1'), 403);
    const fetchesBefore = as.jwksFetches;
    for (let i = 0; i < 60; i += 1) {
      const host = i % 2 === 0 ? `localhost:${1000 + i}` : `LocalHost:${port}`;
      assert.notEqual(await initializeWith('/mcp/alpha', otherPort, host), 200, host);
    }
    assert.ok(
      as.jwksFetches - fetchesBefore <= 1,
      `${as.jwksFetches - fetchesBefore} key-set fetches for 60 Host values`,
    );
  });
});
