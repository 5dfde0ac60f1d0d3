import type { VerifiedCaller } from './types.js';
import type { ServerConfig } from '../config/model.js';

/** What an auth method gives one session's child: environment variables, and what to stop when the session ends. */
export interface ChildCredentials {
  env: Record<string, string>;
  /** Called with the caller of every later request of the session, so a renewed token is used for exchanges. */
  updateCaller?(caller: VerifiedCaller): void;
  close(): Promise<void>;
}

/** Prepares a session's child credentials from the server's auth settings and the verified caller. */
export type ChildCredentialProvider = (
  server: ServerConfig,
  caller: VerifiedCaller | undefined,
) => Promise<ChildCredentials>;

/** For hosts and tests without Azure credentials: children get nothing, and methods that need more are refused. */
export const noChildCredentials: ChildCredentialProvider = async (server) => {
  if (server.auth.child.type !== 'none')
    throw new Error(
      `MCP server "${server.name}" needs ${server.auth.child.type} credentials, which this host cannot provide`,
    );
  return { env: {}, close: async () => {} };
};
