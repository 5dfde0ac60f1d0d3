import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { encodeMessage, StdioDecoder } from '../../src/process/framing.js';

const message = { jsonrpc: '2.0', id: 1, result: { text: 'héllo\nworld' } };
const framed = (body: string) => `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;

describe('STDIO framing', () => {
  test('newline-delimited JSON, split across chunks at any byte, CRLF tolerated', () => {
    const bytes = Buffer.from(`${JSON.stringify(message)}\r\n${JSON.stringify({ jsonrpc: '2.0', method: 'n' })}\n`);
    for (let cut = 1; cut < bytes.length; cut += 7) {
      const decoder = new StdioDecoder('auto');
      const items = [...decoder.push(bytes.subarray(0, cut)), ...decoder.push(bytes.subarray(cut))];
      assert.deepEqual(items, [
        { kind: 'message', message },
        { kind: 'message', message: { jsonrpc: '2.0', method: 'n' } },
      ]);
      assert.equal(decoder.detectedFraming, 'ndjson');
    }
  });

  test('Content-Length framing is auto-detected, with multi-byte bodies split anywhere', () => {
    const bytes = Buffer.from(framed(JSON.stringify(message)) + framed('{"jsonrpc":"2.0","method":"n"}'));
    for (let cut = 1; cut < bytes.length; cut += 5) {
      const decoder = new StdioDecoder('auto');
      const items = [...decoder.push(bytes.subarray(0, cut)), ...decoder.push(bytes.subarray(cut))];
      assert.equal(items.length, 2, `cut at ${cut}`);
      assert.deepEqual(items[0], { kind: 'message', message });
      assert.equal(decoder.detectedFraming, 'content-length');
    }
  });

  test('non-JSON lines are reported as garbage and skipped, in both framings', () => {
    const ndjson = new StdioDecoder('ndjson').push(
      Buffer.from(`Starting server...\n{"not":"jsonrpc"}\n${JSON.stringify(message)}\n`),
    );
    assert.deepEqual(
      ndjson.map((item) => item.kind),
      ['garbage', 'garbage', 'message'],
    );
    const lsp = new StdioDecoder('content-length').push(Buffer.from(`a log line\n${framed(JSON.stringify(message))}`));
    assert.deepEqual(
      lsp.map((item) => item.kind),
      ['garbage', 'message'],
    );
  });

  test('encoding: one line per message, or a Content-Length header with the byte length', () => {
    assert.equal(encodeMessage(message, 'ndjson'), `${JSON.stringify(message)}\n`);
    const encoded = encodeMessage(message, 'content-length');
    assert.equal(encoded, framed(JSON.stringify(message)));
    assert.deepEqual(new StdioDecoder('auto').push(Buffer.from(encoded)), [{ kind: 'message', message }]);
  });
  test('a line arriving in many chunks is joined once; one past 16 MB is discarded with its size and the next line still parses', () => {
    const decoder = new StdioDecoder('ndjson');
    const text = JSON.stringify({ jsonrpc: '2.0', method: 'n', params: { text: 'x'.repeat(200_000) } });
    const bytes = Buffer.from(`${text}\n`);
    const items = [];
    for (let at = 0; at < bytes.length; at += 1000) items.push(...decoder.push(bytes.subarray(at, at + 1000)));
    assert.deepEqual(items, [{ kind: 'message', message: JSON.parse(text) }]);

    const chunk = Buffer.alloc(64 * 1024, 0x41); // 'A', no newline
    const flooded = [];
    for (let i = 0; i < 260; i += 1) flooded.push(...decoder.push(chunk)); // 16.25 MB
    assert.deepEqual(flooded, [
      { kind: 'garbage', text: `<${257 * 64 * 1024} bytes without a message boundary, discarded>` },
    ]);
    // The rest of the flooded line ends with the next newline (garbage, reported), then messages flow again.
    const after = decoder.push(Buffer.from(`AAAA\n${JSON.stringify({ jsonrpc: '2.0', method: 'ok' })}\n`));
    assert.equal(after.length, 2);
    assert.equal(after[0]!.kind, 'garbage');
    assert.deepEqual(after[1], { kind: 'message', message: { jsonrpc: '2.0', method: 'ok' } });
  });
});
