import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { SignJWT, exportSPKI } from 'jose';
import { MAX_AUTHORIZATION_BYTES } from '../../src/auth/authenticate.js';
import { createVerifierRegistry } from '../../src/auth/verifier-registry.js';
import { loadConfigFile } from '../../src/config/load-config.js';
import { createLogger, type LogFields } from '../../src/observability/logger.js';
import { createRuntime } from '../../src/runtime/create-runtime.js';
import { initializeBody, MCP_HEADERS, nodeFixtureServer, startAdapter, type TestAdapter } from '../helpers/adapter.js';
import { callToolRaw, messagesOf, post, toolCall } from '../helpers/raw-http.js';
import {
  APP_ID_URI,
  CLIENT_ID,
  makeKey,
  nowSeconds,
  rawJwt,
  signToken,
  startEntraAuthority,
  startOidcIssuer,
  startTokenEndpoints,
  type EntraAuthority,
  type OidcIssuer,
  type TokenEndpoints,
} from './helpers/issuers.js';

const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const OTHER_TENANT = '00000000-1111-2222-3333-444444444444';

/**
 * Callers through the real adapter over HTTP, against a real OIDC issuer, an Entra-shaped
 * authority and userinfo/introspection endpoints on loopback: every attack answered as the spec
 * and the predecessor's error bodies say, with nothing secret in the logs.
 */
