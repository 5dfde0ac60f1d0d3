import assert from 'node:assert/strict';
import { test } from 'node:test';
import { trace } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { hashTag } from '../../src/observability/telemetry.js';
import { MCP_HEADERS, nodeFixtureServer, startAdapter } from '../helpers/adapter.js';

// Its own file: the OpenTelemetry API binds the adapter's tracer to the first global provider of a process.
test('2026-07-28 requests: a span per request, ended when its answer is sent, with the revision and the hashed principal and no session', async () => {
  const spans = new InMemorySpanExporter();
  trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] }));
  const adapter = await startAdapter({ mcpServers: { fixture: nodeFixtureServer() } });
  try {
    const meta = {
      'io.modelcontextprotocol/protocolVersion': '2026-07-28',
      'io.modelcontextprotocol/clientCapabilities': {},
      progressToken: 'p1',
    };
    const response = await fetch(adapter.endpoint('fixture'), {
      method: 'POST',
      headers: {
        ...MCP_HEADERS,
        'mcp-protocol-version': '2026-07-28',
        'mcp-method': 'tools/call',
        'mcp-name': 'progress',
      },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'tools/call',
        params: { name: 'progress', arguments: { steps: 3, delayMs: 100 }, _meta: meta },
      }),
    });
    assert.equal(response.headers.get('content-type'), 'text/event-stream');
    assert.equal(
      spans.getFinishedSpans().filter((span) => span.name === 'mcp tools/call').length,
      0,
      'the span is still open while the call streams',
    );
    await response.text();
  } finally {
    await adapter.close();
  }
  const call = spans.getFinishedSpans().find((span) => span.name === 'mcp tools/call');
  assert.ok(call);
  assert.equal(call.attributes['mcp.protocol.version'], '2026-07-28');
  assert.equal(call.attributes['mcp.server'], 'fixture');
  assert.equal(call.attributes['enduser.pseudo.id'], hashTag('anonymous'));
  assert.equal(call.attributes['mcp.session.hash'], undefined);
  trace.disable();
});
