/**
 * The adapter's internal, normalised view of `mcp_config.json`. Every accepted input shape
 * (and the predecessor's field names) is turned into this one model by `load-config.ts`, so
 * nothing downstream knows which spelling a user wrote.
 */

export type Framing = 'auto' | 'ndjson' | 'content-length';

export interface SessionLimits {
  /** Most live sessions of this server on one instance. */
  maxConcurrent: number;
  idleTimeoutMs: number;
  maxLifetimeMs: number;
}

export interface ServerConfig {
  name: string;
  command: string;
  args: string[];
  env: Record<string, string>;
  /** Absolute working directory of the child. */
  cwd: string;
  framing: Framing;
  startupTimeoutMs: number;
  requestTimeoutMs: number;
  restartOnFailure: boolean;
  maxRestarts: number;
  isDefault: boolean;
  sessions: SessionLimits;
  authMethod: 'none' | 'azure_default' | 'azure_obo' | 'oauth2_bearer';
}

export interface AdapterSettings {
  maxSessions: number;
  maxBodyBytes: number;
  allowedOrigins: string[];
  allowedHosts: string[];
  shutdownGraceMs: number;
}

export interface AdapterConfig {
  /** Absolute path of the file the config came from (for error messages and relative paths). */
  sourcePath: string;
  servers: Map<string, ServerConfig>;
  adapter: AdapterSettings;
}
