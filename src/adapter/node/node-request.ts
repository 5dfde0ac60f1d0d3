import type { IncomingMessage } from 'node:http';
import { WHOLE_BODY } from '../../web/read-body.js';

/**
 * A web `Request` for a node:http request whose body has been read whole: method, URL, headers,
 * signal and the body's bytes are at hand without building undici's Request, whose body stream
 * (with its transfer bookkeeping) costs more than the rest of an MCP call's handling in the
 * adapter. Any other member builds the real Request from the same parts on first use, and from
 * then on is the real one's. The technique is `@hono/node-server`'s lazy request.
 */
const STATE = Symbol('node request state');

interface NodeRequestState {
  method: string;
  url: string;
  headers: Headers;
  signal: AbortSignal;
  body: Buffer | undefined;
  real?: Request;
}

type NodeRequest = Request & { [STATE]: NodeRequestState; [WHOLE_BODY]?: Buffer };

function real(request: NodeRequest): Request {
  const state = request[STATE];
  state.real ??= new Request(state.url, {
    method: state.method,
    headers: state.headers,
    signal: state.signal,
    body: state.body as BodyInit | undefined,
  });
  return state.real;
}

const prototype: object = Object.create(Request.prototype);
const own = {
  method: (state: NodeRequestState) => state.method,
  url: (state: NodeRequestState) => state.url,
  headers: (state: NodeRequestState) => state.headers,
  signal: (state: NodeRequestState) => state.signal,
};
for (const [name, read] of Object.entries(own)) {
  Object.defineProperty(prototype, name, {
    get(this: NodeRequest) {
      return read(this[STATE]);
    },
  });
}
for (const name of [
  'body',
  'bodyUsed',
  'cache',
  'credentials',
  'destination',
  'duplex',
  'integrity',
  'keepalive',
  'mode',
  'redirect',
  'referrer',
  'referrerPolicy',
] as const) {
  Object.defineProperty(prototype, name, {
    get(this: NodeRequest) {
      return (real(this) as unknown as Record<string, unknown>)[name];
    },
  });
}
for (const name of ['arrayBuffer', 'blob', 'bytes', 'clone', 'formData', 'json', 'text'] as const) {
  Object.defineProperty(prototype, name, {
    value(this: NodeRequest) {
      const request = real(this) as unknown as Record<string, () => unknown>;
      return request[name]!.call(request);
    },
  });
}
Object.defineProperty(prototype, WHOLE_BODY, {
  get(this: NodeRequest) {
    // Once the real Request exists, its body stream is the one to read (it may have been read).
    const state = this[STATE];
    return state.real ? undefined : (state.body ?? Buffer.alloc(0));
  },
});

/** The Request for `req`, whose body (if any) has been read whole into `body`. */
export function nodeRequest(
  req: IncomingMessage,
  url: string,
  headers: Headers,
  signal: AbortSignal,
  body: Buffer | undefined,
): Request {
  const request = Object.create(prototype) as NodeRequest;
  request[STATE] = { method: req.method ?? 'GET', url, headers, signal, body };
  return request;
}
