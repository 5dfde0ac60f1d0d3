/**
 * A throw-away certificate authority and a server certificate for 127.0.0.1/localhost, made at
 * test time with node-forge (pure JavaScript: Node's crypto makes keys but not X.509
 * certificates, and the openssl CLI is not on every machine). The CA file lives in a temporary
 * directory the caller removes with `dispose()`, for NODE_EXTRA_CA_CERTS.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import forge from 'node-forge';

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

function certificate(subject: string, publicKey: forge.pki.PublicKey, extensions: object[]): forge.pki.Certificate {
  const cert = forge.pki.createCertificate();
  cert.publicKey = publicKey;
  cert.serialNumber = `01${randomBytes(8).toString('hex')}`;
  cert.validity.notBefore = new Date(Date.now() - 60_000);
  cert.validity.notAfter = new Date(Date.now() + 2 * 24 * 3600_000);
  cert.setSubject([{ name: 'commonName', value: subject }]);
  cert.setExtensions(extensions);
  return cert;
}

export function createTestCertificateAuthority(): TestCertificateAuthority {
  const caKeys = forge.pki.rsa.generateKeyPair(2048);
  const ca = certificate('mcp-stdio-functions test CA', caKeys.publicKey, [
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
  ]);
  ca.setIssuer(ca.subject.attributes);
  ca.sign(caKeys.privateKey, forge.md.sha256.create());

  const serverKeys = forge.pki.rsa.generateKeyPair(2048);
  const server = certificate('127.0.0.1', serverKeys.publicKey, [
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    {
      name: 'subjectAltName',
      altNames: [
        { type: 7, ip: '127.0.0.1' },
        { type: 2, value: 'localhost' },
      ],
    },
  ]);
  server.setIssuer(ca.subject.attributes);
  server.sign(caKeys.privateKey, forge.md.sha256.create());

  const dir = mkdtempSync(path.join(tmpdir(), 'entra-test-ca-'));
  const caPem = forge.pki.certificateToPem(ca);
  const caPath = path.join(dir, 'ca.pem');
  writeFileSync(caPath, caPem);
  return {
    caPem,
    caPath,
    serverCertPem: forge.pki.certificateToPem(server),
    serverKeyPem: forge.pki.privateKeyToPem(serverKeys.privateKey),
    dispose: () => rmSync(dir, { recursive: true, force: true }),
  };
}
