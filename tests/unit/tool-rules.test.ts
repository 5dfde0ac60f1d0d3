import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AdapterError } from '../../src/errors/adapter-error.js';
import { RulesConfigError } from '../../src/governance/errors.js';
import { GlobList, compileGlob } from '../../src/governance/glob.js';
import { selectRules } from '../../src/governance/roles.js';
import { type CompiledRules, compileRules } from '../../src/governance/tool-rules.js';
import type { GovernanceSettings, Tool } from '../../src/governance/types.js';

const schema = { type: 'object', properties: { path: { type: 'string' } } };
const tool = (name: string, extra: Partial<Tool> = {}): Tool => ({ name, inputSchema: schema, ...extra });
const readOnly = (name: string): Tool => tool(name, { annotations: { readOnlyHint: true } });
const names = (rules: CompiledRules, tools: Tool[]) => rules.filterToolsList({ tools }).tools.map((t) => t.name);

/** The issues a config is rejected with. */
function issuesOf(settings: unknown): Array<{ path: string; message: string }> {
  try {
    compileRules(settings as GovernanceSettings);
  } catch (error) {
    assert.ok(error instanceof RulesConfigError, String(error));
    return [...error.issues];
  }
  assert.fail('the settings were accepted');
}

function rejects(settings: unknown, path: string, message: RegExp): void {
  const issues = issuesOf(settings);
  assert.ok(
    issues.some((issue) => issue.path === path && message.test(issue.message)),
    `expected an issue at ${path} matching ${message}, got ${JSON.stringify(issues)}`,
  );
}

describe('globs', () => {
  test('a pattern without wildcards matches only the whole name', () => {
    const glob = compileGlob('search');
    assert.equal(glob.literal, true);
    assert.equal(glob.matches('search'), true);
    for (const other of ['search_all', 'research', 'Search', 'searc', ''])
      assert.equal(glob.matches(other), false, other);
  });

  test('globs are anchored at both ends', () => {
    const glob = compileGlob('read_*');
    assert.equal(glob.literal, false);
    assert.equal(glob.matches('read_file'), true);
    assert.equal(glob.matches('read_'), true, '* matches an empty run');
    assert.equal(glob.matches('unread_file'), false);
    assert.equal(compileGlob('*_file').matches('read_file_now'), false);
  });

  test('regular expression metacharacters stand for themselves', () => {
    assert.equal(compileGlob('a.b').matches('a.b'), true);
    assert.equal(compileGlob('a.b').matches('axb'), false, '. is not "any character"');
    assert.equal(compileGlob('c++').matches('c++'), true);
    assert.equal(compileGlob('c++').matches('ccc'), false, '+ is not a quantifier');
    assert.equal(compileGlob('admin.tools.*').matches('admin.tools.list'), true);
    assert.equal(compileGlob('admin.tools.*').matches('adminXtoolsYlist'), false);
    for (const literal of ['(x)', '[ab]', '^start$', 'a|b', 'x{2}', 'back\\slash', 'a\\d'])
      assert.equal(compileGlob(literal).matches(literal), true, literal);
    assert.equal(compileGlob('[ab]').matches('a'), false);
    assert.equal(compileGlob('a|b').matches('a'), false);
    assert.equal(compileGlob('x{2}').matches('xx'), false);
    assert.equal(compileGlob('a\\d').matches('a1'), false);
    assert.equal(compileGlob('(*)').matches('(anything)'), true);
    assert.equal(compileGlob('(*)').matches('anything'), false);
  });

  test('? is exactly one character (one code point)', () => {
    const glob = compileGlob('get_?');
    assert.equal(glob.matches('get_a'), true);
    assert.equal(glob.matches('get_'), false);
    assert.equal(glob.matches('get_ab'), false);
    assert.equal(glob.matches('get_😀'), true, 'an astral character is one character');
    assert.equal(compileGlob('??').matches('😀'), false);
  });

  test('* matches any run, slashes included, and backtracks correctly', () => {
    assert.equal(compileGlob('file:///logs/*').matches('file:///logs/2024/app.log'), true);
    assert.equal(compileGlob('file:///logs/*').matches('file:///etc/passwd'), false);
    const glob = compileGlob('*delete*');
    for (const name of ['delete', 'bulk_delete_all', 'undelete']) assert.equal(glob.matches(name), true, name);
    for (const name of ['Delete', 'delet', 'del_ete']) assert.equal(glob.matches(name), false, name);
    assert.equal(compileGlob('*a*b').matches('xaxb'), true);
    assert.equal(compileGlob('*a*b').matches('xba'), false);
    assert.equal(compileGlob('a*b?c').matches('abbbxc'), true);
    assert.equal(compileGlob('a*b?c').matches('abc'), false);
    assert.equal(compileGlob('*').matches(''), true);
    assert.equal(compileGlob('**').matches('anything/at/all'), true);
  });

  test('a hostile pattern against a long input stays fast (no regex backtracking)', () => {
    const started = performance.now();
    assert.equal(compileGlob('*a*a*a*a*a*a*a*b').matches('a'.repeat(20_000)), false);
    assert.ok(performance.now() - started < 2000);
  });

  test('empty or non-string patterns are rejected with a clear error', () => {
    assert.throws(
      () => compileGlob(''),
      (error: unknown) =>
        error instanceof RulesConfigError &&
        error instanceof AdapterError &&
        error.code === 'rules_invalid' &&
        /must not be empty/.test(error.message),
    );
    assert.throws(() => compileGlob(42 as unknown as string), /must be a string, not a number/);
  });

  test('a list reports which pattern matched, exact names first', () => {
    const list = new GlobList(['*_file', 'read_file', 'x?']);
    assert.equal(list.firstMatch('read_file'), 'read_file');
    assert.equal(list.firstMatch('write_file'), '*_file');
    assert.equal(list.firstMatch('xy'), 'x?');
    assert.equal(list.firstMatch('xyz'), undefined);
  });
});

