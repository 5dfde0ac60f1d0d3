/**
 * A private token endpoint for one session's child, speaking the App Service managed-identity
 * protocol that every Azure SDK (JS/MSAL, Python, .NET, Java, Go) implements:
 *
 *     GET {IDENTITY_ENDPOINT}?resource=<resource>&api-version=2019-08-01[&client_id=<id>]
 *     X-IDENTITY-HEADER: {IDENTITY_HEADER}
 *     → 200 {"access_token", "expires_on": "<epoch seconds>", "resource", "token_type": "Bearer", "client_id"}
 *
 * The older 2017-09-01 form (header `secret`, `clientid`; env MSI_ENDPOINT/MSI_SECRET) is accepted
 * too. `resource` maps to the scope `<resource>/.default`; a `scope` parameter is taken as is.
 *
 * With IDENTITY_ENDPOINT/IDENTITY_HEADER in its environment, a child's `DefaultAzureCredential` or
 * `ManagedIdentityCredential` works unchanged and refreshes its tokens without a re-spawn, while
 * the tokens are the session user's (azure_obo) or the app's restricted to the allowed scopes
 * (azure_default). The server listens on 127.0.0.1 only, on an ephemeral port, with a random
 * secret per session compared in constant time; tokens and the secret are never logged.
 *
 * Status codes are chosen so a child fails fast with the message instead of retrying for long
 * (Azure SDKs retry 404, 410, 429 and 5xx): 401 wrong or missing secret, 400 bad request or an
 * exchange Entra refused, 403 a scope not allowed or consent missing, 503 only for outages.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { TokenUnavailableError, type ChildTokenSource } from '../types.js';
import type { Logger } from '../../observability/logger.js';
import { ScopePolicy, scopeForResource } from './scope-policy.js';

export const IDENTITY_ENDPOINT_PATH = '/msi/token';
const API_VERSIONS = new Set(['2019-08-01', '2017-09-01']);
/** Query parameters that select a user-assigned identity, across API versions and hosts. */
const IDENTITY_SELECTORS = ['client_id', 'clientid', 'mi_res_id', 'msi_res_id', 'object_id', 'principal_id'] as const;

export interface IdentityEndpointOptions {
  /** Where the tokens come from (OBO for the session's user, or the app's identity). */
  source: ChildTokenSource;
  /** Scopes the child may ask for; others get 403 before the source is asked. */
  allowedScopes: readonly string[];
  /**
   * The identity the child believes it uses: returned as `client_id`, and the only `client_id` a
   * request may name (give the same value as the child's AZURE_CLIENT_ID, which SDKs send). When
   * unset, identity selectors in requests are ignored.
   */
  clientId?: string;
  /** Also set MSI_ENDPOINT/MSI_SECRET, for SDKs that only know the 2017-09-01 protocol. Default false. */
  legacyMsiEnv?: boolean;
  /** How long a token request may take before the child gets 503 (default 60 s). */
  tokenTimeoutMs?: number;
  logger?: Logger;
}

/** The variables to merge into the child's environment (a type alias, so it fits `Record<string, string | undefined>`). */
export type IdentityEndpointEnv = {
  IDENTITY_ENDPOINT: string;
  IDENTITY_HEADER: string;
  MSI_ENDPOINT?: string;
  MSI_SECRET?: string;
};

export interface IdentityEndpoint {
  /** Merge into the child's environment. */
  readonly env: IdentityEndpointEnv;
  /** Stops the server and drops its connections (idempotent). */
  close(): Promise<void>;
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  return address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.');
}

function send(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
    'content-length': String(Buffer.byteLength(text)),
    ...headers,
  });
  response.end(text);
}

/**
 * An error body both shapes of client read: MSAL takes `error` and `message`/`error_description`,
 * Python and .NET show the body.
 */
function errorBody(status: number, error: string, message: string) {
  return { statusCode: status, error, error_description: message, message };
}

function statusFor(error: TokenUnavailableError): number {
  switch (error.status) {
    case 'forbidden_scope':
    case 'consent_required':
      return 403;
    case 'exchange_failed':
      return 400;
    case 'unavailable':
      return 503;
  }
}

