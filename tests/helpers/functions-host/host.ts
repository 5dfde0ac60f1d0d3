/**
 * A stand-in for the Azure Functions host (Azure/azure-functions-host 4.1037) serving one Node.js
 * app, for end-to-end tests: it starts the stand-in worker (./worker.cjs) on the app folder, asks
 * it for the functions the app registers, and serves their HTTP triggers on 127.0.0.1 the way the
 * host does. Every behaviour names the public source it follows; "host:" paths are in
 * Azure/azure-functions-host, "extensions:" in Azure/azure-webjobs-sdk-extensions, "yarp:" in
 * microsoft/reverse-proxy, "library:" in Azure/azure-functions-nodejs-library 4.16.5
 * (node_modules/@azure/functions/src), "worker:" in Azure/azure-functions-nodejs-worker.
 *
 * Not reproduced:
 * gRPC itself, the admin/management API and the portal home page, `functionTimeout`, Easy Auth,
 * per-function keys, key storage, shared memory, cold-start specialization, several workers.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const WORKER_SCRIPT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'worker.cjs');
/** Keeps every TCP listen of a process on 127.0.0.1 (shared with the benchmark's gateways). */
const LOOPBACK_ONLY = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../bench/loopback-only.mjs');
/** host: src/WebJobs.Script.Grpc/Server/DefaultHttpProxyService.cs (`ActivityTimeout = TimeSpan.FromSeconds(240)`). */
export const PROXY_ACTIVITY_TIMEOUT_MS = 240_000;
/** host: src/WebJobs.Script/Workers/WorkerConstants.cs (`WorkerTerminateGracePeriodInSeconds = 5`). */
export const WORKER_TERMINATE_GRACE_MS = 5_000;
const HOST_VERSION = '4.1037.0';

export interface RegisteredFunction {
  name: string;
  functionId: string;
  /** `route` of the HTTP trigger (the function name when it has none), without the route prefix. */
  route: string;
  /** Upper-case HTTP methods; empty: any. */
  methods: string[];
  authLevel: 'anonymous' | 'function' | 'admin';
  triggerType: string;
  /** The bindings as the host reads them (the worker's `rawBindings`). */
  bindings: Array<Record<string, unknown>>;
}

/** One invocation, as the stand-in saw it (tests read these). */
export interface Invocation {
  invocationId: string;
  functionName: string;
  /** What the function received, reported by the stand-in worker (not part of the real protocol). */
  request?: { url: string; method: string; params: Record<string, string>; headers: Record<string, string> };
  /** The trigger metadata the host sent (headers, query, route and body binding data). */
  triggerMetadata: Record<string, TypedData>;
  result?: { status: string; exception?: { message?: string } };
}

export interface FunctionsHost {
  /** Base URL of the site (http://127.0.0.1:<port>/), without the route prefix. */
  url: URL;
  routePrefix: string;
  /** The host-level `default` function key (authLevel function). */
  functionKey: string;
  /** The master key (authLevel admin). */
  masterKey: string;
  functions: RegisteredFunction[];
  /** Worker stdout/stderr lines and its rpcLog messages, as the host logs them. */
  logs: string[];
  invocations: Invocation[];
  workerPid: number;
  /** The worker's HTTP proxy (`HttpUri` capability), when the app streams. */
  httpUri: string | undefined;
  /** How the worker ended: `exit` (after workerTerminate) or `killed` (after the grace period). */
  readonly workerEnded: Promise<'exit' | 'killed'>;
  close(): Promise<void>;
}

export interface StartFunctionsHostOptions {
  /** The app folder (host.json, package.json with `main`, node_modules, ...). */
  appDir: string;
  /** App settings: environment of the worker, on top of this process's. */
  env?: Record<string, string>;
  /** Idle timeout of a forwarded request; default 240 s as the host's (tests shorten it). */
  activityTimeoutMs?: number;
  /** How long startup may take (worker start, entry point load). */
  startupTimeoutMs?: number;
}

type TypedData = { string?: string; json?: string; http?: Record<string, unknown>; bytes?: number[] };

interface StreamingMessage {
  requestId?: string;
  [field: string]: unknown;
}

