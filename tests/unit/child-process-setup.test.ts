import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { buildChildEnvironment } from '../../src/process/child-environment.js';
import { CommandNotFoundError, resolveCommand } from '../../src/process/resolve-command.js';

describe('child environment', () => {
  const host = {
    PATH: '/usr/bin',
    LANG: 'C.UTF-8',
    AZURE_CLIENT_SECRET: 's3cret',
    AzureWebJobsStorage: 'conn',
    HOME: '/root',
    SystemRoot: 'C:\\Windows',
  };
  const dirs = { home: '/tmp/s/home', tmp: '/tmp/s/tmp' };

  test('baseline plus private folders plus config; nothing else of the host', () => {
    const env = buildChildEnvironment(host, dirs, { API_URL: 'https://x', HOME: '/custom' }, 'linux');
    assert.equal(env.PATH, '/usr/bin');
    assert.equal(env.LANG, 'C.UTF-8');
    assert.equal(env.TMPDIR, '/tmp/s/tmp');
    assert.equal(env.npm_config_cache, '/tmp/s/home/.npm');
    assert.equal(env.HOME, '/custom', 'the config wins');
    assert.equal(env.API_URL, 'https://x');
    for (const name of ['AZURE_CLIENT_SECRET', 'AzureWebJobsStorage', 'SystemRoot']) assert.equal(env[name], undefined);
  });

  test('Windows keeps what Windows programs need to start', () => {
    const env = buildChildEnvironment(host, dirs, {}, 'win32');
    assert.equal(env.SystemRoot, 'C:\\Windows');
    assert.equal(env.USERPROFILE, '/tmp/s/home');
    assert.equal(env.AZURE_CLIENT_SECRET, undefined);
  });
});

describe('command resolution', () => {
  test('resolves through the given PATH, and relative paths against cwd', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'mcp-resolve-'));
    const tool = path.join(dir, 'my-mcp-server');
    writeFileSync(tool, '#!/bin/sh\n');
    chmodSync(tool, 0o755);
    assert.equal(resolveCommand('my-mcp-server', { cwd: '/', pathEnv: `/nonexistent${path.delimiter}${dir}` }), tool);
    assert.equal(resolveCommand('./my-mcp-server', { cwd: dir, pathEnv: '' }), tool);
  });

  test('a missing command names itself, with a hint for uvx and npx', () => {
    const error = (command: string) => {
      try {
        resolveCommand(command, { cwd: '/', pathEnv: '/nonexistent' });
      } catch (caught) {
        assert.ok(caught instanceof CommandNotFoundError);
        return caught.message;
      }
      assert.fail('expected CommandNotFoundError');
    };
    assert.match(error('uvx'), /^Command "uvx" was not found \(searched PATH\)\. Install uv .*no Python and no uv/);
    assert.match(error('npx'), /Install Node\.js .*npx -y. also needs network access/);
    assert.match(error('./bin/server'), /Command ".\/bin\/server" was not found \(searched \/bin\/server\)/);
  });
});
