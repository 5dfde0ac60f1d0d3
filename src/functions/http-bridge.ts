import type { HttpRequest, HttpResponseInit } from '@azure/functions';
import type { FetchHandler } from '../http/app.js';

/**
 * Serves the web-standard app from an Azure Functions HTTP trigger. With
 * `app.setup({ enableHttpStream: true })` the request body is a web `ReadableStream` and a
 * response body may be one too, so SSE goes out chunk by chunk, never buffered.
 */
export async function serveFunctionsRequest(handler: FetchHandler, request: HttpRequest): Promise<HttpResponseInit> {
  const hasBody = request.method !== 'GET' && request.method !== 'HEAD' && request.body !== null;
  const init: RequestInit & { duplex?: 'half' } = { method: request.method, headers: request.headers };
  if (hasBody) {
    init.body = request.body as ReadableStream<Uint8Array>;
    init.duplex = 'half';
  }
  const response = await handler(new Request(request.url, init));
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => (headers[name] = value));
  return { status: response.status, headers, body: (response.body ?? undefined) as unknown as HttpResponseInit['body'] };
}
