import { createHash } from 'node:crypto';
import {
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { isStdioServer, type ConfigDocument, type StdioServerDocument } from '../config/document.js';
import { discoverConfigPath, loadConfigFile, WELL_KNOWN_CONFIG_FILES } from '../config/load-config.js';
import { PACKAGES_DIR, type PackageManifest } from '../config/packaged-servers.js';
import { buildPackages, runTool, type ToolRunner } from './packaging.js';

/**
 * The deployment package is what runs. azd zips the service's `dist` folder (azure.yaml
 * `services.api.dist`), so the `prepackage` hook assembles that folder to hold exactly the
 * app as deployed: host.json, a package.json reduced to what the runtime reads, the compiled
 * app and the files it loads from outside dist/ (the config schema), production dependencies
 * (no devDependencies, no optional Node binaries), the config and the files it references, and
 * the packaged servers (`.mcp-packages/`). Nothing else: no
 * sources, tests, infra, `.env` or local.settings.json.
 */
export const APP_PACKAGE_DIR = '.azd-package';

/** Files that hold local secrets: never shipped, and a config that needs one is refused. */
const SECRET_FILES = new Set(['.env', 'local.settings.json']);
/** Never copied from a folder the config references. */
const NEVER_COPIED = new Set([...SECRET_FILES, '.git', '.azure', '__pycache__']);
/** Folders of the project whose content the package gets otherwise (or never). */
const PROJECT_FOLDERS = new Set([
  'node_modules',
  'dist',
  PACKAGES_DIR,
  'src',
  'tests',
  'infra',
  'scripts',
  '.git',
  '.azure',
]);

export interface AssembleOptions {
  /** The project: package.json, package-lock.json, host.json, a built `dist/`, the config. */
  appRoot: string;
  /** The staging folder; wiped and rebuilt. Default `<appRoot>/.azd-package`. */
  outDir?: string;
  /** Where `MCP_CONFIG_PATH` is looked up (as the runtime does). Default `process.env`. */
  env?: NodeJS.ProcessEnv;
  log?: (line: string) => void;
  /** Runs npm / uv (tests substitute it). */
  run?: ToolRunner;
}

export interface AssembledPackage {
  outDir: string;
  /** The config file, relative to the package root. */
  configFile: string;
  /** Files and folders copied because the config references them, relative to the package root. */
  referenced: string[];
  manifest: PackageManifest;
  /** Files removed from node_modules that Node never loads (see `pruneNodeModules`). */
  pruned: { files: number; bytes: number };
  /** How long the production install took. */
  installMs: number;
}

/** The package.json the runtime reads: the Functions host reads `main`, Node reads `type`. */
export function runtimePackageJson(manifest: Record<string, unknown>): Record<string, unknown> {
  const kept: Record<string, unknown> = {};
  for (const key of ['name', 'version', 'type', 'main', 'dependencies'])
    if (manifest[key] !== undefined) kept[key] = manifest[key];
  return kept;
}

/**
 * Builds the staging folder. Requires a built `dist/` (`npm run build`). Throws with a message
 * meant for the person deploying when something the config needs cannot be packaged.
 */
export function assembleAppPackage(options: AssembleOptions): AssembledPackage {
  const appRoot = path.resolve(options.appRoot);
  const outDir = path.resolve(options.outDir ?? path.join(appRoot, APP_PACKAGE_DIR));
  const log = options.log ?? (() => {});
  const run = options.run ?? runTool;
  const env = options.env ?? process.env;
  assertSafeOutDir(appRoot, outDir);
  const entry = readPackageJson(appRoot);
  const main = typeof entry.main === 'string' ? entry.main : '';
  if (!main.startsWith('dist/')) throw new Error(`package.json "main" must point into dist/ (it is "${main}")`);
  if (!existsSync(path.join(appRoot, main))) throw new Error(`${main} does not exist: run \`npm run build\` first`);

  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });

  // 1. Production dependencies, from the lock file.
  if (!existsSync(path.join(appRoot, 'package-lock.json')))
    throw new Error(
      'package-lock.json is missing: the deployment installs exactly what it locks (run `npm install` once)',
    );
  const started = Date.now();
  const { pruned, cached } = installProductionDependencies(appRoot, outDir, run, env);
  const installMs = Date.now() - started;
  log(
    `production dependencies ${cached ? 'copied from the cache of this lock file' : 'installed'} in ${(installMs / 1000).toFixed(1)} s`,
  );
  writeFileSync(path.join(outDir, 'package.json'), `${JSON.stringify(runtimePackageJson(entry), null, 2)}\n`);

  // 2. The Functions host's files and the compiled app.
  if (!existsSync(path.join(appRoot, 'host.json'))) throw new Error('host.json is missing from the project');
  cpSync(path.join(appRoot, 'host.json'), path.join(outDir, 'host.json'));
  const stale = copyCompiledApp(appRoot, outDir);
  for (const file of copyFilesTheAppLoads(appRoot, outDir)) log(`the app loads ${file}: packaged`);
  if (stale.length > 0)
    log(
      `left out ${stale.length} file(s) in dist/ with no source in src/ (stale build output): ${stale.slice(0, 5).join(', ')}${stale.length > 5 ? ', …' : ''}`,
    );

  // 3. The config the runtime will discover, and what it references.
  const configPath = discoverConfigPath({ env, appRoot });
  const configFile = relativeInside(appRoot, configPath);
  if (!configFile)
    throw new Error(
      `the config ${configPath} is outside the project; the deployed app can only read files in its package`,
    );
  if (!WELL_KNOWN_CONFIG_FILES.includes(configFile))
    log(
      `note: the config is ${configFile}: set the app setting MCP_CONFIG_PATH=${configFile} so the deployed app finds it`,
    );
  const { document } = loadConfigFile(configPath);
  mkdirSync(path.dirname(path.join(outDir, configFile)), { recursive: true });
  cpSync(configPath, path.join(outDir, configFile));
  const referenced = copyReferencedFiles(document, appRoot, path.dirname(configPath), outDir);
  for (const item of referenced) log(`config references ${item}: packaged`);

  // 4. Servers run with npx / uvx, installed into the package (no downloads at cold start).
  const manifest = buildPackages(document, appRoot, run, log, outDir);
  const serverModules = path.join(outDir, PACKAGES_DIR, 'npm', 'node_modules');
  if (existsSync(serverModules)) {
    const more = pruneNodeModules(serverModules);
    pruned.files += more.files;
    pruned.bytes += more.bytes;
  }
  log(`pruned ${pruned.files} file(s) (${(pruned.bytes / 1e6).toFixed(1)} MB) Node never loads from node_modules`);
  return { outDir, configFile, referenced, manifest, pruned, installMs };
}

