import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, test } from 'node:test';
import { nodeFixtureServer, openRawSession, startAdapter, type TestAdapter } from '../helpers/adapter.js';
import { callToolRaw } from '../helpers/raw-http.js';
import { overrideProcessEnv } from '../helpers/env.js';
import { startFakeMsi, type FakeMsi } from './helpers/identity-fake-msi.js';

const hash = (value: string) => createHash('sha256').update(value).digest('hex').slice(0, 16);

/**
 * azure_default through the adapter: the app's managed identity (a fake App Service identity
 * endpoint on loopback, as the platform provides it to the host) serves the child through the
 * child's own loopback endpoint, for the configured scopes only; the host's endpoint and secret
 * never reach the child.
 */
let msi: FakeMsi;
let adapter: TestAdapter;
let restoreEnv = () => {};

before(async () => {
  msi = await startFakeMsi({ clientId: 'app-identity-client-id' });
  // The platform gives the host (this process) its identity endpoint; ManagedIdentityCredential reads
  // it from process.env. Put back after the suite, so nothing else in this process inherits it.
  restoreEnv = overrideProcessEnv(msi.env);
  adapter = await startAdapter(
    {
      mcpServers: {
        arm: nodeFixtureServer([], {
          auth: { method: 'azure_default', azure_scopes: ['https://management.azure.com/.default'] },
        }),
      },
    },
    { authEnv: { MCP_ADAPTER_IDENTITY_CLIENT_ID: 'app-identity-client-id' } },
  );
});

after(async () => {
  restoreEnv();
  await adapter?.close();
  await msi?.close();
});

test("the child gets the app's managed-identity tokens for its scopes only, through its own endpoint", async () => {
  const endpoint = adapter.endpoint('arm');
  const session = await openRawSession(endpoint);
  const fetched = JSON.parse(
    await callToolRaw(endpoint, session, 'fetch_identity_token', { resource: 'https://management.azure.com' }),
  ) as { tokenHash: string; resource: string };
  assert.equal(fetched.tokenHash, hash(msi.issued.at(-1)!), "the token is the managed identity's");
  assert.equal(msi.requests.at(-1)!.clientId, 'app-identity-client-id', 'the user-assigned identity was asked');
  const refused = await callToolRaw(endpoint, session, 'fetch_identity_token', {
    resource: 'https://graph.microsoft.com',
  });
  assert.match(refused, /^status 403: .*not allowed/);
  const env = JSON.parse(await callToolRaw(endpoint, session, 'env_report')) as Record<string, string>;
  assert.notEqual(env.IDENTITY_ENDPOINT, hash(msi.env.IDENTITY_ENDPOINT), "the child's endpoint is its own");
  assert.notEqual(
    env.IDENTITY_HEADER,
    hash(msi.env.IDENTITY_HEADER),
    "the host's identity secret never reaches the child",
  );
});
