#!/usr/bin/env node
// azd service `prepackage` hook (azure.yaml services.<api, api-stateless>.hooks.prepackage; azd
// runs it in the service folder, this project, before it zips the service's `dist` folder).
// Assembles that folder, .azd-package/, to hold exactly what runs on Azure Functions: host.json, a
// runtime package.json, the compiled app, production dependencies, the config and what it
// references, and the servers the config runs with npx / uvx installed into .mcp-packages/ (no
// downloads at cold start). See src/deployment/app-package.ts. Builds first, then imports the
// built code.
//
// Both services deploy this one package, and azd 1.25+ packages them concurrently, each running
// this hook. So it runs under a lock per project, and a run that finds the folder assembled less
// than 15 minutes ago from the same sources, config and referenced files (the other service's
// run) leaves it as it is: no second build, and nothing touches the folder while azd zips it for
// the other service. A package that must be assembled again (the project changed in between) is
// assembled beside the folder and put in its place with a rename, never rebuilt in place.
// MCP_PACKAGE_CACHE=off assembles every time (and skips the dependency cache). The lock and the
// record of the last assembly live in the temporary folder (packageStateDir in hook-tools).
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  forgetPackage,
  packageSources,
  recordPackage,
  removeLeftovers,
  replaceFolder,
  reusablePackage,
  withPackageLock,
} from './lib/hook-tools.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const windows = process.platform === 'win32';
// APP_PACKAGE_DIR of src/deployment/app-package.ts, and azure.yaml's `dist`.
const outDir = path.join(root, '.azd-package');
const log = (line) => console.log(line);

async function assemble() {
  const sources = packageSources(root, process.env);
  if (process.env.MCP_PACKAGE_CACHE !== 'off') {
    const stamp = reusablePackage(root, outDir, sources, process.env);
    if (stamp) {
      console.log(
        `Deployment package in ${path.relative(root, outDir)}/ is current: assembled ${Math.round((Date.now() - stamp.assembledAt) / 1000)} s ago from the same sources and config (every service of this project deploys it); not assembled again.`,
      );
      return 0;
    }
  }
  forgetPackage(root);

  const build = spawnSync(windows ? 'npm.cmd' : 'npm', ['run', 'build', '--silent'], {
    cwd: root,
    stdio: ['ignore', 'inherit', 'inherit'],
    shell: windows,
  });
  if (build.status !== 0) {
    console.error(
      build.error ? `npm could not start: ${build.error.message}` : '`npm run build` failed; fix that first.',
    );
    return 1;
  }

  const { assembleAppPackage } = await import(new URL('../../dist/deployment/app-package.js', import.meta.url).href);
  const { ConfigError } = await import(new URL('../../dist/config/errors.js', import.meta.url).href);
  removeLeftovers(outDir);
  const next = `${outDir}.next-${process.pid}`;
  try {
    const started = Date.now();
    const result = assembleAppPackage({ appRoot: root, outDir: next, env: process.env, log });
    await replaceFolder(next, outDir);
    recordPackage(root, outDir, sources, [result.configFile, ...result.referenced]);
    const servers = Object.keys(result.manifest.servers).length;
    console.log(
      `Deployment package assembled in ${path.relative(root, outDir)}/ (${((Date.now() - started) / 1000).toFixed(1)} s; config ${result.configFile}; ${servers} packaged server(s)).`,
    );
    return 0;
  } catch (error) {
    rmSync(next, { recursive: true, force: true });
    console.error(error instanceof ConfigError ? error.message : `Packaging failed: ${error.message}`);
    return 1;
  }
}

let code;
try {
  code = await withPackageLock(root, assemble, { log });
} catch (error) {
  console.error(`Packaging failed: ${error.message}`);
  code = 1;
}
process.exit(code);
