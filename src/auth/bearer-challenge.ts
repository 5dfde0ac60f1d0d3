/**
 * The answers of a protected endpoint (RFC 6750, RFC 9728), in the predecessor's body shape:
 * 401 `authentication_required` with a `WWW-Authenticate` challenge that points at the protected
 * resource metadata, 403 `insufficient_scopes` naming the missing scopes, 503 when the issuer
 * cannot be reached (never a pass).
 */
function quote(value: string): string {
  return `"${value.replace(/["\\\r\n]/g, ' ')}"`;
}

function challenge(params: Record<string, string | undefined>): string {
  const parts = Object.entries(params)
    .filter((entry): entry is [string, string] => entry[1] !== undefined && entry[1] !== '')
    .map(([name, value]) => `${name}=${quote(value)}`);
  return `Bearer ${parts.join(', ')}`;
}

function body(code: string, message: string): string {
  return JSON.stringify({ error: { code, message } });
}

const json = { 'content-type': 'application/json' };

export function authenticationRequired(metadataUrl: string, scopes: string[], invalid?: string): Response {
  const header = challenge({
    error: invalid ? 'invalid_token' : undefined,
    error_description: invalid,
    scope: scopes.join(' ') || undefined,
    resource_metadata: metadataUrl,
  });
  return new Response(
    body(
      'authentication_required',
      invalid ? `Invalid bearer token: ${invalid}` : 'Missing or invalid Authorization header',
    ),
    {
      status: 401,
      headers: { ...json, 'www-authenticate': header },
    },
  );
}

export function insufficientScope(metadataUrl: string, required: string[], missing: string[]): Response {
  return new Response(body('insufficient_scopes', `Token missing required scopes: ${missing.join(' ')}`), {
    status: 403,
    headers: {
      ...json,
      'www-authenticate': challenge({
        error: 'insufficient_scope',
        scope: required.join(' '),
        resource_metadata: metadataUrl,
      }),
    },
  });
}

export function authenticationUnavailable(message: string, retryAfterSeconds: number): Response {
  return new Response(body('authentication_unavailable', `Cannot verify tokens right now: ${message}; retry later`), {
    status: 503,
    headers: { ...json, 'retry-after': String(retryAfterSeconds) },
  });
}

export function headerTooLarge(): Response {
  return new Response(body('header_too_large', 'The Authorization header is too large'), {
    status: 431,
    headers: json,
  });
}