const INSTALL_ARGS = [
  'ci',
  '--omit=dev',
  '--omit=optional',
  '--ignore-scripts',
  '--prefer-offline',
  '--no-audit',
  '--no-fund',
  '--loglevel=error',
];
/** Bump when what `pruneNodeModules` removes changes: cached trees were pruned the old way. */
const PRUNE_VERSION = 1;

/**
 * The production node_modules of the lock file, pruned: installed with `npm ci` (see below), or
 * copied from `node_modules/.cache/mcp-app-package/<key>` when the same lock file was installed
 * before (key: the lock file, the install flags and the pruning rules), so a redeploy that did
 * not change dependencies skips the install. `MCP_PACKAGE_CACHE=off` always installs.
 */
function installProductionDependencies(
  appRoot: string,
  outDir: string,
  run: ToolRunner,
  env: NodeJS.ProcessEnv,
): { pruned: { files: number; bytes: number }; cached: boolean } {
  const lock = readFileSync(path.join(appRoot, 'package-lock.json'));
  const key = createHash('sha256')
    .update(lock)
    .update(JSON.stringify(INSTALL_ARGS))
    .update(String(PRUNE_VERSION))
    .digest('hex')
    .slice(0, 32);
  const cacheRoot = path.join(appRoot, 'node_modules', '.cache', 'mcp-app-package');
  const cached = path.join(cacheRoot, key);
  const useCache = env.MCP_PACKAGE_CACHE !== 'off' && existsSync(path.join(appRoot, 'node_modules'));
  if (useCache && existsSync(path.join(cached, 'node_modules'))) {
    cpSync(path.join(cached, 'node_modules'), path.join(outDir, 'node_modules'), {
      recursive: true,
      verbatimSymlinks: true,
    });
    return {
      pruned: JSON.parse(readFileSync(path.join(cached, 'pruned.json'), 'utf8')) as { files: number; bytes: number },
      cached: true,
    };
  }
  // `npm ci` refuses a package.json that does not match the lock, so it installs against the
  // project's own package.json; the runtime copy is written afterwards. --omit=optional keeps any
  // optional platform package out (the Functions image has its own Node). --ignore-scripts: the only production dependency with an
  // install script is protobufjs, whose postinstall only prints a version-scheme warning.
  writeFileSync(path.join(outDir, 'package.json'), readFileSync(path.join(appRoot, 'package.json')));
  writeFileSync(path.join(outDir, 'package-lock.json'), lock);
  run('npm', INSTALL_ARGS, { cwd: outDir, env: { ...process.env, NODE_ENV: 'production' } });
  rmSync(path.join(outDir, 'package-lock.json'));
  const pruned = pruneNodeModules(path.join(outDir, 'node_modules'));
  if (useCache) {
    // Written aside and renamed, so a concurrent packaging never sees half a tree.
    const temporary = `${cached}.${process.pid}.tmp`;
    try {
      mkdirSync(temporary, { recursive: true });
      cpSync(path.join(outDir, 'node_modules'), path.join(temporary, 'node_modules'), {
        recursive: true,
        verbatimSymlinks: true,
      });
      writeFileSync(path.join(temporary, 'pruned.json'), JSON.stringify(pruned));
      renameSync(temporary, cached);
    } catch {
      rmSync(temporary, { recursive: true, force: true }); // another packaging cached it first, or no room: install next time
    }
  }
  return { pruned, cached: false };
}

