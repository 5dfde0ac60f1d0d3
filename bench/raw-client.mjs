// A lean MCP client over node:http for the benchmark: what a gateway costs apart from the SDK
// client's own CPU (which is more than most gateways'). One keep-alive socket per session, request
// bodies built once with only the JSON-RPC id spliced in, no validation beyond "is this the
// result of my request". It speaks exactly what each era requires, no more, so that a gateway's
// checks (session, protocol version, the 2026-07-28 mirrored headers) pass as they would for the
// SDK client; anything else the answer carries (extra fields, _meta) is ignored.
//
//   2025 era (sessions): initialize → Mcp-Session-Id; notifications/initialized; tools/call with
//     Mcp-Session-Id and MCP-Protocol-Version (the negotiated one); DELETE at the end. Unlike the
//     SDK client it opens no standalone GET stream: requests and their answers only.
//   2026-07-28 era (no sessions): every request carries MCP-Protocol-Version, Mcp-Method,
//     Mcp-Name (tools/call) and params._meta (protocol version, client info, capabilities), as
//     src/modern/request-meta.ts checks and as @modelcontextprotocol/client sends them when
//     pinned to 2026-07-28; "connect" is a server/discover request, as the SDK client's.
//
// Answers are a JSON body or an SSE stream (text/event-stream): the `data:` lines of its events
// are read until the response with the request's id; the rest of the stream is drained so the
// socket can carry the next request.
import http from 'node:http';

export const MODERN_VERSION = '2026-07-28';
export const LEGACY_VERSION = '2025-11-25';
const CLIENT_INFO = { name: 'mcp-bench', version: '1.0.0' };
const ACCEPT = 'application/json, text/event-stream';

/** Body of one JSON-RPC request as two halves around its id, built once. */
function template(method, params) {
  const tail = JSON.stringify({ method, params }).slice(1); // `"method":…}` without the `{`
  return { head: '{"jsonrpc":"2.0","id":', tail: `,${tail}` };
}
const modernMeta = () => ({
  'io.modelcontextprotocol/protocolVersion': MODERN_VERSION,
  'io.modelcontextprotocol/clientInfo': CLIENT_INFO,
  'io.modelcontextprotocol/clientCapabilities': {},
});

class RawError extends Error {}
const newAgent = () => new http.Agent({ keepAlive: true, maxSockets: 1 });

/**
 * One simulated client: a session of the 2025 era, or a sessionless 2026-07-28 client. `echo()`
 * resolves with nothing when the answer is the echo tool's result for this call's message, and
 * rejects otherwise (HTTP status, JSON-RPC error, `isError`, another text, no answer).
 */
export class RawSession {
  /**
   * @param {string} url the MCP endpoint
   * @param {{ modern?: boolean, message?: string, timings?: {what: string, ms: number, status: number}[] }} options
   */
  constructor(url, { modern = false, message = 'hello', timings } = {}) {
    const u = new URL(url);
    this.host = u.hostname;
    this.port = Number(u.port || 80);
    this.path = `${u.pathname}${u.search}`;
    this.modern = modern;
    this.timings = timings;
    // One socket per simulated client, kept open between calls, as an SDK client's fetch would.
    this.agent = newAgent();
    this.sockets = 0;
    // The server's keep-alive timeout (its `Keep-Alive: timeout=N` header) and when the socket went
    // idle: a socket about to be closed by the server is not reused (undici, the SDK's fetch, does
    // the same), else a request sent as it closes fails with "socket hang up".
    this.keepAliveMs = undefined;
    this.idleSince = undefined;
    this.renewed = 0;
    this.nextId = 1;
    this.sessionId = undefined;
    this.protocolVersion = modern ? MODERN_VERSION : undefined;
    this.expected = `Echo: ${message}`;
    const args = { name: 'echo', arguments: { message } };
    this.echoBody = template('tools/call', modern ? { ...args, _meta: modernMeta() } : args);
    this.echoHeaders = undefined; // built after connect (the session id and version are known then)
  }

