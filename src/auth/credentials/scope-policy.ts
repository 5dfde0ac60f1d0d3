/**
 * Which tokens a child may ask for. The configuration lists allowed scopes
 * (`https://graph.microsoft.com/User.Read`, `https://vault.azure.net/.default`, `api://<app>/x`);
 * a child asks for one scope, usually `<resource>/.default` because that is all the managed-identity
 * protocol can express. The policy answers with the scopes to request from Entra, or nothing.
 *
 * Matching is per resource: resources compare case-insensitively and without trailing slashes
 * (`https://management.azure.com/` and `https://management.azure.com` are one resource), and a
 * scope without a resource (`User.Read`) is a Microsoft Graph scope, as Entra reads it.
 *   - `<resource>/.default` is allowed when that scope is listed (then it is requested), or when
 *     specific scopes of that resource are listed (then exactly those are requested, so the child
 *     never gets more than the configuration grants, although it can only say `.default`).
 *   - a specific scope is allowed when it is listed, or when `<resource>/.default` is listed.
 */

const GRAPH = 'https://graph.microsoft.com';
const DEFAULT_PERMISSION = '.default';
/** OpenID Connect scopes name no resource; MSAL adds them itself, so they never count. */
const OIDC_SCOPES = new Set(['openid', 'profile', 'offline_access', 'email']);

interface ParsedScope {
  /** As written, without the permission: what to send back to Entra or the managed identity. */
  resource: string;
  /** Normalised for comparison. */
  resourceKey: string;
  permission: string;
  permissionKey: string;
  original: string;
}

function parseScope(scope: string): ParsedScope | undefined {
  const trimmed = scope.trim();
  if (trimmed === '' || /\s/.test(trimmed) || OIDC_SCOPES.has(trimmed.toLowerCase())) return undefined;
  const slash = trimmed.lastIndexOf('/');
  // A slash that is only part of `scheme://` means a resource with no permission: not a scope.
  if (slash !== -1 && trimmed.slice(0, slash + 1).endsWith('://')) return undefined;
  const resource = slash === -1 ? GRAPH : trimmed.slice(0, slash);
  const permission = slash === -1 ? trimmed : trimmed.slice(slash + 1);
  if (permission === '' || resource.replace(/\/+$/, '') === '') return undefined;
  return {
    resource,
    resourceKey: normaliseResource(resource),
    permission,
    permissionKey: permission.toLowerCase(),
    original: trimmed,
  };
}

/** `https://Management.azure.com//` → `https://management.azure.com`. */
export function normaliseResource(resource: string): string {
  return resource.trim().replace(/\/+$/, '').toLowerCase();
}

/** The scope a managed-identity style `resource` stands for: `<resource>/.default`. */
export function scopeForResource(resource: string): string {
  return `${resource.trim()}/${DEFAULT_PERMISSION}`;
}

/** What to request for an allowed scope. */
export interface ScopeGrant {
  /** The scopes to send to Entra (one resource; `.default` alone or specific permissions). */
  scopes: string[];
  /** The resource as configured (for a managed identity, which takes a resource, not scopes). */
  resource: string;
  /** The normalised resource. */
  resourceKey: string;
  /** A stable key for caching: the normalised resource and the sorted scopes. */
  key: string;
}

export class ScopePolicy {
  private readonly byResource = new Map<string, ParsedScope[]>();
  readonly allowed: readonly string[];

  constructor(allowedScopes: readonly string[]) {
    const accepted: string[] = [];
    for (const scope of allowedScopes) {
      const parsed = parseScope(scope);
      if (!parsed) continue;
      accepted.push(parsed.original);
      const list = this.byResource.get(parsed.resourceKey) ?? [];
      if (!list.some((item) => item.permissionKey === parsed.permissionKey)) list.push(parsed);
      this.byResource.set(parsed.resourceKey, list);
    }
    this.allowed = accepted;
  }

  /** The grant for a requested scope, or undefined when the configuration does not allow it. */
  resolve(requested: string): ScopeGrant | undefined {
    const parsed = parseScope(requested);
    if (!parsed) return undefined;
    const listed = this.byResource.get(parsed.resourceKey);
    if (!listed || listed.length === 0) return undefined;
    const listedDefault = listed.find((item) => item.permissionKey === DEFAULT_PERMISSION);
    let scopes: ParsedScope[];
    if (parsed.permissionKey === DEFAULT_PERMISSION) {
      scopes = listedDefault ? [listedDefault] : listed;
    } else {
      const exact = listed.find((item) => item.permissionKey === parsed.permissionKey);
      if (exact) scopes = [exact];
      else if (listedDefault) scopes = [{ ...parsed, resource: listedDefault.resource }];
      else return undefined;
    }
    const first = scopes[0] as ParsedScope;
    const sent = scopes.map((item) => item.original);
    return {
      scopes: sent,
      resource: listedDefault?.resource ?? first.resource,
      resourceKey: parsed.resourceKey,
      key: `${parsed.resourceKey} ${scopes
        .map((item) => item.permissionKey)
        .sort()
        .join(' ')}`,
    };
  }

  /** A short description of what is allowed, for error messages. */
  describe(): string {
    return this.allowed.length > 0 ? this.allowed.join(', ') : '(none)';
  }
}
