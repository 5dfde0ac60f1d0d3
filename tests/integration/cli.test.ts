import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { repoRoot } from '../helpers/adapter.js';

const CLI = path.join(repoRoot, 'src/cli/main.ts');
/** tsx, resolved from here so that the CLI can also run in a folder outside the repository. */
const TSX = import.meta.resolve('tsx');
const SAMPLES = path.join(repoRoot, 'tests/fixtures/configs/samples');
const SAMPLE_NAMES = ['none', 'azure_default', 'azure_obo', 'oauth2_bearer', 'vscode-mcp'];

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The environment of the CLI: ours, without a config path that would change discovery. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.MCP_CONFIG_PATH;
  return env;
}

/** Runs the CLI as `npm run validate/plan` would (TypeScript through tsx), in the repository root unless told. */
function cli(args: string[], options: { cwd?: string } = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', TSX, CLI, ...args], {
      cwd: options.cwd ?? repoRoot,
      env: cleanEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(
          `CLI ${args.join(' ')} did not exit within 120 s (a hang, not a slow machine)\nstdout: ${stdout}\nstderr: ${stderr}`,
        ),
      );
    }, 120_000);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** What validate says about the file, without what it says about this machine (uvx installed or not, variables set or not). */
const aboutTheFile = (stdout: string) =>
  stdout
    .split('\n')
    .filter((line) => !line.startsWith('npm start here would: '))
    .join('\n');
const show = (run: Run) => `exit ${run.code}\nstdout:\n${run.stdout}\nstderr:\n${run.stderr}`;
const sample = (name: string) => path.join(SAMPLES, `${name}.json`);
const golden = (name: string) => readFileSync(path.join(SAMPLES, `${name}.plan.json`), 'utf8');

describe('cli validate', () => {
  test('the bundled mcp_config.json is valid, found by discovery or named', async () => {
    const [discovered, named] = await Promise.all([cli(['validate']), cli(['validate', 'mcp_config.json'])]);
    for (const run of [discovered, named]) {
      assert.equal(run.code, 0, show(run));
      assert.equal(run.stdout, 'mcp_config.json is valid: 1 server(s): sequential-thinking\n');
      assert.equal(run.stderr, '');
    }
  });

  test('every sample is valid', async () => {
    const expected: Record<string, string[]> = {
      none: ['time', 'code-search'],
      azure_default: ['azure-resources', 'log-analytics'],
      azure_obo: ['fabric-rti', 'mail'],
      oauth2_bearer: ['tickets'],
      'vscode-mcp': ['perplexity', 'fetch'],
    };
    // Samples are for deployment: azd supplies their values and the package their commands.
    const runs = await Promise.all(SAMPLE_NAMES.map((name) => cli(['validate', sample(name), '--allow-missing'])));
    SAMPLE_NAMES.forEach((name, i) => {
      const run = runs[i]!;
      assert.equal(run.code, 0, show(run));
      const lines = run.stdout.split('\n');
      assert.equal(
        lines[0],
        `${path.relative(repoRoot, sample(name))} is valid: ${expected[name]!.length} server(s): ${expected[name]!.join(', ')}`,
      );
      assert.equal(run.stderr, '');
    });
    // The VS Code sample's remote server is reported, as a warning.
    assert.deepEqual(aboutTheFile(runs[4]!.stdout).split('\n').slice(1), [
      `warning: ${path.relative(repoRoot, sample('vscode-mcp'))}:37:5 at /servers/github: skipped: "github" is a remote http server, not a STDIO one; the adapter serves only STDIO servers`,
      '',
    ]);
    for (const run of runs.slice(0, 4)) assert.equal(run.stdout.includes('warning:'), false, show(run));
  });

  test('a broken file: exit 1 and every error at once, as file:line:column at /json/path: message', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'mcp-cli-'));
    const file = path.join(dir, 'broken.json');
    writeFileSync(
      file,
      `{
  "mcpServers": {
    "my server": { "command": "uvx" },
    "db": {
      "command": "uvx",
      "args": "--from mysql-mcp-server mysql_mcp_server",
      "env": { "MYSQL_HOST": "localhost", "MYSQL_PORT": 3306 },
      "framing": "lsp",
      "restart_on_falure": false
    }
  }
}
`,
    );
    const run = await cli(['validate', file]);
    assert.equal(run.code, 1, show(run));
    assert.equal(run.stdout, '');
    const [head, ...lines] = run.stderr.trimEnd().split('\n');
    assert.equal(head, `Invalid MCP config ${file}:`);
    assert.deepEqual(
      lines.sort(),
      [
        `  - ${file}:3:5 at /mcpServers/my server: invalid name "my server": server names appear in URLs: letters, digits, '_', '.', '-', at most 64 characters, starting with a letter or digit`,
        `  - ${file}:6:7 at /mcpServers/db/args: must be an array of strings, not one string; write each argument separately, e.g. ["--from","mysql-mcp-server","mysql_mcp_server"]`,
        `  - ${file}:7:43 at /mcpServers/db/env/MYSQL_PORT: environment values must be strings: write "3306" in quotes (got number)`,
        `  - ${file}:8:7 at /mcpServers/db/framing: must be one of "auto", "ndjson", "content-length"`,
        `  - ${file}:9:7 at /mcpServers/db/restart_on_falure: unknown property "restart_on_falure"; did you mean "restart_on_failure"?`,
      ].sort(),
    );
  });

  test('a syntax error: exit 1 with line and column', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'mcp-cli-'));
    const file = path.join(dir, 'bad.json');
    writeFileSync(file, '{\n  "mcpServers": {\n    "a": { "command": "x" },\n  }\n  "adapter": {}\n}\n');
    const run = await cli(['validate', file]);
    assert.equal(run.code, 1, show(run));
    assert.equal(
      run.stderr,
      `Invalid MCP config ${file}:\n  - ${file}:5:3 at /: invalid JSON: expected ',' between entries\n`,
    );
  });

  test("prints the warnings of the predecessor's MySQL example, and still exits 0", async () => {
    const file = path.join(repoRoot, 'tests/fixtures/configs/predecessor/mysql.json');
    // Its command (uvx) need not be installed here: only what the file says is checked.
    const run = await cli(['validate', file, '--allow-missing']);
    assert.equal(run.code, 0, show(run));
    assert.equal(
      aboutTheFile(run.stdout),
      'tests/fixtures/configs/predecessor/mysql.json is valid: 1 server(s): mysql\n' +
        `warning: ${path.relative(repoRoot, file)}:10:9 at /mcpServers/mysql/env/MYSQL_PASSWORD: "MYSQL_PASSWORD" looks like a secret written as a literal value; use "\${secret:MYSQL_PASSWORD}" and keep the value in Key Vault / .env\n`,
    );
    assert.equal(run.stdout.includes('your_password'), false, 'the value itself is never printed');
  });
});

