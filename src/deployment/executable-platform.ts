import { closeSync, openSync, readSync } from 'node:fs';
import path from 'node:path';

/**
 * What platform an executable file was built for, from its first bytes (ELF, Mach-O, PE), or
 * undefined for anything else (a script with a shebang, a missing file, a command found on PATH).
 * Azure Functions Flex Consumption runs Linux x64: a server shipped as a binary built elsewhere
 * deploys fine and then fails at its first session, which `plan` says beforehand.
 */
export function executablePlatform(file: string): string | undefined {
  const head = Buffer.alloc(20);
  let read = 0;
  let fd: number | undefined;
  try {
    fd = openSync(file, 'r');
    read = readSync(fd, head, 0, head.length, 0);
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
  if (read >= 20 && head.readUInt32BE(0) === 0x7f454c46) {
    const bits = head[4] === 2 ? 64 : 32;
    const machine = head[5] === 2 ? head.readUInt16BE(18) : head.readUInt16LE(18);
    const name = ELF_MACHINES[machine] ?? `machine ${machine}`;
    return `linux-${bits === 64 && name === 'x86' ? 'x64' : name}${bits === 32 && name !== 'x86' ? '-32' : ''}`;
  }
  if (read >= 4) {
    const magic = head.readUInt32BE(0);
    if ([0xfeedface, 0xfeedfacf, 0xcefaedfe, 0xcffaedfe, 0xcafebabe].includes(magic)) return 'macos';
  }
  if (read >= 2 && head[0] === 0x4d && head[1] === 0x5a) return 'windows';
  return undefined;
}

const ELF_MACHINES: Record<number, string> = { 3: 'x86', 62: 'x86', 40: 'arm', 183: 'arm64', 243: 'riscv' };

/** The platform Flex Consumption runs, as `executablePlatform` names it. */
export const FUNCTIONS_PLATFORM = 'linux-x64';

/** The command's file when it names one (a path, not a name looked up on PATH). */
export function commandFile(command: string, cwd: string): string | undefined {
  if (!command.includes('/') && !command.includes('\\')) return undefined;
  return path.resolve(cwd, command);
}