  /** initialize + notifications/initialized (2025), or server/discover (2026-07-28). Resolves with the ms it took. */
  async connect(timeoutMs = 60_000) {
    const t0 = performance.now();
    if (this.modern) {
      const discover = template('server/discover', { _meta: modernMeta() });
      const r = await this.post('server/discover', this.headersFor('server/discover'), discover, 0, timeoutMs);
      if (!r.result || typeof r.result !== 'object') throw new RawError('server/discover: no result');
    } else {
      const init = template('initialize', {
        protocolVersion: LEGACY_VERSION,
        capabilities: {},
        clientInfo: CLIENT_INFO,
      });
      const r = await this.post('initialize', this.headersFor('initialize'), init, 0, timeoutMs);
      const version = r.result?.protocolVersion;
      if (typeof version !== 'string') throw new RawError('initialize: no protocolVersion in the result');
      if (!this.sessionId) throw new RawError('initialize: no Mcp-Session-Id header');
      this.protocolVersion = version;
      const status = await this.notify(
        'notifications/initialized',
        '{"jsonrpc":"2.0","method":"notifications/initialized"}',
        timeoutMs,
      );
      if (status !== 202 && status !== 200 && status !== 204)
        throw new RawError(`notifications/initialized: HTTP ${status}`);
    }
    this.echoHeaders = this.headersFor('tools/call', 'echo');
    return performance.now() - t0;
  }

  /** One echo tools/call; rejects unless its answer is the expected result. */
  async echo(timeoutMs = 10_000) {
    const id = this.nextId++;
    const r = await this.post('tools/call', this.echoHeaders, this.echoBody, id, timeoutMs);
    const result = r.result;
    if (result?.isError) throw new RawError(`tools/call: isError: ${JSON.stringify(result.content).slice(0, 120)}`);
    const text = result?.content?.[0]?.text;
    if (text !== this.expected)
      throw new RawError(`tools/call: unexpected result ${JSON.stringify(result).slice(0, 160)}`);
  }

  /** DELETE of the session (2025 era), then the socket is closed. */
  async close(timeoutMs = 10_000) {
    try {
      if (!this.modern && this.sessionId) {
        const headers = { 'mcp-session-id': this.sessionId, 'mcp-protocol-version': this.protocolVersion };
        await this.request(
          'DELETE',
          headers,
          undefined,
          (res, done) => {
            res.resume();
            res.on('end', () => done(res.statusCode));
          },
          timeoutMs,
        );
      }
    } finally {
      this.agent.destroy();
    }
  }

  headersFor(method, name) {
    const h = { accept: ACCEPT, 'content-type': 'application/json' };
    if (this.modern) {
      h['mcp-protocol-version'] = MODERN_VERSION;
      h['mcp-method'] = method;
      if (name !== undefined) h['mcp-name'] = name; // plain visible ASCII: no base64 form needed
    } else if (method !== 'initialize') {
      h['mcp-session-id'] = this.sessionId;
      h['mcp-protocol-version'] = this.protocolVersion;
    }
    return h;
  }

  async notify(what, body, timeoutMs) {
    const headers = { ...this.headersFor(what), 'content-length': Buffer.byteLength(body) };
    const t0 = performance.now();
    const status = await this.request(
      'POST',
      headers,
      body,
      (res, done) => {
        res.resume();
        res.on('end', () => done(res.statusCode));
      },
      timeoutMs,
    );
    this.timings?.push({ what, ms: performance.now() - t0, status });
    return status;
  }

  /** POSTs a request with `id` spliced into `body`; resolves with the JSON-RPC response (a result), rejects on anything else. */
  async post(what, baseHeaders, body, id, timeoutMs) {
    const text = `${body.head}${id}${body.tail}`;
    const headers = { ...baseHeaders, 'content-length': Buffer.byteLength(text) };
    const t0 = performance.now();
    let status;
    const message = await this.request(
      'POST',
      headers,
      text,
      (res, done, fail) => {
        status = res.statusCode;
        if (what === 'initialize' && res.headers['mcp-session-id']) this.sessionId = res.headers['mcp-session-id'];
        readAnswer(res, id, done, fail);
      },
      timeoutMs,
    );
    this.timings?.push({ what, ms: performance.now() - t0, status });
    if (message.error)
      throw new RawError(
        `${what}: JSON-RPC error ${message.error.code}: ${String(message.error.message).slice(0, 120)}`,
      );
    if (!('result' in message)) throw new RawError(`${what}: a response without result`);
    return message;
  }

