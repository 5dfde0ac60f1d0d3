#!/usr/bin/env node
// Real MCP clients from outside this project against the real adapter (`mcp-stdio-adapter serve`):
//
//   - the MCP Inspector's CLI (@modelcontextprotocol/inspector, pinned in tests/clients/package.json,
//     run with a Node >= 22.19 binary because its `engines` say so) at `/mcp` and `/mcp/<name>`,
//     without a token against `auth: none` servers, with `--header "Authorization: Bearer ..."`
//     against `oauth2_bearer` servers, and refused there without a token or with a token for
//     another server;
//   - the official C# SDK (ModelContextProtocol 2.4.0 from NuGet, tests/clients/csharp) connecting
//     with its own OAuth support (RFC 9728 discovery, which checks the resource exactly, dynamic
//     client registration, authorization code + PKCE, RFC 8707 resource) and calling a tool.
//
// The authorization server is the tests' fake one (tests/helpers/oauth-authorization-server.ts),
// loaded through tsx. Prerequisites, checked first, each failing loudly: `npm ci` at the root,
// `npm ci --prefix tests/clients`, `dotnet` (the .NET 10 SDK) on PATH, a Node >= 22.19 binary.
//
//   node tests/clients/run.mjs        (Node 20 or 22; exit 0 only when every check passed)
//
// One line per check (PASS/FAIL, duration, detail), then `clients: N passed, N failed`. The
// adapters, their children and the authorization server are stopped and the temporary folder
// removed on every exit path, failures and Ctrl-C included.

import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const csharpProject = path.join(here, 'csharp', 'McpOAuthClient.csproj');
const csharpDll = path.join(here, 'csharp', 'bin', 'Release', 'net10.0', 'McpOAuthClient.dll');
const nodeFixture = path.join(root, 'tests', 'fixtures', 'servers', 'node-fixture.mjs');
const authorizationServerModule = path.join(root, 'tests', 'helpers', 'oauth-authorization-server.ts');
const adapterCli = path.join(root, 'dist', 'cli', 'main.js');
const INSPECTOR = '@modelcontextprotocol/inspector';
/**
 * The Node the Inspector needs when its package.json says nothing readable: 2.12.0 has
 * `engines.node: ">=22.19.0"` (so do its dependencies undici 8 and, >=22.12, commander 15).
 */
const DEFAULT_INSPECTOR_NODE = [22, 19, 0];

// ---------------------------------------------------------------------------------------------
// Reporting

const results = [];

function line(status, name, ms, detail) {
  const seconds = `${(ms / 1000).toFixed(1)} s`;
  process.stdout.write(`${status} ${name} (${seconds})${detail ? `: ${detail}` : ''}\n`);
}

/** Runs one check: PASS when it returns (its string is the detail), FAIL when it throws. */
async function check(name, body) {
  const started = performance.now();
  try {
    const detail = await body();
    const ms = performance.now() - started;
    results.push({ name, ok: true });
    line('PASS', name, ms, detail);
    return true;
  } catch (error) {
    const ms = performance.now() - started;
    results.push({ name, ok: false });
    line('FAIL', name, ms, error instanceof Error ? error.message : String(error));
    return false;
  }
}

class PrerequisiteError extends Error {}

function fail(message) {
  throw new Error(message);
}

function summary() {
  const passed = results.filter((r) => r.ok).length;
  const failed = results.length - passed;
  process.stdout.write(`total: ${(performance.now() / 1000).toFixed(1)} s\n`);
  process.stdout.write(`clients: ${passed} passed, ${failed} failed\n`);
  return failed === 0 && passed > 0;
}

// ---------------------------------------------------------------------------------------------
// Clean-up: everything started is registered here and undone in reverse order, whatever happens.

const cleanups = [];
let cleaning;

function cleanupAll() {
  cleaning ??= (async () => {
    for (const child of running) child.kill('SIGKILL');
    for (const undo of cleanups.reverse()) {
      try {
        await undo();
      } catch (error) {
        process.stderr.write(`clean-up: ${error instanceof Error ? error.message : error}\n`);
      }
    }
  })();
  return cleaning;
}

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    process.stdout.write(`interrupted (${signal}): cleaning up\n`);
    void cleanupAll().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  });
}

