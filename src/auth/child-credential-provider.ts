import type { TokenCredential } from '@azure/identity';
import type { ServerConfig } from '../config/model.js';
import type { Logger } from '../observability/logger.js';
import type { ChildCredentialProvider, ChildCredentials } from './child-credentials.js';
import {
  createManagedIdentityTokenSource,
  createOboTokenSourceFactory,
  startIdentityEndpoint,
  type OboTokenSourceFactory,
  type OboTokenSourceOptions,
} from './credentials/index.js';
import type { ChildTokenSource, VerifiedCaller } from './types.js';

export interface ChildCredentialSettings {
  /** The adapter's environment: MCP_ADAPTER_IDENTITY_CLIENT_ID, MCP_ADAPTER_TENANT_ID, MCP_ADAPTER_OBO_CLIENT_ID, MCP_ADAPTER_AUTHORITY_HOST, MCP_ADAPTER_DISABLE_INSTANCE_DISCOVERY. */
  env: NodeJS.ProcessEnv;
  /** Deployed: the managed identity only. Locally: DefaultAzureCredential (az/azd login). */
  deployed: boolean;
  logger: Logger;
  /** For tests and special hosts: TLS and HTTP options of the Entra requests. */
  oboOverrides?: Partial<OboTokenSourceOptions>;
  /** For tests and special hosts: the credential behind `azure_default`. */
  managedIdentityCredential?: TokenCredential;
}

/**
 * What each auth method gives a session's child (docs/authentication.md):
 * - `azure_default`, `azure_obo`: a private loopback token endpoint speaking the App Service
 *   managed-identity protocol (IDENTITY_ENDPOINT, IDENTITY_HEADER), answering with the app's
 *   tokens or with On-Behalf-Of tokens for the session's user, for the configured scopes only.
 *   Azure SDKs in the child work unchanged, and tokens renew without a re-spawn.
 * - `forward_user_token` (the predecessor's opt-in, token passthrough): AZURE_CLIENT_ID,
 *   AZURE_TENANT_ID, AZURE_USER_ASSERTION, AZURE_USE_OBO for OBO servers; OAUTH_ACCESS_TOKEN,
 *   OAUTH_USER_ID, OAUTH_SCOPES for OAuth2 servers.
 * Nothing else: never the client secret, never the host's own settings.
 */
export function createChildCredentialProvider(settings: ChildCredentialSettings): ChildCredentialProvider {
  const { env } = settings;
  const managedIdentitySources = new Map<string, ChildTokenSource>();
  const oboFactories = new Map<string, OboTokenSourceFactory>();

  const managedIdentitySource = (server: ServerConfig, scopes: string[]) => {
    let source = managedIdentitySources.get(server.name);
    if (!source) {
      source = createManagedIdentityTokenSource({
        clientId: env.MCP_ADAPTER_IDENTITY_CLIENT_ID,
        allowedScopes: scopes,
        useDefaultAzureCredential: !settings.deployed,
        credential: settings.managedIdentityCredential,
        logger: settings.logger,
      });
      managedIdentitySources.set(server.name, source);
    }
    return source;
  };

  const oboFactory = (
    server: ServerConfig,
    child: Extract<ServerConfig['auth']['child'], { type: 'on_behalf_of' }>,
    caller: VerifiedCaller,
  ) => {
    let factory = oboFactories.get(server.name);
    if (!factory) {
      const clientId = child.clientId ?? env.MCP_ADAPTER_OBO_CLIENT_ID;
      const tenantId = child.tenantId ?? env.MCP_ADAPTER_TENANT_ID ?? caller.tenantId;
      if (!clientId || !tenantId) {
        throw new Error(
          `MCP server "${server.name}" uses On-Behalf-Of but its app registration is not known: set auth.azure_client_id and azure_tenant_id, or the MCP_ADAPTER_OBO_CLIENT_ID and MCP_ADAPTER_TENANT_ID settings`,
        );
      }
      factory = createOboTokenSourceFactory({
        tenantId,
        clientId,
        allowedScopes: child.scopes,
        clientSecret: child.clientSecret,
        managedIdentityClientId: env.MCP_ADAPTER_IDENTITY_CLIENT_ID,
        authorityHost: env.MCP_ADAPTER_AUTHORITY_HOST,
        disableInstanceDiscovery: env.MCP_ADAPTER_DISABLE_INSTANCE_DISCOVERY === 'true',
        logger: settings.logger,
        ...settings.oboOverrides,
      });
      oboFactories.set(server.name, factory);
    }
    return factory;
  };

  return async (server, caller): Promise<ChildCredentials> => {
    const { child, forwardUserToken } = server.auth;
    const extra: Record<string, string> = {};
    const closers: Array<() => Promise<void>> = [];
    let updateCaller: ((next: VerifiedCaller) => void) | undefined;

    if (child.type === 'managed_identity') {
      const endpoint = await startIdentityEndpoint({
        source: managedIdentitySource(server, child.scopes),
        allowedScopes: child.scopes,
        logger: settings.logger,
      });
      Object.assign(extra, endpoint.env);
      closers.push(() => endpoint.close());
    } else if (child.type === 'on_behalf_of') {
      if (!caller)
        throw new Error(`MCP server "${server.name}" uses On-Behalf-Of but the caller presented no Entra token`);
      const source = oboFactory(server, child, caller)(caller.token, caller.principal);
      updateCaller = (next) => source.updateCallerToken(next.token);
      const clientId = child.clientId ?? env.MCP_ADAPTER_OBO_CLIENT_ID;
      const endpoint = await startIdentityEndpoint({
        source,
        allowedScopes: child.scopes,
        clientId: forwardUserToken ? clientId : undefined,
        logger: settings.logger,
      });
      Object.assign(extra, endpoint.env);
      closers.push(() => endpoint.close());
      if (forwardUserToken) {
        Object.assign(extra, {
          AZURE_CLIENT_ID: clientId ?? '',
          AZURE_TENANT_ID: caller.tenantId ?? child.tenantId ?? env.MCP_ADAPTER_TENANT_ID ?? '',
          AZURE_USER_ASSERTION: caller.token,
          AZURE_USE_OBO: 'true',
        });
      }
    } else if (child.type === 'user_token' || (forwardUserToken && server.auth.caller.type === 'oauth2')) {
      if (!caller)
        throw new Error(`MCP server "${server.name}" forwards the user's token but the caller presented none`);
      const userClaim = server.auth.caller.type === 'oauth2' ? server.auth.caller.userClaim : 'sub';
      Object.assign(extra, {
        OAUTH_ACCESS_TOKEN: caller.token,
        OAUTH_USER_ID: String(caller.claims[userClaim] ?? caller.subject),
        OAUTH_SCOPES: caller.scopes.join(' '),
      });
    }
    return {
      env: extra,
      updateCaller,
      close: async () => {
        await Promise.all(closers.map((close) => close()));
      },
    };
  };
}
