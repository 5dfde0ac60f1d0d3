import type { ServerConfig } from '../config/model.js';
import type { Logger } from '../observability/logger.js';
import { hashTag } from '../observability/telemetry.js';
import { ANONYMOUS } from './principal.js';
import {
  authenticationRequired,
  authenticationUnavailable,
  headerTooLarge,
  insufficientScope,
} from './bearer-challenge.js';
import type { TokenVerifier, VerifiedCaller } from './types.js';

/** Longest Authorization header accepted; real tokens (Entra's included) are far shorter. */
export const MAX_AUTHORIZATION_BYTES = 16 * 1024;

export type AuthOutcome = { ok: true; principal: string; caller?: VerifiedCaller } | { ok: false; response: Response };

export interface AuthenticateOptions {
  /** The endpoint's resource URL as the client used it (RFC 9728 `resource`), e.g. https://app.example/mcp/github. */
  resource: string;
  /** Every URL of the server on the request's origin: the audiences a token may carry (unless configured). */
  resourceAudiences: readonly string[];
  /** Where its protected resource metadata is served. */
  metadataUrl: string;
  /**
   * The required scopes as clients must request them, named in challenges (Entra's qualified with
   * the identifier URI, as in the metadata's `scopes_supported`); default: the required scopes.
   */
  challengeScopes?: readonly string[];
  /** The verifier for this server, or undefined when callers are identified by function keys (or not at all). */
  verifier: TokenVerifier | undefined;
  logger: Logger;
}

/**
 * Who is calling: for servers whose callers present tokens, the bearer token is verified
 * (signature, issuer, audience, lifetime; see `verify/`), then the required scopes are checked.
 * Function-key and open endpoints have one principal, "anonymous" (the Functions host checks
 * the key before the request gets here).
 */
export async function authenticate(
  request: Request,
  server: ServerConfig,
  options: AuthenticateOptions,
): Promise<AuthOutcome> {
  const { caller: callerAuth } = server.auth;
  if (callerAuth.type === 'function_key' || callerAuth.type === 'none' || !options.verifier)
    return { ok: true, principal: ANONYMOUS };
  const required = callerAuth.requiredScopes;
  const challenged = [...(options.challengeScopes ?? required)];
  const header = request.headers.get('authorization');
  if (header !== null && header.length > MAX_AUTHORIZATION_BYTES) {
    options.logger.warn('refused an oversized Authorization header', { server: server.name, bytes: header.length });
    return { ok: false, response: headerTooLarge() };
  }
  const match = header === null ? null : /^Bearer[ ]+([^\s]+)\s*$/i.exec(header);
  if (!match) {
    options.logger.info('no bearer token', { server: server.name, scheme: header?.split(' ')[0] ?? null });
    return { ok: false, response: authenticationRequired(options.metadataUrl, challenged) };
  }
  const result = await options.verifier.verify(match[1]!, options.resourceAudiences);
  if (!result.ok) {
    if (result.kind === 'unavailable') {
      options.logger.error('token verification unavailable', { server: server.name, reason: result.message });
      return { ok: false, response: authenticationUnavailable(result.message, result.retryAfterSeconds) };
    }
    options.logger.info('token refused', { server: server.name, reason: result.message });
    return { ok: false, response: authenticationRequired(options.metadataUrl, challenged, result.message) };
  }
  const missing = required.filter((scope) => !result.caller.scopes.includes(scope));
  if (missing.length > 0) {
    options.logger.info('token lacks required scopes', {
      server: server.name,
      principal: hashTag(result.caller.principal),
      missing,
    });
    return { ok: false, response: insufficientScope(options.metadataUrl, challenged, missing) };
  }
  return { ok: true, principal: result.caller.principal, caller: result.caller };
}