// ---------------------------------------------------------------------------------------------
// Processes

/** Clients and tools running right now (killed if the driver is interrupted). */
const running = new Set();

/**
 * Runs a command to completion with a deadline; never throws for a non-zero exit.
 * @returns {Promise<{ code: number | null, signal: string | null, stdout: string, stderr: string, timedOut: boolean, ms: number }>}
 */
function run(command, args, { cwd = root, env = process.env, timeoutMs = 120_000 } = {}) {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], windowsHide: true });
    running.add(child);
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.setEncoding('utf8').on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      running.delete(child);
      reject(new Error(`cannot run ${command}: ${error.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      running.delete(child);
      resolve({ code, signal, stdout, stderr, timedOut, ms: performance.now() - started });
    });
  });
}

function tail(text, lines = 15) {
  const all = String(text).trim().split('\n');
  return all.slice(-lines).join('\n');
}

function describeExit(result) {
  if (result.timedOut) return 'timed out (killed)';
  return result.signal ? `killed by ${result.signal}` : `exit ${result.code}`;
}

/** Starts `mcp-stdio-adapter serve` on 127.0.0.1, a free port; resolves with its base URL. */
async function startAdapter(name, configFile) {
  const child = spawn(
    process.execPath,
    [adapterCli, 'serve', '--config', configFile, '--port', '0', '--host', '127.0.0.1'],
    { cwd: root, env: { ...process.env, LOG_LEVEL: 'warn' }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  cleanups.push(async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    // SIGTERM: the adapter ends every session and stops every child before it exits (README).
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  });
  child.stdout.setEncoding('utf8').on('data', (chunk) => {
    output += chunk;
  });
  child.stderr.setEncoding('utf8').on('data', (chunk) => {
    output += chunk;
  });
  // src/cli/main.ts prints "MCP adapter listening on <url>/mcp..." (a URL that answers) once it listens.
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`adapter "${name}" did not listen within 30 s:\n${tail(output)}`)),
      30_000,
    );
    const poll = setInterval(() => {
      const match = /MCP adapter listening on (http:\/\/127\.0\.0\.1:\d+)\/mcp/.exec(output);
      if (match) {
        clearInterval(poll);
        clearTimeout(timer);
        resolve(match[1]);
      }
    }, 50);
    void exited.then(({ code, signal }) => {
      clearInterval(poll);
      clearTimeout(timer);
      reject(new Error(`adapter "${name}" exited (${signal ?? `code ${code}`}) before listening:\n${tail(output)}`));
    });
  });
  return { url, output: () => output };
}

// ---------------------------------------------------------------------------------------------
// Prerequisites (each one fails loudly with what to do)

function compareVersions(a, b) {
  for (let i = 0; i < 3; i++) {
    if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) - (b[i] ?? 0);
  }
  return 0;
}

function parseVersion(text) {
  const match = /^v?(\d+)\.(\d+)\.(\d+)/.exec(String(text).trim());
  return match ? [Number(match[1]), Number(match[2]), Number(match[3])] : undefined;
}

/**
 * A Node >= `minimum` binary, from tests/fixtures/conformance/node22.mjs: $MCP_CONFORMANCE_NODE
 * (then nothing else), this Node, `node` on PATH, else the Node 22 that tests/tools pins,
 * installed there on first use.
 */
async function findInspectorNode(minimum) {
  const { findNode22 } = await import(
    pathToFileURL(path.join(root, 'tests', 'fixtures', 'conformance', 'node22.mjs')).href
  );
  let node;
  try {
    node = await findNode22(minimum.join('.'));
  } catch (error) {
    throw new PrerequisiteError(
      `no Node >= ${minimum.join('.')} for the MCP Inspector (its engines.node): ${error instanceof Error ? error.message : error}`,
    );
  }
  // The version goes into the PASS line; a binary that changed since node22.mjs probed it still fails here.
  const result = await run(node, ['--version'], { timeoutMs: 20_000 }).catch(() => undefined);
  const version = result?.code === 0 ? parseVersion(result.stdout) : undefined;
  if (!version || compareVersions(version, minimum) < 0) {
    throw new PrerequisiteError(
      `${node} is ${version ? version.join('.') : 'not runnable'}, not >= ${minimum.join('.')}`,
    );
  }
  return { node, version };
}

/** The installed Inspector, which must be exactly the version tests/clients/package.json pins. */
function findInspector() {
  const pinned = JSON.parse(readFileSync(path.join(here, 'package.json'), 'utf8')).dependencies?.[INSPECTOR];
  if (!pinned || !/^\d+\.\d+\.\d+$/.test(pinned)) {
    throw new PrerequisiteError(
      `tests/clients/package.json must pin ${INSPECTOR} to an exact version, has "${pinned}"`,
    );
  }
  const pkgJson = path.join(here, 'node_modules', INSPECTOR, 'package.json');
  if (!existsSync(pkgJson)) {
    throw new PrerequisiteError(
      `${INSPECTOR} is not installed in tests/clients/node_modules: run \`npm ci --prefix tests/clients --no-audit --no-fund\``,
    );
  }
  const pkg = JSON.parse(readFileSync(pkgJson, 'utf8'));
  if (pkg.version !== pinned) {
    throw new PrerequisiteError(
      `tests/clients/node_modules has ${INSPECTOR} ${pkg.version}, package.json pins ${pinned}: run \`npm ci --prefix tests/clients --no-audit --no-fund\``,
    );
  }
  // bin "mcp-inspector" is the launcher (clients/launcher/src/index.ts): `--cli` as the first
  // argument selects the CLI (parse-launcher-argv.ts) and forwards the rest unchanged.
  const bin = typeof pkg.bin === 'string' ? pkg.bin : pkg.bin?.['mcp-inspector'];
  if (!bin) throw new PrerequisiteError(`${INSPECTOR} ${pkg.version} declares no "mcp-inspector" bin`);
  const entry = path.resolve(path.dirname(pkgJson), bin);
  if (!existsSync(entry)) throw new PrerequisiteError(`${INSPECTOR} bin ${entry} is missing: reinstall tests/clients`);
  return { entry, version: pkg.version, engines: pkg.engines?.node };
}

