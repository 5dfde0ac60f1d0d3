import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertKeyVaultReferencesResolved } from '../../src/azure/key-vault-references.js';
import { ConfigError } from '../../src/config/errors.js';

/** The start-up check of app settings App Service left as literal Key Vault references. */
function refusal(run: () => void): ConfigError {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error));
    return error;
  }
  assert.fail('expected a ConfigError');
}

const REFERENCE = '@Microsoft.KeyVault(SecretUri=https://kv.vault.azure.net/secrets/session-key/)';

test('resolved settings pass; a literal reference, in any case, stops start-up naming the setting only', () => {
  assertKeyVaultReferencesResolved({});
  assertKeyVaultReferencesResolved({ A: 'value', B: '', C: undefined, D: 'not @Microsoft.KeyVault(x) at the start' });
  const error = refusal(() =>
    assertKeyVaultReferencesResolved({
      Z_LAST: '@MICROSOFT.KEYVAULT(VaultName=kv;SecretName=z)',
      MCP_ADAPTER_SESSION_KEY: REFERENCE,
      A_FIRST: '@microsoft.keyvault(VaultName=kv;SecretName=a)',
      PLAIN: 'x',
    }),
  );
  assert.equal(error.file, 'app settings');
  assert.deepEqual(
    error.issues.map((issue) => issue.path),
    ['', '', ''],
  );
  assert.deepEqual(
    error.issues.map((issue) => issue.message.split(' is still')[0]),
    ['app setting A_FIRST', 'app setting MCP_ADAPTER_SESSION_KEY', 'app setting Z_LAST'],
  );
  assert.equal(
    error.issues[1]!.message,
    'app setting MCP_ADAPTER_SESSION_KEY is still a Key Vault reference: the platform could not resolve it (check that the secret exists, that the app\'s identity has "Key Vault Secrets User" on the vault, that keyVaultReferenceIdentity names that identity, and with a VNet the vault\'s private DNS)',
  );
  assert.ok(!error.message.includes('vault.azure.net') && !error.message.includes('SecretName'));
});

test('settings the caller handles itself are left to it; the source is named', () => {
  assertKeyVaultReferencesResolved({ GITHUB_TOKEN: REFERENCE }, { except: new Set(['GITHUB_TOKEN']) });
  const error = refusal(() =>
    assertKeyVaultReferencesResolved(
      { GITHUB_TOKEN: REFERENCE, MCP_ADAPTER_SESSION_KEY: REFERENCE },
      { source: 'local.settings.json', except: new Set(['GITHUB_TOKEN']) },
    ),
  );
  assert.equal(error.file, 'local.settings.json');
  assert.deepEqual(
    error.issues.map((issue) => issue.message.split(' is still')[0]),
    ['app setting MCP_ADAPTER_SESSION_KEY'],
  );
});
