import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { parseConfig } from '../../src/config/load-config.js';
import { executablePlatform } from '../../src/deployment/executable-platform.js';
import { planDeployment } from '../../src/deployment/plan.js';

/** The first bytes of an ELF file: 64-bit little-endian, for the given machine (e_machine at offset 18). */
function elf(machine: number, bits: 32 | 64 = 64): Buffer {
  const head = Buffer.alloc(64);
  head.writeUInt32BE(0x7f454c46, 0);
  head[4] = bits === 64 ? 2 : 1;
  head[5] = 1;
  head.writeUInt16LE(machine, 18);
  return head;
}

describe('the platform an executable was built for', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'mcp-exe-'));
  const file = (name: string, bytes: Buffer | string) => {
    const target = path.join(dir, name);
    writeFileSync(target, bytes);
    return target;
  };

  test('ELF, Mach-O and PE headers; scripts and missing files say nothing', () => {
    assert.equal(
      executablePlatform(process.execPath),
      process.arch === 'x64' ? 'linux-x64' : executablePlatform(process.execPath),
    );
    assert.equal(executablePlatform(file('x64', elf(0x3e))), 'linux-x64');
    assert.equal(executablePlatform(file('arm64', elf(0xb7))), 'linux-arm64');
    assert.equal(executablePlatform(file('arm32', elf(0x28, 32))), 'linux-arm-32');
    assert.equal(executablePlatform(file('macho', Buffer.from([0xcf, 0xfa, 0xed, 0xfe, 7, 0, 0, 1]))), 'macos');
    assert.equal(executablePlatform(file('universal', Buffer.from([0xca, 0xfe, 0xba, 0xbe, 0, 0, 0, 2]))), 'macos');
    assert.equal(executablePlatform(file('pe.exe', Buffer.from('MZ\x90\x00'))), 'windows');
    assert.equal(executablePlatform(file('script', '#!/bin/sh\necho hi\n')), undefined);
    assert.equal(executablePlatform(path.join(dir, 'missing')), undefined);
  });

  test('plan warns about a server shipped as a binary for another platform, not about one for Linux x64', () => {
    const project = mkdtempSync(path.join(tmpdir(), 'mcp-exe-plan-'));
    mkdirSync(path.join(project, 'bin'));
    writeFileSync(path.join(project, 'bin', 'mac-server'), Buffer.from([0xcf, 0xfa, 0xed, 0xfe, 7, 0, 0, 1]));
    writeFileSync(path.join(project, 'bin', 'linux-server'), elf(0x3e));
    const loaded = parseConfig(
      JSON.stringify({
        mcpServers: { mac: { command: './bin/mac-server' }, linux: { command: './bin/linux-server' } },
      }),
      path.join(project, 'mcp_config.json'),
      { resolveFrom: {} },
    );
    const warnings = planDeployment(loaded).warnings.filter((warning) => /an executable built for/.test(warning));
    assert.deepEqual(warnings, [
      '"mac" runs ./bin/mac-server, an executable built for macos; Azure Functions runs linux-x64, so it fails to start when deployed: ship a linux-x64 build (deploy from Linux x64 or CI), or run it through its runtime',
    ]);
  });
});
