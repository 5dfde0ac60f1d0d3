import type { CompiledRules } from '../governance/tool-rules.js';
/**
 * The adapter's internal, normalised view of the config. Every accepted input shape (Claude
 * Desktop / Cursor `mcpServers`, VS Code `servers` + `inputs`, the predecessor's field names)
 * becomes this one model in `normalise.ts`, so nothing downstream knows which spelling a user
 * wrote.
 */
import type { LogComponent, LogLevelName } from './document.js';

export type Framing = 'auto' | 'ndjson' | 'content-length';
export type AuthMethod = 'none' | 'azure_default' | 'azure_obo' | 'oauth2_bearer';
export type AuthLevel = 'anonymous' | 'function' | 'admin';

export interface SessionLimits {
  /** Most live sessions of this server on one instance. */
  maxConcurrent: number;
  idleTimeoutMs: number;
  maxLifetimeMs: number;
  /** Most live sessions of one principal on this server and instance. */
  maxPerPrincipal: number;
  /** An idle child is stopped after this long; its session lives on until the idle timeout. */
  reclaimAfterMs: number;
  /** How long a 2026-07-28 request waits for the client's retry with input (see `modern/`). */
  inputWaitMs: number;
  /** Children kept spawned (never initialized) for new sessions; 0: none. */
  warmPool: number;
}

/** Who may call the endpoint. */
export type CallerAuth =
  | { type: 'function_key' }
  | { type: 'none' }
  | {
      type: 'entra';
      tenantId?: string;
      allowedTenants: string[];
      audience?: string;
      clientId?: string;
      requiredScopes: string[];
    }
  | {
      type: 'oauth2';
      issuer?: string;
      audience?: string;
      jwksUri?: string;
      introspectionEndpoint?: string;
      userinfoEndpoint?: string;
      clientId?: string;
      clientSecret?: string;
      userClaim: string;
      requiredScopes: string[];
    };

/** What the child receives. */
export type ChildCredentialSettings =
  | { type: 'none' }
  | { type: 'managed_identity'; scopes: string[] }
  | { type: 'on_behalf_of'; scopes: string[]; clientId?: string; clientSecret?: string; tenantId?: string }
  | { type: 'user_token' };

export interface ServerAuth {
  /** The predecessor's method, kept for the child environment contract and messages. */
  method: AuthMethod;
  caller: CallerAuth;
  child: ChildCredentialSettings;
  /** Also put the caller's own token into the child's environment (token passthrough, opt-in). */
  forwardUserToken: boolean;
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
  authLevel: AuthLevel;
  allowedOrigins: string[];
  /** Stop a child whose RSS passes this (MB); undefined: no limit. */
  maxChildMemoryMb?: number;
  sessions: SessionLimits;
  auth: ServerAuth;
  /** Which tools, prompts and resources clients see and may use (`tools`, `prompts`, `resources`). */
  rules: CompiledRules;
  /** Roles (token `roles` or scopes), one of which a caller must hold to use the server; empty: any caller. */
  allowedRoles: string[];
  /** Whether the server keeps state in its process between calls (replication across instances splits it). */
  state: 'stateful' | 'stateless';
}

export interface SkippedServer {
  name: string;
  type: string;
  reason: string;
}

/**
 * Where and how the servers are deployed (`deployment`). Servers are placed by their `state`:
 * stateful ones in an app that never runs more than one instance (`stateful`), stateless ones in
 * an app that scales out (the top-level fields). With only one kind there is one app.
 */
export interface DeploymentSettings {
  /** Memory of each instance of the app that scales out (stateless servers). */
  instanceMemoryMb: 512 | 2048 | 4096;
  /** Most on-demand instances of the app that scales out. */
  maximumInstanceCount: number;
  /** Always-ready instances of the app that scales out (billed while idle). */
  alwaysReadyInstances: number;
  childMemoryMb: number;
  /** `deployment.single_instance`: one app, every server placed in it as stateful (the declared state notwithstanding). */
  singleInstance: boolean;
  /** The app of the stateful servers: maximum one on-demand instance, holding the serving lease. */
  stateful: {
    /** Memory of its one instance; default: `instanceMemoryMb`. */
    instanceMemoryMb: 512 | 2048 | 4096;
    /** 0 (default: the instance starts on the first request) or 1 (kept warm, billed while idle). */
    alwaysReadyInstances: 0 | 1;
  };
}

export interface AdapterSettings {
  /** Explicit per-instance cap; undefined means derived (deployed) or 50 (local). */
  maxSessions: number;
  maxBodyBytes: number;
  allowedOrigins: string[];
  allowedHosts: string[];
  publicBaseUrl?: string;
  shutdownGraceMs: number;
  /** SSE responses end after this long; undefined: the host's default (Functions: 180 s; npm start: none). */
  streamLimitMs?: number;
  /** How children are kept apart (see `process/isolation.ts`); `auto` decides from the adapter's privileges. */
  isolation: 'auto' | 'user_per_child' | 'shared_user';
  /** The uids children run as with a user of their own. */
  childUids: { first: number; count: number };
  /** Consent to serve caller credentials (OBO, user tokens) while children share the adapter's user. */
  allowSharedUserCredentials: boolean;
  /** Whether `/` and unknown MCP paths name the servers where the adapter is not bound to loopback. */
  listServersPublicly: boolean;
  /** With npm start: install npx servers once into `.mcp-packages/` and run their bins directly. */
  installNpxServers: boolean;
  logLevels: Partial<Record<LogComponent, LogLevelName>>;
}

/**
 * A configured server this deployment cannot serve: a setting or secret its config needs is
 * missing (never provisioned, or a Key Vault reference the platform could not resolve). Its
 * endpoint answers 503 and `/status` names what is missing; the other servers keep working.
 */
export interface UnavailableServer {
  /** The server as configured, with its unresolved variables left as written. */
  server: ServerConfig;
  /** What is missing, one fact per entry (names and where to set them, never values). */
  missing: string[];
}

export interface AdapterConfig {
  /** Absolute path of the file the config came from (for error messages and relative paths). */
  sourcePath: string;
  /** The servers this adapter serves. */
  servers: Map<string, ServerConfig>;
  /** Configured servers it refuses to serve (see UnavailableServer); empty unless loaded with `missingSettings: 'isolate'`. */
  unavailable: Map<string, UnavailableServer>;
  /** Remote (http/sse) entries: reported, not served. */
  skipped: SkippedServer[];
  adapter: AdapterSettings;
  deployment: DeploymentSettings;
}
