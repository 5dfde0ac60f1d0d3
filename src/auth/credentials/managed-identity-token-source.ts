/**
 * `azure_default`: tokens of the app's own identity for the child. Deployed, that is the Function
 * App's managed identity (`ManagedIdentityCredential`, user-assigned when `clientId` is given);
 * locally it is `DefaultAzureCredential` (Azure CLI, azd, VS Code sign-in, environment), chosen
 * with `useDefaultAzureCredential`. Either way the child only gets tokens for the allowed scopes,
 * through its private identity endpoint: it never sees the host's own IDENTITY_ENDPOINT/HEADER,
 * which would let it ask for any resource.
 *
 * A managed identity issues tokens per resource, so a request for a specific scope is served with
 * the resource's `.default` token when the configuration allows that scope. Tokens are cached per
 * resource until shortly before they expire.
 */
import {
  type AccessToken,
  DefaultAzureCredential,
  ManagedIdentityCredential,
  type TokenCredential,
} from '@azure/identity';
import { TokenUnavailableError, type ChildAccessToken, type ChildTokenSource } from '../types.js';
import type { Logger } from '../../observability/logger.js';
import { ScopePolicy, scopeForResource } from './scope-policy.js';
import { TokenCache } from './token-cache.js';
import { describeCodes, readAzureError, safeExcerpt } from './azure-errors.js';
import type { CredentialHttpOptions } from './obo-token-source.js';

export interface ManagedIdentityTokenSourceOptions {
  /** Client id of the app's user-assigned managed identity (omit for the system-assigned one). */
  clientId?: string;
  /** Scopes the child may obtain tokens for. */
  allowedScopes: readonly string[];
  /** A credential to use instead of the two below (a host that already has one, or tests). */
  credential?: TokenCredential;
  /**
   * Use `DefaultAzureCredential` (local development: Azure CLI, azd, ...) instead of the managed
   * identity. Default false: deployed, only the managed identity is tried, so a misconfiguration
   * fails clearly instead of falling through to other credentials.
   */
  useDefaultAzureCredential?: boolean;
  /** Proxy, TLS and retry options for the credential's requests. */
  http?: CredentialHttpOptions;
  /** How long before expiry a cached token stops being served (default 5 minutes). */
  refreshMarginMs?: number;
  logger?: Logger;
}

export function createManagedIdentityTokenSource(options: ManagedIdentityTokenSourceOptions): ChildTokenSource {
  const policy = new ScopePolicy(options.allowedScopes);
  const cache = new TokenCache({ refreshMarginMs: options.refreshMarginMs });
  const kind = options.credential
    ? 'custom'
    : options.useDefaultAzureCredential
      ? 'DefaultAzureCredential'
      : 'ManagedIdentityCredential';
  const logger = options.logger?.child({ component: 'auth', credential: 'azure_default', source: kind });
  let credential: TokenCredential | undefined = options.credential;
  const getCredential = (): TokenCredential => {
    credential ??= options.useDefaultAzureCredential
      ? new DefaultAzureCredential({
          ...options.http,
          ...(options.clientId ? { managedIdentityClientId: options.clientId } : {}),
        })
      : new ManagedIdentityCredential({ ...options.http, ...(options.clientId ? { clientId: options.clientId } : {}) });
    return credential;
  };

  const fetchToken = async (resourceScope: string, requested: string): Promise<ChildAccessToken> => {
    let result: AccessToken | null;
    try {
      result = await getCredential().getToken(resourceScope);
    } catch (error) {
      const facts = readAzureError(error);
      logger?.warn('managed identity token request failed', {
        scope: resourceScope,
        error: facts.name,
        codes: describeCodes(facts),
        detail: safeExcerpt(error),
      });
      if (kind === 'DefaultAzureCredential') {
        throw new TokenUnavailableError(
          `No local Azure credential could provide a token for ${requested}: sign in with \`az login\` or \`azd auth login\` (${safeExcerpt(error, 200)}).`,
          'unavailable',
        );
      }
      // ManagedIdentityCredential reports every failure as CredentialUnavailableError; only a
      // failure to reach the endpoint (or its 429/5xx) is worth retrying.
      if (facts.network || facts.transient) {
        throw new TokenUnavailableError(
          `The app's managed identity could not be reached to get a token for ${requested}; try again later.`,
          'unavailable',
        );
      }
      throw new TokenUnavailableError(
        `The app's managed identity could not get a token for ${requested} (${describeCodes(facts)}); check that the identity is assigned to the app and may access the resource.`,
        'exchange_failed',
      );
    }
    if (!result?.token)
      throw new TokenUnavailableError(`The app's identity returned no token for ${requested}.`, 'unavailable');
    return { token: result.token, expiresOnTimestamp: result.expiresOnTimestamp };
  };

  return {
    async getToken(scope: string): Promise<ChildAccessToken> {
      const grant = policy.resolve(scope);
      if (!grant) {
        logger?.warn('token request for a scope that is not allowed', { scope });
        throw new TokenUnavailableError(
          `The scope ${scope} is not allowed for this server (allowed: ${policy.describe()}).`,
          'forbidden_scope',
        );
      }
      // A managed identity takes a resource: ask for `<resource>/.default` as configured.
      const resourceScope = scopeForResource(grant.resource);
      const { token, fromCache } = await cache.get(grant.resourceKey, () => fetchToken(resourceScope, scope));
      if (fromCache) logger?.debug('managed identity token served from cache', { scope: resourceScope });
      else
        logger?.info('managed identity token obtained', {
          scope: resourceScope,
          expiresOn: new Date(token.expiresOnTimestamp).toISOString(),
        });
      return { token: token.token, expiresOnTimestamp: token.expiresOnTimestamp };
    },
  };
}
