import assert from 'node:assert/strict';
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import { parse as dotenvParse } from 'dotenv';
import {
  askOnTerminal,
  AzdValuesError,
  collectAzdValues,
  decodeValues,
  dotenvLine,
  dotenvText,
  encodeValues,
  noPromptMode,
  storeInAzdEnv,
  type NeededValue,
} from '../../src/deployment/azd-values.js';
import { installAzdRecorder, parseGodotenv } from '../helpers/azd-env-recorder.mjs';
import { godotenvParse as standInParse } from '../helpers/azd/dotenv.js';

/** Values that exercise every rule of azd's .env reader (godotenv v1.5.1). */
const TRICKY: Record<string, string> = {
  QUOTES: `say "hi" and 'bye' then "x`,
  DOLLARS: 'cost $5, $HOME, ${HOME}, \\$HOME, $(pwd), $',
  NEWLINES: 'line 1\nline 2\r\nline 3\n',
  HASHES: 'a #not-a-comment # still value#',
  SPACES: '  leading and trailing  ',
  NON_ASCII: 'Grüße — 東京 🚀 \u00a0nbsp\u0085nel',
  BACKSLASHES: 'C:\\path\\to\\n\\file \\" \\\\ end',
  SHELLISH: 'back`tick` and bang! and \t tab',
  JSON_ARRAY: '["mcp.read","mcp.write"]',
  EMPTY: '',
  EQUALS: 'a=b=c',
  BASE64: encodeValues({ GITHUB_TOKEN: 'ghp_"quoted"$x' }),
};

test('values written with dotenvLine come back exactly through godotenv (azd env set --file)', () => {
  const text = dotenvText(TRICKY);
  assert.deepEqual(parseGodotenv(text), TRICKY, "the recorder's port of godotenv v1.5.1 parser.go");
  assert.deepEqual(standInParse(text), TRICKY, "the azd stand-in's reader");
  // One value per line, double-quoted: no real line break inside a value.
  assert.equal(text.split('\n').length, Object.keys(TRICKY).length + 1);
});

test("the godotenv port agrees with godotenv v1.5.1's own tests (godotenv_test.go TestParsing)", () => {
  const cases: Array<[string, string, string]> = [
    ['FOO= bar', 'FOO', 'bar'],
    ['FOO="escaped\\"bar"', 'FOO', 'escaped"bar'],
    ["export OPTION_B='\\n'", 'OPTION_B', '\\n'],
    ['FOO="bar\\nbaz"', 'FOO', 'bar\nbaz'],
    ['FOO=bar # this is foo', 'FOO', 'bar'],
    ["FOO='bar#baz' # comment", 'FOO', 'bar#baz'],
    ['FOO="bar\\n\\ b\\az"', 'FOO', 'bar\n baz'],
    ['FOO="bar\\\\\\n\\ b\\az"', 'FOO', 'bar\\\n baz'],
    ['FOO="bar\\\\r\\ b\\az"', 'FOO', 'bar\\r baz'],
    ['OPTION_A: Foo=bar', 'OPTION_A', 'Foo=bar'],
  ];
  for (const [line, key, value] of cases) assert.equal(parseGodotenv(line)[key], value, line);
});

test('the npm dotenv parser reads plain values the same, but not escapes (a difference from godotenv)', () => {
  const plain = { A: 'plain value', B: 'Grüße 🚀', C: 'a # b', D: 'line 1\nline 2' };
  assert.deepEqual(dotenvParse(dotenvText(plain)), plain);
  // godotenv unescapes \" \\ \$ \! \` in double quotes; dotenv keeps the backslashes.
  assert.equal(dotenvParse(dotenvLine('Q', 'say "hi" $X')).Q, 'say \\"hi\\" \\$X');
  assert.equal(parseGodotenv(dotenvLine('Q', 'say "hi" $X')).Q, 'say "hi" $X');
});

