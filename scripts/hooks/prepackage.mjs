#!/usr/bin/env node
// azd service `prepackage` hook (azure.yaml services.api.hooks.prepackage; azd runs it in the
// service folder, this project, before it zips the service's `dist` folder). Assembles that
// folder, .azd-package/, to hold exactly what runs on Azure Functions: host.json, a runtime
// package.json, the compiled app, production dependencies, the config and what it references,
// and the servers the config runs with npx / uvx installed into .mcp-packages/ (no downloads at
// cold start). See src/deployment/app-package.ts. Self-contained: builds first, then imports
// the built code.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const windows = process.platform === 'win32';

const build = spawnSync(windows ? 'npm.cmd' : 'npm', ['run', 'build', '--silent'], {
  cwd: root,
  stdio: ['ignore', 'inherit', 'inherit'],
  shell: windows,
});
if (build.status !== 0) {
  console.error(
    build.error ? `npm could not start: ${build.error.message}` : '`npm run build` failed; fix that first.',
  );
  process.exit(1);
}

const { assembleAppPackage, APP_PACKAGE_DIR } = await import(
  new URL('../../dist/deployment/app-package.js', import.meta.url).href
);
const { ConfigError } = await import(new URL('../../dist/config/errors.js', import.meta.url).href);
try {
  const started = Date.now();
  const result = assembleAppPackage({
    appRoot: root,
    outDir: path.join(root, APP_PACKAGE_DIR),
    env: process.env,
    log: (line) => console.log(line),
  });
  const servers = Object.keys(result.manifest.servers).length;
  console.log(
    `Deployment package assembled in ${APP_PACKAGE_DIR}/ (${((Date.now() - started) / 1000).toFixed(1)} s; config ${result.configFile}; ${servers} packaged server(s)).`,
  );
} catch (error) {
  console.error(error instanceof ConfigError ? error.message : `Packaging failed: ${error.message}`);
  process.exit(1);
}