/**
 * Starts the host: HTTP listener on 127.0.0.1 (an ephemeral port), the worker with the app folder
 * as working directory, the worker init / metadata / load handshake, then serves requests.
 */
export async function startFunctionsHost(options: StartFunctionsHostOptions): Promise<FunctionsHost> {
  const appDir = path.resolve(options.appDir);
  const routePrefix = readRoutePrefix(appDir);
  const activityTimeoutMs = options.activityTimeoutMs ?? PROXY_ACTIVITY_TIMEOUT_MS;
  const logs: string[] = [];
  const invocations: Invocation[] = [];
  // host: src/WebJobs.Script.WebHost/Security/KeyManagement/SecretManager.cs generates the master key
  // and the host key "default" on first start; a key is 40 random bytes, URL-safe base64 here.
  const masterKey = newKey();
  const functionKey = newKey();

  const server = http.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const siteUrl = new URL(`http://127.0.0.1:${port}/`);

  // host: RpcWorkerProcess.cs / RpcWorkerContext.cs: the worker runs with the script root as its
  // working directory and these arguments; the environment is the host's plus the app settings.
  // Core Tools sets WEBSITE_HOSTNAME to the local host:port (Azure sets the site's name).
  const workerId = randomUUID();
  const startRequestId = randomUUID();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    FUNCTIONS_WORKER_RUNTIME: 'node',
    AzureWebJobsScriptRoot: appDir,
    WEBSITE_HOSTNAME: siteUrl.host,
    ...options.env,
  };
  // The test runner's own loader (tsx) and test context must not leak into the "real" worker.
  delete env.NODE_OPTIONS;
  delete env.NODE_TEST_CONTEXT;
  const child: ChildProcess = fork(
    WORKER_SCRIPT,
    [
      '--functions-uri',
      `http://127.0.0.1:${port}/`,
      '--functions-worker-id',
      workerId,
      '--functions-request-id',
      startRequestId,
      '--functions-grpc-max-message-length',
      '2147483647',
    ],
    {
      cwd: appDir,
      env,
      execPath: process.execPath,
      // @azure/functions' HTTP streaming proxy calls `server.listen(port)` with no host (every
      // interface; dist/azure-functions.js, `setupHttpProxy`): tests listen on loopback only.
      execArgv: ['--import', pathToFileURL(LOOPBACK_ONLY).href],
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    },
  );
  const workerExited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  for (const stream of [child.stdout!, child.stderr!]) {
    let pending = '';
    stream.setEncoding('utf8');
    stream.on('data', (text: string) => {
      pending += text;
      const lines = pending.split('\n');
      pending = lines.pop()!;
      for (const line of lines) if (line) logs.push(line);
    });
  }

  // The event stream: responses by requestId, the invocation responses by invocationId.
  const waiting = new Map<string, (message: StreamingMessage) => void>();
  const invocationWaiting = new Map<string, (message: StreamingMessage) => void>();
  let started: (() => void) | undefined;
  const startStream = new Promise<void>((resolve) => (started = resolve));
  child.on('message', (message: StreamingMessage) => {
    if (message.rpcLog) {
      const log = message.rpcLog as {
        level: string;
        logCategory?: string;
        category?: string;
        message: string;
        invocationId?: string;
      };
      logs.push(`[${log.level}] ${log.logCategory ?? 'user'}${log.category ? ` ${log.category}` : ''}: ${log.message}`);
      return;
    }
    if (message.startStream) return started?.();
    if (message.standIn) {
      const { invocationId, request } = message.standIn as { invocationId: string; request: Invocation['request'] };
      const invocation = invocations.find((entry) => entry.invocationId === invocationId);
      if (invocation) invocation.request = request;
      return;
    }
    if (message.invocationResponse) {
      const { invocationId } = message.invocationResponse as { invocationId: string };
      invocationWaiting.get(invocationId)?.(message);
      invocationWaiting.delete(invocationId);
      return;
    }
    if (message.requestId) {
      waiting.get(message.requestId)?.(message);
      waiting.delete(message.requestId);
    }
  });
  const send = (message: StreamingMessage) => {
    if (child.connected) child.send(message);
  };
  const request = (
    field: string,
    payload: Record<string, unknown>,
    responseField: string,
  ): Promise<Record<string, unknown>> => {
    const requestId = randomUUID();
    const answered = new Promise<StreamingMessage>((resolve) => waiting.set(requestId, resolve));
    send({ requestId, [field]: payload });
    return Promise.race([
      answered,
      workerExited.then((code) => {
        throw new Error(`the worker exited (code ${code}) during ${field}:\n${logs.join('\n')}`);
      }),
    ]).then((message) => {
      const response = message[responseField] as Record<string, unknown> & {
        result?: { status: string; exception?: { message: string } };
      };
      if (response.result?.status !== 'success')
        throw new Error(`${responseField} failed: ${response.result?.exception?.message}\n${logs.join('\n')}`);
      return response;
    });
  };

  const stopWorker = async (): Promise<'exit' | 'killed'> => {
    // host: GrpcWorkerChannel.cs `StopWorkerProcess` sends WorkerTerminate (the worker declared
    // HandlesWorkerTerminateMessage) and waits the grace period; WorkerProcess.cs `Dispose` then
    // kills the worker process itself (Process.Kill: not its children).
    if (child.exitCode !== null || child.signalCode !== null) return 'exit';
    send({ workerTerminate: { gracePeriod: { seconds: WORKER_TERMINATE_GRACE_MS / 1000 } } });
    const exited = await Promise.race([
      workerExited.then(() => true),
      delay(WORKER_TERMINATE_GRACE_MS).then(() => false),
    ]);
    if (exited) return 'exit';
    logs.push(`[host] worker ${child.pid} did not exit within the grace period; killing it`);
    child.kill('SIGKILL');
    await workerExited;
    return 'killed';
  };

  let functions: RegisteredFunction[];
  let httpUri: string | undefined;
  try {
    const startupTimeoutMs = options.startupTimeoutMs ?? 60_000;
    await withTimeout(startStream, startupTimeoutMs, () => `the worker did not connect:\n${logs.join('\n')}`);
    // host: GrpcWorkerChannel.cs: WorkerInitRequest (the worker loads the app: worker src/startApp.ts),
    // its capabilities (HttpUri: the library's proxy), then FunctionsMetadataRequest (worker indexing).
    const init = await withTimeout(
      request(
        'workerInitRequest',
        {
          hostVersion: HOST_VERSION,
          functionAppDirectory: appDir,
          workerDirectory: path.dirname(WORKER_SCRIPT),
          capabilities: {},
        },
        'workerInitResponse',
      ),
      startupTimeoutMs,
      () => `worker init timed out:\n${logs.join('\n')}`,
    );
    const capabilities = (init.capabilities ?? {}) as Record<string, string>;
    httpUri = capabilities.HttpUri || undefined;
    if (httpUri) new URL(httpUri); // host: GrpcWorkerChannel.cs `_httpProxyEndpoint = new Uri(httpUri)`
    const metadata = await request(
      'functionsMetadataRequest',
      { functionAppDirectory: appDir },
      'functionMetadataResponse',
    );
    // worker: src/eventHandlers/FunctionsMetadataHandler.ts answers useDefaultMetadataIndexing when
    // nothing registered (an entry point that failed before registering, or a function.json app):
    // the host would then index function.json files, which this stand-in does not do.
    if (metadata.useDefaultMetadataIndexing)
      throw new Error(`the app registered no functions (host indexing is not reproduced):\n${logs.join('\n')}`);
    const results = (metadata.functionMetadataResults ?? []) as Array<{
      name: string;
      functionId: string;
      rawBindings: string[];
    }>;
    functions = results.map(toRegisteredFunction);
    for (const fn of results)
      await request('functionLoadRequest', { functionId: fn.functionId, metadata: fn }, 'functionLoadResponse');
  } catch (error) {
    await stopWorker();
    await new Promise((resolve) => server.close(resolve));
    throw error;
  }

  const routes = buildRoutes(functions, routePrefix);
  // host: DefaultHttpProxyService.cs: a SocketsHttpHandler (pooled connections, no redirects, no cookies).
  const agent = new http.Agent({ keepAlive: true });

  server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
    void serve(req, res).catch((error: Error) => {
      logs.push(`[host] request failed: ${error.stack ?? error.message}`);
      if (!res.headersSent) {
        res.statusCode = 500;
        res.end();
      } else res.destroy();
    });
  });

  async function serve(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const requestUrl = new URL(req.url ?? '/', siteUrl);
    const method = (req.method ?? 'GET').toUpperCase();
    const matched = matchRoute(routes, requestUrl.pathname, method);
    if (!matched) {
      // host: FunctionInvocationMiddleware.cs: no function descriptor → NotFoundResult (empty body).
      res.statusCode = 404;
      res.setHeader('content-length', '0');
      res.end();
      return;
    }
    const { fn, routeValues } = matched;
    if (!authorized(req, requestUrl, fn.authLevel, { masterKey, functionKey })) {
      // host: FunctionInvocationMiddleware.cs: `return new UnauthorizedResult()` (401, empty body).
      res.statusCode = 401;
      res.setHeader('content-length', '0');
      res.end();
      return;
    }

    // extensions: src/WebJobs.Extensions.Http/HttpTriggerAttributeBindingProvider.cs `BindAsync`
    // reads the body (buffered, so it can be forwarded afterwards) whenever there is one.
    const body = await readBody(req);
    const triggerMetadata = bindingData(req, requestUrl, routeValues, body);
    const invocationId = randomUUID();
    const invocation: Invocation = { invocationId, functionName: fn.name, triggerMetadata };
    invocations.push(invocation);
    const triggerBinding = fn.bindings.find(
      (binding) => binding.direction === 'in' && String(binding.type).toLowerCase().endsWith('trigger'),
    )!;
    const answered = new Promise<StreamingMessage>((resolve) => invocationWaiting.set(invocationId, resolve));
    // host: Extensions/ScriptInvocationContextExtensions.cs `ToRpcInvocationRequest`: the trigger
    // metadata skips the HttpRequest itself (RpcHttpTriggerMetadataRemoved); with proxying the
    // HTTP input is an empty RpcHttp (GrpcMessageConversionExtensions.cs `ToRpcHttp`).
    const invocationRequest = {
      functionId: fn.functionId,
      invocationId,
      traceContext: {
        traceParent:
          req.headers.traceparent ?? `00-${randomBytes(16).toString('hex')}-${randomBytes(8).toString('hex')}-00`,
        traceState: req.headers.tracestate ?? '',
        attributes: {},
      },
      inputData: [
        {
          name: String(triggerBinding.name),
          data: httpUri ? { http: {} } : { http: rpcHttp(req, requestUrl, routeValues, body) },
        },
      ],
      triggerMetadata,
    };

    let forwarding: Promise<'ended' | 'failed'> | undefined;
    if (httpUri) {
      // host: GrpcWorkerChannel.cs `SendInvocationRequest`: "ensure this request is forwarded prior
      // to sending the invocation request to the worker" (DefaultHttpProxyService.StartForwarding).
      forwarding = forward(req, res, requestUrl, body, invocationId);
    }
    send({ invocationRequest });
    const response = await answered;
    const result = (response.invocationResponse as { result?: Invocation['result'] }).result;
    invocation.result = result;
    if (result?.status !== 'success') {
      // The invocation failed: the function never answered its proxied request. The host
      // returns 500 from the failed invocation (the forwarding is abandoned).
      logs.push(`[host] invocation ${invocationId} of ${fn.name} failed: ${result?.exception?.message}`);
      abortForwarding.get(invocationId)?.();
      if (!res.headersSent) {
        res.statusCode = 500;
        res.setHeader('content-length', '0');
        res.end();
      } else res.destroy();
      return;
    }
    if (forwarding) {
      // host: DefaultHttpProxyService.cs `EnsureSuccessfulForwardingAsync`: the request completes
      // when both the invocation and the forwarding did (the client sees the end of the response
      // only then: the pipeline, not the forwarder, completes it).
      if ((await forwarding) === 'ended') res.end();
      return;
    }
    writeRpcResponse(res, (response.invocationResponse as { returnValue?: TypedData }).returnValue);
  }

  const abortForwarding = new Map<string, () => void>();

  /**
   * yarp: Forwarder/HttpForwarder.cs with HttpTransformer.Default (Forwarder/HttpTransformer.cs):
   * the request goes to the worker's HttpUri with the path and query; hop-by-hop headers are
   * dropped, Host becomes the destination's, X-Forwarded-For/Proto/Host are set from the incoming
   * request; the host adds `x-ms-invocation-id` to the incoming headers first (TryAdd:
   * DefaultHttpProxyService.cs `StartForwarding`). The response is copied back as it arrives,
   * chunk by chunk, with ActivityTimeout as the idle limit. Connection failures are retried
   * (host: Server/RetryProxyHandler.cs: 10 attempts, 50 ms doubling to 250 ms).
   */
  function forward(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    requestUrl: URL,
    body: Buffer | undefined,
    invocationId: string,
  ): Promise<'ended' | 'failed'> {
    const destination = new URL(`${requestUrl.pathname}${requestUrl.search}`, httpUri);
    const headers: http.OutgoingHttpHeaders = {};
    for (let i = 0; i < req.rawHeaders.length; i += 2) {
      const name = req.rawHeaders[i]!;
      const lower = name.toLowerCase();
      if (HOP_BY_HOP_REQUEST.has(lower) || lower === 'host' || lower.startsWith('x-forwarded-')) continue;
      const previous = headers[lower];
      headers[lower] = previous === undefined ? req.rawHeaders[i + 1]! : `${previous}, ${req.rawHeaders[i + 1]!}`;
    }
    if (headers['x-ms-invocation-id'] === undefined) headers['x-ms-invocation-id'] = invocationId;
    headers['x-forwarded-for'] = (req.socket.remoteAddress ?? '').replace(/^::ffff:/, '');
    headers['x-forwarded-proto'] = 'http';
    if (req.headers.host) headers['x-forwarded-host'] = req.headers.host;
    if (body) headers['content-length'] = String(body.length);

    return new Promise<'ended' | 'failed'>((resolve) => {
      let finished = false;
      let idle: NodeJS.Timeout | undefined;
      let outgoing: http.ClientRequest | undefined;
      const finish = (outcome: 'ended' | 'failed' = 'failed') => {
        finished = true;
        clearTimeout(idle);
        abortForwarding.delete(invocationId);
        resolve(outcome);
      };
      const fail = (why: string) => {
        if (finished) return;
        logs.push(`[host] forwarding ${invocationId} failed: ${why}`);
        outgoing?.destroy();
        // yarp: HttpForwarder.cs: a request that fails before the response started gets 502
        // (504 when it timed out); after, the client connection is aborted.
        if (!res.headersSent) {
          res.statusCode = why === 'activity timeout' ? 504 : 502;
          res.setHeader('content-length', '0');
          res.end();
        } else res.destroy();
        finish();
      };
      const touch = () => {
        clearTimeout(idle);
        idle = setTimeout(() => fail('activity timeout'), activityTimeoutMs);
      };
      abortForwarding.set(invocationId, () => {
        if (finished) return;
        outgoing?.destroy();
        finish();
      });
      // The client going away cancels the forwarding (HttpContext.RequestAborted).
      res.on('close', () => {
        if (!res.writableFinished && !finished) {
          outgoing?.destroy();
          finish();
        }
      });

      const attempt = (number: number, delayMs: number) => {
        touch();
        outgoing = http.request(destination, { method: req.method, headers, agent });
        let responded = false;
        outgoing.on('response', (proxyRes) => {
          responded = true;
          touch();
          res.statusCode = proxyRes.statusCode ?? 502;
          for (let i = 0; i < proxyRes.rawHeaders.length; i += 2) {
            const name = proxyRes.rawHeaders[i]!;
            if (HOP_BY_HOP_RESPONSE.has(name.toLowerCase())) continue;
            const existing = res.getHeader(name);
            const value = proxyRes.rawHeaders[i + 1]!;
            res.setHeader(
              name,
              existing === undefined ? value : ([] as string[]).concat(existing as string | string[], value),
            );
          }
          res.flushHeaders();
          proxyRes.on('data', (chunk: Buffer) => {
            touch();
            res.write(chunk);
          });
          proxyRes.on('end', () => finish('ended'));
          proxyRes.on('error', (error) => fail(error.message));
          proxyRes.on('aborted', () => fail('worker response aborted'));
        });
        outgoing.on('error', (error: NodeJS.ErrnoException) => {
          if (finished) return;
          if (!responded && number < 10 && ['ECONNREFUSED', 'ECONNRESET', 'EPIPE'].includes(error.code ?? '')) {
            logs.push(
              `[host] Failed to proxy request to the worker. Retrying in ${delayMs}ms. Attempt ${number} of 10.`,
            );
            clearTimeout(idle);
            setTimeout(() => attempt(number + 1, Math.min(delayMs * 2, 250)), delayMs);
            return;
          }
          fail(error.message);
        });
        outgoing.end(body);
      };
      attempt(1, 50);
    });
  }

  let closing: Promise<void> | undefined;
  let endedResolve!: (how: 'exit' | 'killed') => void;
  const workerEnded = new Promise<'exit' | 'killed'>((resolve) => (endedResolve = resolve));
  return {
    url: siteUrl,
    routePrefix,
    functionKey,
    masterKey,
    functions,
    logs,
    invocations,
    workerPid: child.pid!,
    httpUri,
    workerEnded,
    close() {
      closing ??= (async () => {
        // The web host stops listening first, then disposes the worker channel.
        const serverClosed = new Promise((resolve) => server.close(resolve));
        server.closeAllConnections();
        for (const abort of abortForwarding.values()) abort();
        endedResolve(await stopWorker());
        agent.destroy();
        await serverClosed;
      })();
      return closing;
    },
  };
}

