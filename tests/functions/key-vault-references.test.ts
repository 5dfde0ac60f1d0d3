import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { assertKeyVaultReferencesResolved } from '../../src/azure/key-vault-references.js';
import { ConfigError } from '../../src/config/errors.js';
import { initializeBody, MCP_HEADERS, nodeFixtureServer } from '../helpers/adapter.js';
import { connectClient } from '../helpers/clients.js';
import { createAppFolder } from '../helpers/functions-host/app-folder.js';
import { startFunctionsHost } from '../helpers/functions-host/host.js';

test('start-up refuses app settings that are still literal Key Vault references, naming them only', () => {
  assert.doesNotThrow(() => assertKeyVaultReferencesResolved({ A: 'resolved-value', B: '' }));
  assert.throws(
    () =>
      assertKeyVaultReferencesResolved({
        MCP_ADAPTER_SESSION_KEY:
          '@Microsoft.KeyVault(SecretUri=https://kv.vault.azure.net/secrets/mcp-adapter-session-key/)',
        GITHUB_TOKEN: '@microsoft.keyvault(VaultName=kv;SecretName=GITHUB-TOKEN)',
        PLAIN: 'x',
      }),
    (error: unknown) =>
      error instanceof ConfigError &&
      error.issues.length === 2 &&
      /app setting GITHUB_TOKEN is still a Key Vault reference/.test(error.issues[0]!.message) &&
      /app setting MCP_ADAPTER_SESSION_KEY is still a Key Vault reference.*Key Vault Secrets User/.test(
        error.issues[1]!.message,
      ),
  );
});

/**
 * The same check where it runs: the Functions entry (dist/functions/index.js, compiled from
 * src/functions/index.ts) loaded by the stand-in worker, with app settings as the platform gives
 * them when it could not resolve a reference (the literal `@Microsoft.KeyVault(...)` text).
 */
describe('the Functions entry at start-up, with an unresolved Key Vault reference', () => {
  const REFERENCE = '@Microsoft.KeyVault(SecretUri=https://kv.vault.azure.net/secrets/some-secret/)';
  const CONFIG = {
    mcpServers: {
      open: nodeFixtureServer([], { auth_level: 'anonymous' }),
      needs: nodeFixtureServer([], { auth_level: 'anonymous', env: { API_TOKEN: '${secret:NEEDS_TOKEN}' } }),
    },
  };
  const settings = (extra: Record<string, string>) => ({
    MCP_ADAPTER_SINGLE_INSTANCE: 'true',
    MCP_ADAPTER_SESSION_KEY: randomBytes(32).toString('base64url'),
    NEEDS_TOKEN: 'resolved',
    ...extra,
  });

  test('in a setting the config does not read (the session key): the app does not start, and says which setting', async () => {
    const appDir = await createAppFolder({ config: CONFIG });
    const started = await startFunctionsHost({ appDir, env: settings({ MCP_ADAPTER_SESSION_KEY: REFERENCE }) }).then(
      async (host) => {
        await host.close();
        return host;
      },
      (error: Error) => error,
    );
    assert.ok(started instanceof Error, 'the app started with an unresolved session key');
    assert.match(
      started.message,
      /Worker was unable to load entry point "dist\/functions\/index\.js": Invalid MCP config app settings:\n {2}- app settings at \/: app setting MCP_ADAPTER_SESSION_KEY is still a Key Vault reference: the platform could not resolve it/,
    );
    assert.equal(started.message.includes('some-secret'), false, 'the reference itself is not repeated');
  });

  test('in a setting the config reads: only the servers reading it are unavailable, the others serve', async () => {
    const appDir = await createAppFolder({ config: CONFIG });
    const host = await startFunctionsHost({ appDir, env: settings({ NEEDS_TOKEN: REFERENCE }) });
    try {
      const client = await connectClient('v2', new URL('mcp/open', host.url));
      assert.ok((await client.listTools()).includes('echo'));
      await client.close();
      const refused = await fetch(new URL('mcp/needs', host.url), {
        method: 'POST',
        headers: MCP_HEADERS,
        body: initializeBody(),
      });
      assert.equal(refused.status, 503);
      assert.match(
        ((await refused.json()) as { error: { message: string } }).error.message,
        /^Service Unavailable: MCP server "needs" is not served by this deployment because a setting or secret it needs is missing/,
      );
      const status = (await (await fetch(new URL(`status?code=${host.functionKey}`, host.url))).json()) as {
        unavailable: Record<string, { missing: string[] }>;
      };
      assert.deepEqual(Object.keys(status.unavailable), ['needs']);
      assert.match(
        status.unavailable.needs!.missing.join('\n'),
        /\$\{secret:NEEDS_TOKEN\} is still a Key Vault reference/,
      );
    } finally {
      await host.close();
    }
  });
});
