import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { logFormatFor, prettyLine } from '../../src/observability/logger.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Runs a few log calls in a fresh process (stderr a pipe, as under a supervisor) and returns its stderr. */
function logsOfProcess(script: string, env: Record<string, string> = {}): string {
  const result = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: root,
    env: { ...process.env, LOG_FORMAT: '', ...env },
    encoding: 'utf8',
  });
  assert.equal(result.status, 3, result.stderr);
  return result.stderr;
}

const LOGGER = `import { createLogger } from './src/observability/logger.ts';`;

describe('logs for people and machines', () => {
  test('a terminal gets short lines, anything else JSON; LOG_FORMAT chooses', () => {
    assert.equal(logFormatFor({}, true), 'pretty');
    assert.equal(logFormatFor({}, false), 'json');
    assert.equal(logFormatFor({ LOG_FORMAT: 'json' }, true), 'json');
    assert.equal(logFormatFor({ LOG_FORMAT: 'PRETTY' }, false), 'pretty');
    assert.equal(logFormatFor({ LOG_FORMAT: 'xml' }, false), 'json', 'an unknown format falls back');
  });

  test('a pretty line: time of day, level, component, message, then the facts', () => {
    const line = prettyLine({
      time: '2026-12-06T17:41:02.123Z',
      level: 'warn',
      component: 'session',
      message: 'child crashed',
      server: 'everything',
      reason: 'exit code 1',
      restarts: 2,
      nested: { a: 1 },
      absent: undefined,
    });
    assert.equal(
      line,
      '17:41:02.123 WARN  [session] child crashed server=everything reason="exit code 1" restarts=2 nested="{\\"a\\":1}"',
    );
  });

  test('lines logged just before a deliberate exit are all written (the batch is flushed at exit)', () => {
    const stderr = logsOfProcess(
      `${LOGGER} const log = createLogger(); for (let i = 0; i < 3; i++) log.info('line ' + i, { i }); process.exit(3);`,
    );
    const records = stderr
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { message: string; level: string; i: number });
    assert.deepEqual(
      records.map((record) => [record.level, record.message, record.i]),
      [
        ['info', 'line 0', 0],
        ['info', 'line 1', 1],
        ['info', 'line 2', 2],
      ],
    );
  });

  test('LOG_FORMAT=pretty writes the readable form to a pipe too', () => {
    const stderr = logsOfProcess(
      `${LOGGER} createLogger().child({ component: 'http' }).warn('listening', { port: 7071 }); process.exit(3);`,
      { LOG_FORMAT: 'pretty' },
    );
    assert.match(stderr, /^\d\d:\d\d:\d\d\.\d{3} WARN {2}\[http\] listening port=7071\n$/);
  });
});
