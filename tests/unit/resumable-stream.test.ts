import assert from 'node:assert/strict';
import { mock, test } from 'node:test';
import { ResumableStream, type EventSink } from '../../src/web/resumable-stream.js';

class Sink implements EventSink {
  open = true;
  text = '';
  write(text: string): boolean {
    if (!this.open) return false;
    this.text += text;
    return true;
  }
  close(): void {
    this.open = false;
  }
}

function streamWith(onDiscard: () => void): ResumableStream {
  return new ResumableStream({
    priming: false,
    retryMs: 1000,
    maxEvents: 1000,
    maxBytes: 1 << 20,
    keepFinishedMs: 300_000,
    keepDeliveredMs: 10_000,
    onDiscard,
  });
}

const result = { jsonrpc: '2.0' as const, id: 1, result: {} };

test('a stream that ended while its client read it is kept briefly; a cut-off one for the long wait', (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const discarded: string[] = [];

  const delivered = streamWith(() => discarded.push('delivered'));
  const reader = new Sink();
  delivered.connect(reader);
  delivered.append(result);
  delivered.finish();
  assert.equal(reader.open, false, 'the response ended');
  assert.match(reader.text, /"result"/);

  const cut = streamWith(() => discarded.push('cut'));
  const gone = new Sink();
  cut.connect(gone);
  gone.close(); // the client's connection dropped before the end
  cut.append(result);
  cut.finish();

  // A connection that broke at the very end resumes within the short wait and misses nothing.
  t.mock.timers.tick(5_000);
  const late = new Sink();
  assert.equal(delivered.connect(late, 0), true);
  assert.match(late.text, /"result"/);
  assert.equal(late.open, false);

  t.mock.timers.tick(5_000);
  assert.deepEqual(discarded, ['delivered']);
  t.mock.timers.tick(290_000);
  assert.deepEqual(discarded, ['delivered', 'cut']);
});

test('a finished stream holds no reference to the response it was written to', () => {
  mock.timers.enable({ apis: ['setTimeout'] });
  try {
    const stream = streamWith(() => {});
    const sink = new Sink();
    stream.connect(sink);
    stream.finish();
    assert.equal((stream as unknown as { sink: unknown }).sink, undefined);
    stream.connect(new Sink(), 0);
    assert.equal((stream as unknown as { sink: unknown }).sink, undefined, 'nor to one that replayed it');
  } finally {
    mock.timers.reset();
  }
});
