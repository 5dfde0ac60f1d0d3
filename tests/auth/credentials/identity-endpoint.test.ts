/**
 * The per-session identity endpoint, backed by the real On-Behalf-Of token source against the fake
 * Entra (HTTPS, test CA trusted through the credential's `tlsOptions`), and used by real children:
 *   - identity-child.py, Python's standard library speaking the App Service protocol as Azure SDKs do;
 *   - a Node child whose unmodified `@azure/identity` (ManagedIdentityCredential and
 *     DefaultAzureCredential) reads IDENTITY_ENDPOINT/IDENTITY_HEADER: SDKs work unchanged.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer as createTcpServer, type Server as TcpServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import {
  createOboTokenSourceFactory,
  startIdentityEndpoint,
  type IdentityEndpoint,
  type OboTokenSourceFactory,
} from '../../../src/auth/credentials/index.js';
import { createLogger, type LogFields } from '../../../src/observability/logger.js';
import { createTestCertificateAuthority, type TestCertificateAuthority } from '../helpers/entra-test-ca.js';
import {
  decodeFakeOboToken,
  entraError,
  fingerprint,
  startFakeEntra,
  type FakeEntra,
} from '../helpers/entra-fake-server.js';
import {
  lastJsonLine,
  nodeIdentityChild,
  python3,
  pythonIdentityChild,
  runProcess,
} from '../helpers/identity-processes.js';

const TENANT = 'fabrikam';
const APP = '12345678-1234-4234-8234-123456789abc';
const CHILD_CLIENT_ID = APP; // what the child's AZURE_CLIENT_ID would say
const USER_TOKEN = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJkYXZlIn0.dave-signature';
const PRINCIPAL = 'https://login.microsoftonline.com/fabrikam/v2.0|dave-oid';
const GRAPH = 'https://graph.microsoft.com';
const VAULT = 'https://vault.azure.net';
const ALLOWED = [`${GRAPH}/.default`, `${VAULT}/.default`];

const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');

interface PythonResult {
  status: number | null;
  token_sha256?: string;
  expires_on?: number;
  expires_in?: number;
  resource?: string;
  token_type?: string;
  client_id?: string;
  error?: { statusCode?: number; error?: string; message?: string } | string;
}
type NodeChildResult =
  | { ok: true; tokenSha256: string; expiresOnTimestamp: number; sameTokenTwice: boolean }
  | { ok: false; name: string; message: string };

describe('identity endpoint (App Service managed-identity protocol) for a session child', () => {
  let ca: TestCertificateAuthority;
  let entra: FakeEntra;
  let factory: OboTokenSourceFactory;
  let endpoint: IdentityEndpoint;
  const records: LogFields[] = [];
  const logger = createLogger({ level: 'debug', sink: (record) => records.push(record) });
  const python = python3();

  const runPython = async (env: { [name: string]: string | undefined }, args: string[] = []) => {
    assert.ok(python, 'python3 is required');
    const result = await runProcess(python, [pythonIdentityChild, ...args], env);
    return lastJsonLine<PythonResult>(result);
  };
  const runNode = async (
    env: { [name: string]: string | undefined },
    kind: 'managed' | 'default',
    scope: string,
    clientId?: string,
  ) => {
    const result = await runProcess(
      process.execPath,
      [nodeIdentityChild, kind, scope, ...(clientId ? [clientId] : [])],
      env,
    );
    return lastJsonLine<NodeChildResult>(result);
  };
  const get = (
    target: IdentityEndpoint,
    query: Record<string, string>,
    headers: Record<string, string> = { 'x-identity-header': target.env.IDENTITY_HEADER },
  ) => {
    const url = new URL(target.env.IDENTITY_ENDPOINT);
    for (const [key, value] of Object.entries(query)) url.searchParams.set(key, value);
    return fetch(url, { headers });
  };
  /** The endpoint's error answer: status, and the body Azure SDKs read (`statusCode`, `error`, `message`). */
  const expectError = async (response: Response, status: number, error: string, message: RegExp) => {
    const text = await response.text();
    assert.equal(response.status, status, text);
    const body = JSON.parse(text) as { statusCode: number; error: string; error_description: string; message: string };
    assert.equal(body.statusCode, status, text);
    assert.equal(body.error, error, text);
    assert.match(body.message, message);
    assert.equal(body.error_description, body.message);
    return response;
  };

  before(async () => {
    ca = createTestCertificateAuthority();
    entra = await startFakeEntra({ cert: ca.serverCertPem, key: ca.serverKeyPem });
    factory = createOboTokenSourceFactory({
      tenantId: TENANT,
      clientId: APP,
      clientSecret: 'obo-secret',
      allowedScopes: ALLOWED,
      authorityHost: entra.authorityHost,
      disableInstanceDiscovery: true,
      http: { tlsOptions: { ca: ca.caPem }, retryOptions: { maxRetries: 0 } },
      logger,
    });
    endpoint = await startIdentityEndpoint({
      source: factory(USER_TOKEN, PRINCIPAL),
      allowedScopes: ALLOWED,
      clientId: CHILD_CLIENT_ID,
      logger,
    });
  });
  after(async () => {
    await endpoint?.close();
    await entra?.close();
    ca?.dispose();
    const logged = JSON.stringify(records);
    assert.ok(!logged.includes(USER_TOKEN), 'the caller token was logged');
    assert.ok(!logged.includes('fake-obo.'), 'a downstream token was logged');
    assert.ok(!logged.includes(endpoint.env.IDENTITY_HEADER), 'the endpoint secret was logged');
  });

  it('gives its environment: a loopback IDENTITY_ENDPOINT and a random IDENTITY_HEADER per session', async () => {
    const url = new URL(endpoint.env.IDENTITY_ENDPOINT);
    assert.equal(url.protocol, 'http:');
    assert.equal(url.hostname, '127.0.0.1');
    assert.ok(Number(url.port) > 0);
    assert.ok(endpoint.env.IDENTITY_HEADER.length >= 40);
    assert.equal(endpoint.env.MSI_ENDPOINT, undefined);

    const other = await startIdentityEndpoint({
      source: factory(USER_TOKEN, PRINCIPAL),
      allowedScopes: ALLOWED,
      legacyMsiEnv: true,
    });
    try {
      assert.notEqual(other.env.IDENTITY_ENDPOINT, endpoint.env.IDENTITY_ENDPOINT);
      assert.notEqual(other.env.IDENTITY_HEADER, endpoint.env.IDENTITY_HEADER);
      assert.equal(other.env.MSI_ENDPOINT, other.env.IDENTITY_ENDPOINT);
      assert.equal(other.env.MSI_SECRET, other.env.IDENTITY_HEADER);
      // One session's secret does not open another session's endpoint.
      const crossed = await get(
        other,
        { resource: GRAPH, 'api-version': '2019-08-01' },
        { 'x-identity-header': endpoint.env.IDENTITY_HEADER },
      );
      await expectError(crossed, 401, 'unauthorized', /X-IDENTITY-HEADER header is missing or wrong/);
    } finally {
      await other.close();
    }
  });

  it("serves a Python child (standard library, the SDKs' request) the session user's OBO token", async () => {
    const start = entra.tokenRequests.length;
    const result = await runPython(endpoint.env, ['--resource', GRAPH]);
    assert.equal(result.status, 200, JSON.stringify(result));
    assert.equal(result.token_type, 'Bearer');
    assert.equal(result.resource, GRAPH);
    assert.equal(result.client_id, CHILD_CLIENT_ID);
    assert.ok(result.expires_in! > 3500 && result.expires_in! <= 3605, `expires_in ${result.expires_in}`);
    assert.equal(entra.tokenRequests.length, start + 1, 'one OBO exchange');
    assert.equal(entra.tokenRequests.at(-1)!.form.assertion, USER_TOKEN);
    assert.ok(entra.tokenRequests.at(-1)!.form.scope!.split(' ').includes(`${GRAPH}/.default`));

    // The token the child got is the cached OBO token of this user, for Graph.
    const expected = await factory(USER_TOKEN, PRINCIPAL).getToken(`${GRAPH}/.default`);
    assert.equal(result.token_sha256, sha256(expected.token));
    assert.equal(decodeFakeOboToken(expected.token).user, fingerprint(USER_TOKEN));
    assert.equal(result.expires_on, Math.floor(expected.expiresOnTimestamp / 1000));

    // The SDKs send client_id when the child's AZURE_CLIENT_ID is set: the configured one is accepted.
    const withClientId = await runPython(endpoint.env, ['--resource', GRAPH, '--client-id', CHILD_CLIENT_ID]);
    assert.equal(withClientId.status, 200);
    assert.equal(withClientId.token_sha256, result.token_sha256);
    const otherIdentity = await runPython(endpoint.env, ['--resource', GRAPH, '--client-id', 'someone-else']);
    assert.equal(otherIdentity.status, 400);
    assert.ok(typeof otherIdentity.error === 'object', JSON.stringify(otherIdentity));
    assert.equal(otherIdentity.error.error, 'invalid_request');
    assert.match(
      otherIdentity.error.message ?? '',
      new RegExp(`serves only the identity ${CHILD_CLIENT_ID}; the request asked for client_id=someone-else`),
    );
    assert.equal(otherIdentity.token_sha256, undefined);
  });

  it('answers a wrong or missing secret with 401, and logs it without the secret', async () => {
    const start = entra.tokenRequests.length;
    const logStart = records.length;
    const wrong = await runPython(endpoint.env, ['--resource', GRAPH, '--header', 'not-the-secret']);
    assert.equal(wrong.status, 401);
    assert.equal(typeof wrong.error === 'object' ? wrong.error.error : wrong.error, 'unauthorized');
    assert.equal(wrong.token_sha256, undefined);
    const missing = await runPython(endpoint.env, ['--resource', GRAPH, '--no-header']);
    assert.equal(missing.status, 401);
    assert.equal(typeof missing.error === 'object' ? missing.error.error : missing.error, 'unauthorized');
    assert.equal(missing.token_sha256, undefined);
    assert.equal(entra.tokenRequests.length, start);
    const rejections = records.slice(logStart).filter((record) => String(record.message).includes('secret header'));
    assert.equal(rejections.length, 2);
    assert.ok(!JSON.stringify(rejections).includes('not-the-secret'));
  });

  it('answers a resource that is not allowed with 403 and a JSON error', async () => {
    const start = entra.tokenRequests.length;
    const result = await runPython(endpoint.env, ['--resource', 'https://management.azure.com/']);
    assert.equal(result.status, 403);
    assert.ok(typeof result.error === 'object');
    assert.equal(result.error.error, 'forbidden_scope');
    assert.match(result.error.message ?? '', /https:\/\/management\.azure\.com\/\/\.default is not allowed/);
    assert.equal(entra.tokenRequests.length, start, 'Entra was not asked');
  });

  it('passes a failed exchange to the child as a clear error (consent_required → 403)', async () => {
    const consentEndpoint = await startIdentityEndpoint({
      source: factory(USER_TOKEN, `${PRINCIPAL}#consent`),
      allowedScopes: ALLOWED,
      logger,
    });
    entra.respondWith(() =>
      entraError(
        'invalid_grant',
        65001,
        `The user or administrator has not consented to use the application with ID '${APP}'.`,
        { suberror: 'consent_required' },
      ),
    );
    try {
      const result = await runPython(consentEndpoint.env, ['--resource', VAULT]);
      assert.equal(result.status, 403);
      assert.ok(typeof result.error === 'object');
      assert.equal(result.error.error, 'consent_required');
      assert.match(result.error.message ?? '', /Consent is required/);
      assert.ok((result.error.message ?? '').includes(`${VAULT}/.default`));
    } finally {
      entra.respondWith(undefined);
      await consentEndpoint.close();
    }
  });

  it("lets @azure/identity's ManagedIdentityCredential and DefaultAzureCredential in a Node child get the token unchanged", async () => {
    const expected = await factory(USER_TOKEN, PRINCIPAL).getToken(`${GRAPH}/.default`);
    const managed = await runNode(endpoint.env, 'managed', `${GRAPH}/.default`);
    assert.ok(managed.ok, JSON.stringify(managed));
    assert.equal(managed.tokenSha256, sha256(expected.token));
    assert.ok(
      Math.abs(managed.expiresOnTimestamp - expected.expiresOnTimestamp) < 3000,
      "same expiry (to the SDK's seconds precision)",
    );
    assert.ok(managed.sameTokenTwice, "the SDK's own cache serves the second request");

    // The child configured with AZURE_CLIENT_ID (predecessor contract) sends client_id=...: accepted.
    const withId = await runNode(endpoint.env, 'managed', `${GRAPH}/.default`, CHILD_CLIENT_ID);
    assert.ok(withId.ok, JSON.stringify(withId));

    const viaDefault = await runNode(endpoint.env, 'default', `${GRAPH}/.default`);
    assert.ok(viaDefault.ok, JSON.stringify(viaDefault));
    assert.equal(viaDefault.tokenSha256, sha256(expected.token));
  });

  it("puts the endpoint's error message into the Node SDK's error for a scope that is not allowed", async () => {
    const refused = await runNode(endpoint.env, 'managed', 'https://storage.azure.com/.default');
    assert.ok(!refused.ok);
    assert.match(refused.message, /https:\/\/storage\.azure\.com\/\.default is not allowed for this server/);
  });

  it('speaks the protocol edges: api-version, scope parameter, 2017-09-01 secret header, methods, paths', async () => {
    const before = entra.tokenRequests.length;
    await expectError(
      await get(endpoint, { resource: GRAPH }),
      400,
      'invalid_request',
      /^Unsupported api-version \(missing\); use 2019-08-01\.$/,
    );
    await expectError(
      await get(endpoint, { resource: GRAPH, 'api-version': '2099-01-01' }),
      400,
      'invalid_request',
      /^Unsupported api-version 2099-01-01; use 2019-08-01\.$/,
    );
    await expectError(
      await get(endpoint, { 'api-version': '2019-08-01' }),
      400,
      'invalid_request',
      /^The resource parameter is required\.$/,
    );
    assert.equal(entra.tokenRequests.length, before, 'refused requests never reach Entra');

    const byScope = await get(endpoint, { scope: `${GRAPH}/.default`, 'api-version': '2019-08-01' });
    assert.equal(byScope.status, 200);
    const body = (await byScope.json()) as {
      access_token: string;
      expires_on: string;
      resource: string;
      token_type: string;
    };
    assert.match(body.expires_on, /^\d+$/, 'expires_on is epoch seconds, as a string');
    assert.equal(body.resource, GRAPH);
    assert.equal(byScope.headers.get('cache-control'), 'no-store');

    const resourceAsScope = await get(endpoint, { resource: `${GRAPH}/.default`, 'api-version': '2019-08-01' });
    assert.equal(resourceAsScope.status, 200);
    assert.equal(((await resourceAsScope.json()) as { resource: string }).resource, GRAPH);

    const legacy = await get(
      endpoint,
      { resource: GRAPH, 'api-version': '2017-09-01', clientid: CHILD_CLIENT_ID },
      { secret: endpoint.env.IDENTITY_HEADER },
    );
    assert.equal(legacy.status, 200);
    assert.equal(((await legacy.json()) as { access_token: string }).access_token, body.access_token);

    const byResourceId = await get(endpoint, {
      resource: GRAPH,
      'api-version': '2019-08-01',
      mi_res_id: '/subscriptions/x/identities/y',
    });
    // Only the configured identity is served.
    await expectError(
      byResourceId,
      400,
      'invalid_request',
      /serves only the identity .*; the request asked for mi_res_id=\/subscriptions\/x\/identities\/y/,
    );

    const post = await fetch(endpoint.env.IDENTITY_ENDPOINT, {
      method: 'POST',
      headers: { 'x-identity-header': endpoint.env.IDENTITY_HEADER },
    });
    await expectError(post, 405, 'method_not_allowed', /^Use GET\.$/);
    assert.equal(post.headers.get('allow'), 'GET');
    const elsewhere = await fetch(new URL('/other', endpoint.env.IDENTITY_ENDPOINT), {
      headers: { 'x-identity-header': endpoint.env.IDENTITY_HEADER },
    });
    await expectError(elsewhere, 404, 'not_found', /^Unknown path\.$/);
  });

  it('answers 503 with the message when the token source does not answer in time, and stops when closed', async () => {
    // An "Entra" that accepts connections and never speaks: the exchange hangs.
    const sockets = new Set<Socket>();
    const silent: TcpServer = createTcpServer((socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const hangingFactory = createOboTokenSourceFactory({
      tenantId: TENANT,
      clientId: APP,
      clientSecret: 'obo-secret',
      allowedScopes: ALLOWED,
      authorityHost: `https://127.0.0.1:${(silent.address() as AddressInfo).port}`,
      disableInstanceDiscovery: true,
      http: { tlsOptions: { ca: ca.caPem }, retryOptions: { maxRetries: 0 } },
    });
    const slow = await startIdentityEndpoint({
      source: hangingFactory(USER_TOKEN, PRINCIPAL),
      allowedScopes: ALLOWED,
      tokenTimeoutMs: 300,
    });
    try {
      const response = await get(slow, { resource: GRAPH, 'api-version': '2019-08-01' });
      assert.equal(response.status, 503);
      assert.equal(response.headers.get('retry-after'), '5');
      const body = (await response.json()) as { error: string; message: string };
      assert.equal(body.error, 'unavailable');
      assert.match(body.message, /took longer than/);
    } finally {
      await slow.close();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
    await assert.rejects(
      get(slow, { resource: GRAPH, 'api-version': '2019-08-01' }),
      'a closed endpoint refuses connections',
    );
  });
});