test("a value azd's .env cannot hold is refused, with the reason", () => {
  assert.throws(
    () => dotenvLine('A', 'ends with a quote"'),
    (error: unknown) => error instanceof AzdValuesError && /A ends with a double quote/.test(error.message),
  );
  assert.throws(() => dotenvLine('A', 'ends with a backslash\\'), /ends with a backslash/);
  assert.throws(() => dotenvLine('BAD-NAME', 'x'), /not a name/);
  // Why: godotenv itself (and so azd's own .env) loses them.
  assert.notEqual(parseGodotenv('A="x\\""').A, 'x"');
  assert.throws(() => parseGodotenv('A="x\\\\"'), /unterminated quoted value/);
});

const needed: NeededValue[] = [
  { azdEnvName: 'REGION', secret: false, prompt: 'Region' },
  { azdEnvName: 'ORG', secret: false, prompt: 'Organisation', default: 'contoso' },
  { azdEnvName: 'TOKEN', secret: true, prompt: 'Token' },
  { azdEnvName: 'KEY', secret: true, prompt: 'Key' },
];

test('a value comes from its own variable, else the combined one, else an answer, else the default', async () => {
  const asked: string[] = [];
  const result = await collectAzdValues(needed, {
    env: {
      REGION: 'own-region',
      MCP_SETTING_VALUES: encodeValues({ REGION: 'combined-region', ORG: 'combined-org', STALE: 'dropped' }),
      MCP_SECRET_VALUES: encodeValues({ TOKEN: 'combined-token' }),
    },
    ask: async (value) => {
      asked.push(value.azdEnvName);
      return value.azdEnvName === 'KEY' ? 'answered-key' : undefined;
    },
  });
  assert.deepEqual(asked, ['KEY']);
  assert.deepEqual(result.missing, []);
  assert.deepEqual(decodeValues(result.set.MCP_SETTING_VALUES!), { REGION: 'own-region', ORG: 'combined-org' });
  assert.deepEqual(decodeValues(result.set.MCP_SECRET_VALUES!), { TOKEN: 'combined-token', KEY: 'answered-key' });
  assert.deepEqual(result.sources, { REGION: 'variable', ORG: 'combined', TOKEN: 'combined', KEY: 'answer' });
  assert.deepEqual(
    Object.keys(result.set).sort(),
    ['MCP_SECRET_VALUES', 'MCP_SETTING_VALUES'],
    "the session key is not the hook's any more",
  );
});

test('with nobody to ask, defaults are taken and the rest is missing; the combined JSON may be plain', async () => {
  const result = await collectAzdValues(needed, { env: { MCP_SECRET_VALUES: '{"KEY":"k"}' } });
  assert.deepEqual(
    result.missing.map((m) => m.azdEnvName),
    ['REGION', 'TOKEN'],
  );
  assert.deepEqual(decodeValues(result.set.MCP_SETTING_VALUES!), { ORG: 'contoso' });
  assert.deepEqual(decodeValues(result.set.MCP_SECRET_VALUES!), { KEY: 'k' });
});

test('a malformed combined variable stops it, naming the variable', async () => {
  for (const bad of [
    'not base64 json',
    encodeValues({}).slice(0, 2),
    Buffer.from('{"A": 1}').toString('base64'),
    '[]',
  ]) {
    await assert.rejects(
      collectAzdValues(needed, { env: { MCP_SETTING_VALUES: bad } }),
      (error: unknown) =>
        error instanceof AzdValuesError &&
        /^MCP_SETTING_VALUES is not what the preprovision hook writes/.test(error.message),
    );
  }
});

