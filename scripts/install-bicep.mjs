#!/usr/bin/env node
// Installs the Bicep CLI from NuGet (Azure.Bicep.CommandLine.<rid>) with the .NET SDK into a
// project-local, gitignored folder, and prints the path of the `bicep` executable:
//
//   node scripts/install-bicep.mjs            # prints e.g. /repo/.tools/bicep/0.49.2/bicep
//
// The package is fetched by `dotnet restore` of a throwaway project holding one <PackageDownload>
// (NuGet's documented way to download a package that is not a dependency) into a temporary
// folder (not the user's NuGet package folder); only the executable is kept, in
// .tools/bicep/<version>/.
// A second run reuses the executable once `bicep --version` reports the expected version.
// Exits non-zero, saying what is missing, when dotnet or the package cannot be had: never skips.
// (Imported, install() throws an Error with that message instead.)
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const BICEP_VERSION = '0.49.2';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The NuGet runtime identifier of the Bicep CLI package for this machine. */
function runtimeId() {
  const os = { linux: 'linux', darwin: 'osx', win32: 'win' }[process.platform];
  const arch = { x64: 'x64', arm64: 'arm64' }[process.arch];
  if (!os || !arch) fail(`no Bicep CLI package for ${process.platform}/${process.arch}`);
  return `${os}-${arch}`;
}

function fail(message) {
  throw new Error(`install-bicep: ${message}`);
}

function run(command, args, options = {}) {
  return spawnSync(command, args, {
    encoding: 'utf8',
    env: {
      ...process.env,
      DOTNET_CLI_TELEMETRY_OPTOUT: '1',
      DOTNET_NOLOGO: '1',
      DOTNET_SKIP_FIRST_TIME_EXPERIENCE: '1',
    },
    ...options,
  });
}

/** The version `bicep --version` reports ("Bicep CLI version 0.49.2 (abc)"), or undefined. */
function installedVersion(executable) {
  if (!existsSync(executable)) return undefined;
  const result = run(executable, ['--version']);
  if (result.status !== 0) return undefined;
  return /Bicep CLI version (\S+)/.exec(result.stdout)?.[1];
}

/** Every file named `name` under `dir`. */
function findFiles(dir, name) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return findFiles(full, name);
    return entry.name === name ? [full] : [];
  });
}

export function install({ version = BICEP_VERSION, toolsDir = path.join(root, '.tools', 'bicep') } = {}) {
  const rid = runtimeId();
  const exeName = process.platform === 'win32' ? 'bicep.exe' : 'bicep';
  const installDir = path.join(toolsDir, version);
  const executable = path.join(installDir, exeName);
  if (installedVersion(executable) === version) return executable;

  const dotnet = run('dotnet', ['--version']);
  if (dotnet.error || dotnet.status !== 0) {
    fail(
      `the .NET SDK (\`dotnet\`) is needed to download the Bicep CLI from NuGet and was not found or does not work: ${dotnet.error?.message ?? dotnet.stderr.trim()}`,
    );
  }

  const packageId = `Azure.Bicep.CommandLine.${rid}`;
  mkdirSync(installDir, { recursive: true });
  // The throwaway project and the restored package live in a temporary folder: only the executable stays.
  const projectDir = mkdtempSync(path.join(tmpdir(), 'install-bicep-'));
  try {
    const packagesDir = path.join(projectDir, 'packages');
    // PackageDownload needs an exact version ([x.y.z]); any installed target framework will do.
    const targetFramework = `net${dotnet.stdout.trim().split('.').slice(0, 2).join('.')}`;
    writeFileSync(
      path.join(projectDir, 'download.csproj'),
      `<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <TargetFramework>${targetFramework}</TargetFramework>
  </PropertyGroup>
  <ItemGroup>
    <PackageDownload Include="${packageId}" Version="[${version}]" />
  </ItemGroup>
</Project>
`,
    );
    const restore = run(
      'dotnet',
      ['restore', path.join(projectDir, 'download.csproj'), '--packages', packagesDir, '--nologo'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    if (restore.error || restore.status !== 0) {
      fail(
        `\`dotnet restore\` could not download NuGet package ${packageId} ${version} (is nuget.org reachable?):\n${restore.error?.message ?? ''}${restore.stdout}${restore.stderr}`,
      );
    }

    // NuGet lower-cases the id and version of the folder it extracts to.
    const packageDir = path.join(packagesDir, packageId.toLowerCase(), version.toLowerCase());
    if (!existsSync(packageDir)) fail(`NuGet package ${packageId} ${version} was not extracted to ${packageDir}`);
    const found = findFiles(packageDir, exeName).filter((file) => statSync(file).isFile());
    if (found.length !== 1)
      fail(
        `expected one ${exeName} in NuGet package ${packageId} ${version}, found ${found.length}: ${found.join(', ')}`,
      );
    // The packaged file keeps no execute bit.
    copyFileSync(found[0], executable);
    chmodSync(executable, 0o755);
  } finally {
    rmSync(projectDir, { recursive: true, force: true });
  }
  const got = installedVersion(executable);
  if (got !== version) {
    const check = run(executable, ['--version']);
    fail(
      `${executable} --version reported ${JSON.stringify(got ?? `${check.stdout}${check.stderr}${check.error?.message ?? ''}`)}, expected ${version}`,
    );
  }
  return executable;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  if (process.argv.length > 2) {
    console.error(
      'usage: node scripts/install-bicep.mjs   (installs Bicep CLI ' +
        BICEP_VERSION +
        ' into .tools/bicep and prints its path)',
    );
    process.exit(2);
  }
  try {
    console.log(install());
  } catch (error) {
    console.error(error.message);
    process.exit(1);
  }
}
