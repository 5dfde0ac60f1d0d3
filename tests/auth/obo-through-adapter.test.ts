import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, test } from 'node:test';
import { initializeBody, nodeFixtureServer, startAdapter, type TestAdapter } from '../helpers/adapter.js';
import { callToolRaw, messagesOf, post, toolCall } from '../helpers/raw-http.js';
import { createTestCertificateAuthority, type TestCertificateAuthority } from './helpers/entra-test-ca.js';
import { startFakeEntra, type FakeEntra } from './helpers/entra-fake-server.js';
import { CLIENT_ID, startEntraAuthority, type EntraAuthority } from './helpers/issuers.js';

const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const hash = (value: string) => createHash('sha256').update(value).digest('hex').slice(0, 16);

/**
 * azure_obo through the whole adapter: a caller's Entra token (verified against an Entra-shaped
 * authority on loopback) opens a session; the child asks its private loopback identity endpoint
 * for a Graph token the way Azure SDKs do; the adapter exchanges the caller's token On-Behalf-Of
 * at a fake Entra over HTTPS (test CA); the child gets the token and nothing else of the host's.
 */
let ca: TestCertificateAuthority;
let fakeEntra: FakeEntra;
let authority: EntraAuthority;
let adapter: TestAdapter;

before(async () => {
  ca = createTestCertificateAuthority();
  fakeEntra = await startFakeEntra({ cert: ca.serverCertPem, key: ca.serverKeyPem });
  authority = await startEntraAuthority();
  const auth = {
    method: 'azure_obo',
    azure_client_id: CLIENT_ID,
    azure_tenant_id: TENANT,
    azure_client_secret: '${secret:OBO_CLIENT_SECRET}',
    azure_scopes: ['https://graph.microsoft.com/.default'],
  };
  adapter = await startAdapter(
    {
      mcpServers: {
        obo: nodeFixtureServer([], { auth: { ...auth, caller: { type: 'entra', required_scopes: ['mcp.access'] } } }),
        forwarding: nodeFixtureServer([], { auth: { ...auth, forward_user_token: true } }),
      },
      // npm test shares one user among children (the isolation suite gives each its own).
      adapter: { allow_shared_user_credentials: true },
    },
    {
      hostEnv: {
        ...process.env,
        OBO_CLIENT_SECRET: 'the-app-secret',
        AZURE_CLIENT_SECRET: 'host-secret',
        IDENTITY_ENDPOINT: 'http://169.254.0.1/host-identity',
        IDENTITY_HEADER: 'host-header',
      },
      authEnv: { MCP_ADAPTER_AUTHORITY_HOST: authority.authorityHost },
      oboOverrides: {
        authorityHost: fakeEntra.authorityHost,
        disableInstanceDiscovery: true,
        http: { tlsOptions: { ca: ca.caPem }, retryOptions: { maxRetries: 0 } },
      },
    },
  );
});

after(async () => {
  await adapter.close();
  await fakeEntra.close();
  await authority.server.close();
  ca.dispose();
});

async function openSession(server: string, token: string): Promise<string> {
  const response = await post(adapter.endpoint(server), initializeBody(), { authorization: `Bearer ${token}` });
  assert.equal(response.status, 200, await response.clone().text());
  return response.headers.get('mcp-session-id')!;
}

