import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runConformanceSuite } from '../helpers/conformance.js';

/**
 * The public MCP conformance suite (`--suite all --spec-version 2025-11-25`: every server scenario
 * of the 2025 revisions, run on the 2025-11-25 wire, i.e. `initialize` and sessions) against the
 * adapter in front of a STDIO fixture server that implements the scenarios' tools, resources and
 * prompts. Zero failures allowed; warnings are printed for the record (README lists them).
 * The 2026-07-28 (stateless) scenarios are in conformance-2026.test.ts. Without `--spec-version`,
 * conformance 0.2.x would run every scenario at its own revision, 2026-07-28 and extensions included.
 */
test('MCP conformance suite: all 2025-11-25 server scenarios pass through the adapter', {
  timeout: 600_000,
}, async () => {
  const { checks } = await runConformanceSuite('2025-11-25');
  const scenarios = new Set(checks.map((check) => check.scenario));
  assert.ok(scenarios.size >= 30, `expected the whole suite, ran ${scenarios.size} scenarios`);
});
