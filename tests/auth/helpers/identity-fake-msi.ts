/**
 * A fake App Service managed-identity endpoint (the host's `IDENTITY_ENDPOINT`), plain HTTP on
 * 127.0.0.1, as Azure provides it to a Function App: `GET ?resource=...&api-version=2019-08-01
 * [&client_id=...]` with `X-IDENTITY-HEADER`. It hands out recognisable tokens per resource so a
 * test can check that the OBO request carried the managed identity's token as `client_assertion`.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface MsiRequest {
  resource: string | null;
  apiVersion: string | null;
  clientId: string | null;
  headerOk: boolean;
}

export interface FakeMsi {
  /** The environment a process needs to use this endpoint as its managed identity. */
  env: { IDENTITY_ENDPOINT: string; IDENTITY_HEADER: string };
  readonly requests: MsiRequest[];
  /** Tokens issued, in order (the test compares them with what reached Entra). */
  readonly issued: string[];
  /** When set, every request is answered with this status and body instead. */
  failWith: { status: number; body: unknown } | undefined;
  /** Lifetime of issued tokens, seconds (default 3600). */
  expiresIn: number;
  close(): Promise<void>;
}

export async function startFakeMsi(options: { clientId?: string } = {}): Promise<FakeMsi> {
  const secret = randomBytes(16).toString('hex');
  const requests: MsiRequest[] = [];
  const issued: string[] = [];
  const state: { failWith: FakeMsi['failWith']; expiresIn: number } = { failWith: undefined, expiresIn: 3600 };
  const server: Server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const recorded: MsiRequest = {
      resource: url.searchParams.get('resource'),
      apiVersion: url.searchParams.get('api-version'),
      clientId: url.searchParams.get('client_id'),
      headerOk: request.headers['x-identity-header'] === secret,
    };
    requests.push(recorded);
    const reply = (status: number, body: unknown) => {
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(body));
    };
    if (!recorded.headerOk) return reply(401, { statusCode: 401, message: 'missing or wrong X-IDENTITY-HEADER' });
    if (state.failWith) return reply(state.failWith.status, state.failWith.body);
    if (recorded.apiVersion !== '2019-08-01' || !recorded.resource)
      return reply(400, { statusCode: 400, message: 'bad request' });
    if (options.clientId !== undefined && recorded.clientId !== options.clientId) {
      return reply(400, {
        statusCode: 400,
        message: `identity ${recorded.clientId ?? '(system)'} is not assigned to this app`,
      });
    }
    const token = `fake-mi.${Buffer.from(JSON.stringify({ aud: recorded.resource, n: issued.length + 1 })).toString('base64url')}.sig`;
    issued.push(token);
    reply(200, {
      access_token: token,
      expires_on: String(Math.floor(Date.now() / 1000) + state.expiresIn),
      resource: recorded.resource,
      token_type: 'Bearer',
      client_id: recorded.clientId ?? 'system-assigned',
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    env: { IDENTITY_ENDPOINT: `http://127.0.0.1:${port}/msi/token`, IDENTITY_HEADER: secret },
    requests,
    issued,
    get failWith() {
      return state.failWith;
    },
    set failWith(value) {
      state.failWith = value;
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
