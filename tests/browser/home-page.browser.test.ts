import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { type Browser, chromium, type Page } from 'playwright-core';
import {
  nodeFixtureServer,
  pythonFixtureServer,
  repoRoot,
  startAdapter,
  type TestAdapter,
} from '../helpers/adapter.js';
import { connectClient } from '../helpers/clients.js';

/**
 * The page at `/` as a person sees it: a real browser (Debian's Chromium, headless, driven by
 * playwright-core) opens the adapter, reads the table and a copy-paste config off the page, and
 * that config connects. Not part of `npm test` (it needs Chromium): `.ci/run` runs it after
 * `scripts/install-chromium.sh`.
 */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
// Both fixtures have `echo`; only the Node one has `allocate`: a config naming the wrong URL shows.
const SERVERS = { alpha: { allocate: true }, beta: { allocate: false } } as const;

describe('the page at / in headless Chromium', () => {
  let adapter: TestAdapter;
  let browser: Browser;
  let page: Page;
  before(async () => {
    assert.ok(
      existsSync(CHROMIUM),
      `${CHROMIUM} is missing: run scripts/install-chromium.sh (Debian's chromium package), or set CHROMIUM_PATH`,
    );
    adapter = await startAdapter({ mcpServers: { alpha: nodeFixtureServer(), beta: pythonFixtureServer() } });
    browser = await chromium.launch({ executablePath: CHROMIUM });
    page = await browser.newPage();
  });
  after(async () => {
    await browser?.close();
    await adapter?.close();
  });

  test('the page renders a row per server with its full URL', async () => {
    const response = await page.goto(new URL('/', adapter.url).href);
    assert.equal(response?.status(), 200);
    assert.equal(await page.title(), 'MCP STDIO adapter');
    for (const name of Object.keys(SERVERS)) {
      const cells = await page.locator(`tr[data-server="${name}"] td`).allTextContents();
      assert.equal(cells[0], name);
      assert.equal(cells[1], adapter.endpoint(name).href);
      assert.equal(cells[3], 'ready');
    }
    assert.equal(await page.locator('tbody tr').count(), 2);
  });

  test('the VS Code config copied from the page connects an MCP client to that server', async () => {
    await page.goto(new URL('/', adapter.url).href);
    for (const [name, tools] of Object.entries(SERVERS)) {
      const copied = await page.locator(`pre[data-copy="vscode"][data-server="${name}"]`).textContent();
      const config = JSON.parse(copied ?? '') as { servers: Record<string, { type: string; url: string }> };
      const entry = config.servers[name];
      assert.equal(entry?.type, 'http');
      const client = await connectClient('v2', new URL(entry!.url));
      try {
        const listed = await client.listTools();
        assert.ok(listed.includes('echo'), `${name}: ${listed.join(', ')}`);
        assert.equal(listed.includes('allocate'), tools.allocate, `${name}: ${listed.join(', ')}`);
      } finally {
        await client.terminate();
        await client.close();
      }
    }
  });

  test('the SDK snippet copied from the page runs as it is and lists that server tools', async () => {
    await page.goto(new URL('/', adapter.url).href);
    for (const [name, tools] of Object.entries(SERVERS)) {
      const snippet = await page.locator(`pre[data-copy="sdk"][data-server="${name}"]`).textContent();
      assert.ok(snippet);
      // Plain JavaScript as well as TypeScript: Node runs it as an ES module from the repository,
      // where @modelcontextprotocol/client resolves.
      const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', snippet], {
        cwd: repoRoot,
        timeout: 30_000,
      });
      assert.match(stdout, /'echo'/, `${name}: ${stdout}`);
      assert.equal(stdout.includes("'allocate'"), tools.allocate, `${name}: ${stdout}`);
    }
  });

  test('an MCP endpoint opened in the browser: the 406 status and the explanation', async () => {
    const response = await page.goto(adapter.endpoint('beta').href);
    assert.equal(response?.status(), 406);
    assert.equal(await page.title(), 'This is an MCP endpoint');
    const text = (await page.locator('body').textContent()) ?? '';
    assert.match(text, /is a Streamable HTTP MCP endpoint: it answers MCP clients/);
    assert.ok(text.includes(adapter.endpoint('beta').href));
  });
});
