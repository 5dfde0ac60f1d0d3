import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import type { AccessToken, TokenCredential } from '@azure/identity';
import { fetchFunctionKey, smokeDeployment } from '../../src/deployment/postdeploy.js';
import type { DeploymentPlan } from '../../src/deployment/plan.js';
import { nodeFixtureServer, startAdapter } from '../helpers/adapter.js';

const env = { subscriptionId: 'sub-1', resourceGroup: 'rg-test', functionAppName: 'func-test', baseUrl: '' };

test('postdeploy smoke-tests key-protected endpoints and lists token-protected ones for a manual test', async () => {
  const adapter = await startAdapter({ mcpServers: { fixture: nodeFixtureServer(), other: nodeFixtureServer() } });
  try {
    const plan = {
      servers: [
        { name: 'fixture', endpoint: '/mcp/fixture', default: false, authLevel: 'function', authMethod: 'none', caller: 'function_key', child: 'none' },
        { name: 'other', endpoint: '/mcp/other', default: false, authLevel: 'anonymous', authMethod: 'azure_obo', caller: 'entra', child: 'on_behalf_of' },
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
    assert.deepEqual(result.skipped.map((s) => s.endpoint), [`${adapter.url}/mcp/other`]);
    assert.match(result.skipped[0]!.reason, /--token <token>/);
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
  const credential: TokenCredential = { getToken: async (): Promise<AccessToken> => ({ token: 'arm-token', expiresOnTimestamp: Date.now() + 60_000 }) };
  try {
    const key = await fetchFunctionKey(env, credential, `http://127.0.0.1:${(arm.address() as AddressInfo).port}`);
    assert.equal(key, 'the-default-key');
    assert.deepEqual(seen, [{ method: 'POST', url: '/subscriptions/sub-1/resourceGroups/rg-test/providers/Microsoft.Web/sites/func-test/host/default/listkeys?api-version=2024-04-01', authorization: 'Bearer arm-token' }]);
  } finally {
    arm.close();
  }
});
