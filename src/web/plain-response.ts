/**
 * A `Response` whose body is a string known up front (a JSON answer, a 202), built without
 * undici's Response and its body stream until something asks for them. Hosts that can write a
 * string directly (the node host) read the parts with `plainParts` and never build the real
 * Response; everything else (the Functions bridge, tests, `headers.set`) sees a normal Response:
 * the first use of any other member builds the real one from the parts, and from then on every
 * member is the real one's. The technique is `@hono/node-server`'s lightweight response.
 */
const PARTS = Symbol('plain response parts');

export interface PlainParts {
  status: number;
  /** The body as sent; null for none. */
  body: string | null;
  /** Lower-case names. */
  headers: Record<string, string>;
}

interface PlainState extends PlainParts {
  real?: Response;
}

type Plain = Response & { [PARTS]: PlainState };

function real(response: Plain): Response {
  const state = response[PARTS];
  state.real ??= new Response(state.body, { status: state.status, headers: state.headers });
  return state.real;
}

const prototype: object = Object.create(Response.prototype);
for (const name of ['body', 'bodyUsed', 'headers', 'redirected', 'statusText', 'type', 'url'] as const) {
  Object.defineProperty(prototype, name, {
    get(this: Plain) {
      return real(this)[name];
    },
  });
}
Object.defineProperty(prototype, 'status', {
  get(this: Plain) {
    return this[PARTS].real?.status ?? this[PARTS].status;
  },
});
Object.defineProperty(prototype, 'ok', {
  get(this: Plain) {
    const status = this[PARTS].real?.status ?? this[PARTS].status;
    return status >= 200 && status <= 299;
  },
});
for (const name of ['arrayBuffer', 'blob', 'bytes', 'clone', 'formData', 'json', 'text'] as const) {
  Object.defineProperty(prototype, name, {
    value(this: Plain) {
      const response = real(this) as unknown as Record<string, () => unknown>;
      return response[name]!.call(response);
    },
  });
}

/** A Response with a string body (or none) and plain headers (lower-case names). */
export function plainResponse(body: string | null, status: number, headers: Record<string, string> = {}): Response {
  const response = Object.create(prototype) as Plain;
  response[PARTS] = { status, body, headers };
  return response;
}

/** `Response.json`, as a plain response. */
export function jsonResponse(value: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return plainResponse(JSON.stringify(value), status, { 'content-type': 'application/json', ...headers });
}

/** The parts of a plain response nobody has turned into a real one yet (else undefined). */
export function plainParts(response: Response): PlainParts | undefined {
  const state = (response as Partial<Plain>)[PARTS];
  return state && !state.real ? state : undefined;
}
