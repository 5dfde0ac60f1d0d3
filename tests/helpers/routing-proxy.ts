import { createServer, request as httpRequest, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ProxiedRequest {
  method: string;
  headers: IncomingMessage['headers'];
  body: string;
}

/**
 * A load balancer on loopback with no session affinity, as Azure's front end: each request goes
 * to the upstream `route` picks (round-robin by default), bodies streamed back unbuffered.
 */
export async function startRoutingProxy(
  upstreams: string[],
  route?: (request: ProxiedRequest, index: number) => number,
  options: { failover?: boolean } = {},
) {
  let count = 0;
  const served: number[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const pick = route ? route({ method: req.method!, headers: req.headers, body }, count) : count % upstreams.length;
      count += 1;
      served.push(pick);
      const target = new URL(req.url!, upstreams[pick]);
      const upstream = httpRequest(
        target,
        { method: req.method, headers: { ...req.headers, host: target.host } },
        (answer) => {
          res.writeHead(answer.statusCode!, answer.headers);
          answer.pipe(res);
        },
      );
      upstream.on('error', (error: NodeJS.ErrnoException) => {
        // With failover, an instance that is gone (refused connection) is skipped, as a front end
        // stops routing to an instance the platform removed.
        if (options.failover && error.code === 'ECONNREFUSED' && !res.headersSent) {
          const next = upstreams.find((_, index) => index !== pick);
          if (next) {
            const retry = httpRequest(
              new URL(req.url!, next),
              { method: req.method, headers: { ...req.headers, host: new URL(next).host } },
              (answer) => {
                res.writeHead(answer.statusCode!, answer.headers);
                answer.pipe(res);
              },
            );
            retry.on('error', () => {
              if (!res.headersSent) res.writeHead(502);
              res.end();
            });
            res.on('close', () => retry.destroy());
            retry.end(body);
            return;
          }
        }
        if (!res.headersSent) res.writeHead(502);
        res.end();
      });
      res.on('close', () => upstream.destroy());
      upstream.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    served,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