test('the child gets On-Behalf-Of tokens for its user from its loopback endpoint, and none of the host secrets', async () => {
  const callerToken = await authority.token(TENANT, 2, { scp: 'mcp.access', oid: 'oid-grace' });
  const session = await openSession('obo', callerToken);
  const headers = { authorization: `Bearer ${callerToken}` };
  const fetched = JSON.parse(
    await callToolRaw(
      adapter.endpoint('obo'),
      session,
      'fetch_identity_token',
      { resource: 'https://graph.microsoft.com' },
      headers,
    ),
  ) as { tokenHash: string; expires_on: string };
  assert.match(fetched.tokenHash, /^[0-9a-f]{16}$/);
  assert.ok(Number(fetched.expires_on) > Date.now() / 1000);
  const exchange = fakeEntra.tokenRequests.at(-1)!;
  assert.equal(exchange.tenant, TENANT);
  assert.equal(exchange.form.requested_token_use, 'on_behalf_of');
  assert.equal(exchange.form.assertion, callerToken, "the caller's own token was exchanged");
  assert.equal(exchange.form.client_secret, 'the-app-secret');
  assert.match(exchange.form.scope ?? '', /https:\/\/graph\.microsoft\.com\/\.default/);

  const refused = await callToolRaw(
    adapter.endpoint('obo'),
    session,
    'fetch_identity_token',
    { resource: 'https://vault.azure.net' },
    headers,
  ).catch((error: Error) => error.message);
  assert.match(refused, /status 403.*not allowed/);

  const env = JSON.parse(await callToolRaw(adapter.endpoint('obo'), session, 'env_report', {}, headers)) as Record<
    string,
    string
  >;
  assert.ok(env.IDENTITY_ENDPOINT && env.IDENTITY_HEADER, 'the per-session endpoint is in the environment');
  assert.notEqual(
    env.IDENTITY_ENDPOINT,
    hash('http://169.254.0.1/host-identity'),
    "not the host's own identity endpoint",
  );
  for (const name of ['AZURE_CLIENT_SECRET', 'OBO_CLIENT_SECRET', 'AZURE_USER_ASSERTION', 'AZURE_USE_OBO'])
    assert.equal(env[name], undefined, `${name} must not reach the child`);
  assert.equal(
    Object.values(env).includes(hash('the-app-secret')),
    false,
    'the client secret reaches the child under no name',
  );
  assert.equal(Object.values(env).includes(hash(callerToken)), false, "the caller's token is not passed through");
  assert.equal(JSON.stringify(adapter.logs).includes(callerToken), false, 'tokens never reach the log');
});

test('forward_user_token opts in to the predecessor contract: AZURE_CLIENT_ID, AZURE_TENANT_ID, AZURE_USER_ASSERTION, AZURE_USE_OBO', async () => {
  const callerToken = await authority.token(TENANT, 2, { oid: 'oid-linus' });
  const session = await openSession('forwarding', callerToken);
  const env = JSON.parse(
    await callToolRaw(
      adapter.endpoint('forwarding'),
      session,
      'env_report',
      {},
      { authorization: `Bearer ${callerToken}` },
    ),
  ) as Record<string, string>;
  assert.equal(env.AZURE_CLIENT_ID, hash(CLIENT_ID));
  assert.equal(env.AZURE_TENANT_ID, hash(TENANT));
  assert.equal(env.AZURE_USER_ASSERTION, hash(callerToken));
  assert.equal(env.AZURE_USE_OBO, hash('true'));
  assert.equal(env.AZURE_CLIENT_SECRET, undefined, 'the client secret is never forwarded');
});

test('a consent failure reaches the client as a clear tool error, not a hang', async () => {
  fakeEntra.respondWith(() => ({
    status: 400,
    body: {
      error: 'invalid_grant',
      error_description: 'AADSTS65001: The user or administrator has not consented to use the application.',
      error_codes: [65001],
      suberror: 'consent_required',
    },
  }));
  try {
    const callerToken = await authority.token(TENANT, 2, { scp: 'mcp.access', oid: 'oid-new-user' });
    const session = await openSession('obo', callerToken);
    const response = await post(
      adapter.endpoint('obo'),
      toolCall(5, 'fetch_identity_token', { resource: 'https://graph.microsoft.com' }),
      { authorization: `Bearer ${callerToken}`, 'mcp-session-id': session },
    );
    const [message] = (await messagesOf(response)) as Array<{
      result: { isError: boolean; content: Array<{ text: string }> };
    }>;
    assert.equal(message!.result.isError, true);
    assert.match(message!.result.content[0]!.text, /status 403.*consent/i);
  } finally {
    fakeEntra.respondWith(undefined);
  }
});
