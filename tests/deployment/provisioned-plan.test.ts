import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import type { DeploymentPlan, PlannedApp } from '../../src/deployment/plan.js';
import {
  decodeProvisionedPlan,
  encodeProvisionedPlan,
  infrastructureChanges,
  ProvisionedPlanError,
  provisionedProjection,
  retiredAppRoles,
  retiredCallerScopes,
  type ProvisionedPlan,
} from '../../src/deployment/provisioned-plan.js';
import { repoRoot } from '../helpers/adapter.js';

const samples = path.join(repoRoot, 'tests/fixtures/configs/samples');
const golden = (name: string) =>
  JSON.parse(readFileSync(path.join(samples, `${name}.plan.json`), 'utf8')) as DeploymentPlan;
const clone = <T>(value: T): T => structuredClone(value);

/** What Bicep's string() may make of the projection: keys in another order, no trailing newline. */
function bicepString(value: unknown): string {
  const reorder = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(reorder)
      : v && typeof v === 'object'
        ? Object.fromEntries(
            Object.entries(v)
              .reverse()
              .map(([k, x]) => [k, reorder(x)]),
          )
        : v;
  return JSON.stringify(reorder(value));
}

test('the projection holds exactly the fields the Bicep records', () => {
  const plan = golden('none');
  assert.deepEqual(Object.keys(provisionedProjection(plan)).sort(), [
    'appSettings',
    'apps',
    'entra',
    'identity',
    'planVersion',
    'roleAssignments',
    'secrets',
  ]);
  assert.deepEqual(decodeProvisionedPlan(encodeProvisionedPlan(plan)), provisionedProjection(plan));
});

test('a plan as Bicep outputs it (base64, keys reordered, no newline) decodes and compares equal', () => {
  for (const name of ['none', 'azure_default', 'azure_obo', 'oauth2_bearer', 'vscode-mcp']) {
    const plan = golden(name);
    const fromBicep = Buffer.from(bicepString(provisionedProjection(plan)), 'utf8').toString('base64');
    const decoded = decodeProvisionedPlan(fromBicep);
    assert.deepEqual(infrastructureChanges(decoded, provisionedProjection(plan)), [], name);
    // The JSON itself is accepted too (it cannot be mistaken for base64).
    assert.deepEqual(
      infrastructureChanges(decodeProvisionedPlan(bicepString(provisionedProjection(plan))), plan),
      [],
      name,
    );
  }
});

test('garbage is refused with a clear error', () => {
  const cases: Array<[string, RegExp]> = [
    ['', /it is empty/],
    ['not base64 at all!', /neither base64 nor JSON/],
    [Buffer.from('hello').toString('base64'), /not JSON/],
    [Buffer.from('[1,2]').toString('base64'), /not an object/],
    [Buffer.from('{"appSettings":[]}').toString('base64'), /planVersion is missing/],
    [
      Buffer.from(
        '{"planVersion":1,"appSettings":{},"secrets":[],"roleAssignments":[],"identity":{},"apps":[],"entra":null}',
      ).toString('base64'),
      /appSettings is not a list/,
    ],
    [
      Buffer.from(
        '{"planVersion":1,"appSettings":[],"secrets":[],"roleAssignments":[],"identity":{},"apps":[],"entra":"x"}',
      ).toString('base64'),
      /entra is neither null nor an object/,
    ],
    [
      Buffer.from(
        '{"planVersion":1,"appSettings":[],"secrets":[],"roleAssignments":[],"identity":{},"entra":null}',
      ).toString('base64'),
      /apps is not a list of apps \(service, role, servers, scale\)/,
    ],
    [
      Buffer.from(
        '{"planVersion":1,"appSettings":[],"secrets":[],"roleAssignments":[],"identity":{},"apps":[{"service":"api"}],"entra":null}',
      ).toString('base64'),
      /apps is not a list of apps/,
    ],
  ];
  for (const [text, message] of cases) {
    assert.throws(
      () => decodeProvisionedPlan(text),
      (error: unknown) =>
        error instanceof ProvisionedPlanError &&
        /^MCP_PROVISIONED_PLAN is not a provisioned plan/.test(error.message) &&
        message.test(error.message),
      text,
    );
  }
});

