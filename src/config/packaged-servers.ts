import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { StdioServerDocument } from './document.js';

/**
 * Servers start on the deployed app without network installs at cold start: the `prepackage`
 * hook installs `npx` packages (pinned) and builds `uvx` environments into `.mcp-packages/`,
 * and writes a manifest that maps each server's command onto what was installed. The runtime
 * applies the manifest (`applyPackageManifest`); src/deployment/packaging.ts writes it.
 */
export const PACKAGES_DIR = '.mcp-packages';
export const MANIFEST_FILE = 'manifest.json';

export interface PackagedCommand {
  /** The command line as configured, to notice a config edited after packaging. */
  original: string;
  command: string;
  args: string[];
  package: string;
  kind: 'npm' | 'python';
}

export interface PackageManifest {
  manifestVersion: 1;
  servers: Record<string, PackagedCommand>;
}

/**
 * At start-up, maps servers onto what the hook packaged. An entry whose command line no longer
 * matches the config (edited after packaging) is ignored with a warning.
 */
export function applyPackageManifest(
  servers: Record<string, StdioServerDocument>,
  appRoot: string,
  warn: (message: string) => void,
): Record<string, StdioServerDocument> {
  const file = path.join(appRoot, PACKAGES_DIR, MANIFEST_FILE);
  if (!existsSync(file)) return servers;
  const manifest = JSON.parse(readFileSync(file, 'utf8')) as PackageManifest;
  const result: Record<string, StdioServerDocument> = { ...servers };
  for (const [name, packaged] of Object.entries(manifest.servers)) {
    const server = servers[name];
    if (!server) continue;
    const original = [server.command, ...(server.args ?? [])].join(' ');
    if (original !== packaged.original) {
      warn(
        `${name}: the config changed since packaging ("${packaged.original}" → "${original}"); running the command as configured`,
      );
      continue;
    }
    // Paths in the manifest are relative to the app root; the child's cwd may be elsewhere.
    const absolute = (relative: string) => path.join(appRoot, relative);
    result[name] =
      packaged.kind === 'npm'
        ? { ...server, command: packaged.command, args: [absolute(packaged.args[0]!), ...packaged.args.slice(1)] }
        : { ...server, command: absolute(packaged.command), args: packaged.args };
  }
  return result;
}
