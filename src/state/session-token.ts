import { AdapterError } from '../errors/adapter-error.js';
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

/**
 * What any instance needs to serve a session it does not hold: which server, whose session,
 * the client's `initialize` parameters (to replay to a new child), when it started and when it
 * must end. Sealed into the session id itself.
 */
export interface SessionClaims {
  server: string;
  principal: string;
  /** The client's `initialize` params as sent (protocolVersion, capabilities, clientInfo). */
  initialize: Record<string, unknown>;
  /** Issued at, epoch ms. */
  issuedAt: number;
  /** Absolute end of the session (its max lifetime), epoch ms. */
  expiresAt: number;
}

/** Longest session id: well under common header limits (8 KB) even with other headers. */
export const MAX_SESSION_ID_LENGTH = 3072;

/** Visible ASCII only, as the spec requires of session ids: a JWE compact serialisation. */
export const SESSION_ID_PATTERN = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]*){4}$/;

interface SealingKey {
  kid: string;
  key: Uint8Array;
}

function sealingKey(material: string): SealingKey {
  // Any length of key material; the AEAD key is its SHA-256, the key id a digest of that.
  const key = createHash('sha256').update(material, 'utf8').digest();
  return { kid: createHash('sha256').update(key).digest('base64url').slice(0, 8), key };
}

/** The initialize params kept in the id: enough to replay `initialize`, capped in size. */
function replayableParams(params: Record<string, unknown>): Record<string, unknown> {
  const { protocolVersion, capabilities, clientInfo } = params as {
    protocolVersion?: unknown;
    capabilities?: unknown;
    clientInfo?: unknown;
  };
  return { protocolVersion, capabilities, clientInfo };
}

/** The client's initialize parameters do not fit in a session id (400). */
export class SessionIdTooLargeError extends AdapterError {
  constructor(message: string) {
    super(message, { code: 'session_id_too_large', httpStatus: 400 });
  }
}

/** The only protected header members an id has. */
const HEADER_MEMBERS = new Set(['alg', 'enc', 'kid', 'typ']);

/**
 * Session ids are JWE tokens (`dir` + A256GCM: authenticated encryption) under the deployment's
 * key, so they cannot be forged, altered or read, and any instance with the key can serve them.
 * Keys rotate: ids sealed with the previous key are still accepted. A forged, altered, expired or
 * other-deployment id opens to `undefined` (the caller answers 404, as for an unknown id).
 *
 * The one JWE shape used is sealed and opened with node:crypto (RFC 7516 compact serialisation:
 * empty encrypted key, 96-bit IV, 128-bit tag, the encoded protected header as AAD), which any
 * JOSE library reads and writes alike; a JOSE library here would cost start-up time and memory.
 */
export class SessionTokens {
  private readonly current: SealingKey;
  private readonly accepted: Map<string, SealingKey>;

  constructor(currentKey: string, previousKeys: string[] = []) {
    this.current = sealingKey(currentKey);
    this.accepted = new Map(
      [this.current, ...previousKeys.filter(Boolean).map(sealingKey)].map((key) => [key.kid, key]),
    );
  }

  /** Keys from MCP_ADAPTER_SESSION_KEY (and _PREVIOUS); without them, a key for this process only. */
  static fromEnvironment(env: NodeJS.ProcessEnv): SessionTokens {
    const current = env.MCP_ADAPTER_SESSION_KEY || randomBytes(32).toString('base64url');
    return new SessionTokens(
      current,
      (env.MCP_ADAPTER_SESSION_KEY_PREVIOUS ?? '').split(',').map((key) => key.trim()),
    );
  }

  async seal(claims: SessionClaims): Promise<string> {
    // A random nonce in the payload keeps two sessions of one user with the same params apart.
    const payload = {
      ...claims,
      initialize: replayableParams(claims.initialize),
      n: randomBytes(9).toString('base64url'),
    };
    let id = this.encrypt(payload);
    if (id.length > MAX_SESSION_ID_LENGTH) {
      // Experimental capabilities are the usual bulk; the rest is small.
      const capabilities = { ...(payload.initialize.capabilities as Record<string, unknown> | undefined) };
      delete capabilities.experimental;
      id = this.encrypt({ ...payload, initialize: { ...payload.initialize, capabilities } });
    }
    if (id.length > MAX_SESSION_ID_LENGTH)
      throw new SessionIdTooLargeError(
        `the initialize parameters are too large to carry in a session id (${id.length} > ${MAX_SESSION_ID_LENGTH} characters)`,
      );
    return id;
  }

