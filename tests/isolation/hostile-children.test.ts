import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, test, type TestContext } from 'node:test';
import { DEFAULT_CLAIMS_DIR, processesOf } from '../../src/process/child-users.js';
import { startFakeMsi, type FakeMsi } from '../auth/helpers/identity-fake-msi.js';
import { startOidcIssuer, type OidcIssuer } from '../auth/helpers/issuers.js';
import { eventually, isAlive, MCP_HEADERS, openRawSession, repoRoot } from '../helpers/adapter.js';
import { callToolRaw } from '../helpers/raw-http.js';

/**
 * Hostile children against a real adapter process (the CLI, as `npm start` runs it), each read
 * first with isolation off (`shared_user`: the read must succeed, or the test proves nothing),
 * then with a user per child (`user_per_child`: the same read must fail). Every probe runs with
 * both hostile fixtures, the Node one and its Python twin (tests/fixtures/servers/README.md).
 * Needs root (or CAP_SETUID/CAP_SETGID): `npm run test:isolation`, which `.ci/run` runs.
 *
 * Loopback is one network for every user: a user per child keeps files and /proc apart, not
 * sockets. What a child can reach on 127.0.0.1 is therefore tested listener by listener; each
 * must refuse a child that lacks the secret or token any other client would need.
 */
const HOSTILE_NODE = path.join(repoRoot, 'tests/fixtures/servers/hostile-child.mjs');
const HOSTILE_PYTHON = path.join(repoRoot, 'tests/fixtures/servers/hostile_child.py');
const CLI = path.join(repoRoot, 'src/cli/main.ts');
const SECRET = `adapter-secret-${process.pid}-${Date.now()}`;
const ALPHA_SECRET = `alpha-secret-${process.pid}`;
/** The resource `azure_default` servers are configured for, and one they are not. */
const ARM = 'https://management.azure.com';
const GRAPH = 'https://graph.microsoft.com';
const AUDIENCE = 'api://hostile-children';

type Mode = 'shared_user' | 'user_per_child';
const MODES = ['shared_user', 'user_per_child'] as const;

/**
 * A Python 3.9+ that a child's user may run: the first `python3` on PATH may be a version
 * manager's shim under a folder only root may enter (/root/.pyenv), which a child of its own user
 * cannot execute. Tried as `nobody`, so the answer is the one a child gets.
 */
function pythonOtherUsersRun(): string | undefined {
  const candidates = new Set<string>(['/usr/bin/python3', '/usr/local/bin/python3']);
  const onPath = spawnSync('which', ['-a', 'python3'], { encoding: 'utf8' });
  for (const line of onPath.stdout?.split('\n') ?? []) if (line.trim()) candidates.add(line.trim());
  const real = spawnSync('python3', ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8' });
  if (real.status === 0 && real.stdout.trim()) candidates.add(real.stdout.trim());
  for (const candidate of candidates) {
    let resolved: string;
    try {
      resolved = realpathSync(candidate);
    } catch {
      continue;
    }
    const check = spawnSync(resolved, ['-c', 'import sys; print(sys.version_info >= (3, 9))'], {
      encoding: 'utf8',
      uid: 65534,
      gid: 65534,
      cwd: '/',
    });
    if (check.status === 0 && check.stdout.trim() === 'True') return resolved;
  }
  return undefined;
}
const PYTHON = pythonOtherUsersRun();

interface Fixture {
  name: 'node' | 'python';
  /** The config entry (command and args) that runs this hostile fixture. */
  server(extra?: Record<string, unknown>): Record<string, unknown>;
}

const FIXTURES: Fixture[] = [
  { name: 'node', server: (extra = {}) => ({ command: process.execPath, args: [HOSTILE_NODE], ...extra }) },
  {
    name: 'python',
    server: (extra = {}) => {
      // Fails the test (never skips it) on a machine without a Python other users may run.
      if (!PYTHON) throw new Error('no Python 3.9+ that other users may run (tried /usr/bin/python3 and PATH)');
      return { command: PYTHON, args: [HOSTILE_PYTHON], ...extra };
    },
  },
];

interface RunningAdapter {
  url: URL;
  process: ChildProcess;
  output: () => string;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

const running = new Set<RunningAdapter>();
after(async () => {
  for (const adapter of running) await adapter.stop('SIGKILL');
});

/** A config folder a child of another user can read (the config's folder is the children's working folder). */
function configFolder(servers: Record<string, unknown>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'mcp-isolation-'));
  chmodSync(dir, 0o755);
  const file = path.join(dir, 'mcp_config.json');
  writeFileSync(file, JSON.stringify({ mcpServers: servers }));
  chmodSync(file, 0o644);
  return file;
}

