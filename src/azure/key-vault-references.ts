import { ConfigError } from '../config/errors.js';

const UNRESOLVED = /^@Microsoft\.KeyVault\(/i;

/**
 * App Service resolves `@Microsoft.KeyVault(...)` app settings before the app starts; one that
 * is still literal means the platform could not read the secret. Refuse to start, naming the
 * settings (never their values) and what to check, rather than run with a wrong value.
 * `except` names settings the caller handles itself (those the config reads: their servers are
 * made unavailable instead).
 */
export function assertKeyVaultReferencesResolved(
  env: NodeJS.ProcessEnv,
  options: { source?: string; except?: ReadonlySet<string> } = {},
): void {
  const source = options.source ?? 'app settings';
  const unresolved = Object.entries(env)
    .filter(([name, value]) => value !== undefined && UNRESOLVED.test(value) && !options.except?.has(name))
    .map(([name]) => name)
    .sort();
  if (unresolved.length === 0) return;
  throw new ConfigError(
    source,
    unresolved.map((name) => ({
      path: '',
      message: `app setting ${name} is still a Key Vault reference: the platform could not resolve it (check that the secret exists, that the app's identity has "Key Vault Secrets User" on the vault, that keyVaultReferenceIdentity names that identity, and with a VNet the vault's private DNS)`,
    })),
  );
}
