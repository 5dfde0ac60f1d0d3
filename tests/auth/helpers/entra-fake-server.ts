/**
 * A fake Microsoft Entra ID token service over HTTPS on 127.0.0.1, enough for `@azure/identity`
 * (MSAL Node) to perform a real On-Behalf-Of exchange against it: the tenant's OpenID metadata
 * (instance discovery is disabled by the client) and the v2.0 token endpoint answering the
 * jwt-bearer / on_behalf_of grant. Every request is recorded so tests can assert what was sent.
 */
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export const OBO_GRANT_TYPE = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
export const CLIENT_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

export interface EntraTokenRequest {
  tenant: string;
  /** The form fields as sent (tests only; a real service never echoes them). */
  form: Record<string, string>;
}

export interface EntraReply {
  status: number;
  body: unknown;
}

/** Decides the reply to a token request; return undefined for the default behaviour. */
export type EntraResponder = (request: EntraTokenRequest, index: number) => EntraReply | undefined;

export interface FakeEntra {
  /** `https://127.0.0.1:<port>`: the `authorityHost` to give the credential. */
  readonly authorityHost: string;
  readonly tokenRequests: EntraTokenRequest[];
  /** `METHOD /path` of every request, including metadata. */
  readonly requestLog: string[];
  /** Replaces the responder (undefined: back to the default success). */
  respondWith(responder: EntraResponder | undefined): void;
  /** `expires_in` of default successes (seconds). */
  expiresIn: number;
  close(): Promise<void>;
}

/** Short, stable fingerprint of a secret value, for assertions that never print the value. */
export function fingerprint(value: string): string {
  return createHash('sha256').update(value).digest('hex').slice(0, 16);
}

/**
 * The access token the default responder issues: it names the user assertion (by fingerprint)
 * and the scopes, so a test can check whose token for what reached the child.
 */
export function fakeOboToken(assertion: string, scope: string, serial: number): string {
  return `fake-obo.${Buffer.from(JSON.stringify({ user: fingerprint(assertion), scope, serial })).toString('base64url')}.sig`;
}

export function decodeFakeOboToken(token: string): { user: string; scope: string; serial: number } {
  const middle = token.split('.')[1];
  if (middle === undefined) throw new Error('not a fake OBO token');
  return JSON.parse(Buffer.from(middle, 'base64url').toString('utf8')) as {
    user: string;
    scope: string;
    serial: number;
  };
}

/** An Entra-shaped error body, as the real service sends (codes, description, trace ids). */
export function entraError(
  error: string,
  aadsts: number,
  description: string,
  extra: Record<string, unknown> = {},
): EntraReply {
  return {
    status: 400,
    body: {
      error,
      error_description: `AADSTS${aadsts}: ${description} Trace ID: 0000 Correlation ID: 1111 Timestamp: 2026-01-01 00:00:00Z`,
      error_codes: [aadsts],
      timestamp: '2026-01-01 00:00:00Z',
      trace_id: '00000000-0000-0000-0000-000000000000',
      correlation_id: '11111111-1111-1111-1111-111111111111',
      error_uri: `https://login.microsoftonline.com/error?code=${aadsts}`,
      ...extra,
    },
  };
}

function send(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  response.end(JSON.stringify(body));
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** The checks a real token service makes on an OBO request, reduced to their shape. */
function validateOboRequest(form: Record<string, string>): string | undefined {
  if (form.grant_type !== OBO_GRANT_TYPE) return `unsupported grant_type ${form.grant_type}`;
  if (form.requested_token_use !== 'on_behalf_of') return 'requested_token_use must be on_behalf_of';
  if (!form.assertion) return 'assertion is missing';
  if (!form.client_id) return 'client_id is missing';
  if (!form.scope) return 'scope is missing';
  const hasSecret = typeof form.client_secret === 'string' && form.client_secret !== '';
  const hasAssertion = typeof form.client_assertion === 'string' && form.client_assertion !== '';
  if (hasSecret === hasAssertion) return 'exactly one of client_secret and client_assertion is required';
  if (hasAssertion && form.client_assertion_type !== CLIENT_ASSERTION_TYPE) return 'client_assertion_type is wrong';
  return undefined;
}

export async function startFakeEntra(tls: { cert: string; key: string }): Promise<FakeEntra> {
  const tokenRequests: EntraTokenRequest[] = [];
  const requestLog: string[] = [];
  let responder: EntraResponder | undefined;
  let serial = 0;
  let origin = '';

  const state = {
    expiresIn: 3600,
  };

  const server: Server = createServer({ cert: tls.cert, key: tls.key }, (request, response) => {
    void (async () => {
      const url = new URL(request.url ?? '/', origin);
      requestLog.push(`${request.method} ${url.pathname}`);
      const segments = url.pathname.split('/').filter(Boolean);
      const tenant = segments[0] ?? '';
      const rest = segments.slice(1).join('/');
      if (
        request.method === 'GET' &&
        (rest === 'v2.0/.well-known/openid-configuration' || rest === '.well-known/openid-configuration')
      ) {
        send(response, 200, {
          token_endpoint: `${origin}/${tenant}/oauth2/v2.0/token`,
          authorization_endpoint: `${origin}/${tenant}/oauth2/v2.0/authorize`,
          end_session_endpoint: `${origin}/${tenant}/oauth2/v2.0/logout`,
          device_authorization_endpoint: `${origin}/${tenant}/oauth2/v2.0/devicecode`,
          jwks_uri: `${origin}/${tenant}/discovery/v2.0/keys`,
          issuer: `${origin}/${tenant}/v2.0`,
          token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
          response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
          scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
          tenant_region_scope: null,
          cloud_instance_name: 'microsoftonline.com',
        });
        return;
      }
      if (request.method === 'POST' && rest === 'oauth2/v2.0/token') {
        const form = Object.fromEntries(new URLSearchParams(await readBody(request)));
        const recorded = { tenant, form };
        tokenRequests.push(recorded);
        const custom = responder?.(recorded, tokenRequests.length - 1);
        if (custom) {
          send(response, custom.status, custom.body);
          return;
        }
        const problem = validateOboRequest(form);
        if (problem) {
          send(response, 400, entraError('invalid_request', 900144, problem).body);
          return;
        }
        serial += 1;
        const resourceScopes = (form.scope ?? '')
          .split(' ')
          .filter((s) => !['openid', 'profile', 'offline_access'].includes(s))
          .join(' ');
        send(response, 200, {
          token_type: 'Bearer',
          scope: resourceScopes,
          expires_in: state.expiresIn,
          ext_expires_in: state.expiresIn,
          access_token: fakeOboToken(form.assertion ?? '', resourceScopes, serial),
        });
        return;
      }
      send(response, 404, {
        error: 'not_found',
        error_description: `the fake has no ${request.method} ${url.pathname}`,
      });
    })().catch((error: unknown) => {
      if (!response.headersSent) send(response, 500, { error: 'fake_failure', error_description: String(error) });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  origin = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    authorityHost: origin,
    tokenRequests,
    requestLog,
    respondWith(next) {
      responder = next;
    },
    get expiresIn() {
      return state.expiresIn;
    },
    set expiresIn(value: number) {
      state.expiresIn = value;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
