import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { ConfigDocument } from '../config/document.js';
import { MANIFEST_FILE, PACKAGES_DIR, type PackageManifest } from '../config/packaged-servers.js';
import { isStdioServer } from '../config/document.js';

/**
 * Servers start on the deployed app without network installs at cold start: the `prepackage`
 * hook installs `npx` packages (pinned) and builds `uvx` environments into `.mcp-packages/`,
 * and writes a manifest (config/packaged-servers.ts) that the runtime applies.
 */
export interface PackagingPlanItem {
  server: string;
  kind: 'npm' | 'python';
  /** Package spec as written (`name`, `name@1.2.3`, `name==1.2`). */
  spec: string;
  /** For uvx: the executable to run from the environment (`--from pkg cmd`), default the package name. */
  executable: string;
  rest: string[];
  original: string;
}

const NPX_FLAGS_WITHOUT_VALUE = new Set(['-y', '--yes', '-q', '--quiet', '--no-install']);

/** Which servers need packaging, and how. Servers run with `node`, `python` etc. need nothing. */
export function packagingPlan(document: ConfigDocument): { items: PackagingPlanItem[]; notes: string[] } {
  const servers = document.mcpServers ?? document.servers ?? {};
  const items: PackagingPlanItem[] = [];
  const notes: string[] = [];
  for (const [name, server] of Object.entries(servers)) {
    if (!isStdioServer(server)) continue;
    const base = path.basename(server.command).replace(/\.(cmd|exe)$/i, '');
    const args = server.args ?? [];
    const original = [server.command, ...args].join(' ');
    if (base === 'npx') {
      const index = args.findIndex((arg) => !NPX_FLAGS_WITHOUT_VALUE.has(arg));
      if (index === -1 || args[index]!.startsWith('-')) {
        notes.push(
          `${name}: "${original}" uses npx options this packaging does not understand; it will run npx at cold start`,
        );
        continue;
      }
      items.push({
        server: name,
        kind: 'npm',
        spec: args[index]!,
        executable: '',
        rest: args.slice(index + 1),
        original,
      });
    } else if (base === 'uvx') {
      let index = 0;
      let spec: string | undefined;
      if (args[0] === '--from' && args[1]) {
        spec = args[1];
        index = 2;
      }
      const executable = args[index];
      if (!executable || executable.startsWith('-')) {
        notes.push(
          `${name}: "${original}" uses uvx options this packaging does not understand; it would need uv at cold start, which the Functions image lacks`,
        );
        continue;
      }
      items.push({
        server: name,
        kind: 'python',
        spec: spec ?? executable,
        executable: executable.replace(/[@=<>~!].*$/, ''),
        rest: args.slice(index + 1),
        original,
      });
    }
  }
  return { items, notes };
}

/**
 * For `npm start`: installs, once, the `npx` servers of a config that `.mcp-packages/` beside it
 * does not hold yet (or holds for another command line), the way the deployment packages them,
 * so that every later session (and every later start, offline too) runs the installed bin with
 * `node` at once instead of npx resolving and downloading it into each child's private cache.
 * Entries already in the manifest (npm or Python, e.g. from a deployment build) are kept. Returns
 * the servers installed.
 */
export function installMissingNpxServers(
  document: ConfigDocument,
  appRoot: string,
  run: ToolRunner = runTool,
  log: (line: string) => void = () => {},
): string[] {
  const missingFrom = (manifest: PackageManifest) =>
    packagingPlan(document).items.filter(
      (item) => item.kind === 'npm' && manifest.servers[item.server]?.original !== item.original,
    );
  const manifestFile = path.join(appRoot, PACKAGES_DIR, MANIFEST_FILE);
  const existing: PackageManifest = existsSync(manifestFile)
    ? (JSON.parse(readFileSync(manifestFile, 'utf8')) as PackageManifest)
    : { manifestVersion: 1, servers: {} };
  const missing = missingFrom(existing);
  if (missing.length === 0) return [];
  const key = document.mcpServers ? 'mcpServers' : 'servers';
  const servers = document[key] ?? {};
  const only = {
    [key]: Object.fromEntries(missing.map((item) => [item.server, servers[item.server]])),
  } as ConfigDocument;
  const built = buildPackages(only, appRoot, run, log);
  const merged: PackageManifest = { manifestVersion: 1, servers: { ...existing.servers, ...built.servers } };
  writeFileSync(manifestFile, `${JSON.stringify(merged, null, 2)}\n`);
  return missing.map((item) => item.server);
}

/** Runs a tool; returns its stdout or throws with its stderr. */
export type ToolRunner = (command: string, args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv }) => string;

export const runTool: ToolRunner = (command, args, options) => {
  const result = spawnSync(command, args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    encoding: 'utf8',
    shell: process.platform === 'win32',
  });
  if (result.error)
    throw new Error(
      `${command} could not start: ${result.error.message}${command === 'uv' ? ' (install uv: https://docs.astral.sh/uv/)' : ''}`,
    );
  if (result.status !== 0) throw new Error(`\`${command} ${args.join(' ')}\` failed:\n${result.stderr}`);
  return result.stdout;
};

