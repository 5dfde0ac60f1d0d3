import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import type { AccessToken, TokenCredential } from '@azure/identity';
import {
  describePostdeploy,
  fetchFunctionKey,
  parseDeployedApps,
  smokeCommand,
  smokeDeployment,
  type DeployedApp,
} from '../../src/deployment/postdeploy.js';
import type { DeploymentPlan } from '../../src/deployment/plan.js';
import { nodeFixtureServer, repoRoot, startAdapter } from '../helpers/adapter.js';

const env = { subscriptionId: 'sub-1', resourceGroup: 'rg-test', functionAppName: 'func-test' };
const server = (name: string, app: string, extra: Record<string, unknown> = {}) => ({
  name,
  endpoint: `/mcp/${name}`,
  app,
  state: app === 'api-stateless' ? 'stateless' : 'stateful',
  default: false,
  authLevel: 'function',
  authMethod: 'none',
  caller: 'function_key',
  child: 'none',
  ...extra,
});
const app = (service: string, role: string, name: string, baseUrl: string, servers: string[]): DeployedApp => ({
  service,
  role,
  name,
  baseUrl,
  servers,
});

test("two apps: each server is smoke-tested on the app that serves it, with that app's own key; both apps are printed with role and endpoints", async () => {
  const stateful = await startAdapter({ mcpServers: { notes: nodeFixtureServer() } });
  const stateless = await startAdapter({ mcpServers: { clock: nodeFixtureServer(), docs: nodeFixtureServer() } });
  try {
    const plan = {
      servers: [
        server('notes', 'api'),
        server('clock', 'api-stateless'),
        server('docs', 'api-stateless', {
          authLevel: 'anonymous',
          authMethod: 'azure_obo',
          caller: 'entra',
          child: 'on_behalf_of',
        }),
      ],
    } as unknown as DeploymentPlan;
    const deployed = {
      subscriptionId: 'sub-1',
      resourceGroup: 'rg-test',
      apps: [
        app('api', 'stateful', 'func-mcp-x', stateful.url, ['notes']),
        app('api-stateless', 'stateless', 'func-mcp-stateless-x', stateless.url, ['clock', 'docs']),
      ],
    };
    const keyRequests: string[] = [];
    const result = await smokeDeployment(plan, deployed, async (target) => {
      keyRequests.push(target.name);
      return `key-of-${target.name}`;
    });
    assert.deepEqual(
      keyRequests,
      ['func-mcp-x', 'func-mcp-stateless-x'],
      "one key fetch per app, from the app's own site",
    );
    assert.deepEqual(
      result.reports.map((r) => [r.app, r.endpoint, r.ok, r.server]),
      [
        ['api', `${stateful.url}/mcp/notes`, true, 'node-fixture'],
        ['api-stateless', `${stateless.url}/mcp/clock`, true, 'node-fixture'],
      ],
    );
    assert.deepEqual(
      result.skipped.map((s) => [s.app, s.endpoint]),
      [['api-stateless', `${stateless.url}/mcp/docs`]],
    );
    assert.match(result.skipped[0]!.reason, /--token <token>/);
    // The stateful app's /status is read with its key; the other app's needs a user token.
    assert.equal(result.apps[0]!.isolation?.mode, 'shared_user', result.apps[0]!.isolationError);
    assert.match(result.apps[1]!.isolationError!, /needs a user token/);

    const { lines, warnings } = describePostdeploy(plan, deployed, result);
    assert.equal(lines[0], `app api (stateful): func-mcp-x ${stateful.url}`);
    assert.match(lines[1]!, new RegExp(`^  ok   ${stateful.url}/mcp/notes  node-fixture tools: \\d+`));
    assert.match(lines[2]!, /^ {2}child isolation: shared_user \(worker uid \d+, effective capabilities [0-9a-f]+\): /);
    assert.equal(lines[3], `app api-stateless (stateless): func-mcp-stateless-x ${stateless.url}`);
    assert.match(lines[4]!, new RegExp(`^  ok   ${stateless.url}/mcp/clock `));
    assert.match(lines[5]!, new RegExp(`^  skip ${stateless.url}/mcp/docs  callers need a entra token`));
    assert.match(lines[6]!, /^ {2}child isolation: unknown \(its \/status needs a user token/);
    assert.equal(lines.length, 7);
    assert.equal(warnings.length, 1, warnings.join('\n'));
    assert.match(
      warnings[0]!,
      /^warning: children of app api run as the app's own user: any MCP server of this app can read/,
    );
  } finally {
    await stateful.close();
    await stateless.close();
  }
});

test('MCP_APPS: the JSON array main.bicep outputs, checked', () => {
  const apps = parseDeployedApps(
    JSON.stringify([
      { service: 'api', role: 'stateful', name: 'a', baseUrl: 'https://a.azurewebsites.net/', servers: ['x'] },
    ]),
  );
  assert.equal(apps[0]!.baseUrl, 'https://a.azurewebsites.net', 'no trailing slash');
  assert.throws(() => parseDeployedApps('nope'), /MCP_APPS is not JSON/);
  assert.throws(() => parseDeployedApps('[]'), /MCP_APPS is not a list of/);
  assert.throws(() => parseDeployedApps('[{"service":"api"}]'), /MCP_APPS is not a list of/);
});

test('the function key comes from Azure Resource Manager (a loopback stand-in here)', async () => {
  const seen: Array<{ method?: string; url?: string; authorization?: string }> = [];
  const arm = createServer((req, res) => {
    seen.push({ method: req.method, url: req.url, authorization: req.headers.authorization });
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ masterKey: 'master', functionKeys: { default: 'the-default-key' } }));
  });
  await new Promise<void>((resolve) => arm.listen(0, '127.0.0.1', resolve));
  const credential: TokenCredential = {
    getToken: async (): Promise<AccessToken> => ({ token: 'arm-token', expiresOnTimestamp: Date.now() + 60_000 }),
  };
  try {
    const key = await fetchFunctionKey(env, credential, `http://127.0.0.1:${(arm.address() as AddressInfo).port}`);
    assert.equal(key, 'the-default-key');
    assert.deepEqual(seen, [
      {
        method: 'POST',
        url: '/subscriptions/sub-1/resourceGroups/rg-test/providers/Microsoft.Web/sites/func-test/host/default/listkeys?api-version=2024-04-01',
        authorization: 'Bearer arm-token',
      },
    ]);
  } finally {
    arm.close();
  }
});

