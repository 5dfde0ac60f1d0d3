import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { authenticate, MAX_AUTHORIZATION_BYTES, type AuthOutcome } from '../../src/auth/authenticate.js';
import {
  authenticationRequired,
  authenticationUnavailable,
  headerTooLarge,
  insufficientScope,
} from '../../src/auth/bearer-challenge.js';
import { ANONYMOUS } from '../../src/auth/principal.js';
import type { TokenVerifier } from '../../src/auth/types.js';
import { createVerifierRegistry } from '../../src/auth/verifier-registry.js';
import { parseConfig } from '../../src/config/load-config.js';
import type { ServerConfig } from '../../src/config/model.js';
import { createLogger, type LogFields } from '../../src/observability/logger.js';
import { hashTag } from '../../src/observability/telemetry.js';
import { startOidcIssuer, type OidcIssuer } from '../auth/helpers/issuers.js';

/**
 * Who is calling, decided from real Requests against a real OIDC issuer on loopback (metadata,
 * JWKS, tokens signed with jose): every refusal as RFC 6750 / RFC 9728 say, with its status,
 * challenge, body and log line, and never the token in a log.
 */
const RESOURCE = 'https://mcp.example.com/mcp/api';
const METADATA = 'https://mcp.example.com/.well-known/oauth-protected-resource/mcp/api';

