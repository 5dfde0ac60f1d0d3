import assert from 'node:assert/strict';
import { generateKeyPairSync, sign as signBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { CompactSign, createLocalJWKSet, errors, exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';
import { VerifierUnavailableError } from '../../src/auth/verify/common.js';
import {
  checkAlgorithms,
  mapVerifyError,
  precheckJwt,
  SUPPORTED_ALGORITHMS,
  verifyJwtWith,
  type JwtCheck,
} from '../../src/auth/verify/jwt-core.js';

/**
 * The JWT checks the OAuth2 and Entra verifiers share, against tokens signed with real keys
 * (jose) and a local key set: which algorithms may ever be allowed, what is refused before the
 * signature is looked at, and the precise reason given for each refusal.
 */
const ISSUER = 'https://issuer.example';
const CHECK: JwtCheck = {
  issuers: [ISSUER],
  audiences: ['api://unit'],
  algorithms: ['RS256', 'ES256'],
  clockToleranceSeconds: 60,
};
const now = () => Math.floor(Date.now() / 1000);
const b64 = (value: unknown) =>
  Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

describe('JWT checks', async () => {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  const jwk: JWK = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256' };
  const keys = createLocalJWKSet({ keys: [jwk] });
  const claims = () => ({ iss: ISSUER, aud: 'api://unit', sub: 'alice', exp: now() + 600 });
  const sign = (payload: Record<string, unknown>, header: Record<string, unknown> = {}) =>
    new SignJWT(payload).setProtectedHeader({ alg: 'RS256', kid: 'k1', ...header }).sign(privateKey);
  const reason = async (token: string, check: JwtCheck = CHECK) => {
    const verified = await verifyJwtWith(token, keys, check);
    return verified.ok ? 'ok' : (verified.result as { message: string }).message;
  };

  test('only asymmetric algorithms may be allowed; never none or HS*', () => {
    assert.deepEqual(
      [...SUPPORTED_ALGORITHMS],
      ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'],
    );
    const fallback = checkAlgorithms(undefined, SUPPORTED_ALGORITHMS);
    assert.deepEqual(fallback, [...SUPPORTED_ALGORITHMS]);
    assert.notEqual(fallback, SUPPORTED_ALGORITHMS, 'a copy');
    for (const alg of SUPPORTED_ALGORITHMS) assert.deepEqual(checkAlgorithms([alg], []), [alg]);
    assert.deepEqual(checkAlgorithms(['ES256', 'RS256', 'ES256'], []), ['ES256', 'RS256']);
    for (const bad of [[], 'RS256', {}, null]) {
      assert.throws(() => checkAlgorithms(bad, []), {
        name: 'TypeError',
        message: 'algorithms must be a non-empty list',
      });
    }
    for (const alg of ['none', 'HS256', 'rs256', '', 7]) {
      assert.throws(
        () => checkAlgorithms(['RS256', alg], []),
        (error: unknown) =>
          error instanceof TypeError &&
          error.message ===
            `algorithm ${typeof alg === 'string' ? alg : '7'} cannot be allowed: only RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, ES512, EdDSA (never none or HS*)`,
      );
    }
  });

  test('refused before the signature: syntax, JWE, shape, header, algorithm, empty signature', async () => {
    const good = await sign(claims());
    assert.equal(precheckJwt(good, CHECK.algorithms), undefined);
    const [header, payload, signature] = good.split('.') as [string, string, string];
    const cases: Array<[string, string]> = [
      ['', 'no bearer token'],
      ['a b.c.d', 'malformed token: characters outside the bearer token syntax'],
      [`${header}.${payload}.${signature}.x.y`, 'malformed token: encrypted tokens (JWE) are not accepted'],
      [`${header}.${payload}`, 'malformed token: not a JWT'],
      [`${header}.${payload}.${signature}.x`, 'malformed token: not a JWT'],
      [`${payload}`, 'malformed token: not a JWT'],
      [`bm90IGpzb24.${payload}.${signature}`, 'malformed token: the header is not base64url-encoded JSON'],
      [`${b64({ kid: 'k1' })}.${payload}.${signature}`, 'malformed token: the header has no alg'],
      [`${b64({ alg: '' })}.${payload}.${signature}`, 'malformed token: the header has no alg'],
      [`${b64({ alg: 256 })}.${payload}.${signature}`, 'malformed token: the header has no alg'],
      [`${b64({ alg: 'none' })}.${payload}.${signature}`, 'algorithm none not allowed'],
      [`${b64({ alg: 'HS256' })}.${payload}.${signature}`, 'algorithm HS256 not allowed'],
      [`${b64({ alg: 'RS384' })}.${payload}.${signature}`, 'algorithm RS384 not allowed'],
      [`${header}.${payload}.`, 'malformed token: no signature'],
    ];
    for (const [token, expected] of cases) assert.equal(precheckJwt(token, CHECK.algorithms), expected, token);
  });

  test('a valid token verifies; each claim refused with its own reason', async () => {
    const verified = await verifyJwtWith(await sign({ ...claims(), scp: 'a' }), keys, CHECK);
    assert.ok(verified.ok);
    assert.equal(verified.payload.sub, 'alice');
    assert.equal(verified.payload.scp, 'a');
    assert.equal(await reason(await sign({ ...claims(), exp: now() - 120 })), 'token expired');
    assert.equal(await reason(await sign({ ...claims(), exp: now() - 30 })), 'ok', 'within the clock tolerance');
    assert.equal(
      await reason(await sign({ ...claims(), exp: now() - 30 }), { ...CHECK, clockToleranceSeconds: 0 }),
      'token expired',
    );
    assert.equal(await reason(await sign({ ...claims(), iss: 'https://other.example' })), 'issuer not accepted');
    assert.equal(await reason(await sign({ ...claims(), aud: 'api://other' })), 'audience not accepted');
    assert.equal(await reason(await sign({ ...claims(), aud: ['api://other', 'api://unit'] })), 'ok');
    assert.equal(
      await reason(await sign({ ...claims(), nbf: now() + 600 })),
      'token not yet valid (nbf is in the future)',
    );
    const { exp: _exp, ...withoutExp } = claims();
    assert.equal(await reason(await sign(withoutExp)), 'token has no exp claim');
    assert.equal(
      await reason(await sign({ ...claims(), exp: 'soon' })),
      'malformed token: the exp claim is not a number',
    );
    assert.equal(await reason(await sign({ ...claims(), iat: 'x' })), 'malformed token: the iat claim is not a number');
    assert.equal(await reason(await sign(claims()), { ...CHECK, issuers: ['https://a.example', ISSUER] }), 'ok');
    assert.equal(await reason(await sign(claims()), { ...CHECK, audiences: ['api://x', 'api://unit'] }), 'ok');
  });

  test('keys, signatures and algorithms: each refusal with its own reason', async () => {
    assert.equal(await reason(await sign(claims(), { kid: 'k2' })), 'signing key not published by the issuer');
    const twice = createLocalJWKSet({ keys: [jwk, { ...jwk }] });
    const ambiguous = await verifyJwtWith(await sign(claims()), twice, CHECK);
    assert.equal(
      ambiguous.ok ? 'ok' : (ambiguous.result as { message: string }).message,
      'signing key ambiguous: several published keys match the token header',
    );
    const [header, , signature] = (await sign(claims())).split('.');
    const tampered = `${header}.${b64({ ...claims(), sub: 'mallory' })}.${signature}`;
    assert.equal(await reason(tampered), 'signature verification failed');
    assert.equal(await reason(await sign(claims()), { ...CHECK, algorithms: ['ES256'] }), 'algorithm not allowed');
    const critical = await new SignJWT(claims())
      .setProtectedHeader({ alg: 'RS256', kid: 'k1', crit: ['x'], x: 1 } as never)
      .sign(privateKey, { crit: { x: true } });
    assert.equal(await reason(critical), 'token not supported: Extension Header Parameter "x" is not recognized');
    const notAnObject = await new CompactSign(new TextEncoder().encode('[1]'))
      .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
      .sign(privateKey);
    assert.equal(await reason(notAnObject), 'malformed token: JWT Claims Set must be a top-level JSON object');
    assert.equal(await reason('a.b.c'), 'malformed token: JWS Protected Header is invalid');
  });

  test('a signing key shorter than 2048 bits is refused as too weak', async () => {
    const weak = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const headerPart = b64({ alg: 'RS256', kid: 'weak' });
    const payloadPart = b64(claims());
    const signature = signBytes('sha256', Buffer.from(`${headerPart}.${payloadPart}`), weak.privateKey);
    const token = `${headerPart}.${payloadPart}.${signature.toString('base64url')}`;
    const weakJwk = { ...weak.publicKey.export({ format: 'jwk' }), kid: 'weak', alg: 'RS256' };
    const verified = await verifyJwtWith(token, createLocalJWKSet({ keys: [weakJwk as JWK] }), CHECK);
    assert.equal(verified.ok ? 'ok' : (verified.result as { message: string }).message, 'signing key too weak');
  });

  test('errors mapped: unavailable keys stay unavailable (503), anything unknown is refused', () => {
    const down = new VerifierUnavailableError(
      'signing keys at https://k.example could not be fetched (timed out)',
      'timeout',
      17,
    );
    assert.deepEqual(mapVerifyError(down), {
      ok: false,
      kind: 'unavailable',
      message: 'signing keys at https://k.example could not be fetched (timed out)',
      retryAfterSeconds: 17,
    });
    const invalid = (message: string) => ({ ok: false, kind: 'invalid_token', message });
    assert.deepEqual(
      mapVerifyError(new errors.JWTClaimValidationFailed('x', {}, 'typ', 'check_failed')),
      invalid('typ claim not accepted'),
    );
    assert.deepEqual(
      mapVerifyError(new errors.JWTClaimValidationFailed('x', {}, 'sub', 'missing')),
      invalid('token has no sub claim'),
    );
    assert.deepEqual(
      mapVerifyError(new errors.JWTInvalid(`bad\u0000${'y'.repeat(200)}`)),
      invalid(`malformed token: bad?${'y'.repeat(116)}...`),
    );
    assert.deepEqual(mapVerifyError(new errors.JWSInvalid('short')), invalid('malformed token: short'));
    assert.deepEqual(
      mapVerifyError(new errors.JOSENotSupported(`é${'z'.repeat(119)}`)),
      invalid(`token not supported: ?${'z'.repeat(119)}`),
    );
    assert.deepEqual(
      mapVerifyError(new TypeError('RS256 requires key modulusLength to be 2048 bits or larger')),
      invalid('signing key too weak'),
    );
    assert.deepEqual(mapVerifyError(new TypeError('something else')), invalid('token could not be verified'));
    assert.deepEqual(mapVerifyError(new Error('modulusLength')), invalid('token could not be verified'));
    assert.deepEqual(mapVerifyError('thrown string'), invalid('token could not be verified'));
  });
});
