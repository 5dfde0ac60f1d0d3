/**
 * Every app setting the deployed runtime reads, with who sets it. Settings the host itself uses
 * have names of their own (`MCP_ADAPTER_*`), distinct from the child environment contract
 * (where `AZURE_CLIENT_ID` means the OBO app registration). The infra tests check that the
 * Bicep sets each `required` one; the config's own settings come from the deployment plan.
 */
export interface AppSettingSpec {
  name: string;
  /** `bicep`: the infrastructure must set it; `platform`: Azure sets it; `optional`: documented, defaulted. */
  setBy: 'bicep' | 'platform' | 'optional';
  purpose: string;
}

export const RUNTIME_APP_SETTINGS: AppSettingSpec[] = [
  {
    name: 'MCP_ADAPTER_MAX_SESSIONS',
    setBy: 'bicep',
    purpose:
      "per-instance session cap of this app (the plan's apps[].scale.sessionsPerInstance: instance memory / child memory, or adapter.max_sessions)",
  },
  {
    name: 'MCP_ADAPTER_APP_ROLE',
    setBy: 'bicep',
    purpose:
      'stateful: this app holds the serving lease and serves the stateful servers; stateless: serves the stateless servers; unset (npm start): serves every server, no lease',
  },
  {
    name: 'MCP_ADAPTER_IDENTITY_CLIENT_ID',
    setBy: 'bicep',
    purpose: "client id of the app's user-assigned managed identity (the adapter's own Azure access)",
  },
  {
    name: 'MCP_ADAPTER_SESSION_KEY',
    setBy: 'bicep',
    purpose: 'key material for tamper-proof session state (a Key Vault reference; created once per azd environment)',
  },
  {
    name: 'MCP_ADAPTER_STORAGE_ACCOUNT',
    setBy: 'bicep',
    purpose: "name of the deployment's storage account, for the shared session store",
  },
  { name: 'MCP_ADAPTER_TENANT_ID', setBy: 'bicep', purpose: 'tenant of the deployment (Entra token validation)' },
  {
    name: 'MCP_ADAPTER_PROVISIONED_PLAN',
    setBy: 'bicep',
    purpose:
      'what was provisioned from the plan: base64 of the JSON of its planVersion, appSettings, secrets, roleAssignments, identity, entra and apps (the same value as the azd output MCP_PROVISIONED_PLAN, in every app)',
  },
  {
    name: 'MCP_ADAPTER_OTHER_APP_URL',
    setBy: 'optional',
    purpose: "base URL of the deployment's other app, named in the 404 for a server it serves",
  },
  {
    name: 'MCP_ADAPTER_OBO_CLIENT_ID',
    setBy: 'optional',
    purpose: 'client id of the Entra app registration for On-Behalf-Of (set only when a server uses azure_obo)',
  },
  {
    name: 'MCP_ADAPTER_OBO_IDENTIFIER_URI',
    setBy: 'optional',
    purpose:
      'identifier URI (api://...) of that app registration: an accepted audience, and the prefix of the scopes in protected resource metadata',
  },
  {
    name: 'MCP_ADAPTER_AUTHORITY_HOST',
    setBy: 'optional',
    purpose: 'Entra authority host (default https://login.microsoftonline.com; sovereign clouds and tests set another)',
  },
  {
    name: 'MCP_ADAPTER_DISABLE_INSTANCE_DISCOVERY',
    setBy: 'optional',
    purpose: '`true` skips Entra instance discovery (for authority hosts Entra does not know, such as a test fake)',
  },
  { name: 'APPLICATIONINSIGHTS_CONNECTION_STRING', setBy: 'bicep', purpose: 'telemetry destination' },
  {
    name: 'APPLICATIONINSIGHTS_AUTHENTICATION_STRING',
    setBy: 'bicep',
    purpose: 'Entra authentication for telemetry (Authorization=AAD;ClientId=<identity>)',
  },
  {
    name: 'WEBSITE_HOSTNAME',
    setBy: 'platform',
    purpose: "the site's default host name, allowed in Host/Origin checks",
  },
  {
    name: 'MCP_ADAPTER_SESSION_KEY_PREVIOUS',
    setBy: 'optional',
    purpose: 'the key (or comma-separated keys) sessions were sealed with before a rotation; still accepted',
  },
  {
    name: 'MCP_ADAPTER_SINGLE_INSTANCE',
    setBy: 'optional',
    purpose:
      '`true` runs as one instance with no shared session store: a local override only (the plan no longer sets it; a deployed stateful app has MCP_ADAPTER_APP_ROLE=stateful)',
  },
  {
    name: 'MCP_ADAPTER_LEASE_MS',
    setBy: 'optional',
    purpose:
      "the stateful app's serving lease, in milliseconds (default 20000): renewed every third of it; a holder that cannot renew ends its children when it passes",
  },
  {
    name: 'MCP_ADAPTER_LEASE_SKEW_MS',
    setBy: 'optional',
    purpose:
      'margin for clock differences between instances before another takes the serving lease over (default 5000)',
  },
  {
    name: 'MCP_ADAPTER_STORE_CONNECTION_STRING',
    setBy: 'optional',
    purpose:
      'a storage connection string for the shared session store instead of the managed identity (local runs with Azurite)',
  },
  {
    name: 'MCP_CONFIG_PATH',
    setBy: 'optional',
    purpose: 'config file to serve (default: mcp_config.json in the app root)',
  },
  { name: 'LOG_LEVEL', setBy: 'optional', purpose: "overrides the config's default log level" },
];
