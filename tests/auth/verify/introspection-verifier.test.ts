import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { VerifyResult } from '../../../src/auth/types.js';
import { createIntrospectionVerifier, type IntrospectionVerifierOptions } from '../../../src/auth/verify/index.js';
import { deadOrigin, nowSeconds, startTokenEndpoints, type TokenEndpoints } from '../helpers/issuers.js';

const ISSUER = 'https://as.example.com';

function expectInvalid(result: VerifyResult, message: string): void {
  assert.equal(result.ok, false, 'the token must not pass');
  if (result.ok) return;
  assert.equal(result.kind, 'invalid_token', `expected invalid_token, got ${result.kind}: ${result.message}`);
  assert.equal(result.message, message);
}

function expectUnavailable(result: VerifyResult, message: RegExp, retryAfterSeconds = 30): void {
  assert.equal(result.ok, false, 'the token must not pass');
  if (result.ok) return;
  assert.equal(result.kind, 'unavailable', `expected unavailable, got ${result.kind}: ${result.message}`);
  if (result.kind === 'unavailable') assert.equal(result.retryAfterSeconds, retryAfterSeconds);
  assert.match(result.message, message);
}

function expectCaller(result: VerifyResult) {
  if (!result.ok) assert.fail(`expected a pass, got ${result.kind}: ${result.message}`);
  return result.caller;
}

let counter = 0;
const freshToken = (prefix = 'opaque') => `${prefix}_${Date.now().toString(36)}_${++counter}`;

