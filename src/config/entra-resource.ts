import type { AdapterConfig } from './model.js';

/**
 * A host Entra can hold identifier URIs on, as far as the adapter can tell: Entra accepts https
 * identifier URIs only on a tenant's verified domains, which `*.azurewebsites.net` never is.
 */
export function isCustomDomain(url: URL): boolean {
  return !url.hostname.toLowerCase().endsWith('.azurewebsites.net');
}

/**
 * The endpoint URLs of the servers that take Entra callers, under `public_base_url` on a custom
 * domain: registered as identifier URIs of the app, so that the RFC 8707 `resource` a client sends
 * (the endpoint URL, RFC 9728 section 3.3) and scopes qualified with it name one app, as Entra
 * requires (AADSTS9010010 otherwise). Empty without a custom domain.
 */
export function entraEndpointIdentifierUris(config: AdapterConfig): string[] {
  const base = config.adapter.publicBaseUrl;
  if (!base || !isCustomDomain(new URL(base))) return [];
  const origin = base.replace(/\/+$/, '');
  const servers = [...config.servers.values()];
  return servers
    .filter((server) => server.auth.caller.type === 'entra')
    .flatMap((server) => [
      `${origin}/mcp/${server.name}`,
      ...(server.isDefault || servers.length === 1 ? [`${origin}/mcp`, `${origin}/api/mcp`] : []),
    ]);
}
