import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { FetchHandler } from '../../http/app.js';
import { describeForHttp, rpcErrorResponse } from '../../web/http-errors.js';
import { plainParts } from '../../web/plain-response.js';
import { BodyTooLargeError } from '../../web/read-body.js';
import { nodeRequest } from './node-request.js';

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

/**
 * `Expect: 100-continue` (RFC 9110 section 10.1.1): the client waits for a go-ahead before sending
 * its body, so a body declared past the limit is refused at once with its 413, and the connection
 * closed, before a byte of it is sent. Any other request is told to continue and served as usual.
 * (Node answers 100 by itself only while nothing listens for `checkContinue`.)
 */
export function continueListener(listener: ReturnType<typeof nodeListener>, maxBodyBytes = HARD_BODY_LIMIT) {
  const limit = Math.min(maxBodyBytes, HARD_BODY_LIMIT);
  return (req: IncomingMessage, res: ServerResponse): void => {
    if (Number(req.headers['content-length'] ?? 0) > limit) {
      // A client that stops waiting for the go-ahead sends its body anyway (RFC 9110 section 10.1.1).
      void refuseBody(req, res, limit);
      return;
    }
    res.writeContinue();
    listener(req, res);
  };
}

/** How long a connection refused by the HTTP parser is still read (and dropped) so its answer is read. */
const LINGER_AFTER_PARSE_ERROR_MS = 5_000;

/**
 * Answers what Node's HTTP parser refuses before any request exists (`clientError`). Node's own
 * answer is a bare status line followed by an immediate close, which a client still sending its
 * body sees as a reset. Here the answer has a JSON body a client can show, and the connection is
 * half-closed and drained for a few seconds (a lingering close, RFC 9112 section 9.6) so the
 * client reads it: 431 for headers past the host's limit, 408 for a request not received in time,
 * 400 for anything else the parser cannot read.
 */
export function clientErrorListener(error: NodeJS.ErrnoException, socket: Duplex): void {
  if (error.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const [status, reason, body] =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? [
          431,
          'Request Header Fields Too Large',
          { code: 'header_too_large', message: 'The request headers are too large (over 64 KB)' },
        ]
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'Request Timeout', { code: 'request_timeout', message: 'The request was not received in time' }]
        : [400, 'Bad Request', { code: 'bad_request', message: 'The request is not valid HTTP/1.1' }];
  const payload = JSON.stringify({ error: body });
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(payload)}\r\nconnection: close\r\n\r\n${payload}`,
  );
  socket.on('data', () => {});
  socket.resume();
  setTimeout(() => socket.destroy(), LINGER_AFTER_PARSE_ERROR_MS).unref();
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
  let url: string;
  try {
    url = new URL(req.url ?? '/', `http://${host}`).href;
  } catch {
    await writeResponse(res, rpcErrorResponse(400, 'Bad Request: malformed Host header or URL'));
    return;
  }
  let body: Buffer | undefined;
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    const declared = Number(req.headers['content-length'] ?? 0);
    const read = declared > bodyLimit ? 'too_large' : await readBody(req, bodyLimit);
    if (read === 'aborted') return; // the client went away before sending its whole body: nobody to answer
    if (read === 'too_large') {
      await refuseBody(req, res, bodyLimit);
      return;
    }
    body = read;
  }
  await writeResponse(res, await handler(nodeRequest(req, url, headers, aborter.signal, body)));
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

/** How long a refused connection is still read (and dropped) after its answer, so the client reads it. */
const LINGER_MS = 10_000;

/**
 * 413 for a body past the limit, answered at once. A body that has fully arrived leaves its
 * connection open for the next request. Otherwise the answer says `Connection: close`, the
 * connection is half-closed after it, and the rest of the body is read and dropped for up to 10
 * seconds (a lingering close, RFC 9112 section 9.6): closing outright while the client is still
 * sending resets the connection, and the client never reads the 413 (EPIPE or ECONNRESET).
 */
async function refuseBody(req: IncomingMessage, res: ServerResponse, limit: number): Promise<void> {
  const answer = describeForHttp(new BodyTooLargeError(limit))!;
  const whole = req.complete;
  if (!whole) lingerAfterAnswer(req.socket);
  req.resume();
  await writeResponse(
    res,
    rpcErrorResponse(answer.status, answer.message, {
      headers: { ...answer.headers, ...(!whole && { connection: 'close' }) },
    }),
  );
}

/**
 * Node closes a connection marked for closing as soon as its answer is written (`destroySoon`);
 * for this socket, half-close instead and keep reading until the client closes its side or the
 * linger time is up.
 */
function lingerAfterAnswer(socket: Socket): void {
  socket.destroySoon = () => {
    socket.end();
    socket.resume();
    const timer = setTimeout(() => socket.destroy(), LINGER_MS).unref();
    socket.once('close', () => clearTimeout(timer));
  };
}

/** Writes a web Response: a whole body in one write, an event stream chunk by chunk as it comes. */
async function writeResponse(res: ServerResponse, response: Response): Promise<void> {
  const plain = plainParts(response);
  if (plain) {
    // A string body known up front (see web/plain-response.ts): no web stream to drain.
    if (plain.body === null) res.writeHead(plain.status, plain.headers).end();
    else
      res
        .writeHead(plain.status, { ...plain.headers, 'content-length': Buffer.byteLength(plain.body) })
        .end(plain.body);
    return;
  }
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