describe('authenticate: bearer tokens of a protected endpoint', () => {
  let issuer: OidcIssuer;
  let downIssuer: OidcIssuer;
  let servers: Map<string, ServerConfig>;
  let verifierFor: (server: ServerConfig) => TokenVerifier | undefined;
  const logs: LogFields[] = [];
  const logger = createLogger({ level: 'debug', sink: (record) => logs.push(record) });

  before(async () => {
    issuer = await startOidcIssuer({ audience: 'api://mcp-unit' });
    downIssuer = await startOidcIssuer({ audience: 'api://mcp-unit' });
    downIssuer.jwksDown = true;
    const oauth = (issuerUrl: string, scopes: string[]) => ({
      command: 'node',
      auth: {
        method: 'oauth2_bearer',
        oauth2_issuer: issuerUrl,
        oauth2_audience: 'api://mcp-unit',
        oauth2_required_scopes: scopes,
      },
    });
    const { config } = parseConfig(
      JSON.stringify({
        mcpServers: {
          api: oauth(issuer.issuer, ['mcp.call', 'mcp.read']),
          open: oauth(issuer.issuer, []),
          down: oauth(downIssuer.issuer, []),
          keyed: { command: 'node' },
          none: { command: 'node', auth: { caller: { type: 'none' } } },
        },
      }),
      '/project/mcp_config.json',
    );
    servers = config.servers;
    const registry = createVerifierRegistry({ env: {} });
    verifierFor = (server) => registry(server);
  });
  after(async () => {
    await issuer.server.close();
    await downIssuer.server.close();
  });

  function call(server: string, authorization?: string): Promise<AuthOutcome> {
    const request = new Request(RESOURCE, {
      method: 'POST',
      headers: authorization === undefined ? {} : { authorization },
    });
    const config = servers.get(server)!;
    return authenticate(request, config, {
      resource: RESOURCE,
      resourceAudiences: [RESOURCE],
      metadataUrl: METADATA,
      verifier: verifierFor(config),
      logger,
    });
  }

  async function refused(outcome: AuthOutcome): Promise<{ status: number; headers: Headers; body: unknown }> {
    assert.equal(outcome.ok, false);
    const { response } = outcome as { ok: false; response: Response };
    assert.equal(response.headers.get('content-type'), 'application/json');
    return { status: response.status, headers: response.headers, body: await response.json() };
  }

  function lastLog(): LogFields {
    return logs.at(-1)!;
  }

  test('endpoints without token verification have one principal, whatever the request carries', async () => {
    for (const server of ['keyed', 'none']) {
      assert.equal(verifierFor(servers.get(server)!), undefined);
      assert.deepEqual(await call(server), { ok: true, principal: ANONYMOUS });
      assert.deepEqual(await call(server, 'Bearer forged.token.here'), { ok: true, principal: 'anonymous' });
      // Function-key and open endpoints never judge a token, even with a verifier at hand.
      const config = servers.get(server)!;
      const withVerifier = await authenticate(
        new Request(RESOURCE, { headers: { authorization: 'Bearer x.y.z' } }),
        config,
        {
          resource: RESOURCE,
          resourceAudiences: [RESOURCE],
          metadataUrl: METADATA,
          verifier: verifierFor(servers.get('api')!),
          logger,
        },
      );
      assert.deepEqual(withVerifier, { ok: true, principal: ANONYMOUS }, server);
    }
  });

  test('a valid token with the required scopes names its caller: issuer and subject', async () => {
    const token = await issuer.token({ scope: 'mcp.read other mcp.call', sub: 'alice' });
    const outcome = await call('api', `Bearer ${token}`);
    assert.ok(outcome.ok);
    assert.equal(outcome.principal, `${issuer.issuer}|alice`);
    assert.equal(outcome.caller?.principal, outcome.principal);
    assert.equal(outcome.caller?.token, token);
    assert.deepEqual(outcome.caller?.scopes, ['mcp.read', 'other', 'mcp.call']);
    // The scheme is case-insensitive; spaces around the token do not matter.
    for (const header of [`bearer ${token}`, `BEARER   ${token}  `, `Bearer ${token}\t`]) {
      const again = await call('api', header);
      assert.ok(again.ok, header);
      assert.equal(again.principal, `${issuer.issuer}|alice`);
    }
    const noScopesNeeded = await call('open', `Bearer ${await issuer.token({ sub: 'bob' })}`);
    assert.ok(noScopesNeeded.ok);
    assert.equal(noScopesNeeded.principal, `${issuer.issuer}|bob`);
  });

  test('no bearer token: 401 with a challenge naming the scopes and the resource metadata', async () => {
    const token = await issuer.token({ scope: 'mcp.call mcp.read' });
    for (const header of [
      undefined,
      '',
      'Bearer',
      'Bearer ',
      `Basic ${token}`,
      `XBearer ${token}`,
      `Bearer${token}`,
      `Bearer ${token} extra`,
      `Token Bearer ${token}`,
    ]) {
      const { status, headers, body } = await refused(await call('api', header));
      assert.equal(status, 401, String(header));
      assert.equal(
        headers.get('www-authenticate'),
        `Bearer scope="mcp.call mcp.read", resource_metadata="${METADATA}"`,
        String(header),
      );
      assert.deepEqual(body, {
        error: { code: 'authentication_required', message: 'Missing or invalid Authorization header' },
      });
      assert.deepEqual(
        { ...lastLog(), time: undefined },
        {
          time: undefined,
          level: 'info',
          message: 'no bearer token',
          server: 'api',
          scheme: header === undefined ? null : header.split(' ')[0],
        },
      );
    }
    const open = await refused(await call('open'));
    assert.equal(open.headers.get('www-authenticate'), `Bearer resource_metadata="${METADATA}"`, 'no scope to name');
  });

  test('a refused token: 401 invalid_token with the reason; the token is never logged', async () => {
    const expired = await issuer.token({ scope: 'mcp.call mcp.read', exp: Math.floor(Date.now() / 1000) - 3600 });
    const { status, headers, body } = await refused(await call('api', `Bearer ${expired}`));
    assert.equal(status, 401);
    assert.equal(
      headers.get('www-authenticate'),
      `Bearer error="invalid_token", error_description="token expired", scope="mcp.call mcp.read", resource_metadata="${METADATA}"`,
    );
    assert.deepEqual(body, {
      error: { code: 'authentication_required', message: 'Invalid bearer token: token expired' },
    });
    assert.deepEqual(
      { ...lastLog(), time: undefined },
      { time: undefined, level: 'info', message: 'token refused', server: 'api', reason: 'token expired' },
    );
    const wrongAudience = await issuer.token({ scope: 'mcp.call mcp.read', aud: 'api://other' });
    const refusedAudience = await refused(await call('api', `Bearer ${wrongAudience}`));
    assert.match(refusedAudience.headers.get('www-authenticate')!, /error_description="audience not accepted"/);
    assert.ok(!JSON.stringify(logs).includes(expired) && !JSON.stringify(logs).includes(wrongAudience));
  });

  test('an issuer that cannot be reached: 503 with Retry-After, never a pass', async () => {
    const token = await downIssuer.token();
    const { status, headers, body } = await refused(await call('down', `Bearer ${token}`));
    assert.equal(status, 503);
    assert.equal(headers.get('retry-after'), '30');
    assert.equal(headers.get('www-authenticate'), null);
    const { error } = body as { error: { code: string; message: string } };
    assert.equal(error.code, 'authentication_unavailable');
    assert.match(
      error.message,
      /^Cannot verify tokens right now: signing keys at http:\/\/127\.0\.0\.1:\d+\/.* could not be fetched .*; retry later$/,
    );
    assert.equal(lastLog().level, 'error');
    assert.equal(lastLog().message, 'token verification unavailable');
    assert.equal(lastLog().server, 'down');
    assert.match(String(lastLog().reason), /could not be fetched/);
  });

  test('missing scopes: 403 insufficient_scope naming what is required and what is missing', async () => {
    const token = await issuer.token({ scope: 'mcp.call', sub: 'carol' });
    const { status, headers, body } = await refused(await call('api', `Bearer ${token}`));
    assert.equal(status, 403);
    assert.equal(
      headers.get('www-authenticate'),
      `Bearer error="insufficient_scope", scope="mcp.call mcp.read", resource_metadata="${METADATA}"`,
    );
    assert.deepEqual(body, {
      error: { code: 'insufficient_scopes', message: 'Token missing required scopes: mcp.read' },
    });
    assert.deepEqual(
      { ...lastLog(), time: undefined },
      {
        time: undefined,
        level: 'info',
        message: 'token lacks required scopes',
        server: 'api',
        principal: hashTag(`${issuer.issuer}|carol`),
        missing: ['mcp.read'],
      },
    );
    const none = await refused(await call('api', `Bearer ${await issuer.token({ scope: '' })}`));
    assert.deepEqual(none.body, {
      error: { code: 'insufficient_scopes', message: 'Token missing required scopes: mcp.call mcp.read' },
    });
  });

  test('an oversized Authorization header is refused before any parsing: 431', async () => {
    const token = await issuer.token({ scope: 'mcp.call mcp.read' });
    const huge = `Bearer ${token}${'x'.repeat(MAX_AUTHORIZATION_BYTES)}`;
    const { status, headers, body } = await refused(await call('api', huge));
    assert.equal(status, 431);
    assert.equal(headers.get('www-authenticate'), null);
    assert.deepEqual(body, { error: { code: 'header_too_large', message: 'The Authorization header is too large' } });
    assert.deepEqual(
      { ...lastLog(), time: undefined },
      {
        time: undefined,
        level: 'warn',
        message: 'refused an oversized Authorization header',
        server: 'api',
        bytes: huge.length,
      },
    );
    assert.equal(MAX_AUTHORIZATION_BYTES, 16_384);
    // At the limit exactly, the header is read (and this token refused on its merits).
    const padded = `Bearer ${token}`.padEnd(MAX_AUTHORIZATION_BYTES, 'x');
    assert.equal(padded.length, MAX_AUTHORIZATION_BYTES);
    assert.equal((await refused(await call('api', padded))).status, 401);
  });
});

