import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { OidcMetadataCache, VerifierUnavailableError } from '../../../src/auth/verify/index.js';
import { fetchIssuerMetadata, metadataUrls } from '../../../src/auth/verify/oidc-metadata.js';
import { deadOrigin, json, startOidcIssuer, startServer, type TestServer } from '../helpers/issuers.js';

async function rejectsUnavailable(promise: Promise<unknown>, reason: string, message?: RegExp): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof VerifierUnavailableError, `expected VerifierUnavailableError, got ${String(error)}`);
    assert.equal(error.kind, 'unavailable');
    assert.equal(error.reason, reason, error.message);
    assert.equal(error.retryAfterSeconds, 30);
    if (message) assert.match(error.message, message);
    return true;
  });
}

describe('issuer metadata discovery', () => {
  test('well-known locations: OIDC appended, then RFC 8414 with the path inserted', () => {
    assert.deepEqual(metadataUrls('https://idp.example.com/tenant/v2.0').map(String), [
      'https://idp.example.com/tenant/v2.0/.well-known/openid-configuration',
      'https://idp.example.com/.well-known/oauth-authorization-server/tenant/v2.0',
    ]);
    assert.deepEqual(metadataUrls('https://idp.example.com').map(String), [
      'https://idp.example.com/.well-known/openid-configuration',
      'https://idp.example.com/.well-known/oauth-authorization-server',
    ]);
    assert.throws(() => metadataUrls('https://idp.example.com/?x=1'), /query or fragment/);
    assert.throws(() => metadataUrls('http://idp.example.com'), /https/);
  });

  test('OIDC discovery: the document is returned and cached per issuer', async () => {
    const idp = await startOidcIssuer({ path: '/realm' });
    try {
      const cache = new OidcMetadataCache();
      const metadata = await cache.get(idp.issuer);
      assert.equal(metadata.issuer, idp.issuer);
      assert.equal(metadata.jwks_uri, idp.jwksUri);
      await cache.get(idp.issuer);
      await Promise.all([cache.get(idp.issuer), cache.get(idp.issuer)]);
      assert.equal(idp.server.count(idp.metadataPath), 1);
    } finally {
      await idp.server.close();
    }
  });

  test('concurrent first requests share one fetch', async () => {
    const idp = await startOidcIssuer();
    try {
      const cache = new OidcMetadataCache();
      await Promise.all(Array.from({ length: 5 }, () => cache.get(idp.issuer)));
      assert.equal(idp.server.count(idp.metadataPath), 1);
    } finally {
      await idp.server.close();
    }
  });

  test('falls back to RFC 8414 (path-inserted) when OpenID configuration is absent', async () => {
    const idp = await startOidcIssuer({ path: '/as/one', discovery: 'oauth' });
    try {
      const metadata = await new OidcMetadataCache().get(idp.issuer);
      assert.equal(metadata.issuer, idp.issuer);
      assert.equal(idp.server.count('/as/one/.well-known/openid-configuration'), 1, 'OIDC tried first');
      assert.equal(idp.server.count('/.well-known/oauth-authorization-server/as/one'), 1);
    } finally {
      await idp.server.close();
    }
  });

  test('falls back to RFC 8414 for an issuer without a path', async () => {
    const idp = await startOidcIssuer({ discovery: 'oauth' });
    try {
      assert.equal((await fetchIssuerMetadata(idp.issuer)).issuer, idp.issuer);
      assert.equal(idp.server.count('/.well-known/oauth-authorization-server'), 1);
    } finally {
      await idp.server.close();
    }
  });

  test('a document naming another issuer is refused (issuer_mismatch), at both locations', async () => {
    const idp = await startOidcIssuer({ path: '/t' });
    try {
      idp.metadataIssuer = `${idp.issuer}/`;
      await rejectsUnavailable(
        new OidcMetadataCache().get(idp.issuer),
        'issuer_mismatch',
        /names a different issuer than the expected/,
      );
    } finally {
      await idp.server.close();
    }
  });

  test('non-2xx at both locations: unavailable (http_status)', async () => {
    const idp = await startOidcIssuer();
    try {
      idp.metadataStatus = 500;
      await rejectsUnavailable(
        new OidcMetadataCache().get(idp.issuer),
        'http_status',
        /answered HTTP 500.*answered HTTP 404/,
      );
    } finally {
      await idp.server.close();
    }
  });

  describe('odd answers', () => {
    let server: TestServer;
    before(async () => {
      server = await startServer((request, response) => {
        const path = new URL(request.url ?? '/', 'http://x').pathname;
        if (path.startsWith('/html')) {
          response.writeHead(200, { 'content-type': 'text/html' });
          return response.end('<html>login</html>');
        }
        if (path.startsWith('/array')) return json(response, 200, [1, 2]);
        if (path.startsWith('/redirect')) {
          response.writeHead(302, { location: 'https://evil.example.com/.well-known/openid-configuration' });
          return response.end();
        }
        if (path.startsWith('/badjwks'))
          return json(response, 200, { issuer: `${server.origin}/badjwks`, jwks_uri: 42 });
        if (path.startsWith('/slow')) return; // never answers
        json(response, 404, {});
      });
    });
    after(async () => {
      await server.close();
    });

    test('a body that is not a JSON object: unavailable (bad_response)', async () => {
      await rejectsUnavailable(
        new OidcMetadataCache().get(`${server.origin}/html`),
        'bad_response',
        /did not answer with JSON/,
      );
      await rejectsUnavailable(
        new OidcMetadataCache().get(`${server.origin}/array`),
        'bad_response',
        /not answer with a JSON object/,
      );
      await rejectsUnavailable(
        new OidcMetadataCache().get(`${server.origin}/badjwks`),
        'bad_response',
        /jwks_uri that is not a string/,
      );
    });

    test('redirects are not followed', async () => {
      await rejectsUnavailable(new OidcMetadataCache().get(`${server.origin}/redirect`), 'http_status', /HTTP 302/);
    });

    test('a server that does not answer: unavailable (timeout)', async () => {
      const started = Date.now();
      await rejectsUnavailable(
        new OidcMetadataCache({ timeoutMs: 200 }).get(`${server.origin}/slow`),
        'timeout',
        /timed out/,
      );
      assert.ok(Date.now() - started < 2_000, 'one timeout, no fallback after it');
    });
  });

  test('network failure: unavailable (network)', async () => {
    await rejectsUnavailable(
      new OidcMetadataCache().get(await deadOrigin()),
      'network',
      /could not be reached \(ECONNREFUSED\)/,
    );
  });

  test('stale-while-error: the last good document is served while refreshing fails, for a while', async (t) => {
    const idp = await startOidcIssuer();
    try {
      // The cache's clock (Date) is the test's: the windows are exact, nothing waits.
      t.mock.timers.enable({ apis: ['Date'], now: Date.now() });
      const cache = new OidcMetadataCache({ ttlMs: 100, staleIfErrorMs: 400, failureBackoffMs: 0 });
      const first = await cache.get(idp.issuer);
      const fetched = idp.server.count(idp.metadataPath);
      idp.metadataStatus = 503;
      t.mock.timers.tick(99);
      assert.deepEqual(await cache.get(idp.issuer), first, 'fresh within the TTL');
      assert.equal(idp.server.count(idp.metadataPath), fetched, 'no request while fresh');
      t.mock.timers.tick(51); // 150 ms: past the TTL
      assert.deepEqual(await cache.get(idp.issuer), first, 'stale document served');
      assert.equal(idp.server.count(idp.metadataPath), fetched + 1, 'a refresh was tried');
      t.mock.timers.tick(349); // 499 ms: the last moment of the stale window (TTL + staleIfErrorMs)
      assert.deepEqual(await cache.get(idp.issuer), first, 'still within the stale window');
      t.mock.timers.tick(1); // 500 ms: the window is over
      await rejectsUnavailable(cache.get(idp.issuer), 'http_status');
      idp.metadataStatus = undefined;
      assert.equal((await cache.get(idp.issuer)).issuer, idp.issuer, 'recovers');
    } finally {
      await idp.server.close();
    }
  });

  test('after a failure, requests within the backoff do not ask again', async (t) => {
    const idp = await startOidcIssuer();
    try {
      t.mock.timers.enable({ apis: ['Date'], now: Date.now() });
      idp.metadataStatus = 503;
      const cache = new OidcMetadataCache({ failureBackoffMs: 300 });
      await rejectsUnavailable(cache.get(idp.issuer), 'http_status');
      const asked = idp.server.count(idp.metadataPath);
      idp.metadataStatus = undefined;
      t.mock.timers.tick(299);
      await rejectsUnavailable(cache.get(idp.issuer), 'http_status');
      assert.equal(idp.server.count(idp.metadataPath), asked, 'the last failure is given back within the backoff');
      t.mock.timers.tick(1);
      assert.equal((await cache.get(idp.issuer)).issuer, idp.issuer, 'asked again once the backoff is over');
      assert.ok(idp.server.count(idp.metadataPath) > asked);
    } finally {
      await idp.server.close();
    }
  });
});
