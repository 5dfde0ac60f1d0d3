import type { ServerConfig } from './model.js';

/**
 * Servers whose children hold the caller's own credentials: On-Behalf-Of tokens exchanged for the
 * caller, or the caller's token itself. Where children share one user, any child can read these
 * from another child's environment, so they are served there only with the operator's consent
 * (`adapter.allow_shared_user_credentials`).
 */
export function serversHoldingCallerCredentials<T extends Pick<ServerConfig, 'name' | 'auth'>>(
  servers: Iterable<T>,
): T[] {
  return [...servers].filter(
    (server) =>
      server.auth.child.type === 'on_behalf_of' ||
      server.auth.child.type === 'user_token' ||
      server.auth.forwardUserToken,
  );
}

/** What to tell an operator whose caller-credential servers would share one user with every other child. */
export function sharedUserCredentialsProblem(names: string[]): string {
  return `${names.map((name) => `"${name}"`).join(', ')} give each caller's child that caller's credentials, but children share the adapter's user (as on Flex Consumption), so any child of this app could read another user's tokens. Run the adapter where it may give each child a user of its own (isolation user_per_child: root or CAP_SETUID/CAP_SETGID, e.g. a custom container), serve these servers from an app of their own, or accept the risk with "adapter": { "allow_shared_user_credentials": true } (docs/protocol-and-sessions.md, "Caller credentials where children share a user")`;
}