// -----------------------------------------------------------------------------------------------
// Routing

/** host: src/WebJobs.Script.WebHost/Management/WebFunctionsManager.cs `GetRoutePrefix`: host.json `extensions.http.routePrefix`, default "api". */
export function readRoutePrefix(appDir: string): string {
  const file = path.join(appDir, 'host.json');
  if (!existsSync(file)) return 'api';
  try {
    const prefix = JSON.parse(readFileSync(file, 'utf8'))?.extensions?.http?.routePrefix;
    return typeof prefix === 'string' ? prefix : 'api';
  } catch {
    return 'api'; // best effort, as the host
  }
}

function toRegisteredFunction(metadata: {
  name: string;
  functionId: string;
  rawBindings: string[];
}): RegisteredFunction {
  const bindings = metadata.rawBindings.map((raw) => JSON.parse(raw) as Record<string, unknown>);
  const trigger = bindings.find(
    (binding) => binding.direction === 'in' && String(binding.type).toLowerCase().endsWith('trigger'),
  );
  if (!trigger) throw new Error(`function ${metadata.name} has no trigger binding`);
  const isHttp = String(trigger.type).toLowerCase() === 'httptrigger';
  return {
    name: metadata.name,
    functionId: metadata.functionId,
    // extensions: HttpTriggerAttribute: no route → the function name; methods: none → any; authLevel default function.
    route: isHttp ? String(trigger.route ?? metadata.name) : '',
    methods: isHttp && Array.isArray(trigger.methods) ? (trigger.methods as string[]).map((m) => m.toUpperCase()) : [],
    authLevel: (isHttp && typeof trigger.authLevel === 'string'
      ? trigger.authLevel.toLowerCase()
      : 'function') as RegisteredFunction['authLevel'],
    triggerType: String(trigger.type),
    bindings,
  };
}