describe('tool rules: allow, deny, read_only', () => {
  test('no rules: everything passes and lists come back as they are', () => {
    for (const settings of [undefined, {}, { tools: {} }, { tools: { roles: {} } }, { prompts: {} }]) {
      const rules = compileRules(settings);
      assert.equal(rules.isEmpty, true, JSON.stringify(settings));
      const result = { tools: [tool('anything')] };
      assert.equal(rules.filterToolsList(result), result);
      assert.deepEqual(rules.checkToolCall('anything'), { ok: true, childName: 'anything' });
      assert.equal(rules.childToolName('anything'), 'anything');
      assert.equal(rules.leavesNothing([tool('a')]), false);
    }
    const empty = compileRules(undefined);
    assert.equal(empty.hasToolRules || empty.hasPromptRules || empty.hasResourceRules, false);
  });

  test('allow keeps only matching tools; deny wins over allow', () => {
    const rules = compileRules({ tools: { allow: ['read_*', 'search', 'delete_all'], deny: ['*delete*'] } });
    assert.equal(rules.isEmpty, false);
    assert.equal(rules.hasToolRules, true);
    assert.deepEqual(rules.exposesTool('read_file'), { exposed: true });
    assert.deepEqual(rules.exposesTool('search'), { exposed: true });
    assert.deepEqual(rules.exposesTool('write_file'), { exposed: false, rule: 'not in allow' });
    assert.deepEqual(rules.exposesTool('delete_all'), { exposed: false, rule: 'deny "*delete*"' });
    assert.deepEqual(rules.exposesTool('read_deleted'), { exposed: false, rule: 'deny "*delete*"' });
    assert.deepEqual(
      names(rules, [tool('read_file'), tool('write_file'), tool('search'), tool('delete_all'), tool('read_deleted')]),
      ['read_file', 'search'],
    );
  });

  test('deny alone hides only what it names', () => {
    const rules = compileRules({ tools: { deny: ['rm', 'exec_?'] } });
    assert.deepEqual(names(rules, [tool('rm'), tool('rmdir'), tool('exec_a'), tool('exec_ab'), tool('ls')]), [
      'rmdir',
      'exec_ab',
      'ls',
    ]);
  });

  test('an empty allow list lets no tool through', () => {
    const rules = compileRules({ tools: { allow: [] } });
    assert.deepEqual(names(rules, [tool('a'), tool('b')]), []);
    assert.equal(rules.checkToolCall('a').ok, false);
  });

  test('read_only shows only tools annotated readOnlyHint: true', () => {
    const rules = compileRules({ tools: { read_only: true } });
    assert.equal(rules.usesAnnotations, true);
    const tools = [
      readOnly('get'),
      tool('put', { annotations: { readOnlyHint: false } }),
      tool('bare'),
      tool('untitled', { annotations: { title: 'x' } }),
      tool('stringly', { annotations: { readOnlyHint: 'true' as unknown as boolean } }),
    ];
    assert.deepEqual(names(rules, tools), ['get']);
    assert.deepEqual(rules.exposesTool('put', { readOnlyHint: false }), {
      exposed: false,
      rule: 'read_only (readOnlyHint false)',
    });
    assert.deepEqual(rules.exposesTool('bare'), { exposed: false, rule: 'read_only (no readOnlyHint)' });
    assert.deepEqual(rules.exposesTool('untitled', { title: 'x' }), {
      exposed: false,
      rule: 'read_only (no readOnlyHint)',
    });
    assert.deepEqual(rules.exposesTool('get', { readOnlyHint: true, destructiveHint: true }), { exposed: true });
  });

  test('read_only at call time: refused unless the annotations from the child list say read-only', () => {
    const rules = compileRules({ tools: { read_only: true } });
    const unknown = rules.checkToolCall('get');
    assert.equal(unknown.ok, false);
    assert.equal(!unknown.ok && unknown.rule, 'read_only (annotations unknown)');
    assert.deepEqual(rules.checkToolCall('get', { readOnlyHint: true }), { ok: true, childName: 'get' });
    const writer = rules.checkToolCall('put', { readOnlyHint: false });
    assert.equal(!writer.ok && writer.rule, 'read_only (readOnlyHint false)');
    const unannotated = rules.checkToolCall('bare', {});
    assert.equal(!unannotated.ok && unannotated.rule, 'read_only (no readOnlyHint)');
    // childToolName only maps names: it does not need annotations.
    assert.equal(rules.childToolName('put'), 'put');
  });

  test('read_only combines with allow and deny', () => {
    const rules = compileRules({ tools: { allow: ['read_*'], deny: ['read_secret'], read_only: true } });
    assert.deepEqual(names(rules, [readOnly('read_a'), tool('read_b'), readOnly('read_secret'), readOnly('other')]), [
      'read_a',
    ]);
    assert.equal(compileRules({ tools: { allow: ['*'] } }).usesAnnotations, false);
  });

  test('a refusal never says whether the tool exists on the child, and is a JSON-RPC Invalid Params', () => {
    const rules = compileRules({ tools: { allow: ['search'], deny: ['secret'] } });
    const hidden = rules.checkToolCall('secret');
    const missing = rules.checkToolCall('no_such_tool');
    assert.equal(hidden.ok, false);
    assert.equal(missing.ok, false);
    if (hidden.ok || missing.ok) return;
    assert.equal(hidden.message, 'Tool "secret" is not available on this server');
    assert.equal(missing.message, 'Tool "no_such_tool" is not available on this server');
    assert.equal(hidden.code, -32602);
    assert.equal(hidden.rule, 'deny "secret"');
    assert.equal(missing.rule, 'not in allow');
    const odd = rules.checkToolCall('x"\ny');
    assert.equal(!odd.ok && odd.message, 'Tool "x\\"\\ny" is not available on this server');
    const notAString = rules.checkToolCall(7 as unknown as string);
    assert.equal(!notAString.ok && notAString.message, 'Tool name must be a string');
    assert.equal(rules.childToolName(7 as unknown as string), undefined);
  });
});

