// The shape of the deployment in infra/ and in the plans it is compiled with (issue 18, option b of
// docs/scale-out-decision.md): one Function App per planned app, each with its own Flex
// Consumption plan and package container, all under the one user-assigned identity; the stateful
// app never past one instance; nothing that deploys side by side (RollingUpdate); no Redis or
// other new engine. Checked on the Bicep source with the tree-sitter grammar (no reference data,
// no Bicep CLI), so scripts/check-infra.mjs and tests/infra/topology.test.ts both run it.
//
//   checkTopology({ files, plans }) -> { problems: string[], notes: string[] }
//
// files: { 'main.bicep': text, 'app/function-app.bicep': text, ... } (paths relative to infra/);
// plans: [{ label, plan }] (infra/mcp-plan.json and the fixtures' plans).
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);

let parser;
function parse(text) {
  if (!parser) {
    const Parser = require('tree-sitter');
    parser = new Parser();
    parser.setLanguage(require('tree-sitter-bicep'));
  }
  // The grammar predates `extension`: rewrite it to the older `import` on the same line.
  const source = text.replace(
    /^([ \t]*)extension[ \t]+'?([\w.:/-]+)'?[^\r\n]*$/gm,
    (_l, indent, name) => `${indent}import '${name}@1.0.0'`,
  );
  return parser.parse((index) => source.slice(index, index + 4096)).rootNode;
}

const named = (node) => node.namedChildren.filter((child) => child.type !== 'comment');
const stringValue = (node) =>
  node?.type === 'string' &&
  node.namedChildren.every((p) => p.type === 'string_content' || p.type === 'escape_sequence')
    ? node.namedChildren.map((p) => p.text).join('')
    : undefined;
const propertyKey = (property) => {
  const key = property.namedChildren[0];
  return key?.type === 'identifier' ? key.text : stringValue(key);
};
const propertyValue = (property) => {
  const children = named(property);
  return children.length > 1 ? children.at(-1) : undefined;
};

/** Top-level declarations: { kind, name, target, value, node }. */
function declarations(root) {
  const kinds = {
    parameter_declaration: 'param',
    variable_declaration: 'var',
    resource_declaration: 'resource',
    module_declaration: 'module',
    output_declaration: 'output',
  };
  return root.namedChildren
    .filter((node) => kinds[node.type])
    .map((node) => {
      const parts = named(node);
      return {
        kind: kinds[node.type],
        name: parts.find((c) => c.type === 'identifier')?.text ?? '',
        target: stringValue(parts.find((c) => c.type === 'string')),
        existing: node.children.some((c) => c.type === 'existing'),
        value: node.children.some((c) => c.type === '=') ? parts.at(-1) : undefined,
        node,
      };
    });
}

/** The object of a body, through `[for ...: ...]` and `if (...) {...}`; with the loop item's name. */
function body(node) {
  if (!node) return {};
  if (node.type === 'object') return { object: node };
  if (node.type === 'if_statement') return body(named(node).at(-1));
  if (node.type === 'for_statement') {
    const parts = named(node);
    const variable = parts[0]?.type === 'for_loop_parameters' ? named(parts[0])[0]?.text : parts[0]?.text;
    return { ...body(parts.at(-1)), loop: { variable, collection: parts[1]?.text } };
  }
  return {};
}

/** The value node of `a.b.c` in an object literal. */
function valueAt(object, ...keys) {
  let node = object;
  for (const key of keys) {
    if (node?.type !== 'object') return undefined;
    const property = node.namedChildren.find((p) => p.type === 'object_property' && propertyKey(p) === key);
    node = property && propertyValue(property);
  }
  return node;
}

/** Every object property key and every string literal outside comments, with the file. */
function keysAndStrings(root) {
  const keys = root.descendantsOfType('object_property').map(propertyKey).filter(Boolean);
  const strings = root.descendantsOfType('string_content').map((node) => node.text);
  return { keys, strings };
}

