/**
 * azure_obo end to end: `@azure/identity` performs real On-Behalf-Of exchanges over HTTPS against
 * a fake Entra on 127.0.0.1 whose certificate is signed by a CA made at test time.
 *
 * How the CA is trusted: in this process through the credential's own, supported TLS option
 * (`http.tlsOptions.ca`, core-rest-pipeline's `tlsOptions`, which `@azure/identity` passes to the
 * HTTPS agent MSAL's requests go through). The secretless default, which needs no option at all,
 * runs in obo-secretless.test.ts in a child process whose NODE_EXTRA_CA_CERTS names the CA.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createOboTokenSourceFactory, type OboTokenSourceOptions } from '../../../src/auth/credentials/index.js';
import { TokenUnavailableError } from '../../../src/auth/types.js';
import { createLogger, type LogFields } from '../../../src/observability/logger.js';
import { createTestCertificateAuthority, type TestCertificateAuthority } from '../helpers/entra-test-ca.js';
import {
  CLIENT_ASSERTION_TYPE,
  OBO_GRANT_TYPE,
  decodeFakeOboToken,
  entraError,
  fingerprint,
  startFakeEntra,
  type FakeEntra,
} from '../helpers/entra-fake-server.js';

const TENANT = '72f988bf-0000-4000-8000-000000000001';
const APP = '11111111-2222-4333-8444-555555555555';
const SECRET = 'app-client-secret-value';
const ALICE_TOKEN = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.alice-signature';
const BOB_TOKEN = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJib2IifQ.bob-signature';
const ALICE = 'https://login.microsoftonline.com/tenant/v2.0|alice-oid';
const BOB = 'https://login.microsoftonline.com/tenant/v2.0|bob-oid';
const GRAPH_DEFAULT = 'https://graph.microsoft.com/.default';

describe('On-Behalf-Of token source against a fake Entra over HTTPS', () => {
  let ca: TestCertificateAuthority;
  let entra: FakeEntra;
  const records: LogFields[] = [];
  const logger = createLogger({ level: 'debug', sink: (record) => records.push(record) });

  const factoryFor = (overrides: Partial<OboTokenSourceOptions> = {}) =>
    createOboTokenSourceFactory({
      tenantId: TENANT,
      clientId: APP,
      clientSecret: SECRET,
      allowedScopes: [GRAPH_DEFAULT, 'https://vault.azure.net/.default'],
      authorityHost: entra.authorityHost,
      disableInstanceDiscovery: true,
      http: { tlsOptions: { ca: ca.caPem }, retryOptions: { maxRetries: 0 } },
      logger,
      ...overrides,
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

  before(async () => {
    ca = createTestCertificateAuthority();
    entra = await startFakeEntra({ cert: ca.serverCertPem, key: ca.serverKeyPem });
  });
  after(async () => {
    await entra?.close();
    ca?.dispose();
    // Whatever happened, no log record carried a token, the caller's assertion or the secret.
    const logged = JSON.stringify(records);
    for (const secret of [ALICE_TOKEN, BOB_TOKEN, SECRET, 'fake-obo.'])
      assert.ok(!logged.includes(secret), `a log record contains ${secret.slice(0, 12)}…`);
  });

  it('exchanges the caller token On-Behalf-Of with a client secret and returns the downstream token', async () => {
    entra.respondWith(undefined);
    const before = entra.tokenRequests.length;
    const source = factoryFor()(ALICE_TOKEN, ALICE);
    const token = await source.getToken(GRAPH_DEFAULT);

    assert.equal(entra.tokenRequests.length, before + 1);
    const sent = entra.tokenRequests.at(-1)!;
    assert.equal(sent.tenant, TENANT);
    assert.equal(sent.form.grant_type, OBO_GRANT_TYPE);
    assert.equal(sent.form.requested_token_use, 'on_behalf_of');
    assert.equal(sent.form.assertion, ALICE_TOKEN);
    assert.equal(sent.form.client_id, APP);
    assert.equal(sent.form.client_secret, SECRET);
    assert.equal(sent.form.client_assertion, undefined);
    assert.ok(sent.form.scope?.split(' ').includes(GRAPH_DEFAULT));
    assert.ok(
      entra.requestLog.includes(`GET /${TENANT}/v2.0/.well-known/openid-configuration`),
      'MSAL read the tenant metadata',
    );
    assert.ok(!entra.requestLog.some((line) => line.includes('discovery/instance')), 'instance discovery stayed off');

    const claims = decodeFakeOboToken(token.token);
    assert.equal(claims.user, fingerprint(ALICE_TOKEN), 'the token was issued for the caller');
    assert.equal(claims.scope, GRAPH_DEFAULT);
    assert.ok(Math.abs(token.expiresOnTimestamp - (Date.now() + 3600_000)) < 60_000, 'expiry is about an hour away');
  });

  it('takes the client assertion from getAssertion when given (the federated-credential form)', async () => {
    entra.respondWith(undefined);
    let calls = 0;
    const source = factoryFor({ clientSecret: undefined, getAssertion: async () => `federated-assertion-${++calls}` })(
      ALICE_TOKEN,
      `${ALICE}#assertion`,
    );
    await source.getToken(GRAPH_DEFAULT);
    const sent = entra.tokenRequests.at(-1)!;
    assert.equal(sent.form.client_assertion, 'federated-assertion-1');
    assert.equal(sent.form.client_assertion_type, CLIENT_ASSERTION_TYPE);
    assert.equal(sent.form.client_secret, undefined);
  });

  it('serves the cached token per principal and scope: no second exchange, even from another session of the same user', async () => {
    entra.respondWith(undefined);
    const factory = factoryFor();
    const first = factory(ALICE_TOKEN, ALICE);
    const start = entra.tokenRequests.length;
    const a = await first.getToken('https://vault.azure.net/.default');
    const b = await first.getToken('https://vault.azure.net/.default');
    // A second session of the same principal (its client sent a newer token) shares the entry.
    const second = factory(`${ALICE_TOKEN}-refreshed`, ALICE);
    const c = await second.getToken('https://vault.azure.net/.default');
    assert.equal(entra.tokenRequests.length, start + 1, 'one exchange for three requests');
    assert.equal(b.token, a.token);
    assert.equal(c.token, a.token);

    // Another principal never gets Alice's token.
    const bob = await factory(BOB_TOKEN, BOB).getToken('https://vault.azure.net/.default');
    assert.equal(entra.tokenRequests.length, start + 2);
    assert.equal(decodeFakeOboToken(bob.token).user, fingerprint(BOB_TOKEN));
  });

  it('shares one exchange between concurrent requests for the same token', async () => {
    entra.respondWith(undefined);
    const source = factoryFor()(BOB_TOKEN, `${BOB}#concurrent`);
    const start = entra.tokenRequests.length;
    const tokens = await Promise.all([
      source.getToken(GRAPH_DEFAULT),
      source.getToken(GRAPH_DEFAULT),
      source.getToken(GRAPH_DEFAULT),
    ]);
    assert.equal(entra.tokenRequests.length, start + 1);
    assert.equal(new Set(tokens.map((token) => token.token)).size, 1);
  });

  it('refreshes a cached token that is within 5 minutes of expiry', async () => {
    entra.respondWith(undefined);
    entra.expiresIn = 240; // already inside the 5-minute margin when it arrives
    try {
      const source = factoryFor()(ALICE_TOKEN, `${ALICE}#expiring`);
      const start = entra.tokenRequests.length;
      const first = await source.getToken(GRAPH_DEFAULT);
      const second = await source.getToken(GRAPH_DEFAULT);
      assert.equal(entra.tokenRequests.length, start + 2, 'the near-expiry token was exchanged again');
      assert.notEqual(second.token, first.token);
      assert.ok(decodeFakeOboToken(second.token).serial > decodeFakeOboToken(first.token).serial);

      // With a normal lifetime the refreshed token is cached again.
      entra.expiresIn = 3600;
      const third = await source.getToken(GRAPH_DEFAULT);
      const fourth = await source.getToken(GRAPH_DEFAULT);
      assert.equal(entra.tokenRequests.length, start + 3);
      assert.equal(fourth.token, third.token);
    } finally {
      entra.expiresIn = 3600;
    }
  });

  it('uses the newest caller token after updateCallerToken', async () => {
    entra.respondWith(undefined);
    const source = factoryFor({ allowedScopes: ['https://storage.azure.com/.default', 'api://downstream/.default'] })(
      ALICE_TOKEN,
      `${ALICE}#update`,
    );
    await source.getToken('https://storage.azure.com/.default');
    assert.equal(entra.tokenRequests.at(-1)!.form.assertion, ALICE_TOKEN);
    source.updateCallerToken(`${ALICE_TOKEN}-v2`);
    await source.getToken('api://downstream/.default');
    assert.equal(entra.tokenRequests.at(-1)!.form.assertion, `${ALICE_TOKEN}-v2`);
  });

  it('asks Entra for exactly the configured scopes when the child can only say <resource>/.default', async () => {
    entra.respondWith(undefined);
    const source = factoryFor({ allowedScopes: ['https://graph.microsoft.com/User.Read', 'Mail.Read'] })(
      ALICE_TOKEN,
      `${ALICE}#narrow`,
    );
    const token = await source.getToken(GRAPH_DEFAULT);
    const scopes = entra.tokenRequests.at(-1)!.form.scope!.split(' ');
    assert.ok(scopes.includes('https://graph.microsoft.com/User.Read'));
    assert.ok(scopes.includes('Mail.Read'));
    assert.ok(!scopes.includes(GRAPH_DEFAULT), 'never more than configured');
    assert.ok(token.token);
    // A listed specific scope works as itself.
    await source.getToken('https://graph.microsoft.com/user.read');
    assert.deepEqual(
      entra.tokenRequests
        .at(-1)!
        .form.scope!.split(' ')
        .filter((s) => s.includes('graph')),
      ['https://graph.microsoft.com/User.Read'],
    );
  });

  it('refuses a scope outside the allowed ones without asking Entra', async () => {
    const start = entra.tokenRequests.length;
    const source = factoryFor()(ALICE_TOKEN, ALICE);
    for (const scope of [
      'https://management.azure.com/.default',
      'https://graph.microsoft.com.evil.example/.default',
      'api://graph.microsoft.com/.default',
      '',
    ]) {
      const error = await rejection(source.getToken(scope));
      assert.equal(error.status, 'forbidden_scope');
      assert.match(error.message, /not allowed/);
    }
    // With specific scopes configured, another permission of the same resource is refused too.
    const narrow = factoryFor({ allowedScopes: ['https://graph.microsoft.com/User.Read'] })(ALICE_TOKEN, ALICE);
    const error = await rejection(narrow.getToken('https://graph.microsoft.com/Mail.Send'));
    assert.equal(error.status, 'forbidden_scope');
    assert.match(
      error.message,
      /Mail\.Send is not allowed for this server \(allowed: https:\/\/graph\.microsoft\.com\/User\.Read\)/,
    );
    assert.equal(entra.tokenRequests.length, start);
  });

  it('turns AADSTS65001 into consent_required with a message saying who must consent to what', async (t) => {
    // The fake Entra is shared by every test here: answer normally again whatever happens below.
    t.after(() => entra.respondWith(undefined));
    entra.respondWith(() =>
      entraError(
        'invalid_grant',
        65001,
        `The user or administrator has not consented to use the application with ID '${APP}'.`,
        { suberror: 'consent_required' },
      ),
    );
    const error = await rejection(factoryFor()(ALICE_TOKEN, `${ALICE}#consent`).getToken(GRAPH_DEFAULT));
    assert.equal(error.status, 'consent_required');
    assert.match(error.message, /[Cc]onsent is required/);
    assert.match(error.message, /administrator/);
    assert.ok(error.message.includes(GRAPH_DEFAULT), 'names the scope');
    assert.ok(error.message.includes(APP), 'names the app registration');
    assert.match(error.message, /AADSTS65001/);
    entra.respondWith(undefined);
  });

  it('reports other Entra failures as exchange_failed with the codes but not the response', async (t) => {
    // The fake Entra is shared by every test here: answer normally again whatever happens below.
    t.after(() => entra.respondWith(undefined));
    entra.respondWith(() =>
      entraError(
        'invalid_client',
        7000215,
        `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value. Secret: ${SECRET}`,
      ),
    );
    const error = await rejection(factoryFor()(ALICE_TOKEN, `${ALICE}#badsecret`).getToken(GRAPH_DEFAULT));
    assert.equal(error.status, 'exchange_failed');
    assert.match(error.message, /invalid_client/);
    assert.match(error.message, /AADSTS7000215/);
    assert.ok(!error.message.includes(SECRET), 'nothing echoed from the response');
    assert.ok(!error.message.includes('Trace ID'), 'no raw response description');

    entra.respondWith(() => entraError('invalid_grant', 500133, 'Assertion is not within its valid time range.'));
    const expired = await rejection(factoryFor()(ALICE_TOKEN, `${ALICE}#expired-assertion`).getToken(GRAPH_DEFAULT));
    assert.equal(expired.status, 'exchange_failed');
    assert.match(expired.message, /AADSTS500133/);
    assert.match(expired.message, /expired/);
    entra.respondWith(undefined);
  });

  it('reports a temporarily unavailable Entra as unavailable', async (t) => {
    // The fake Entra is shared by every test here: answer normally again whatever happens below.
    t.after(() => entra.respondWith(undefined));
    entra.respondWith(() => ({
      status: 503,
      body: {
        error: 'temporarily_unavailable',
        error_description: 'AADSTS90033: A transient error has occurred. Please try again.',
      },
    }));
    const error = await rejection(
      factoryFor({ allowedScopes: ['api://transient/.default'] })(ALICE_TOKEN, `${ALICE}#transient`).getToken(
        'api://transient/.default',
      ),
    );
    assert.equal(error.status, 'unavailable');
    assert.match(error.message, /temporarily/);
    entra.respondWith(undefined);
  });

  it('reports an unreachable Entra as unavailable, and an untrusted certificate too', async () => {
    const closedPort = 'https://127.0.0.1:9';
    const unreachable = await rejection(
      factoryFor({ authorityHost: closedPort })(ALICE_TOKEN, ALICE).getToken(GRAPH_DEFAULT),
    );
    assert.equal(unreachable.status, 'unavailable');
    assert.match(unreachable.message, /could not be reached/);

    const untrusted = await rejection(
      factoryFor({ http: { retryOptions: { maxRetries: 0 } } })(ALICE_TOKEN, `${ALICE}#untrusted`).getToken(
        GRAPH_DEFAULT,
      ),
    );
    assert.equal(untrusted.status, 'unavailable');
  });

  it('rejects contradictory options when the factory is created', () => {
    assert.throws(
      () =>
        createOboTokenSourceFactory({
          tenantId: TENANT,
          clientId: APP,
          allowedScopes: [],
          clientSecret: 'x',
          getAssertion: async () => 'y',
        }),
      /either clientSecret or getAssertion/,
    );
    assert.throws(
      () => createOboTokenSourceFactory({ tenantId: TENANT, clientId: APP, allowedScopes: [], clientSecret: '' }),
      /empty/,
    );
    assert.throws(() => createOboTokenSourceFactory({ tenantId: '', clientId: APP, allowedScopes: [] }), /tenantId/);
  });
});
