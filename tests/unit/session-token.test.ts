import assert from 'node:assert/strict';
import { createCipheriv, createHash, randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { CompactEncrypt, compactDecrypt } from 'jose';
import {
  MAX_SESSION_ID_LENGTH,
  SESSION_ID_PATTERN,
  SessionIdTooLargeError,
  SessionTokens,
  type SessionClaims,
} from '../../src/state/session-token.js';

/**
 * Sealed session ids and request states with real keys: what opens, and everything that must not
 * (forged, altered, expired, other key, other purpose, other shape), checked against the JWE
 * format itself (RFC 7516 compact, `dir` + A256GCM) with an independent implementation (jose).
 */
const KEY = 'the-deployment-session-key';
const NOW = Date.UTC(2026, 0, 1);

/** The AEAD key and key id any instance derives from the key material (SHA-256; kid from its digest). */
function derived(material: string): { key: Buffer; kid: string } {
  const key = createHash('sha256').update(material, 'utf8').digest();
  return { key, kid: createHash('sha256').update(key).digest('base64url').slice(0, 8) };
}

function claims(overrides: Partial<SessionClaims> = {}): SessionClaims {
  return {
    server: 'github',
    principal: 'https://issuer.example|alice',
    initialize: {
      protocolVersion: '2025-11-25',
      capabilities: { roots: {} },
      clientInfo: { name: 'client', version: '1' },
    },
    issuedAt: NOW,
    expiresAt: NOW + 60_000,
    ...overrides,
  };
}

const b64 = (bytes: Buffer | string) => Buffer.from(bytes).toString('base64url');

/** A compact JWE built by hand, so that every part can be chosen (and made wrong). */
function handmade(
  options: {
    header?: Record<string, unknown>;
    plaintext?: string;
    material?: string;
    ivBytes?: number;
    encryptedKey?: string;
    aad?: boolean;
  } = {},
): string {
  const { key, kid } = derived(options.material ?? KEY);
  const header = b64(JSON.stringify(options.header ?? { alg: 'dir', enc: 'A256GCM', kid }));
  const iv = randomBytes(options.ivBytes ?? 12);
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: 16 });
  if (options.aad !== false) cipher.setAAD(Buffer.from(header, 'ascii'));
  const plaintext = options.plaintext ?? JSON.stringify(claims());
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return `${header}.${options.encryptedKey ?? ''}.${b64(iv)}.${b64(ciphertext)}.${b64(cipher.getAuthTag())}`;
}

function headerOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString('utf8')) as Record<string, unknown>;
}