function readPackageJson(appRoot: string): Record<string, unknown> {
  return JSON.parse(readFileSync(path.join(appRoot, 'package.json'), 'utf8')) as Record<string, unknown>;
}

function assertSafeOutDir(appRoot: string, outDir: string): void {
  const relative = path.relative(outDir, appRoot);
  if (relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative)))
    throw new Error(`refusing to use ${outDir} as the staging folder: it holds the project`);
  const inside = relativeInside(appRoot, outDir);
  if (inside && PROJECT_FOLDERS.has(inside.split('/')[0]!))
    throw new Error(`refusing to use ${outDir} as the staging folder: it is a project folder`);
}

/** `child` relative to `root` with forward slashes, or undefined when it is not inside. */
function relativeInside(root: string, child: string): string | undefined {
  const relative = path.relative(root, child);
  if (relative === '' || relative.startsWith('..') || path.isAbsolute(relative)) return undefined;
  return relative.split(path.sep).join('/');
}

/**
 * Files in node_modules Node never loads: source maps, type declarations, TypeScript sources
 * (Node does not strip types under node_modules), documentation (licence texts stay), and
 * copies of code in module formats Node never resolves (`pruneUnreachableModuleFormats`).
 * Links left dangling are removed too (azd follows links and fails on a dangling one).
 */
