import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AdapterConfig, ServerConfig } from '../../src/config/model.js';
import { functionRoutes } from '../../src/functions/register-functions.js';
import { routeTable, targetOf } from '../../src/http/routes.js';

const server = (name: string, extra: Partial<ServerConfig> = {}) =>
  ({
    name,
    isDefault: false,
    authLevel: 'function',
    auth: { caller: { type: 'function_key' } },
    ...extra,
  }) as unknown as ServerConfig;

function config(servers: ServerConfig[], unavailable: ServerConfig[] = []): AdapterConfig {
  return {
    servers: new Map(servers.map((s) => [s.name, s])),
    unavailable: new Map(unavailable.map((s) => [s.name, { server: s, missing: ['x'] }])),
  } as unknown as AdapterConfig;
}

test('one route table: the Functions triggers are exactly its entries, and the app matches each entry to itself', () => {
  const entra = server('mail', { authLevel: 'anonymous', auth: { caller: { type: 'entra' } } as ServerConfig['auth'] });
  const table = routeTable(config([server('time', { isDefault: true }), entra], [server('broken')]));
  assert.deepEqual(
    table.map((route) => `${route.name} ${route.route} ${route.authLevel}`),
    [
      'mcp-time mcp/time function',
      'mcp-mail mcp/mail anonymous',
      'mcp-broken mcp/broken function',
      'mcp-default mcp function',
      'mcp-default-legacy api/mcp function',
      'health health anonymous',
      'protected-resource-metadata .well-known/oauth-protected-resource/{*resource} anonymous',
      'status status function',
      'page {*path} anonymous',
    ],
  );
  assert.deepEqual(
    functionRoutes(config([server('time', { isDefault: true }), entra], [server('broken')])),
    table.map(({ name, route, authLevel, methods }) => ({ name, route, authLevel, methods })),
  );
  for (const route of table.filter((entry) => entry.kind !== 'metadata' && entry.kind !== 'page'))
    assert.equal(targetOf(table, `/${route.route}`), route);
  // The catch-all is the Functions host's: the app answers `/` and unknown paths itself.
  assert.equal(targetOf(table, '/{*path}'), undefined);
  assert.equal(targetOf(table, '/'), undefined);
  assert.equal(targetOf(table, '/mcp')?.server, 'time');
  assert.equal(targetOf(table, '/.well-known/oauth-protected-resource/mcp/mail')?.kind, 'metadata');
  assert.equal(targetOf(table, '/.well-known/oauth-protected-resource')?.kind, 'metadata');
  assert.equal(targetOf(table, '/mcp/ti%6De')?.server, 'time', 'percent-encoded paths are decoded');
  assert.equal(targetOf(table, '/mcp/nope'), undefined);
});

test('without a default among several servers there is no /mcp route, and no metadata route without a token-verifying server', () => {
  const table = routeTable(config([server('a'), server('b')]));
  assert.deepEqual(
    table.map((route) => route.route),
    ['mcp/a', 'mcp/b', 'health', 'status', '{*path}'],
  );
  assert.equal(targetOf(table, '/mcp'), undefined);
});