interface Segment {
  literal?: string;
  parameter?: string;
  optional?: boolean;
  catchAll?: boolean;
}
interface Route {
  fn: RegisteredFunction;
  segments: Segment[];
}

/** ASP.NET Core route templates (what extensions: Routing/WebJobsRouteBuilder.cs builds), the subset functions use. */
function buildRoutes(functions: RegisteredFunction[], routePrefix: string): Route[] {
  const routes = functions
    .filter((fn) => fn.triggerType.toLowerCase() === 'httptrigger')
    .map((fn) => {
      const template = [routePrefix, fn.route]
        .map((part) => part.replace(/^\/+|\/+$/g, ''))
        .filter(Boolean)
        .join('/');
      const segments = template
        .split('/')
        .filter(Boolean)
        .map((segment): Segment => {
          const match = /^\{(\*)?([A-Za-z0-9_]+)(?::[^}?]*)?(\?)?\}$/.exec(segment);
          return match
            ? { parameter: match[2], catchAll: Boolean(match[1]), optional: Boolean(match[3]) }
            : { literal: segment.toLowerCase() };
        });
      return { fn, segments };
    });
  // Routing precedence: literal segments before parameters, catch-alls last.
  const score = (route: Route) =>
    route.segments.map((s) => (s.literal !== undefined ? '0' : s.catchAll ? '2' : '1')).join('');
  return routes.sort((a, b) => score(a).localeCompare(score(b)) || b.segments.length - a.segments.length);
}