export function pruneNodeModules(dir: string): { files: number; bytes: number } {
  const result = { files: 0, bytes: 0 };
  const neverLoaded = /(\.map|\.d\.[cm]?ts|\.[cm]?tsx?|\.markdown)$/i;
  const docs = /\.md$/i;
  const licence = /^(licen[cs]e|copying|notice|authors)/i;
  const walk = (folder: string): boolean => {
    let empty = true;
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      const full = path.join(folder, entry.name);
      if (entry.isDirectory()) {
        if (walk(full)) rmSync(full, { recursive: true });
        else empty = false;
        continue;
      }
      if (entry.isSymbolicLink()) {
        if (!existsSync(full)) rmSync(full);
        else empty = false;
        continue;
      }
      if (neverLoaded.test(entry.name) || (docs.test(entry.name) && !licence.test(entry.name))) {
        result.bytes += lstatSync(full).size;
        result.files += 1;
        rmSync(full);
        continue;
      }
      empty = false;
    }
    return empty;
  };
  if (existsSync(dir)) walk(dir);
  const formats = pruneUnreachableModuleFormats(dir);
  result.files += formats.files;
  result.bytes += formats.bytes;
  return result;
}

/**
 * Copies of a package's code in module formats Node never resolves: for a package.json without
 * `exports`, Node loads `main` only, so the folders named by the bundler fields `module` and
 * `esnext` (OpenTelemetry ships build/src, build/esm and build/esnext) are dead on Node, unless
 * some file imports a path inside them (checked: such folders are kept).
 */
export function pruneUnreachableModuleFormats(nodeModules: string): { files: number; bytes: number } {
  const result = { files: 0, bytes: 0 };
  if (!existsSync(nodeModules)) return result;
  const packages: Array<{ dir: string; name: string; manifest: Record<string, unknown> }> = [];
  const scan = (folder: string) => {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      if (!entry.isDirectory() || entry.name.startsWith('.')) continue;
      const dir = path.join(folder, entry.name);
      if (entry.name.startsWith('@')) {
        scan(dir);
        continue;
      }
      const file = path.join(dir, 'package.json');
      if (!existsSync(file)) continue;
      try {
        const manifest = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
        packages.push({ dir, name: typeof manifest.name === 'string' ? manifest.name : entry.name, manifest });
      } catch {
        // not a package we can read: leave it alone
      }
      if (existsSync(path.join(dir, 'node_modules'))) scan(path.join(dir, 'node_modules'));
    }
  };
  scan(nodeModules);
  const within = (parent: string, child: string) => child === parent || child.startsWith(`${parent}${path.sep}`);
  const candidates: Array<{ dir: string; specifier: string }> = [];
  for (const { dir, name, manifest } of packages) {
    if (manifest.exports !== undefined) continue;
    const mainDir = path.dirname(path.resolve(dir, typeof manifest.main === 'string' ? manifest.main : 'index.js'));
    for (const field of ['module', 'esnext']) {
      const value = manifest[field];
      if (typeof value !== 'string') continue;
      const formatDir = path.dirname(path.resolve(dir, value));
      if (
        !within(dir, formatDir) ||
        formatDir === dir ||
        within(formatDir, mainDir) ||
        within(mainDir, formatDir) ||
        !existsSync(formatDir)
      )
        continue;
      if (candidates.some((candidate) => candidate.dir === formatDir)) continue;
      candidates.push({
        dir: formatDir,
        specifier: `${name}/${path.relative(dir, formatDir).split(path.sep).join('/')}`,
      });
    }
  }
  if (candidates.length === 0) return result;
  // Keep a folder some remaining code imports by path.
  const referenced = new Set<string>();
  const dead = (file: string) => candidates.some((candidate) => within(candidate.dir, file));
  const read = (folder: string) => {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      const full = path.join(folder, entry.name);
      if (entry.isDirectory()) {
        if (!dead(full)) read(full);
      } else if (/\.[cm]?js$/.test(entry.name)) {
        const text = readFileSync(full, 'utf8');
        for (const candidate of candidates) if (text.includes(candidate.specifier)) referenced.add(candidate.dir);
      }
    }
  };
  read(nodeModules);
  for (const candidate of candidates) {
    if (referenced.has(candidate.dir)) continue;
    const size = treeSize(candidate.dir);
    result.files += size.files;
    result.bytes += size.bytes;
    rmSync(candidate.dir, { recursive: true });
  }
  return result;
}

