/**
 * azure_default: the app's managed identity, through `@azure/identity` against a fake App Service
 * managed-identity endpoint (this test file runs in its own process, which plays the Function App:
 * its IDENTITY_ENDPOINT/IDENTITY_HEADER point at the fake, set before any credential exists), and
 * passed on to a child through its private identity endpoint, restricted to the allowed scopes.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { ManagedIdentityCredential } from '@azure/identity';
import { createManagedIdentityTokenSource, startIdentityEndpoint } from '../../../src/auth/credentials/index.js';
import { TokenUnavailableError } from '../../../src/auth/types.js';
import { overrideProcessEnv } from '../../helpers/env.js';
import { startFakeMsi, type FakeMsi } from '../helpers/identity-fake-msi.js';
import { lastJsonLine, nodeIdentityChild, runProcess } from '../helpers/identity-processes.js';

const MI_CLIENT_ID = 'c0ffee00-0000-4000-8000-000000000042';
const VAULT = 'https://vault.azure.net';

describe('managed identity token source (azure_default)', () => {
  let msi: FakeMsi;
  let restoreEnv = () => {};

  before(async () => {
    msi = await startFakeMsi({ clientId: MI_CLIENT_ID });
    // Nothing of the machine's own Azure identity may steer the credential; put back after the suite.
    const unset = Object.keys(process.env).filter(
      (name) => name.startsWith('AZURE_') || name.startsWith('MSI_') || name === 'IDENTITY_SERVER_THUMBPRINT',
    );
    restoreEnv = overrideProcessEnv({
      ...Object.fromEntries(unset.map((name) => [name, undefined])),
      ...msi.env,
    });
  });
  after(async () => {
    restoreEnv();
    await msi?.close();
  });

  const rejection = async (promise: Promise<unknown>): Promise<TokenUnavailableError> => {
    try {
      await promise;
    } catch (error) {
      assert.ok(error instanceof TokenUnavailableError, `expected a TokenUnavailableError, got ${String(error)}`);
      return error;
    }
    assert.fail('expected the token request to fail');
  };

  it("gets the user-assigned identity's token for an allowed resource and caches it", async () => {
    const source = createManagedIdentityTokenSource({ clientId: MI_CLIENT_ID, allowedScopes: [`${VAULT}/.default`] });
    const start = msi.requests.length;
    const first = await source.getToken(`${VAULT}/.default`);
    const second = await source.getToken(`${VAULT}/.default`);
    assert.equal(msi.requests.length, start + 1);
    assert.equal(second.token, first.token);
    assert.equal(first.token, msi.issued.at(-1));
    const sent = msi.requests.at(-1)!;
    assert.equal(sent.resource, VAULT);
    assert.equal(sent.clientId, MI_CLIENT_ID);
    assert.ok(Math.abs(first.expiresOnTimestamp - (Date.now() + 3600_000)) < 60_000);
  });

  it('asks the identity for the resource when a specific scope of it is allowed', async () => {
    const source = createManagedIdentityTokenSource({
      clientId: MI_CLIENT_ID,
      allowedScopes: ['https://management.azure.com/user_impersonation'],
    });
    await source.getToken('https://management.azure.com/.default');
    assert.equal(msi.requests.at(-1)!.resource, 'https://management.azure.com');
  });

  it('refreshes a token within 5 minutes of expiry', async () => {
    msi.expiresIn = 200;
    try {
      const source = createManagedIdentityTokenSource({
        clientId: MI_CLIENT_ID,
        allowedScopes: ['https://storage.azure.com/.default'],
      });
      const start = msi.requests.length;
      const first = await source.getToken('https://storage.azure.com/.default');
      const second = await source.getToken('https://storage.azure.com/.default');
      assert.equal(msi.requests.length, start + 2);
      assert.notEqual(second.token, first.token);
    } finally {
      msi.expiresIn = 3600;
    }
  });

  it('refuses scopes outside the allowed ones without asking the identity', async () => {
    const source = createManagedIdentityTokenSource({ clientId: MI_CLIENT_ID, allowedScopes: [`${VAULT}/.default`] });
    const start = msi.requests.length;
    const error = await rejection(source.getToken('https://graph.microsoft.com/.default'));
    assert.equal(error.status, 'forbidden_scope');
    assert.match(error.message, /not allowed/);
    assert.equal(msi.requests.length, start);
  });

  it('reports an identity the platform refuses as exchange_failed, with a hint', async () => {
    const source = createManagedIdentityTokenSource({
      clientId: 'not-assigned-to-this-app',
      allowedScopes: ['api://refused/.default'],
    });
    const error = await rejection(source.getToken('api://refused/.default'));
    assert.equal(error.status, 'exchange_failed');
    assert.match(error.message, /managed identity/);
    assert.match(error.message, /assigned/);
  });

  it('uses DefaultAzureCredential when asked to (local development), which finds the same identity here', async () => {
    const source = createManagedIdentityTokenSource({
      clientId: MI_CLIENT_ID,
      allowedScopes: ['https://cognitiveservices.azure.com/.default'],
      useDefaultAzureCredential: true,
    });
    const token = await source.getToken('https://cognitiveservices.azure.com/.default');
    assert.equal(token.token, msi.issued.at(-1));
    assert.equal(msi.requests.at(-1)!.resource, 'https://cognitiveservices.azure.com');
  });

  it('uses a credential it is given', async () => {
    const source = createManagedIdentityTokenSource({
      credential: new ManagedIdentityCredential({ clientId: MI_CLIENT_ID }),
      allowedScopes: ['https://database.windows.net/.default'],
    });
    const token = await source.getToken('https://database.windows.net/.default');
    assert.equal(token.token, msi.issued.at(-1));
  });

  it("serves a child's unmodified Azure SDK through the identity endpoint, restricted to the allowed scopes", async () => {
    const allowedScopes = ['https://eventhubs.azure.net/.default'];
    const source = createManagedIdentityTokenSource({ clientId: MI_CLIENT_ID, allowedScopes });
    const endpoint = await startIdentityEndpoint({ source, allowedScopes, clientId: MI_CLIENT_ID });
    try {
      const result = await runProcess(
        process.execPath,
        [nodeIdentityChild, 'managed', 'https://eventhubs.azure.net/.default', MI_CLIENT_ID],
        endpoint.env,
      );
      const got = lastJsonLine<{ ok: boolean; tokenSha256?: string; message?: string }>(result);
      assert.ok(got.ok, JSON.stringify(got));
      const expected = await source.getToken('https://eventhubs.azure.net/.default');
      assert.equal(got.tokenSha256, createHash('sha256').update(expected.token).digest('hex'));

      // The host's own identity endpoint would give the child any resource; this one does not.
      const refused = lastJsonLine<{ ok: boolean; message?: string }>(
        await runProcess(
          process.execPath,
          [nodeIdentityChild, 'managed', `${VAULT}/.default`, MI_CLIENT_ID],
          endpoint.env,
        ),
      );
      assert.ok(!refused.ok);
      assert.match(refused.message ?? '', /not allowed/);
    } finally {
      await endpoint.close();
    }
  });
});
