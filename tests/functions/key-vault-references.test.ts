import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertKeyVaultReferencesResolved } from '../../src/azure/key-vault-references.js';
import { ConfigError } from '../../src/config/errors.js';

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