describe('authentication over HTTP', () => {
  let issuer: OidcIssuer;
  let entra: EntraAuthority;
  let endpoints: TokenEndpoints;
  let adapter: TestAdapter;
  let downIssuer: OidcIssuer;

  before(async () => {
    issuer = await startOidcIssuer({ audience: 'api://mcp-test' });
    downIssuer = await startOidcIssuer({ audience: 'api://mcp-test' });
    downIssuer.jwksDown = true;
    entra = await startEntraAuthority();
    endpoints = await startTokenEndpoints();
    adapter = await startAdapter(
      {
        mcpServers: {
          oauth: nodeFixtureServer([], {
            auth: {
              method: 'oauth2_bearer',
              oauth2_issuer: issuer.issuer,
              oauth2_audience: 'api://mcp-test',
              oauth2_required_scopes: ['mcp.call'],
            },
          }),
          entra: nodeFixtureServer([], {
            auth: {
              caller: { type: 'entra', required_scopes: ['mcp.access'] },
              allowed_tenants: [TENANT],
              oauth2_audience: APP_ID_URI,
              azure_client_id: CLIENT_ID,
            },
          }),
          forward: nodeFixtureServer([], {
            auth: {
              method: 'oauth2_bearer',
              oauth2_issuer: issuer.issuer,
              oauth2_audience: 'api://mcp-test',
              forward_user_token: true,
            },
          }),
          github: nodeFixtureServer([], {
            auth: {
              method: 'oauth2_bearer',
              oauth2_issuer: 'https://github.com',
              oauth2_userinfo_endpoint: endpoints.userinfoEndpoint,
              oauth2_user_claim: 'id',
            },
          }),
          open: nodeFixtureServer([], { sessions: { max_per_principal: 1 } }),
          down: nodeFixtureServer([], {
            auth: { method: 'oauth2_bearer', oauth2_issuer: downIssuer.issuer, oauth2_audience: 'api://mcp-test' },
          }),
          capped: nodeFixtureServer([], {
            auth: { method: 'oauth2_bearer', oauth2_issuer: issuer.issuer, oauth2_audience: 'api://mcp-test' },
            sessions: { max_per_principal: 1 },
          }),
        },
        // npm test shares one user among children (the isolation suite gives each its own).
        adapter: { allow_shared_user_credentials: true },
      },
      { authEnv: { MCP_ADAPTER_AUTHORITY_HOST: entra.authorityHost } },
    );
  });

  after(async () => {
    await adapter.close();
    for (const server of [issuer.server, downIssuer.server, entra.server, endpoints.server]) await server.close();
  });

  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
  const goodToken = (claims = {}) => issuer.token({ scope: 'mcp.call other', ...claims });

  async function initialize(server: string, token: string): Promise<Response> {
    return post(adapter.endpoint(server), initializeBody(), bearer(token));
  }

  async function expectChallenge(
    response: Response,
    status: number,
    code: string,
    header: RegExp,
    message?: RegExp,
    label = '',
  ): Promise<{ header: string; message: string }> {
    const text = await response.text();
    const context = (what: string) => `${label ? `${label}: ` : ''}${what} (${response.status} ${text})`;
    assert.equal(response.status, status, context('status'));
    const body = JSON.parse(text) as { error: { code: string; message: string } };
    assert.equal(body.error.code, code, context('error code'));
    if (message) assert.match(body.error.message, message, context('error message'));
    const challenge = response.headers.get('www-authenticate') ?? '';
    if (status === 401 || status === 403) assert.match(challenge, header, context('WWW-Authenticate'));
    return { header: challenge, message: body.error.message };
  }

  /** The JSON-RPC error every kind of unknown session gets (another user's included): 404, nothing more. */
  async function expectSessionNotFound(response: Response, label: string): Promise<void> {
    const text = await response.text();
    assert.equal(response.status, 404, `${label}: ${text}`);
    assert.deepEqual(JSON.parse(text), {
      jsonrpc: '2.0',
      id: null,
      error: {
        code: -32000,
        message: 'Session not found: it ended or never existed; start a new session with initialize',
      },
    });
  }

  test('a valid token opens a session; the session is bound to its user', async () => {
    const response = await initialize('oauth', await goodToken());
    assert.equal(response.status, 200);
    const session = response.headers.get('mcp-session-id')!;
    const echo = await post(adapter.endpoint('oauth'), toolCall(2, 'echo', { text: 'hi' }), {
      ...bearer(await goodToken()),
      'mcp-session-id': session,
    });
    assert.equal(
      ((await messagesOf(echo))[0] as { result: { content: Array<{ text: string }> } }).result.content[0]!.text,
      'hi',
    );
    const userB = await post(adapter.endpoint('oauth'), toolCall(3, 'echo', { text: 'hi' }), {
      ...bearer(await goodToken({ sub: 'user-2' })),
      'mcp-session-id': session,
    });
    await expectSessionNotFound(userB, "user B's valid token on user A's session looks like an unknown session");
    // This session's audit line (the log is shared by every test of this file).
    const audit = adapter.logs.find(
      (log) => log.component === 'audit' && log.tool === 'echo' && log.session === session.slice(-8),
    );
    assert.deepEqual(
      { ...audit, time: undefined, durationMs: typeof audit?.durationMs },
      {
        time: undefined,
        level: 'info',
        message: 'tool call',
        component: 'audit',
        server: 'oauth',
        session: session.slice(-8),
        principal: `${issuer.issuer}|user-1`,
        tool: 'echo',
        outcome: 'ok',
        durationMs: 'number',
      },
    );
  });

  test('no token: 401 with the resource metadata and the scope in WWW-Authenticate', async () => {
    const response = await post(adapter.endpoint('oauth'), initializeBody());
    const metadata = `${adapter.url}/.well-known/oauth-protected-resource/mcp/oauth`;
    await expectChallenge(
      response,
      401,
      'authentication_required',
      new RegExp(`^Bearer scope="mcp.call", resource_metadata="${metadata}"$`),
      /Missing or invalid Authorization header/,
    );
  });

  test('the attack matrix: each refused with its reason, as invalid_token', async () => {
    const publicPem = await exportSPKI(issuer.key.publicKey as CryptoKey);
    const stranger = await makeKey('RS256', issuer.key.kid);
    const unknownKid = await makeKey('RS256', 'never-published');
    const cases: Array<[string, string, RegExp]> = [
      ['malformed', 'not-a-jwt', /malformed|not a JWT/i],
      [
        'alg none',
        rawJwt(
          { alg: 'none', typ: 'JWT' },
          { iss: issuer.issuer, aud: 'api://mcp-test', sub: 'x', exp: nowSeconds() + 600, scope: 'mcp.call' },
        ),
        /algorithm/i,
      ],
      [
        'HS256 signed with the public key',
        await new SignJWT({ iss: issuer.issuer, aud: 'api://mcp-test', sub: 'x', scope: 'mcp.call' })
          .setProtectedHeader({ alg: 'HS256', kid: issuer.key.kid })
          .setExpirationTime('10m')
          .sign(new TextEncoder().encode(publicPem)),
        /algorithm/i,
      ],
      ['unknown kid', await goodTokenWith(unknownKid), /signing key/i],
      ['a key the issuer never published', await goodTokenWith(stranger), /signature/i],
      ['expired', await goodToken({ exp: nowSeconds() - 3600, iat: nowSeconds() - 7200 }), /expired/i],
      ['nbf in the future', await goodToken({ nbf: nowSeconds() + 3600 }), /not (yet )?(valid|active)|nbf/i],
      ['wrong issuer', await goodToken({ iss: 'https://evil.example' }), /issuer/i],
      ['wrong audience', await goodToken({ aud: 'api://someone-else' }), /audience/i],
    ];
    const metadata = `${adapter.url}/.well-known/oauth-protected-resource/mcp/oauth`;
    for (const [name, token, reason] of cases) {
      const response = await initialize('oauth', token);
      const refused = await expectChallenge(
        response,
        401,
        'authentication_required',
        /^Bearer error="invalid_token", error_description="[^"]+", scope="mcp.call", resource_metadata="[^"]+"$/,
        reason,
        name,
      );
      // The body and the challenge say the same reason; the challenge points at this endpoint's metadata.
      const description = /error_description="([^"]+)"/.exec(refused.header)![1]!;
      assert.match(description, reason, `${name}: error_description`);
      assert.equal(refused.message, `Invalid bearer token: ${description}`, `${name}: body and challenge agree`);
      assert.ok(refused.header.endsWith(`resource_metadata="${metadata}"`), `${name}: ${refused.header}`);
    }
    const logged = JSON.stringify(adapter.logs);
    for (const [, token] of cases)
      if (token.length > 20) assert.equal(logged.includes(token), false, 'tokens never reach the log');

    async function goodTokenWith(key: Awaited<ReturnType<typeof makeKey>>) {
      return signToken(
        {
          iss: issuer.issuer,
          aud: 'api://mcp-test',
          sub: 'user-1',
          scope: 'mcp.call',
          iat: nowSeconds(),
          exp: nowSeconds() + 600,
        },
        { key },
      );
    }
  });

  test('a missing scope: 403 insufficient_scope naming it', async () => {
    const response = await initialize('oauth', await issuer.token({ scope: 'other' }));
    await expectChallenge(
      response,
      403,
      'insufficient_scopes',
      /^Bearer error="insufficient_scope", scope="mcp.call", resource_metadata=/,
      /^Token missing required scopes: mcp.call$/,
    );
  });

  test('Entra: v1 and v2 tokens of an allowed tenant pass and are the same principal; another tenant is refused', async () => {
    const v2 = await initialize('entra', await entra.token(TENANT, 2));
    assert.equal(v2.status, 200, await v2.clone().text());
    const session = v2.headers.get('mcp-session-id')!;
    const withV1 = await post(adapter.endpoint('entra'), toolCall(2, 'echo', { text: 'v1' }), {
      ...bearer(await entra.token(TENANT, 1)),
      'mcp-session-id': session,
    });
    assert.equal(withV1.status, 200, 'a v1 token of the same user reaches the same session');
    const otherTenant = await initialize('entra', await entra.token(OTHER_TENANT, 2));
    await expectChallenge(otherTenant, 401, 'authentication_required', /error="invalid_token"/, /tenant/i);
    const noScope = await initialize('entra', await entra.token(TENANT, 2, { scp: 'something.else' }));
    await expectChallenge(noScope, 403, 'insufficient_scopes', /insufficient_scope/, /mcp.access/);
  });

  test('opaque tokens are verified at the userinfo endpoint; an unknown one is refused', async () => {
    endpoints.userinfo.set('gho_valid', {
      body: { id: 4242, login: 'ada' },
      headers: { 'x-oauth-scopes': 'repo, read:user' },
    });
    const ok = await initialize('github', 'gho_valid');
    assert.equal(ok.status, 200, await ok.clone().text());
    await expectChallenge(await initialize('github', 'gho_unknown'), 401, 'authentication_required', /invalid_token/);
  });

  test('the issuer unreachable: 503 with Retry-After, never a pass', async () => {
    const response = await initialize('down', await downIssuer.token({ scope: 'mcp.call' }));
    assert.equal(response.status, 503);
    assert.ok(Number(response.headers.get('retry-after')) > 0);
    const body = (await response.json()) as { error: { code: string; message: string } };
    assert.equal(body.error.code, 'authentication_unavailable');
    assert.match(body.error.message, /^Cannot verify tokens right now: .*; retry later$/);
  });

  test('an oversized Authorization header: 431 with a JSON body, from the host before the app (100 KB) and from the app past its own 16 KB limit', async () => {
    const before = adapter.logs.length;
    const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = httpRequest(
        adapter.endpoint('oauth'),
        { method: 'POST', headers: { ...MCP_HEADERS, authorization: `Bearer ${'a'.repeat(100 * 1024)}` } },
        (res) => {
          let body = '';
          res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
          res.on('end', () => resolve({ status: res.statusCode!, body }));
        },
      );
      req.on('error', reject);
      req.end(initializeBody());
    });
    assert.equal(answer.status, 431, answer.body);
    // Node's HTTP parser refuses it (headers over 64 KB) before any request exists; the host's answer has a body a client can show.
    assert.deepEqual(JSON.parse(answer.body), {
      error: { code: 'header_too_large', message: 'The request headers are too large (over 64 KB)' },
    });
    assert.deepEqual(
      adapter.logs.slice(before).filter((log) => log.component === 'auth'),
      [],
      'nothing reached the auth step',
    );
    // Between the app's 16 KB and the host's 64 KB: the app's own 431, a body a client can show.
    const appAnswer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = httpRequest(
        adapter.endpoint('oauth'),
        { method: 'POST', headers: { ...MCP_HEADERS, authorization: `Bearer ${'a'.repeat(20 * 1024)}` } },
        (res) => {
          let body = '';
          res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
          res.on('end', () => resolve({ status: res.statusCode!, body }));
        },
      );
      req.on('error', reject);
      req.end(initializeBody());
    });
    assert.equal(appAnswer.status, 431);
    assert.deepEqual(JSON.parse(appAnswer.body), {
      error: { code: 'header_too_large', message: 'The Authorization header is too large' },
    });

    // Past Node's limit (Functions host, a proxy): the app's own check, in-process through the same app.
    const dir = mkdtempSync(path.join(tmpdir(), 'mcp-auth-431-'));
    const file = path.join(dir, 'mcp_config.json');
    writeFileSync(
      file,
      JSON.stringify({
        mcpServers: {
          oauth: nodeFixtureServer([], {
            auth: { method: 'oauth2_bearer', oauth2_issuer: issuer.issuer, oauth2_audience: 'api://mcp-test' },
          }),
        },
      }),
    );
    const logs: LogFields[] = [];
    const runtime = createRuntime(loadConfigFile(file, { resolveFrom: process.env }).config, {
      logger: createLogger({ level: 'debug', sink: (record) => logs.push(record) }),
      boundToLoopback: true,
      verifierFor: createVerifierRegistry({ env: {} }),
    });
    try {
      const call = (bytes: number) =>
        runtime.fetch(
          new Request('http://127.0.0.1/mcp/oauth', {
            method: 'POST',
            headers: { ...MCP_HEADERS, authorization: `Bearer ${'a'.repeat(bytes - 'Bearer '.length)}` },
            body: initializeBody(),
          }),
        );
      const tooLarge = await call(MAX_AUTHORIZATION_BYTES + 1);
      assert.equal(tooLarge.status, 431);
      assert.deepEqual(await tooLarge.json(), {
        error: { code: 'header_too_large', message: 'The Authorization header is too large' },
      });
      assert.ok(
        logs.some((log) => log.message === 'refused an oversized Authorization header' && log.server === 'oauth'),
        'the refusal is logged',
      );
      // At the limit the token is read (and refused for what it is, a malformed one).
      const atLimit = await call(MAX_AUTHORIZATION_BYTES);
      await expectChallenge(atLimit, 401, 'authentication_required', /error="invalid_token"/, /malformed|not a JWT/i);
    } finally {
      await runtime.drain();
    }
  });

  test('protected resource metadata (RFC 9728) for every protected endpoint, none for open ones', async () => {
    const metadata = await (await fetch(`${adapter.url}/.well-known/oauth-protected-resource/mcp/oauth`)).json();
    assert.deepEqual(metadata, {
      resource: `${adapter.url}/mcp/oauth`,
      authorization_servers: [issuer.issuer],
      scopes_supported: ['mcp.call'],
      bearer_methods_supported: ['header'],
      resource_name: 'MCP server oauth',
    });
    const entraMetadata = (await (
      await fetch(`${adapter.url}/.well-known/oauth-protected-resource/mcp/entra`)
    ).json()) as { authorization_servers: string[]; scopes_supported: string[] };
    assert.deepEqual(entraMetadata.authorization_servers, [`${entra.authorityHost}/${TENANT}/v2.0`]);
    assert.deepEqual(entraMetadata.scopes_supported, [`${APP_ID_URI}/mcp.access`]);
    const none = await fetch(`${adapter.url}/.well-known/oauth-protected-resource/mcp/open`);
    assert.equal(none.status, 404);
    assert.deepEqual(await none.json(), {
      error: { code: 'not_found', message: 'No protected resource at /mcp/open' },
    });
  });

  test('per-user session cap: 503 with Retry-After for the same user, other users unaffected', async () => {
    assert.equal((await initialize('capped', await goodToken({ sub: 'heavy-user' }))).status, 200);
    const second = await initialize('capped', await goodToken({ sub: 'heavy-user' }));
    assert.equal(second.status, 503);
    assert.ok(Number(second.headers.get('retry-after')) > 0, `Retry-After: ${second.headers.get('retry-after')}`);
    const refused = (await second.json()) as { id: unknown; error: { code: number; message: string } };
    assert.equal(refused.id, 1, 'the refusal answers the initialize request');
    assert.equal(refused.error.code, -32000);
    assert.match(refused.error.message, /^Service Unavailable: .*the most one user may hold.*; retry later$/);
    assert.equal((await initialize('capped', await goodToken({ sub: 'light-user' }))).status, 200);
  });

  test('what the child receives: nothing by default; with forward_user_token the predecessor OAUTH_* contract', async () => {
    const plain = await initialize('oauth', await goodToken());
    const plainReport = JSON.parse(
      await callToolRaw(
        adapter.endpoint('oauth'),
        plain.headers.get('mcp-session-id')!,
        'env_report',
        {},
        bearer(await goodToken()),
      ),
    ) as Record<string, string>;
    for (const name of [
      'OAUTH_ACCESS_TOKEN',
      'OAUTH_USER_ID',
      'AZURE_USER_ASSERTION',
      'IDENTITY_ENDPOINT',
      'MCP_ADAPTER_AUTHORITY_HOST',
    ])
      assert.equal(plainReport[name], undefined, name);
    const token = await goodToken({ sub: 'forwarded-user' });
    const forwarded = await initialize('forward', token);
    const report = JSON.parse(
      await callToolRaw(
        adapter.endpoint('forward'),
        forwarded.headers.get('mcp-session-id')!,
        'env_report',
        {},
        bearer(token),
      ),
    ) as Record<string, string>;
    const { createHash } = await import('node:crypto');
    const hash = (value: string) => createHash('sha256').update(value).digest('hex').slice(0, 16);
    assert.equal(report.OAUTH_ACCESS_TOKEN, hash(token));
    assert.equal(report.OAUTH_USER_ID, hash('forwarded-user'));
    assert.equal(report.OAUTH_SCOPES, hash('mcp.call other'));
  });
});
