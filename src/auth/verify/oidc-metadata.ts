/**
 * Discovery of an issuer's metadata: OpenID Connect Discovery
 * (`<issuer>/.well-known/openid-configuration`), falling back to RFC 8414
 * (`/.well-known/oauth-authorization-server`, with the issuer's path inserted after it).
 *
 * The `issuer` in the document must equal the expected issuer exactly (RFC 8414 §3.3, OIDC
 * Discovery §4.3), or the document is not used. Documents are cached per issuer; when a refresh
 * fails, the last good document is served for a while (stale-while-error). Failures with nothing to
 * fall back on throw a {@link VerifierUnavailableError} (a 503, never a pass).
 */
import {
  DEFAULT_RETRY_AFTER_SECONDS,
  DEFAULT_TIMEOUT_MS,
  VerifierUnavailableError,
  discard,
  fetchOrUnavailable,
  nonNegative,
  parseEndpoint,
  readJsonObject,
} from './common.js';

export { VerifierUnavailableError } from './common.js';

/** The fields of RFC 8414 / OIDC Discovery metadata the verifiers use; the rest is kept as is. */
export interface IssuerMetadata {
  issuer: string;
  jwks_uri?: string;
  introspection_endpoint?: string;
  userinfo_endpoint?: string;
  token_endpoint?: string;
  authorization_endpoint?: string;
  [field: string]: unknown;
}

export interface MetadataCacheOptions {
  /** How long a document is used before it is fetched again. Default 1 hour. */
  ttlMs?: number;
  /** How long past its TTL a document is still served while refreshing fails. Default 6 hours. */
  staleIfErrorMs?: number;
  /** After a failed fetch, how long the failure is repeated without asking again. Default 5 seconds. */
  failureBackoffMs?: number;
  /** Timeout of each request. Default 5 seconds. */
  timeoutMs?: number;
  /** `retryAfterSeconds` of the errors thrown. Default 30. */
  retryAfterSeconds?: number;
}

const URL_FIELDS = [
  'jwks_uri',
  'introspection_endpoint',
  'userinfo_endpoint',
  'token_endpoint',
  'authorization_endpoint',
] as const;

/** Where an issuer's metadata may be found, in the order they are tried. */
export function metadataUrls(issuer: string): URL[] {
  const url = parseIssuer(issuer);
  const path = url.pathname.replace(/\/+$/, '');
  const urls = [
    new URL(`${url.origin}${path}/.well-known/openid-configuration`),
    new URL(`${url.origin}/.well-known/oauth-authorization-server${path}`),
  ];
  return urls;
}

function parseIssuer(issuer: string): URL {
  const url = parseEndpoint(issuer, 'issuer');
  if (url.search !== '' || url.hash !== '' || issuer.includes('?') || issuer.includes('#')) {
    throw new TypeError('issuer must not have a query or fragment');
  }
  return url;
}

interface Entry {
  metadata?: IssuerMetadata;
  fetchedAt: number;
  /** Set after a failure: no new attempt before this time. */
  retryAt?: number;
  lastError?: VerifierUnavailableError;
  pending?: Promise<IssuerMetadata>;
}

/** A cache of issuer metadata; one is shared by default, tests and callers may make their own. */
export class OidcMetadataCache {
  private readonly entries = new Map<string, Entry>();
  private readonly ttlMs: number;
  private readonly staleIfErrorMs: number;
  private readonly failureBackoffMs: number;
  private readonly timeoutMs: number;
  private readonly retryAfterSeconds: number;

  constructor(options: MetadataCacheOptions = {}) {
    this.ttlMs = nonNegative(options.ttlMs, 60 * 60_000, 'ttlMs');
    this.staleIfErrorMs = nonNegative(options.staleIfErrorMs, 6 * 60 * 60_000, 'staleIfErrorMs');
    this.failureBackoffMs = nonNegative(options.failureBackoffMs, 5_000, 'failureBackoffMs');
    this.timeoutMs = nonNegative(options.timeoutMs, DEFAULT_TIMEOUT_MS, 'timeoutMs');
    this.retryAfterSeconds = nonNegative(options.retryAfterSeconds, DEFAULT_RETRY_AFTER_SECONDS, 'retryAfterSeconds');
  }

