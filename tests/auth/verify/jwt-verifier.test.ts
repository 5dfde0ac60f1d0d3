import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { SignJWT, exportSPKI } from 'jose';
import type { VerifyResult } from '../../../src/auth/types.js';
import { OidcMetadataCache, createJwtVerifier, type JwtVerifierOptions } from '../../../src/auth/verify/index.js';
import { deadOrigin, makeKey, nowSeconds, rawJwt, startOidcIssuer, type OidcIssuer } from '../helpers/issuers.js';

const AUDIENCE = 'api://mcp-test';

function expectInvalid(result: VerifyResult, message: string | RegExp): void {
  assert.equal(result.ok, false, 'the token must not pass');
  if (result.ok) return;
  assert.equal(result.kind, 'invalid_token', `expected invalid_token, got ${result.kind}: ${result.message}`);
  if (typeof message === 'string') assert.equal(result.message, message);
  else assert.match(result.message, message);
}

function expectUnavailable(result: VerifyResult, message?: RegExp): void {
  assert.equal(result.ok, false, 'the token must not pass');
  if (result.ok) return;
  assert.equal(result.kind, 'unavailable', `expected unavailable, got ${result.kind}: ${result.message}`);
  if (result.kind !== 'unavailable') return;
  assert.equal(result.retryAfterSeconds, 30);
  if (message) assert.match(result.message, message);
}

function expectCaller(result: VerifyResult) {
  if (!result.ok) assert.fail(`expected a pass, got ${result.kind}: ${result.message}`);
  return result.caller;
}