test('descriptive edits (reasons, where a variable is used, warnings, servers, args) are not infrastructure changes', () => {
  const before = golden('none');
  const after = clone(before);
  for (const setting of after.appSettings) {
    if (setting.source === 'fixed') setting.reason = 'reworded';
    else setting.usedAt = [...setting.usedAt, '/mcpServers/new/env/X'].reverse();
  }
  for (const secret of after.secrets) secret.usedAt = ['/elsewhere'];
  for (const role of after.roleAssignments) role.reason = 'reworded';
  after.warnings = ['a new warning'];
  after.servers = [...after.servers, { ...after.servers[0]!, name: 'another', endpoint: '/mcp/another' }];
  after.appSettings.reverse();
  after.secrets.reverse();
  assert.deepEqual(infrastructureChanges(provisionedProjection(before), provisionedProjection(after)), []);
  assert.deepEqual(infrastructureChanges(before, after), []);
});

test('each kind of change is named in plain words', () => {
  const base = golden('none');
  const p = (edit: (plan: DeploymentPlan) => void): ProvisionedPlan => {
    const plan = clone(base);
    edit(plan);
    return provisionedProjection(plan);
  };
  const changes = (edit: (plan: DeploymentPlan) => void) => infrastructureChanges(provisionedProjection(base), p(edit));

  // A new secret: the app setting, its Key Vault secret (named once, not twice).
  assert.deepEqual(
    changes((plan) => {
      plan.appSettings.push({ name: 'NEW_TOKEN', source: 'key_vault', secretName: 'NEW-TOKEN', usedAt: ['/x'] });
      plan.secrets.push({ secretName: 'NEW-TOKEN', appSetting: 'NEW_TOKEN', azdEnvName: 'NEW_TOKEN', usedAt: ['/x'] });
    }),
    ['new secret NEW_TOKEN (Key Vault secret NEW-TOKEN) is not provisioned'],
  );
  // A removed secret.
  const secret = base.secrets[0]!;
  assert.deepEqual(
    changes((plan) => {
      plan.appSettings = plan.appSettings.filter((s) => s.name !== secret.appSetting);
      plan.secrets = plan.secrets.filter((s) => s.secretName !== secret.secretName);
    }),
    [`secret ${secret.appSetting} (Key Vault secret ${secret.secretName}) was removed`],
  );
  // A new plain setting, a removed one, one that became a secret.
  assert.deepEqual(
    changes((plan) =>
      plan.appSettings.push({ name: 'REGION', source: 'azd_env', azdEnvName: 'REGION', usedAt: ['/x'] }),
    ),
    ['new app setting REGION (azd environment variable REGION) is not provisioned'],
  );
  assert.deepEqual(
    changes((plan) => (plan.appSettings = plan.appSettings.filter((s) => s.name !== 'SEARCH_ENDPOINT'))),
    ['app setting SEARCH_ENDPOINT (azd environment variable SEARCH_ENDPOINT) was removed'],
  );
  assert.deepEqual(
    changes((plan) => {
      plan.appSettings = plan.appSettings.map((s) =>
        s.name === 'SEARCH_ENDPOINT'
          ? { name: s.name, source: 'key_vault', secretName: 'SEARCH-ENDPOINT', usedAt: ['/x'] }
          : s,
      );
      plan.secrets.push({
        secretName: 'SEARCH-ENDPOINT',
        appSetting: 'SEARCH_ENDPOINT',
        azdEnvName: 'SEARCH_ENDPOINT',
        usedAt: ['/x'],
      });
    }),
    [
      'app setting SEARCH_ENDPOINT now comes from Key Vault secret SEARCH-ENDPOINT instead of azd environment variable SEARCH_ENDPOINT',
      'new secret SEARCH_ENDPOINT (Key Vault secret SEARCH-ENDPOINT) is not provisioned',
    ],
  );
  // A fixed value.
  const withFixed = (value: string) => {
    const plan = clone(base);
    plan.appSettings.push({ name: 'MCP_ADAPTER_EXAMPLE', source: 'fixed', value, reason: 'r' });
    return provisionedProjection(plan);
  };
  assert.deepEqual(infrastructureChanges(withFixed('22'), withFixed('3')), ['app setting MCP_ADAPTER_EXAMPLE 22 → 3']);
  assert.deepEqual(infrastructureChanges(withFixed('22'), provisionedProjection(base)), [
    'app setting MCP_ADAPTER_EXAMPLE (fixed value 22) was removed',
  ]);
  assert.deepEqual(
    changes((plan) =>
      plan.appSettings.push({ name: 'MCP_ADAPTER_SINGLE_INSTANCE', source: 'fixed', value: 'true', reason: 'r' }),
    ),
    ['new app setting MCP_ADAPTER_SINGLE_INSTANCE (fixed value true) is not provisioned'],
  );
  // Role assignments.
  assert.deepEqual(
    changes((plan) => (plan.roleAssignments = [])),
    ['role assignment Key Vault Secrets User on the keyVault was removed'],
  );
  // Identity.
  assert.deepEqual(
    changes((plan) => {
      plan.identity.childUsesManagedIdentity = true;
      plan.identity.managedIdentityScopes = ['https://storage.azure.com/.default'];
    }),
    [
      'a server now uses the managed identity (identity.childUsesManagedIdentity false → true)',
      'managed identity scope https://storage.azure.com/.default was added',
    ],
  );
  // An app's scale.
  assert.deepEqual(
    changes((plan) => {
      plan.apps[0]!.scale.instanceMemoryMb = 2048;
      plan.apps[0]!.scale.alwaysReadyInstances = 1;
    }),
    ['app api: scale.alwaysReadyInstances 0 → 1', 'app api: scale.instanceMemoryMb 4096 → 2048'],
  );
});

