/**
 * The environment a child starts with: a safe baseline taken from the host (what a process
 * needs to find programs and render text), a private HOME and TMPDIR, and then exactly what
 * the config gives it. Nothing else of the adapter's environment reaches the child: not the
 * storage connection, not the identity endpoint, not a client secret.
 */

/** Host variables a child may inherit. Windows needs a few more to start anything at all. */
const BASELINE_POSIX = ['PATH', 'LANG', 'LC_ALL', 'LC_CTYPE', 'TZ', 'TERM'];
const BASELINE_WINDOWS = [
  'PATH',
  'Path',
  'PATHEXT',
  'SystemRoot',
  'SYSTEMROOT',
  'windir',
  'COMSPEC',
  'SystemDrive',
  'PROCESSOR_ARCHITECTURE',
  'NUMBER_OF_PROCESSORS',
  'OS',
];

export interface PrivateDirectories {
  home: string;
  tmp: string;
}

export function buildChildEnvironment(
  hostEnv: NodeJS.ProcessEnv,
  dirs: PrivateDirectories,
  configured: Record<string, string>,
  platform: NodeJS.Platform = process.platform,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of platform === 'win32' ? BASELINE_WINDOWS : BASELINE_POSIX) {
    const value = hostEnv[name];
    if (value !== undefined) env[name] = value;
  }
  // Run-from-package makes the app folder read-only on Azure: every tool cache goes to the
  // session's own writable folders, which are removed with the session.
  Object.assign(env, {
    HOME: dirs.home,
    TMPDIR: dirs.tmp,
    TMP: dirs.tmp,
    TEMP: dirs.tmp,
    XDG_CACHE_HOME: `${dirs.home}/.cache`,
    XDG_CONFIG_HOME: `${dirs.home}/.config`,
    XDG_DATA_HOME: `${dirs.home}/.local/share`,
    npm_config_cache: `${dirs.home}/.npm`,
    UV_CACHE_DIR: `${dirs.home}/.cache/uv`,
  });
  if (platform === 'win32') {
    env.USERPROFILE = dirs.home;
    env.APPDATA = `${dirs.home}\\AppData\\Roaming`;
    env.LOCALAPPDATA = `${dirs.home}\\AppData\\Local`;
  }
  return { ...env, ...configured };
}