describe('tool rules: rename and describe', () => {
  const rules = compileRules({
    tools: {
      rename: { get_env: 'environment' },
      describe: { search: 'Search the docs index', get_env: 'The server environment' },
    },
  });

  test('a renamed tool is listed and called by its new name only', () => {
    assert.equal(rules.hasToolRules, true);
    const listed = rules.filterToolsList({ tools: [tool('get_env'), tool('search'), tool('other')] }).tools;
    assert.deepEqual(
      listed.map((t) => t.name),
      ['environment', 'search', 'other'],
    );
    assert.equal(rules.clientToolName('get_env'), 'environment');
    assert.equal(rules.clientToolName('search'), 'search');
    assert.equal(rules.childToolName('environment'), 'get_env');
    assert.equal(rules.childToolName('search'), 'search');
    assert.deepEqual(rules.checkToolCall('environment'), { ok: true, childName: 'get_env' });
  });

  test('the original name of a renamed tool is refused', () => {
    assert.equal(rules.childToolName('get_env'), undefined);
    const call = rules.checkToolCall('get_env');
    assert.equal(call.ok, false);
    if (call.ok) return;
    assert.equal(call.message, 'Tool "get_env" is not available on this server');
    assert.equal(call.rule, 'renamed to "environment"');
  });

  test('descriptions are replaced (or added) and every other field is kept', () => {
    const input = [
      tool('search', { title: 'Search', description: 'internal: hits prod-db-7', _meta: { k: 1 } }),
      tool('get_env', { annotations: { readOnlyHint: true } }),
      tool('other', { description: 'unchanged' }),
    ];
    const [search, environment, other] = rules.filterToolsList({ tools: input }).tools;
    assert.deepEqual(search, {
      name: 'search',
      title: 'Search',
      description: 'Search the docs index',
      inputSchema: schema,
      _meta: { k: 1 },
    });
    assert.deepEqual(environment, {
      name: 'environment',
      description: 'The server environment',
      inputSchema: schema,
      annotations: { readOnlyHint: true },
    });
    assert.equal(other, input[2], 'a tool nothing changes is passed as it is');
  });

  test('rules match the child names, not the renamed ones', () => {
    const denied = compileRules({ tools: { rename: { get_env: 'environment' }, deny: ['get_*'] } });
    assert.deepEqual(names(denied, [tool('get_env'), tool('list')]), ['list']);
    assert.equal(denied.checkToolCall('environment').ok, false);
    assert.equal(denied.childToolName('environment'), undefined);
    const allowed = compileRules({ tools: { rename: { get_env: 'environment' }, allow: ['get_env'] } });
    assert.deepEqual(names(allowed, [tool('get_env'), tool('list')]), ['environment']);
    assert.deepEqual(allowed.checkToolCall('environment'), { ok: true, childName: 'get_env' });
  });

  test('two tools may swap names', () => {
    const swap = compileRules({ tools: { rename: { a: 'b', b: 'a' } } });
    assert.deepEqual(names(swap, [tool('a'), tool('b')]), ['b', 'a']);
    assert.equal(swap.childToolName('a'), 'b');
    assert.equal(swap.childToolName('b'), 'a');
    assert.deepEqual(swap.nameConflicts([tool('a'), tool('b')]), []);
  });

  test("a child's own tool whose name a rename takes is hidden, and reported", () => {
    const shadow = compileRules({ tools: { rename: { get_env: 'env' } } });
    const tools = [tool('get_env'), tool('env', { description: 'the child own env' })];
    const listed = shadow.filterToolsList({ tools }).tools;
    assert.equal(listed.length, 1);
    assert.equal(listed[0]?.name, 'env');
    assert.equal(listed[0]?.description, undefined, 'the listed "env" is the renamed get_env');
    assert.deepEqual(shadow.exposesTool('env'), { exposed: false, rule: 'name taken by "get_env" (rename)' });
    assert.deepEqual(shadow.checkToolCall('env'), { ok: true, childName: 'get_env' });
    assert.deepEqual(shadow.nameConflicts(tools), [
      'the child\'s tool "env" is hidden: "get_env" is renamed to that name',
    ]);
    assert.deepEqual(shadow.nameConflicts([tool('get_env')]), []);
    const denied = compileRules({ tools: { rename: { get_env: 'env' }, deny: ['e*'] } });
    assert.deepEqual(denied.nameConflicts(tools), [], 'a tool the rules hide anyway is no conflict');
  });
});