function treeSize(folder: string): { files: number; bytes: number } {
  let files = 0;
  let bytes = 0;
  for (const entry of readdirSync(folder, { withFileTypes: true })) {
    const full = path.join(folder, entry.name);
    if (entry.isDirectory()) {
      const inner = treeSize(full);
      files += inner.files;
      bytes += inner.bytes;
    } else {
      files += 1;
      bytes += lstatSync(full).size;
    }
  }
  return { files, bytes };
}

/**
 * Copies dist/ without declarations and source maps (they point at src/, which is not shipped),
 * and only files compiled from a source that still exists (tsc never deletes stale output).
 * Returns the stale files left out.
 */
function copyCompiledApp(appRoot: string, outDir: string): string[] {
  const stale: string[] = [];
  const walk = (relative: string) => {
    for (const entry of readdirSync(path.join(appRoot, 'dist', relative), { withFileTypes: true })) {
      const rel = relative ? `${relative}/${entry.name}` : entry.name;
      if (entry.isDirectory()) {
        walk(rel);
        continue;
      }
      if (/\.d\.[cm]?ts$|\.map$/.test(entry.name)) continue;
      const sources = sourcesFor(rel).map((source) => path.join(appRoot, 'src', source));
      if (!sources.some((source) => existsSync(source))) {
        stale.push(`dist/${rel}`);
        continue;
      }
      mkdirSync(path.join(outDir, 'dist', relative), { recursive: true });
      cpSync(path.join(appRoot, 'dist', rel), path.join(outDir, 'dist', rel));
    }
  };
  walk('');
  return stale;
}

/**
 * Files the compiled app loads by a relative path outside dist/ (validate-schema.js requires
 * `../../schemas/mcp_config.schema.json`): found in the copied code's `require(...)`,
 * `import(...)` and `from '...'` specifiers, copied to the same place in the package.
 */