describe('cli validate: what npm start here would refuse', () => {
  test('an unset variable and a command not on PATH: valid, said, exit 1 unless --allow-missing (deployed, azd and the package supply them)', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'mcp-cli-local-'));
    const file = path.join(dir, 'mcp_config.json');
    writeFileSync(
      file,
      JSON.stringify({
        mcpServers: {
          settings: { command: process.execPath, env: { API_URL: '${env:MCP_TEST_SURELY_UNSET_VARIABLE}' } },
          missing: { command: 'surely-not-a-command-on-path' },
          fine: { command: process.execPath },
        },
      }),
    );
    const strict = await cli(['validate', file]);
    assert.equal(strict.code, 1, show(strict));
    assert.match(strict.stderr, /npm start here would not serve everything .*--allow-missing/);
    const run = await cli(['validate', file, '--allow-missing']);
    assert.equal(run.code, 0, show(run));
    assert.equal(run.stdout, strict.stdout, 'the same findings either way');
    assert.match(run.stdout, /is valid: 3 server\(s\)/);
    assert.match(
      run.stdout,
      /npm start here would: not serve "settings": \/mcpServers\/settings\/env\/API_URL: unresolved variable \$\{env:MCP_TEST_SURELY_UNSET_VARIABLE\}/,
    );
    assert.match(run.stdout, /npm start here would: fail to start "missing": .*surely-not-a-command-on-path/);
    assert.doesNotMatch(run.stdout, /"fine"/);
  });
});

