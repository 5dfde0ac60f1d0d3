import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { startOidcIssuer, type OidcIssuer } from '../auth/helpers/issuers.js';
import { eventually, nodeFixtureServer, repoRoot, startAdapter, type TestAdapter } from '../helpers/adapter.js';

/**
 * Per-server tool rules through the whole adapter, with a real server written for one trusted user
 * (`@modelcontextprotocol/server-everything`, whose `get-env` prints its environment): hidden tools
 * are absent from `tools/list` and refused on `tools/call` before the child sees them, renames
 * round-trip, read-only mode keeps only `readOnlyHint` tools, roles from the caller's token widen
 * what one server shows, and every refusal is logged and counted. Both protocol eras.
 */
const EVERYTHING = path.join(repoRoot, 'node_modules/@modelcontextprotocol/server-everything/dist/index.js');
const MODERN = '2026-07-28';
const ERAS = [
  { name: '2025-11-25', options: {} },
  { name: MODERN, options: { versionNegotiation: { mode: { pin: MODERN } } } },
] as const;

function everything(extra: Record<string, unknown>): Record<string, unknown> {
  return { command: process.execPath, args: [EVERYTHING, 'stdio'], startup_timeout_seconds: 30, ...extra };
}

async function connect(url: URL, era: (typeof ERAS)[number], headers: Record<string, string> = {}): Promise<Client> {
  const client = new Client({ name: 'tool-rules-test', version: '1.0.0' }, era.options as never);
  await client.connect(new StreamableHTTPClientTransport(url, { requestInit: { headers } }));
  return client;
}

async function toolNames(client: Client): Promise<string[]> {
  return (await client.listTools()).tools.map((tool) => tool.name).sort();
}

/** The JSON-RPC error a refused call gets (the SDK throws it). */
async function refusal(call: Promise<unknown>): Promise<{ code: number; message: string }> {
  try {
    await call;
  } catch (error) {
    return { code: (error as { code: number }).code, message: (error as Error).message };
  }
  assert.fail('the call was not refused');
}

