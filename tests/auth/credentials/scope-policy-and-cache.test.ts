import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ScopePolicy, TokenCache, scopeForResource } from '../../../src/auth/credentials/index.js';
import { redactTokens } from '../../../src/auth/credentials/azure-errors.js';

describe('ScopePolicy', () => {
  it('allows a listed .default scope, tolerating case and trailing slashes of the resource', () => {
    const policy = new ScopePolicy(['https://management.azure.com//.default', 'https://vault.azure.net/.default']);
    assert.deepEqual(policy.resolve('https://management.azure.com/.default')?.scopes, [
      'https://management.azure.com//.default',
    ]);
    assert.deepEqual(policy.resolve('HTTPS://Vault.Azure.NET//.default')?.scopes, ['https://vault.azure.net/.default']);
    assert.equal(
      policy.resolve(scopeForResource('https://management.azure.com/'))?.resource,
      'https://management.azure.com/',
    );
    assert.equal(policy.resolve('https://graph.microsoft.com/.default'), undefined);
  });

  it('maps <resource>/.default to the specific scopes listed for that resource, and no further', () => {
    const policy = new ScopePolicy([
      'https://graph.microsoft.com/User.Read',
      'Mail.Read',
      'api://my-api/access_as_user',
    ]);
    assert.deepEqual(policy.resolve('https://graph.microsoft.com/.default')?.scopes, [
      'https://graph.microsoft.com/User.Read',
      'Mail.Read',
    ]);
    assert.deepEqual(policy.resolve('api://my-api/.default')?.scopes, ['api://my-api/access_as_user']);
    assert.deepEqual(
      policy.resolve('User.Read')?.scopes,
      ['https://graph.microsoft.com/User.Read'],
      'bare scopes are Graph scopes',
    );
    assert.equal(policy.resolve('https://graph.microsoft.com/Mail.Send'), undefined);
  });

  it('allows a specific scope of a resource whose .default is listed', () => {
    const policy = new ScopePolicy(['https://graph.microsoft.com/.default']);
    assert.deepEqual(policy.resolve('https://graph.microsoft.com/User.Read')?.scopes, [
      'https://graph.microsoft.com/User.Read',
    ]);
  });

  it('rejects look-alike resources, OIDC scopes, bare resources and blanks', () => {
    const policy = new ScopePolicy(['https://graph.microsoft.com/.default', 'openid']);
    for (const scope of [
      'https://graph.microsoft.com.evil.example/.default',
      'https://evil.example/https://graph.microsoft.com/.default',
      'openid',
      'offline_access',
      'https://graph.microsoft.com',
      '',
      '  ',
      'a b',
    ]) {
      assert.equal(policy.resolve(scope), undefined, scope);
    }
    assert.deepEqual(policy.allowed, ['https://graph.microsoft.com/.default']);
  });

  it('gives one cache key per resource and scope set, however the request is spelled', () => {
    const policy = new ScopePolicy(['https://vault.azure.net/.default']);
    assert.equal(
      policy.resolve('https://vault.azure.net/.default')?.key,
      policy.resolve('https://VAULT.azure.net//.DEFAULT')?.key,
    );
  });
});

describe('TokenCache', () => {
  it('serves until the refresh margin before expiry, then fetches again', async () => {
    let now = 1_000_000;
    const cache = new TokenCache({ refreshMarginMs: 300_000, now: () => now });
    let fetches = 0;
    const fetch = async () => ({ token: `t${++fetches}`, expiresOnTimestamp: now + 3600_000 });
    assert.deepEqual(await cache.get('k', fetch), {
      token: { token: 't1', expiresOnTimestamp: 1_000_000 + 3600_000 },
      fromCache: false,
    });
    now += 3600_000 - 300_001;
    assert.equal((await cache.get('k', fetch)).token.token, 't1');
    now += 2;
    assert.equal((await cache.get('k', fetch)).token.token, 't2');
  });

  it('does not cache failures or tokens already inside the margin', async () => {
    const cache = new TokenCache({ refreshMarginMs: 300_000 });
    await assert.rejects(
      cache.get('k', async () => Promise.reject(new Error('boom'))),
      /boom/,
    );
    const short = await cache.get('k', async () => ({ token: 'short', expiresOnTimestamp: Date.now() + 60_000 }));
    assert.equal(short.token.token, 'short');
    assert.equal(cache.size, 0);
  });

  it('bounds its size and can forget a prefix', async () => {
    const cache = new TokenCache({ maxEntries: 3 });
    for (const key of ['a|1', 'a|2', 'b|1', 'b|2'])
      await cache.get(key, async () => ({ token: key, expiresOnTimestamp: Date.now() + 3600_000 }));
    assert.equal(cache.size, 3);
    cache.clear('b|');
    assert.equal(cache.size, 1);
  });
});

describe('redactTokens', () => {
  it('removes JWTs and credential parameters from text', () => {
    const text =
      'failed: eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl client_secret=abc123&assertion=xyz "access_token": "opaque"';
    const redacted = redactTokens(text);
    for (const secret of ['eyJhbGciOiJSUzI1NiJ9', 'abc123', 'xyz', 'opaque'])
      assert.ok(!redacted.includes(secret), `${secret} survived: ${redacted}`);
  });
});