async function checkDotnet() {
  const result = await run('dotnet', ['--version'], { timeoutMs: 60_000 }).catch((error) => {
    throw new PrerequisiteError(
      `\`dotnet\` is not on PATH (${error.message}): install the .NET 10 SDK; the C# client (tests/clients/csharp) targets net10.0`,
    );
  });
  if (result.code !== 0)
    throw new PrerequisiteError(`\`dotnet --version\` failed (${describeExit(result)}): ${tail(result.stderr)}`);
  const version = parseVersion(result.stdout);
  if (!version || version[0] < 10) {
    throw new PrerequisiteError(`dotnet ${result.stdout.trim()} cannot build net10.0: install the .NET 10 SDK`);
  }
  return result.stdout.trim();
}

function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(full) : statSync(full).mtimeMs);
  }
  return newest;
}

/** `npm run build` at the root when dist/ is missing or older than src/ (or the tsconfig). */
async function buildAdapterIfStale() {
  const built = existsSync(adapterCli) ? statSync(adapterCli).mtimeMs : 0;
  const sources = Math.max(newestMtime(path.join(root, 'src')), statSync(path.join(root, 'tsconfig.json')).mtimeMs);
  if (built >= sources) return 'dist/ is up to date';
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const result = await run(npm, ['run', 'build', '--silent'], {
    timeoutMs: 300_000,
    env: process.env,
  }).catch((error) => {
    throw new PrerequisiteError(`cannot run npm: ${error.message}`);
  });
  if (result.code !== 0) {
    throw new PrerequisiteError(
      `\`npm run build\` failed (${describeExit(result)}):\n${tail(`${result.stdout}\n${result.stderr}`, 30)}`,
    );
  }
  return built === 0 ? 'dist/ was missing: built' : 'dist/ was older than src/: rebuilt';
}

const dotnetEnv = {
  ...process.env,
  DOTNET_CLI_TELEMETRY_OPTOUT: '1',
  DOTNET_NOLOGO: '1',
  DOTNET_SKIP_FIRST_TIME_EXPERIENCE: '1',
};

/** NuGet's own words for what it refused (NU1101 unknown package, NU1102 unknown version, ...). */
function nugetErrors(output) {
  const lines = output.split('\n').filter((l) => /error NU\d+|warning NU\d+/.test(l));
  return lines.length > 0 ? [...new Set(lines.map((l) => l.trim()))].join('\n') : tail(output, 30);
}

