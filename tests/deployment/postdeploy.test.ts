import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import type { AccessToken, TokenCredential } from '@azure/identity';
import {
  describePostdeploy,
  fetchFunctionKey,
  smokeCommand,
  smokeDeployment,
} from '../../src/deployment/postdeploy.js';
import type { DeploymentPlan } from '../../src/deployment/plan.js';
import { nodeFixtureServer, repoRoot, startAdapter } from '../helpers/adapter.js';

const env = { subscriptionId: 'sub-1', resourceGroup: 'rg-test', functionAppName: 'func-test', baseUrl: '' };

test('postdeploy smoke-tests key-protected endpoints and lists token-protected ones for a manual test', async () => {
  const adapter = await startAdapter({ mcpServers: { fixture: nodeFixtureServer(), other: nodeFixtureServer() } });
  try {
    const plan = {
      servers: [
        {
          name: 'fixture',
          endpoint: '/mcp/fixture',
          default: false,
          authLevel: 'function',
          authMethod: 'none',
          caller: 'function_key',
          child: 'none',
        },
        {
          name: 'other',
          endpoint: '/mcp/other',
          default: false,
          authLevel: 'anonymous',
          authMethod: 'azure_obo',
          caller: 'entra',
          child: 'on_behalf_of',
        },
      ],
    } as unknown as DeploymentPlan;
    let keyRequests = 0;
    const result = await smokeDeployment(plan, { ...env, baseUrl: adapter.url }, async () => {
      keyRequests += 1;
      return 'function-key';
    });
    assert.equal(keyRequests, 1);
    assert.equal(result.reports.length, 1);
    assert.equal(result.reports[0]!.ok, true, result.reports[0]!.error);
    assert.equal(result.reports[0]!.server, 'node-fixture');
    assert.deepEqual(
      result.skipped.map((s) => s.endpoint),
      [`${adapter.url}/mcp/other`],
    );
    assert.match(result.skipped[0]!.reason, /--token <token>/);
    // A server verifies user tokens, so /status needs one: the report says why it has no isolation line.
    assert.equal(result.isolation, undefined);
    assert.match(result.isolationError!, /needs a user token/);
    const keyOnly = await smokeDeployment(
      { servers: plan.servers.filter((server) => server.caller === 'function_key') },
      { ...env, baseUrl: adapter.url },
      async () => 'function-key',
    );
    assert.equal(keyOnly.isolation?.mode, 'shared_user', keyOnly.isolationError);
    const described = describePostdeploy(plan, { ...env, baseUrl: adapter.url }, keyOnly);
    assert.match(
      described.lines.at(-1)!,
      /^child isolation: shared_user \(worker uid \d+, effective capabilities [0-9a-f]+\): children run as the adapter's user/,
    );
    assert.match(
      described.warnings.at(-1)!,
      /^warning: children run as the app's own user: any MCP server of this app can read/,
    );
  } finally {
    await adapter.close();
  }
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

test('no key: the key-protected endpoints fail with the reason, and the warning gives the command to re-run them', async () => {
  const plan = {
    servers: [
      {
        name: 'time',
        endpoint: '/mcp/time',
        default: true,
        authLevel: 'function',
        authMethod: 'none',
        caller: 'function_key',
        child: 'none',
      },
      {
        name: 'docs',
        endpoint: '/mcp/docs',
        default: false,
        authLevel: 'function',
        authMethod: 'none',
        caller: 'function_key',
        child: 'none',
      },
    ],
  } as unknown as DeploymentPlan;
  const deployed = { ...env, baseUrl: 'https://func-test.azurewebsites.net' };
  let keyRequests = 0;
  const result = await smokeDeployment(plan, deployed, async () => {
    keyRequests += 1;
    throw new Error('listing the function keys failed: HTTP 404');
  });
  assert.equal(keyRequests, 1, 'one key fetch (with its own retries) for all endpoints');
  assert.deepEqual(
    result.reports.map((r) => [r.endpoint, r.ok, r.error]),
    [
      [
        'https://func-test.azurewebsites.net/mcp/time',
        false,
        'could not get the function key: listing the function keys failed: HTTP 404',
      ],
      [
        'https://func-test.azurewebsites.net/mcp/docs',
        false,
        'could not get the function key: listing the function keys failed: HTTP 404',
      ],
    ],
  );
  const { lines, warnings } = describePostdeploy(plan, deployed, result);
  assert.equal(lines.length, 3);
  assert.equal(
    lines[2],
    'child isolation: unknown (listing the function keys failed: HTTP 404)',
    'without the key, /status cannot be read either',
  );
  assert.equal(warnings.length, 2);
  assert.equal(
    warnings[0],
    'warning: the smoke test of https://func-test.azurewebsites.net/mcp/time failed (could not get the function key: listing the function keys failed: HTTP 404). The deployment itself succeeded; a new app can take a few minutes to answer. Re-run the test with:\n' +
      '  npm run smoke -- https://func-test.azurewebsites.net/mcp/time --key "$(az functionapp keys list --resource-group rg-test --name func-test --query functionKeys.default --output tsv)"',
  );
  assert.equal(smokeCommand('https://x/mcp/open', deployed, false), 'npm run smoke -- https://x/mcp/open');
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
    /^warning: no smoke test: the azd environment lacks AZURE_SUBSCRIPTION_ID, AZURE_RESOURCE_GROUP, AZURE_FUNCTION_APP_NAME, MCP_BASE_URL/,
  );
  assert.match(result.stderr, /npm run smoke -- <endpoint url> --key <function key>/);
});
