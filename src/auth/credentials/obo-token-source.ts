import { AdapterError } from '../../errors/adapter-error.js';
/**
 * `azure_obo`: tokens for the child that act as the session's user. The adapter exchanges the
 * caller's verified Entra token On-Behalf-Of (`@azure/identity` `OnBehalfOfCredential`, MSAL Node
 * underneath) for the scope the child asks for, if the configuration allows it.
 *
 * The app registration authenticates to Entra either secretless (the default: a federated
 * credential; the client assertion is a token of the app's managed identity for
 * `api://AzureADTokenExchange`, as Azure-Samples' mcp-sdk-functions-hosting-node does) or with a
 * client secret (the alternative, from Key Vault). Downstream tokens are cached per principal and
 * scope until 5 minutes before they expire, so one user's sessions share tokens and a child that
 * asks again (Azure SDKs do, about 5 minutes before expiry) gets a refreshed one.
 *
 * Errors become `TokenUnavailableError`s whose messages are safe to show: consent problems say who
 * must consent to what; other Entra failures carry the OAuth and AADSTS codes but nothing from the
 * response body; network failures are `unavailable`.
 */
import {
  type AccessToken,
  ManagedIdentityCredential,
  OnBehalfOfCredential,
  type OnBehalfOfCredentialOptions,
  type TokenCredentialOptions,
} from '@azure/identity';
import { TokenUnavailableError, type ChildAccessToken, type ChildTokenSource } from '../types.js';
import type { Logger } from '../../observability/logger.js';
import { ScopePolicy, type ScopeGrant } from './scope-policy.js';
import { TokenCache } from './token-cache.js';
import { describeCodes, readAzureError, safeExcerpt, type AzureErrorFacts } from './azure-errors.js';

export const TOKEN_EXCHANGE_AUDIENCE = 'api://AzureADTokenExchange';

/** HTTP options passed to the `@azure/identity` credentials (proxy, TLS trust, retries). */
export type CredentialHttpOptions = Pick<
  TokenCredentialOptions,
  'proxyOptions' | 'tlsOptions' | 'retryOptions' | 'agent' | 'userAgentOptions'
>;

export interface OboTokenSourceOptions {
  /** The Entra tenant of the app registration (and of the users). */
  tenantId: string;
  /** The app registration's client (application) id: the audience of callers' tokens. */
  clientId: string;
  /** Scopes the child may obtain (see ScopePolicy for how `.default` requests match). */
  allowedScopes: readonly string[];
  /**
   * Client secret of the app registration (the alternative to the secretless default). Mutually
   * exclusive with `getAssertion`.
   */
  clientSecret?: string;
  /**
   * The client assertion for the app registration. Default (secretless): a token of the app's
   * managed identity (`managedIdentityClientId`) for `assertionAudience`, which the app
   * registration trusts through a federated identity credential.
   */
  getAssertion?: () => Promise<string>;
  /** Client id of the app's user-assigned managed identity (omit for the system-assigned one). */
  managedIdentityClientId?: string;
  /** Audience of the managed-identity assertion (sovereign clouds use their own). Default `api://AzureADTokenExchange`. */
  assertionAudience?: string;
  /** Entra authority host (default `https://login.microsoftonline.com`, or AZURE_AUTHORITY_HOST). */
  authorityHost?: string;
  /** Skip Entra instance discovery (needed for hosts Entra does not know, such as a test fake). */
  disableInstanceDiscovery?: boolean;
  /** Proxy, TLS and retry options for the requests to Entra. */
  http?: CredentialHttpOptions;
  /** How long before expiry a cached token stops being served (default 5 minutes). */
  refreshMarginMs?: number;
  logger?: Logger;
}

/** The token source of one session. */
export interface OboTokenSource extends ChildTokenSource {
  readonly principal: string;
  /**
   * Replaces the user assertion: call it with the caller's token on every authenticated request of
   * the session, so exchanges after the first token expired still succeed. The principal must not
   * change (a session is bound to one).
   */
  updateCallerToken(callerToken: string): void;
}

export type OboTokenSourceFactory = (callerToken: string, principal: string) => OboTokenSource;