async function restoreCsharp() {
  const result = await run('dotnet', ['restore', csharpProject, '--nologo'], { env: dotnetEnv, timeoutMs: 600_000 });
  if (result.code !== 0) {
    throw new PrerequisiteError(
      `\`dotnet restore\` of tests/clients/csharp failed (${describeExit(result)}); ` +
        `it needs ModelContextProtocol 2.4.0 and its dependencies from NuGet:\n${nugetErrors(`${result.stdout}\n${result.stderr}`)}`,
    );
  }
  return 'ModelContextProtocol [2.4.0] and its dependencies restored';
}

async function buildCsharp() {
  const result = await run('dotnet', ['build', csharpProject, '-c', 'Release', '--no-restore', '--nologo', '-v', 'q'], {
    env: dotnetEnv,
    timeoutMs: 600_000,
  });
  if (result.code !== 0 || !existsSync(csharpDll)) {
    throw new PrerequisiteError(
      `\`dotnet build\` of tests/clients/csharp failed (${describeExit(result)}):\n${tail(`${result.stdout}\n${result.stderr}`, 30)}`,
    );
  }
  return path.relative(root, csharpDll);
}

async function loadAuthorizationServer() {
  if (!existsSync(authorizationServerModule)) {
    throw new PrerequisiteError(
      `${path.relative(root, authorizationServerModule)} is missing (the fake OAuth authorization server)`,
    );
  }
  let tsImport;
  try {
    // tsx is a root devDependency, found by walking up from tests/clients (it is not in
    // tests/clients/node_modules), so this file needs nothing of its own.
    ({ tsImport } = await import('tsx/esm/api'));
  } catch (error) {
    throw new PrerequisiteError(
      `cannot load tsx from the root node_modules (run \`npm ci\` at the root): ${error.message}`,
    );
  }
  const module = await tsImport(pathToFileURL(authorizationServerModule).href, import.meta.url);
  if (typeof module.startAuthorizationServer !== 'function') {
    throw new PrerequisiteError(
      `${path.relative(root, authorizationServerModule)} exports no startAuthorizationServer()`,
    );
  }
  return module.startAuthorizationServer;
}

// ---------------------------------------------------------------------------------------------
// The clients

/**
 * The Inspector's CLI: `mcp-inspector --cli <url> --transport http --method ... --format json`.
 * Options from its clients/cli/src/cli.ts (bundled into clients/cli/build/index.js); exit codes from
 * core/cli/error-handler.ts (EXIT_CODES: 0 OK, 3 AUTH_REQUIRED, 4 UNREACHABLE, 5 TOOL_ERROR, ...).
 * `--stored-auth-only` keeps it from starting an interactive OAuth login on a 401 (it would wait
 * for a browser): it fails with auth_required instead. HOME and its state files point into the
 * temporary folder so nothing of the user's ~/.mcp-inspector is read or written.
 */
function inspector(ctx, url, method, { token, toolArgs } = {}) {
  const args = [ctx.inspector.entry, '--cli', url, '--transport', 'http', '--method', method, '--format', 'json'];
  if (method === 'tools/call') args.push('--tool-name', 'echo', '--tool-arg', ...toolArgs);
  if (token !== undefined) args.push('--header', `Authorization: Bearer ${token}`);
  args.push('--stored-auth-only', '--connect-timeout', '20000');
  const home = ctx.inspectorHome;
  return run(ctx.node.node, args, {
    timeoutMs: 60_000,
    env: {
      ...process.env,
      HOME: home,
      USERPROFILE: home,
      MCP_STORAGE_DIR: path.join(home, 'storage'),
      MCP_CATALOG_PATH: path.join(home, 'mcp.json'),
      MCP_CLIENT_CONFIG_PATH: path.join(home, 'client.json'),
      MCP_INSPECTOR_OAUTH_STATE_PATH: path.join(home, 'oauth.json'),
      MCP_INSPECTOR_SECRET_STORE: 'memory',
      NO_COLOR: '1',
    },
  });
}

function parseJsonOutput(text, what) {
  const trimmed = text.trim();
  try {
    return JSON.parse(trimmed);
  } catch {
    fail(`${what} did not print one JSON object: ${tail(trimmed, 5) || '(nothing)'}`);
  }
}