function matchRoute(
  routes: Route[],
  pathname: string,
  method: string,
): { fn: RegisteredFunction; routeValues: Record<string, string> } | undefined {
  const parts = pathname
    .split('/')
    .filter(Boolean)
    .map((part) => {
      try {
        return decodeURIComponent(part);
      } catch {
        return part;
      }
    });
  for (const route of routes) {
    const values = matchSegments(route.segments, parts);
    // A route whose method constraint fails does not match (HttpMethodRouteConstraint): 404.
    if (values && (route.fn.methods.length === 0 || route.fn.methods.includes(method)))
      return { fn: route.fn, routeValues: values };
  }
  return undefined;
}

function matchSegments(segments: Segment[], parts: string[]): Record<string, string> | undefined {
  const values: Record<string, string> = {};
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i]!;
    if (segment.catchAll) {
      if (parts.length > i) values[segment.parameter!] = parts.slice(i).join('/');
      return values;
    }
    const part = parts[i];
    if (part === undefined) return segment.optional ? values : undefined;
    if (segment.literal !== undefined) {
      if (part.toLowerCase() !== segment.literal) return undefined;
    } else values[segment.parameter!] = part;
  }
  return parts.length === segments.length ? values : undefined;
}

// -----------------------------------------------------------------------------------------------
// Keys