describe('list filtering', () => {
  const rules = compileRules({ tools: { allow: ['keep*'], rename: { keep_b: 'renamed' } } });

  test('keeps nextCursor, _meta and other result fields; a page may come back empty', () => {
    const result = {
      tools: [tool('drop')],
      nextCursor: 'opaque==',
      _meta: { 'io.modelcontextprotocol/serverInfo': { name: 'x' } },
      ttlMs: 0,
      cacheScope: 'private' as const,
    };
    assert.deepEqual(rules.filterToolsList(result), { ...result, tools: [] });
  });

  test('never mutates its input', () => {
    const input = {
      tools: [tool('keep_a', { description: 'a' }), tool('keep_b'), tool('drop')],
      nextCursor: 'c',
    };
    const before = structuredClone(input);
    const output = rules.filterToolsList(input);
    assert.notEqual(output, input);
    assert.notEqual(output.tools, input.tools);
    assert.deepEqual(input, before);
    assert.deepEqual(
      output.tools.map((t) => t.name),
      ['keep_a', 'renamed'],
    );
  });

  test('malformed entries and a tools field that is not an array are dropped (fail closed)', () => {
    const odd = { tools: [null, 'keep_x', { name: 5 }, { description: 'no name' }, tool('keep_ok')] };
    assert.deepEqual(
      rules.filterToolsList(odd as unknown as { tools: Tool[] }).tools.map((t) => t.name),
      ['keep_ok'],
    );
    assert.deepEqual(rules.filterToolsList({ tools: { keep_a: {} } } as unknown as { tools: Tool[] }).tools, []);
  });
});

