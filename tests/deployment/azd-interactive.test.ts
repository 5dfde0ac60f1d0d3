import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import {
  assertNothingRunning,
  azdBin,
  azdEnvValues,
  checkoutRoot,
  cleanEnv,
  copyProject,
  recordedDeployments,
  removeProject,
} from '../helpers/azd/project-copy.js';
import { decodeValues } from '../../src/deployment/azd-values.js';

/**
 * The first `azd up` in a terminal (issue 12 item 4) with the stand-in azd
 * (tests/helpers/azd/azd-cli.ts) under a pseudo-terminal: azd asks for the environment, the
 * subscription and the location, then the preprovision hook (interactive: stdio attached) asks for
 * each value the config needs, the secrets without echo. The answers are kept in the azd
 * environment and reach the deployment; the next `up --no-prompt` asks nothing.
 */

const SUB = '00000000-0000-0000-0000-000000000001';
const projects: string[] = [];
after(() => projects.forEach(removeProject));

/** A copy of the project serving tests/fixtures/configs/samples/none.json, its servers swapped for the Node fixture. */
function projectWithSample(sample: string): string {
  const project = copyProject();
  projects.push(project);
  mkdirSync(path.join(project, 'servers'), { recursive: true });
  cpSync(
    path.join(checkoutRoot, 'tests/fixtures/servers/node-fixture.mjs'),
    path.join(project, 'servers/node-fixture.mjs'),
  );
  const document = JSON.parse(
    readFileSync(path.join(checkoutRoot, 'tests/fixtures/configs/samples', `${sample}.json`), 'utf8'),
  ) as { $schema?: string; mcpServers: Record<string, Record<string, any>> };
  delete document.$schema;
  for (const server of Object.values(document.mcpServers)) {
    // The sample's servers come from PyPI and npm, out of reach here. A value the sample passes in
    // an argument moves to the server's env (the fixture takes no positional arguments): the
    // config still needs it.
    const fromArgs = ((server.args ?? []) as string[]).flatMap((arg) =>
      [...arg.matchAll(/\$\{env:([A-Z0-9_]+)\}/g)].map((m) => m[1]!),
    );
    server.command = 'node';
    server.args = ['servers/node-fixture.mjs'];
    for (const name of fromArgs) server.env = { ...(server.env ?? {}), [name]: `\${env:${name}}` };
  }
  writeFileSync(path.join(project, 'mcp_config.json'), JSON.stringify(document, null, 2));
  return project;
}

interface Prompt {
  label: string;
  pattern: RegExp;
  /** The answer (Enter is sent after it); undefined: the prompt must not appear (the run is stopped). */
  answer?: string;
}

interface PtyRun {
  code: number | null;
  output: string;
  /** How many times each prompt appeared. */
  asked: Record<string, number>;
  /** A prompt that must not appear did. */
  unexpected?: string;
}

/**
 * Runs the stand-in azd on a pseudo-terminal (python3's pty module: the child's stdin, stdout and
 * stderr are the terminal), answering each prompt as it appears, as a person would.
 */
