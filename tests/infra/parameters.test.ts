// main.parameters.json and main.bicep agree, module calls match the modules they call, and the
// values azd feeds come from the azd environment. (The Bicep CLI would check most of this; it
// cannot be installed here.)
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { bicepFiles, declarations, descendants, infraDir, parseFile, propertyKey } from './bicep.js';

const mainFile = path.join(infraDir, 'main.bicep');
const parametersFile = path.join(infraDir, 'main.parameters.json');
const parameters = (
  JSON.parse(readFileSync(parametersFile, 'utf8')) as { parameters: Record<string, { value?: unknown }> }
).parameters;
const mainParams = declarations(parseFile(mainFile)).filter((d) => d.kind === 'param');

test('every main.bicep param without a default has a main.parameters.json entry', () => {
  const missing = mainParams
    .filter((p) => !p.hasDefault && !(p.name in parameters))
    .map((p) => `infra/main.bicep:${p.line}: param ${p.name} has no default and no entry in main.parameters.json`);
  assert.deepEqual(missing, []);
});

test('every main.parameters.json entry is a main.bicep param', () => {
  const names = new Set(mainParams.map((p) => p.name));
  const unknown = Object.keys(parameters)
    .filter((name) => !names.has(name))
    .map((name) => `infra/main.parameters.json: ${name} is not a param of main.bicep`);
  assert.deepEqual(unknown, []);
});

test('main.parameters.json takes every value from the azd environment, secrets into @secure() params', () => {
  const problems: string[] = [];
  for (const [name, entry] of Object.entries(parameters)) {
    const value = entry.value;
    // azd substitutes with drone/envsubst: `${NAME=default}` gives `default` when NAME is unset or empty.
    const match = typeof value === 'string' ? /^\$\{([A-Z][A-Z0-9_]*)(?:=[^}]*)?\}$/.exec(value) : null;
    if (!match) {
      problems.push(
        `${name}: expected "\${AZD_ENV_VARIABLE}" or "\${AZD_ENV_VARIABLE=default}", got ${JSON.stringify(value)}`,
      );
      continue;
    }
    const param = mainParams.find((p) => p.name === name);
    if (param && /SECRET|SESSION_KEY|PASSWORD/.test(match[1]!) && !param.secure)
      problems.push(`infra/main.bicep:${param.line}: param ${name} (from ${match[1]}) must be @secure()`);
  }
  assert.deepEqual(problems, []);
  const variables = Object.values(parameters).map((entry) => String(entry.value));
  for (const required of [
    'AZURE_ENV_NAME',
    'AZURE_LOCATION',
    'AZURE_PRINCIPAL_ID',
    'MCP_SETTING_VALUES',
    'MCP_SECRET_VALUES',
    'MCP_ADAPTER_SESSION_KEY',
  ]) {
    assert.ok(variables.includes(`\${${required}}`), `main.parameters.json should use \${${required}}`);
  }
});

test('main.bicep targets the subscription and tags the resource group for azd', () => {
  const text = readFileSync(mainFile, 'utf8');
  assert.match(text, /^targetScope = 'subscription'$/m);
  assert.match(text, /'azd-env-name': environmentName/);
  assert.match(text, /loadJsonContent\('mcp-plan\.json'\)/);
});

test('every abbreviation main.bicep uses is in abbreviations.json', () => {
  const abbreviations = JSON.parse(readFileSync(path.join(infraDir, 'abbreviations.json'), 'utf8')) as Record<
    string,
    string
  >;
  const used = [...readFileSync(mainFile, 'utf8').matchAll(/\babbrs\.(\w+)/g)].map((m) => m[1]!);
  assert.ok(used.length > 0);
  assert.deepEqual(
    used.filter((name) => !(name in abbreviations)),
    [],
  );
});

test('module calls pass only params the module declares, and every one it requires', () => {
  const problems: string[] = [];
  for (const file of bicepFiles()) {
    const parsed = parseFile(file);
    for (const module of declarations(parsed).filter((d) => d.kind === 'module')) {
      const where = `${parsed.relative}:${module.line}`;
      const target = path.resolve(path.dirname(file), module.target ?? '');
      if (!module.target || !existsSync(target)) {
        problems.push(`${where}: module ${module.name} points at ${module.target}, which does not exist`);
        continue;
      }
      const declared = declarations(parseFile(target)).filter((d) => d.kind === 'param');
      const body =
        module.value?.type === 'object'
          ? module.value
          : module.value
            ? descendants(module.value, 'object')[0]
            : undefined;
      const paramsProperty = body?.namedChildren.find(
        (p) => p.type === 'object_property' && propertyKey(p) === 'params',
      );
      const passed = paramsProperty
        ? paramsProperty.namedChildren
            .filter((c) => c.type === 'object')
            .flatMap((o) => o.namedChildren.filter((p) => p.type === 'object_property').map((p) => propertyKey(p)!))
        : [];
      for (const name of passed)
        if (!declared.some((p) => p.name === name))
          problems.push(`${where}: module ${module.name} passes ${name}, not a param of ${module.target}`);
      for (const param of declared)
        if (!param.hasDefault && !passed.includes(param.name))
          problems.push(
            `${where}: module ${module.name} does not pass required param ${param.name} of ${module.target}`,
          );
    }
  }
  assert.deepEqual(problems, []);
});

