import assert from 'node:assert/strict';
import { test } from 'node:test';
import { metrics, trace } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import { hashTag } from '../../src/observability/telemetry.js';
import { connectClient } from '../helpers/clients.js';
import { nodeFixtureServer, startAdapter } from '../helpers/adapter.js';

test('a span per JSON-RPC request with server, method and hashed session and principal; counters for sessions and children; no arguments', async () => {
  const spans = new InMemorySpanExporter();
  trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] }));
  const metricExporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const reader = new PeriodicExportingMetricReader({ exporter: metricExporter, exportIntervalMillis: 60_000 });
  metrics.setGlobalMeterProvider(new MeterProvider({ readers: [reader] }));

  const adapter = await startAdapter({ mcpServers: { fixture: nodeFixtureServer() } });
  let sessionId: string | undefined;
  try {
    const client = await connectClient('v2', adapter.endpoint('fixture'));
    sessionId = client.sessionId;
    await client.callTool('echo', { text: 'argument-that-must-not-be-recorded' });
    await client.terminate();
    await client.close();
  } finally {
    await adapter.close();
  }
  const finished = spans.getFinishedSpans();
  const call = finished.find((span) => span.name === 'mcp tools/call');
  assert.ok(call, `spans: ${finished.map((s) => s.name).join(', ')}`);
  assert.equal(call.attributes['mcp.server'], 'fixture');
  assert.equal(call.attributes['rpc.method'], 'tools/call');
  assert.equal(call.attributes['mcp.session.hash'], hashTag(sessionId!));
  assert.equal(call.attributes['enduser.pseudo.id'], hashTag('anonymous'));
  assert.ok(finished.some((span) => span.name === 'mcp tools/list' || span.name === 'mcp tools/call'));
  const everything = JSON.stringify(
    finished.map((span) => ({ name: span.name, attributes: span.attributes, events: span.events })),
  );
  assert.equal(everything.includes('argument-that-must-not-be-recorded'), false);
  assert.equal(everything.includes(sessionId!), false, 'the session id itself is never recorded');

  await reader.forceFlush();
  const points = new Map<string, number>();
  for (const resource of metricExporter.getMetrics()) {
    for (const scope of resource.scopeMetrics) {
      for (const metric of scope.metrics) {
        points.set(
          metric.descriptor.name,
          metric.dataPoints.reduce((sum, point) => sum + (point.value as number), 0),
        );
      }
    }
  }
  assert.equal(points.get('mcp.sessions.started'), 1);
  assert.equal(points.get('mcp.sessions.ended'), 1);
  assert.equal(points.get('mcp.sessions.active'), 0);
  assert.equal(points.get('mcp.children.started'), 1);
  assert.equal(points.get('mcp.children.exited'), 1);
  trace.disable();
  metrics.disable();
});