function runAzdOnTerminal(
  project: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  prompts: Prompt[],
  timeoutMs = 15 * 60_000,
): Promise<PtyRun> {
  const driver = 'import os, pty, sys\nsys.exit(os.waitstatus_to_exitcode(pty.spawn(sys.argv[1:])))';
  return new Promise((resolve) => {
    const child = spawn('python3', ['-c', driver, path.join(azdBin, 'azd'), ...args], {
      cwd: project,
      env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let output = '';
    const asked: Record<string, number> = Object.fromEntries(prompts.map((p) => [p.label, 0]));
    const answered: Record<string, number> = { ...asked };
    let unexpected: string | undefined;
    const timer = setTimeout(() => {
      unexpected ??= `timed out after ${timeoutMs} ms`;
      child.kill('SIGKILL');
    }, timeoutMs);
    const onData = (chunk: Buffer) => {
      output += chunk.toString('utf8').replace(/\r/g, '');
      for (const p of prompts) {
        asked[p.label] = [...output.matchAll(new RegExp(p.pattern.source, 'g'))].length;
        while (answered[p.label]! < asked[p.label]!) {
          answered[p.label]! += 1;
          if (p.answer === undefined) {
            unexpected ??= `asked: ${p.label}`;
            child.kill('SIGKILL');
            return;
          }
          // Enter on a terminal is CR: the line discipline turns it into NL in canonical mode
          // (azd's own prompts), readline takes it as is in raw mode (the hook's).
          child.stdin.write(`${p.answer}\r`);
        }
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('close', (code) => {
      clearTimeout(timer);
      child.stdin.destroy();
      resolve({ code, output, asked, unexpected });
    });
  });
}

describe('first `azd up` in a terminal (stand-in azd on a pseudo-terminal)', () => {
  test('azd asks for the environment, subscription and location, the preprovision hook for each value once (secrets not echoed); the values are kept and provisioned; the next `up --no-prompt` asks nothing', async () => {
    const project = projectWithSample('none');
    // No AZURE_ENV_NAME, AZURE_LOCATION or AZURE_SUBSCRIPTION_ID: azd asks.
    const env = cleanEnv({ AZD_CONFIG_DIR: path.join(path.dirname(project), 'azd-config'), TERM: 'xterm' });
    const answers = {
      LOCAL_TIMEZONE: 'Europe/Paris',
      SEARCH_ENDPOINT: 'https://search.contoso.example/',
      GITHUB_TOKEN: 'ghp_interactiveSecret0123456789',
      MCP_INPUT_SEARCH_API_KEY: 'search-key-Zq8!p$w0rd',
    };
    const prompts: Prompt[] = [
      { label: 'environment name', pattern: /Enter a unique environment name:/, answer: 'dev' },
      { label: 'subscription', pattern: /Select an Azure Subscription to use:/, answer: SUB },
      {
        label: 'location',
        pattern: /Enter a value for the 'location' infrastructure parameter:/,
        answer: 'westeurope',
      },
      // The hook: `<secret marker><NAME>: <prompt>[ [default]]: `.
      {
        label: 'LOCAL_TIMEZONE',
        pattern: /(?<!\] )LOCAL_TIMEZONE: LOCAL_TIMEZONE \(used at [^)]*\): /,
        answer: answers.LOCAL_TIMEZONE,
      },
      {
        label: 'SEARCH_ENDPOINT',
        pattern: /(?<!\] )SEARCH_ENDPOINT: SEARCH_ENDPOINT \(used at [^)]*\): /,
        answer: answers.SEARCH_ENDPOINT,
      },
      // A pickString input with a default: Enter takes it.
      {
        label: 'MCP_INPUT_GITHUB_ORG',
        pattern: /MCP_INPUT_GITHUB_ORG: GitHub organisation the search covers \[contoso\]: /,
        answer: '',
      },
      {
        label: 'GITHUB_TOKEN',
        pattern: /\[secret, not shown\] GITHUB_TOKEN: GITHUB_TOKEN \(used at [^)]*\): /,
        answer: answers.GITHUB_TOKEN,
      },
      {
        label: 'MCP_INPUT_SEARCH_API_KEY',
        pattern: /\[secret, not shown\] MCP_INPUT_SEARCH_API_KEY: API key of the search service: /,
        answer: answers.MCP_INPUT_SEARCH_API_KEY,
      },
    ];

    const first = await runAzdOnTerminal(project, ['up'], env, prompts);
    assert.equal(first.unexpected, undefined, first.output);
    assert.equal(first.code, 0, first.output);
    assert.match(first.output, /SUCCESS: Your up workflow to provision and deploy to Azure completed/);
    for (const p of prompts) assert.equal(first.asked[p.label], 1, `${p.label} asked once:\n${first.output}`);
    assert.match(
      first.output,
      /Stored 5 value\(s\) in the azd environment as MCP_SETTING_VALUES \/ MCP_SECRET_VALUES \(4 from answers, 1 from defaults\); values not shown\./,
    );
    for (const secret of [answers.GITHUB_TOKEN, answers.MCP_INPUT_SEARCH_API_KEY])
      assert.ok(!first.output.includes(secret), `a secret answer was echoed:\n${first.output}`);
    // Plain answers are echoed, as typed.
    assert.ok(first.output.includes(answers.SEARCH_ENDPOINT));

    const dotenv = azdEnvValues(project);
    assert.equal(dotenv.AZURE_ENV_NAME, 'dev');
    assert.equal(dotenv.AZURE_SUBSCRIPTION_ID, SUB);
    assert.equal(dotenv.AZURE_LOCATION, 'westeurope');
    const settings = {
      LOCAL_TIMEZONE: answers.LOCAL_TIMEZONE,
      MCP_INPUT_GITHUB_ORG: 'contoso',
      SEARCH_ENDPOINT: answers.SEARCH_ENDPOINT,
    };
    const secrets = { GITHUB_TOKEN: answers.GITHUB_TOKEN, MCP_INPUT_SEARCH_API_KEY: answers.MCP_INPUT_SEARCH_API_KEY };
    assert.deepEqual(decodeValues(dotenv.MCP_SETTING_VALUES!), settings);
    assert.deepEqual(decodeValues(dotenv.MCP_SECRET_VALUES!), secrets);
    // Only in the combined values: no variable of its own for any answer.
    for (const name of Object.keys({ ...settings, ...secrets }))
      assert.equal(dotenv[name], undefined, `${name} has its own variable`);

    const recorded = recordedDeployments(project).filter((d) => d.provisioningState === 'Succeeded');
    assert.equal(recorded.length, 1);
    assert.equal(recorded[0]!.parameters.location, 'westeurope');
    assert.deepEqual(decodeValues(recorded[0]!.parameters.mcpSettingValues as string), settings);
    assert.deepEqual(decodeValues(recorded[0]!.parameters.mcpSecretValues as string), secrets);
    assert.ok(existsSync(path.join(project, '.azure/dev/.standin-site/api/mcp_config.json')), 'the app was deployed');
    assertNothingRunning(project);

    // The second run, still on a terminal: --no-prompt, and every value is in the environment.
    const second = await runAzdOnTerminal(
      project,
      ['up', '--no-prompt'],
      env,
      prompts.map(({ label, pattern }) => ({ label, pattern })),
    );
    assert.equal(second.unexpected, undefined, second.output);
    assert.equal(second.code, 0, second.output);
    assert.match(second.output, /SUCCESS: Your up workflow to provision and deploy to Azure completed/);
    assert.match(
      second.output,
      /Stored 5 value\(s\) in the azd environment as MCP_SETTING_VALUES \/ MCP_SECRET_VALUES \(5 from the combined variables\)/,
    );
    const again = azdEnvValues(project);
    assert.deepEqual(decodeValues(again.MCP_SETTING_VALUES!), settings);
    assert.deepEqual(decodeValues(again.MCP_SECRET_VALUES!), secrets);
    const all = recordedDeployments(project).filter((d) => d.provisioningState === 'Succeeded');
    for (const d of all) assert.deepEqual(decodeValues(d.parameters.mcpSecretValues as string), secrets);
    assertNothingRunning(project);
  });
});