/** Two hostile servers: `alpha` (with a secret in its environment) and `beta`, which attacks it. */
function alphaAndBeta(fixture: Fixture): Record<string, unknown> {
  return { alpha: fixture.server({ env: { ALPHA_SECRET } }), beta: fixture.server() };
}

async function startAdapter(
  mode: Mode,
  servers: Record<string, unknown>,
  extraEnv: Record<string, string> = {},
): Promise<RunningAdapter> {
  const configFile = configFolder(servers);
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', CLI, 'serve', '--config', configFile, '--port', '0', '--host', '127.0.0.1'],
    {
      cwd: repoRoot,
      env: {
        ...process.env,
        MCP_ADAPTER_ISOLATION: mode,
        MCP_ADAPTER_SESSION_KEY: SECRET,
        LOG_LEVEL: 'info',
        ...extraEnv,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    output += chunk;
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    output += chunk;
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const listening = await eventually(() => /listening on (http:\/\/\S+?)\/mcp/.test(output), 60_000);
  if (!listening) {
    child.kill('SIGKILL');
    throw new Error(`the adapter did not start:\n${output}`);
  }
  const url = new URL(/listening on (http:\/\/\S+?)\/mcp/.exec(output)![1]!);
  const adapter: RunningAdapter = {
    url,
    process: child,
    output: () => output,
    stop: async (signal: NodeJS.Signals = 'SIGTERM') => {
      running.delete(adapter);
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
  running.add(adapter);
  return adapter;
}

interface ProbeResult {
  ok: boolean;
  value?: unknown;
  error?: string;
}

interface HttpAnswer {
  status: number;
  body: string;
}

async function probe(
  adapter: RunningAdapter,
  server: string,
  session: string,
  args: Record<string, unknown>,
): Promise<ProbeResult> {
  const text = await callToolRaw(new URL(`/mcp/${server}`, adapter.url), session, 'probe', args);
  return JSON.parse(text) as ProbeResult;
}

/** A GET the child makes; fails the test when the request itself failed (no HTTP answer). */
async function childGet(
  adapter: RunningAdapter,
  server: string,
  session: string,
  url: string,
  headers: Record<string, string> = {},
): Promise<HttpAnswer> {
  const result = await probe(adapter, server, session, { action: 'http_get', url, headers });
  assert.equal(result.ok, true, `the child's GET ${url} got no HTTP answer: ${JSON.stringify(result)}`);
  return result.value as HttpAnswer;
}

interface Whoami {
  uid: number;
  pid: number;
  ppid: number;
  home: string;
  tmp: string;
}

async function twoChildren(adapter: RunningAdapter) {
  const alphaSession = await openRawSession(new URL('/mcp/alpha', adapter.url));
  const betaSession = await openRawSession(new URL('/mcp/beta', adapter.url));
  const alpha = (await probe(adapter, 'alpha', alphaSession, { action: 'whoami' })).value as Whoami;
  const beta = (await probe(adapter, 'beta', betaSession, { action: 'whoami' })).value as Whoami;
  return { alphaSession, betaSession, alpha, beta };
}

async function deleteSession(adapter: RunningAdapter, server: string, session: string): Promise<void> {
  const response = await fetch(new URL(`/mcp/${server}`, adapter.url), {
    method: 'DELETE',
    headers: { ...MCP_HEADERS, 'mcp-session-id': session, 'mcp-protocol-version': '2025-11-25' },
  });
  assert.equal(response.status, 200, await response.text());
}

/** The variables of a NUL-separated /proc/<pid>/environ text. */
function environOf(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const entry of text.split('\0')) {
    const at = entry.indexOf('=');
    if (at > 0) env[entry.slice(0, at)] = entry.slice(at + 1);
  }
  return env;
}

/** A session's child reads its own environment: its credential endpoint and that endpoint's secret. */
async function ownCredentials(adapter: RunningAdapter, server: string, session: string) {
  const read = await probe(adapter, server, session, { action: 'read_file', path: '/proc/self/environ' });
  assert.equal(read.ok, true, JSON.stringify(read));
  const env = environOf(String(read.value));
  assert.match(env.IDENTITY_ENDPOINT ?? '', /^http:\/\/127\.0\.0\.1:\d+\/msi\/token$/);
  assert.ok(env.IDENTITY_HEADER, 'the child has its endpoint secret');
  return { endpoint: env.IDENTITY_ENDPOINT!, secret: env.IDENTITY_HEADER! };
}

function tokenUrl(endpoint: string, resource: string): string {
  const url = new URL(endpoint);
  url.searchParams.set('resource', resource);
  url.searchParams.set('api-version', '2019-08-01');
  return url.toString();
}

interface Listener {
  address: string;
  port: number;
  uid: number;
  inode: number;
}

/**
 * The TCP listeners a child can reach on loopback, from /proc/net/tcp and tcp6 as the child read
 * them (world-readable: every user sees every socket of the network namespace, with its owner's
 * uid): LISTEN sockets bound to a loopback address or to every address.
 */
function loopbackListeners(tables: string[]): Listener[] {
  const reachable = new Set([
    '0100007F', // 127.0.0.1
    '00000000', // 0.0.0.0
    '00000000000000000000000001000000', // ::1
    '00000000000000000000000000000000', // ::
    '0000000000000000FFFF00000100007F', // ::ffff:127.0.0.1
  ]);
  const listeners: Listener[] = [];
  for (const table of tables) {
    for (const line of table.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      if (fields.length < 10 || fields[3] !== '0A') continue;
      const [address, port] = fields[1]!.split(':') as [string, string];
      if (!reachable.has(address)) continue;
      listeners.push({ address, port: Number.parseInt(port, 16), uid: Number(fields[7]), inode: Number(fields[9]) });
    }
  }
  return listeners;
}

/** The processes of a uid and their states (`R`, `S`, `Z` for a zombie: dead, not yet reaped). */
function processStates(uid: number): Array<{ pid: number; state: string }> {
  const states: Array<{ pid: number; state: string }> = [];
  for (const pid of processesOf(uid)) {
    try {
      const state = /^State:\s+(\S)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? '?';
      states.push({ pid, state });
    } catch {
      // gone while we looked
    }
  }
  return states;
}

/** Socket inodes a process holds open (the test runs as root, so it may look into any process). */
function socketInodes(pid: number): Set<number> {
  const inodes = new Set<number>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const match = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (match) inodes.add(Number(match[1]));
    } catch {
      // closed while we looked
    }
  }
  return inodes;
}

describe('hostile children', { concurrency: false }, () => {
  for (const mode of MODES) {
    test(`${mode}: the self-report says which isolation is in force`, async () => {
      const isolated = mode === 'user_per_child';
      const adapter = await startAdapter(mode, alphaAndBeta(FIXTURES[0]!));
      const status = (await (await fetch(new URL('/status', adapter.url))).json()) as {
        isolation: { mode: string; reason: string; uid: number; capabilities: { setuid: boolean } };
      };
      assert.equal(status.isolation.mode, mode);
      assert.equal(status.isolation.uid, 0);
      assert.equal(status.isolation.capabilities.setuid, true);
      if (isolated) assert.match(status.isolation.reason, /a user of its own/);
      else {
        assert.match(status.isolation.reason, /adapter\.isolation \(or MCP_ADAPTER_ISOLATION\) is shared_user/);
        assert.match(
          adapter.output(),
          /children run as the adapter's user: any child can read the adapter's environment/,
        );
      }
      await adapter.stop();
    });
  }

  for (const fixture of FIXTURES) {
    describe(`the ${fixture.name} hostile child`, { concurrency: false }, () => {
      for (const mode of MODES) {
        const isolated = mode === 'user_per_child';
        const verdict = isolated ? 'fails with a user per child' : 'succeeds with a shared user (positive control)';

        test(`${mode}: reading the adapter's environment (/proc/<adapter>/environ, the session key) ${verdict}`, async () => {
          const adapter = await startAdapter(mode, alphaAndBeta(fixture));
          const { alphaSession, alpha } = await twoChildren(adapter);
          const adapterPid = adapter.process.pid!;
          const read = await probe(adapter, 'alpha', alphaSession, {
            action: 'read_file',
            path: `/proc/${adapterPid}/environ`,
          });
          if (isolated) {
            assert.notEqual(alpha.uid, 0, 'the child runs as a user of its own');
            assert.equal(read.ok, false);
            assert.equal(read.error, 'EACCES');
          } else {
            assert.equal(alpha.uid, 0);
            assert.equal(read.ok, true);
            assert.match(String(read.value), new RegExp(`MCP_ADAPTER_SESSION_KEY=${SECRET}`));
          }
          await adapter.stop();
        });

        test(`${mode}: reading another child's environment and listing or writing its HOME ${verdict}`, async () => {
          const adapter = await startAdapter(mode, alphaAndBeta(fixture));
          const { betaSession, alpha, beta } = await twoChildren(adapter);
          const environ = await probe(adapter, 'beta', betaSession, {
            action: 'read_file',
            path: `/proc/${alpha.pid}/environ`,
          });
          const listing = await probe(adapter, 'beta', betaSession, { action: 'list_dir', path: alpha.home });
          const writing = await probe(adapter, 'beta', betaSession, {
            action: 'write_file',
            path: path.join(alpha.tmp, 'planted'),
          });
          if (isolated) {
            assert.notEqual(alpha.uid, beta.uid, 'two children, two users');
            for (const attempt of [environ, listing, writing]) {
              assert.equal(attempt.ok, false, JSON.stringify(attempt));
              assert.equal(attempt.error, 'EACCES');
            }
            assert.equal(existsSync(path.join(alpha.tmp, 'planted')), false);
          } else {
            assert.equal(environ.ok, true);
            assert.match(String(environ.value), new RegExp(`ALPHA_SECRET=${ALPHA_SECRET}`));
            assert.equal(listing.ok, true);
            assert.equal(writing.ok, true);
            assert.equal(existsSync(path.join(alpha.tmp, 'planted')), true);
          }
          await adapter.stop();
        });

        test(`${mode}: a setsid grandchild ends with its session${isolated ? ', even one that clears its environment' : '; one that clears its environment outlives DELETE (the limit of a shared user)'}`, async () => {
          const adapter = await startAdapter(mode, alphaAndBeta(fixture));
          const { alphaSession } = await twoChildren(adapter);
          const escaped = (await probe(adapter, 'alpha', alphaSession, { action: 'escape' })).value as number;
          const hidden = (await probe(adapter, 'alpha', alphaSession, { action: 'escape', scrub_env: true }))
            .value as number;
          assert.equal(isAlive(escaped), true);
          assert.equal(isAlive(hidden), true);
          await deleteSession(adapter, 'alpha', alphaSession);
          assert.ok(
            await eventually(() => !isAlive(escaped), 10_000),
            isolated ? 'killed with its user' : "found by the child's HOME in its environment, and killed",
          );
          if (isolated) {
            assert.ok(
              await eventually(() => !isAlive(hidden), 10_000),
              'killed with its user, whatever its environment',
            );
          } else {
            await new Promise((resolve) => setTimeout(resolve, 1000));
            assert.equal(isAlive(hidden), true, 'neither its process group nor its environment names it any more');
            process.kill(hidden, 'SIGKILL');
          }
          await adapter.stop();
        });

        test(`${mode}: a fork bomb (300 processes) ${isolated ? 'stops at the child user process limit (256)' : 'is not limited with a shared user (positive control)'}`, async () => {
          const adapter = await startAdapter(mode, alphaAndBeta(fixture));
          const { alphaSession, alpha } = await twoChildren(adapter);
          const bomb = (await probe(adapter, 'alpha', alphaSession, { action: 'fork_bomb', count: 300 })).value as {
            started: number;
            refused?: string;
          };
          if (isolated) {
            assert.ok(bomb.started < 256, `started ${bomb.started}`);
            assert.equal(bomb.refused, 'EAGAIN');
          } else {
            assert.deepEqual(bomb, { started: 300 });
          }
          await adapter.stop();
          if (isolated) {
            // Every process of the bomb is killed with its user when the adapter stops; dead ones
            // may still be zombies, waiting for PID 1 to reap them.
            const left = processStates(alpha.uid);
            assert.deepEqual(
              left.filter((entry) => entry.state !== 'Z'),
              [],
              `processes of the bomb still running: ${JSON.stringify(left)}`,
            );
            // The next test's child may get the same uid: let PID 1 reap them first (see below).
            await eventually(() => processesOf(alpha.uid).length === 0, 10_000);
          }
        });
      }

      test(`user_per_child: what a SIGKILLed adapter's ${fixture.name} children leave (processes, folders) is cleaned at the next start`, async () => {
        const first = await startAdapter('user_per_child', alphaAndBeta(fixture));
        const { alphaSession, alpha } = await twoChildren(first);
        const escaped = (await probe(first, 'alpha', alphaSession, { action: 'escape' })).value as number;
        await first.stop('SIGKILL');
        assert.equal(isAlive(escaped), true, 'nothing ended them yet');
        assert.equal(existsSync(path.dirname(alpha.home)), true);
        assert.ok(processesOf(alpha.uid).length > 0);
        const second = await startAdapter('user_per_child', alphaAndBeta(fixture));
        assert.ok(await eventually(() => !isAlive(escaped) && processesOf(alpha.uid).length === 0, 10_000));
        assert.equal(existsSync(path.dirname(alpha.home)), false, "the dead adapter's private folder is removed");
        assert.match(second.output(), /ended what children of a stopped adapter left behind/);
        await second.stop();
      });

      test(`user_per_child: after a ${fixture.name} fork bomb's session ends, the next child given the same uid can still start processes (its killed processes no longer count against the limit)`, async (t: TestContext) => {
        // The bomb's processes are killed when its session ends, but a killed process counts
        // against its real uid's RLIMIT_NPROC until it is reaped, and orphans are PID 1's to reap.
        const adapter = await startAdapter('user_per_child', alphaAndBeta(fixture));
        let uid: number | undefined;
        try {
          const bomber = await openRawSession(new URL('/mcp/alpha', adapter.url));
          const first = (await probe(adapter, 'alpha', bomber, { action: 'whoami' })).value as Whoami;
          uid = first.uid;
          const bomb = (await probe(adapter, 'alpha', bomber, { action: 'fork_bomb', count: 300 })).value as {
            refused?: string;
          };
          assert.equal(bomb.refused, 'EAGAIN', 'the bomb reached the limit');
          await deleteSession(adapter, 'alpha', bomber);
          const claim = path.join(DEFAULT_CLAIMS_DIR, String(first.uid));
          assert.ok(await eventually(() => !existsSync(claim), 10_000), 'the uid is released');
          const zombies = processStates(first.uid).filter((entry) => entry.state === 'Z').length;
          t.diagnostic(
            `when the uid ${first.uid} was released, ${zombies} of its processes were zombies (killed, not yet reaped by PID 1)`,
          );
          const next = await openRawSession(new URL('/mcp/alpha', adapter.url));
          const second = (await probe(adapter, 'alpha', next, { action: 'whoami' })).value as Whoami;
          assert.equal(second.uid, first.uid, 'precondition: the lowest free uid is handed out again');
          const started = await probe(adapter, 'alpha', next, { action: 'fork_bomb', count: 20 });
          assert.deepEqual(
            started,
            { ok: true, value: { started: 20 } },
            "the new child inherits nothing of the bomb's",
          );
        } finally {
          await adapter.stop();
          if (uid !== undefined) await eventually(() => processesOf(uid!).length === 0, 10_000);
        }
      });

      describe(`${fixture.name}: loopback`, { concurrency: false }, () => {
        let msi: FakeMsi | undefined;
        let issuer: OidcIssuer | undefined;
        after(async () => {
          await msi?.close();
          await issuer?.server.close();
        });

        /**
         * `alpha` and `beta` with `azure_default` (each session's child gets a credential endpoint
         * of its own on 127.0.0.1 and its secret), and `guarded`, whose callers need a token of
         * the issuer (`oauth2_bearer`). The adapter gets a managed identity as Azure gives one to
         * the host: IDENTITY_ENDPOINT/IDENTITY_HEADER in its environment (a fake on loopback).
         */
        async function startWithCredentials(mode: Mode) {
          msi ??= await startFakeMsi();
          issuer ??= await startOidcIssuer({ audience: AUDIENCE });
          const credentials = { auth: { method: 'azure_default', azure_scopes: [`${ARM}/.default`] } };
          const adapter = await startAdapter(
            mode,
            {
              alpha: fixture.server({ env: { ALPHA_SECRET }, ...credentials }),
              beta: fixture.server(credentials),
              guarded: fixture.server({
                auth: { method: 'oauth2_bearer', oauth2_issuer: issuer.issuer, oauth2_audience: AUDIENCE },
              }),
            },
            // Locally the adapter asks DefaultAzureCredential; only its managed-identity part here.
            { ...msi.env, AZURE_TOKEN_CREDENTIALS: 'ManagedIdentityCredential' },
          );
          return { adapter, msi, issuer, ...(await twoChildren(adapter)) };
        }

        for (const mode of MODES) {
          const isolated = mode === 'user_per_child';
          test(`${mode}: child B is refused by child A's credential endpoint with no secret or its own (per-session secret); reading A's secret from /proc/<A>/environ ${isolated ? 'fails' : 'succeeds (positive control), and the stolen secret works'}`, async () => {
            const { adapter, msi, alphaSession, betaSession, alpha } = await startWithCredentials(mode);
            const alphaCredentials = await ownCredentials(adapter, 'alpha', alphaSession);
            const betaCredentials = await ownCredentials(adapter, 'beta', betaSession);
            assert.notEqual(alphaCredentials.endpoint, betaCredentials.endpoint, 'one endpoint per session');
            assert.notEqual(alphaCredentials.secret, betaCredentials.secret, 'one secret per session');

            // Positive control: A's own endpoint, with A's secret, serves A the app's token.
            const served = await childGet(adapter, 'alpha', alphaSession, tokenUrl(alphaCredentials.endpoint, ARM), {
              'x-identity-header': alphaCredentials.secret,
            });
            assert.equal(served.status, 200, served.body);
            assert.equal((JSON.parse(served.body) as { access_token: string }).access_token, msi.issued.at(-1));

            // B reaches A's endpoint (loopback is shared), but without A's secret it gets nothing.
            const target = tokenUrl(alphaCredentials.endpoint, ARM);
            const bare = await childGet(adapter, 'beta', betaSession, target);
            assert.equal(bare.status, 401, bare.body);
            assert.doesNotMatch(bare.body, /access_token/);
            const withOwn = await childGet(adapter, 'beta', betaSession, target, {
              'x-identity-header': betaCredentials.secret,
            });
            assert.equal(withOwn.status, 401, withOwn.body);
            assert.doesNotMatch(withOwn.body, /access_token/);

            // A's secret sits in A's environment: readable by B only when they share a user.
            const stolen = await probe(adapter, 'beta', betaSession, {
              action: 'read_file',
              path: `/proc/${alpha.pid}/environ`,
            });
            if (isolated) {
              assert.equal(stolen.ok, false, JSON.stringify(stolen));
              assert.equal(stolen.error, 'EACCES');
            } else {
              assert.equal(stolen.ok, true, JSON.stringify(stolen));
              const secret = environOf(String(stolen.value)).IDENTITY_HEADER;
              assert.equal(secret, alphaCredentials.secret);
              const used = await childGet(adapter, 'beta', betaSession, target, { 'x-identity-header': secret! });
              assert.equal(used.status, 200, 'with a shared user, B uses the secret it read from A');
            }
            await adapter.stop();
          });

          test(`${mode}: the host's own managed identity (IDENTITY_ENDPOINT on loopback): its secret in the adapter's environment ${isolated ? 'cannot be read, and the endpoint refuses the child without it' : 'can be read, and buys a token for any resource (positive control)'}`, async () => {
            const { adapter, msi, betaSession } = await startWithCredentials(mode);
            const own = await ownCredentials(adapter, 'beta', betaSession);
            assert.notEqual(own.secret, msi.env.IDENTITY_HEADER, "the host's secret is not given to the child");
            assert.notEqual(own.endpoint, msi.env.IDENTITY_ENDPOINT);
            const anyResource = tokenUrl(msi.env.IDENTITY_ENDPOINT, GRAPH);
            const bare = await childGet(adapter, 'beta', betaSession, anyResource);
            assert.equal(bare.status, 401, 'the host identity endpoint is reachable, and wants its secret');
            const read = await probe(adapter, 'beta', betaSession, {
              action: 'read_file',
              path: `/proc/${adapter.process.pid}/environ`,
            });
            if (isolated) {
              assert.equal(read.ok, false, JSON.stringify(read));
              assert.equal(read.error, 'EACCES');
            } else {
              assert.equal(read.ok, true);
              const secret = environOf(String(read.value)).IDENTITY_HEADER;
              assert.equal(secret, msi.env.IDENTITY_HEADER);
              const token = await childGet(adapter, 'beta', betaSession, anyResource, { 'x-identity-header': secret! });
              assert.equal(token.status, 200, 'a resource azure_scopes never allowed');
              assert.equal(JSON.parse(token.body).resource, GRAPH);
            }
            await adapter.stop();
          });
        }

        test("user_per_child: what a child reaches on 127.0.0.1: the adapter's listeners are its HTTP endpoint (same auth as any client) and one credential endpoint per session (per-session secret), nothing else", async (t: TestContext) => {
          const { adapter, issuer, msi, alphaSession, betaSession, beta } =
            await startWithCredentials('user_per_child');
          assert.notEqual(beta.uid, 0);
          const alphaCredentials = await ownCredentials(adapter, 'alpha', alphaSession);
          const betaCredentials = await ownCredentials(adapter, 'beta', betaSession);

          // The child's view: every listener of the machine's network namespace, with its owner's uid.
          const tables: string[] = [];
          for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
            const read = await probe(adapter, 'beta', betaSession, { action: 'read_file', path: table });
            if (table === '/proc/net/tcp')
              assert.equal(read.ok, true, `a child reads ${table}: ${JSON.stringify(read)}`);
            if (read.ok) tables.push(String(read.value));
          }
          const seen = loopbackListeners(tables);
          const adapterInodes = socketInodes(adapter.process.pid!);
          const adapterPorts = seen
            .filter((listener) => adapterInodes.has(listener.inode))
            .map((listener) => listener.port)
            .sort((a, b) => a - b);
          const port = (url: string) => Number(new URL(url).port);
          const expected = [
            Number(adapter.url.port),
            port(alphaCredentials.endpoint),
            port(betaCredentials.endpoint),
          ].sort((a, b) => a - b);
          assert.deepEqual(adapterPorts, expected, "the adapter's loopback listeners, as the child sees them");
          for (const listener of seen.filter((entry) => adapterInodes.has(entry.inode)))
            assert.equal(listener.uid, 0, "the child sees the adapter's sockets as root's");
          const others = seen.filter((listener) => !adapterInodes.has(listener.inode));
          t.diagnostic(
            `the child sees ${seen.length} loopback listeners: the adapter's ${adapterPorts.join(', ')} and ${others.length} of other processes (not probed unless they are this test's own)`,
          );

          // Each of the adapter's listeners (and this test's fakes) accepts the child's connection:
          // a user of its own does not restrict loopback.
          const ours = [...expected, port(msi.env.IDENTITY_ENDPOINT), port(issuer.issuer)];
          for (const target of ours) {
            const connected = await probe(adapter, 'beta', betaSession, { action: 'connect', port: target });
            assert.equal(connected.ok, true, `port ${target}: ${JSON.stringify(connected)}`);
          }

          // The adapter's HTTP endpoint is the public one: the child is a client like any other.
          const base = adapter.url;
          const guarded = await childGet(adapter, 'beta', betaSession, new URL('/mcp/guarded', base).toString());
          assert.equal(guarded.status, 401, guarded.body);
          const status = await childGet(adapter, 'beta', betaSession, new URL('/status', base).toString());
          assert.equal(status.status, 401, '/status is as protected as the strictest server');
          assert.doesNotMatch(status.body, /isolation|sessions/);
          // Positive control: with a token the issuer signed, the child gets past authentication
          // (the GET then lacks a session: not a 401).
          const token = await issuer.token();
          const authorised = await childGet(adapter, 'beta', betaSession, new URL('/mcp/guarded', base).toString(), {
            authorization: `Bearer ${token}`,
          });
          assert.notEqual(authorised.status, 401, authorised.body);
          assert.match(authorised.body, /"jsonrpc":"2\.0"/, 'the MCP endpoint itself answered');
          // Servers whose callers `npm start` does not check (function keys are the Functions
          // host's) are as open to a child as to any local client: no 401.
          const open = await childGet(adapter, 'beta', betaSession, new URL('/mcp/alpha', base).toString());
          assert.notEqual(open.status, 401, open.body);
          assert.match(open.body, /"jsonrpc":"2\.0"/, 'the MCP endpoint itself answered');
          t.diagnostic(
            `child → /mcp/guarded: ${guarded.status} without a token, ${authorised.status} with one; /status: ${status.status}; /mcp/alpha (function-key caller, unchecked by npm start): ${open.status} ${open.body.slice(0, 200)}`,
          );

          // The credential endpoints: reachable, and refusing the child without the session's secret.
          for (const endpoint of [alphaCredentials.endpoint, betaCredentials.endpoint]) {
            const refused = await childGet(adapter, 'beta', betaSession, tokenUrl(endpoint, ARM));
            assert.equal(refused.status, 401, `${endpoint}: ${refused.body}`);
          }
          await adapter.stop();
        });
      });
    });
  }

  test('the claims folder is the adapter user only, and no claim is left once every adapter stopped', async () => {
    const adapter = await startAdapter('user_per_child', alphaAndBeta(FIXTURES[0]!));
    const { alpha, beta } = await twoChildren(adapter);
    assert.equal(statSync(DEFAULT_CLAIMS_DIR).mode & 0o777, 0o700);
    // Other adapters on this machine (other test processes) hold claims of their own: only this
    // adapter's count, and while its children live they are there.
    const claimsOf = (pid: number) =>
      readdirSync(DEFAULT_CLAIMS_DIR).filter((file) => {
        try {
          return (
            /^\d+$/.test(file) && JSON.parse(readFileSync(path.join(DEFAULT_CLAIMS_DIR, file), 'utf8')).pid === pid
          );
        } catch {
          return false;
        }
      });
    const pid = adapter.process.pid!;
    assert.deepEqual(claimsOf(pid).sort(), [String(alpha.uid), String(beta.uid)].sort());
    await adapter.stop();
    assert.deepEqual(claimsOf(pid), [], 'claims are released when the children stop');
  });

  /** The adapter as the unprivileged user `nobody` (no CAP_SETUID), with its output collected. */
  function startAsNobody(isolation: string): { child: ChildProcess; output: () => string } {
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        CLI,
        'serve',
        '--config',
        configFolder(alphaAndBeta(FIXTURES[0]!)),
        '--port',
        '0',
        '--host',
        '127.0.0.1',
      ],
      {
        cwd: repoRoot,
        uid: 65534,
        gid: 65534,
        env: { ...process.env, MCP_ADAPTER_ISOLATION: isolation, HOME: tmpdir() },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    for (const stream of [child.stdout!, child.stderr!]) {
      stream.setEncoding('utf8').on('data', (chunk: string) => {
        output += chunk;
      });
    }
    return { child, output: () => output };
  }

  test('user_per_child required but impossible: the adapter does not start, and says why', async () => {
    const { child: result, output: outputOf } = startAsNobody('user_per_child');
    const code = await new Promise<number | null>((resolve) => result.once('exit', (exitCode) => resolve(exitCode)));
    assert.notEqual(code, 0);
    const output = outputOf();
    assert.match(output, /user_per_child, but children run as the adapter's user \(uid 65534\): it lacks CAP_SETUID/);
  });

  test('unprivileged (auto): the adapter warns at start-up and reports shared_user', async () => {
    const { child, output: outputOf } = startAsNobody('auto');
    try {
      assert.ok(await eventually(() => /listening on/.test(outputOf()), 60_000), outputOf());
      const output = outputOf();
      const url = new URL(/listening on (http:\/\/\S+?)\/mcp/.exec(output)![1]!);
      const status = (await (await fetch(new URL('/status', url))).json()) as {
        isolation: { mode: string; uid: number; reason: string };
      };
      assert.equal(status.isolation.mode, 'shared_user');
      assert.equal(status.isolation.uid, 65534);
      assert.match(status.isolation.reason, /lacks CAP_SETUID/);
      assert.match(output, /children run as the adapter's user: any child can read the adapter's environment/);
    } finally {
      child.kill('SIGKILL');
    }
  });
});