describe('prompts and resources', () => {
  const rules = compileRules({
    prompts: { allow: ['summarize*'], deny: ['*_internal'] },
    resources: { allow: ['file:///docs/*', 'db://tables/?'], deny: ['*.env'] },
  });

  test('prompt rules filter prompts/list and prompts/get', () => {
    assert.equal(rules.hasPromptRules, true);
    assert.equal(rules.hasToolRules, false);
    const result = {
      prompts: [{ name: 'summarize' }, { name: 'summarize_internal' }, { name: 'translate' }],
      nextCursor: 'n',
    };
    assert.deepEqual(rules.filterPromptsList(result), { prompts: [{ name: 'summarize' }], nextCursor: 'n' });
    assert.equal(result.prompts.length, 3, 'input untouched');
    assert.deepEqual(rules.checkPrompt('summarize_long'), { ok: true });
    const refused = rules.checkPrompt('translate');
    assert.equal(refused.ok, false);
    if (refused.ok) return;
    assert.equal(refused.message, 'Prompt "translate" is not available on this server');
    assert.equal(refused.rule, 'not in allow');
    assert.equal(refused.code, -32602);
    const internal = rules.checkPrompt('summarize_internal');
    assert.equal(!internal.ok && internal.rule, 'deny "*_internal"');
  });

  test('resource rules match uri, and uriTemplate for templates', () => {
    const resources = {
      resources: [
        { uri: 'file:///docs/a.md', name: 'a' },
        { uri: 'file:///docs/.env', name: 'env' },
        { uri: 'file:///etc/passwd', name: 'passwd' },
        { uri: 'db://tables/x', name: 'x' },
        { uri: 'db://tables/xy', name: 'xy' },
      ],
      _meta: { m: true },
    };
    assert.deepEqual(
      rules.filterResourcesList(resources).resources.map((r) => r.name),
      ['a', 'x'],
    );
    assert.deepEqual(rules.filterResourcesList(resources)._meta, { m: true });
    const templates = {
      resourceTemplates: [
        { uriTemplate: 'file:///docs/{path}', name: 'docs' },
        { uriTemplate: 'file:///home/{user}', name: 'home' },
      ],
      nextCursor: 'more',
    };
    assert.deepEqual(rules.filterResourceTemplatesList(templates), {
      resourceTemplates: [{ uriTemplate: 'file:///docs/{path}', name: 'docs' }],
      nextCursor: 'more',
    });
    assert.deepEqual(rules.checkResourceRead('file:///docs/guide/intro.md'), { ok: true });
    const refused = rules.checkResourceRead('file:///etc/passwd');
    assert.equal(!refused.ok && refused.message, 'Resource "file:///etc/passwd" is not available on this server');
    const env = rules.checkResourceRead('file:///docs/prod.env');
    assert.equal(!env.ok && env.rule, 'deny "*.env"');
  });

  test('without prompt or resource rules, everything passes and results come back as they are', () => {
    const toolsOnly = compileRules({ tools: { deny: ['x'] } });
    assert.equal(toolsOnly.hasPromptRules, false);
    assert.equal(toolsOnly.hasResourceRules, false);
    const prompts = { prompts: [{ name: 'anything' }] };
    const resources = { resources: [{ uri: 'file:///etc/passwd' }] };
    const templates = { resourceTemplates: [{ uriTemplate: 'x://{y}' }] };
    assert.equal(toolsOnly.filterPromptsList(prompts), prompts);
    assert.equal(toolsOnly.filterResourcesList(resources), resources);
    assert.equal(toolsOnly.filterResourceTemplatesList(templates), templates);
    assert.deepEqual(toolsOnly.checkPrompt('anything'), { ok: true });
    assert.deepEqual(toolsOnly.checkResourceRead('file:///etc/passwd'), { ok: true });
    // And prompt rules leave tools alone.
    const tools = { tools: [tool('x')] };
    assert.equal(rules.filterToolsList(tools), tools);
  });
});

