import type { NameRuleSettings, ToolRuleSettings } from '../governance/types.js';
/**
 * The config file as written, typed after `schemas/mcp_config.schema.json` (the schema is the
 * source of truth; these types only let TypeScript users write a config in code with
 * completion, see `defineConfig`). Normalisation into the runtime model is in `normalise.ts`.
 */
export type LogLevelName = 'debug' | 'info' | 'warn' | 'error' | 'silent';
export type LogComponent = 'default' | 'config' | 'process' | 'session' | 'http' | 'auth';

export interface StdioServerDocument {
  type?: 'stdio';
  command: string;
  args?: string[];
  env?: Record<string, string>;
  envFile?: string;
  cwd?: string;
  working_dir?: string;
  framing?: 'auto' | 'ndjson' | 'content-length';
  startup_timeout_seconds?: number;
  request_timeout_seconds?: number;
  timeout_seconds?: number;
  restart_on_failure?: boolean;
  max_restarts?: number;
  default?: boolean;
  auth_level?: 'anonymous' | 'function' | 'admin';
  allowed_origins?: string[];
  max_child_memory_mb?: number;
  allowed_roles?: string[];
  state?: 'stateful' | 'stateless';
  tools?: ToolRuleSettings;
  prompts?: NameRuleSettings;
  resources?: NameRuleSettings;
  sessions?: {
    max_concurrent?: number;
    idle_timeout_seconds?: number;
    max_lifetime_seconds?: number;
    max_per_principal?: number;
    reclaim_after_seconds?: number;
    input_wait_seconds?: number;
    warm_pool?: number;
  };
  auth?: AuthDocument;
}

export interface RemoteServerDocument {
  type?: 'http' | 'sse';
  url?: string;
  headers?: Record<string, string>;
}

export type ServerDocument = StdioServerDocument | RemoteServerDocument;

export interface AuthDocument {
  method?: 'none' | 'azure_default' | 'azure_obo' | 'oauth2_bearer';
  azure_scopes?: string[];
  forward_user_token?: boolean;
  azure_client_id?: string;
  azure_client_secret?: string;
  azure_tenant_id?: string;
  allowed_tenants?: string[];
  oauth2_issuer?: string;
  oauth2_audience?: string;
  oauth2_jwks_uri?: string;
  oauth2_introspection_endpoint?: string;
  oauth2_userinfo_endpoint?: string;
  oauth2_client_id?: string;
  oauth2_client_secret?: string;
  oauth2_user_claim?: string;
  oauth2_required_scopes?: string[];
  caller?: { type: 'function_key' | 'entra' | 'oauth2' | 'none'; required_scopes?: string[] };
  child?: { type: 'none' | 'managed_identity' | 'on_behalf_of' | 'user_token'; scopes?: string[] };
}

export interface InputDocument {
  id: string;
  type?: 'promptString' | 'pickString';
  description?: string;
  password?: boolean;
  default?: string;
  options?: string[];
}

export interface ConfigDocument {
  $schema?: string;
  mcpServers?: Record<string, ServerDocument>;
  servers?: Record<string, ServerDocument>;
  inputs?: InputDocument[];
  adapter?: {
    max_sessions?: number;
    max_body_bytes?: number;
    allowed_origins?: string[];
    allowed_hosts?: string[];
    public_base_url?: string;
    shutdown_grace_seconds?: number;
    stream_limit_seconds?: number;
    isolation?: 'auto' | 'user_per_child' | 'shared_user';
    child_uids?: { first?: number; count?: number };
    allow_shared_user_credentials?: boolean;
    list_servers_publicly?: boolean;
    install_npx_servers?: boolean;
    log_level?: LogLevelName | Partial<Record<LogComponent, LogLevelName>>;
  };
  deployment?: {
    instance_memory_mb?: 512 | 2048 | 4096;
    maximum_instance_count?: number;
    always_ready_instances?: number;
    child_memory_mb?: number;
    single_instance?: boolean;
    /** The app of the stateful servers (never more than one instance); `deployment.*` describes the stateless one. */
    stateful?: {
      instance_memory_mb?: 512 | 2048 | 4096;
      always_ready_instances?: 0 | 1;
    };
  };
}

export function isStdioServer(server: ServerDocument): server is StdioServerDocument {
  const loose = server as { type?: string; url?: string };
  return loose.url === undefined && loose.type !== 'http' && loose.type !== 'sse';
}