describe('apps: placement of servers by state', () => {
  const statefulApp = (servers: string[]): PlannedApp => ({
    service: 'api',
    role: 'stateful',
    servers,
    scale: {
      instanceMemoryMb: 2048,
      maximumInstanceCount: 1,
      alwaysReadyInstances: 0,
      childMemoryMb: 80,
      sessionsPerInstance: 22,
      httpPerInstanceConcurrency: 88,
    },
  });
  const statelessApp = (servers: string[], service: PlannedApp['service'] = 'api-stateless'): PlannedApp => ({
    service,
    role: 'stateless',
    servers,
    scale: {
      instanceMemoryMb: 2048,
      maximumInstanceCount: 40,
      alwaysReadyInstances: 0,
      childMemoryMb: 80,
      sessionsPerInstance: 22,
      httpPerInstanceConcurrency: 22,
    },
  });
  const withApps = (...apps: PlannedApp[]): ProvisionedPlan => ({ ...provisionedProjection(golden('none')), apps });

  test('a server declared stateless when the others are stateful: the second app and the move are named', () => {
    assert.deepEqual(
      infrastructureChanges(withApps(statefulApp(['a', 'b'])), withApps(statefulApp(['a']), statelessApp(['b']))),
      [
        'new app api-stateless (stateless: b) is not provisioned',
        'server b moved from app api (stateful) to app api-stateless (stateless)',
      ],
    );
  });

  test('back to stateful: the second app is gone and the server moves back', () => {
    assert.deepEqual(
      infrastructureChanges(withApps(statefulApp(['a']), statelessApp(['b'])), withApps(statefulApp(['a', 'b']))),
      [
        'app api-stateless (stateless: b) is provisioned but the plan no longer has it',
        'server b moved from app api-stateless (stateless) to app api (stateful)',
      ],
    );
  });

  test('between two provisioned apps, a server that changes app is still named', () => {
    assert.deepEqual(
      infrastructureChanges(
        withApps(statefulApp(['a', 'c']), statelessApp(['b'])),
        withApps(statefulApp(['a']), statelessApp(['c', 'b'])),
      ),
      ['server c moved from app api (stateful) to app api-stateless (stateless)'],
    );
  });

  test('every server turned stateless: the one app changes role and scale', () => {
    assert.deepEqual(infrastructureChanges(withApps(statefulApp(['a'])), withApps(statelessApp(['a'], 'api'))), [
      'app api: role stateful → stateless',
      'app api: scale.httpPerInstanceConcurrency 88 → 22',
      'app api: scale.maximumInstanceCount 1 → 40',
    ]);
  });

  test('a server added to or removed from the config is no infrastructure change, nor is the order of the servers', () => {
    assert.deepEqual(
      infrastructureChanges(
        withApps(statefulApp(['a', 'b']), statelessApp(['c'])),
        withApps(statefulApp(['b', 'a', 'new']), statelessApp(['d'])),
      ),
      [],
    );
  });

  test('a record from before apps (scale, one app of unknown role) needs a provision: every app is new', () => {
    const current = provisionedProjection(golden('none'));
    const legacy = {
      ...current,
      apps: undefined,
      appSettings: [
        { name: 'MCP_ADAPTER_MAX_SESSIONS', source: 'fixed', value: '25', reason: 'r' },
        ...current.appSettings,
      ],
      scale: statefulApp([]).scale,
    };
    const decoded = decodeProvisionedPlan(Buffer.from(JSON.stringify(legacy)).toString('base64'));
    assert.deepEqual(decoded.apps, []);
    assert.equal('scale' in decoded, false);
    assert.deepEqual(infrastructureChanges(decoded, current), [
      'app setting MCP_ADAPTER_MAX_SESSIONS (fixed value 25) was removed',
      'new app api (stateful: time, code-search) is not provisioned',
    ]);
  });
});

