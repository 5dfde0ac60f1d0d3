import assert from 'node:assert/strict';
import { test } from 'node:test';
import { JSONRPCMessageSchema } from '@modelcontextprotocol/core';
import { SUPPORTED_PROTOCOL_VERSIONS } from '@modelcontextprotocol/server';
import { isJsonRpcMessage } from '../../src/http/parse-messages.js';
import { ACCEPTED_PROTOCOL_VERSIONS } from '../../src/protocol/versions.js';

test('the accepted protocol versions are the SDK’s', () => {
  assert.deepEqual([...ACCEPTED_PROTOCOL_VERSIONS].sort(), [...SUPPORTED_PROTOCOL_VERSIONS].sort());
});

test('the hand-written JSON-RPC check agrees with the SDK schema', () => {
  const cases: unknown[] = [
    { jsonrpc: '2.0', id: 1, method: 'tools/list' },
    { jsonrpc: '2.0', id: 'a', method: 'tools/call', params: { name: 'x', arguments: {} } },
    { jsonrpc: '2.0', method: 'notifications/initialized' },
    { jsonrpc: '2.0', id: 1, result: {} },
    { jsonrpc: '2.0', id: 'x', error: { code: -32601, message: 'nope', data: { a: 1 } } },
    { jsonrpc: '2.0', id: 1, method: 'x', params: [1] },
    { jsonrpc: '2.0', id: null, method: 'x' },
    { jsonrpc: '2.0', id: 1, method: 3 },
    { jsonrpc: '2.0', id: 1, method: 'x', extra: true },
    { jsonrpc: '2.0', id: 1 },
    { jsonrpc: '2.0', id: 1, result: 'text' },
    { jsonrpc: '2.0', id: 1, error: { code: 'x', message: 'm' } },
    { jsonrpc: '2.0', id: 1, error: { code: 1.5, message: 'm' } },
    { jsonrpc: '1.0', id: 1, method: 'x' },
    { id: 1, method: 'x' },
    [],
    null,
    'text',
  ];
  for (const value of cases)
    assert.equal(isJsonRpcMessage(value), JSONRPCMessageSchema.safeParse(value).success, JSON.stringify(value));
});