describe('tool rules through the adapter', () => {
  let adapter: TestAdapter;
  let issuer: OidcIssuer;
  before(async () => {
    issuer = await startOidcIssuer({ audience: 'api://rules-test' });
    adapter = await startAdapter(
      {
        mcpServers: {
          ruled: everything({
            tools: {
              deny: ['get-env', 'trigger-*'],
              rename: { 'get-sum': 'add' },
              describe: { echo: 'Says it back' },
            },
          }),
          readonly: everything({ tools: { read_only: true } }),
          roles: everything({
            tools: { deny: ['get-env'], roles: { operator: { allow: ['*'] } } },
            auth: { method: 'oauth2_bearer', oauth2_issuer: issuer.issuer, oauth2_audience: 'api://rules-test' },
          }),
          fixture: nodeFixtureServer([], { tools: { deny: ['whoami'] }, resources: { deny: ['secret://*'] } }),
          // A typo'd glob: matches none of the child's tools.
          emptied: nodeFixtureServer([], { tools: { allow: ['who_am_i*'] } }),
          admins: everything({
            allowed_roles: ['MCP.Admins', 'MCP.Operators'],
            auth: { method: 'oauth2_bearer', oauth2_issuer: issuer.issuer, oauth2_audience: 'api://rules-test' },
          }),
        },
      },
      { authEnv: {} },
    );
  });
  after(async () => {
    await adapter.close();
    await issuer.server.close();
  });

  for (const era of ERAS) {
    test(`${era.name}: hidden tools are not listed and refused on call; a renamed tool is listed and called by its new name only`, async () => {
      const client = await connect(adapter.endpoint('ruled'), era);
      try {
        const names = await toolNames(client);
        assert.equal(names.includes('get-env'), false);
        assert.deepEqual(
          names.filter((name) => name.startsWith('trigger-')),
          [],
        );
        assert.ok(names.includes('add') && !names.includes('get-sum'), names.join(', '));
        const echo = (await client.listTools()).tools.find((tool) => tool.name === 'echo');
        assert.equal(echo?.description, 'Says it back');

        const sum = (await client.callTool({ name: 'add', arguments: { a: 2, b: 3 } })) as {
          content: Array<{ text: string }>;
        };
        assert.match(sum.content[0]!.text, /\b5\b/);
        for (const hidden of ['get-env', 'get-sum', 'trigger-long-running-operation']) {
          const refused = await refusal(client.callTool({ name: hidden, arguments: {} }));
          assert.equal(refused.code, -32602, hidden);
          assert.match(refused.message, new RegExp(`Tool "${hidden}" is not available on this server`));
        }
      } finally {
        await client.close();
      }
    });

    test(`${era.name}: read_only lists and calls only tools annotated readOnlyHint`, async () => {
      const client = await connect(adapter.endpoint('readonly'), era);
      try {
        const { tools } = await client.listTools();
        assert.ok(tools.length > 0);
        for (const tool of tools) assert.equal(tool.annotations?.readOnlyHint, true, tool.name);
        const refused = await refusal(client.callTool({ name: 'toggle-simulated-logging', arguments: {} }));
        assert.equal(refused.code, -32602);
        const echo = (await client.callTool({ name: 'echo', arguments: { message: 'hi' } })) as {
          content: Array<{ text: string }>;
        };
        assert.match(echo.content[0]!.text, /hi/);
      } finally {
        await client.close();
      }
    });

    test(`${era.name}: a server open to some roles only: a caller holding one uses it, one holding none gets 403, audited`, async () => {
      const before = adapter.logs.length;
      const operator = await connect(adapter.endpoint('admins'), era, {
        authorization: `Bearer ${await issuer.token({ sub: 'olga', roles: ['MCP.Operators'] })}`,
      });
      try {
        assert.ok((await toolNames(operator)).includes('echo'));
      } finally {
        await operator.close();
      }
      const outsider = `Bearer ${await issuer.token({ sub: 'ursula', roles: ['operator'] })}`;
      await assert.rejects(connect(adapter.endpoint('admins'), era, { authorization: outsider }));
      const refused = await fetch(adapter.endpoint('admins'), {
        method: 'POST',
        headers: {
          authorization: outsider,
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
        },
        body: JSON.stringify({
          jsonrpc: '2.0',
          id: 1,
          method: 'initialize',
          params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 't', version: '1' } },
        }),
      });
      assert.equal(refused.status, 403);
      const body = (await refused.json()) as { error: { message: string } };
      assert.match(body.error.message, /open only to callers holding one of the roles "MCP.Admins", "MCP.Operators"/);
      const audited = adapter.logs
        .slice(before)
        .filter((log) => log.message === 'refused by rule' && log.server === 'admins');
      assert.ok(audited.length >= 2, 'each refusal is audited');
      assert.deepEqual(
        { method: audited[0]!.method, rule: audited[0]!.rule },
        { method: 'access', rule: 'allowed_roles' },
      );
    });

    test(`${era.name}: two callers with different roles see different tools on one server`, async () => {
      const operator = await connect(adapter.endpoint('roles'), era, {
        authorization: `Bearer ${await issuer.token({ sub: 'olga', roles: ['operator'] })}`,
      });
      const user = await connect(adapter.endpoint('roles'), era, {
        authorization: `Bearer ${await issuer.token({ sub: 'ursula' })}`,
      });
      try {
        assert.ok((await toolNames(operator)).includes('get-env'));
        assert.equal((await toolNames(user)).includes('get-env'), false);
        const refused = await refusal(user.callTool({ name: 'get-env', arguments: {} }));
        assert.equal(refused.code, -32602);
        const env = (await operator.callTool({ name: 'get-env', arguments: {} })) as { content: unknown[] };
        assert.ok(env.content.length > 0);
      } finally {
        await operator.close();
        await user.close();
      }
    });
  }

  test('a child list that changes is filtered again; refusals are logged (principal, server, tool, rule; no arguments) and counted in /status', async () => {
    const client = await connect(adapter.endpoint('fixture'), ERAS[0]);
    const before = adapter.logs.length;
    try {
      assert.equal((await toolNames(client)).includes('whoami'), false);
      await client.callTool({ name: 'notify_list_changed', arguments: {} });
      assert.equal((await toolNames(client)).includes('whoami'), false, 'the new list is filtered too');
      await refusal(client.callTool({ name: 'whoami', arguments: { secret: 'do-not-log-me' } }));
    } finally {
      await client.close();
    }
    const lines = adapter.logs.slice(before).filter((log) => log.message === 'refused by rule');
    assert.equal(lines.length, 1);
    assert.deepEqual(
      { server: lines[0]!.server, method: lines[0]!.method, subject: lines[0]!.subject, rule: lines[0]!.rule },
      { server: 'fixture', method: 'tools/call', subject: 'tool "whoami"', rule: 'deny "whoami"' },
    );
    assert.equal(lines[0]!.principal, 'anonymous');
    assert.equal(JSON.stringify(adapter.logs).includes('do-not-log-me'), false, 'arguments are never logged');
    const status = (await (
      await fetch(new URL('/status', adapter.url), {
        headers: { authorization: `Bearer ${await issuer.token({ sub: 'operator' })}` },
      })
    ).json()) as { ruleRefusals: Record<string, number> };
    assert.ok(status.ruleRefusals.fixture! >= 1, JSON.stringify(status.ruleRefusals));
    assert.ok(status.ruleRefusals.admins! >= 2, JSON.stringify(status.ruleRefusals));
    assert.ok(status.ruleRefusals.ruled! >= 6, JSON.stringify(status.ruleRefusals));
  });

  test('a session calls a read-only tool without listing first: the adapter lists for the rules, then judges the call', async () => {
    const client = await connect(adapter.endpoint('readonly'), ERAS[0]);
    try {
      const echo = (await client.callTool({ name: 'echo', arguments: { message: 'unlisted' } })) as {
        content: Array<{ text: string }>;
      };
      assert.match(echo.content[0]!.text, /unlisted/);
      const refused = await refusal(client.callTool({ name: 'toggle-simulated-logging', arguments: {} }));
      assert.equal(refused.code, -32602);
    } finally {
      await client.close();
    }
  });

  test('updates of a resource the rules hide never reach the client; others do', async () => {
    const client = await connect(adapter.endpoint('fixture'), ERAS[0]);
    const updated: string[] = [];
    client.setNotificationHandler('notifications/resources/updated', (notification) => {
      updated.push(String(notification.params.uri));
    });
    try {
      await client.callTool({ name: 'notify_resource_updated', arguments: { uri: 'secret://keys' } });
      await client.callTool({ name: 'notify_resource_updated', arguments: { uri: 'fixture://hello' } });
      // Session-level notifications travel on the GET stream, in the order the child sent them:
      // once the second is in, the first would have been.
      assert.ok(await eventually(() => updated.includes('fixture://hello'), 5000), 'the visible update arrives');
      assert.deepEqual(updated, ['fixture://hello']);
    } finally {
      await client.close();
    }
  });

  test("rules that leave none of the child's tools fail closed: nothing is exposed, one error is logged, /status names the server", async () => {
    for (const era of ERAS) {
      const client = await connect(adapter.endpoint('emptied'), era);
      try {
        assert.deepEqual(await toolNames(client), []);
        const refused = await refusal(client.callTool({ name: 'whoami', arguments: {} }));
        assert.equal(refused.code, -32602);
      } finally {
        await client.close();
      }
    }
    const errors = adapter.logs.filter(
      (log) =>
        log.level === 'error' &&
        log.server === 'emptied' &&
        /hide every tool the child lists/.test(String(log.message)),
    );
    assert.equal(errors.length, 1, 'once per server, however often listed');
    assert.ok(Number(errors[0]!.childTools) > 0);
    const status = (await (
      await fetch(new URL('/status', adapter.url), {
        headers: { authorization: `Bearer ${await issuer.token({ sub: 'operator' })}` },
      })
    ).json()) as { rulesLeftNoTools?: string[] };
    assert.deepEqual(status.rulesLeftNoTools, ['emptied']);
  });
});