describe('createJwtVerifier', () => {
  let idp: OidcIssuer;
  const verifierFor = (options: Partial<JwtVerifierOptions> = {}) =>
    createJwtVerifier({
      issuer: idp.issuer,
      audiences: [AUDIENCE],
      metadataCache: new OidcMetadataCache(),
      ...options,
    });

  before(async () => {
    idp = await startOidcIssuer({ path: '/realms/test' });
  });
  after(async () => {
    await idp.server.close();
  });

  test('a good token passes: principal, subject, scopes, claims, expiry; keys discovered and cached', async () => {
    const verifier = verifierFor({ requiredScopes: ['tools.call'] });
    const exp = nowSeconds() + 600;
    const token = await idp.token({ sub: 'alice', exp, scope: 'tools.call files.read' });
    const caller = expectCaller(await verifier.verify(token));
    assert.equal(caller.principal, `${idp.issuer}|alice`);
    assert.equal(caller.issuer, idp.issuer);
    assert.equal(caller.subject, 'alice');
    assert.deepEqual(caller.scopes, ['tools.call', 'files.read']);
    assert.equal(caller.expiresAt, exp);
    assert.equal(caller.token, token);
    assert.equal(caller.claims.sub, 'alice');
    assert.equal(caller.tenantId, undefined);
    assert.deepEqual(verifier.authorizationServers, [idp.issuer]);
    assert.deepEqual(verifier.requiredScopes, ['tools.call']);
    const metadataBefore = idp.server.count(idp.metadataPath);
    const jwksBefore = idp.server.count(idp.jwksPath);
    expectCaller(await verifier.verify(await idp.token()));
    assert.equal(idp.server.count(idp.metadataPath), metadataBefore, 'metadata is cached');
    assert.equal(idp.server.count(idp.jwksPath), jwksBefore, 'keys are cached');
  });

  test('scopes come from scp (string or array), scope and roles, without duplicates', async () => {
    const verifier = verifierFor();
    assert.deepEqual(expectCaller(await verifier.verify(await idp.token({ scp: 'a b' }))).scopes, ['a', 'b']);
    assert.deepEqual(expectCaller(await verifier.verify(await idp.token({ scp: ['a', 'c'] }))).scopes, ['a', 'c']);
    assert.deepEqual(
      expectCaller(await verifier.verify(await idp.token({ scope: ['x'], roles: ['Admin', 'x'] }))).scopes,
      ['x', 'Admin'],
    );
    assert.deepEqual(
      expectCaller(await verifier.verify(await idp.token({ scp: 'a', scope: 'b', roles: ['R'] }))).scopes,
      ['a', 'b', 'R'],
    );
    assert.deepEqual(expectCaller(await verifier.verify(await idp.token())).scopes, []);
  });

  test('the user claim is configurable and must be present', async () => {
    const verifier = verifierFor({ userClaim: 'email' });
    const caller = expectCaller(await verifier.verify(await idp.token({ email: 'ada@example.com' })));
    assert.equal(caller.principal, `${idp.issuer}|ada@example.com`);
    expectInvalid(await verifier.verify(await idp.token()), 'token has no email claim');
    expectInvalid(await verifierFor().verify(await idp.token({ sub: undefined })), 'token has no sub claim');
  });

  test('a configured jwksUri is used without discovery', async () => {
    const cache = new OidcMetadataCache();
    const metadataBefore = idp.server.count(idp.metadataPath);
    const verifier = createJwtVerifier({
      issuer: idp.issuer,
      jwksUri: idp.jwksUri,
      audiences: [AUDIENCE],
      metadataCache: cache,
    });
    expectCaller(await verifier.verify(await idp.token()));
    assert.equal(idp.server.count(idp.metadataPath), metadataBefore);
  });

  test('no token, an empty token and a malformed token are refused', async () => {
    const verifier = verifierFor();
    expectInvalid(await verifier.verify(''), 'no bearer token');
    expectInvalid(await verifier.verify('   '), 'no bearer token');
    expectInvalid(await verifier.verify(undefined as unknown as string), 'no bearer token');
    expectInvalid(await verifier.verify('not-a-jwt'), 'malformed token: not a JWT');
    expectInvalid(await verifier.verify('a.b'), 'malformed token: not a JWT');
    expectInvalid(await verifier.verify('a.b.c.d.e'), 'malformed token: encrypted tokens (JWE) are not accepted');
    expectInvalid(await verifier.verify('!!!.abc.def'), 'malformed token: characters outside the bearer token syntax');
    expectInvalid(
      await verifier.verify('eyJub3QganNvbg.e30.c2ln'),
      'malformed token: the header is not base64url-encoded JSON',
    );
    expectInvalid(
      await verifier.verify(rawJwt({ typ: 'JWT' }, { sub: 'x' }, 'c2ln')),
      'malformed token: the header has no alg',
    );
    expectInvalid(await verifier.verify(`${'a'.repeat(40_000)}.b.c`), 'malformed token: too long');
    const good = await idp.token();
    const [header, , signature] = good.split('.');
    expectInvalid(
      await verifier.verify(`${header}.bm90IGpzb24.${signature}`),
      /^malformed token|signature verification failed/,
    );
    // A payload swapped under a valid signature.
    const forged = `${header}.${Buffer.from(JSON.stringify({ iss: idp.issuer, aud: AUDIENCE, sub: 'mallory', exp: nowSeconds() + 600 })).toString('base64url')}.${signature}`;
    expectInvalid(await verifier.verify(forged), 'signature verification failed');
  });

  test('alg none is refused', async () => {
    const verifier = verifierFor();
    const token = rawJwt(
      { alg: 'none', typ: 'JWT' },
      { iss: idp.issuer, aud: AUDIENCE, sub: 'mallory', exp: nowSeconds() + 600 },
    );
    expectInvalid(await verifier.verify(token), 'algorithm none not allowed');
    expectInvalid(await verifier.verify(rawJwt({ alg: 'NONE' }, { sub: 'm' }, 'x')), 'algorithm NONE not allowed');
  });

  test('HS256 signed with the RSA public key as the secret is refused (algorithm confusion)', async () => {
    const verifier = verifierFor();
    const secret = new TextEncoder().encode(await exportSPKI(idp.key.publicKey));
    const claims = { iss: idp.issuer, aud: AUDIENCE, sub: 'mallory', exp: nowSeconds() + 600 };
    const token = await new SignJWT(claims).setProtectedHeader({ alg: 'HS256', kid: idp.key.kid }).sign(secret);
    expectInvalid(await verifier.verify(token), 'algorithm HS256 not allowed');
    const jwkSecret = new TextEncoder().encode(JSON.stringify(idp.key.publicJwk));
    expectInvalid(
      await verifier.verify(await new SignJWT(claims).setProtectedHeader({ alg: 'HS512' }).sign(jwkSecret)),
      'algorithm HS512 not allowed',
    );
  });

  test('an algorithm outside a narrowed allow-list is refused', async () => {
    const verifier = verifierFor({ algorithms: ['ES256'] });
    expectInvalid(await verifier.verify(await idp.token()), 'algorithm RS256 not allowed');
  });

  test('the factory refuses none, HS* and empty lists', () => {
    assert.throws(() => verifierFor({ algorithms: ['none'] }), /none cannot be allowed/);
    assert.throws(() => verifierFor({ algorithms: ['RS256', 'HS256'] }), /HS256 cannot be allowed/);
    assert.throws(() => verifierFor({ algorithms: [] }), /algorithms must be a non-empty list/);
    assert.throws(() => verifierFor({ audiences: [] }), /audiences must be a non-empty list/);
    assert.throws(() => createJwtVerifier({ issuer: '', audiences: [AUDIENCE] }), /issuer is required/);
    assert.throws(() => createJwtVerifier({ issuer: 'http://idp.example.com', audiences: [AUDIENCE] }), /https/);
    assert.throws(
      () =>
        createJwtVerifier({
          issuer: 'https://idp.example.com',
          jwksUri: 'http://idp.example.com/jwks',
          audiences: [AUDIENCE],
        }),
      /https/,
    );
  });

  test('a key the issuer never published is refused: with its own kid, and with a published kid', async () => {
    const verifier = verifierFor();
    const rogue = await makeKey('RS256', 'rogue-key');
    expectInvalid(
      await verifier.verify(await idp.token({}, { key: rogue })),
      'signing key not published by the issuer',
    );
    // Same kid as the real key, different private key.
    expectInvalid(
      await verifier.verify(await idp.token({}, { key: rogue, header: { kid: idp.key.kid } })),
      'signature verification failed',
    );
    // No kid at all: the only RS256 key is selected, and the signature does not match.
    expectInvalid(
      await verifier.verify(await idp.token({}, { key: rogue, header: { kid: undefined } })),
      'signature verification failed',
    );
  });

  test('an unknown kid refreshes the keys once, then fails; the JWKS is fetched at most twice within the cooldown', async (t) => {
    const local = await startOidcIssuer();
    try {
      // The key set's clock (Date) is the test's: the cooldown is exact, nothing waits.
      t.mock.timers.enable({ apis: ['Date'], now: Date.now() });
      const verifier = createJwtVerifier({
        issuer: local.issuer,
        audiences: [AUDIENCE],
        metadataCache: new OidcMetadataCache(),
        jwksCooldownMs: 400,
      });
      expectCaller(await verifier.verify(await local.token()));
      assert.equal(local.server.count(local.jwksPath), 1);
      const rogue = await makeKey('RS256', 'unknown-kid');
      t.mock.timers.tick(399); // within the cooldown: a miss does not refresh
      expectInvalid(
        await verifier.verify(await local.token({}, { key: rogue })),
        'signing key not published by the issuer',
      );
      assert.equal(local.server.count(local.jwksPath), 1, 'no refresh within the cooldown');
      t.mock.timers.tick(1); // past the cooldown: a miss may refresh once
      for (let i = 0; i < 5; i++) {
        expectInvalid(
          await verifier.verify(await local.token({}, { key: rogue })),
          'signing key not published by the issuer',
        );
      }
      await Promise.all(
        Array.from({ length: 5 }, async () =>
          expectInvalid(
            await verifier.verify(await local.token({}, { key: rogue })),
            'signing key not published by the issuer',
          ),
        ),
      );
      assert.equal(local.server.count(local.jwksPath), 2, 'one initial fetch and one refresh');
    } finally {
      await local.server.close();
    }
  });

  test('key rotation: the first token with a newly published kid triggers one refresh and passes', async (t) => {
    const local = await startOidcIssuer();
    try {
      t.mock.timers.enable({ apis: ['Date'], now: Date.now() });
      const verifier = createJwtVerifier({
        issuer: local.issuer,
        audiences: [AUDIENCE],
        metadataCache: new OidcMetadataCache(),
        jwksCooldownMs: 300,
      });
      expectCaller(await verifier.verify(await local.token()));
      const next = await makeKey('ES256', 'rotated-key');
      local.published = [local.key, next];
      t.mock.timers.tick(300); // the cooldown (300 ms) is over
      const caller = expectCaller(await verifier.verify(await local.token({ sub: 'after-rotation' }, { key: next })));
      assert.equal(caller.subject, 'after-rotation');
      assert.equal(local.server.count(local.jwksPath), 2);
      expectCaller(await verifier.verify(await local.token({}, { key: next })));
      expectCaller(await verifier.verify(await local.token()));
      assert.equal(local.server.count(local.jwksPath), 2, 'no further fetch');
      // The old key is withdrawn: once the cooldown has passed, its tokens fail after one refresh.
      local.published = [next];
      t.mock.timers.tick(300);
      expectCaller(await verifier.verify(await local.token({}, { key: next })));
      const cachedOld = await verifier.verify(await local.token());
      assert.equal(
        cachedOld.ok,
        true,
        'keys are cached until jwksCacheMaxAgeMs; withdrawal takes effect on the next fetch',
      );
    } finally {
      await local.server.close();
    }
  });

  test('expired tokens are refused; the clock tolerance applies', async () => {
    const verifier = verifierFor();
    expectInvalid(await verifier.verify(await idp.token({ exp: nowSeconds() - 120 })), 'token expired');
    expectCaller(await verifier.verify(await idp.token({ exp: nowSeconds() - 30 })));
    const strict = verifierFor({ clockToleranceSeconds: 0 });
    expectInvalid(await strict.verify(await idp.token({ exp: nowSeconds() - 5 })), 'token expired');
    expectInvalid(await verifier.verify(await idp.token({ exp: undefined })), 'token has no exp claim');
    expectInvalid(
      await verifier.verify(await idp.token({ exp: 'tomorrow' as unknown as number })),
      'malformed token: the exp claim is not a number',
    );
  });

  test('nbf in the future: within the skew passes, beyond it fails', async () => {
    const verifier = verifierFor();
    expectCaller(await verifier.verify(await idp.token({ nbf: nowSeconds() + 30 })));
    expectInvalid(
      await verifier.verify(await idp.token({ nbf: nowSeconds() + 120 })),
      'token not yet valid (nbf is in the future)',
    );
    const strict = verifierFor({ clockToleranceSeconds: 0 });
    expectInvalid(
      await strict.verify(await idp.token({ nbf: nowSeconds() + 30 })),
      'token not yet valid (nbf is in the future)',
    );
  });

  test('a wrong or missing issuer is refused', async () => {
    const verifier = verifierFor();
    expectInvalid(await verifier.verify(await idp.token({ iss: 'https://evil.example.com' })), 'issuer not accepted');
    expectInvalid(await verifier.verify(await idp.token({ iss: `${idp.issuer}/` })), 'issuer not accepted');
    expectInvalid(await verifier.verify(await idp.token({ iss: undefined })), 'token has no iss claim');
  });

  test('a wrong or missing audience is refused; any configured audience is accepted', async () => {
    const verifier = verifierFor({ audiences: [AUDIENCE, 'client-id-1'] });
    expectInvalid(await verifier.verify(await idp.token({ aud: 'api://other' })), 'audience not accepted');
    expectInvalid(
      await verifier.verify(await idp.token({ aud: ['api://other', 'api://another'] })),
      'audience not accepted',
    );
    expectInvalid(await verifier.verify(await idp.token({ aud: undefined })), 'token has no aud claim');
    expectCaller(await verifier.verify(await idp.token({ aud: 'client-id-1' })));
    expectCaller(await verifier.verify(await idp.token({ aud: ['api://other', AUDIENCE] })));
  });

  test('the JWKS endpoint down: unavailable, never a pass', async () => {
    const local = await startOidcIssuer();
    try {
      local.jwksDown = true;
      const verifier = createJwtVerifier({
        issuer: local.issuer,
        audiences: [AUDIENCE],
        metadataCache: new OidcMetadataCache(),
      });
      expectUnavailable(await verifier.verify(await local.token()), /signing keys at .* could not be fetched/);
    } finally {
      await local.server.close();
    }
    const gone = await deadOrigin();
    const unreachable = createJwtVerifier({
      issuer: local.issuer,
      jwksUri: `${gone}/jwks`,
      audiences: [AUDIENCE],
      metadataCache: new OidcMetadataCache(),
    });
    expectUnavailable(await unreachable.verify(await local.token()), /could not be fetched \(ECONNREFUSED/);
  });

  test('keys already fetched keep working while the JWKS is down (stale-while-error)', async (t) => {
    const local = await startOidcIssuer();
    try {
      t.mock.timers.enable({ apis: ['Date'], now: Date.now() });
      const verifier = createJwtVerifier({
        issuer: local.issuer,
        audiences: [AUDIENCE],
        metadataCache: new OidcMetadataCache(),
        jwksCacheMaxAgeMs: 100,
        jwksCooldownMs: 100,
      });
      expectCaller(await verifier.verify(await local.token()));
      local.jwksDown = true;
      t.mock.timers.tick(100); // the cached keys are past jwksCacheMaxAgeMs: the next verification refreshes
      expectCaller(await verifier.verify(await local.token()));
      assert.equal(local.server.count(local.jwksPath), 2, 'the refresh was tried');
      // A kid the stale keys do not have cannot be decided: unavailable, not invalid.
      expectUnavailable(
        await verifier.verify(await local.token({}, { key: await makeKey('RS256', 'new-while-down') })),
      );
    } finally {
      await local.server.close();
    }
  });

  test('the metadata naming another issuer: unavailable, never a pass', async () => {
    const local = await startOidcIssuer({ path: '/tenant' });
    try {
      local.metadataIssuer = 'https://evil.example.com/tenant';
      const verifier = createJwtVerifier({
        issuer: local.issuer,
        audiences: [AUDIENCE],
        metadataCache: new OidcMetadataCache(),
      });
      expectUnavailable(await verifier.verify(await local.token()), /names a different issuer than the expected/);
      assert.equal(local.server.count(local.jwksPath), 0, 'keys named by that metadata are never fetched');
    } finally {
      await local.server.close();
    }
  });

  test('the issuer unreachable: unavailable', async () => {
    const gone = await deadOrigin();
    const verifier = createJwtVerifier({ issuer: gone, audiences: [AUDIENCE], metadataCache: new OidcMetadataCache() });
    expectUnavailable(await verifier.verify(await idp.token()), /could not be reached \(ECONNREFUSED\)/);
  });

  test('messages never contain the token', async () => {
    const verifier = verifierFor();
    const tokens = [
      await idp.token({ exp: nowSeconds() - 600 }),
      await idp.token({ aud: 'x' }),
      await idp.token({}, { key: await makeKey('RS256', 'nope') }),
      rawJwt({ alg: 'none' }, { sub: 'x' }),
    ];
    for (const token of tokens) {
      const result = await verifier.verify(token);
      assert.equal(result.ok, false);
      if (!result.ok) {
        for (const part of token.split('.').filter((p) => p.length > 8))
          assert.ok(!result.message.includes(part), result.message);
      }
    }
  });
});
