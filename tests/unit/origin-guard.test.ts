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

/** The Host and Origin a browser (or any client) sends, read back as the app reads them. */
function headersOf(init: Record<string, string>): { host: string | null; origin: string | null } {
  const request = new Request('http://localhost/mcp', { headers: init });
  return { host: request.headers.get('host'), origin: request.headers.get('origin') };
}

const open: OriginPolicy = { boundToLoopback: false, allowedOrigins: [], allowedHosts: [] };

describe('Origin and Host checks: the edges', () => {
  test('an allowed origin matches exactly, never by prefix, scheme or port', () => {
    for (const origin of [
      'https://app.example.com.evil.example',
      'https://app.example.comevil.example',
      'http://app.example.com',
      'https://app.example.com:8443',
      'https://evil.example/https://app.example.com',
    ]) {
      const { host, origin: sent } = headersOf({ host: 'mcp.example.com', origin });
      assert.match(
        checkOrigin(sent, host, deployed) ?? '',
        /is not allowed \(add it to adapter.allowed_origins\)/,
        origin,
      );
    }
    // Neither case nor a trailing slash in the configured value matters.
    const policy = { ...deployed, allowedOrigins: ['https://APP.example.com/'] };
    assert.equal(checkOrigin('https://app.EXAMPLE.com', 'mcp.example.com', policy), undefined);
  });

  test('DNS rebinding beyond loopback: an Origin equal to its Host passes only when the Host is a configured one', () => {
    // An attacker's page sends its own name as both Host and Origin.
    const rebinding = headersOf({ host: 'evil.example', origin: 'http://evil.example' });
    assert.equal(checkHost(rebinding.host, open), undefined, 'no hosts configured: Host cannot be judged');
    assert.match(checkOrigin(rebinding.origin, rebinding.host, open)!, /not allowed/);
    assert.match(checkOrigin(rebinding.origin, rebinding.host, deployed)!, /not allowed/);
    assert.match(
      checkOrigin('https://mcp.example.com', 'evil.example', deployed)!,
      /not allowed/,
      'the Origin must match the Host of this request',
    );
    const same = headersOf({ host: 'MCP.example.com', origin: 'https://mcp.example.com' });
    assert.equal(checkOrigin(same.origin, same.host, deployed), undefined);
    assert.equal(checkOrigin('https://mcp.example.com', ' mcp.example.com ', deployed), undefined);
  });

  test('Host: missing, wildcard, ports and case', () => {
    assert.equal(checkHost(null, deployed), 'Missing Host header');
    assert.equal(checkHost(null, { ...deployed, allowedHosts: ['*'] }), undefined);
    assert.equal(checkHost('anything.example', { ...deployed, allowedHosts: ['*'] }), undefined);
    assert.match(checkHost('anything.example', deployed)!, /^Host "anything.example" is not allowed/);
    assert.match(checkHost('anything.example', { ...deployed, allowedHosts: ['**'] })!, /not allowed/);
    // An allowed entry with a port allows that port only; one without a port allows any.
    const withPort = { ...deployed, allowedHosts: ['MCP.example.com:8443'] };
    assert.equal(checkHost('mcp.EXAMPLE.com:8443', withPort), undefined);
    assert.equal(checkHost(' mcp.example.com:8443 ', withPort), undefined);
    assert.match(checkHost('mcp.example.com:9000', withPort)!, /not allowed/);
    assert.equal(checkHost('MCP.EXAMPLE.COM:9000', deployed), undefined);
    assert.equal(checkHost('anything.example', open), undefined);
    assert.match(checkHost('anything.example', loopback)!, /not allowed/);
  });

  test('loopback names in every spelling, and only when bound to loopback', () => {
    for (const host of ['[::1]', '[::1]:7071', ' localhost:7071 ', '127.0.0.1', '::1:7071'])
      assert.equal(checkHost(host, loopback), undefined, host);
    for (const host of ['[::1]', '[::1]:7071', '127.0.0.1:7071'])
      assert.match(checkHost(host, { ...deployed }) ?? '', /not allowed/, host);
    for (const origin of ['http://[::1]:3000', 'http://127.0.0.1', 'http://LOCALHOST:5173'])
      assert.equal(checkOrigin(origin, 'localhost:7071', loopback), undefined, origin);
    assert.match(checkOrigin('http://localhost:5173', 'mcp.example.com', deployed)!, /not allowed/);
    assert.match(checkOrigin('not a url', 'localhost:7071', loopback)!, /^Origin "not a url" is not allowed$/);
  });
});

describe('Host checks: the loopback listener names its port', () => {
  const on = (port: number | undefined): OriginPolicy => ({ ...loopback, localPort: () => port });

  test('a loopback name is trusted only with the listening port, once it is known', () => {
    for (const host of ['localhost:7071', 'LOCALHOST:7071', '127.0.0.1:7071', '[::1]:7071', ' localhost:7071 '])
      assert.equal(checkHost(host, on(7071)), undefined, host);
    for (const host of ['localhost:9999', 'localhost', '127.0.0.1:70710', '[::1]', 'localhost:', '[::1]:7072'])
      assert.match(checkHost(host, on(7071)) ?? '', /^Host ".*" is not allowed/, host);
    // No port is the http default, 80.
    for (const host of ['localhost', '[::1]', '127.0.0.1']) assert.equal(checkHost(host, on(80)), undefined, host);
    assert.match(checkHost('localhost:8080', on(80)) ?? '', /not allowed/);
    // Not known yet (the listener is starting): any port.
    assert.equal(checkHost('localhost:9999', on(undefined)), undefined);
    // A configured host is allowed whatever the listening port.
    assert.equal(checkHost('localhost:9999', { ...on(7071), allowedHosts: ['localhost:9999'] }), undefined);
  });
});
