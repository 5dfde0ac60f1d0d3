// A small round-robin HTTP reverse proxy on 127.0.0.1 (node:http): each request goes to the
// next upstream in turn, bodies stream both ways (SSE included), a client that goes away
// cancels its upstream request, an upstream that cannot be reached gets 502 from the proxy
// (counted apart from the adapters' own answers).
//
// With `{ failover: true }` (the stateful soak) an upstream that refuses the connection
// (ECONNREFUSED: the instance is gone) is skipped and the request goes to the next one, as a
// front end stops routing to an instance the platform removed. The request body is then read
// in full before it is sent (so it can be sent again); nothing reached the refusing upstream.

import http from 'node:http';

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

function forwardable(headers) {
  const out = {};
  for (const [name, value] of Object.entries(headers))
    if (!HOP_BY_HOP.has(name.toLowerCase()) && value !== undefined) out[name] = value;
  return out;
}

/**
 * @param {{ host: string, port: number }[]} upstreams
 * @param {number} [port] where to listen (default: any free port)
 * @param {{ failover?: boolean }} [options] failover: skip an upstream that refuses connections
 * @returns {Promise<{ url: string, server: http.Server, stats: object, close(): Promise<void> }>}
 */
export async function startRoundRobinProxy(upstreams, port = 0, { failover = false } = {}) {
  // `timeout` lets Node honour the upstream's `Keep-Alive: timeout=N` hint (idle sockets are
  // closed 1 s before the server would close them), as a careful proxy does.
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1024, timeout: 60_000 });
  // When a socket went back to the pool: a reset on a reused socket tells how long it sat idle.
  agent.on('free', (socket) => (socket.soakFreeAt = Date.now()));
  let counter = 0;
  const stats = {
    requests: 0,
    byUpstream: upstreams.map(() => 0),
    /** `<METHOD> <status>` → count, of the upstreams' answers. */
    answers: {},
    /** Upstream 5xx answers: method, status, upstream, first bytes of the body. */
    serverErrors: [],
    proxyErrors: {},
    /** Upstream connection errors: when, on a reused keep-alive socket or not, after how long idle. */
    proxyErrorSamples: [],
    /** Requests whose upstream took longer than `slowMs` to answer (headers): when, which session, how long. */
    slow: [],
    slowMs: 5000,
    clientAborts: 0,
    upstreamAborts: 0,
    ...(failover && {
      /** Per upstream: requests it answered (after failover, not the one first picked). */
      servedByUpstream: upstreams.map(() => 0),
      /** Per upstream: requests it refused (ECONNREFUSED) that went on to the next upstream. */
      failovers: upstreams.map(() => 0),
      /** When each upstream first and last refused a connection. */
      refusedSince: upstreams.map(() => null),
      refusedUntil: upstreams.map(() => null),
    }),
  };
  const server = http.createServer((req, res) => {
    stats.requests++;
    const first = counter++ % upstreams.length;
    stats.byUpstream[first]++;
    let upstreamReq;
    res.on('close', () => {
      if (!res.writableFinished) {
        stats.clientAborts++;
        upstreamReq?.destroy();
      }
    });
    req.on('error', () => upstreamReq?.destroy());
    if (!failover) {
      upstreamReq = forward(req, res, first);
      req.pipe(upstreamReq);
      return;
    }
    // Failover: the body in full first, so a refused request can be sent to the next upstream.
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const send = (index, tried) => {
        upstreamReq = forward(req, res, index, (error) => {
          if (error.code !== 'ECONNREFUSED' || tried + 1 >= upstreams.length || res.headersSent || res.destroyed)
            return false;
          stats.failovers[index]++;
          stats.refusedSince[index] ??= new Date().toISOString();
          stats.refusedUntil[index] = new Date().toISOString();
          send((index + 1) % upstreams.length, tried + 1);
          return true;
        });
        upstreamReq.end(body);
      };
      send(first, 0);
    });
  });

  /**
   * Sends `req` to upstream `index` and pipes its answer to `res`; returns the upstream request
   * (the caller writes the body). `onError(error)` may take a connection error over (true).
   */
  function forward(req, res, index, onError = () => false) {
    const target = upstreams[index];
    const upstreamReq = http.request({
      host: target.host,
      port: target.port,
      method: req.method,
      path: req.url,
      headers: forwardable(req.headers),
      agent,
    });
    let answered = false;
    const sentAt = Date.now();
    upstreamReq.on('response', (up) => {
      answered = true;
      if (stats.servedByUpstream) stats.servedByUpstream[index]++;
      const ms = Date.now() - sentAt;
      if (ms >= stats.slowMs && stats.slow.length < 500) {
        stats.slow.push({
          at: new Date(sentAt).toISOString(),
          ms,
          method: req.method,
          status: up.statusCode,
          upstream: index,
          session: String(req.headers['mcp-session-id'] ?? '').slice(-8) || null,
          lastEventId: req.headers['last-event-id'] ?? null,
        });
      }
      const key = `${req.method} ${up.statusCode}`;
      stats.answers[key] = (stats.answers[key] ?? 0) + 1;
      // With failover (the stateful soak) 503s are the non-holder's refusals, counted by the clients:
      // the samples keep room for the other 5xx.
      if (up.statusCode >= 500 && !(failover && up.statusCode === 503) && stats.serverErrors.length < 200) {
        const record = {
          at: new Date().toISOString(),
          method: req.method,
          status: up.statusCode,
          upstream: index,
          body: '',
        };
        stats.serverErrors.push(record);
        up.on('data', (chunk) => {
          if (record.body.length < 500) record.body += chunk.toString('utf8').slice(0, 500 - record.body.length);
        });
      }
      res.writeHead(up.statusCode, { ...forwardable(up.headers), 'x-soak-upstream': String(index) });
      res.flushHeaders();
      up.pipe(res);
      up.on('close', () => {
        if (!up.complete) {
          stats.upstreamAborts++;
          res.destroy();
        }
      });
    });
    upstreamReq.on('error', (error) => {
      if (!answered && onError(error)) return;
      const code = error.code ?? error.message;
      stats.proxyErrors[code] = (stats.proxyErrors[code] ?? 0) + 1;
      if (stats.proxyErrorSamples.length < 100) {
        const socket = upstreamReq.socket;
        stats.proxyErrorSamples.push({
          at: new Date().toISOString(),
          code,
          method: req.method,
          upstream: index,
          reusedSocket: upstreamReq.reusedSocket,
          idleMsBeforeReuse: upstreamReq.reusedSocket && socket?.soakFreeAt ? sentAt - socket.soakFreeAt : null,
        });
      }
      if (!answered && !res.headersSent) {
        res.writeHead(502, { 'content-type': 'application/json', 'x-soak-proxy': 'upstream-error' });
        res.end(
          JSON.stringify({
            jsonrpc: '2.0',
            id: null,
            error: { code: -32000, message: `soak proxy: upstream ${index} failed: ${code}` },
          }),
        );
      } else res.destroy();
    });
    return upstreamReq;
  }
  server.keepAliveTimeout = 60_000;
  server.requestTimeout = 0;
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    server,
    stats,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        agent.destroy();
      }),
  };
}
