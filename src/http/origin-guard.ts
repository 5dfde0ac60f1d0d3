/**
 * Origin and Host checks against DNS rebinding, as the Streamable HTTP transport requires:
 * a web page on an attacker's domain can make a browser send requests to a server on
 * loopback, with the attacker's name in `Host` and `Origin`.
 */
export interface OriginPolicy {
  /** The listener is bound to a loopback address, so loopback names are trusted by default. */
  boundToLoopback: boolean;
  allowedOrigins: string[];
  allowedHosts: string[];
  /**
   * The port the loopback listener listens on, once known: a loopback name is trusted only with
   * it, so a Host header cannot name another local origin (and another resource URL).
   */
  localPort?: () => number | undefined;
}

const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

/** `localhost:7071` → 7071; no port → 80 (the http default, which a client leaves out). */
function hostPort(hostHeader: string): number {
  const value = hostHeader.trim();
  const afterName = value.startsWith('[') ? value.slice(value.indexOf(']') + 1) : value;
  const colon = afterName.lastIndexOf(':');
  return colon === -1 ? 80 : Number(afterName.slice(colon + 1));
}

/** `example.com:8080` → `example.com`; `[::1]:7071` → `[::1]`. */
function hostName(hostHeader: string): string {
  const value = hostHeader.trim().toLowerCase();
  if (value.startsWith('[')) return value.slice(0, value.indexOf(']') + 1);
  const colon = value.lastIndexOf(':');
  return colon === -1 ? value : value.slice(0, colon);
}

export function checkHost(host: string | null, policy: OriginPolicy): string | undefined {
  if (policy.allowedHosts.includes('*')) return undefined;
  if (!host) return 'Missing Host header';
  const name = hostName(host);
  const port = policy.localPort?.();
  if (policy.boundToLoopback && LOOPBACK_NAMES.has(name) && (port === undefined || hostPort(host) === port))
    return undefined;
  const lower = host.trim().toLowerCase();
  if (policy.allowedHosts.some((allowed) => allowed.toLowerCase() === lower || allowed.toLowerCase() === name))
    return undefined;
  // Listening beyond loopback with no list configured: Host cannot be judged; Origin still is.
  if (!policy.boundToLoopback && policy.allowedHosts.length === 0) return undefined;
  return `Host "${host}" is not allowed (add it to adapter.allowed_hosts)`;
}

export function checkOrigin(origin: string | null, host: string | null, policy: OriginPolicy): string | undefined {
  // Non-browser clients send no Origin; DNS rebinding needs a browser, which always sends it.
  if (origin === null) return undefined;
  if (policy.allowedOrigins.includes('*')) return undefined;
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return `Origin "${origin}" is not allowed`;
  }
  const name = url.hostname.toLowerCase();
  if (policy.boundToLoopback && LOOPBACK_NAMES.has(name)) return undefined;
  if (policy.allowedOrigins.some((allowed) => allowed.replace(/\/$/, '').toLowerCase() === url.origin.toLowerCase()))
    return undefined;
  // Same origin as a Host that passed its own check.
  if (
    host &&
    url.host.toLowerCase() === host.trim().toLowerCase() &&
    policy.allowedHosts.length > 0 &&
    checkHost(host, policy) === undefined
  ) {
    return undefined;
  }
  return `Origin "${origin}" is not allowed (add it to adapter.allowed_origins)`;
}
