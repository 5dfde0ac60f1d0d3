// Preloaded (`node --expose-gc --import`) into every gateway process the benchmark starts: SIGUSR2
// runs a full garbage collection, then writes process.memoryUsage() to
// $BENCH_GC_REPORT_DIR/<pid>.json. The readings per idle open session come after one, so that
// garbage left by the phase before (megabytes) does not drown what a session keeps (kilobytes);
// the heap numbers say what is live, RSS also what the allocators have not given back.
// Nothing else changes; none of the gateways uses SIGUSR2.
import { renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const dir = process.env.BENCH_GC_REPORT_DIR;
process.on('SIGUSR2', () => {
  globalThis.gc?.();
  if (!dir) return;
  const file = path.join(dir, `${process.pid}.json`);
  try {
    writeFileSync(`${file}.tmp`, JSON.stringify(process.memoryUsage()));
    renameSync(`${file}.tmp`, file);
  } catch {}
});