describe('cli plan', () => {
  test('prints the plan as readable tables', async () => {
    const run = await cli(['plan', sample('none')]);
    assert.equal(run.code, 0, show(run));
    assert.equal(run.stderr, '');
    const lines = run.stdout.split('\n');
    const sections = lines.filter((line) => /^\S/.test(line));
    assert.deepEqual(sections, [
      'Servers',
      'App settings',
      'Key Vault secrets',
      'Role assignments',
      'Identity',
      'Entra (On-Behalf-Of)',
      'Apps (Flex Consumption)',
      'Warnings',
    ]);
    const row = (...cells: string[]) =>
      new RegExp(`^  ${cells.map((cell) => cell.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('\\s+')}$`);
    const has = (pattern: RegExp) =>
      assert.ok(
        lines.some((line) => pattern.test(line)),
        `a line matching ${pattern}\n${run.stdout}`,
      );
    has(row('name', 'endpoint', 'app', 'state', 'auth level', 'method', 'caller', 'child'));
    has(row('time (default)', '/mcp/time', 'api', 'stateful', 'function', 'none', 'function_key', 'none'));
    has(row('code-search', '/mcp/code-search', 'api', 'stateful', 'function', 'none', 'function_key', 'none'));
    assert.equal(
      run.stdout.includes('MCP_ADAPTER_MAX_SESSIONS'),
      false,
      'each app gets its session cap from the Bicep',
    );
    has(row('GITHUB_TOKEN', 'Key Vault secret GITHUB-TOKEN'));
    has(row('LOCAL_TIMEZONE', 'azd env LOCAL_TIMEZONE'));
    has(row('MCP_INPUT_SEARCH_API_KEY', 'Key Vault secret input-search-api-key'));
    has(row('secret', 'app setting', 'value from'));
    has(row('input-search-api-key', 'MCP_INPUT_SEARCH_API_KEY', 'azd env MCP_INPUT_SEARCH_API_KEY'));
    has(row('Key Vault Secrets User', 'keyVault', "the app resolves Key Vault references to the config's secrets"));
    has(/^ {2}child uses the managed identity: no$/);
    has(/^ {2}not used$/);
    has(
      row(
        'service',
        'role',
        'servers',
        'max instances',
        'memory',
        'always ready',
        'sessions/instance',
        'HTTP concurrency',
      ),
    );
    // Stateful by default: one instance, so every request of a session reaches its one child.
    has(row('api', 'stateful', 'time, code-search', '1', '4096 MB', '0', '25 (child ~150 MB)', '100'));
    has(/^ {2}- capacity: app api serves "time", "code-search" on one instance: 25 sessions at 4096 MB/);
    has(/^ {2}- \/deployment: maximum_instance_count and always_ready_instances describe the app that scales out/);
  });

  test('the readable form shows skipped servers, Entra, identity and warnings when there are some', async () => {
    const [vscode, mi] = await Promise.all([
      cli(['plan', sample('vscode-mcp')]),
      cli(['plan', sample('azure_default')]),
    ]);
    for (const run of [vscode, mi]) assert.equal(run.code, 0, show(run));
    assert.match(
      vscode.stdout,
      /\nSkipped\n {2}name\s+type\s+why\n.*\n {2}github\s+http\s+a remote http server is already reachable over HTTP; there is nothing to adapt\n/,
    );
    assert.match(
      vscode.stdout,
      /\nWarnings\n {2}- \/servers\/github: skipped: "github" is a remote http server, not a STDIO one; the adapter serves only STDIO servers\n {2}- capacity: app api serves /,
    );
    assert.match(
      mi.stdout,
      /\n {2}child uses the managed identity: yes \(scopes: https:\/\/api\.loganalytics\.io\/\.default, https:\/\/management\.azure\.com\/\.default, https:\/\/storage\.azure\.com\/\.default\)\n/,
    );
    assert.match(mi.stdout, /\nEntra \(On-Behalf-Of\)\n {2}not used\n/);
  });

  test('plan --json prints exactly the golden plan of every sample, and --out writes the same', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'mcp-cli-plan-'));
    const runs = await Promise.all(
      SAMPLE_NAMES.map((name) => cli(['plan', sample(name), '--json', '--out', path.join(dir, `${name}.json`)])),
    );
    SAMPLE_NAMES.forEach((name, i) => {
      const run = runs[i]!;
      assert.equal(run.code, 0, show(run));
      assert.equal(run.stdout, golden(name), `${name}: plan --json matches ${name}.plan.json byte for byte`);
      assert.equal(
        readFileSync(path.join(dir, `${name}.json`), 'utf8'),
        golden(name),
        `${name}: --out writes the same`,
      );
      assert.equal(run.stderr, '');
    });
  });

  test('plan --out without --json writes the JSON and prints the tables; --out is relative to the working directory', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'mcp-cli-plan-'));
    const [obo, relative] = await Promise.all([
      cli(['plan', sample('azure_obo'), '--out', path.join(dir, 'plan.json')]),
      cli(['plan', path.relative(dir, sample('vscode-mcp')), '--out', 'relative.json', '--json'], { cwd: dir }),
    ]);
    for (const run of [obo, relative]) assert.equal(run.code, 0, show(run));
    assert.equal(readFileSync(path.join(dir, 'plan.json'), 'utf8'), golden('azure_obo'));
    assert.match(obo.stdout, /^Servers\n/);
    assert.match(
      obo.stdout,
      /\nEntra \(On-Behalf-Of\)\n {2}servers: fabric-rti, mail\n {2}OBO scopes: https:\/\/api\.fabric\.microsoft\.com\/\.default, https:\/\/graph\.microsoft\.com\/Mail\.Read, https:\/\/kusto\.kusto\.windows\.net\/\.default\n {2}required caller scopes: Mail\.Tools, user_impersonation\n {2}credential: federated_credential\n/,
    );
    assert.match(obo.stdout, /\nKey Vault secrets\n {2}\(none\)\n/);
    assert.equal(readFileSync(path.join(dir, 'relative.json'), 'utf8'), golden('vscode-mcp'));
    assert.equal(relative.stdout, golden('vscode-mcp'));
  });

  test('a config that cannot be deployed: exit 1 with every plan error', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'mcp-cli-plan-'));
    const file = path.join(dir, 'mcp_config.json');
    writeFileSync(
      file,
      JSON.stringify(
        {
          mcpServers: {
            a: { command: 'x', env: { A: '${secret:api_key}', B: '${secret:API_KEY}', C: '${env:WEBSITE_SITE_NAME}' } },
          },
        },
        null,
        2,
      ),
    );
    const plan = await cli(['plan', file, '--json', '--out', path.join(dir, 'plan.json')]);
    assert.equal(plan.code, 1, show(plan));
    assert.equal(plan.stdout, '');
    assert.equal(
      plan.stderr,
      `Cannot plan a deployment of ${file}:\n` +
        `  - ${file} at /mcpServers/a/env/B: \${secret:API_KEY} maps to the Key Vault secret "API-KEY", which api_key already maps to (Key Vault names are case-insensitive and have no '_'); rename one\n` +
        `  - ${file} at /mcpServers/a/env/C: \${env:WEBSITE_SITE_NAME} would set the app setting WEBSITE_SITE_NAME, which the platform or the adapter owns; choose another name\n`,
    );
    assert.throws(() => readFileSync(path.join(dir, 'plan.json')), /ENOENT/, 'no plan file is written');
  });
});

