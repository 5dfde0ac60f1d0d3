import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  describe as describeValue,
  extractScopes,
  invalid,
  makeCaller,
  MAX_TOKEN_LENGTH,
  numericClaim,
  parseEndpoint,
  precheckToken,
  subjectClaim,
  unavailable,
  VerifierUnavailableError,
} from '../../src/auth/verify/common.js';

/** What every verifier checks first, and how it reads who the caller is and what it may do. */
describe('token verification: shared checks', () => {
  test('a bearer token is a non-empty RFC 6750 b64token, at most 32 KiB', () => {
    for (const token of [undefined, null, 42, '', '   '])
      assert.equal(precheckToken(token), 'no bearer token', String(token));
    for (const token of ['abc', 'a-b.c_d~e+f/g', 'abc=', 'abc==', 'A'.repeat(MAX_TOKEN_LENGTH)])
      assert.equal(precheckToken(token), undefined, token.slice(0, 20));
    assert.equal(MAX_TOKEN_LENGTH, 32 * 1024);
    assert.equal(precheckToken('A'.repeat(MAX_TOKEN_LENGTH + 1)), 'malformed token: too long');
    for (const token of ['a b', 'a,b', '=abc', 'ab=c', 'abc=.', 'a"b', 'ab\n', ' abc', 'é'])
      assert.equal(
        precheckToken(token),
        'malformed token: characters outside the bearer token syntax',
        JSON.stringify(token),
      );
  });

  test('issuer endpoints: https, or http on a loopback host only', () => {
    for (const url of [
      'https://issuer.example/x',
      'http://localhost:8080/jwks',
      'http://127.0.0.1/x',
      'http://127.1.2.3/x',
      'http://[::1]:3000/x',
    ])
      assert.equal(parseEndpoint(url, 'jwks_uri').href, new URL(url).href, url);
    for (const url of [
      'http://issuer.example/x',
      'http://10.0.0.1/x',
      'ftp://localhost/x',
      'http://localhost.example/x',
      'http://128.0.0.1/',
    ])
      assert.throws(
        () => parseEndpoint(url, 'jwks_uri'),
        { name: 'TypeError', message: `jwks_uri must be an https URL (http only on loopback): ${url}` },
        url,
      );
    assert.throws(() => parseEndpoint('not a url', 'issuer'), {
      name: 'TypeError',
      message: 'issuer is not a valid URL: not?a?url',
    });
  });

  test('values put in messages are short and printable', () => {
    assert.equal(describeValue('plain'), 'plain');
    assert.equal(describeValue('a b\nc\u0000é'), 'a?b?c??');
    assert.equal(describeValue('x'.repeat(40)), 'x'.repeat(40));
    assert.equal(describeValue('x'.repeat(41)), `${'x'.repeat(40)}...`);
    assert.equal(describeValue(7), '7');
    assert.equal(describeValue({ a: 1 }), '{"a":1}');
    assert.equal(describeValue(undefined), 'undefined');
  });

  test('results: invalid is a 401 reason; unavailable keeps the retry hint unless told otherwise', () => {
    assert.deepEqual(invalid('token expired'), { ok: false, kind: 'invalid_token', message: 'token expired' });
    const error = new VerifierUnavailableError('issuer down', 'network', 12);
    assert.equal(error.httpStatus, 503);
    assert.equal(error.kind, 'unavailable');
    assert.deepEqual(unavailable(error), {
      ok: false,
      kind: 'unavailable',
      message: 'issuer down',
      retryAfterSeconds: 12,
    });
    assert.deepEqual(unavailable(error, 40), {
      ok: false,
      kind: 'unavailable',
      message: 'issuer down',
      retryAfterSeconds: 40,
    });
    assert.equal(new VerifierUnavailableError('x', 'timeout').retryAfterSeconds, 30);
  });

  test('scopes from scp, scope and roles, strings or lists, without duplicates or empties', () => {
    assert.deepEqual(extractScopes({ scp: 'a  b', scope: ['c', '', 7, 'a'], roles: 'r1 r2' }, ['x', 'a']), [
      'a',
      'b',
      'c',
      'r1',
      'r2',
      'x',
    ]);
    assert.deepEqual(extractScopes({ scope: ' lead trail ' }), ['lead', 'trail']);
    assert.deepEqual(extractScopes({ roles: ['Admin'], scp: 5 }), ['Admin']);
    assert.deepEqual(extractScopes({}), []);
  });

  test('the subject: a non-empty string, or a finite number (GitHub ids); the principal is issuer|subject', () => {
    assert.equal(subjectClaim({ sub: 'alice' }, 'sub'), 'alice');
    assert.equal(subjectClaim({ id: 12345 }, 'id'), '12345');
    assert.equal(subjectClaim({ id: 0 }, 'id'), '0');
    for (const value of ['', Number.NaN, Number.POSITIVE_INFINITY, null, true, ['a'], { a: 1 }])
      assert.equal(subjectClaim({ sub: value }, 'sub'), undefined, String(value));
    assert.equal(subjectClaim({}, 'sub'), undefined);
    assert.equal(numericClaim({ exp: 1700000000 }, 'exp'), 1700000000);
    for (const value of ['1700000000', Number.NaN, Number.NEGATIVE_INFINITY, undefined])
      assert.equal(numericClaim({ exp: value }, 'exp'), undefined, String(value));
    const caller = makeCaller({ issuer: 'https://i.example', subject: 'alice', scopes: ['a'], claims: {}, token: 't' });
    assert.equal(caller.principal, 'https://i.example|alice');
    assert.equal(caller.subject, 'alice');
    assert.deepEqual(caller.scopes, ['a']);
  });
});