test('every <module>.outputs.<name> used exists in that module', () => {
  const problems: string[] = [];
  for (const file of bicepFiles()) {
    const parsed = parseFile(file);
    const modules = new Map(
      declarations(parsed)
        .filter((d) => d.kind === 'module')
        .map((d) => [d.name, path.resolve(path.dirname(file), d.target ?? '')]),
    );
    parsed.text.split('\n').forEach((line, index) => {
      for (const match of line.matchAll(/\b(\w+)!?\.outputs\.(\w+)/g)) {
        const target = modules.get(match[1]!);
        if (!target) continue;
        const outputs = declarations(parseFile(target))
          .filter((d) => d.kind === 'output')
          .map((d) => d.name);
        if (!outputs.includes(match[2]!))
          problems.push(
            `${parsed.relative}:${index + 1}: ${match[1]}.outputs.${match[2]} is not an output of ${path.relative(infraDir, target)}`,
          );
      }
    });
  }
  assert.deepEqual(problems, []);
});

test('outputs carry no secrets', () => {
  const problems: string[] = [];
  for (const file of bicepFiles()) {
    const parsed = parseFile(file);
    const secureParams = declarations(parsed)
      .filter((d) => d.kind === 'param' && d.secure)
      .map((d) => d.name);
    for (const output of declarations(parsed).filter((d) => d.kind === 'output')) {
      const text = output.node.text;
      if (
        /\blist\w*\(|secretValue|\.value\b/i.test(text) ||
        secureParams.some((name) => new RegExp(`\\b${name}\\b`).test(text))
      ) {
        problems.push(`${parsed.relative}:${output.line}: output ${output.name} may expose a secret`);
      }
    }
  }
  assert.deepEqual(problems, []);
});

test('resource names and role assignments follow the conventions', () => {
  const problems: string[] = [];
  for (const file of bicepFiles()) {
    const parsed = parseFile(file);
    for (const resource of declarations(parsed).filter(
      (d) => d.kind === 'resource' && d.target?.startsWith('Microsoft.Authorization/roleAssignments@'),
    )) {
      const nameProperty = descendants(resource.node, 'object_property').find((p) => propertyKey(p) === 'name');
      if (!nameProperty || !/^name:\s*guid\(/.test(nameProperty.text))
        problems.push(
          `${parsed.relative}:${resource.line}: role assignment ${resource.name} should be named guid(scope, principal, role)`,
        );
    }
    // Object/array spread needs a recent Bicep and the tree-sitter grammar cannot read it: use union().
    parsed.text.split('\n').forEach((line, index) => {
      if (!/^\s*\/\//.test(line) && /(^|[\s{[,(])\.\.\.[\w(]/.test(line))
        problems.push(`${parsed.relative}:${index + 1}: spread syntax; use union()`);
    });
  }
  assert.deepEqual(problems, []);
});

test('parameters azd resolves before the preprovision hook runs need no value from it', () => {
  // azd ensures parameters before any hook (and `--no-prompt` fails on one without a value): the
  // hook's values default to '' (meaning {}), and azd generates the session key when it is unset.
  const byName = new Map(mainParams.map((p) => [p.name, p]));
  for (const name of ['mcpSettingValues', 'mcpSecretValues', 'retiredCallerScopes', 'retiredAppRoles'])
    assert.ok(byName.get(name)?.hasDefault, `param ${name} should have a default`);
  const sessionKey = byName.get('sessionKey');
  assert.ok(
    sessionKey?.secure && !sessionKey.hasDefault,
    'sessionKey: @secure() without a default (azd generates only parameters without one)',
  );
  assert.match(
    readFileSync(mainFile, 'utf8'),
    /@metadata\(\{\s*azd: \{\s*type: 'generate'\s*config: \{\s*length: 64\s*noSpecial: true\s*\}\s*\}\s*\}\)\s*param sessionKey string/,
  );
  assert.equal(parameters.retiredCallerScopes?.value, '${MCP_RETIRED_CALLER_SCOPES=[]}');
  assert.equal(parameters.retiredAppRoles?.value, '${MCP_RETIRED_APP_ROLES=[]}');
});
