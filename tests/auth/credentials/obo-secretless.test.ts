/**
 * The secretless default of azure_obo, as deployed: the exchange runs in a process of its own
 * (tests/auth/helpers/entra-obo-runner.ts) whose environment has
 *   - NODE_EXTRA_CA_CERTS = the test CA (Node reads it only at process start), so the fake Entra's
 *     certificate is trusted with no TLS option in the code, and
 *   - IDENTITY_ENDPOINT / IDENTITY_HEADER of a fake App Service managed-identity endpoint, so the
 *     default `ManagedIdentityCredential` supplies the client assertion,
 * and the factory gets no getAssertion, no secret and no HTTP options.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createTestCertificateAuthority, type TestCertificateAuthority } from '../helpers/entra-test-ca.js';
import {
  CLIENT_ASSERTION_TYPE,
  OBO_GRANT_TYPE,
  decodeFakeOboToken,
  fingerprint,
  startFakeEntra,
  type FakeEntra,
} from '../helpers/entra-fake-server.js';
import { startFakeMsi, type FakeMsi } from '../helpers/identity-fake-msi.js';
import { lastJsonLine, oboRunner, runProcess } from '../helpers/identity-processes.js';

const TENANT = 'contoso-tenant';
const APP = '99999999-8888-4777-8666-555555555555';
const MI_CLIENT_ID = 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee';
const USER_TOKEN = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJjYXJvbCJ9.carol-signature';
const PRINCIPAL = 'https://login.microsoftonline.com/contoso/v2.0|carol-oid';

type RunnerResult =
  | { ok: true; token: string; expiresOnTimestamp: number }
  | { ok: false; name: string; status?: string; message: string };

describe('secretless On-Behalf-Of in a separate process (NODE_EXTRA_CA_CERTS + managed identity)', () => {
  let ca: TestCertificateAuthority;
  let entra: FakeEntra;
  let msi: FakeMsi;

  const run = async (
    calls: Array<{ session?: number; scope: string }>,
    sessions = [{ callerToken: USER_TOKEN, principal: PRINCIPAL }],
  ) => {
    const input = {
      options: {
        tenantId: TENANT,
        clientId: APP,
        managedIdentityClientId: MI_CLIENT_ID,
        allowedScopes: ['https://graph.microsoft.com/.default'],
        authorityHost: entra.authorityHost,
        disableInstanceDiscovery: true,
      },
      sessions,
      calls: calls.map((call) => ({ session: call.session ?? 0, scope: call.scope })),
    };
    const result = await runProcess(process.execPath, ['--import', 'tsx', oboRunner, JSON.stringify(input)], {
      NODE_EXTRA_CA_CERTS: ca.caPath,
      ...msi.env,
    });
    assert.equal(result.code, 0, `runner failed:\n${result.stderr}`);
    return lastJsonLine<{ results: RunnerResult[] }>(result).results;
  };

  before(async () => {
    ca = createTestCertificateAuthority();
    entra = await startFakeEntra({ cert: ca.serverCertPem, key: ca.serverKeyPem });
    msi = await startFakeMsi({ clientId: MI_CLIENT_ID });
  });
  after(async () => {
    await entra?.close();
    await msi?.close();
    ca?.dispose();
  });

  it("sends the managed identity's api://AzureADTokenExchange token as client_assertion, caches, and refuses other scopes", async () => {
    const start = entra.tokenRequests.length;
    const results = await run([
      { scope: 'https://graph.microsoft.com/.default' },
      { scope: 'https://graph.microsoft.com/.default' },
      { scope: 'https://management.azure.com/.default' },
    ]);
    const [first, second, forbidden] = results;
    assert.ok(forbidden && !forbidden.ok);
    assert.equal(forbidden.status, 'forbidden_scope');
    assert.ok(first?.ok, JSON.stringify(first));
    assert.ok(second?.ok);
    assert.equal(second.token, first.token, 'the second request was served from the cache');
    assert.equal(entra.tokenRequests.length, start + 1, 'one exchange');
    assert.equal(decodeFakeOboToken(first.token).user, fingerprint(USER_TOKEN));

    // The managed identity was asked for the token-exchange audience, as the user-assigned identity.
    const miRequest = msi.requests.at(-1)!;
    assert.equal(miRequest.resource, 'api://AzureADTokenExchange');
    assert.equal(miRequest.apiVersion, '2019-08-01');
    assert.equal(miRequest.clientId, MI_CLIENT_ID);
    assert.ok(miRequest.headerOk);

    // And Entra received that token as the app's client assertion, with the caller's token as the user assertion.
    const sent = entra.tokenRequests.at(-1)!.form;
    assert.equal(sent.grant_type, OBO_GRANT_TYPE);
    assert.equal(sent.requested_token_use, 'on_behalf_of');
    assert.equal(sent.client_id, APP);
    assert.equal(sent.assertion, USER_TOKEN);
    assert.equal(sent.client_assertion_type, CLIENT_ASSERTION_TYPE);
    assert.equal(sent.client_assertion, msi.issued.at(-1));
    assert.equal(sent.client_secret, undefined);
  });

  it('reports a managed identity that cannot issue the assertion, without a secret fallback', async () => {
    msi.failWith = {
      status: 400,
      body: { statusCode: 400, message: 'No managed identity with that client id is assigned to this resource.' },
    };
    try {
      const [result] = await run(
        [{ scope: 'https://graph.microsoft.com/.default' }],
        [{ callerToken: USER_TOKEN, principal: `${PRINCIPAL}#mi-down` }],
      );
      assert.ok(result && !result.ok);
      assert.equal(result.name, 'TokenUnavailableError');
      assert.match(result.message, /managed identity/);
      assert.match(result.message, /federated credential/);
    } finally {
      msi.failWith = undefined;
    }
  });
});