test("no-prompt mode: the flag on azd's command line, AZD_NO_PROMPT, AZD_NON_INTERACTIVE, CI", () => {
  const azd = [
    ['/bin/sh', '-c', 'node scripts/hooks/preprovision.mjs'],
    ['azd', 'up'],
  ];
  assert.equal(noPromptMode({}, azd), false);
  assert.equal(noPromptMode({}, [azd[0]!, ['azd', 'up', '--no-prompt']]), true);
  assert.equal(noPromptMode({}, [azd[0]!, ['azd', 'provision', '--non-interactive']]), true);
  assert.equal(noPromptMode({ AZD_NO_PROMPT: 'true' }, azd), true);
  assert.equal(noPromptMode({ AZD_NON_INTERACTIVE: '1' }, azd), true);
  assert.equal(noPromptMode({ GITHUB_ACTIONS: 'true' }, azd), true);
  assert.equal(noPromptMode({ CI: '' }, azd), true, 'azd counts CI as set whatever its value');
  assert.equal(
    noPromptMode({ CI: 'true', AZD_NON_INTERACTIVE: 'false' }, azd),
    false,
    'AZD_NON_INTERACTIVE=false turns off the CI default',
  );
  assert.equal(
    noPromptMode({ AZD_NON_INTERACTIVE: 'yes', TF_BUILD: 'True' }, azd),
    true,
    'an invalid boolean is ignored',
  );
});

test('storeInAzdEnv hands azd a private dotenv file, never a value on the command line, and removes it', () => {
  const recorder = installAzdRecorder();
  const env = { ...process.env, PATH: `${recorder.bin}${path.delimiter}${process.env.PATH}`, ...recorder.env };
  storeInAzdEnv(TRICKY, { env });
  const call = recorder.calls()[0]!;
  assert.deepEqual(call.args.slice(0, 3), ['env', 'set', '--file']);
  assert.equal(call.args.length, 4);
  if (process.platform !== 'win32') {
    assert.equal(call.mode, 0o600);
    assert.equal(call.dirMode, 0o700);
  }
  assert.deepEqual(recorder.values(), TRICKY);
  assert.equal(existsSync(path.dirname(call.file!)), false, 'the folder is removed');
  for (const value of Object.values(TRICKY))
    if (value.length > 3) assert.equal(call.args.join(' ').includes(value), false);
});

test('storeInAzdEnv removes the file when azd fails too, and says so', () => {
  const recorder = installAzdRecorder();
  const env = {
    ...process.env,
    PATH: `${recorder.bin}${path.delimiter}${process.env.PATH}`,
    ...recorder.env,
    AZD_RECORDER_FAIL: '1',
  };
  assert.throws(() => storeInAzdEnv({ A: 'secret' }, { env }), /`azd env set --file` failed \(exit code 1\)/);
  const call = recorder.calls()[0]!;
  assert.equal(existsSync(path.dirname(call.file!)), false);
  assert.throws(
    () => storeInAzdEnv({ A: 'x' }, { env, azd: path.join(recorder.bin, 'no-such-azd') }),
    /could not run azd/,
  );
  assert.ok(statSync(recorder.bin).isDirectory());
});

test('asking on the terminal: a secret answer is not echoed, an empty answer means none', async () => {
  const ask = async (value: NeededValue, typed: string) => {
    const input = new PassThrough();
    const output = new PassThrough();
    let shown = '';
    output.on('data', (chunk) => (shown += chunk));
    const answer = askOnTerminal(value, input, output);
    input.write(typed);
    return { answer: await answer, shown };
  };
  const secret = await ask({ azdEnvName: 'TOKEN', secret: true, prompt: 'API token' }, 's3cr3t-value\r');
  assert.equal(secret.answer, 's3cr3t-value');
  assert.match(secret.shown, /\[secret, not shown\] TOKEN: API token: /);
  assert.equal(secret.shown.includes('s3cr3t'), false);
  const plain = await ask(
    { azdEnvName: 'ORG', secret: false, prompt: 'Organisation', default: 'contoso' },
    'fabrikam\r',
  );
  assert.equal(plain.answer, 'fabrikam');
  assert.match(plain.shown, /ORG: Organisation \[contoso\]: .*fabrikam/);
  assert.equal((await ask({ azdEnvName: 'ORG', secret: false, prompt: 'Organisation' }, '\r')).answer, undefined);
});