describe('cli usage', () => {
  test('an unknown command, an unknown option or a bad --port exit 2 with the usage', async () => {
    const runs = await Promise.all([
      cli(['frobnicate']),
      cli(['serve', '--port', 'abc']),
      cli(['serve', '--port', '70000']),
      cli(['validate', '--bogus']),
    ]);
    const [unknown, badPort, bigPort, unknownOption] = runs;
    for (const run of runs) {
      assert.equal(run.code, 2, show(run));
      assert.equal(run.stdout, '');
      assert.match(
        run.stderr,
        /\n\nUsage: mcp-stdio-adapter <command> \[options\]\n\nCommands:\n {2}validate \[file\]/,
      );
      assert.match(run.stderr, /\n {2}plan \[file\] \[--json\] \[--out file\]\n/);
      assert.match(run.stderr, /\n {2}serve \[--config file\] \[--port n\] \[--host h\]\n/);
    }
    assert.match(unknown!.stderr, /^unknown command "frobnicate"\n/);
    assert.match(badPort!.stderr, /^--port must be a port number, got "abc"\n/);
    assert.match(bigPort!.stderr, /^--port must be a port number, got "70000"\n/);
    assert.match(unknownOption!.stderr, /^Unknown option '--bogus'/);
  });

  test('no command prints the usage and exits 2; --help exits 0', async () => {
    const [none, help] = await Promise.all([cli([]), cli(['--help'])]);
    assert.equal(none.code, 2, show(none));
    assert.match(none.stdout + none.stderr, /^Usage: mcp-stdio-adapter <command> \[options\]\n/m);
    assert.equal(help.code, 0, show(help));
    assert.match(help.stdout, /^Usage: mcp-stdio-adapter <command> \[options\]\n/);
  });

  test('--help after any command prints the usage and exits 0 (no "Unknown option")', async () => {
    const runs = await Promise.all(['validate', 'plan', 'serve', 'smoke'].map((command) => cli([command, '--help'])));
    for (const run of runs) {
      assert.equal(run.code, 0, show(run));
      assert.match(run.stdout, /^Usage: mcp-stdio-adapter <command> \[options\]\n/);
      assert.equal(run.stderr, '');
    }
  });
});

