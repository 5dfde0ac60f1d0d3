import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';

export interface SmokeOptions {
  endpoint: URL;
  /** Azure Functions key (sent as x-functions-key). */
  functionKey?: string;
  /** Bearer token for endpoints that verify callers. */
  token?: string;
  /** Tool to call; default: the first tool that needs no arguments. */
  tool?: string;
  toolArguments?: Record<string, unknown>;
}

export interface SmokeReport {
  endpoint: string;
  ok: boolean;
  server?: string;
  protocolVersion?: string;
  tools?: string[];
  called?: { tool: string; isError: boolean; text: string };
  /** Why no tool was called (every tool needs arguments and none were named). */
  skipped?: string;
  error?: string;
  durationMs: number;
}

/**
 * The smoke test `postdeploy` runs against every deployed endpoint, also runnable by hand
 * (`npm run smoke -- <endpoint>`): initialize, list tools, call one, report.
 */
export async function smokeTest(options: SmokeOptions): Promise<SmokeReport> {
  const started = Date.now();
  const headers: Record<string, string> = {};
  if (options.functionKey) headers['x-functions-key'] = options.functionKey;
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  const client = new Client({ name: 'mcp-stdio-adapter-smoke', version: '1.0.0' });
  const report: SmokeReport = { endpoint: options.endpoint.href, ok: false, durationMs: 0 };
  try {
    await client.connect(new StreamableHTTPClientTransport(options.endpoint, { requestInit: { headers } }));
    report.server = client.getServerVersion()?.name;
    const { tools } = await client.listTools();
    report.tools = tools.map((tool) => tool.name);
    const chosen =
      options.tool ??
      tools.find((tool) => ((tool.inputSchema as { required?: string[] }).required ?? []).length === 0)?.name;
    if (chosen) {
      const result = (await client.callTool({ name: chosen, arguments: options.toolArguments ?? {} })) as {
        isError?: boolean;
        content?: Array<{ type: string; text?: string }>;
      };
      report.called = {
        tool: chosen,
        isError: result.isError === true,
        text: (result.content ?? [])
          .map((c) => c.text ?? `[${c.type}]`)
          .join(' ')
          .slice(0, 200),
      };
    }
    if (!chosen)
      report.skipped =
        tools.length === 0
          ? 'the server lists no tools'
          : `every tool needs arguments; name one to call with --tool <name> --args '<json>'`;
    report.ok = report.called ? !report.called.isError : true;
  } catch (error) {
    report.error = describeFailure(error, options.endpoint);
  } finally {
    await client.close().catch(() => {});
    report.durationMs = Date.now() - started;
  }
  return report;
}

/**
 * What went wrong, in words a user can act on: fetch reports a network failure as "fetch failed"
 * with the reason in its `cause`.
 */
function describeFailure(error: unknown, endpoint: URL): string {
  const message = (error as Error).message;
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  switch (cause?.code) {
    case 'ECONNREFUSED':
      return `nothing answers at ${endpoint.origin} (connection refused): is the adapter running there, on that port?`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `${endpoint.hostname} does not resolve (${cause.code}): check the host name`;
    case 'ETIMEDOUT':
    case 'UND_ERR_CONNECT_TIMEOUT':
      return `${endpoint.origin} did not accept a connection in time (${cause.code})`;
    case 'CERT_HAS_EXPIRED':
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
      return `${endpoint.origin}: TLS certificate refused (${cause.code})`;
    default:
      return cause?.message && message === 'fetch failed' ? `fetch failed: ${cause.message}` : message;
  }
}
