import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { appUrl } from '../../src/functions/http-bridge.js';
import { readRoutePrefix } from '../../src/functions/route-prefix.js';

function appRootWith(hostJson: string | undefined): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'mcp-route-prefix-'));
  if (hostJson !== undefined) writeFileSync(path.join(dir, 'host.json'), hostJson);
  return dir;
}

test("the route prefix is host.json's, `api` when host.json names none (as the Functions host does)", () => {
  assert.equal(
    readRoutePrefix(appRootWith('{ "version": "2.0", "extensions": { "http": { "routePrefix": "" } } }')),
    '',
  );
  assert.equal(
    readRoutePrefix(appRootWith('{ "version": "2.0", "extensions": { "http": { "routePrefix": "/tools/" } } }')),
    'tools',
  );
  assert.equal(readRoutePrefix(appRootWith('{ "version": "2.0" }')), 'api');
  assert.equal(readRoutePrefix(appRootWith(undefined)), 'api');
});

test('the app sees its own path, without the route prefix and without the function key', () => {
  assert.equal(
    appUrl('https://site.example/api/mcp/time?code=SECRET-KEY&x=1', 'api').href,
    'https://site.example/mcp/time?x=1',
  );
  assert.equal(appUrl('https://site.example/api/api/mcp', 'api').pathname, '/api/mcp');
  assert.equal(appUrl('https://site.example/api', 'api').pathname, '/');
  // Only a whole leading segment is the prefix.
  assert.equal(appUrl('https://site.example/apix/health', 'api').pathname, '/apix/health');
  assert.equal(appUrl('https://site.example/mcp/time?code=k', '').href, 'https://site.example/mcp/time');
});
