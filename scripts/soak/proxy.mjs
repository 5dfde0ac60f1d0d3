// A small round-robin HTTP reverse proxy on 127.0.0.1 (node:http): each request goes to the
// next upstream in turn, bodies stream both ways (SSE included), a client that goes away
// cancels its upstream request, an upstream that cannot be reached gets 502 from the proxy
// (counted apart from the adapters' own answers).

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
 * @returns {Promise<{ url: string, server: http.Server, stats: object, close(): Promise<void> }>}
 */
export async function startRoundRobinProxy(upstreams, port = 0) {
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
  };
  const server = http.createServer((req, res) => {
    stats.requests++;
    const index = counter++ % upstreams.length;
    stats.byUpstream[index]++;
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
      if (up.statusCode >= 500 && stats.serverErrors.length < 200) {
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
    res.on('close', () => {
      if (!res.writableFinished) {
        stats.clientAborts++;
        upstreamReq.destroy();
      }
    });
    req.on('error', () => upstreamReq.destroy());
    req.pipe(upstreamReq);
  });
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