describe('leavesNothing', () => {
  test('true only when rules hide every tool of a non-empty list', () => {
    const rules = compileRules({ tools: { allow: ['search'] } });
    assert.equal(rules.leavesNothing([tool('a'), tool('b')]), true);
    assert.equal(rules.leavesNothing([tool('a'), tool('search')]), false);
    assert.equal(rules.leavesNothing([]), false, 'a child with no tools is not the rules emptying it');
    assert.equal(rules.allowEmpty, false);
    assert.equal(compileRules({ tools: { allow: ['search'], allow_empty: true } }).allowEmpty, true);
  });

  test('read_only over unannotated tools leaves nothing', () => {
    const rules = compileRules({ tools: { read_only: true } });
    assert.equal(rules.leavesNothing([tool('a'), tool('b', { annotations: { readOnlyHint: false } })]), true);
    assert.equal(rules.leavesNothing([tool('a'), readOnly('b')]), false);
  });

  test('rename and describe alone never leave nothing', () => {
    const rules = compileRules({ tools: { rename: { a: 'b' }, describe: { a: 'd' } } });
    assert.equal(rules.leavesNothing([tool('a')]), false);
  });
});

describe('invalid rules are rejected with clear messages', () => {
  test('the error is an AdapterError with a code, listing every issue', () => {
    try {
      compileRules({ tools: { allow: [''], read_only: 'yes' as unknown as boolean } });
      assert.fail('accepted');
    } catch (error) {
      assert.ok(error instanceof AdapterError);
      assert.ok(error instanceof RulesConfigError);
      assert.equal(error.code, 'rules_invalid');
      assert.equal(error.name, 'RulesConfigError');
      assert.equal(error.httpStatus, undefined);
      assert.equal(error.issues.length, 2);
      assert.match(error.message, /\/tools\/allow\/0: a pattern must not be empty/);
      assert.match(error.message, /\/tools\/read_only: expected true or false, found a string/);
    }
  });

  test('two tools renamed to one name', () => {
    rejects(
      { tools: { rename: { a: 'same', b: 'same' } } },
      '/tools/rename/b',
      /"a" and "b" are both renamed to "same"/,
    );
  });

  test('renaming to an empty, invalid or identical name', () => {
    rejects({ tools: { rename: { a: '' } } }, '/tools/rename/a', /cannot be renamed to an empty name/);
    rejects({ tools: { rename: { a: 'has space' } } }, '/tools/rename/a', /not a valid MCP tool name/);
    rejects({ tools: { rename: { a: 'x'.repeat(129) } } }, '/tools/rename/a', /not a valid MCP tool name/);
    rejects({ tools: { rename: { a: 'a' } } }, '/tools/rename/a', /renamed to itself/);
    rejects({ tools: { rename: { a: 3 } } }, '/tools/rename/a', /expected the new name as a string, found a number/);
    rejects({ tools: { rename: { '': 'x' } } }, '/tools/rename/', /must not be empty/);
    rejects({ tools: { rename: { 'get_*': 'x' } } }, '/tools/rename/get_*', /exact name/);
    rejects({ tools: { rename: { 'a/b': '' } } }, '/tools/rename/a~1b', /empty name/);
    assert.doesNotThrow(() => compileRules({ tools: { rename: { a: 'x'.repeat(128) } } }));
    assert.doesNotThrow(() => compileRules({ tools: { rename: { a: 'v2.Data-Export_x' } } }));
  });

  test('a rename target that collides with a tool the rules name exactly', () => {
    rejects(
      { tools: { rename: { get_env: 'environment' }, allow: ['search', 'environment'] } },
      '/tools/allow/1',
      /"environment" is the name "get_env" is renamed to.*child's tool names/,
    );
    rejects(
      { tools: { rename: { get_env: 'environment' }, deny: ['environment'] } },
      '/tools/deny/0',
      /write "get_env"/,
    );
    rejects(
      { tools: { rename: { get_env: 'environment' }, describe: { environment: 'd' } } },
      '/tools/describe/environment',
      /"environment" is the name "get_env" is renamed to/,
    );
    rejects(
      { tools: { rename: { get_env: 'environment' }, roles: { ops: { allow: ['environment'] } } } },
      '/tools/roles/ops/allow/0',
      /renamed to/,
    );
    // A glob or a swapped name is no collision.
    assert.doesNotThrow(() => compileRules({ tools: { rename: { get_env: 'environment' }, allow: ['env*'] } }));
    assert.doesNotThrow(() => compileRules({ tools: { rename: { a: 'b', b: 'a' }, allow: ['a', 'b'] } }));
  });

  test('shapes: unknown fields, wrong types, empty patterns', () => {
    rejects({ tools: { dney: ['x'] } }, '/tools/dney', /unknown field "dney"/);
    rejects({ tool: {} }, '/tool', /unknown field "tool"/);
    rejects({ prompts: { allow: ['a'], read_only: true } }, '/prompts/read_only', /unknown field/);
    rejects({ resources: { deny: 'file:///*' } }, '/resources/deny', /expected an array.*found a string/);
    rejects({ resources: { allow: ['ok', ''] } }, '/resources/allow/1', /must not be empty/);
    rejects({ prompts: { deny: [null] } }, '/prompts/deny/0', /must be a string, not null/);
    rejects({ tools: [] }, '/tools', /expected an object, found an array/);
    rejects({ tools: { describe: { a: 1 } } }, '/tools/describe/a', /description as a string/);
    rejects({ tools: { allow_empty: 1 } }, '/tools/allow_empty', /true or false/);
    rejects('tools', '', /expected an object, found a string/);
    assert.equal(issuesOf({ tools: { allow: ['', ''], deny: [1] }, prompts: { allow: [''] } }).length, 4);
  });

  test('roles: shape, and server-wide fields refused in a role', () => {
    rejects(
      { tools: { roles: { ops: { rename: { a: 'b' } } } } },
      '/tools/roles/ops/rename',
      /applies to every caller/,
    );
    rejects({ tools: { roles: { ops: { allow_empty: true } } } }, '/tools/roles/ops/allow_empty', /every caller/);
    rejects({ tools: { roles: { ops: { alow: [] } } } }, '/tools/roles/ops/alow', /unknown field "alow"/);
    rejects({ tools: { roles: { ops: { read_only: 'no' } } } }, '/tools/roles/ops/read_only', /true or false/);
    rejects({ tools: { roles: { ops: ['a'] } } }, '/tools/roles/ops', /expected an object/);
    rejects({ tools: { roles: { ops: null } } }, '/tools/roles/ops', /needs an object/);
    rejects({ tools: { roles: { '': {} } } }, '/tools/roles/', /role name must not be empty/);
    rejects({ tools: { roles: [] } }, '/tools/roles', /expected an object/);
  });
});

