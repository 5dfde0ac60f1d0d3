#!/usr/bin/env node
// Compiles and lints infra/ with the real Bicep CLI, once per deployment plan:
//
//   node scripts/check-bicep.mjs <reference-dir>      (e.g. ../shared/reference)
//
// The plans are the bundled config's (infra/mcp-plan.json), every sample's
// (tests/fixtures/configs/samples/*.plan.json) and the deployment shapes'
// (tests/fixtures/plans/*.plan.json: mixed.plan.json has a stateful and a stateless app, so the
// second app's branch of main.bicep is compiled too). For each, infra/ is copied to a temporary folder
// with that plan as mcp-plan.json (main.bicep reads it with loadJsonContent), then
// `bicep build` and `bicep lint` run on main.bicep. Every diagnostic counts, whatever its level:
// all are printed with file:line and any one fails the check.
//
// The Bicep CLI comes from NuGet (scripts/install-bicep.mjs). The Microsoft Graph extension that
// app/entra.bicep names (`extension microsoftGraphV1`) does not come from its registry: the
// published type definitions in <reference-dir>/msgraph-bicep-types/v1.0/<version>/ are packaged
// with `bicep publish-extension` and the copy's bicepconfig.json points the alias at that file.
// infra/bicepconfig.json itself keeps the registry reference real `azd up` runs resolve.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const GRAPH_ALIAS = 'microsoftGraphV1';
const GRAPH_REGISTRY = 'br:mcr.microsoft.com/bicep/extensions/microsoftgraph/v1.0';

const DIAGNOSTIC =
  /^(?<file>.+?)\((?<line>\d+),(?<column>\d+)\) : (?<level>Error|Warning|Info) (?<code>[^\s:]+): (?<message>.*)$/;

/**
 * The diagnostics in Bicep CLI output ("<file>(<line>,<col>) : <Level> <code>: <message>"), with
 * paths under `copyDir` made relative to it (so they name the file in infra/), and every other
 * non-empty line (which this check treats as a failure too: it has no way to tell it is harmless).
 */
export function parseDiagnostics(output, copyDir) {
  const diagnostics = [];
  const other = [];
  for (const raw of output.split(/\r?\n/)) {
    const line = raw.trimEnd();
    if (!line.trim()) continue;
    const match = DIAGNOSTIC.exec(line);
    if (!match) {
      other.push(line);
      continue;
    }
    const { file, level, code, message } = match.groups;
    const relative =
      copyDir && path.resolve(file).startsWith(path.resolve(copyDir) + path.sep)
        ? path.relative(copyDir, file).split(path.sep).join('/')
        : file;
    diagnostics.push({
      file: `infra/${relative}`,
      line: Number(match.groups.line),
      column: Number(match.groups.column),
      level,
      code,
      message,
    });
  }
  return { diagnostics, other };
}

export function formatDiagnostic(d) {
  return `${d.file}:${d.line}:${d.column}: ${d.level} ${d.code}: ${d.message}`;
}

/** "none.plan.json: build ok, lint ok, 0 warnings" (or what failed, with counts by level). */
export function summarize(planLabel, steps) {
  const all = steps.flatMap((step) => step.diagnostics);
  const count = (level) => all.filter((d) => d.level === level).length;
  const parts = steps.map(
    (step) => `${step.name} ${step.ok && step.diagnostics.length === 0 && step.other.length === 0 ? 'ok' : 'FAILED'}`,
  );
  const counts = [`${count('Error')} errors`, `${count('Warning')} warnings`, `${count('Info')} infos`].filter(
    (text) => !text.startsWith('0 '),
  );
  return `${planLabel}: ${parts.join(', ')}, ${counts.length ? counts.join(', ') : '0 warnings'}`;
}

/** The bicepconfig.json the check uses: infra/bicepconfig.json with the Graph alias pointed at `extensionFile`. */
export function checkConfig(userConfigText, extensionFile, graphVersion) {
  // bicepconfig.json allows comments; strip them (outside strings) before JSON.parse.
  const withoutComments = userConfigText.replace(
    /("(?:[^"\\]|\\.)*")|\/\/[^\n]*|\/\*[\s\S]*?\*\//g,
    (_all, string) => string ?? '',
  );
  const config = JSON.parse(withoutComments);
  const expected = `${GRAPH_REGISTRY}:${graphVersion}`;
  const actual = config.extensions?.[GRAPH_ALIAS];
  if (actual !== expected) {
    throw new Error(
      `infra/bicepconfig.json: extensions.${GRAPH_ALIAS} is ${JSON.stringify(actual)}, expected ${JSON.stringify(expected)} (what azd users resolve; the reference types are version ${graphVersion})`,
    );
  }
  return { ...config, extensions: { ...config.extensions, [GRAPH_ALIAS]: extensionFile } };
}

/** The deployment-shape plans (a mixed config's among them), beside the configs they are the plans of. */
export const PLAN_FIXTURES_DIR = path.join(root, 'tests', 'fixtures', 'plans');

function planFiles(dir) {
  return readdirSync(dir)
    .filter((name) => name.endsWith('.plan.json'))
    .sort()
    .map((name) => ({
      label: path.relative(root, path.join(dir, name)).split(path.sep).join('/'),
      file: path.join(dir, name),
    }));
}