function newKey(): string {
  return randomBytes(40).toString('base64url');
}

/**
 * host: Security/Authentication/Keys/AuthenticationLevelHandler.cs (the key comes from the
 * `x-functions-key` header, else the `code` query parameter; the master key is admin, a host
 * function key is function), Security/Authorization/AuthUtility.cs `PrincipalHasAuthLevelClaim`
 * (anonymous always passes; admin passes everything; otherwise the level must match), and
 * FunctionInvocationMiddleware.cs `RequiresAuthz`.
 */
function authorized(
  req: http.IncomingMessage,
  requestUrl: URL,
  required: RegisteredFunction['authLevel'],
  keys: { masterKey: string; functionKey: string },
): boolean {
  if (required === 'anonymous') return true;
  const header = req.headers['x-functions-key'];
  const presented =
    header !== undefined ? (Array.isArray(header) ? header[0] : header) : requestUrl.searchParams.get('code');
  if (!presented) return false;
  const level = sameSecret(presented, keys.masterKey)
    ? 'admin'
    : sameSecret(presented, keys.functionKey)
      ? 'function'
      : 'anonymous';
  return level === 'admin' || level === required;
}

function sameSecret(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

// -----------------------------------------------------------------------------------------------
// Binding data

async function readBody(req: http.IncomingMessage): Promise<Buffer | undefined> {
  const hasBody = Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
  if (!hasBody) return undefined;
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/**
 * extensions: HttpTriggerAttributeBindingProvider.cs `GetRequestBindingData`: top-level scalar
 * properties of a JSON body (Utility.cs `ApplyBindingData`, as strings), query parameters but
 * `code`, route values, then `Query` and `Headers` (dictionaries; header values joined with ",").
 * host: ScriptInvocationContextExtensions.cs turns each into TypedData (strings as `string`,
 * dictionaries as `json`) and skips the request object itself.
 */
function bindingData(
  req: http.IncomingMessage,
  requestUrl: URL,
  routeValues: Record<string, string>,
  body: Buffer | undefined,
): Record<string, TypedData> {
  const data = new Map<string, [string, TypedData]>(); // case-insensitive keys, as the host's dictionary
  const set = (key: string, value: TypedData) =>
    data.set(key.toLowerCase(), [data.get(key.toLowerCase())?.[0] ?? key, value]);
  if (body && Number(req.headers['content-length'] ?? 0) > 0) {
    const text = body.toString('utf8').trim();
    if (text.startsWith('{') && text.endsWith('}')) {
      try {
        for (const [key, value] of Object.entries(JSON.parse(text) as Record<string, unknown>)) {
          if (value === null || typeof value === 'object') continue;
          set(key, { string: typeof value === 'boolean' ? (value ? 'True' : 'False') : String(value) });
        }
      } catch {
        // not JSON: no binding data from the body
      }
    }
  }
  const query: Record<string, string> = {};
  for (const [key, value] of requestUrl.searchParams) {
    query[key] = query[key] === undefined ? value : `${query[key]},${value}`;
  }
  for (const [key, value] of Object.entries(query)) if (key.toLowerCase() !== 'code') set(key, { string: value });
  for (const [key, value] of Object.entries(routeValues)) set(key, { string: value });
  if (!data.has('query')) set('Query', { json: JSON.stringify(query) });
  if (!data.has('headers')) set('Headers', { json: JSON.stringify(rawHeaderDictionary(req)) });
  return Object.fromEntries([...data.values()]);
}

function rawHeaderDictionary(req: http.IncomingMessage): Record<string, string> {
  const headers = new Map<string, [string, string]>();
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i]!;
    const previous = headers.get(name.toLowerCase());
    headers.set(name.toLowerCase(), [
      previous?.[0] ?? name,
      previous ? `${previous[1]},${req.rawHeaders[i + 1]}` : req.rawHeaders[i + 1]!,
    ]);
  }
  return Object.fromEntries([...headers.values()]);
}

