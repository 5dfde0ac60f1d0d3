/**
 * A minimal Functions app folder for the stand-in host, for tests that do not build the real
 * deployment package: the app compiled with tsc into a temporary folder (never /work/main/dist),
 * host.json, a package.json whose `main` is the compiled entry, the config, `schemas/` (read at run
 * time by dist/config/validate-schema.js), and `node_modules`
 * linked to the repository's.
 */
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { repoRoot } from '../adapter.js';

let built: Promise<string> | undefined;

/** Compiles src/ once per test process (`tsc -p tsconfig.json --outDir <tmp>/dist`); returns the dist folder. */
export function buildApp(): Promise<string> {
  built ??= (async () => {
    const out = path.join(mkdtempSync(path.join(tmpdir(), 'mcp-functions-build-')), 'dist');
    const tsc = path.join(repoRoot, 'node_modules/typescript/bin/tsc');
    await promisify(execFile)(process.execPath, [tsc, '-p', path.join(repoRoot, 'tsconfig.json'), '--outDir', out], {
      cwd: repoRoot,
      maxBuffer: 16 * 1024 * 1024,
    });
    return out;
  })();
  return built;
}

export interface AppFolderOptions {
  /** The mcp_config.json document. */
  config: unknown;
  /** host.json; default: the repository's shape (routePrefix ""). */
  hostJson?: unknown;
}

export const DEFAULT_HOST_JSON = {
  version: '2.0',
  extensions: { http: { routePrefix: '' } },
  functionTimeout: '00:30:00',
};

/** Assembles an app folder around a copy of the compiled app. */
export async function createAppFolder(options: AppFolderOptions): Promise<string> {
  const dist = await buildApp();
  const dir = mkdtempSync(path.join(tmpdir(), 'mcp-functions-app-'));
  cpSync(dist, path.join(dir, 'dist'), { recursive: true });
  // dist/config/validate-schema.js reads ../../schemas/mcp_config.schema.json at run time.
  cpSync(path.join(repoRoot, 'schemas'), path.join(dir, 'schemas'), { recursive: true });
  writeFileSync(path.join(dir, 'host.json'), JSON.stringify(options.hostJson ?? DEFAULT_HOST_JSON, null, 2));
  writeFileSync(
    path.join(dir, 'package.json'),
    JSON.stringify(
      {
        name: 'mcp-stdio-functions-app',
        version: '0.0.0',
        private: true,
        type: 'module',
        main: 'dist/functions/index.js',
      },
      null,
      2,
    ),
  );
  writeFileSync(path.join(dir, 'mcp_config.json'), JSON.stringify(options.config, null, 2));
  symlinkSync(path.join(repoRoot, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  return dir;
}