describe('createIntrospectionVerifier: RFC 7662 introspection', () => {
  let endpoints: TokenEndpoints;
  const verifierFor = (options: Partial<IntrospectionVerifierOptions> = {}) =>
    createIntrospectionVerifier({
      issuer: ISSUER,
      introspectionEndpoint: endpoints.introspectionEndpoint,
      clientId: endpoints.clientId,
      clientSecret: endpoints.clientSecret,
      audiences: ['https://mcp.example.com'],
      ...options,
    });
  const introspectionHits = () => endpoints.server.count('/introspect');

  before(async () => {
    endpoints = await startTokenEndpoints();
  });
  after(async () => {
    await endpoints.server.close();
  });

  test('an active token passes: subject, scopes from scope, expiry; client credentials sent with HTTP Basic', async () => {
    const verifier = verifierFor({ requiredScopes: ['mcp'] });
    const token = freshToken();
    const exp = nowSeconds() + 3600;
    endpoints.introspection.set(token, {
      active: true,
      sub: 'u-42',
      scope: 'mcp files:read',
      iss: ISSUER,
      aud: 'https://mcp.example.com',
      exp,
      client_id: 'c1',
    });
    const caller = expectCaller(await verifier.verify(token));
    assert.equal(caller.principal, `${ISSUER}|u-42`);
    assert.equal(caller.issuer, ISSUER);
    assert.equal(caller.subject, 'u-42');
    assert.deepEqual(caller.scopes, ['mcp', 'files:read']);
    assert.equal(caller.expiresAt, exp);
    assert.equal(caller.token, token);
    assert.equal(caller.claims.client_id, 'c1');
    assert.deepEqual(verifier.authorizationServers, [ISSUER]);
    assert.deepEqual(verifier.requiredScopes, ['mcp']);
    assert.match(endpoints.lastIntrospectionAuth ?? '', /^Basic /);
  });

  test('results are cached: a second call does not hit the endpoint; concurrent calls share one request', async () => {
    const verifier = verifierFor();
    const token = freshToken();
    endpoints.introspection.set(token, { active: true, sub: 'u-1', exp: nowSeconds() + 3600 });
    const before = introspectionHits();
    expectCaller(await verifier.verify(token));
    const again = expectCaller(await verifier.verify(token));
    assert.equal(again.token, token, 'the token is given back, not read from the cache');
    assert.equal(introspectionHits(), before + 1);
    const other = freshToken();
    endpoints.introspection.set(other, { active: true, sub: 'u-2', exp: nowSeconds() + 3600 });
    const results = await Promise.all([verifier.verify(other), verifier.verify(other), verifier.verify(other)]);
    for (const result of results) assert.equal(expectCaller(result).subject, 'u-2');
    assert.equal(introspectionHits(), before + 2);
    // Negative answers are cached too: a revoked token retried in a loop asks once.
    const revoked = freshToken();
    expectInvalid(await verifier.verify(revoked), 'token is not active');
    expectInvalid(await verifier.verify(revoked), 'token is not active');
    assert.equal(introspectionHits(), before + 3);
  });

  test('the cache never outlives the TTL or the token exp', async (t) => {
    // The verifier's clock (Date) is the test's: the cache windows are exact, nothing waits.
    t.mock.timers.enable({ apis: ['Date'], now: Date.now() });
    const verifier = verifierFor({ cacheTtlSeconds: 0.3, clockToleranceSeconds: 0 });
    const token = freshToken();
    endpoints.introspection.set(token, { active: true, sub: 'u-3', exp: nowSeconds() + 3600 });
    const before = introspectionHits();
    await verifier.verify(token);
    t.mock.timers.tick(299);
    expectCaller(await verifier.verify(token));
    assert.equal(introspectionHits(), before + 1, 'served from the cache within the TTL');
    t.mock.timers.tick(1);
    expectCaller(await verifier.verify(token));
    assert.equal(introspectionHits(), before + 2, 'asked again once the TTL is over');

    const longTtl = verifierFor({ cacheTtlSeconds: 3600, clockToleranceSeconds: 0 });
    const shortLived = freshToken();
    // exp 2 s from now, on a whole second (as exp is): the cache keeps the answer until then, not an hour.
    t.mock.timers.setTime(nowSeconds() * 1000);
    const exp = nowSeconds() + 2;
    endpoints.introspection.set(shortLived, { active: true, sub: 'u-4', exp });
    const hits = introspectionHits();
    expectCaller(await longTtl.verify(shortLived));
    t.mock.timers.tick(1999);
    expectCaller(await longTtl.verify(shortLived));
    assert.equal(introspectionHits(), hits + 1, 'cached until exp');
    t.mock.timers.tick(1);
    expectInvalid(await longTtl.verify(shortLived), 'token expired');
    assert.equal(introspectionHits(), hits + 2, 'the cached answer ended at exp: asked again, and refused');
  });

  test('active:false and a missing active are refused', async () => {
    const verifier = verifierFor();
    const token = freshToken();
    endpoints.introspection.set(token, { active: false });
    expectInvalid(await verifier.verify(token), 'token is not active');
    const odd = freshToken();
    endpoints.introspection.set(odd, { active: 'true', sub: 'u' });
    expectInvalid(await verifier.verify(odd), 'token is not active');
    expectInvalid(await verifier.verify(freshToken('unknown')), 'token is not active');
  });

  test('exp, nbf, iss and aud are checked when present', async () => {
    const verifier = verifierFor();
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ exp: nowSeconds() - 120 }, 'token expired'],
      [{ exp: 'soon' }, 'malformed token response: exp is not a number'],
      [{ nbf: nowSeconds() + 300 }, 'token not yet valid (nbf is in the future)'],
      [{ iss: 'https://evil.example.com' }, 'issuer not accepted'],
      [{ aud: 'https://other.example.com' }, 'audience not accepted'],
      [{ aud: ['https://a.example.com', 'https://b.example.com'] }, 'audience not accepted'],
    ];
    for (const [fields, message] of cases) {
      const token = freshToken();
      endpoints.introspection.set(token, { active: true, sub: 'u', ...fields });
      expectInvalid(await verifier.verify(token), message);
    }
    const token = freshToken();
    endpoints.introspection.set(token, {
      active: true,
      sub: 'u',
      aud: ['https://b.example.com', 'https://mcp.example.com'],
      exp: nowSeconds() - 30,
    });
    expectCaller(await verifier.verify(token));
    const noSub = freshToken();
    endpoints.introspection.set(noSub, { active: true, client_id: 'service' });
    expectInvalid(await verifier.verify(noSub), 'token has no sub claim');
  });

  test('no token and tokens outside the bearer syntax are refused without a request', async () => {
    const verifier = verifierFor();
    const before = introspectionHits();
    expectInvalid(await verifier.verify(''), 'no bearer token');
    expectInvalid(await verifier.verify('has space'), 'malformed token: characters outside the bearer token syntax');
    expectInvalid(await verifier.verify('x'.repeat(40_000)), 'malformed token: too long');
    assert.equal(introspectionHits(), before);
  });

  test('the introspection endpoint down, or refusing our credentials: unavailable', async () => {
    const down = verifierFor({ introspectionEndpoint: `${await deadOrigin()}/introspect` });
    expectUnavailable(
      await down.verify(freshToken()),
      /token introspection at .* could not be reached \(ECONNREFUSED\)/,
    );
    const wrongSecret = verifierFor({ clientSecret: 'wrong' });
    expectUnavailable(await wrongSecret.verify(freshToken()), /answered HTTP 401 \(check the client credentials\)/);
    const notThere = verifierFor({
      introspectionEndpoint: `${endpoints.server.origin}/nothing`,
      retryAfterSeconds: 10,
    });
    expectUnavailable(await notThere.verify(freshToken()), /answered HTTP 404/, 10);
  });

  test('the factory wants exactly one endpoint, and credentials with introspection', () => {
    assert.throws(() => createIntrospectionVerifier({ issuer: ISSUER }), /exactly one/);
    assert.throws(
      () =>
        createIntrospectionVerifier({
          issuer: ISSUER,
          introspectionEndpoint: 'https://as.example.com/i',
          userinfoEndpoint: 'https://as.example.com/u',
        }),
      /exactly one/,
    );
    assert.throws(
      () => createIntrospectionVerifier({ issuer: ISSUER, introspectionEndpoint: 'https://as.example.com/i' }),
      /clientId and clientSecret/,
    );
    assert.throws(
      () => createIntrospectionVerifier({ issuer: ISSUER, userinfoEndpoint: 'http://as.example.com/u' }),
      /https/,
    );
    assert.throws(
      () => createIntrospectionVerifier({ issuer: '', userinfoEndpoint: 'https://as.example.com/u' }),
      /issuer is required/,
    );
  });
});