/**
 * Without streaming (no HttpUri): the whole request in the invocation (host:
 * GrpcMessageConversionExtensions.cs `ToRpcHttp`, with the worker's UseNullableValueDictionaryForHttp
 * and RawHttpBodyBytes capabilities) and the response from the return value.
 */
function rpcHttp(
  req: http.IncomingMessage,
  requestUrl: URL,
  routeValues: Record<string, string>,
  body: Buffer | undefined,
): Record<string, unknown> {
  const nullable = (entries: Iterable<[string, string]>) =>
    Object.fromEntries([...entries].map(([key, value]) => [key, { value }]));
  const headers = Object.entries(rawHeaderDictionary(req)).map(([key, value]): [string, string] => [
    key.toLowerCase(),
    value,
  ]);
  return {
    url: `http://${req.headers.host}${requestUrl.pathname}${requestUrl.search}`,
    method: req.method,
    nullableHeaders: nullable(headers),
    nullableQuery: nullable(requestUrl.searchParams),
    nullableParams: nullable(Object.entries(routeValues)),
    body: body ? { bytes: [...body] } : undefined,
  };
}

function writeRpcResponse(res: http.ServerResponse, returnValue: TypedData | undefined): void {
  const rpc = returnValue?.http as
    | {
        statusCode?: string;
        headers?: Record<string, string>;
        body?: { bytes?: number[] | Record<string, number>; string?: string };
      }
    | undefined;
  res.statusCode = rpc?.statusCode ? Number(rpc.statusCode) : 200;
  for (const [name, value] of Object.entries(rpc?.headers ?? {})) res.setHeader(name, value);
  const bytes = rpc?.body?.bytes;
  res.end(bytes ? Buffer.from(Array.isArray(bytes) ? bytes : Object.values(bytes)) : (rpc?.body?.string ?? ''));
}

// yarp: Forwarder/RequestUtilities.cs `_headersToExclude` (requests and responses). Content-Length
// is set anew from the buffered body.
const HOP_BY_HOP = [
  'connection',
  'transfer-encoding',
  'keep-alive',
  'upgrade',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authentication-info',
  'proxy-authorization',
  'proxy-features',
  'proxy-instruction',
  'security-scheme',
  'alpn',
  'close',
  'te',
  'alt-svc',
];
const HOP_BY_HOP_REQUEST = new Set([...HOP_BY_HOP, 'content-length']);
const HOP_BY_HOP_RESPONSE = new Set(HOP_BY_HOP);

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function withTimeout<T>(promise: Promise<T>, ms: number, message: () => string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(message())), ms))),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