function inspectorFailure(result) {
  return `${describeExit(result)}; stderr: ${tail(result.stderr, 8) || '(empty)'}; stdout: ${tail(result.stdout, 4) || '(empty)'}`;
}

async function inspectorListsTools(ctx, url, token) {
  const result = await inspector(ctx, url, 'tools/list', { token });
  if (result.code !== 0) fail(`Inspector ${inspectorFailure(result)}`);
  const output = parseJsonOutput(result.stdout, 'Inspector tools/list');
  const tools = (output.result?.tools ?? output.tools ?? []).map((tool) => tool.name);
  if (!tools.includes('echo')) fail(`tools/list has no echo tool: ${tail(result.stdout, 5)}`);
  return `exit 0, ${tools.length} tools (${tools.slice(0, 4).join(', ')}, ...)`;
}

async function inspectorCallsEcho(ctx, url, token) {
  const text = `hi from the Inspector at ${new URL(url).pathname}`;
  const result = await inspector(ctx, url, 'tools/call', { token, toolArgs: [`text=${text}`] });
  if (result.code !== 0) fail(`Inspector ${inspectorFailure(result)}`);
  const output = parseJsonOutput(result.stdout, 'Inspector tools/call');
  const content = output.result?.content ?? output.content ?? [];
  const echoed = content.map((block) => block.text ?? '').join('');
  if (echoed !== text) fail(`echo returned ${JSON.stringify(echoed)}, expected ${JSON.stringify(text)}`);
  if (output.result?.isError) fail(`echo returned isError: ${tail(result.stdout, 5)}`);
  return `exit 0, echo returned ${JSON.stringify(echoed)}`;
}

/** Without an acceptable token the Inspector must be refused: exit 3 (AUTH_REQUIRED), the adapter's 401 body quoted. */
async function inspectorIsRefused(ctx, url, token) {
  const result = await inspector(ctx, url, 'tools/list', { token });
  if (result.code === 0) fail(`the Inspector was served without an acceptable token: ${tail(result.stdout, 5)}`);
  const error = parseJsonOutput(result.stderr.trim().split('\n').at(-1) ?? '', 'Inspector error envelope').error;
  // The envelope quotes the adapter's 401 body ({"error":{"code":"authentication_required",...}}, README).
  if (result.code !== 3 || error?.code !== 'auth_required' || !error.message?.includes('authentication_required')) {
    fail(`expected exit 3, auth_required quoting the adapter's 401, got ${inspectorFailure(result)}`);
  }
  return `exit 3, ${error.code}: ${error.message}`;
}

/** What a client reads before it authorizes: 401 naming the path-suffixed RFC 9728 URL, whose `resource` is the URL used. */
async function challengeNamesResource(url) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: {
        protocolVersion: '2025-11-25',
        capabilities: {},
        clientInfo: { name: 'challenge-check', version: '1' },
      },
    }),
  });
  await response.arrayBuffer();
  const challenge = response.headers.get('www-authenticate') ?? '';
  if (response.status !== 401) fail(`POST ${url} without a token answered ${response.status}, expected 401`);
  const metadataUrl = /resource_metadata="([^"]+)"/.exec(challenge)?.[1];
  const u = new URL(url);
  const expected = `${u.origin}/.well-known/oauth-protected-resource${u.pathname}`;
  if (metadataUrl !== expected)
    fail(`WWW-Authenticate ${JSON.stringify(challenge)} names ${metadataUrl}, expected ${expected}`);
  const metadata = await (await fetch(metadataUrl)).json();
  if (metadata.resource !== url)
    fail(`${metadataUrl} says resource ${JSON.stringify(metadata.resource)}, expected ${url}`);
  return `401 -> ${new URL(metadataUrl).pathname} -> resource ${metadata.resource}, authorization_servers ${JSON.stringify(metadata.authorization_servers)}`;
}