describe('roles', () => {
  const base = compileRules({
    tools: {
      allow: ['search'],
      deny: ['*delete*'],
      rename: { get_env: 'environment' },
      roles: {
        admin: { allow: ['*'] },
        reader: { allow: ['read_*', 'get_env'], read_only: true },
        auditor: { allow: ['audit_*'] },
        open: {},
      },
    },
  });
  const all = [
    tool('search'),
    readOnly('read_a'),
    tool('read_b'),
    tool('audit_log'),
    tool('delete_all'),
    readOnly('get_env'),
  ];

  test('a caller without a configured role gets the base rules', () => {
    assert.equal(selectRules(base, undefined), base);
    assert.equal(selectRules(base, []), base);
    assert.equal(selectRules(base, ['stranger']), base);
    assert.equal(selectRules(base, ['constructor', '__proto__', 'toString']), base);
    assert.deepEqual(names(base, all), ['search']);
  });

  test("one role: that role's rules replace the base filters (not inherited), names stay server-wide", () => {
    const admin = selectRules(base, ['admin', 'stranger']);
    assert.equal(admin, base.roles.admin);
    assert.equal(admin.scope, 'role "admin"');
    assert.deepEqual(names(admin, all), ['search', 'read_a', 'read_b', 'audit_log', 'delete_all', 'environment']);
    const reader = selectRules(base, ['reader', 'reader']);
    assert.equal(reader, base.roles.reader);
    assert.deepEqual(names(reader, all), ['read_a', 'environment']);
    assert.equal(reader.checkToolCall('get_env').ok, false, 'the original name stays refused in a role');
    assert.deepEqual(reader.checkToolCall('environment', { readOnlyHint: true }), { ok: true, childName: 'get_env' });
    assert.deepEqual(names(selectRules(base, ['open']), all), names(base.roles.admin!, all));
  });

  test('several roles: a tool is exposed when any of their rule sets exposes it', () => {
    const both = selectRules(base, ['reader', 'auditor']);
    assert.equal(both.scope, 'roles "auditor", "reader"');
    assert.deepEqual(names(both, all), ['read_a', 'audit_log', 'environment']);
    assert.equal(both.usesAnnotations, true);
    assert.equal(both.childToolName('audit_log'), 'audit_log');
    assert.equal(both.childToolName('read_b'), 'read_b', 'names pass; read_only is decided at call time');
    assert.equal(both.childToolName('search'), undefined, 'the base rules do not take part');
    assert.deepEqual(both.checkToolCall('audit_log'), { ok: true, childName: 'audit_log' });
    const refused = both.checkToolCall('read_b', { readOnlyHint: false });
    assert.equal(refused.ok, false);
    if (refused.ok) return;
    assert.equal(refused.rule, 'role "auditor": not in allow; role "reader": read_only (readOnlyHint false)');
    assert.equal(refused.message, 'Tool "read_b" is not available on this server');
    assert.deepEqual(both.exposesTool('search'), {
      exposed: false,
      rule: 'role "auditor": not in allow; role "reader": not in allow',
    });
  });

  test('a union with an unrestricted role exposes everything', () => {
    const union = selectRules(base, ['auditor', 'open']);
    assert.deepEqual(names(union, all), names(base.roles.open!, all));
    assert.equal(union.usesAnnotations, false);
  });

  test('prompt and resource rules are shared by every role', () => {
    const withPrompts = compileRules({
      tools: { roles: { a: { allow: ['x'] }, b: { allow: ['y'] } } },
      prompts: { deny: ['secret'] },
    });
    for (const rules of [withPrompts, withPrompts.roles.a!, selectRules(withPrompts, ['a', 'b'])]) {
      assert.equal(rules.checkPrompt('secret').ok, false, rules.scope);
      assert.equal(rules.checkPrompt('open').ok, true, rules.scope);
    }
    assert.deepEqual(Object.keys(withPrompts.roles).sort(), ['a', 'b']);
  });

  test('role sets from another compileRules call are refused', () => {
    const other = compileRules({ tools: { roles: { x: { allow: ['a'] }, y: { allow: ['b'] } } } });
    assert.throws(() => selectRules(base, ['x', 'y'], other.roles), TypeError);
  });
});
