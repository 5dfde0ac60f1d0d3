import { randomBytes } from 'node:crypto';

/**
 * Mints a session id: 192 random bits, base64url, so it is unguessable and made only of
 * visible ASCII as the spec requires. Clients never choose their id.
 */
export function mintSessionId(): string {
  return randomBytes(24).toString('base64url');
}

/** What an id minted here can look like; anything else is rejected before any lookup. */
export const SESSION_ID_PATTERN = /^[A-Za-z0-9_-]{32}$/;
