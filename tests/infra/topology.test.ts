// The deployment's shape (scripts/infra-topology.mjs, which scripts/check-infra.mjs also runs):
// one site and plan per planned app, a package container per app, one identity for all, the
// stateful app on one instance, no RollingUpdate, no Redis. The real infra/ passes; each broken
// variant below is caught.
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { infraDir, repoRoot } from './bicep.js';

interface Plan {
  apps: Array<{ service: string; role: string; servers: string[]; scale: Record<string, number> }>;
  servers: Array<{ name: string; app: string }>;
}
interface Topology {
  checkTopology(input: { files: Record<string, string>; plans?: Array<{ label: string; plan: Plan }> }): {
    problems: string[];
    notes: string[];
  };
  readInfra(dir: string): Record<string, string>;
  readPlans(root: string): Array<{ label: string; plan: Plan }>;
}

const topology = (await import(pathToFileURL(path.join(repoRoot, 'scripts', 'infra-topology.mjs')).href)) as Topology;
const files = topology.readInfra(infraDir);
const plans = topology.readPlans(repoRoot);

/** The problems of infra/ with one file's text edited. */
function problemsWith(file: string, edit: (text: string) => string, withPlans = plans): string[] {
  const text = files[file];
  assert.ok(text, `infra/${file} exists`);
  const edited = edit(text);
  assert.notEqual(edited, text, `the edit of infra/${file} changed nothing`);
  return topology.checkTopology({ files: { ...files, [file]: edited }, plans: withPlans }).problems;
}

test('infra/ and every plan it is compiled with have the two-app shape', () => {
  const { problems, notes } = topology.checkTopology({ files, plans });
  assert.deepEqual(problems, []);
  assert.match(notes[0]!, /app\/function-app\.bicep deploys one site \+ plan per app \(functionApps in main\.bicep\)/);
  const labels = plans.map((p) => p.label);
  assert.ok(labels.includes('infra/mcp-plan.json'));
  const mixed = plans.find((p) => p.label === 'tests/fixtures/plans/mixed.plan.json');
  assert.ok(mixed, 'the mixed plan is checked');
  assert.deepEqual(
    mixed.plan.apps.map((app) => [app.service, app.role, app.scale.maximumInstanceCount]),
    [
      ['api', 'stateful', 1],
      ['api-stateless', 'stateless', 20],
    ],
  );
});

test('a RollingUpdate site update strategy is refused, in any module', () => {
  const problems = problemsWith('app/function-app.bicep', (text) =>
    text.replace(
      '    httpsOnly: true\n',
      "    httpsOnly: true\n    siteUpdateStrategy: {\n      type: 'RollingUpdate'\n    }\n",
    ),
  );
  assert.ok(problems.some((p) => /sets siteUpdateStrategy/.test(p)));
  assert.ok(problems.some((p) => /names RollingUpdate/.test(p)));
});

test('a Redis resource is refused', () => {
  const problems = problemsWith(
    'app/storage.bicep',
    (text) =>
      `${text}\nresource redis 'Microsoft.Cache/redisEnterprise@2025-07-01' = {\n  name: 'r'\n  location: location\n  sku: {\n    name: 'Balanced_B0'\n  }\n}\n`,
  );
  assert.deepEqual(
    problems.filter((p) => /Redis/.test(p)),
    [
      'infra/app/storage.bicep: declares Microsoft.Cache/redisEnterprise@2025-07-01: no Redis or other engine beside the Table store (docs/scale-out-decision.md: Decision)',
    ],
  );
});

test("a maximum instance count that is not the planned app's is refused", () => {
  const problems = problemsWith('app/function-app.bicep', (text) =>
    text.replace('maximumInstanceCount: scale.maximumInstanceCount', 'maximumInstanceCount: 40'),
  );
  assert.ok(problems.some((p) => /maximumInstanceCount should be the planned app's/.test(p)));
});

test('a second identity, or an app given another identity, is refused', () => {
  const second = problemsWith(
    'app/function-app.bicep',
    (text) =>
      `${text}\nresource own 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' = {\n  name: '\${name}-id'\n  location: location\n}\n`,
  );
  assert.ok(second.some((p) => /2 user-assigned identities declared/.test(p)));
  const other = problemsWith('main.bicep', (text) =>
    text.replace('    identityId: identity.outputs.id\n', "    identityId: 'some-id'\n"),
  );
  assert.ok(other.some((p) => /should pass identityId from the identity module/.test(p)));
});

test('one app for every plan (no loop), a shared plan or a shared container is refused', () => {
  const noLoop = problemsWith('main.bicep', (text) =>
    text.replace(
      "module functionApps 'app/function-app.bicep' = [for app in apps: {",
      "module functionApps 'app/function-app.bicep' = [for app in [apps[0]]: {",
    ),
  );
  assert.ok(noLoop.some((p) => /should be a loop over the planned apps/.test(p)));
  const sharedPlan = problemsWith('main.bicep', (text) =>
    text.replace('    planName: app.planName\n', "    planName: '${abbrs.webServerFarms}${resourceToken}'\n"),
  );
  assert.ok(sharedPlan.some((p) => /should pass planName from each app/.test(p)));
  const sharedContainer = problemsWith('main.bicep', (text) =>
    text.replace(
      "    deploymentContainerUrl: '${storage.outputs.blobEndpoint}${app.deploymentContainerName}'\n",
      "    deploymentContainerUrl: '${storage.outputs.blobEndpoint}app-package'\n",
    ),
  );
  assert.ok(sharedContainer.some((p) => /should pass deploymentContainerUrl from each app/.test(p)));
  const oneContainer = problemsWith('app/storage.bicep', (text) =>
    text
      .replace(/= \[for containerName in deploymentContainerNames: \{([\s\S]*?)\}\]/, '= {$1}')
      .replace('name: containerName', "name: 'app-package'"),
  );
  assert.ok(oneContainer.some((p) => /one container per app/.test(p)));
});

test('a plan whose stateful app could scale out, or whose first app is not api, is refused', () => {
  const mixed = structuredClone(plans.find((p) => p.label === 'tests/fixtures/plans/mixed.plan.json')!.plan);
  mixed.apps[0]!.scale.maximumInstanceCount = 40;
  const swapped = structuredClone(mixed);
  swapped.apps.reverse();
  const { problems } = topology.checkTopology({
    files,
    plans: [
      { label: 'scaled', plan: mixed },
      { label: 'swapped', plan: swapped },
    ],
  });
  assert.ok(problems.includes('scaled: app api is stateful with maximumInstanceCount 40, not 1'));
  assert.ok(problems.includes('swapped: apps[0].service is api-stateless, not api'));
});
