import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { repoRoot, startAdapter, type TestAdapter } from '../helpers/adapter.js';

/**
 * Tool rules on the filesystem server (`@modelcontextprotocol/server-filesystem`), a server written
 * for one trusted user whose tools write, move and create files: read-only mode and a deny glob
 * keep every writing tool out of the list and refuse it before the child sees it, while reading
 * still works; in both protocol eras. The file on disk is the proof that nothing was written.
 */
const FILESYSTEM = path.join(repoRoot, 'node_modules/@modelcontextprotocol/server-filesystem/dist/index.js');
const MODERN = '2026-07-28';
const ERAS = [
  { name: '2025-11-25', options: {} },
  { name: MODERN, options: { versionNegotiation: { mode: { pin: MODERN } } } },
] as const;
const WRITING = ['write_file', 'edit_file', 'create_directory', 'move_file'];

describe('tool rules on the filesystem server', () => {
  let adapter: TestAdapter;
  const root = mkdtempSync(path.join(tmpdir(), 'mcp-fs-rules-'));
  const note = path.join(root, 'note.txt');
  before(async () => {
    writeFileSync(note, 'original');
    const server = (tools: Record<string, unknown>) => ({
      command: process.execPath,
      args: [FILESYSTEM, root],
      startup_timeout_seconds: 30,
      tools,
    });
    adapter = await startAdapter({
      mcpServers: {
        readonly: server({ read_only: true }),
        nowrite: server({ deny: ['write_*', 'edit_*', 'move_*', 'create_*'] }),
      },
    });
  });
  after(() => adapter.close());

  for (const era of ERAS)
    for (const name of ['readonly', 'nowrite'])
      test(`${era.name}, ${name}: no writing tool is listed or callable; reading works; the file is unchanged`, async () => {
        const client = new Client({ name: 'fs-rules-test', version: '1.0.0' }, era.options as never);
        await client.connect(new StreamableHTTPClientTransport(adapter.endpoint(name)));
        try {
          const listed = (await client.listTools()).tools.map((tool) => tool.name);
          assert.ok(listed.includes('read_text_file') && listed.includes('list_directory'), listed.join(', '));
          for (const tool of WRITING) assert.equal(listed.includes(tool), false, `${tool} is hidden`);
          for (const tool of WRITING) {
            const refused = await client
              .callTool({
                name: tool,
                arguments: { path: note, content: 'overwritten', source: note, destination: `${note}.moved` },
              })
              .then(
                () => undefined,
                (error: { code: number }) => error.code,
              );
            assert.equal(refused, -32602, `${tool} refused`);
          }
          const read = (await client.callTool({ name: 'read_text_file', arguments: { path: note } })) as {
            content: Array<{ text: string }>;
          };
          assert.equal(read.content[0]!.text, 'original');
        } finally {
          await client.close();
        }
        assert.equal(readFileSync(note, 'utf8'), 'original');
        assert.equal(existsSync(`${note}.moved`), false);
      });
});