describe('session ids: sealed, opened, refused', () => {
  const tokens = new SessionTokens(KEY);

  test('an id opens to its claims, only the replayable initialize params kept, until it expires', async () => {
    const id = await tokens.seal(
      claims({ initialize: { ...claims().initialize, _meta: { trace: 'x' }, extra: 'dropped' } }),
    );
    assert.match(id, SESSION_ID_PATTERN);
    assert.ok(id.length <= MAX_SESSION_ID_LENGTH);
    const opened = await tokens.open(id, NOW);
    assert.ok(opened);
    assert.deepEqual(
      { ...opened, n: undefined },
      { ...claims(), n: undefined },
      'server, principal, times and the three initialize params',
    );
    assert.equal(await tokens.open(id, NOW + 59_999).then((c) => c?.principal), 'https://issuer.example|alice');
    assert.equal(await tokens.open(id, NOW + 60_000), undefined, 'expired at expiresAt');
    assert.equal(await tokens.open(id, NOW + 120_000), undefined);
    assert.ok((await tokens.open(id)) === undefined, 'the clock defaults to now (2026-01-01 is past)');
    const fresh = await tokens.seal(claims({ expiresAt: Date.now() + 60_000 }));
    assert.equal((await tokens.open(fresh))?.server, 'github', 'the clock defaults to now');
  });

  test('two sessions with the same claims get different ids', async () => {
    assert.notEqual(await tokens.seal(claims()), await tokens.seal(claims()));
  });

  test('the id is a standard compact JWE (dir, A256GCM) any JOSE library opens and makes', async () => {
    const { key, kid } = derived(KEY);
    const id = await tokens.seal(claims());
    assert.deepEqual(headerOf(id), { alg: 'dir', enc: 'A256GCM', kid });
    const { plaintext, protectedHeader } = await compactDecrypt(id, key);
    assert.equal(protectedHeader.kid, kid);
    assert.equal((JSON.parse(new TextDecoder().decode(plaintext)) as SessionClaims).server, 'github');
    const made = await new CompactEncrypt(new TextEncoder().encode(JSON.stringify(claims({ server: 'jose' }))))
      .setProtectedHeader({ alg: 'dir', enc: 'A256GCM', kid })
      .encrypt(key);
    assert.equal((await tokens.open(made, NOW))?.server, 'jose');
    assert.equal((await tokens.open(handmade(), NOW))?.server, 'github', 'the hand-made reference opens');
  });

  test('another key, an altered part or a forged shape opens to nothing', async () => {
    const id = await tokens.seal(claims());
    assert.equal(await new SessionTokens('another-deployment').open(id, NOW), undefined);
    const parts = id.split('.');
    for (const index of [0, 2, 3, 4]) {
      const altered = [...parts];
      const bytes = Buffer.from(altered[index]!, 'base64url');
      bytes[0] = bytes[0]! ^ 1;
      altered[index] = b64(bytes);
      assert.equal(await tokens.open(altered.join('.'), NOW), undefined, `part ${index} altered`);
    }
    assert.equal(await tokens.open(handmade({ aad: false }), NOW), undefined, 'the header is authenticated');
    assert.equal(await tokens.open(handmade({ material: 'other' }), NOW), undefined, 'unknown key id');
    const { kid } = derived(KEY);
    for (const header of [
      { alg: 'dir', enc: 'A256GCM' },
      { alg: 'dir', enc: 'A256GCM', kid: 7 },
      { alg: 'A256KW', enc: 'A256GCM', kid },
      { alg: 'dir', enc: 'A128GCM', kid },
      { alg: 'dir', enc: 'A256GCM', kid, typ: 'request-state' },
      { alg: 'dir', enc: 'A256GCM', kid, zip: 'DEF' },
      { alg: 'dir', enc: 'A256GCM', kid, crit: ['exp'] },
    ]) {
      assert.equal(await tokens.open(handmade({ header }), NOW), undefined, JSON.stringify(header));
    }
    assert.equal(await tokens.open(handmade({ encryptedKey: 'AAAA' }), NOW), undefined, 'dir has no encrypted key');
    assert.equal(await tokens.open(handmade({ ivBytes: 16 }), NOW), undefined, 'a 96-bit IV only');
    const shortTag = id.replace(/\.[^.]+$/, `.${b64(Buffer.from(parts[4]!, 'base64url').subarray(0, 12))}`);
    assert.equal(await tokens.open(shortTag, NOW), undefined, 'a 128-bit tag only');
    for (const broken of ['', 'a.b.c.d', `${id}.x`, `${id} `, ` ${id}`, `${id}\n`, id.replace('.', '!.')]) {
      assert.equal(await tokens.open(broken, NOW), undefined, JSON.stringify(broken));
    }
  });

  test('one token, one spelling: a non-canonical base64url variant is refused', async () => {
    const id = await tokens.seal(claims());
    const tag = id.split('.')[4]!;
    // A 16-byte tag is 22 characters; the last one carries 4 unused bits.
    const last = tag.at(-1)!;
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const variant = alphabet[alphabet.indexOf(last) ^ 1]!;
    const respelled = `${id.slice(0, -1)}${variant}`;
    assert.deepEqual(Buffer.from(respelled.split('.')[4]!, 'base64url'), Buffer.from(tag, 'base64url'));
    assert.equal(await tokens.open(respelled, NOW), undefined);
  });

  test('claims of the wrong shape are refused, and a plaintext that is not JSON', async () => {
    for (const bad of [
      { ...claims(), server: 1 },
      { ...claims(), principal: undefined },
      { ...claims(), principal: 42 },
      { ...claims(), expiresAt: String(NOW + 60_000) },
      { ...claims(), expiresAt: undefined },
    ]) {
      assert.equal(
        await tokens.open(handmade({ plaintext: JSON.stringify(bad) }), NOW),
        undefined,
        JSON.stringify(bad),
      );
    }
    assert.equal(await tokens.open(handmade({ plaintext: '{not json' }), NOW), undefined);
    assert.equal(await tokens.open(handmade({ plaintext: 'null' }), NOW), undefined);
  });

  test('keys rotate: ids of a previous key still open, new ids use the current key', async () => {
    const old = await new SessionTokens('old-key').seal(claims());
    const older = await new SessionTokens('older-key').seal(claims());
    const rotated = new SessionTokens(KEY, ['old-key', '', 'older-key']);
    assert.equal((await rotated.open(old, NOW))?.server, 'github');
    assert.equal((await rotated.open(older, NOW))?.server, 'github');
    assert.equal(headerOf(await rotated.seal(claims())).kid, derived(KEY).kid);
    assert.equal(await new SessionTokens(KEY).open(old, NOW), undefined);
    // An empty previous key is no key: ids sealed with empty key material never open.
    assert.equal(await rotated.open(await new SessionTokens('').seal(claims()), NOW), undefined);
  });

  test('keys from the environment: MCP_ADAPTER_SESSION_KEY, _PREVIOUS (comma-separated); else one per process', async () => {
    const fromEnv = SessionTokens.fromEnvironment({
      MCP_ADAPTER_SESSION_KEY: KEY,
      MCP_ADAPTER_SESSION_KEY_PREVIOUS: ' old-key , ,older-key',
    });
    assert.equal(headerOf(await fromEnv.seal(claims())).kid, derived(KEY).kid);
    for (const previous of ['old-key', 'older-key']) {
      assert.equal((await fromEnv.open(await new SessionTokens(previous).seal(claims()), NOW))?.server, 'github');
    }
    assert.equal(await fromEnv.open(await new SessionTokens('').seal(claims()), NOW), undefined);
    assert.equal(await fromEnv.open(await new SessionTokens(' old-key ').seal(claims()), NOW), undefined);
    const plain = SessionTokens.fromEnvironment({ MCP_ADAPTER_SESSION_KEY: KEY });
    assert.equal(await plain.open(await new SessionTokens('').seal(claims()), NOW), undefined);
    assert.equal((await plain.open(await tokens.seal(claims()), NOW))?.server, 'github');
    const a = SessionTokens.fromEnvironment({});
    const b = SessionTokens.fromEnvironment({ MCP_ADAPTER_SESSION_KEY: '' });
    const id = await a.seal(claims());
    assert.equal((await a.open(id, NOW))?.server, 'github');
    assert.equal(await b.open(id, NOW), undefined, 'a random key per process');
    assert.notEqual(headerOf(id).kid, derived('').kid);
  });

  test('oversized initialize params: experimental capabilities are dropped first, else 400', async () => {
    const bulky = claims({
      initialize: {
        protocolVersion: '2025-11-25',
        capabilities: { roots: { listChanged: true }, experimental: { blob: 'x'.repeat(4000) } },
        clientInfo: { name: 'client', version: '1' },
      },
    });
    const id = await tokens.seal(bulky);
    assert.ok(id.length <= MAX_SESSION_ID_LENGTH);
    assert.deepEqual((await tokens.open(id, NOW))?.initialize, {
      protocolVersion: '2025-11-25',
      capabilities: { roots: { listChanged: true } },
      clientInfo: { name: 'client', version: '1' },
    });
    const small = await tokens.seal(
      claims({ initialize: { capabilities: { experimental: { small: true } }, protocolVersion: '2025-11-25' } }),
    );
    const kept = await tokens.open(small, NOW);
    assert.deepEqual(
      (kept?.initialize.capabilities as Record<string, unknown> | undefined)?.experimental,
      { small: true },
      'kept when the id is small enough',
    );
    const huge = claims({ initialize: { clientInfo: { name: 'y'.repeat(4000), version: '1' } } });
    await assert.rejects(
      tokens.seal(huge),
      (error: unknown) =>
        error instanceof SessionIdTooLargeError &&
        error.httpStatus === 400 &&
        error.code === 'session_id_too_large' &&
        /^the initialize parameters are too large to carry in a session id \(\d+ > 3072 characters\)$/.test(
          error.message,
        ),
    );
  });

  test('the length limit is exact: an id of 3072 characters opens, a longer one never does', async () => {
    let exact: string | undefined;
    let over: string | undefined;
    for (let pad = 1500; pad < 2400 && (!exact || !over); pad += 1) {
      const id = handmade({ plaintext: JSON.stringify({ ...claims(), pad: 'p'.repeat(pad) }) });
      if (id.length === MAX_SESSION_ID_LENGTH) exact = id;
      if (id.length === MAX_SESSION_ID_LENGTH + 1 || id.length === MAX_SESSION_ID_LENGTH + 2) over = id;
    }
    assert.ok(exact && over);
    assert.equal((await tokens.open(exact, NOW))?.server, 'github');
    assert.equal(await tokens.open(over, NOW), undefined);
    // An id of exactly 3072 characters keeps its experimental capabilities.
    let kept = false;
    for (let pad = 2000; pad < 2100 && !kept; pad += 1) {
      const sealed = await tokens.seal(
        claims({ initialize: { capabilities: { experimental: { pad: 'e'.repeat(pad) } }, clientInfo: { n: 1 } } }),
      );
      if (sealed.length !== MAX_SESSION_ID_LENGTH) continue;
      const capabilities = (await tokens.open(sealed, NOW))?.initialize.capabilities as Record<string, unknown>;
      assert.equal((capabilities.experimental as { pad: string }).pad.length, pad);
      kept = true;
    }
    assert.ok(kept, 'an id of exactly the limit was made');
    // Sealing keeps the id within the limit even when only the experimental capabilities make it exceed.
    for (let pad = 2000; pad < 2300; pad += 1) {
      const sealed = await tokens.seal(
        claims({ initialize: { capabilities: { experimental: { pad: 'e'.repeat(pad) } }, clientInfo: { n: 1 } } }),
      );
      assert.ok(sealed.length <= MAX_SESSION_ID_LENGTH, `${pad}: ${sealed.length}`);
    }
  });

  test('the session id pattern admits visible ASCII JWE compact ids only', () => {
    for (const good of ['a.b.c.d.e', 'aB3_-....', 'abc..iv.ct.tag', 'x....'])
      assert.match(good, SESSION_ID_PATTERN, good);
    for (const bad of [
      '',
      '.b.c.d.e',
      'a.b.c.d',
      'a.b.c.d.e.f',
      'a.b.c.d.e ',
      ' a.b.c.d.e',
      'a.b.c.d.é',
      'a+b.c.d.e.f',
      'a.b=.c.d.e',
    ])
      assert.doesNotMatch(bad, SESSION_ID_PATTERN, bad);
  });
});