describe('createIntrospectionVerifier: userinfo endpoint (GitHub-style)', () => {
  let endpoints: TokenEndpoints;
  const github = (options: Partial<IntrospectionVerifierOptions> = {}) =>
    createIntrospectionVerifier({
      issuer: 'https://github.com',
      userinfoEndpoint: endpoints.userinfoEndpoint,
      userClaim: 'id',
      authorizationServers: ['https://github.com/login/oauth'],
      ...options,
    });

  before(async () => {
    endpoints = await startTokenEndpoints();
  });
  after(async () => {
    await endpoints.server.close();
  });

  test('a 200 with a JSON object passes: numeric id as subject, scopes from X-OAuth-Scopes', async () => {
    const verifier = github({ requiredScopes: ['read:user'] });
    const token = freshToken('gho');
    endpoints.userinfo.set(token, {
      body: { login: 'octocat', id: 583231, name: 'The Octocat' },
      headers: { 'x-oauth-scopes': 'read:user, repo' },
    });
    const caller = expectCaller(await verifier.verify(token));
    assert.equal(caller.subject, '583231');
    assert.equal(caller.principal, 'https://github.com|583231');
    assert.deepEqual(caller.scopes, ['read:user', 'repo']);
    assert.equal(caller.claims.login, 'octocat');
    assert.equal(caller.expiresAt, undefined);
    assert.deepEqual(verifier.authorizationServers, ['https://github.com/login/oauth']);
    const byLogin = expectCaller(await github({ userClaim: 'login' }).verify(token));
    assert.equal(byLogin.principal, 'https://github.com|octocat');
  });

  test('userinfo results are cached', async () => {
    const verifier = github();
    const token = freshToken('gho');
    endpoints.userinfo.set(token, { body: { id: 1 } });
    const before = endpoints.server.count('/user');
    expectCaller(await verifier.verify(token));
    expectCaller(await verifier.verify(token));
    assert.equal(endpoints.server.count('/user'), before + 1);
  });

  test('a 401 from the userinfo endpoint is an invalid token', async () => {
    expectInvalid(await github().verify(freshToken('gho')), 'token rejected by the userinfo endpoint (HTTP 401)');
  });

  test('a 403 is an invalid token, unless it is a rate limit (unavailable, with its Retry-After)', async () => {
    const forbidden = freshToken('gho');
    endpoints.userinfo.set(forbidden, { status: 403, body: { message: 'Forbidden' } });
    expectInvalid(await github().verify(forbidden), 'token rejected by the userinfo endpoint (HTTP 403)');
    const limited = freshToken('gho');
    endpoints.userinfo.set(limited, {
      status: 403,
      body: { message: 'API rate limit exceeded' },
      headers: { 'x-ratelimit-remaining': '0', 'retry-after': '120' },
    });
    expectUnavailable(await github().verify(limited), /HTTP 403 \(rate limited\)/, 120);
    const tooMany = freshToken('gho');
    endpoints.userinfo.set(tooMany, { status: 429, body: {} });
    expectUnavailable(await github().verify(tooMany), /HTTP 429 \(rate limited\)/);
    const broken = freshToken('gho');
    endpoints.userinfo.set(broken, { status: 502, body: {} });
    expectUnavailable(await github().verify(broken), /HTTP 502$/);
  });

  test('a 200 without the configured claim is refused', async () => {
    const token = freshToken('gho');
    endpoints.userinfo.set(token, { body: { login: 'octocat' } });
    expectInvalid(await github().verify(token), 'token has no id claim');
    expectInvalid(await github({ userClaim: 'sub' }).verify(token), 'token has no sub claim');
  });

  test('the userinfo endpoint down: unavailable', async () => {
    const verifier = github({ userinfoEndpoint: `${await deadOrigin()}/user` });
    expectUnavailable(await verifier.verify(freshToken('gho')), /userinfo endpoint at .* could not be reached/);
  });
});
