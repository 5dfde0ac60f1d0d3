#!/usr/bin/env node
// The benchmark's `adapter-functions` gateway: the repository's Azure Functions host stand-in
// (tests/helpers/functions-host/host.ts, compiled by bench/run.mjs, which passes its path) serving
// one app folder, in a process of its own so that its CPU and memory can be read from /proc beside
// its worker's. Writes {url, functionKey, workerPid, httpUri, functions} to <info-file> once the
// worker has loaded the app; SIGTERM stops the host as the real one stops (worker terminate).
//
//   node bench/functions-host.mjs <host.mjs> <app-folder> <info-file>
//
// Two things differ from the tests' use of the stand-in, both to keep it a fair gateway here:
// - the worker is forked with bench/loopback-only.mjs preloaded: @azure/functions' HTTP streaming
//   proxy calls `server.listen()` (every interface; on Azure the sandbox keeps it private); and with
//   bench/gc-on-signal.mjs, as every gateway process of the benchmark (this one is started so);
// - what the stand-in records for tests (every invocation, searched linearly per invocation, and
//   every log line) is dropped each second, after writing the log lines to stdout.
import childProcess from 'node:child_process';
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { pathToFileURL } from 'node:url';

const [hostModule, appDir, infoFile] = process.argv.slice(2);
if (!infoFile) {
  console.error('usage: node bench/functions-host.mjs <host.mjs> <app-folder> <info-file>');
  process.exit(2);
}

const preload = ['loopback-only.mjs', 'gc-on-signal.mjs'].flatMap((f) => [
  '--import',
  new URL(f, import.meta.url).href,
]);
const fork = childProcess.fork;
childProcess.fork = (modulePath, args, options = {}) =>
  fork(modulePath, args, { ...options, execArgv: ['--expose-gc', ...preload, ...(options.execArgv ?? [])] });
syncBuiltinESMExports(); // host.mjs imports `fork` by name

const { startFunctionsHost } = await import(pathToFileURL(hostModule).href);
const host = await startFunctionsHost({ appDir, env: {} });

const flush = () => {
  if (host.logs.length) process.stdout.write(`${host.logs.join('\n')}\n`);
  host.logs.length = 0;
  host.invocations.length = 0;
};
setInterval(flush, 1000).unref();

const tmp = `${infoFile}.tmp`;
fs.writeFileSync(
  tmp,
  JSON.stringify({
    url: host.url.href,
    functionKey: host.functionKey,
    workerPid: host.workerPid,
    httpUri: host.httpUri,
    functions: host.functions.map((fn) => `${fn.name} ${fn.route} (${fn.authLevel})`),
  }),
);
fs.renameSync(tmp, infoFile);

let stopping = false;
for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    void host
      .close()
      .catch((e) => console.error(`host close failed: ${e?.stack ?? e}`))
      .finally(() => {
        flush();
        process.exit(0);
      });
  });
}
// Stays up: the host's HTTP server keeps the event loop alive.
