import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { DEFAULT_CLAIMS_DIR, processesOf } from '../../src/process/child-users.js';
import { eventually, isAlive, MCP_HEADERS, openRawSession, repoRoot } from '../helpers/adapter.js';
import { callToolRaw } from '../helpers/raw-http.js';

/**
 * Hostile children against a real adapter process (the CLI, as `npm start` runs it), each read
 * first with isolation off (`shared_user`: the read must succeed, or the test proves nothing),
 * then with a user per child (`user_per_child`: the same read must fail). Needs root (or
 * CAP_SETUID/CAP_SETGID): `npm run test:isolation`, which `.ci/run` runs.
 */
const HOSTILE = path.join(repoRoot, 'tests/fixtures/servers/hostile-child.mjs');
const CLI = path.join(repoRoot, 'src/cli/main.ts');
const SECRET = `adapter-secret-${process.pid}-${Date.now()}`;
const ALPHA_SECRET = `alpha-secret-${process.pid}`;

type Mode = 'shared_user' | 'user_per_child';

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
function configFolder(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'mcp-isolation-'));
  chmodSync(dir, 0o755);
  const file = path.join(dir, 'mcp_config.json');
  writeFileSync(
    file,
    JSON.stringify({
      mcpServers: {
        alpha: { command: process.execPath, args: [HOSTILE], env: { ALPHA_SECRET } },
        beta: { command: process.execPath, args: [HOSTILE] },
      },
    }),
  );
  chmodSync(file, 0o644);
  return file;
}

async function startAdapter(mode: Mode, extraEnv: Record<string, string> = {}): Promise<RunningAdapter> {
  const configFile = configFolder();
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

async function probe(
  adapter: RunningAdapter,
  server: string,
  session: string,
  args: Record<string, unknown>,
): Promise<ProbeResult> {
  const text = await callToolRaw(new URL(`/mcp/${server}`, adapter.url), session, 'probe', args);
  return JSON.parse(text) as ProbeResult;
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

describe('hostile children', { concurrency: false }, () => {
  for (const mode of ['shared_user', 'user_per_child'] as const) {
    const isolated = mode === 'user_per_child';
    const verdict = isolated ? 'fails with a user per child' : 'succeeds with a shared user (positive control)';

    test(`${mode}: the self-report says which isolation is in force`, async () => {
      const adapter = await startAdapter(mode);
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

    test(`${mode}: reading the adapter's environment (/proc/<adapter>/environ, the session key) ${verdict}`, async () => {
      const adapter = await startAdapter(mode);
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
      const adapter = await startAdapter(mode);
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
      } else {
        assert.equal(environ.ok, true);
        assert.match(String(environ.value), new RegExp(`ALPHA_SECRET=${ALPHA_SECRET}`));
        assert.equal(listing.ok, true);
        assert.equal(writing.ok, true);
      }
      await adapter.stop();
    });

    test(`${mode}: a setsid grandchild ends with its session: ${isolated ? 'it does' : 'it outlives DELETE (the limit of process groups)'}`, async () => {
      const adapter = await startAdapter(mode);
      const { alphaSession } = await twoChildren(adapter);
      const escaped = (await probe(adapter, 'alpha', alphaSession, { action: 'escape' })).value as number;
      assert.equal(isAlive(escaped), true);
      await deleteSession(adapter, 'alpha', alphaSession);
      if (isolated) {
        assert.ok(await eventually(() => !isAlive(escaped), 10_000), 'the escaped grandchild is killed with its user');
      } else {
        await new Promise((resolve) => setTimeout(resolve, 1000));
        assert.equal(isAlive(escaped), true, 'a process group does not hold a setsid grandchild');
        process.kill(escaped, 'SIGKILL');
      }
      await adapter.stop();
    });
  }

  test("user_per_child: what a SIGKILLed adapter's children leave (processes, folders) is cleaned at the next start", async () => {
    const first = await startAdapter('user_per_child');
    const { alphaSession, alpha } = await twoChildren(first);
    const escaped = (await probe(first, 'alpha', alphaSession, { action: 'escape' })).value as number;
    await first.stop('SIGKILL');
    assert.equal(isAlive(escaped), true, 'nothing ended them yet');
    assert.equal(existsSync(path.dirname(alpha.home)), true);
    assert.ok(processesOf(alpha.uid).length > 0);
    const second = await startAdapter('user_per_child');
    assert.ok(await eventually(() => !isAlive(escaped) && processesOf(alpha.uid).length === 0, 10_000));
    assert.equal(existsSync(path.dirname(alpha.home)), false, "the dead adapter's private folder is removed");
    assert.match(second.output(), /ended what children of a stopped adapter left behind/);
    await second.stop();
  });

  test('user_per_child: a fork bomb stops at the child user process limit', async () => {
    const adapter = await startAdapter('user_per_child');
    const { alphaSession } = await twoChildren(adapter);
    const bomb = (await probe(adapter, 'alpha', alphaSession, { action: 'fork_bomb', count: 400 })).value as {
      started: number;
      refused?: string;
    };
    assert.ok(bomb.started < 256, `started ${bomb.started}`);
    assert.equal(bomb.refused, 'EAGAIN');
    await adapter.stop();
  });

  test('the claims folder is the adapter user only, and no claim is left once every adapter stopped', async () => {
    const adapter = await startAdapter('user_per_child');
    await twoChildren(adapter);
    await adapter.stop();
    const mine = readdirSync(DEFAULT_CLAIMS_DIR).filter((file) => /^\d+$/.test(file));
    assert.deepEqual(mine, [], 'claims are released when the children stop');
  });

  /** The adapter as the unprivileged user `nobody` (no CAP_SETUID), with its output collected. */
  function startAsNobody(isolation: string): { child: ChildProcess; output: () => string } {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', CLI, 'serve', '--config', configFolder(), '--port', '0', '--host', '127.0.0.1'],
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
