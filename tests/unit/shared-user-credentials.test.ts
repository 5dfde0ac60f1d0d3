import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseConfig } from '../../src/config/load-config.js';
import { createVerifierRegistry } from '../../src/auth/verifier-registry.js';
import { createLogger } from '../../src/observability/logger.js';
import type { IsolationReport } from '../../src/process/isolation.js';
import { createRuntime } from '../../src/runtime/create-runtime.js';

/**
 * Caller credentials (On-Behalf-Of tokens, the caller's own token) in a child's environment are
 * readable by every other child that shares its user: the adapter refuses to serve them that way
 * unless the operator consents, and never refuses where each child has a user of its own.
 */
const shared: IsolationReport = { mode: 'shared_user', reason: 'test: children share a user', platform: 'linux' };
const perChild: IsolationReport = { mode: 'user_per_child', reason: 'test: a user per child', platform: 'linux' };

function config(adapter: Record<string, unknown>, auth: Record<string, unknown>) {
  return parseConfig(
    JSON.stringify({
      mcpServers: {
        open: { command: 'node', args: ['x.mjs'] },
        mail: { command: 'node', args: ['x.mjs'], auth },
      },
      adapter,
    }),
    '/tmp/mcp_config.json',
  ).config;
}

const logger = createLogger({ level: 'silent' });
// Token checks are built at start-up (nothing is fetched until a request comes).
const verifierFor = createVerifierRegistry({ env: {} });
const CALLER_CREDENTIALS = [
  {
    method: 'azure_obo',
    azure_tenant_id: '72f988bf-86f1-41af-91ab-2d7cd011db47',
    azure_client_id: '00000000-0000-0000-0000-0000000000a1',
    azure_scopes: ['https://graph.microsoft.com/.default'],
  },
  { method: 'oauth2_bearer', oauth2_issuer: 'https://issuer.example', forward_user_token: true },
  { method: 'oauth2_bearer', oauth2_issuer: 'https://issuer.example', child: { type: 'user_token' } },
];

for (const auth of CALLER_CREDENTIALS) {
  const what = JSON.stringify(auth);
  test(`children sharing a user: ${what} is refused at start-up, naming the server and the three ways out`, () => {
    assert.throws(
      () => createRuntime(config({}, auth), { logger, verifierFor, boundToLoopback: true, isolation: shared }),
      (error: Error & { code?: string }) => {
        assert.equal(error.code, 'shared_user_credentials_refused');
        assert.match(error.message, /^"mail" give each caller's child that caller's credentials/);
        assert.match(error.message, /isolation user_per_child/);
        assert.match(error.message, /an app of their own/);
        assert.match(error.message, /"adapter": \{ "allow_shared_user_credentials": true \}/);
        return true;
      },
    );
  });

  test(`${what}: served with consent, or with a user per child`, async () => {
    for (const [adapter, isolation] of [
      [{ allow_shared_user_credentials: true }, shared],
      [{}, perChild],
    ] as const) {
      const runtime = createRuntime(config(adapter, auth), { logger, verifierFor, boundToLoopback: true, isolation });
      await runtime.drain();
    }
  });
}

test('servers that give children no caller credential start whatever the isolation', async () => {
  for (const auth of [
    { method: 'none' },
    { method: 'azure_default' },
    { method: 'oauth2_bearer', oauth2_issuer: 'https://issuer.example' },
  ]) {
    const runtime = createRuntime(config({}, auth), { logger, verifierFor, boundToLoopback: true, isolation: shared });
    await runtime.drain();
  }
});

test('with a user per child, .env files beside the config that every user may read are named (children work in that folder)', async () => {
  const { mkdtempSync, writeFileSync, chmodSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const path = await import('node:path');
  const { filesReadableByOthers } = await import('../../src/runtime/create-runtime.js');
  const folder = mkdtempSync(path.join(tmpdir(), 'mcp-env-files-'));
  for (const [name, mode] of [
    ['.env', 0o644],
    ['.env.server', 0o600],
    ['prod.env', 0o604],
    ['notes.txt', 0o644],
  ] as const) {
    writeFileSync(path.join(folder, name), 'SECRET=x\n');
    chmodSync(path.join(folder, name), mode);
  }
  assert.deepEqual(
    filesReadableByOthers(folder)
      .map((file) => path.basename(file))
      .sort(),
    ['.env', 'prod.env'],
  );
});
