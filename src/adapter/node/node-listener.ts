import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FetchHandler } from '../../http/app.js';

/**
 * Serves a web-standard fetch handler from `node:http`: the request becomes a `Request` whose
 * signal aborts when the client disconnects, and the `Response` body is streamed chunk by chunk
 * (SSE must never be buffered).
 */
export function nodeListener(handler: FetchHandler, onError: (error: unknown) => void, maxBodyBytes = HARD_BODY_LIMIT) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    void serve(req, res, handler, Math.min(maxBodyBytes, HARD_BODY_LIMIT)).catch((error: unknown) => {
      onError(error);
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { code: 'internal_error', message: 'Internal error in the adapter' } }));
    });
  };
}

/** Bodies past this are refused here; the app applies the configured (smaller) limit. */
const HARD_BODY_LIMIT = 64 * 1024 * 1024;

/** Methods a web `Request` can carry (TRACE and CONNECT throw); the app answers the others. */
const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

async function serve(
  req: IncomingMessage,
  res: ServerResponse,
  handler: FetchHandler,
  bodyLimit: number,
): Promise<void> {
  if (!METHODS.has(req.method ?? '')) {
    res
      .writeHead(405, { 'content-type': 'application/json', allow: 'GET, POST, DELETE, OPTIONS' })
      .end(JSON.stringify({ error: { code: 'method_not_allowed', message: `Method ${req.method} not allowed` } }));
    return;
  }
  const aborter = new AbortController();
  res.on('close', () => {
    if (!res.writableFinished) aborter.abort();
  });
  // rawHeaders, not req.headers: Node builds the latter lazily, and one copy is enough.
  const headers = new Headers();
  let host = 'localhost';
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i]!;
    headers.append(name, req.rawHeaders[i + 1]!);
    if (name.length === 4 && name.toLowerCase() === 'host') host = req.rawHeaders[i + 1]!;
  }
  let url: URL;
  try {
    url = new URL(req.url ?? '/', `http://${host}`);
  } catch {
    res
      .writeHead(400, { 'content-type': 'application/json' })
      .end(JSON.stringify({ error: { code: 'bad_request', message: 'Malformed Host header or URL' } }));
    return;
  }
  let body: Uint8Array | undefined;
  const tooLarge = () =>
    res.writeHead(413, { 'content-type': 'application/json', connection: 'close' }).end(
      JSON.stringify({
        jsonrpc: '2.0',
        id: null,
        error: { code: -32000, message: `Payload Too Large: Request body exceeds the limit of ${bodyLimit} bytes` },
      }),
    );
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    if (Number(req.headers['content-length'] ?? 0) > bodyLimit) {
      tooLarge();
      req.resume();
      return;
    }
    // MCP bodies are small JSON: read them whole, which is far cheaper than a web stream per request.
    const chunks: Buffer[] = [];
    let size = 0;
    try {
      for await (const chunk of req as AsyncIterable<Buffer>) {
        size += chunk.length;
        if (size > bodyLimit) {
          tooLarge();
          req.resume();
          return;
        }
        chunks.push(chunk);
      }
    } catch {
      return; // the client went away before sending its whole body: nobody to answer
    }
    body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
  }
  const request = new Request(url, { method: req.method, headers, signal: aborter.signal, body } as RequestInit);

  const response = await handler(request);
  const outHeaders: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    outHeaders[name] = value;
  });
  if (!response.body) {
    res.writeHead(response.status, outHeaders).end();
    return;
  }
  if (!(outHeaders['content-type'] ?? '').startsWith('text/event-stream')) {
    // A whole JSON answer: one write.
    const bytes = Buffer.from(await response.arrayBuffer());
    outHeaders['content-length'] = String(bytes.length);
    res.writeHead(response.status, outHeaders).end(bytes);
    return;
  }
  res.writeHead(response.status, outHeaders);
  res.flushHeaders();
  const reader = response.body.getReader();
  res.on('close', () => void reader.cancel().catch(() => {}));
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (!res.write(value)) await drained(res);
    }
  } catch {
    // the client went away mid-stream; nothing left to send to
  }
  res.end();
}

/** Waits until the socket takes more, or closes; leaves no listener behind either way. */
function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}
