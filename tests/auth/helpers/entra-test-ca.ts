/**
 * A throw-away certificate authority and a server certificate for 127.0.0.1/localhost, made with
 * the `openssl` CLI at test time (Node can make keys but not X.509 certificates). Nothing is
 * committed: the files live in a temporary directory the caller removes with `dispose()`.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';

export interface TestCertificateAuthority {
  /** PEM of the CA certificate: trust this (NODE_EXTRA_CA_CERTS or a `ca` TLS option). */
  caPem: string;
  /** Path of the CA certificate, for NODE_EXTRA_CA_CERTS. */
  caPath: string;
  /** The server's certificate and key (SAN: IP 127.0.0.1, DNS localhost), signed by the CA. */
  serverCertPem: string;
  serverKeyPem: string;
  dispose(): void;
}

/** Why the tests that need a CA cannot run, or undefined when `openssl` is usable. */
export function opensslUnavailableReason(): string | undefined {
  const probe = spawnSync('openssl', ['version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) return 'the openssl CLI is not on PATH (needed to make a test certificate authority)';
  return undefined;
}

function openssl(args: string[], cwd: string): void {
  const result = spawnSync('openssl', args, { cwd, encoding: 'utf8' });
  if (result.error || result.status !== 0) {
    throw new Error(`openssl ${args[0]} failed: ${result.error?.message ?? result.stderr}`);
  }
}

export function createTestCertificateAuthority(): TestCertificateAuthority {
  const dir = mkdtempSync(path.join(tmpdir(), 'entra-test-ca-'));
  try {
    openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=mcp-stdio-functions test CA', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'], dir);
    openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1'], dir);
    writeFileSync(
      path.join(dir, 'server.ext'),
      ['subjectAltName=IP:127.0.0.1,DNS:localhost', 'basicConstraints=CA:FALSE', 'keyUsage=critical,digitalSignature,keyEncipherment', 'extendedKeyUsage=serverAuth', ''].join('\n'),
    );
    openssl(['x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-set_serial', `0x${randomBytes(8).toString('hex')}`, '-days', '2', '-sha256', '-extfile', 'server.ext', '-out', 'server.pem'], dir);
    return {
      caPem: readFileSync(path.join(dir, 'ca.pem'), 'utf8'),
      caPath: path.join(dir, 'ca.pem'),
      serverCertPem: readFileSync(path.join(dir, 'server.pem'), 'utf8'),
      serverKeyPem: readFileSync(path.join(dir, 'server.key'), 'utf8'),
      dispose: () => rmSync(dir, { recursive: true, force: true }),
    };
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}