/** What an administrator has to fix, per AADSTS code, in words a user can pass on. */
const HINTS: Record<string, string> = {
  '500133': "the caller's token has expired; the client must send a fresh token",
  '50013': "the caller's token was not accepted as an assertion (wrong audience or signature)",
  '50076': 'Conditional Access requires multi-factor authentication; sign in again in the client',
  '50079': 'Conditional Access requires multi-factor authentication registration',
  '53003': 'Conditional Access blocked the request',
  '700016': 'the app registration was not found in the tenant',
  '7000215': "the app registration's client secret is wrong",
  '7000222': "the app registration's client secret has expired",
  '700213': "no federated identity credential of the app registration matches the managed identity's token",
  '70021': "no federated identity credential of the app registration matches the managed identity's token",
  '700024': 'the client assertion is not within its valid time range',
  '70011': 'the scope is not valid for the resource',
  '65005': 'the app registration does not list this API permission, or the resource does not exist',
  '500011': 'the resource was not found in the tenant',
};

export function createOboTokenSourceFactory(options: OboTokenSourceOptions): OboTokenSourceFactory {
  if (!options.tenantId) throw new Error('azure_obo: tenantId is required');
  if (!options.clientId) throw new Error('azure_obo: clientId (the app registration) is required');
  if (options.clientSecret !== undefined && options.getAssertion !== undefined) {
    throw new Error('azure_obo: give either clientSecret or getAssertion, not both');
  }
  if (options.clientSecret !== undefined && options.clientSecret.trim() === '') {
    throw new Error('azure_obo: clientSecret is empty (an unresolved Key Vault reference?)');
  }
  const policy = new ScopePolicy(options.allowedScopes);
  const cache = new TokenCache({ refreshMarginMs: options.refreshMarginMs });
  const logger = options.logger?.child({ component: 'auth', credential: 'azure_obo' });
  const getAssertion =
    options.clientSecret === undefined ? (options.getAssertion ?? managedIdentityAssertion(options)) : undefined;

  const createCredential = (userAssertionToken: string): OnBehalfOfCredential => {
    // Typed as the union @azure/identity documents; its constructor overloads omit the authority
    // validation options (`disableInstanceDiscovery`), which it reads all the same.
    const common = {
      ...options.http,
      tenantId: options.tenantId,
      clientId: options.clientId,
      userAssertionToken,
      ...(options.authorityHost !== undefined ? { authorityHost: options.authorityHost } : {}),
      ...(options.disableInstanceDiscovery !== undefined
        ? { disableInstanceDiscovery: options.disableInstanceDiscovery }
        : {}),
    };
    const credentialOptions: OnBehalfOfCredentialOptions = getAssertion
      ? { ...common, getAssertion }
      : { ...common, clientSecret: options.clientSecret as string };
    return new OnBehalfOfCredential(credentialOptions as ConstructorParameters<typeof OnBehalfOfCredential>[0]);
  };

  return (callerToken: string, principal: string): OboTokenSource => {
    if (!callerToken) throw new Error('azure_obo: the caller token is empty');
    if (!principal) throw new Error('azure_obo: the principal is empty');
    let assertion = callerToken;
    let credential: OnBehalfOfCredential | undefined;

    const exchange = async (grant: ScopeGrant, requested: string): Promise<ChildAccessToken> => {
      credential ??= createCredential(assertion);
      let result: AccessToken | null;
      try {
        result = await credential.getToken(grant.scopes);
      } catch (error) {
        throw toTokenUnavailable(error, grant, requested, options.clientId, logger, principal);
      }
      if (!result?.token)
        throw new TokenUnavailableError(
          `The On-Behalf-Of exchange for ${requested} returned no token.`,
          'exchange_failed',
        );
      return { token: result.token, expiresOnTimestamp: result.expiresOnTimestamp };
    };

    return {
      principal,
      updateCallerToken(next: string) {
        if (!next || next === assertion) return;
        assertion = next;
        credential = undefined;
      },
      async getToken(scope: string): Promise<ChildAccessToken> {
        const grant = policy.resolve(scope);
        if (!grant) {
          logger?.warn('token request for a scope that is not allowed', { principal, scope });
          throw new TokenUnavailableError(
            `The scope ${scope} is not allowed for this server (allowed: ${policy.describe()}).`,
            'forbidden_scope',
          );
        }
        const { token, fromCache } = await cache.get(`${principal}\n${grant.key}`, () => exchange(grant, scope));
        if (fromCache) logger?.debug('on-behalf-of token served from cache', { principal, scopes: grant.scopes });
        else
          logger?.info('on-behalf-of token obtained', {
            principal,
            scopes: grant.scopes,
            expiresOn: new Date(token.expiresOnTimestamp).toISOString(),
          });
        return { token: token.token, expiresOnTimestamp: token.expiresOnTimestamp };
      },
    };
  };
}