describe('sealed payloads: one purpose each', () => {
  const tokens = new SessionTokens(KEY, ['old-key']);

  test('a payload opens only for the purpose it was sealed for, never as a session id', async () => {
    const state = await tokens.sealPayload('request-state', { round: 2, keys: ['a'] });
    assert.deepEqual(headerOf(state), { alg: 'dir', enc: 'A256GCM', kid: derived(KEY).kid, typ: 'request-state' });
    assert.deepEqual(await tokens.openPayload('request-state', state), { round: 2, keys: ['a'] });
    assert.equal(await tokens.openPayload('other', state), undefined);
    assert.equal(await tokens.open(state, NOW), undefined);
    const id = await tokens.seal(claims());
    assert.equal(await tokens.openPayload('request-state', id), undefined, 'a session id is not a request state');
    assert.equal(await tokens.openPayload('', id), undefined);
    const old = await new SessionTokens('old-key').sealPayload('request-state', { old: true });
    assert.deepEqual(await tokens.openPayload('request-state', old), { old: true });
    assert.equal(await new SessionTokens('x').openPayload('request-state', state), undefined);
    assert.equal(
      await tokens.openPayload(
        'request-state',
        handmade({
          header: { alg: 'dir', enc: 'A256GCM', kid: derived(KEY).kid, typ: 'request-state' },
          plaintext: '{bad',
        }),
      ),
      undefined,
    );
  });

  test('payload tokens are limited to 16 KiB', async () => {
    let exact: string | undefined;
    let over: string | undefined;
    for (let pad = 12_000; pad < 12_400 && (!exact || !over); pad += 1) {
      const token = await tokens.sealPayload('p', { pad: 'q'.repeat(pad) });
      if (token.length === 16_384) exact = token;
      if (token.length === 16_385 || token.length === 16_386) over = token;
    }
    assert.ok(exact && over);
    assert.equal(typeof (await tokens.openPayload<{ pad: string }>('p', exact))?.pad, 'string');
    assert.equal(await tokens.openPayload('p', over), undefined);
  });
});