  async open(id: string, now = Date.now()): Promise<SessionClaims | undefined> {
    if (id.length > MAX_SESSION_ID_LENGTH) return undefined;
    const plaintext = this.decrypt(id, undefined);
    if (!plaintext) return undefined;
    try {
      const claims = JSON.parse(plaintext.toString('utf8')) as SessionClaims;
      if (
        typeof claims.server !== 'string' ||
        typeof claims.principal !== 'string' ||
        typeof claims.expiresAt !== 'number'
      )
        return undefined;
      if (claims.expiresAt <= now) return undefined;
      return claims;
    } catch {
      return undefined;
    }
  }

  /**
   * Seals any other state the adapter hands to clients (a continuation's `requestState`) under
   * the same keys. `purpose` goes into the authenticated header (`typ`), so a token made for one
   * use never opens as another (a session id is not a request state, and the reverse).
   */
  async sealPayload(purpose: string, payload: object): Promise<string> {
    return this.encrypt(payload, purpose);
  }

  /** The payload of a token sealed for `purpose`, or undefined (forged, altered, other key or purpose). */
  async openPayload<T>(purpose: string, token: string): Promise<T | undefined> {
    if (token.length > 16_384) return undefined;
    const plaintext = this.decrypt(token, purpose);
    if (!plaintext) return undefined;
    try {
      return JSON.parse(plaintext.toString('utf8')) as T;
    } catch {
      return undefined;
    }
  }

  /** The plaintext of a token under one of the accepted keys with exactly this purpose (none for session ids). */
  private decrypt(token: string, purpose: string | undefined): Buffer | undefined {
    if (!SESSION_ID_PATTERN.test(token)) return undefined;
    // One token, one spelling: base64url has variants (unused low bits of the last character)
    // that decode alike; only the canonical one is accepted.
    if (!token.split('.').every((part) => Buffer.from(part, 'base64url').toString('base64url') === part))
      return undefined;
    try {
      const [protectedHeader, encryptedKey, iv, ciphertext, tag] = token.split('.') as [
        string,
        string,
        string,
        string,
        string,
      ];
      const header = JSON.parse(Buffer.from(protectedHeader, 'base64url').toString('utf8')) as {
        kid?: string;
        alg?: string;
        enc?: string;
        typ?: string;
      };
      const key = typeof header.kid === 'string' ? this.accepted.get(header.kid) : undefined;
      if (
        !key ||
        header.alg !== 'dir' ||
        header.enc !== 'A256GCM' ||
        header.typ !== purpose ||
        !Object.keys(header).every((name) => HEADER_MEMBERS.has(name))
      )
        return undefined;
      const ivBytes = Buffer.from(iv, 'base64url');
      const tagBytes = Buffer.from(tag, 'base64url');
      if (encryptedKey !== '' || ivBytes.length !== 12 || tagBytes.length !== 16) return undefined;
      const decipher = createDecipheriv('aes-256-gcm', key.key, ivBytes, { authTagLength: 16 });
      decipher.setAAD(Buffer.from(protectedHeader, 'ascii'));
      decipher.setAuthTag(tagBytes);
      // final() throws unless the tag authenticates the header, IV and ciphertext under this key.
      return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]);
    } catch {
      return undefined;
    }
  }

  private encrypt(payload: unknown, purpose?: string): string {
    const protectedHeader = Buffer.from(
      JSON.stringify({ alg: 'dir', enc: 'A256GCM', kid: this.current.kid, ...(purpose && { typ: purpose }) }),
    ).toString('base64url');
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.current.key, iv, { authTagLength: 16 });
    cipher.setAAD(Buffer.from(protectedHeader, 'ascii'));
    const ciphertext = Buffer.concat([cipher.update(JSON.stringify(payload), 'utf8'), cipher.final()]);
    return `${protectedHeader}..${iv.toString('base64url')}.${ciphertext.toString('base64url')}.${cipher.getAuthTag().toString('base64url')}`;
  }
}