function copyFilesTheAppLoads(appRoot: string, outDir: string): string[] {
  const copied = new Set<string>();
  const specifier = /(?:\brequire\(|\bimport\(|\bfrom\s*)\s*['"](\.{1,2}\/[^'"]+)['"]/g;
  const walk = (folder: string) => {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      const full = path.join(folder, entry.name);
      if (entry.isDirectory()) {
        walk(full);
        continue;
      }
      if (!/\.[cm]?js$/.test(entry.name)) continue;
      const inApp = path.join(appRoot, path.relative(outDir, full));
      for (const match of readFileSync(full, 'utf8').matchAll(specifier)) {
        const target = path.resolve(path.dirname(inApp), match[1]!);
        const relative = relativeInside(appRoot, target);
        if (!relative || relative.startsWith('dist/') || copied.has(relative)) continue;
        if (!existsSync(target) || !statSync(target).isFile())
          throw new Error(`${path.relative(outDir, full)} loads ${match[1]}, which does not exist in the project`);
        if (SECRET_FILES.has(path.basename(target)))
          throw new Error(`${path.relative(outDir, full)} loads ${relative}, which holds local secrets`);
        mkdirSync(path.dirname(path.join(outDir, relative)), { recursive: true });
        cpSync(target, path.join(outDir, relative));
        copied.add(relative);
      }
    }
  };
  walk(path.join(outDir, 'dist'));
  return [...copied].sort();
}

function sourcesFor(compiled: string): string[] {
  const match = /^(.*)\.(js|mjs|cjs)$/.exec(compiled);
  if (!match) return [compiled];
  const base = match[1]!;
  const ts = { js: ['.ts', '.tsx', '.js', '.jsx'], mjs: ['.mts', '.mjs'], cjs: ['.cts', '.cjs'] }[
    match[2] as 'js' | 'mjs' | 'cjs'
  ];
  return ts.map((extension) => `${base}${extension}`);
}

/**
 * What the config references relative to the app root, packaged so the deployed app finds it:
 * - a server's `envFile` (refused when it is `.env` or local.settings.json: local secrets; put
 *   the values in `env` with `${secret:NAME}` instead, which become Key Vault references);
 * - a `command` or argument naming a file or folder of the project (resolved against the
 *   server's working folder, as the adapter starts it): the folder it sits in is copied whole
 *   (a local server's modules sit beside its entry), or the file alone when it sits in the app
 *   root; secrets, `.git`, `.azure` and `__pycache__` are never copied;
 * - paths into node_modules/ or dist/ must be in the package already: a path into node_modules
 *   that the production install did not provide is an error (a devDependency, say);
 * - a server's `cwd` inside the project must exist in the package.
 * Arguments with variables other than `${workspaceFolder}`, and options, are not paths.
 */
function copyReferencedFiles(document: ConfigDocument, appRoot: string, configDir: string, outDir: string): string[] {
  const servers = document.mcpServers ?? document.servers ?? {};
  const copied = new Set<string>();
  const copy = (relative: string) => {
    if (copied.has(relative) || [...copied].some((done) => relative.startsWith(`${done}/`))) return;
    cpSync(path.join(appRoot, relative), path.join(outDir, relative), {
      recursive: true,
      dereference: true,
      filter: (source) => !NEVER_COPIED.has(path.basename(source)),
    });
    copied.add(relative);
  };
  for (const [name, server] of Object.entries(servers)) {
    if (!isStdioServer(server)) continue;
    const stdio = server as StdioServerDocument;
    if (stdio.envFile) {
      const file = path.resolve(configDir, stdio.envFile);
      const relative = relativeInside(appRoot, file);
      if (SECRET_FILES.has(path.basename(file))) {
        throw new Error(
          `${name}: envFile "${stdio.envFile}" holds local secrets and is never deployed; put its variables in "env" (secrets as \${secret:NAME}, which deploy as Key Vault references)`,
        );
      }
      if (!relative)
        throw new Error(
          `${name}: envFile "${stdio.envFile}" is outside the project, so the deployed app cannot read it`,
        );
      if (!existsSync(file)) throw new Error(`${name}: envFile "${stdio.envFile}" does not exist`);
      mkdirSync(path.dirname(path.join(outDir, relative)), { recursive: true });
      copy(relative);
    }
    const cwd = path.resolve(
      configDir,
      (stdio.cwd ?? stdio.working_dir ?? '.').replaceAll('${workspaceFolder}', configDir),
    );
    const candidates = [stdio.command, ...(stdio.args ?? [])]
      .map((value) => value.replaceAll('${workspaceFolder}', configDir))
      .filter(
        (value) =>
          !value.startsWith('-') &&
          !value.includes('${') &&
          (value.includes('/') || value.includes('\\') || existsSync(path.resolve(cwd, value))),
      );
    for (const candidate of candidates) {
      const absolute = path.resolve(cwd, candidate);
      const relative = relativeInside(appRoot, absolute);
      if (!relative || !existsSync(absolute)) continue;
      if (SECRET_FILES.has(path.basename(absolute)))
        throw new Error(`${name}: "${candidate}" holds local secrets and is never deployed`);
      const top = relative.split('/')[0]!;
      if (top === 'node_modules' || top === 'dist' || top === PACKAGES_DIR) {
        if (top !== PACKAGES_DIR && !existsSync(path.join(outDir, relative))) {
          throw new Error(
            `${name}: "${candidate}" is not in the deployment package${top === 'node_modules' ? ' (the production install does not provide it: is its package a devDependency? Move it to "dependencies")' : ''}`,
          );
        }
        continue;
      }
      const folder = path.posix.dirname(relative);
      if (statSync(absolute).isDirectory()) copy(relative);
      else if (folder === '.') copy(relative);
      else {
        mkdirSync(path.dirname(path.join(outDir, folder)), { recursive: true });
        copy(folder);
      }
    }
    const cwdRelative = relativeInside(appRoot, cwd);
    if (cwdRelative && !existsSync(path.join(outDir, cwdRelative))) {
      throw new Error(
        `${name}: its working folder "${stdio.cwd ?? stdio.working_dir}" would not be in the deployment package (reference a file in it, e.g. the server's entry)`,
      );
    }
  }
  return [...copied].sort();
}
