import { Client as ClientV2, StreamableHTTPClientTransport as TransportV2 } from '@modelcontextprotocol/client';
import { Client as ClientV1 } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as TransportV1 } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { CreateMessageRequestSchema, ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';

/**
 * The same small surface over the v2 SDK client and v1's (`@modelcontextprotocol/sdk`, which
 * many deployed clients still run), so one test body exercises both.
 */
export interface TestClient {
  readonly sdk: 'v1' | 'v2';
  readonly sessionId: string | undefined;
  callTool(
    name: string,
    args?: Record<string, unknown>,
    onProgress?: (progress: { progress: number; total?: number }) => void,
  ): Promise<{ content: Array<{ type: string; text?: string }>; isError?: boolean }>;
  listTools(): Promise<string[]>;
  terminate(): Promise<void>;
  close(): Promise<void>;
}

export interface ClientOptions {
  /** Answers sampling/createMessage with this text. */
  samplingText?: string;
  /** Answers elicitation/create with this content. */
  elicitContent?: Record<string, unknown>;
}

export async function connectClient(sdk: 'v1' | 'v2', url: URL, options: ClientOptions = {}): Promise<TestClient> {
  const info = { name: `test-client-${sdk}`, version: '1.0.0' };
  const capabilities = { sampling: {}, elicitation: {} };
  const sampling = async () => ({
    role: 'assistant' as const,
    model: 'test-model',
    content: { type: 'text' as const, text: options.samplingText ?? 'sampled text' },
  });
  const elicit = async () => ({
    action: 'accept' as const,
    content: (options.elicitContent ?? { name: 'Ada' }) as Record<string, string>,
  });
  if (sdk === 'v2') {
    const client = new ClientV2(info, { capabilities });
    client.setRequestHandler('sampling/createMessage', sampling);
    client.setRequestHandler('elicitation/create', elicit);
    const transport = new TransportV2(url);
    await client.connect(transport);
    return wrap('v2', client as unknown as GenericClient, transport);
  }
  const client = new ClientV1(info, { capabilities });
  client.setRequestHandler(CreateMessageRequestSchema, sampling);
  client.setRequestHandler(ElicitRequestSchema, elicit);
  const transport = new TransportV1(url);
  await client.connect(transport);
  return wrap('v1', client as unknown as GenericClient, transport);
}

interface GenericClient {
  callTool(params: unknown, resultSchema?: unknown, options?: unknown): Promise<unknown>;
  listTools(): Promise<{ tools: Array<{ name: string }> }>;
  close(): Promise<void>;
}

function wrap(
  sdk: 'v1' | 'v2',
  client: GenericClient,
  transport: { sessionId?: string; terminateSession(): Promise<void> },
): TestClient {
  return {
    sdk,
    get sessionId() {
      return transport.sessionId;
    },
    async callTool(name, args = {}, onProgress) {
      const options = onProgress ? { onprogress: onProgress } : undefined;
      const result =
        sdk === 'v2'
          ? await client.callTool({ name, arguments: args }, options)
          : await client.callTool({ name, arguments: args }, undefined, options);
      return result as Awaited<ReturnType<TestClient['callTool']>>;
    },
    async listTools() {
      return (await client.listTools()).tools.map((tool) => tool.name);
    },
    terminate: () => transport.terminateSession(),
    close: () => client.close(),
  };
}

export function textOf(result: { content: Array<{ type: string; text?: string }> }): string {
  return result.content.map((item) => item.text ?? '').join('');
}
