// Mutation testing (StrykerJS, `npm run test:mutation`) of the security- and lifecycle-critical
// code: Origin/Host checks, the caps, sealed session ids, caller authentication and token
// verification, session binding (server, principal) and expiry (idle, lifetime), config variables
// and the Key Vault reference checks. Results: reports/mutation/ (HTML and JSON); the summary of a
// run is kept in bench/results/mutation-<date>.md.
//
// Runs on Node >= 22.19 (Stryker's own requirement): `npm run test:mutation` starts it through
// tests/tools/run.mjs, which installs the test tools once (tests/tools/) and puts a Node >= 22.19
// first on PATH, for Stryker and for the test processes the tap runner starts.
import { readFileSync } from 'node:fs';

// As `npm test` does: children run as the adapter's user unless the environment says otherwise.
process.env.MCP_ADAPTER_ISOLATION ??= 'shared_user';

/**
 * `file:first-last`: the lines of one declaration of `file` as the source is now (so edits
 * elsewhere in the file do not shift what is mutated): a class member (`  [modifiers] name(`, up
 * to the next line `  }`) or a top-level function or constant (`[export] function name(` or
 * `[export] const name =`, up to the next line that closes it at the start of a line). With
 * `from` (and `to`), only its lines from the first containing `from` to the next containing `to`.
 */
function region(file, name, from, to) {
  const lines = readFileSync(new URL(file, import.meta.url), 'utf8').split('\n');
  const fail = (what) => {
    throw new Error(`stryker.config.mjs: ${file} has no ${what} any more; update the mutate list`);
  };
  const member = new RegExp(`^  (?:(?:private|protected|public|static|async|get|set) +)*${name} *[(<]`);
  const topLevel = new RegExp(`^(?:export +)?(?:(?:async +)?function +${name} *[(<]|const +${name}\\b)`);
  const start = lines.findIndex((line) => member.test(line) || topLevel.test(line));
  if (start === -1) fail(`declaration "${name}"`);
  const indent = lines[start].startsWith('  ') ? '  ' : '';
  const closes = (line) => line === `${indent}}` || line.startsWith(`${indent}}`) || line.startsWith(`${indent}]`);
  const end = lines[start].trimEnd().endsWith(';')
    ? start
    : lines.findIndex((line, index) => index > start && closes(line));
  if (end === -1) fail(`end of "${name}"`);
  const find = (text, after) => {
    const index = lines.findIndex((line, at) => at >= after && at <= end && line.includes(text));
    if (index === -1) fail(`line "${text}" in ${name}`);
    return index;
  };
  const first = from === undefined ? start : find(from, start);
  const last = to === undefined ? (from === undefined ? end : first) : find(to, first);
  return `${file}:${first + 1}-${last + 1}`;
}

/** Each of these declarations of `file`. */
const regions = (file, names) => names.map((name) => region(file, name));

const SESSION_MANAGER = 'src/session/session-manager.ts';
const SESSION = 'src/session/session.ts';

/** Test files, fastest and most focused first: a mutant's covering files run in this order, stopping at the first failure. */
const testFiles = [
  'tests/unit/origin-guard.test.ts',
  'tests/unit/child-ledger.test.ts',
  'tests/unit/session-token.test.ts',
  'tests/unit/authenticate.test.ts',
  'tests/unit/jwt-core.test.ts',
  'tests/unit/verify-common.test.ts',
  'tests/unit/variables.test.ts',
  'tests/unit/key-vault-references.test.ts',
  'tests/unit/config.test.ts',
  'tests/unit/session-manager.test.ts',
  'tests/unit/session-manager-expiry.test.ts',
  'tests/unit/session.test.ts',
  'tests/http/in-process.test.ts',
];

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'tap',
  tap: {
    testFiles,
    // node:test files run directly (not under `--test`, whose per-file subprocesses would hide
    // coverage from the hook), TypeScript through tsx, results as TAP.
    nodeArgs: ['--expose-gc', '--import', 'tsx', '--test-reporter=tap', '-r', '{{hookFile}}', '{{testFile}}'],
    forceBail: true,
  },
  // The tap runner reports one "test" per file: a mutant runs only the files that executed it.
  coverageAnalysis: 'perTest',
  concurrency: 1,
  mutate: [
    'src/http/origin-guard.ts',
    'src/children/child-ledger.ts',
    'src/state/session-token.ts',
    'src/auth/authenticate.ts',
    'src/auth/principal.ts',
    'src/auth/bearer-challenge.ts',
    // Token verification: the checks before and around the signature, not key fetching.
    ...regions('src/auth/verify/jwt-core.ts', [
      'SUPPORTED_ALGORITHMS',
      'checkAlgorithms',
      'precheckJwt',
      'safeText',
      'mapVerifyError',
      'verifyJwtWith',
    ]),
    ...regions('src/auth/verify/common.ts', [
      'invalid',
      'unavailable',
      'describe',
      'precheckToken',
      'LOOPBACK_HOSTS',
      'parseEndpoint',
      'splitScopes',
      'extractScopes',
      'subjectClaim',
      'numericClaim',
      'makeCaller',
    ]),
    // Session binding (server, principal) and expiry (idle, reclaim, lifetime, crashes).
    region(SESSION_MANAGER, 'open', 'let attached = false;'),
    region(SESSION_MANAGER, 'open', 'if (this.draining) throw', 'if (!attached) lease.release();'),
    region(SESSION_MANAGER, 'find'),
    region(SESSION_MANAGER, 'deleteById'),
    region(SESSION_MANAGER, 'peek'),
    region(SESSION_MANAGER, 'verify'),
    // Idle expiry across instances: the use recorded in the shared store, and the check of it.
    region(SESSION_MANAGER, 'lastActivityInStore'),
    region(SESSION_MANAGER, 'noteActivity'),
    region(
      SESSION_MANAGER,
      'rehydrate',
      'const last = await this.lastActivityInStore(id);',
      "this.terminate(id, claims, 'idle');",
    ),
    region(SESSION_MANAGER, 'attach', 'idleAfterMs:', 'lifetimeMs:'),
    region(SESSION_MANAGER, 'ended'),
    region(SESSION_MANAGER, 'sleep'),
    region(SESSION_MANAGER, 'terminate'),
    region(SESSION_MANAGER, 'endUnknowable'),
    region(SESSION, 'constructor', 'this.idleTimer = setTimeout', 'this.lifetimeTimer = setTimeout'),
    region(SESSION, 'get isEnded'),
    region(SESSION, 'touch'),
    region(SESSION, 'end'),
    region(SESSION, 'idleExpired'),
    'src/config/variables.ts',
    'src/azure/key-vault-references.ts',
  ],
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/mutation.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  clearTextReporter: { allowColor: false, logTests: false, reportTests: false },
  // Below 85 % the run fails: "Final mutation score ... under breaking threshold 85".
  thresholds: { high: 90, low: 85, break: 85 },
  // Killed by an infinite loop or a timer that never fires: the tests' own waits are short.
  timeoutMS: 10_000,
  tempDirName: '.stryker-tmp',
  // Not needed by the tests above; copying them only slows the sandbox.
  ignorePatterns: ['bench', 'dist', 'reports', 'infra', '.azd-package', '.mcp-packages', '.tools', '.azure'],
};