  /** The issuer's metadata, from the cache when fresh; throws {@link VerifierUnavailableError}. */
  async get(issuer: string): Promise<IssuerMetadata> {
    parseIssuer(issuer);
    const now = Date.now();
    const entry = this.entries.get(issuer);
    if (entry?.metadata && now < entry.fetchedAt + this.ttlMs) return entry.metadata;
    if (entry?.retryAt !== undefined && now < entry.retryAt) {
      if (entry.metadata && now < entry.fetchedAt + this.ttlMs + this.staleIfErrorMs) return entry.metadata;
      if (entry.lastError) throw entry.lastError;
    }
    if (entry?.pending) return entry.pending;
    const current: Entry = entry ?? { fetchedAt: 0 };
    const pending = fetchIssuerMetadata(issuer, this.timeoutMs, this.retryAfterSeconds).then(
      (metadata) => {
        current.metadata = metadata;
        current.fetchedAt = Date.now();
        current.retryAt = undefined;
        current.lastError = undefined;
        return metadata;
      },
      (error: unknown) => {
        const failure =
          error instanceof VerifierUnavailableError
            ? error
            : new VerifierUnavailableError(
                `issuer metadata for ${issuer} could not be read`,
                'bad_response',
                this.retryAfterSeconds,
                { cause: error },
              );
        const failedAt = Date.now();
        current.retryAt = failedAt + this.failureBackoffMs;
        current.lastError = failure;
        if (current.metadata && failedAt < current.fetchedAt + this.ttlMs + this.staleIfErrorMs)
          return current.metadata;
        throw failure;
      },
    );
    current.pending = pending;
    this.entries.set(issuer, current);
    try {
      return await pending;
    } finally {
      if (current.pending === pending) current.pending = undefined;
    }
  }

  /** Forgets an issuer (or every issuer). */
  clear(issuer?: string): void {
    if (issuer === undefined) this.entries.clear();
    else this.entries.delete(issuer);
  }
}

/** The process-wide metadata cache the verifiers use unless given their own. */
export const defaultMetadataCache = new OidcMetadataCache();

/** An issuer's metadata through the shared cache. */
export function discoverIssuerMetadata(
  issuer: string,
  cache: OidcMetadataCache = defaultMetadataCache,
): Promise<IssuerMetadata> {
  return cache.get(issuer);
}

/**
 * Fetches an issuer's metadata without caching: each well-known location in turn, until one
 * answers 2xx with a JSON object naming the expected issuer. A network failure or timeout ends the
 * search (the other location is on the same host).
 */
export async function fetchIssuerMetadata(
  issuer: string,
  timeoutMs = DEFAULT_TIMEOUT_MS,
  retryAfterSeconds = DEFAULT_RETRY_AFTER_SECONDS,
): Promise<IssuerMetadata> {
  const failures: VerifierUnavailableError[] = [];
  for (const url of metadataUrls(issuer)) {
    const response = await fetchOrUnavailable(url, 'issuer metadata', {
      timeoutMs,
      retryAfterSeconds,
      headers: { accept: 'application/json' },
    });
    if (response.status < 200 || response.status > 299) {
      await discard(response);
      failures.push(
        new VerifierUnavailableError(
          `issuer metadata at ${url.href} answered HTTP ${response.status}`,
          'http_status',
          retryAfterSeconds,
        ),
      );
      continue;
    }
    try {
      const document = await readJsonObject(response, url, 'issuer metadata', retryAfterSeconds);
      if (document.issuer !== issuer) {
        throw new VerifierUnavailableError(
          `issuer metadata at ${url.href} names a different issuer than the expected ${issuer}`,
          'issuer_mismatch',
          retryAfterSeconds,
        );
      }
      for (const field of URL_FIELDS) {
        const value = document[field];
        if (value === undefined) continue;
        if (typeof value !== 'string')
          throw new VerifierUnavailableError(
            `issuer metadata at ${url.href} has a ${field} that is not a string`,
            'bad_response',
            retryAfterSeconds,
          );
      }
      return document as IssuerMetadata;
    } catch (error) {
      if (!(error instanceof VerifierUnavailableError) || error.reason === 'network' || error.reason === 'timeout')
        throw error;
      failures.push(error);
    }
  }
  const mismatch = failures.find((failure) => failure.reason === 'issuer_mismatch');
  if (mismatch) throw mismatch;
  // A location that answered something (not a plain 404) says most about what is wrong.
  const reason =
    (failures.find((failure) => !failure.message.endsWith('HTTP 404')) ?? failures[0])?.reason ?? 'bad_response';
  throw new VerifierUnavailableError(
    `issuer metadata for ${issuer} is unavailable: ${failures.map((failure) => failure.message).join('; ')}`,
    reason,
    retryAfterSeconds,
  );
}