export function checkTopology({ files, plans = [] }) {
  const problems = [];
  const notes = [];
  const parsed = Object.entries(files).map(([file, text]) => ({ file, root: parse(text), text }));
  const decls = new Map(parsed.map(({ file, root }) => [file, declarations(root)]));

  // Nothing deploys old and new instances side by side; no new engine.
  for (const { file, root } of parsed) {
    const { keys, strings } = keysAndStrings(root);
    if (keys.includes('siteUpdateStrategy'))
      problems.push(
        `infra/${file}: sets siteUpdateStrategy; deploys must use the default (Recreate): RollingUpdate serves old and new instances together, two live children per stateful session (docs/scale-out-decision.md, F8)`,
      );
    if (strings.some((text) => /RollingUpdate/i.test(text)))
      problems.push(`infra/${file}: names RollingUpdate; the stateful app must never update that way (F8)`);
    for (const d of decls.get(file).filter((d) => d.kind === 'resource' && /^Microsoft\.Cache\//i.test(d.target ?? '')))
      problems.push(
        `infra/${file}: declares ${d.target}: no Redis or other engine beside the Table store (docs/scale-out-decision.md: Decision)`,
      );
  }

  // One user-assigned identity in the whole deployment.
  const identities = [...decls.entries()].flatMap(([file, list]) =>
    list
      .filter(
        (d) =>
          d.kind === 'resource' &&
          !d.existing &&
          /^Microsoft\.ManagedIdentity\/userAssignedIdentities@/i.test(d.target ?? ''),
      )
      .map(() => file),
  );
  if (identities.length !== 1)
    problems.push(
      `infra/: ${identities.length} user-assigned identities declared (${identities.join(', ')}); the apps share one`,
    );

  // The module with the site: one site on its own plan, tagged with its service, under the identity it is given.
  const siteFiles = [...decls.entries()].filter(([, list]) =>
    list.some((d) => d.kind === 'resource' && !d.existing && /^Microsoft\.Web\/sites@/i.test(d.target ?? '')),
  );
  if (siteFiles.length !== 1) {
    problems.push(
      `infra/: ${siteFiles.length} files declare a Microsoft.Web/sites resource; expected one module, deployed per app`,
    );
    return { problems, notes };
  }
  const [siteFile, siteDecls] = siteFiles[0];
  const params = new Set(siteDecls.filter((d) => d.kind === 'param').map((d) => d.name));
  const sites = siteDecls.filter(
    (d) => d.kind === 'resource' && !d.existing && /^Microsoft\.Web\/sites@/i.test(d.target),
  );
  const farms = siteDecls.filter((d) => d.kind === 'resource' && /^Microsoft\.Web\/serverfarms@/i.test(d.target ?? ''));
  if (sites.length !== 1 || farms.length !== 1)
    problems.push(
      `infra/${siteFile}: ${sites.length} sites and ${farms.length} plans; expected one of each (each app its own plan)`,
    );
  const site = body(sites[0]?.value).object;
  const expect = (keys, test, what) => {
    const node = site && valueAt(site, ...keys);
    if (!node || !test(node))
      problems.push(`infra/${siteFile}: the site's ${keys.join('.')} should be ${what} (is ${node?.text ?? 'absent'})`);
  };
  const isParam = (node) => node.type === 'identifier' && params.has(node.text);
  if (farms[0])
    expect(
      ['properties', 'serverFarmId'],
      (n) => n.text === `${farms[0].name}.id`,
      `${farms[0].name}.id, its own plan`,
    );
  expect(['properties', 'keyVaultReferenceIdentity'], isParam, 'the identity parameter');
  expect(
    ['identity', 'userAssignedIdentities'],
    (n) => n.type === 'object' && n.namedChildren.filter((p) => p.type === 'object_property').length === 1,
    'one identity, the parameter',
  );
  expect(
    ['properties', 'functionAppConfig', 'deployment', 'storage', 'value'],
    isParam,
    "the app's own container URL parameter",
  );
  expect(
    ['properties', 'functionAppConfig', 'scaleAndConcurrency', 'maximumInstanceCount'],
    (n) => /^\w+\.maximumInstanceCount$/.test(n.text) && params.has(n.text.split('.')[0]),
    "the planned app's scale.maximumInstanceCount",
  );
  const tags = site && valueAt(site, 'tags');
  if (
    !tags ||
    !/'azd-service-name':\s*(\w+)/.test(tags.text) ||
    !params.has(/'azd-service-name':\s*(\w+)/.exec(tags.text)[1])
  )
    problems.push(`infra/${siteFile}: the site's tags should include 'azd-service-name': <the service parameter>`);

  // main.bicep deploys that module once per planned app, the identity module's identity for all.
  const siteModuleRel = siteFile;
  const mainDecls = decls.get('main.bicep') ?? [];
  const appModules = mainDecls.filter((d) => d.kind === 'module' && d.target === siteModuleRel);
  if (appModules.length === 0) problems.push(`infra/main.bicep: no module deploys ${siteModuleRel}`);
  for (const module of appModules) {
    const { object, loop } = body(module.value);
    // Over plan.apps itself, or over a variable that is a loop (or map) over it.
    const collectionVar = mainDecls.find((d) => d.kind === 'var' && d.name === loop?.collection);
    const overPlanApps =
      loop?.collection === 'plan.apps' ||
      (collectionVar &&
        (body(collectionVar.value).loop?.collection === 'plan.apps' ||
          /^map\(plan\.apps,/.test(collectionVar.value?.text ?? '')));
    if (!overPlanApps)
      problems.push(
        `infra/main.bicep: module ${module.name} should be a loop over the planned apps (plan.apps), is over ${loop?.collection ?? 'nothing'}`,
      );
    const paramsObject = object && valueAt(object, 'params');
    const param = (key) => paramsObject && valueAt(paramsObject, key);
    for (const key of ['name', 'planName', 'serviceName', 'deploymentContainerUrl', 'scale']) {
      const node = param(key);
      if (!node || !loop || !new RegExp(`\\b${loop.variable}\\.`).test(node.text))
        problems.push(
          `infra/main.bicep: module ${module.name} should pass ${key} from each app (${loop?.variable ?? 'app'}.…), is ${node?.text ?? 'absent'}`,
        );
    }
    const identity = param('identityId');
    if (!identity || !/^\w+\.outputs\.id$/.test(identity.text))
      problems.push(
        `infra/main.bicep: module ${module.name} should pass identityId from the identity module (shared), is ${identity?.text ?? 'absent'}`,
      );
    else {
      const identityModule = mainDecls.find((d) => d.kind === 'module' && d.name === identity.text.split('.')[0]);
      if (!identityModule || !identities.includes(identityModule.target))
        problems.push(`infra/main.bicep: ${identity.text} is not the module that declares the user-assigned identity`);
    }
  }

  // One package container per app.
  const containers = [...decls.entries()].flatMap(([file, list]) =>
    list
      .filter(
        (d) =>
          d.kind === 'resource' &&
          /^Microsoft\.Storage\/storageAccounts\/blobServices\/containers@/i.test(d.target ?? ''),
      )
      .map((d) => ({ file, d })),
  );
  if (containers.length !== 1 || !body(containers[0].d.value).loop)
    problems.push('infra/: the package containers should be one resource declared in a loop (one container per app)');

  // The plans: apps[0] is `api`; at most two apps, one per role; the stateful one on one instance.
  for (const { label, plan } of plans) {
    const apps = plan.apps;
    if (!Array.isArray(apps) || apps.length === 0 || apps.length > 2) {
      problems.push(`${label}: apps should list one or two apps`);
      continue;
    }
    if (apps[0].service !== 'api') problems.push(`${label}: apps[0].service is ${apps[0].service}, not api`);
    if (
      apps.length === 2 &&
      (apps[1].service !== 'api-stateless' || apps[0].role !== 'stateful' || apps[1].role !== 'stateless')
    )
      problems.push(`${label}: two apps should be api (stateful) and api-stateless (stateless)`);
    for (const app of apps) {
      if (app.role === 'stateful' && app.scale?.maximumInstanceCount !== 1)
        problems.push(
          `${label}: app ${app.service} is stateful with maximumInstanceCount ${app.scale?.maximumInstanceCount}, not 1`,
        );
      for (const name of app.servers ?? [])
        if (plan.servers.find((s) => s.name === name)?.app !== app.service)
          problems.push(`${label}: app ${app.service} lists ${name}, whose server entry names another app`);
    }
    for (const server of plan.servers ?? [])
      if (!apps.some((app) => app.service === server.app))
        problems.push(`${label}: server ${server.name} is served by ${server.app}, which is not a planned app`);
  }
  notes.push(
    `topology: ${siteFile} deploys one site + plan per app (${appModules.map((m) => m.name).join(', ')} in main.bicep), one identity (${identities.join(', ')}), ${plans.length} plan(s) checked`,
  );
  return { problems, notes };
}

/** The Bicep files under `infraDir`, as checkTopology takes them. */
export function readInfra(infraDir) {
  const files = {};
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.bicep'))
        files[path.relative(infraDir, full).split(path.sep).join('/')] = readFileSync(full, 'utf8');
    }
  };
  walk(infraDir);
  return files;
}

/** infra/mcp-plan.json, the samples' and the deployment shapes' plans, as checkTopology takes them. */
export function readPlans(root) {
  const dirs = [
    path.join(root, 'tests', 'fixtures', 'configs', 'samples'),
    path.join(root, 'tests', 'fixtures', 'plans'),
  ];
  const files = [
    path.join(root, 'infra', 'mcp-plan.json'),
    ...dirs.flatMap((dir) =>
      readdirSync(dir)
        .filter((name) => name.endsWith('.plan.json'))
        .sort()
        .map((name) => path.join(dir, name)),
    ),
  ];
  return files.map((file) => ({
    label: path.relative(root, file).split(path.sep).join('/'),
    plan: JSON.parse(readFileSync(file, 'utf8')),
  }));
}