/** The C# SDK with its OAuth flow; checks the JSON line it prints (tests/clients/csharp/Program.cs) and what the authorization server saw. */
async function csharpClient(ctx, url, extraArgs = []) {
  const text = `hi from C# at ${new URL(url).pathname}`;
  const as = ctx.as;
  const before = {
    registrations: as.registrations,
    authorizations: as.authorizationRequests.length,
    tokens: as.tokenRequests.length,
  };
  const result = await run('dotnet', [csharpDll, url, '--text', text, ...extraArgs], {
    env: dotnetEnv,
    timeoutMs: 120_000,
  });
  if (result.code !== 0) {
    fail(
      `C# client ${describeExit(result)}: ${tail(result.stderr, 12) || '(no stderr)'}${result.stdout ? `; stdout: ${tail(result.stdout, 3)}` : ''}`,
    );
  }
  const report = parseJsonOutput(result.stdout.trim().split('\n').at(-1) ?? '', 'C# client');
  if (report.ok !== true || report.echo !== text) fail(`unexpected report: ${result.stdout.trim()}`);
  // The SDK registered itself (RFC 7591), asked to be authorized with S256 PKCE for exactly this
  // URL (RFC 8707: the resource its RFC 9728 check accepted), and exchanged the code for it.
  const registered = as.registrations - before.registrations;
  if (registered < 1) fail('the SDK did not register a client (RFC 7591) at the authorization server');
  const authorizations = as.authorizationRequests.slice(before.authorizations);
  if (authorizations.length === 0) fail('the authorization server saw no authorization request');
  for (const request of authorizations) {
    if (request.resource !== url || request.codeChallengeMethod !== 'S256') {
      fail(`authorization request ${JSON.stringify(request)}: expected resource ${url} with S256 PKCE`);
    }
  }
  const tokens = as.tokenRequests.slice(before.tokens);
  if (!tokens.some((request) => request.grantType === 'authorization_code')) {
    fail(`no authorization_code token request: ${JSON.stringify(tokens)}`);
  }
  for (const request of tokens) {
    if (request.resource !== url) fail(`token request ${JSON.stringify(request)}: expected resource ${url}`);
  }
  return (
    `exit 0, server ${report.server}, protocol ${report.protocolVersion}, ${report.unauthorized} x 401, then ` +
    `${registered} registration, ${authorizations.length} authorization (S256) and ${tokens.length} token request ` +
    `(${tokens.map((t) => t.grantType).join(', ')}) for resource ${url}; echo ${JSON.stringify(report.echo)} ` +
    `(${report.ms} ms in the client)`
  );
}

// ---------------------------------------------------------------------------------------------
// Main

function fixtureServer(extra) {
  // process.execPath: the Node running this driver (20 or 22) runs the fixture, as in the tests.
  return { command: process.execPath, args: [nodeFixture], ...extra };
}

