/** What a child receives for `azure_obo` and `azure_default`: token sources and the endpoint that serves them. */
export { createOboTokenSourceFactory, TOKEN_EXCHANGE_AUDIENCE } from './obo-token-source.js';
export type {
  OboTokenSource,
  OboTokenSourceFactory,
  OboTokenSourceOptions,
  CredentialHttpOptions,
} from './obo-token-source.js';
export { createManagedIdentityTokenSource } from './managed-identity-token-source.js';
export type { ManagedIdentityTokenSourceOptions } from './managed-identity-token-source.js';
export { startIdentityEndpoint, IDENTITY_ENDPOINT_PATH } from './identity-endpoint.js';
export type { IdentityEndpoint, IdentityEndpointEnv, IdentityEndpointOptions } from './identity-endpoint.js';
export { ScopePolicy, normaliseResource, scopeForResource } from './scope-policy.js';
export type { ScopeGrant } from './scope-policy.js';
export { TokenCache, DEFAULT_REFRESH_MARGIN_MS } from './token-cache.js';
export type { TokenCacheOptions } from './token-cache.js';
