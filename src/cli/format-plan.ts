import type { DeploymentPlan } from '../deployment/plan.js';

function table(headers: string[], rows: string[][]): string {
  if (rows.length === 0) return '  (none)\n';
  const widths = headers.map((header, i) => Math.max(header.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) => `  ${cells.map((cell, i) => cell.padEnd(widths[i]!)).join('  ')}`.trimEnd();
  return `${[line(headers), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n')}\n`;
}

/** The plan as a person reads it; `plan --json` gives the machine form. */
export function formatPlan(plan: DeploymentPlan): string {
  const out: string[] = [];
  out.push(
    'Servers\n' +
      table(
        ['name', 'endpoint', 'app', 'state', 'auth level', 'method', 'caller', 'child'],
        plan.servers.map((s) => [
          s.name + (s.default ? ' (default)' : ''),
          s.endpoint,
          s.app,
          s.state,
          s.authLevel,
          s.authMethod,
          s.caller,
          s.child,
        ]),
      ),
  );
  if (plan.skippedServers.length)
    out.push(
      'Skipped\n' +
        table(
          ['name', 'type', 'why'],
          plan.skippedServers.map((s) => [s.name, s.type, s.reason]),
        ),
    );
  out.push(
    'App settings\n' +
      table(
        ['name', 'value from'],
        plan.appSettings.map((s) => [
          s.name,
          s.source === 'fixed'
            ? `fixed: ${s.value}`
            : s.source === 'azd_env'
              ? `azd env ${s.azdEnvName}`
              : `Key Vault secret ${s.secretName}`,
        ]),
      ),
  );
  out.push(
    'Key Vault secrets\n' +
      table(
        ['secret', 'app setting', 'value from'],
        plan.secrets.map((s) => [s.secretName, s.appSetting, `azd env ${s.azdEnvName}`]),
      ),
  );
  out.push(
    'Role assignments\n' +
      table(
        ['role', 'scope', 'why'],
        plan.roleAssignments.map((r) => [r.role, r.scope, r.reason]),
      ),
  );
  out.push(
    'Identity\n' +
      `  child uses the managed identity: ${plan.identity.childUsesManagedIdentity ? `yes (scopes: ${plan.identity.managedIdentityScopes.join(', ') || 'any'})` : 'no'}\n`,
  );
  out.push(
    'Entra (On-Behalf-Of)\n' +
      (plan.entra
        ? `  servers: ${plan.entra.servers.join(', ')}\n  OBO scopes: ${plan.entra.oboScopes.join(', ') || '(none)'}\n  required caller scopes: ${plan.entra.requiredCallerScopes.join(', ') || '(none)'}\n  credential: ${plan.entra.credential}\n`
        : '  not used\n'),
  );
  out.push(
    'Apps (Flex Consumption)\n' +
      table(
        [
          'service',
          'role',
          'servers',
          'max instances',
          'memory',
          'always ready',
          'sessions/instance',
          'HTTP concurrency',
        ],
        plan.apps.map((app) => [
          app.service,
          app.role,
          app.servers.join(', '),
          String(app.scale.maximumInstanceCount),
          `${app.scale.instanceMemoryMb} MB`,
          String(app.scale.alwaysReadyInstances),
          `${app.scale.sessionsPerInstance} (child ~${app.scale.childMemoryMb} MB)`,
          String(app.scale.httpPerInstanceConcurrency),
        ]),
      ),
  );
  if (plan.warnings.length) out.push(`Warnings\n${plan.warnings.map((w) => `  - ${w}\n`).join('')}`);
  return out.join('\n');
}