test('Entra changes: the app registration, its servers, scopes and credential', () => {
  const obo = golden('azure_obo');
  const none = golden('none');
  assert.deepEqual(
    infrastructureChanges(provisionedProjection(none), provisionedProjection({ ...none, entra: obo.entra })),
    ['Entra app registration for fabric-rti, mail is not provisioned'],
  );
  assert.deepEqual(
    infrastructureChanges(provisionedProjection({ ...none, entra: obo.entra }), provisionedProjection(none)),
    ['Entra app registration is provisioned but no server uses it any more'],
  );

  const after = clone(obo);
  after.entra!.requiredCallerScopes = ['user_impersonation', 'mcp.read'];
  after.entra!.oboScopes = after.entra!.oboScopes.slice(1);
  after.entra!.servers = ['fabric-rti'];
  after.entra!.oboServers = ['fabric-rti'];
  after.entra!.credential = 'client_secret';
  after.entra!.appRegistration = 'configured';
  assert.deepEqual(infrastructureChanges(provisionedProjection(obo), provisionedProjection(after)), [
    'Entra server mail was removed',
    'On-Behalf-Of server mail was removed',
    'entra.appRegistration create → configured',
    'On-Behalf-Of scope https://api.fabric.microsoft.com/.default was removed',
    'Entra caller scope mcp.read was added',
    'Entra caller scope Mail.Tools was removed',
    'entra.credential federated_credential → client_secret',
  ]);
  // Scope order is not a change.
  const reordered = clone(obo);
  reordered.entra!.requiredCallerScopes.reverse();
  reordered.entra!.oboScopes.reverse();
  assert.deepEqual(infrastructureChanges(provisionedProjection(obo), provisionedProjection(reordered)), []);
});

test('retired caller scopes: provisioned, no longer required', () => {
  const obo = golden('azure_obo');
  const after = clone(obo);
  after.entra!.requiredCallerScopes = ['user_impersonation', 'mcp.write'];
  assert.deepEqual(retiredCallerScopes(provisionedProjection(obo), after), ['Mail.Tools']);
  assert.deepEqual(retiredCallerScopes(provisionedProjection(obo), { ...after, entra: null }), [
    'Mail.Tools',
    'user_impersonation',
  ]);
  assert.deepEqual(retiredCallerScopes(undefined, after), []);
  assert.deepEqual(retiredCallerScopes(provisionedProjection(golden('none')), after), []);
});

test('retired app roles: provisioned, no longer named by allowed_roles or tools.roles', () => {
  const obo = golden('azure_obo');
  const provisioned = clone(obo);
  provisioned.entra!.appRoles = ['Mail.Admins', 'Mail.Readers'];
  const after = clone(obo);
  after.entra!.appRoles = ['Mail.Admins'];
  assert.deepEqual(retiredAppRoles(provisionedProjection(provisioned), after), ['Mail.Readers']);
  assert.deepEqual(retiredAppRoles(provisionedProjection(provisioned), { ...after, entra: null }), [
    'Mail.Admins',
    'Mail.Readers',
  ]);
  assert.deepEqual(retiredAppRoles(undefined, after), []);
  assert.deepEqual(retiredAppRoles(provisionedProjection(after), after), []);
});

test('a newer plan format is a change', () => {
  const plan = provisionedProjection(golden('none'));
  assert.deepEqual(infrastructureChanges(plan, { ...plan, planVersion: 2 as 1 }), ['plan format planVersion 1 → 2']);
});
