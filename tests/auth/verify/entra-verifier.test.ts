import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { exportSPKI, SignJWT } from 'jose';
import type { VerifyResult } from '../../../src/auth/types.js';
import { OidcMetadataCache, createEntraVerifier, type EntraVerifierOptions } from '../../../src/auth/verify/index.js';
import {
  APP_ID_URI,
  CLIENT_ID,
  makeKey,
  nowSeconds,
  rawJwt,
  startEntraAuthority,
  type EntraAuthority,
} from '../helpers/issuers.js';

const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const OTHER_TENANT = 'f8cdef31-a31e-4b4a-93e4-5f571e91255a';
const THIRD_TENANT = '0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0';

function expectInvalid(result: VerifyResult, message: string): void {
  assert.equal(result.ok, false, 'the token must not pass');
  if (result.ok) return;
  assert.equal(result.kind, 'invalid_token', `expected invalid_token, got ${result.kind}: ${result.message}`);
  assert.equal(result.message, message);
}

function expectCaller(result: VerifyResult) {
  if (!result.ok) assert.fail(`expected a pass, got ${result.kind}: ${result.message}`);
  return result.caller;
}

describe('createEntraVerifier', () => {
  let entra: EntraAuthority;
  const verifierFor = (options: Partial<EntraVerifierOptions> = {}) =>
    createEntraVerifier({
      allowedTenants: [TENANT, OTHER_TENANT],
      audiences: [APP_ID_URI, CLIENT_ID],
      authorityHost: entra.authorityHost,
      metadataCache: new OidcMetadataCache(),
      ...options,
    });

  before(async () => {
    entra = await startEntraAuthority();
  });
  after(async () => {
    await entra.server.close();
  });

  test('a v2 token passes: subject is oid, scopes from scp, tenant and expiry kept', async () => {
    const verifier = verifierFor({ requiredScopes: ['mcp.access'] });
    const token = await entra.token(TENANT, 2, { scp: 'mcp.access files.read' });
    const caller = expectCaller(await verifier.verify(token));
    assert.equal(caller.issuer, entra.v2Issuer(TENANT));
    assert.equal(caller.subject, 'oid-ada');
    assert.equal(caller.principal, `${entra.v2Issuer(TENANT)}|oid-ada`);
    assert.equal(caller.tenantId, TENANT);
    assert.deepEqual(caller.scopes, ['mcp.access', 'files.read']);
    assert.equal(caller.claims.preferred_username, 'ada@contoso.example');
    assert.equal(caller.token, token);
    assert.equal(typeof caller.expiresAt, 'number');
    assert.deepEqual(verifier.requiredScopes, ['mcp.access']);
    assert.equal(entra.server.count(entra.metadataPath(TENANT)), 1, 'the tenant v2 metadata was used');
    assert.equal(entra.server.count(entra.jwksPath(TENANT)), 1);
  });

  test('a v1 token passes with the keys of the v2 metadata; the principal is the same as with v2', async () => {
    const verifier = verifierFor();
    const v1 = expectCaller(await verifier.verify(await entra.token(TENANT, 1)));
    const v2 = expectCaller(await verifier.verify(await entra.token(TENANT, 2)));
    assert.equal(v1.claims.iss, `https://sts.windows.net/${TENANT}/`);
    assert.equal(v1.claims.aud, APP_ID_URI);
    assert.equal(v1.principal, v2.principal);
    assert.equal(v1.subject, 'oid-ada');
  });

  test('v1 tokens can be turned off', async () => {
    const verifier = verifierFor({ acceptV1Tokens: false });
    expectInvalid(await verifier.verify(await entra.token(TENANT, 1)), 'issuer not accepted');
    expectCaller(await verifier.verify(await entra.token(TENANT, 2)));
  });

  test('app-only tokens: roles are scopes; without oid the subject is sub', async () => {
    const verifier = verifierFor();
    const caller = expectCaller(
      await verifier.verify(
        await entra.token(TENANT, 2, { scp: undefined, roles: ['Tools.ReadWrite.All'], oid: undefined, sub: 'sp-sub' }),
      ),
    );
    assert.deepEqual(caller.scopes, ['Tools.ReadWrite.All']);
    assert.equal(caller.subject, 'sp-sub');
    expectInvalid(
      await verifier.verify(await entra.token(TENANT, 2, { oid: undefined, sub: undefined })),
      'token has no oid or sub claim',
    );
  });

  test('a token from a tenant not allowed is refused before any request to that tenant', async () => {
    const verifier = verifierFor();
    expectInvalid(await verifier.verify(await entra.token(THIRD_TENANT, 2)), 'tenant not allowed');
    expectInvalid(await verifier.verify(await entra.token(THIRD_TENANT, 1)), 'tenant not allowed');
    assert.equal(entra.server.count(entra.metadataPath(THIRD_TENANT)), 0);
    expectInvalid(
      await verifier.verify(await entra.token(TENANT, 2, { tid: undefined })),
      'token has no tid claim (not an Entra ID token)',
    );
    expectInvalid(await verifier.verify(await entra.token(TENANT, 2, { tid: 'common' })), 'tenant not allowed');
  });

  test("an allowed tid with another tenant's issuer is refused", async () => {
    const verifier = verifierFor();
    expectInvalid(
      await verifier.verify(await entra.token(TENANT, 2, { iss: entra.v2Issuer(OTHER_TENANT) })),
      'issuer not accepted',
    );
    expectInvalid(
      await verifier.verify(await entra.token(TENANT, 1, { iss: `https://sts.windows.net/${OTHER_TENANT}/` })),
      'issuer not accepted',
    );
    expectInvalid(
      await verifier.verify(await entra.token(TENANT, 2, { iss: `https://login.microsoftonline.com/${TENANT}/v2.0` })),
      'issuer not accepted',
    );
  });

  test('wrong audience, expired, nbf beyond the skew', async () => {
    const verifier = verifierFor();
    expectInvalid(
      await verifier.verify(await entra.token(TENANT, 2, { aud: '00000003-0000-0000-c000-000000000000' })),
      'audience not accepted',
    );
    expectInvalid(await verifier.verify(await entra.token(TENANT, 2, { exp: nowSeconds() - 300 })), 'token expired');
    expectCaller(await verifier.verify(await entra.token(TENANT, 2, { nbf: nowSeconds() + 30 })));
    expectInvalid(
      await verifier.verify(await entra.token(TENANT, 2, { nbf: nowSeconds() + 300 })),
      'token not yet valid (nbf is in the future)',
    );
  });

  test('an ID token for the app (aud = client id, no scp or roles) is not an access token', async () => {
    const verifier = verifierFor();
    expectInvalid(
      await verifier.verify(await entra.token(TENANT, 2, { scp: undefined, nonce: 'n' })),
      'not an access token: no scp or roles claim',
    );
    expectCaller(
      await verifierFor({ requireScpOrRoles: false }).verify(await entra.token(TENANT, 2, { scp: undefined })),
    );
  });

  test('alg none, HS256 with the public key, a key never published, a forged payload', async () => {
    const verifier = verifierFor();
    const claims = {
      iss: entra.v2Issuer(TENANT),
      aud: CLIENT_ID,
      tid: TENANT,
      oid: 'mallory',
      scp: 'mcp.access',
      exp: nowSeconds() + 600,
    };
    expectInvalid(await verifier.verify(rawJwt({ alg: 'none', typ: 'JWT' }, claims)), 'algorithm none not allowed');
    const secret = new TextEncoder().encode(await exportSPKI(entra.key.publicKey));
    expectInvalid(
      await verifier.verify(
        await new SignJWT(claims).setProtectedHeader({ alg: 'HS256', kid: entra.key.kid }).sign(secret),
      ),
      'algorithm HS256 not allowed',
    );
    const rogue = await makeKey('RS256', 'not-from-entra');
    expectInvalid(
      await verifier.verify(await entra.token(TENANT, 2, {}, { key: rogue })),
      'signing key not published by the issuer',
    );
    expectInvalid(
      await verifier.verify(await entra.token(TENANT, 2, {}, { key: rogue, header: { kid: entra.key.kid } })),
      'signature verification failed',
    );
    const [header, , signature] = (await entra.token(TENANT, 2)).split('.');
    const forged = `${header}.${Buffer.from(JSON.stringify({ ...claims, oid: 'oid-admin' })).toString('base64url')}.${signature}`;
    expectInvalid(await verifier.verify(forged), 'signature verification failed');
    // ES256 is not Entra's algorithm: refused by the default allow-list.
    const es = await makeKey('ES256', 'es-key');
    expectInvalid(await verifier.verify(await entra.token(TENANT, 2, {}, { key: es })), 'algorithm ES256 not allowed');
  });

  test('authorization servers: the v2 authority of each allowed tenant', () => {
    const verifier = verifierFor();
    assert.deepEqual(verifier.authorizationServers, [
      `${entra.authorityHost}/${TENANT}/v2.0`,
      `${entra.authorityHost}/${OTHER_TENANT}/v2.0`,
    ]);
    assert.deepEqual(
      createEntraVerifier({ allowedTenants: [TENANT.toUpperCase()], audiences: [CLIENT_ID] }).authorizationServers,
      [`https://login.microsoftonline.com/${TENANT}/v2.0`],
    );
  });

  test('the factory refuses tenant names, missing tenants or audiences', () => {
    assert.throws(() => createEntraVerifier({ allowedTenants: ['common'], audiences: [CLIENT_ID] }), /GUIDs/);
    assert.throws(
      () => createEntraVerifier({ allowedTenants: ['contoso.onmicrosoft.com'], audiences: [CLIENT_ID] }),
      /GUIDs/,
    );
    assert.throws(() => createEntraVerifier({ allowedTenants: [], audiences: [CLIENT_ID] }), /allowedTenants/);
    assert.throws(() => createEntraVerifier({ allowedTenants: [TENANT], audiences: [] }), /audiences/);
    assert.throws(
      () => createEntraVerifier({ allowedTenants: [TENANT], audiences: [CLIENT_ID], algorithms: ['HS256'] }),
      /HS256 cannot be allowed/,
    );
  });

  test("the tenant's metadata down: unavailable; other tenants unaffected; recovers", async () => {
    const verifier = verifierFor({ metadataCache: new OidcMetadataCache({ failureBackoffMs: 0 }) });
    entra.downTenants.add(OTHER_TENANT);
    try {
      const result = await verifier.verify(await entra.token(OTHER_TENANT, 2));
      assert.equal(result.ok, false);
      if (!result.ok) {
        assert.equal(result.kind, 'unavailable');
        if (result.kind === 'unavailable') assert.equal(result.retryAfterSeconds, 30);
        assert.match(result.message, /answered HTTP 503/);
      }
      expectCaller(await verifier.verify(await entra.token(TENANT, 2)));
    } finally {
      entra.downTenants.delete(OTHER_TENANT);
    }
    expectCaller(await verifier.verify(await entra.token(OTHER_TENANT, 1)));
  });
});
