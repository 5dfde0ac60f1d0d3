import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AdapterRequests } from '../../src/children/adapter-requests.js';

describe("the adapter's own requests to a child", () => {
  test('each is answered once: by the response with its id, which is then consumed', async () => {
    const sent: Array<{ id: string; method: string }> = [];
    const requests = new AdapterRequests((message) => sent.push(message as never) > 0, 'fixture');
    const answer = requests.request('tools/list', undefined, 5000);
    assert.equal(sent.length, 1);
    assert.match(sent[0]!.id, /^mcp-adapter-\d+$/);
    assert.equal(requests.settle({ jsonrpc: '2.0', id: 'client-1', result: {} }), false, "a client's id is not ours");
    assert.equal(requests.settle({ jsonrpc: '2.0', id: sent[0]!.id, result: { tools: [] } }), true);
    assert.deepEqual((await answer).result, { tools: [] });
    assert.equal(requests.settle({ jsonrpc: '2.0', id: sent[0]!.id, result: {} }), false, 'answered once');
  });

  test('a child that does not answer in time, or cannot be written to, gets an error response', async () => {
    const silent = new AdapterRequests(() => true, 'fixture');
    const late = await silent.request('tools/list', undefined, 20);
    assert.match(late.error!.message, /"fixture" did not answer tools\/list within 0.02 s/);
    const closed = new AdapterRequests(() => false, 'fixture');
    assert.match((await closed.request('ping', undefined, 5000)).error!.message, /"fixture" is not running/);
  });

  test('a child that exits answers every waiting request at once, not at its timeout', async () => {
    const requests = new AdapterRequests(() => true, 'fixture');
    const waiting = [requests.request('tools/list', undefined, 60_000), requests.request('ping', undefined, 60_000)];
    requests.failAll('exited');
    for (const response of await Promise.all(waiting)) assert.match(response.error!.message, /"fixture" exited/);
  });
});
