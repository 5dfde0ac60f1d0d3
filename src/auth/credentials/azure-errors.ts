/**
 * Reads the errors `@azure/identity` (and MSAL underneath) throw into the few facts we act on,
 * without keeping their messages: an Entra error response can echo request parts, so only codes
 * (OAuth `error`, `suberror`, the AADSTS number, the correlation id) are taken from it.
 */

export interface AzureErrorFacts {
  /** OAuth `error` (`invalid_grant`, `invalid_client`, ...) or MSAL's client error code. */
  errorCode?: string;
  /** OAuth `suberror` (`consent_required`, `basic_action`, ...). */
  subError?: string;
  /** The AADSTS number, without the prefix. */
  aadsts?: string;
  /** MSAL's correlation id (useful to an administrator, not secret). */
  correlationId?: string;
  /** The name of the outermost error (`AuthenticationRequiredError`, `CredentialUnavailableError`, ...). */
  name: string;
  /** The token service or identity endpoint could not be reached (connection, DNS, TLS, metadata). */
  network: boolean;
  /** The service said it is temporarily unable to answer. */
  transient: boolean;
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'ECONNABORTED',
]);
const NETWORK_MSAL_CODES = new Set([
  'network_error',
  'endpoints_resolution_error',
  'openid_config_error',
  'untrusted_authority',
]);
const TRANSIENT_OAUTH_ERRORS = new Set(['temporarily_unavailable', 'server_error', 'service_unavailable']);
/** AADSTS90033: a transient error; AADSTS50196: the client is looping; AADSTS90024: throttled. */
const TRANSIENT_AADSTS = new Set(['90033', '90024', '50196']);

type Loose = Record<string, unknown>;

function str(value: unknown): string | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

/** The error and its `cause` chain (bounded). */
export function errorChain(error: unknown): Loose[] {
  const chain: Loose[] = [];
  let current: unknown = error;
  while (current !== null && typeof current === 'object' && chain.length < 6 && !chain.includes(current as Loose)) {
    chain.push(current as Loose);
    current = (current as Loose).cause;
  }
  return chain;
}

export function readAzureError(error: unknown): AzureErrorFacts {
  const chain = errorChain(error);
  const facts: AzureErrorFacts = { name: str(chain[0]?.name) ?? typeof error, network: false, transient: false };
  for (const item of chain) {
    const errorCode = str(item.errorCode);
    facts.errorCode ??= errorCode;
    facts.subError ??= str(item.subError);
    facts.correlationId ??= str(item.correlationId);
    const errorNo = str(item.errorNo);
    if (errorNo && /^\d+$/.test(errorNo)) facts.aadsts ??= errorNo;
    const message = typeof item.message === 'string' ? item.message : '';
    facts.aadsts ??= /AADSTS(\d{4,})/.exec(message)?.[1];
    const code = str(item.code);
    const leadingCode = /^([a-z_]+):/.exec(message)?.[1];
    if (
      (code &&
        (NETWORK_CODES.has(code) ||
          code.startsWith('UND_ERR') ||
          code.startsWith('ERR_TLS') ||
          code.includes('CERT'))) ||
      (errorCode && NETWORK_MSAL_CODES.has(errorCode)) ||
      (leadingCode && NETWORK_MSAL_CODES.has(leadingCode)) ||
      /Network unreachable/i.test(message)
    ) {
      facts.network = true;
    }
    const response = item.errorResponse as Loose | undefined;
    if (response && typeof response === 'object') {
      facts.errorCode ??= str(response.error);
      const description = str(response.errorDescription);
      if (description) facts.aadsts ??= /AADSTS(\d{4,})/.exec(description)?.[1];
    }
    const status =
      typeof item.statusCode === 'number' ? item.statusCode : typeof item.status === 'number' ? item.status : undefined;
    if (status !== undefined && (status === 429 || status >= 500)) facts.transient = true;
  }
  if (
    (facts.errorCode && TRANSIENT_OAUTH_ERRORS.has(facts.errorCode)) ||
    (facts.aadsts && TRANSIENT_AADSTS.has(facts.aadsts))
  )
    facts.transient = true;
  return facts;
}

/** `invalid_grant (AADSTS65001)`, for messages and logs. */
export function describeCodes(facts: AzureErrorFacts): string {
  const parts = [
    facts.errorCode,
    facts.subError && facts.subError !== facts.errorCode ? `suberror ${facts.subError}` : undefined,
  ]
    .filter(Boolean)
    .join(', ');
  const aad = facts.aadsts ? `AADSTS${facts.aadsts}` : undefined;
  if (parts && aad) return `${parts} (${aad})`;
  return parts || aad || 'no error code';
}

/** Removes anything shaped like a JWT or a long opaque credential from text meant for users or logs. */
export function redactTokens(text: string): string {
  return text
    .replace(/eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g, '[redacted token]')
    .replace(
      /\b(access_token|refresh_token|id_token|client_secret|assertion|client_assertion)(["']?\s*[:=]\s*["']?)[^\s"'&,}]+/gi,
      '$1$2[redacted]',
    );
}

/** A short, safe excerpt of an upstream message (for errors that carry no codes, like local tool failures). */
export function safeExcerpt(error: unknown, max = 300): string {
  const message = error instanceof Error ? error.message : String(error);
  const oneLine = redactTokens(message).replace(/\s+/g, ' ').trim();
  return oneLine.length > max ? `${oneLine.slice(0, max - 1)}…` : oneLine;
}
