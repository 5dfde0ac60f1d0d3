import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { checkHost, checkOrigin, type OriginPolicy } from '../../src/http/origin-guard.js';

const loopback: OriginPolicy = { boundToLoopback: true, allowedOrigins: [], allowedHosts: [] };
const deployed: OriginPolicy = {
  boundToLoopback: false,
  allowedOrigins: ['https://app.example.com'],
  allowedHosts: ['mcp.example.com'],
};

describe('Origin and Host checks (DNS rebinding)', () => {
  test('loopback names are allowed when bound to loopback, others are not', () => {
    for (const host of ['localhost:7071', '127.0.0.1:7071', '[::1]:7071', 'LOCALHOST'])
      assert.equal(checkHost(host, loopback), undefined, host);
    assert.match(checkHost('evil.example:7071', loopback)!, /not allowed/);
    assert.match(checkHost('localhost.evil.example', loopback)!, /not allowed/);
    assert.equal(checkOrigin(null, 'localhost:7071', loopback), undefined, 'non-browser clients send no Origin');
    assert.equal(checkOrigin('http://localhost:6274', 'localhost:7071', loopback), undefined);
    assert.match(checkOrigin('http://evil.example', 'localhost:7071', loopback)!, /not allowed/);
    assert.match(checkOrigin('null', 'localhost:7071', loopback)!, /not allowed/);
  });

  test('beyond loopback, only the configured hosts and origins pass', () => {
    assert.equal(checkHost('mcp.example.com', deployed), undefined);
    assert.equal(checkHost('mcp.example.com:443', deployed), undefined);
    assert.match(checkHost('localhost:7071', deployed)!, /not allowed/);
    assert.equal(checkOrigin('https://app.example.com', 'mcp.example.com', deployed), undefined);
    assert.equal(
      checkOrigin('https://mcp.example.com', 'mcp.example.com', deployed),
      undefined,
      'same origin as an allowed host',
    );
    assert.match(checkOrigin('http://localhost:3000', 'mcp.example.com', deployed)!, /not allowed/);
    assert.equal(
      checkOrigin('https://anything.example', 'mcp.example.com', { ...deployed, allowedOrigins: ['*'] }),
      undefined,
    );
  });
});
