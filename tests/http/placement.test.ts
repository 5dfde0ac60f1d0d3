import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ServerConfig } from '../../src/config/model.js';
import { placementFromEnvironment, servesServer } from '../../src/http/placement.js';
import { initializeBody, MCP_HEADERS, nodeFixtureServer, startAdapter } from '../helpers/adapter.js';

/**
 * A deployment with stateful and stateless servers runs two apps from one config
 * (docs/scale-out-decision.md); each serves its own kind and names the other app for the rest.
 */
const config = {
  mcpServers: {
    notes: nodeFixtureServer(),
    search: nodeFixtureServer([], { state: 'stateless' }),
  },
};

describe('placement: each app of a split deployment serves its own servers', () => {
  test('the stateless app serves stateless servers and sends callers of a stateful one to the stateful app', async () => {
    const adapter = await startAdapter(config, {
      placement: { role: 'stateless', otherAppUrl: 'https://func-mcp-abc.azurewebsites.net' },
    });
    try {
      const refused = await fetch(adapter.endpoint('notes'), {
        method: 'POST',
        headers: MCP_HEADERS,
        body: initializeBody(),
      });
      assert.equal(refused.status, 404);
      const body = (await refused.json()) as { error: { message: string } };
      assert.match(
        body.error.message,
        /"notes" is stateful.*its stateful app.*use https:\/\/func-mcp-abc\.azurewebsites\.net\/mcp\/notes/,
      );
      assert.equal(adapter.sessions.size, 0, 'nothing started for it here');
      const served = await fetch(adapter.endpoint('search'), {
        method: 'POST',
        headers: MCP_HEADERS,
        body: initializeBody(),
      });
      assert.equal(served.status, 200);
      await served.body?.cancel();
      const status = (await (await fetch(new URL('/status', adapter.url))).json()) as { serving: unknown };
      assert.deepEqual(status.serving, { role: 'stateless', otherApp: 'https://func-mcp-abc.azurewebsites.net' });
    } finally {
      await adapter.close();
    }
  });

  test('the stateful app refuses stateless servers the same way; without a role every server is served', async () => {
    const stateful = await startAdapter(config, { placement: { role: 'stateful' } });
    const everything = await startAdapter(config);
    try {
      const refused = await fetch(stateful.endpoint('search'), {
        method: 'POST',
        headers: MCP_HEADERS,
        body: initializeBody(),
      });
      assert.equal(refused.status, 404);
      assert.match(
        ((await refused.json()) as { error: { message: string } }).error.message,
        /"search" is stateless.*MCP_ENDPOINTS/,
      );
      for (const name of ['notes', 'search']) {
        const response = await fetch(everything.endpoint(name), {
          method: 'POST',
          headers: MCP_HEADERS,
          body: initializeBody(),
        });
        assert.equal(response.status, 200, name);
        await response.body?.cancel();
      }
    } finally {
      await Promise.all([stateful.close(), everything.close()]);
    }
  });

  test('the role comes from MCP_ADAPTER_APP_ROLE, checked', () => {
    assert.equal(placementFromEnvironment({}), undefined);
    assert.deepEqual(placementFromEnvironment({ MCP_ADAPTER_APP_ROLE: 'stateful' }), { role: 'stateful' });
    assert.deepEqual(
      placementFromEnvironment({ MCP_ADAPTER_APP_ROLE: 'stateless', MCP_ADAPTER_OTHER_APP_URL: 'https://a.example/' }),
      { role: 'stateless', otherAppUrl: 'https://a.example' },
    );
    // single_instance: the plan puts every server in the stateful app, which then serves them all.
    const pinned = placementFromEnvironment({ MCP_ADAPTER_APP_ROLE: 'stateful' }, { singleInstance: true });
    assert.deepEqual(pinned, { role: 'stateful', everyServer: true });
    const declaredStateless = { state: 'stateless' } as ServerConfig;
    assert.equal(servesServer(pinned, declaredStateless), true);
    assert.equal(servesServer({ role: 'stateful' }, declaredStateless), false);
    assert.throws(
      () => placementFromEnvironment({ MCP_ADAPTER_APP_ROLE: 'sticky' }),
      /MCP_ADAPTER_APP_ROLE is "sticky"; use stateful or stateless/,
    );
    assert.throws(
      () => placementFromEnvironment({ MCP_ADAPTER_APP_ROLE: 'stateless', MCP_ADAPTER_OTHER_APP_URL: 'not a url' }),
      /MCP_ADAPTER_OTHER_APP_URL/,
    );
  });
});
