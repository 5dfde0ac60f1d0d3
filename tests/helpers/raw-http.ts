import { MCP_HEADERS } from './adapter.js';

/** Reads a JSON or SSE response body into the JSON-RPC messages it carries. */
export async function messagesOf(response: Response): Promise<unknown[]> {
  const text = await response.text();
  if ((response.headers.get('content-type') ?? '').startsWith('text/event-stream')) {
    return text
      .split('\n\n')
      .map((event) =>
        event
          .split('\n')
          .filter((line) => line.startsWith('data:'))
          .map((line) => line.slice(5).trim())
          .join('\n'),
      )
      .filter((data) => data !== '')
      .map((data) => JSON.parse(data));
  }
  if (text === '') return [];
  const body = JSON.parse(text);
  return Array.isArray(body) ? body : [body];
}

export function post(endpoint: URL, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(endpoint, {
    method: 'POST',
    headers: { ...MCP_HEADERS, ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

export function toolCall(id: number | string, name: string, args: Record<string, unknown> = {}) {
  return { jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: args } };
}

/** Calls a tool on a raw session and returns the text of its result. */
export async function callToolRaw(
  endpoint: URL,
  sessionId: string,
  name: string,
  args: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): Promise<string> {
  const response = await post(endpoint, toolCall(99, name, args), {
    'mcp-session-id': sessionId,
    'mcp-protocol-version': '2025-11-25',
    ...headers,
  });
  const messages = (await messagesOf(response)) as Array<{
    id?: unknown;
    result?: { content: Array<{ text: string }> };
    error?: unknown;
  }>;
  const answer = messages.find((message) => message.id === 99);
  if (!answer?.result) throw new Error(`tool call failed: ${response.status} ${JSON.stringify(messages)}`);
  return answer.result.content.map((item) => item.text).join('');
}
