import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FetchHandler } from '../../http/app.js';
import { describeForHttp, rpcErrorResponse } from '../../web/http-errors.js';
import { BodyTooLargeError } from '../../web/read-body.js';

/**
 * Serves a web-standard fetch handler from `node:http`: the request becomes a `Request` whose
 * signal aborts when the client disconnects, and the `Response` body is streamed chunk by chunk
 * (SSE must never be buffered).
 */
export function nodeListener(handler: FetchHandler, onError: (error: unknown) => void, maxBodyBytes = HARD_BODY_LIMIT) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    void serve(req, res, handler, Math.min(maxBodyBytes, HARD_BODY_LIMIT)).catch(async (error: unknown) => {
      onError(error);
      if (res.headersSent) res.end();
      else await writeResponse(res, rpcErrorResponse(500, 'Internal error in the adapter; see its log'));
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
  // The refusals below are the app's own answers (same functions, same bodies), given before a
  // web Request exists: one that cannot be built, or a body that must not be read.
  if (!METHODS.has(req.method ?? '')) {
    await writeResponse(
      res,
      rpcErrorResponse(405, `Method ${req.method} not allowed; use POST, GET or DELETE`, {
        headers: { allow: 'POST, GET, DELETE' },
      }),
    );
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
    await writeResponse(res, rpcErrorResponse(400, 'Bad Request: malformed Host header or URL'));
    return;
  }
  let body: Uint8Array | undefined;
  const tooLarge = () => {
    const answer = describeForHttp(new BodyTooLargeError(bodyLimit))!;
    return writeResponse(
      res,
      rpcErrorResponse(answer.status, answer.message, { headers: { ...answer.headers, connection: 'close' } }),
    );
  };
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    if (Number(req.headers['content-length'] ?? 0) > bodyLimit) {
      req.resume();
      await tooLarge();
      return;
    }
    // MCP bodies are small JSON: read them whole, which is far cheaper than a web stream per request.
    const chunks: Buffer[] = [];
    let size = 0;
    try {
      for await (const chunk of req as AsyncIterable<Buffer>) {
        size += chunk.length;
        if (size > bodyLimit) {
          req.resume();
          await tooLarge();
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

  await writeResponse(res, await handler(request));
}

/** Writes a web Response: a whole body in one write, an event stream chunk by chunk as it comes. */
async function writeResponse(res: ServerResponse, response: Response): Promise<void> {
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
