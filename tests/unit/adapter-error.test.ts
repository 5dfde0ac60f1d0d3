import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CapacityError, ChildStartError } from '../../src/children/errors.js';
import { ConfigError } from '../../src/config/errors.js';
import { AzdValuesError } from '../../src/deployment/azd-values.js';
import { PlanError } from '../../src/deployment/plan.js';
import { ProvisionedPlanError } from '../../src/deployment/provisioned-plan.js';
import { AdapterError } from '../../src/errors/adapter-error.js';
import { TokenUnavailableError } from '../../src/auth/types.js';
import { VerifierUnavailableError } from '../../src/auth/verify/common.js';
import { CommandNotFoundError } from '../../src/process/resolve-command.js';
import { SpawnError } from '../../src/process/stdio-child.js';
import { SessionIdTooLargeError } from '../../src/state/session-token.js';
import { describeForHttp } from '../../src/web/http-errors.js';
import { BodyTooLargeError } from '../../src/web/read-body.js';

test('every error the adapter raises is an AdapterError with a stable code and its own name', () => {
  const errors: Array<[AdapterError, string]> = [
    [new CapacityError('full', 5), 'capacity_exceeded'],
    [new ChildStartError('gone', 'exited'), 'server_start_failed'],
    [new ConfigError('mcp_config.json', []), 'config_invalid'],
    [new PlanError('mcp_config.json', []), 'plan_invalid'],
    [new AzdValuesError('x'), 'azd_values'],
    [new ProvisionedPlanError('x'), 'provisioned_plan_invalid'],
    [new TokenUnavailableError('x', 'consent_required'), 'token_unavailable'],
    [new VerifierUnavailableError('x', 'network'), 'verifier_unavailable'],
    [new CommandNotFoundError('uvx', 'PATH'), 'command_not_found'],
    [new SpawnError('x'), 'spawn_failed'],
    [new SessionIdTooLargeError('x'), 'session_id_too_large'],
    [new BodyTooLargeError(10), 'body_too_large'],
  ];
  for (const [error, code] of errors) {
    assert.ok(error instanceof AdapterError, error.name);
    assert.equal(error.code, code);
    assert.equal(error.name, error.constructor.name);
  }
});

test("one place turns an error into its HTTP answer; errors without a status are the adapter's own faults", () => {
  assert.deepEqual(describeForHttp(new CapacityError('MCP server "x" is at its limit of 1 concurrent sessions', 10)), {
    status: 503,
    message: 'Service Unavailable: MCP server "x" is at its limit of 1 concurrent sessions; retry later',
    headers: { 'retry-after': '10' },
  });
  assert.equal(describeForHttp(new ChildStartError('no answer', 'timeout'))?.status, 504);
  assert.deepEqual(describeForHttp(new ChildStartError('exited (code 1)', 'exited')), {
    status: 502,
    message: 'exited (code 1)',
    headers: {},
  });
  assert.deepEqual(describeForHttp(new BodyTooLargeError(2048)), {
    status: 413,
    message: 'Payload Too Large: Request body exceeds the limit of 2048 bytes',
    headers: {},
  });
  assert.equal(describeForHttp(new SessionIdTooLargeError('too large'))?.message, 'Bad Request: too large');
  assert.equal(describeForHttp(new ConfigError('f', [])), undefined);
  assert.equal(describeForHttp(new Error('a bug')), undefined);
});

test('re-wrapping keeps the cause', () => {
  const spawn = new SpawnError('Cannot start "x": EACCES', {
    cause: Object.assign(new Error('spawn EACCES'), { code: 'EACCES' }),
  });
  const start = new ChildStartError(spawn.message, 'spawn_failed', { cause: spawn });
  assert.equal(start.cause, spawn);
  assert.equal((spawn.cause as NodeJS.ErrnoException).code, 'EACCES');
});
