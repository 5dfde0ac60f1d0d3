import type { HttpRequest, HttpResponseInit } from '@azure/functions';
import type { FetchHandler } from '../http/app.js';
import { plainParts } from '../web/plain-response.js';

export interface BridgeOptions {
  /** host.json's route prefix (see readRoutePrefix); removed from the path before the app routes. */
  routePrefix: string;
}

/**
 * Serves the web-standard app from an Azure Functions HTTP trigger. With
 * `app.setup({ enableHttpStream: true })` the request body is a web `ReadableStream` and a
 * response body may be one too, so SSE goes out chunk by chunk, never buffered.
 */
export async function serveFunctionsRequest(
  handler: FetchHandler,
  request: HttpRequest,
  options: BridgeOptions,
): Promise<HttpResponseInit> {
  const hasBody = request.method !== 'GET' && request.method !== 'HEAD' && request.body !== null;
  const init: RequestInit & { duplex?: 'half' } = { method: request.method, headers: request.headers };
  if (hasBody) {
    init.body = request.body as ReadableStream<Uint8Array>;
    init.duplex = 'half';
  }
  const response = await handler(new Request(appUrl(request.url, options.routePrefix), init));
  const plain = plainParts(response);
  // A string body known up front (see web/plain-response.ts) goes to the host as a string.
  if (plain) return { status: plain.status, headers: plain.headers, ...(plain.body !== null && { body: plain.body }) };
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    headers[name] = value;
  });
  return {
    status: response.status,
    headers,
    body: (response.body ?? undefined) as unknown as HttpResponseInit['body'],
  };
}

/**
 * The URL as the app should see it: without the host's route prefix, and without the `code`
 * query parameter, which is the function key the host already checked (a secret the app has no
 * use for and must never be able to log).
 */
export function appUrl(url: string, routePrefix: string): URL {
  const result = new URL(url);
  const prefix = routePrefix ? `/${routePrefix}` : '';
  if (prefix && (result.pathname === prefix || result.pathname.startsWith(`${prefix}/`))) {
    result.pathname = result.pathname.slice(prefix.length) || '/';
  }
  result.searchParams.delete('code');
  return result;
}