/** A loopback stand-in for ARM's listkeys that answers each request with the next of `answers` (the last one repeats). */
async function fakeArm(answers: Array<{ status: number; body?: unknown }>) {
  const requests: string[] = [];
  const server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    const answer = answers[Math.min(requests.length - 1, answers.length - 1)]!;
    res.writeHead(answer.status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(answer.body ?? { error: { code: 'NotFound' } }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

const credential: TokenCredential = {
  getToken: async (): Promise<AccessToken> => ({ token: 'arm-token', expiresOnTimestamp: Date.now() + 60_000 }),
};
const fast = { retries: 4, minTimeout: 5, factor: 1 };

test('a just-started app: listkeys answers 404, then 409, then the key', async () => {
  const arm = await fakeArm([
    { status: 404 },
    { status: 409 },
    { status: 200, body: { functionKeys: {} } },
    { status: 200, body: { functionKeys: { default: 'late-key' } } },
  ]);
  try {
    assert.equal(await fetchFunctionKey(env, credential, arm.endpoint, fast), 'late-key');
    assert.equal(arm.requests.length, 4);
  } finally {
    await arm.close();
  }
});

test('an app that never lists a default key: the fetch gives up after its retries, with the reason', async () => {
  const arm = await fakeArm([{ status: 200, body: { masterKey: 'm', functionKeys: {} } }]);
  try {
    await assert.rejects(
      fetchFunctionKey(env, credential, arm.endpoint, fast),
      /the function app has no default function key yet/,
    );
    assert.equal(arm.requests.length, 5);
  } finally {
    await arm.close();
  }
});

test('a refusal (403) is not retried', async () => {
  const arm = await fakeArm([{ status: 403 }]);
  try {
    await assert.rejects(fetchFunctionKey(env, credential, arm.endpoint, fast), /HTTP 403/);
    assert.equal(arm.requests.length, 1);
  } finally {
    await arm.close();
  }
});

test("no key for one app: that app's key-protected endpoints fail with the reason and the command to re-run them; the other app's pass", async () => {
  const other = await startAdapter({ mcpServers: { clock: nodeFixtureServer() } });
  try {
    const plan = {
      servers: [server('time', 'api'), server('docs', 'api'), server('clock', 'api-stateless')],
    } as unknown as DeploymentPlan;
    const deployed = {
      subscriptionId: 'sub-1',
      resourceGroup: 'rg-test',
      apps: [
        app('api', 'stateful', 'func-test', 'https://func-test.azurewebsites.net', ['time', 'docs']),
        app('api-stateless', 'stateless', 'func-other', other.url, ['clock']),
      ],
    };
    const keyRequests: string[] = [];
    const result = await smokeDeployment(plan, deployed, async (target) => {
      keyRequests.push(target.name);
      if (target.name === 'func-test') throw new Error('listing the function keys failed: HTTP 404');
      return 'other-key';
    });
    assert.deepEqual(keyRequests, ['func-test', 'func-other'], 'one key fetch (with its own retries) per app');
    assert.deepEqual(
      result.reports.map((r) => [r.endpoint, r.ok, r.error]),
      [
        [
          'https://func-test.azurewebsites.net/mcp/time',
          false,
          'could not get the function key of func-test: listing the function keys failed: HTTP 404',
        ],
        [
          'https://func-test.azurewebsites.net/mcp/docs',
          false,
          'could not get the function key of func-test: listing the function keys failed: HTTP 404',
        ],
        [`${other.url}/mcp/clock`, true, undefined],
      ],
    );
    const { lines, warnings } = describePostdeploy(plan, deployed, result);
    assert.equal(
      lines[3],
      '  child isolation: unknown (listing the function keys failed: HTTP 404)',
      'without the key, /status cannot be read either',
    );
    assert.equal(warnings.length, 3, warnings.join('\n'));
    assert.equal(
      warnings[0],
      'warning: the smoke test of https://func-test.azurewebsites.net/mcp/time failed (could not get the function key of func-test: listing the function keys failed: HTTP 404). The deployment itself succeeded; a new app can take a few minutes to answer. Re-run the test with:\n' +
        '  npm run smoke -- https://func-test.azurewebsites.net/mcp/time --key "$(az functionapp keys list --resource-group rg-test --name func-test --query functionKeys.default --output tsv)"',
    );
    assert.equal(
      smokeCommand('https://x/mcp/open', { resourceGroup: 'rg-test' }, false),
      'npm run smoke -- https://x/mcp/open',
    );
  } finally {
    await other.close();
  }
});

test('a server whose app is not deployed is reported, not skipped silently', async () => {
  const plan = { servers: [server('clock', 'api-stateless')] } as unknown as DeploymentPlan;
  const deployed = {
    subscriptionId: 'sub-1',
    resourceGroup: 'rg-test',
    apps: [app('api', 'stateful', 'func-test', 'https://func-test.azurewebsites.net', [])],
  };
  const result = await smokeDeployment(plan, deployed, async () => 'k');
  assert.deepEqual(
    result.reports.map((r) => [r.app, r.ok, r.error]),
    [
      [
        'api-stateless',
        false,
        'no deployed app is the service api-stateless that serves it (MCP_APPS: api); run azd provision',
      ],
    ],
  );
  const { lines } = describePostdeploy(plan, deployed, result);
  assert.ok(
    lines.includes(
      '  FAIL /mcp/clock  no deployed app is the service api-stateless that serves it (MCP_APPS: api); run azd provision',
    ),
  );
});

test('the postdeploy hook never fails a deploy: without the outputs it warns and exits 0', () => {
  const result = spawnSync(process.execPath, ['scripts/hooks/postdeploy.mjs'], {
    cwd: repoRoot,
    env: { PATH: process.env.PATH },
    encoding: 'utf8',
  });
  assert.equal(result.status, 0, result.stderr);
  assert.match(
    result.stderr,
    /^warning: no smoke test: the azd environment lacks AZURE_SUBSCRIPTION_ID, AZURE_RESOURCE_GROUP, MCP_APPS/,
  );
  assert.match(result.stderr, /npm run smoke -- <endpoint url> --key <function key>/);
});
