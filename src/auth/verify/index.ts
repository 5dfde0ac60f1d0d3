/** Token verification: who may call an endpoint. */
export { createJwtVerifier, type JwtVerifierOptions, type ConfiguredTokenVerifier } from './jwt-verifier.js';
export { createEntraVerifier, type EntraVerifierOptions, DEFAULT_ENTRA_AUTHORITY_HOST } from './entra-verifier.js';
export { createIntrospectionVerifier, type IntrospectionVerifierOptions } from './introspection-verifier.js';
export {
  OidcMetadataCache,
  defaultMetadataCache,
  discoverIssuerMetadata,
  type IssuerMetadata,
  type MetadataCacheOptions,
} from './oidc-metadata.js';
export { VerifierUnavailableError, type UnavailableReason } from './common.js';
export { SUPPORTED_ALGORITHMS, type JwksTuning } from './jwt-core.js';
