import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { assertKeyVaultReferencesResolved } from '../../src/azure/key-vault-references.js';
import { ConfigError } from '../../src/config/errors.js';
import { functionRoutes } from '../../src/functions/register-functions.js';
import { createLogger, type LogFields } from '../../src/observability/logger.js';
import { loadForServing, serve } from '../../src/serve.js';
import { connectClient } from '../helpers/clients.js';
import { MCP_HEADERS, initializeBody, nodeFixtureServer } from '../helpers/adapter.js';

function configFile(document: unknown): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'mcp-unavailable-'));
  const file = path.join(dir, 'mcp_config.json');
  writeFileSync(file, JSON.stringify(document, null, 2));
  return file;
}

// `needs` reads a secret and a plain setting that a deployment may not have provisioned (the
// config was edited and deployed without `azd provision`), `open` needs nothing.
const document = {
  mcpServers: {
    open: nodeFixtureServer(),
    needs: nodeFixtureServer(['--label', '${env:NEEDS_LABEL}'], {
      env: { API_TOKEN: '${secret:NEEDS_TOKEN}' },
      default: true,
    }),
  },
};
const SECRET_VALUE = 'this-secret-value-must-never-appear';

describe('a server whose settings or secrets are missing is refused alone', () => {
  test('it answers 503, /status names what is missing, /health only that it is unavailable, and the other server serves', async () => {
    const logs: LogFields[] = [];
    const running = await serve({
      config: configFile(document),
      port: 0,
      env: { PATH: process.env.PATH, NEEDS_LABEL: 'set' },
      logger: createLogger({ level: 'debug', sink: (record) => logs.push(record) }),
    });
    try {
      assert.deepEqual([...running.loaded.config.servers.keys()], ['open']);
      assert.deepEqual([...running.loaded.config.unavailable.keys()], ['needs']);

      const health = await fetch(new URL('/health', running.url));
      assert.equal(health.status, 503);
      assert.deepEqual(await health.json(), {
        status: 'degraded',
        sessions: 0,
        childrenAlive: 0,
        unavailableServers: ['needs'],
      });

      const client = await connectClient('v2', new URL('/mcp/open', running.url));
      assert.ok((await client.listTools()).includes('echo'));
      await client.close();

      for (const endpoint of ['/mcp/needs', '/mcp']) {
        const refused = await fetch(new URL(endpoint, running.url), {
          method: 'POST',
          headers: MCP_HEADERS,
          body: initializeBody(),
        });
        assert.equal(refused.status, 503, endpoint);
        const body = (await refused.json()) as { error: { message: string } };
        assert.match(
          body.error.message,
          /MCP server "needs" is not served by this deployment because a setting or secret it needs is missing/,
        );
        // The missing names are for /status and the log, not for whoever calls the endpoint.
        assert.doesNotMatch(body.error.message, /NEEDS_TOKEN/);
      }

      const status = (await (await fetch(new URL('/status', running.url))).json()) as {
        unavailable: Record<string, { missing: string[] }>;
        servers: Record<string, unknown>;
      };
      assert.deepEqual(Object.keys(status.servers), ['open']);
      assert.deepEqual(status.unavailable, {
        needs: {
          missing: [
            '/mcpServers/needs/env/API_TOKEN: unresolved variable ${secret:NEEDS_TOKEN}: set NEEDS_TOKEN in the environment or .env (when deployed: Key Vault, through the app setting NEEDS_TOKEN)',
          ],
        },
      });

      const line = logs.find(
        (log) => log.level === 'error' && String(log.message).startsWith('server "needs" is not served'),
      );
      assert.ok(line, 'the start-up log names the unavailable server');
      assert.match(JSON.stringify(line.missing), /NEEDS_TOKEN/);
    } finally {
      await running.close();
    }
  });

  test('a Key Vault reference the platform could not resolve makes only the servers reading it unavailable; any other one stops start-up', () => {
    const env = {
      PATH: process.env.PATH,
      NEEDS_LABEL: 'x',
      NEEDS_TOKEN: '@Microsoft.KeyVault(SecretUri=https://kv.vault.azure.net/secrets/needs-token)',
    };
    const loaded = loadForServing({ config: configFile(document), env });
    assert.deepEqual([...loaded.config.unavailable.keys()], ['needs']);
    assert.match(
      loaded.config.unavailable.get('needs')!.missing[0]!,
      /\$\{secret:NEEDS_TOKEN\} is still a Key Vault reference/,
    );
    // The Functions entry checks the remaining references with the config's own settings excepted.
    const except = new Set(['NEEDS_TOKEN', 'NEEDS_LABEL']);
    assert.doesNotThrow(() => assertKeyVaultReferencesResolved(env, { except }));
    assert.throws(
      () =>
        assertKeyVaultReferencesResolved(
          { ...env, MCP_ADAPTER_SESSION_KEY: '@Microsoft.KeyVault(SecretUri=https://kv/secrets/k)' },
          { except },
        ),
      (error: unknown) =>
        error instanceof ConfigError &&
        error.issues.length === 1 &&
        /MCP_ADAPTER_SESSION_KEY is still a Key Vault reference/.test(error.issues[0]!.message),
    );
  });

  test('the served server count never changes which server /mcp means, and unavailable servers keep their Functions routes', () => {
    const loaded = loadForServing({ config: configFile(document), env: { PATH: process.env.PATH } });
    // Both of `needs`' variables are missing: both are named.
    assert.equal(loaded.config.unavailable.get('needs')!.missing.length, 2);
    const routes = functionRoutes(loaded.config).map((route) => `${route.name} ${route.route} ${route.authLevel}`);
    assert.deepEqual(routes, [
      'mcp-open mcp/open function',
      'mcp-needs mcp/needs function',
      'mcp-default mcp function',
      'mcp-default-legacy api/mcp function',
      'health health anonymous',
      'status status function',
      'page {*path} anonymous',
    ]);
  });

  test('an unresolved adapter-wide setting still stops start-up: there is no server to blame it on', () => {
    assert.throws(
      () =>
        loadForServing({
          config: configFile({ ...document, adapter: { allowed_hosts: ['${env:NO_SUCH_HOST}'] } }),
          env: { PATH: process.env.PATH },
        }),
      /at \/adapter\/allowed_hosts\/0: unresolved variable \$\{env:NO_SUCH_HOST\}/,
    );
  });

  test('a value is never echoed: neither in /status nor in the log', async () => {
    const logs: LogFields[] = [];
    const running = await serve({
      config: configFile(document),
      port: 0,
      env: { PATH: process.env.PATH, NEEDS_TOKEN: SECRET_VALUE },
      logger: createLogger({ level: 'debug', sink: (record) => logs.push(record) }),
    });
    try {
      // NEEDS_LABEL is missing this time; the secret that is set must not show anywhere.
      const status = await (await fetch(new URL('/status', running.url))).text();
      assert.match(status, /NEEDS_LABEL/);
      assert.equal(status.includes(SECRET_VALUE), false);
      assert.equal(JSON.stringify(logs).includes(SECRET_VALUE), false);
    } finally {
      await running.close();
    }
  });
});
