import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startOidcIssuer, type OidcIssuer } from '../auth/helpers/issuers.js';
import { nodeFixtureServer, startAdapter, type TestAdapter } from '../helpers/adapter.js';

/**
 * `/status` names servers, their counts and what is missing from the deployment: it is as
 * protected as the strictest server. Where a server verifies callers' tokens, /status needs a
 * token one of those servers accepts; with open servers only, it stays open (on Azure the route's
 * authorization level asks for a function key).
 */
describe('/status is protected like the strictest server', () => {
  let issuer: OidcIssuer;
  let adapter: TestAdapter;
  before(async () => {
    issuer = await startOidcIssuer({ audience: 'api://status-test' });
    adapter = await startAdapter(
      {
        mcpServers: {
          open: nodeFixtureServer(),
          guarded: nodeFixtureServer([], {
            auth: { method: 'oauth2_bearer', oauth2_issuer: issuer.issuer, oauth2_audience: 'api://status-test' },
          }),
        },
      },
      { authEnv: {} },
    );
  });
  after(async () => {
    await adapter.close();
    await issuer.server.close();
  });

  test('without a token: 401 with the challenge of a token-protected server, and nothing of the status', async () => {
    const response = await fetch(new URL('/status', adapter.url));
    assert.equal(response.status, 401);
    assert.match(
      response.headers.get('www-authenticate') ?? '',
      /^Bearer resource_metadata="http:\/\/127\.0\.0\.1:\d+\/\.well-known\/oauth-protected-resource\/mcp\/guarded"/,
    );
    const body = await response.text();
    assert.doesNotMatch(body, /servers|isolation|sessions/);
  });

  test('with a forged token: 401; with a token the guarded server accepts: the status', async () => {
    const forged = await fetch(new URL('/status', adapter.url), {
      headers: { authorization: 'Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJtYWxsb3J5In0.' },
    });
    assert.equal(forged.status, 401);
    await forged.text();
    const token = await issuer.token({ sub: 'operator' });
    const allowed = await fetch(new URL('/status', adapter.url), { headers: { authorization: `Bearer ${token}` } });
    assert.equal(allowed.status, 200);
    const status = (await allowed.json()) as { servers: Record<string, unknown>; isolation: { mode: string } };
    assert.deepEqual(Object.keys(status.servers).sort(), ['guarded', 'open']);
    assert.equal(status.isolation.mode, 'shared_user');
  });

  test('with open servers only, /status needs no token', async () => {
    const open = await startAdapter({ mcpServers: { open: nodeFixtureServer() } });
    try {
      const response = await fetch(new URL('/status', open.url));
      assert.equal(response.status, 200);
      assert.deepEqual(Object.keys(((await response.json()) as { servers: object }).servers), ['open']);
    } finally {
      await open.close();
    }
  });
});