/** `serve` as `npm start` runs it, on a config of one fixture server, until `stop`. */
function serveProcess(
  args: string[],
  env: NodeJS.ProcessEnv = {},
  names = ['fixture'],
  serverEnv: Record<string, string> = {},
) {
  const dir = mkdtempSync(path.join(tmpdir(), 'mcp-cli-serve-'));
  const file = path.join(dir, 'mcp_config.json');
  const fixture = path.join(repoRoot, 'tests/fixtures/servers/node-fixture.mjs');
  const servers = Object.fromEntries(
    names.map((name) => [name, { command: process.execPath, args: [fixture], env: serverEnv }]),
  );
  writeFileSync(file, JSON.stringify({ mcpServers: servers }));
  const child = spawn(process.execPath, ['--import', TSX, CLI, 'serve', '--config', file, ...args], {
    cwd: repoRoot,
    env: { ...cleanEnv(), MCP_ADAPTER_ISOLATION: 'shared_user', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const waitFor = async (pattern: RegExp, ms = 60_000) => {
    const deadline = Date.now() + ms;
    while (!pattern.test(output)) {
      if (Date.now() > deadline) throw new Error(`no ${pattern} within ${ms} ms:\n${output}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return pattern.exec(output)!;
  };
  return { child, exited, waitFor, output: () => output };
}

describe('cli serve', () => {
  test('the banner leads with a URL that answers: /mcp/<first> when several servers have no default', async () => {
    const served = serveProcess(['--port', '0'], {}, ['alpha', 'beta']);
    const [, url, rest] = await served.waitFor(/listening on (http:\/\/\S+?)(\/mcp\S*) {2}\((.*)\)/);
    assert.equal(rest, '/mcp/alpha');
    assert.match(
      served.output(),
      /\(one URL per server: \/mcp\/alpha, \/mcp\/beta; no server is "default": true, so \/mcp answers 404\)/,
    );
    assert.match(served.output(), new RegExp(`Open ${url!.replaceAll('.', '\\.')}/ for how to connect a client`));
    const page = await fetch(`${url}/`);
    assert.equal(page.status, 200);
    served.child.kill('SIGTERM');
    await served.exited;
  });

  test('a port in use: exit 1 with one line naming the address and what to do, no stack trace', async () => {
    const first = serveProcess(['--port', '0']);
    const url = (await first.waitFor(/listening on (http:\/\/\S+?)\/mcp/))[1]!;
    const port = new URL(url).port;
    const second = serveProcess(['--port', port]);
    assert.equal(await second.exited, 1, second.output());
    assert.match(
      second.output(),
      new RegExp(
        `Cannot listen on 127\\.0\\.0\\.1:${port}: the port is in use \\(another adapter, or func start\\?\\); choose another with --port or PORT`,
      ),
    );
    assert.doesNotMatch(second.output(), /\n\s+at /, 'no stack trace');
    first.child.kill('SIGTERM');
    assert.equal(await first.exited, 0);
  });

  test('a second Ctrl-C does not wait for a child that ignores its signals', async () => {
    // The child's environment is its server's `env` on a clean baseline, never the adapter's own.
    const served = serveProcess(['--port', '0'], {}, ['fixture'], { FIXTURE_IGNORE_SIGTERM: '1' });
    const url = (await served.waitFor(/listening on (http:\/\/\S+?)\/mcp/))[1]!;
    const init = await fetch(`${url}/mcp/fixture`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 't', version: '1' } },
      }),
    });
    assert.equal(init.status, 200);
    await init.text();
    served.child.kill('SIGINT');
    await served.waitFor(/stopping: ending sessions and their children \(Ctrl-C again to force\)/);
    served.child.kill('SIGINT');
    assert.equal(await served.exited, 130, served.output());
    assert.match(served.output(), /stopping now, without waiting for children/);
  });

  test('a non-loopback --host warns that servers without token checks would be open to the network (an address this machine lacks: nothing listens)', async () => {
    // 192.0.2.1 (TEST-NET-1, RFC 5737) is no address of this machine: the warning comes before
    // listening, which then fails, so the test never listens beyond loopback.
    const served = serveProcess(['--port', '0', '--host', '192.0.2.1']);
    assert.equal(await served.exited, 1, served.output());
    assert.match(served.output(), /these servers verify no token and npm start checks no function keys/);
    assert.match(served.output(), /"servers":\["fixture"\]/);
    assert.match(served.output(), /Cannot listen on 192\.0\.2\.1:0: no such address on this machine; check --host/);
  });
});