describe('bearer challenges', () => {
  test('values are quoted with quotes, backslashes and line breaks neutralised; empty ones left out', async () => {
    const response = authenticationRequired('https://m.example/meta', [], 'bad "alg"\\\r\nInjected: yes');
    assert.equal(response.status, 401);
    assert.equal(
      response.headers.get('www-authenticate'),
      'Bearer error="invalid_token", error_description="bad  alg    Injected: yes", resource_metadata="https://m.example/meta"',
    );
    assert.deepEqual(await response.json(), {
      error: { code: 'authentication_required', message: 'Invalid bearer token: bad "alg"\\\r\nInjected: yes' },
    });
    assert.equal(
      authenticationRequired('https://m.example/meta', ['a'], '').headers.get('www-authenticate'),
      'Bearer scope="a", resource_metadata="https://m.example/meta"',
    );
  });

  test('403, 503 and 431 answers', async () => {
    const forbidden = insufficientScope('https://m.example/meta', ['a', 'b'], ['b']);
    assert.equal(forbidden.status, 403);
    assert.equal(forbidden.headers.get('content-type'), 'application/json');
    assert.equal(
      forbidden.headers.get('www-authenticate'),
      'Bearer error="insufficient_scope", scope="a b", resource_metadata="https://m.example/meta"',
    );
    const unavailable = authenticationUnavailable('issuer down', 12);
    assert.equal(unavailable.status, 503);
    assert.equal(unavailable.headers.get('retry-after'), '12');
    assert.equal(unavailable.headers.get('content-type'), 'application/json');
    assert.deepEqual(await unavailable.json(), {
      error: {
        code: 'authentication_unavailable',
        message: 'Cannot verify tokens right now: issuer down; retry later',
      },
    });
    const tooLarge = headerTooLarge();
    assert.equal(tooLarge.status, 431);
    assert.equal(tooLarge.headers.get('content-type'), 'application/json');
  });
});