export async function startIdentityEndpoint(options: IdentityEndpointOptions): Promise<IdentityEndpoint> {
  const policy = new ScopePolicy(options.allowedScopes);
  const secret = randomBytes(32).toString('base64url');
  const secretDigest = digest(secret);
  const logger = options.logger?.child({ component: 'auth', part: 'identity-endpoint' });
  const timeoutMs = options.tokenTimeoutMs ?? 60_000;
  const expectedClientId = options.clientId?.toLowerCase();

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    if (!isLoopback(request.socket.remoteAddress)) {
      send(response, 403, errorBody(403, 'forbidden', 'Only loopback clients may use this endpoint.'));
      return;
    }
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    if (url.pathname !== IDENTITY_ENDPOINT_PATH && url.pathname !== `${IDENTITY_ENDPOINT_PATH}/`) {
      send(response, 404, errorBody(404, 'not_found', 'Unknown path.'));
      return;
    }
    if (request.method !== 'GET') {
      send(response, 405, errorBody(405, 'method_not_allowed', 'Use GET.'), { allow: 'GET' });
      return;
    }

    // The secret first: nothing else is revealed to a caller without it.
    const presented = request.headers['x-identity-header'] ?? request.headers.secret;
    const value = Array.isArray(presented) ? presented[0] : presented;
    if (value === undefined || !timingSafeEqual(digest(value), secretDigest)) {
      logger?.warn(
        `identity endpoint request rejected: the secret header is ${value === undefined ? 'missing' : 'wrong'}`,
        { status: 401 },
      );
      send(response, 401, errorBody(401, 'unauthorized', 'The X-IDENTITY-HEADER header is missing or wrong.'));
      return;
    }

    const apiVersion = url.searchParams.get('api-version');
    if (apiVersion === null || !API_VERSIONS.has(apiVersion)) {
      send(
        response,
        400,
        errorBody(400, 'invalid_request', `Unsupported api-version ${apiVersion ?? '(missing)'}; use 2019-08-01.`),
      );
      return;
    }
    const resource = url.searchParams.get('resource')?.trim() || undefined;
    const scopeParam = url.searchParams.get('scope')?.trim() || undefined;
    if (resource === undefined && scopeParam === undefined) {
      send(response, 400, errorBody(400, 'invalid_request', 'The resource parameter is required.'));
      return;
    }
    if (expectedClientId !== undefined) {
      for (const name of IDENTITY_SELECTORS) {
        const selected = url.searchParams.get(name);
        if (selected === null) continue;
        if ((name === 'client_id' || name === 'clientid') && selected.toLowerCase() === expectedClientId) continue;
        send(
          response,
          400,
          errorBody(
            400,
            'invalid_request',
            `This endpoint serves only the identity ${options.clientId}; the request asked for ${name}=${selected}.`,
          ),
        );
        return;
      }
    }

    // Some clients send a scope as the resource; `<resource>/.default` means the resource itself.
    const resourceAsGiven = resource?.replace(/\/\.default$/i, '');
    const scope = scopeParam ?? scopeForResource(resourceAsGiven as string);
    const answeredResource = resourceAsGiven ?? scope.replace(/\/\.default$/i, '');
    if (!policy.resolve(scope)) {
      logger?.warn('identity endpoint refused a scope that is not allowed', { scope, status: 403 });
      send(
        response,
        403,
        errorBody(
          403,
          'forbidden_scope',
          `The scope ${scope} is not allowed for this server (allowed: ${policy.describe()}).`,
        ),
      );
      return;
    }

    let timer: NodeJS.Timeout | undefined;
    try {
      const token = await Promise.race([
        options.source.getToken(scope),
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () =>
              reject(
                new TokenUnavailableError(
                  `Getting a token for ${scope} took longer than ${Math.round(timeoutMs / 1000)} s; try again later.`,
                  'unavailable',
                ),
              ),
            timeoutMs,
          );
        }),
      ]);
      logger?.debug('identity endpoint served a token', { scope, status: 200 });
      send(response, 200, {
        access_token: token.token,
        expires_on: String(Math.floor(token.expiresOnTimestamp / 1000)),
        resource: answeredResource,
        token_type: 'Bearer',
        ...(options.clientId !== undefined ? { client_id: options.clientId } : {}),
      });
    } catch (error) {
      if (error instanceof TokenUnavailableError) {
        const status = statusFor(error);
        logger?.warn('identity endpoint could not provide a token', { scope, status, reason: error.status });
        send(
          response,
          status,
          errorBody(status, error.status, error.message),
          status === 503 ? { 'retry-after': '5' } : {},
        );
        return;
      }
      logger?.error('identity endpoint failed unexpectedly', {
        scope,
        error: error instanceof Error ? error.name : typeof error,
      });
      send(response, 500, errorBody(500, 'internal_error', `The adapter failed to get a token for ${scope}.`));
    } finally {
      if (timer) clearTimeout(timer);
    }
  };

  const server = createServer((request, response) => {
    handle(request, response).catch(() => {
      if (!response.headersSent) send(response, 500, errorBody(500, 'internal_error', 'The adapter failed.'));
      else response.destroy();
    });
  });
  server.headersTimeout = 10_000;
  server.requestTimeout = timeoutMs + 10_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port: 0, exclusive: true }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', (error) => logger?.error('identity endpoint server error', { error: error.message }));
  server.unref();

  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}${IDENTITY_ENDPOINT_PATH}`;
  const env: IdentityEndpointEnv = {
    IDENTITY_ENDPOINT: endpoint,
    IDENTITY_HEADER: secret,
    ...(options.legacyMsiEnv ? { MSI_ENDPOINT: endpoint, MSI_SECRET: secret } : {}),
  };
  let closing: Promise<void> | undefined;
  return {
    env,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