/** The secretless client assertion: the app's managed identity's token for the exchange audience. */
function managedIdentityAssertion(options: OboTokenSourceOptions): () => Promise<string> {
  let identity: ManagedIdentityCredential | undefined;
  const audience = options.assertionAudience ?? TOKEN_EXCHANGE_AUDIENCE;
  return async () => {
    identity ??= options.managedIdentityClientId
      ? new ManagedIdentityCredential({ clientId: options.managedIdentityClientId })
      : new ManagedIdentityCredential();
    try {
      const token = await identity.getToken(`${audience}/.default`);
      if (token?.token) return token.token;
    } catch (error) {
      const facts = readAzureError(error);
      throw new AssertionFailure(facts, error);
    }
    throw new AssertionFailure({ name: 'NoToken', network: false, transient: false });
  };
}

/** The managed identity could not provide the client assertion. */
class AssertionFailure extends AdapterError {
  constructor(
    readonly facts: AzureErrorFacts,
    cause?: unknown,
  ) {
    super('managed identity assertion failed', { code: 'assertion_failed', cause });
  }
}

function toTokenUnavailable(
  error: unknown,
  grant: ScopeGrant,
  requested: string,
  clientId: string,
  logger: Logger | undefined,
  principal: string,
): TokenUnavailableError {
  // An error of ours from inside the exchange (already safe) passes through.
  let current: unknown = error;
  for (let depth = 0; depth < 6 && current instanceof Error; depth += 1) {
    if (current instanceof TokenUnavailableError) return current;
    if (current instanceof AssertionFailure) {
      const facts = current.facts;
      const cause = current.cause;
      logger?.warn('managed identity assertion for on-behalf-of failed', {
        principal,
        scopes: grant.scopes,
        error: facts.name,
        codes: describeCodes(facts),
        detail: cause === undefined ? undefined : safeExcerpt(cause),
      });
      return facts.network || facts.transient
        ? new TokenUnavailableError(
            `The app's managed identity could not provide the federated credential for the On-Behalf-Of exchange: it could not be reached; try again later.`,
            'unavailable',
          )
        : new TokenUnavailableError(
            `The app's managed identity could not provide the federated credential for the On-Behalf-Of exchange (${describeCodes(facts)}); check that the identity is assigned to the app.`,
            'exchange_failed',
          );
    }
    current = current.cause;
  }
  const facts = readAzureError(error);
  const scopes = grant.scopes.join(' ');
  const codes = describeCodes(facts);
  logger?.warn('on-behalf-of exchange failed', {
    principal,
    scopes: grant.scopes,
    error: facts.name,
    codes,
    correlationId: facts.correlationId,
  });
  const consent =
    facts.aadsts === '65001' ||
    facts.aadsts === '65004' ||
    facts.subError === 'consent_required' ||
    facts.errorCode === 'consent_required';
  if (consent) {
    return new TokenUnavailableError(
      `Consent is required: the user or an administrator has not consented to let the app registration ${clientId} access ${scopes} on the user's behalf (${codes}). ` +
        `A tenant administrator can grant consent for the organisation (Microsoft Entra ID > App registrations > ${clientId} > API permissions > Grant admin consent), ` +
        'or the user can consent when signing in to the client again; then retry.',
      'consent_required',
    );
  }
  if (facts.network) {
    return new TokenUnavailableError(
      `Microsoft Entra ID could not be reached to exchange the user's token for ${requested}; try again later.`,
      'unavailable',
    );
  }
  if (facts.transient) {
    return new TokenUnavailableError(
      `Microsoft Entra ID is temporarily unable to exchange the user's token for ${requested} (${codes}); try again later.`,
      'unavailable',
    );
  }
  const hint = facts.aadsts ? HINTS[facts.aadsts] : undefined;
  return new TokenUnavailableError(
    `The On-Behalf-Of exchange for ${scopes} failed: ${codes}${hint ? ` (${hint})` : ''}.`,
    'exchange_failed',
  );
}
