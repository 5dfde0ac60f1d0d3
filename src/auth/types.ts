import { AdapterError } from '../errors/adapter-error.js';
/**
 * Authentication contracts shared by the verifiers (who may call), the credential providers
 * (what the child receives) and the HTTP layer that uses both.
 */

/** A caller whose token was verified. `token` is kept only to exchange it On-Behalf-Of; never log it. */
export interface VerifiedCaller {
  /** The principal a session is bound to: `${issuer}|${subject}`. */
  principal: string;
  issuer: string;
  /** Entra: the `oid` claim (stable across apps); others: `sub` (or the configured user claim). */
  subject: string;
  /** Entra tenant id (`tid`), when the token has one. */
  tenantId?: string;
  /** Granted scopes from `scp`/`scope` (space-separated) and `roles`. */
  scopes: string[];
  /** The verified claims (for the configured user claim and audit), never logged whole. */
  claims: Record<string, unknown>;
  /** The raw bearer token, for On-Behalf-Of or an explicit `forward_user_token`. */
  token: string;
  /** Expiry, epoch seconds, when known. */
  expiresAt?: number;
}

export type VerifyResult =
  | { ok: true; caller: VerifiedCaller }
  /** The token is not acceptable: 401 (`invalid_token`). `message` says why, without the token. */
  | { ok: false; kind: 'invalid_token'; message: string }
  /** The issuer's metadata, keys or introspection could not be reached: 503, never a pass. */
  | { ok: false; kind: 'unavailable'; message: string; retryAfterSeconds: number };

/** Verifies bearer tokens for one server's endpoint. */
export interface TokenVerifier {
  /**
   * `resourceAudiences`: the server's resource URLs on the origin the request came in on (RFC 8707
   * resource indicators become `aud`). A verifier with audiences of its own (configured, Entra's
   * app ids) ignores them; one without accepts exactly these, so no Host header can add one.
   */
  verify(token: string, resourceAudiences?: readonly string[]): Promise<VerifyResult>;
  /** Authorization servers to list in the protected resource metadata (RFC 9728). */
  readonly authorizationServers: string[];
}

/** An access token for the child, as Azure SDKs expect it. */
export interface ChildAccessToken {
  token: string;
  /** Epoch milliseconds. */
  expiresOnTimestamp: number;
}

/**
 * Where the child's tokens come from: the managed identity (azure_default) or On-Behalf-Of
 * tokens for one session's user (azure_obo). `scope` is like `https://graph.microsoft.com/.default`.
 */
export interface ChildTokenSource {
  getToken(scope: string): Promise<ChildAccessToken>;
}

/** A token the child asked for could not be obtained; the message is safe to show to the user. */
export class TokenUnavailableError extends AdapterError {
  constructor(
    message: string,
    readonly status: 'consent_required' | 'forbidden_scope' | 'exchange_failed' | 'unavailable',
    options: { cause?: unknown } = {},
  ) {
    super(message, { code: 'token_unavailable', cause: options.cause });
  }
}