async function main() {
  const ctx = {};
  const ready = await check('prerequisite: Inspector installed (tests/clients/node_modules)', () => {
    ctx.inspector = findInspector();
    return `${INSPECTOR} ${ctx.inspector.version} (engines.node ${ctx.inspector.engines})`;
  });
  // The Inspector's own `engines.node` (">=22.19.0") says which Node runs it.
  const minimum =
    parseVersion(/>=\s*(\d+\.\d+\.\d+)/.exec(ctx.inspector?.engines ?? '')?.[1] ?? '') ?? DEFAULT_INSPECTOR_NODE;
  const nodeOk = await check(`prerequisite: Node >= ${minimum.join('.')} for the Inspector`, async () => {
    ctx.node = await findInspectorNode(minimum);
    return `${ctx.node.node} (v${ctx.node.version.join('.')})`;
  });
  const dotnetOk = await check('prerequisite: dotnet on PATH', async () => `dotnet ${await checkDotnet()}`);
  const asOk = await check('prerequisite: fake OAuth authorization server module (via tsx)', async () => {
    ctx.startAuthorizationServer = await loadAuthorizationServer();
    return path.relative(root, authorizationServerModule);
  });
  if (!(ready && nodeOk && dotnetOk && asOk)) return;

  if (!(await check('setup: adapter build (npm run build when dist/ is stale)', buildAdapterIfStale))) return;
  if (!(await check('setup: dotnet restore tests/clients/csharp', restoreCsharp))) return;
  if (!(await check('setup: dotnet build tests/clients/csharp (Release)', buildCsharp))) return;

  const dir = mkdtempSync(path.join(tmpdir(), 'mcp-clients-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  ctx.inspectorHome = path.join(dir, 'inspector-home');

  const asStarted = await check('setup: fake OAuth authorization server', async () => {
    ctx.as = await ctx.startAuthorizationServer({ dynamicRegistration: true });
    cleanups.push(() => ctx.as.close());
    return `issuer ${ctx.as.issuer}`;
  });
  if (!asStarted) return;

  const auth = { method: 'oauth2_bearer', oauth2_issuer: ctx.as.issuer };
  const configs = {
    protected: {
      mcpServers: {
        alpha: fixtureServer({ default: true, auth }),
        beta: fixtureServer({ auth }),
      },
    },
    open: { mcpServers: { open: fixtureServer({ auth: { method: 'none' } }) } },
  };
  for (const [name, config] of Object.entries(configs)) {
    const file = path.join(dir, `${name}.json`);
    writeFileSync(file, `${JSON.stringify(config, null, 2)}\n`);
    const validated = await check(`setup: validate the ${name} config`, async () => {
      const result = await run(process.execPath, [adapterCli, 'validate', file], { timeoutMs: 60_000 });
      if (result.code !== 0) fail(`validate ${describeExit(result)}: ${tail(`${result.stdout}\n${result.stderr}`)}`);
      return result.stdout.trim().replace(/^.*? is valid/, 'valid');
    });
    if (!validated) return;
    const started = await check(`setup: start the ${name} adapter`, async () => {
      ctx[name] = await startAdapter(name, file);
      return `${ctx[name].url} (${Object.keys(config.mcpServers).join(', ')})`;
    });
    if (!started) return;
  }

  const open = ctx.open.url;
  const prot = ctx.protected.url;

  // The Inspector without a token, against `auth: none`: `/mcp` (the only server) and `/mcp/<name>`.
  for (const url of [`${open}/mcp`, `${open}/mcp/open`]) {
    await check(`inspector tools/list ${new URL(url).pathname} (auth none, no token)`, () =>
      inspectorListsTools(ctx, url),
    );
    await check(`inspector tools/call echo ${new URL(url).pathname} (auth none, no token)`, () =>
      inspectorCallsEcho(ctx, url),
    );
  }

  // The Inspector against oauth2_bearer: refused without a token, or with another server's token;
  // served with a token minted for the URL it uses (audience: that URL).
  for (const url of [`${prot}/mcp`, `${prot}/mcp/beta`]) {
    const pathname = new URL(url).pathname;
    await check(`inspector refused at ${pathname} (oauth2_bearer, no token)`, () => inspectorIsRefused(ctx, url));
    await check(`inspector tools/list ${pathname} (oauth2_bearer, bearer token)`, async () =>
      inspectorListsTools(ctx, url, await ctx.as.token(url)),
    );
    await check(`inspector tools/call echo ${pathname} (oauth2_bearer, bearer token)`, async () =>
      inspectorCallsEcho(ctx, url, await ctx.as.token(url)),
    );
  }
  await check('inspector refused at /mcp/alpha with a token for /mcp/beta (another server)', async () =>
    inspectorIsRefused(ctx, `${prot}/mcp/alpha`, await ctx.as.token(`${prot}/mcp/beta`)),
  );

  // What the C# SDK reads first, checked on its own so a failure below says which side is wrong.
  for (const url of [`${prot}/mcp/beta`, `${prot}/mcp`]) {
    await check(`RFC 9728 challenge and metadata at ${new URL(url).pathname}`, () => challengeNamesResource(url));
  }

  // The C# SDK with OAuth: its default (2026-07-28 first, falling back to initialize), and pinned to 2025-11-25.
  await check('csharp OAuth + tools/call echo at /mcp/beta', () => csharpClient(ctx, `${prot}/mcp/beta`));
  await check('csharp OAuth + tools/call echo at /mcp (default server)', () => csharpClient(ctx, `${prot}/mcp`));
  await check('csharp OAuth + tools/call echo at /mcp/alpha (protocol 2025-11-25)', () =>
    csharpClient(ctx, `${prot}/mcp/alpha`, ['--protocol-version', '2025-11-25']),
  );
}

let exitCode = 1;
try {
  await main();
  exitCode = summary() ? 0 : 1;
} catch (error) {
  process.stdout.write(`FAIL driver: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  summary();
} finally {
  await cleanupAll();
}
process.exit(exitCode);
