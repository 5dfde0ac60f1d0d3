import path from 'node:path';
import which from 'which';
import { AdapterError } from '../errors/adapter-error.js';

/** The command could not be found; `message` names it and says how to fix it. */
export class CommandNotFoundError extends AdapterError {
  constructor(
    readonly command: string,
    searched: string,
  ) {
    super(`Command "${command}" was not found (searched ${searched}).${hintFor(command)}`, {
      code: 'command_not_found',
    });
  }
}

function hintFor(command: string): string {
  const base = path.basename(command).replace(/\.(cmd|exe|bat)$/i, '');
  if (base === 'uvx' || base === 'uv') {
    return ' Install uv (https://docs.astral.sh/uv/) where the adapter runs; note that the Azure Functions Node.js image has no Python and no uv.';
  }
  if (base === 'npx' || base === 'npm' || base === 'node') {
    return ' Install Node.js (which ships npm and npx) and make sure it is on PATH; `npx -y` also needs network access to download packages.';
  }
  if (base === 'python' || base === 'python3') return ' Install Python 3 and make sure it is on PATH.';
  return ' Check the "command" field, or put the program on PATH.';
}

/**
 * Resolves a command the way a shell would (PATH, and PATHEXT on Windows so that `npx` finds
 * `npx.cmd`), so that a missing program is reported before spawning, by name. Paths with a
 * separator resolve against the child's working directory.
 */
export function resolveCommand(command: string, options: { cwd: string; pathEnv: string | undefined }): string {
  if (command.includes('/') || command.includes('\\')) {
    const absolute = path.resolve(options.cwd, command);
    const found = which.sync(absolute, { nothrow: true });
    if (!found) throw new CommandNotFoundError(command, absolute);
    return found;
  }
  const found = which.sync(command, { path: options.pathEnv ?? '', nothrow: true });
  if (!found) throw new CommandNotFoundError(command, 'PATH');
  return found;
}
