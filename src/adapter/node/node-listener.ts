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
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    const declared = Number(req.headers['content-length'] ?? 0);
    const read = declared > bodyLimit ? 'too_large' : await readBody(req, bodyLimit);
    if (read === 'aborted') return; // the client went away before sending its whole body: nobody to answer
    if (read === 'too_large') {
      await refuseBody(req, res, bodyLimit, declared);
      return;
    }
    body = read;
  }
  const request = new Request(url, { method: req.method, headers, signal: aborter.signal, body } as RequestInit);

  await writeResponse(res, await handler(request));
}

/**
 * Reads a request body whole (MCP bodies are small JSON: far cheaper than a web stream per
 * request). Past `limit` nothing more is kept, but the body keeps being read (and dropped) so the
 * client can finish sending and read the refusal.
 */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer | 'too_large' | 'aborted'> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const settle = (outcome: Buffer | 'too_large' | 'aborted') => {
      if (settled) return;
      settled = true;
      resolve(outcome);
    };
    req.on('data', (chunk: Buffer) => {
      if (settled) return;
      size += chunk.length;
      if (size > limit) {
        chunks.length = 0;
        settle('too_large');
      } else chunks.push(chunk);
    });
    req.once('end', () => settle(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size)));
    req.once('error', () => settle('aborted'));
    req.once('close', () => {
      if (!req.complete) settle('aborted');
    });
  });
}

/** The most a refused body is read and dropped (after the limit) before its connection is closed. */
const DRAIN_LIMIT_BYTES = 64 * 1024 * 1024;
const DRAIN_LIMIT_MS = 10_000;

/**
 * 413 for a body past the limit. The rest of the body is read and dropped first, and only then is
 * the answer written (a lingering close, RFC 9112 section 9.6): a client still sending would
 * otherwise have its connection closed under it (EPIPE, when it asked for `Connection: close`) and
 * never read the 413. A body declared far past any limit, or one that keeps coming past the drain
 * limits, is answered at once and its connection closed.
 */
async function refuseBody(req: IncomingMessage, res: ServerResponse, limit: number, declared: number): Promise<void> {
  const answer = describeForHttp(new BodyTooLargeError(limit))!;
  let hopeless = declared > DRAIN_LIMIT_BYTES;
  if (!hopeless && !req.complete) {
    let giveUp: NodeJS.Timeout | undefined;
    hopeless = await new Promise<boolean>((resolve) => {
      let drained = 0;
      giveUp = setTimeout(() => resolve(true), DRAIN_LIMIT_MS);
      req.on('data', (chunk: Buffer) => {
        drained += chunk.length;
        if (drained > DRAIN_LIMIT_BYTES) resolve(true);
      });
      req.once('end', () => resolve(false));
      req.once('close', () => resolve(!req.complete));
      req.resume();
    });
    clearTimeout(giveUp);
  } else {
    req.resume();
  }
  // The client went away while its body was drained: nobody to answer.
  if (!res.socket || res.socket.destroyed) return;
  await writeResponse(
    res,
    rpcErrorResponse(answer.status, answer.message, {
      headers: { ...answer.headers, ...(hopeless && { connection: 'close' }) },
    }),
  );
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