function run(command, args) {
  const result = spawnSync(command, args, {
    encoding: 'utf8',
    env: { ...process.env, DOTNET_CLI_TELEMETRY_OPTOUT: '1' },
  });
  if (result.error) throw new Error(`${command} ${args.join(' ')}: ${result.error.message}`);
  return result;
}

async function main() {
  const referenceDir = process.argv[2];
  if (!referenceDir || process.argv.length > 3) {
    console.error('usage: node scripts/check-bicep.mjs <reference-dir>   (e.g. ../shared/reference)');
    process.exit(2);
  }
  const graphRoot = path.resolve(referenceDir, 'msgraph-bicep-types', 'v1.0');
  const graphVersions = existsSync(graphRoot)
    ? readdirSync(graphRoot).filter((name) => existsSync(path.join(graphRoot, name, 'index.json')))
    : [];
  if (graphVersions.length !== 1) {
    console.error(
      `check-bicep: expected one <version>/index.json under ${graphRoot} (the Microsoft Graph Bicep extension types), found ${graphVersions.length}; pass the folder that holds msgraph-bicep-types/.`,
    );
    process.exit(2);
  }
  const graphVersion = graphVersions[0];
  const graphIndex = path.join(graphRoot, graphVersion, 'index.json');

  const { install } = await import('./install-bicep.mjs');
  let bicep;
  try {
    bicep = install();
  } catch (error) {
    console.error(`check-bicep: ${error.message}`);
    process.exit(1);
  }
  console.log(`check-bicep: ${run(bicep, ['--version']).stdout.trim()} (${path.relative(root, bicep)})`);

  const work = mkdtempSync(path.join(tmpdir(), 'check-bicep-'));
  let failed = false;
  try {
    const extensionFile = path.join(work, `microsoftgraph-v1.0-${graphVersion}.tgz`);
    const publish = run(bicep, ['publish-extension', graphIndex, '--target', extensionFile]);
    if (publish.status !== 0 || !existsSync(extensionFile)) {
      console.error(
        `check-bicep: \`bicep publish-extension ${graphIndex}\` failed (exit ${publish.status}):\n${publish.stdout}${publish.stderr}`,
      );
      process.exit(1);
    }
    console.log(`check-bicep: Microsoft Graph extension ${graphVersion} packaged from ${graphIndex}`);
    let config;
    try {
      config = checkConfig(
        readFileSync(path.join(root, 'infra', 'bicepconfig.json'), 'utf8'),
        extensionFile,
        graphVersion,
      );
    } catch (error) {
      console.error(`check-bicep: ${error.message}`);
      process.exit(1);
    }

    const plans = [
      { label: 'infra/mcp-plan.json', file: path.join(root, 'infra', 'mcp-plan.json') },
      ...planFiles(path.join(root, 'tests', 'fixtures', 'configs', 'samples')),
      ...planFiles(PLAN_FIXTURES_DIR),
    ];
    const summaries = [];
    for (const [index, plan] of plans.entries()) {
      const copyDir = path.join(work, `plan-${index}`, 'infra');
      cpSync(path.join(root, 'infra'), copyDir, { recursive: true });
      writeFileSync(path.join(copyDir, 'mcp-plan.json'), readFileSync(plan.file));
      writeFileSync(path.join(copyDir, 'bicepconfig.json'), `${JSON.stringify(config, null, 2)}\n`);
      const main = path.join(copyDir, 'main.bicep');
      const outFile = path.join(copyDir, '..', 'main.json');
      const steps = [
        { name: 'build', args: ['build', main, '--outfile', outFile] },
        { name: 'lint', args: ['lint', main] },
      ].map((step) => {
        const result = run(bicep, step.args);
        const parsed = parseDiagnostics(`${result.stdout}\n${result.stderr}`, copyDir);
        let ok = result.status === 0;
        if (ok && step.name === 'build') {
          try {
            JSON.parse(readFileSync(outFile, 'utf8'));
          } catch (error) {
            ok = false;
            parsed.other.push(`build wrote no valid ARM template: ${error.message}`);
          }
        }
        return { name: step.name, ok, status: result.status, ...parsed };
      });
      for (const step of steps) {
        for (const d of step.diagnostics) console.error(`${plan.label}: bicep ${step.name}: ${formatDiagnostic(d)}`);
        for (const line of step.other) console.error(`${plan.label}: bicep ${step.name}: ${line}`);
        if (!step.ok) console.error(`${plan.label}: bicep ${step.name} exited with ${step.status}`);
        if (!step.ok || step.diagnostics.length || step.other.length) failed = true;
      }
      summaries.push(summarize(plan.label, steps));
    }
    for (const line of summaries) console.log(line);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  if (failed) {
    console.error(
      'check-bicep: FAILED: fix every diagnostic above (a linter rule is disabled in infra/bicepconfig.json only with its reason, when the finding is wrong for this template).',
    );
    process.exit(1);
  }
  console.log('check-bicep: every plan builds and lints with no diagnostics');
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await main();
}