/** npm `name@1.2.3` → [name, version]; unpinned specs resolve to the registry's latest, recorded in the manifest. */
function npmNameAndVersion(
  spec: string,
  run: ToolRunner,
  appRoot: string,
): { name: string; version: string; pinned: boolean } {
  const at = spec.lastIndexOf('@');
  const name = at > 0 ? spec.slice(0, at) : spec;
  const wanted = at > 0 ? spec.slice(at + 1) : '';
  if (/^\d+\.\d+\.\d+/.test(wanted)) return { name, version: wanted, pinned: true };
  const version = run('npm', ['view', `${name}${wanted ? `@${wanted}` : ''}`, 'version'], { cwd: appRoot })
    .trim()
    .split('\n')
    .pop()!
    .replace(/^.*'(.+)'$/, '$1');
  return { name, version, pinned: false };
}

/**
 * Installs what `packagingPlan` found into `<outRoot>/.mcp-packages` and writes the manifest.
 * `outRoot` is the root of the app as deployed: the deployment package's staging folder (see
 * `assembleAppPackage`), or `appRoot` itself (the default) to run the packaged servers from the
 * checkout. npm packages: one `npm install --omit=dev` of every pinned spec. Python packages: a
 * relocatable virtual environment per server built with uv for Linux x64 (the Functions image),
 * with its own uv-managed interpreter inside the package.
 */
export function buildPackages(
  document: ConfigDocument,
  appRoot: string,
  run: ToolRunner = runTool,
  log: (line: string) => void = () => {},
  outRoot: string = appRoot,
): PackageManifest {
  const { items, notes } = packagingPlan(document);
  for (const note of notes) log(`note: ${note}`);
  const dir = path.join(outRoot, PACKAGES_DIR);
  const manifest: PackageManifest = { manifestVersion: 1, servers: {} };
  const npmItems = items.filter((item) => item.kind === 'npm');
  if (npmItems.length > 0) {
    const npmDir = path.join(dir, 'npm');
    mkdirSync(npmDir, { recursive: true });
    if (!existsSync(path.join(npmDir, 'package.json')))
      writeFileSync(path.join(npmDir, 'package.json'), '{"private": true}\n');
    const resolved = npmItems.map((item) => ({ item, ...npmNameAndVersion(item.spec, run, appRoot) }));
    for (const entry of resolved.filter((r) => !r.pinned))
      log(
        `warning: ${entry.item.server}: "${entry.item.spec}" is not pinned; packaged ${entry.name}@${entry.version} (pin it in the config for reproducible deploys)`,
      );
    run(
      'npm',
      [
        'install',
        '--no-audit',
        '--no-fund',
        '--prefer-offline',
        '--omit=dev',
        '--save-exact',
        ...resolved.map((r) => `${r.name}@${r.version}`),
      ],
      { cwd: npmDir },
    );
    for (const { item, name, version } of resolved) {
      const packageJson = JSON.parse(readFileSync(path.join(npmDir, 'node_modules', name, 'package.json'), 'utf8')) as {
        bin?: string | Record<string, string>;
      };
      const bins =
        typeof packageJson.bin === 'string' ? { [name.split('/').pop()!]: packageJson.bin } : (packageJson.bin ?? {});
      const binNames = Object.keys(bins);
      const chosen = binNames.length === 1 ? binNames[0]! : binNames.find((bin) => bin === name.split('/').pop());
      if (!chosen)
        throw new Error(
          `${item.server}: ${name} has ${binNames.length ? `several executables (${binNames.join(', ')})` : 'no executable'}; run it with "command": "node" and the script path instead`,
        );
      const script = path.posix.join(PACKAGES_DIR, 'npm', 'node_modules', name, bins[chosen]!.replace(/\\/g, '/'));
      manifest.servers[item.server] = {
        original: item.original,
        command: 'node',
        args: [script, ...item.rest],
        package: `${name}@${version}`,
        kind: 'npm',
      };
      log(`${item.server}: ${name}@${version} → node ${script}`);
    }
  }
  const pythonItems = items.filter((item) => item.kind === 'python');
  if (pythonItems.length > 0) {
    if (process.platform !== 'linux' || process.arch !== 'x64') {
      throw new Error(
        `Python servers (${pythonItems.map((i) => i.server).join(', ')}) are packaged for Linux x64, the Functions image: run \`azd deploy\` from Linux x64 (WSL, a Linux machine or the GitHub workflow)`,
      );
    }
    const interpreters = path.join(dir, 'python', 'interpreters');
    const env = { ...process.env, UV_PYTHON_INSTALL_DIR: interpreters, UV_PYTHON_PREFERENCE: 'only-managed' };
    for (const item of pythonItems) {
      const venv = path.join(dir, 'python', item.server);
      run('uv', ['venv', '--relocatable', '--python', '3.12', '--clear', venv], { cwd: appRoot, env });
      run(
        'uv',
        [
          'pip',
          'install',
          '--python',
          path.join(venv, 'bin', 'python'),
          '--python-platform',
          'x86_64-manylinux_2_28',
          item.spec,
        ],
        { cwd: appRoot, env },
      );
      const executable = path.posix.join(PACKAGES_DIR, 'python', item.server, 'bin', item.executable);
      if (!existsSync(path.join(outRoot, executable)))
        throw new Error(
          `${item.server}: ${item.spec} installed no "${item.executable}" executable; use "uvx --from <package> <executable>"`,
        );
      manifest.servers[item.server] = {
        original: item.original,
        command: executable,
        args: item.rest,
        package: item.spec,
        kind: 'python',
      };
      log(`${item.server}: ${item.spec} → ${executable}`);
    }
  }
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}
