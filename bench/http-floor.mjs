#!/usr/bin/env node
// The floor of any Streamable HTTP gateway on this machine: a node:http server on 127.0.0.1 that
// answers the benchmark's MCP requests from memory (no child process, no parsing beyond
// JSON.parse, no routing). What the SDK client and loopback HTTP cost by themselves; the
// benchmark's `http-floor` target. Usage: node bench/http-floor.mjs <port>
import { createServer } from 'node:http';
import { randomBytes } from 'node:crypto';

const port = Number(process.argv[2] ?? 0);
const ECHO_TOOL = {
  name: 'echo',
  description: 'Echoes back the input',
  inputSchema: { type: 'object', properties: { message: { type: 'string' } }, required: ['message'] },
};

function answer(message) {
  switch (message.method) {
    case 'initialize':
      return {
        protocolVersion: message.params?.protocolVersion ?? '2025-11-25',
        capabilities: { tools: {} },
        serverInfo: { name: 'http-floor', version: '1.0.0' },
      };
    case 'tools/list':
      return { tools: [ECHO_TOOL] };
    case 'tools/call':
      return { content: [{ type: 'text', text: `Echo: ${message.params?.arguments?.message ?? ''}` }] };
    case 'ping':
      return {};
    default:
      return undefined;
  }
}

createServer((req, res) => {
  if (req.method === 'DELETE') return res.writeHead(200).end();
  if (req.method !== 'POST') return res.writeHead(405, { allow: 'POST, DELETE' }).end();
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', () => {
    const message = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    if (message.id === undefined) return res.writeHead(202).end();
    const result = answer(message);
    const body = JSON.stringify(
      result === undefined
        ? { jsonrpc: '2.0', id: message.id, error: { code: -32601, message: 'Method not found' } }
        : { jsonrpc: '2.0', id: message.id, result },
    );
    const headers = { 'content-type': 'application/json' };
    if (message.method === 'initialize') headers['mcp-session-id'] = randomBytes(16).toString('hex');
    res.writeHead(200, headers).end(body);
  });
}).listen(port, '127.0.0.1');