  /** One HTTP exchange; `onResponse(res, done, fail)` settles it. Times out after timeoutMs. */
  request(method, headers, body, onResponse, timeoutMs) {
    if (this.keepAliveMs !== undefined && this.idleSince !== undefined) {
      if (performance.now() - this.idleSince > this.keepAliveMs - 1000) {
        this.agent.destroy();
        this.agent = newAgent();
        this.renewed++;
      }
    }
    this.idleSince = undefined;
    return new Promise((resolve, reject) => {
      let settled = false;
      const done = (v) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(v);
      };
      const fail = (e) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        reject(e);
      };
      const req = http.request(
        { host: this.host, port: this.port, path: this.path, method, headers, agent: this.agent },
        (res) => {
          const hint = /timeout=(\d+)/.exec(String(res.headers['keep-alive'] ?? ''));
          this.keepAliveMs = hint ? Number(hint[1]) * 1000 : undefined;
          res.on('end', () => {
            this.idleSince = performance.now();
          });
          onResponse(res, done, fail);
        },
      );
      const timer = setTimeout(() => {
        fail(new RawError(`${method} timed out after ${timeoutMs} ms`));
        req.destroy();
      }, timeoutMs);
      req.on('socket', (socket) => {
        if (!socket.benchSeen) {
          socket.benchSeen = true;
          this.sockets++;
        }
      });
      req.on('error', fail);
      req.end(body);
    });
  }
}

/**
 * Reads the answer to request `id`: non-200 is an error; a JSON body is parsed whole; an SSE
 * stream is read event by event until the response with the id (settling then), and drained.
 */
function readAnswer(res, id, done, fail) {
  const type = String(res.headers['content-type'] ?? '');
  if (res.statusCode !== 200) {
    let text = '';
    res.setEncoding('utf8');
    res.on('data', (c) => {
      if (text.length < 300) text += c;
    });
    res.on('end', () => fail(new RawError(`HTTP ${res.statusCode}: ${text.replace(/\s+/g, ' ').slice(0, 160)}`)));
    res.on('error', fail);
    return;
  }
  res.setEncoding('utf8');
  res.on('error', fail);
  if (type.startsWith('application/json')) {
    let text = '';
    res.on('data', (c) => {
      text += c;
    });
    res.on('end', () => {
      let message;
      try {
        message = JSON.parse(text);
      } catch {
        return fail(new RawError(`unparsable JSON answer: ${text.slice(0, 120)}`));
      }
      if (Array.isArray(message)) message = message.find((m) => m?.id === id);
      if (message?.id !== id) return fail(new RawError(`JSON answer for another id: ${text.slice(0, 120)}`));
      done(message);
    });
    return;
  }
  if (!type.startsWith('text/event-stream')) {
    res.resume();
    return fail(new RawError(`unexpected content-type "${type}"`));
  }
  // SSE: events are separated by a blank line; their data is the `data:` lines joined by "\n".
  let pending = '';
  let data = [];
  const dispatch = () => {
    if (!data.length) return;
    const payload = data.join('\n');
    data = [];
    let message;
    try {
      message = JSON.parse(payload);
    } catch {
      return; // not a JSON-RPC message: not ours
    }
    if (message?.id === id && ('result' in message || 'error' in message)) done(message);
  };
  res.on('data', (chunk) => {
    pending += chunk;
    let nl = pending.indexOf('\n');
    while (nl !== -1) {
      let line = pending.slice(0, nl);
      pending = pending.slice(nl + 1);
      if (line.endsWith('\r')) line = line.slice(0, -1);
      if (line === '') dispatch();
      else if (line.startsWith('data:')) data.push(line.slice(line[5] === ' ' ? 6 : 5));
      nl = pending.indexOf('\n');
    }
  });
  res.on('end', () => {
    dispatch();
    fail(new RawError('SSE stream ended without the response'));
  });
}
