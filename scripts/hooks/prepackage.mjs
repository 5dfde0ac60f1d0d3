#!/usr/bin/env node
// azd `prepackage`: builds the app, then installs what the configured servers need into
// .mcp-packages/ (npx packages pinned, uvx packages as Linux x64 Python environments made with
// uv), so no server downloads anything at cold start. The runtime reads .mcp-packages/manifest.json.
import { ensureBuilt, load, root } from './ensure-built.mjs';

ensureBuilt();
const { discoverConfigPath, loadConfigFile, ConfigError } = await load('index.js');
const { buildPackages } = await load('deployment/packaging.js');
try {
  const file = discoverConfigPath({ env: process.env, appRoot: root });
  const { document } = loadConfigFile(file);
  const manifest = buildPackages(document, root, undefined, (line) => console.log(line));
  console.log(`Packaged ${Object.keys(manifest.servers).length} server(s) into .mcp-packages/.`);
} catch (error) {
  console.error(error instanceof ConfigError ? error.message : `Packaging failed: ${error.message}`);
  process.exit(1);
}
